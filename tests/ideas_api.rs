//! Black-box tests of the ideas API: the real app on port 0 (SQLite and the MongoDB test
//! server), accounts made straight in the store, everything else over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::rate;
use common::http::{problem, Api, Reply};
use common::{resident, TestApp, KHAMOVNIKI};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use veche_core::accounts::model::Role;

fn at(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap()
}

/// A project whose proposals opened a minute ago.
fn project_body() -> Value {
    json!({
        "title": "Парки района",
        "description": "Что улучшить в парках",
        "topics": [{"code": "parks", "name": "Парки"}],
        "criteria": [{"code": "benefit", "name": "Польза"}],
        "audience": "city",
        "proposals": at(-Duration::minutes(1)),
        "discussion": at(Duration::days(1)),
        "review": at(Duration::days(2)),
        "results": at(Duration::days(3)),
    })
}

fn idea_body(title: &str, body: &str) -> Value {
    json!({ "title": title, "body": body, "topic": "parks" })
}

struct People {
    official: String,
    moderators: [String; 2],
    residents: Vec<String>,
}

async fn people(app: &TestApp, residents: usize) -> People {
    let official = resident(app, KHAMOVNIKI, 1980, true, &[Role::Official])
        .await
        .1;
    let m1 = resident(app, KHAMOVNIKI, 1980, true, &[Role::Moderator])
        .await
        .1;
    let m2 = resident(app, KHAMOVNIKI, 1980, true, &[Role::Moderator])
        .await
        .1;
    let mut tokens = Vec::new();
    for _ in 0..residents {
        tokens.push(resident(app, KHAMOVNIKI, 1990, true, &[]).await.1);
    }
    People {
        official,
        moderators: [m1, m2],
        residents: tokens,
    }
}

/// A published project (by `official`); its id.
async fn published_project(api: &Api<'_>, official: &str) -> String {
    let created = api
        .post("/api/v1/idea-projects", Some(official), &project_body())
        .await
        .json_if(StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_string();
    api.act(
        &format!("/api/v1/idea-projects/{id}/publication"),
        Some(official),
    )
    .await
    .json_if(StatusCode::OK);
    id
}

async fn submit(api: &Api<'_>, project: &str, token: &str, title: &str, body: &str) -> Reply {
    api.post(
        &format!("/api/v1/idea-projects/{project}/ideas"),
        Some(token),
        &idea_body(title, body),
    )
    .await
}

async fn an_idea_goes_from_submission_to_the_public_log(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, 3).await;
    // A resident may not create a project.
    let refused = api
        .post(
            "/api/v1/idea-projects",
            Some(&p.residents[0]),
            &project_body(),
        )
        .await;
    assert_eq!(refused.code(), problem(403, "forbidden"));
    let project = published_project(&api, &p.official).await;

    // Bad input is refused with a clear code and stores nothing.
    let unknown = api
        .post(
            &format!("/api/v1/idea-projects/{project}/ideas"),
            Some(&p.residents[0]),
            &json!({"title": "Скамейки у пруда", "body": "x", "topic": "parks", "extra": 1}),
        )
        .await;
    assert_eq!(unknown.code(), problem(400, "unknown_field"));
    let long = submit(
        &api,
        &project,
        &p.residents[0],
        &"Очень длинно ".repeat(20),
        "Поставить скамейки вдоль пруда, сесть негде.",
    )
    .await;
    assert_eq!(long.code(), problem(422, "validation_failed"));
    let body = long.json();
    assert_eq!(body["field"], "title");
    assert!(
        body["detail"].as_str().unwrap().contains("140"),
        "the ideas' own text: {body}"
    );

    let first = submit(
        &api,
        &project,
        &p.residents[0],
        "Пандус у входа в поликлинику",
        "У входа в поликлинику нет пандуса, с детской коляской не заехать.",
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let first_id = first.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        first.header("location").as_deref(),
        Some(format!("/api/v1/ideas/{first_id}").as_str())
    );
    let second = submit(
        &api,
        &project,
        &p.residents[1],
        "Нужен пандус в поликлинике",
        "Сделайте пандус у поликлиники: с коляской невозможно войти внутрь.",
    )
    .await
    .json_if(StatusCode::CREATED);
    let second_id = second["id"].as_str().unwrap().to_string();

    // A pending idea is its author's and the moderators' only.
    let hidden = api
        .get(&format!("/api/v1/ideas/{first_id}"), Some(&p.residents[2]))
        .await;
    assert_eq!(hidden.code(), problem(404, "not_found"));
    let own = api
        .get(&format!("/api/v1/ideas/{first_id}"), Some(&p.residents[0]))
        .await;
    assert_eq!(own.header("etag").as_deref(), Some("\"1\""));

    // The queue: oldest first, with the likely duplicate beside the second idea.
    let resident_queue = api
        .get("/api/v1/moderation/ideas", Some(&p.residents[0]))
        .await;
    assert_eq!(resident_queue.code(), problem(403, "forbidden"));
    let queue = api
        .get(
            &format!("/api/v1/moderation/ideas?project={project}"),
            Some(&p.moderators[0]),
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(queue["waiting"], 2);
    assert!(queue["oldest_age_seconds"].as_i64().unwrap() >= 0);
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items[0]["idea"]["id"], first_id.as_str());
    let suggested = items[1]["duplicates"].as_array().unwrap();
    assert_eq!(suggested.len(), 1, "{queue}");
    assert_eq!(suggested[0]["idea"]["id"], first_id.as_str());
    assert!(suggested[0]["score"].as_f64().unwrap() >= 0.36);

    // Two moderators decide the first idea on the version they saw: one wins.
    let approve = api
        .if_match(
            Method::POST,
            &format!("/api/v1/ideas/{first_id}/decision"),
            &p.moderators[0],
            Some(&json!({"action": "approve"})),
            "\"1\"",
        )
        .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.text);
    assert_eq!(approve.header("etag").as_deref(), Some("\"2\""));
    let late = api
        .if_match(
            Method::POST,
            &format!("/api/v1/ideas/{first_id}/decision"),
            &p.moderators[1],
            Some(&json!({"action": "reject", "reason": "unclear"})),
            "\"1\"",
        )
        .await;
    assert_eq!(late.code(), problem(409, "version_conflict"));
    // The second is merged into the first: its author is credited there.
    let merged = api
        .post(
            &format!("/api/v1/ideas/{second_id}/decision"),
            Some(&p.moderators[1]),
            &json!({"action": "merge", "into": first_id}),
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], first_id.as_str());
    let credited = api
        .get(&format!("/api/v1/ideas/{first_id}"), Some(&p.residents[1]))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        credited["mine"], true,
        "the merged idea's author is credited"
    );

    // Supports wait for the discussion.
    let early = api
        .put(
            &format!("/api/v1/ideas/{first_id}/support"),
            Some(&p.residents[2]),
        )
        .await;
    assert_eq!(early.code(), problem(422, "validation_failed"));
    assert_eq!(early.json()["reason"], "supports_closed");

    // Residents find it by another form of its words.
    let q = "%D0%BF%D0%B0%D0%BD%D0%B4%D1%83%D1%81%D1%8B"; // «пандусы»
    let found = api
        .get(
            &format!("/api/v1/idea-projects/{project}/ideas?q={q}"),
            None,
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        1,
        "«пандусы» finds «пандуса»"
    );
    let pending = api
        .get(
            &format!("/api/v1/idea-projects/{project}/ideas?status=pending"),
            Some(&p.residents[2]),
        )
        .await;
    assert_eq!(pending.code(), problem(403, "forbidden"));

    // The public log, for anyone: counts only.
    let log = api
        .get(
            &format!("/api/v1/idea-projects/{project}/moderation-log"),
            None,
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(log["decisions"]["approved"], 1);
    assert_eq!(log["decisions"]["merged"], 1);
    assert!(!log.to_string().contains(&first_id), "no idea is named");
    app.stop().await;
}

async fn supports_count_once_and_move_with_the_stage(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, 4).await;
    let project = published_project(&api, &p.official).await;
    let idea = submit(
        &api,
        &project,
        &p.residents[0],
        "Каток в парке",
        "Залить каток в парке зимой для всех жителей района.",
    )
    .await
    .json_if(StatusCode::CREATED);
    let id = idea["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/ideas/{id}/decision"),
        Some(&p.moderators[0]),
        &json!({"action": "approve"}),
    )
    .await
    .json_if(StatusCode::OK);
    // The discussion begins (moved in the store: the clock is the store's, not the page's).
    let ideas = app.ideas();
    let project_id = veche_ideas::model::ProjectId::parse(&project).unwrap();
    let stored = ideas.store().project(&project_id).await.unwrap().unwrap();
    let now = veche_core::clock::now();
    let moved = veche_ideas::model::Project {
        schedule: veche_ideas::model::Schedule {
            proposals: now - Duration::days(2),
            discussion: now - Duration::minutes(1),
            ..stored.schedule
        },
        version: stored.version + 1,
        ..stored.clone()
    };
    assert!(ideas
        .store()
        .replace_project(&moved, stored.version)
        .await
        .unwrap());

    // Forty concurrent supports by one resident count once.
    let path = format!("/api/v1/ideas/{id}/support");
    let tries = (0..40).map(|_| api.put(&path, Some(&p.residents[1])));
    for reply in futures::future::join_all(tries).await {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    for token in &p.residents[2..] {
        api.put(&path, Some(token)).await.json_if(StatusCode::OK);
    }
    let withdrawn = api
        .delete(&path, Some(&p.residents[3]))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(withdrawn["supports"], 2);
    let read = api
        .get(&format!("/api/v1/ideas/{id}"), Some(&p.residents[1]))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(read["supports"], 2);
    assert_eq!(read["supported"], true);
    app.stop().await;
}

async fn submissions_are_rate_limited_and_comments_report_and_hide(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, 4).await;
    let project = published_project(&api, &p.official).await;
    let mut ids = Vec::new();
    for n in 0..2 {
        let made = submit(
            &api,
            &project,
            &p.residents[0],
            &format!("Идея номер {n} о парке"),
            "Текст идеи о парке достаточной длины для проверки.",
        )
        .await
        .json_if(StatusCode::CREATED);
        ids.push(made["id"].as_str().unwrap().to_string());
    }
    let third = submit(
        &api,
        &project,
        &p.residents[0],
        "Третья идея о парке",
        "Текст идеи о парке достаточной длины для проверки.",
    )
    .await;
    assert_eq!(third.code(), problem(429, "rate_limited"));
    assert!(third.header("retry-after").is_some());
    let listed = api
        .get(
            &format!("/api/v1/idea-projects/{project}/ideas?mine=true"),
            Some(&p.residents[0]),
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "the refused one is not stored"
    );

    // Comments: three reports hide one until a moderator keeps it.
    api.post(
        &format!("/api/v1/ideas/{}/decision", ids[0]),
        Some(&p.moderators[0]),
        &json!({"action": "approve"}),
    )
    .await
    .json_if(StatusCode::OK);
    let comment = api
        .post(
            &format!("/api/v1/ideas/{}/comments", ids[0]),
            Some(&p.residents[0]),
            &json!({"text": "<script>alert(1)</script> Приходите на открытие!"}),
        )
        .await
        .json_if(StatusCode::CREATED);
    let comment_id = comment["id"].as_str().unwrap().to_string();
    for token in &p.residents[1..4] {
        api.act(
            &format!("/api/v1/idea-comments/{comment_id}/reports"),
            Some(token),
        )
        .await
        .json_if(StatusCode::OK);
    }
    let again = api
        .act(
            &format!("/api/v1/idea-comments/{comment_id}/reports"),
            Some(&p.residents[1]),
        )
        .await;
    assert_eq!(again.json()["reason"], "already_reported");
    let seen = api
        .get(&format!("/api/v1/ideas/{}/comments", ids[0]), None)
        .await
        .json_if(StatusCode::OK);
    assert_eq!(seen["items"][0]["hidden"], true);
    assert_eq!(seen["items"][0]["text"], "");
    let reported = api
        .get("/api/v1/moderation/idea-comments", Some(&p.moderators[1]))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(reported["items"][0]["reports"], 3);
    api.post(
        &format!("/api/v1/idea-comments/{comment_id}/moderation"),
        Some(&p.moderators[1]),
        &json!({"keep": true}),
    )
    .await
    .json_if(StatusCode::OK);
    let shown = api
        .get(&format!("/api/v1/ideas/{}/comments", ids[0]), None)
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        shown["items"][0]["text"], "<script>alert(1)</script> Приходите на открытие!",
        "JSON carries the text as written; pages escape it"
    );
    app.stop().await;
}

fn two_ideas_a_minute(settings: &mut veche::config::Settings) {
    rate(settings, "idea_submit", "2/min");
}

on_both_stores_with!(
    ideas,
    two_ideas_a_minute,
    [
        an_idea_goes_from_submission_to_the_public_log,
        supports_count_once_and_move_with_the_stage,
        submissions_are_rate_limited_and_comments_report_and_hide,
    ]
);
