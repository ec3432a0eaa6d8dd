#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The polls in a real browser (headless Chromium driven by chromedriver over WebDriver), as
//! people use them: an official creates a district poll, restricts it to Хамовники and opens
//! it; two residents of Хамовники vote (one on a phone-sized screen) and get their receipts; a
//! resident of Митино is told why they cannot vote and a forged ballot from their session is
//! refused; the official closes the poll, the results appear with their bars and the Merkle
//! root, and each receipt page then confirms the ballot is included.
//!
//! `scripts/test` starts chromedriver and exports `VECHE_TEST_WEBDRIVER` (its URL) and
//! `VECHE_TEST_CHROMIUM` (the browser binary). Without them these tests are skipped with a note,
//! except under `CI=true`, where that is a failure.
//!
//! The browser session has its own fresh profile folder and is always closed, also when an
//! assertion fails. Nothing sleeps to wait: conditions are polled with a deadline.

mod common;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;
use veche_core::accounts::model::Role;
use veche_core::id::AccountId;
use veche_core::web::i18n::Lang;
use veche_polls::model::{Poll, PollId};
use veche_polls::pages::moscow_input_value;

use common::browser::*;
use common::fixtures::email_of;
use common::{member, organisation, sealing, TestApp, KHAMOVNIKI, MITINO};

// ------------------------------------------------------------------------------------------------
// The app's side
// ------------------------------------------------------------------------------------------------

async fn stored_poll(app: &TestApp, id: &str) -> TestResult<Poll> {
    Ok(app
        .polls()
        .store()
        .poll(&PollId::parse(id).ok_or("a poll id")?)
        .await?
        .ok_or("the poll is stored")?)
}

/// A verified account made in the store (it signs in through the page with [`PASSWORD`]);
/// returns its id and email.
async fn person(
    app: &TestApp,
    district: &str,
    roles: &[Role],
    organisation: Option<veche_core::id::OrganisationId>,
) -> (AccountId, String) {
    let (id, _token) = member(app, district, 1980, true, roles, organisation).await;
    let email = email_of(app, &id).await;
    (id, email)
}

// ------------------------------------------------------------------------------------------------
// Steps a person takes
// ------------------------------------------------------------------------------------------------

/// The status the poll editor shows (its `data-status`: draft, open, closed…).
async fn editor_status(client: &Client) -> TestResult<String> {
    let status = wait_for(client, "[data-testid='poll-status']", WAIT).await?;
    Ok(status.attr("data-status").await?.ok_or("a data-status")?)
}

/// Follows the title link of the poll's `card` in the list of polls to the poll's page.
async fn open_from_list(client: &Client, app: &TestApp, card: &str, poll_id: &str) -> TestResult {
    let link = wait_for(client, &format!("{card} h3 a"), WAIT).await?;
    click_to_navigate(client, link).await?;
    wait_for_path(client, app, &format!("/polls/{poll_id}")).await?;
    Ok(())
}

/// A resident (`email`) signs in, finds the poll (titled [`TITLE`]) in the list of open polls,
/// opens it, ticks the given options (question number → option texts) and sends the ballot;
/// lands on the receipt page. Returns the receipt.
async fn vote(
    client: &Client,
    app: &TestApp,
    email: &str,
    poll_id: &str,
    choices: &[(&str, &[&str])],
    on_phone: bool,
) -> TestResult<String> {
    sign_in(client, app, email).await?;
    client.goto(&app.url("/polls")).await?;
    let card = format!("#polls-open article.poll-card[data-poll='{poll_id}']");
    assert_eq!(text_of(client, &format!("{card} h3")).await?, TITLE);
    assert_eq!(
        count(client, &format!("{card} [data-testid='voted-mark']")).await?,
        0
    );
    open_from_list(client, app, &card, poll_id).await?;
    wait_for(client, "#ballot-form", WAIT).await?;
    assert_eq!(
        text_of(client, "[data-testid='poll-status']").await?,
        msg(app, Lang::Ru, "polls-status-open")
    );
    if on_phone {
        assert_fits_the_screen(client, "the poll page with its ballot").await?;
    }
    let fieldsets = client
        .find_all(Locator::Css("#ballot-form fieldset.question"))
        .await?;
    let mut questions = Vec::new();
    for fieldset in fieldsets {
        questions.push(
            fieldset
                .attr("data-question")
                .await?
                .ok_or("a question id")?,
        );
    }
    for (question, options) in choices {
        let qid = questions
            .get(question.parse::<usize>()? - 1)
            .ok_or("the question is on the ballot")?;
        for option in *options {
            click_label(client, &format!("#ballot-form fieldset#q-{qid}"), option).await?;
        }
        let ticked = client
            .find_all(Locator::Css(&format!(
                "#ballot-form input[name='q_{qid}']:checked"
            )))
            .await?
            .len();
        assert_eq!(ticked, options.len(), "question {question}: ticks taken");
    }
    click_to_navigate(client, wait_for(client, "#ballot-submit", WAIT).await?).await?;
    wait_for(client, "[data-testid='receipt'] code", WAIT).await?;
    let url = client.current_url().await?;
    let prefix = format!("/polls/{poll_id}/receipts/");
    let receipt = url
        .path()
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("not a receipt page: {url}"))?
        .to_string();
    assert_eq!(
        text_of(client, "[data-testid='receipt'] code").await?,
        receipt
    );
    assert_eq!(
        text_of(client, "p.flash").await?,
        msg(app, Lang::Ru, "polls-flash-voted")
    );
    assert_eq!(
        text_of(client, "[data-testid='proof-pending']").await?,
        msg(app, Lang::Ru, "polls-proof-pending"),
        "before the close the receipt page says the proof comes later"
    );
    assert_eq!(count(client, "#proof-result").await?, 0);
    for (_, options) in choices {
        let answers = text_of(client, "#receipt-answers").await?;
        for option in *options {
            assert!(
                answers.contains(option),
                "the receipt lists {option}: {answers}"
            );
        }
    }
    Ok(receipt)
}

// ------------------------------------------------------------------------------------------------
// The test
// ------------------------------------------------------------------------------------------------

const TITLE: &str = "Благоустройство сквера на Комсомольском";
const Q1: &str = "Что построить в сквере?";
const Q1_OPTIONS: [&str; 3] = ["Детскую площадку", "Спортивную площадку", "Цветник"];
const Q2: &str = "Что ещё добавить?";
const Q2_OPTIONS: [&str; 3] = ["Лавочки", "Фонари", "Урны"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_poll_from_creation_to_verified_receipts() {
    browser_test(DESKTOP, sealing, |client, app| {
        async move {
            let org = organisation(app, "Управа района Хамовники").await;
            let (_, official) = person(app, KHAMOVNIKI, &[Role::Official], Some(org)).await;
            let (anna_id, anna) = person(app, KHAMOVNIKI, &[], None).await;
            let (boris_id, boris) = person(app, KHAMOVNIKI, &[], None).await;
            let (mitya_id, mitya) = person(app, MITINO, &[], None).await;
            let started = Instant::now();
            let khamovniki = district_name(app, KHAMOVNIKI, Lang::Ru);
            assert_eq!(khamovniki, "Хамовники");

            // ---- 1. The official creates the poll, sets it up and opens it ----
            sign_in(&client, app, &official).await?;
            client.goto(&app.url("/official/polls/new")).await?;
            wait_for(&client, "#new-poll-form", WAIT).await?;
            fill(&client, "#title", TITLE).await?;
            fill(
                &client,
                "#description",
                "Управа предлагает благоустроить сквер. Выберите, что в нём появится.",
            )
            .await?;
            click_to_navigate(&client, wait_for(&client, "#new-poll-submit", WAIT).await?).await?;
            let flash = text_of(&client, "p.flash").await?;
            assert_eq!(flash, msg(app, Lang::Ru, "polls-flash-created"));
            let editor_url = client.current_url().await?;
            let poll_id = editor_url
                .path()
                .strip_prefix("/official/polls/")
                .ok_or_else(|| format!("not the editor: {editor_url}"))?
                .to_string();
            let editor = format!("/official/polls/{poll_id}");
            assert_eq!(editor_status(&client).await?, "draft");

            // A single-choice question, required…
            fill(&client, "#new-text", Q1).await?;
            wait_for(&client, "#new-kind", WAIT)
                .await?
                .select_by_value("single")
                .await?;
            let required = wait_for(&client, "#new-required", WAIT).await?;
            if !required.is_selected().await? {
                required.click().await?;
            }
            fill(&client, "#new-options", &Q1_OPTIONS.join("\n")).await?;
            press(&client, app, "#add-question-submit", "polls-flash-saved").await?;
            // …and a multiple-choice one, up to two answers, optional.
            fill(&client, "#new-text", Q2).await?;
            wait_for(&client, "#new-kind", WAIT)
                .await?
                .select_by_value("multiple")
                .await?;
            fill(&client, "#new-max", "2").await?;
            let required = wait_for(&client, "#new-required", WAIT).await?;
            if required.is_selected().await? {
                required.click().await?;
            }
            fill(&client, "#new-options", &Q2_OPTIONS.join("\n")).await?;
            press(&client, app, "#add-question-submit", "polls-flash-saved").await?;
            let headings = client
                .find_all(Locator::Css("#questions article.question h3"))
                .await?;
            let mut texts = Vec::new();
            for h in headings {
                texts.push(h.text().await?.trim().to_string());
            }
            assert_eq!(texts, [format!("1. {Q1}"), format!("2. {Q2}")]);

            // Settings: open since ten minutes ago until in two days (Moscow time, as the page
            // says), results after the close, for Хамовники only.
            assert_eq!(
                text_of(&client, "#msk-note").await?,
                msg(app, Lang::Ru, "polls-msk-note")
            );
            let now = veche_core::clock::now();
            let opens = moscow_input_value(Some(now - time::Duration::minutes(10)));
            let closes = moscow_input_value(Some(now + time::Duration::days(2)));
            type_datetime(&client, "#opens_at", &opens).await?;
            type_datetime(&client, "#closes_at", &closes).await?;
            wait_for(&client, "#results_visibility", WAIT)
                .await?
                .select_by_value("after_close")
                .await?;
            fill(&client, "#points", "20").await?;
            wait_for(&client, "label[for='scope-areas']", WAIT)
                .await?
                .click()
                .await?;
            assert!(
                wait_for(&client, "#scope-areas", WAIT)
                    .await?
                    .is_selected()
                    .await?
            );
            let districts = wait_for(&client, "select#districts", WAIT).await?;
            districts.select_by_value(KHAMOVNIKI).await?;
            assert_eq!(
                districts.prop("value").await?.as_deref(),
                Some(KHAMOVNIKI),
                "Хамовники is chosen in the list"
            );
            press(&client, app, "#settings-submit", "polls-flash-saved").await?;
            let stored = stored_poll(app, &poll_id).await?;
            assert_eq!(moscow_input_value(stored.opens_at), opens);
            assert_eq!(moscow_input_value(stored.closes_at), closes);
            assert_eq!(stored.points, 20);
            assert_eq!(
                stored
                    .audience
                    .districts
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>(),
                [KHAMOVNIKI]
            );
            assert!(stored.audience.okrugs.is_empty());
            assert_eq!(stored.questions.len(), 2);

            // Schedule: the opening time has passed, so the poll is open at once.
            press(&client, app, "#schedule-submit", "polls-flash-scheduled").await?;
            assert_eq!(editor_status(&client).await?, "open");
            assert_eq!(
                text_of(&client, "[data-testid='poll-status']").await?,
                msg(app, Lang::Ru, "polls-status-open")
            );
            assert_eq!(count(&client, "#close-form").await?, 1);
            let official_jar = put_aside(&client).await?;

            // ---- 2. Two residents of Хамовники vote: Anna at her desk, Boris on his phone ----
            let anna_receipt = vote(
                &client,
                app,
                &anna,
                &poll_id,
                &[
                    ("1", &[Q1_OPTIONS[0]]),
                    ("2", &[Q2_OPTIONS[0], Q2_OPTIONS[1]]),
                ],
                false,
            )
            .await?;
            // Results are for after the close; the poll page now says she voted.
            client
                .goto(&app.url(&format!("/polls/{poll_id}/results")))
                .await?;
            wait_for(&client, "[data-testid='results-hidden']", WAIT).await?;
            assert_eq!(document_status(&client).await?, 403);
            client.goto(&app.url(&format!("/polls/{poll_id}"))).await?;
            wait_for(&client, "[data-testid='voted'] #receipt-link", WAIT).await?;
            assert_eq!(count(&client, "#ballot-form").await?, 0);
            let anna_jar = put_aside(&client).await?;

            client.set_window_size(PHONE.0, PHONE.1).await?;
            let boris_receipt = vote(
                &client,
                app,
                &boris,
                &poll_id,
                &[("1", &[Q1_OPTIONS[0]]), ("2", &[Q2_OPTIONS[1]])],
                true,
            )
            .await?;
            assert_fits_the_screen(&client, "the receipt page").await?;
            let boris_jar = put_aside(&client).await?;
            client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
            assert_ne!(anna_receipt, boris_receipt);
            let id = PollId::parse(&poll_id).ok_or("a poll id")?;
            for (who, account) in [("Anna", &anna_id), ("Boris", &boris_id)] {
                assert!(
                    app.polls().store().ballot_of(&id, account).await?.is_some(),
                    "{who}'s ballot is stored"
                );
            }

            // ---- 3. A resident of Митино may not vote ----
            sign_in(&client, app, &mitya).await?;
            client.goto(&app.url("/polls")).await?;
            let card = format!("#polls-open article.poll-card[data-poll='{poll_id}']");
            assert_eq!(
                text_of(&client, &format!("{card} [data-testid='ineligible-hint']")).await?,
                msg(app, Lang::Ru, "polls-ineligible-not_in_audience"),
                "the list says so already"
            );
            open_from_list(&client, app, &card, &poll_id).await?;
            let why = text_of(&client, "[data-testid='ineligible'] p").await?;
            assert_eq!(
                why,
                msg(app, Lang::Ru, "polls-ineligible-not_in_audience"),
                "the page says why"
            );
            assert_eq!(
                text_of(&client, "[data-testid='ineligible'] h2").await?,
                msg(app, Lang::Ru, "polls-ineligible-title")
            );
            assert_eq!(count(&client, "#ballot-form").await?, 0, "no ballot form");
            assert!(
                text_of(&client, "#poll-audience")
                    .await?
                    .contains(&khamovniki),
                "the audience is shown"
            );
            // The questions are there to read, without anything to tick.
            assert_eq!(count(&client, "#questions .question").await?, 2);
            assert_eq!(count(&client, "input[type='radio']").await?, 0);

            // A ballot forged in the page, with this session's own CSRF token, is refused.
            let poll = stored_poll(app, &poll_id).await?;
            let q1 = &poll.questions[0];
            let fields = json!([
                [
                    "csrf",
                    wait_for(&client, "input[name='csrf']", WAIT)
                        .await?
                        .prop("value")
                        .await?
                        .ok_or("a CSRF token")?
                ],
                [format!("q_{}", q1.id), q1.options[2].id.to_string()],
            ]);
            let action = format!("/polls/{poll_id}/vote");
            let old = client.find(Locator::Css("html")).await?;
            client
                .execute(
                    r#"
                const form = document.createElement('form');
                form.method = 'post';
                form.action = arguments[0];
                for (const [name, value] of arguments[1]) {
                    const input = document.createElement('input');
                    input.type = 'hidden';
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
                "#,
                    vec![json!(action), fields],
                )
                .await?;
            wait_until_replaced(&client, old).await?;
            wait_for_path(&client, app, &action).await?;
            wait_for(&client, "#ballot-error", WAIT).await?;
            assert_eq!(
                document_status(&client).await?,
                403,
                "the forged ballot is refused"
            );
            assert_eq!(count(&client, "#ballot-form").await?, 0);
            assert_eq!(count(&client, "[data-testid='receipt']").await?, 0);
            assert!(
                app.polls()
                    .store()
                    .ballot_of(&id, &mitya_id)
                    .await?
                    .is_none(),
                "no ballot of Митино's resident is stored"
            );
            assert_eq!(app.polls().store().counters(&id).await?.ballots(), 2);
            sign_out(&client, app).await?;

            // ---- 4. The official closes the poll; the results and proofs appear ----
            take_back(&client, official_jar).await?;
            client.goto(&app.url(&editor)).await?;
            fill(&client, "#reason", "Голосов достаточно.").await?;
            press(&client, app, "#close-submit", "polls-flash-closed").await?;
            assert_eq!(editor_status(&client).await?, "closed");
            client.delete_all_cookies().await?;

            // Anyone may now read the results; the scheduler seals the poll within a tick or two,
            // after which the page shows the Merkle root.
            let results = format!("/polls/{poll_id}/results");
            let deadline = Instant::now() + WAIT;
            loop {
                client.goto(&app.url(&results)).await?;
                wait_for(&client, "main h1", WAIT).await?;
                if count(&client, "#results-root code").await? == 1 {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "the results page shows no Merkle root {WAIT:?} after the close: {}",
                        describe(&client).await
                    )
                    .into());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(document_status(&client).await?, 200);
            assert_eq!(
                text_of(&client, "[data-testid='results-final']").await?,
                msg(app, Lang::Ru, "polls-results-final")
            );
            assert_eq!(text_of(&client, "#results-ballots").await?, "2 голоса");
            let poll = stored_poll(app, &poll_id).await?;
            let seal = poll.seal.as_ref().ok_or("the poll is sealed")?;
            let root = text_of(&client, "#results-root code").await?;
            assert_eq!(root, seal.root, "the page shows the sealed root");
            assert_eq!(seal.ballots, 2);
            // The bars: every option of both questions, with its votes.
            let expected: [(usize, [i64; 3]); 2] = [(0, [2, 0, 0]), (1, [1, 2, 0])];
            for (q, votes) in expected {
                let question = &poll.questions[q];
                let chart = format!("#results-{} svg.chart-bars", question.id);
                wait_for(&client, &chart, WAIT).await?;
                assert_eq!(count(&client, &format!("{chart} rect.bar")).await?, 3);
                for (option, want) in question.options.iter().zip(votes) {
                    let bar = wait_for(
                        &client,
                        &format!("{chart} rect.bar[data-key='{}']", option.id),
                        WAIT,
                    )
                    .await?;
                    assert_eq!(
                        bar.attr("data-count").await?.as_deref(),
                        Some(want.to_string().as_str()),
                        "{}: {}",
                        question.text,
                        option.text
                    );
                }
                let labels = text_of(&client, &chart).await?;
                for option in &question.options {
                    assert!(labels.contains(&option.text), "{labels}");
                }
            }
            // The first question's winner has every ballot: its bar is full and reads 100 %.
            let full = poll.questions[0].options[0].id.to_string();
            let row = format!(
                "#results-{} svg g.bar-row[data-key='{full}']",
                poll.questions[0].id
            );
            assert_eq!(
                wait_for(&client, &format!("{row} rect.bar"), WAIT)
                    .await?
                    .attr("width")
                    .await?
                    .as_deref(),
                Some("100%")
            );
            let value = text_of(&client, &format!("{row} text.bar-value")).await?;
            assert!(value.contains("100"), "the value reads {value:?}");

            // At phone size the results page does not scroll sideways either.
            client.set_window_size(PHONE.0, PHONE.1).await?;
            client.refresh().await?;
            wait_for(&client, "#results-root code", WAIT).await?;
            assert_fits_the_screen(&client, "the results page").await?;
            client.set_window_size(DESKTOP.0, DESKTOP.1).await?;

            // Each resident, back at their browser (still signed in), reloads their receipt page:
            // the server checked the proof against the published root.
            for (who, jar, receipt) in [
                ("Anna", anna_jar, &anna_receipt),
                ("Boris", boris_jar, &boris_receipt),
            ] {
                take_back(&client, jar).await?;
                client
                    .goto(&app.url(&format!("/polls/{poll_id}/receipts/{receipt}")))
                    .await?;
                wait_for(&client, "[data-testid='profile-link']", WAIT).await?;
                let ok = wait_for(&client, "[data-testid='proof-ok']", WAIT).await?;
                assert_eq!(
                    ok.text().await?.trim(),
                    msg(app, Lang::Ru, "polls-proof-ok"),
                    "{who}'s ballot is included"
                );
                assert_eq!(ok.attr("data-included").await?.as_deref(), Some("true"));
                assert_eq!(count(&client, "[data-testid='proof-failed']").await?, 0);
                assert_eq!(count(&client, "[data-testid='proof-pending']").await?, 0);
                assert_eq!(text_of(&client, "#published-root code").await?, root);
                assert_eq!(
                    text_of(&client, "[data-testid='receipt'] code").await?,
                    *receipt
                );
                // Two ballots: one step up to the root.
                assert_eq!(count(&client, "#proof-steps tbody tr").await?, 1);
                client.delete_all_cookies().await?;
            }
            eprintln!("the browser part took {:?}", started.elapsed());
            Ok(())
        }
        .boxed()
    })
    .await;
}
