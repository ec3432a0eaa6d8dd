//! The reports' pages over HTTP, as a browser without JavaScript uses them: the real app on
//! port 0, categories, organisations and other people's reports made through the service,
//! everything the resident does through the pages' forms. Forms without their CSRF token are
//! refused and change nothing; a refused form comes back filled with a clear message; every
//! page is authorised (a report before moderation, or rejected, is its author's and the
//! moderators'); the public list's filters and map.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use reqwest::{Client, StatusCode};
use veche_core::accounts::model::{Account, Role};
use veche_core::web::i18n::Lang;
use veche_reports::model::{Report, ReportId, Status};
use veche_reports::rules::{AnswerInput, CategoryInput, DecisionInput, ProfileInput, ReportInput};
use veche_reports::service;

use common::app::{rate, Store};
use common::{
    escaped, member, official_of, organisation, TestApp, KHAMOVNIKI, KHAMOVNIKI_POINT, MITINO,
};

/// A point 60 m from [`KHAMOVNIKI_POINT`].
const NEAR: (f64, f64) = (55.7360, 37.5890);
/// A point in Mitino.
const MITINO_POINT: (f64, f64) = (55.8460, 37.3600);
/// What a resident writes of the pit they file with a photo.
const PIT_DESCRIPTION: &str = "Провал асфальта у люка, колесо уходит целиком";

/// The city the tests file in: Roads → Pothole (radius 300 m) and Yards → Litter, a roads
/// agency and a housing service serving Khamovniki and Mitino, their officials, a moderator.
struct City {
    pothole: String,
    litter: String,
    roads_group: String,
    moderator: Account,
    official: Account,
}

async fn city(app: &TestApp) -> City {
    let (admin, _) = member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await;
    let admin = app.account_of(&admin).await;
    let (moderator, _) = member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None).await;
    let roads = organisation(app, "Дороги").await;
    let housing = organisation(app, "Жилищник").await;
    let (official, _) = official_of(app, &roads, 1980).await;
    let (p, r) = (app.platform(), app.reports());
    let category = |parent: Option<&str>, name: &str, kind: &str| CategoryInput {
        parent: parent.map(str::to_string),
        name_ru: name.to_string(),
        name_en: format!("{name} (en)"),
        deadline_days: None,
        photo_required: false,
        duplicate_radius_m: Some(300),
        organisation_kind: kind.to_string(),
        active: true,
    };
    let add = |parent: Option<String>, name: &'static str, kind: &'static str| {
        let (admin, r) = (&admin, &r);
        async move {
            let input = category(parent.as_deref(), name, kind);
            service::create_category(p, r, admin, &input).await.unwrap()
        }
    };
    let roads_group = add(None, "Дороги", "roads").await;
    let pothole = add(Some(roads_group.id.to_string()), "Яма", "roads").await;
    let yards = add(None, "Дворы", "housing").await;
    let litter = add(Some(yards.id.to_string()), "Мусор", "housing").await;
    for (org, kind) in [(&roads, "roads"), (&housing, "housing")] {
        let input = ProfileInput {
            kind: kind.to_string(),
            districts: vec![KHAMOVNIKI.to_string(), MITINO.to_string()],
            head: None,
        };
        service::set_profile(p, &r, &admin, org, None, &input)
            .await
            .unwrap();
    }
    City {
        pothole: pothole.id.to_string(),
        litter: litter.id.to_string(),
        roads_group: roads_group.id.to_string(),
        moderator: app.account_of(&moderator).await,
        official: app.account_of(&official).await,
    }
}

/// A report filed by a new resident through the service, not yet moderated.
async fn unmoderated(
    app: &TestApp,
    category: &str,
    (lat, lon): (f64, f64),
    description: &str,
) -> Report {
    let (author, _) = member(app, KHAMOVNIKI, 1960, true, &[], None).await;
    let author = app.account_of(&author).await;
    let input = ReportInput {
        category_id: category.to_string(),
        lat,
        lon,
        address: Some("Плющиха, 10".into()),
        description: description.to_string(),
        photos: Vec::new(),
    };
    let (p, r) = (app.platform(), app.reports());
    service::file(p, &r, &author, &input).await.unwrap()
}

/// A report filed by a new resident through the service and accepted by the moderator.
async fn filed(
    app: &TestApp,
    city: &City,
    category: &str,
    place: (f64, f64),
    description: &str,
) -> Report {
    let report = unmoderated(app, category, place, description).await;
    decide(app, city, &report.id, "accept", None).await
}

/// The pothole by the crossing in Khamovniki, accepted: the report the nearby step offers.
async fn the_pit(app: &TestApp, city: &City) -> Report {
    let description = "Яма у перехода, глубокая";
    filed(app, city, &city.pothole, KHAMOVNIKI_POINT, description).await
}

/// A pothole in Mitino, accepted: far from the others.
async fn mitino_pit(app: &TestApp, city: &City) -> Report {
    let description = "Яма в Митине у школы";
    filed(app, city, &city.pothole, MITINO_POINT, description).await
}

async fn decide(
    app: &TestApp,
    city: &City,
    id: &ReportId,
    action: &str,
    note: Option<&str>,
) -> Report {
    let input = DecisionInput {
        action: action.to_string(),
        reason: (action == "reject").then(|| "unclear".to_string()),
        note: note.map(str::to_string),
        organisation_id: None,
    };
    service::decide(
        app.platform(),
        &app.reports(),
        &city.moderator,
        id,
        None,
        &input,
    )
    .await
    .unwrap()
}

async fn stored(app: &TestApp, id: &ReportId) -> Report {
    app.reports().store().report(id).await.unwrap().unwrap()
}

/// A signed-in resident's browser (sign-up through the API), and their account.
async fn resident(app: &TestApp, email: &str) -> (Client, Account) {
    let (client, _) = app.signed_in(email, &[]).await;
    (client, app.account(email).await)
}

/// The CSRF token of the first form of a page.
async fn csrf_of(app: &TestApp, client: &Client, path: &str) -> String {
    let body = app.page(client, path).await;
    let at = body
        .find("name=\"csrf\" value=\"")
        .expect("a form with a token")
        + 19;
    body[at..].split('"').next().unwrap().to_string()
}

/// A `multipart/form-data` POST of text fields and files (`name`, file name, bytes).
async fn post_multipart(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, Vec<u8>)],
) -> reqwest::Response {
    let files: Vec<_> = files
        .iter()
        .map(|(name, file, bytes)| (*name, *file, "image/jpeg", bytes.as_slice()))
        .collect();
    app.post_multipart(client, path, fields, &files).await
}

/// Files a report through the details form with one photo (`name`, file name, bytes): the
/// address the form sends to (the new report's page) and the report as stored.
async fn file_with_photo(
    app: &TestApp,
    client: &Client,
    fields: &[(&str, &str)],
    photo: (&str, &str, Vec<u8>),
) -> (String, Report) {
    let response = post_multipart(app, client, "/reports/new/details", fields, &[photo]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    let id = to
        .strip_prefix("/reports/")
        .and_then(|t| t.strip_suffix("?done=filed"))
        .expect("to the new report");
    let report = stored(app, &ReportId::parse(id).unwrap()).await;
    (to, report)
}

/// The page of a refused form (422), as sent back.
async fn refused(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    response.text().await.unwrap()
}

/// "Me too" on report `id` by `client`, with a token of theirs.
async fn join(app: &TestApp, client: &Client, id: &ReportId) -> reqwest::Response {
    let csrf = csrf_of(app, client, "/reports/new").await;
    let join = format!("/reports/{id}/join");
    app.post_form(client, &join, &[("csrf", &csrf)]).await
}

/// Checks that `me` has filed no report.
async fn assert_nothing_filed(app: &TestApp, me: &Account) {
    let mine = service::mine(&app.reports(), me, None, 10).await.unwrap();
    assert!(mine.reports.is_empty(), "nothing was filed");
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

fn msg(app: &TestApp, key: &str) -> String {
    app.platform().catalog.t(Lang::Ru, key)
}

/// An app on SQLite with its settings adjusted, and the city set up in it.
async fn in_the_city(adjust: impl FnOnce(&mut veche::config::Settings)) -> (TestApp, City) {
    let app = TestApp::spawn_with(Store::Sqlite, adjust).await.unwrap();
    let city = city(&app).await;
    (app, city)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_their_token_are_refused_and_change_nothing() {
    let (app, city) = in_the_city(|_| {}).await;
    let open = the_pit(&app, &city).await;
    let (client, me) = resident(&app, "anna@example.org").await;
    let place = [
        ("category", city.pothole.as_str()),
        ("lat", "55.7355"),
        ("lon", "37.5885"),
    ];
    let response = app.post_form(&client, "/reports/new", &place).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let join = format!("/reports/{}/join", open.id);
    let response = app.post_form(&client, &join, &[("csrf", "forged")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, &open.id).await.joiners, 0);
    let mut fields = place.to_vec();
    fields.push(("description", "Другая яма, ещё глубже первой"));
    let response = post_multipart(&app, &client, "/reports/new/details", &fields, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_nothing_filed(&app, &me).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_is_offered_the_nearby_report_joins_it_then_files_another_with_a_photo() {
    let (app, city) = in_the_city(|_| {}).await;
    let open = the_pit(&app, &city).await;
    // Not offered: another category, a report far away, one not yet accepted.
    let litter = filed(
        &app,
        &city,
        &city.litter,
        KHAMOVNIKI_POINT,
        "Мусор во дворе не вывозят",
    )
    .await;
    let far = mitino_pit(&app, &city).await;
    let waiting = unmoderated(&app, &city.pothole, NEAR, "Яма ждёт модератора тут").await;
    let (client, me) = resident(&app, "boris@example.org").await;

    // Step 1: the form lists the tree, groups not selectable.
    let body = app.page(&client, "/reports/new").await;
    assert!(
        body.contains(&format!("<option value=\"{}\">", city.pothole)),
        "{body}"
    );
    assert!(body.contains(&format!("<option value=\"{}\" disabled>", city.roads_group)));
    let csrf = csrf_of(&app, &client, "/reports/new").await;
    let place = [
        ("csrf", csrf.as_str()),
        ("category", city.pothole.as_str()),
        ("lat", "55.7358"),
        ("lon", "37.5887"),
        ("address", "Плющиха, 12"),
    ];
    let response = app.post_form(&client, "/reports/new", &place).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(
        body.contains(&format!("data-nearby=\"{}\"", open.id)),
        "{body}"
    );
    for other in [&litter.id, &far.id, &waiting.id] {
        assert!(!body.contains(&other.to_string()), "{other} is not offered");
    }
    assert!(
        body.contains("в 3") || body.contains(" м"),
        "a distance: {body}"
    );
    assert!(
        body.contains("/reports/new/details?category="),
        "the way on"
    );

    // "Me too": the count goes up, once.
    let join = format!("/reports/{}/join", open.id);
    let response = app.post_form(&client, &join, &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("/reports/{}?done=joined", open.id)
    );
    assert_eq!(stored(&app, &open.id).await.joiners, 1);
    let page = app.page(&client, &location(&response)).await;
    assert!(
        page.contains(&escaped(&msg(&app, "reports-flash-joined"))),
        "{page}"
    );
    assert!(page.contains("data-testid=\"joined\""));
    app.post_form(&client, &join, &[("csrf", &csrf)]).await;
    assert_eq!(
        stored(&app, &open.id).await.joiners,
        1,
        "joining twice is once"
    );

    // Step 2: a different problem, with a photo.
    let details = format!(
        "/reports/new/details?category={}&lat=55.7358&lon=37.5887&address=%D0%9F%D0%BB%D1%8E%D1%89%D0%B8%D1%85%D0%B0",
        city.pothole
    );
    let body = app.page(&client, &details).await;
    assert!(body.contains("enctype=\"multipart/form-data\""), "{body}");
    let mut fields = place.to_vec();
    fields.push(("description", PIT_DESCRIPTION));
    let photo = ("photo_file", "pit.jpg", jpeg(800, 600));
    let (to, report) = file_with_photo(&app, &client, &fields, photo).await;
    let id = &report.id;
    assert_eq!(report.author_id, me.id);
    assert_eq!(report.status, Status::Submitted);
    assert_eq!(report.district_id.as_str(), KHAMOVNIKI);
    assert_eq!(report.place.address.as_deref(), Some("Плющиха, 12"));
    assert_eq!(report.photos.len(), 1);
    let page = app.page(&client, &to).await;
    assert!(
        page.contains(&format!("/media/{}/thumb", report.photos[0]))
            || page.contains("data-testid=\"photo-processing\""),
        "the photo, or that it is being processed: {page}"
    );
    assert!(page.contains(&escaped(&msg(&app, "reports-flash-filed"))));
    let thumb = app
        .processed(&client, &format!("/media/{}/thumb", report.photos[0]))
        .await;
    assert_eq!(thumb.status(), StatusCode::OK);
    let page = app.page(&client, &to).await;
    assert!(
        page.contains(&format!("/media/{}/thumb", report.photos[0]))
            && !page.contains("data-testid=\"photo-processing\""),
        "{page}"
    );

    // My reports lists it.
    let mine = app.page(&client, "/reports/mine").await;
    assert!(mine.contains(&format!("data-report=\"{id}\"")), "{mine}");
    // ...and, apart, the report joined.
    let joined_at = mine.find("id=\"joined\"").expect("the joined section");
    assert!(mine[..joined_at].contains(&format!("data-report=\"{id}\"")));
    assert!(
        mine[joined_at..].contains(&format!("data-report=\"{}\"", open.id)),
        "{mine}"
    );
    app.stop().await;
}

/// A photo whose header is sound and whose body is not (a PNG cut in half) is taken with the
/// report at once; the background work then drops it, and the report's page tells its author
/// so, in place of the photo; the moderator sees no trace of it, and it is never served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_photo_is_dropped_and_its_author_is_told() {
    let (app, city) = in_the_city(|_| {}).await;
    let (client, _) = resident(&app, "boris@example.org").await;
    let csrf = csrf_of(&app, &client, "/reports/new").await;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(300, 200, |x, y| {
        image::Rgb([(x * 3) as u8, (y * 7) as u8, ((x ^ y) * 5) as u8])
    }))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    png.truncate(png.len() / 2);
    let fields = [
        ("csrf", csrf.as_str()),
        ("category", city.pothole.as_str()),
        ("lat", "55.7358"),
        ("lon", "37.5887"),
        ("description", PIT_DESCRIPTION),
    ];
    let (to, report) =
        file_with_photo(&app, &client, &fields, ("photo_file", "pit.png", png)).await;
    assert_eq!(report.photos.len(), 1, "taken with the report");
    let photo = report.photos[0].clone();
    let dropped = msg(&app, "reports-photo-dropped");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        let page = app.page(&client, &to).await;
        if page.contains("data-testid=\"photo-dropped\"") {
            break page;
        }
        assert!(
            page.contains("data-testid=\"photo-processing\""),
            "processing until dropped: {page}"
        );
        assert!(std::time::Instant::now() < deadline, "not dropped in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert!(page.contains(&escaped(&dropped)), "{page}");
    assert!(!page.contains(&format!("/media/{photo}")), "{page}");
    for path in [format!("/media/{photo}"), format!("/media/{photo}/thumb")] {
        assert_eq!(
            app.get(&client, &path).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    // The moderator (not its author) sees the report without it.
    let (moderator, _) = app
        .signed_in("moderator@example.org", &[Role::Moderator])
        .await;
    let page = app.page(&moderator, &to).await;
    assert!(page.contains("data-testid=\"category\""), "{page}");
    assert!(!page.contains("photo-dropped"), "{page}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_comes_back_filled_with_the_reason() {
    let (app, city) = in_the_city(|s| rate(s, "report_file", "3/h")).await;
    let (client, me) = resident(&app, "vera@example.org").await;
    let csrf = csrf_of(&app, &client, "/reports/new").await;

    // A point outside every district; a group instead of a category.
    let outside = [
        ("csrf", csrf.as_str()),
        ("category", &city.pothole),
        ("lat", "59.9386"),
        ("lon", "30.3141"),
        ("address", "Невский, 1"),
    ];
    let body = refused(app.post_form(&client, "/reports/new", &outside).await).await;
    assert!(
        body.contains(&escaped(&msg(
            &app,
            "reports-invalid-lat-outside_districts"
        ))),
        "{body}"
    );
    assert!(body.contains("value=\"59.9386\"") && body.contains("value=\"30.3141\""));
    assert!(body.contains("value=\"Невский, 1\""));
    assert!(body.contains(&format!("<option value=\"{}\" selected>", city.pothole)));
    let group = [
        ("csrf", csrf.as_str()),
        ("category", &city.roads_group),
        ("lat", "55.7355"),
        ("lon", "37.5885"),
    ];
    let body = refused(app.post_form(&client, "/reports/new", &group).await).await;
    assert!(
        body.contains(&escaped(&msg(&app, "reports-invalid-category_id-not_leaf"))),
        "{body}"
    );

    let step2 = |description: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("category", city.pothole.clone()),
            ("lat", "55.7355".to_string()),
            ("lon", "37.5885".to_string()),
            ("description", description.to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>,
                files: Vec<(&'static str, &'static str, Vec<u8>)>| {
        let (app, client) = (&app, &client);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_multipart(app, client, "/reports/new/details", &fields, &files).await
        }
    };
    // Too long a description.
    let long: &'static str = Box::leak("Очень длинное описание. ".repeat(90).into_boxed_str());
    assert!(long.chars().count() > 2000);
    let body = refused(send(step2(long), vec![]).await).await;
    assert!(body.contains(&escaped(&msg(&app, "reports-invalid-description-too_long"))));
    assert!(body.contains(long.trim_end()), "the text is kept");
    // A text file named .jpg: refused by its content; the description is kept.
    let text = "Яма на тротуаре у подъезда, опасно";
    let not_a_picture = ("photo_file", "pit.jpg", b"not a picture at all".to_vec());
    let body = refused(send(step2(text), vec![not_a_picture]).await).await;
    assert!(
        body.contains(&escaped(&msg(&app, "invalid-image-not_an_image"))),
        "{body}"
    );
    assert!(body.contains(text));
    // A photo kept before a refusal stays named in the form.
    let photo = ("photo_file", "pit.jpg", jpeg(320, 240));
    let body = refused(send(step2("коротко"), vec![photo]).await).await;
    assert!(body.contains(&escaped(&msg(
        &app,
        "reports-invalid-description-too_short"
    ))));
    let at = body
        .find("name=\"photo\" value=\"")
        .expect("the kept photo")
        + 20;
    let hash = body[at..].split('"').next().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    // The limit (3 an hour, three taken above): refused with 429, the text kept.
    let response = send(step2(text), vec![]).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = response.text().await.unwrap();
    assert!(body.contains(text) && body.contains("role=\"alert\""));
    assert_nothing_filed(&app, &me).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_is_authorised() {
    let (app, city) = in_the_city(|_| {}).await;
    let anonymous = app.client();
    for path in [
        "/reports/new",
        "/reports/mine",
        "/reports/new/details?category=x",
    ] {
        let response = app.get(&anonymous, path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&response).starts_with("/signin?next="), "{path}");
    }
    let (author_client, _) = app.signed_in("author@example.org", &[]).await;
    let author = app.account("author@example.org").await;
    let input = ReportInput {
        category_id: city.pothole.clone(),
        lat: KHAMOVNIKI_POINT.0,
        lon: KHAMOVNIKI_POINT.1,
        address: None,
        description: "Яма, которую ещё не проверили".into(),
        photos: Vec::new(),
    };
    let waiting = service::file(app.platform(), &app.reports(), &author, &input)
        .await
        .unwrap();
    let rejected = service::file(app.platform(), &app.reports(), &author, &input)
        .await
        .unwrap();
    let note = "Непонятно, где именно яма";
    decide(&app, &city, &rejected.id, "reject", Some(note)).await;
    let (other, _) = app.signed_in("other@example.org", &[]).await;
    let (moderator, _) = app
        .signed_in("moderator@example.org", &[Role::Moderator])
        .await;
    for id in [&waiting.id, &rejected.id] {
        let path = format!("/reports/{id}");
        for (who, client) in [("anonymous", &anonymous), ("another resident", &other)] {
            assert_eq!(
                app.get(client, &path).await.status(),
                StatusCode::NOT_FOUND,
                "{who} {path}"
            );
        }
        for (who, client) in [("the author", &author_client), ("a moderator", &moderator)] {
            assert_eq!(
                app.get(client, &path).await.status(),
                StatusCode::OK,
                "{who} {path}"
            );
        }
    }
    let page = app
        .page(&author_client, &format!("/reports/{}", rejected.id))
        .await;
    assert!(page.contains(note) && page.contains(&escaped(&msg(&app, "reports-reject-unclear"))));
    // A resident cannot join a report nobody may see yet, nor their own.
    let response = join(&app, &other, &waiting.id).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let public = decide(&app, &city, &waiting.id, "accept", None).await;
    let response = join(&app, &author_client, &public.id).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(stored(&app, &public.id).await.joiners, 0);
    // The public page never names the author.
    let page = app
        .page(&anonymous, &format!("/reports/{}", public.id))
        .await;
    assert!(
        page.contains(&escaped(&msg(&app, "reports-role-author"))),
        "the history says the author filed"
    );
    assert!(!page.contains(author.display_name.as_str()), "{page}");
    assert!(!page.contains(author.id.as_str()));
    // Only the author confirms or disputes, and only an answered report.
    let input = AnswerInput {
        text: "Яму заделали 5 декабря".into(),
        photos: Vec::new(),
    };
    service::answer(
        app.platform(),
        &app.reports(),
        &city.official,
        &public.id,
        None,
        &input,
    )
    .await
    .unwrap();
    let path = format!("/reports/{}", public.id);
    let page = app.page(&other, &path).await;
    assert!(page.contains("Яму заделали 5 декабря") && !page.contains("data-testid=\"respond\""));
    let csrf = csrf_of(&app, &other, "/reports/new").await;
    let response = app
        .post_form(&other, &format!("{path}/confirm"), &[("csrf", &csrf)])
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_eq!(stored(&app, &public.id).await.status, Status::Answered);
    let page = app.page(&author_client, &path).await;
    assert!(page.contains("data-testid=\"respond\""), "{page}");
    // A dispute needs its reason; the form comes back.
    let csrf = csrf_of(&app, &author_client, &path).await;
    let response = app
        .post_form(
            &author_client,
            &format!("{path}/dispute"),
            &[("csrf", &csrf), ("note", "  ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored(&app, &public.id).await.status, Status::Answered);
    let reason = "Яма на месте, её только присыпали песком";
    let too_long = format!("{reason} {}", "ещё ".repeat(600));
    let response = app
        .post_form(
            &author_client,
            &format!("{path}/dispute"),
            &[("csrf", &csrf), ("note", &too_long)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(
        body.contains(too_long.trim_end()),
        "the reason typed is kept"
    );
    let response = app
        .post_form(
            &author_client,
            &format!("{path}/dispute"),
            &[("csrf", &csrf), ("note", reason)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, &public.id).await.status, Status::Reopened);
    let page = app.page(&anonymous, &path).await;
    assert!(page.contains(reason), "the history shows the reason");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_list_filters_and_maps_the_reports() {
    let (app, city) = in_the_city(|_| {}).await;
    let pit = the_pit(&app, &city).await;
    let mitino = mitino_pit(&app, &city).await;
    let litter = filed(&app, &city, &city.litter, NEAR, "Мусор во дворе не вывозят").await;
    let hidden = unmoderated(
        &app,
        &city.litter,
        NEAR,
        "Мусор, не проверенный модератором",
    )
    .await;
    // One is overdue: its deadline lies behind.
    let mut late = stored(&app, &litter.id).await;
    let version = late.version;
    late.deadline = Some(veche_core::clock::now() - time::Duration::days(1));
    late.version += 1;
    assert!(app
        .reports()
        .store()
        .replace_report(&late, version)
        .await
        .unwrap());
    let anonymous = app.client();
    let ids_on = |body: &str| {
        [&pit.id, &mitino.id, &litter.id, &hidden.id]
            .into_iter()
            .filter(|id| body.contains(&format!("data-report=\"{id}\"")))
            .map(|id| id.to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let set = |ids: &[&ReportId]| {
        ids.iter()
            .map(|id| id.to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let list = |query: String| {
        let (app, anonymous) = (&app, &anonymous);
        async move {
            let response = app.get(anonymous, &format!("/reports{query}")).await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            response.text().await.unwrap()
        }
    };
    let all = list(String::new()).await;
    assert_eq!(ids_on(&all), set(&[&pit.id, &mitino.id, &litter.id]));
    assert!(all.contains("class=\"map-svg\""), "the map is drawn");
    for id in [&pit.id, &mitino.id, &litter.id] {
        assert!(
            all.contains(&format!("href=\"/reports/{id}\"")),
            "a point or card links to {id}"
        );
    }
    assert!(
        !all.contains(&hidden.id.to_string()),
        "a report before moderation is not public"
    );
    assert_eq!(
        ids_on(&list(format!("?district={MITINO}")).await),
        set(&[&mitino.id])
    );
    let by_category = list(format!("?category={}", city.litter)).await;
    assert_eq!(ids_on(&by_category), set(&[&litter.id]));
    // The map's districts link to the list there, keeping the other filters.
    assert!(
        by_category.contains(&format!(
            "href=\"/reports?district={MITINO}&#38;category={}\"",
            city.litter
        )),
        "{by_category}"
    );
    assert_eq!(ids_on(&list("?overdue=1".into()).await), set(&[&litter.id]));
    let overdue = list(format!("?district={KHAMOVNIKI}&overdue=1")).await;
    assert!(overdue.contains("data-testid=\"overdue\""));
    assert!(overdue.contains("id=\"f-overdue\" name=\"overdue\" value=\"1\" checked"));
    assert!(ids_on(&list("?status=closed".into()).await).is_empty());
    assert_eq!(ids_on(&list("?status=routed".into()).await).len(), 3);
    for bad in [
        "?status=submitted",
        "?status=nonsense",
        "?district=nowhere!",
    ] {
        let response = app.get(&anonymous, &format!("/reports{bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_by_twenty_keeping_its_filters() {
    let (app, city) = in_the_city(|_| {}).await;
    for i in 0..23 {
        let description = format!("Яма номер {i} на Плющихе");
        filed(&app, &city, &city.pothole, KHAMOVNIKI_POINT, &description).await;
    }
    let anonymous = app.client();
    let first = app
        .page(&anonymous, &format!("/reports?category={}", city.pothole))
        .await;
    assert_eq!(first.matches("data-report=").count(), 20);
    let at = first.find("rel=\"next\"").expect("a next page");
    let href_at = first[..at].rfind("href=\"").unwrap() + 6;
    let next = first[href_at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(
        next.contains(&format!("category={}", city.pothole)),
        "{next}"
    );
    let second = app.page(&anonymous, &next).await;
    assert_eq!(second.matches("data-report=").count(), 3);
    assert!(
        second.contains("data-count=") || second.contains("map-point"),
        "the map draws them"
    );
    app.stop().await;
}

/// [`TestApp::post_form`] of fields made at run time.
async fn post_fields(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(client, path, &pairs).await
}

/// The value of the input `name` in a page (the first such input).
fn input_value(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("an input {name}"))
        + name.len()
        + 15;
    body[at..].split('"').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_marks_the_place_without_javascript() {
    use veche_core::web::map::picker::{View, PICKER_SIZE};
    let (app, city) = in_the_city(|_| {}).await;
    let (client, me) = resident(&app, "vera@example.org").await;
    let body = app.page(&client, "/reports/new").await;
    // The map to tap, the whole city first; the location button hidden until its script runs.
    assert!(
        body.contains("<input type=\"image\" name=\"pick\""),
        "{body}"
    );
    assert_eq!(input_value(&body, "pick_z"), "0");
    assert!(body.contains("data-locate hidden"));
    assert!(body.contains("<script src=\"/static/place.js\"></script>"));
    let csrf = csrf_of(&app, &client, "/reports/new").await;
    let boundaries = app.platform().boundaries();
    let outlines = boundaries.outlines();
    let projection = &outlines.projection;
    let half = f64::from(PICKER_SIZE / 2);

    // A tap at the middle of a view around Plyushchikha marks Plyushchikha, in Khamovniki,
    // and shows the map one step closer; what was typed stays.
    let view = View::around(projection, KHAMOVNIKI_POINT.0, KHAMOVNIKI_POINT.1, 2);
    let (x, y, z) = view.fields();
    let tap = |view: (&str, &str, &str), px: &str, py: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("category".to_string(), city.pothole.clone()),
            ("lat".to_string(), String::new()),
            ("lon".to_string(), String::new()),
            ("address".to_string(), "Плющиха, 12".to_string()),
            ("pick_x".to_string(), view.0.to_string()),
            ("pick_y".to_string(), view.1.to_string()),
            ("pick_z".to_string(), view.2.to_string()),
            ("pick.x".to_string(), px.to_string()),
            ("pick.y".to_string(), py.to_string()),
        ]
    };
    let fields = tap((&x, &y, &z), &half.to_string(), &half.to_string());
    let response = post_fields(&app, &client, "/reports/new", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let lat: f64 = input_value(&body, "lat").parse().unwrap();
    let lon: f64 = input_value(&body, "lon").parse().unwrap();
    assert!(
        (lat - KHAMOVNIKI_POINT.0).abs() < 1e-3 && (lon - KHAMOVNIKI_POINT.1).abs() < 1e-3,
        "{lat} {lon}"
    );
    assert_eq!(input_value(&body, "pick_z"), "3");
    let district = app
        .platform()
        .directory()
        .district(KHAMOVNIKI)
        .unwrap()
        .name(Lang::Ru)
        .to_string();
    assert!(
        body.contains(&escaped(&app.platform().catalog.t_args(
            Lang::Ru,
            "reports-pick-marked",
            &[("district", district.clone().into())]
        ))),
        "{body}"
    );
    assert!(body.contains("value=\"Плющиха, 12\""));
    assert!(body.contains(&format!("<option value=\"{}\" selected>", city.pothole)));
    assert!(body.contains("name=\"pick_move\" value=\"farther\""));
    // The picture it shows marks the place and names the districts around it.
    let src_at = body.find("src=\"/reports/new/map.svg?").unwrap() + 5;
    let src = body[src_at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let picture = app.get(&client, &src).await;
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(
        picture.headers()["content-type"].to_str().unwrap(),
        "image/svg+xml; charset=utf-8"
    );
    let svg = picture.text().await.unwrap();
    assert!(svg.contains("class=\"map-picker-mark\""), "{svg}");
    assert!(svg.contains(&format!(">{district}</text>")), "{svg}");
    // Nobody's data in it: anyone may have it, signed in or not.
    let anonymous = Client::new();
    let public = anonymous.get(app.url(&src)).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::OK);
    // A view made by hand is the whole city, without labels.
    let whole = app
        .get(&client, "/reports/new/map.svg?pick_x=1&pick_y=1&pick_z=99")
        .await;
    let whole = whole.text().await.unwrap();
    assert!(!whole.contains("<text") && !whole.contains("map-picker-mark"));

    // A tap outside every district marks nothing and says so; the view stays.
    let (wx, wy, wz) = View::whole(projection).fields();
    let fields = tap((&wx, &wy, &wz), "0", "0");
    let body = post_fields(&app, &client, "/reports/new", &fields)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(input_value(&body, "lat"), "");
    assert_eq!(input_value(&body, "pick_z"), "0");
    assert!(
        body.contains(&escaped(&msg(&app, "reports-pick-outside"))),
        "{body}"
    );
    // A pixel off the picture, a view made by hand: the same, no error.
    let fields = tap(("nope", "1", "77"), "9999", "-3");
    let response = post_fields(&app, &client, "/reports/new", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert_eq!(input_value(&body, "lat"), "");
    assert_eq!(input_value(&body, "pick_z"), "0");

    // Farther: one step back; the whole city: zoom 0.
    for (ask, zoom) in [("farther", "2"), ("whole", "0")] {
        let mut fields = tap((&x, &y, "3"), "", "");
        fields.retain(|(k, _)| !k.starts_with("pick."));
        fields.push(("pick_move".to_string(), ask.to_string()));
        let body = post_fields(&app, &client, "/reports/new", &fields)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(input_value(&body, "pick_z"), zoom, "{ask}");
    }
    // The map's taps are step 1 again, never a report, and a tap without the token is refused.
    let mut fields = tap((&x, &y, &z), "140", "140");
    fields.retain(|(k, _)| k != "csrf");
    let response = post_fields(&app, &client, "/reports/new", &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let mine = service::mine(&app.reports(), &me, None, 10).await.unwrap();
    assert!(mine.reports.is_empty());
}
