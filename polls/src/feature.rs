//! The polls as a feature of the application: what `src/` lists to plug them in.

use std::sync::Arc;

use async_trait::async_trait;
use veche_core::accounts::model::Role;
use veche_core::feature::{Declaration, FeatureService, Routes, ServiceFeature};
use veche_core::platform::{NavItem, Platform};
use veche_core::storage::Backend;

use crate::{Polls, PollsConfig, PollsLimit, POLLS_EN, POLLS_RU};

/// Polls, with the settings the application chose for them.
pub type PollsFeature = ServiceFeature<Polls>;

#[async_trait]
impl FeatureService for Polls {
    type Config = PollsConfig;
    type Api = crate::http::PollsApi;

    fn declaration() -> Declaration {
        Declaration::new::<PollsLimit>("polls", (POLLS_RU, POLLS_EN))
            .kinds(crate::kinds::POLLS)
            .nav(NavItem::new("/polls", "nav-polls", None))
            .nav(NavItem::new(
                "/official/polls",
                "nav-official-polls",
                Some(Role::Official),
            ))
    }

    async fn open(backend: &Backend, config: PollsConfig) -> anyhow::Result<Polls> {
        Ok(Polls::new(crate::store::open(backend).await?, config))
    }

    fn routes(self: Arc<Polls>, platform: Arc<Platform>) -> Routes {
        crate::http::routes(platform, self)
    }

    fn spawn_tasks(self: Arc<Polls>, platform: Arc<Platform>) {
        crate::scheduler::spawn(platform, self);
    }

    async fn seed_demo(&self, platform: &Platform) -> anyhow::Result<()> {
        crate::demo::seed(platform, self).await?;
        Ok(())
    }
}
