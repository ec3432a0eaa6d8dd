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
//! - [`polls_cli`]: `veche polls …` (recount, seal, export, verify a receipt or an export).
//! - [`reports_cli`]: `veche reports bench-seed` (the reports' load benchmark's data).

pub mod admin;
pub mod bench;
pub mod config;
pub mod ideas_cli;
pub mod openapi;
pub mod ops;
pub mod polls_cli;
pub mod reports_cli;
pub mod router;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use warp::reply::Response;
use warp::Filter;

pub use config::Settings;
use config::StoreSettings;
use veche_core::accounts::demo::DemoAccount;
use veche_core::accounts::{Accounts, CoreConfig};
use veche_core::feature::{Declaration, Feature, Running};
use veche_core::notify::KindSpec;
use veche_core::platform::Ctx;
use veche_core::storage::{Backend, Mongo, Sqlite};
use veche_core::web::current_meta;
use veche_core::web::i18n::Catalog;
use veche_core::web::pages::error_page;
use veche_core::web::problem::{Problem, Rejected};
use veche_core::web::ratelimit::Limits;
use veche_core::Platform;
use veche_notifier::mailer::{Mailer, Security, Transport};
use veche_notifier::{NotifierFeature, Outbox, Worker, WorkerConfig};

/// The features this build of Veche serves, in order (their routes are tried in this order,
/// their navigation entries appear in it). Adding a feature is one line here plus its
/// dependency; the notifier (the outbox behind the platform's notification port) is added
/// by [`assemble`] itself, since it must exist before the platform.
pub fn features(settings: &Settings) -> Vec<Box<dyn Feature>> {
    vec![
        Box::new(veche_polls::PollsFeature::new(settings.polls.clone())),
        Box::new(veche_ideas::IdeasFeature::new(
            veche_ideas::IdeasConfig::default(),
        )),
        Box::new(veche_reports::ReportsFeature::new(settings.reports.clone())),
        Box::new(veche_core::accounts_web::AccountsFeature),
    ]
}

/// A running Veche.
pub struct App {
    /// Where it listens (the real port when the settings asked for port 0).
    pub addr: SocketAddr,
    pub platform: Arc<Platform>,
    pub outbox: Arc<Outbox>,
    /// The delivery worker (running in this process unless `VECHE_WORKER=off`).
    pub worker: Arc<Worker>,
    worker_task: Option<JoinHandle<()>>,
    /// Demo accounts and their passwords, when started with `--demo`.
    pub demo_accounts: Vec<DemoAccount>,
    running: Vec<Arc<dyn Running>>,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
}

impl App {
    /// Cancelling this token stops the server (in-flight requests finish) and the background tasks.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The service of a running feature (e.g. `app.service::<veche_polls::Polls>()`).
    pub fn service<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        find_service(&self.running)
    }

    /// Waits until the server has stopped and drained and the worker finished its round;
    /// then each feature writes what it held back (`Running::stopped`).
    pub async fn wait(self) {
        if let Err(e) = self.server.await {
            tracing::error!(error = %e, "server task");
        }
        if let Some(task) = self.worker_task {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "mail worker task");
            }
        }
        for feature in &self.running {
            if let Err(e) = feature.stopped().await {
                tracing::error!(error = format!("{e:#}"), "a feature's stop");
            }
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.wait().await;
    }
}

fn find_service<T: Send + Sync + 'static>(running: &[Arc<dyn Running>]) -> Option<Arc<T>> {
    running
        .iter()
        .find_map(|r| r.service().downcast::<T>().ok())
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
    Ok(assemble(settings, shutdown).await?.platform)
}

/// What [`assemble`] builds: the shared state, the outbox behind its notification port, and
/// every feature started on the platform.
pub struct Parts {
    pub platform: Arc<Platform>,
    pub outbox: Arc<Outbox>,
    pub running: Vec<Arc<dyn Running>>,
}

impl Parts {
    /// The service of a started feature, or an error naming the one missing.
    pub fn service<T: Send + Sync + 'static>(&self) -> anyhow::Result<Arc<T>> {
        find_service(&self.running)
            .with_context(|| format!("no feature serves {}", std::any::type_name::<T>()))
    }
}

/// The shared state, the outbox behind its notification port, and the features: every
/// feature's catalogs, limits, notification kinds and navigation are gathered, the platform is
/// built from them, then each feature prepares its store and starts.
pub async fn assemble(settings: &Settings, shutdown: CancellationToken) -> anyhow::Result<Parts> {
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
    let mut features = features(settings);
    let kinds: Vec<&'static [KindSpec]> = features.iter().map(|f| f.declaration().kinds).collect();
    let outbox = Arc::new(
        Outbox::open(&backend, &kinds)
            .await
            .context("preparing the email outbox")?,
    );
    features.insert(0, Box::new(NotifierFeature::new(outbox.clone())));
    let declarations: Vec<Declaration> = features.iter().map(|f| f.declaration()).collect();
    let catalogs: Vec<_> = declarations.iter().map(|d| d.catalog).collect();
    let catalog = Catalog::new(&catalogs).map_err(anyhow::Error::msg)?;
    let declared: Vec<_> = declarations
        .iter()
        .flat_map(|d| d.limits.iter().copied())
        .collect();
    let limits = Limits::build_for_replicas(&declared, &settings.rates, settings.replicas)
        .map_err(anyhow::Error::msg)?;
    if settings.replicas.get() > 1 {
        tracing::info!(
            replicas = settings.replicas.get(),
            "rate limits divided among the servers: each allows its share of every budget"
        );
    }
    let config = CoreConfig {
        public_url: settings.public_url.clone(),
        session_idle: settings.session_idle,
        session_max: settings.session_max,
        identity_ttl: settings.identity_ttl,
    };
    let accounts = Accounts::new(store, config, secret, shutdown, outbox.clone());
    let mut platform = Platform::new(backend, accounts, catalog, limits);
    // Features in their order; the notifier's admin page after the others' entries.
    let (notifier, rest) = declarations.split_at(1);
    platform.nav = rest
        .iter()
        .chain(notifier)
        .flat_map(|d| d.nav.clone())
        .collect();
    platform.reload_directory().await?;
    let platform = Arc::new(platform);
    let mut running = Vec::with_capacity(features.len());
    for (feature, declared) in features.iter().zip(&declarations) {
        let started = feature
            .start(platform.clone())
            .await
            .with_context(|| format!("starting the {} feature", declared.name))?;
        running.push(started);
    }
    Ok(Parts {
        platform,
        outbox,
        running,
    })
}

/// The delivery worker for these settings: SMTP when a host is set, else `.eml` files in the
/// mail folder.
pub fn worker(
    settings: &Settings,
    platform: Arc<Platform>,
    outbox: Arc<Outbox>,
) -> anyhow::Result<Arc<Worker>> {
    let smtp = &settings.smtp;
    let transport = match &smtp.host {
        Some(host) => Transport::Smtp {
            host: host.clone(),
            port: smtp.port,
            security: match smtp.tls {
                config::SmtpTls::None => Security::None,
                config::SmtpTls::StartTls => Security::StartTls,
                config::SmtpTls::Tls => Security::Tls,
            },
            credentials: smtp
                .credentials
                .as_ref()
                .map(|(user, password)| (user.clone(), password.expose().to_string())),
            pool_size: settings.mail.concurrency as u32,
            timeout: std::time::Duration::from_secs(60),
        },
        None => Transport::Directory(settings.mail.dir.clone()),
    };
    let mailer = Mailer::new(&transport, &smtp.from).map_err(anyhow::Error::msg)?;
    let m = &settings.mail;
    let config = WorkerConfig {
        max_attempts: m.max_attempts,
        backoff_base: m.backoff,
        backoff_max: m.backoff_max,
        lease: m.lease,
        concurrency: m.concurrency,
        poll: m.poll,
        digest_hour: m.digest_hour,
        utc_offset: m.utc_offset,
        ..WorkerConfig::default()
    };
    Ok(Arc::new(Worker::new(
        platform,
        outbox,
        Arc::new(mailer),
        config,
    )?))
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
pub fn routes(parts: &Parts, settings: &Settings) -> anyhow::Result<router::Router> {
    let platform = parts.platform.clone();
    let mut all = vec![ops::routes(
        platform.clone(),
        settings.metrics_token.clone(),
        openapi::document(&parts.running),
    )];
    for feature in &parts.running {
        all.push(feature.routes()?);
    }
    let recover_platform = platform.clone();
    Ok(router::Router::new(all, move |rejection| {
        recover(recover_platform.clone(), rejection)
    }))
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

/// Runs the delivery worker on its own (`veche worker`) until `shutdown`: the outbox, the relay
/// of owed emails, the uploaded photos' processing (`Running::spawn_work`), and `/healthz`, `/readyz` and `/metrics` on the listen address for the
/// orchestrator. Returns once the worker finished its last round.
pub async fn run_worker(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<()> {
    let Parts {
        platform,
        outbox,
        running,
    } = assemble(&settings, shutdown.clone()).await?;
    let worker = worker(&settings, platform.clone(), outbox)?;
    platform.spawn_mail_relay();
    for feature in &running {
        feature.spawn_work();
    }
    let recover_platform = platform.clone();
    let routes = ops::routes(
        platform.clone(),
        settings.metrics_token.clone(),
        openapi::document(&running),
    )
    .recover(move |rejection| recover(recover_platform.clone(), rejection))
    .unify()
    .boxed();
    let routes = router::Router::plain(routes);
    let (addr, server) = listen(&settings, routes, &platform, &shutdown).await?;
    tracing::info!(%addr, "worker health and metrics");
    worker.run(shutdown).await;
    server.await?;
    Ok(())
}

/// Binds the listen address and serves `routes` in a background task until `shutdown`.
async fn listen(
    settings: &Settings,
    routes: router::Router,
    platform: &Arc<Platform>,
    shutdown: &CancellationToken,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
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
        Arc::new(routes),
        platform.clone(),
        options,
        shutdown.clone(),
    ));
    Ok((addr, server))
}

/// Builds and starts Veche: opens the store, seeds what is missing, binds the listener, and
/// serves in a background task until the returned app is stopped.
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    let shutdown = CancellationToken::new();
    let parts = assemble(&settings, shutdown.clone()).await?;
    let platform = parts.platform.clone();
    let worker = worker(&settings, platform.clone(), parts.outbox.clone())?;
    let demo_accounts = if settings.demo {
        let accounts = veche_core::accounts::demo::seed(&platform).await?;
        for feature in &parts.running {
            feature.seed_demo().await?;
        }
        accounts
    } else {
        Vec::new()
    };
    platform.spawn_housekeeping();
    for feature in &parts.running {
        feature.spawn_tasks();
    }
    let worker_task = if settings.mail.worker {
        for feature in &parts.running {
            feature.spawn_work();
        }
        Some(tokio::spawn(worker.clone().run(shutdown.clone())))
    } else {
        tracing::info!(
            "VECHE_WORKER=off: emails are delivered and photos processed by separate `veche worker` processes"
        );
        None
    };
    let routes = routes(&parts, &settings)?;
    let (addr, server) = listen(&settings, routes, &platform, &shutdown).await?;
    Ok(App {
        addr,
        platform,
        outbox: parts.outbox,
        running: parts.running,
        worker,
        worker_task,
        demo_accounts,
        shutdown,
        server,
    })
}
