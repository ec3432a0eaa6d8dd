//! A notifier wired as in the app, on a given store, sending to its own loopback SMTP server
//! (shared by the delivery tests and the benchmark).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use veche_core::accounts::CoreConfig;
use veche_core::notify::{kinds, Enqueued, KindSpec, Notification, Notify};
use veche_core::storage::Backend;
use veche_core::testing::server::{platform_on, PlatformSpec};
use veche_core::testing::smtp::SmtpSink;
use veche_core::web::ratelimit::declare;
use veche_core::Platform;
use veche_notifier::mailer::{Mailer, Security, Transport};
use veche_notifier::{NotifierLimit, Outbox, Worker, WorkerConfig, NOTIFIER_EN, NOTIFIER_RU};

/// An opt-in kind, as a feature would declare one (a newsletter-like email): the account kinds
/// have none.
pub const DISTRICT_NEWS: KindSpec = KindSpec::opt_in("district_news");

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
    rates: &[(&'static str, &'static str)],
    tweak: impl FnOnce(&mut WorkerConfig),
) -> Option<Rig> {
    let sink = SmtpSink::start()?;
    let outbox = Arc::new(
        Outbox::open(&backend, &[kinds::ACCOUNT, &[DISTRICT_NEWS]])
            .await
            .unwrap(),
    );
    let spec = PlatformSpec {
        catalogs: vec![(NOTIFIER_RU, NOTIFIER_EN), (TEST_RU, TEST_EN)],
        limits: declare::<NotifierLimit>(),
        rates: rates.to_vec(),
        districts: false,
        config: CoreConfig {
            public_url: url::Url::parse("http://veche.test/").unwrap(),
            ..CoreConfig::default()
        },
    };
    let platform = platform_on(backend, spec, outbox.clone()).await;
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
    let worker =
        Arc::new(Worker::new(platform.clone(), outbox.clone(), Arc::new(mailer), config).unwrap());
    Some(Rig {
        outbox,
        worker,
        platform,
        sink,
    })
}
