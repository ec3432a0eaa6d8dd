//! Ideas as a feature of the application: what `src/` lists to plug them in.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use veche_core::accounts::model::Role;
use veche_core::feature::{Declaration, FeatureService, Routes, ServiceFeature};
use veche_core::platform::{NavItem, Platform};
use veche_core::storage::Backend;

use crate::service::{self, Ideas, IdeasConfig};
use crate::{IdeasLimit, IDEAS_EN, IDEAS_RU};

/// How often a server looks for emails that changes still owe (see [`service::sweep_mail`]).
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Ideas, with the settings the application chose for them.
pub type IdeasFeature = ServiceFeature<Ideas>;

#[async_trait]
impl FeatureService for Ideas {
    type Config = IdeasConfig;
    type Api = crate::http::IdeasApi;

    fn declaration() -> Declaration {
        Declaration::new::<IdeasLimit>("ideas", (IDEAS_RU, IDEAS_EN))
            .kinds(service::KINDS)
            .nav(NavItem::new("/ideas", "nav-ideas", None))
            .nav(NavItem::new(
                "/moderation/ideas",
                "nav-moderation-ideas",
                Some(Role::Moderator),
            ))
    }

    async fn open(backend: &Backend, config: IdeasConfig) -> anyhow::Result<Ideas> {
        let store = crate::store::open(backend).await?;
        let uploads = veche_core::web::uploads::open(backend).await?;
        Ok(Ideas::new(store, config).with_uploads(uploads))
    }

    fn routes(self: Arc<Ideas>, platform: Arc<Platform>) -> Routes {
        crate::http::routes(platform, self)
    }

    /// Pays the emails that changes still owe (a crash between a change and its email), and
    /// tells participants of a stage that began, on every server: debts are cleared by version,
    /// announcements recorded on the project, and the notifier's key makes a second queueing a
    /// no-op, so two servers at it at once send each email once.
    fn spawn_tasks(self: Arc<Ideas>, platform: Arc<Platform>) {
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = platform.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(SWEEP_EVERY) => {}
                }
                if let Err(e) = service::sweep_mail(&platform, &self).await {
                    tracing::warn!(error = %e, "sweeping the ideas' owed emails (retried)");
                }
                if let Err(e) = service::announce_stages(&platform, &self).await {
                    tracing::warn!(error = %e, "announcing the projects' stages (retried)");
                }
            }
        });
    }

    async fn seed_demo(&self, platform: &Platform) -> anyhow::Result<()> {
        crate::demo::seed(platform, self).await?;
        Ok(())
    }

    /// The supports answered and still in the journal reach the tables.
    async fn stopped(&self) -> anyhow::Result<()> {
        self.store.flush().await?;
        Ok(())
    }
}
