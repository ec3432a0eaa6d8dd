//! The ideas on SQLite. A record is its JSON document beside the columns its queries filter and
//! sort on; an idea's band keys, search stems and terms are rows of their own tables, so that
//! each lookup is an index range.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ParamsFromIter};
use time::OffsetDateTime;
use veche_core::clock::{from_millis, to_millis};
use veche_core::id::AccountId;
use veche_core::storage::sqlite::{from_json, pair_row, text_row, to_json};
use veche_core::storage::{as_i64, CachedStatements, Sqlite};
use veche_core::{StoreError, StoreResult};

use super::{
    comment_awaits, head_from, Candidate, IdeaIndex, IdeaQuery, IdeaStore, QueueStats, Seen, Sort,
    SupportCheck, Supported, TermCounts,
};
use crate::log::{day_of, Action, Count, Entry};
use crate::model::{Comment, CommentId, Idea, IdeaId, Project, ProjectId, Reason, Score};
use crate::similar::Fingerprint;

mod schema;
mod seen;
mod supports;

use schema::*;
use supports::{Changing, Journaled, SupportLog, SupportRow};

/// The most ideas one band key brings to an idea's duplicate candidates.
const BAND_FANOUT: usize = 50;

pub struct SqliteIdeas {
    db: Sqlite,
    /// The supports' journal, once the schema is ready (`None` in it: straight to the tables).
    supports: OnceLock<Option<Arc<SupportLog>>>,
}

impl SqliteIdeas {
    pub fn new(db: Sqlite) -> Self {
        SqliteIdeas {
            db,
            supports: OnceLock::new(),
        }
    }

    /// Prepares the schema, then applies the supports an earlier run journalled and did not
    /// apply, before the store answers anything.
    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("ideas", MIGRATIONS).await?;
        if self.supports.get().is_none() {
            let log = SupportLog::open(&self.db).await?;
            // A second `migrate` of this store keeps the first's journal.
            let _ = self.supports.set(log);
        }
        Ok(())
    }

    fn journal(&self) -> Option<&SupportLog> {
        self.supports.get().and_then(Option::as_deref)
    }

    /// Marks a write to these ideas and projects as under way for the journal's memory (see
    /// `supports.rs`), until the guard is dropped.
    fn changing(&self, ideas: &[&str], projects: &[&str]) -> Option<Changing<'_>> {
        self.journal().map(|log| log.changing(ideas, projects))
    }

    /// Every method but a support's own settles first: the supports answered and still
    /// waiting for the tables reach them before anything else reads or writes.
    async fn settled(&self) -> StoreResult<()> {
        match self.journal() {
            Some(log) => log.settle().await,
            None => Ok(()),
        }
    }

    /// A support written straight to the tables (no journal, or not for it).
    async fn support_now(
        &self,
        idea: &IdeaId,
        account: &AccountId,
        at: OffsetDateTime,
        participant_of: Option<&ProjectId>,
    ) -> StoreResult<Supported> {
        let (idea, account) = (idea.to_string(), account.to_string());
        let project = participant_of.map(ToString::to_string);
        self.db
            .write_rerunnable(move |conn| {
                let row = SupportRow {
                    idea: &idea,
                    account: &account,
                    at: to_millis(at),
                    project: project.as_deref(),
                };
                let added = supports::write_support(conn, &row)?;
                supported(conn, &idea, added)
            })
            .await
    }

    /// Replaces a versioned record's row while its version is still `expected`: false when
    /// another writer changed it first. `sql` sets the id `?1`, the column beside the
    /// document `?2`, the version `?3`, the document `?4`, and expects the version `?5`.
    async fn replace_versioned(
        &self,
        sql: &'static str,
        (id, column, version): (String, bool, u64),
        doc: String,
        expected: u64,
    ) -> StoreResult<bool> {
        let params = (id, column, as_i64(version), doc, as_i64(expected));
        Ok(self.db.execute(sql, params).await? == 1)
    }

    /// A page of the comments `sql` finds under `key`, in id order after `after`, at most `limit`
    /// (numbered as [`page_params`] numbers them).
    async fn comments_page(
        &self,
        sql: &'static str,
        key: Option<String>,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>> {
        self.settled().await?;
        let args = page_params(key, after_id(after), limit);
        self.db.query_json_all(sql, args, "comment").await
    }

    /// A page of accounts `sql` lists for `key` (`?1`), in order after `after` (`?2`), at most
    /// `limit` (`?3`).
    async fn accounts_after(
        &self,
        sql: &'static str,
        key: String,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let found = self
            .db
            .query_all(
                sql,
                page_params(Some(key), after_id(after), limit),
                text_row,
            )
            .await?;
        Ok(found.into_iter().map(AccountId::from_trusted).collect())
    }
}

/// A page query's parameters, numbered in this order: the key it reads under (when it has
/// one), the position it starts after, and how many rows at most.
fn page_params(
    key: Option<String>,
    after: impl IntoIterator<Item = Value>,
    limit: usize,
) -> ParamsFromIter<Vec<Value>> {
    let limit = Value::Integer(as_i64(limit as u64));
    let key = key.map(Value::Text);
    params_from_iter(key.into_iter().chain(after).chain([limit]).collect())
}

/// The position of a page ordered by id: after `after`, or from the start (`''`).
fn after_id(after: Option<&impl ToString>) -> [Value; 1] {
    [Value::Text(
        after.map(ToString::to_string).unwrap_or_default(),
    )]
}

#[async_trait]
impl IdeaStore for SqliteIdeas {
    async fn insert_project(&self, project: &Project) -> StoreResult<()> {
        let doc = to_json(project)?;
        self.db
            .run(
                "INSERT INTO idea_projects (id, published, created_at, version, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (
                    project.id.to_string(),
                    project.published,
                    to_millis(project.created_at),
                    as_i64(project.version),
                    doc,
                ),
            )
            .await
    }

    async fn project(&self, id: &ProjectId) -> StoreResult<Option<Project>> {
        // A point read by the primary key, on the calling thread (every support reads it).
        let sql = "SELECT doc FROM idea_projects WHERE id = ?1";
        let doc = self.db.lookup_row(sql, [id.as_str()], text_row)?;
        doc.map(|doc| from_json("project", &doc)).transpose()
    }

    async fn replace_project(&self, project: &Project, expected: u64) -> StoreResult<bool> {
        let _changing = self.changing(&[], &[project.id.as_str()]);
        let sql = "UPDATE idea_projects SET published = ?2, version = ?3, doc = ?4
                   WHERE id = ?1 AND version = ?5";
        let row = (project.id.to_string(), project.published, project.version);
        self.replace_versioned(sql, row, to_json(project)?, expected)
            .await
    }

    async fn projects(
        &self,
        drafts: bool,
        after: Option<(i64, ProjectId)>,
        limit: usize,
    ) -> StoreResult<Vec<Project>> {
        self.settled().await?;
        let mut sql = String::from("SELECT doc FROM idea_projects WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if !drafts {
            sql.push_str(" AND published = 1");
        }
        if let Some((at, id)) = after {
            sql.push_str(" AND (created_at, id) < (?, ?)");
            args.extend([Value::Integer(at), Value::Text(id.to_string())]);
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
        args.push(Value::Integer(as_i64(limit as u64)));
        let args = params_from_iter(args);
        self.db.query_json_all(sql, args, "project").await
    }

    async fn insert_idea(&self, idea: &Idea, index: &IdeaIndex) -> StoreResult<()> {
        self.settled().await?;
        let mut values = idea_values(idea)?;
        values.extend([
            Value::Text(index.fingerprint.exact.clone()),
            Value::Blob(terms_blob(&index.fingerprint.terms)),
        ]);
        let sql = format!(
            "INSERT INTO ideas ({}, exact, terms) VALUES ({})",
            IDEA_COLUMNS.join(", "),
            numbered(1, IDEA_COLUMNS.len() + 2)
        );
        let (idea, index) = (idea.clone(), index.clone());
        self.db
            .write(move |conn| {
                conn.execute_cached(&sql, params_from_iter(values))?;
                conn.execute_cached(
                    "INSERT INTO idea_tallies (idea_id, project_id, status, supports)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        idea.id.as_str(),
                        idea.project_id.as_str(),
                        idea.status.as_str(),
                        as_i64(idea.supports)
                    ],
                )?;
                write_index(conn, &idea, &index)
            })
            .await
    }

    async fn idea(&self, id: &IdeaId) -> StoreResult<Option<Idea>> {
        self.settled().await?;
        // A point read by the primary key, on the calling thread.
        let row: Option<(String, i64)> = self.db.lookup_row(IDEA_BY_ID, [id.as_str()], pair_row)?;
        row.map(|(doc, n)| idea_from(&doc, n)).transpose()
    }

    async fn support_check(
        &self,
        id: &IdeaId,
        account: &AccountId,
    ) -> StoreResult<Option<SupportCheck>> {
        // The journal's generation before the reading, which holds the count, the resident's
        // support and the journal's last line applied in one snapshot (see `supports.rs`).
        if let Some(log) = self.journal() {
            if let Some((head, project_version)) = log.known_head(id.as_str())? {
                return Ok(Some(SupportCheck {
                    head,
                    project_version,
                    seen: None,
                }));
            }
        }
        let generation = self.journal().map(SupportLog::generation).transpose()?;
        let sql = "SELECT i.project_id, i.author_id, i.status, p.version, t.supports,
                          EXISTS (SELECT 1 FROM idea_supports
                                  WHERE idea_id = ?1 AND account_id = ?2),
                          l.applied
                   FROM ideas i JOIN idea_projects p ON p.id = i.project_id
                        JOIN idea_tallies t ON t.idea_id = i.id,
                        idea_support_log l
                   WHERE i.id = ?1 AND l.id = 1";
        type Row = (String, String, String, i64, i64, bool, i64);
        let row: Option<Row> = self
            .db
            .lookup_row(sql, [id.as_str(), account.as_str()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?;
        let Some((project, author, status, version, supports, supported, applied)) = row else {
            return Ok(None);
        };
        let check = SupportCheck {
            head: head_from(id, &project, &author, &status)?,
            project_version: u64::try_from(version).unwrap_or_default(),
            seen: generation.map(|generation| Seen {
                supports: u64::try_from(supports).unwrap_or_default(),
                supported,
                mark: u64::try_from(applied).unwrap_or_default(),
                generation,
            }),
        };
        if let (Some(log), Some(generation)) = (self.journal(), generation) {
            log.learn_head(&check.head, check.project_version, generation)?;
        }
        Ok(Some(check))
    }

    async fn replace_idea(
        &self,
        idea: &Idea,
        expected: u64,
        index: Option<&IdeaIndex>,
    ) -> StoreResult<bool> {
        self.settled().await?;
        let _changing = self.changing(&[idea.id.as_str()], &[]);
        let mut values = idea_values(idea)?;
        let changing = &IDEA_COLUMNS[2..];
        let sets: Vec<String> = changing
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ?{}", i + 3))
            .collect();
        let sql = format!(
            "UPDATE ideas SET {} WHERE id = ?1 AND version = ?{}",
            sets.join(", "),
            IDEA_COLUMNS.len() + 1
        );
        // ?2, the project, is bound but never changes.
        values.push(Value::Integer(as_i64(expected)));
        let (idea, index) = (idea.clone(), index.cloned());
        self.db
            .write(move |conn| {
                if let Some(index) = &index {
                    let current: Option<i64> = conn
                        .query_row_cached(
                            "SELECT version FROM ideas WHERE id = ?1",
                            [idea.id.as_str()],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if current != Some(as_i64(expected)) {
                        return Ok(false);
                    }
                    clear_index(conn, &idea.id, idea.project_id.as_str())?;
                    conn.execute_cached(
                        "UPDATE ideas SET exact = ?2, terms = ?3 WHERE id = ?1",
                        params![
                            idea.id.as_str(),
                            index.fingerprint.exact,
                            terms_blob(&index.fingerprint.terms)
                        ],
                    )?;
                    write_index(conn, &idea, index)?;
                }
                let changed = conn.execute_cached(&sql, params_from_iter(values))?;
                if changed == 1 {
                    conn.execute_cached(
                        "UPDATE idea_tallies SET status = ?2 WHERE idea_id = ?1",
                        [idea.id.as_str(), idea.status.as_str()],
                    )?;
                }
                Ok(changed == 1)
            })
            .await
    }

    async fn ideas(&self, query: &IdeaQuery) -> StoreResult<Vec<Idea>> {
        self.settled().await?;
        // By supports, the tally's project and status pick the tallies' index, which holds the
        // order; by date, the idea's pick one of the ideas'.
        let (keyed, key, key_id) = match query.sort {
            Sort::Newest => ("i", "i.created_at", "i.id"),
            Sort::Supports => ("t", "t.supports", "t.idea_id"),
        };
        let mut sql = format!("{IDEA_ROWS} WHERE {keyed}.project_id = ?");
        let mut args: Vec<Value> = vec![Value::Text(query.project_id.to_string())];
        if !query.statuses.is_empty() {
            sql.push_str(&format!(" AND {keyed}.status IN ("));
            sql.push_str(&vec!["?"; query.statuses.len()].join(", "));
            sql.push(')');
            args.extend(
                query
                    .statuses
                    .iter()
                    .map(|s| Value::Text(s.as_str().to_string())),
            );
        }
        for (column, value) in [
            ("topic", query.topic.clone()),
            (
                "district_id",
                query.district_id.as_ref().map(|d| d.to_string()),
            ),
            ("author_id", query.author_id.as_ref().map(|a| a.to_string())),
        ] {
            if let Some(value) = value {
                sql.push_str(&format!(" AND i.{column} = ?"));
                args.push(Value::Text(value));
            }
        }
        if query.shortlisted {
            sql.push_str(" AND i.shortlisted = 1");
        }
        if query.with_outcome {
            sql.push_str(" AND i.outcome IS NOT NULL");
        }
        if !query.stems.is_empty() {
            let one = "SELECT idea_id FROM idea_stems WHERE project_id = ? AND stem = ?";
            sql.push_str(" AND i.id IN (");
            sql.push_str(&vec![one; query.stems.len()].join(" INTERSECT "));
            sql.push(')');
            for stem in &query.stems {
                args.push(Value::Text(query.project_id.to_string()));
                args.push(Value::Text(stem.clone()));
            }
        }
        if let Some((at, id)) = &query.after {
            sql.push_str(&format!(" AND ({key}, {key_id}) < (?, ?)"));
            args.push(Value::Integer(*at));
            args.push(Value::Text(id.to_string()));
        }
        sql.push_str(&format!(" ORDER BY {key} DESC, {key_id} DESC LIMIT ?"));
        args.push(Value::Integer(as_i64(query.limit as u64)));
        let rows = self
            .db
            .query_all(sql, params_from_iter(args), pair_row)
            .await?;
        ideas_from(rows)
    }

    async fn queue(
        &self,
        project: Option<&ProjectId>,
        after: Option<(i64, IdeaId)>,
        limit: usize,
    ) -> StoreResult<Vec<Idea>> {
        self.settled().await?;
        let (at, id) = after.map_or((i64::MIN, String::new()), |(at, id)| (at, id.to_string()));
        let sql = match project {
            Some(_) => format!(
                "{IDEA_ROWS} WHERE i.project_id = ?1 AND i.queued_at IS NOT NULL
                 AND (i.queued_at, i.id) > (?2, ?3) ORDER BY i.queued_at, i.id
                 LIMIT ?4"
            ),
            None => format!(
                "{IDEA_ROWS} WHERE i.queued_at IS NOT NULL
                 AND (i.queued_at, i.id) > (?1, ?2) ORDER BY i.queued_at, i.id
                 LIMIT ?3"
            ),
        };
        let after = [Value::Integer(at), Value::Text(id)];
        let args = page_params(project.map(ToString::to_string), after, limit);
        let rows = self.db.query_all(sql, args, pair_row).await?;
        ideas_from(rows)
    }

    async fn queue_stats(&self, project: Option<&ProjectId>) -> StoreResult<QueueStats> {
        self.settled().await?;
        let project = project.map(|p| p.to_string());
        self.db
            .read(move |conn| {
                let (n, oldest): (i64, Option<i64>) = match &project {
                    Some(p) => conn.query_row_cached(
                        "SELECT COUNT(*), MIN(queued_at) FROM ideas
                         WHERE project_id = ?1 AND queued_at IS NOT NULL",
                        [p],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?,
                    None => conn.query_row_cached(
                        "SELECT COUNT(*), MIN(queued_at) FROM ideas WHERE queued_at IS NOT NULL",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?,
                };
                Ok(QueueStats {
                    waiting: u64::try_from(n).unwrap_or(0),
                    oldest: oldest.map(from_millis),
                })
            })
            .await
    }

    async fn candidates(
        &self,
        project: &ProjectId,
        fingerprint: &Fingerprint,
        limit: usize,
    ) -> StoreResult<Vec<Candidate>> {
        self.settled().await?;
        // The ideas sharing the most band keys first (the same exact key counts as all of
        // them), so that the `limit` scored are the likeliest.
        let mut args: Vec<Value> = vec![
            Value::Text(project.to_string()),
            Value::Text(fingerprint.exact.clone()),
            Value::Integer(as_i64(fingerprint.bands.len() as u64 + 1)),
        ];
        let mut sql = String::from(
            "WITH shared (idea_id, n) AS (
               SELECT id, ?3 FROM ideas WHERE project_id = ?1 AND exact = ?2",
        );
        // Each band contributes at most BAND_FANOUT ideas: a band most of a project holds (a
        // common word in short titles) says little, and reading all of it would make the work
        // per idea grow with the project.
        for band in &fingerprint.bands {
            args.push(Value::Integer(as_i64(*band)));
            sql.push_str(&format!(
                " UNION ALL SELECT idea_id, 1 FROM (SELECT idea_id FROM idea_bands
                   WHERE project_id = ?1 AND band = ?{} LIMIT {BAND_FANOUT})",
                args.len()
            ));
        }
        sql.push_str(&format!(
            "), best AS (SELECT idea_id, SUM(n) AS n FROM shared GROUP BY idea_id)
             SELECT ideas.id, ideas.exact, ideas.terms FROM best JOIN ideas ON ideas.id = best.idea_id
             WHERE ideas.status != 'merged' ORDER BY best.n DESC, ideas.id LIMIT ?{}",
            args.len() + 1
        ));
        args.push(Value::Integer(as_i64(limit as u64)));
        let rows = self
            .db
            .query_all(sql, params_from_iter(args), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, exact, terms)| Candidate {
                id: IdeaId::from_trusted(id),
                fingerprint: Fingerprint {
                    exact,
                    terms: terms_of(&terms),
                    bands: Vec::new(),
                },
            })
            .collect())
    }

    async fn ideas_by_id(&self, ids: &[IdeaId]) -> StoreResult<Vec<Idea>> {
        self.settled().await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("{IDEA_ROWS} WHERE i.id IN ({})", numbered(1, ids.len()));
        let args: Vec<Value> = ids.iter().map(|i| Value::Text(i.to_string())).collect();
        let rows = self
            .db
            .query_all(sql, params_from_iter(args), pair_row)
            .await?;
        ideas_from(rows)
    }

    async fn term_counts(&self, project: &ProjectId) -> StoreResult<TermCounts> {
        self.settled().await?;
        let rows = self
            .db
            .query_all(
                "SELECT term, n FROM idea_terms WHERE project_id = ?1 AND n > 0",
                [project.to_string()],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .await?;
        let mut out = TermCounts::default();
        for (term, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            if term == IDEA_COUNT {
                out.ideas = n;
            } else {
                out.holding.insert(term as u64, n);
            }
        }
        Ok(out)
    }

    async fn mail_owed(&self, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<Idea>> {
        self.settled().await?;
        let rows = self
            .db
            .query_all(
                format!(
                    "{IDEA_ROWS} WHERE i.mail_due IS NOT NULL AND i.mail_due < ?1
                     ORDER BY i.mail_due LIMIT ?2"
                ),
                params_from_iter([
                    Value::Integer(to_millis(before)),
                    Value::Integer(as_i64(limit as u64)),
                ]),
                pair_row,
            )
            .await?;
        ideas_from(rows)
    }

    async fn mail_sent(&self, idea: &IdeaId, version: u64) -> StoreResult<()> {
        self.settled().await?;
        self.db
            .execute(
                "UPDATE ideas SET mail_due = NULL, doc = json_set(doc, '$.mail_due', json('null'))
                 WHERE id = ?1 AND version = ?2",
                (idea.to_string(), as_i64(version)),
            )
            .await?;
        Ok(())
    }

    async fn support(
        &self,
        idea: &IdeaId,
        account: &AccountId,
        at: OffsetDateTime,
        participant_of: Option<&ProjectId>,
        seen: Option<Seen>,
    ) -> StoreResult<Supported> {
        if let Some(log) = self.journal() {
            let row = SupportRow {
                idea: idea.as_str(),
                account: account.as_str(),
                at: to_millis(at),
                project: participant_of.map(ProjectId::as_str),
            };
            let mut seen = seen;
            loop {
                match log.support(&row, seen.take())? {
                    Journaled::Done(done) => return Ok(done),
                    Journaled::Full(batches) => log.batch_after(batches).await?,
                    Journaled::Direct => break,
                }
            }
            log.settle().await?;
            let _changing = log.changing(&[idea.as_str()], &[]);
            log.seen_directly(idea.as_str(), account.as_str())?;
            return self.support_now(idea, account, at, participant_of).await;
        }
        self.support_now(idea, account, at, participant_of).await
    }

    async fn withdraw(&self, idea: &IdeaId, account: &AccountId) -> StoreResult<Supported> {
        self.settled().await?;
        let _changing = self.changing(&[idea.as_str()], &[]);
        let (idea, account) = (idea.to_string(), account.to_string());
        self.db
            .write_rerunnable(move |conn| {
                let removed = conn.execute_cached(
                    "DELETE FROM idea_supports WHERE idea_id = ?1 AND account_id = ?2",
                    [&idea, &account],
                )?;
                if removed == 1 {
                    conn.execute_cached(
                        "UPDATE idea_tallies SET supports = supports - 1
                         WHERE idea_id = ?1 AND supports > 0",
                        [&idea],
                    )?;
                }
                supported(conn, &idea, removed == 1)
            })
            .await
    }

    async fn flush(&self) -> StoreResult<()> {
        self.settled().await
    }

    async fn supported(
        &self,
        account: &AccountId,
        ideas: &[IdeaId],
    ) -> StoreResult<BTreeSet<IdeaId>> {
        self.settled().await?;
        if ideas.is_empty() {
            return Ok(BTreeSet::new());
        }
        let mut sql =
            String::from("SELECT idea_id FROM idea_supports WHERE account_id = ? AND idea_id IN (");
        sql.push_str(&vec!["?"; ideas.len()].join(", "));
        sql.push(')');
        let args: Vec<Value> = std::iter::once(account.to_string())
            .chain(ideas.iter().map(|i| i.to_string()))
            .map(Value::Text)
            .collect();
        let found = self
            .db
            .query_all(sql, params_from_iter(args), text_row)
            .await?;
        Ok(found.into_iter().map(IdeaId::from_trusted).collect())
    }

    async fn move_supports(&self, from: &IdeaId, into: &IdeaId) -> StoreResult<u64> {
        self.settled().await?;
        let _changing = self.changing(&[from.as_str(), into.as_str()], &[]);
        if let Some(log) = self.journal() {
            log.merging_into(into.as_str())?;
        }
        let (from, into) = (from.to_string(), into.to_string());
        self.db
            .write(move |conn| {
                conn.execute_cached(
                    "INSERT OR IGNORE INTO idea_supports (idea_id, account_id, at)
                     SELECT ?2, account_id, at FROM idea_supports WHERE idea_id = ?1",
                    [&from, &into],
                )?;
                conn.execute_cached("DELETE FROM idea_supports WHERE idea_id = ?1", [&from])?;
                set_supports(conn, &from)?;
                set_supports(conn, &into)
            })
            .await
    }

    async fn insert_comment(&self, comment: &Comment) -> StoreResult<()> {
        self.settled().await?;
        self.db
            .run(
                "INSERT INTO idea_comments (id, idea_id, awaiting, version, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (
                    comment.id.to_string(),
                    comment.idea_id.to_string(),
                    comment_awaits(comment),
                    as_i64(comment.version),
                    to_json(comment)?,
                ),
            )
            .await
    }

    async fn comment(&self, id: &CommentId) -> StoreResult<Option<Comment>> {
        self.settled().await?;
        let sql = "SELECT doc FROM idea_comments WHERE id = ?1";
        self.db.query_json(sql, [id.to_string()], "comment").await
    }

    async fn replace_comment(&self, comment: &Comment, expected: u64) -> StoreResult<bool> {
        self.settled().await?;
        let sql = "UPDATE idea_comments SET awaiting = ?2, version = ?3, doc = ?4
                   WHERE id = ?1 AND version = ?5";
        let row = (
            comment.id.to_string(),
            comment_awaits(comment),
            comment.version,
        );
        self.replace_versioned(sql, row, to_json(comment)?, expected)
            .await
    }

    async fn comments(
        &self,
        idea: &IdeaId,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>> {
        let sql =
            "SELECT doc FROM idea_comments WHERE idea_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
        self.comments_page(sql, Some(idea.to_string()), after, limit)
            .await
    }

    async fn reported_comments(
        &self,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>> {
        let sql =
            "SELECT doc FROM idea_comments WHERE awaiting = 1 AND id > ?1 ORDER BY id LIMIT ?2";
        self.comments_page(sql, None, after, limit).await
    }

    async fn follow(&self, idea: &IdeaId, account: &AccountId, on: bool) -> StoreResult<bool> {
        self.settled().await?;
        let sql = if on {
            "INSERT OR IGNORE INTO idea_follows (idea_id, account_id) VALUES (?1, ?2)"
        } else {
            "DELETE FROM idea_follows WHERE idea_id = ?1 AND account_id = ?2"
        };
        let changed = self
            .db
            .execute(sql, (idea.to_string(), account.to_string()))
            .await?;
        Ok(changed == 1)
    }

    async fn follows(&self, idea: &IdeaId, account: &AccountId) -> StoreResult<bool> {
        self.settled().await?;
        let found = self
            .db
            .query_optional(
                "SELECT 1 FROM idea_follows WHERE idea_id = ?1 AND account_id = ?2",
                [idea.to_string(), account.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .await?;
        Ok(found.is_some())
    }

    async fn followers(
        &self,
        idea: &IdeaId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        self.settled().await?;
        let sql = "SELECT account_id FROM idea_follows WHERE idea_id = ?1 AND account_id > ?2
                   ORDER BY account_id LIMIT ?3";
        self.accounts_after(sql, idea.to_string(), after, limit)
            .await
    }

    async fn participate(&self, project: &ProjectId, account: &AccountId) -> StoreResult<()> {
        self.settled().await?;
        self.db
            .run(
                "INSERT OR IGNORE INTO idea_participants (project_id, account_id) VALUES (?1, ?2)",
                (project.to_string(), account.to_string()),
            )
            .await
    }

    async fn participants(
        &self,
        project: &ProjectId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        self.settled().await?;
        let sql = "SELECT account_id FROM idea_participants WHERE project_id = ?1
                   AND account_id > ?2 ORDER BY account_id LIMIT ?3";
        self.accounts_after(sql, project.to_string(), after, limit)
            .await
    }

    async fn save_score(&self, score: &Score) -> StoreResult<()> {
        self.settled().await?;
        self.db
            .run(
                "INSERT INTO idea_scores (idea_id, expert_id, project_id, doc) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (idea_id, expert_id) DO UPDATE SET doc = excluded.doc",
                (
                    score.idea_id.to_string(),
                    score.expert_id.to_string(),
                    score.project_id.to_string(),
                    to_json(score)?,
                ),
            )
            .await
    }

    async fn scores(&self, project: &ProjectId) -> StoreResult<Vec<Score>> {
        self.settled().await?;
        self.db
            .query_json_all(
                "SELECT doc FROM idea_scores WHERE project_id = ?1 ORDER BY idea_id, expert_id",
                [project.to_string()],
                "score",
            )
            .await
    }

    async fn log_decision(
        &self,
        project: &ProjectId,
        moderator: &AccountId,
        entry: &Entry,
    ) -> StoreResult<()> {
        self.settled().await?;
        self.db
            .run(
                "INSERT INTO idea_decisions (project_id, idea_id, moderator_id, action, reason, at, day)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (
                    project.to_string(),
                    entry.idea_id.to_string(),
                    moderator.to_string(),
                    entry.action.as_str(),
                    entry.reason.map(Reason::as_str),
                    to_millis(entry.at),
                    day_of(entry.at),
                ),
            )
            .await
    }

    async fn log_counts(&self, project: &ProjectId) -> StoreResult<Vec<Count>> {
        self.settled().await?;
        let rows = self
            .db
            .query_all(
                "SELECT day, action, reason, COUNT(*) FROM idea_decisions WHERE project_id = ?1
                 GROUP BY day, action, reason ORDER BY day, action, reason",
                [project.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .await?;
        let mut counts = rows
            .into_iter()
            .map(|(day, action, reason, n)| {
                Ok(Count {
                    day,
                    action: Action::parse(&action).ok_or_else(|| {
                        StoreError::Internal(format!("a logged decision's action {action}"))
                    })?,
                    reason: reason.as_deref().and_then(Reason::parse),
                    count: u64::try_from(n).unwrap_or(0),
                })
            })
            .collect::<StoreResult<Vec<Count>>>()?;
        counts.sort_by(super::log_order);
        Ok(counts)
    }
}

/// What a support's write did, with the idea's count read in the same transaction.
fn supported(conn: &Connection, idea: &str, changed: bool) -> StoreResult<Supported> {
    let supports: Option<i64> = conn
        .query_row_cached(
            "SELECT supports FROM idea_tallies WHERE idea_id = ?1",
            [idea],
            |row| row.get(0),
        )
        .optional()?;
    Ok(Supported {
        changed,
        supports: u64::try_from(supports.unwrap_or(0)).unwrap_or(0),
    })
}
