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

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use utoipa::OpenApi;
use veche_core::accounts::model::Role;
use veche_core::feature::{Declaration, Feature, Routes, Running};
use veche_core::platform::{NavItem, Platform};
use veche_core::web::ratelimit::LimitName;

pub use outbox::Outbox;
pub use worker::{Worker, WorkerConfig};

/// The notifier's messages (pages and the parts of emails every kind shares).
pub const NOTIFIER_RU: &str = include_str!("../i18n/ru.ftl");
pub const NOTIFIER_EN: &str = include_str!("../i18n/en.ftl");

/// The notifier's rate limits (declared defaults; `VECHE_RATE_<NAME>` overrides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifierLimit {
    /// Emails to one address: a flood (a loop in a feature, an abuser) is spread out, not sent.
    MailRecipient,
    /// Unsubscribe and preference changes by one IP.
    UnsubscribeIp,
}

impl LimitName for NotifierLimit {
    const ALL: &'static [NotifierLimit] =
        &[NotifierLimit::MailRecipient, NotifierLimit::UnsubscribeIp];

    fn name(self) -> &'static str {
        match self {
            NotifierLimit::MailRecipient => "mail_recipient",
            NotifierLimit::UnsubscribeIp => "unsubscribe_ip",
        }
    }

    fn default_rate(self) -> &'static str {
        match self {
            NotifierLimit::MailRecipient => "20/h",
            NotifierLimit::UnsubscribeIp => "60/min",
        }
    }
}

/// The notifier as a feature: its catalog, limits, the admin's mail page in the navigation,
/// the preference, unsubscribe and dead-letter routes. The outbox itself is opened by the
/// application before the platform (it is the platform's notification port).
pub struct NotifierFeature {
    outbox: Arc<Outbox>,
}

impl NotifierFeature {
    pub fn new(outbox: Arc<Outbox>) -> NotifierFeature {
        NotifierFeature { outbox }
    }
}

#[async_trait]
impl Feature for NotifierFeature {
    fn declaration(&self) -> Declaration {
        Declaration::new::<NotifierLimit>("notifier", (NOTIFIER_RU, NOTIFIER_EN)).nav(NavItem::new(
            "/admin/mail",
            "nav-mail",
            Some(Role::Admin),
        ))
    }

    async fn start(&self, platform: Arc<Platform>) -> anyhow::Result<Arc<dyn Running>> {
        platform.limits.require::<NotifierLimit>()?;
        Ok(Arc::new(RunningNotifier {
            platform,
            outbox: self.outbox.clone(),
        }))
    }
}

struct RunningNotifier {
    platform: Arc<Platform>,
    outbox: Arc<Outbox>,
}

impl Running for RunningNotifier {
    fn routes(&self) -> anyhow::Result<Routes> {
        Ok(http::routes(self.platform.clone(), self.outbox.clone())?)
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(http::NotifierApi::openapi())
    }

    fn service(&self) -> Arc<dyn Any + Send + Sync> {
        self.outbox.clone()
    }
}
