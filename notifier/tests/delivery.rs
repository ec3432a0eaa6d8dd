//! Delivery against a real SMTP server on loopback (one per test), on both stores: what arrives
//! (recipients, subjects in both languages, headers, links), outages, retries, dead letters,
//! two workers on one outbox, digests, preferences, bounces, floods, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use veche_core::accounts::model::Email;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::notify::{Enqueued, Kind, Notification, Notify, NotifyError, Recipient};
use veche_core::storage::Backend;
use veche_core::testing::smtp::Received;
use veche_core::web::i18n::Lang;
use veche_notifier::mailer::{Mailer, Security, Transport};
use veche_notifier::model::{Delivery, Job, JobState};
use veche_notifier::{prefs, Worker};

#[path = "support/rig.rs"]
mod rig;
use rig::{rig, Rig};

/// A notification in Russian (`Notification { locale: Lang::En, ..note(…) }` for English).
fn note(kind: &str, to: &str, account: &AccountId, key: &str) -> Notification {
    Notification {
        kind: Kind::parse(kind).unwrap(),
        recipient: Recipient {
            account_id: Some(account.clone()),
            email: Email::parse(to).unwrap(),
            name: Some("Анна Петрова".into()),
        },
        locale: Lang::Ru,
        data: BTreeMap::from([
            ("link".to_string(), "/verify-email?token=abc123".to_string()),
            ("name".to_string(), "Анна Петрова".to_string()),
            ("roles".to_string(), "moderator".to_string()),
        ]),
        idempotency_key: key.into(),
    }
}

async fn job_by_key(rig: &Rig, key: &str) -> Job {
    rig.outbox.store.job_by_key(key).await.unwrap().unwrap()
}

async fn set_preference(rig: &Rig, account: &AccountId, kind: &str, delivery: Delivery) {
    rig.outbox
        .store
        .set_preference(account, kind, delivery)
        .await
        .unwrap();
}

async fn total_jobs(rig: &Rig) -> u64 {
    rig.outbox.store.counts().await.unwrap().values().sum()
}

/// Runs rounds until `done` holds (polling, with a deadline).
async fn rounds_until<F, Fut>(rig: &Rig, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        rig.worker.round().await.unwrap();
        if done().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn message_ids(messages: &[Received]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.header("Message-ID").unwrap_or_default().to_string())
        .collect()
}

async fn delivers_both_languages_with_headers(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    let account = AccountId::generate();
    let ru = rig
        .enqueue(note("verify_email", "anna@example.org", &account, "k-ru"))
        .await;
    assert!(matches!(ru, Enqueued::Queued(_)));
    let again = rig
        .enqueue(note("verify_email", "anna@example.org", &account, "k-ru"))
        .await;
    assert_eq!(again, Enqueued::Duplicate, "one job per idempotency key");
    rig.enqueue(Notification {
        locale: Lang::En,
        ..note("roles_changed", "boris@example.org", &account, "k-en")
    })
    .await;
    assert_eq!(rig.worker.drain().await.unwrap(), 2);
    let messages = rig.sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 2, "the duplicate enqueue sent nothing more");
    let ru = messages
        .iter()
        .find(|m| m.envelope_to == ["anna@example.org"])
        .unwrap();
    let en = messages
        .iter()
        .find(|m| m.envelope_to == ["boris@example.org"])
        .unwrap();

    // Russian, essential: the platform's name, the link back, no unsubscribe headers.
    assert!(ru.subject.starts_with("Вече: "), "{}", ru.subject);
    assert!(ru.header("To").unwrap().contains("anna@example.org"));
    assert!(
        ru.text.contains("Здравствуйте, Анна Петрова!"),
        "{}",
        ru.text
    );
    assert!(
        ru.text
            .contains("http://veche.test/verify-email?token=abc123"),
        "{}",
        ru.text
    );
    assert!(ru
        .html
        .contains("href=\"http://veche.test/verify-email?token=abc123\""));
    assert!(ru.html.contains("<html lang=\"ru\">"));
    assert_eq!(ru.header("List-Unsubscribe"), None);
    assert_eq!(ru.header("Auto-Submitted"), Some("auto-generated"));
    let job = job_by_key(&rig, "k-ru").await;
    assert_eq!(job.state, JobState::Sent);
    assert_eq!(
        ru.header("Message-ID").unwrap().trim_matches(['<', '>']),
        format!("{}@veche.test", job.id)
    );
    assert!(
        job.data.is_empty(),
        "an essential email's link is scrubbed once sent"
    );

    // English, optional: one-click unsubscribe (RFC 8058) for its kind.
    assert!(en.subject.starts_with("Veche: "), "{}", en.subject);
    assert!(en.text.contains("Hello Анна Петрова,"), "{}", en.text);
    let unsubscribe = en.header("List-Unsubscribe").unwrap();
    let path = veche_notifier::prefs::unsubscribe_path(&[7u8; 32], &account, "roles_changed");
    assert_eq!(unsubscribe, format!("<http://veche.test{path}>"));
    assert_eq!(
        en.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(en.text.contains(&format!("http://veche.test{path}")));
    assert!(!job_by_key(&rig, "k-en").await.data.is_empty());
}

async fn smtp_outage_is_retried_until_delivered(backend: Backend) {
    let Some(mut rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    rig.sink.stop();
    let account = AccountId::generate();
    for i in 0..5 {
        rig.enqueue(note(
            "verify_email",
            &format!("r{i}@example.org"),
            &account,
            &format!("out-{i}"),
        ))
        .await;
    }
    assert_eq!(rig.worker.round().await.unwrap(), 5);
    for i in 0..5 {
        let job = job_by_key(&rig, &format!("out-{i}")).await;
        assert_eq!(
            job.state,
            JobState::Queued,
            "a failed send is retried, not lost"
        );
        assert_eq!(job.attempts, 1);
        assert!(job.last_error.is_some());
        assert!(
            job.next_at > job.updated_at + Duration::from_millis(10),
            "a backoff before the next attempt"
        );
    }
    rig.sink.resume();
    let sink = &rig.sink;
    rounds_until(&rig, "5 messages after the outage", || async {
        sink.messages().len() >= 5
    })
    .await;
    let messages = rig.sink.messages();
    assert_eq!(messages.len(), 5);
    assert_eq!(
        message_ids(&messages)
            .into_iter()
            .collect::<BTreeSet<_>>()
            .len(),
        5
    );
    for i in 0..5 {
        let job = job_by_key(&rig, &format!("out-{i}")).await;
        assert_eq!(job.state, JobState::Sent);
        assert!(job.attempts >= 2);
    }
}

async fn dead_letter_after_max_attempts_then_admin_retry(backend: Backend) {
    let Some(mut rig) = rig(backend, &[], |c| c.max_attempts = 2).await else {
        return;
    };
    rig.sink.stop();
    let account = AccountId::generate();
    rig.enqueue(note("verify_email", "dl@example.org", &account, "dead-1"))
        .await;
    let outbox = rig.outbox.clone();
    rounds_until(&rig, "the job to be dead-lettered", || {
        let outbox = outbox.clone();
        async move {
            outbox
                .store
                .job_by_key("dead-1")
                .await
                .unwrap()
                .unwrap()
                .state
                == JobState::Dead
        }
    })
    .await;
    let dead = job_by_key(&rig, "dead-1").await;
    assert_eq!(dead.attempts, 2, "dead after exactly max_attempts");
    assert_eq!(
        rig.outbox
            .store
            .list(JobState::Dead, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    rig.sink.resume();
    assert_eq!(
        rig.worker.drain().await.unwrap(),
        0,
        "a dead job is not retried by itself"
    );
    assert!(rig
        .outbox
        .store
        .requeue(&dead.id, clock::now())
        .await
        .unwrap());
    assert_eq!(rig.worker.drain().await.unwrap(), 1);
    let messages = rig.sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(job_by_key(&rig, "dead-1").await.state, JobState::Sent);
}

async fn two_workers_never_send_a_job_twice(backend: Backend) {
    let Some(rig) = rig(backend, &[("mail_recipient", "1000/min")], |c| c.batch = 10).await else {
        return;
    };
    let other = Arc::new(
        Worker::new(
            rig.platform.clone(),
            rig.outbox.clone(),
            Arc::new(
                Mailer::new(
                    &Transport::Smtp {
                        host: "127.0.0.1".into(),
                        port: rig.sink.port,
                        security: Security::None,
                        credentials: None,
                        pool_size: 8,
                        timeout: Duration::from_secs(10),
                    },
                    "noreply@veche.test",
                )
                .unwrap(),
            ),
            rig.worker.config().clone(),
        )
        .unwrap(),
    );
    let account = AccountId::generate();
    const N: usize = 200;
    for i in 0..N {
        rig.enqueue(note(
            "verify_email",
            &format!("w{i}@example.org"),
            &account,
            &format!("two-{i}"),
        ))
        .await;
    }
    let (a, b) = tokio::join!(rig.worker.drain(), other.drain());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, N, "every job claimed exactly once");
    assert!(a > 0 && b > 0, "both workers took part ({a} and {b})");
    let messages = rig.sink.wait_for(N, Duration::from_secs(30)).await;
    assert_eq!(messages.len(), N, "no job sent twice");
    let ids: BTreeSet<String> = message_ids(&messages).into_iter().collect();
    assert_eq!(ids.len(), N);
    assert_eq!(
        rig.outbox.store.counts().await.unwrap()[&JobState::Sent],
        N as u64
    );
}

async fn daily_digest_gathers_the_day(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    let digest_reader = AccountId::generate();
    let other = AccountId::generate();
    set_preference(&rig, &digest_reader, "roles_changed", Delivery::Digest).await;
    for (i, roles) in ["moderator", "official", "expert"].iter().enumerate() {
        let mut n = note(
            "roles_changed",
            "digest@example.org",
            &digest_reader,
            &format!("d-{i}"),
        );
        n.data.insert("roles".into(), roles.to_string());
        n.data.insert("link".into(), format!("/item/{i}"));
        rig.outbox.enqueue(n).await.unwrap();
    }
    rig.enqueue(note("roles_changed", "now@example.org", &other, "d-now"))
        .await;
    assert_eq!(rig.worker.drain().await.unwrap(), 4);
    let messages = rig.sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1, "only the immediate one went out");
    assert_eq!(messages[0].envelope_to, ["now@example.org"]);
    for i in 0..3 {
        assert_eq!(
            job_by_key(&rig, &format!("d-{i}")).await.state,
            JobState::Held
        );
    }
    // Today's digest is not due today.
    assert_eq!(rig.worker.schedule_digests(clock::now()).await.unwrap(), 0);
    let tomorrow_morning = clock::now() + Duration::from_secs(2 * 86_400);
    assert_eq!(
        rig.worker.schedule_digests(tomorrow_morning).await.unwrap(),
        1
    );
    assert_eq!(
        rig.worker.schedule_digests(tomorrow_morning).await.unwrap(),
        0,
        "made once"
    );
    assert_eq!(rig.worker.drain().await.unwrap(), 1);
    let messages = rig.sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 2);
    let digest = messages
        .iter()
        .find(|m| m.envelope_to == ["digest@example.org"])
        .unwrap();
    assert!(
        digest.subject.contains("3 уведомления"),
        "{}",
        digest.subject
    );
    for (i, roles) in ["moderator", "official", "expert"].iter().enumerate() {
        assert!(
            digest.text.contains(roles),
            "{roles} missing from {}",
            digest.text
        );
        assert!(digest.text.contains(&format!("http://veche.test/item/{i}")));
        assert!(digest.html.contains(&format!("http://veche.test/item/{i}")));
    }
    assert!(digest
        .header("List-Unsubscribe")
        .unwrap()
        .contains("/digest/"));
    for i in 0..3 {
        assert_eq!(
            job_by_key(&rig, &format!("d-{i}")).await.state,
            JobState::Digested
        );
    }
}

async fn preferences_and_bounces_stop_emails(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    let account = AccountId::generate();
    set_preference(&rig, &account, "roles_changed", Delivery::Off).await;
    rig.enqueue(note("roles_changed", "off@example.org", &account, "off-1"))
        .await;
    let to_gone = |key| note("verify_email", "gone@bounce.test", &account, key);
    rig.enqueue(to_gone("bounce-1")).await;
    assert_eq!(rig.worker.drain().await.unwrap(), 2);
    assert_eq!(job_by_key(&rig, "off-1").await.state, JobState::Skipped);
    let bounced = job_by_key(&rig, "bounce-1").await;
    assert_eq!(
        bounced.state,
        JobState::Dead,
        "a permanent refusal is not retried"
    );
    assert_eq!(bounced.attempts, 1);
    let error = bounced.last_error.unwrap();
    assert!(error.contains("550"), "{error}");
    assert!(
        !error.contains("gone@bounce.test"),
        "addresses stay out of stored errors"
    );
    let gone = Email::parse("gone@bounce.test").unwrap();
    assert!(rig.outbox.store.suppression(&gone).await.unwrap().is_some());
    rig.enqueue(to_gone("bounce-2")).await;
    assert_eq!(rig.worker.drain().await.unwrap(), 1);
    assert_eq!(job_by_key(&rig, "bounce-2").await.state, JobState::Skipped);
    assert!(rig.sink.messages().is_empty(), "nothing was delivered");
}

/// An opt-in kind is stored only for a resident who switched it on; other optional kinds are
/// on until switched off.
async fn opt_in_kinds_wait_for_the_resident(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    let account = AccountId::generate();
    let news = |key: &str| {
        let mut n = Notification {
            locale: Lang::En,
            ..note("district_news", "news@example.org", &account, key)
        };
        n.data.insert("title".into(), "a new poll".into());
        n.data.insert("link".into(), "/polls/1".into());
        n
    };
    let declined = || {
        veche_notifier::metrics::ENQUEUED
            .with_label_values(&["district_news", "declined"])
            .get()
    };

    // Never switched on: declined, nothing stored; shown as off.
    let before = declined();
    assert_eq!(
        rig.outbox.enqueue(news("news-1")).await.unwrap(),
        Enqueued::Declined
    );
    assert!(declined() > before, "counted as declined");
    assert!(rig
        .outbox
        .store
        .job_by_key("news-1")
        .await
        .unwrap()
        .is_none());
    assert_eq!(total_jobs(&rig).await, 0, "nothing was stored");
    let shown = prefs::preferences(&rig.outbox, &account).await.unwrap();
    let shown: BTreeMap<&str, Delivery> = shown.iter().map(|(k, d)| (k.name, *d)).collect();
    assert_eq!(
        shown,
        BTreeMap::from([
            ("district_news", Delivery::Off),
            ("roles_changed", Delivery::Immediately)
        ])
    );

    // A kind that is not opt-in is queued by default.
    let roles = rig
        .enqueue(Notification {
            locale: Lang::En,
            ..note("roles_changed", "news@example.org", &account, "roles-1")
        })
        .await;
    assert!(matches!(roles, Enqueued::Queued(_)), "{roles:?}");

    // Switched on: queued and delivered, with its unsubscribe link.
    prefs::set_preferences(
        &rig.outbox,
        &account,
        &[("district_news".into(), "immediately".into())],
    )
    .await
    .unwrap();
    let queued = rig.outbox.enqueue(news("news-2")).await.unwrap();
    assert!(matches!(queued, Enqueued::Queued(_)), "{queued:?}");
    assert_eq!(
        rig.outbox.enqueue(news("news-2")).await.unwrap(),
        Enqueued::Duplicate
    );
    assert_eq!(rig.worker.drain().await.unwrap(), 2);
    let messages = rig.sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 2);
    let sent = messages
        .iter()
        .find(|m| m.subject.contains("News from your district: a new poll"))
        .unwrap_or_else(|| panic!("no news email among {messages:?}"));
    assert!(
        sent.text.contains("http://veche.test/polls/1"),
        "{}",
        sent.text
    );
    let path = prefs::unsubscribe_path(&[7u8; 32], &account, "district_news");
    assert_eq!(
        sent.header("List-Unsubscribe"),
        Some(format!("<http://veche.test{path}>").as_str())
    );
    assert_eq!(job_by_key(&rig, "news-2").await.state, JobState::Sent);

    // Switched off again (the one-click link): declined again.
    prefs::unsubscribe(&rig.outbox, &account, "district_news")
        .await
        .unwrap();
    assert_eq!(
        rig.outbox.enqueue(news("news-3")).await.unwrap(),
        Enqueued::Declined
    );
    assert!(rig
        .outbox
        .store
        .job_by_key("news-3")
        .await
        .unwrap()
        .is_none());
    assert_eq!(total_jobs(&rig).await, 2);

    // A job already in the outbox for someone who never chose (as if queued before the kind
    // became opt-in) is not sent: the worker's default for an opt-in kind is off too.
    let stranger = AccountId::generate();
    let mut n = news("news-4");
    n.recipient.account_id = Some(stranger.clone());
    assert!(rig
        .outbox
        .store
        .insert(&Job::from_notification(n, clock::now()))
        .await
        .unwrap());
    assert_eq!(rig.worker.drain().await.unwrap(), 1);
    assert_eq!(job_by_key(&rig, "news-4").await.state, JobState::Skipped);
    assert_eq!(rig.sink.messages().len(), 2, "nothing more was sent");
}

async fn recipient_rate_limit_defers_a_flood(backend: Backend) {
    let Some(rig) = rig(backend, &[("mail_recipient", "3/h")], |_| {}).await else {
        return;
    };
    let account = AccountId::generate();
    for i in 0..5 {
        rig.enqueue(note(
            "verify_email",
            "flood@example.org",
            &account,
            &format!("flood-{i}"),
        ))
        .await;
    }
    rig.enqueue(note("verify_email", "calm@example.org", &account, "calm"))
        .await;
    assert_eq!(rig.worker.drain().await.unwrap(), 6);
    let messages = rig.sink.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(
        messages.len(),
        4,
        "3 to the flooded address, 1 to the other"
    );
    let mut deferred = 0;
    for i in 0..5 {
        let job = job_by_key(&rig, &format!("flood-{i}")).await;
        if job.state == JobState::Queued {
            deferred += 1;
            assert_eq!(job.attempts, 0, "a deferral is not a failed attempt");
            assert!(job.next_at > clock::now() + Duration::from_secs(60));
        }
    }
    assert_eq!(deferred, 2, "the flood is spread out, not lost");
}

async fn bad_input_is_refused_and_nothing_is_queued(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    let account = AccountId::generate();
    let base = note("verify_email", "ok@example.org", &account, "bad");
    let mut cases: Vec<(&str, Notification)> = Vec::new();
    let mut n = base.clone();
    n.recipient.name = Some("Eve\r\nBcc: victim@example.org".into());
    cases.push(("CR/LF in the name", n));
    let mut n = base.clone();
    n.data
        .insert("roles".into(), "admin\r\nBcc: victim@example.org".into());
    cases.push(("CR/LF in a value that reaches the subject", n));
    let mut n = base.clone();
    n.recipient.name = Some("Я".repeat(121));
    cases.push(("an oversized name", n));
    let mut n = base.clone();
    n.recipient.email = Email::from_trusted("not an address".into());
    cases.push(("a malformed address", n));
    let mut n = base.clone();
    n.recipient.email = Email::from_trusted("a@b.c\r\nBcc: x@y.z".into());
    cases.push(("CR/LF in the address", n));
    let mut n = base.clone();
    n.kind = Kind::parse("no_such_kind").unwrap();
    cases.push(("an unknown kind", n));
    let mut n = note(
        "roles_changed",
        "ok@example.org",
        &AccountId::generate(),
        "bad",
    );
    n.recipient.account_id = None;
    cases.push(("an optional kind without an account", n));
    let mut n = base.clone();
    n.idempotency_key = "k".repeat(201);
    cases.push(("an oversized key", n));
    let mut n = base.clone();
    n.data.insert("link".into(), "//evil.example/phish".into());
    cases.push(("a link off the site", n));
    let mut n = base.clone();
    n.data.insert("x".into(), "y".repeat(2001));
    cases.push(("an oversized value", n));
    for (what, n) in cases {
        let err = rig.outbox.enqueue(n).await.expect_err(what);
        assert!(
            matches!(err, NotifyError::Invalid(_) | NotifyError::UnknownKind(_)),
            "{what}: {err:?}"
        );
    }
    assert_eq!(total_jobs(&rig).await, 0, "nothing was queued");
}

async fn injected_headers_are_encoded_even_past_validation(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    // A job written straight into the store, as if validation had been skipped.
    let mut n = note(
        "verify_email",
        "target@example.org",
        &AccountId::generate(),
        "inject",
    );
    n.recipient.name = Some("Eve\r\nBcc: victim@example.org\r\nSubject: pwned".into());
    n.data
        .insert("name".into(), "x\r\nBcc: victim2@example.org".into());
    let job = Job::from_notification(n, clock::now());
    assert!(rig.outbox.store.insert(&job).await.unwrap());
    assert_eq!(rig.worker.drain().await.unwrap(), 1);
    let messages = rig.sink.wait_for(1, Duration::from_secs(10)).await;
    let m = &messages[0];
    assert_eq!(m.envelope_to, ["target@example.org"], "no extra recipient");
    assert_eq!(m.header_count("Bcc"), 0);
    assert_eq!(m.header_count("Subject"), 1);
    assert!(!m.subject.contains("pwned"));
}

/// A batch (an announcement to a page of residents) reads its recipients' preferences at once
/// and answers each notification as `enqueue` would: stored for those who switched the opt-in
/// kind on, declined for the rest, other kinds stored, a bad one refused alone.
async fn a_batch_answers_each_notification_as_one_would(backend: Backend) {
    let Some(rig) = rig(backend, &[], |_| {}).await else {
        return;
    };
    let (on, never, off) = (
        AccountId::generate(),
        AccountId::generate(),
        AccountId::generate(),
    );
    for (account, delivery) in [(&on, "immediately"), (&off, "off")] {
        prefs::set_preferences(
            &rig.outbox,
            account,
            &[("district_news".into(), delivery.into())],
        )
        .await
        .unwrap();
    }
    let news = |account: &AccountId, key: &str| {
        let mut n = note("district_news", "news@example.org", account, key);
        n.data.insert("title".into(), "a new poll".into());
        n
    };
    let results = rig
        .outbox
        .enqueue_all(vec![
            news(&on, "batch-on"),
            news(&never, "batch-never"),
            news(&off, "batch-off"),
            note("roles_changed", "news@example.org", &never, "batch-roles"),
            note("no_such_kind", "news@example.org", &on, "batch-unknown"),
            news(&on, "batch-on"),
        ])
        .await
        .unwrap();
    assert_eq!(results.len(), 6);
    assert!(matches!(results[0], Ok(Enqueued::Queued(_))), "{results:?}");
    assert!(matches!(results[1], Ok(Enqueued::Declined)), "{results:?}");
    assert!(matches!(results[2], Ok(Enqueued::Declined)), "{results:?}");
    assert!(matches!(results[3], Ok(Enqueued::Queued(_))), "{results:?}");
    assert!(
        matches!(
            results[4],
            Err(veche_core::notify::NotifyError::UnknownKind(_))
        ),
        "{results:?}"
    );
    assert!(matches!(results[5], Ok(Enqueued::Duplicate)), "{results:?}");
    for (key, stored) in [
        ("batch-on", true),
        ("batch-never", false),
        ("batch-off", false),
        ("batch-roles", true),
        ("batch-unknown", false),
    ] {
        assert_eq!(
            rig.outbox.store.job_by_key(key).await.unwrap().is_some(),
            stored,
            "{key}"
        );
    }
    assert_eq!(total_jobs(&rig).await, 2);
    assert!(rig.outbox.enqueue_all(Vec::new()).await.unwrap().is_empty());
}

veche_core::contract_tests!(
    a_batch_answers_each_notification_as_one_would,
    delivers_both_languages_with_headers,
    smtp_outage_is_retried_until_delivered,
    dead_letter_after_max_attempts_then_admin_retry,
    two_workers_never_send_a_job_twice,
    daily_digest_gathers_the_day,
    preferences_and_bounces_stop_emails,
    opt_in_kinds_wait_for_the_resident,
    recipient_rate_limit_defers_a_flood,
    bad_input_is_refused_and_nothing_is_queued,
    injected_headers_are_encoded_even_past_validation,
);
