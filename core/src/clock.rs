//! Time helpers. All times are UTC; stored as milliseconds since the epoch (SQLite) or BSON
//! dates (MongoDB); shown to API clients as RFC 3339.

use time::OffsetDateTime;

pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    // Millisecond precision everywhere, so a value read back from a store equals what was written.
    from_millis(to_millis(now))
}

pub fn now_millis() -> i64 {
    to_millis(OffsetDateTime::now_utc())
}

pub fn to_millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Serde support for RFC 3339 timestamps in API payloads.
pub use time::serde::rfc3339;
