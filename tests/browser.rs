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

use fantoccini::Client;
use veche_core::web::i18n::Lang;

use common::browser::*;
use common::{TestApp, KHAMOVNIKI, MITINO, PASSWORD};

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
    fill_sign_in(client, email, password).await?.click().await?;
    Ok(())
}

/// Presses the header's sign-out button; the browser lands on the home page, signed out.
async fn sign_out_in_browser(client: &Client, app: &TestApp) -> TestResult {
    wait_for(client, "[data-testid='signout']", WAIT)
        .await?
        .click()
        .await?;
    wait_signed_out(client, app).await
}

/// The header names `name` as signed in, and the page (a profile) shows the district `district`.
async fn shows_person(client: &Client, name: &str, district: &str, when: &str) -> TestResult {
    assert_eq!(
        text_of(client, "[data-testid='profile-link']").await?,
        name,
        "{when}: the header shows who is signed in"
    );
    assert_eq!(
        text_of(client, "[data-testid='district-name']").await?,
        district,
        "{when}: the district"
    );
    Ok(())
}

/// On the profile in `from`, presses the language switch (which reads `from`'s offer): the
/// same page comes back in the other language.
async fn switch_language_on_profile(client: &Client, app: &TestApp, from: Lang) -> TestResult {
    let to = from.other();
    let switch = wait_for(client, "[data-testid='switch-lang']", WAIT).await?;
    assert_eq!(switch.text().await?.trim(), msg(app, from, "lang-switch"));
    switch.click().await?;
    wait_for(client, &format!("html[lang='{}']", to.code()), WAIT).await?;
    wait_for_path(client, app, "/profile").await?;
    assert_eq!(
        text_of(client, "main h1").await?,
        msg(app, to, "profile-title")
    );
    Ok(())
}

/// The stored account of `email` has the display name `name` and the district `district`.
async fn assert_stored(app: &TestApp, email: &str, name: &str, district: &str) {
    let stored = app.account(email).await;
    assert_eq!(stored.display_name.as_str(), name, "{email}");
    assert_eq!(stored.district_id.as_str(), district, "{email}");
}

// ------------------------------------------------------------------------------------------------
// The tests
// ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_sign_in_switch_language_sign_out() {
    browser_test(
        DESKTOP,
        |_| {},
        |client, app| {
            async move {
                let (email, name) = ("anna@example.ru", "Анна Петрова");
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
                shows_person(&client, name, &khamovniki_ru, "after signing up").await?;
                assert_eq!(
                    text_of(&client, "main h1").await?,
                    msg(app, Lang::Ru, "profile-title")
                );
                assert_eq!(
                    text_of(&client, ".flash").await?,
                    msg(app, Lang::Ru, "flash-signed-up")
                );
                assert_stored(app, email, name, KHAMOVNIKI).await;

                // Sign out through the header's button: the sign-in link is back, the profile is
                // closed.
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

                // Sign in again with the same credentials, on the /signin page the profile sent us
                // to.
                submit_sign_in(&client, email, PASSWORD).await?;
                wait_for_path(&client, app, "/profile").await?;
                shows_person(&client, name, &khamovniki_ru, "signed in again").await?;

                // Switch to English: same page, English texts, the choice kept in a cookie.
                switch_language_on_profile(&client, app, Lang::Ru).await?;
                assert_eq!(text_of(&client, "main h1").await?, "Your profile");
                assert_eq!(
                    text_of(&client, "[data-testid='signout']").await?,
                    msg(app, Lang::En, "nav-signout")
                );
                // District names follow the language too.
                let khamovniki_en = district_name(app, KHAMOVNIKI, Lang::En);
                shows_person(&client, name, &khamovniki_en, "in English").await?;
                assert_eq!(client.get_named_cookie("veche_lang").await?.value(), "en");

                // And back to Russian.
                switch_language_on_profile(&client, app, Lang::En).await?;
                shows_person(&client, name, &khamovniki_ru, "back in Russian").await?;

                // Sign out for good.
                sign_out_in_browser(&client, app).await?;
                assert_eq!(count(&client, "[data-testid='profile-link']").await?, 0);
                assert_eq!(html_lang(&client).await?, "ru");
                Ok(())
            }
            .boxed()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_an_error_in_the_page() {
    browser_test(
        DESKTOP,
        |_| {},
        |client, app| {
            async move {
                let email = "boris@example.ru";
                app.sign_up(&app.client(), email).await;
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
            }
            .boxed()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_cross_site_post_is_refused() {
    browser_test(
        DESKTOP,
        |_| {},
        |client, app| {
            async move {
                let (email, name) = ("vera@example.ru", "Вера Сидорова");
                // The attacker's page lives on another origin: same host, another port. Being
                // same-site, the browser does send the SameSite=Lax session cookie along, so only
                // the CSRF token stands between the forged form and the account.
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
                client.goto(&format!("{attacker}/prize")).await?;
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
                shows_person(&client, name, &khamovniki, "after the forged post").await?;
                let field = wait_for(&client, "#display_name", WAIT).await?;
                assert_eq!(field.prop("value").await?.as_deref(), Some(name));
                let select = wait_for(&client, "select#district_id", WAIT).await?;
                assert_eq!(select.prop("value").await?.as_deref(), Some(KHAMOVNIKI));
                // ...nor in the store.
                assert_stored(app, email, name, KHAMOVNIKI).await;

                // Control: the same cross-origin form WITH this session's token does go through,
                // which shows the browser did send the session cookie above and the token alone
                // refused it.
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
                    "with the right token the cross-origin post is accepted: the cookie was sent, \
                     so the refusal above came from the missing token"
                );

                // Over plain HTTP too: a session's POST with a wrong token is 403 and changes
                // nothing.
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
                        body.contains(&msg(app, Lang::Ru, "err-csrf_failed-detail")),
                        "{body}"
                    );
                }
                assert_stored(app, other, "Тестовый Житель", KHAMOVNIKI).await;
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
                Ok(())
            }
            .boxed()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_a_phone() {
    browser_test(
        PHONE,
        |_| {},
        |client, app| {
            async move {
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
            }
            .boxed()
        },
    )
    .await;
}
