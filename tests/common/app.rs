//! The server under test: the real app spawned on port 0, on SQLite or on a fresh database of
//! the MongoDB test server; the settings presets the tests share; and the macros that declare a
//! test once for both stores.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use veche::config::{Secret, Settings, StoreSettings};
use veche::App;
use veche_core::accounts::model::Role;
use veche_core::web::ratelimit::RateSpec;

use super::{KHAMOVNIKI, PASSWORD};

pub enum Store {
    Sqlite,
    Mongo,
}

/// The URI of a fresh database (named after `test`) on the MongoDB test server; `None` (skip)
/// when there is none outside CI (under CI that panics instead).
pub fn fresh_mongo_uri(test: &str) -> Option<String> {
    let uri = veche_core::testing::mongodb_uri()?;
    let name = veche_core::testing::fresh_database_name(test);
    let base = uri.trim_end_matches('/');
    let base = base.split('?').next().unwrap_or(base);
    // Replace any database path with the fresh name.
    let host_part = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    Some(format!("{host_part}/{name}"))
}

pub struct TestApp {
    pub base: String,
    pub app: Option<App>,
    _dir: tempfile::TempDir,
    mongo_db: Option<veche_core::storage::Mongo>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Store::Sqlite, |_| {})
            .await
            .unwrap_or_else(|| unreachable!())
    }

    /// [`TestApp::spawn`], and a client of it (see [`TestApp::client`]).
    pub async fn with_client() -> (TestApp, Client) {
        let app = Self::spawn().await;
        let client = app.client();
        (app, client)
    }

    /// Spawns on the given store; `None` when the store is MongoDB and no test server is
    /// configured outside CI (under CI that panics instead).
    pub async fn spawn_with(store: Store, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_tests(dir.path());
        let mut mongo_db = None;
        if let Store::Mongo = store {
            let full = fresh_mongo_uri("api")?;
            mongo_db = Some(
                veche_core::storage::Mongo::connect(&full)
                    .await
                    .expect("connect to the MongoDB test server"),
            );
            settings.store = StoreSettings::Mongo {
                uri: Secret::new(full),
            };
        }
        adjust(&mut settings);
        let app = veche::build(settings).await.expect("the app starts");
        Some(TestApp {
            base: format!("http://{}", app.addr),
            app: Some(app),
            _dir: dir,
            mongo_db,
        })
    }

    /// On SQLite, with the store in `dir` (which the test keeps, e.g. for a `veche` command run
    /// on the same store).
    pub async fn spawn_in(dir: &std::path::Path) -> TestApp {
        let dir = dir.to_path_buf();
        Self::spawn_with(Store::Sqlite, |s| {
            s.store = StoreSettings::Sqlite {
                dir,
                sync: veche_core::storage::SyncMode::Normal,
            };
        })
        .await
        .unwrap_or_else(|| unreachable!())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Host and port, as a raw connection dials them.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.running().addr
    }

    /// A client with its own cookie jar (one browser), not following redirects.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// The running app (until [`TestApp::stop`]).
    pub fn running(&self) -> &App {
        self.app.as_ref().expect("running")
    }

    pub fn platform(&self) -> &Arc<veche_core::Platform> {
        &self.running().platform
    }

    pub fn polls(&self) -> Arc<veche_polls::Polls> {
        self.running()
            .service::<veche_polls::Polls>()
            .expect("a running app with polls")
    }

    pub fn ideas(&self) -> Arc<veche_ideas::Ideas> {
        self.running()
            .service::<veche_ideas::Ideas>()
            .expect("a running app with ideas")
    }

    pub fn reports(&self) -> Arc<veche_reports::Reports> {
        self.running()
            .service::<veche_reports::Reports>()
            .expect("a running app with reports")
    }

    pub fn outbox(&self) -> &Arc<veche_notifier::Outbox> {
        &self.running().outbox
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        if let Some(db) = self.mongo_db.take() {
            let _ = db.drop_database().await;
        }
    }

    pub async fn post_json(&self, client: &Client, path: &str, body: &Value) -> Response {
        client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Signs in: the answer as it came (for the tests that look at it).
    pub async fn post_session(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post_json(
            client,
            "/api/v1/sessions",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs up `email` in Хамовники with [`PASSWORD`]; asserts 201; returns the account.
    pub async fn sign_up(&self, client: &Client, email: &str) -> Value {
        self.sign_up_as(client, email, "Тестовый Житель").await
    }

    /// [`TestApp::sign_up`] with the given display name.
    pub async fn sign_up_as(&self, client: &Client, email: &str, display_name: &str) -> Value {
        let response = self
            .post_json(
                client,
                "/api/v1/accounts",
                &json!({
                    "email": email,
                    "password": PASSWORD,
                    "display_name": display_name,
                    "district_id": KHAMOVNIKI,
                    "birth_year": 1990
                }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "sign-up of {email}");
        response.json().await.expect("json")
    }

    /// Signs in; asserts 201; returns the CSRF token for later state-changing requests.
    pub async fn sign_in(&self, client: &Client, email: &str, password: &str) -> String {
        let response = self.post_session(client, email, password).await;
        assert_eq!(response.status(), StatusCode::CREATED, "sign-in of {email}");
        let body: Value = response.json().await.expect("json");
        body["csrf_token"].as_str().expect("csrf token").to_string()
    }

    /// Gives an account roles directly (the test's stand-in for `create-admin`); every server
    /// forgets what its sessions and tokens resolved to, as after any change of an account.
    pub async fn grant(&self, email: &str, roles: &[Role]) {
        let mut account = self.account(email).await;
        account.roles = roles
            .iter()
            .copied()
            .chain([Role::Resident])
            .collect::<BTreeSet<_>>();
        self.platform()
            .update_account(&account)
            .await
            .expect("update");
    }

    /// The stored account of `email` (which must exist).
    pub async fn account(&self, email: &str) -> veche_core::accounts::model::Account {
        self.platform()
            .store
            .account_by_email(email)
            .await
            .expect("store")
            .expect("account")
    }

    /// The stored account of `id` (which must exist).
    pub async fn account_of(
        &self,
        id: &veche_core::id::AccountId,
    ) -> veche_core::accounts::model::Account {
        self.platform()
            .store
            .account(id)
            .await
            .expect("store")
            .expect("account")
    }

    /// A signed-in client for a new account with the given roles, and its CSRF token.
    pub async fn signed_in(&self, email: &str, roles: &[Role]) -> (Client, String) {
        let client = self.client();
        self.sign_up(&client, email).await;
        if !roles.is_empty() {
            self.grant(email, roles).await;
        }
        let csrf = self.sign_in(&client, email, PASSWORD).await;
        (client, csrf)
    }
}

// ---- Settings presets ----

/// Sealing right at close, a scheduler that looks every 200 ms, live results read afresh at
/// every request (by default they may be a second old).
pub fn sealing(settings: &mut Settings) {
    settings.polls.seal_grace = Duration::ZERO;
    settings.polls.tick = Duration::from_millis(200);
    settings.polls.cache_ttl = Duration::ZERO;
}

/// Sets the rate limit `name` to `spec` (e.g. `3/min`).
pub fn rate(settings: &mut Settings, name: &str, spec: &str) {
    settings.rates.insert(
        name.to_string(),
        RateSpec::parse(spec).expect("a rate spec"),
    );
}

/// No ballot rate limit worth the name.
pub fn unlimited(settings: &mut Settings) {
    rate(settings, "ballot_account", "100000/s");
    rate(settings, "ballot_ip", "100000/s");
}

/// Declares each `async fn(TestApp)` twice: on SQLite and on the MongoDB test server.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn_with($crate::common::Store::Sqlite, |_| {}).await.unwrap();
                    super::$name(app).await;
                }
            )*
        }
        mod mongo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::spawn_with($crate::common::Store::Mongo, |_| {}).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// Like [`on_both_stores!`], with `adjust` applied to the settings of every app: declares each
/// `async fn(TestApp)` on SQLite and on the MongoDB test server, in the module `$group`.
#[macro_export]
macro_rules! on_both_stores_with {
    ($group:ident, $adjust:expr, [$($name:ident),* $(,)?]) => {
        mod $group {
            mod sqlite {
                #[allow(unused_imports)]
                use super::super::*;
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let app = $crate::common::TestApp::spawn_with($crate::common::Store::Sqlite, $adjust).await.unwrap();
                        super::super::$name(app).await;
                    }
                )*
            }
            mod mongo {
                #[allow(unused_imports)]
                use super::super::*;
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        if let Some(app) = $crate::common::TestApp::spawn_with($crate::common::Store::Mongo, $adjust).await {
                            super::super::$name(app).await;
                        }
                    }
                )*
            }
        }
    };
}

/// Declares each `async fn(Store)` twice, as `sqlite_NAME` and `mongo_NAME`: for the tests that
/// spawn their app themselves (with a mail sink, a store folder of their own…).
#[macro_export]
macro_rules! for_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Store::Sqlite).await;
                }
            )*
        }
        mod mongo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Store::Mongo).await;
                }
            )*
        }
    };
}
