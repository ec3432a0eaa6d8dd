//! Reports as a feature of the application: what `src/` lists to plug them in.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use veche_core::accounts::model::Role;
use veche_core::feature::{Declaration, FeatureService, Routes, ServiceFeature};
use veche_core::platform::Platform;
use veche_core::storage::Backend;
use veche_core::web::pages::NavItem;

use crate::pages;
use crate::service::{self, Reports, ReportsConfig};
use crate::{ReportsLimit, REPORTS_EN, REPORTS_RU};

/// How often a server looks for due deadline warnings, answered reports to close, and emails
/// that changes still owe.
const TICK: Duration = Duration::from_secs(30);

/// Reports, with the settings the application chose.
pub type ReportsFeature = ServiceFeature<Reports>;

#[async_trait]
impl FeatureService for Reports {
    type Config = ReportsConfig;
    type Api = crate::http::ReportsApi;

    fn declaration() -> Declaration {
        let mut declaration = Declaration::new::<ReportsLimit>("reports", (REPORTS_RU, REPORTS_EN))
            .kinds(service::KINDS)
            .nav(NavItem::new(pages::REPORTS_PATH, "reports-nav", None))
            .nav(NavItem::new(
                "/moderation/reports",
                "reports-office-nav-moderation",
                Some(Role::Moderator),
            ));
        // The office's pages, for officials and admins alike.
        let office = [
            ("/office/reports", "reports-office-nav-queue"),
            ("/office/dashboard", "reports-office-nav-dashboard"),
        ];
        for (path, key) in office {
            for role in [Role::Official, Role::Admin] {
                declaration = declaration.nav(NavItem::new(path, key, Some(role)));
            }
        }
        declaration
    }

    async fn open(backend: &Backend, config: ReportsConfig) -> anyhow::Result<Reports> {
        let store = crate::store::open(backend).await?;
        let uploads = veche_core::web::uploads::open(backend).await?;
        Ok(Reports::new(store, config).with_uploads(uploads))
    }

    fn routes(self: Arc<Reports>, platform: Arc<Platform>) -> Routes {
        veche_core::web::combine(vec![
            crate::http::routes(platform.clone(), self.clone()),
            crate::open311::routes(platform.clone(), self.clone()),
            pages::routes(platform, self),
        ])
    }

    /// Every server claims the deadline warnings that are due (a conditional write on the
    /// report's version: one server sends each), closes answered reports after 15 days (the
    /// same), and pays the emails changes still owe (the notifier's key makes a second
    /// queueing a no-op). Stops on shutdown.
    fn spawn_tasks(self: Arc<Reports>, platform: Arc<Platform>) {
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = platform.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(TICK) => {}
                }
                let now = veche_core::clock::now();
                if let Err(e) = service::check_deadlines(&platform, &self, now).await {
                    tracing::warn!(error = %e, "checking the reports' deadlines (retried)");
                }
                if let Err(e) = service::close_expired(&platform, &self, now).await {
                    tracing::warn!(error = %e, "closing answered reports (retried)");
                }
                if let Err(e) = service::sweep_mail(&platform, &self).await {
                    tracing::warn!(error = %e, "sweeping the reports' owed emails (retried)");
                }
            }
        });
    }

    async fn seed_demo(&self, platform: &Platform) -> anyhow::Result<()> {
        let made = crate::demo::seed(platform, self).await?;
        tracing::info!(reports = made, "demo reports seeded");
        Ok(())
    }
}
