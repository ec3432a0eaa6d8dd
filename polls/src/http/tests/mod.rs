//! The API's tests, compiled only under `#[cfg(test)]` (see `http/mod.rs`): the catalog and the
//! OpenAPI document ([`units`]), and the routes on a real server on SQLite ([`flow`], [`lists`],
//! [`ballots`]) through the [`Harness`] below.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;
use warp::reply::Response;
use warp::Filter;

use veche_core::accounts::model::{Account, AccountState, BirthYear, DisplayName, Email, Role};
use veche_core::accounts::CoreConfig;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::notify::{Enqueued, Notification, Notify, NotifyError};
use veche_core::storage::{Backend, Sqlite, SyncMode};
use veche_core::web::i18n::{Catalog, Lang, CORE_EN, CORE_RU};
use veche_core::web::problem::{Problem, Rejected};
use veche_core::web::ratelimit::{declare, CoreLimit, Declared, Limits, RateSpec};
use veche_core::{clock, Platform};

use crate::service::{Polls, PollsConfig};
use crate::{POLLS_EN, POLLS_RU};

mod ballots;
mod flow;
mod lists;
mod units;

// The notifier's messages, read from its sources: the polls crate does not depend on it.
const NOTIFIER_RU: &str = include_str!("../../../../notifier/i18n/ru.ftl");
const NOTIFIER_EN: &str = include_str!("../../../../notifier/i18n/en.ftl");

fn catalog() -> Catalog {
    Catalog::new(&[
        (CORE_RU, CORE_EN),
        (NOTIFIER_RU, NOTIFIER_EN),
        (POLLS_RU, POLLS_EN),
    ])
    .unwrap_or_else(|e| panic!("catalog: {e}"))
}

struct NoMail;

#[async_trait::async_trait]
impl Notify for NoMail {
    async fn enqueue(&self, _: Notification) -> Result<Enqueued, NotifyError> {
        Ok(Enqueued::Declined)
    }
}

struct Harness {
    platform: Arc<Platform>,
    polls: Arc<Polls>,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

struct User {
    bearer: String,
}

impl User {
    fn auth(&self) -> (&str, &str) {
        ("Authorization", self.bearer.as_str())
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn code(&self) -> (u16, String) {
        let code = serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_string))
            .unwrap_or_default();
        (self.status, code)
    }
}

/// Undoes `Transfer-Encoding: chunked`.
fn dechunk(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

async fn recover(
    platform: Arc<Platform>,
    rejection: warp::Rejection,
) -> Result<Response, std::convert::Infallible> {
    let problem = match rejection.find::<Rejected>() {
        Some(Rejected(p)) => p.clone(),
        None if rejection.is_not_found() => Problem::not_found(),
        None => Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
    };
    Ok(problem.into_response(&platform.catalog, Lang::En))
}

impl Harness {
    async fn start(config: PollsConfig, rates: &[(&str, &str)]) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        let backend = Backend::Sqlite(db);
        let store = veche_core::store::open(&backend).await.unwrap();
        let declared: Vec<Declared> = declare::<CoreLimit>()
            .into_iter()
            .chain(declare::<crate::PollsLimit>())
            .collect();
        let overrides: BTreeMap<String, RateSpec> = rates
            .iter()
            .map(|(k, v)| (k.to_string(), RateSpec::parse(v).unwrap()))
            .collect();
        let limits = Limits::build(&declared, &overrides).unwrap();
        let platform = Arc::new(Platform::new(
            backend.clone(),
            store,
            catalog(),
            limits,
            CoreConfig::default(),
            [7; 32],
            CancellationToken::new(),
            Arc::new(NoMail),
        ));
        let poll_store = crate::store::open(&backend).await.unwrap();
        let polls = Arc::new(Polls::new(poll_store, config));
        let recover_platform = platform.clone();
        let routes = super::routes(platform.clone(), polls.clone())
            .recover(move |r| recover(recover_platform.clone(), r))
            .unify()
            .boxed();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(warp::serve(routes).incoming(listener).run());
        Harness {
            platform,
            polls,
            addr,
            _dir: dir,
        }
    }

    async fn user(&self, roles: &[Role]) -> User {
        let now = clock::now();
        let id = AccountId::generate();
        let official = roles.contains(&Role::Official);
        let account = Account {
            email: Email::parse(&format!("u{}@example.org", id.as_str().to_lowercase())).unwrap(),
            id,
            display_name: DisplayName::parse("Анна Тестова").unwrap(),
            district_id: DistrictId::from_trusted("45383000".into()),
            birth_year: BirthYear::from_trusted(1985),
            password_hash: String::new(),
            roles: roles
                .iter()
                .copied()
                .chain([Role::Resident])
                .collect::<BTreeSet<_>>(),
            organisation_id: official.then(OrganisationId::generate),
            state: AccountState::Active,
            created_at: now,
            updated_at: now,
            mail_pending_since: None,
            lang: Lang::Ru,
        };
        let p = &self.platform;
        p.store.insert_account(&account).await.unwrap();
        let (_, bearer) = veche_core::accounts::service::create_token(p, &account.id, "tests")
            .await
            .unwrap();
        User {
            bearer: format!("Bearer {bearer}"),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        match body {
            Some(body) => request.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )),
            None => request.push_str("\r\n"),
        }
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
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

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("GET", path, headers, None).await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        self.send("POST", path, headers, Some(&body.to_string()))
            .await
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A city-wide poll that opened a minute ago, with a required single-choice question and
/// an optional multiple-choice one.
fn poll_input(title: &str) -> Value {
    let now = clock::now();
    json!({
        "title": title,
        "description": "Что построить в парке",
        "questions": [
            {"text": "Что построить?", "options": [{"text": "Каток"}, {"text": "Сцену"}]},
            {"text": "Что ещё?", "kind": "multiple", "required": false,
             "options": [{"text": "Скамейки"}, {"text": "Фонари"}, {"text": "Урны"}]},
        ],
        "opens_at": rfc3339(now - time::Duration::minutes(1)),
        "closes_at": rfc3339(now + time::Duration::days(7)),
        "points": 25,
    })
}

fn ballot_for(poll: &Value, first: usize) -> Value {
    let q = &poll["questions"][0];
    json!({"answers": [{"question": q["id"], "options": [q["options"][first]["id"]]}]})
}

fn quick() -> PollsConfig {
    PollsConfig {
        seal_grace: Duration::ZERO,
        cache_ttl: Duration::ZERO,
        ..PollsConfig::default()
    }
}
