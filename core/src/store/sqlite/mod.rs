//! The core store on SQLite; okrugs, districts and their boundaries in [`districts`].

mod districts;
mod revocations;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{AuditEntry, CoreStore, IdempotencyRecord, IdempotencyStore, StoredResponse};
use crate::accounts::model::{
    Account, AccountQuery, AccountState, ApiToken, BirthYear, DisplayName, Email, EmailToken,
    Organisation, Role, Session, TokenPurpose,
};
use crate::clock::{from_millis, to_millis};
use crate::error::{StoreError, StoreResult};
use crate::id::{AccountId, AuditId, DistrictId, OrganisationId, TokenId};
use crate::storage::{as_i64, CachedStatements, Sqlite};
use crate::web::i18n::Lang;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    search TEXT NOT NULL,
    district_id TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    organisation_id TEXT,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);
CREATE TABLE okrugs (
    id TEXT PRIMARY KEY,
    abbrev TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE TABLE districts (
    id TEXT PRIMARY KEY,
    okrug_id TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT,
    details TEXT NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE idempotency (
    key_hash TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    location TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);
"#,
    r#"
ALTER TABLE accounts ADD COLUMN mail_pending_since INTEGER;
ALTER TABLE accounts ADD COLUMN lang TEXT NOT NULL DEFAULT 'ru';
CREATE INDEX accounts_mail_pending ON accounts (mail_pending_since);
CREATE TABLE email_tokens (
    hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    new_email TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX email_tokens_account ON email_tokens (account_id, purpose);
CREATE INDEX email_tokens_expiry ON email_tokens (expires_at);
"#,
    r#"
CREATE INDEX IF NOT EXISTS accounts_district ON accounts (district_id, id);
"#,
    r#"
CREATE TABLE IF NOT EXISTS district_boundaries (
    district_id TEXT PRIMARY KEY,
    geometry TEXT NOT NULL
);
"#,
    r#"
CREATE INDEX IF NOT EXISTS accounts_organisation ON accounts (organisation_id, id);
"#,
    r#"
CREATE TABLE IF NOT EXISTS identity_revocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS identity_revocations_at ON identity_revocations (at);
"#,
];

pub struct SqliteCoreStore {
    db: Sqlite,
}

impl SqliteCoreStore {
    pub fn new(db: Sqlite) -> Self {
        SqliteCoreStore { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("core", MIGRATIONS).await
    }
}

fn roles_text(account: &Account) -> String {
    // ",resident,admin," so that one role is found with LIKE '%,admin,%'.
    let mut text = String::from(",");
    for role in &account.roles {
        text.push_str(role.as_str());
        text.push(',');
    }
    text
}

const ACCOUNT_COLUMNS: &str = "id, email, display_name, district_id, birth_year, password_hash, \
     roles, organisation_id, state, created_at, updated_at, mail_pending_since, lang";

fn account_from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let roles: String = row.get(6)?;
    let state: String = row.get(8)?;
    Ok(Account {
        id: AccountId::from_trusted(row.get(0)?),
        email: Email::from_trusted(row.get(1)?),
        display_name: DisplayName::from_trusted(row.get(2)?),
        district_id: DistrictId::from_trusted(row.get(3)?),
        birth_year: BirthYear::from_trusted(row.get(4)?),
        password_hash: row.get(5)?,
        roles: roles.split(',').filter_map(Role::parse).collect(),
        organisation_id: row
            .get::<_, Option<String>>(7)?
            .map(OrganisationId::from_trusted),
        state: AccountState::parse(&state).unwrap_or(AccountState::Blocked),
        created_at: from_millis(row.get(9)?),
        updated_at: from_millis(row.get(10)?),
        mail_pending_since: row.get::<_, Option<i64>>(11)?.map(from_millis),
        lang: Lang::parse(&row.get::<_, String>(12)?).unwrap_or(Lang::Ru),
    })
}

fn email_token_from_row(row: &Row<'_>) -> rusqlite::Result<EmailToken> {
    let purpose: String = row.get(2)?;
    Ok(EmailToken {
        hash: row.get(0)?,
        account_id: AccountId::from_trusted(row.get(1)?),
        // An unknown purpose never matches a take (the query filters on it).
        purpose: TokenPurpose::parse(&purpose).unwrap_or(TokenPurpose::VerifyEmail),
        new_email: row.get::<_, Option<String>>(3)?.map(Email::from_trusted),
        created_at: from_millis(row.get(4)?),
        expires_at: from_millis(row.get(5)?),
    })
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id_hash: row.get(0)?,
        account_id: AccountId::from_trusted(row.get(1)?),
        created_at: from_millis(row.get(2)?),
        last_seen_at: from_millis(row.get(3)?),
        expires_at: from_millis(row.get(4)?),
    })
}

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId::from_trusted(row.get(0)?),
        account_id: AccountId::from_trusted(row.get(1)?),
        name: row.get(2)?,
        hash: row.get(3)?,
        created_at: from_millis(row.get(4)?),
        last_used_at: row.get::<_, Option<i64>>(5)?.map(from_millis),
    })
}

fn audit_from_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let details: String = row.get(6)?;
    Ok(AuditEntry {
        id: AuditId::from_trusted(row.get(0)?),
        at: from_millis(row.get(1)?),
        actor_id: AccountId::from_trusted(row.get(2)?),
        action: row.get(3)?,
        target: row.get(4)?,
        reason: row.get(5)?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
    })
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn write_account(conn: &Connection, account: &Account, insert: bool) -> StoreResult<usize> {
    let sql = if insert {
        "INSERT INTO accounts (id, email, display_name, district_id, birth_year, password_hash, \
         roles, organisation_id, state, created_at, updated_at, search, mail_pending_since, lang) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    } else {
        "UPDATE accounts SET email = ?2, display_name = ?3, district_id = ?4, birth_year = ?5, \
         password_hash = ?6, roles = ?7, organisation_id = ?8, state = ?9, created_at = ?10, \
         updated_at = ?11, search = ?12, mail_pending_since = ?13, lang = ?14 WHERE id = ?1"
    };
    Ok(conn.execute_cached(
        sql,
        params![
            account.id.as_str(),
            account.email.as_str(),
            account.display_name.as_str(),
            account.district_id.as_str(),
            account.birth_year.value(),
            account.password_hash,
            roles_text(account),
            account
                .organisation_id
                .as_ref()
                .map(|o| o.as_str().to_string()),
            account.state.as_str(),
            to_millis(account.created_at),
            to_millis(account.updated_at),
            account.search_text(),
            account.mail_pending_since.map(to_millis),
            account.lang.code(),
        ],
    )?)
}

#[async_trait]
impl CoreStore for SqliteCoreStore {
    fn as_idempotency(&self) -> &dyn IdempotencyStore {
        self
    }

    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        let account = account.clone();
        self.db
            .write(move |conn| write_account(conn, &account, true).map(|_| ()))
            .await
    }

    async fn account(&self, id: &AccountId) -> StoreResult<Option<Account>> {
        self.db.lookup_row(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
            [id.as_str()],
            account_from_row,
        )
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        self.db
            .query_optional(
                format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ?1"),
                [email.to_string()],
                account_from_row,
            )
            .await
    }

    async fn update_account(&self, account: &Account) -> StoreResult<()> {
        let account = account.clone();
        self.db
            .write(move |conn| match write_account(conn, &account, false)? {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            })
            .await
    }

    async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Vec<Account>> {
        let mut sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(text) = &query.text {
            args.push(format!("%{}%", like_escape(text)));
            sql.push_str(&format!(" AND search LIKE ?{} ESCAPE '\\'", args.len()));
        }
        if let Some(role) = query.role {
            args.push(format!("%,{},%", role.as_str()));
            sql.push_str(&format!(" AND roles LIKE ?{}", args.len()));
        }
        if let Some(state) = query.state {
            args.push(state.as_str().to_string());
            sql.push_str(&format!(" AND state = ?{}", args.len()));
        }
        if let Some(before) = &query.before {
            args.push(before.as_str().to_string());
            sql.push_str(&format!(" AND id < ?{}", args.len()));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", query.limit));
        let args = rusqlite::params_from_iter(args);
        self.db.query_all(sql, args, account_from_row).await
    }

    async fn accounts_of_organisation(
        &self,
        organisation: &OrganisationId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        // Served by `accounts_organisation (organisation_id, id)`.
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE organisation_id = ?1 AND state != ?2
             AND id > ?3 ORDER BY id LIMIT ?4"
        );
        let args = (
            organisation.to_string(),
            AccountState::Blocked.as_str().to_string(),
            after.map(|a| a.to_string()).unwrap_or_default(),
            as_i64(limit),
        );
        self.db.query_all(sql, args, account_from_row).await
    }

    async fn accounts_in_districts(
        &self,
        districts: &[DistrictId],
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut districts: Vec<String> = districts.iter().map(|d| d.to_string()).collect();
        districts.sort();
        districts.dedup();
        // Served by `accounts_district (district_id, id)` for a few districts, by the primary
        // key for the whole city.
        let mut sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE state != ?1");
        let mut args: Vec<String> = vec![AccountState::Blocked.as_str().to_string()];
        if let Some(after) = after {
            args.push(after.to_string());
            sql.push_str(&format!(" AND id > ?{}", args.len()));
        }
        if !districts.is_empty() {
            let first = args.len() + 1;
            let marks: Vec<String> = (first..first + districts.len())
                .map(|n| format!("?{n}"))
                .collect();
            sql.push_str(&format!(" AND district_id IN ({})", marks.join(", ")));
            args.extend(districts);
        }
        sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
        let args = rusqlite::params_from_iter(args);
        self.db.query_all(sql, args, account_from_row).await
    }

    async fn accounts_with_pending_mail(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Account>> {
        self.db
            .query_all(
                format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE mail_pending_since < ?1 \
                     ORDER BY mail_pending_since LIMIT ?2"
                ),
                (to_millis(before), limit as i64),
                account_from_row,
            )
            .await
    }

    async fn clear_pending_mail(&self, id: &AccountId, since: OffsetDateTime) -> StoreResult<bool> {
        let id = id.as_str().to_string();
        self.db
            .execute(
                "UPDATE accounts SET mail_pending_since = NULL \
                     WHERE id = ?1 AND mail_pending_since = ?2",
                (id, to_millis(since)),
            )
            .await
            .map(|n| n == 1)
    }

    async fn insert_email_token(&self, token: &EmailToken) -> StoreResult<()> {
        let t = token;
        self.db
            .run(
                "INSERT INTO email_tokens (hash, account_id, purpose, new_email, created_at, \
                 expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    t.hash.clone(),
                    t.account_id.to_string(),
                    t.purpose.as_str(),
                    t.new_email.as_ref().map(|e| e.to_string()),
                    to_millis(t.created_at),
                    to_millis(t.expires_at),
                ),
            )
            .await
    }

    async fn take_email_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<EmailToken>> {
        let hash = hash.to_string();
        self.db
            .write(move |conn| {
                let token = conn
                    .query_row_cached(
                        "DELETE FROM email_tokens WHERE hash = ?1 AND purpose = ?2 \
                         RETURNING hash, account_id, purpose, new_email, created_at, expires_at",
                        params![hash, purpose.as_str()],
                        email_token_from_row,
                    )
                    .optional()?;
                Ok(token.filter(|t| t.expires_at > now))
            })
            .await
    }

    async fn delete_email_tokens_of(
        &self,
        account: &AccountId,
        purpose: TokenPurpose,
    ) -> StoreResult<u64> {
        let account = account.as_str().to_string();
        self.db
            .execute(
                "DELETE FROM email_tokens WHERE account_id = ?1 AND purpose = ?2",
                (account, purpose.as_str()),
            )
            .await
    }

    async fn delete_expired_email_tokens(&self, now: OffsetDateTime) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM email_tokens WHERE expires_at <= ?1",
                [to_millis(now)],
            )
            .await
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let s = session;
        self.db
            .run(
                "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (
                    s.id_hash.clone(),
                    s.account_id.to_string(),
                    to_millis(s.created_at),
                    to_millis(s.last_seen_at),
                    to_millis(s.expires_at),
                ),
            )
            .await
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<Session>> {
        self.db.lookup_row(
            "SELECT id_hash, account_id, created_at, last_seen_at, expires_at \
             FROM sessions WHERE id_hash = ?1",
            [id_hash],
            session_from_row,
        )
    }

    async fn renew_session(
        &self,
        id_hash: &str,
        last_seen_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let id_hash = id_hash.to_string();
        self.db
            .execute(
                "UPDATE sessions SET last_seen_at = ?2, expires_at = ?3 WHERE id_hash = ?1",
                (id_hash, to_millis(last_seen_at), to_millis(expires_at)),
            )
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let id_hash = id_hash.to_string();
        self.db
            .execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, account: &AccountId) -> StoreResult<u64> {
        let account = account.as_str().to_string();
        self.db
            .execute("DELETE FROM sessions WHERE account_id = ?1", [account])
            .await
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE expires_at <= ?1",
                [to_millis(now)],
            )
            .await
    }

    async fn insert_token(&self, token: &ApiToken) -> StoreResult<()> {
        let t = token;
        self.db
            .run(
                "INSERT INTO api_tokens (id, account_id, name, hash, created_at, last_used_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    t.id.to_string(),
                    t.account_id.to_string(),
                    t.name.clone(),
                    t.hash.clone(),
                    to_millis(t.created_at),
                    t.last_used_at.map(to_millis),
                ),
            )
            .await
    }

    async fn token_by_hash(&self, hash: &str) -> StoreResult<Option<ApiToken>> {
        self.db.lookup_row(
            "SELECT id, account_id, name, hash, created_at, last_used_at \
             FROM api_tokens WHERE hash = ?1",
            [hash],
            token_from_row,
        )
    }

    async fn tokens_of(&self, account: &AccountId) -> StoreResult<Vec<ApiToken>> {
        let account = account.as_str().to_string();
        self.db
            .query_all(
                "SELECT id, account_id, name, hash, created_at, last_used_at \
                     FROM api_tokens WHERE account_id = ?1 ORDER BY id",
                [account],
                token_from_row,
            )
            .await
    }

    async fn touch_tokens(&self, hashes: &[String], at: OffsetDateTime) -> StoreResult<()> {
        let hashes = hashes.to_vec();
        self.db
            .write(move |conn| {
                let mut update =
                    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE hash = ?1")?;
                for hash in &hashes {
                    update.execute(params![hash, to_millis(at)])?;
                }
                Ok(())
            })
            .await
    }

    async fn delete_token(&self, account: &AccountId, id: &TokenId) -> StoreResult<bool> {
        let (account, id) = (account.as_str().to_string(), id.as_str().to_string());
        self.db
            .execute(
                "DELETE FROM api_tokens WHERE id = ?1 AND account_id = ?2",
                [id, account],
            )
            .await
            .map(|n| n > 0)
    }

    async fn delete_tokens_of(&self, account: &AccountId) -> StoreResult<u64> {
        let account = account.as_str().to_string();
        self.db
            .execute("DELETE FROM api_tokens WHERE account_id = ?1", [account])
            .await
    }

    async fn insert_organisation(&self, organisation: &Organisation) -> StoreResult<()> {
        let o = organisation;
        self.db
            .run(
                "INSERT INTO organisations (id, name, created_at) VALUES (?1, ?2, ?3)",
                (o.id.to_string(), o.name.clone(), to_millis(o.created_at)),
            )
            .await
    }

    async fn organisation(&self, id: &OrganisationId) -> StoreResult<Option<Organisation>> {
        let id = id.as_str().to_string();
        self.db
            .query_optional(
                "SELECT id, name, created_at FROM organisations WHERE id = ?1",
                [id],
                organisation_from_row,
            )
            .await
    }

    async fn organisations(&self) -> StoreResult<Vec<Organisation>> {
        self.db
            .query_all(
                "SELECT id, name, created_at FROM organisations ORDER BY name, id",
                [],
                organisation_from_row,
            )
            .await
    }

    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let e = entry;
        self.db
            .run(
                "INSERT INTO audit_log (id, at, actor_id, action, target, reason, details) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (
                    e.id.to_string(),
                    to_millis(e.at),
                    e.actor_id.to_string(),
                    e.action.clone(),
                    e.target.clone(),
                    e.reason.clone(),
                    e.details.to_string(),
                ),
            )
            .await
    }

    async fn list_audit(
        &self,
        before: Option<&AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        let before = before.map(|b| b.as_str().to_string());
        self.db
            .query_all(
                "SELECT id, at, actor_id, action, target, reason, details FROM audit_log \
                     WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2",
                (before, limit as i64),
                audit_from_row,
            )
            .await
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        let (key, value) = (key.to_string(), value.to_string());
        self.db
            .write(move |conn| {
                conn.execute_cached(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                    [&key, &value],
                )?;
                Ok(conn.query_row_cached("SELECT value FROM settings WHERE key = ?1", [&key], |row| {
                    row.get(0)
                })?)
            })
            .await
    }

    async fn delete_idempotency_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM idempotency WHERE created_at < ?1",
                [to_millis(cutoff)],
            )
            .await
    }
}

#[async_trait]
impl IdempotencyStore for SqliteCoreStore {
    async fn reserve_idempotency(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        let r = record;
        self.db
            .run(
                "INSERT INTO idempotency (key_hash, request_hash, status, body, location, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    r.key_hash.clone(),
                    r.request_hash.clone(),
                    r.response.as_ref().map(|s| s.status),
                    r.response.as_ref().map(|s| s.body.clone()),
                    r.response.as_ref().and_then(|s| s.location.clone()),
                    to_millis(r.created_at),
                ),
            )
            .await
    }

    async fn idempotency(&self, key_hash: &str) -> StoreResult<Option<IdempotencyRecord>> {
        let key_hash = key_hash.to_string();
        self.db
            .read(move |conn| {
                Ok(conn
                    .query_row_cached(
                        "SELECT key_hash, request_hash, status, body, location, created_at \
                         FROM idempotency WHERE key_hash = ?1",
                        [key_hash],
                        |row| {
                            Ok(IdempotencyRecord {
                                key_hash: row.get(0)?,
                                request_hash: row.get(1)?,
                                response: StoredResponse::from_columns(
                                    row.get(2)?,
                                    row.get(3)?,
                                    row.get(4)?,
                                ),
                                created_at: from_millis(row.get(5)?),
                            })
                        },
                    )
                    .optional()?)
            })
            .await
    }

    async fn complete_idempotency(
        &self,
        key_hash: &str,
        response: &StoredResponse,
    ) -> StoreResult<()> {
        let (key_hash, r) = (key_hash.to_string(), response.clone());
        self.db
            .execute(
                "UPDATE idempotency SET status = ?2, body = ?3, location = ?4 WHERE key_hash = ?1",
                (key_hash, r.status, r.body, r.location),
            )
            .await?;
        Ok(())
    }

    async fn release_idempotency(&self, key_hash: &str) -> StoreResult<()> {
        let key_hash = key_hash.to_string();
        self.db
            .execute("DELETE FROM idempotency WHERE key_hash = ?1", [key_hash])
            .await?;
        Ok(())
    }

    async fn take_over_idempotency(
        &self,
        stale: &IdempotencyRecord,
        claim: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        let changed = self
            .db
            .execute(
                "UPDATE idempotency SET created_at = ?3 \
                 WHERE key_hash = ?1 AND status IS NULL AND created_at = ?2",
                (
                    stale.key_hash.clone(),
                    to_millis(stale.created_at),
                    to_millis(claim.created_at),
                ),
            )
            .await?;
        Ok(changed == 1)
    }
}

fn organisation_from_row(row: &Row<'_>) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: OrganisationId::from_trusted(row.get(0)?),
        name: row.get(1)?,
        created_at: from_millis(row.get(2)?),
    })
}
