//! What a feature crate describes of itself. The binary builds the server from a list of
//! features (`src/lib.rs`, `features()`); adding a feature is one line there plus the
//! dependency. Features do not know each other; they know core.
//!
//! A feature has two halves:
//! - [`Feature`]: what is known before the platform exists (its [`Declaration`]: message
//!   catalog, rate limits, notification kinds, navigation entries), gathered from every
//!   feature to build the platform, its catalog and its limits;
//! - [`Running`]: the feature started on the platform ([`Feature::start`] prepares its store:
//!   tables, indexes, migrations): its routes (API and pages), OpenAPI paths, background tasks
//!   and demo data.
//!
//! A feature that is one service on the platform (polls, ideas) implements
//! [`FeatureService`] on its service type, which lists only what is its own;
//! [`ServiceFeature`] does the wiring both halves share.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::notify::KindSpec;
use crate::platform::{NavItem, Platform};
use crate::storage::Backend;
use crate::web::ratelimit::{declare, Declared, LimitName, Limits, UndeclaredLimit};

/// The routes of a feature: API and pages, boxed (see [`crate::web::combine`]).
pub type Routes = BoxedFilter<(Response,)>;

/// What a feature declares before the platform is built.
pub struct Declaration {
    /// A short name, for logs and start errors.
    pub name: &'static str,
    /// Its message catalog in Fluent syntax: (Russian, English).
    pub catalog: (&'static str, &'static str),
    /// The rate limits its routes take (its limit type's, see [`Declaration::new`]).
    pub limits: Vec<Declared>,
    /// Whether a platform's limits hold every one of them.
    require: fn(&Limits) -> Result<(), UndeclaredLimit>,
    /// The kinds of notification it may enqueue.
    pub kinds: &'static [KindSpec],
    /// Its entries of the main navigation, in order.
    pub nav: Vec<NavItem>,
}

impl Declaration {
    /// A feature called `name`, with its catalog and the limits of its limit type `L`.
    pub fn new<L: LimitName>(
        name: &'static str,
        catalog: (&'static str, &'static str),
    ) -> Declaration {
        Declaration {
            name,
            catalog,
            limits: declare::<L>(),
            require: Limits::require::<L>,
            kinds: &[],
            nav: Vec::new(),
        }
    }

    /// The kinds of notification it may enqueue.
    pub fn kinds(mut self, kinds: &'static [KindSpec]) -> Declaration {
        self.kinds = kinds;
        self
    }

    /// One more entry of the main navigation.
    pub fn nav(mut self, item: NavItem) -> Declaration {
        self.nav.push(item);
        self
    }

    /// Fails unless `limits` hold every limit it declared: its routes take them, so a
    /// platform without them must not start it.
    pub fn require(&self, limits: &Limits) -> Result<(), UndeclaredLimit> {
        (self.require)(limits)
    }
}

/// A feature, as the binary lists it.
#[async_trait]
pub trait Feature: Send + Sync + 'static {
    /// What it declares before the platform exists.
    fn declaration(&self) -> Declaration;

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

    /// Starts its share of the background workers' work (core's: the photos waiting to be
    /// processed), which stops on the platform's shutdown. Called by `veche serve` when it
    /// runs the workers (`VECHE_WORKER=on`, the default) and by `veche worker`.
    fn spawn_work(&self) {}

    /// Seeds its demo data (`veche serve --demo`), after the demo accounts exist.
    async fn seed_demo(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Called once the server has stopped and drained: writes what the feature answered but
    /// held back (ideas: the supports waiting in their journal), so that a stopped server's
    /// database holds it all.
    async fn stopped(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Its service, for the binary's command line and for tests (`App::service::<T>()`).
    fn service(&self) -> Arc<dyn Any + Send + Sync>;
}

/// The service of a feature that is one service on the platform: what is its own (its
/// declaration, how it opens, its routes, tasks and demo); [`ServiceFeature`] makes it a
/// [`Feature`].
#[async_trait]
pub trait FeatureService: Sized + Send + Sync + 'static {
    /// The settings the application chooses for it.
    type Config: Clone + Send + Sync + 'static;
    /// Its part of the OpenAPI document.
    type Api: utoipa::OpenApi;

    /// What it declares before the platform exists.
    fn declaration() -> Declaration;

    /// Prepares its store on `backend` (tables, indexes, migrations) and makes the service.
    async fn open(backend: &Backend, config: Self::Config) -> anyhow::Result<Self>;

    /// Its API routes and pages.
    fn routes(self: Arc<Self>, platform: Arc<Platform>) -> Routes;

    /// Starts its background tasks (they stop on `platform.shutdown`).
    fn spawn_tasks(self: Arc<Self>, _platform: Arc<Platform>) {}

    /// See [`Running::stopped`].
    async fn stopped(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Seeds its demo data, after the demo accounts exist.
    async fn seed_demo(&self, _platform: &Platform) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The feature made of a [`FeatureService`], with the settings the application chose:
/// starting it requires its limits, opens the service (errors say which store) and runs it.
pub struct ServiceFeature<S: FeatureService> {
    config: S::Config,
    service: PhantomData<fn() -> S>,
}

impl<S: FeatureService> ServiceFeature<S> {
    pub fn new(config: S::Config) -> ServiceFeature<S> {
        ServiceFeature {
            config,
            service: PhantomData,
        }
    }
}

#[async_trait]
impl<S: FeatureService> Feature for ServiceFeature<S> {
    fn declaration(&self) -> Declaration {
        S::declaration()
    }

    async fn start(&self, platform: Arc<Platform>) -> anyhow::Result<Arc<dyn Running>> {
        let declared = S::declaration();
        declared.require(&platform.limits)?;
        let service = S::open(&platform.backend, self.config.clone())
            .await
            .with_context(|| format!("preparing the {} store", declared.name))?;
        Ok(Arc::new(Started {
            name: declared.name,
            platform,
            service: Arc::new(service),
        }))
    }
}

/// A [`FeatureService`] running on the platform.
struct Started<S> {
    name: &'static str,
    platform: Arc<Platform>,
    service: Arc<S>,
}

#[async_trait]
impl<S: FeatureService> Running for Started<S> {
    fn routes(&self) -> anyhow::Result<Routes> {
        Ok(self.service.clone().routes(self.platform.clone()))
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(<S::Api as utoipa::OpenApi>::openapi())
    }

    fn spawn_tasks(&self) {
        self.service.clone().spawn_tasks(self.platform.clone());
    }

    async fn seed_demo(&self) -> anyhow::Result<()> {
        self.service
            .seed_demo(&self.platform)
            .await
            .with_context(|| format!("seeding the demo {}", self.name))
    }

    async fn stopped(&self) -> anyhow::Result<()> {
        self.service
            .stopped()
            .await
            .with_context(|| format!("stopping {}", self.name))
    }

    fn service(&self) -> Arc<dyn Any + Send + Sync> {
        self.service.clone()
    }
}

/// A feature's message catalog in one language: the calling crate's files
/// `i18n/<part>.<lang>.ftl`, in the order named, as one text (read at build time).
///
/// ```ignore
/// pub const POLLS_RU: &str = veche_core::catalog_text!("ru", "errors", "pages");
/// ```
#[macro_export]
macro_rules! catalog_text {
    ($lang:literal, $first:literal $(, $part:literal)* $(,)?) => {
        concat!(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/i18n/", $first, ".", $lang, ".ftl"))
            $(, "\n", include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"), "/i18n/", $part, ".", $lang, ".ftl"
            )))*
        )
    };
}
