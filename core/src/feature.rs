//! What a feature crate describes of itself. The binary builds the server from a list of
//! features (`src/lib.rs`, `features()`); adding a feature is one line there plus the
//! dependency. Features do not know each other; they know core.
//!
//! A feature has two halves:
//! - [`Feature`]: what is known before the platform exists (message catalogs, rate limits,
//!   notification kinds, navigation entries), gathered from every feature to build the
//!   platform, its catalog and its limits;
//! - [`Running`]: the feature started on the platform ([`Feature::start`] prepares its store:
//!   tables, indexes, migrations): its routes (API and pages), OpenAPI paths, background tasks
//!   and demo data.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::notify::KindSpec;
use crate::platform::{NavItem, Platform};
use crate::web::ratelimit::Declared;

/// The routes of a feature: API and pages, boxed (see [`crate::web::combine`]).
pub type Routes = BoxedFilter<(Response,)>;

/// What a feature declares before the platform is built.
#[async_trait]
pub trait Feature: Send + Sync + 'static {
    /// A short name, for logs and start errors.
    fn name(&self) -> &'static str;

    /// Message catalogs in Fluent syntax: (Russian, English).
    fn catalogs(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }

    /// The rate limits its routes take ([`crate::web::ratelimit::declare`] of its limit type).
    fn limits(&self) -> Vec<Declared> {
        Vec::new()
    }

    /// The kinds of notification it may enqueue.
    fn notification_kinds(&self) -> &'static [KindSpec] {
        &[]
    }

    /// Its entries of the main navigation, in order.
    fn nav(&self) -> Vec<NavItem> {
        Vec::new()
    }

    /// Prepares its store on the platform's backend and starts its service.
    async fn start(&self, platform: Arc<Platform>) -> anyhow::Result<Arc<dyn Running>>;
}

/// A feature started on the platform.
#[async_trait]
pub trait Running: Send + Sync + 'static {
    /// Its API routes and pages. Built once at start: limiters are taken here, so an
    /// undeclared one stops the start.
    fn routes(&self) -> anyhow::Result<Routes>;

    /// Its part of the OpenAPI document (paths and schemas).
    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        None
    }

    /// Starts its background tasks (they stop on the platform's shutdown). Called by
    /// `veche serve` only, not by admin tasks.
    fn spawn_tasks(&self) {}

    /// Seeds its demo data (`veche serve --demo`), after the demo accounts exist.
    async fn seed_demo(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Its service, for the binary's command line and for tests (`App::service::<T>()`).
    fn service(&self) -> Arc<dyn Any + Send + Sync>;
}
