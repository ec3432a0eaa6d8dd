//! A notifier wired as in the app, on a given store, sending to its own loopback SMTP server
//! (shared by the delivery tests and the benchmark).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use veche_core::notify::{kinds, Enqueued, KindSpec, Notification, Notify};
use veche_core::platform::CoreConfig;
use veche_core::ratelimit::{Limits, RateSpec, CORE_LIMITS};
use veche_core::storage::Backend;
use veche_core::testing::smtp::SmtpSink;
use veche_core::web::i18n::{Catalog, CORE_EN, CORE_RU};
use veche_core::Platform;
use veche_notifier::mailer::{Mailer, Security, Transport};
use veche_notifier::{Outbox, Worker, WorkerConfig, NOTIFIER_EN, NOTIFIER_LIMITS, NOTIFIER_RU};

/// An opt-in kind, as a feature would declare one (a newsletter-like email): the account kinds
/// have none.
pub const DISTRICT_NEWS: KindSpec = KindSpec {
    name: "district_news",
    essential: false,
    opt_in: true,
};

/// The test kinds' texts.
const TEST_RU: &str = "\
mail-district_news-subject = Новости вашего района: { $title }
mail-district_news-body = { $name }, в вашем районе новость: { $title }.
mail-district_news-action = Открыть
";
const TEST_EN: &str = "\
mail-district_news-subject = News from your district: { $title }
mail-district_news-body = { $name }, there is news in your district: { $title }.
mail-district_news-action = Open
";

pub struct Rig {
    pub outbox: Arc<Outbox>,
    pub worker: Arc<Worker>,
    pub platform: Arc<Platform>,
    pub sink: SmtpSink,
}

impl Rig {
    /// Enqueues `notification` in the outbox; the outbox must take it (queued, duplicate or
    /// skipped).
    pub async fn enqueue(&self, notification: Notification) -> Enqueued {
        self.outbox.enqueue(notification).await.unwrap()
    }
}

pub async fn rig(
    backend: Backend,
    rates: &[(&str, &str)],
    tweak: impl FnOnce(&mut WorkerConfig),
) -> Option<Rig> {
    let sink = SmtpSink::start()?;
    let store = veche_core::store::open(&backend).await.unwrap();
    let outbox = Arc::new(
        Outbox::open(&backend, &[kinds::ACCOUNT, &[DISTRICT_NEWS]])
            .await
            .unwrap(),
    );
    let catalog = Catalog::new(&[
        (CORE_RU, CORE_EN),
        (NOTIFIER_RU, NOTIFIER_EN),
        (TEST_RU, TEST_EN),
    ])
    .unwrap();
    let declared: Vec<(&'static str, &'static str)> =
        CORE_LIMITS.iter().chain(NOTIFIER_LIMITS).copied().collect();
    let overrides: BTreeMap<String, RateSpec> = rates
        .iter()
        .map(|(k, v)| (k.to_string(), RateSpec::parse(v).unwrap()))
        .collect();
    let limits = Limits::build(&declared, &overrides).unwrap();
    let config = CoreConfig {
        public_url: url::Url::parse("http://veche.test/").unwrap(),
        ..CoreConfig::default()
    };
    let platform = Arc::new(Platform::new(
        backend,
        store,
        catalog,
        limits,
        config,
        [7u8; 32],
        CancellationToken::new(),
        outbox.clone(),
    ));
    let mailer = Mailer::new(
        &Transport::Smtp {
            host: "127.0.0.1".into(),
            port: sink.port,
            security: Security::None,
            credentials: None,
            pool_size: 8,
            timeout: Duration::from_secs(10),
        },
        "Вече <noreply@veche.test>",
    )
    .unwrap();
    let mut config = WorkerConfig {
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
        batch: 32,
        ..WorkerConfig::default()
    };
    tweak(&mut config);
    let worker = Arc::new(Worker::new(
        platform.clone(),
        outbox.clone(),
        Arc::new(mailer),
        config,
    ));
    Some(Rig {
        outbox,
        worker,
        platform,
        sink,
    })
}
