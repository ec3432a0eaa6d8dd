//! # veche
//!
//! The Veche binary as a library: [`build`] assembles a running server from [`Settings`]
//! (tests call it with port 0), `main.rs` only parses the command line.
//!
//! - [`config`]: settings from a file, the environment and flags, validated at start.
//! - [`server`]: the HTTP server (request ids, security headers, metrics, graceful drain).
//! - [`ops`]: `/healthz`, `/readyz`, `/metrics`, the OpenAPI document.
//! - [`openapi`]: the OpenAPI document assembled from every crate.
//! - [`admin`]: the admin tasks of the command line.

pub mod admin;
pub mod config;
pub mod openapi;
pub mod ops;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

pub use config::Settings;
use config::StoreSettings;
use veche_core::accounts::demo::DemoAccount;
use veche_core::platform::CoreConfig;
use veche_core::ratelimit::{Limits, CORE_LIMITS};
use veche_core::storage::{Backend, Mongo, Sqlite};
use veche_core::web::i18n::{Catalog, CORE_EN, CORE_RU};
use veche_core::web::pages::error_page;
use veche_core::web::problem::{Problem, Rejected};
use veche_core::web::{current_meta, Ctx};
use veche_core::Platform;

/// A running Veche.
pub struct App {
    /// Where it listens (the real port when the settings asked for port 0).
    pub addr: SocketAddr,
    pub platform: Arc<Platform>,
    /// Demo accounts and their passwords, when started with `--demo`.
    pub demo_accounts: Vec<DemoAccount>,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
}

impl App {
    /// Cancelling this token stops the server (in-flight requests finish) and the background tasks.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the server has stopped and drained.
    pub async fn wait(self) {
        if let Err(e) = self.server.await {
            tracing::error!(error = %e, "server task");
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.wait().await;
    }
}

/// Opens the configured store.
pub async fn open_backend(store: &StoreSettings) -> anyhow::Result<Backend> {
    Ok(match store {
        StoreSettings::Mongo { uri } => Backend::Mongo(Mongo::connect(uri.expose()).await?),
        StoreSettings::Sqlite { dir, sync } => Backend::Sqlite(
            Sqlite::open(dir, *sync)
                .with_context(|| format!("opening the store in {}", dir.display()))?,
        ),
    })
}

/// Opens the store, prepares its schema, seeds the districts if there are none, and builds the
/// shared state (without starting a server: the admin tasks use this too).
pub async fn platform(
    settings: &Settings,
    shutdown: CancellationToken,
) -> anyhow::Result<Arc<Platform>> {
    let backend = open_backend(&settings.store).await?;
    let store = veche_core::store::open(&backend)
        .await
        .context("preparing the store (is it reachable?)")?;
    if store.districts().await?.is_empty() {
        let moscow = veche_core::districts::moscow()?;
        store
            .upsert_districts(&moscow.okrugs, &moscow.districts)
            .await?;
        tracing::info!(
            districts = moscow.districts.len(),
            okrugs = moscow.okrugs.len(),
            "seeded Moscow's districts"
        );
    }
    let secret = match settings.secret_key {
        Some(key) => key,
        None => {
            let made = hex(&rand::random::<[u8; 32]>());
            let kept = store.setting_or_insert("secret_key", &made).await?;
            parse_hex_key(&kept).context("the stored secret key is damaged")?
        }
    };
    let catalog = Catalog::new(&[(CORE_RU, CORE_EN)]).map_err(anyhow::Error::msg)?;
    let limits = Limits::build(CORE_LIMITS, &settings.rates).map_err(anyhow::Error::msg)?;
    let config = CoreConfig {
        public_url: settings.public_url.clone(),
        session_idle: settings.session_idle,
        session_max: settings.session_max,
    };
    let platform = Platform::new(backend, store, catalog, limits, config, secret, shutdown);
    platform.reload_directory().await?;
    Ok(Arc::new(platform))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex_key(raw: &str) -> Option<[u8; 32]> {
    let mut key = [0u8; 32];
    if raw.len() != 64 {
        return None;
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(raw.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

/// Every route of the application, with one `recover` that turns what no route answered into
/// a problem document (API) or an error page (everything else).
pub fn routes(platform: Arc<Platform>, settings: &Settings) -> BoxedFilter<(Response,)> {
    let all = veche_core::web::combine(vec![
        ops::routes(platform.clone(), settings.metrics_token.clone()),
        veche_core::accounts::http::routes(platform.clone()),
        veche_core::accounts::pages::routes(platform.clone()),
    ]);
    let recover_platform = platform.clone();
    all.recover(move |rejection| recover(recover_platform.clone(), rejection))
        .unify()
        .boxed()
}

async fn recover(
    platform: Arc<Platform>,
    rejection: warp::Rejection,
) -> Result<Response, std::convert::Infallible> {
    use http::StatusCode;
    let problem = if let Some(Rejected(problem)) = rejection.find::<Rejected>() {
        problem.clone()
    } else if rejection.is_not_found() {
        Problem::not_found()
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        Problem::new(StatusCode::LENGTH_REQUIRED, "length_required")
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    } else if rejection.find::<warp::reject::InvalidQuery>().is_some() {
        Problem::bad_request("invalid_query")
    } else if rejection.find::<warp::reject::InvalidHeader>().is_some()
        || rejection.find::<warp::reject::MissingHeader>().is_some()
    {
        Problem::bad_request("invalid_header")
    } else {
        tracing::error!(?rejection, "unhandled rejection");
        Problem::internal()
    };
    let meta = current_meta();
    if meta.path.starts_with("/api/") {
        Ok(problem.into_response(&platform.catalog, meta.lang))
    } else {
        Ok(error_page(&Ctx::bare(platform, meta), problem))
    }
}

/// Builds and starts Veche: opens the store, seeds what is missing, binds the listener, and
/// serves in a background task until the returned app is stopped.
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    let shutdown = CancellationToken::new();
    let platform = platform(&settings, shutdown.clone()).await?;
    let demo_accounts = if settings.demo {
        veche_core::accounts::demo::seed(&platform).await?
    } else {
        Vec::new()
    };
    platform.spawn_housekeeping();
    let routes = routes(platform.clone(), &settings);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let options = server::ServerOptions {
        trust_forwarded: settings.trust_forwarded,
        https: settings.public_url.scheme() == "https",
        grace: settings.shutdown_grace,
    };
    let server = tokio::spawn(server::serve(
        listener,
        routes,
        platform.clone(),
        options,
        shutdown.clone(),
    ));
    Ok(App {
        addr,
        platform,
        demo_accounts,
        shutdown,
        server,
    })
}
