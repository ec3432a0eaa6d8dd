//! Black-box tests of the ideas API: the real app on port 0 (SQLite and the MongoDB test
//! server), accounts made straight in the store, everything else over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::rate;
use common::fixtures::reschedule;
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
    submit_json(api, project, token, &idea_body(title, body)).await
}

/// The id of an idea submitted (201).
async fn submitted(api: &Api<'_>, project: &str, token: &str, title: &str, body: &str) -> String {
    let idea = submit(api, project, token, title, body)
        .await
        .json_if(StatusCode::CREATED);
    idea["id"].as_str().unwrap().to_string()
}

/// The address of `rest` under `project`'s.
fn in_project(project: &str, rest: &str) -> String {
    format!("/api/v1/idea-projects/{project}/{rest}")
}

/// An idea submitted to `project` as the JSON `body`.
async fn submit_json(api: &Api<'_>, project: &str, token: &str, body: &Value) -> Reply {
    let path = in_project(project, "ideas");
    api.post(&path, Some(token), body).await
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
            &in_project(&project, "ideas"),
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
    first.assert_status(StatusCode::CREATED);
    let first_id = first.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        first.header("location").as_deref(),
        Some(format!("/api/v1/ideas/{first_id}").as_str())
    );
    let second_id = submitted(
        &api,
        &project,
        &p.residents[1],
        "Нужен пандус в поликлинике",
        "Сделайте пандус у поликлиники: с коляской невозможно войти внутрь.",
    )
    .await;

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
    approve.assert_status(StatusCode::OK);
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
        .get(&in_project(&project, &format!("ideas?q={q}")), None)
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        1,
        "«пандусы» finds «пандуса»"
    );
    let pending = api
        .get(
            &in_project(&project, "ideas?status=pending"),
            Some(&p.residents[2]),
        )
        .await;
    assert_eq!(pending.code(), problem(403, "forbidden"));

    // The public log, for anyone: counts only.
    let log = api
        .get(&in_project(&project, "moderation-log"), None)
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
    let id = submitted(
        &api,
        &project,
        &p.residents[0],
        "Каток в парке",
        "Залить каток в парке зимой для всех жителей района.",
    )
    .await;
    api.post(
        &format!("/api/v1/ideas/{id}/decision"),
        Some(&p.moderators[0]),
        &json!({"action": "approve"}),
    )
    .await
    .json_if(StatusCode::OK);
    // The discussion begins (moved in the store: the clock is the store's, not the page's).
    let project_id = veche_ideas::model::ProjectId::parse(&project).unwrap();
    let now = veche_core::clock::now();
    reschedule(&app.ideas(), &project_id, |s| {
        s.proposals = now - Duration::days(2);
        s.discussion = now - Duration::minutes(1);
    })
    .await;

    // Forty concurrent supports by one resident count once.
    let path = format!("/api/v1/ideas/{id}/support");
    let tries = (0..40).map(|_| api.put(&path, Some(&p.residents[1])));
    for reply in futures::future::join_all(tries).await {
        reply.assert_status(StatusCode::OK);
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
            &in_project(&project, "ideas?mine=true"),
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

/// The open data: every decided idea with its supports and decision, a rejected one without
/// its text, nobody's account, note or appeal; CSV and JSON; limited per address.
async fn open_data_holds_decisions_and_no_personal_data(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, 0).await;
    let (author_id, author) = resident(&app, KHAMOVNIKI, 1990, true, &[]).await;
    let (_, neighbour) = resident(&app, KHAMOVNIKI, 1991, true, &[]).await;
    let project = published_project(&api, &p.official).await;
    let mut ids = Vec::new();
    // Two ideas a minute each (this group's limit): the third is the neighbour's.
    for (who, title, body) in [
        (
            &author,
            "Скамейки, урны и фонари",
            "Поставить скамейки и урны вдоль пруда, сесть негде.",
        ),
        (
            &author,
            "=HYPERLINK(\"http://x\")",
            "Мой телефон +7 999 000-00-00, позвоните мне.",
        ),
        (
            &neighbour,
            "Каток в парке",
            "Залить каток в парке зимой для всех жителей района.",
        ),
    ] {
        let idea = submit(&api, &project, who, title, body)
            .await
            .json_if(StatusCode::CREATED);
        ids.push(idea["id"].as_str().unwrap().to_string());
    }
    for (id, decision) in [
        (&ids[0], json!({"action": "approve"})),
        (
            &ids[1],
            json!({"action": "reject", "reason": "abusive", "note": "Уберите телефон Ивана Петрова"}),
        ),
    ] {
        api.post(
            &format!("/api/v1/ideas/{id}/decision"),
            Some(&p.moderators[0]),
            &decision,
        )
        .await
        .json_if(StatusCode::OK);
    }

    // JSON, to anyone: the two decided ideas, newest first; the pending one is not there.
    let json_reply = api.get(&in_project(&project, "open-data.json"), None).await;
    let data = json_reply.json_if(StatusCode::OK);
    assert_eq!(
        json_reply.header("content-disposition").as_deref(),
        Some(format!("attachment; filename=\"ideas-{project}.json\"").as_str())
    );
    assert_eq!(data["format"], "veche-ideas-v1");
    let rows = data["ideas"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{data}");
    assert_eq!(rows[0]["id"], ids[1].as_str());
    assert_eq!(rows[0]["status"], "rejected");
    assert_eq!(rows[0]["reason"], "abusive");
    assert_eq!(
        rows[0]["title"],
        Value::Null,
        "a refused text is not republished"
    );
    assert_eq!(rows[1]["title"], "Скамейки, урны и фонари");
    assert_eq!(rows[1]["supports"], 0);
    assert!(
        rows[1]["submitted_on"].as_str().unwrap().len() == 10,
        "a day, not an instant"
    );
    for secret in [
        author_id.as_str(),
        "Ивана Петрова",
        "+7 999",
        "Тестовый Житель",
    ] {
        assert!(
            !json_reply.text.contains(secret),
            "{secret} leaked: {}",
            json_reply.text
        );
    }

    // CSV: a header and a row per decided idea; commas quoted.
    let csv = api.get(&in_project(&project, "open-data.csv"), None).await;
    csv.assert_status(StatusCode::OK);
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = csv.text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,title,topic,district_id,status,reason,submitted_on,decided_on,merged_into,supports,shortlisted,outcome"
    );
    assert_eq!(lines.len(), 3, "{}", csv.text);
    assert!(
        lines[2].starts_with(&format!("{},\"Скамейки, урны и фонари\",parks,", ids[0])),
        "{}",
        lines[2]
    );

    // An unknown project is a 404; a third download within the minute is refused.
    let unknown = api
        .get(
            "/api/v1/idea-projects/01ARZ3NDEKTSV4RRFFQ69G5FAV/open-data.csv",
            None,
        )
        .await;
    assert_eq!(unknown.code(), problem(404, "not_found"));
    let limited = api.get(&in_project(&project, "open-data.json"), None).await;
    assert_eq!(limited.code(), problem(429, "rate_limited"));
    app.stop().await;
}

/// A picture sent as it is: a JPEG a phone made, with its location in EXIF.
fn phone_photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(2400, 1800, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x ^ y) % 239) as u8])
    });
    let mut plain = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut plain, image::ImageFormat::Jpeg)
        .unwrap();
    let plain = plain.into_inner();
    let payload = b"Exif\0\0MM\0*GPSLatitude 55.7558 GPSLongitude 37.6173";
    let len = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1, len[0], len[1]]);
    out.extend_from_slice(payload);
    out.extend_from_slice(&plain[2..]);
    out
}

async fn upload(api: &Api<'_>, token: Option<&str>, body: Vec<u8>) -> Reply {
    let mut request = api
        .client
        .post(api.app.url("/api/v1/uploads"))
        .header("content-type", "image/jpeg")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::of(request.send().await.unwrap()).await
}

/// An idea's picture: uploaded (checked by content, kept without its metadata), named in the
/// idea, served for good; what is not a picture, or not uploaded here, is refused.
async fn an_idea_carries_a_picture_checked_by_content(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, 2).await;
    let project = published_project(&api, &p.official).await;
    let author = &p.residents[0];

    assert_eq!(
        upload(&api, None, phone_photo()).await.code(),
        problem(401, "unauthorized")
    );
    let script = upload(&api, Some(author), b"<svg onload=alert(1)>".to_vec()).await;
    assert_eq!(script.code(), problem(422, "validation_failed"));
    assert_eq!(script.json()["reason"], "not_an_image");

    let sent = upload(&api, Some(author), phone_photo())
        .await
        .json_if(StatusCode::CREATED);
    let hash = sent["hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    assert_eq!(sent["url"], format!("/media/{hash}"));
    let again = upload(&api, Some(author), phone_photo())
        .await
        .json_if(StatusCode::CREATED);
    assert_eq!(
        again["hash"],
        hash.as_str(),
        "the same picture, the same name"
    );

    assert_eq!(
        sent["status"], "processing",
        "checked from its header, processed later"
    );
    let media = app.processed(&api.client, &format!("/media/{hash}")).await;
    assert_eq!(media.status(), StatusCode::OK);
    let header = |name: &str| {
        media
            .headers()
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("cache-control").contains("immutable"));
    let bytes = media.bytes().await.unwrap();
    let stored = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (stored.width(), stored.height()),
        (1600, 1200),
        "scaled to 1600 a side"
    );
    assert!(
        !bytes.windows(11).any(|w| w == b"GPSLatitude"),
        "no location kept"
    );
    let unknown = api
        .client
        .get(app.url(&format!("/media/{}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // An idea names the picture; a hash never uploaded, or not a hash, is refused.
    let mut body = idea_body(
        "Фонтан во дворе",
        "Вернуть фонтан во двор дома 5, как было раньше.",
    );
    body["image"] = json!("f".repeat(64));
    let unknown_image = submit_json(&api, &project, author, &body).await;
    assert_eq!(unknown_image.code(), problem(422, "validation_failed"));
    assert_eq!(unknown_image.json()["reason"], "unknown_image");
    body["image"] = json!("../../etc/passwd");
    let bad_ref = submit_json(&api, &project, author, &body).await;
    assert_eq!(bad_ref.json()["reason"], "invalid_image");
    body["image"] = json!(hash);
    let idea = submit_json(&api, &project, &p.residents[1], &body)
        .await
        .json_if(StatusCode::CREATED);
    assert_eq!(idea["image"], hash.as_str());
    app.stop().await;
}

fn two_ideas_a_minute(settings: &mut veche::config::Settings) {
    rate(settings, "idea_submit", "2/min");
    rate(settings, "idea_export", "3/min");
}

on_both_stores_with!(
    ideas,
    two_ideas_a_minute,
    [
        an_idea_goes_from_submission_to_the_public_log,
        supports_count_once_and_move_with_the_stage,
        submissions_are_rate_limited_and_comments_report_and_hide,
        open_data_holds_decisions_and_no_personal_data,
        an_idea_carries_a_picture_checked_by_content,
    ]
);
