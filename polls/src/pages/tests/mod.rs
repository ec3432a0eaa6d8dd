//! The pages' tests: pure helpers, the editor's edits, and the pages through the routes on a
//! real server (the harness below, on core's test server: `veche_core::testing::server`).

mod edits;
mod flows;
mod helpers;
mod maps;

use std::sync::Arc;

use time::OffsetDateTime;
use veche_core::accounts::model::Role;
use veche_core::feature::Feature;
use veche_core::id::OrganisationId;
use veche_core::notify::{Enqueued, Notification, Notify, NotifyError};
use veche_core::platform::Platform;
use veche_core::testing::server::{self, PlatformSpec, UserSpec};
use veche_core::web::i18n::{Catalog, CORE_EN, CORE_RU};
use veche_core::web::ratelimit::declare;

use crate::model::{Poll, PollId};
use crate::pages::{moscow_input_value, routes};
use crate::service::{self, Polls};
use crate::{PollsConfig, PollsFeature, PollsLimit};

fn catalog() -> Catalog {
    Catalog::new(&[(CORE_RU, CORE_EN), (crate::POLLS_RU, crate::POLLS_EN)])
        .unwrap_or_else(|e| panic!("catalog: {e}"))
}

struct NoMail;

#[async_trait::async_trait]
impl Notify for NoMail {
    async fn enqueue(&self, _: Notification) -> Result<Enqueued, NotifyError> {
        Ok(Enqueued::Declined)
    }
}

/// The pages on a real server: a platform on a fresh SQLite store, the polls started as the
/// binary starts them, and only the pages' routes.
struct Rig {
    polls: Arc<Polls>,
    addr: std::net::SocketAddr,
    platform: Arc<Platform>,
    _dir: tempfile::TempDir,
}

/// A signed-in account: its session cookie and that session's CSRF token.
struct User {
    cookie: String,
    csrf: String,
}

struct Reply {
    status: u16,
    location: String,
    body: String,
    refresh: Option<String>,
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Rig {
    async fn start() -> Rig {
        let (backend, dir) = server::sqlite();
        let spec = PlatformSpec {
            catalogs: vec![(crate::POLLS_RU, crate::POLLS_EN)],
            limits: declare::<PollsLimit>(),
            ..Default::default()
        };
        let platform = server::platform_on(backend, spec, Arc::new(NoMail)).await;
        let running = PollsFeature::new(PollsConfig::default())
            .start(platform.clone())
            .await
            .unwrap_or_else(|e| panic!("polls: {e}"));
        let polls = running
            .service()
            .downcast::<Polls>()
            .unwrap_or_else(|_| panic!("the polls' service is not Polls"));
        let addr = server::serve(&platform, routes(platform.clone(), polls.clone())).await;
        Rig {
            polls,
            addr,
            platform,
            _dir: dir,
        }
    }

    async fn user(&self, roles: &[Role], organisation: Option<&OrganisationId>) -> User {
        let spec = UserSpec {
            // Арбат, in the Central okrug.
            district: Some("45374000"),
            organisation: organisation.cloned(),
            ..Default::default()
        };
        let user = server::user_with(&self.platform, roles, spec).await;
        User {
            cookie: user.cookie,
            csrf: user.csrf,
        }
    }

    async fn send(&self, method: &str, path: &str, user: Option<&User>, body: &str) -> Reply {
        let mut headers = Vec::new();
        if let Some(u) = user {
            headers.push(("Cookie", u.cookie.as_str()));
        }
        if method == "POST" {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        let reply = server::send(self.addr, method, path, &headers, Some(body)).await;
        Reply {
            status: reply.status,
            location: reply.header("location").unwrap_or_default(),
            refresh: reply.header("refresh"),
            body: reply.body,
        }
    }

    async fn get(&self, path: &str, user: Option<&User>) -> Reply {
        self.send("GET", path, user, "").await
    }

    /// Posts a form with the user's CSRF token; `fields` are already encoded pairs.
    async fn post(&self, path: &str, user: &User, fields: &[(&str, &str)]) -> Reply {
        let mut body = format!("csrf={}", enc(&user.csrf));
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", enc(k), enc(v)));
        }
        self.send("POST", path, Some(user), &body).await
    }

    /// A poll's editor at `path`, as `user`.
    fn editor<'a>(&'a self, path: &str, user: &'a User) -> Editor<'a> {
        Editor {
            rig: self,
            path: path.to_string(),
            user,
        }
    }

    async fn poll(&self, id: &str) -> Poll {
        service::find(&self.polls, &PollId::from_trusted(id.into()))
            .await
            .unwrap_or_else(|e| panic!("poll {id}: {e}"))
    }
}

/// A poll's editor as one user: posts its forms below its path.
struct Editor<'a> {
    rig: &'a Rig,
    path: String,
    user: &'a User,
}

impl Editor<'_> {
    /// Posts the form of `step` (the path below the editor's).
    async fn post(&self, step: &str, fields: &[(&str, &str)]) -> Reply {
        let path = format!("{}/{step}", self.path);
        self.rig.post(&path, self.user, fields).await
    }
}

fn msk(at: OffsetDateTime) -> String {
    moscow_input_value(Some(at))
}
