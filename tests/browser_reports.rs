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
use veche_core::web::map::picker::{View, PICKER_SIZE};
use veche_reports::model::{ReportId, Status};
use veche_reports::rules::{CategoryInput, DecisionInput, ProfileInput, ReportInput};
use veche_reports::service;

use common::browser::*;
use common::fixtures::email_of;
use common::{member, organisation, TestApp, KHAMOVNIKI, KHAMOVNIKI_POINT};

/// Roads → Pothole and Yards → Litter, each with an organisation serving Khamovniki; returns
/// the two categories and a moderator.
async fn city(app: &TestApp) -> (String, String, Account) {
    let (admin, _) = member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await;
    let admin = app.account_of(&admin).await;
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
        app.account_of(&moderator).await,
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
                let neighbour = app.account_of(&neighbour).await;
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
                let _photo = attach_picture(&client, "#photo-file", (1200, 900), 60, image::ImageFormat::Jpeg).await?;
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
                let width = loaded_width(&client, "thumb", "the thumbnail").await?;
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

/// The value of a form field, read now.
async fn value_of(client: &fantoccini::Client, css: &str) -> TestResult<String> {
    Ok(client
        .find(fantoccini::Locator::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Taps the place picker `(dx, dy)` pixels off its centre and waits for step 1 to come back
/// with the map at `zoom`.
async fn tap_the_map(client: &fantoccini::Client, (dx, dy): (f64, f64), zoom: u8) -> TestResult {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let picker = wait_for(client, "[data-testid='place-picker']", WAIT).await?;
    // Actions do not scroll: bring the map on screen first, as a resident would.
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&picker)?],
        )
        .await?;
    let tap = MouseActions::new("finger".to_string())
        .then(PointerAction::MoveToElement {
            element: picker,
            duration: None,
            x: dx,
            y: dy,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(tap).await?;
    let want = zoom.to_string();
    poll_until(client, WAIT, || {
        let want = want.clone();
        async move {
            let now = match client
                .find(fantoccini::Locator::Css("[data-testid='place-picker']"))
                .await
            {
                Ok(e) => e.attr("data-zoom").await.ok().flatten(),
                Err(_) => None,
            };
            (now.as_deref() == Some(want.as_str()))
                .then_some(())
                .ok_or(format!("the map at zoom {want}, not {now:?}"))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_marks_the_place_by_their_location_or_by_tapping_the_map_on_a_phone() {
    browser_test(
        PHONE,
        |_| {},
        |client, app| {
            Box::pin(async move {
                let (pothole, _, _) = city(app).await;
                let (id, _) = member(app, KHAMOVNIKI, 1991, true, &[], None).await;
                sign_in(&client, app, &email_of(app, &id).await).await?;

                // Her phone stands at Plyushchikha: "use my location" (the one script) fills
                // the place in.
                let origin = app.url("/");
                place_the_device(&client, origin.trim_end_matches('/'), KHAMOVNIKI_POINT).await?;
                client.goto(&app.url("/reports/new")).await?;
                let locate = wait_for(&client, "[data-testid='locate']", WAIT).await?;
                assert!(locate.is_displayed().await?, "the script shows its button");
                locate.click().await?;
                poll_until(&client, WAIT, || async {
                    let lat = value_of(&client, "#lat").await.map_err(|e| e.to_string())?;
                    (lat == "55.735500")
                        .then_some(())
                        .ok_or(format!("lat {lat:?}"))
                })
                .await?;
                assert_eq!(value_of(&client, "#lon").await?, "37.588500");
                let status = text_of(&client, "[data-locate-status]").await?;
                assert_eq!(status, msg(app, Lang::Ru, "reports-locate-done"));

                // Without it: the whole city's map; each tap marks the place under it and
                // brings the map closer, the category kept.
                client.goto(&app.url("/reports/new")).await?;
                wait_for(&client, "#category", WAIT)
                    .await?
                    .select_by_value(&pothole)
                    .await?;
                fill(&client, "#address", "Плющиха, 12").await?;
                assert_eq!(
                    wait_for(&client, "[data-testid='place-picker']", WAIT)
                        .await?
                        .attr("data-zoom")
                        .await?
                        .as_deref(),
                    Some("0")
                );
                let (width, height) = client
                    .find(fantoccini::Locator::Css("[data-testid='place-picker']"))
                    .await?
                    .rectangle()
                    .await
                    .map(|(_, _, w, h)| (w, h))?;
                assert!(
                    (280.0..=284.0).contains(&width) && (280.0..=284.0).contains(&height),
                    "the picker is shown at its own size: {width}×{height}"
                );
                // Plyushchikha's pixel on the whole map (its centre is outside the city).
                let outlines = app.platform().boundaries().outlines();
                let p = &outlines.projection;
                let (x, y) = p.project(KHAMOVNIKI_POINT.0, KHAMOVNIKI_POINT.1);
                let whole = View::whole(p);
                let per_pixel = whole.side(p) / f64::from(PICKER_SIZE);
                let offset = ((x - whole.x) / per_pixel, (y - whole.y) / per_pixel);
                tap_the_map(&client, offset, 1).await?;
                let first: f64 = value_of(&client, "#lat").await?.parse()?;
                assert!((first - 55.7355).abs() < 0.01, "{first}");
                tap_the_map(&client, (0.0, 0.0), 2).await?;
                let (lat, lon): (f64, f64) = (
                    value_of(&client, "#lat").await?.parse()?,
                    value_of(&client, "#lon").await?.parse()?,
                );
                // The centre of a view around the first mark is that mark again.
                assert!((lat - first).abs() < 0.002, "{first} then {lat}");
                let district = app
                    .platform()
                    .boundaries()
                    .locate(lat, lon)
                    .ok_or("the marked place lies in a district")?;
                let note = text_of(&client, "[data-testid='picker-note']").await?;
                assert!(
                    note.contains(&district_name(app, district.as_str(), Lang::Ru)),
                    "{note}"
                );
                assert_eq!(value_of(&client, "#category").await?, pothole);
                assert_eq!(value_of(&client, "#address").await?, "Плющиха, 12");
                assert_fits_the_screen(&client, "the place form with the map").await?;
                // What she sees, kept for people to look at.
                let picker = wait_for(&client, "[data-testid='place-picker']", WAIT).await?;
                client
                    .execute(
                        "arguments[0].scrollIntoView({block: 'center'});",
                        vec![serde_json::to_value(&picker)?],
                    )
                    .await?;
                let dir = screenshot_dir();
                std::fs::create_dir_all(&dir)?;
                std::fs::write(
                    dir.join("reports-place-picker-phone.png"),
                    client.screenshot().await?,
                )?;
                let (checked, missing) = unlabelled_controls(&client).await?;
                assert!(checked >= 5 && missing.is_empty(), "{checked}: {missing:?}");
                // Farther, then on to the nearby step with the marked place.
                click_to_navigate(
                    &client,
                    wait_for(&client, "button[name='pick_move'][value='farther']", WAIT).await?,
                )
                .await?;
                assert_eq!(
                    wait_for(&client, "[data-testid='place-picker']", WAIT)
                        .await?
                        .attr("data-zoom")
                        .await?
                        .as_deref(),
                    Some("1")
                );
                click_to_navigate(
                    &client,
                    wait_for(&client, "#place-form button[type='submit']", WAIT).await?,
                )
                .await?;
                wait_for(
                    &client,
                    "[data-testid='no-nearby'], article[data-nearby]",
                    WAIT,
                )
                .await?;
                Ok(())
            })
        },
    )
    .await;
}
