//! The account emails end to end, on both stores: the app with its in-process worker sends to a
//! real SMTP server on loopback, the test reads what arrived and follows the links. Also: an
//! owed email survives a crash, `VECHE_WORKER=off`, and a `veche worker` process killed with
//! SIGKILL in the middle of a batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::app::fresh_mongo_uri;
use common::http::Fetch;
use common::mail::{mailing_app, path_of, token_of};
use common::{assert_contains_all, mail_to, Store, TestApp, KHAMOVNIKI, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use veche_core::accounts::model::{Account, AccountState, BirthYear, Email, Role};
use veche_core::clock;
use veche_core::id::{AccountId, DistrictId};
use veche_core::notify::{kinds, Kind, Notification, Notify, Recipient};
use veche_core::storage::{Backend, Mongo, Sqlite, SyncMode};
use veche_core::testing::smtp::{Received, SmtpSink};
use veche_core::web::i18n::Lang;
use veche_notifier::model::JobState;
use veche_notifier::Outbox;

/// The app sending to a fresh SMTP sink, retrying soon after a failed send.
async fn spawn(
    store: Store,
    adjust: impl FnOnce(&mut veche::Settings),
) -> Option<(SmtpSink, TestApp)> {
    mailing_app(store, |s| {
        s.mail.backoff = Duration::from_millis(100);
        s.mail.backoff_max = Duration::from_millis(400);
        adjust(s);
    })
    .await
}

async fn sign_up_in(app: &TestApp, email: &str, lang: &str) -> Value {
    let response = app
        .client()
        .post(app.url("/api/v1/accounts"))
        .header("accept-language", lang)
        .json(&json!({
            "email": email, "password": PASSWORD, "display_name": "Вера Новикова",
            "district_id": KHAMOVNIKI, "birth_year": 1985
        }))
        .fetch()
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn me(app: &TestApp, client: &reqwest::Client) -> (StatusCode, Value) {
    let response = client.get(app.url("/api/v1/me")).fetch().await;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["account"].clone())
}

/// Asks for a password reset link for `email`: the answer's status.
async fn ask_reset(app: &TestApp, client: &reqwest::Client, email: &str) -> StatusCode {
    app.post_json(
        client,
        "/api/v1/password-resets",
        &json!({ "email": email }),
    )
    .await
    .status()
}

/// Sets a new password with the token of a reset link: the answer's status.
async fn confirm_reset(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    new_password: &str,
) -> StatusCode {
    let body = json!({ "token": token, "new_password": new_password });
    app.post_json(client, "/api/v1/password-resets/confirm", &body)
        .await
        .status()
}

async fn the_sign_up_link_activates_the_account(store: Store) {
    let Some((sink, app)) = spawn(store, |_| {}).await else {
        return;
    };
    let created = sign_up_in(&app, "vera@example.org", "ru-RU,ru;q=0.9").await;
    assert_eq!(created["state"], "unverified");
    sign_up_in(&app, "jane@example.org", "en-GB,en;q=0.9").await;

    let ru = mail_to(&sink, "vera@example.org", "verify_email").await;
    let en = mail_to(&sink, "jane@example.org", "verify_email").await;
    assert!(ru.subject.starts_with("Вече: "), "{}", ru.subject);
    assert!(en.subject.starts_with("Veche: "), "{}", en.subject);
    assert!(
        ru.text.contains("48"),
        "the Russian email says how long the link works"
    );
    assert!(en.html.contains("<html lang=\"en\">"));
    assert_eq!(
        ru.header("List-Unsubscribe"),
        None,
        "an account email has no unsubscribe"
    );
    let link = ru
        .link_containing("/verify-email?token=")
        .expect("a verification link");
    assert!(
        link.starts_with("http://127.0.0.1/"),
        "links use the public URL: {link}"
    );

    let client = app.client();
    app.sign_in(&client, "vera@example.org", PASSWORD).await;
    assert_eq!(me(&app, &client).await.1["state"], "unverified");
    let page = client.get(app.url(&path_of(&link))).fetch().await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(me(&app, &client).await.1["state"], "active");
    let again = app.client().get(app.url(&path_of(&link))).fetch().await;
    assert_eq!(again.status(), StatusCode::GONE, "the link works once");
    // The stored token is a hash: the secret in the link is nowhere in the store's job either.
    let job_data: Vec<_> = app
        .outbox()
        .store
        .list(JobState::Sent, None, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind.as_str() == "verify_email")
        .map(|j| j.data)
        .collect();
    assert_eq!(job_data.len(), 2);
    assert!(
        job_data.iter().all(|d| d.is_empty()),
        "links are scrubbed after sending"
    );
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_contains_all(
        &metrics,
        &[
            "veche_mail_jobs{state=\"sent\"}",
            "veche_mail_outcomes_total{kind=\"verify_email\",outcome=\"sent\"}",
            "veche_mail_send_seconds_count{result=\"ok\"}",
            "veche_mail_enqueued_total{kind=\"verify_email\",result=\"queued\"}",
        ],
        "/metrics",
    );
    app.stop().await;
}

async fn a_forgotten_password_is_reset_by_email(store: Store) {
    let Some((sink, app)) = spawn(store, |_| {}).await else {
        return;
    };
    let (old_session, _) = app.signed_in("oleg@example.org", &[]).await;
    let anonymous = app.client();
    for email in ["oleg@example.org", "nobody@example.org"] {
        assert_eq!(
            ask_reset(&app, &anonymous, email).await,
            StatusCode::ACCEPTED,
            "the same answer for {email}"
        );
    }
    assert_eq!(
        ask_reset(&app, &anonymous, "not an address").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mail = mail_to(&sink, "oleg@example.org", "password_reset").await;
    let link = mail.link_containing("/reset-password?token=").unwrap();
    let token = token_of(&link);
    // The form shows without using the link up.
    let form = anonymous.get(app.url(&path_of(&link))).fetch().await;
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(
        confirm_reset(&app, &anonymous, &token, "short").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password keeps the link"
    );
    assert_eq!(
        confirm_reset(&app, &anonymous, &token, "a brand new passphrase").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        me(&app, &old_session).await.0,
        StatusCode::UNAUTHORIZED,
        "sessions end at a reset"
    );
    app.sign_in(&app.client(), "oleg@example.org", "a brand new passphrase")
        .await;
    assert_eq!(
        confirm_reset(&app, &anonymous, &token, "another passphrase 2").await,
        StatusCode::GONE
    );
    assert!(
        !sink
            .messages()
            .iter()
            .any(|m| m.envelope_to == ["nobody@example.org"]),
        "no email to an address without an account"
    );
    app.stop().await;
}

async fn a_new_address_is_confirmed_by_email(store: Store) {
    let Some((sink, app)) = spawn(store, |_| {}).await else {
        return;
    };
    let (client, csrf) = app.signed_in("petr@example.org", &[]).await;
    let change = client
        .post(app.url("/api/v1/me/email"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "new_email": "Petr.New@Example.org", "current_password": PASSWORD }))
        .fetch()
        .await;
    assert_eq!(change.status(), StatusCode::ACCEPTED);
    let mail = mail_to(&sink, "petr.new@example.org", "email_change").await;
    assert!(mail.text.contains("petr.new@example.org"));
    assert_eq!(
        me(&app, &client).await.1["email"],
        "petr@example.org",
        "nothing changes before the link"
    );
    let token = token_of(&mail.link_containing("/confirm-email?token=").unwrap());
    let confirmed = app
        .post_json(
            &app.client(),
            "/api/v1/email-changes/confirm",
            &json!({ "token": token }),
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(me(&app, &client).await.1["email"], "petr.new@example.org");
    app.sign_in(&app.client(), "petr.new@example.org", PASSWORD)
        .await;
    app.stop().await;
}

async fn one_click_unsubscribe_switches_a_kind_off(store: Store) {
    let Some((sink, app)) = spawn(store, |_| {}).await else {
        return;
    };
    let (admin, admin_csrf) = app.signed_in("boss@example.org", &[Role::Admin]).await;
    let (resident, _) = app.signed_in("ivan@example.org", &[]).await;
    let id = me(&app, &resident).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let set_roles = |roles: Value| {
        admin
            .put(app.url(&format!("/api/v1/admin/accounts/{id}/roles")))
            .header("x-csrf-token", &admin_csrf)
            .json(&json!({ "roles": roles }))
            .send()
    };
    assert_eq!(
        set_roles(json!(["resident", "moderator"]))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let mail = mail_to(&sink, "ivan@example.org", "roles_changed").await;
    assert_eq!(
        mail.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let url = mail
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    assert!(url.starts_with("http://127.0.0.1/unsubscribe/"), "{url}");
    // What a mail provider does (RFC 8058): a POST with this body, no cookies, no CSRF token.
    let response = app
        .post_raw(
            &reqwest::Client::new(),
            &path_of(&url),
            "application/x-www-form-urlencoded",
            "List-Unsubscribe=One-Click",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let prefs: Value = resident
        .get(app.url("/api/v1/me/notifications"))
        .fetch_json()
        .await;
    // The kind unsubscribed from is off; the others keep their own delivery.
    let kinds = prefs["kinds"].as_array().unwrap();
    let delivery = |kind: &str| {
        kinds
            .iter()
            .find(|k| k["kind"] == kind)
            .map(|k| k["delivery"].clone())
    };
    assert_eq!(delivery("roles_changed"), Some(json!("off")));
    assert_eq!(delivery("poll_results"), Some(json!("immediately")));
    // A forged link does nothing.
    let forged = reqwest::Client::new()
        .post(app.url(&format!("/unsubscribe/{id}/roles_changed/AAAA")))
        .body("List-Unsubscribe=One-Click")
        .fetch()
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        set_roles(json!(["resident", "moderator", "expert"]))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let outbox = app.outbox().clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    while outbox.store.counts().await.unwrap()[&JobState::Skipped] < 1 {
        assert!(
            Instant::now() < deadline,
            "the second roles email was not skipped"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let roles_mails = sink
        .messages()
        .iter()
        .filter(|m| m.header("X-Veche-Kind") == Some("roles_changed"))
        .count();
    assert_eq!(roles_mails, 1, "nothing more after unsubscribing");
    app.stop().await;
}

async fn an_owed_email_survives_a_crash(store: Store) {
    let Some((sink, app)) = spawn(store, |_| {}).await else {
        return;
    };
    // The state a crash leaves between the account's write and its enqueue: the account
    // records the email it owes, the outbox has nothing.
    let now = clock::now();
    let account = Account {
        district_id: DistrictId::parse(KHAMOVNIKI).unwrap(),
        birth_year: BirthYear::from_trusted(1970),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        state: AccountState::Unverified,
        created_at: now - Duration::from_secs(120),
        updated_at: now - Duration::from_secs(120),
        mail_pending_since: Some(now - Duration::from_secs(120)),
        lang: Lang::En,
        ..veche_core::testing::account("crash@example.org", "Пострадавший")
    };
    let platform = app.platform().clone();
    platform.store.insert_account(&account).await.unwrap();
    // What the relay task does every 30 s (and at start); twice, as two app servers might.
    // The app's own first sweep may run late on a busy machine and settle it first: the debt
    // is settled once either way, and the second sweep finds nothing.
    let first = veche_core::accounts::mail::relay_pending(&platform)
        .await
        .unwrap();
    assert!(first <= 1, "{first} debts settled, 1 owed");
    assert_eq!(
        veche_core::accounts::mail::relay_pending(&platform)
            .await
            .unwrap(),
        0
    );
    let mail = mail_to(&sink, "crash@example.org", "verify_email").await;
    assert!(
        mail.subject.starts_with("Veche: "),
        "in the account's language"
    );
    let stored = platform.store.account(&account.id).await.unwrap().unwrap();
    assert_eq!(stored.mail_pending_since, None, "the debt is settled");
    let link = mail.link_containing("/verify-email?token=").unwrap();
    assert_eq!(
        app.client()
            .get(app.url(&path_of(&link)))
            .fetch()
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        platform
            .store
            .account(&account.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        AccountState::Active
    );
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.envelope_to == ["crash@example.org"])
            .count(),
        1,
        "one email, however often the relay runs"
    );
    app.stop().await;
}

async fn with_the_worker_off_serve_only_queues(store: Store) {
    let Some((sink, app)) = spawn(store, |s| s.mail.worker = false).await else {
        return;
    };
    sign_up_in(&app, "queued@example.org", "ru").await;
    let running = app.running();
    let counts = running.outbox.store.counts().await.unwrap();
    assert_eq!(
        counts[&JobState::Queued],
        1,
        "the email waits in the outbox"
    );
    assert!(sink.messages().is_empty());
    // What a separate `veche worker` does.
    assert_eq!(running.worker.drain().await.unwrap(), 1);
    mail_to(&sink, "queued@example.org", "verify_email").await;
    app.stop().await;
}

for_both_stores!(
    the_sign_up_link_activates_the_account,
    a_forgotten_password_is_reset_by_email,
    a_new_address_is_confirmed_by_email,
    one_click_unsubscribe_switches_a_kind_off,
    an_owed_email_survives_a_crash,
    with_the_worker_off_serve_only_queues,
    a_worker_killed_mid_batch_loses_nothing,
);

// ------------------------------------------------------------------ a killed worker ---

/// A child process killed (SIGKILL) when dropped, so a failing test leaves no worker behind.
struct Killed(Child);

impl Killed {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `veche worker` process on the given store, logging at `info` into `log`.
fn worker_process(store: &[(&str, String)], sink: &SmtpSink, log: &std::path::Path) -> Killed {
    let log = std::fs::File::create(log).expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_veche"))
        .arg("worker")
        // Only the store given here: not a MONGODB_URI the test run has in its environment.
        .env_remove("MONGODB_URI")
        .env_remove("VECHE_DATA_DIR")
        .envs(store.iter().map(|(k, v)| (*k, v.as_str())))
        .env("VECHE_LISTEN", "127.0.0.1:0")
        .env("VECHE_PUBLIC_URL", "http://veche.test/")
        .env("VECHE_SECRET_KEY", "ab".repeat(32))
        .env("VECHE_SMTP_HOST", "127.0.0.1")
        .env("VECHE_SMTP_PORT", sink.port.to_string())
        .env("VECHE_SMTP_TLS", "none")
        .env("VECHE_MAIL_LEASE", "2s")
        .env("VECHE_MAIL_CONCURRENCY", "8")
        .env("VECHE_MAIL_POLL", "100ms")
        .env("VECHE_LOG", "info")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the worker starts");
    Killed(child)
}

fn job_of(message: &Received) -> String {
    let id = message
        .header("Message-ID")
        .unwrap()
        .trim_matches(['<', '>']);
    id.split('@').next().unwrap().to_string()
}

async fn a_worker_killed_mid_batch_loses_nothing(store: Store) {
    const N: usize = 300;
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (backend, env): (Backend, Vec<(&str, String)>) = match store {
        Store::Sqlite => (
            Backend::Sqlite(Sqlite::open(dir.path(), SyncMode::Normal).unwrap()),
            vec![("VECHE_DATA_DIR", dir.path().display().to_string())],
        ),
        Store::Mongo => {
            let Some(full) = fresh_mongo_uri("killed") else {
                return;
            };
            (
                Backend::Mongo(Mongo::connect(&full).await.unwrap()),
                vec![("MONGODB_URI", full)],
            )
        }
    };
    veche_core::store::open(&backend).await.unwrap();
    let outbox = Outbox::open(&backend, &[kinds::ACCOUNT]).await.unwrap();
    for i in 0..N {
        outbox
            .enqueue(Notification {
                kind: Kind::parse("verify_email").unwrap(),
                recipient: Recipient {
                    account_id: Some(AccountId::generate()),
                    email: Email::parse(&format!("r{i}@example.org")).unwrap(),
                    name: None,
                },
                locale: Lang::Ru,
                data: BTreeMap::from([("link".to_string(), format!("/item/{i}"))]),
                idempotency_key: format!("killed-{i}"),
            })
            .await
            .unwrap();
    }

    let first_log = dir.path().join("first-worker.log");
    let mut first = worker_process(&env, &sink, &first_log);
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink.messages().len() < N / 3 {
        assert!(Instant::now() < deadline, "the first worker delivers");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill(); // SIGKILL: no clean-up of any kind.
    assert!(
        sink.messages().len() < N,
        "killed mid-batch, with work left"
    );

    // The jobs the dead worker held: claimed, not recorded as finished. A job it had sent but
    // not recorded (the duplicate window: the server's 250, then the kill before the store
    // write) is among them; it is the only kind of job that may arrive twice.
    let held_at_kill: BTreeSet<String> = outbox
        .store
        .list(JobState::Queued, None, N)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.lease.is_some())
        .map(|j| j.id.to_string())
        .collect();
    assert!(!held_at_kill.is_empty(), "the worker died holding jobs");

    let second_log = dir.path().join("second-worker.log");
    let mut second = worker_process(&env, &sink, &second_log);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let sent = outbox.store.counts().await.unwrap()[&JobState::Sent];
        if sent == N as u64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {sent} of {N} recorded as sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill();

    let mut per_job: BTreeMap<String, usize> = BTreeMap::new();
    for message in sink.messages() {
        *per_job.entry(job_of(&message)).or_default() += 1;
    }
    assert_eq!(per_job.len(), N, "every job delivered");
    let twice: BTreeSet<&String> = per_job
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(j, _)| j)
        .collect();
    assert!(
        per_job.values().all(|n| *n <= 2),
        "no job delivered more than twice"
    );
    for job in &twice {
        assert!(
            held_at_kill.contains(*job),
            "job {job} was delivered twice but was not in the dead worker's hands"
        );
    }
    eprintln!(
        "killed worker: held {} jobs at the kill; {} delivered twice (the duplicate window)",
        held_at_kill.len(),
        twice.len()
    );
    assert!(twice.len() <= 8, "at most one per concurrent send");
    assert_eq!(outbox.store.counts().await.unwrap()[&JobState::Queued], 0);
    // Recipients' addresses never reach the logs at info level.
    for log in [&first_log, &second_log] {
        let text = std::fs::read_to_string(log).unwrap();
        assert!(
            text.contains("mail worker started"),
            "the log was captured: {text}"
        );
        assert!(
            !text.contains("@example.org"),
            "an address in the worker's log: {text}"
        );
    }
    if let Backend::Mongo(db) = backend {
        let _ = db.drop_database().await;
    }
}
