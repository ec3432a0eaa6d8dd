//! The WebDriver harness of the browser tests: a headless Chromium session driven by
//! chromedriver, opened with a fresh profile folder and always closed (also when an assertion
//! fails); waiting for the page without sleeping (conditions polled with a deadline); reading
//! it; and the steps every browser test takes (signing in and out).
//!
//! `scripts/test` starts chromedriver and exports `VECHE_TEST_WEBDRIVER` (its URL) and
//! `VECHE_TEST_CHROMIUM` (the browser binary). Without them the browser tests are skipped with
//! a note, except under `CI=true`, where that is a failure.

use std::future::Future;
use std::io::ErrorKind;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::future::BoxFuture;
pub use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use veche_core::web::i18n::Lang;

use veche::config::Settings;

use super::{Store, TestApp};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type TestResult<T = ()> = Result<T, BoxError>;

/// How long a condition may take to become true.
pub const WAIT: Duration = Duration::from_secs(10);
/// How often it is checked meanwhile.
pub const POLL: Duration = Duration::from_millis(50);

/// A normal desktop window, and a phone's screen (an iPhone 12–15 in CSS pixels).
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

// ------------------------------------------------------------------------------------------------
// The browser session
// ------------------------------------------------------------------------------------------------

/// The chromedriver URL, or `None` (skip) outside CI; under CI a missing driver is a failure.
pub fn webdriver_url() -> Option<String> {
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

pub fn chromium_binary() -> String {
    std::env::var("VECHE_TEST_CHROMIUM")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "/usr/bin/chromium".to_string())
}

/// Opens a headless Chromium session with a fresh profile in `profile_dir`, asking for Russian
/// like a Moscow resident's browser does (the app's default language is Russian either way).
pub async fn open_browser(
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
pub async fn with_browser<F, Fut>(size: (u32, u32), body: F)
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

/// A browser test: skipped (before the app is spawned) when there is no WebDriver; else the app
/// on SQLite with `adjust` applied to its settings, and `body` run with a fresh browser session
/// of the given window size (see [`with_browser`]) and the app, which is stopped afterwards.
pub async fn browser_test<F>(size: (u32, u32), adjust: impl FnOnce(&mut Settings), body: F)
where
    F: for<'a> FnOnce(Client, &'a TestApp) -> BoxFuture<'a, TestResult>,
{
    if webdriver_url().is_none() {
        return;
    }
    let app = TestApp::spawn_with(Store::Sqlite, adjust)
        .await
        .expect("the app on SQLite");
    with_browser(size, |client| body(client, &app)).await;
    app.stop().await;
}

// ------------------------------------------------------------------------------------------------
// Waiting and reading the page
// ------------------------------------------------------------------------------------------------

/// Where the browser is and what its page says: for messages when a wait times out.
pub async fn describe(client: &Client) -> String {
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

/// Tries `attempt` every [`POLL`] until it gives a value, or fails after `timeout` with the last
/// reason it gave for not being done and where the browser is.
pub async fn poll_until<T, Fut>(
    client: &Client,
    timeout: Duration,
    mut attempt: impl FnMut() -> Fut,
) -> TestResult<T>
where
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let not_yet = match attempt().await {
            Ok(value) => return Ok(value),
            Err(reason) => reason,
        };
        if Instant::now() >= deadline {
            return Err(format!("{not_yet} within {timeout:?}: {}", describe(client).await).into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls every 50 ms until an element matches `css`, or fails after `timeout`.
pub async fn wait_for(client: &Client, css: &str, timeout: Duration) -> TestResult<Element> {
    // Errors while a navigation is under way (stale documents and the like) are retried too.
    poll_until(client, timeout, move || async move {
        client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("no element matched `{css}` (last error: {e})"))
    })
    .await
}

/// Polls until the browser's current URL has the given path (on the app's origin).
pub async fn wait_for_path(client: &Client, app: &TestApp, path: &str) -> TestResult<url::Url> {
    let origin = &url::Url::parse(&app.base)?.origin();
    let base = app.base.as_str();
    poll_until(client, WAIT, move || async move {
        match client.current_url().await {
            Ok(url) if url.origin() == *origin && url.path() == path => Ok(url),
            _ => Err(format!("the browser did not reach {path} on {base}")),
        }
    })
    .await
}

/// Waits until the picture `testid` (its `data-testid`) has loaded (`what` names it in the
/// failure): its natural width. A picture is processed in the background after its upload:
/// until then the page says so (`photo-processing`) or its address answers a placeholder, and
/// the page is opened again until it shows.
pub async fn loaded_width(client: &Client, testid: &str, what: &str) -> TestResult<u64> {
    // The placeholder a processing photo's address answers is an SVG: its answer's type tells.
    // Once the address answers the picture, the page may still show the placeholder it got
    // before: the page is opened again until what it shows is the picture served.
    let script = format!(
        "const i = document.querySelector(\"[data-testid='{testid}']\"); \
         if ((!i && document.querySelector(\"[data-testid='photo-processing']\")) \
             || (i && i.complete && i.naturalWidth === 0)) {{ location.reload(); return 0; }} \
         if (!i || !i.complete) return 0; \
         return fetch(i.currentSrc).then(r => {{ \
           if ((r.headers.get('content-type') || '').startsWith('image/svg')) {{ location.reload(); return 0; }} \
           return r.blob().then(b => createImageBitmap(b)).then(p => {{ \
             if (p.width === i.naturalWidth && p.height === i.naturalHeight) return i.naturalWidth; \
             location.reload(); return 0; }}); }});"
    );
    poll_until(client, WAIT, || async {
        let width = client
            .execute(&script, vec![])
            .await
            .map_err(|e| e.to_string())?;
        match width.as_u64() {
            Some(w) if w > 0 => Ok(w),
            _ => Err(format!("{what} has not loaded")),
        }
    })
    .await
}

pub async fn text_of(client: &Client, css: &str) -> TestResult<String> {
    Ok(wait_for(client, css, WAIT)
        .await?
        .text()
        .await?
        .trim()
        .to_string())
}

pub async fn html_lang(client: &Client) -> TestResult<String> {
    Ok(client
        .find(Locator::Css("html"))
        .await?
        .attr("lang")
        .await?
        .unwrap_or_default())
}

pub async fn count(client: &Client, css: &str) -> TestResult<usize> {
    Ok(client.find_all(Locator::Css(css)).await?.len())
}

/// The HTTP status of the response that produced the current document (Navigation Timing).
pub async fn document_status(client: &Client) -> TestResult<u64> {
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

pub async fn fill(client: &Client, css: &str, text: &str) -> TestResult {
    let field = wait_for(client, css, WAIT).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// Gives the file input `css` a made-up picture of `width` × `height` (red and green stripes,
/// `blue` throughout) in a temporary file of `format`: the file lives as long as what this
/// returns, so keep it until the form is sent.
pub async fn attach_picture(
    client: &Client,
    css: &str,
    (width, height): (u32, u32),
    blue: u8,
    format: image::ImageFormat,
) -> TestResult<tempfile::NamedTempFile> {
    let suffix = format!(".{}", format.extensions_str().first().unwrap_or(&"img"));
    let picture = tempfile::Builder::new().suffix(&suffix).tempfile()?;
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, blue])
    })
    .save_with_format(picture.path(), format)?;
    wait_for(client, css, WAIT)
        .await?
        .send_keys(&picture.path().display().to_string())
        .await?;
    Ok(picture)
}

/// Sends the form `what` names with a made-up PNG picture in its file input (`input`, the
/// picture's size and blue, as [`attach_picture`] takes them): checks that the form fits the
/// screen, then presses `submit` (`done` the flash, as [`press`]).
pub async fn send_with_picture(
    client: &Client,
    app: &TestApp,
    what: &str,
    (input, size, blue): (&str, (u32, u32), u8),
    submit: &str,
    done: &str,
) -> TestResult {
    let _picture = attach_picture(client, input, size, blue, image::ImageFormat::Png).await?;
    assert_fits_the_screen(client, what).await?;
    press(client, app, submit, done).await
}

/// A message of the app's catalog.
pub fn msg(app: &TestApp, lang: Lang, key: &str) -> String {
    app.platform().catalog.t(lang, key)
}

pub fn district_name(app: &TestApp, id: &str, lang: Lang) -> String {
    app.platform()
        .directory()
        .district(id)
        .unwrap_or_else(|| panic!("district {id} is in the directory"))
        .name(lang)
        .to_string()
}

/// Clicks `element`, which sends a form or follows a link, and waits until the page it leads to
/// has replaced the current one (also when both have the same address) and has loaded.
pub async fn click_to_navigate(client: &Client, element: Element) -> TestResult {
    let old = client.find(Locator::Css("html")).await?;
    element.click().await?;
    wait_until_replaced(client, old).await
}

/// Presses the button `css`, which sends a form, and checks the confirmation (the flash
/// message `done`, a catalog key, in Russian) on the page it leads to.
pub async fn press(client: &Client, app: &TestApp, css: &str, done: &str) -> TestResult {
    click_to_navigate(client, wait_for(client, css, WAIT).await?).await?;
    let flash = text_of(client, "p.flash").await?;
    assert_eq!(
        flash,
        msg(app, Lang::Ru, done),
        "after {css}: {}",
        describe(client).await
    );
    Ok(())
}

/// Waits until the document `old` (its `<html>`) belongs to is gone and the next one loaded.
pub async fn wait_until_replaced(client: &Client, old: Element) -> TestResult {
    let old = &old;
    // One deadline for both: the old page gone, then the next one loaded.
    let started = Instant::now();
    // Once the old document is gone its elements are stale (or not found at all).
    poll_until(client, WAIT, move || async move {
        match old.tag_name().await {
            Ok(_) => Err("the page was not replaced".to_string()),
            Err(_) => Ok(()),
        }
    })
    .await?;
    let left = WAIT.saturating_sub(started.elapsed());
    poll_until(client, left, move || async move {
        let state = client
            .execute("return document.readyState;", vec![])
            .await
            .ok();
        match state.as_ref().and_then(Value::as_str) {
            Some("complete") => Ok(()),
            _ => Err(format!("the next page did not load (state {state:?})")),
        }
    })
    .await
}

/// Types a time into an empty `datetime-local` field the way a person does, segment by
/// segment in the order the browser shows them. That order follows the browser's own locale
/// (дд.мм.гггг, чч:мм in a Russian Chromium; мм/дд/гггг, чч:мм AM in an English one, which is
/// what a headless Chromium started without a locale shows), read here from `Intl`. The year
/// segment takes up to six digits, so Tab moves on from it; the others move on by themselves.
/// `value` is the field value to get, `YYYY-MM-DDTHH:MM`; the field is read back to make sure.
pub async fn type_datetime(client: &Client, css: &str, value: &str) -> TestResult {
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
pub async fn click_label(client: &Client, scope: &str, text: &str) -> TestResult {
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
pub async fn widths(client: &Client) -> TestResult<(u64, u64)> {
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

pub async fn assert_fits_the_screen(client: &Client, what: &str) -> TestResult {
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

/// Every visible form control of the page with its `<label for=…>` (an image button with its
/// `alt`): returns the controls checked and those lacking a (non-empty) label.
pub async fn unlabelled_controls(client: &Client) -> TestResult<(u64, Vec<String>)> {
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
                // A picture that is a button is named by its text alternative.
                if (el.type === 'image' && (el.alt || '').trim() !== '') continue;
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

/// Where screenshots go: `screenshots/` in the cargo target folder.
pub fn screenshot_dir() -> PathBuf {
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

/// Someone else takes the browser over: the cookies of the one who used it (their session) are
/// put aside and the browser is left signed out, as if each person had a browser of their own.
pub async fn put_aside(client: &Client) -> TestResult<Vec<Cookie<'static>>> {
    let cookies = client.get_all_cookies().await?;
    client.delete_all_cookies().await?;
    Ok(cookies)
}

/// The person whose cookies these are is back at their browser (still signed in).
pub async fn take_back(client: &Client, cookies: Vec<Cookie<'static>>) -> TestResult {
    client.delete_all_cookies().await?;
    for cookie in cookies {
        client.add_cookie(cookie).await?;
    }
    Ok(())
}

/// A one-page "attacker" site on another origin (127.0.0.1, another port): whatever is asked,
/// it answers with `html`. Returns its base URL; the task ends with the test's runtime.
pub async fn serve_attacker_page(html: String) -> String {
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
pub fn auto_submitting_page(action: &str, fields: &[(&str, &str)]) -> String {
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

// ------------------------------------------------------------------------------------------------
// Signing in and out
// ------------------------------------------------------------------------------------------------

/// Fills the sign-in form on the page the browser is on (a `/signin` page); returns its submit
/// button, for the caller to press.
pub async fn fill_sign_in(client: &Client, email: &str, password: &str) -> TestResult<Element> {
    wait_for(client, "form[action='/signin']", WAIT).await?;
    fill(client, "#email", email).await?;
    fill(client, "#password", password).await?;
    wait_for(client, "form[action='/signin'] button[type='submit']", WAIT).await
}

/// Signs in through the sign-in page with [`super::PASSWORD`] and waits for the signed-in
/// header.
pub async fn sign_in(client: &Client, app: &TestApp, email: &str) -> TestResult {
    client.goto(&app.url("/signin")).await?;
    let submit = fill_sign_in(client, email, super::PASSWORD).await?;
    click_to_navigate(client, submit).await?;
    wait_for(client, "[data-testid='profile-link']", WAIT).await?;
    Ok(())
}

/// Signs out with the header's button and waits for the home page.
pub async fn sign_out(client: &Client, app: &TestApp) -> TestResult {
    click_to_navigate(
        client,
        wait_for(client, "[data-testid='signout']", WAIT).await?,
    )
    .await?;
    wait_signed_out(client, app).await
}

/// Waits for the home page after signing out: the header offers to sign in again.
pub async fn wait_signed_out(client: &Client, app: &TestApp) -> TestResult {
    wait_for_path(client, app, "/").await?;
    wait_for(client, "header .account a[href='/signin']", WAIT).await?;
    Ok(())
}

/// A Chrome DevTools command through chromedriver (`POST /session/{id}/goog/cdp/execute`):
/// what WebDriver has no command for (the device's position, permissions).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Lets `origin` read the device's position and puts the device at `(lat, lon)`.
pub async fn place_the_device(client: &Client, origin: &str, (lat, lon): (f64, f64)) -> TestResult {
    client
        .issue_cmd(Cdp {
            cmd: "Browser.grantPermissions",
            params: json!({ "origin": origin, "permissions": ["geolocation"] }),
        })
        .await?;
    client
        .issue_cmd(Cdp {
            cmd: "Emulation.setGeolocationOverride",
            params: json!({ "latitude": lat, "longitude": lon, "accuracy": 10 }),
        })
        .await?;
    Ok(())
}
