//! Resolved identities kept in memory, so that a request from a browser or a program seen in
//! the last minute costs no store read to know who it is.
//!
//! An entry is what a session cookie or an API token resolved to (the account, how it
//! authenticated, the session's times or the token's last use), kept at most [`TTL`] and at
//! most [`CAPACITY`] entries. What changes it is honoured:
//! - **on the server that made the change, at once**: the change evicts the entries it touches
//!   before it answers ([`crate::accounts::Accounts::forget`]);
//! - **on every other server within about [`POLL_EVERY`] + the store's latency**: the change
//!   also records a revocation in the core store, which every server reads every second
//!   ([`crate::accounts::Accounts::identity_round`]) and evicts by;
//! - **never later than [`TTL`]**, whatever happens to the revocation feed (a store outage, a
//!   clock further off than [`OVERLAP`]).
//!
//! A read that raced a change (it began before the change was recorded and ended after) is
//! not kept: the revocations seen in the last [`OVERLAP`] are remembered, and an entry whose
//! account, session or token was revoked after its read began is answered but not cached.
//! Blocked accounts are never cached; signing out, revoking a token, changing a password,
//! roles, organisation, district, name or language, and blocking all revoke.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moka::sync::Cache;
use time::OffsetDateTime;

use super::model::{Account, Session};
use crate::id::AccountId;
use crate::web::auth::Via;

/// The longest an entry is kept (and so the longest a change made by another server can go
/// unseen if every revocation read fails).
pub const TTL: Duration = Duration::from_secs(60);
/// The most entries kept (about 1 KB each).
pub const CAPACITY: u64 = 200_000;
/// How often every server reads the revocations.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// How far back each read of the revocations reaches before the previous one: servers' clocks
/// may differ by this much, and a slow write may land this late.
pub const OVERLAP: Duration = Duration::from_secs(30);

/// What a session cookie or an API token resolved to.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub account: Account,
    pub via: Via,
    /// The session's times, when signed in by cookie.
    pub session: Option<Session>,
    /// The last use of the token recorded, when signed in by token.
    pub token_used: Option<OffsetDateTime>,
}

/// The key of a session's entry (by the hash of its cookie).
pub fn session_key(id_hash: &str) -> String {
    format!("s:{id_hash}")
}

/// The key of an API token's entry (by the hash of its secret).
pub fn token_key(hash: &str) -> String {
    format!("t:{hash}")
}

/// The key that revokes every entry of an account.
pub fn account_key(id: &AccountId) -> String {
    format!("a:{id}")
}

/// The resolved identities of this server and the revocations it has seen.
pub struct Identities {
    entries: Cache<String, Arc<Resolved>>,
    /// Key → the latest revocation of it seen, for [`OVERLAP`].
    revoked: Mutex<HashMap<String, OffsetDateTime>>,
    /// When the last read of the revocations began.
    last_read: Mutex<Option<OffsetDateTime>>,
}

impl Default for Identities {
    fn default() -> Self {
        Identities::new(TTL, CAPACITY)
    }
}

impl Identities {
    pub fn new(ttl: Duration, capacity: u64) -> Identities {
        Identities {
            entries: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .support_invalidation_closures()
                .build(),
            revoked: Mutex::new(HashMap::new()),
            last_read: Mutex::new(None),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<Resolved>> {
        self.entries.get(key)
    }

    /// Keeps what `key` resolved to, read from the store from `started` on, unless the key or
    /// its account was revoked since then (the read may have seen the state before the change).
    pub fn put(&self, key: String, resolved: Resolved, started: OffsetDateTime) {
        let account = account_key(&resolved.account.id);
        let revoked = self.revoked();
        let raced = [&key, &account]
            .into_iter()
            .filter_map(|k| revoked.get(k.as_str()))
            .any(|at| *at >= started - OVERLAP);
        drop(revoked);
        if !raced {
            self.entries.insert(key, Arc::new(resolved));
        }
    }

    /// Replaces the entry of `key` if there is one (a renewed session, a token's recorded use).
    pub fn update(&self, key: &str, resolved: Resolved) {
        if self.entries.contains_key(key) {
            self.entries.insert(key.to_string(), Arc::new(resolved));
        }
    }

    /// Forgets what `key` names (an account key: every entry of that account), revoked at `at`.
    pub fn evict(&self, key: &str, at: OffsetDateTime) {
        {
            let mut revoked = self.revoked();
            let latest = revoked.entry(key.to_string()).or_insert(at);
            if *latest < at {
                *latest = at;
            }
        }
        match key.strip_prefix("a:") {
            Some(id) => {
                let id = id.to_string();
                let by_closure = self
                    .entries
                    .invalidate_entries_if(move |_, v| v.account.id.as_str() == id);
                if by_closure.is_err() {
                    self.entries.invalidate_all();
                }
            }
            None => self.entries.invalidate(key),
        }
    }

    /// Forgets the revocations older than [`OVERLAP`] before `now`.
    pub fn prune(&self, now: OffsetDateTime) {
        self.revoked().retain(|_, at| *at >= now - OVERLAP * 2);
    }

    /// Where the next read of the revocations begins, and notes that it begins at `now`.
    pub fn next_read(&self, now: OffsetDateTime) -> OffsetDateTime {
        let mut last = match self.last_read.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        let since = last.unwrap_or(now) - OVERLAP;
        *last = Some(now);
        since
    }

    /// Applies revocations read from the store: each one not seen yet evicts.
    pub fn apply(&self, revocations: &[(String, OffsetDateTime)]) {
        for (key, at) in revocations {
            let seen = self.revoked().get(key).is_some_and(|latest| latest >= at);
            if !seen {
                self.evict(key, *at);
            }
        }
    }

    /// How many entries are kept (approximately: evictions are applied lazily).
    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn revoked(&self) -> std::sync::MutexGuard<'_, HashMap<String, OffsetDateTime>> {
        match self.revoked.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
