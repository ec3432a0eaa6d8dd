//! The outbox store: one trait, two adapters ([`sqlite`], [`mongo`]), one contract suite
//! (`notifier/tests/contract.rs`) run against both. The outbox lives in the same store as the
//! domain data.

mod mongo;
mod sqlite;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use veche_core::accounts::model::Email;
use veche_core::id::AccountId;
use veche_core::storage::Backend;
use veche_core::StoreResult;

use crate::model::{Delivery, Job, JobId, JobState, Outcome, Preferences, Suppression};

#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Stores a new job; `false` (and nothing stored) when a job with its key exists.
    async fn insert(&self, job: &Job) -> StoreResult<bool>;
    /// Takes up to `limit` queued jobs due at `now` (oldest due first) for the worker `lease`:
    /// each gets `next_at = lease_until` and one more attempt. A job is never held by two
    /// leases at once; a lease that ran out (its worker died) makes the job claimable again.
    async fn claim(
        &self,
        lease: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Job>>;
    /// Records how a claimed job ended; `false` when the lease is no longer this worker's.
    async fn finish(
        &self,
        id: &JobId,
        lease: &str,
        outcome: &Outcome,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn job(&self, id: &JobId) -> StoreResult<Option<Job>>;
    async fn job_by_key(&self, key: &str) -> StoreResult<Option<Job>>;
    /// Jobs in one state, newest first, older than the cursor `before` when given.
    async fn list(
        &self,
        state: JobState,
        before: Option<&JobId>,
        limit: usize,
    ) -> StoreResult<Vec<Job>>;
    /// A dead job goes back to the queue with its attempts reset; `false` if it was not dead.
    async fn requeue(&self, id: &JobId, now: OffsetDateTime) -> StoreResult<bool>;
    /// How many jobs are in each state.
    async fn counts(&self) -> StoreResult<BTreeMap<JobState, u64>>;
    /// Held jobs of days up to and including `through_day` (oldest first, at most `limit`):
    /// the digests due.
    async fn held_through(&self, through_day: &str, limit: usize) -> StoreResult<Vec<Job>>;
    /// Moves the account's held jobs of days up to `through_day` into the digest `digest_id`.
    async fn attach_held(
        &self,
        account: &AccountId,
        through_day: &str,
        digest_id: &JobId,
    ) -> StoreResult<u64>;
    /// The jobs a digest carries, oldest first.
    async fn attached(&self, digest_id: &JobId) -> StoreResult<Vec<Job>>;
    /// Forgets finished jobs (sent, skipped, digested) last updated before `cutoff`.
    async fn purge(&self, cutoff: OffsetDateTime) -> StoreResult<u64>;

    async fn preferences(&self, account: &AccountId) -> StoreResult<Preferences>;
    /// The preferences of many accounts in one round trip (accounts that set none are absent).
    async fn preferences_of(
        &self,
        accounts: &[AccountId],
    ) -> StoreResult<HashMap<AccountId, Preferences>>;
    async fn set_preference(
        &self,
        account: &AccountId,
        kind: &str,
        delivery: Delivery,
    ) -> StoreResult<()>;

    async fn suppress(&self, suppression: &Suppression) -> StoreResult<()>;
    async fn suppression(&self, email: &Email) -> StoreResult<Option<Suppression>>;
    async fn unsuppress(&self, email: &Email) -> StoreResult<bool>;
}

/// Builds the outbox store for a backend and prepares its schema (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn OutboxStore>> {
    veche_core::open_store!(backend, sqlite::SqliteOutbox, mongo::MongoOutbox)
}
