//! Accounts: residents, moderators, officials, experts and admins; sessions and API tokens;
//! organisations; the admin's roles and blocks. The rules and the state they need
//! ([`Accounts`]); their API and pages are in [`crate::accounts_web`], above the platform.
//!
//! Inside: [`model`] (domain types) → [`error`], [`password`] → [`auth`], [`mail`] →
//! [`service`] → [`demo`].

pub mod auth;
pub mod demo;
pub mod error;
pub mod identity;
pub mod mail;
pub mod model;
pub mod password;
pub mod service;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::districts::{Boundaries, Directory};
use crate::error::StoreResult;
use crate::notify::Notify;
use crate::store::CoreStore;

/// What the account rules need from configuration.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// The address people reach Veche at; links in emails are built from it. `https://…` makes
    /// cookies `Secure` and adds HSTS.
    pub public_url: url::Url,
    /// A session ends after this long without use (sliding).
    pub session_idle: Duration,
    /// A session ends this long after sign-in whatever its use.
    pub session_max: Duration,
    /// How long a server keeps what a session or a token resolved to ([`identity`]).
    pub identity_ttl: Duration,
}

impl CoreConfig {
    pub fn https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// When a session used at `now` expires: idle timeout from now, capped by the absolute one.
    pub fn session_expiry(
        &self,
        created_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> OffsetDateTime {
        (now + self.session_idle).min(created_at + self.session_max)
    }
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            public_url: url::Url::parse("http://127.0.0.1:8080/")
                .unwrap_or_else(|_| unreachable!()),
            session_idle: Duration::from_secs(14 * 86_400),
            session_max: Duration::from_secs(60 * 86_400),
            identity_ttl: identity::TTL,
        }
    }
}

/// The state the account rules work on: the core store, the notification port, the secret,
/// the cached districts and their boundaries. The platform holds one and derefs to it, so
/// every route and task reaches these as `platform.store`, `platform.directory()`,
/// `platform.boundaries()`, ….
pub struct Accounts {
    pub store: Arc<dyn CoreStore>,
    pub config: CoreConfig,
    /// Keys the CSRF tokens and signed links. From `VECHE_SECRET_KEY`, or made once and kept
    /// in the store so that every app server of a deployment agrees.
    pub secret: [u8; 32],
    /// Cancelled at shutdown; background tasks stop on it.
    pub shutdown: CancellationToken,
    /// The notification port (the notifier's outbox).
    pub notify: Arc<dyn Notify>,
    directory: RwLock<Arc<Directory>>,
    boundaries: RwLock<Arc<Boundaries>>,
    token_uses: Arc<Mutex<TokenUses>>,
    /// What sessions and tokens resolved to, kept a minute (see [`identity`]).
    pub identities: identity::Identities,
}

/// How long token uses gather before they are written together.
const TOKEN_USE_FLUSH: Duration = Duration::from_secs(1);

/// API tokens used since the last write of their last use, and whether a write is scheduled.
/// Recording uses together makes a burst of requests from many tokens (a voting spike, one
/// token per resident) cost one write a second instead of one each.
#[derive(Default)]
struct TokenUses {
    /// The hashes of the tokens used since the last write.
    hashes: HashSet<String>,
    latest: Option<OffsetDateTime>,
    scheduled: bool,
}

impl Accounts {
    pub fn new(
        store: Arc<dyn CoreStore>,
        config: CoreConfig,
        secret: [u8; 32],
        shutdown: CancellationToken,
        notify: Arc<dyn Notify>,
    ) -> Accounts {
        let config_ttl = config.identity_ttl;
        Accounts {
            store,
            config,
            secret,
            shutdown,
            notify,
            directory: RwLock::new(Arc::new(Directory::default())),
            boundaries: RwLock::new(Arc::new(Boundaries::default())),
            token_uses: Arc::new(Mutex::new(TokenUses::default())),
            identities: identity::Identities::new(config_ttl, identity::CAPACITY),
        }
    }

    /// Makes every server forget what it resolved of `key` (see [`identity`]): this one at
    /// once, the others when they next read the revocations (within about a second). Call it
    /// after the change is stored, never before: a request in between would keep the old state.
    pub async fn forget(&self, key: &str) -> StoreResult<()> {
        let now = crate::clock::now();
        self.identities.evict(key, now);
        self.store.insert_revocation(key, now).await
    }

    /// Stores `account` (replacing the stored one) and makes every server forget what its
    /// sessions and tokens resolved to. Every change of an account goes through here.
    pub async fn update_account(&self, account: &model::Account) -> StoreResult<()> {
        self.store.update_account(account).await?;
        self.forget(&identity::account_key(&account.id)).await
    }

    /// Ends every session of `account`, on every server; counts them.
    pub async fn end_sessions_of(&self, account: &crate::id::AccountId) -> StoreResult<u64> {
        let ended = self.store.delete_sessions_of(account).await?;
        self.forget(&identity::account_key(account)).await?;
        Ok(ended)
    }

    /// Deletes every API token of `account`, on every server; counts them.
    pub async fn delete_tokens_of(&self, account: &crate::id::AccountId) -> StoreResult<u64> {
        let deleted = self.store.delete_tokens_of(account).await?;
        self.forget(&identity::account_key(account)).await?;
        Ok(deleted)
    }

    /// Reads the revocations recorded since the last read (and [`identity::OVERLAP`] before
    /// it) and forgets what they name. Every second, on every server.
    pub async fn identity_round(&self) -> StoreResult<()> {
        let now = crate::clock::now();
        let since = self.identities.next_read(now);
        let revocations = self.store.revocations_since(since).await?;
        self.identities.apply(&revocations);
        self.identities.prune(now);
        Ok(())
    }

    /// Records that an API token was used at `at`, within about a second and without making
    /// the request wait; at shutdown, at once. Bookkeeping only: a crash loses at most the
    /// last second's uses.
    pub fn record_token_use(&self, hash: &str, at: OffsetDateTime) {
        let schedule = {
            let mut uses = match self.token_uses.lock() {
                Ok(u) => u,
                Err(poisoned) => poisoned.into_inner(),
            };
            if !uses.hashes.contains(hash) {
                uses.hashes.insert(hash.to_string());
            }
            uses.latest = Some(uses.latest.map_or(at, |l| l.max(at)));
            !std::mem::replace(&mut uses.scheduled, true)
        };
        if !schedule {
            return;
        }
        let (store, uses, shutdown) = (
            self.store.clone(),
            self.token_uses.clone(),
            self.shutdown.clone(),
        );
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(TOKEN_USE_FLUSH) => {}
                _ = shutdown.cancelled() => {}
            }
            let (hashes, at) = {
                let mut uses = match uses.lock() {
                    Ok(u) => u,
                    Err(poisoned) => poisoned.into_inner(),
                };
                uses.scheduled = false;
                (
                    std::mem::take(&mut uses.hashes)
                        .into_iter()
                        .collect::<Vec<_>>(),
                    uses.latest.take(),
                )
            };
            if let Some(at) = at {
                if let Err(e) = store.touch_tokens(&hashes, at).await {
                    tracing::warn!(error = %e, tokens = hashes.len(), "recording tokens' last use");
                }
            }
        });
    }

    pub fn directory(&self) -> Arc<Directory> {
        match self.directory.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The boundaries of the directory's districts, for [`Boundaries::locate`] and maps: the
    /// stored ones (an imported city's), Moscow's built-in ones for Moscow's districts.
    pub fn boundaries(&self) -> Arc<Boundaries> {
        match self.boundaries.read() {
            Ok(b) => b.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads districts, okrugs and boundaries from the store.
    pub async fn reload_directory(&self) -> StoreResult<()> {
        let fresh = Directory {
            okrugs: self.store.okrugs().await?,
            districts: self.store.districts().await?,
        };
        let mut boundaries =
            Boundaries::for_districts(self.store.boundaries().await?, &fresh.districts);
        // Unchanged (the usual re-read): the current ones stay, with the map outlines made of
        // them.
        let current = self.boundaries();
        if !Arc::ptr_eq(&current, &boundaries) && current.iter().eq(boundaries.iter()) {
            boundaries = current;
        }
        match self.directory.write() {
            Ok(mut d) => *d = Arc::new(fresh),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(fresh),
        }
        match self.boundaries.write() {
            Ok(mut b) => *b = boundaries,
            Err(poisoned) => *poisoned.into_inner() = boundaries,
        }
        Ok(())
    }

    /// One round of housekeeping: the directory and boundaries re-read (an import from the CLI reaches
    /// running servers within ten minutes), expired sessions, idempotency records and email
    /// tokens swept.
    pub async fn housekeeping(&self) {
        if let Err(e) = self.reload_directory().await {
            tracing::warn!(error = %e, "directory reload");
        }
        let now = crate::clock::now();
        match self.store.delete_expired_sessions(now).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions swept"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session sweep"),
        }
        let cutoff = now - Duration::from_secs(86_400);
        if let Err(e) = self.store.delete_idempotency_before(cutoff).await {
            tracing::warn!(error = %e, "idempotency sweep");
        }
        if let Err(e) = self.store.delete_expired_email_tokens(now).await {
            tracing::warn!(error = %e, "email token sweep");
        }
        let read_by_all = now - identity::OVERLAP * 4 - identity::TTL;
        if let Err(e) = self.store.delete_revocations_before(read_by_all).await {
            tracing::warn!(error = %e, "revocation sweep");
        }
    }

    /// Every 30 s, puts the emails that committed changes owe but that never reached the outbox
    /// (a crash in between) into it. See [`crate::notify`].
    pub async fn relay_round(&self) {
        match mail::relay_pending(self).await {
            Ok(n) if n > 0 => tracing::info!(settled = n, "owed emails relayed to the outbox"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "relaying owed emails"),
        }
    }
}
