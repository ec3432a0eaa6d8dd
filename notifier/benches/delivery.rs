//! How fast the worker empties the outbox into a real SMTP server on loopback.
//!
//! `cargo bench -p veche-notifier --bench delivery` (or `scripts/bench-mail`): enqueues
//! `VECHE_BENCH_MAIL_JOBS` jobs (default 10,000) on SQLite, and `VECHE_BENCH_MAIL_MONGO_JOBS`
//! (default 1,000) on MongoDB when `MONGODB_URI` is set, then lets one worker deliver them with `VECHE_BENCH_MAIL_CONCURRENCY` concurrent sends
//! (default 8) and prints emails per second, the enqueue rate, and the duplicate window (the
//! time between the server accepting a message and the outbox recording it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/rig.rs"]
mod rig;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use veche_core::accounts::model::Email;
use veche_core::id::AccountId;
use veche_core::notify::{Kind, Notification, Notify, Recipient};
use veche_core::storage::{Backend, Mongo, Sqlite, SyncMode};
use veche_core::web::i18n::Lang;
use veche_notifier::model::JobState;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (p50, p99, count) of the duplicate-window histogram of one backend, from its buckets, in ms
/// (each figure is the bucket's upper bound).
fn window(backend: &str) -> (f64, f64, u64) {
    let families = veche_core::metrics::REGISTRY.gather();
    let Some(h) = families
        .iter()
        .find(|f| f.name() == "veche_mail_unrecorded_seconds")
        .and_then(|f| {
            f.get_metric()
                .iter()
                .find(|m| m.get_label().iter().any(|l| l.value() == backend))
        })
        .map(|m| m.get_histogram().clone())
    else {
        return (0.0, 0.0, 0);
    };
    let count = h.get_sample_count();
    let quantile = |q: f64| {
        let target = (count as f64 * q).ceil() as u64;
        h.get_bucket()
            .iter()
            .find(|b| b.cumulative_count() >= target)
            .map(|b| b.upper_bound() * 1000.0)
            .unwrap_or(f64::INFINITY)
    };
    (quantile(0.5), quantile(0.99), count)
}

async fn run(label: &str, backend: Backend, jobs: usize, concurrency: usize) {
    let Some(rig) = rig::rig(backend, &[("mail_recipient", "1000000/h")], |c| {
        c.concurrency = concurrency;
        c.batch = concurrency * 8;
    })
    .await
    else {
        eprintln!("skipped: no SMTP sink (install aiosmtpd)");
        return;
    };
    let account = AccountId::generate();
    let started = Instant::now();
    for i in 0..jobs {
        rig.outbox
            .enqueue(Notification {
                kind: Kind::parse("verify_email").unwrap(),
                recipient: Recipient {
                    account_id: Some(account.clone()),
                    email: Email::parse(&format!("resident{i}@example.org")).unwrap(),
                    name: Some("Житель".into()),
                },
                locale: if i % 2 == 0 { Lang::Ru } else { Lang::En },
                data: BTreeMap::from([("link".to_string(), format!("/verify-email?token={i}"))]),
                idempotency_key: format!("bench-{i}"),
            })
            .await
            .unwrap();
    }
    let enqueue = started.elapsed();
    let started = Instant::now();
    let sent = rig.worker.drain().await.unwrap();
    let delivered = rig
        .sink
        .wait_for(jobs, Duration::from_secs(600))
        .await
        .len();
    let elapsed = started.elapsed();
    let recorded = rig.outbox.store.counts().await.unwrap()[&JobState::Sent];
    assert_eq!((sent, delivered, recorded as usize), (jobs, jobs, jobs));
    let (p50, p99, _) = window(label);
    println!(
        "{label:<8} {jobs} emails, {concurrency} at once: delivered in {:.1} s = {:.0} emails/s \
         (enqueue {:.0} jobs/s); duplicate window p50 <= {p50} ms, p99 <= {p99} ms",
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64(),
        jobs as f64 / enqueue.as_secs_f64(),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this too, without it:
    // then a small run checks that the benchmark still works.
    let full = std::env::args().any(|a| a == "--bench");
    let jobs = if full {
        env_number("VECHE_BENCH_MAIL_JOBS", 10_000)
    } else {
        50
    };
    let concurrency = env_number("VECHE_BENCH_MAIL_CONCURRENCY", 8);
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        run("sqlite", Backend::Sqlite(sqlite), jobs, concurrency).await;
        if let Ok(uri) = std::env::var("MONGODB_URI") {
            // The test server (FerretDB on SQLite) sorts and filters in memory: its claims slow
            // down with the outbox's size, so it gets fewer jobs unless told otherwise.
            let mongo_jobs = if full {
                env_number("VECHE_BENCH_MAIL_MONGO_JOBS", 1_000)
            } else {
                jobs
            };
            let server = Mongo::connect(&uri).await.unwrap();
            let db = server.with_database(&veche_core::testing::fresh_database_name("bench"));
            run(
                "mongodb",
                Backend::Mongo(db.clone()),
                mongo_jobs,
                concurrency,
            )
            .await;
            db.drop_database().await.unwrap();
        }
    });
}
