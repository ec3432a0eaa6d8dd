//! The polls as a feature of the application: what `src/` lists to plug them in.

use std::any::Any;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use utoipa::OpenApi;
use veche_core::accounts::model::Role;
use veche_core::feature::{Feature, Routes, Running};
use veche_core::notify::KindSpec;
use veche_core::platform::{NavItem, Platform};
use veche_core::web::ratelimit::{declare, Declared};

use crate::{Polls, PollsConfig, PollsLimit, POLLS_EN, POLLS_RU};

/// Polls, with the settings the application chose for them.
pub struct PollsFeature {
    config: PollsConfig,
}

impl PollsFeature {
    pub fn new(config: PollsConfig) -> PollsFeature {
        PollsFeature { config }
    }
}

#[async_trait]
impl Feature for PollsFeature {
    fn name(&self) -> &'static str {
        "polls"
    }

    fn catalogs(&self) -> Vec<(&'static str, &'static str)> {
        vec![(POLLS_RU, POLLS_EN)]
    }

    fn limits(&self) -> Vec<Declared> {
        declare::<PollsLimit>()
    }

    fn notification_kinds(&self) -> &'static [KindSpec] {
        crate::kinds::POLLS
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem::new("/polls", "nav-polls", None),
            NavItem::new(
                "/official/polls",
                "nav-official-polls",
                Some(Role::Official),
            ),
        ]
    }

    async fn start(&self, platform: Arc<Platform>) -> anyhow::Result<Arc<dyn Running>> {
        platform.limits.require::<PollsLimit>()?;
        let store = crate::store::open(&platform.backend)
            .await
            .context("preparing the polls store")?;
        let polls = Arc::new(Polls::new(store, self.config.clone()));
        Ok(Arc::new(RunningPolls { platform, polls }))
    }
}

struct RunningPolls {
    platform: Arc<Platform>,
    polls: Arc<Polls>,
}

#[async_trait]
impl Running for RunningPolls {
    fn routes(&self) -> anyhow::Result<Routes> {
        Ok(crate::http::routes(
            self.platform.clone(),
            self.polls.clone(),
        ))
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(crate::http::PollsApi::openapi())
    }

    fn spawn_tasks(&self) {
        crate::scheduler::spawn(self.platform.clone(), self.polls.clone());
    }

    async fn seed_demo(&self) -> anyhow::Result<()> {
        crate::demo::seed(&self.platform, &self.polls)
            .await
            .context("seeding the demo polls")?;
        Ok(())
    }

    fn service(&self) -> Arc<dyn Any + Send + Sync> {
        self.polls.clone()
    }
}
