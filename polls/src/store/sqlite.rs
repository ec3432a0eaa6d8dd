//! The polls on SQLite. A ballot and its counters are written in one transaction (the writer's
//! batch), so the counters never drift from the ballots here.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;
use veche_core::clock::{from_millis, to_millis};
use veche_core::id::AccountId;
use veche_core::storage::sqlite::{from_json, pair_row, text_row, to_json};
use veche_core::storage::{as_i64, CachedStatements, Sqlite};
use veche_core::{StoreError, StoreResult};

use super::{Cast, PollStore, Seal};
use crate::model::{
    AgeBracket, Answer, Ballot, BallotId, PointsEntry, Poll, PollId, PollQuery, Receipt,
};
use crate::tally::{self, Counters};
use crate::verify::Entry;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE polls (
    id TEXT PRIMARY KEY,
    phase TEXT NOT NULL,
    organisation_id TEXT,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX polls_phase ON polls (phase, id);
CREATE INDEX polls_organisation ON polls (organisation_id, id);
CREATE TABLE ballots (
    id TEXT PRIMARY KEY,
    poll_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    answers TEXT NOT NULL,
    district_id TEXT NOT NULL,
    age_bracket TEXT NOT NULL,
    receipt TEXT NOT NULL,
    points INTEGER NOT NULL,
    cast_at INTEGER NOT NULL,
    UNIQUE (poll_id, account_id)
);
CREATE UNIQUE INDEX ballots_receipt ON ballots (poll_id, receipt);
CREATE INDEX ballots_account ON ballots (account_id, cast_at, poll_id);
CREATE TABLE poll_counters (
    poll_id TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (poll_id, key)
) WITHOUT ROWID;
CREATE TABLE poll_blocks (
    poll_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    receipts TEXT NOT NULL,
    PRIMARY KEY (poll_id, idx)
);
CREATE TABLE poll_seals (
    poll_id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
"#,
    // Ballots kept in their one-per-resident key: the table itself is the (poll, account)
    // B-tree, without a rowid table beside it nor an index on the ballot id (never looked up
    // by it). A ballot now writes three B-trees (this, the receipts, the account's history)
    // instead of five, so its transaction dirties fewer random pages (the WAL per ballot).
    r#"
CREATE TABLE ballots_by_voter (
    poll_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    answers TEXT NOT NULL,
    district_id TEXT NOT NULL,
    age_bracket TEXT NOT NULL,
    receipt TEXT NOT NULL,
    points INTEGER NOT NULL,
    cast_at INTEGER NOT NULL,
    PRIMARY KEY (poll_id, account_id)
) WITHOUT ROWID;
INSERT INTO ballots_by_voter (poll_id, account_id, id, answers, district_id, age_bracket,
                              receipt, points, cast_at)
    SELECT poll_id, account_id, id, answers, district_id, age_bracket, receipt, points, cast_at
    FROM ballots ORDER BY poll_id, account_id;
DROP TABLE ballots;
ALTER TABLE ballots_by_voter RENAME TO ballots;
CREATE UNIQUE INDEX ballots_receipt ON ballots (poll_id, receipt);
CREATE INDEX ballots_account ON ballots (account_id, cast_at, poll_id);
"#,
];

const BALLOT_COLUMNS: &str =
    "id, poll_id, account_id, answers, district_id, age_bracket, receipt, points, cast_at";

pub struct SqlitePolls {
    db: Sqlite,
}

impl SqlitePolls {
    pub fn new(db: Sqlite) -> Self {
        SqlitePolls { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("polls", MIGRATIONS).await
    }

    /// The ballot in `poll` that `filter` (`?1` the poll, `?2` the other key) finds by `key`:
    /// a point read.
    fn ballot_by(&self, filter: &str, poll: &PollId, key: &str) -> StoreResult<Option<Ballot>> {
        self.db
            .lookup(|conn| ballot_where(conn, filter, poll.as_str(), key))
    }
}

fn poll_from_doc(doc: &str) -> StoreResult<Poll> {
    from_json("poll", doc)
}

/// A poll's row: id, phase, organisation, version, and the whole record as JSON.
type PollRow = (String, String, Option<String>, i64, String);

fn poll_row(poll: &Poll) -> StoreResult<PollRow> {
    Ok((
        poll.id.to_string(),
        poll.phase.as_str().to_string(),
        poll.organisation_id.as_ref().map(ToString::to_string),
        as_i64(poll.version),
        to_json(poll)?,
    ))
}

fn ballot_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<Ballot>> {
    let answers: String = row.get(3)?;
    let bracket: String = row.get(5)?;
    let id: String = row.get(0)?;
    let Some(age_bracket) = AgeBracket::parse(&bracket) else {
        return Ok(Err(StoreError::Internal(format!(
            "ballot {id}: bad age bracket {bracket}"
        ))));
    };
    let answers = match serde_json::from_str::<Vec<Answer>>(&answers) {
        Ok(answers) => answers,
        Err(e) => {
            let why = format!("ballot {id}: answers do not decode: {e}");
            return Ok(Err(StoreError::Internal(why)));
        }
    };
    Ok(Ok(Ballot {
        id: BallotId::from_trusted(id),
        poll_id: PollId::from_trusted(row.get(1)?),
        account_id: AccountId::from_trusted(row.get(2)?),
        answers,
        district_id: veche_core::id::DistrictId::from_trusted(row.get(4)?),
        age_bracket,
        receipt: Receipt::from_trusted(row.get(6)?),
        points: row.get::<_, i64>(7)?.clamp(0, i64::from(u32::MAX)) as u32,
        cast_at: from_millis(row.get(8)?),
    }))
}

fn collect_ballots(
    rows: impl Iterator<Item = rusqlite::Result<StoreResult<Ballot>>>,
) -> StoreResult<Vec<Ballot>> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Inserts one ballot and its counters; `Ok(false)` when the resident already voted.
fn insert_ballot(conn: &Connection, b: &Ballot) -> StoreResult<bool> {
    let answers = to_json(&b.answers)?;
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO ballots ({BALLOT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (poll_id, account_id) DO NOTHING"
        ))?
        .execute(params![
            b.id.as_str(),
            b.poll_id.as_str(),
            b.account_id.as_str(),
            answers,
            b.district_id.as_str(),
            b.age_bracket.as_str(),
            b.receipt.as_str(),
            i64::from(b.points),
            to_millis(b.cast_at),
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    let mut bump = conn.prepare_cached(
        "INSERT INTO poll_counters (poll_id, key, n) VALUES (?1, ?2, ?3) \
         ON CONFLICT (poll_id, key) DO UPDATE SET n = n + excluded.n",
    )?;
    for key in tally::keys(b) {
        bump.execute(params![b.poll_id.as_str(), key, 1i64])?;
    }
    Ok(true)
}

fn ballot_where(conn: &Connection, filter: &str, a: &str, b: &str) -> StoreResult<Option<Ballot>> {
    conn.prepare_cached(&format!(
        "SELECT {BALLOT_COLUMNS} FROM ballots WHERE {filter}"
    ))?
    .query_row(params![a, b], ballot_from_row)
    .optional()?
    .transpose()
}

#[async_trait]
impl PollStore for SqlitePolls {
    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO polls (id, phase, organisation_id, version, doc) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                poll_row(poll)?,
            )
            .await?;
        Ok(())
    }

    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>> {
        let sql = "SELECT doc FROM polls WHERE id = ?1";
        let doc = self.db.lookup_row(sql, [id.as_str()], text_row)?;
        doc.map(|doc| poll_from_doc(&doc)).transpose()
    }

    async fn replace_poll(&self, poll: &Poll, expected: u64) -> StoreResult<bool> {
        let (id, phase, organisation, version, doc) = poll_row(poll)?;
        let changed = self
            .db
            .execute(
                "UPDATE polls SET phase = ?2, organisation_id = ?3, version = ?4, doc = ?5 \
                 WHERE id = ?1 AND version = ?6",
                (id, phase, organisation, version, doc, expected as i64),
            )
            .await?;
        Ok(changed == 1)
    }

    async fn freeze(&self, id: &PollId) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE polls SET version = version + 1, \
                 doc = json_set(doc, '$.frozen', json('true'), '$.version', version + 1) \
                 WHERE id = ?1 AND json_extract(doc, '$.frozen') = 0",
                [id.to_string()],
            )
            .await?;
        Ok(())
    }

    async fn delete_draft(&self, id: &PollId, expected: u64) -> StoreResult<bool> {
        let deleted = self
            .db
            .execute(
                "DELETE FROM polls WHERE id = ?1 AND phase = 'draft' AND version = ?2",
                (id.to_string(), expected as i64),
            )
            .await?;
        Ok(deleted == 1)
    }

    async fn list_polls(&self, query: &PollQuery) -> StoreResult<Vec<Poll>> {
        let query = query.clone();
        self.db
            .read(move |conn| {
                let mut sql = String::from("SELECT doc FROM polls WHERE 1 = 1");
                let mut args: Vec<String> = Vec::new();
                if !query.phases.is_empty() {
                    let marks: Vec<String> = query
                        .phases
                        .iter()
                        .map(|p| {
                            args.push(p.as_str().to_string());
                            format!("?{}", args.len())
                        })
                        .collect();
                    sql.push_str(&format!(" AND phase IN ({})", marks.join(", ")));
                }
                if let Some(org) = &query.organisation {
                    args.push(org.to_string());
                    sql.push_str(&format!(" AND organisation_id = ?{}", args.len()));
                }
                if let Some(before) = &query.before {
                    args.push(before.to_string());
                    sql.push_str(&format!(" AND id < ?{}", args.len()));
                }
                sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", query.limit.max(1)));
                let mut stmt = conn.prepare(&sql)?;
                let docs = stmt
                    .query_map(rusqlite::params_from_iter(args.iter()), |row| {
                        row.get::<_, String>(0)
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                docs.iter().map(|d| poll_from_doc(d)).collect()
            })
            .await
    }

    async fn cast(&self, ballot: &Ballot) -> StoreResult<Cast> {
        let b = ballot.clone();
        // Inserting again after a rollback is the same ballot: no savepoint needed.
        self.db
            .write_rerunnable(move |conn| {
                if insert_ballot(conn, &b)? {
                    return Ok(Cast::Stored);
                }
                let first = ballot_where(
                    conn,
                    "poll_id = ?1 AND account_id = ?2",
                    b.poll_id.as_str(),
                    b.account_id.as_str(),
                )?
                .ok_or_else(|| StoreError::Internal("a conflicting ballot vanished".into()))?;
                Ok(Cast::AlreadyVoted(Box::new(first)))
            })
            .await
    }

    async fn import_ballots(&self, ballots: &[Ballot]) -> StoreResult<u64> {
        let mut stored = 0;
        for chunk in ballots.chunks(2000) {
            let chunk = chunk.to_vec();
            stored += self
                .db
                .write(move |conn| {
                    let mut n = 0u64;
                    for b in &chunk {
                        if insert_ballot(conn, b)? {
                            n += 1;
                        }
                    }
                    Ok(n)
                })
                .await?;
        }
        Ok(stored)
    }

    async fn ballot_of(&self, poll: &PollId, account: &AccountId) -> StoreResult<Option<Ballot>> {
        self.ballot_by("poll_id = ?1 AND account_id = ?2", poll, account.as_str())
    }

    async fn ballot_by_receipt(
        &self,
        poll: &PollId,
        receipt: &Receipt,
    ) -> StoreResult<Option<Ballot>> {
        self.ballot_by("poll_id = ?1 AND receipt = ?2", poll, receipt.as_str())
    }

    async fn ballots_page(
        &self,
        poll: &PollId,
        after: Option<&Receipt>,
        limit: usize,
    ) -> StoreResult<Vec<Ballot>> {
        let poll = poll.to_string();
        let after = after.map(|r| r.to_string()).unwrap_or_default();
        self.db
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {BALLOT_COLUMNS} FROM ballots WHERE poll_id = ?1 AND receipt > ?2 \
                     ORDER BY receipt LIMIT ?3"
                ))?;
                let rows = stmt.query_map(params![poll, after, limit as i64], ballot_from_row)?;
                collect_ballots(rows)
            })
            .await
    }

    async fn voters(
        &self,
        poll: &PollId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        let ids = self
            .db
            .query_all(
                "SELECT account_id FROM ballots WHERE poll_id = ?1 AND account_id > ?2 \
                 ORDER BY account_id LIMIT ?3",
                (poll.to_string(), after, limit as i64),
                text_row,
            )
            .await?;
        Ok(ids.into_iter().map(AccountId::from_trusted).collect())
    }

    async fn counters(&self, poll: &PollId) -> StoreResult<Counters> {
        let poll = poll.to_string();
        self.db
            .read(move |conn| {
                let mut stmt =
                    conn.prepare_cached("SELECT key, n FROM poll_counters WHERE poll_id = ?1")?;
                let mut counters = Counters::default();
                for row in stmt.query_map([poll], pair_row::<String, i64>)? {
                    let (k, n) = row?;
                    counters.add(&k, n);
                }
                Ok(counters)
            })
            .await
    }

    async fn add_counters(&self, poll: &PollId, delta: &Counters) -> StoreResult<()> {
        let (poll, delta) = (poll.to_string(), delta.clone());
        self.db
            .write(move |conn| {
                let mut bump = conn.prepare_cached(
                    "INSERT INTO poll_counters (poll_id, key, n) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (poll_id, key) DO UPDATE SET n = n + excluded.n",
                )?;
                for (key, n) in &delta.0 {
                    bump.execute(params![poll, key, n])?;
                }
                conn.execute_cached(
                    "DELETE FROM poll_counters WHERE poll_id = ?1 AND n = 0",
                    [&poll],
                )?;
                Ok(())
            })
            .await
    }

    async fn flush(&self) -> StoreResult<()> {
        // Counts are written with their ballot, in the same transaction.
        Ok(())
    }

    async fn repair(&self, _silent_for: std::time::Duration) -> StoreResult<u64> {
        Ok(0)
    }

    async fn save_block(&self, poll: &PollId, index: u32, entries: &[Entry]) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO poll_blocks (poll_id, idx, receipts) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (poll_id, idx) DO UPDATE SET receipts = excluded.receipts",
                (poll.to_string(), index, to_json(&entries)?),
            )
            .await?;
        Ok(())
    }

    async fn block(&self, poll: &PollId, index: u32) -> StoreResult<Option<Vec<Entry>>> {
        let sql = "SELECT receipts FROM poll_blocks WHERE poll_id = ?1 AND idx = ?2";
        let params = (poll.to_string(), index);
        self.db.query_json(sql, params, "block").await
    }

    async fn save_seal(&self, seal: &Seal) -> StoreResult<()> {
        let doc = to_json(seal)?;
        self.db
            .execute(
                "INSERT INTO poll_seals (poll_id, doc) VALUES (?1, ?2) \
                 ON CONFLICT (poll_id) DO UPDATE SET doc = excluded.doc",
                (seal.poll_id.to_string(), doc),
            )
            .await?;
        Ok(())
    }

    async fn seal(&self, poll: &PollId) -> StoreResult<Option<Seal>> {
        let sql = "SELECT doc FROM poll_seals WHERE poll_id = ?1";
        self.db.query_json(sql, [poll.to_string()], "seal").await
    }

    async fn points_history(
        &self,
        account: &AccountId,
        before: Option<(OffsetDateTime, PollId)>,
        limit: usize,
    ) -> StoreResult<Vec<PointsEntry>> {
        let account = account.to_string();
        let (before_at, before_poll) = match before {
            Some((at, poll)) => (to_millis(at), poll.to_string()),
            None => (i64::MAX, String::new()),
        };
        self.db
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT poll_id, points, cast_at FROM ballots WHERE account_id = ?1 \
                     AND (cast_at < ?2 OR (cast_at = ?2 AND poll_id < ?3)) \
                     ORDER BY cast_at DESC, poll_id DESC LIMIT ?4",
                )?;
                let rows = stmt.query_map(
                    params![account, before_at, before_poll, limit as i64],
                    |row| {
                        Ok(PointsEntry {
                            poll_id: PollId::from_trusted(row.get(0)?),
                            points: row.get::<_, i64>(1)?.clamp(0, i64::from(u32::MAX)) as u32,
                            at: from_millis(row.get(2)?),
                        })
                    },
                )?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }

    async fn points_balance(&self, account: &AccountId) -> StoreResult<u64> {
        let account = account.to_string();
        self.db
            .read(move |conn| {
                let sum: i64 = conn
                    .prepare_cached(
                        "SELECT COALESCE(SUM(points), 0) FROM ballots WHERE account_id = ?1",
                    )?
                    .query_row([account], |row| row.get(0))?;
                Ok(sum.max(0) as u64)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::PollStore;
    use veche_core::storage::SyncMode;

    /// The one value `sql` (a query of `sqlite_master`) reads.
    async fn schema_fact<T: rusqlite::types::FromSql + Send + 'static>(
        db: &Sqlite,
        sql: &'static str,
    ) -> T {
        db.read(move |conn| Ok(conn.query_row(sql, [], |row| row.get(0))?))
            .await
            .unwrap()
    }

    /// Ballots stored under the first schema (a rowid table with an index on the ballot id)
    /// are all there after the change to the table keyed by poll and account, found by voter,
    /// by receipt and in the account's history, and the one-ballot rule holds on them.
    #[tokio::test]
    async fn ballots_stored_before_the_key_change_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        let first: &'static [&'static str] = &MIGRATIONS[..1];
        db.migrate("polls", first).await.unwrap();
        db.write(|conn| {
            for i in 0..3 {
                conn.execute(
                    &format!(
                        "INSERT INTO ballots ({BALLOT_COLUMNS}) \
                         VALUES (?1, 'poll-1', ?2, '[]', 'khamovniki', '18_24', ?3, 5, ?4)"
                    ),
                    params![
                        format!("ballot-{i}"),
                        format!("account-{i}"),
                        format!("{i:064x}"),
                        1_700_000_000_000i64 + i
                    ],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();

        let store = SqlitePolls::new(db.clone());
        store.migrate().await.unwrap();
        let poll = PollId::from_trusted("poll-1".into());
        let voter = AccountId::from_trusted("account-1".into());
        let ballot = store.ballot_of(&poll, &voter).await.unwrap().unwrap();
        assert_eq!(ballot.id.as_str(), "ballot-1");
        assert_eq!(ballot.points, 5);
        let receipt = Receipt::from_trusted(format!("{:064x}", 2));
        let found = store.ballot_by_receipt(&poll, &receipt).await.unwrap();
        assert_eq!(found.unwrap().account_id.as_str(), "account-2");
        let page = store.ballots_page(&poll, None, 10).await.unwrap();
        assert_eq!(page.len(), 3);

        // The one-ballot rule is the table's key now.
        let mut again = ballot.clone();
        again.id = BallotId::from_trusted("ballot-again".into());
        again.receipt = Receipt::from_trusted(format!("{:064x}", 9));
        assert!(matches!(
            store.cast(&again).await.unwrap(),
            Cast::AlreadyVoted(first) if first.id.as_str() == "ballot-1"
        ));
        let layout: String = schema_fact(
            &db,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ballots'",
        )
        .await;
        assert!(layout.contains("WITHOUT ROWID"), "{layout}");
        let indexes: i64 = schema_fact(
            &db,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ballots'",
        )
        .await;
        // The receipts and the account's history (the key needs no index of its own).
        assert_eq!(indexes, 2);
    }
}
