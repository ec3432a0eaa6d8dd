//! The outbox on SQLite (the same database file as the domain data).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use rusqlite::{params, params_from_iter, Row};
use time::OffsetDateTime;
use veche_core::accounts::model::Email;
use veche_core::clock::{from_millis, to_millis};
use veche_core::id::AccountId;
use veche_core::notify::{Kind, Recipient};
use veche_core::storage::sqlite::pair_row;
use veche_core::storage::{CachedStatements, Sqlite};
use veche_core::web::i18n::Lang;
use veche_core::StoreResult;

use super::OutboxStore;
use crate::model::{Delivery, Job, JobId, JobState, Outcome, Preferences, Suppression};

const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    account_id TEXT,
    email TEXT NOT NULL,
    name TEXT,
    locale TEXT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    lease TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sent_at INTEGER,
    last_error TEXT,
    digest_day TEXT,
    digest_id TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_at);
CREATE INDEX outbox_held ON outbox (state, digest_day);
CREATE INDEX outbox_account ON outbox (account_id, state);
CREATE INDEX outbox_digest ON outbox (digest_id);
CREATE INDEX outbox_updated ON outbox (state, updated_at);
CREATE TABLE mail_preferences (
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    delivery TEXT NOT NULL,
    PRIMARY KEY (account_id, kind)
);
CREATE TABLE mail_suppressions (
    email TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
"#];

const COLUMNS: &str = "id, key, kind, account_id, email, name, locale, data, state, attempts, \
     next_at, lease, created_at, updated_at, sent_at, last_error, digest_day, digest_id";

pub struct SqliteOutbox {
    db: Sqlite,
}

impl SqliteOutbox {
    pub fn new(db: Sqlite) -> Self {
        SqliteOutbox { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("notifier", MIGRATIONS).await
    }

    /// The job whose `column` (`id` or `key`, each unique) is `value`.
    async fn job_where(&self, column: &str, value: String) -> StoreResult<Option<Job>> {
        self.db
            .query_optional(
                format!("SELECT {COLUMNS} FROM outbox WHERE {column} = ?1"),
                [value],
                job_from_row,
            )
            .await
    }
}

fn job_from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    let data: String = row.get(7)?;
    let state: String = row.get(8)?;
    let locale: String = row.get(6)?;
    Ok(Job {
        id: JobId::from_trusted(row.get(0)?),
        key: row.get(1)?,
        kind: Kind::from_trusted(row.get(2)?),
        recipient: Recipient {
            account_id: row
                .get::<_, Option<String>>(3)?
                .map(AccountId::from_trusted),
            email: Email::from_trusted(row.get(4)?),
            name: row.get(5)?,
        },
        locale: Lang::parse(&locale).unwrap_or(Lang::Ru),
        data: serde_json::from_str(&data).unwrap_or_default(),
        state: JobState::parse(&state).unwrap_or(JobState::Dead),
        attempts: row.get::<_, i64>(9)?.max(0) as u32,
        next_at: from_millis(row.get(10)?),
        lease: row.get(11)?,
        created_at: from_millis(row.get(12)?),
        updated_at: from_millis(row.get(13)?),
        sent_at: row.get::<_, Option<i64>>(14)?.map(from_millis),
        last_error: row.get(15)?,
        digest_day: row.get(16)?,
        digest_id: row.get::<_, Option<String>>(17)?.map(JobId::from_trusted),
    })
}

fn suppression_from_row(row: &Row<'_>) -> rusqlite::Result<Suppression> {
    Ok(Suppression {
        email: Email::from_trusted(row.get(0)?),
        reason: row.get(1)?,
        at: from_millis(row.get(2)?),
    })
}

fn data_text(data: &BTreeMap<String, String>) -> String {
    serde_json::to_string(data).unwrap_or_else(|_| "{}".into())
}

#[async_trait]
impl OutboxStore for SqliteOutbox {
    async fn insert(&self, job: &Job) -> StoreResult<bool> {
        let j = job.clone();
        self.db
            .write(move |conn| {
                let inserted = conn.execute_cached(
                    &format!(
                        "INSERT INTO outbox ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
                         ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
                         ON CONFLICT (key) DO NOTHING"
                    ),
                    params![
                        j.id.as_str(),
                        j.key,
                        j.kind.as_str(),
                        j.recipient.account_id.as_ref().map(|a| a.to_string()),
                        j.recipient.email.as_str(),
                        j.recipient.name,
                        j.locale.code(),
                        data_text(&j.data),
                        j.state.as_str(),
                        j.attempts,
                        to_millis(j.next_at),
                        j.lease,
                        to_millis(j.created_at),
                        to_millis(j.updated_at),
                        j.sent_at.map(to_millis),
                        j.last_error,
                        j.digest_day,
                        j.digest_id.as_ref().map(|d| d.to_string()),
                    ],
                )?;
                Ok(inserted == 1)
            })
            .await
    }

    async fn claim(
        &self,
        lease: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        let lease = lease.to_string();
        self.db
            .write(move |conn| {
                // One statement: the writer holds the database's write lock for it, so two
                // workers (threads or processes) cannot take the same rows.
                let mut stmt = conn.prepare_cached(&format!(
                    "UPDATE outbox SET lease = ?1, next_at = ?2, attempts = attempts + 1, \
                     updated_at = ?3 WHERE id IN (SELECT id FROM outbox \
                     WHERE state = 'queued' AND next_at <= ?3 ORDER BY next_at, id LIMIT ?4) \
                     RETURNING {COLUMNS}"
                ))?;
                let rows = stmt.query_map(
                    params![lease, to_millis(lease_until), to_millis(now), limit as i64],
                    job_from_row,
                )?;
                let mut jobs = rows.collect::<Result<Vec<_>, _>>()?;
                jobs.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(jobs)
            })
            .await
    }

    async fn finish(
        &self,
        id: &JobId,
        lease: &str,
        outcome: &Outcome,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let (id, lease, outcome) = (id.to_string(), lease.to_string(), outcome.clone());
        self.db
            .write(move |conn| {
                let now = to_millis(now);
                let state = outcome.state().as_str();
                let changed = match &outcome {
                    Outcome::Sent { at, scrub } => conn.execute_cached(
                        "UPDATE outbox SET state = ?3, lease = NULL, sent_at = ?4, updated_at = ?5, \
                         last_error = NULL, data = CASE WHEN ?6 THEN '{}' ELSE data END \
                         WHERE id = ?1 AND lease = ?2",
                        params![id, lease, state, to_millis(*at), now, scrub],
                    )?,
                    Outcome::Retry { next_at, error } => conn.execute_cached(
                        "UPDATE outbox SET state = ?3, lease = NULL, next_at = ?4, updated_at = ?5, \
                         last_error = ?6 WHERE id = ?1 AND lease = ?2",
                        params![id, lease, state, to_millis(*next_at), now, error],
                    )?,
                    Outcome::Defer { next_at } => conn.execute_cached(
                        "UPDATE outbox SET state = ?3, lease = NULL, next_at = ?4, updated_at = ?5, \
                         attempts = MAX(attempts - 1, 0) WHERE id = ?1 AND lease = ?2",
                        params![id, lease, state, to_millis(*next_at), now],
                    )?,
                    Outcome::Dead { error } | Outcome::Skipped { reason: error } => conn.execute_cached(
                        "UPDATE outbox SET state = ?3, lease = NULL, updated_at = ?4, \
                         last_error = ?5 WHERE id = ?1 AND lease = ?2",
                        params![id, lease, state, now, error],
                    )?,
                    Outcome::Held { day } => conn.execute_cached(
                        "UPDATE outbox SET state = ?3, lease = NULL, updated_at = ?4, \
                         digest_day = ?5 WHERE id = ?1 AND lease = ?2",
                        params![id, lease, state, now, day],
                    )?,
                };
                Ok(changed == 1)
            })
            .await
    }

    async fn job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        self.job_where("id", id.to_string()).await
    }

    async fn job_by_key(&self, key: &str) -> StoreResult<Option<Job>> {
        self.job_where("key", key.to_string()).await
    }

    async fn list(
        &self,
        state: JobState,
        before: Option<&JobId>,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        let before = before.map(|b| b.to_string());
        self.db
            .query_all(
                format!(
                    "SELECT {COLUMNS} FROM outbox WHERE state = ?1 AND (?2 IS NULL OR id < ?2) \
                     ORDER BY id DESC LIMIT ?3"
                ),
                (state.as_str(), before, limit as i64),
                job_from_row,
            )
            .await
    }

    async fn requeue(&self, id: &JobId, now: OffsetDateTime) -> StoreResult<bool> {
        let id = id.to_string();
        self.db
            .execute(
                "UPDATE outbox SET state = 'queued', attempts = 0, next_at = ?2, lease = NULL, \
                     updated_at = ?2 WHERE id = ?1 AND state = 'dead'",
                (id, to_millis(now)),
            )
            .await
            .map(|n| n == 1)
    }

    async fn counts(&self) -> StoreResult<BTreeMap<JobState, u64>> {
        let sql = "SELECT state, COUNT(*) FROM outbox GROUP BY state";
        let rows: Vec<(String, i64)> = self.db.query_all(sql, [], pair_row).await?;
        let mut counts: BTreeMap<JobState, u64> =
            JobState::ALL.into_iter().map(|s| (s, 0)).collect();
        for (state, n) in rows {
            if let Some(state) = JobState::parse(&state) {
                counts.insert(state, n.max(0) as u64);
            }
        }
        Ok(counts)
    }

    async fn held_through(&self, through_day: &str, limit: usize) -> StoreResult<Vec<Job>> {
        let day = through_day.to_string();
        self.db
            .query_all(
                format!(
                    "SELECT {COLUMNS} FROM outbox WHERE state = 'held' AND digest_day <= ?1 \
                     ORDER BY digest_day, id LIMIT ?2"
                ),
                (day, limit as i64),
                job_from_row,
            )
            .await
    }

    async fn attach_held(
        &self,
        account: &AccountId,
        through_day: &str,
        digest_id: &JobId,
    ) -> StoreResult<u64> {
        let (account, day, digest) = (
            account.to_string(),
            through_day.to_string(),
            digest_id.to_string(),
        );
        self.db
            .execute(
                "UPDATE outbox SET state = 'digested', digest_id = ?3 \
                     WHERE account_id = ?1 AND state = 'held' AND digest_day <= ?2",
                (account, day, digest),
            )
            .await
    }

    async fn attached(&self, digest_id: &JobId) -> StoreResult<Vec<Job>> {
        let digest = digest_id.to_string();
        self.db
            .query_all(
                format!("SELECT {COLUMNS} FROM outbox WHERE digest_id = ?1 ORDER BY id"),
                [digest],
                job_from_row,
            )
            .await
    }

    async fn purge(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM outbox WHERE state IN ('sent', 'skipped', 'digested') \
                     AND updated_at < ?1",
                [to_millis(cutoff)],
            )
            .await
    }

    async fn preferences(&self, account: &AccountId) -> StoreResult<Preferences> {
        let sql = "SELECT kind, delivery FROM mail_preferences WHERE account_id = ?1";
        let rows: Vec<(String, String)> = self
            .db
            .query_all(sql, [account.to_string()], pair_row)
            .await?;
        let mut prefs = Preferences::new();
        for (kind, delivery) in rows {
            if let Ok(delivery) = Delivery::parse(&delivery) {
                prefs.insert(kind, delivery);
            }
        }
        Ok(prefs)
    }

    async fn preferences_of(
        &self,
        accounts: &[AccountId],
    ) -> StoreResult<HashMap<AccountId, Preferences>> {
        let mut found: HashMap<AccountId, Preferences> = HashMap::new();
        // SQLite binds at most 32,766 parameters a statement; 500 keeps each statement small.
        for chunk in accounts.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT account_id, kind, delivery FROM mail_preferences WHERE account_id IN ({marks})"
            );
            let ids: Vec<String> = chunk.iter().map(|a| a.to_string()).collect();
            let rows: Vec<(String, String, String)> = self
                .db
                .query_all(sql, params_from_iter(ids), |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .await?;
            for (account, kind, delivery) in rows {
                if let Ok(delivery) = Delivery::parse(&delivery) {
                    found
                        .entry(AccountId::from_trusted(account))
                        .or_default()
                        .insert(kind, delivery);
                }
            }
        }
        Ok(found)
    }

    async fn set_preference(
        &self,
        account: &AccountId,
        kind: &str,
        delivery: Delivery,
    ) -> StoreResult<()> {
        self.db
            .run(
                "INSERT INTO mail_preferences (account_id, kind, delivery) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (account_id, kind) DO UPDATE SET delivery = excluded.delivery",
                (account.to_string(), kind.to_string(), delivery.as_str()),
            )
            .await
    }

    async fn suppress(&self, s: &Suppression) -> StoreResult<()> {
        self.db
            .run(
                "INSERT INTO mail_suppressions (email, reason, at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, at = excluded.at",
                (s.email.to_string(), s.reason.clone(), to_millis(s.at)),
            )
            .await
    }

    async fn suppression(&self, email: &Email) -> StoreResult<Option<Suppression>> {
        self.db
            .query_optional(
                "SELECT email, reason, at FROM mail_suppressions WHERE email = ?1",
                [email.to_string()],
                suppression_from_row,
            )
            .await
    }

    async fn unsuppress(&self, email: &Email) -> StoreResult<bool> {
        let email = email.to_string();
        self.db
            .execute("DELETE FROM mail_suppressions WHERE email = ?1", [email])
            .await
            .map(|n| n == 1)
    }
}
