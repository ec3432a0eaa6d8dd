//! The shared state every route and background task of a running Veche holds, and the one
//! place the web kit learns who is asking ([`Site`]).
//!
//! [`Platform`] is the account state ([`Accounts`], which it derefs to: `platform.store`,
//! `platform.directory()`, …) plus what the web kit needs: the message catalog, the rate
//! limits, the navigation every feature declared.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

pub use crate::accounts::auth::Principal;
use crate::accounts::model::Role;
use crate::accounts::Accounts;
pub use crate::accounts::CoreConfig;
use crate::error::StoreResult;
use crate::storage::Backend;
use crate::web::i18n::Catalog;
use crate::web::idempotency::IdempotencyStore;
use crate::web::pages::NavItem as KitNavItem;
use crate::web::problem::Problem;
use crate::web::ratelimit::Limits;
use crate::web::{BoxFuture, Site};

/// The request context of every Veche route.
pub type Ctx = crate::web::Ctx<Platform>;

/// An entry of the main navigation, with Veche's roles.
pub type NavItem = KitNavItem<Role>;

pub struct Platform {
    accounts: Accounts,
    pub backend: Backend,
    pub catalog: Catalog,
    pub limits: Limits,
    /// The main navigation; each feature adds its entries when the app is assembled.
    pub nav: Vec<NavItem>,
}

impl Deref for Platform {
    type Target = Accounts;

    fn deref(&self) -> &Accounts {
        &self.accounts
    }
}

impl Platform {
    /// Writes an audit entry: who did what to `target`, why, and the details.
    pub async fn audit(
        &self,
        actor: &crate::id::AccountId,
        action: &str,
        target: String,
        reason: Option<String>,
        details: serde_json::Value,
    ) -> crate::error::StoreResult<()> {
        let entry = crate::store::AuditEntry::now(actor, action, target, reason, details);
        self.store.insert_audit(&entry).await
    }

    /// The account state with what the web kit needs. Every part is required and of a
    /// distinct type; a builder would only hide a forgotten one until run time.
    pub fn new(backend: Backend, accounts: Accounts, catalog: Catalog, limits: Limits) -> Platform {
        Platform {
            accounts,
            backend,
            catalog,
            limits,
            nav: Vec::new(),
        }
    }

    /// The account state (also reached through deref).
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// Re-reads districts and okrugs from the store.
    pub async fn reload_directory(&self) -> StoreResult<()> {
        self.accounts.reload_directory().await
    }

    /// Keeps the directory fresh and sweeps expired sessions and idempotency records every ten
    /// minutes, prunes the rate limiters, and relays owed emails.
    pub fn spawn_housekeeping(self: &Arc<Self>) {
        let platform = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = platform.shutdown.cancelled() => break,
                    _ = tick.tick() => platform.accounts.housekeeping().await,
                }
            }
        });
        self.limits.spawn_pruner(self.shutdown.clone());
        self.spawn_mail_relay();
        self.spawn_identity_reader();
    }

    /// Every second, forgets the identities other servers (or the CLI) changed. See
    /// [`crate::accounts::identity`].
    pub fn spawn_identity_reader(self: &Arc<Self>) {
        let platform = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(crate::accounts::identity::POLL_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = platform.shutdown.cancelled() => break,
                    _ = tick.tick() => {
                        if let Err(e) = platform.accounts.identity_round().await {
                            tracing::warn!(error = %e, "reading identity revocations (retried)");
                        }
                    }
                }
            }
        });
    }

    /// Every 30 s, puts the emails that committed changes owe but that never reached the outbox
    /// (a crash in between) into it. See [`crate::notify`].
    pub fn spawn_mail_relay(self: &Arc<Self>) {
        let platform = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tokio::select! {
                    _ = platform.shutdown.cancelled() => break,
                    _ = tick.tick() => platform.accounts.relay_round().await,
                }
            }
        });
    }
}

impl Site for Platform {
    type Principal = Principal;

    fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    fn secret(&self) -> &[u8; 32] {
        &self.accounts.secret
    }

    fn https(&self) -> bool {
        self.accounts.config.https()
    }

    fn nav(&self) -> &[NavItem] {
        &self.nav
    }

    fn idempotency(&self) -> &dyn IdempotencyStore {
        self.accounts.store.as_idempotency()
    }

    fn authenticate<'a>(
        &'a self,
        session_cookie: Option<&'a str>,
        authorization: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<Principal>, Problem>> {
        Box::pin(crate::accounts::auth::authenticate(
            &self.accounts,
            session_cookie,
            authorization,
        ))
    }
}
