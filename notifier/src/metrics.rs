//! The notifier's metrics.

use std::sync::LazyLock;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts};
use veche_core::metrics::register_collector;

fn fail(e: prometheus::Error) -> ! {
    panic!("metric definition: {e}")
}

/// Jobs in the outbox by state (refreshed by the worker every few seconds).
pub static QUEUE_DEPTH: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_collector(
        IntGaugeVec::new(
            Opts::new("veche_mail_jobs", "Outbox jobs by state"),
            &["state"],
        )
        .unwrap_or_else(|e| fail(e)),
    )
});

/// What happened to each attempt, by kind: sent, retried, dead, skipped, held, deferred.
pub static OUTCOMES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_collector(
        IntCounterVec::new(
            Opts::new(
                "veche_mail_outcomes_total",
                "Delivery outcomes by kind and outcome (sent, retried, dead, skipped, held, deferred)",
            ),
            &["kind", "outcome"],
        )
        .unwrap_or_else(|e| fail(e)),
    )
});

pub static ENQUEUED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_collector(
        IntCounterVec::new(
            Opts::new(
                "veche_mail_enqueued_total",
                "Notifications enqueued by kind and result (queued, duplicate, declined)",
            ),
            &["kind", "result"],
        )
        .unwrap_or_else(|e| fail(e)),
    )
});

const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// How long an SMTP transaction took (connection from the pool to the server's answer).
pub static SEND_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_collector(
        HistogramVec::new(
            HistogramOpts::new("veche_mail_send_seconds", "SMTP send latency by result")
                .buckets(BUCKETS.to_vec()),
            &["result"],
        )
        .unwrap_or_else(|e| fail(e)),
    )
});

/// The duplicate window: from the server accepting a message to the outbox recording it as
/// sent. A worker dying inside this window makes the job be sent again after its lease ends.
pub static UNRECORDED: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_collector(
        HistogramVec::new(
            HistogramOpts::new(
                "veche_mail_unrecorded_seconds",
                "Time between the SMTP server accepting a message and the outbox recording it",
            )
            .buckets(BUCKETS.to_vec()),
            &["backend"],
        )
        .unwrap_or_else(|e| fail(e)),
    )
});
