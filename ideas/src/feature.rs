//! Ideas as a feature of the application: what `src/` lists to plug them in.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use utoipa::OpenApi;
use veche_core::accounts::model::Role;
use veche_core::feature::{Feature, Routes, Running};
use veche_core::notify::KindSpec;
use veche_core::platform::{NavItem, Platform};
use veche_core::web::ratelimit::{declare, Declared};

use crate::service::{self, Ideas, IdeasConfig};
use crate::{IdeasLimit, IDEAS_EN, IDEAS_RU};

/// How often a server looks for emails that changes still owe (see [`service::sweep_mail`]).
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Ideas, with the settings the application chose for them.
pub struct IdeasFeature {
    config: IdeasConfig,
}

impl IdeasFeature {
    pub fn new(config: IdeasConfig) -> IdeasFeature {
        IdeasFeature { config }
    }
}

#[async_trait]
impl Feature for IdeasFeature {
    fn name(&self) -> &'static str {
        "ideas"
    }

    fn catalogs(&self) -> Vec<(&'static str, &'static str)> {
        vec![(IDEAS_RU, IDEAS_EN)]
    }

    fn limits(&self) -> Vec<Declared> {
        declare::<IdeasLimit>()
    }

    fn notification_kinds(&self) -> &'static [KindSpec] {
        service::KINDS
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem::new("/ideas", "nav-ideas", None),
            NavItem::new(
                "/moderation/ideas",
                "nav-moderation-ideas",
                Some(Role::Moderator),
            ),
        ]
    }

    async fn start(&self, platform: Arc<Platform>) -> anyhow::Result<Arc<dyn Running>> {
        platform.limits.require::<IdeasLimit>()?;
        let store = crate::store::open(&platform.backend)
            .await
            .context("preparing the ideas store")?;
        let uploads = veche_core::web::uploads::open(&platform.backend)
            .await
            .context("preparing the upload store")?;
        let ideas = Arc::new(Ideas::new(store, self.config.clone()).with_uploads(uploads));
        Ok(Arc::new(RunningIdeas { platform, ideas }))
    }
}

struct RunningIdeas {
    platform: Arc<Platform>,
    ideas: Arc<Ideas>,
}

#[async_trait]
impl Running for RunningIdeas {
    fn routes(&self) -> anyhow::Result<Routes> {
        Ok(crate::http::routes(
            self.platform.clone(),
            self.ideas.clone(),
        ))
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(crate::http::IdeasApi::openapi())
    }

    /// Pays the emails that changes still owe (a crash between a change and its email), and
    /// tells participants of a stage that began, on every server: debts are cleared by version,
    /// announcements recorded on the project, and the notifier's key makes a second queueing a
    /// no-op, so two servers at it at once send each email once.
    fn spawn_tasks(&self) {
        let platform = self.platform.clone();
        let ideas = self.ideas.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = platform.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(SWEEP_EVERY) => {}
                }
                if let Err(e) = service::sweep_mail(&platform, &ideas).await {
                    tracing::warn!(error = %e, "sweeping the ideas' owed emails (retried)");
                }
                if let Err(e) = service::announce_stages(&platform, &ideas).await {
                    tracing::warn!(error = %e, "announcing the projects' stages (retried)");
                }
            }
        });
    }

    async fn seed_demo(&self) -> anyhow::Result<()> {
        crate::demo::seed(&self.platform, &self.ideas)
            .await
            .context("seeding the demo ideas")?;
        Ok(())
    }

    fn service(&self) -> Arc<dyn Any + Send + Sync> {
        self.ideas.clone()
    }
}
