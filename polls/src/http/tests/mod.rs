//! The API's tests (see `http/mod.rs`): the catalog and the
//! OpenAPI document ([`units`]), and the routes on a real server on SQLite ([`flow`], [`lists`],
//! [`ballots`]) through the [`Harness`] below, built on core's test server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use time::OffsetDateTime;

use veche_core::accounts::model::Role;
use veche_core::id::OrganisationId;
use veche_core::notify::{Enqueued, Notification, Notify, NotifyError};
use veche_core::testing::server::{self, PlatformSpec, Reply, User, UserSpec};
use veche_core::web::i18n::{Catalog, CORE_EN, CORE_RU};
use veche_core::web::ratelimit::declare;
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

/// The catalogs besides core's.
const CATALOGS: [(&str, &str); 2] = [(NOTIFIER_RU, NOTIFIER_EN), (POLLS_RU, POLLS_EN)];

fn catalog() -> Catalog {
    let mut catalogs = vec![(CORE_RU, CORE_EN)];
    catalogs.extend(CATALOGS);
    Catalog::new(&catalogs).unwrap_or_else(|e| panic!("catalog: {e}"))
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

/// A user's credentials as a request header.
trait Auth {
    fn auth(&self) -> (&str, &str);
}

impl Auth for User {
    fn auth(&self) -> (&str, &str) {
        ("Authorization", self.bearer.as_str())
    }
}

/// An answer's status and problem code (empty when it is no problem document).
trait Code {
    fn code(&self) -> (u16, String);
}

impl Code for Reply {
    fn code(&self) -> (u16, String) {
        let code = serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_string))
            .unwrap_or_default();
        (self.status, code)
    }
}

impl Harness {
    /// The polls' routes (pages included) on a fresh SQLite store, no districts, no mail.
    async fn start(config: PollsConfig, rates: &[(&'static str, &'static str)]) -> Harness {
        let (backend, dir) = server::sqlite();
        let spec = PlatformSpec {
            catalogs: CATALOGS.to_vec(),
            limits: declare::<crate::PollsLimit>(),
            rates: rates.to_vec(),
            districts: false,
            ..PlatformSpec::default()
        };
        let platform = server::platform_on(backend.clone(), spec, Arc::new(NoMail)).await;
        let poll_store = crate::store::open(&backend)
            .await
            .unwrap_or_else(|e| panic!("polls store: {e}"));
        let polls = Arc::new(Polls::new(poll_store, config));
        let addr = server::serve(&platform, super::routes(platform.clone(), polls.clone())).await;
        Harness {
            platform,
            polls,
            addr,
            _dir: dir,
        }
    }

    /// A signed-in user with `roles`; an official belongs to an organisation of their own.
    async fn user(&self, roles: &[Role]) -> User {
        let spec = UserSpec {
            organisation: roles
                .contains(&Role::Official)
                .then(OrganisationId::generate),
            ..UserSpec::default()
        };
        server::user_with(&self.platform, roles, spec).await
    }

    /// One request; a JSON `body` goes with its `Content-Type`.
    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut all = headers.to_vec();
        if body.is_some() {
            all.push(("Content-Type", "application/json"));
        }
        server::send(self.addr, method, path, &all, body).await
    }

    /// `send` as `auth`, naming `version` in `If-Match`.
    async fn send_if_match(
        &self,
        method: &str,
        path: &str,
        auth: (&str, &str),
        version: &str,
        body: Option<&str>,
    ) -> Reply {
        self.send(method, path, &[auth, ("If-Match", version)], body)
            .await
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
