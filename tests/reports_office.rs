//! The office's pages of reports, black-box over HTTP as browsers use them (a cookie session
//! and the form's CSRF token): moderators decide submitted reports, officials work their
//! organisation's queue (take, answer with photos, re-route), the dashboard and its CSV. Every
//! refusal changes nothing: a resident or an official of another organisation (403), a form
//! without its CSRF token (403), a refused form (it comes back filled), a decision another
//! moderator made first (told, not made twice). The dashboard's figures on a known set of
//! reports, exactly, in the JSON API, the CSV and the page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fixtures::{email_of, report_category, roads_agency};
use common::http::{problem, with_id, Api, Reply};
use common::{
    escaped, member, official_of, organisation, TestApp, ARBAT, KHAMOVNIKI, KHAMOVNIKI_POINT,
    PASSWORD,
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use veche_core::accounts::model::Role;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_reports::model::{Action, CategoryId, Report, Status};
use veche_reports::rules::{self, ReportFields};
use veche_reports::testing::{acted, answered, roads_routing};

/// A browser signed in as the account: its cookie jar and CSRF token.
struct Browser {
    client: Client,
    csrf: String,
}

async fn browser(app: &TestApp, id: &AccountId) -> Browser {
    let client = app.client();
    let csrf = app
        .sign_in(&client, &email_of(app, id).await, PASSWORD)
        .await;
    Browser { client, csrf }
}

struct People {
    admin: String,
    moderator: (AccountId, String),
    moderator2: AccountId,
    official: (AccountId, String),
    other: (AccountId, String),
    author: String,
    resident: AccountId,
    pothole: String,
    litter: String,
    roads: OrganisationId,
    bridges: OrganisationId,
}

/// Categories (Roads → Pothole, Litter), two organisations (the roads agency of Khamovniki,
/// the bridges of Arbat) with their officials, two moderators, residents.
async fn people(app: &TestApp, api: &Api<'_>) -> People {
    let (_, admin) = member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await;
    let moderator = member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None).await;
    let (moderator2, _) = member(app, KHAMOVNIKI, 1976, true, &[Role::Moderator], None).await;
    let roads = organisation(app, "Дороги ЦАО").await;
    let bridges = organisation(app, "Мосты").await;
    let official = official_of(app, &roads, 1980).await;
    let other = official_of(app, &bridges, 1981).await;
    let (_, author) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
    let (resident, _) = member(app, KHAMOVNIKI, 1991, true, &[], None).await;
    let id = |category: Value| category["id"].as_str().unwrap().to_string();
    let parent = id(report_category(api, &admin, None, ("Дороги", "Дороги"), false).await);
    let pothole = id(report_category(api, &admin, Some(&parent), ("Яма", "Яма"), false).await);
    let litter = id(report_category(api, &admin, Some(&parent), ("Мусор", "Мусор"), false).await);
    roads_agency(api, &admin, &roads, &[KHAMOVNIKI], None).await;
    roads_agency(api, &admin, &bridges, &[ARBAT], None).await;
    People {
        admin,
        moderator,
        moderator2,
        official,
        other,
        author,
        resident,
        pothole,
        litter,
        roads,
        bridges,
    }
}

async fn file(api: &Api<'_>, p: &People, description: &str) -> Value {
    let body = json!({ "category_id": p.pothole, "lat": KHAMOVNIKI_POINT.0, "lon": KHAMOVNIKI_POINT.1,
        "address": "Плющиха, 10", "description": description });
    api.post("/api/v1/reports", Some(&p.author), &body)
        .await
        .json_if(StatusCode::CREATED)
}

async fn status_of(api: &Api<'_>, p: &People, id: &str) -> (String, u64) {
    let report = api
        .get(&format!("/api/v1/reports/{id}"), Some(&p.author))
        .await
        .json_if(StatusCode::OK);
    (
        report["status"].as_str().unwrap().to_string(),
        report["version"].as_u64().unwrap(),
    )
}

async fn page(app: &TestApp, who: &Client, path: &str) -> Reply {
    Reply::of(app.get(who, path).await).await
}

/// A form POST of `who` (its CSRF token added unless `csrf` is false).
async fn form(
    app: &TestApp,
    who: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    csrf: bool,
) -> Reply {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    if csrf {
        all.push(("csrf", &who.csrf));
    }
    Reply::of(app.post_form(&who.client, path, &all).await).await
}

async fn post_multipart(
    app: &TestApp,
    who: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> Reply {
    let mut all = fields.to_vec();
    all.push(("csrf", &who.csrf));
    let names: Vec<String> = (0..files.len()).map(|i| format!("p{i}.png")).collect();
    let files: Vec<_> = files
        .iter()
        .zip(&names)
        .map(|((name, bytes), file)| (*name, file.as_str(), "image/png", *bytes))
        .collect();
    Reply::of(app.post_multipart(&who.client, path, &all, &files).await).await
}

fn png() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn moderators_decide_reports_once_on_the_queue_page(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let first = file(&api, &p, "Глубокая яма посреди дороги").await;
    let id = first["id"].as_str().unwrap().to_string();
    let moderator = browser(&app, &p.moderator.0).await;
    let moderator2 = browser(&app, &p.moderator2).await;
    let resident = browser(&app, &p.resident).await;
    let queue = "/moderation/reports";

    // The queue shows the report with what it says, and how long the queue has waited.
    let shown = page(&app, &moderator.client, queue).await;
    shown.assert_status(StatusCode::OK);
    for part in [
        format!("data-queued=\"{id}\""),
        "Глубокая яма посреди дороги".to_string(),
        "Плющиха, 10".to_string(),
        "Хамовники".to_string(),
        "Яма".to_string(),
        "data-testid=\"queue-age\"".to_string(),
    ] {
        assert!(
            shown.text.contains(&part),
            "{part} missing:\n{}",
            shown.text
        );
    }
    // Not for residents; not from a form without its CSRF token.
    assert_eq!(
        page(&app, &resident.client, queue).await.status,
        StatusCode::FORBIDDEN
    );
    let decision = format!("{queue}/{id}/decision");
    // A submitted report is not the resident's to know of: 404.
    let by_resident = form(&app, &resident, &decision, &[("action", "accept")], true).await;
    assert_eq!(by_resident.status, StatusCode::NOT_FOUND);
    let forged = form(&app, &moderator, &decision, &[("action", "accept")], false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&api, &p, &id).await.0, "submitted");

    // A rejection without a reason is refused; the note typed comes back.
    let note = "Пожалуйста, уточните <адрес>";
    let refused = form(
        &app,
        &moderator,
        &decision,
        &[("action", "reject"), ("note", note), ("version", "1")],
        true,
    )
    .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("data-testid=\"error\""));
    assert!(refused.text.contains(&escaped(note)), "{}", refused.text);
    assert!(refused
        .text
        .contains(&format!("id=\"reject-{id}\" checked")));
    assert_eq!(status_of(&api, &p, &id).await, ("submitted".into(), 1));

    // Two moderators decide at once on version 1: the first accepts, the second is told.
    let accepted = form(
        &app,
        &moderator,
        &decision,
        &[("action", "accept"), ("version", "1")],
        true,
    )
    .await;
    accepted.assert_status(StatusCode::SEE_OTHER);
    let back = accepted.header("location").unwrap();
    assert_eq!(back, format!("{queue}?done=accepted&report={id}"));
    let late = form(
        &app,
        &moderator2,
        &decision,
        &[
            ("action", "reject"),
            ("reason", "unclear"),
            ("version", "1"),
        ],
        true,
    )
    .await;
    late.assert_status(StatusCode::CONFLICT);
    let told = app.platform().catalog.t(
        veche_core::web::i18n::Lang::Ru,
        "reports-office-already-decided",
    );
    assert!(late.text.contains(&told), "{}", late.text);
    assert_eq!(status_of(&api, &p, &id).await.0, "routed");
    // After the acceptance: where it went and why.
    let after = page(&app, &moderator.client, &back).await;
    assert!(after.text.contains("Дороги ЦАО"), "{}", after.text);
    assert!(!after.text.contains(&format!("data-queued=\"{id}\"")));
    app.stop().await;
}

async fn officials_work_their_queue_and_others_change_nothing(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let filed = file(&api, &p, "Яма у подъезда, колёса проваливаются").await;
    let id = filed["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/reports/{id}/decision"),
        Some(&p.moderator.1),
        &json!({"action": "accept"}),
    )
    .await
    .json_if(StatusCode::OK);
    let official = browser(&app, &p.official.0).await;
    let other = browser(&app, &p.other.0).await;
    let resident = browser(&app, &p.resident).await;
    let view = format!("/office/reports/{id}");

    // The official's queue holds it, with its deadline; the report's office view its forms.
    let queue = page(&app, &official.client, "/office/reports").await;
    queue.assert_status(StatusCode::OK);
    assert!(queue.text.contains(&format!("data-queued=\"{id}\"")));
    assert!(queue.text.contains("data-testid=\"deadline\""));
    let shown = page(&app, &official.client, &view).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("data-testid=\"start\""));
    assert!(shown.text.contains("id=\"answer-form\""));

    // Another organisation's official and a resident: refused, nothing changes.
    for who in [&other, &resident] {
        assert_eq!(
            page(&app, &who.client, &view).await.status,
            StatusCode::FORBIDDEN
        );
        let start = form(&app, who, &format!("{view}/start"), &[], true).await;
        start.assert_status(StatusCode::FORBIDDEN);
        let answer = post_multipart(
            &app,
            who,
            &format!("{view}/answer"),
            &[("text", "Готово")],
            &[],
        )
        .await;
        answer.assert_status(StatusCode::FORBIDDEN);
    }
    let asked = format!("/office/reports?organisation={}", p.roads);
    assert_eq!(
        page(&app, &other.client, &asked).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page(&app, &resident.client, "/office/reports").await.status,
        StatusCode::FORBIDDEN
    );
    // Without the CSRF token, the official's own step is refused too.
    let start = format!("{view}/start");
    let forged = form(&app, &official, &start, &[("version", "2")], false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&api, &p, &id).await, ("routed".into(), 2));

    // Taken into work.
    let started = form(&app, &official, &start, &[("version", "2")], true).await;
    started.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(status_of(&api, &p, &id).await.0, "in_progress");

    // A re-routing without a reason comes back with the organisation chosen.
    let rerouted = form(
        &app,
        &official,
        &format!("{view}/reroute"),
        &[("organisation_id", p.bridges.as_str()), ("note", " ")],
        true,
    )
    .await;
    rerouted.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rerouted
        .text
        .contains(&format!("<option value=\"{}\" selected>", p.bridges)));
    // An answer too long comes back as typed, with the photo it carried kept.
    let long = "Очень длинный ответ. ".repeat(200);
    let photo = png();
    let refused = post_multipart(
        &app,
        &official,
        &format!("{view}/answer"),
        &[("text", &long)],
        &[("photo_files", &photo)],
    )
    .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains(long.trim_end()));
    assert!(refused.text.contains("data-testid=\"kept-photo\""));
    assert_eq!(status_of(&api, &p, &id).await.0, "in_progress");
    let kept: String = refused
        .text
        .split("name=\"photos\" value=\"")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| *c != '"')
        .collect();

    // Answered with the kept photo and another.
    let other_photo = {
        let picture = image::RgbImage::from_fn(30, 30, |x, _| image::Rgb([x as u8, 200, 10]));
        let mut out = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let answered = post_multipart(
        &app,
        &official,
        &format!("{view}/answer"),
        &[("text", "Яму заделали 3 декабря."), ("photos", &kept)],
        &[("photo_files", &other_photo)],
    )
    .await;
    answered.assert_status(StatusCode::SEE_OTHER);
    let report = api
        .get(&format!("/api/v1/reports/{id}"), Some(&p.author))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(report["status"], "answered");
    assert_eq!(report["answer"]["text"], "Яму заделали 3 декабря.");
    assert_eq!(report["answer"]["photos"].as_array().unwrap().len(), 2);
    assert_eq!(report["answer"]["photos"][0], kept.as_str());
    // Answered, it leaves the queue; its view shows the answer and no more forms.
    let shown = page(&app, &official.client, &view).await;
    assert!(shown.text.contains("data-testid=\"answer\""));
    assert!(!shown.text.contains("id=\"answer-form\""));
    let queue = page(&app, &official.client, "/office/reports").await;
    assert!(!queue.text.contains(&format!("data-queued=\"{id}\"")));
    app.stop().await;
}

/// A report of `category` in `district` accepted for `org` at `at`, due at `due`.
fn accepted(
    category: &str,
    district: &str,
    org: &OrganisationId,
    at: OffsetDateTime,
    due: OffsetDateTime,
) -> Report {
    let fields = ReportFields::unaddressed(
        CategoryId::from_trusted(category.into()),
        KHAMOVNIKI_POINT,
        DistrictId::from_trusted(district.into()),
        "Яма на дороге".into(),
    );
    let mut report = rules::new_report(fields, &AccountId::generate(), at);
    let routing = roads_routing(&report, org.clone());
    rules::routed(&mut report, routing, at, due);
    acted(&report, Action::Accept, at, Status::Routed)
}

async fn the_dashboard_counts_a_known_set_exactly(app: TestApp) {
    let api = Api::new(&app);
    let p = people(&app, &api).await;
    let store = app.reports().store().clone();
    let now = veche_core::clock::now();
    let t0 = now - Duration::days(20);
    let hour = Duration::hours(1);
    let roads = &p.roads;
    // Owed and due later; owed and overdue (litter, in Arbat); answered in 5 h, on time; in
    // 30 h, late; answered, disputed, answered again 10 h after the dispute and closed; and
    // the bridges' report.
    let waiting = accepted(&p.pothole, KHAMOVNIKI, roads, t0, now + Duration::days(3));
    let late = accepted(&p.litter, ARBAT, roads, t0, now - hour);
    let quick = answered(
        &accepted(&p.pothole, KHAMOVNIKI, roads, t0, t0 + 10 * hour),
        t0 + 5 * hour,
        Status::Answered,
    );
    let slow = answered(
        &accepted(&p.pothole, KHAMOVNIKI, roads, t0, t0 + hour),
        t0 + 30 * hour,
        Status::Answered,
    );
    let mut disputed = answered(
        &accepted(&p.pothole, KHAMOVNIKI, roads, t0, t0 + 40 * hour),
        t0 + 2 * hour,
        Status::Answered,
    );
    rules::set_deadline(&mut disputed, t0 + 50 * hour, t0 + 70 * hour);
    let disputed = acted(&disputed, Action::Dispute, t0 + 50 * hour, Status::Reopened);
    let closed = acted(
        &answered(&disputed, t0 + 60 * hour, Status::Answered),
        Action::Confirm,
        t0 + 61 * hour,
        Status::Closed,
    );
    let theirs = accepted(&p.pothole, ARBAT, &p.bridges, t0, now + Duration::days(1));
    for r in [&waiting, &late, &quick, &slow, &closed, &theirs] {
        store.insert_report(r).await.unwrap();
    }

    // The JSON API: the official's organisation, exactly.
    let path = format!("/api/v1/report-organisations/{roads}/dashboard");
    let d = api
        .get(&path, Some(&p.official.1))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        d["overall"],
        json!({ "reports": 5, "open": 2, "overdue": 1, "answered": 3, "answered_on_time": 2,
            "answered_on_time_percent": 66.7, "median_hours_to_answer": 10.0,
            "answered_ever": 3, "reopened": 1, "reopen_rate_percent": 33.3 })
    );
    assert_eq!(d["organisation_name"], "Дороги ЦАО");
    let pothole = &d["by_category"][0];
    assert_eq!(
        (pothole["id"].as_str(), pothole["name"].as_str()),
        (Some(p.pothole.as_str()), Some("Яма"))
    );
    assert_eq!(pothole["figures"]["reports"], 4);
    assert_eq!(pothole["figures"]["median_hours_to_answer"], 10.0);
    let arbat = with_id(&d["by_district"], ARBAT);
    assert_eq!(
        (
            arbat["figures"]["open"].as_u64(),
            arbat["figures"]["overdue"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // Another organisation's official and a resident may not; an admin may, and sees all.
    let refused = api.get(&path, Some(&p.other.1)).await;
    assert_eq!(refused.code(), problem(403, "forbidden"));
    assert_eq!(
        api.get(&path, Some(&p.author)).await.code(),
        problem(403, "forbidden")
    );
    assert_eq!(
        api.get("/api/v1/report-dashboard", Some(&p.official.1))
            .await
            .code(),
        problem(403, "forbidden")
    );
    let all = api
        .get("/api/v1/report-dashboard", Some(&p.admin))
        .await
        .json_if(StatusCode::OK);
    assert_eq!(
        (
            all["overall"]["reports"].as_u64(),
            all["overall"]["open"].as_u64()
        ),
        (Some(6), Some(3))
    );
    assert_eq!(
        api.get(&format!("{path}?format=xml"), Some(&p.admin))
            .await
            .code(),
        problem(400, "invalid_format")
    );

    // The CSV: the same table.
    let csv = api
        .get(&format!("{path}?format=csv"), Some(&p.official.1))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = csv.text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}scope,id,name,reports,open,overdue,answered,answered_on_time,\
         answered_on_time_percent,median_hours_to_answer,answered_ever,reopened,reopen_rate_percent"
    );
    assert_eq!(
        lines[1],
        format!("all,{roads},Дороги ЦАО,5,2,1,3,2,66.7,10,3,1,33.3")
    );
    assert_eq!(
        lines[2],
        format!("category,{},Яма,4,1,0,3,2,66.7,10,3,1,33.3", p.pothole)
    );
    assert_eq!(
        lines[3],
        format!("category,{},Мусор,1,1,1,0,0,,,0,0,", p.litter)
    );
    assert!(lines
        .contains(&format!("district,{KHAMOVNIKI},Хамовники,4,1,0,3,2,66.7,10,3,1,33.3").as_str()));
    assert!(lines.contains(&format!("district,{ARBAT},Арбат,1,1,1,0,0,,,0,0,").as_str()));
    assert_eq!(lines.len(), 7, "{lines:?}");

    // The page, and its CSV link, for the official; refused to others.
    let official = browser(&app, &p.official.0).await;
    let shown = page(&app, &official.client, "/office/dashboard").await;
    shown.assert_status(StatusCode::OK);
    for part in [
        "<dd data-figure=\"reports\">5</dd>",
        "<dd data-figure=\"overdue\">1</dd>",
        "<dd data-figure=\"on_time\">66.7 % (2/3)</dd>",
        "<dd data-figure=\"reopen\">33.3 %</dd>",
        "<svg",
    ] {
        assert!(shown.text.contains(part), "{part} missing:\n{}", shown.text);
    }
    let download = page(&app, &official.client, "/office/dashboard.csv").await;
    assert_eq!(download.text, csv.text);
    let other = browser(&app, &p.other.0).await;
    let asked = format!("/office/dashboard?organisation={roads}");
    assert_eq!(
        page(&app, &other.client, &asked).await.status,
        StatusCode::FORBIDDEN
    );
    let resident = browser(&app, &p.resident).await;
    assert_eq!(
        page(&app, &resident.client, "/office/dashboard.csv")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // An official who is an admin too sees each office entry of the navigation once.
    let (both, _) = member(
        &app,
        KHAMOVNIKI,
        1985,
        true,
        &[Role::Official, Role::Admin],
        Some(roads.clone()),
    )
    .await;
    let both = browser(&app, &both).await;
    let shown = page(&app, &both.client, "/office/dashboard").await;
    assert_eq!(shown.status, StatusCode::OK);
    for href in ["href=\"/office/reports\"", "href=\"/office/dashboard\""] {
        assert_eq!(
            shown.text.matches(href).count(),
            1,
            "{href}:\n{}",
            shown.text
        );
    }
    // The OpenAPI document holds both.
    api.assert_documented(&[
        "/api/v1/report-organisations/{id}/dashboard",
        "/api/v1/report-dashboard",
    ])
    .await;
    app.stop().await;
}

on_both_stores_with!(
    office,
    |_| {},
    [
        moderators_decide_reports_once_on_the_queue_page,
        officials_work_their_queue_and_others_change_nothing,
        the_dashboard_counts_a_known_set_exactly,
    ]
);
