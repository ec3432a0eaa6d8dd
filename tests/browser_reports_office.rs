#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The office's pages of reports in a real browser (headless Chromium over WebDriver), on a
//! phone-sized screen: a moderator accepts a resident's report and is told where it went and
//! why; an official of that organisation finds it in the queue and answers it with a photo in
//! the answer form; the resident disputes the answer (over the API: the residents' report page
//! is not on this branch); the official's queue shows the report reopened with its new
//! deadline.
//!
//! Skipped without `VECHE_TEST_WEBDRIVER` (a failure under `CI=true`); nothing sleeps to wait.

mod common;

use reqwest::StatusCode;
use serde_json::json;
use veche_core::accounts::model::Role;
use veche_core::web::i18n::Lang;

use common::browser::*;
use common::fixtures::{email_of, report_category, roads_agency};
use common::http::Api;
use common::{member, official_of, organisation, KHAMOVNIKI, KHAMOVNIKI_POINT};

/// A deadline (RFC 3339) as the pages show its day: `DD.MM.YYYY`, Moscow time.
fn moscow_day(rfc3339: &str) -> String {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .to_offset(veche_core::web::show::MSK);
    at.format(time::macros::format_description!("[day].[month].[year]"))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_accepted_answered_with_a_photo_disputed_and_reopened() {
    browser_test(
        PHONE,
        |_| {},
        |client, app| {
            Box::pin(async move {
                let api = Api::new(app);
                let (_, admin) = member(app, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await;
                let (moderator, _) =
                    member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None).await;
                let roads = organisation(app, "Дороги ЦАО").await;
                let (official, _) = official_of(app, &roads, 1980).await;
                let (_, author) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
                let category = report_category(&api, &admin, None, ("Яма", "Pothole"), false).await;
                roads_agency(&api, &admin, &roads, &[KHAMOVNIKI], None).await;
                let filed = api
                    .post(
                        "/api/v1/reports",
                        Some(&author),
                        &json!({ "category_id": category["id"], "lat": KHAMOVNIKI_POINT.0,
                            "lon": KHAMOVNIKI_POINT.1, "address": "Плющиха, 10",
                            "description": "Глубокая яма у перехода, машины бьют колёса" }),
                    )
                    .await
                    .json_if(StatusCode::CREATED);
                let id = filed["id"].as_str().unwrap().to_string();

                // The moderator accepts it and is told where it went and why.
                sign_in(&client, app, &email_of(app, &moderator).await).await?;
                client.goto(&app.url("/moderation/reports")).await?;
                let card = format!("article[data-queued='{id}']");
                wait_for(&client, &card, WAIT).await?;
                assert_fits_the_screen(&client, "the moderation queue").await?;
                click_label(&client, &card, &msg(app, Lang::Ru, "reports-office-accept")).await?;
                click_to_navigate(
                    &client,
                    wait_for(&client, &format!("{card} [data-testid='decide']"), WAIT).await?,
                )
                .await?;
                let flash = text_of(&client, "p.flash").await?;
                assert!(flash.contains("Дороги ЦАО"), "{flash}");
                assert_eq!(count(&client, &card).await?, 0, "it left the queue");
                sign_out(&client, app).await?;
                // As if accepted a week ago: its first deadline is days before the one a
                // dispute today sets.
                let store = app.reports().store().clone();
                let report_id = veche_reports::model::ReportId::parse(&id).unwrap();
                let mut earlier = store.report(&report_id).await?.unwrap();
                let week_ago = veche_core::clock::now() - time::Duration::days(7);
                let due = earlier.deadline.unwrap() - time::Duration::days(7);
                veche_reports::rules::set_deadline(&mut earlier, week_ago, due);
                earlier.version += 1;
                assert!(store.replace_report(&earlier, earlier.version - 1).await?);

                // The official finds it in the queue and answers it with a photo.
                sign_in(&client, app, &email_of(app, &official).await).await?;
                client.goto(&app.url("/office/reports")).await?;
                let row = format!("article[data-queued='{id}']");
                let first_deadline =
                    text_of(&client, &format!("{row} [data-testid='deadline']")).await?;
                assert_fits_the_screen(&client, "the organisation's queue").await?;
                click_to_navigate(
                    &client,
                    wait_for(&client, &format!("{row} h2 a"), WAIT).await?,
                )
                .await?;
                wait_for_path(&client, app, &format!("/office/reports/{id}")).await?;
                fill(
                    &client,
                    "#answer-text",
                    "Яму заделали, переход отремонтирован.",
                )
                .await?;
                send_with_picture(
                    &client,
                    app,
                    "the answer form",
                    ("#answer-photos", (640, 480), 120),
                    "[data-testid='answer-send']",
                    "reports-office-flash-answered",
                )
                .await?;
                assert_eq!(
                    text_of(&client, "[data-testid='status']").await?,
                    msg(app, Lang::Ru, "reports-status-answered")
                );
                assert_eq!(count(&client, "[data-testid='answer-photo']").await?, 1);
                let answered = api
                    .get(&format!("/api/v1/reports/{id}"), Some(&author))
                    .await
                    .json_if(StatusCode::OK);
                assert_eq!(answered["answer"]["photos"].as_array().unwrap().len(), 1);

                // The resident disputes the answer (the API: no residents' report page here).
                let disputed = api
                    .post(
                        &format!("/api/v1/reports/{id}/dispute"),
                        Some(&author),
                        &json!({ "note": "Яма на месте, ничего не сделано" }),
                    )
                    .await
                    .json_if(StatusCode::OK);
                assert_eq!(disputed["status"], "reopened");
                let deadline = disputed["deadline"].as_str().unwrap().to_string();

                // The official's queue shows it reopened, with its new deadline.
                client.goto(&app.url("/office/reports")).await?;
                wait_for(&client, &row, WAIT).await?;
                assert_eq!(
                    text_of(&client, &format!("{row} [data-testid='status']")).await?,
                    msg(app, Lang::Ru, "reports-status-reopened")
                );
                let new_deadline =
                    text_of(&client, &format!("{row} [data-testid='deadline']")).await?;
                assert_ne!(new_deadline, first_deadline);
                assert!(
                    new_deadline.starts_with(&moscow_day(&deadline)),
                    "{new_deadline} against {deadline}"
                );
                Ok(())
            })
        },
    )
    .await;
}
