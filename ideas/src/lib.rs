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
pub mod log;
pub mod model;
pub mod rules;
pub mod service;
pub mod similar;
pub mod text;

/// The store is private to the crate: pages, the API and other crates go through the service.
/// Tests (cargo feature `testing`) reach it to check its contract on both backends.
#[cfg(feature = "testing")]
pub mod store;
#[cfg(not(feature = "testing"))]
mod store;
