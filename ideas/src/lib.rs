//! # veche-ideas
//!
//! Crowdsourced ideas (crowd.mos.ru): residents propose ideas inside a project with stages,
//! moderators approve, reject or merge them, residents support them, experts pick the best.
//!
//! Built so far (the rest of the slice follows polls' shape: model, rules, service, store,
//! http, pages):
//! - [`log`]: the public moderation log (decisions by action, reason and day; no personal data).
//! - [`model`]: projects, stages, ideas, decisions, appeals, comments, scores, outcomes.
//! - [`rules`]: what a project and an idea may hold, who may do what at which stage, what a
//!   moderation decision does, how experts' scores rank ideas (pure functions).
//! - [`text`]: normalised words, Snowball stems (Russian and English) and weighted terms, for
//!   search and for duplicates.
//! - [`similar`]: fingerprints (exact key, terms, MinHash band keys for an indexed candidate
//!   lookup) and the exact score of two ideas.

pub mod demo;
mod feature;
pub mod http;
pub mod log;
pub mod model;
mod pages;
pub mod rules;
pub mod service;
pub mod similar;
pub mod text;
pub mod views;

/// The store is private to the crate: pages, the API and other crates go through the service.
/// Tests (cargo feature `testing`) reach it to check its contract on both backends.
#[cfg(feature = "testing")]
pub mod store;
#[cfg(not(feature = "testing"))]
mod store;

pub use feature::IdeasFeature;
pub use service::{Ideas, IdeasConfig};

/// The ideas' messages: problem codes, refusals and emails (`errors.*.ftl`), pages
/// (`pages.*.ftl`).
pub const IDEAS_RU: &str = veche_core::catalog_text!("ru", "errors", "pages");
pub const IDEAS_EN: &str = veche_core::catalog_text!("en", "errors", "pages");

veche_core::limit_enum! {
    /// The ideas' rate limits, per account (`VECHE_RATE_<NAME>` overrides).
    pub enum IdeasLimit {
        /// New ideas and edits: a resident writes a few ideas an hour.
        Submit = ("idea_submit", "10/h"),
        /// Supports and withdrawals.
        Support = ("idea_support", "120/min"),
        /// Comments and replies.
        Comment = ("idea_comment", "20/min"),
        /// Reports of abusive comments.
        Report = ("idea_report", "30/h"),
        /// Open-data downloads, per address (each reads a whole project).
        Export = ("idea_export", "60/h"),
    }
}
