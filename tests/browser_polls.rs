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

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use veche::config::Settings;
use veche_core::accounts::model::Role;
use veche_core::id::AccountId;
use veche_core::web::i18n::Lang;
use veche_polls::model::{Poll, PollId};
use veche_polls::pages::moscow_input_value;

use common::{member, organisation, Store, TestApp, KHAMOVNIKI, MITINO, PASSWORD};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TestResult<T = ()> = Result<T, BoxError>;

/// How long a condition may take to become true.
const WAIT: Duration = Duration::from_secs(10);
/// How often it is checked meanwhile.
const POLL: Duration = Duration::from_millis(50);

/// A normal desktop window, and a phone's screen (an iPhone 12–15 in CSS pixels).
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

// ------------------------------------------------------------------------------------------------
// The browser session
// ------------------------------------------------------------------------------------------------

/// The chromedriver URL, or `None` (skip) outside CI; under CI a missing driver is a failure.
fn webdriver_url() -> Option<String> {
    match std::env::var("VECHE_TEST_WEBDRIVER") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ if veche_core::testing::in_ci() => panic!(
            "CI=true but VECHE_TEST_WEBDRIVER is not set: the browser tests cannot be skipped in CI \
             (scripts/test starts chromedriver)"
        ),
        _ => {
            eprintln!(
                "note: VECHE_TEST_WEBDRIVER is not set; skipping the browser test \
                 (scripts/test starts chromedriver and sets it)"
            );
            None
        }
    }
}

fn chromium_binary() -> String {
    std::env::var("VECHE_TEST_CHROMIUM")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "/usr/bin/chromium".to_string())
}

/// Opens a headless Chromium session with a fresh profile in `profile_dir`, in Russian like a
/// Moscow resident's browser (which also makes `datetime-local` fields read дд.мм.гггг, чч:мм).
async fn open_browser(
    webdriver: &str,
    profile_dir: &std::path::Path,
    (width, height): (u32, u32),
) -> Client {
    let args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-quic".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--lang=ru-RU".to_string(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile_dir.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium_binary(),
            "args": args,
            "prefs": { "intl": { "accept_languages": "ru-RU,ru" } },
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    // Plain HTTP to chromedriver on 127.0.0.1 (see tests/browser.rs for why not rustls).
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(webdriver)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot open a Chromium session through chromedriver at {webdriver}: {e}")
        });
    if let Err(e) = client.set_window_size(width, height).await {
        let _ = client.close().await;
        panic!("cannot size the browser window to {width}×{height}: {e}");
    }
    client
}

/// Runs `body` with a fresh browser session and closes the session afterwards, whether the body
/// returned an error, panicked (a failed assertion) or passed. Returns without running `body`
/// when there is no WebDriver (outside CI).
async fn with_browser<F, Fut>(size: (u32, u32), body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = TestResult>,
{
    let Some(webdriver) = webdriver_url() else {
        return;
    };
    let profile = tempfile::tempdir().expect("a temporary profile folder for Chromium");
    let client = open_browser(&webdriver, profile.path(), size).await;
    let outcome = AssertUnwindSafe(body(client.clone())).catch_unwind().await;
    let closed = client.close().await;
    match outcome {
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(Err(e)) => panic!("browser test failed: {e}"),
        Ok(Ok(())) => {}
    }
    if let Err(e) = closed {
        panic!("closing the browser session: {e}");
    }
}

// ------------------------------------------------------------------------------------------------
// Waiting and reading the page
// ------------------------------------------------------------------------------------------------

/// Where the browser is and what its page says: for messages when a wait times out.
async fn describe(client: &Client) -> String {
    let url = match client.current_url().await {
        Ok(u) => u.to_string(),
        Err(e) => format!("(no URL: {e})"),
    };
    let text = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let text: String = text.chars().take(2000).collect();
    format!("at {url}; the page reads:\n{text}")
}

/// Polls every 50 ms until an element matches `css`, or fails after `timeout`.
async fn wait_for(client: &Client, css: &str, timeout: Duration) -> TestResult<Element> {
    let deadline = Instant::now() + timeout;
    loop {
        // Errors while a navigation is under way (stale documents and the like) are retried too.
        let last_error = match client.find(Locator::Css(css)).await {
            Ok(element) => return Ok(element),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "no element matched `{css}` within {timeout:?} (last error: {last_error}) {}",
                describe(client).await
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls until the browser's current URL has the given path (on the app's origin).
async fn wait_for_path(client: &Client, app: &TestApp, path: &str) -> TestResult<url::Url> {
    let origin = url::Url::parse(&app.base)?.origin();
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(url) = client.current_url().await {
            if url.origin() == origin && url.path() == path {
                return Ok(url);
            }
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the browser did not reach {path} on {} within {WAIT:?}: {}",
                app.base,
                describe(client).await
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn text_of(client: &Client, css: &str) -> TestResult<String> {
    Ok(wait_for(client, css, WAIT)
        .await?
        .text()
        .await?
        .trim()
        .to_string())
}

async fn count(client: &Client, css: &str) -> TestResult<usize> {
    Ok(client.find_all(Locator::Css(css)).await?.len())
}

/// The HTTP status of the response that produced the current document (Navigation Timing).
async fn document_status(client: &Client) -> TestResult<u64> {
    let value = client
        .execute(
            "return performance.getEntriesByType('navigation')[0].responseStatus;",
            vec![],
        )
        .await?;
    value
        .as_u64()
        .ok_or_else(|| format!("no navigation status in the page: {value}").into())
}

/// Types `text` into a fresh field (cleared first).
async fn fill(client: &Client, css: &str, text: &str) -> TestResult {
    let field = wait_for(client, css, WAIT).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// Clicks `element`, which sends a form or follows a link, and waits until the page it leads to
/// has replaced the current one (also when both have the same address) and has loaded.
async fn click_to_navigate(client: &Client, element: Element) -> TestResult {
    let old = client.find(Locator::Css("html")).await?;
    element.click().await?;
    wait_until_replaced(client, old).await
}

/// Waits until the document `old` (its `<html>`) belongs to is gone and the next one loaded.
async fn wait_until_replaced(client: &Client, old: Element) -> TestResult {
    let deadline = Instant::now() + WAIT;
    // Once the old document is gone its elements are stale (or not found at all).
    while old.tag_name().await.is_ok() {
        if Instant::now() >= deadline {
            return Err(format!(
                "the page was not replaced within {WAIT:?}: {}",
                describe(client).await
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
    loop {
        let state = client
            .execute("return document.readyState;", vec![])
            .await
            .ok();
        if state.as_ref().and_then(Value::as_str) == Some("complete") {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the next page did not load within {WAIT:?} (state {state:?}): {}",
                describe(client).await
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Types a time into an empty `datetime-local` field the way a person does, segment by
/// segment in the order the browser shows them. That order follows the browser's own locale
/// (дд.мм.гггг, чч:мм in a Russian Chromium; мм/дд/гггг, чч:мм AM in an English one, which is
/// what a headless Chromium started without a locale shows), read here from `Intl`. The year
/// segment takes up to six digits, so Tab moves on from it; the others move on by themselves.
/// `value` is the field value to get, `YYYY-MM-DDTHH:MM`; the field is read back to make sure.
async fn type_datetime(client: &Client, css: &str, value: &str) -> TestResult {
    let (date, time) = value.split_once('T').ok_or("a YYYY-MM-DDTHH:MM value")?;
    let mut date = date.split('-');
    let (year, month, day) = (
        date.next().ok_or("year")?,
        date.next().ok_or("month")?,
        date.next().ok_or("day")?,
    );
    let (hour, minute) = time.split_once(':').ok_or("HH:MM")?;
    let hour24: u32 = hour.parse()?;
    let order = client
        .execute(
            "return new Intl.DateTimeFormat(undefined, {year: 'numeric', month: '2-digit', \
             day: '2-digit', hour: '2-digit', minute: '2-digit'}).formatToParts(new Date(2000, 0, 2, 3, 4)) \
             .map(p => p.type).filter(t => t !== 'literal');",
            vec![],
        )
        .await?;
    let order: Vec<String> = serde_json::from_value(order)?;
    let twelve_hours = order.iter().any(|t| t == "dayPeriod");
    let mut keys = String::new();
    for segment in &order {
        match segment.as_str() {
            "year" => {
                keys.push_str(year);
                keys.push(char::from(Key::Tab));
            }
            "month" => keys.push_str(month),
            "day" => keys.push_str(day),
            "hour" if twelve_hours => {
                keys.push_str(&format!("{:02}", (hour24 + 11) % 12 + 1));
            }
            "hour" => keys.push_str(hour),
            "minute" => keys.push_str(minute),
            "dayPeriod" => keys.push(if hour24 < 12 { 'A' } else { 'P' }),
            other => return Err(format!("an unexpected date segment {other:?}").into()),
        }
    }
    let field = wait_for(client, css, WAIT).await?;
    field.send_keys(&keys).await?;
    let typed = field.prop("value").await?.unwrap_or_default();
    if typed != value {
        return Err(
            format!("typing {value} into `{css}` (segments {order:?}) gave {typed:?}").into(),
        );
    }
    Ok(())
}

/// Clicks the `<label>` that reads `text` inside `scope` (what a person clicks on a ballot).
async fn click_label(client: &Client, scope: &str, text: &str) -> TestResult {
    let scope_element = wait_for(client, scope, WAIT).await?;
    for label in scope_element.find_all(Locator::Css("label")).await? {
        if label.text().await?.trim() == text {
            label.click().await?;
            return Ok(());
        }
    }
    Err(format!(
        "no label reading {text:?} in `{scope}`: {}",
        describe(client).await
    )
    .into())
}

/// Horizontal overflow of the current page: the document's width against the viewport's.
async fn widths(client: &Client) -> TestResult<(u64, u64)> {
    let value = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await?;
    let pair = value.as_array().ok_or("two widths")?;
    let get = |i: usize| pair.get(i).and_then(Value::as_u64).ok_or("a width");
    Ok((get(0)?, get(1)?))
}

async fn assert_fits_the_screen(client: &Client, what: &str) -> TestResult {
    let (scroll, inner) = widths(client).await?;
    assert!(
        inner <= u64::from(PHONE.0) && inner >= 320,
        "the viewport is phone-sized: {inner} px wide"
    );
    assert!(
        scroll <= inner,
        "{what} scrolls sideways on a phone: content {scroll} px, screen {inner} px"
    );
    Ok(())
}

/// A message of the app's catalog.
fn msg(app: &TestApp, lang: Lang, key: &str) -> String {
    app.platform().catalog.t(lang, key)
}

fn district_name(app: &TestApp, id: &str) -> String {
    app.platform()
        .directory()
        .district(id)
        .unwrap_or_else(|| panic!("district {id} is in the directory"))
        .name(Lang::Ru)
        .to_string()
}

// ------------------------------------------------------------------------------------------------
// The app's side
// ------------------------------------------------------------------------------------------------

/// Sealing right at close, a scheduler that looks every 200 ms, polls read afresh.
fn sealing(settings: &mut Settings) {
    settings.polls.seal_grace = Duration::ZERO;
    settings.polls.tick = Duration::from_millis(200);
    settings.polls.cache_ttl = Duration::ZERO;
}

fn polls(app: &TestApp) -> Arc<veche_polls::Polls> {
    app.app
        .as_ref()
        .and_then(|a| a.service::<veche_polls::Polls>())
        .expect("a running app with polls")
}

async fn stored_poll(app: &TestApp, id: &str) -> TestResult<Poll> {
    Ok(polls(app)
        .store
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
    let account = app
        .platform()
        .store
        .account(&id)
        .await
        .expect("store")
        .expect("the account is stored");
    (id, account.email.as_str().to_string())
}

// ------------------------------------------------------------------------------------------------
// Steps a person takes
// ------------------------------------------------------------------------------------------------

async fn sign_in(client: &Client, app: &TestApp, email: &str) -> TestResult {
    client.goto(&app.url("/signin")).await?;
    wait_for(client, "form[action='/signin']", WAIT).await?;
    fill(client, "#email", email).await?;
    fill(client, "#password", PASSWORD).await?;
    click_to_navigate(
        client,
        wait_for(client, "form[action='/signin'] button[type='submit']", WAIT).await?,
    )
    .await?;
    wait_for(client, "[data-testid='profile-link']", WAIT).await?;
    Ok(())
}

async fn sign_out(client: &Client, app: &TestApp) -> TestResult {
    click_to_navigate(
        client,
        wait_for(client, "[data-testid='signout']", WAIT).await?,
    )
    .await?;
    wait_for_path(client, app, "/").await?;
    wait_for(client, "header .account a[href='/signin']", WAIT).await?;
    Ok(())
}

/// Someone else takes the browser over: the cookies of the one who used it (their session) are
/// put aside and the browser is left signed out, as if each person had a browser of their own.
async fn put_aside(client: &Client) -> TestResult<Vec<Cookie<'static>>> {
    let cookies = client.get_all_cookies().await?;
    client.delete_all_cookies().await?;
    Ok(cookies)
}

/// The person whose cookies these are is back at their browser (still signed in).
async fn take_back(client: &Client, cookies: Vec<Cookie<'static>>) -> TestResult {
    client.delete_all_cookies().await?;
    for cookie in cookies {
        client.add_cookie(cookie).await?;
    }
    Ok(())
}

/// Presses a button that sends a form and waits for the page it leads to: the flash message
/// `done` (a catalog key) on the editor.
async fn press_in_editor(client: &Client, app: &TestApp, button: &str, done: &str) -> TestResult {
    click_to_navigate(client, wait_for(client, button, WAIT).await?).await?;
    let flash = text_of(client, "p.flash").await?;
    assert_eq!(
        flash,
        msg(app, Lang::Ru, done),
        "after {button}: {}",
        describe(client).await
    );
    Ok(())
}

/// A resident finds the poll in the list of open polls, opens it, ticks the given options
/// (question number → option texts) and sends the ballot; lands on the receipt page. Returns
/// the receipt.
async fn vote(
    client: &Client,
    app: &TestApp,
    poll_id: &str,
    title: &str,
    choices: &[(&str, &[&str])],
    on_phone: bool,
) -> TestResult<String> {
    client.goto(&app.url("/polls")).await?;
    let card = format!("#polls-open article.poll-card[data-poll='{poll_id}']");
    assert_eq!(text_of(client, &format!("{card} h3")).await?, title);
    assert_eq!(
        count(client, &format!("{card} [data-testid='voted-mark']")).await?,
        0
    );
    click_to_navigate(
        client,
        wait_for(client, &format!("{card} h3 a"), WAIT).await?,
    )
    .await?;
    wait_for_path(client, app, &format!("/polls/{poll_id}")).await?;
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
    if webdriver_url().is_none() {
        return;
    }
    let app = TestApp::spawn_with(Store::Sqlite, sealing)
        .await
        .expect("the app on SQLite");
    let org = organisation(&app, "Управа района Хамовники").await;
    let (_, official) = person(&app, KHAMOVNIKI, &[Role::Official], Some(org)).await;
    let (anna_id, anna) = person(&app, KHAMOVNIKI, &[], None).await;
    let (boris_id, boris) = person(&app, KHAMOVNIKI, &[], None).await;
    let (mitya_id, mitya) = person(&app, MITINO, &[], None).await;
    let started = Instant::now();
    let app_ref = &app;
    with_browser(DESKTOP, |client| async move {
        let app = app_ref;
        let khamovniki = district_name(app, KHAMOVNIKI);
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
        assert_eq!(
            wait_for(&client, "[data-testid='poll-status']", WAIT)
                .await?
                .attr("data-status")
                .await?
                .as_deref(),
            Some("draft")
        );

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
        press_in_editor(&client, app, "#add-question-submit", "polls-flash-saved").await?;
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
        press_in_editor(&client, app, "#add-question-submit", "polls-flash-saved").await?;
        let headings = client
            .find_all(Locator::Css("#questions article.question h3"))
            .await?;
        let mut texts = Vec::new();
        for h in headings {
            texts.push(h.text().await?.trim().to_string());
        }
        assert_eq!(texts, [format!("1. {Q1}"), format!("2. {Q2}")]);

        // Settings: open since ten minutes ago until in two days (Moscow time, as the page says),
        // results after the close, for Хамовники only.
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
        press_in_editor(&client, app, "#settings-submit", "polls-flash-saved").await?;
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
        press_in_editor(&client, app, "#schedule-submit", "polls-flash-scheduled").await?;
        let status = wait_for(&client, "[data-testid='poll-status']", WAIT).await?;
        assert_eq!(status.attr("data-status").await?.as_deref(), Some("open"));
        assert_eq!(
            status.text().await?.trim(),
            msg(app, Lang::Ru, "polls-status-open")
        );
        assert_eq!(count(&client, "#close-form").await?, 1);
        let official_jar = put_aside(&client).await?;

        // ---- 2. Two residents of Хамовники vote: Anna at her desk, Boris on his phone ----
        sign_in(&client, app, &anna).await?;
        let anna_receipt = vote(
            &client,
            app,
            &poll_id,
            TITLE,
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
        sign_in(&client, app, &boris).await?;
        let boris_receipt = vote(
            &client,
            app,
            &poll_id,
            TITLE,
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
                polls(app).store.ballot_of(&id, account).await?.is_some(),
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
        click_to_navigate(
            &client,
            wait_for(&client, &format!("{card} h3 a"), WAIT).await?,
        )
        .await?;
        wait_for_path(&client, app, &format!("/polls/{poll_id}")).await?;
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
            polls(app).store.ballot_of(&id, &mitya_id).await?.is_none(),
            "no ballot of Митино's resident is stored"
        );
        assert_eq!(polls(app).store.counters(&id).await?.ballots(), 2);
        sign_out(&client, app).await?;

        // ---- 4. The official closes the poll; the results and proofs appear ----
        take_back(&client, official_jar).await?;
        client.goto(&app.url(&editor)).await?;
        fill(&client, "#reason", "Голосов достаточно.").await?;
        press_in_editor(&client, app, "#close-submit", "polls-flash-closed").await?;
        assert_eq!(
            wait_for(&client, "[data-testid='poll-status']", WAIT)
                .await?
                .attr("data-status")
                .await?
                .as_deref(),
            Some("closed")
        );
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
                    &format!("{chart} rect.bar[data-option='{}']", option.id),
                    WAIT,
                )
                .await?;
                assert_eq!(
                    bar.attr("data-votes").await?.as_deref(),
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
            "#results-{} svg g.bar-row[data-option='{full}']",
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

        // Each resident, back at their browser (still signed in), reloads their receipt page: the
        // server checked the proof against the published root.
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
        Ok(())
    })
    .await;
    eprintln!("the browser part took {:?}", started.elapsed());
    app.stop().await;
}
