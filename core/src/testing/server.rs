//! A feature's routes on a real server, for the feature's own tests: a platform on a fresh
//! SQLite store (the features' catalogs and limits, overridden rates, Moscow's districts), the
//! routes behind a `recover` like the binary's on a free loopback port, signed-in users, and a
//! small HTTP/1.1 client (feature crates need no HTTP client crate for it).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;
use warp::Filter;

use crate::accounts::model::{Account, AccountState, BirthYear, DisplayName, Email, Role};
use crate::accounts::{service, Accounts, CoreConfig};
use crate::feature::Routes;
use crate::id::{AccountId, DistrictId};
use crate::notify::Notify;
use crate::platform::Platform;
use crate::storage::{Backend, Sqlite, SyncMode};
use crate::web::i18n::{Catalog, Lang, CORE_EN, CORE_RU};
use crate::web::problem::{Problem, Rejected};
use crate::web::ratelimit::{declare, CoreLimit, Declared, Limits, RateSpec};
use crate::{clock, random};

/// How to build a test platform.
pub struct PlatformSpec {
    /// Catalogs besides core's, (Russian, English).
    pub catalogs: Vec<(&'static str, &'static str)>,
    /// Limits besides core's.
    pub limits: Vec<Declared>,
    /// Overridden quotas, e.g. `("ballot_ip", "2/min")`.
    pub rates: Vec<(&'static str, &'static str)>,
    /// Moscow's districts in the store (and the directory).
    pub districts: bool,
    pub config: CoreConfig,
}

impl Default for PlatformSpec {
    fn default() -> Self {
        PlatformSpec {
            catalogs: Vec::new(),
            limits: Vec::new(),
            rates: Vec::new(),
            districts: true,
            config: CoreConfig::default(),
        }
    }
}

/// A platform on `backend` as `spec` says, with `notify` as its notification port and a fixed
/// secret (`[7; 32]`).
pub async fn platform_on(
    backend: Backend,
    spec: PlatformSpec,
    notify: Arc<dyn Notify>,
) -> Arc<Platform> {
    let store = crate::store::open(&backend)
        .await
        .unwrap_or_else(|e| panic!("core store: {e}"));
    if spec.districts {
        let moscow = crate::districts::moscow().unwrap_or_else(|e| panic!("{e}"));
        store
            .upsert_districts(&moscow.okrugs, &moscow.districts)
            .await
            .unwrap_or_else(|e| panic!("districts: {e}"));
    }
    let mut catalogs = vec![(CORE_RU, CORE_EN)];
    catalogs.extend(spec.catalogs);
    let catalog = Catalog::new(&catalogs).unwrap_or_else(|e| panic!("catalog: {e}"));
    let declared: Vec<Declared> = declare::<CoreLimit>()
        .into_iter()
        .chain(spec.limits)
        .collect();
    let overrides: BTreeMap<String, RateSpec> = spec
        .rates
        .iter()
        .map(|(k, v)| {
            let rate = RateSpec::parse(v).unwrap_or_else(|e| panic!("{e}"));
            (k.to_string(), rate)
        })
        .collect();
    let limits = Limits::build(&declared, &overrides).unwrap_or_else(|e| panic!("limits: {e}"));
    let accounts = Accounts::new(
        store,
        spec.config,
        [7; 32],
        CancellationToken::new(),
        notify,
    );
    let platform = Platform::new(backend, accounts, catalog, limits);
    platform
        .reload_directory()
        .await
        .unwrap_or_else(|e| panic!("directory: {e}"));
    Arc::new(platform)
}

/// A fresh SQLite store in a temporary folder (kept while the folder lives).
pub fn sqlite() -> (Backend, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap_or_else(|e| panic!("sqlite: {e}"));
    (Backend::Sqlite(db), dir)
}

/// Serves `routes` on a free loopback port, with a `recover` that answers what no route took
/// as a problem document, as the binary does.
pub async fn serve(platform: &Arc<Platform>, routes: Routes) -> SocketAddr {
    let recover_platform = platform.clone();
    let routes = routes
        .recover(move |r| recover(recover_platform.clone(), r))
        .unify()
        .boxed();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    tokio::spawn(warp::serve(routes).incoming(listener).run());
    addr
}

async fn recover(
    platform: Arc<Platform>,
    rejection: warp::Rejection,
) -> Result<warp::reply::Response, std::convert::Infallible> {
    let problem = match rejection.find::<Rejected>() {
        Some(Rejected(p)) => p.clone(),
        None if rejection.is_not_found() => Problem::not_found(),
        None if rejection.find::<warp::reject::PayloadTooLarge>().is_some() => {
            Problem::new(http::StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        None => Problem::new(http::StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
    };
    Ok(problem.into_response(&platform.catalog, Lang::Ru))
}

/// A signed-in account: its bearer token, its session cookie and that session's CSRF token.
pub struct User {
    pub account: Account,
    pub bearer: String,
    pub cookie: String,
    pub csrf: String,
}

/// Options for [`user`] beyond the roles.
#[derive(Clone, Default)]
pub struct UserSpec {
    /// The district (default Хамовники, 45383000).
    pub district: Option<&'static str>,
    /// The birth year (default 1985).
    pub birth_year: Option<i32>,
    pub unverified: bool,
    pub organisation: Option<crate::id::OrganisationId>,
}

/// A new active account holding `roles` (and resident), with a token and a session.
pub async fn user(platform: &Platform, roles: &[Role]) -> User {
    user_with(platform, roles, UserSpec::default()).await
}

/// [`user`] with a district, birth year, state or organisation.
pub async fn user_with(platform: &Platform, roles: &[Role], spec: UserSpec) -> User {
    let now = clock::now();
    let id = AccountId::generate();
    let email = Email::parse(&format!("u{}@example.org", id.as_str().to_lowercase()))
        .unwrap_or_else(|e| panic!("email: {e}"));
    let account = Account {
        id,
        organisation_id: spec.organisation,
        state: if spec.unverified {
            AccountState::Unverified
        } else {
            AccountState::Active
        },
        ..Account::new(
            email,
            DisplayName::parse("Анна Тестова").unwrap_or_else(|e| panic!("name: {e}")),
            DistrictId::from_trusted(spec.district.unwrap_or("45383000").into()),
            BirthYear::from_trusted(spec.birth_year.unwrap_or(1985)),
            String::new(),
            roles
                .iter()
                .copied()
                .chain([Role::Resident])
                .collect::<BTreeSet<_>>(),
            now,
        )
    };
    platform
        .store
        .insert_account(&account)
        .await
        .unwrap_or_else(|e| panic!("account: {e}"));
    let (_, bearer) = service::create_token(platform, &account.id, "tests")
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    let session = service::start_session(platform, &account.id)
        .await
        .unwrap_or_else(|e| panic!("session: {e}"));
    let csrf = random::mac(
        &platform.secret,
        "csrf",
        &format!("session:{}", random::token_hash(&session)),
    );
    User {
        account,
        bearer: format!("Bearer {bearer}"),
        cookie: format!("veche_session={session}"),
        csrf,
    }
}

/// An answer, as the client read it off the wire.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        super::http::header_in(&self.head, name)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends one HTTP/1.1 request and reads the whole answer (a chunked body undone). `body: None`
/// sends no body and no `Content-Length` at all.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut all = vec![("Host", "localhost"), ("Connection", "close")];
    all.extend_from_slice(headers);
    let mut request = super::http::request_head(method, path, &all, body.map(str::len));
    request.push_str(body.unwrap_or(""));
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    stream
        .write_all(request.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Reply {
        status,
        head: head.to_string(),
        body: if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
    }
}

/// Undoes `Transfer-Encoding: chunked`.
fn dechunk(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after.get(size + 2..).unwrap_or("");
    }
    out
}
