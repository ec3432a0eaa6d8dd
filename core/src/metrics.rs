//! Prometheus metrics, served at `/metrics`. One process-wide registry: the HTTP layer records
//! requests and latency by route, the stores record their call latency, features add their own.

use std::sync::LazyLock;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

fn register<T: prometheus::core::Collector + Clone + 'static>(metric: T) -> T {
    // Registration fails only for a duplicate name, which is a bug caught by the first test.
    if let Err(e) = REGISTRY.register(Box::new(metric.clone())) {
        tracing::error!(error = %e, "metric registration");
    }
    metric
}

fn defined<T>(metric: prometheus::Result<T>) -> T {
    metric.unwrap_or_else(|e| panic!("metric definition: {e}"))
}

/// A registered counter by `labels`. A bad definition is a bug: it panics at first use.
pub fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(defined(IntCounterVec::new(Opts::new(name, help), labels)))
}

/// A registered gauge by `labels`.
pub fn gauge_vec(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    register(defined(IntGaugeVec::new(Opts::new(name, help), labels)))
}

/// A registered histogram by `labels`, with the given bucket bounds.
pub fn histogram_vec(name: &str, help: &str, labels: &[&str], buckets: &[f64]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(defined(HistogramVec::new(opts, labels)))
}

/// Latency buckets from 0.5 ms to 10 s: requests and store calls are both in this range.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub static HTTP_REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "veche_http_requests_total",
        "HTTP requests by route, method and status",
        &["route", "method", "status"],
    )
});

pub static HTTP_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "veche_http_request_duration_seconds",
        "HTTP request latency by route",
        &["route", "method"],
        BUCKETS,
    )
});

pub static STORE_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "veche_store_call_duration_seconds",
        "Store call latency by backend and operation",
        &["backend", "op"],
        BUCKETS,
    )
});

pub static STORE_BATCH: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "veche_sqlite_commit_batch_size",
        "Write jobs committed together by the SQLite writer",
        &["backend"],
        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
    )
});

/// Where a write spends its time in the SQLite writer: `queue` from the caller handing the job
/// over to its batch starting, `batch` from the batch's BEGIN to its COMMIT returning. What a
/// write call takes beyond the two is waiting to be woken with the answer.
pub static SQLITE_WRITER: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "veche_sqlite_writer_seconds",
        "Time a SQLite write job waits in the writer's queue, and time a batch takes",
        &["phase"],
        BUCKETS,
    )
});

pub static HTTP_IN_FLIGHT: LazyLock<prometheus::IntGauge> = LazyLock::new(|| {
    register(defined(prometheus::IntGauge::new(
        "veche_http_requests_in_flight",
        "Requests being handled right now",
    )))
});

pub static UPLOADS_PROCESSED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "veche_uploads_processed_total",
        "Uploads processed in the background, by outcome (ready, dropped)",
        &["outcome"],
    )
});

pub static RATE_LIMITED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "veche_rate_limited_total",
        "Requests refused by a rate limit, by limiter",
        &["limiter"],
    )
});

/// A new counter or histogram registered in the shared registry (for feature crates).
pub fn register_collector<T: prometheus::core::Collector + Clone + 'static>(metric: T) -> T {
    register(metric)
}

/// The text exposition of every metric.
pub fn render() -> String {
    // Touch the lazily built metrics so they appear (with zero samples) from the first scrape.
    LazyLock::force(&HTTP_REQUESTS);
    LazyLock::force(&HTTP_LATENCY);
    LazyLock::force(&STORE_LATENCY);
    LazyLock::force(&STORE_BATCH);
    LazyLock::force(&SQLITE_WRITER);
    LazyLock::force(&RATE_LIMITED);
    LazyLock::force(&UPLOADS_PROCESSED);
    LazyLock::force(&HTTP_IN_FLIGHT);
    let mut out = String::new();
    if let Err(e) = prometheus::TextEncoder::new().encode_utf8(&REGISTRY.gather(), &mut out) {
        tracing::error!(error = %e, "metrics encoding");
    }
    out
}

/// Turns a request path into a route label with bounded cardinality: ids and tokens become `:id`.
pub fn route_label(path: &str) -> String {
    if path.starts_with("/static/") {
        return "/static/*".into();
    }
    let mut label = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        label.push('/');
        let looks_like_id = segment.len() >= 16
            || (segment.chars().all(|c| c.is_ascii_digit()) && !segment.is_empty())
            || segment.len() > 40;
        label.push_str(if looks_like_id { ":id" } else { segment });
    }
    if label.is_empty() {
        label.push('/');
    }
    label
}

#[cfg(test)]
mod tests {
    #[test]
    fn route_labels_hide_ids() {
        assert_eq!(
            super::route_label("/api/v1/tokens/01JD0000000000000000000000"),
            "/api/v1/tokens/:id"
        );
        assert_eq!(super::route_label("/"), "/");
        assert_eq!(
            super::route_label("/admin/accounts/42/roles"),
            "/admin/accounts/:id/roles"
        );
        assert_eq!(super::route_label("/static/veche.css"), "/static/*");
    }
}
