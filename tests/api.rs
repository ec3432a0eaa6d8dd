//! Black-box tests of the accounts API: the real app on port 0, over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::rate;
use common::fixtures::{a_public_report, an_idea_with_a_comment, poll_with_a_ballot};
use common::http::{assert_problem, with_id, Fetch};
use common::{problem_code, Store, TestApp, KHAMOVNIKI, MITINO, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use veche_core::accounts::model::Role;

async fn sign_up_sign_in_me_and_sign_out(app: TestApp) {
    let client = app.client();
    let created = app.sign_up(&client, "Anna@Example.org ").await;
    assert_eq!(created["email"], "anna@example.org");
    assert_eq!(created["state"], "unverified");
    assert_eq!(created["roles"], json!(["resident"]));
    assert!(created.get("password_hash").is_none());

    let me = app.get(&client, "/api/v1/me").await;
    assert_problem(me, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let response = app
        .post_session(&client, "anna@example.org", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("veche_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_string();

    let me: Value = app.get_json(&client, "/api/v1/me").await;
    assert_eq!(me["account"]["email"], "anna@example.org");
    assert_eq!(me["account"]["district_id"], KHAMOVNIKI);
    assert_eq!(me["csrf_token"], csrf.as_str());

    // Signing out by cookie needs the CSRF header.
    let refused = client
        .delete(app.url("/api/v1/sessions/current"))
        .fetch()
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let out = app
        .send_csrf(
            &client,
            Method::DELETE,
            "/api/v1/sessions/current",
            &csrf,
            None,
        )
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let me = app.get(&client, "/api/v1/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    let client = app.client();
    app.sign_up(&client, "boris@example.org").await;
    let wrong = app
        .post_session(&client, "boris@example.org", "not the password")
        .await;
    let unknown = app
        .post_session(&client, "nobody@example.org", "not the password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let (wrong, unknown): (Value, Value) =
        (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(wrong["code"], "invalid_credentials");
    assert_eq!(wrong, unknown, "the two answers must be identical");
    app.stop().await;
}

async fn a_duplicate_email_is_409_email_taken(app: TestApp) {
    let client = app.client();
    app.sign_up(&client, "vera@example.org").await;
    let again = app
        .post_json(
            &client,
            "/api/v1/accounts",
            &json!({ "email": "VERA@example.org", "password": "another long password", "display_name": "Вера Другая",
                     "district_id": MITINO, "birth_year": 1980 }),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "email_taken").await;
    // The first account is unchanged.
    let stored = app.account("vera@example.org").await;
    assert_eq!(stored.district_id.as_str(), KHAMOVNIKI);
    app.stop().await;
}

async fn invalid_sign_ups_name_the_field_and_store_nothing(app: TestApp) {
    let client = app.client();
    let cases = [
        (
            json!({ "email": "not-an-email", "password": PASSWORD, "display_name": "Имя", "district_id": KHAMOVNIKI, "birth_year": 1990 }),
            "email",
        ),
        (
            json!({ "email": "a@example.org", "password": "short", "display_name": "Имя", "district_id": KHAMOVNIKI, "birth_year": 1990 }),
            "password",
        ),
        (
            json!({ "email": "a@example.org", "password": PASSWORD, "display_name": "x", "district_id": KHAMOVNIKI, "birth_year": 1990 }),
            "display_name",
        ),
        (
            json!({ "email": "a@example.org", "password": PASSWORD, "display_name": "Имя", "district_id": "99999999", "birth_year": 1990 }),
            "district_id",
        ),
        (
            json!({ "email": "a@example.org", "password": PASSWORD, "display_name": "Имя", "district_id": KHAMOVNIKI, "birth_year": 2024 }),
            "birth_year",
        ),
        (
            json!({ "email": "a@example.org\r\nBcc: x@evil.example", "password": PASSWORD, "display_name": "Имя", "district_id": KHAMOVNIKI, "birth_year": 1990 }),
            "email",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_json(&client, "/api/v1/accounts", &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(problem["field"], field, "{body}");
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
    let query = veche_core::accounts::model::AccountQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(app
        .platform()
        .store
        .list_accounts(&query)
        .await
        .unwrap()
        .is_empty());
    app.stop().await;
}

async fn operator_payloads_and_unknown_fields_are_400(app: TestApp) {
    let client = app.client();
    app.sign_up(&client, "gleb@example.org").await;
    let cases = [
        (
            json!({ "email": { "$ne": "" }, "password": { "$ne": "" } }),
            "invalid_type",
        ),
        (
            json!({ "email": "gleb@example.org", "password": { "$gt": "" } }),
            "invalid_type",
        ),
        (
            json!({ "email": ["gleb@example.org"], "password": PASSWORD }),
            "invalid_type",
        ),
        (
            json!({ "email": "gleb@example.org", "password": PASSWORD, "$where": "1" }),
            "unknown_field",
        ),
        (json!({ "email": "gleb@example.org" }), "missing_field"),
    ];
    for (body, code) in cases {
        let response = app.post_json(&client, "/api/v1/sessions", &body).await;
        assert_eq!(
            problem_code(response).await,
            (StatusCode::BAD_REQUEST, code.to_string()),
            "{body}"
        );
    }
    let broken = app
        .post_raw(
            &client,
            "/api/v1/sessions",
            "application/json",
            "{\"email\": ",
        )
        .await;
    assert_problem(broken, StatusCode::BAD_REQUEST, "invalid_json").await;
    let form = app
        .post_raw(
            &client,
            "/api/v1/sessions",
            "application/x-www-form-urlencoded",
            "email=gleb%40example.org&password=x",
        )
        .await;
    assert_problem(
        form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let signup = app
        .post_json(
            &client,
            "/api/v1/accounts",
            &json!({ "email": "h@example.org", "password": PASSWORD, "display_name": "Имя",
            "district_id": KHAMOVNIKI, "birth_year": 1990, "roles": ["admin"] }),
        )
        .await;
    assert_problem(signup, StatusCode::BAD_REQUEST, "unknown_field").await;
    app.stop().await;
}

/// An admin blocks or unblocks (`action`) an account, giving `reason`.
async fn set_blocked(
    app: &TestApp,
    admin: &reqwest::Client,
    csrf: &str,
    account: &veche_core::id::AccountId,
    action: &str,
    reason: &str,
) -> reqwest::Response {
    let path = format!("/api/v1/admin/accounts/{account}/{action}");
    app.post_csrf(admin, &path, csrf, &json!({ "reason": reason }))
        .await
}

async fn a_blocked_account_cannot_sign_in_and_loses_its_sessions(app: TestApp) {
    let (admin, admin_csrf) = app.signed_in("admin@example.org", &[Role::Admin]).await;
    let (victim, _) = app.signed_in("dmitry@example.org", &[]).await;
    let victim_id = app.account("dmitry@example.org").await.id;

    let without_reason = set_blocked(&app, &admin, &admin_csrf, &victim_id, "block", "  ").await;
    assert_problem(
        without_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
    )
    .await;

    let blocked = set_blocked(&app, &admin, &admin_csrf, &victim_id, "block", "spam").await;
    assert_eq!(blocked.status(), StatusCode::OK);
    let body: Value = blocked.json().await.unwrap();
    assert_eq!(body["state"], "blocked");

    // The session the victim had is gone; signing in again is refused.
    assert_eq!(
        app.get(&victim, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .post_session(&victim, "dmitry@example.org", PASSWORD)
        .await;
    assert_problem(again, StatusCode::FORBIDDEN, "account_blocked").await;
    // But a wrong password still says only "wrong email or password".
    let wrong = app
        .post_session(&victim, "dmitry@example.org", "guess guess guess")
        .await;
    assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

    // The audit log has who, what, and why.
    let audit: Value = app.get_json(&admin, "/api/v1/admin/audit").await;
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "account.blocked");
    assert_eq!(entry["target"], format!("account:{victim_id}"));
    assert_eq!(entry["reason"], "spam");

    let unblocked = set_blocked(
        &app,
        &admin,
        &admin_csrf,
        &victim_id,
        "unblock",
        "appeal accepted",
    )
    .await;
    assert_eq!(unblocked.status(), StatusCode::OK);
    app.sign_in(&victim, "dmitry@example.org", PASSWORD).await;
    app.stop().await;
}

async fn a_resident_cannot_reach_admin_routes(app: TestApp) {
    let (resident, csrf) = app.signed_in("eva@example.org", &[]).await;
    let anonymous = app.client();
    let id = app.account("eva@example.org").await.id;
    let gets = [
        "/api/v1/admin/accounts",
        "/api/v1/admin/organisations",
        "/api/v1/admin/audit",
    ];
    for path in gets {
        let r = app.get(&resident, path).await;
        assert_eq!(
            problem_code(r).await,
            (StatusCode::FORBIDDEN, "forbidden".into()),
            "{path}"
        );
        let r = app.get(&anonymous, path).await;
        assert_eq!(
            problem_code(r).await,
            (StatusCode::UNAUTHORIZED, "unauthorized".into()),
            "{path}"
        );
    }
    let roles = app
        .send_csrf(
            &resident,
            Method::PUT,
            &format!("/api/v1/admin/accounts/{id}/roles"),
            &csrf,
            Some(&json!({ "roles": ["admin"] })),
        )
        .await;
    assert_problem(roles, StatusCode::FORBIDDEN, "forbidden").await;
    let stored = app.platform().store.account(&id).await.unwrap().unwrap();
    assert!(!stored.has_role(Role::Admin));
    // The admin pages too.
    let page = app.get(&resident, "/admin/accounts").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let page = app.get(&anonymous, "/admin/accounts").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn admins_grant_roles_with_an_organisation_and_it_is_audited(app: TestApp) {
    let (admin, csrf) = app.signed_in("root@example.org", &[Role::Admin]).await;
    let client = app.client();
    let target = app.sign_up(&client, "fedor@example.org").await;
    let id = target["id"].as_str().unwrap();
    let roles_url = format!("/api/v1/admin/accounts/{id}/roles");
    let no_org = app
        .send_csrf(
            &admin,
            Method::PUT,
            &roles_url,
            &csrf,
            Some(&json!({ "roles": ["official"] })),
        )
        .await;
    assert_problem(
        no_org,
        StatusCode::UNPROCESSABLE_ENTITY,
        "organisation_required",
    )
    .await;
    let org = json!({ "name": "Управа района Хамовники" });
    let org = app
        .create_csrf(&admin, "/api/v1/admin/organisations", &csrf, &org)
        .await;
    assert!(org.header("location").is_some());
    let org = org.json();
    let staff = json!({ "roles": ["official", "moderator"], "organisation_id": org["id"], "reason": "new staff" });
    let granted = app
        .send_csrf(&admin, Method::PUT, &roles_url, &csrf, Some(&staff))
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let granted: Value = granted.json().await.unwrap();
    assert_eq!(
        granted["roles"],
        json!(["resident", "moderator", "official"])
    );
    assert_eq!(granted["organisation_id"], org["id"]);

    // An admin cannot remove their own admin role.
    let me: Value = app.get_json(&admin, "/api/v1/me").await;
    let own = app
        .send_csrf(
            &admin,
            Method::PUT,
            &format!(
                "/api/v1/admin/accounts/{}/roles",
                me["account"]["id"].as_str().unwrap()
            ),
            &csrf,
            Some(&json!({ "roles": ["resident"] })),
        )
        .await;
    assert_problem(own, StatusCode::CONFLICT, "self_lockout").await;

    let audit: Value = app.get_json(&admin, "/api/v1/admin/audit?limit=1").await;
    assert_eq!(audit["items"][0]["action"], "account.roles_set");
    assert_eq!(audit["items"][0]["reason"], "new staff");
    assert_eq!(
        audit["items"][0]["details"]["after"]["roles"],
        json!(["resident", "moderator", "official"])
    );
    assert!(
        audit["next_cursor"].is_string(),
        "three audited actions, one per page"
    );

    // The account list finds the official by role and by a piece of the name.
    let found: Value = app
        .get_json(
            &admin,
            "/api/v1/admin/accounts?role=official&q=%D0%B6%D0%B8%D1%82%D0%B5%D0%BB%D1%8C",
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["email"], "fedor@example.org");
    app.stop().await;
}

async fn api_tokens_authenticate_and_can_be_revoked(app: TestApp) {
    let (client, csrf) = app.signed_in("galina@example.org", &[]).await;
    let created = app
        .create_csrf(
            &client,
            "/api/v1/tokens",
            &csrf,
            &json!({ "name": "my script" }),
        )
        .await
        .json();
    let secret = created["token"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();

    // Stored only as a hash.
    let account = app.account("galina@example.org").await;
    let stored = app.platform().store.tokens_of(&account.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].hash, secret);
    assert_eq!(stored[0].hash, veche_core::random::token_hash(&secret));

    let program = reqwest::Client::new();
    let me: Value = program
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .fetch_json()
        .await;
    assert_eq!(me["account"]["email"], "galina@example.org");
    assert!(
        me["csrf_token"].is_null(),
        "a bearer client needs no CSRF token"
    );
    // A bearer client changes things without CSRF.
    let patched = program
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .json(&json!({ "district_id": MITINO }))
        .fetch()
        .await;
    assert_eq!(patched.status(), StatusCode::OK);

    // The last use is recorded without holding up the request: wait for it, with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let listed: Value = loop {
        let listed: Value = app.get_json(&client, "/api/v1/tokens").await;
        if listed["items"][0]["last_used_at"].is_string() || std::time::Instant::now() > deadline {
            break listed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(listed["items"][0]["name"], "my script");
    assert!(listed["items"][0].get("token").is_none());
    assert!(listed["items"][0]["last_used_at"].is_string());

    let revoked = app
        .send_csrf(
            &client,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &csrf,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let after = program
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .fetch()
        .await;
    assert_problem(after, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let garbage = program
        .get(app.url("/api/v1/me"))
        .bearer_auth("vch_nonsense")
        .fetch()
        .await;
    assert_problem(garbage, StatusCode::UNAUTHORIZED, "invalid_token").await;
    app.stop().await;
}

async fn a_password_change_ends_every_session(app: TestApp) {
    let (laptop, csrf) = app.signed_in("irina@example.org", &[]).await;
    let phone = app.client();
    app.sign_in(&phone, "irina@example.org", PASSWORD).await;
    let not_it =
        json!({ "current_password": "not it at all", "new_password": "a brand new passphrase" });
    let wrong = app
        .post_csrf(&laptop, "/api/v1/me/password", &csrf, &not_it)
        .await;
    assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "wrong_password").await;
    assert_eq!(app.get(&phone, "/api/v1/me").await.status(), StatusCode::OK);

    let changed = app
        .post_csrf(
            &laptop,
            "/api/v1/me/password",
            &csrf,
            &json!({ "current_password": PASSWORD, "new_password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    for client in [&laptop, &phone] {
        assert_eq!(
            app.get(client, "/api/v1/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let old = app
        .post_session(&phone, "irina@example.org", PASSWORD)
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    app.sign_in(&phone, "irina@example.org", "a brand new passphrase")
        .await;
    app.stop().await;
}

async fn an_idempotency_key_makes_a_retry_safe(app: TestApp) {
    let client = app.client();
    let body = json!({ "email": "kira@example.org", "password": PASSWORD, "display_name": "Кира", "district_id": KHAMOVNIKI, "birth_year": 2000 });
    let send = |body: Value| {
        let client = client.clone();
        let url = app.url("/api/v1/accounts");
        async move {
            client
                .post(url)
                .header("idempotency-key", "k-123")
                .json(&body)
                .fetch()
                .await
        }
    };
    let first = send(body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body: Value = first.json().await.unwrap();
    let replay = send(body.clone()).await;
    assert_eq!(
        replay.status(),
        StatusCode::CREATED,
        "a replay, not email_taken"
    );
    assert_eq!(replay.headers().get("idempotent-replayed").unwrap(), "true");
    let replay_body: Value = replay.json().await.unwrap();
    assert_eq!(replay_body, first_body);
    let mut other = body.clone();
    other["display_name"] = json!("Другая");
    let reused = send(other).await;
    assert_problem(
        reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    app.stop().await;
}

on_both_stores!(
    sign_up_sign_in_me_and_sign_out,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    a_duplicate_email_is_409_email_taken,
    invalid_sign_ups_name_the_field_and_store_nothing,
    operator_payloads_and_unknown_fields_are_400,
    a_blocked_account_cannot_sign_in_and_loses_its_sessions,
    a_resident_cannot_reach_admin_routes,
    admins_grant_roles_with_an_organisation_and_it_is_audited,
    api_tokens_authenticate_and_can_be_revoked,
    a_password_change_ends_every_session,
    an_idempotency_key_makes_a_retry_safe,
);

/// The app (on SQLite) with the sign-in rate limit `name` set to `limit` a minute, after
/// `limit` sign-ins as `email` with a wrong `password`, each refused with 401: the app, and the
/// answer to one more attempt, as `next_email`.
async fn past_the_limit(
    name: &str,
    limit: usize,
    email: &str,
    password: &str,
    next_email: &str,
) -> (TestApp, reqwest::Response) {
    let spec = format!("{limit}/min");
    let app = TestApp::spawn_with(Store::Sqlite, |s| rate(s, name, &spec))
        .await
        .expect("the app on SQLite");
    let client = app.client();
    for attempt in 1..=limit {
        let r = app.post_session(&client, email, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let next = app.post_session(&client, next_email, password).await;
    (app, next)
}

#[tokio::test]
async fn sign_in_is_refused_with_429_and_retry_after_past_the_limit() {
    let email = "x@example.org";
    let (app, limited) = past_the_limit("signin_ip", 3, email, "whatever you like", email).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "retry after {retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["retry_after"], retry);
    app.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_on_one_account_are_limited_across_addresses() {
    let (app, r) = past_the_limit(
        "signin_account",
        2,
        "Target@example.org",
        "guess guess guess",
        "target@example.org ",
    )
    .await;
    assert_problem(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    app.stop().await;
}

#[tokio::test]
async fn every_answer_has_a_request_id_and_security_headers() {
    let (app, client) = TestApp::with_client().await;
    let page = app.get(&client, "/signin").await;
    let headers = page.headers();
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers.get("referrer-policy").unwrap(), "same-origin");
    assert_eq!(headers.get("x-request-id").unwrap().len(), 26);
    let echoed = client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .fetch()
        .await;
    assert_eq!(echoed.headers().get("x-request-id").unwrap(), "abc-123");
    let missing = app.get(&client, "/api/v1/nothing-here").await;
    assert!(missing.headers().get("x-request-id").is_some());
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    app.stop().await;
}

#[tokio::test]
async fn problems_follow_the_request_language() {
    let (app, client) = TestApp::with_client().await;
    let ru: Value = app.get_json(&client, "/api/v1/me").await;
    let en: Value = client
        .get(app.url("/api/v1/me"))
        .header("accept-language", "en-GB,en;q=0.9")
        .fetch_json()
        .await;
    assert_eq!(ru["code"], en["code"]);
    assert_ne!(ru["title"], en["title"]);
    assert!(ru["title"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())));
    assert!(en["title"].as_str().unwrap().is_ascii());
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413_before_parsing() {
    let (app, client) = TestApp::with_client().await;
    let big = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(100 * 1024)
    );
    let r = app
        .post_raw(&client, "/api/v1/sessions", "application/json", big)
        .await;
    assert_problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let huge = vec![b'x'; 2 * 1024 * 1024];
    let r = client.post(app.url("/signin")).body(huge).fetch().await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.stop().await;
}

/// A photo of a few megabytes passes the server's own limit on bodies (a picture, or a form
/// with files, may be large; its route holds it to 10 MB), and one past 10 MB does not.
#[tokio::test]
async fn a_photo_of_megabytes_is_taken_and_one_past_the_limit_refused() {
    let (app, client) = TestApp::with_client().await;
    let (_, token) =
        common::fixtures::resident(&app, KHAMOVNIKI, 1980, true, &[Role::Resident]).await;
    let mut grain = 0x2545_F491_4F6C_DD1Du64;
    let noise = image::RgbImage::from_fn(1500, 1000, |_, _| {
        grain ^= grain << 13;
        grain ^= grain >> 7;
        grain ^= grain << 17;
        image::Rgb([grain as u8, (grain >> 8) as u8, (grain >> 16) as u8])
    });
    let mut photo = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut photo, 95)
        .encode_image(&noise)
        .unwrap();
    assert!(photo.len() > 2 * 1024 * 1024, "{} bytes", photo.len());
    let upload = |body: Vec<u8>| {
        client
            .post(app.url("/api/v1/uploads"))
            .bearer_auth(&token)
            .header("content-type", "image/jpeg")
            .body(body)
            .fetch()
    };
    assert_eq!(upload(photo).await.status(), StatusCode::CREATED);
    let r = upload(vec![0xFF; 11 * 1024 * 1024]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let (app, client) = TestApp::with_client().await;
    assert_eq!(
        app.get(&client, "/healthz").await.text().await.unwrap(),
        "ok\n"
    );
    let ready: Value = app.get_json(&client, "/readyz").await;
    assert_eq!(ready["store"], "sqlite");
    app.get(&client, "/api/v1/districts").await;
    let metrics = app.get(&client, "/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            "veche_http_requests_total{method=\"GET\",route=\"/api/v1/districts\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("veche_http_request_duration_seconds_bucket"));
    assert!(
        metrics.contains("veche_store_call_duration_seconds_bucket{backend=\"sqlite\",op=\"read\"")
    );
    // The migrations at start went through the writer: its queue and batch times are recorded.
    for phase in ["queue", "batch"] {
        let series = format!("veche_sqlite_writer_seconds_count{{phase=\"{phase}\"}} ");
        let count: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(series.as_str()))
            .unwrap_or_else(|| panic!("{series} missing from /metrics"))
            .trim()
            .parse()
            .unwrap();
        assert!(count >= 1, "{series}{count}");
    }
    app.stop().await;
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = TestApp::spawn_with(Store::Sqlite, |s| {
        s.metrics_token = Some(veche::config::Secret::new("m-secret"))
    })
    .await
    .unwrap();
    let client = app.client();
    assert_eq!(
        app.get(&client, "/metrics").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let ok = client
        .get(app.url("/metrics"))
        .bearer_auth("m-secret")
        .fetch()
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn districts_list_moscow() {
    let app = TestApp::spawn().await;
    let body: Value = app
        .client()
        .get(app.url("/api/v1/districts"))
        .fetch_json()
        .await;
    assert_eq!(body["okrugs"].as_array().unwrap().len(), 12);
    assert_eq!(body["districts"].as_array().unwrap().len(), 146);
    let khamovniki = with_id(&body["districts"], KHAMOVNIKI);
    assert_eq!(khamovniki["name_ru"], "Хамовники");
    assert_eq!(khamovniki["name_en"], "Khamovniki");
    app.stop().await;
}

/// Every route the API serves, as (method, path template).
const API_ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/accounts"),
    ("get", "/api/v1/accounts/{id}"),
    ("post", "/api/v1/sessions"),
    ("delete", "/api/v1/sessions/current"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/districts"),
    ("get", "/api/v1/admin/accounts"),
    ("get", "/api/v1/admin/accounts/{id}"),
    ("put", "/api/v1/admin/accounts/{id}/roles"),
    ("post", "/api/v1/admin/accounts/{id}/block"),
    ("post", "/api/v1/admin/accounts/{id}/unblock"),
    ("get", "/api/v1/admin/organisations"),
    ("post", "/api/v1/admin/organisations"),
    ("get", "/api/v1/admin/audit"),
    ("get", "/api/v1/reports"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports/nearby"),
    ("get", "/api/v1/reports/{id}"),
    ("post", "/api/v1/reports/{id}/decision"),
    ("post", "/api/v1/reports/{id}/answer"),
    ("post", "/api/v1/reports/{id}/dispute"),
    ("get", "/api/v1/report-organisations/{id}/queue"),
    ("put", "/api/v1/report-calendar/{date}"),
];

#[tokio::test]
async fn the_openapi_document_covers_every_endpoint_and_each_exists() {
    let (app, client) = TestApp::with_client().await;
    let doc: Value = app.get_json(&client, "/api/v1/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    // Unless an operation says otherwise, it asks for a session or a token.
    let default = doc["security"].as_array().cloned().unwrap_or_default();
    assert_eq!(default.len(), 2, "{default:?}");
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if let Some(operation) = item.get(method) {
                // Public: its requirements (or the default) include the empty one.
                let asks = operation["security"].as_array().unwrap_or(&default);
                let public = asks
                    .iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
                documented.push((method.to_string(), path.clone(), public));
                assert!(
                    operation["responses"]
                        .as_object()
                        .is_some_and(|r| !r.is_empty()),
                    "{method} {path}"
                );
            }
        }
    }
    for (method, path) in API_ROUTES {
        assert!(
            documented.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is not documented"
        );
    }
    // A poll with a ballot, so that the polls' paths name things that exist (their handlers
    // answer 404 for an unknown poll, which this check could not tell from the router's).
    let polls = app.polls().clone();
    let (poll_id, receipt) = poll_with_a_ballot(&polls).await;
    // And an idea with a comment, for the ideas' paths.
    let (project_id, idea_id, comment_id) = an_idea_with_a_comment(&app.ideas()).await;
    // And a public report, for the reports' paths.
    let report_id = a_public_report(&app.reports()).await;
    for (method, path, public) in &documented {
        let documented_path = path.clone();
        // Every documented operation is served: anonymous requests get 401, 400-class input
        // errors or 200 — never the router's 404 or 405.
        let path = if path.starts_with("/api/v1/polls/{id}") {
            path.replace("{id}", &poll_id)
                .replace("{receipt}", &receipt)
        } else if path.starts_with("/api/v1/idea-projects/{id}") {
            path.replace("{id}", &project_id)
        } else if path.starts_with("/api/v1/ideas/{id}") {
            path.replace("{id}", &idea_id)
        } else if path.starts_with("/api/v1/idea-comments/{id}") {
            path.replace("{id}", &comment_id)
        } else if path.starts_with("/api/v1/reports/{id}") {
            path.replace("{id}", &report_id)
        } else {
            path.clone()
        };
        let url = app.url(&path.replace("{id}", "01JD0000000000000000000000"));
        let request = match method.as_str() {
            "get" => client.get(&url),
            "post" => client.post(&url),
            "put" => client.put(&url),
            "patch" => client.patch(&url),
            _ => client.delete(&url),
        };
        let status = request
            .header("content-type", "application/json")
            .body("{}")
            .fetch()
            .await
            .status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {status}"
        );
        // What the document says of authentication is what an anonymous request meets.
        if status == StatusCode::UNAUTHORIZED {
            assert!(
                !public,
                "{method} {documented_path}: 401 to anyone, yet documented as public"
            );
        }
        if status.is_success() {
            assert!(
                *public,
                "{method} {documented_path}: {status} to anyone, yet documented as signed in only"
            );
        }
    }
    assert!(doc["components"]["schemas"]["ProblemDocument"].is_object());
    app.stop().await;
}
