#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Problem reports in a real browser (headless Chromium over WebDriver), as people use them:
//! on a phone-sized screen a resident reports a pothole where a neighbour's open report of
//! the same category already is, is offered it in the first step and joins it (its count goes
//! up); then reports a different problem at the same place with a photo taken on the phone
//! (a real JPEG sent through the file input) and sees the report's page with its thumbnail;
//! once a moderator accepts it, the public map at /reports shows it as a point linking to it.
//!
//! Skipped without `VECHE_TEST_WEBDRIVER` (a failure under `CI=true`); nothing sleeps to wait.

mod common;

use veche_core::accounts::model::{Account, Role};
use veche_core::web::i18n::Lang;
use veche_reports::model::{ReportId, Status};
use veche_reports::rules::{CategoryInput, DecisionInput, ProfileInput, ReportInput};
use veche_reports::service;

use common::browser::*;
use common::fixtures::email_of;
use common::{member, organisation, TestApp, KHAMOVNIKI};

async fn account(app: &TestApp, id: &veche_core::id::AccountId) -> Account {
    app.platform()
        .store
        .account(id)
        .await
        .expect("store")
        .expect("account")
}

/// Roads → Pothole and Yards → Litter, each with an organisation serving Khamovniki; returns
/// the two categories and a moderator.
async fn city(app: &TestApp) -> (String, String, Account) {
    let (admin, _) = member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await;
    let admin = account(app, &admin).await;
    let (moderator, _) = member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None).await;
    let (p, r) = (app.platform(), app.reports());
    let mut leaves = Vec::new();
    for (group, leaf, kind) in [("Дороги", "Яма", "roads"), ("Дворы", "Мусор", "housing")]
    {
        let category = |parent: Option<String>, name: &str| CategoryInput {
            parent,
            name_ru: name.to_string(),
            name_en: name.to_string(),
            deadline_days: None,
            photo_required: false,
            duplicate_radius_m: Some(200),
            organisation_kind: kind.to_string(),
            active: true,
        };
        let parent = service::create_category(p, &r, &admin, &category(None, group))
            .await
            .expect("group");
        let leaf =
            service::create_category(p, &r, &admin, &category(Some(parent.id.to_string()), leaf))
                .await
                .expect("category");
        leaves.push(leaf.id.to_string());
        let org = organisation(app, &format!("Служба: {group}")).await;
        let profile = ProfileInput {
            kind: kind.to_string(),
            districts: vec![KHAMOVNIKI.to_string()],
            head: None,
        };
        service::set_profile(p, &r, &admin, &org, None, &profile)
            .await
            .expect("profile");
    }
    (
        leaves[0].clone(),
        leaves[1].clone(),
        account(app, &moderator).await,
    )
}

async fn accept(app: &TestApp, moderator: &Account, id: &ReportId) {
    let input = DecisionInput {
        action: "accept".into(),
        reason: None,
        note: None,
        organisation_id: None,
    };
    service::decide(app.platform(), &app.reports(), moderator, id, None, &input)
        .await
        .expect("accepted");
}

/// Step 1 of the filing form: the category, the place and the address; sent.
async fn step_one(client: &fantoccini::Client, app: &TestApp, category: &str) -> TestResult {
    client.goto(&app.url("/reports/new")).await?;
    wait_for(client, "#category", WAIT)
        .await?
        .select_by_value(category)
        .await?;
    fill(client, "#lat", "55.7357").await?;
    fill(client, "#lon", "37.5887").await?;
    fill(client, "#address", "Плющиха, 12").await?;
    assert_fits_the_screen(client, "the place form").await?;
    let (checked, missing) = unlabelled_controls(client).await?;
    assert!(
        checked >= 4 && missing.is_empty(),
        "the place form: {checked} controls, unlabelled: {missing:?}"
    );
    click_to_navigate(
        client,
        wait_for(client, "#place-form button[type='submit']", WAIT).await?,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_joins_the_nearby_report_then_files_another_with_a_photo_on_a_phone() {
    browser_test(
        PHONE,
        |_| {},
        |client, app| {
            Box::pin(async move {
                let (pothole, litter, moderator) = city(app).await;
                // A neighbour's open pothole report 30 m away.
                let (neighbour, _) = member(app, KHAMOVNIKI, 1960, true, &[], None).await;
                let neighbour = account(app, &neighbour).await;
                let input = ReportInput {
                    category_id: pothole.clone(),
                    lat: 55.7355,
                    lon: 37.5885,
                    address: Some("Плющиха, 10".into()),
                    description: "Глубокая яма посреди проезжей части".into(),
                    photos: Vec::new(),
                };
                let open = service::file(app.platform(), &app.reports(), &neighbour, &input)
                    .await
                    .expect("filed");
                accept(app, &moderator, &open.id).await;
                let (anna_id, _) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
                let anna = email_of(app, &anna_id).await;

                // Anna reports a pothole at the same place and is offered the neighbour's.
                sign_in(&client, app, &anna).await?;
                step_one(&client, app, &pothole).await?;
                let offered = format!("article[data-nearby='{}']", open.id);
                wait_for(&client, &offered, WAIT).await?;
                assert_fits_the_screen(&client, "the nearby reports").await?;
                let distance = text_of(&client, &format!("{offered} [data-testid='distance']")).await?;
                assert!(distance.ends_with("м"), "{distance}");
                assert_eq!(
                    text_of(&client, &format!("{offered} [data-testid='joiners']")).await?,
                    app.platform().catalog.t_args(Lang::Ru, "reports-joiners", &[("count", 0.into())])
                );
                // "Me too": the report's page counts her.
                press(
                    &client,
                    app,
                    &format!("{offered} [data-testid='join']"),
                    "reports-flash-joined",
                )
                .await?;
                wait_for_path(&client, app, &format!("/reports/{}", open.id)).await?;
                assert_eq!(
                    text_of(&client, "[data-testid='joiners']").await?,
                    app.platform().catalog.t_args(Lang::Ru, "reports-joiners", &[("count", 1.into())])
                );
                wait_for(&client, "[data-testid='joined']", WAIT).await?;
                let stored = app.reports().store().report(&open.id).await?.ok_or("the report")?;
                assert_eq!(stored.joiners, 1);

                // Then a different problem at the same place: litter, with a photo.
                step_one(&client, app, &litter).await?;
                wait_for(&client, "[data-testid='no-nearby']", WAIT).await?;
                click_to_navigate(
                    &client,
                    wait_for(&client, "[data-testid='different']", WAIT).await?,
                )
                .await?;
                wait_for_path(&client, app, "/reports/new/details").await?;
                fill(
                    &client,
                    "#description",
                    "Контейнеры переполнены, мусор лежит на тротуаре третий день",
                )
                .await?;
                let photo = tempfile::Builder::new().suffix(".jpg").tempfile()?;
                image::RgbImage::from_fn(1200, 900, |x, y| {
                    image::Rgb([(x % 256) as u8, (y % 256) as u8, 60])
                })
                .save_with_format(photo.path(), image::ImageFormat::Jpeg)?;
                wait_for(&client, "#photo-file", WAIT)
                    .await?
                    .send_keys(&photo.path().display().to_string())
                    .await?;
                assert_fits_the_screen(&client, "the details form").await?;
                let (checked, missing) = unlabelled_controls(&client).await?;
                assert!(checked >= 2 && missing.is_empty(), "the details form: {checked} controls, unlabelled: {missing:?}");
                press(
                    &client,
                    app,
                    "#details-form button[type='submit']",
                    "reports-flash-filed",
                )
                .await?;
                let path = client.current_url().await?.path().to_string();
                let id = ReportId::parse(path.trim_start_matches("/reports/")).ok_or("a report's page")?;
                assert_eq!(
                    text_of(&client, "[data-testid='status']").await?,
                    msg(app, Lang::Ru, "reports-status-submitted")
                );
                // The photo is processed in the background: the page says so until it is
                // there, and shows it when opened again.
                let width = poll_until(&client, WAIT, || async {
                    let width = client
                        .execute(
                            "const i = document.querySelector(\"[data-testid='thumb']\"); \
                             if (!i && document.querySelector(\"[data-testid='photo-processing']\")) \
                             { location.reload(); return 0; } \
                             return i && i.complete ? i.naturalWidth : 0;",
                            vec![],
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    match width.as_u64() {
                        Some(w) if w > 0 => Ok(w),
                        _ => Err("the thumbnail has not loaded".to_string()),
                    }
                })
                .await?;
                assert!(width <= 400 && width > 0, "a thumbnail, not the photo: {width}");
                assert_fits_the_screen(&client, "the report's page").await?;
                let report = app.reports().store().report(&id).await?.ok_or("the report")?;
                assert_eq!(report.status, Status::Submitted);
                assert_eq!(report.photos.len(), 1);
                assert_eq!(report.category_id.as_str(), litter);
                sign_out(&client, app).await?;

                // Accepted, it is on the public map, a point linking to it.
                accept(app, &moderator, &id).await;
                client
                    .goto(&app.url(&format!("/reports?category={litter}")))
                    .await?;
                let point = format!("svg.map-svg a[href='/reports/{id}'] circle.map-point");
                wait_for(&client, &point, WAIT).await?;
                assert_eq!(count(&client, "svg.map-svg circle.map-point").await?, 1);
                assert_eq!(count(&client, &format!("article[data-report='{id}']")).await?, 1);
                assert_fits_the_screen(&client, "the list and map").await?;
                let (checked, missing) = unlabelled_controls(&client).await?;
                assert!(checked >= 4 && missing.is_empty(), "the filters: {checked} controls, unlabelled: {missing:?}");
                let (map_width, list_width) = {
                    let value = client
                        .execute(
                            "return [document.querySelector('svg.map-svg').getBoundingClientRect().width, \
                             document.querySelector('#reports-list').getBoundingClientRect().width];",
                            vec![],
                        )
                        .await?;
                    (value[0].as_f64().unwrap_or(0.0), value[1].as_f64().unwrap_or(0.0))
                };
                assert!(map_width > 200.0 && map_width <= f64::from(PHONE.0), "the map scales: {map_width}");
                assert!((map_width - list_width).abs() < 40.0, "the list stacks under the map: {map_width} vs {list_width}");
                Ok(())
            })
        },
    )
    .await;
}
