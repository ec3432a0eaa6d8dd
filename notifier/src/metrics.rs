//! The notifier's metrics.

use std::sync::LazyLock;

use prometheus::{HistogramVec, IntCounterVec, IntGaugeVec};
use veche_core::metrics::{counter_vec, gauge_vec, histogram_vec};

/// Jobs in the outbox by state (refreshed by the worker every few seconds).
pub static QUEUE_DEPTH: LazyLock<IntGaugeVec> =
    LazyLock::new(|| gauge_vec("veche_mail_jobs", "Outbox jobs by state", &["state"]));

/// What happened to each attempt, by kind: sent, retried, dead, skipped, held, deferred.
pub static OUTCOMES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "veche_mail_outcomes_total",
        "Delivery outcomes by kind and outcome (sent, retried, dead, skipped, held, deferred)",
        &["kind", "outcome"],
    )
});

pub static ENQUEUED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "veche_mail_enqueued_total",
        "Notifications enqueued by kind and result (queued, duplicate, declined)",
        &["kind", "result"],
    )
});

const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// How long an SMTP transaction took (connection from the pool to the server's answer).
pub static SEND_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "veche_mail_send_seconds",
        "SMTP send latency by result",
        &["result"],
        BUCKETS,
    )
});

/// The duplicate window: from the server accepting a message to the outbox recording it as
/// sent. A worker dying inside this window makes the job be sent again after its lease ends.
pub static UNRECORDED: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "veche_mail_unrecorded_seconds",
        "Time between the SMTP server accepting a message and the outbox recording it",
        &["backend"],
        BUCKETS,
    )
});
