//! The polls' metrics.

use std::sync::LazyLock;

use prometheus::{IntCounter, IntCounterVec, Opts};
use veche_core::metrics::register_collector;

fn fail(e: prometheus::Error) -> ! {
    panic!("metric definition: {e}")
}

/// Ballots stored.
pub static BALLOTS: LazyLock<IntCounter> = LazyLock::new(|| {
    register_collector(
        IntCounter::new("veche_ballots_total", "Ballots stored").unwrap_or_else(|e| fail(e)),
    )
});

/// Ballots answered 503 at once because too many were in flight.
pub static SHED: LazyLock<IntCounter> = LazyLock::new(|| {
    register_collector(
        IntCounter::new(
            "veche_ballots_shed_total",
            "Ballots refused with 503 because too many were in flight (load shedding)",
        )
        .unwrap_or_else(|e| fail(e)),
    )
});

/// Ballots refused, by problem code (already_voted, not_in_audience, rate_limited, …).
pub static REFUSED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_collector(
        IntCounterVec::new(
            Opts::new(
                "veche_ballots_refused_total",
                "Ballots refused, by problem code",
            ),
            &["code"],
        )
        .unwrap_or_else(|e| fail(e)),
    )
});
