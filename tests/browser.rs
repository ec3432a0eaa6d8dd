#![allow(clippy::unwrap_used, clippy::expect_used)]

//! End-to-end tests in a real browser (headless Chromium driven by chromedriver over WebDriver):
//! sign-up, sign-in, the language switcher and sign-out as a person does them; a cross-site
//! forged form; and the sign-up page on a phone-sized screen.
//!
//! `scripts/test` starts chromedriver and exports `VECHE_TEST_WEBDRIVER` (its URL) and
//! `VECHE_TEST_CHROMIUM` (the browser binary). Without them these tests are skipped with a note,
//! except under `CI=true`, where that is a failure.
//!
//! Every test opens its own browser session with its own fresh profile folder and always closes
//! it, also when an assertion fails. Nothing sleeps to wait: conditions are polled with a deadline.

mod common;

use std::future::Future;
use std::io::ErrorKind;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use veche_core::web::i18n::Lang;

use common::{TestApp, KHAMOVNIKI, MITINO, PASSWORD};

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

/// Opens a headless Chromium session with a fresh profile in `profile_dir`, asking for Russian
/// like a Moscow resident's browser does (the app's default language is Russian either way).
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
    // chromedriver listens on plain HTTP on 127.0.0.1, so no TLS: `ClientBuilder::rustls()` would
    // panic here anyway, as rustls finds two crypto providers in this build (ring through mongodb,
    // aws-lc-rs through fantoccini's hyper-rustls) and so has no process default.
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(webdriver)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot open a Chromium session through chromedriver at {webdriver}: {e}")
        });
    // The window-size flag sets the outer window; make sure of the size through WebDriver too.
    if let Err(e) = client.set_window_size(width, height).await {
        let _ = client.close().await;
        panic!("cannot size the browser window to {width}×{height}: {e}");
    }
    client
}

/// Runs `body` with a fresh browser session of the given window size and closes the session
/// afterwards, whether the body returned an error, panicked (a failed assertion) or passed.
/// Returns without running `body` when there is no WebDriver (outside CI).
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
    let text: String = text.chars().take(1500).collect();
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

async fn html_lang(client: &Client) -> TestResult<String> {
    Ok(client
        .find(Locator::Css("html"))
        .await?
        .attr("lang")
        .await?
        .unwrap_or_default())
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

async fn fill(client: &Client, css: &str, text: &str) -> TestResult {
    let field = wait_for(client, css, WAIT).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// A message of the app's catalog.
fn msg(app: &TestApp, lang: Lang, key: &str) -> String {
    app.platform().catalog.t(lang, key)
}

fn district_name(app: &TestApp, id: &str, lang: Lang) -> String {
    app.platform()
        .directory()
        .district(id)
        .unwrap_or_else(|| panic!("district {id} is in the directory"))
        .name(lang)
        .to_string()
}

// ------------------------------------------------------------------------------------------------
// Steps a person takes
// ------------------------------------------------------------------------------------------------

/// Fills and sends the sign-up form; the browser lands on the profile.
async fn sign_up_in_browser(client: &Client, app: &TestApp, email: &str, name: &str) -> TestResult {
    client.goto(&app.url("/signup")).await?;
    wait_for(client, "form[action='/signup']", WAIT).await?;
    fill(client, "#email", email).await?;
    fill(client, "#password", PASSWORD).await?;
    fill(client, "#display_name", name).await?;
    let select = wait_for(client, "select#district_id", WAIT).await?;
    select.select_by_value(KHAMOVNIKI).await?;
    assert_eq!(
        select.prop("value").await?.as_deref(),
        Some(KHAMOVNIKI),
        "Хамовники is chosen in the list"
    );
    fill(client, "#birth_year", "1990").await?;
    wait_for(client, "form[action='/signup'] button[type='submit']", WAIT)
        .await?
        .click()
        .await?;
    wait_for_path(client, app, "/profile").await?;
    wait_for(client, "[data-testid='district-name']", WAIT).await?;
    Ok(())
}

/// Fills and sends the sign-in form on the page the browser is on (a `/signin` page).
async fn submit_sign_in(client: &Client, email: &str, password: &str) -> TestResult {
    wait_for(client, "form[action='/signin']", WAIT).await?;
    fill(client, "#email", email).await?;
    fill(client, "#password", password).await?;
    wait_for(client, "form[action='/signin'] button[type='submit']", WAIT)
        .await?
        .click()
        .await?;
    Ok(())
}

/// Presses the header's sign-out button; the browser lands on the home page, signed out.
async fn sign_out_in_browser(client: &Client, app: &TestApp) -> TestResult {
    wait_for(client, "[data-testid='signout']", WAIT)
        .await?
        .click()
        .await?;
    wait_for_path(client, app, "/").await?;
    wait_for(client, "header .account a[href='/signin']", WAIT).await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// The tests
// ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_sign_in_switch_language_sign_out() {
    if webdriver_url().is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let app_ref = &app;
    with_browser(DESKTOP, |client| async move {
        let app = app_ref;
        let email = "anna@example.ru";
        let name = "Анна Петрова";
        let khamovniki_ru = district_name(app, KHAMOVNIKI, Lang::Ru);
        assert_eq!(khamovniki_ru, "Хамовники");

        // Sign up: the form is in Russian, and the browser lands on the profile, signed in.
        client.goto(&app.url("/signup")).await?;
        wait_for(&client, "form[action='/signup']", WAIT).await?;
        assert_eq!(
            html_lang(&client).await?,
            "ru",
            "the pages are in Russian by default"
        );
        assert_eq!(
            text_of(&client, "main h1").await?,
            msg(app, Lang::Ru, "signup-title")
        );
        sign_up_in_browser(&client, app, email, name).await?;
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            khamovniki_ru
        );
        assert_eq!(
            text_of(&client, "[data-testid='profile-link']").await?,
            name,
            "the header shows who is signed in"
        );
        assert_eq!(
            text_of(&client, "main h1").await?,
            msg(app, Lang::Ru, "profile-title")
        );
        assert_eq!(
            text_of(&client, ".flash").await?,
            msg(app, Lang::Ru, "flash-signed-up")
        );
        let stored = app
            .platform()
            .store
            .account_by_email(email)
            .await?
            .ok_or("the account is stored")?;
        assert_eq!(stored.display_name.as_str(), name);
        assert_eq!(stored.district_id.as_str(), KHAMOVNIKI);

        // Sign out through the header's button: the sign-in link is back, the profile is closed.
        sign_out_in_browser(&client, app).await?;
        assert_eq!(
            count(&client, "[data-testid='profile-link']").await?,
            0,
            "no profile link once signed out"
        );
        assert_eq!(
            count(&client, "[data-testid='signout']").await?,
            0,
            "no sign-out button once signed out"
        );
        client.goto(&app.url("/profile")).await?;
        let url = wait_for_path(&client, app, "/signin").await?;
        let next: Vec<_> = url
            .query_pairs()
            .filter(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(
            next,
            ["/profile"],
            "the profile sends a signed-out browser to sign in and come back"
        );
        assert_eq!(
            text_of(&client, "main h1").await?,
            msg(app, Lang::Ru, "signin-title")
        );

        // Sign in again with the same credentials, on the /signin page the profile sent us to.
        submit_sign_in(&client, email, PASSWORD).await?;
        wait_for_path(&client, app, "/profile").await?;
        assert_eq!(
            text_of(&client, "[data-testid='profile-link']").await?,
            name
        );
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            khamovniki_ru
        );

        // Switch to English: same page, English texts, the choice kept in a cookie.
        let switch = wait_for(&client, "[data-testid='switch-lang']", WAIT).await?;
        assert_eq!(
            switch.text().await?.trim(),
            msg(app, Lang::Ru, "lang-switch")
        );
        switch.click().await?;
        wait_for(&client, "html[lang='en']", WAIT).await?;
        wait_for_path(&client, app, "/profile").await?;
        assert_eq!(
            text_of(&client, "main h1").await?,
            msg(app, Lang::En, "profile-title")
        );
        assert_eq!(text_of(&client, "main h1").await?, "Your profile");
        assert_eq!(
            text_of(&client, "[data-testid='signout']").await?,
            msg(app, Lang::En, "nav-signout")
        );
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            district_name(app, KHAMOVNIKI, Lang::En),
            "district names follow the language too"
        );
        assert_eq!(
            text_of(&client, "[data-testid='profile-link']").await?,
            name,
            "still signed in"
        );
        assert_eq!(client.get_named_cookie("veche_lang").await?.value(), "en");

        // And back to Russian.
        let switch = wait_for(&client, "[data-testid='switch-lang']", WAIT).await?;
        assert_eq!(
            switch.text().await?.trim(),
            msg(app, Lang::En, "lang-switch")
        );
        switch.click().await?;
        wait_for(&client, "html[lang='ru']", WAIT).await?;
        wait_for_path(&client, app, "/profile").await?;
        assert_eq!(
            text_of(&client, "main h1").await?,
            msg(app, Lang::Ru, "profile-title")
        );
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            khamovniki_ru
        );

        // Sign out for good.
        sign_out_in_browser(&client, app).await?;
        assert_eq!(count(&client, "[data-testid='profile-link']").await?, 0);
        assert_eq!(html_lang(&client).await?, "ru");
        Ok(())
    })
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_an_error_in_the_page() {
    if webdriver_url().is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let email = "boris@example.ru";
    app.sign_up(&app.client(), email).await;
    let app_ref = &app;
    with_browser(DESKTOP, |client| async move {
        let app = app_ref;
        client.goto(&app.url("/signin")).await?;
        submit_sign_in(&client, email, "not the right password").await?;

        // The same form again, with the message, in Russian, answered 401.
        let error = wait_for(&client, "#signin-error[role='alert']", WAIT).await?;
        assert_eq!(
            error.text().await?.trim(),
            msg(app, Lang::Ru, "err-invalid_credentials-detail")
        );
        assert_eq!(
            error.text().await?.trim(),
            "Неверный адрес электронной почты или пароль. Проверьте их и попробуйте снова."
        );
        wait_for_path(&client, app, "/signin").await?;
        assert_eq!(
            document_status(&client).await?,
            401,
            "a refused sign-in is answered 401"
        );
        assert_eq!(html_lang(&client).await?, "ru");
        assert_eq!(
            text_of(&client, "main h1").await?,
            msg(app, Lang::Ru, "signin-title")
        );
        assert_eq!(
            count(&client, "form[action='/signin'] #password").await?,
            1,
            "the form is shown again"
        );
        let email_field = wait_for(&client, "#email", WAIT).await?;
        assert_eq!(
            email_field.prop("value").await?.as_deref(),
            Some(email),
            "the email is kept"
        );
        let password_field = wait_for(&client, "#password", WAIT).await?;
        assert_eq!(
            password_field.prop("value").await?.as_deref(),
            Some(""),
            "the password is not sent back"
        );

        // Still signed out.
        assert_eq!(count(&client, "[data-testid='profile-link']").await?, 0);
        assert_eq!(
            count(&client, "header .account a[href='/signin']").await?,
            1
        );
        assert!(
            client.get_named_cookie("veche_session").await.is_err(),
            "no session cookie was set"
        );
        client.goto(&app.url("/profile")).await?;
        wait_for_path(&client, app, "/signin").await?;
        Ok(())
    })
    .await;
    app.stop().await;
}

/// A one-page "attacker" site on another origin (127.0.0.1, another port): whatever is asked,
/// it answers with `html`. Returns its base URL; the task ends with the test's runtime.
async fn serve_attacker_page(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the attacker site");
    let addr = listener.local_addr().expect("attacker address");
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let html = html.clone();
            tokio::spawn(async move {
                // Read the request head (a GET has no body), then answer and close.
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
                     Cache-Control: no-store\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                );
                if let Err(e) = socket.write_all(response.as_bytes()).await {
                    if e.kind() != ErrorKind::BrokenPipe {
                        eprintln!("attacker site: {e}");
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// A page that at once posts a form to `action` with the given fields.
fn auto_submitting_page(action: &str, fields: &[(&str, &str)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(name, value)| format!("<input type=\"hidden\" name=\"{name}\" value=\"{value}\">"))
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Win a prize</title></head><body>\
         <form method=\"post\" action=\"{action}\">{inputs}</form>\
         <script>document.forms[0].submit()</script></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_cross_site_post_is_refused() {
    if webdriver_url().is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let email = "vera@example.ru";
    let name = "Вера Сидорова";
    // The attacker's page lives on another origin: same host, another port. Being same-site, the
    // browser does send the SameSite=Lax session cookie along, so only the CSRF token stands
    // between the forged form and the account.
    let forged = auto_submitting_page(
        &app.url("/profile"),
        &[("display_name", "Hacked"), ("district_id", MITINO)],
    );
    let attacker = serve_attacker_page(forged).await;
    assert_ne!(
        url::Url::parse(&attacker).unwrap().origin(),
        url::Url::parse(&app.base).unwrap().origin(),
        "the attacker is on another origin"
    );
    let app_ref = &app;
    let attacker_ref = &attacker;
    with_browser(DESKTOP, |client| async move {
        let app = app_ref;
        let khamovniki = district_name(app, KHAMOVNIKI, Lang::Ru);

        // Signed up and signed in, in this browser.
        sign_up_in_browser(&client, app, email, name).await?;
        sign_out_in_browser(&client, app).await?;
        client.goto(&app.url("/signin")).await?;
        submit_sign_in(&client, email, PASSWORD).await?;
        wait_for_path(&client, app, "/").await?;
        assert_eq!(
            text_of(&client, "[data-testid='profile-link']").await?,
            name
        );
        client.goto(&app.url("/profile")).await?;
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            khamovniki
        );

        // The victim opens the attacker's page; it posts the form to Veche without a token.
        client.goto(&format!("{attacker_ref}/prize")).await?;
        let refused = wait_for_path(&client, app, "/profile").await?;
        wait_for(&client, "main .card.error", WAIT).await?;
        assert_eq!(refused.origin(), url::Url::parse(&app.base)?.origin());
        assert_eq!(
            document_status(&client).await?,
            403,
            "the forged POST is answered 403"
        );
        let source = client.source().await?;
        assert!(
            source.contains(&msg(app, Lang::Ru, "err-forbidden")),
            "the refusal page says so:\n{source}"
        );
        assert!(
            source.contains(&msg(app, Lang::Ru, "err-csrf_failed-detail")),
            "and why:\n{source}"
        );
        assert!(!source.contains("Hacked"));

        // Nothing changed: not on the profile page...
        client.goto(&app.url("/profile")).await?;
        wait_for_path(&client, app, "/profile").await?;
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            khamovniki
        );
        assert_eq!(
            text_of(&client, "[data-testid='profile-link']").await?,
            name
        );
        let field = wait_for(&client, "#display_name", WAIT).await?;
        assert_eq!(field.prop("value").await?.as_deref(), Some(name));
        let select = wait_for(&client, "select#district_id", WAIT).await?;
        assert_eq!(select.prop("value").await?.as_deref(), Some(KHAMOVNIKI));
        // ...nor in the store.
        let stored = app
            .platform()
            .store
            .account_by_email(email)
            .await?
            .ok_or("the account is stored")?;
        assert_eq!(stored.display_name.as_str(), name);
        assert_eq!(stored.district_id.as_str(), KHAMOVNIKI);

        // Control: the same cross-origin form WITH this session's token does go through, which
        // shows the browser did send the session cookie above and the token alone refused it.
        let token = wait_for(&client, "form[action='/profile'] input[name='csrf']", WAIT)
            .await?
            .prop("value")
            .await?
            .ok_or("the profile form has a CSRF token")?;
        let with_token = auto_submitting_page(
            &app.url("/profile"),
            &[
                ("csrf", &token),
                ("display_name", "Вера С."),
                ("district_id", MITINO),
            ],
        );
        let accomplice = serve_attacker_page(with_token).await;
        client.goto(&format!("{accomplice}/")).await?;
        wait_for_path(&client, app, "/profile").await?;
        wait_for(&client, ".flash", WAIT).await?;
        assert_eq!(
            text_of(&client, "[data-testid='district-name']").await?,
            district_name(app, MITINO, Lang::Ru),
            "with the right token the cross-origin post is accepted: the cookie was sent, so the \
             refusal above came from the missing token"
        );
        Ok(())
    })
    .await;

    // Over plain HTTP too: a session's POST with a wrong token is 403 and changes nothing.
    let other = "gleb@example.ru";
    let (client, csrf) = app.signed_in(other, &[]).await;
    for token in ["", "wrong", &format!("{csrf}x")] {
        let response = client
            .post(app.url("/profile"))
            .form(&[
                ("csrf", token),
                ("display_name", "Hacked"),
                ("district_id", MITINO),
            ])
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            reqwest::StatusCode::FORBIDDEN,
            "csrf={token:?}"
        );
        let body = response.text().await.expect("body");
        assert!(
            body.contains(&msg(&app, Lang::Ru, "err-csrf_failed-detail")),
            "{body}"
        );
    }
    let stored = app
        .platform()
        .store
        .account_by_email(other)
        .await
        .expect("store")
        .expect("account");
    assert_eq!(stored.display_name.as_str(), "Тестовый Житель");
    assert_eq!(stored.district_id.as_str(), KHAMOVNIKI);
    // The session itself is fine: the right token is accepted.
    let response = client
        .post(app.url("/profile"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("display_name", "Глеб"),
            ("district_id", MITINO),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    app.stop().await;
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

/// Every visible form control of the page with its `<label for=…>`: returns the controls
/// checked and those lacking a (non-empty) label.
async fn unlabelled_controls(client: &Client) -> TestResult<(u64, Vec<String>)> {
    let value = client
        .execute(
            r#"
            const missing = [];
            let checked = 0;
            for (const el of document.querySelectorAll('input, select, textarea')) {
                if (el.type === 'hidden') continue;
                const style = window.getComputedStyle(el);
                if (el.getClientRects().length === 0 || style.visibility === 'hidden') continue;
                checked += 1;
                const label = el.id ? document.querySelector('label[for="' + CSS.escape(el.id) + '"]') : null;
                if (!label || label.textContent.trim() === '') missing.push(el.name || el.id || el.outerHTML);
            }
            return [checked, missing];
            "#,
            vec![],
        )
        .await?;
    let checked = value.get(0).and_then(Value::as_u64).ok_or("a count")?;
    let missing = value
        .get(1)
        .and_then(Value::as_array)
        .ok_or("a list")?
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    Ok((checked, missing))
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(target)
    };
    target.join("screenshots")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_a_phone() {
    if webdriver_url().is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let app_ref = &app;
    with_browser(PHONE, |client| async move {
        let app = app_ref;
        client.goto(&app.url("/signup")).await?;
        wait_for(&client, "form[action='/signup']", WAIT).await?;
        let (_, inner) = widths(&client).await?;
        assert!(
            inner <= PHONE.0 as u64 && inner >= 320,
            "the viewport is phone-sized: {inner} px wide"
        );

        for path in ["/signup", "/signin", "/"] {
            client.goto(&app.url(path)).await?;
            wait_for_path(&client, app, path).await?;
            wait_for(&client, "main h1", WAIT).await?;
            let (scroll, inner) = widths(&client).await?;
            assert!(
                scroll <= inner,
                "{path} scrolls sideways on a phone: content {scroll} px, screen {inner} px"
            );
        }

        for (path, at_least) in [("/signup", 5), ("/signin", 2)] {
            client.goto(&app.url(path)).await?;
            wait_for_path(&client, app, path).await?;
            wait_for(&client, "main form", WAIT).await?;
            let (checked, missing) = unlabelled_controls(&client).await?;
            assert!(
                checked >= at_least,
                "{path}: only {checked} visible form controls found"
            );
            assert!(
                missing.is_empty(),
                "{path}: form controls without a <label for>: {missing:?}"
            );
        }

        client.goto(&app.url("/signup")).await?;
        wait_for(&client, "form[action='/signup']", WAIT).await?;
        let png = client.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("signup-phone.png");
        std::fs::write(&file, png)?;
        eprintln!("screenshot: {}", file.display());
        Ok(())
    })
    .await;
    app.stop().await;
}
