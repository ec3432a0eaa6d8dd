#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The ideas in a real browser (headless Chromium over WebDriver), as people use them: a
//! resident on a phone-sized screen finds a project, proposes an idea (the same request as a
//! neighbour's, in other words) and is told it waits for a moderator; a moderator sees it in the
//! queue beside the neighbour's idea, merges it there and approves the neighbour's; anyone then
//! finds the idea by another form of its words, and its author is credited with it.
//!
//! Skipped without `VECHE_TEST_WEBDRIVER` (a failure under `CI=true`); nothing sleeps to wait.

mod common;

use fantoccini::Client;
use veche_core::accounts::model::Role;
use veche_core::web::i18n::Lang;
use veche_ideas::model::{Label, Project, Schedule, Stage, Status};

use common::browser::*;
use common::fixtures::{email_of, open_project, reschedule, stored_idea};
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

/// Signs in as `email`, opens `path`, presses `css` (the flash `done`, as [`press`]) and signs
/// out.
async fn press_as(
    client: &Client,
    app: &TestApp,
    email: &str,
    path: &str,
    css: &str,
    done: &str,
) -> TestResult {
    sign_in(client, app, email).await?;
    client.goto(&app.url(path)).await?;
    press(client, app, css, done).await?;
    sign_out(client, app).await
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
                // A photo from the phone goes with it.
                send_with_picture(
                    &client,
                    app,
                    "the idea form",
                    ("#image-file", (900, 600), 90),
                    "#idea-form button[type='submit']",
                    "ideas-flash-submitted",
                )
                .await?;
                assert_eq!(
                    text_of(&client, "[data-testid='status']").await?,
                    msg(app, Lang::Ru, "ideas-status-pending")
                );
                let width = loaded_width(&client, "image", "the picture").await?;
                assert_eq!(width, 900, "the picture is served and shown");
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

/// Moves the project's stages so that `stage` runs now (its clock is the store's schedule).
async fn move_to(app: &TestApp, id: &veche_ideas::model::ProjectId, stage: Stage) -> TestResult {
    let now = veche_core::clock::now();
    let day = time::Duration::days(1);
    // The stage's start lies a day back, the next stage's a day ahead.
    let starts = match stage {
        Stage::Review => [-3, -2, -1, 1],
        Stage::Results => [-4, -3, -2, -1],
        _ => return Err(format!("moving to {stage:?} is not needed here").into()),
    };
    reschedule(&app.ideas(), id, |s| {
        *s = Schedule {
            proposals: now + day * starts[0],
            discussion: now + day * starts[1],
            review: now + day * starts[2],
            results: now + day * starts[3],
        }
    })
    .await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_author_appeals_a_second_moderator_grants_it_an_expert_scores_and_the_results_credit_her(
) {
    browser_test(
        DESKTOP,
        |_| {},
        |client, app| {
            Box::pin(async move {
                let (anna_id, _) = member(app, KHAMOVNIKI, 1990, true, &[], None).await;
                let anna = email_of(app, &anna_id).await;
                let (first_id, _) =
                    member(app, KHAMOVNIKI, 1980, true, &[Role::Moderator], None).await;
                let first = email_of(app, &first_id).await;
                let (second_id, _) =
                    member(app, KHAMOVNIKI, 1975, true, &[Role::Moderator], None).await;
                let second = email_of(app, &second_id).await;
                let (expert_id, _) =
                    member(app, KHAMOVNIKI, 1965, true, &[Role::Expert], None).await;
                let expert = email_of(app, &expert_id).await;
                let (admin_id, _) = member(app, KHAMOVNIKI, 1960, true, &[Role::Admin], None).await;
                let admin = email_of(app, &admin_id).await;

                // A project taking ideas, with two criteria and one expert; Anna's idea waits.
                let project = project_with_an_idea(app, &anna_id).await;
                let ideas = app.ideas();
                let store = ideas.store();
                let scored = Project {
                    criteria: vec![
                        Label {
                            code: "use".into(),
                            name: "Польза".into(),
                        },
                        Label {
                            code: "cost".into(),
                            name: "Стоимость".into(),
                        },
                    ],
                    experts: [expert_id.clone()].into_iter().collect(),
                    version: project.version + 1,
                    ..project.clone()
                };
                assert!(store.replace_project(&scored, project.version).await?);
                let idea = "article[data-queued]";

                // The first moderator rejects it as off-topic, with a note.
                sign_in(&client, app, &first).await?;
                client.goto(&app.url("/moderation/ideas")).await?;
                let id = wait_for(&client, idea, WAIT)
                    .await?
                    .attr("data-queued")
                    .await?
                    .ok_or("the queued idea's id")?;
                wait_for(&client, &format!("#reject-{id}"), WAIT)
                    .await?
                    .click()
                    .await?;
                wait_for(
                    &client,
                    &format!("#reason-{id} option[value='off_topic']"),
                    WAIT,
                )
                .await?
                .click()
                .await?;
                fill(
                    &client,
                    &format!("#note-{id}"),
                    "Это не про доступную среду.",
                )
                .await?;
                press(
                    &client,
                    app,
                    &format!("{idea} [data-testid='decide']"),
                    "ideas-flash-decided",
                )
                .await?;
                sign_out(&client, app).await?;

                // Anna reads why and appeals.
                sign_in(&client, app, &anna).await?;
                client.goto(&app.url(&format!("/ideas/{id}"))).await?;
                assert_eq!(
                    text_of(&client, "[data-testid='reason']").await?,
                    msg(app, Lang::Ru, "ideas-reason-off_topic")
                );
                assert_eq!(
                    text_of(&client, "[data-testid='note']").await?,
                    "Это не про доступную среду."
                );
                fill(
                    &client,
                    "#appeal-text",
                    "Пандус — это и есть доступная среда.",
                )
                .await?;
                press(
                    &client,
                    app,
                    "form[action$='/appeal'] button",
                    "ideas-flash-appealed",
                )
                .await?;
                sign_out(&client, app).await?;

                // The moderator who rejected it may not decide the appeal; another may.
                sign_in(&client, app, &first).await?;
                client.goto(&app.url("/moderation/ideas")).await?;
                wait_for(&client, &format!("{idea} [data-testid='appeal']"), WAIT).await?;
                assert_eq!(
                    count(&client, &format!("{idea} [data-testid='grant']")).await?,
                    0
                );
                sign_out(&client, app).await?;
                press_as(
                    &client,
                    app,
                    &second,
                    "/moderation/ideas",
                    &format!("{idea} [data-testid='grant']"),
                    "ideas-flash-decided",
                )
                .await?;
                let iid = veche_ideas::model::IdeaId::parse(&id).ok_or("an idea id")?;
                let granted = store.idea(&iid).await?.ok_or("the idea")?;
                assert_eq!(granted.status, Status::Approved);
                let appeal = granted.appeal.as_ref().ok_or("the appeal")?;
                assert_eq!(appeal.upheld, Some(true));
                assert_eq!(appeal.decided_by.as_ref(), Some(&second_id));
                assert_eq!(
                    granted.decided_by.as_ref(),
                    Some(&first_id),
                    "who rejected it"
                );

                // In review, the organiser puts it forward and the expert scores it.
                move_to(app, &project.id, Stage::Review).await?;
                press_as(
                    &client,
                    app,
                    &admin,
                    &format!("/ideas/{id}"),
                    "[data-testid='shortlist']",
                    "ideas-flash-shortlisted",
                )
                .await?;
                sign_in(&client, app, &expert).await?;
                client
                    .goto(&app.url(&format!("/ideas/projects/{}", project.id)))
                    .await?;
                click_to_navigate(
                    &client,
                    wait_for(&client, "[data-testid='review-link']", WAIT).await?,
                )
                .await?;
                let card = format!("article[data-review='{id}']");
                click_label(&client, &format!("{card} fieldset:nth-of-type(1)"), "5").await?;
                click_label(&client, &format!("{card} fieldset:nth-of-type(2)"), "4").await?;
                fill(&client, &format!("#note-{id}"), "Дёшево и нужно многим.").await?;
                press(
                    &client,
                    app,
                    &format!("{card} [data-testid='score-send']"),
                    "ideas-flash-scored",
                )
                .await?;
                assert_eq!(
                    text_of(
                        &client,
                        &format!("tr[data-ranked='{id}'] [data-testid='score']")
                    )
                    .await?,
                    "4.5"
                );
                wait_for(&client, &format!("{card} [data-testid='scored']"), WAIT).await?;
                sign_out(&client, app).await?;

                // After the results the organiser records it accepted; the results credit Anna.
                move_to(app, &project.id, Stage::Results).await?;
                sign_in(&client, app, &admin).await?;
                client.goto(&app.url(&format!("/ideas/{id}"))).await?;
                assert_eq!(count(&client, "[data-testid='shortlist']").await?, 0);
                fill(
                    &client,
                    "#outcome-text",
                    "Управа включила пандус в план на весну.",
                )
                .await?;
                press(
                    &client,
                    app,
                    "[data-testid='outcome-send']",
                    "ideas-flash-outcome",
                )
                .await?;
                sign_out(&client, app).await?;
                client
                    .goto(&app.url(&format!("/ideas/projects/{}/results", project.id)))
                    .await?;
                let result = format!("article[data-result='{id}']");
                assert_eq!(
                    text_of(&client, &format!("{result} [data-testid='credits']")).await?,
                    "Автор: Тестовый Житель"
                );
                let shown = text_of(&client, &result).await?;
                assert!(shown.contains("Управа включила пандус"), "{shown}");
                assert_eq!(
                    wait_for(&client, &result, WAIT)
                        .await?
                        .attr("data-outcome")
                        .await?
                        .as_deref(),
                    Some("accepted")
                );
                Ok(())
            })
        },
    )
    .await;
}
