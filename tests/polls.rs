//! Black-box tests of the polls API: the real app on port 0 (SQLite and the MongoDB test
//! server), residents and officials made straight in the store, everything else over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::app::{rate, sealing, unlimited};
use common::fixtures::poll_input;
use common::http::Fetch;
use common::http::{problem, raw, with_id, Api, Reply};
use common::{
    assert_contains_all, official_of, okrug_of, organisation, resident, TestApp, KHAMOVNIKI, MITINO,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use veche::config::Settings;
use veche_core::accounts::model::Role;
use veche_core::id::AccountId;
use veche_polls::export::{self, Published};
use veche_polls::model::{AgeBracket, Ballot, PollId, Receipt};
use veche_polls::verify::{self, Entry, Step};

// ---- Settings ----

/// Sealing right at close, but a scheduler that never comes round during the test (its first
/// pass runs at start): only `publish` can seal.
fn publish_seals(settings: &mut Settings) {
    settings.polls.seal_grace = Duration::ZERO;
    settings.polls.tick = Duration::from_secs(3600);
}

fn two_ballots_a_minute(settings: &mut Settings) {
    rate(settings, "ballot_account", "2/min");
}

fn one_in_flight(settings: &mut Settings) {
    unlimited(settings);
    settings.polls.max_in_flight = 1;
}

// ---- Polls and ballots ----

fn city_wide() -> Value {
    json!({})
}

/// A city-wide poll opening tomorrow.
fn tomorrow(title: &str, visibility: &str) -> Value {
    poll_input(title, city_wide(), visibility, time::Duration::days(1))
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

/// An official (of an organisation of their own, in Хамовники): their API token.
async fn an_official(app: &TestApp) -> String {
    resident(app, KHAMOVNIKI, 1975, true, &[Role::Official])
        .await
        .1
}

/// A verified resident of `district`, born in 1990: their id and API token.
async fn voter(app: &TestApp, district: &str) -> (AccountId, String) {
    resident(app, district, 1990, true, &[]).await
}

async fn create(api: &Api<'_>, official: &str, input: &Value) -> Value {
    let r = api.post("/api/v1/polls", Some(official), input).await;
    r.assert_status(StatusCode::CREATED);
    r.json()
}

/// Creates and schedules a poll; returns it as the API shows it.
async fn scheduled(api: &Api<'_>, official: &str, input: &Value) -> Value {
    let poll = create(api, official, input).await;
    let r = api
        .act(
            &format!("/api/v1/polls/{}/schedule", id(&poll)),
            Some(official),
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.json()
}

/// An open poll (it opened a minute ago).
async fn open_poll(api: &Api<'_>, official: &str, audience: Value, visibility: &str) -> Value {
    let poll = scheduled(
        api,
        official,
        &poll_input("Парк «Дубки»", audience, visibility, minutes(-1)),
    )
    .await;
    assert_eq!(poll["status"], "open");
    poll
}

/// The API client and an official's token.
async fn api_and_official(app: &TestApp) -> (Api<'_>, String) {
    (Api::new(app), an_official(app).await)
}

/// The API client, an official and a city-wide poll of theirs, open (results after voting).
async fn an_open_poll(app: &TestApp) -> (Api<'_>, String, Value) {
    let (api, official) = api_and_official(app).await;
    let poll = open_poll(&api, &official, city_wide(), "after_voting").await;
    (api, official, poll)
}

fn id(poll: &Value) -> &str {
    poll["id"].as_str().unwrap()
}

fn path(poll: &Value, tail: &str) -> String {
    format!("/api/v1/polls/{}{tail}", id(poll))
}

fn question(poll: &Value, q: usize) -> String {
    poll["questions"][q]["id"].as_str().unwrap().to_string()
}

fn option(poll: &Value, q: usize, o: usize) -> String {
    poll["questions"][q]["options"][o]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A ballot choosing option `first` of the first question.
fn ballot(poll: &Value, first: usize) -> Value {
    json!({"answers": [{"question": question(poll, 0), "options": [option(poll, 0, first)]}]})
}

fn poll_id(poll: &Value) -> PollId {
    PollId::parse(id(poll)).unwrap()
}

async fn stored_ballot(app: &TestApp, poll: &Value, account: &AccountId) -> Option<Ballot> {
    app.polls()
        .store()
        .ballot_of(&poll_id(poll), account)
        .await
        .unwrap()
}

async fn stored_count(app: &TestApp, poll: &Value) -> i64 {
    app.polls()
        .store()
        .counters(&poll_id(poll))
        .await
        .unwrap()
        .ballots()
}

/// The account has no ballot in the poll, and the poll's counters hold `count` ballots.
async fn assert_nothing_stored(
    app: &TestApp,
    poll: &Value,
    account: &AccountId,
    count: i64,
    why: &str,
) {
    assert_eq!(stored_ballot(app, poll, account).await, None, "{why}");
    assert_eq!(stored_count(app, poll).await, count, "{why}");
}

/// Casts `body` in `poll` as `token`.
async fn cast_ballot(api: &Api<'_>, poll: &Value, token: &str, body: &Value) -> Reply {
    api.post(&path(poll, "/ballots"), Some(token), body).await
}

/// `ballot(poll, 0)` cast as `token` (whose account is `account`) is refused with `expected`,
/// and nothing is stored: no ballot of the account, none counted.
async fn refused(
    api: &Api<'_>,
    poll: &Value,
    token: &str,
    account: &AccountId,
    expected: (u16, String),
    why: &str,
) {
    let r = cast_ballot(api, poll, token, &ballot(poll, 0)).await;
    assert_eq!(r.code(), expected);
    assert_nothing_stored(api.app, poll, account, 0, why).await;
}

/// Casts `body` in `poll` as `token`; asserts 201 Created.
async fn cast_ok(api: &Api<'_>, poll: &Value, token: &str, body: &Value) -> Reply {
    let r = cast_ballot(api, poll, token, body).await;
    r.assert_status(StatusCode::CREATED);
    r
}

/// GET `path` as `token`; asserts 200 OK.
async fn get_ok(api: &Api<'_>, path: &str, token: Option<&str>) -> Reply {
    let r = api.get(path, token).await;
    r.assert_status(StatusCode::OK);
    r
}

/// The status and problem code of the answer to GET `path` (asserting a problem document).
async fn get_code(api: &Api<'_>, path: &str, token: Option<&str>) -> (u16, String) {
    api.get(path, token).await.code()
}

/// GET `path` as each of `tokens` (`None`: signed out) is answered with the problem
/// `expected`.
async fn assert_get_refused(
    api: &Api<'_>,
    path: &str,
    tokens: &[Option<&str>],
    expected: (u16, String),
) {
    for token in tokens {
        assert_eq!(
            get_code(api, path, *token).await,
            expected,
            "GET {path} as {token:?}"
        );
    }
}

/// The status and problem code of the answer to POSTing `action` to `poll` as `token`.
async fn act_code(api: &Api<'_>, poll: &Value, action: &str, token: &str) -> (u16, String) {
    api.act(&path(poll, action), Some(token)).await.code()
}

/// POSTs `action` (`/schedule`, `/close`…) to `poll` as `token`; asserts 200; the poll as
/// answered.
async fn act_ok(api: &Api<'_>, poll: &Value, action: &str, token: &str) -> Value {
    let r = api.act(&path(poll, action), Some(token)).await;
    r.assert_status(StatusCode::OK);
    r.json()
}

/// `ballot(poll, first)` cast as `token` with the idempotency key `key`.
async fn cast_with_key(api: &Api<'_>, poll: &Value, token: &str, first: usize, key: &str) -> Reply {
    let headers = [("idempotency-key", key)];
    let body = ballot(poll, first);
    api.send(
        Method::POST,
        &path(poll, "/ballots"),
        Some(token),
        Some(&body),
        &headers,
    )
    .await
}

/// Publishes `poll`'s decision as `token`.
async fn publish(api: &Api<'_>, poll: &Value, token: &str, decision: &Value) -> Reply {
    api.post(&path(poll, "/publication"), Some(token), decision)
        .await
}

fn current_year() -> i32 {
    veche_core::clock::now().year()
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Polls the poll (as `token`) until it has a Merkle root: the scheduler sealed it. The
/// deadline only guards against a scheduler that never seals: on a loaded CI machine, with
/// FerretDB, one sealing took longer than 15 s.
async fn wait_for_seal(api: &Api<'_>, poll: &Value, token: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = get_ok(api, &path(poll, ""), Some(token)).await;
        let seen = r.json();
        if seen["root"].is_string() {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "poll {} not sealed in time: {seen}",
            id(poll)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- 1. The poll's life ----

async fn a_poll_lives_from_draft_to_published_and_every_step_is_audited(app: TestApp) {
    let api = Api::new(&app);
    let (official_id, official) = resident(&app, KHAMOVNIKI, 1975, true, &[Role::Official]).await;
    let stranger = an_official(&app).await;
    let (_, anna) = voter(&app, KHAMOVNIKI).await;
    let input = poll_input("Парк «Дубки»", city_wide(), "after_voting", minutes(-1));

    // Creating: officials only.
    let r = api.post("/api/v1/polls", None, &input).await;
    assert_eq!(r.code(), problem(401, "unauthorized"));
    let r = api.post("/api/v1/polls", Some(&anna), &input).await;
    assert_eq!(r.code(), problem(403, "forbidden"));
    let r = api.post("/api/v1/polls", Some(&official), &input).await;
    r.assert_status(StatusCode::CREATED);
    let poll = r.json();
    let poll_path = path(&poll, "");
    assert_eq!(r.header("location"), Some(poll_path.clone()));
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(poll["status"], "draft");
    assert_eq!(poll["version"], 1);
    assert_eq!(poll["questions"].as_array().unwrap().len(), 2);

    // A draft is seen only by those who manage it.
    assert_get_refused(
        &api,
        &poll_path,
        &[Some(&anna), None, Some(&stranger)],
        problem(404, "not_found"),
    )
    .await;
    let r = api.get(&poll_path, Some(&official)).await;
    assert_eq!(
        (r.status, r.header("etag")),
        (StatusCode::OK, Some("\"1\"".into()))
    );

    // Editing names the version; reordering the questions keeps their ids.
    let mut edit = input.clone();
    edit["title"] = json!("Парк «Дубки»: что построить");
    let mut reordered = poll["questions"].as_array().unwrap().clone();
    reordered.reverse();
    edit["questions"] = Value::Array(reordered.clone());
    let r = api
        .send(Method::PUT, &poll_path, Some(&official), Some(&edit), &[])
        .await;
    assert_eq!(r.code(), problem(428, "precondition_required"));
    let r = api
        .if_match(Method::PUT, &poll_path, &official, Some(&edit), "\"1\"")
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let edited = r.json();
    assert_eq!(edited["title"], "Парк «Дубки»: что построить");
    assert_eq!(
        edited["questions"],
        Value::Array(reordered),
        "same ids, new order"
    );
    let mut stale = edit.clone();
    stale["title"] = json!("Устаревшая правка");
    let r = api
        .if_match(Method::PUT, &poll_path, &official, Some(&stale), "\"1\"")
        .await;
    assert_eq!(r.code(), problem(409, "version_conflict"));
    let r = api
        .if_match(Method::PUT, &poll_path, &stranger, Some(&stale), "\"2\"")
        .await;
    assert_eq!(
        r.code(),
        problem(404, "not_found"),
        "another organisation's draft"
    );
    let now = api.get(&poll_path, Some(&official)).await.json();
    assert_eq!(
        (now["title"].clone(), now["version"].clone()),
        (edited["title"].clone(), json!(2))
    );

    // Scheduled with an opening time passed: open at once; it cannot be unscheduled any more.
    let r = api.act(&path(&poll, "/schedule"), Some(&stranger)).await;
    assert_eq!(r.code(), problem(404, "not_found"));
    assert_eq!(
        act_ok(&api, &poll, "/schedule", &official).await["status"],
        "open"
    );
    assert_eq!(
        api.get(&poll_path, Some(&anna)).await.json()["status"],
        "open"
    );
    let r = api.act(&path(&poll, "/unschedule"), Some(&official)).await;
    assert_eq!(r.code(), problem(409, "not_scheduled"));

    // An official of another organisation sees the poll but may not change it.
    let version = api.get(&poll_path, Some(&official)).await.json()["version"].to_string();
    let r = api
        .if_match(
            Method::PUT,
            &poll_path,
            &stranger,
            Some(&edit),
            version.as_str(),
        )
        .await;
    assert_eq!(r.code(), problem(403, "forbidden"));
    assert_eq!(
        act_code(&api, &poll, "/close", &stranger).await,
        problem(403, "forbidden")
    );
    assert_eq!(
        act_code(&api, &poll, "/close", &anna).await,
        problem(403, "forbidden")
    );
    let r = publish(&api, &poll, &stranger, &json!({"decision": "Нет"})).await;
    assert_eq!(r.code(), problem(403, "forbidden"));
    assert_eq!(
        api.get(&poll_path, Some(&official)).await.json()["status"],
        "open"
    );

    // A poll opening tomorrow can go back to drafts until it opens.
    let later = create(
        &api,
        &official,
        &tomorrow("Сквер на Плющихе", "after_close"),
    )
    .await;
    assert_eq!(
        act_ok(&api, &later, "/schedule", &official).await["status"],
        "scheduled"
    );
    assert_eq!(
        api.get(&path(&later, ""), Some(&anna)).await.json()["status"],
        "scheduled"
    );
    assert_eq!(
        act_ok(&api, &later, "/unschedule", &official).await["status"],
        "draft"
    );
    assert_eq!(
        get_code(&api, &path(&later, ""), Some(&anna)).await,
        problem(404, "not_found")
    );
    let r = api
        .if_match(Method::DELETE, &path(&later, ""), &official, None, "\"2\"")
        .await;
    assert_eq!(r.code(), problem(409, "version_conflict"));
    let r = api
        .if_match(Method::DELETE, &path(&later, ""), &official, None, "\"3\"")
        .await;
    r.assert_status(StatusCode::NO_CONTENT);
    assert_eq!(
        get_code(&api, &path(&later, ""), Some(&official)).await,
        problem(404, "not_found")
    );

    // Publishing needs a closed poll.
    let r = publish(
        &api,
        &poll,
        &official,
        &json!({"decision": "Строим каток."}),
    )
    .await;
    assert_eq!(r.code(), problem(409, "not_closed"));

    // Closing.
    let r = api
        .post(
            &path(&poll, "/close"),
            Some(&official),
            &json!({"reason": "Хватит голосов"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["status"], "closed");
    let closed = api.get(&poll_path, None).await.json();
    assert_eq!(
        (closed["status"].clone(), closed["root"].clone()),
        (json!("closed"), Value::Null)
    );
    assert_eq!(
        act_code(&api, &poll, "/close", &official).await,
        problem(409, "not_open")
    );

    // Publishing seals first (the grace is zero), then publishes the decision.
    let decision = "Строим каток.\nРаботы начнутся весной.";
    let r = publish(&api, &poll, &official, &json!({"decision": decision})).await;
    r.assert_status(StatusCode::OK);
    let published = r.json();
    assert_eq!(published["status"], "published");
    assert!(
        is_hex(published["root"].as_str().unwrap_or(""), 64),
        "{published}"
    );
    assert_eq!(published["sealed_ballots"], 0);
    let shown = api.get(&poll_path, None).await.json();
    assert_eq!(shown["decision"], decision);
    assert_eq!(shown["status"], "published");
    let r = api.get("/api/v1/polls?status=published", None).await;
    assert_eq!(r.json()["items"][0]["id"], json!(id(&poll)));

    // The audit log holds every step, by the official.
    let entries = app.platform().store.list_audit(None, 500).await.unwrap();
    let actions = |target: &str| -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = entries
            .iter()
            .filter(|e| e.target == format!("poll:{target}"))
            .map(|e| (e.action.clone(), e.actor_id.to_string()))
            .collect();
        seen.sort();
        seen
    };
    let by_official = |list: &[&str]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = list
            .iter()
            .map(|a| (a.to_string(), official_id.to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        actions(id(&poll)),
        by_official(&[
            "poll.closed",
            "poll.created",
            "poll.published",
            "poll.scheduled",
            "poll.updated"
        ])
    );
    assert_eq!(
        actions(id(&later)),
        by_official(&[
            "poll.created",
            "poll.deleted",
            "poll.scheduled",
            "poll.unscheduled"
        ])
    );
    let closing = entries.iter().find(|e| e.action == "poll.closed").unwrap();
    assert_eq!(closing.reason.as_deref(), Some("Хватит голосов"));
    app.stop().await;
}

async fn publishing_waits_for_the_seal_grace(app: TestApp) {
    // Default settings: sealing comes a minute after the close.
    let (api, official, poll) = an_open_poll(&app).await;
    act_ok(&api, &poll, "/close", &official).await;
    let r = publish(&api, &poll, &official, &json!({"decision": "Каток"})).await;
    assert_eq!(r.code(), problem(409, "not_sealed_yet"));
    let seen = api.get(&path(&poll, ""), None).await.json();
    assert_eq!(
        (seen["status"].clone(), seen["root"].clone()),
        (json!("closed"), Value::Null)
    );
    assert_eq!(
        get_code(&api, &path(&poll, "/seal"), None).await,
        problem(409, "not_sealed")
    );
    app.stop().await;
}

// ---- 2. Refused ballots ----

async fn every_refused_ballot_has_its_code_and_stores_nothing(app: TestApp) {
    let (api, official) = api_and_official(&app).await;
    let (kh_id, kh) = voter(&app, KHAMOVNIKI).await;
    let (mi_id, mi) = voter(&app, MITINO).await;
    let (young_id, young) = resident(&app, KHAMOVNIKI, current_year() - 16, true, &[]).await;
    let (unverified_id, unverified) = resident(&app, KHAMOVNIKI, 1990, false, &[]).await;

    let open = open_poll(&api, &official, city_wide(), "after_voting").await;
    let ballots = path(&open, "/ballots");

    // Not signed in.
    let r = api.post(&ballots, None, &ballot(&open, 0)).await;
    assert_eq!(r.code(), problem(401, "unauthorized"));
    assert_eq!(stored_count(&app, &open).await, 0);

    // No such poll; a draft is a poll the resident may not know.
    let unknown = format!("/api/v1/polls/{}/ballots", PollId::generate());
    assert_eq!(
        api.post(&unknown, Some(&kh), &ballot(&open, 0))
            .await
            .code(),
        problem(404, "not_found")
    );
    let r = api
        .post(
            "/api/v1/polls/not-a-poll/ballots",
            Some(&kh),
            &ballot(&open, 0),
        )
        .await;
    assert_eq!(r.code(), problem(404, "not_found"));
    let draft = create(
        &api,
        &official,
        &poll_input("Черновик", city_wide(), "after_voting", minutes(-1)),
    )
    .await;
    refused(
        &api,
        &draft,
        &kh,
        &kh_id,
        problem(404, "not_found"),
        "draft",
    )
    .await;

    // Not open yet; closed.
    let future = scheduled(&api, &official, &tomorrow("Завтра", "after_voting")).await;
    assert_eq!(future["status"], "scheduled");
    refused(
        &api,
        &future,
        &kh,
        &kh_id,
        problem(409, "poll_not_open"),
        "not open yet",
    )
    .await;
    let closed = open_poll(&api, &official, city_wide(), "after_voting").await;
    act_ok(&api, &closed, "/close", &official).await;
    refused(
        &api,
        &closed,
        &kh,
        &kh_id,
        problem(409, "poll_closed"),
        "closed",
    )
    .await;

    // The audience: a district, an okrug, an age, verified residents.
    let district = open_poll(
        &api,
        &official,
        json!({"districts": [KHAMOVNIKI]}),
        "after_voting",
    )
    .await;
    refused(
        &api,
        &district,
        &mi,
        &mi_id,
        problem(403, "not_in_audience"),
        "another district",
    )
    .await;

    let okrug = open_poll(
        &api,
        &official,
        json!({"okrugs": [okrug_of(&app, MITINO)]}),
        "after_voting",
    )
    .await;
    assert_ne!(okrug_of(&app, MITINO), okrug_of(&app, KHAMOVNIKI));
    refused(
        &api,
        &okrug,
        &kh,
        &kh_id,
        problem(403, "not_in_audience"),
        "another okrug",
    )
    .await;
    let r = cast_ballot(&api, &okrug, &mi, &ballot(&okrug, 0)).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "a district of the okrug: {}",
        r.text
    );
    assert_eq!(stored_count(&app, &okrug).await, 1);

    let adults = open_poll(&api, &official, json!({"min_age": 18}), "after_voting").await;
    refused(
        &api,
        &adults,
        &young,
        &young_id,
        problem(403, "too_young"),
        "too young",
    )
    .await;

    let verified = open_poll(
        &api,
        &official,
        json!({"verified_only": true}),
        "after_voting",
    )
    .await;
    refused(
        &api,
        &verified,
        &unverified,
        &unverified_id,
        problem(403, "not_verified"),
        "unverified",
    )
    .await;
    // The same residents are welcome where the rule does not apply.
    cast_ok(&api, &open, &young, &ballot(&open, 1)).await;
    cast_ok(&api, &open, &unverified, &ballot(&open, 1)).await;
    assert_eq!(stored_count(&app, &open).await, 2);

    // The answers.
    let (q0, q1) = (question(&open, 0), question(&open, 1));
    let (a, b) = (option(&open, 0, 0), option(&open, 0, 1));
    let (x, y, z) = (
        option(&open, 1, 0),
        option(&open, 1, 1),
        option(&open, 1, 2),
    );
    let elsewhere = option(&district, 0, 0);
    let refused: Vec<(Value, (u16, String), Option<&str>)> = vec![
        (
            json!({"answers": [{"question": q1, "options": [x]}]}),
            problem(422, "missing_answer"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": []}),
            problem(422, "missing_answer"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [a, b]}]}),
            problem(422, "too_many_choices"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [a]}, {"question": q1, "options": [x, y, z]}]}),
            problem(422, "too_many_choices"),
            Some(q1.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [elsewhere]}]}),
            problem(422, "unknown_option"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [x]}]}),
            problem(422, "unknown_option"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [a]}, {"question": "nope", "options": [x]}]}),
            problem(422, "unknown_question"),
            Some("nope"),
        ),
        (
            json!({"answers": [{"question": q0, "options": [a]}, {"question": q0, "options": [b]}]}),
            problem(422, "duplicate_answer"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": []}]}),
            problem(422, "empty_answer"),
            Some(q0.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [a]}, {"question": q1, "options": [x, x]}]}),
            problem(422, "duplicate_option"),
            Some(q1.as_str()),
        ),
        (
            json!({"answers": [{"question": q0, "options": [a]}], "extra": 1}),
            problem(400, "unknown_field"),
            None,
        ),
        (
            json!({"answers": [{"question": {"$ne": ""}, "options": [a]}]}),
            problem(400, "invalid_type"),
            None,
        ),
        (
            json!({"answers": [{"question": q0, "options": [{"$ne": ""}]}]}),
            problem(400, "invalid_type"),
            None,
        ),
        (
            json!({"answers": "all"}),
            problem(400, "invalid_type"),
            None,
        ),
        (json!({}), problem(400, "missing_field"), None),
    ];
    for (body, expected, concerned) in &refused {
        let r = cast_ballot(&api, &open, &kh, body).await;
        assert_eq!(&r.code(), expected, "{body}");
        if let Some(q) = concerned {
            assert_eq!(r.json()["question"], json!(q), "{body}");
        }
        if expected.1 == "unknown_field" {
            assert_eq!(r.json()["field"], "extra");
        }
        assert_nothing_stored(&app, &open, &kh_id, 2, &body.to_string()).await;
    }
    let r = api
        .raw_post(&path(&open, "/ballots"), &kh, "{\"answers\": [")
        .await;
    assert_eq!(r.code(), problem(400, "invalid_json"));
    let huge = json!({"answers": [{"question": "q".repeat(70 * 1024), "options": [a]}]});
    // On a connection of its own: see `an_oversized_ballot_leaves_no_dead_connection_behind`.
    let r = Api::new(&app)
        .post(&path(&open, "/ballots"), Some(&kh), &huge)
        .await;
    assert_eq!(r.code(), problem(413, "payload_too_large"));
    assert_nothing_stored(&app, &open, &kh_id, 2, "bad JSON, too large").await;
    assert_eq!(
        get_code(&api, &path(&open, "/ballot"), Some(&kh)).await,
        problem(404, "not_found")
    );

    // A browser session must send its CSRF token.
    let (browser, csrf) = app.signed_in("browser@example.org", &[]).await;
    let r = browser
        .post(app.url(&path(&open, "/ballots")))
        .json(&ballot(&open, 0))
        .fetch()
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored_count(&app, &open).await, 2);
    let r = browser
        .post(app.url(&path(&open, "/ballots")))
        .header("x-csrf-token", csrf)
        .json(&ballot(&open, 0))
        .fetch()
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // After all that, the resident still has their one ballot to cast.
    cast_ok(&api, &open, &kh, &ballot(&open, 0)).await;
    assert_eq!(stored_count(&app, &open).await, 4);
    assert!(stored_ballot(&app, &open, &kh_id).await.is_some());
    app.stop().await;
}

// ---- 3. A good ballot ----

async fn a_ballot_gets_a_receipt_points_and_only_one_counts(app: TestApp) {
    let (api, official, poll) = an_open_poll(&app).await;
    let (anna_id, anna) = voter(&app, KHAMOVNIKI).await;
    let (q0, q1) = (question(&poll, 0), question(&poll, 1));
    let (a, x, z) = (
        option(&poll, 0, 0),
        option(&poll, 1, 0),
        option(&poll, 1, 2),
    );

    let body =
        json!({"answers": [{"question": q1, "options": [z, x]}, {"question": q0, "options": [a]}]});
    let r = cast_ok(&api, &poll, &anna, &body).await;
    let cast = r.json();
    let receipt = cast["receipt"].as_str().unwrap().to_string();
    assert!(is_hex(&receipt, 64), "{receipt}");
    assert!(is_hex(cast["ballot_id"].as_str().unwrap(), 32), "{cast}");
    let receipt_path = path(&poll, &format!("/receipts/{receipt}"));
    assert_eq!(r.header("location"), Some(receipt_path.clone()));
    assert_eq!(cast["receipt_url"], json!(receipt_path));
    assert_eq!(
        (cast["points"].clone(), cast["poll_id"].clone()),
        (json!(25), json!(id(&poll)))
    );

    // The resident's own ballot, in canonical form.
    let mut sorted = [x.clone(), z.clone()];
    sorted.sort();
    let answers = json!({ q0.clone(): [a.clone()], q1.clone(): sorted });
    let r = get_ok(&api, &path(&poll, "/ballot"), Some(&anna)).await;
    let mine = r.json();
    assert_eq!(
        (mine["receipt"].clone(), mine["answers"].clone()),
        (json!(receipt), answers.clone())
    );
    assert_eq!(mine["points"], 25);
    assert_eq!(
        get_code(&api, &path(&poll, "/ballot"), Some(&official)).await,
        problem(404, "not_found")
    );
    assert_eq!(
        get_code(&api, &path(&poll, "/ballot"), None).await,
        problem(401, "unauthorized")
    );

    // The receipt, public: the answers, the district and age, no proof before sealing.
    let r = get_ok(&api, &receipt_path, None).await;
    let view = r.json();
    assert_eq!(view["ballot"]["answers"], answers);
    assert_eq!(view["ballot"]["district"], KHAMOVNIKI);
    let bracket = AgeBracket::of_age(current_year() - 1990);
    assert_eq!(view["ballot"]["age_bracket"], bracket.as_str());
    assert_eq!(view["status"], "open");
    for field in ["proof", "root", "included"] {
        assert_eq!(
            view[field],
            Value::Null,
            "no {field} before sealing: {view}"
        );
    }
    assert!(
        !view.to_string().contains(anna_id.as_str()),
        "no account on a receipt"
    );
    let r = api
        .get(&path(&poll, &format!("/receipts/{}", "0".repeat(64))), None)
        .await;
    assert_eq!(r.code(), problem(404, "not_found"));

    // Points, with the poll's title.
    let r = get_ok(&api, "/api/v1/me/points", Some(&anna)).await;
    let points = r.json();
    assert_eq!(points["balance"], 25);
    assert_eq!(points["items"].as_array().unwrap().len(), 1);
    assert_eq!(points["items"][0]["title"], "Парк «Дубки»");
    assert_eq!(points["items"][0]["poll_id"], json!(id(&poll)));
    assert_eq!(points["items"][0]["points"], 25);

    // A second, different ballot: 409 with the first receipt, nothing changes.
    let before = app.polls().store().counters(&poll_id(&poll)).await.unwrap();
    let r = cast_ballot(&api, &poll, &anna, &ballot(&poll, 1)).await;
    assert_eq!(r.code(), problem(409, "already_voted"));
    assert_eq!(r.json()["receipt"], json!(receipt));
    assert_eq!(r.json()["ballot_id"], cast["ballot_id"]);
    let after = app.polls().store().counters(&poll_id(&poll)).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(after.ballots(), 1);
    assert_eq!(after.get(&format!("o|{a}")), 1);
    assert_eq!(after.get(&format!("o|{}", option(&poll, 0, 1))), 0);
    let r = api.get(&path(&poll, "/ballot"), Some(&anna)).await;
    assert_eq!(r.json()["answers"], answers);
    assert_eq!(
        api.get("/api/v1/me/points", Some(&anna)).await.json()["balance"],
        25
    );
    let r = api.get("/api/v1/polls", Some(&anna)).await;
    assert_eq!(r.json()["items"][0]["voted"], true);
    app.stop().await;
}

// ---- 4. A thousand identical ballots at once ----

/// How many connections this process may open at once, leaving room for the server's side of
/// each and for the store.
fn connection_budget() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1024);
    (soft.saturating_sub(256) / 2).clamp(64, 1000)
}

async fn a_thousand_concurrent_copies_of_a_ballot_store_one(app: TestApp) {
    const N: usize = 1000;
    let (api, official, poll) = an_open_poll(&app).await;
    let (anna_id, anna) = voter(&app, KHAMOVNIKI).await;
    let url = app.url(&path(&poll, "/ballots"));
    let body = ballot(&poll, 0);
    let permits = Arc::new(tokio::sync::Semaphore::new(connection_budget()));
    let (start, go) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let client = api.client.clone();
            let (url, body, token) = (url.clone(), body.clone(), anna.clone());
            let permits = permits.clone();
            let mut go = go.clone();
            tokio::spawn(async move {
                go.wait_for(|go| *go).await.unwrap();
                let _permit = permits.acquire().await.unwrap();
                let r = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                let status = r.status();
                let body: Value = r.json().await.expect("json");
                (status, body)
            })
        })
        .collect();
    start.send(true).unwrap();
    let mut created = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created.push(body),
            StatusCode::CONFLICT => refused.push(body),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created.len(), refused.len()), (1, N - 1));
    let receipt = created[0]["receipt"].as_str().unwrap().to_string();
    for body in &refused {
        assert_eq!(body["code"], "already_voted", "{body}");
        assert_eq!(body["receipt"], json!(receipt), "{body}");
    }
    let stored = stored_ballot(&app, &poll, &anna_id).await.unwrap();
    assert_eq!(stored.receipt.as_str(), receipt);
    assert_eq!(stored_count(&app, &poll).await, 1);
    let r = get_ok(&api, &path(&poll, "/results"), Some(&official)).await;
    assert_eq!(r.json()["ballots"], 1);
    assert_eq!(r.json()["questions"][0]["options"][0]["votes"], 1);
    app.stop().await;
}

/// A hundred residents send their ballot and hang up before the answer, each after a
/// different moment (a phone losing its signal). Every ballot the server stored is counted,
/// and the server is not left stalled: the next resident's ballot is answered at once (within
/// 10 s; a store driver interrupted mid-operation used to stall MongoDB's connection pool for
/// about a minute and a half).
async fn ballots_of_residents_who_hang_up_are_counted_and_stall_nothing(app: TestApp) {
    use tokio::io::AsyncWriteExt;
    const N: usize = 100;
    let (api, _, poll) = an_open_poll(&app).await;
    let mut tokens = Vec::new();
    for _ in 0..=N {
        tokens.push(voter(&app, KHAMOVNIKI).await.1);
    }
    let last = tokens.pop().unwrap();
    let address = app.base.trim_start_matches("http://").to_string();
    let target = path(&poll, "/ballots");
    let body = ballot(&poll, 0).to_string();
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let (address, target, body) = (address.clone(), target.clone(), body.clone());
            tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
                let request = raw::request(
                    "POST",
                    &target,
                    &[
                        ("Host", &address),
                        ("Authorization", &format!("Bearer {token}")),
                        ("Content-Type", "application/json"),
                    ],
                    &body,
                );
                stream.write_all(request.as_bytes()).await.unwrap();
                // The moment of hanging up (part of the scenario, not a wait for readiness).
                tokio::time::sleep(Duration::from_micros((i as u64 % 20) * 500)).await;
                drop(stream);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let polls = app.polls();
    let store = polls.store();
    let id = poll_id(&poll);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        store.flush().await.unwrap();
        let stored = store.ballots_page(&id, None, 1000).await.unwrap();
        let counted = store.counters(&id).await.unwrap();
        if !stored.is_empty() && counted == veche_polls::tally::recount(&stored) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} ballots stored, {} counted",
            stored.len(),
            counted.ballots()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let next = api
        .client
        .post(app.url(&target))
        .bearer_auth(&last)
        .json(&ballot(&poll, 1))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("the next ballot is answered within 10 s");
    assert_eq!(next.status(), StatusCode::CREATED);
    app.stop().await;
}

// ---- 5. Idempotency keys ----

async fn a_retried_ballot_with_its_idempotency_key_replays_the_first_answer(app: TestApp) {
    let (api, _, poll) = an_open_poll(&app).await;
    let (anna_id, anna) = voter(&app, KHAMOVNIKI).await;

    let first = cast_with_key(&api, &poll, &anna, 0, "ballot-9f2c").await;
    first.assert_status(StatusCode::CREATED);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = cast_with_key(&api, &poll, &anna, 0, "ballot-9f2c").await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("location"), first.header("location"));

    let other = cast_with_key(&api, &poll, &anna, 1, "ballot-9f2c").await;
    assert_eq!(other.code(), problem(422, "idempotency_key_reused"));
    // Another key is no way round the one-ballot rule.
    let r = cast_with_key(&api, &poll, &anna, 0, "ballot-0000").await;
    assert_eq!(r.code(), problem(409, "already_voted"));
    assert_eq!(r.json()["receipt"], first.json()["receipt"]);

    let stored = stored_ballot(&app, &poll, &anna_id).await.unwrap();
    assert_eq!(json!(stored.receipt.as_str()), first.json()["receipt"]);
    assert_eq!(stored.answers[0].options[0].as_str(), option(&poll, 0, 0));
    assert_eq!(stored_count(&app, &poll).await, 1);
    app.stop().await;
}

/// A ballot whose server died after claiming its idempotency key (nothing answered, nothing
/// stored): a retry within the claim's lease hears 409 `idempotency_in_progress` with when to
/// try again; a retry after it takes the claim over and votes, and a replay of that retry
/// answers as it did.
async fn a_ballot_whose_server_died_midway_is_cast_by_a_later_retry(app: TestApp) {
    use veche_core::web::idempotency::{IdempotencyRecord, CLAIM_LEASE};
    use veche_core::web::Site;

    let (api, _, poll) = an_open_poll(&app).await;
    let (anna_id, anna) = voter(&app, KHAMOVNIKI).await;
    let (boris_id, boris) = voter(&app, KHAMOVNIKI).await;
    // The claims a server made before it died, as `once` makes them.
    let claim = |account: &AccountId, key: &str, age: Duration| IdempotencyRecord {
        key_hash: blake3::hash(
            format!("account:{account}\0polls.ballots:{}\0{key}", id(&poll)).as_bytes(),
        )
        .to_hex()
        .to_string(),
        request_hash: blake3::hash(&serde_json::to_vec(&ballot(&poll, 0)).unwrap())
            .to_hex()
            .to_string(),
        response: None,
        created_at: veche_core::clock::now() - age,
    };
    let store = app.platform().idempotency();
    store
        .reserve_idempotency(&claim(&boris_id, "k-fresh", Duration::from_secs(5)))
        .await
        .unwrap();
    store
        .reserve_idempotency(&claim(
            &anna_id,
            "k-old",
            CLAIM_LEASE + Duration::from_secs(60),
        ))
        .await
        .unwrap();

    let fresh = cast_with_key(&api, &poll, &boris, 0, "k-fresh").await;
    assert_eq!(fresh.code(), problem(409, "idempotency_in_progress"));
    let wait: u64 = fresh.header("retry-after").unwrap().parse().unwrap();
    assert!((40..=60).contains(&wait), "retry after {wait} s");
    assert!(stored_ballot(&app, &poll, &boris_id).await.is_none());

    let retried = cast_with_key(&api, &poll, &anna, 0, "k-old").await;
    retried.assert_status(StatusCode::CREATED);
    let stored = stored_ballot(&app, &poll, &anna_id).await.unwrap();
    assert_eq!(json!(stored.receipt.as_str()), retried.json()["receipt"]);
    let replayed = cast_with_key(&api, &poll, &anna, 0, "k-old").await;
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replayed.json(), retried.json());
    assert_eq!(stored_count(&app, &poll).await, 1);
    app.stop().await;
}

// ---- 6. Rate limit ----

async fn a_third_ballot_within_the_minute_is_429_and_stored_nowhere(app: TestApp) {
    let (api, official) = api_and_official(&app).await;
    let (anna_id, anna) = voter(&app, KHAMOVNIKI).await;
    let (_, boris) = voter(&app, KHAMOVNIKI).await;
    let mut three = Vec::new();
    for _ in 0..3 {
        three.push(open_poll(&api, &official, city_wide(), "after_voting").await);
    }
    for poll in &three[..2] {
        cast_ok(&api, poll, &anna, &ballot(poll, 0)).await;
    }
    let r = cast_ballot(&api, &three[2], &anna, &ballot(&three[2], 0)).await;
    assert_eq!(r.code(), problem(429, "rate_limited"));
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    assert_eq!(r.json()["retry_after"], wait);
    assert_nothing_stored(&app, &three[2], &anna_id, 0, "rate limited").await;
    // The limit is per account.
    cast_ok(&api, &three[2], &boris, &ballot(&three[2], 0)).await;
    assert_eq!(stored_count(&app, &three[2]).await, 1);
    app.stop().await;
}

// ---- 7. Load shedding ----

async fn past_the_ballots_in_flight_the_server_sheds_with_503(app: TestApp) {
    const WAVE: usize = 24;
    let (api, _, poll) = an_open_poll(&app).await;
    let url = app.url(&path(&poll, "/ballots"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut created = 0i64;
    let mut shed: Vec<(AccountId, String)> = Vec::new();
    let mut stored_ok: Vec<AccountId> = Vec::new();
    let mut waves = 0;
    while shed.is_empty() {
        assert!(
            Instant::now() < deadline,
            "no 503 after {waves} waves of {WAVE}"
        );
        waves += 1;
        let mut voters = Vec::new();
        for i in 0..WAVE {
            voters.push(
                resident(
                    &app,
                    if i % 2 == 0 { KHAMOVNIKI } else { MITINO },
                    1990,
                    true,
                    &[],
                )
                .await,
            );
        }
        let (start, go) = tokio::sync::watch::channel(false);
        let tasks: Vec<_> = voters
            .iter()
            .map(|(account, token)| {
                let client = api.client.clone();
                let (url, body, token, account) = (
                    url.clone(),
                    ballot(&poll, 0),
                    token.clone(),
                    account.clone(),
                );
                let mut go = go.clone();
                tokio::spawn(async move {
                    go.wait_for(|go| *go).await.unwrap();
                    let r = client
                        .post(url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .expect("request");
                    let retry = r
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_string());
                    let status = r.status();
                    let body: Value = r.json().await.expect("json");
                    (account, token, status, retry, body)
                })
            })
            .collect();
        start.send(true).unwrap();
        for task in tasks {
            let (account, token, status, retry, body) = task.await.unwrap();
            match status {
                StatusCode::CREATED => {
                    created += 1;
                    stored_ok.push(account);
                }
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert_eq!(body["code"], "overloaded", "{body}");
                    assert_eq!(retry.as_deref(), Some("1"));
                    shed.push((account, token));
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
    }
    assert_eq!(
        stored_count(&app, &poll).await,
        created,
        "every 201 and only they are stored"
    );
    for (account, _) in &shed {
        assert_eq!(
            stored_ballot(&app, &poll, account).await,
            None,
            "a shed ballot was stored"
        );
    }
    for account in &stored_ok {
        assert!(stored_ballot(&app, &poll, account).await.is_some());
    }
    // Once the rush is over, a shed resident gets through.
    let (account, token) = &shed[0];
    cast_ok(&api, &poll, token, &ballot(&poll, 0)).await;
    assert!(stored_ballot(&app, &poll, account).await.is_some());
    assert_eq!(stored_count(&app, &poll).await, created + 1);
    app.stop().await;
}

// ---- 8. Results, visibility, the seal and the exports ----

async fn results_follow_visibility_and_the_seal_checks_out(app: TestApp) {
    let (api, official) = api_and_official(&app).await;
    let after = open_poll(&api, &official, city_wide(), "after_voting").await;
    let hidden = open_poll(&api, &official, city_wide(), "officials_only").await;
    let (first_id, first) = voter(&app, KHAMOVNIKI).await;

    // Results after voting: not before.
    let results = path(&after, "/results");
    assert_get_refused(
        &api,
        &results,
        &[Some(&first), None],
        problem(403, "results_hidden"),
    )
    .await;
    assert_eq!(
        get_code(&api, &path(&after, "/results.csv"), Some(&first)).await,
        problem(403, "results_hidden")
    );
    let r = api.get(&results, Some(&official)).await;
    assert_eq!(
        (r.status, r.json()["ballots"].clone()),
        (StatusCode::OK, json!(0))
    );
    let r = cast_ok(&api, &after, &first, &ballot(&after, 0)).await;
    let first_receipt = r.json()["receipt"].as_str().unwrap().to_string();
    let r = get_ok(&api, &results, Some(&first)).await;
    let seen = r.json();
    assert_eq!(
        (seen["ballots"].clone(), seen["final"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(seen["questions"][0]["options"][0]["votes"], 1);

    // Twelve in Хамовники choose the first option, three in Митино the second.
    let mut voters = vec![(first_id.clone(), first.clone())];
    for _ in 0..11 {
        voters.push(voter(&app, KHAMOVNIKI).await);
    }
    for (_, token) in &voters[1..] {
        cast_ok(&api, &after, token, &ballot(&after, 0)).await;
    }
    for _ in 0..3 {
        let (account, token) = voter(&app, MITINO).await;
        cast_ok(&api, &after, &token, &ballot(&after, 1)).await;
        voters.push((account, token));
    }
    let (a, b) = (option(&after, 0, 0), option(&after, 0, 1));
    let r = api.get(&results, Some(&official)).await;
    let seen = r.json();
    assert_eq!(seen["ballots"], 15);
    let options = &seen["questions"][0]["options"];
    assert_eq!(
        (options[0]["votes"].clone(), options[0]["percent"].clone()),
        (json!(12), json!(80.0))
    );
    assert_eq!(
        (options[1]["votes"].clone(), options[1]["percent"].clone()),
        (json!(3), json!(20.0))
    );
    let row = |id: &str| with_id(&seen["districts"], id).clone();
    let kh = row(KHAMOVNIKI);
    assert_eq!(
        (
            kh["ballots"].clone(),
            kh["options"][&a].clone(),
            kh["options"][&b].clone()
        ),
        (json!(12), json!(12), json!("<10"))
    );
    let mi = row(MITINO);
    assert_eq!(mi["ballots"], "<10");
    for (option, cell) in mi["options"].as_object().unwrap() {
        assert_eq!(cell, "<10", "Митино, {option}");
    }
    assert_eq!(seen["districts"].as_array().unwrap().len(), 2);
    let bracket = AgeBracket::of_age(current_year() - 1990).as_str();
    assert_eq!(seen["age_brackets"][0]["id"], bracket);
    assert_eq!(seen["age_brackets"][0]["ballots"], 15);

    let r = get_ok(&api, &path(&after, "/results.csv"), Some(&official)).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let mut lines = r.text.lines();
    assert_eq!(
        lines.next(),
        Some("group_kind,group_id,group_name,question_id,question,option_id,option,votes")
    );
    let lines: Vec<&str> = lines.collect();
    let q0 = question(&after, 0);
    assert!(
        lines.contains(&format!("total,,,{q0},Что построить?,{a},Каток,12").as_str()),
        "{}",
        r.text
    );
    let mitino: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with(&format!("district,{MITINO},")))
        .collect();
    assert_eq!(mitino.len(), 5, "one row per option: {}", r.text);
    assert!(mitino.iter().all(|l| l.ends_with(",<10")), "{}", r.text);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("district,{KHAMOVNIKI},"))
                && l.ends_with(&format!(",{a},Каток,12"))),
        "{}",
        r.text
    );

    // Officials only: hidden from residents, voters included.
    cast_ok(&api, &hidden, &first, &ballot(&hidden, 1)).await;
    assert_eq!(
        get_code(&api, &path(&hidden, "/results"), Some(&first)).await,
        problem(403, "results_hidden")
    );
    assert_eq!(
        api.get(&path(&hidden, "/results"), Some(&official))
            .await
            .json()["ballots"],
        1
    );

    // Closing; the scheduler seals.
    for poll in [&after, &hidden] {
        act_ok(&api, poll, "/close", &official).await;
    }
    let sealed = wait_for_seal(&api, &after, &official).await;
    wait_for_seal(&api, &hidden, &official).await;
    let root = sealed["root"].as_str().unwrap().to_string();
    assert_eq!(sealed["sealed_ballots"], 15);
    assert_get_refused(
        &api,
        &path(&hidden, "/results"),
        &[Some(&first), None],
        problem(403, "results_hidden"),
    )
    .await;
    assert_eq!(
        get_code(&api, &path(&hidden, "/seal"), None).await,
        problem(403, "results_hidden")
    );
    assert_eq!(
        get_code(&api, &path(&hidden, "/ballots.json"), None).await,
        problem(403, "results_hidden")
    );
    let r = api.get(&path(&hidden, "/results"), Some(&official)).await;
    assert_eq!(
        (r.json()["ballots"].clone(), r.json()["final"].clone()),
        (json!(1), json!(true))
    );
    let r = api.get(&results, None).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "after close, everyone: {}",
        r.text
    );
    assert_eq!(
        (r.json()["ballots"].clone(), r.json()["final"].clone()),
        (json!(15), json!(true))
    );

    // The seal.
    let r = get_ok(&api, &path(&after, "/seal"), None).await;
    let seal = r.json();
    assert_eq!(
        (seal["root"].clone(), seal["ballots"].clone()),
        (json!(root), json!(15))
    );
    assert_eq!(seal["counters"]["n"], 15);
    assert_eq!(seal["counters"][format!("d|{KHAMOVNIKI}")], 12);
    assert_eq!(seal["counters"][format!("do|{MITINO}|{b}")], 3);
    assert!(
        seal["counters"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("h|")),
        "no times: {seal}"
    );
    let published: Published = serde_json::from_value(seal).unwrap();

    // The exports: no accounts, and they check out against the seal.
    let accounts: Vec<String> = voters.iter().map(|(a, _)| a.to_string()).collect();
    for tail in ["/ballots.json", "/ballots.csv"] {
        let r = get_ok(&api, &path(&after, tail), None).await;
        for account in &accounts {
            assert!(
                !r.text.contains(account.as_str()),
                "{tail} names account {account}"
            );
            assert!(
                !r.text.contains(&account.to_lowercase()),
                "{tail} names account {account}"
            );
        }
        assert!(!r.text.contains('@'), "{tail} holds an email address");
        let parsed = export::parse(&r.text).unwrap();
        assert_eq!(parsed.ballots.len(), 15);
        let verdict = export::check(&parsed, &published);
        assert!(verdict.ok(), "{tail}: {:?}", verdict.problems);
        assert_eq!(verdict.root, root);
    }

    // The receipt now proves its ballot is in the root.
    let r = get_ok(
        &api,
        &path(&after, &format!("/receipts/{first_receipt}")),
        None,
    )
    .await;
    let view = r.json();
    assert_eq!(
        (view["included"].clone(), view["root"].clone()),
        (json!(true), json!(root))
    );
    let steps: Vec<Step> = serde_json::from_value(view["proof"].clone()).unwrap();
    assert!(!steps.is_empty(), "15 ballots need a path: {view}");
    let entry = Entry {
        receipt: Receipt::parse(&first_receipt).unwrap(),
        district: KHAMOVNIKI.to_string(),
        age_bracket: view["ballot"]["age_bracket"].as_str().unwrap().to_string(),
    };
    assert!(verify::check_proof(&entry, &steps, &root));
    let moved = Entry {
        district: MITINO.to_string(),
        ..entry.clone()
    };
    assert!(
        !verify::check_proof(&moved, &steps, &root),
        "the proof binds the district"
    );
    app.stop().await;
}

// ---- 9. The dashboard ----

/// The start of the hour (UTC) as the dashboard writes it.
fn hour_of(at: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:00:00Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour()
    )
}

async fn officials_see_turnout_by_district_and_hour(app: TestApp) {
    let api = Api::new(&app);
    let org = organisation(&app, "Управа Хамовников").await;
    let (_, official) = official_of(&app, &org, 1975).await;
    let (_, colleague) = official_of(&app, &org, 1980).await;
    let stranger = an_official(&app).await;
    let (_, anna) = voter(&app, KHAMOVNIKI).await;
    let draft = create(
        &api,
        &official,
        &poll_input("Черновик", city_wide(), "after_voting", minutes(-1)),
    )
    .await;
    let poll = open_poll(&api, &official, city_wide(), "after_voting").await;
    let first_hour = hour_of(veche_core::clock::now());
    for district in [KHAMOVNIKI, KHAMOVNIKI, KHAMOVNIKI, MITINO, MITINO] {
        let (_, token) = voter(&app, district).await;
        cast_ok(&api, &poll, &token, &ballot(&poll, 0)).await;
    }
    let last_hour = hour_of(veche_core::clock::now());
    let dashboard = path(&poll, "/dashboard");
    for who in [&official, &colleague] {
        let r = get_ok(&api, &dashboard, Some(who)).await;
        let seen = r.json();
        assert_eq!(seen["ballots"], 5);
        let turnout: Vec<(Value, Value, Value)> = seen["turnout"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["district_id"].clone(),
                    t["ballots"].clone(),
                    t["percent"].clone(),
                )
            })
            .collect();
        assert_eq!(
            turnout,
            vec![
                (json!(KHAMOVNIKI), json!(3), json!(60.0)),
                (json!(MITINO), json!(2), json!(40.0))
            ],
            "exact counts, even under ten"
        );
        let hours = seen["per_hour"].as_array().unwrap();
        let total: i64 = hours.iter().map(|h| h["ballots"].as_i64().unwrap()).sum();
        assert_eq!(total, 5);
        // The hour may have turned while the ballots were cast.
        for h in hours {
            assert!(
                h["hour"] == json!(first_hour) || h["hour"] == json!(last_hour),
                "{hours:?}: not {first_hour} or {last_hour}"
            );
        }
        assert_eq!(hours.len(), 1 + usize::from(first_hour != last_hour));
        assert_eq!(seen["results"]["ballots"], 5);
    }
    assert_get_refused(
        &api,
        &dashboard,
        &[Some(&anna), Some(&stranger)],
        problem(403, "forbidden"),
    )
    .await;
    assert_eq!(
        get_code(&api, &dashboard, None).await,
        problem(401, "unauthorized")
    );
    let r = api.get(&path(&draft, "/dashboard"), Some(&official)).await;
    assert_eq!(r.code(), problem(409, "not_open_yet"));
    app.stop().await;
}

// ---- 10. The OpenAPI document ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_polls_endpoint() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app);
    let r = get_ok(&api, "/api/v1/openapi.json", None).await;
    let doc = r.json();
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/polls", &["get", "post"]),
        ("/api/v1/polls/{id}", &["delete", "get", "put"]),
        ("/api/v1/polls/{id}/schedule", &["post"]),
        ("/api/v1/polls/{id}/unschedule", &["post"]),
        ("/api/v1/polls/{id}/close", &["post"]),
        ("/api/v1/polls/{id}/publication", &["post"]),
        ("/api/v1/polls/{id}/ballots", &["post"]),
        ("/api/v1/polls/{id}/ballot", &["get"]),
        ("/api/v1/polls/{id}/receipts/{receipt}", &["get"]),
        ("/api/v1/polls/{id}/results", &["get"]),
        ("/api/v1/polls/{id}/results.csv", &["get"]),
        ("/api/v1/polls/{id}/seal", &["get"]),
        ("/api/v1/polls/{id}/ballots.json", &["get"]),
        ("/api/v1/polls/{id}/ballots.csv", &["get"]),
        ("/api/v1/polls/{id}/dashboard", &["get"]),
        ("/api/v1/me/points", &["get"]),
    ];
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    for (path, want) in expected {
        let item = doc["paths"][*path]
            .as_object()
            .unwrap_or_else(|| panic!("{path} is not in the document"));
        let have: BTreeSet<&str> = item
            .keys()
            .map(String::as_str)
            .filter(|k| methods.contains(k))
            .collect();
        let want: BTreeSet<&str> = want.iter().copied().collect();
        assert_eq!(have, want, "{path}");
    }
    // The ballot endpoint documents each of its answers.
    let responses = doc["paths"]["/api/v1/polls/{id}/ballots"]["post"]["responses"]
        .as_object()
        .unwrap();
    for status in [
        "201", "400", "401", "403", "404", "409", "413", "422", "429", "503",
    ] {
        assert!(responses.contains_key(status), "POST ballots: {status}");
    }
    let text = doc["paths"]["/api/v1/polls/{id}/ballots"]["post"].to_string();
    assert_contains_all(
        &text,
        &[
            "already_voted",
            "not_in_audience",
            "too_young",
            "not_verified",
            "poll_not_open",
            "poll_closed",
            "missing_answer",
            "too_many_choices",
            "unknown_option",
            "overloaded",
            "rate_limited",
            "idempotency_key_reused",
        ],
        "POST ballots",
    );
    app.stop().await;
}

// ---- The connection after a refused oversized ballot ----

/// A ballot over the size limit is refused at once (413, its body unread). The server then
/// either says `Connection: close` or keeps the connection usable: a keep-alive client that
/// reuses the connection must not find it dead (reqwest reports `IncompleteMessage`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_ballot_leaves_no_dead_connection_behind() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn().await;
    let (_, token) = voter(&app, KHAMOVNIKI).await;
    let body =
        json!({"answers": [{"question": "q".repeat(70 * 1024), "options": ["a"]}]}).to_string();
    let mut stream = tokio::net::TcpStream::connect(app.addr()).await.unwrap();
    let request = raw::request(
        "POST",
        &format!("/api/v1/polls/{}/ballots", PollId::generate()),
        &[
            ("Host", "localhost"),
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/json"),
        ],
        &body,
    );
    // The server may answer (and stop reading) before the whole body is sent.
    let _ = stream.write_all(request.as_bytes()).await;
    let (head, _) = raw::read_response(&mut stream).await.expect("an answer");
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let closes = head
        .lines()
        .any(|l| l.to_ascii_lowercase().replace(' ', "") == "connection:close");
    if !closes {
        let healthz = raw::request_head("GET", "/healthz", &[("Host", "localhost")], None);
        let _ = stream.write_all(healthz.as_bytes()).await;
        let next = raw::read_response(&mut stream).await;
        assert!(
            next.as_ref()
                .is_some_and(|(h, _)| h.starts_with("HTTP/1.1 200")),
            "the 413 did not say `Connection: close`, yet the connection is dead: {next:?}"
        );
    }
    app.stop().await;
}

/// What `scripts/bench-polls` votes through the form with: residents the bench seed signs in
/// (`--sessions-out`). Each line's cookie and CSRF token are what the poll page carries and
/// what its form needs: the vote is a 303 to the receipt and one stored ballot; the token of
/// another session is refused and stores nothing.
async fn a_bench_seeded_session_votes_through_the_form(app: TestApp) {
    let (_, _, poll) = an_open_poll(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let (tokens, sessions) = (dir.path().join("tokens"), dir.path().join("sessions"));
    veche::bench::residents_with_tokens(app.platform(), 3, &[], &tokens, Some(&sessions))
        .await
        .unwrap();
    let tokens = std::fs::read_to_string(&tokens).unwrap();
    let sessions = std::fs::read_to_string(&sessions).unwrap();
    let lines: Vec<(&str, &str)> = sessions
        .lines()
        .map(|l| l.split_once(' ').unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(tokens.lines().count(), 3);
    let client = app.client();
    let vote = |cookie: &str, csrf: &str| {
        client
            .post(app.url(&format!("/polls/{}/vote", id(&poll))))
            .header("cookie", format!("veche_session={cookie}"))
            .form(&[
                ("csrf", csrf.to_string()),
                (&format!("q_{}", question(&poll, 0)), option(&poll, 0, 1)),
            ])
            .send()
    };

    // The poll page of the first session carries its line's CSRF token.
    let (cookie, csrf) = lines[0];
    let page = client
        .get(app.url(&format!("/polls/{}", id(&poll))))
        .header("cookie", format!("veche_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
        "the poll page does not carry the seeded CSRF token"
    );

    // The second session with the first one's token: refused, nothing stored.
    let r = vote(lines[1].0, csrf).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored_count(&app, &poll).await, 0);

    // Each with its own: a 303 to the receipt, a ballot each; a second vote goes to the first.
    let mut receipts = BTreeSet::new();
    for (cookie, csrf) in &lines {
        let r = vote(cookie, csrf).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        assert!(location.ends_with("?done=voted"), "{location}");
        receipts.insert(location);
    }
    assert_eq!(receipts.len(), 3);
    assert_eq!(stored_count(&app, &poll).await, 3);
    let again = vote(cookie, csrf).await.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert!(again.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("?done=already_voted"));
    assert_eq!(stored_count(&app, &poll).await, 3);
    app.stop().await;
}

on_both_stores!(
    every_refused_ballot_has_its_code_and_stores_nothing,
    a_ballot_gets_a_receipt_points_and_only_one_counts,
    a_retried_ballot_with_its_idempotency_key_replays_the_first_answer,
    a_ballot_whose_server_died_midway_is_cast_by_a_later_retry,
    a_bench_seeded_session_votes_through_the_form,
    publishing_waits_for_the_seal_grace,
    officials_see_turnout_by_district_and_hour,
);
on_both_stores_with!(
    lifecycle,
    publish_seals,
    [a_poll_lives_from_draft_to_published_and_every_step_is_audited]
);
on_both_stores_with!(
    concurrency,
    unlimited,
    [
        a_thousand_concurrent_copies_of_a_ballot_store_one,
        ballots_of_residents_who_hang_up_are_counted_and_stall_nothing
    ]
);
on_both_stores_with!(
    rate_limit,
    two_ballots_a_minute,
    [a_third_ballot_within_the_minute_is_429_and_stored_nowhere]
);
on_both_stores_with!(
    shedding,
    one_in_flight,
    [past_the_ballots_in_flight_the_server_sheds_with_503]
);
on_both_stores_with!(
    sealing_results,
    sealing,
    [results_follow_visibility_and_the_seal_checks_out]
);
