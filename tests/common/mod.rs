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

// ---- Residents, officials and settings for the polls tests ----

/// One argon2 hash of [`PASSWORD`], computed once for every account made by [`member`].
static PASSWORD_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn password_hash() -> String {
    PASSWORD_HASH
        .get_or_init(|| async {
            let password =
                veche_core::accounts::model::Password::parse(PASSWORD).expect("password");
            veche_core::accounts::service::hash_password(&password)
                .await
                .expect("hash")
        })
        .await
        .clone()
}

/// A new organisation, straight into the store.
pub async fn organisation(app: &TestApp, name: &str) -> veche_core::id::OrganisationId {
    let organisation = veche_core::accounts::model::Organisation {
        id: veche_core::id::OrganisationId::generate(),
        name: name.to_string(),
        created_at: veche_core::clock::now(),
    };
    app.platform()
        .store
        .insert_organisation(&organisation)
        .await
        .expect("insert organisation");
    organisation.id
}

/// An account made directly in the store (no sign-up rate limit, no argon2 per account) with
/// an API token: returns its id and the bearer token. `verified` makes it active (else
/// unverified); `organisation` is kept for officials.
pub async fn member(
    app: &TestApp,
    district: &str,
    birth_year: i32,
    verified: bool,
    roles: &[Role],
    organisation: Option<veche_core::id::OrganisationId>,
) -> (veche_core::id::AccountId, String) {
    use veche_core::accounts::model::{
        Account, AccountState, ApiToken, BirthYear, DisplayName, Email,
    };
    use veche_core::id::{AccountId, DistrictId, TokenId};
    let platform = app.platform();
    let now = veche_core::clock::now();
    let id = AccountId::generate();
    let account = Account {
        email: Email::parse(&format!(
            "r-{}@test.veche.example",
            id.as_str().to_lowercase()
        ))
        .expect("email"),
        id,
        display_name: DisplayName::parse("Тестовый Житель").expect("name"),
        district_id: DistrictId::from_trusted(district.to_string()),
        birth_year: BirthYear::from_trusted(birth_year),
        password_hash: password_hash().await,
        roles: roles
            .iter()
            .copied()
            .chain([Role::Resident])
            .collect::<BTreeSet<_>>(),
        organisation_id: organisation,
        state: if verified {
            AccountState::Active
        } else {
            AccountState::Unverified
        },
        created_at: now,
        updated_at: now,
        mail_pending_since: None,
        lang: veche_core::web::i18n::Lang::Ru,
    };
    platform
        .store
        .insert_account(&account)
        .await
        .expect("insert account");
    let secret = format!("vch_{}", veche_core::random::token());
    platform
        .store
        .insert_token(&ApiToken {
            id: TokenId::generate(),
            account_id: account.id.clone(),
            name: "tests".into(),
            hash: veche_core::random::token_hash(&secret),
            created_at: now,
            // Recently used: the first requests need not write the time of use.
            last_used_at: Some(now),
        })
        .await
        .expect("insert token");
    (account.id, secret)
}

/// [`member`] with a fresh organisation of its own when `roles` holds [`Role::Official`].
pub async fn resident(
    app: &TestApp,
    district: &str,
    birth_year: i32,
    verified: bool,
    roles: &[Role],
) -> (veche_core::id::AccountId, String) {
    let organisation = if roles.contains(&Role::Official) {
        Some(organisation(app, "Управа района").await)
    } else {
        None
    };
    member(app, district, birth_year, verified, roles, organisation).await
}

/// The okrug a district belongs to.
pub fn okrug_of(app: &TestApp, district: &str) -> String {
    app.platform()
        .directory()
        .district(district)
        .map(|d| d.okrug_id.to_string())
        .expect("a known district")
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

/// Sends the app's email to the test SMTP server on `port` (loopback, no TLS), with the outbox
/// polled every 50 ms.
pub fn send_mail_to(settings: &mut Settings, port: u16) {
    settings.smtp.host = Some("127.0.0.1".into());
    settings.smtp.port = port;
    settings.smtp.tls = veche::config::SmtpTls::None;
    settings.mail.poll = std::time::Duration::from_millis(50);
}

/// Waits (up to 20 s) for the first email of `kind` to `to`.
pub async fn mail_to(
    sink: &veche_core::testing::smtp::SmtpSink,
    to: &str,
    kind: &str,
) -> veche_core::testing::smtp::Received {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(m) = sink
            .messages()
            .into_iter()
            .find(|m| m.envelope_to == [to] && m.header("X-Veche-Kind") == Some(kind))
        {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {kind} email to {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
