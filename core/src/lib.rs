//! # veche-core
//!
//! What every Veche feature shares, in layers. A module imports only modules of its own layer
//! or below (`core/tests/layers.rs` checks it; `ARCHITECTURE.md` at the root draws it):
//!
//! 1. kernel: [`id`], [`clock`], [`error`] ([`error::StoreError`]), [`random`], [`metrics`].
//! 2. storage handles: [`storage`] (the two backends, [`storage::Mongo`] and
//!    [`storage::Sqlite`] with its group-commit writer, and the [`storage::Backend`] chosen at
//!    start).
//! 3. the web kit: [`web`] (request context over a [`web::Site`], problem documents and
//!    `Invalid`, cursors, i18n, typed HTML, CSRF, idempotency, rate limits, the layout). It
//!    knows nothing of accounts.
//! 4. accounts: [`districts`] (and their boundaries, [`districts::geo`]), [`accounts`] (model, rules, authentication, account emails,
//!    demo accounts), [`store`] (the core store port and its two adapters), [`notify`] (the
//!    notification port).
//! 5. platform: [`platform`] ([`platform::Platform`], the state every route and task holds;
//!    the [`platform::Ctx`] of every route), [`feature`] (what a feature crate describes of
//!    itself).
//! 6. core's own feature: [`accounts_web`] (the accounts' API and pages).
//!
//! [`testing`] (feature `testing`): the contract-test harness that runs one test on both stores.

pub mod accounts;
pub mod accounts_web;
pub mod clock;
pub mod districts;
pub mod error;
pub mod feature;
pub mod id;
pub mod metrics;
pub mod notify;
pub mod platform;
pub mod random;
pub mod storage;
pub mod store;
pub mod web;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{StoreError, StoreResult};
pub use platform::Platform;
