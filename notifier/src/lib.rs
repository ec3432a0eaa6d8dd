//! # veche-notifier
//!
//! The email outbox and its delivery worker. Features reach it only through the port in
//! [`veche_core::notify`]: they call `platform.notify.enqueue(notification)`.
//!
//! - [`outbox`]: [`outbox::Outbox`], the port's implementation: validates, stores one job per
//!   idempotency key, wakes the worker.
//! - [`store`]: the outbox store ([`store::OutboxStore`]) on SQLite and MongoDB.
//! - [`worker`]: claims jobs with a lease, applies preferences, suppression and the
//!   per-recipient rate limit, renders, sends, retries with backoff, dead-letters; makes the
//!   daily digests.
//! - [`mailer`]: SMTP through lettre's pooled async transport (TLS, STARTTLS or plain), or a
//!   folder of `.eml` files when no SMTP server is configured.
//! - [`render`]: the emails from templates, in Russian and English, plain text and HTML.
//! - [`prefs`]: per-kind preferences and signed one-click unsubscribe links (RFC 8058).
//! - [`http`], [`pages`]: the preferences, unsubscribe and dead-letter routes.
//! - [`metrics`]: queue depth, sent, retried, dead-lettered, send latency.

pub mod http;
pub mod mailer;
pub mod metrics;
pub mod model;
pub mod outbox;
pub mod pages;
pub mod prefs;
pub mod render;
pub mod store;
pub mod worker;

pub use outbox::Outbox;
pub use worker::{Worker, WorkerConfig};

/// The notifier's messages (pages and the parts of emails every kind shares).
pub const NOTIFIER_RU: &str = include_str!("../i18n/ru.ftl");
pub const NOTIFIER_EN: &str = include_str!("../i18n/en.ftl");

/// The notifier's rate limits (declared defaults; `VECHE_RATE_<NAME>` overrides).
pub const NOTIFIER_LIMITS: &[(&str, &str)] = &[
    // Emails to one address: a flood (a loop in a feature, an abuser) is spread out, not sent.
    ("mail_recipient", "20/h"),
    // Unsubscribe and preference changes by one IP.
    ("unsubscribe_ip", "60/min"),
];
