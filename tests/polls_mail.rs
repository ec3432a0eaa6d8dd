//! The polls' emails end to end, on both stores, through a real SMTP server on loopback: a poll
//! opening in a district is announced to the residents there who switched that email on (and to
//! nobody else), and published results reach the residents who voted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::fixtures::{email_of, rfc3339};
use common::http::Api;
use common::mail::mailing_app;
use common::{mail_to, resident, Store, TestApp, KHAMOVNIKI, MITINO};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use veche_core::accounts::model::Role;

/// Waits until the stored poll satisfies `done`.
async fn poll_until(app: &TestApp, id: &str, done: impl Fn(&veche_polls::model::Poll) -> bool) {
    let polls = app.polls().clone();
    let id = veche_polls::model::PollId::parse(id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let poll = polls.store().poll(&id).await.unwrap().unwrap();
        if done(&poll) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the poll never got there: {poll:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// POSTs `body` to `tail` of the poll `id` as `token`; asserts the answer's status.
async fn on_poll(
    api: &Api<'_>,
    id: &str,
    tail: &str,
    token: &str,
    body: &Value,
    status: StatusCode,
) {
    let r = api
        .post(&format!("/api/v1/polls/{id}{tail}"), Some(token), body)
        .await;
    assert_eq!(r.status, status, "POST {tail}: {}", r.text);
}

async fn opening_and_results_reach_the_right_residents(store: Store) {
    let Some((sink, app)) = mailing_app(store, |s| {
        s.polls.tick = Duration::from_millis(100);
        s.polls.seal_grace = Duration::ZERO;
        s.polls.cache_ttl = Duration::ZERO;
    })
    .await
    else {
        return;
    };
    let api = Api::new(&app);
    let (_, official) = resident(&app, KHAMOVNIKI, 1980, true, &[Role::Official]).await;
    let (wants, wants_token) = resident(&app, KHAMOVNIKI, 1990, true, &[]).await;
    let (quiet, quiet_token) = resident(&app, KHAMOVNIKI, 1991, true, &[]).await;
    let (elsewhere, elsewhere_token) = resident(&app, MITINO, 1992, true, &[]).await;
    // Two residents switch "new polls in my district" on (it is off until then).
    for token in [&wants_token, &elsewhere_token] {
        let r = api
            .send(
                Method::PUT,
                "/api/v1/me/notifications",
                Some(token),
                Some(&json!({ "kinds": [{ "kind": "poll_opened", "delivery": "immediately" }] })),
                &[],
            )
            .await;
        assert!(r.status.is_success(), "{}", r.status);
    }

    let now = time::OffsetDateTime::now_utc();
    let input = json!({
        "title": "Где поставить новую детскую площадку?",
        "questions": [{ "text": "Где?", "options": [{ "text": "Во дворе" }, { "text": "В сквере" }] }],
        "audience": { "districts": [KHAMOVNIKI] },
        "opens_at": rfc3339(now - time::Duration::minutes(1)),
        "closes_at": rfc3339(now + time::Duration::hours(1)),
    });
    let created = api.post("/api/v1/polls", Some(&official), &input).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let poll: Value = created.json();
    let id = poll["id"].as_str().unwrap().to_string();
    let question = poll["questions"][0]["id"].as_str().unwrap().to_string();
    let option = poll["questions"][0]["options"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    on_poll(
        &api,
        &id,
        "/schedule",
        &official,
        &json!({}),
        StatusCode::OK,
    )
    .await;

    // The scheduler announces the opening: to the Хамовники resident who asked for it.
    let opened = mail_to(&sink, &email_of(&app, &wants).await, "poll_opened").await;
    assert!(
        opened
            .subject
            .contains("Где поставить новую детскую площадку?"),
        "{}",
        opened.subject
    );
    assert!(opened.link_containing(&format!("/polls/{id}")).is_some());
    assert!(opened.header("List-Unsubscribe").is_some());
    poll_until(&app, &id, |p| p.announced).await;
    // The announcement is finished: nothing for the one who did not ask, nor for Митино.
    let outbox = &app.outbox().store;
    for nobody in [&quiet, &elsewhere] {
        let key = format!("poll_opened:{id}:{nobody}");
        assert!(outbox.job_by_key(&key).await.unwrap().is_none(), "{key}");
    }

    // Two residents vote; the poll closes and its results are published.
    let ballot = json!({ "answers": [{ "question": question, "options": [option] }] });
    for token in [&wants_token, &quiet_token] {
        on_poll(&api, &id, "/ballots", token, &ballot, StatusCode::CREATED).await;
    }
    on_poll(&api, &id, "/close", &official, &json!({}), StatusCode::OK).await;
    let decision = json!({ "decision": "Площадку поставят во дворе дома 5 до июня." });
    on_poll(
        &api,
        &id,
        "/publication",
        &official,
        &decision,
        StatusCode::OK,
    )
    .await;

    // Both voters hear about the results; the resident of Митино, who did not vote, does not.
    for voter in [&wants, &quiet] {
        let m = mail_to(&sink, &email_of(&app, voter).await, "poll_results").await;
        assert!(m.link_containing(&format!("/polls/{id}/results")).is_some());
    }
    poll_until(&app, &id, |p| p.results_announced).await;
    let key = format!("poll_results:{id}:{elsewhere}");
    assert!(outbox.job_by_key(&key).await.unwrap().is_none());
    // One email per event: nothing was sent twice.
    let mut kinds: Vec<(Vec<String>, String)> = sink
        .messages()
        .into_iter()
        .map(|m| {
            (
                m.envelope_to.clone(),
                m.header("X-Veche-Kind").unwrap_or("").to_string(),
            )
        })
        .collect();
    let all = kinds.len();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), all, "an email went out twice");
    app.stop().await;
}

for_both_stores!(opening_and_results_reach_the_right_residents);
