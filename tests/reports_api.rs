//! Black-box tests of the reports API: the real app on port 0 (SQLite and the MongoDB test
//! server), accounts and core's organisations made straight in the store, everything else over
//! HTTP. Every transition, and every forbidden one (wrong role, wrong organisation, wrong
//! state, stale version: a 4xx, and the report unchanged).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::rate;
use common::fixtures::{report_category, roads_agency};
use common::http::{problem, Api, Reply};
use common::{member, official_of, organisation, TestApp, ARBAT, KHAMOVNIKI, KHAMOVNIKI_POINT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use veche_core::accounts::model::Role;

struct People {
    admin: String,
    moderator: String,
    /// The roads agency of Khamovniki: its head and another official.
    head: String,
    official: String,
    /// Another organisation's official.
    other: String,
    author: String,
    author_id: String,
    resident: String,
    pothole: String,
    roads: String,
    bridges: String,
}

/// Categories (Roads → Pothole), two organisations with their officials and profiles, and
/// residents.
async fn people(app: &TestApp, api: &Api<'_>) -> People {
    let token = |who: (veche_core::id::AccountId, String)| who.1;
    let admin = token(member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await);
    let moderator = token(member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None).await);
    let roads = organisation(app, "Дороги ЦАО").await;
    let bridges = organisation(app, "Мосты").await;
    let (head_id, head) = official_of(app, &roads, 1970).await;
    let official = token(official_of(app, &roads, 1980).await);
    let other = token(official_of(app, &bridges, 1980).await);
    let (author_id, author) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
    let resident = token(member(app, KHAMOVNIKI, 1991, true, &[], None).await);
    let parent = report_category(api, &admin, None, ("Дороги", "Дороги"), false).await;
    let pothole = report_category(api, &admin, parent["id"].as_str(), ("Яма", "Яма"), false).await;
    assert_eq!(pothole["deadline_days"], 8);
    roads_agency(api, &admin, &roads, &[KHAMOVNIKI], Some(&head_id)).await;
    roads_agency(api, &admin, &bridges, &[ARBAT], None).await;
    People {
        admin,
        moderator,
        head,
        official,
        other,
        author,
        author_id: author_id.to_string(),
        resident,
        pothole: pothole["id"].as_str().unwrap().to_string(),
        roads: roads.to_string(),
        bridges: bridges.to_string(),
    }
}

fn report_body(p: &People) -> Value {
    json!({ "category_id": p.pothole, "lat": KHAMOVNIKI_POINT.0, "lon": KHAMOVNIKI_POINT.1,
        "address": "Плющиха, 10", "description": "Глубокая яма посреди дороги" })
}

async fn file(api: &Api<'_>, p: &People) -> Value {
    api.post("/api/v1/reports", Some(&p.author), &report_body(p))
        .await
        .json_if(StatusCode::CREATED)
}

/// A transition `what` on the report, by `token`, at `version` (`If-Match`) when given.
async fn step(
    api: &Api<'_>,
    id: &str,
    what: &str,
    token: &str,
    body: Option<&Value>,
    version: Option<u64>,
) -> Reply {
    let path = format!("/api/v1/reports/{id}/{what}");
    match version {
        Some(v) => {
            api.if_match(Method::POST, &path, token, body, &format!("\"{v}\""))
                .await
        }
        None => api.send(Method::POST, &path, Some(token), body, &[]).await,
    }
}

/// The report as its author sees it.
async fn current(api: &Api<'_>, p: &People, id: &str) -> Value {
    api.get(&format!("/api/v1/reports/{id}"), Some(&p.author))
        .await
        .json_if(StatusCode::OK)
}

async fn accepted(api: &Api<'_>, p: &People) -> Value {
    let report = file(api, p).await;
    let id = report["id"].as_str().unwrap();
    step(
        api,
        id,
        "decision",
        &p.moderator,
        Some(&json!({"action": "accept"})),
        None,
    )
    .await
    .json_if(StatusCode::OK)
}

async fn a_report_goes_from_filing_to_closed(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let filed = api
        .post("/api/v1/reports", Some(&p.author), &report_body(&p))
        .await;
    filed.assert_status(StatusCode::CREATED);
    let report = filed.json();
    let id = report["id"].as_str().unwrap().to_string();
    assert_eq!(
        filed.header("location").as_deref(),
        Some(format!("/api/v1/reports/{id}").as_str())
    );
    assert_eq!(report["status"], "submitted");
    assert_eq!(report["district_id"], KHAMOVNIKI);
    assert_eq!(report["mine"], true);
    // Not public until a moderator accepts it; the moderators' queue holds it.
    let hidden = api.get(&format!("/api/v1/reports/{id}"), None).await;
    assert_eq!(hidden.code(), problem(404, "not_found"));
    let queue = api
        .get("/api/v1/moderation/reports", Some(&p.moderator))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(queue["items"][0]["id"], id.as_str());

    let routed = step(
        &api,
        &id,
        "decision",
        &p.moderator,
        Some(&json!({"action": "accept"})),
        Some(1),
    )
    .await
    .json_if(StatusCode::OK);
    assert_eq!(routed["status"], "routed");
    assert_eq!(routed["routing"]["organisation_id"], p.roads.as_str());
    let reason = routed["routing"]["reason"].as_str().unwrap();
    assert!(reason.contains("Дороги ЦАО"), "{reason}");
    assert_eq!(routed["overdue"], false);
    assert!(routed["deadline"].is_string());

    // Public now, and nowhere the author: not their id, not as who filed it.
    let public = api.get(&format!("/api/v1/reports/{id}"), None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(!public.text.contains(&p.author_id), "{}", public.text);
    assert!(!public.text.contains("author_id"), "{}", public.text);
    assert_eq!(public.json()["mine"], false);
    let list = api.get("/api/v1/reports", None).await;
    assert!(!list.text.contains(&p.author_id));
    assert_eq!(list.json()["items"][0]["id"], id.as_str());
    // Before filing the same problem, a resident sees it nearby.
    let near = api
        .get(
            &format!(
                "/api/v1/reports/nearby?lat={}&lon={}&category={}",
                KHAMOVNIKI_POINT.0 + 0.0004,
                KHAMOVNIKI_POINT.1,
                p.pothole
            ),
            Some(&p.resident),
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(near["items"][0]["report"]["id"], id.as_str());
    assert!(!near.to_string().contains(&p.author_id));
    let joined = api
        .put(&format!("/api/v1/reports/{id}/join"), Some(&p.resident))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        (joined["joiners"].as_u64(), joined["first"].as_bool()),
        (Some(1), Some(true))
    );

    // The organisation's queue holds it; the officials work it.
    let queue = api
        .get(
            &format!("/api/v1/report-organisations/{}/queue", p.roads),
            Some(&p.official),
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(queue["items"][0]["id"], id.as_str());
    let started = step(&api, &id, "start", &p.official, None, Some(2))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(started["status"], "in_progress");
    let answered = step(
        &api,
        &id,
        "answer",
        &p.head,
        Some(&json!({"text": "Яму заделали"})),
        None,
    )
    .await
    .json_if(StatusCode::OK);
    assert_eq!(answered["status"], "answered");
    assert!(answered["dispute_until"].is_string());
    let closed = step(&api, &id, "confirmation", &p.author, None, Some(4))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(closed["status"], "closed");
    let history: Vec<(String, String)> = closed["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap().into(),
                s["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("file", "author"),
        ("accept", "moderator"),
        ("start", "official"),
        ("answer", "official"),
        ("confirm", "author"),
    ]
    .iter()
    .map(|(a, r)| (a.to_string(), r.to_string()))
    .collect();
    assert_eq!(history, expected);
    // Staff steps name who acted; the author's never do.
    assert!(closed["history"][0]["by"].is_null());
    assert!(closed["history"][1]["by"].is_string());
    app.stop().await;
}

async fn forbidden_transitions_answer_4xx_and_change_nothing(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let report = file(&api, &p).await;
    let id = report["id"].as_str().unwrap().to_string();
    let accept = json!({"action": "accept"});
    let answer = json!({"text": "Готово"});
    // Not signed in: 401. A resident cannot even see a submitted report: 404.
    let anonymous = api
        .send(
            Method::POST,
            &format!("/api/v1/reports/{id}/decision"),
            None,
            Some(&accept),
            &[],
        )
        .await;
    assert_eq!(anonymous.code(), problem(401, "unauthorized"));
    let resident = step(&api, &id, "decision", &p.resident, Some(&accept), None).await;
    assert_eq!(resident.code(), problem(404, "not_found"));
    // The author sees it but may not answer it, nor confirm it before an answer.
    let own_answer = step(&api, &id, "answer", &p.author, Some(&answer), None).await;
    assert_eq!(own_answer.code(), problem(403, "forbidden"));
    let early = step(&api, &id, "confirmation", &p.author, None, None).await;
    assert_eq!(early.code(), problem(409, "invalid_transition"));
    assert_eq!(
        current(&api, &p, &id).await["version"],
        1,
        "nothing changed"
    );

    step(&api, &id, "decision", &p.moderator, Some(&accept), None)
        .await
        .json_if(StatusCode::OK);
    let refusals = [
        // Another organisation's official.
        (
            step(&api, &id, "start", &p.other, None, None).await,
            problem(403, "forbidden"),
        ),
        (
            step(&api, &id, "answer", &p.other, Some(&answer), None).await,
            problem(403, "forbidden"),
        ),
        // An official may not moderate; a moderator may not answer.
        (
            step(&api, &id, "decision", &p.official, Some(&accept), None).await,
            problem(403, "forbidden"),
        ),
        (
            step(&api, &id, "answer", &p.moderator, Some(&answer), None).await,
            problem(403, "forbidden"),
        ),
        // A resident who is not its author may not dispute or confirm.
        (
            step(&api, &id, "dispute", &p.resident, None, None).await,
            problem(403, "forbidden"),
        ),
        // Accepting twice, confirming before an answer.
        (
            step(&api, &id, "decision", &p.moderator, Some(&accept), None).await,
            problem(409, "invalid_transition"),
        ),
        (
            step(&api, &id, "confirmation", &p.author, None, None).await,
            problem(409, "invalid_transition"),
        ),
        // A stale version.
        (
            step(&api, &id, "start", &p.official, None, Some(1)).await,
            problem(409, "version_conflict"),
        ),
        // Bad input.
        (
            step(
                &api,
                &id,
                "answer",
                &p.official,
                Some(&json!({"text": ""})),
                None,
            )
            .await,
            problem(422, "validation_failed"),
        ),
        (
            step(
                &api,
                &id,
                "answer",
                &p.official,
                Some(&json!({"text": "x", "extra": 1})),
                None,
            )
            .await,
            problem(400, "unknown_field"),
        ),
        (
            step(
                &api,
                &id,
                "reroute",
                &p.official,
                Some(&json!({"organisation_id": p.roads, "note": "тот же"})),
                None,
            )
            .await,
            problem(422, "validation_failed"),
        ),
    ];
    for (i, (reply, expected)) in refusals.iter().enumerate() {
        assert_eq!(&reply.code(), expected, "refusal {i}: {}", reply.text);
    }
    let after = current(&api, &p, &id).await;
    assert_eq!(
        (after["version"].as_u64(), after["status"].as_str()),
        (Some(2), Some("routed"))
    );
    app.stop().await;
}

async fn rerouting_disputes_and_rejections_say_why(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let routed = accepted(&api, &p).await;
    let id = routed["id"].as_str().unwrap().to_string();
    let reroute = json!({"organisation_id": p.bridges, "note": "Это мост"});
    let rerouted = step(&api, &id, "reroute", &p.official, Some(&reroute), None)
        .await
        .json_if(StatusCode::OK);
    assert_eq!(rerouted["routing"]["organisation_id"], p.bridges.as_str());
    assert_eq!(rerouted["routing"]["basis"], "rerouted");
    assert!(rerouted["routing"]["reason"]
        .as_str()
        .unwrap()
        .contains("Это мост"));
    // Now the first organisation's officials are refused, the second's act.
    let refused = step(&api, &id, "start", &p.official, None, None).await;
    assert_eq!(refused.code(), problem(403, "forbidden"));
    step(
        &api,
        &id,
        "answer",
        &p.other,
        Some(&json!({"text": "Мост починили"})),
        None,
    )
    .await
    .json_if(StatusCode::OK);
    let disputed = step(
        &api,
        &id,
        "dispute",
        &p.author,
        Some(&json!({"note": "Не починили"})),
        None,
    )
    .await
    .json_if(StatusCode::OK);
    assert_eq!(disputed["status"], "reopened");
    assert_eq!(
        disputed["history"].as_array().unwrap().last().unwrap()["note"],
        "Не починили"
    );

    let other = file(&api, &p).await;
    let other_id = other["id"].as_str().unwrap();
    let reject = json!({"action": "reject", "reason": "duplicate", "note": "Уже есть"});
    let rejected = step(
        &api,
        other_id,
        "decision",
        &p.moderator,
        Some(&reject),
        None,
    )
    .await
    .json_if(StatusCode::OK);
    assert_eq!(
        (
            rejected["status"].as_str(),
            rejected["reject_reason"].as_str()
        ),
        (Some("rejected"), Some("duplicate"))
    );
    let hidden = api
        .get(&format!("/api/v1/reports/{other_id}"), Some(&p.resident))
        .await;
    assert_eq!(hidden.code(), problem(404, "not_found"));
    let joined = api
        .put(&format!("/api/v1/reports/{id}/join"), Some(&p.author))
        .await;
    assert_eq!(joined.code(), problem(409, "own_report"));
    app.stop().await;
}

async fn administration_is_for_admins(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let category = json!({"name_ru": "Двор", "name_en": "Yard", "organisation_kind": "housing"});
    for token in [&p.resident, &p.moderator, &p.official] {
        let denied = api
            .post("/api/v1/report-categories", Some(token), &category)
            .await;
        assert_eq!(denied.code(), problem(403, "forbidden"));
        let day = api
            .send(
                Method::PUT,
                "/api/v1/report-calendar/2026-12-28",
                Some(token),
                Some(&json!({"kind": "holiday"})),
                &[],
            )
            .await;
        assert_eq!(day.code(), problem(403, "forbidden"));
    }
    let bad = json!({"name_ru": "Двор", "name_en": "Yard", "organisation_kind": "bakery"});
    let refused = api
        .post("/api/v1/report-categories", Some(&p.admin), &bad)
        .await;
    assert_eq!(refused.code(), problem(422, "validation_failed"));
    assert_eq!(refused.json()["field"], "organisation_kind");
    let day = api
        .send(
            Method::PUT,
            "/api/v1/report-calendar/2026-12-28",
            Some(&p.admin),
            Some(&json!({"kind": "holiday"})),
            &[],
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(day["date"], "2026-12-28");
    let days = api
        .get("/api/v1/report-calendar", None)
        .await
        .json_if(StatusCode::OK);
    assert_eq!(days["items"].as_array().unwrap().len(), 1);
    let removed = api
        .delete("/api/v1/report-calendar/2026-12-28", Some(&p.admin))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let again = api
        .delete("/api/v1/report-calendar/2026-12-28", Some(&p.admin))
        .await;
    assert_eq!(again.code(), problem(404, "not_found"));
    let organisations = api
        .get("/api/v1/report-organisations", None)
        .await
        .json_if(StatusCode::OK);
    assert_eq!(organisations["items"].as_array().unwrap().len(), 2);
    assert!(organisations.to_string().contains("Дороги ЦАО"));
    // Filing outside every district is refused with a clear reason.
    let far = json!({ "category_id": p.pothole, "lat": 48.85, "lon": 2.35,
        "description": "Яма на дороге в Париже" });
    let outside = api.post("/api/v1/reports", Some(&p.author), &far).await;
    assert_eq!(outside.code(), problem(422, "validation_failed"));
    assert_eq!(outside.json()["reason"], "outside_districts");
    // The OpenAPI document holds the routes.
    api.assert_documented(&[
        "/api/v1/reports",
        "/api/v1/reports/{id}/decision",
        "/api/v1/report-calendar/{date}",
        "/api/v1/report-organisations/{id}/queue",
        "/api/v1/reports/nearby",
    ])
    .await;
    app.stop().await;
}

async fn filing_is_rate_limited(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    for _ in 0..2 {
        file(&api, &p).await;
    }
    let third = api
        .post("/api/v1/reports", Some(&p.author), &report_body(&p))
        .await;
    assert_eq!(third.code(), problem(429, "rate_limited"));
    assert!(third.header("retry-after").is_some());
    app.stop().await;
}

fn two_reports_a_minute(settings: &mut veche::config::Settings) {
    rate(settings, "report_file", "2/min");
}

on_both_stores_with!(
    reports,
    two_reports_a_minute,
    [
        a_report_goes_from_filing_to_closed,
        forbidden_transitions_answer_4xx_and_change_nothing,
        rerouting_disputes_and_rejections_say_why,
        administration_is_for_admins,
        filing_is_rate_limited,
    ]
);
