//! The ideas' SQLite schema and what the adapter's methods share: the rows, the terms'
//! binary form, an idea's index rows and its columns.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;
use veche_core::clock::to_millis;
use veche_core::storage::sqlite::{from_json, to_json};
use veche_core::storage::{as_i64, CachedStatements};
use veche_core::StoreResult;

use crate::model::{Idea, IdeaId};
use crate::store::IdeaIndex;

pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE idea_projects (
    id TEXT PRIMARY KEY,
    published INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX idea_projects_created ON idea_projects (published, created_at, id);
CREATE TABLE ideas (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    status TEXT NOT NULL,
    topic TEXT NOT NULL,
    district_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    queued_at INTEGER,
    shortlisted INTEGER NOT NULL,
    outcome TEXT,
    mail_due INTEGER,
    supports INTEGER NOT NULL DEFAULT 0,
    exact TEXT NOT NULL,
    terms BLOB NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX ideas_newest ON ideas (project_id, status, created_at, id);
CREATE INDEX ideas_supported ON ideas (project_id, status, supports, id);
CREATE INDEX ideas_topic ON ideas (project_id, topic, created_at, id);
CREATE INDEX ideas_author ON ideas (author_id, created_at, id);
CREATE INDEX ideas_exact ON ideas (project_id, exact);
CREATE INDEX ideas_queue ON ideas (queued_at, id) WHERE queued_at IS NOT NULL;
CREATE INDEX ideas_project_queue ON ideas (project_id, queued_at, id) WHERE queued_at IS NOT NULL;
CREATE INDEX ideas_shortlisted ON ideas (project_id, created_at, id) WHERE shortlisted = 1;
CREATE INDEX ideas_outcome ON ideas (project_id, created_at, id) WHERE outcome IS NOT NULL;
CREATE INDEX ideas_mail_due ON ideas (mail_due) WHERE mail_due IS NOT NULL;
CREATE TABLE idea_bands (
    project_id TEXT NOT NULL,
    band INTEGER NOT NULL,
    idea_id TEXT NOT NULL,
    PRIMARY KEY (project_id, band, idea_id)
) WITHOUT ROWID;
CREATE INDEX idea_bands_idea ON idea_bands (idea_id);
CREATE TABLE idea_stems (
    project_id TEXT NOT NULL,
    stem TEXT NOT NULL,
    idea_id TEXT NOT NULL,
    PRIMARY KEY (project_id, stem, idea_id)
) WITHOUT ROWID;
CREATE INDEX idea_stems_idea ON idea_stems (idea_id);
CREATE TABLE idea_terms (
    project_id TEXT NOT NULL,
    term INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (project_id, term)
) WITHOUT ROWID;
CREATE TABLE idea_supports (
    idea_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (idea_id, account_id)
) WITHOUT ROWID;
CREATE INDEX idea_supports_account ON idea_supports (account_id, idea_id);
CREATE TABLE idea_comments (
    id TEXT PRIMARY KEY,
    idea_id TEXT NOT NULL,
    awaiting INTEGER NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX idea_comments_idea ON idea_comments (idea_id, id);
CREATE INDEX idea_comments_awaiting ON idea_comments (awaiting, id) WHERE awaiting = 1;
CREATE TABLE idea_follows (
    idea_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (idea_id, account_id)
) WITHOUT ROWID;
CREATE TABLE idea_scores (
    idea_id TEXT NOT NULL,
    expert_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (idea_id, expert_id)
);
CREATE INDEX idea_scores_project ON idea_scores (project_id);
CREATE TABLE idea_decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL,
    idea_id TEXT NOT NULL,
    moderator_id TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    day TEXT NOT NULL
);
CREATE INDEX idea_decisions_project ON idea_decisions (project_id, day, action, reason);
"#,
    // Who took part in each project (they hear when its stages begin); filled from what is
    // already stored.
    r#"
CREATE TABLE idea_participants (
    project_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (project_id, account_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO idea_participants SELECT project_id, author_id FROM ideas;
INSERT OR IGNORE INTO idea_participants
    SELECT i.project_id, s.account_id FROM idea_supports s JOIN ideas i ON i.id = s.idea_id;
INSERT OR IGNORE INTO idea_participants
    SELECT i.project_id, f.account_id FROM idea_follows f JOIN ideas i ON i.id = f.idea_id;
INSERT OR IGNORE INTO idea_participants
    SELECT i.project_id, json_extract(c.doc, '$.author_id')
    FROM idea_comments c JOIN ideas i ON i.id = c.idea_id;
"#,
    // A support wrote two random-key b-trees, the key and this index; the one query by account
    // (which of a page's ideas the resident supports) seeks the key, `(idea_id, account_id)`,
    // once an idea.
    r#"
DROP INDEX IF EXISTS idea_supports_account;
"#,
    // Supports reach the tables through a journal (`supports.rs`): the last of its lines the
    // tables hold, written in the same transaction as the supports.
    r#"
CREATE TABLE idea_support_log (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    applied INTEGER NOT NULL
);
INSERT INTO idea_support_log (id, applied) VALUES (1, 0);
"#,
    // An idea's count and its place in the order by supports leave the idea's row for a narrow
    // one of their own. A support rewrote the whole row (its document, some 600 bytes, four
    // rows a page), so at random each support dirtied a page of `ideas` that no other in its
    // batch shared; some fifty tallies share a page. `status` is the idea's, written with it,
    // for the order by supports within a status.
    r#"
CREATE TABLE idea_tallies (
    idea_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    status TEXT NOT NULL,
    supports INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO idea_tallies (idea_id, project_id, status, supports)
    SELECT id, project_id, status, supports FROM ideas;
CREATE INDEX idea_tallies_supported ON idea_tallies (project_id, status, supports, idea_id);
DROP INDEX ideas_supported;
ALTER TABLE ideas DROP COLUMN supports;
"#,
];

/// What an idea is read from: its row and its tally (every idea has one, written in the same
/// transaction).
macro_rules! idea_rows {
    () => {
        "SELECT i.doc, t.supports FROM ideas i JOIN idea_tallies t ON t.idea_id = i.id"
    };
}
pub(super) const IDEA_ROWS: &str = idea_rows!();
/// One idea by its id (a point read, with no text to build for it).
pub(super) const IDEA_BY_ID: &str = concat!(idea_rows!(), " WHERE i.id = ?1");

/// The row of `idea_terms` that counts a project's ideas (term hashes are never negative).
pub(super) const IDEA_COUNT: i64 = -1;

/// An idea from its `doc` and `supports` columns (the count lives in its column only).
pub(super) fn idea_from(doc: &str, supports: i64) -> StoreResult<Idea> {
    let mut idea: Idea = from_json("idea", doc)?;
    idea.supports = u64::try_from(supports).unwrap_or(0);
    Ok(idea)
}

pub(super) fn ideas_from(rows: Vec<(String, i64)>) -> StoreResult<Vec<Idea>> {
    rows.iter().map(|(doc, n)| idea_from(doc, *n)).collect()
}

pub(super) fn add_terms(
    conn: &Connection,
    project: &str,
    terms: &[u64],
    delta: i64,
) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO idea_terms (project_id, term, n) VALUES (?1, ?2, ?3)
         ON CONFLICT (project_id, term) DO UPDATE SET n = n + excluded.n",
    )?;
    for term in terms.iter().map(|t| as_i64(*t)).chain([IDEA_COUNT]) {
        stmt.execute(params![project, term, delta])?;
    }
    Ok(())
}

/// Writes an idea's band keys, stems and terms (after its old ones are gone).
pub(super) fn write_index(conn: &Connection, idea: &Idea, index: &IdeaIndex) -> StoreResult<()> {
    let project = idea.project_id.as_str();
    let id = idea.id.as_str();
    let mut bands = conn.prepare_cached(
        "INSERT OR IGNORE INTO idea_bands (project_id, band, idea_id) VALUES (?1, ?2, ?3)",
    )?;
    for band in &index.fingerprint.bands {
        bands.execute(params![project, as_i64(*band), id])?;
    }
    let mut stems = conn.prepare_cached(
        "INSERT OR IGNORE INTO idea_stems (project_id, stem, idea_id) VALUES (?1, ?2, ?3)",
    )?;
    for stem in &index.stems {
        stems.execute(params![project, stem, id])?;
    }
    add_terms(conn, project, &index.term_hashes(), 1)
}

pub(super) fn clear_index(conn: &Connection, idea: &IdeaId, project: &str) -> StoreResult<()> {
    conn.execute_cached("DELETE FROM idea_bands WHERE idea_id = ?1", [idea.as_str()])?;
    conn.execute_cached("DELETE FROM idea_stems WHERE idea_id = ?1", [idea.as_str()])?;
    let old: Option<Vec<u8>> = conn
        .query_row_cached(
            "SELECT terms FROM ideas WHERE id = ?1",
            [idea.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(old) = old {
        let hashes: Vec<u64> = terms_of(&old).iter().map(|(h, _)| *h).collect();
        add_terms(conn, project, &hashes, -1)?;
    }
    Ok(())
}

/// An idea's terms as stored: 12 bytes each, the hash then the weight, little-endian (read
/// back for every duplicate candidate, so no text to parse).
pub(super) fn terms_blob(terms: &[(u64, f32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(terms.len() * 12);
    for (hash, weight) in terms {
        out.extend_from_slice(&hash.to_le_bytes());
        out.extend_from_slice(&weight.to_le_bytes());
    }
    out
}

pub(super) fn terms_of(blob: &[u8]) -> Vec<(u64, f32)> {
    blob.chunks_exact(12)
        .map(|c| {
            let mut hash = [0u8; 8];
            let mut weight = [0u8; 4];
            hash.copy_from_slice(&c[..8]);
            weight.copy_from_slice(&c[8..]);
            (u64::from_le_bytes(hash), f32::from_le_bytes(weight))
        })
        .collect()
}

pub(super) fn set_supports(conn: &Connection, idea: &str) -> StoreResult<u64> {
    let n: i64 = conn.query_row_cached(
        "SELECT COUNT(*) FROM idea_supports WHERE idea_id = ?1",
        [idea],
        |r| r.get(0),
    )?;
    conn.execute_cached(
        "UPDATE idea_tallies SET supports = ?2 WHERE idea_id = ?1",
        params![idea, n],
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The columns an idea's queries read, its document last; the first two (id, project) never
/// change.
pub(super) const IDEA_COLUMNS: [&str; 13] = [
    "id",
    "project_id",
    "status",
    "topic",
    "district_id",
    "author_id",
    "created_at",
    "queued_at",
    "shortlisted",
    "outcome",
    "mail_due",
    "version",
    "doc",
];

pub(super) fn idea_values(idea: &Idea) -> StoreResult<Vec<Value>> {
    let millis =
        |at: Option<OffsetDateTime>| at.map_or(Value::Null, |at| Value::Integer(to_millis(at)));
    Ok(vec![
        Value::Text(idea.id.to_string()),
        Value::Text(idea.project_id.to_string()),
        Value::Text(idea.status.as_str().to_string()),
        Value::Text(idea.topic.clone()),
        Value::Text(idea.district_id.to_string()),
        Value::Text(idea.author_id.to_string()),
        Value::Integer(to_millis(idea.created_at)),
        millis(idea.queued_at),
        Value::Integer(i64::from(idea.shortlisted)),
        idea.outcome
            .map_or(Value::Null, |o| Value::Text(o.as_str().to_string())),
        millis(idea.mail_due.map(|m| m.since)),
        Value::Integer(as_i64(idea.version)),
        Value::Text(to_json(idea)?),
    ])
}

pub(super) fn numbered(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use veche_core::storage::{Sqlite, SyncMode};

    use super::MIGRATIONS;

    /// A store written while counts lived in the idea's row keeps every count: they move to the
    /// tallies, with the idea's project and status, and the old column and its index go.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_counts_move_from_the_ideas_to_their_tallies() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        db.migrate("ideas", &MIGRATIONS[..4]).await.unwrap();
        db.write(|conn| {
            conn.execute_batch(
                "INSERT INTO ideas (id, project_id, status, topic, district_id, author_id,
                                    created_at, shortlisted, supports, exact, terms, version, doc)
                 VALUES ('i1', 'p1', 'approved', 'parks', 'd1', 'a1', 1, 0, 7, 'x', x'', 1, '{}'),
                        ('i2', 'p1', 'pending', 'parks', 'd1', 'a2', 2, 0, 0, 'y', x'', 1, '{}'),
                        ('i3', 'p2', 'approved', 'roads', 'd2', 'a1', 3, 1, 12, 'z', x'', 4, '{}')",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        db.migrate("ideas", MIGRATIONS).await.unwrap();
        let tallies = db
            .query_all(
                "SELECT idea_id, project_id, status, supports FROM idea_tallies ORDER BY idea_id",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .await
            .unwrap();
        let row = |id: &str, project: &str, status: &str, n| {
            (id.to_string(), project.to_string(), status.to_string(), n)
        };
        assert_eq!(
            tallies,
            vec![
                row("i1", "p1", "approved", 7),
                row("i2", "p1", "pending", 0),
                row("i3", "p2", "approved", 12)
            ]
        );
        let names = |sql: &'static str| {
            let db = db.clone();
            async move {
                db.query_all(sql, [], |r| r.get::<_, String>(0))
                    .await
                    .unwrap()
            }
        };
        let columns = names("SELECT name FROM pragma_table_info('ideas')").await;
        assert!(columns.iter().any(|c| c == "doc"), "{columns:?}");
        assert!(!columns.iter().any(|c| c == "supports"), "{columns:?}");
        let indexes = names("SELECT name FROM sqlite_master WHERE type = 'index'").await;
        assert!(
            !indexes.iter().any(|i| i == "ideas_supported"),
            "{indexes:?}"
        );
        assert!(
            indexes.iter().any(|i| i == "idea_tallies_supported"),
            "{indexes:?}"
        );
    }
}
