//! The core store on MongoDB; okrugs, districts and their boundaries in [`districts`].

mod districts;
mod revocations;

use async_trait::async_trait;
use mongodb::bson::{doc, DateTime, Document};
use mongodb::options::ReturnDocument;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AuditEntry, CoreStore, IdempotencyRecord, IdempotencyStore, StoredResponse};
use crate::accounts::model::{
    Account, AccountQuery, AccountState, ApiToken, BirthYear, DisplayName, Email, EmailToken,
    Organisation, Role, Session, TokenPurpose,
};
use crate::error::{StoreError, StoreResult};
use crate::id::{AccountId, AuditId, DistrictId, OrganisationId, TokenId};
use crate::storage::mongo::{bson_time, find_sorted, from_bson_time, past, Index, Named};
use crate::storage::Mongo;
use crate::web::i18n::Lang;

pub struct MongoCoreStore {
    db: Mongo,
}

/// Every field holding an instant, by collection: all are written as BSON dates, and the
/// migration at open rewrites any stored as integer milliseconds. No version of this adapter
/// wrote numbers here; the run is the same guarantee the other adapters give, for data loaded
/// by other means, and costs one lookup once it has completed.
const TIME_FIELDS: &[(&str, &[&str])] = &[
    (
        "accounts",
        &["created_at", "updated_at", "mail_pending_since"],
    ),
    ("email_tokens", &["created_at", "expires_at"]),
    ("sessions", &["created_at", "last_seen_at", "expires_at"]),
    ("api_tokens", &["created_at", "last_used_at"]),
    ("organisations", &["created_at"]),
    ("audit_log", &["at"]),
    ("idempotency", &["created_at"]),
];

/// The collections, each with the type its documents are read as.
const ACCOUNTS: Named<AccountDoc> = Named::new("accounts");
const EMAIL_TOKENS: Named<EmailTokenDoc> = Named::new("email_tokens");
const SESSIONS: Named<SessionDoc> = Named::new("sessions");
const API_TOKENS: Named<TokenDoc> = Named::new("api_tokens");
const ORGANISATIONS: Named<OrganisationDoc> = Named::new("organisations");
const AUDIT_LOG: Named<AuditDoc> = Named::new("audit_log");
const SETTINGS: Named<Document> = Named::new("settings");
const IDEMPOTENCY: Named<IdempotencyDoc> = Named::new("idempotency");

#[derive(Serialize, Deserialize)]
struct AccountDoc {
    #[serde(rename = "_id")]
    id: String,
    email: String,
    display_name: String,
    search: String,
    district_id: String,
    birth_year: i32,
    password_hash: String,
    roles: Vec<String>,
    organisation_id: Option<String>,
    state: String,
    created_at: DateTime,
    updated_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail_pending_since: Option<DateTime>,
    #[serde(default)]
    lang: Option<String>,
}

impl From<&Account> for AccountDoc {
    fn from(a: &Account) -> Self {
        AccountDoc {
            id: a.id.to_string(),
            email: a.email.to_string(),
            display_name: a.display_name.to_string(),
            search: a.search_text(),
            district_id: a.district_id.to_string(),
            birth_year: a.birth_year.value(),
            password_hash: a.password_hash.clone(),
            roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
            organisation_id: a.organisation_id.as_ref().map(|o| o.to_string()),
            state: a.state.as_str().to_string(),
            created_at: bson_time(a.created_at),
            updated_at: bson_time(a.updated_at),
            mail_pending_since: a.mail_pending_since.map(bson_time),
            lang: Some(a.lang.code().to_string()),
        }
    }
}

impl From<AccountDoc> for Account {
    fn from(d: AccountDoc) -> Self {
        Account {
            id: AccountId::from_trusted(d.id),
            email: Email::from_trusted(d.email),
            display_name: DisplayName::from_trusted(d.display_name),
            district_id: DistrictId::from_trusted(d.district_id),
            birth_year: BirthYear::from_trusted(d.birth_year),
            password_hash: d.password_hash,
            roles: d.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            organisation_id: d.organisation_id.map(OrganisationId::from_trusted),
            state: AccountState::parse(&d.state).unwrap_or(AccountState::Blocked),
            created_at: from_bson_time(d.created_at),
            updated_at: from_bson_time(d.updated_at),
            mail_pending_since: d.mail_pending_since.map(from_bson_time),
            lang: d.lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Ru),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct EmailTokenDoc {
    #[serde(rename = "_id")]
    hash: String,
    account_id: String,
    purpose: String,
    new_email: Option<String>,
    created_at: DateTime,
    expires_at: DateTime,
}

impl From<EmailTokenDoc> for EmailToken {
    fn from(d: EmailTokenDoc) -> Self {
        EmailToken {
            hash: d.hash,
            account_id: AccountId::from_trusted(d.account_id),
            purpose: TokenPurpose::parse(&d.purpose).unwrap_or(TokenPurpose::VerifyEmail),
            new_email: d.new_email.map(Email::from_trusted),
            created_at: from_bson_time(d.created_at),
            expires_at: from_bson_time(d.expires_at),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SessionDoc {
    #[serde(rename = "_id")]
    id_hash: String,
    account_id: String,
    created_at: DateTime,
    last_seen_at: DateTime,
    expires_at: DateTime,
}

#[derive(Serialize, Deserialize)]
struct TokenDoc {
    #[serde(rename = "_id")]
    id: String,
    account_id: String,
    name: String,
    hash: String,
    created_at: DateTime,
    last_used_at: Option<DateTime>,
}

#[derive(Serialize, Deserialize)]
struct OrganisationDoc {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    created_at: DateTime,
}

#[derive(Serialize, Deserialize)]
struct AuditDoc {
    #[serde(rename = "_id")]
    id: String,
    at: DateTime,
    actor_id: String,
    action: String,
    target: String,
    reason: Option<String>,
    /// JSON text: free-form details may hold keys MongoDB forbids (`.`, `$`).
    details: String,
}

#[derive(Serialize, Deserialize)]
struct IdempotencyDoc {
    #[serde(rename = "_id")]
    key_hash: String,
    request_hash: String,
    status: Option<i32>,
    body: Option<String>,
    location: Option<String>,
    created_at: DateTime,
}

impl MongoCoreStore {
    pub fn new(db: Mongo) -> Self {
        MongoCoreStore { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let db = &self.db;
        db.ensure_indexes(&[
            Index::unique("accounts", &["email"]),
            Index::on("sessions", &["account_id"]),
            Index::on("sessions", &["expires_at"]),
            Index::unique("api_tokens", &["hash"]),
            Index::on("api_tokens", &["account_id"]),
            Index::on("organisations", &["name"]),
            Index::on("accounts", &["mail_pending_since"]),
            Index::on("accounts", &["district_id", "_id"]),
            Index::on("accounts", &["organisation_id", "_id"]),
            Index::on("email_tokens", &["account_id", "purpose"]),
            Index::on("email_tokens", &["expires_at"]),
            Index::on("idempotency", &["created_at"]),
            Index::on("identity_revocations", &["at", "_id"]),
        ])
        .await?;
        db.convert_millis_to_dates("core_times_as_dates", TIME_FIELDS)
            .await?;
        Ok(())
    }
}

impl MongoCoreStore {
    /// The accounts `filter` matches, in `sort` order, at most `limit`.
    async fn find_accounts(
        &self,
        filter: Document,
        sort: Document,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        let docs = find_sorted(&ACCOUNTS.of(&self.db), filter, sort, Some(limit)).await?;
        Ok(docs.into_iter().map(Account::from).collect())
    }

    /// Some servers (FerretDB) report a duplicate key without naming the index. The accounts
    /// collection has two unique keys, `_id` and `email`: find out which one clashed.
    async fn name_account_conflict(&self, err: StoreError, account: &Account) -> StoreError {
        match err {
            StoreError::Conflict(key)
                if key == "unknown" || !(key.contains("email") || key.contains("_id")) =>
            {
                match ACCOUNTS
                    .of(&self.db)
                    .find_one(doc! { "email": account.email.as_str() })
                    .await
                {
                    Ok(Some(other)) if other.id != account.id.as_str() => {
                        StoreError::Conflict("email_1".into())
                    }
                    Ok(_) => StoreError::Conflict("_id_".into()),
                    Err(e) => e.into(),
                }
            }
            other => other,
        }
    }
}

/// Escapes regular-expression metacharacters so user text matches literally.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn session_from_doc(d: SessionDoc) -> Session {
    Session {
        id_hash: d.id_hash,
        account_id: AccountId::from_trusted(d.account_id),
        created_at: from_bson_time(d.created_at),
        last_seen_at: from_bson_time(d.last_seen_at),
        expires_at: from_bson_time(d.expires_at),
    }
}

fn token_from_doc(d: TokenDoc) -> ApiToken {
    ApiToken {
        id: TokenId::from_trusted(d.id),
        account_id: AccountId::from_trusted(d.account_id),
        name: d.name,
        hash: d.hash,
        created_at: from_bson_time(d.created_at),
        last_used_at: d.last_used_at.map(from_bson_time),
    }
}

fn organisation_from_doc(d: OrganisationDoc) -> Organisation {
    Organisation {
        id: OrganisationId::from_trusted(d.id),
        name: d.name,
        created_at: from_bson_time(d.created_at),
    }
}

#[async_trait]
impl CoreStore for MongoCoreStore {
    fn as_idempotency(&self) -> &dyn IdempotencyStore {
        self
    }

    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        match ACCOUNTS
            .of(&self.db)
            .insert_one(AccountDoc::from(account))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(self.name_account_conflict(e.into(), account).await),
        }
    }

    async fn account(&self, id: &AccountId) -> StoreResult<Option<Account>> {
        Ok(ACCOUNTS
            .of(&self.db)
            .find_one(doc! { "_id": id.as_str() })
            .await?
            .map(Account::from))
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        Ok(ACCOUNTS
            .of(&self.db)
            .find_one(doc! { "email": email })
            .await?
            .map(Account::from))
    }

    async fn update_account(&self, account: &Account) -> StoreResult<()> {
        let result = match ACCOUNTS
            .of(&self.db)
            .replace_one(
                doc! { "_id": account.id.as_str() },
                AccountDoc::from(account),
            )
            .await
        {
            Ok(result) => result,
            Err(e) => return Err(self.name_account_conflict(e.into(), account).await),
        };
        if result.matched_count == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn accounts_with_pending_mail(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        // `$lt` on a date matches dates only (type bracketing): accounts without the field are
        // not scanned.
        self.find_accounts(
            doc! { "mail_pending_since": { "$lt": bson_time(before) } },
            doc! { "mail_pending_since": 1 },
            limit,
        )
        .await
    }

    async fn clear_pending_mail(&self, id: &AccountId, since: OffsetDateTime) -> StoreResult<bool> {
        let result = ACCOUNTS
            .of(&self.db)
            .update_one(
                doc! { "_id": id.as_str(), "mail_pending_since": bson_time(since) },
                doc! { "$unset": { "mail_pending_since": "" } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    async fn insert_email_token(&self, t: &EmailToken) -> StoreResult<()> {
        EMAIL_TOKENS
            .of(&self.db)
            .insert_one(EmailTokenDoc {
                hash: t.hash.clone(),
                account_id: t.account_id.to_string(),
                purpose: t.purpose.as_str().to_string(),
                new_email: t.new_email.as_ref().map(|e| e.to_string()),
                created_at: bson_time(t.created_at),
                expires_at: bson_time(t.expires_at),
            })
            .await?;
        Ok(())
    }

    async fn take_email_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<EmailToken>> {
        // Read, then delete, and only the caller whose delete removed it has it: a delete is
        // atomic on every server, where `findOneAndDelete` is not on the test server (FerretDB
        // runs it as a read then a write).
        let Some(found) = EMAIL_TOKENS
            .of(&self.db)
            .find_one(doc! { "_id": hash, "purpose": purpose.as_str() })
            .await?
        else {
            return Ok(None);
        };
        let deleted = EMAIL_TOKENS
            .of(&self.db)
            .delete_one(doc! { "_id": hash })
            .await?
            .deleted_count;
        Ok((deleted == 1)
            .then(|| EmailToken::from(found))
            .filter(|t| t.expires_at > now))
    }

    async fn delete_email_tokens_of(
        &self,
        account: &AccountId,
        purpose: TokenPurpose,
    ) -> StoreResult<u64> {
        Ok(EMAIL_TOKENS
            .of(&self.db)
            .delete_many(doc! { "account_id": account.as_str(), "purpose": purpose.as_str() })
            .await?
            .deleted_count)
    }

    async fn delete_expired_email_tokens(&self, now: OffsetDateTime) -> StoreResult<u64> {
        Ok(EMAIL_TOKENS
            .of(&self.db)
            .delete_many(doc! { "expires_at": { "$lte": bson_time(now) } })
            .await?
            .deleted_count)
    }

    async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Vec<Account>> {
        let mut filter = Document::new();
        if let Some(text) = &query.text {
            filter.insert("search", doc! { "$regex": regex_escape(text) });
        }
        if let Some(role) = query.role {
            filter.insert("roles", role.as_str());
        }
        if let Some(state) = query.state {
            filter.insert("state", state.as_str());
        }
        let before = query.before.as_ref().map(AccountId::as_str);
        self.find_accounts(
            past(filter, "_id", "$lt", before),
            doc! { "_id": -1 },
            query.limit,
        )
        .await
    }

    async fn accounts_of_organisation(
        &self,
        organisation: &OrganisationId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        let filter = doc! {
            "organisation_id": organisation.as_str(),
            "state": { "$ne": AccountState::Blocked.as_str() },
        };
        let filter = past(filter, "_id", "$gt", after.map(AccountId::as_str));
        self.find_accounts(filter, doc! { "organisation_id": 1, "_id": 1 }, limit)
            .await
    }

    async fn accounts_in_districts(
        &self,
        districts: &[DistrictId],
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        let mut filter = doc! { "state": { "$ne": AccountState::Blocked.as_str() } };
        if !districts.is_empty() {
            let mut ids: Vec<&str> = districts.iter().map(|d| d.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            filter.insert("district_id", doc! { "$in": ids });
        }
        let filter = past(filter, "_id", "$gt", after.map(AccountId::as_str));
        self.find_accounts(filter, doc! { "_id": 1 }, limit).await
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        SESSIONS
            .of(&self.db)
            .insert_one(SessionDoc {
                id_hash: s.id_hash.clone(),
                account_id: s.account_id.to_string(),
                created_at: bson_time(s.created_at),
                last_seen_at: bson_time(s.last_seen_at),
                expires_at: bson_time(s.expires_at),
            })
            .await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<Session>> {
        Ok(SESSIONS
            .of(&self.db)
            .find_one(doc! { "_id": id_hash })
            .await?
            .map(session_from_doc))
    }

    async fn renew_session(
        &self,
        id_hash: &str,
        last_seen_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        SESSIONS.of(&self.db)
            .update_one(
                doc! { "_id": id_hash },
                doc! { "$set": { "last_seen_at": bson_time(last_seen_at), "expires_at": bson_time(expires_at) } },
            )
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        SESSIONS
            .of(&self.db)
            .delete_one(doc! { "_id": id_hash })
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, account: &AccountId) -> StoreResult<u64> {
        Ok(SESSIONS
            .of(&self.db)
            .delete_many(doc! { "account_id": account.as_str() })
            .await?
            .deleted_count)
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        Ok(SESSIONS
            .of(&self.db)
            .delete_many(doc! { "expires_at": { "$lte": bson_time(now) } })
            .await?
            .deleted_count)
    }

    async fn insert_token(&self, t: &ApiToken) -> StoreResult<()> {
        let inserted = API_TOKENS
            .of(&self.db)
            .insert_one(TokenDoc {
                id: t.id.to_string(),
                account_id: t.account_id.to_string(),
                name: t.name.clone(),
                hash: t.hash.clone(),
                created_at: bson_time(t.created_at),
                last_used_at: t.last_used_at.map(bson_time),
            })
            .await;
        match inserted.map_err(StoreError::from) {
            Ok(_) => Ok(()),
            // FerretDB does not name the clashing index: the tokens have two unique keys.
            Err(StoreError::Conflict(key)) if key == "unknown" => {
                match API_TOKENS
                    .of(&self.db)
                    .find_one(doc! { "hash": &t.hash })
                    .await?
                {
                    Some(other) if other.id != t.id.as_str() => {
                        Err(StoreError::Conflict("hash_1".into()))
                    }
                    _ => Err(StoreError::Conflict("_id_".into())),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<ApiToken>> {
        Ok(API_TOKENS
            .of(&self.db)
            .find_one(doc! { "hash": hash })
            .await?
            .map(token_from_doc))
    }

    async fn tokens_of(&self, account: &AccountId) -> StoreResult<Vec<ApiToken>> {
        let docs = find_sorted(
            &API_TOKENS.of(&self.db),
            doc! { "account_id": account.as_str() },
            doc! { "_id": 1 },
            None,
        )
        .await?;
        Ok(docs.into_iter().map(token_from_doc).collect())
    }

    async fn touch_tokens(&self, hashes: &[String], at: OffsetDateTime) -> StoreResult<()> {
        for chunk in hashes.chunks(1000) {
            API_TOKENS
                .of(&self.db)
                .update_many(
                    doc! { "hash": { "$in": chunk } },
                    doc! { "$set": { "last_used_at": bson_time(at) } },
                )
                .await?;
        }
        Ok(())
    }

    async fn delete_token(&self, account: &AccountId, id: &TokenId) -> StoreResult<bool> {
        Ok(API_TOKENS
            .of(&self.db)
            .delete_one(doc! { "_id": id.as_str(), "account_id": account.as_str() })
            .await?
            .deleted_count
            > 0)
    }

    async fn delete_tokens_of(&self, account: &AccountId) -> StoreResult<u64> {
        Ok(API_TOKENS
            .of(&self.db)
            .delete_many(doc! { "account_id": account.as_str() })
            .await?
            .deleted_count)
    }

    async fn insert_organisation(&self, o: &Organisation) -> StoreResult<()> {
        ORGANISATIONS
            .of(&self.db)
            .insert_one(OrganisationDoc {
                id: o.id.to_string(),
                name: o.name.clone(),
                created_at: bson_time(o.created_at),
            })
            .await?;
        Ok(())
    }

    async fn organisation(&self, id: &OrganisationId) -> StoreResult<Option<Organisation>> {
        Ok(ORGANISATIONS
            .of(&self.db)
            .find_one(doc! { "_id": id.as_str() })
            .await?
            .map(organisation_from_doc))
    }

    async fn organisations(&self) -> StoreResult<Vec<Organisation>> {
        let docs = find_sorted(
            &ORGANISATIONS.of(&self.db),
            doc! {},
            doc! { "name": 1, "_id": 1 },
            None,
        )
        .await?;
        Ok(docs.into_iter().map(organisation_from_doc).collect())
    }

    async fn insert_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        AUDIT_LOG
            .of(&self.db)
            .insert_one(AuditDoc {
                id: e.id.to_string(),
                at: bson_time(e.at),
                actor_id: e.actor_id.to_string(),
                action: e.action.clone(),
                target: e.target.clone(),
                reason: e.reason.clone(),
                details: e.details.to_string(),
            })
            .await?;
        Ok(())
    }

    async fn list_audit(
        &self,
        before: Option<&AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        let filter = past(doc! {}, "_id", "$lt", before.map(AuditId::as_str));
        let docs = find_sorted(
            &AUDIT_LOG.of(&self.db),
            filter,
            doc! { "_id": -1 },
            Some(limit),
        )
        .await?;
        Ok(docs
            .into_iter()
            .map(|d| AuditEntry {
                id: AuditId::from_trusted(d.id),
                at: from_bson_time(d.at),
                actor_id: AccountId::from_trusted(d.actor_id),
                action: d.action,
                target: d.target,
                reason: d.reason,
                details: serde_json::from_str(&d.details).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        let upsert = SETTINGS
            .of(&self.db)
            .find_one_and_update(
                doc! { "_id": key },
                doc! { "$setOnInsert": { "value": value } },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await;
        let stored = match upsert {
            Ok(found) => found,
            // Two servers upserting the same new key at once: one wins, the other reads its value.
            Err(e) if matches!(StoreError::from(e.clone()), StoreError::Conflict(_)) => {
                SETTINGS.of(&self.db).find_one(doc! { "_id": key }).await?
            }
            Err(e) => return Err(e.into()),
        };
        stored
            .and_then(|d| d.get_str("value").ok().map(str::to_string))
            .ok_or_else(|| StoreError::Internal(format!("setting {key} has no value")))
    }

    async fn delete_idempotency_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        Ok(IDEMPOTENCY
            .of(&self.db)
            .delete_many(doc! { "created_at": { "$lt": bson_time(cutoff) } })
            .await?
            .deleted_count)
    }
}

#[async_trait]
impl IdempotencyStore for MongoCoreStore {
    async fn reserve_idempotency(&self, r: &IdempotencyRecord) -> StoreResult<()> {
        IDEMPOTENCY
            .of(&self.db)
            .insert_one(IdempotencyDoc {
                key_hash: r.key_hash.clone(),
                request_hash: r.request_hash.clone(),
                status: r.response.as_ref().map(|s| i32::from(s.status)),
                body: r.response.as_ref().map(|s| s.body.clone()),
                location: r.response.as_ref().and_then(|s| s.location.clone()),
                created_at: bson_time(r.created_at),
            })
            .await?;
        Ok(())
    }

    async fn idempotency(&self, key_hash: &str) -> StoreResult<Option<IdempotencyRecord>> {
        Ok(IDEMPOTENCY
            .of(&self.db)
            .find_one(doc! { "_id": key_hash })
            .await?
            .map(|d| IdempotencyRecord {
                key_hash: d.key_hash,
                request_hash: d.request_hash,
                response: StoredResponse::from_columns(
                    d.status.map(|status| u16::try_from(status).unwrap_or(500)),
                    d.body,
                    d.location,
                ),
                created_at: from_bson_time(d.created_at),
            }))
    }

    async fn complete_idempotency(&self, key_hash: &str, r: &StoredResponse) -> StoreResult<()> {
        IDEMPOTENCY.of(&self.db)
            .update_one(
                doc! { "_id": key_hash },
                doc! { "$set": { "status": i32::from(r.status), "body": &r.body, "location": r.location.clone() } },
            )
            .await?;
        Ok(())
    }

    async fn release_idempotency(&self, key_hash: &str) -> StoreResult<()> {
        IDEMPOTENCY
            .of(&self.db)
            .delete_one(doc! { "_id": key_hash })
            .await?;
        Ok(())
    }

    async fn take_over_idempotency(
        &self,
        stale: &IdempotencyRecord,
        claim: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        // On `_id`; the claim's time is the version that two retries race on.
        let taken = IDEMPOTENCY
            .of(&self.db)
            .update_one(
                doc! {
                    "_id": &stale.key_hash,
                    "status": null,
                    "created_at": bson_time(stale.created_at),
                },
                doc! { "$set": { "created_at": bson_time(claim.created_at) } },
            )
            .await?;
        Ok(taken.modified_count == 1)
    }
}
