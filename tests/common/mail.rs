//! The app wired to a real SMTP server on loopback ([`SmtpSink`], from `veche_core::testing`),
//! and waiting for an email to arrive there.

use std::time::{Duration, Instant};

use veche::config::Settings;
use veche_core::testing::smtp::{Received, SmtpSink};

use super::{Store, TestApp};

/// Sends the app's email to the test SMTP server on `port` (loopback, no TLS), with the outbox
/// polled every 50 ms.
pub fn send_mail_to(settings: &mut Settings, port: u16) {
    settings.smtp.host = Some("127.0.0.1".into());
    settings.smtp.port = port;
    settings.smtp.tls = veche::config::SmtpTls::None;
    settings.mail.poll = Duration::from_millis(50);
}

/// A fresh SMTP sink and the app on `store` sending its email there (`adjust` applied after);
/// `None` (skip) when either cannot be had outside CI.
pub async fn mailing_app(
    store: Store,
    adjust: impl FnOnce(&mut Settings),
) -> Option<(SmtpSink, TestApp)> {
    let sink = SmtpSink::start()?;
    let port = sink.port;
    let app = TestApp::spawn_with(store, move |s| {
        send_mail_to(s, port);
        adjust(s);
    })
    .await?;
    Some((sink, app))
}

/// Waits (up to 20 s) for the first email of `kind` to `to`.
pub async fn mail_to(sink: &SmtpSink, to: &str, kind: &str) -> Received {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(m) = sink
            .messages()
            .into_iter()
            .find(|m| m.envelope_to == [to] && m.header("X-Veche-Kind") == Some(kind))
        {
            return m;
        }
        assert!(Instant::now() < deadline, "no {kind} email to {to}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The path and query of a link in an email (which names the public URL, not the test app).
pub fn path_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("a URL");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// The `token` parameter of a link in an email.
pub fn token_of(url: &str) -> String {
    url::Url::parse(url)
        .expect("a URL")
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .expect("a token in the link")
}
