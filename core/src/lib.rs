//! # veche-core
//!
//! What every Veche feature shares. A map of the crate:
//!
//! - [`storage`]: the two backends ([`storage::Mongo`], [`storage::Sqlite`] with its group-commit
//!   writer) and the [`storage::Backend`] chosen at start.
//! - [`error`]: [`error::StoreError`], the one store error type (`Conflict` for duplicate keys,
//!   `Unavailable` for an unreachable store).
//! - [`store`]: the core store port ([`store::CoreStore`]) and its two adapters.
//! - [`accounts`]: accounts, roles, sessions, API tokens, organisations; their rules, API and pages.
//! - [`districts`]: districts and okrugs; the Moscow seed and imports.
//! - [`web`]: the web kit: request context, auth filters, CSRF, problem documents, i18n,
//!   idempotency keys, the page layout.
//! - [`ratelimit`]: keyed governor limiters from configuration, as warp filters.
//! - [`metrics`]: the Prometheus registry.
//! - [`platform`]: [`platform::Platform`], the state every route and task holds.
//! - [`testing`] (feature `testing`): the contract-test harness that runs one test on both stores.

pub mod accounts;
pub mod clock;
pub mod districts;
pub mod error;
pub mod id;
pub mod metrics;
pub mod notify;
pub mod platform;
pub mod random;
pub mod ratelimit;
pub mod storage;
pub mod store;
pub mod web;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{StoreError, StoreResult};
pub use platform::Platform;
