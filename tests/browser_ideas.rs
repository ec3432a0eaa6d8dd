#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The ideas in a real browser (headless Chromium over WebDriver), as people use them: a
//! resident on a phone-sized screen finds a project, proposes an idea (the same request as a
//! neighbour's, in other words) and is told it waits for a moderator; a moderator sees it in the
//! queue beside the neighbour's idea, merges it there and approves the neighbour's; anyone then
//! finds the idea by another form of its words, and its author is credited with it.
//!
//! Skipped without `VECHE_TEST_WEBDRIVER` (a failure under `CI=true`); nothing sleeps to wait.

mod common;

use veche_core::accounts::model::Role;
use veche_core::web::i18n::Lang;
use veche_ideas::model::{Project, Status};

use common::browser::*;
use common::fixtures::{email_of, open_project, stored_idea};
use common::{member, TestApp, KHAMOVNIKI};

/// A published project taking ideas, and a neighbour's pending idea in it. Returns the project.
async fn project_with_an_idea(app: &TestApp, neighbour: &veche_core::id::AccountId) -> Project {
    let ideas = app.ideas();
    let author = app
        .platform()
        .store
        .account(neighbour)
        .await
        .expect("store")
        .expect("the neighbour");
    let project = open_project(
        &ideas,
        &author,
        (
            "Доступная среда в районе",
            "Что мешает ходить по району с коляской или на костылях.",
        ),
        ("access", "Доступность"),
        time::Duration::days(7),
    )
    .await;
    let idea = (
        "Пандус у входа в поликлинику",
        "У входа в поликлинику нет пандуса, с детской коляской не заехать.",
    );
    let at = veche_core::clock::now() - time::Duration::hours(3);
    stored_idea(&ideas, &project, &author, idea, at, false).await;
    project
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_idea_is_proposed_on_a_phone_and_merged_by_a_moderator() {
    browser_test(
        PHONE,
        |_| {},
        |client, app| {
            Box::pin(async move {
                let (neighbour, _) = member(app, KHAMOVNIKI, 1970, true, &[], None).await;
                let (anna_id, _) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
                let anna = email_of(app, &anna_id).await;
                let (moderator_id, _) =
                    member(app, KHAMOVNIKI, 1980, true, &[Role::Moderator], None).await;
                let moderator = email_of(app, &moderator_id).await;
                let project = project_with_an_idea(app, &neighbour).await;

                // Anna finds the project and proposes her idea.
                sign_in(&client, app, &anna).await?;
                client.goto(&app.url("/ideas")).await?;
                let card = format!("article[data-project='{}'] h2 a", project.id);
                click_to_navigate(&client, wait_for(&client, &card, WAIT).await?).await?;
                wait_for_path(&client, app, &format!("/ideas/projects/{}", project.id)).await?;
                assert_fits_the_screen(&client, "the project page").await?;
                click_to_navigate(
                    &client,
                    wait_for(&client, "[data-testid='submit-link']", WAIT).await?,
                )
                .await?;
                fill(&client, "#title", "Нужен пандус в поликлинике").await?;
                fill(
                    &client,
                    "#body",
                    "Сделайте пандус у поликлиники: с коляской невозможно войти внутрь.",
                )
                .await?;
                assert_fits_the_screen(&client, "the idea form").await?;
                press(
                    &client,
                    app,
                    "#idea-form button[type='submit']",
                    "ideas-flash-submitted",
                )
                .await?;
                assert_eq!(
                    text_of(&client, "[data-testid='status']").await?,
                    msg(app, Lang::Ru, "ideas-status-pending")
                );
                let anna_idea = client
                    .current_url()
                    .await?
                    .path()
                    .trim_start_matches("/ideas/")
                    .to_string();
                sign_out(&client, app).await?;

                // The moderator sees it beside the neighbour's and merges it there.
                sign_in(&client, app, &moderator).await?;
                client.goto(&app.url("/moderation/ideas")).await?;
                let size = text_of(&client, "[data-testid='queue-size'] strong").await?;
                assert!(size.starts_with('2'), "{size}");
                assert!(!text_of(&client, "[data-testid='queue-age']")
                    .await?
                    .is_empty());
                let mine = format!("article[data-queued='{anna_idea}']");
                let duplicates =
                    text_of(&client, &format!("{mine} [data-testid='duplicates']")).await?;
                assert!(
                    duplicates.contains("Пандус у входа в поликлинику"),
                    "{duplicates}"
                );
                press(
                    &client,
                    app,
                    &format!("{mine} [data-testid='merge']"),
                    "ideas-flash-decided",
                )
                .await?;
                let first = "article[data-queued] [data-testid='decide']";
                press(&client, app, first, "ideas-flash-decided").await?;
                wait_for(&client, "[data-testid='queue-empty']", WAIT).await?;
                sign_out(&client, app).await?;

                // Anyone finds the approved idea by another form of its words.
                client
                    .goto(&app.url(&format!(
                        "/ideas/projects/{}?q=%D0%BF%D0%B0%D0%BD%D0%B4%D1%83%D1%81%D1%8B",
                        project.id
                    )))
                    .await?;
                assert_eq!(count(&client, "article[data-idea]").await?, 1);
                let stored = app
                    .ideas()
                    .store()
                    .idea(&veche_ideas::model::IdeaId::parse(&anna_idea).unwrap())
                    .await?
                    .ok_or("anna's idea")?;
                assert_eq!(stored.status, Status::Merged);
                let target = app
                    .ideas()
                    .store()
                    .idea(stored.merged_into.as_ref().ok_or("merged into")?)
                    .await?
                    .ok_or("the neighbour's idea")?;
                assert_eq!(target.status, Status::Approved);
                assert!(target.coauthors.contains(&anna_id), "Anna is credited");
                Ok(())
            })
        },
    )
    .await;
}
