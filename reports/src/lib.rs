//! # veche-reports
//!
//! Problem reports («Наш город»): a resident reports a problem at a place; a moderator accepts
//! it and it goes to the organisation that answers for its category in its district, which must
//! answer within a deadline in working days; the resident confirms or disputes the answer.
//!
//! - [`model`]: categories, organisations and their officials, calendar entries, reports with
//!   their history.
//! - [`rules`]: the calendar and deadlines, the workflow table, routing, proximity, what each
//!   step does (pure functions).
//! - [`service`]: the use cases (administration, filing and nearby duplicates, every
//!   transition, reading, emails, the background checks): the only way in for the API and the
//!   pages.
//! - `store`: the port and its SQLite and MongoDB adapters (private; tests reach it).
//! - [`http`]: the JSON API and its OpenAPI document; [`views`]: what it shows (never the
//!   author).
//! - [`open311`]: Open311 GeoReport v2 under `/open311/v2` (JSON and XML), over the service.
//! - [`pages`]: the residents' and the public's HTML pages (filing with the duplicate step,
//!   one's own reports, a report, the list and map).

pub mod demo;
mod feature;
pub mod http;
pub mod model;
pub mod open311;
pub mod pages;
pub mod rules;
pub mod views;

/// The store is private to the crate: pages, the API and other crates go through the service.
/// Tests (cargo feature `testing`) reach it to check its contract on both backends.
#[cfg(feature = "testing")]
pub mod store;
#[cfg(not(feature = "testing"))]
mod store;

pub mod service;
#[cfg(feature = "testing")]
pub mod testing;

pub use feature::ReportsFeature;
pub use service::{Reports, ReportsConfig};

/// The reports' messages: problem codes, refusals and emails (`errors.*.ftl`), the residents'
/// and the public's pages (`pages.*.ftl`), the office's pages (`office.*.ftl`).
pub const REPORTS_RU: &str = veche_core::catalog_text!("ru", "errors", "pages", "office");
pub const REPORTS_EN: &str = veche_core::catalog_text!("en", "errors", "pages", "office");

veche_core::limit_enum! {
    /// The reports' rate limits, per account (`VECHE_RATE_<NAME>` overrides).
    pub enum ReportsLimit {
        /// New reports: a resident reports a few problems an hour.
        File = ("report_file", "10/h"),
        /// Joins ("me too").
        Join = ("report_join", "60/h"),
        /// Nearby lookups before filing (each reads a few grid cells).
        Nearby = ("report_nearby", "120/min"),
        /// Confirmations and disputes of answers.
        Respond = ("report_respond", "30/h"),
    }
}
