#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The one support module of the black-box tests in `tests/`: every test file says `mod common;`
//! and holds tests only.
//!
//! - [`app`]: the server under test (the real app on port 0, on SQLite or on the MongoDB test
//!   server), settings presets, and the macros declaring a test for both stores;
//! - [`http`]: talking to it: the JSON API client with bearer tokens, helpers for reqwest, and a
//!   raw HTTP/1.1 connection for what a well-behaved client cannot send;
//! - [`browser`]: the WebDriver harness (headless Chromium through chromedriver);
//! - [`mail`]: the app wired to a loopback SMTP server, and waiting for an email;
//! - [`fixtures`]: accounts, organisations, tokens and polls made straight in the store, and
//!   the poll inputs the API tests send;
//! - [`cli`]: the `veche` binary run as a separate process.

#![allow(dead_code, unused_imports)]

pub mod app;
pub mod browser;
pub mod cli;
pub mod fixtures;
pub mod http;
pub mod mail;

pub use app::{sealing, Store, TestApp};
pub use fixtures::{member, official_of, okrug_of, organisation, resident};
pub use http::problem_code;
pub use mail::{mail_to, send_mail_to};

/// Хамовники, Митино and Арбат (OKTMO codes).
pub const KHAMOVNIKI: &str = "45383000";
pub const MITINO: &str = "45367000";
pub const ARBAT: &str = "45374000";
/// A point in Хамовники (Plyushchikha), by the district boundaries.
pub const KHAMOVNIKI_POINT: (f64, f64) = (55.7355, 37.5885);
pub const PASSWORD: &str = "correct horse battery";

/// Asserts that `text` (named `what` in the message) contains every one of `parts`.
pub fn assert_contains_all(text: &str, parts: &[&str], what: &str) {
    for part in parts {
        assert!(text.contains(part), "{part} missing from {what}:\n{text}");
    }
}

/// `text` as a page shows it, escaped by askama (`&#60;` for `<`).
pub fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
