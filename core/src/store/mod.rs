//! The core store: accounts, sessions, API tokens, districts, organisations, the audit log,
//! server settings and idempotency records. One trait, two adapters ([`sqlite`], [`mongo`]),
//! one contract suite (`core/tests/contract.rs`) run against both.

mod mongo;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::accounts::model::{
    Account, AccountQuery, ApiToken, EmailToken, Organisation, Session, TokenPurpose,
};
use crate::districts::{Boundary, District, Okrug};
use crate::error::StoreResult;
use crate::id::{AccountId, AuditId, DistrictId, OrganisationId, TokenId};
use crate::storage::Backend;

/// Who did what to what, when, and why. Written for every admin, moderator and official action.
#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[schema(value_type = String)]
    pub id: AuditId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[schema(value_type = String)]
    pub actor_id: AccountId,
    /// A stable snake_case name, e.g. `account.roles_set`, `account.blocked`.
    pub action: String,
    /// What the action was done to, e.g. `account:01J…`.
    pub target: String,
    pub reason: Option<String>,
    /// Action-specific details as a JSON object (e.g. the roles before and after).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl AuditEntry {
    /// What `actor` does now to `target`, under a fresh id.
    pub fn now(
        actor: &AccountId,
        action: &str,
        target: String,
        reason: Option<String>,
        details: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            id: AuditId::generate(),
            at: crate::clock::now(),
            actor_id: actor.clone(),
            action: action.to_string(),
            target,
            reason,
            details,
        }
    }
}

pub use crate::web::idempotency::{IdempotencyRecord, IdempotencyStore, StoredResponse};

/// Okrugs, districts and their boundaries: a part of the core store, each adapter's in its
/// `districts.rs`.
#[async_trait]
pub trait DistrictStore: Send + Sync {
    /// Inserts or updates every okrug and district given (by id).
    async fn upsert_districts(&self, okrugs: &[Okrug], districts: &[District]) -> StoreResult<()>;
    /// Removes the okrugs and districts whose ids are not listed (an import with `--replace`),
    /// and the boundaries of the districts removed; counts the okrugs and districts.
    async fn retain_districts(&self, okrugs: &[Okrug], districts: &[District]) -> StoreResult<u64>;
    /// Sorted by id.
    async fn okrugs(&self) -> StoreResult<Vec<Okrug>>;
    /// Sorted by id.
    async fn districts(&self) -> StoreResult<Vec<District>>;
    /// Inserts or replaces the boundary of each district given (an import of a GeoJSON city).
    async fn upsert_boundaries(&self, boundaries: &[Boundary]) -> StoreResult<()>;
    /// Every stored boundary, sorted by district id. A district may have none (Moscow's are
    /// built in, see [`crate::districts::Boundaries::for_districts`]).
    async fn boundaries(&self) -> StoreResult<Vec<Boundary>>;
}

/// What each server must forget of the identities it resolved: an entry a change of an
/// account, a session or a token leaves, read by every server every second (see
/// [`crate::accounts::identity`]). A part of the core store, each adapter's in its
/// `revocations.rs`.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Records that what `key` names changed at `at`.
    async fn insert_revocation(&self, key: &str, at: OffsetDateTime) -> StoreResult<()>;
    /// The revocations recorded at or after `since`, oldest first.
    async fn revocations_since(
        &self,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(String, OffsetDateTime)>>;
    /// Drops the revocations recorded before `cutoff`; counts them.
    async fn delete_revocations_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64>;
}

/// The idempotency records are the web kit's port ([`IdempotencyStore`]), kept here too.
#[async_trait]
pub trait CoreStore: IdempotencyStore + DistrictStore + RevocationStore {
    /// This store as the web kit's idempotency port.
    fn as_idempotency(&self) -> &dyn IdempotencyStore;

    // Accounts.
    /// Fails with `Conflict("…email…")` when the address is taken.
    async fn insert_account(&self, account: &Account) -> StoreResult<()>;
    async fn account(&self, id: &AccountId) -> StoreResult<Option<Account>>;
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>>;
    /// Replaces the stored record with this one (matched by id); `NotFound` if there is none,
    /// `Conflict` if a changed email is taken.
    async fn update_account(&self, account: &Account) -> StoreResult<()>;
    /// Newest first, at most `query.limit`.
    async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Vec<Account>>;
    /// Active and unverified accounts (not blocked) living in one of `districts` (every district
    /// when empty), in id order after `after`, at most `limit`.
    async fn accounts_in_districts(
        &self,
        districts: &[DistrictId],
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<Account>>;

    /// The accounts of an organisation (its officials; blocked ones left out), in id order
    /// after `after`, at most `limit`: whom a feature tells of the organisation's work.
    async fn accounts_of_organisation(
        &self,
        organisation: &OrganisationId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<Account>>;

    /// Accounts that owe an email since before `before` (oldest first, at most `limit`).
    async fn accounts_with_pending_mail(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Account>>;
    /// Clears the debt recorded at `since`; false when it was cleared already or replaced by a
    /// newer one.
    async fn clear_pending_mail(&self, id: &AccountId, since: OffsetDateTime) -> StoreResult<bool>;

    // Single-use email tokens, addressed by the blake3 hash of their secret.
    async fn insert_email_token(&self, token: &EmailToken) -> StoreResult<()>;
    /// Deletes the token and returns it, when it exists for this purpose and has not expired
    /// at `now`. Two concurrent takers: one gets it.
    async fn take_email_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<EmailToken>>;
    async fn delete_email_tokens_of(
        &self,
        account: &AccountId,
        purpose: TokenPurpose,
    ) -> StoreResult<u64>;
    async fn delete_expired_email_tokens(&self, now: OffsetDateTime) -> StoreResult<u64>;

    // Sessions, addressed by the blake3 hash of their cookie value.
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    async fn session(&self, id_hash: &str) -> StoreResult<Option<Session>>;
    async fn renew_session(
        &self,
        id_hash: &str,
        last_seen_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Signs the account out everywhere; returns how many sessions ended.
    async fn delete_sessions_of(&self, account: &AccountId) -> StoreResult<u64>;
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;

    // API tokens.
    async fn insert_token(&self, token: &ApiToken) -> StoreResult<()>;
    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<ApiToken>>;
    /// Oldest first.
    async fn tokens_of(&self, account: &AccountId) -> StoreResult<Vec<ApiToken>>;
    /// Records `at` as the last use of each token whose hash is in `hashes` (unknown hashes
    /// are skipped): one write for every token used within a second or so. By hash, the key
    /// the token was just found by.
    async fn touch_tokens(&self, hashes: &[String], at: OffsetDateTime) -> StoreResult<()>;
    /// True when a token of this account with this id existed.
    async fn delete_token(&self, account: &AccountId, id: &TokenId) -> StoreResult<bool>;
    async fn delete_tokens_of(&self, account: &AccountId) -> StoreResult<u64>;

    // Organisations.
    async fn insert_organisation(&self, organisation: &Organisation) -> StoreResult<()>;
    async fn organisation(&self, id: &OrganisationId) -> StoreResult<Option<Organisation>>;
    /// Sorted by name.
    async fn organisations(&self) -> StoreResult<Vec<Organisation>>;

    // Audit log.
    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Newest first, entries older than `before` when given.
    async fn list_audit(
        &self,
        before: Option<&AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>>;

    // Settings.
    /// Stores `value` under `key` unless a value is there already; returns the value that
    /// stands. Concurrent callers (several app servers starting at once) all get the same one.
    async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;

    // Idempotency: claims and answers are the supertrait's.
    /// Drops records created before `cutoff` (keys are remembered for 24 hours).
    async fn delete_idempotency_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64>;
}

/// A boundary as both adapters keep it (its geometry's GeoJSON text), read back; one that
/// does not parse is damaged data.
fn stored_boundary(id: String, geometry: &str) -> StoreResult<Boundary> {
    Boundary::from_geometry_json(DistrictId::from_trusted(id.clone()), geometry).map_err(|e| {
        crate::StoreError::Internal(format!("the stored boundary of district {id}: {e}"))
    })
}

/// Builds the core store for a backend and prepares its schema (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn CoreStore>> {
    crate::open_store!(backend, sqlite::SqliteCoreStore, mongo::MongoCoreStore)
}
