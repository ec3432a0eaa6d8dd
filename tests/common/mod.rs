#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Shared helpers for the black-box tests: spawn the real app on port 0 (on SQLite or on the
//! MongoDB test server) and talk to it over HTTP.

#![allow(dead_code)]

use std::collections::BTreeSet;

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use veche::config::{Secret, Settings, StoreSettings};
use veche::App;
use veche_core::accounts::model::Role;

/// Хамовники and Митино (OKTMO codes).
pub const KHAMOVNIKI: &str = "45383000";
pub const MITINO: &str = "45367000";
pub const PASSWORD: &str = "correct horse battery";

pub enum Store {
    Sqlite,
    Mongo,
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

    /// Spawns on the given store; `None` when the store is MongoDB and no test server is
    /// configured outside CI (under CI that panics instead).
    pub async fn spawn_with(store: Store, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_tests(dir.path());
        let mut mongo_db = None;
        if let Store::Mongo = store {
            let uri = veche_core::testing::mongodb_uri()?;
            let name = veche_core::testing::fresh_database_name("api");
            let base = uri.trim_end_matches('/');
            let base = base.split('?').next().unwrap_or(base);
            // Replace any database path with the fresh name.
            let host_part = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
            let full = format!("{host_part}/{name}");
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client with its own cookie jar (one browser), not following redirects.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub fn platform(&self) -> &std::sync::Arc<veche_core::Platform> {
        &self.app.as_ref().expect("running").platform
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

    /// Signs up `email` in Хамовники with [`PASSWORD`]; asserts 201; returns the account.
    pub async fn sign_up(&self, client: &Client, email: &str) -> Value {
        let response = self
            .post_json(
                client,
                "/api/v1/accounts",
                &json!({
                    "email": email,
                    "password": PASSWORD,
                    "display_name": "Тестовый Житель",
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
        let response = self
            .post_json(
                client,
                "/api/v1/sessions",
                &json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "sign-in of {email}");
        let body: Value = response.json().await.expect("json");
        body["csrf_token"].as_str().expect("csrf token").to_string()
    }

    /// Gives an account roles directly in the store (the test's stand-in for `create-admin`).
    pub async fn grant(&self, email: &str, roles: &[Role]) {
        let store = &self.platform().store;
        let mut account = store
            .account_by_email(email)
            .await
            .expect("store")
            .expect("account");
        account.roles = roles
            .iter()
            .copied()
            .chain([Role::Resident])
            .collect::<BTreeSet<_>>();
        store.update_account(&account).await.expect("update");
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

/// The problem document's `code`, asserting the content type.
pub async fn problem_code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.expect("problem json");
    (status, body["code"].as_str().unwrap_or("").to_string())
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
