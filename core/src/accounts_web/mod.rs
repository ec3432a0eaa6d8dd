//! The accounts' API and pages: sign-up, sign-in, profile, tokens, the admin's accounts,
//! organisations and audit log. Core's own feature, plugged in like any other
//! ([`feature`]); it stands above the platform because its routes take the platform's
//! context.

pub mod http;
pub mod pages;
pub mod uploads;
pub mod views;

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use utoipa::OpenApi;

use crate::accounts::model::Role;
use crate::feature::{Declaration, Feature, Routes, Running};
use crate::notify::kinds;
use crate::platform::{Ctx, NavItem, Platform};
use crate::web::i18n::{CORE_EN, CORE_RU};
use crate::web::ratelimit::CoreLimit;

/// Makes `response` clear this browser's session cookie (its session has ended).
pub(crate) fn clear_session_cookie(ctx: &Ctx, response: &mut warp::reply::Response) {
    crate::web::respond::add_cookie(
        response,
        &crate::web::respond::clear_cookie(crate::web::SESSION_COOKIE, ctx.platform.config.https()),
    );
}

/// Whether the request came with a session of `account` (which a password reset just ended).
pub(crate) fn by_own_session(ctx: &Ctx, account: &crate::id::AccountId) -> bool {
    ctx.principal
        .as_ref()
        .is_some_and(|p| &p.account.id == account && p.session_hash().is_some())
}

/// The accounts, as a feature: core's catalog and limits, the account emails' kinds, the
/// admin's navigation entry, the account API and pages; and `/media/{hash}`, where the
/// pictures of every feature are read.
pub struct AccountsFeature;

#[async_trait]
impl Feature for AccountsFeature {
    fn declaration(&self) -> Declaration {
        Declaration::new::<CoreLimit>("accounts", (CORE_RU, CORE_EN))
            .kinds(kinds::ACCOUNT)
            .nav(NavItem::new("/admin/accounts", "nav-admin", Some(Role::Admin)).section("/admin"))
    }

    async fn start(&self, platform: Arc<Platform>) -> anyhow::Result<Arc<dyn Running>> {
        platform.limits.require::<CoreLimit>()?;
        let uploads = crate::web::uploads::open(&platform.backend)
            .await
            .map_err(|e| anyhow::anyhow!("preparing the upload store: {e}"))?;
        Ok(Arc::new(RunningAccounts { platform, uploads }))
    }
}

struct RunningAccounts {
    platform: Arc<Platform>,
    /// Serves `/media/{hash}`: the pictures every feature's forms take in.
    uploads: Arc<dyn crate::web::uploads::UploadStore>,
}

impl Running for RunningAccounts {
    fn routes(&self) -> anyhow::Result<Routes> {
        Ok(crate::web::combine(vec![
            http::routes(self.platform.clone())?,
            pages::routes(self.platform.clone()),
            warp::Filter::boxed(crate::web::uploads::routes(self.uploads.clone())),
            {
                use warp::Filter;
                let store = self.uploads.clone();
                warp::path!("api" / "v1" / "uploads")
                    .and(warp::post())
                    .and(crate::web::api_ctx(self.platform.clone()))
                    .and(warp::any().map(move || store.clone()))
                    .and(warp::body::content_length_limit(
                        crate::web::uploads::MAX_BYTES as u64,
                    ))
                    .and(warp::body::bytes())
                    .then(uploads::upload)
                    .boxed()
            },
            {
                use warp::Filter;
                let store = self.uploads.clone();
                warp::path!("api" / "v1" / "uploads" / String)
                    .and(warp::get())
                    .and(crate::web::api_ctx(self.platform.clone()))
                    .and(warp::any().map(move || store.clone()))
                    .then(|hash, ctx, store| uploads::upload_state(ctx, store, hash))
                    .boxed()
            },
        ]))
    }

    fn spawn_work(&self) {
        crate::web::uploads::process::spawn(self.uploads.clone(), self.platform.shutdown.clone());
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        let mut doc = http::AccountsApi::openapi();
        doc.merge(uploads::UploadsApi::openapi());
        Some(doc)
    }

    fn service(&self) -> Arc<dyn Any + Send + Sync> {
        self.platform.clone()
    }
}
