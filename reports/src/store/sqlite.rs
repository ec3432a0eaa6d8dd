//! The reports on SQLite. A record is its JSON document beside the columns its queries filter
//! and sort on ([`Derived`]); a report's joiner count is a column of its own that only joins
//! move.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};
use time::OffsetDateTime;
use veche_core::clock::to_millis;
use veche_core::id::{AccountId, OrganisationId};
use veche_core::storage::sqlite::{from_json, pair_row, text_row, to_json};
use veche_core::storage::{as_i64, CachedStatements, Sqlite};
use veche_core::{StoreError, StoreResult};

use super::{
    debts_after, After, Derived, Near, ReportQuery, ReportStore, SpanQuery, Tallied, TallyBy,
    TallyRow, NEAR_SCAN,
};
use crate::model::{CalendarDay, Category, Profile, Report, ReportId, Status};

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE IF NOT EXISTS report_categories (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_profiles (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_days (date TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    public INTEGER NOT NULL,
    open INTEGER NOT NULL,
    cell INTEGER NOT NULL,
    category_id TEXT NOT NULL,
    district_id TEXT NOT NULL,
    organisation_id TEXT,
    author_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    due INTEGER,
    next_check INTEGER,
    closes_at INTEGER,
    mail_since INTEGER,
    joiners INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reports_open_cell ON reports (open, cell, category_id);
CREATE INDEX IF NOT EXISTS reports_public ON reports (public, created_at, id);
CREATE INDEX IF NOT EXISTS reports_district ON reports (district_id, public, created_at, id);
CREATE INDEX IF NOT EXISTS reports_category ON reports (category_id, public, created_at, id);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status, created_at, id);
CREATE INDEX IF NOT EXISTS reports_due ON reports (due, id);
CREATE INDEX IF NOT EXISTS reports_district_due ON reports (district_id, due, id);
CREATE INDEX IF NOT EXISTS reports_organisation_due ON reports (organisation_id, due, id);
CREATE INDEX IF NOT EXISTS reports_author ON reports (author_id, created_at, id);
CREATE INDEX IF NOT EXISTS reports_next_check ON reports (next_check);
CREATE INDEX IF NOT EXISTS reports_closes_at ON reports (closes_at);
CREATE INDEX IF NOT EXISTS reports_mail_since ON reports (mail_since);
CREATE TABLE IF NOT EXISTS report_joins (
    report_id TEXT NOT NULL, account_id TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (report_id, account_id)) WITHOUT ROWID;
"#,
    // A resident's joins, the latest first ("my reports").
    "CREATE INDEX IF NOT EXISTS report_joins_account ON report_joins (account_id, at, report_id);",
    r#"
ALTER TABLE reports ADD COLUMN t_awaiting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN t_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN t_on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN t_was_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN t_reopened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN t_hours INTEGER;
ALTER TABLE reports ADD COLUMN t_tallied INTEGER;
CREATE INDEX IF NOT EXISTS reports_tally ON reports (organisation_id, category_id, district_id,
    due, t_hours, t_awaiting, t_answered, t_on_time, t_was_answered, t_reopened);
CREATE INDEX IF NOT EXISTS reports_untallied ON reports (id) WHERE t_tallied IS NULL;
"#,
    // Open reports near a point, newest first, from the index alone: the candidates' order is read
    // from the index entries, and only the reports kept are read whole.
    r#"
DROP INDEX IF EXISTS reports_open_cell;
CREATE INDEX IF NOT EXISTS reports_open_cell_new ON reports (open, cell, created_at, id);
CREATE INDEX IF NOT EXISTS reports_open_category_cell_new
    ON reports (open, category_id, cell, created_at, id);
"#,
    // Open reports near a point, nearest first: the place in the index entries, so that the
    // candidates are weighed without reading them, and only the nearest are read whole.
    r#"
ALTER TABLE reports ADD COLUMN lat REAL;
ALTER TABLE reports ADD COLUMN lon REAL;
UPDATE reports SET lat = json_extract(doc, '$.place.lat'), lon = json_extract(doc, '$.place.lon');
DROP INDEX IF EXISTS reports_open_cell_new;
DROP INDEX IF EXISTS reports_open_category_cell_new;
CREATE INDEX IF NOT EXISTS reports_open_near ON reports (open, cell, lat, lon, id);
CREATE INDEX IF NOT EXISTS reports_open_category_near
    ON reports (open, category_id, cell, lat, lon, id);
"#,
];

/// The columns a report's row holds beside its document and joiner count, in order.
const COLUMNS: &[&str] = &[
    "id",
    "status",
    "public",
    "open",
    "cell",
    "category_id",
    "district_id",
    "organisation_id",
    "author_id",
    "created_at",
    "due",
    "next_check",
    "closes_at",
    "mail_since",
    "version",
    "doc",
    "t_awaiting",
    "t_answered",
    "t_on_time",
    "t_was_answered",
    "t_reopened",
    "t_hours",
    "t_tallied",
    "lat",
    "lon",
];

/// The writer's page cache while reports are imported: -N is N KiB (512 MB).
const IMPORT_CACHE_KIB: i64 = -524_288;

pub struct SqliteReports {
    db: Sqlite,
}

fn text_or_null(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::Text)
}

fn int_or_null(value: Option<i64>) -> Value {
    value.map_or(Value::Null, Value::Integer)
}

/// A report's row values in [`COLUMNS`] order.
fn row_values(report: &Report) -> StoreResult<Vec<Value>> {
    let d = Derived::of(report);
    let mut values = vec![
        Value::Text(report.id.to_string()),
        Value::Text(report.status.as_str().into()),
        Value::Integer(i64::from(d.public)),
        Value::Integer(i64::from(d.open)),
        Value::Integer(d.cell),
        Value::Text(report.category_id.to_string()),
        Value::Text(report.district_id.to_string()),
        text_or_null(d.organisation_id.map(|o| o.to_string())),
        Value::Text(report.author_id.to_string()),
        Value::Integer(to_millis(report.created_at)),
        int_or_null(d.due),
        int_or_null(d.next_check),
        int_or_null(d.closes_at),
        int_or_null(d.mail_since),
        Value::Integer(as_i64(report.version)),
        Value::Text(to_json(report)?),
    ];
    let t = Tallied::of(report);
    values.extend(t.flags().map(Value::Integer));
    values.extend([int_or_null(t.hours), Value::Integer(1)]);
    values.extend([Value::Real(report.place.lat), Value::Real(report.place.lon)]);
    Ok(values)
}

fn report_from((doc, joiners): (String, i64)) -> StoreResult<Report> {
    let mut report: Report = from_json("report", &doc)?;
    report.joiners = u64::try_from(joiners).unwrap_or(0);
    Ok(report)
}

/// A row of [`ReportStore::tally`]'s grouping.
fn tally_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TallyRow> {
    let count = |i: usize| -> rusqlite::Result<u64> {
        Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
    };
    Ok(TallyRow {
        key: row.get(0)?,
        hours: row.get(1)?,
        reports: count(2)?,
        awaiting: count(3)?,
        overdue: count(4)?,
        answered: count(5)?,
        on_time: count(6)?,
        was_answered: count(7)?,
        reopened: count(8)?,
    })
}

/// `?` placeholders for `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

impl SqliteReports {
    pub fn new(db: Sqlite) -> Self {
        SqliteReports { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("reports", MIGRATIONS).await?;
        self.tally_older_reports().await
    }

    /// Derives the dashboard's columns of reports stored before they existed (once: the
    /// partial index holds only those).
    async fn tally_older_reports(&self) -> StoreResult<()> {
        loop {
            let done = self
                .db
                .write(|conn| {
                    let rows: Vec<(String, String)> = {
                        let mut statement = conn.prepare_cached(
                            "SELECT id, doc FROM reports
                             WHERE t_tallied IS NULL LIMIT 500",
                        )?;
                        let found = statement.query_map([], pair_row)?;
                        found.collect::<Result<_, _>>()?
                    };
                    for (id, doc) in &rows {
                        let report: Report = from_json("report", doc)?;
                        let t = Tallied::of(&report);
                        let [a, b, c, d, e] = t.flags();
                        conn.execute_cached(
                            "UPDATE reports SET t_awaiting = ?2, t_answered = ?3, t_on_time = ?4,
                             t_was_answered = ?5, t_reopened = ?6, t_hours = ?7, t_tallied = 1
                             WHERE id = ?1",
                            rusqlite::params![id, a, b, c, d, e, t.hours],
                        )?;
                    }
                    Ok(rows.is_empty())
                })
                .await?;
            if done {
                return Ok(());
            }
        }
    }

    /// The reports whose time in `column` (a time column, `NULL` when none is due) compares
    /// with `at` by `op` (`<=` or `<`), the earliest first.
    async fn due(
        &self,
        column: &str,
        op: &str,
        at: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let sql = format!(
            "SELECT doc, joiners FROM reports WHERE {column} IS NOT NULL
             AND {column} {op} ? ORDER BY {column} LIMIT ?"
        );
        let args = vec![
            Value::Integer(to_millis(at)),
            Value::Integer(as_i64(limit as u64)),
        ];
        self.select(sql, args).await
    }

    /// The reports `sql` selects (`doc, joiners`) with `args`.
    async fn select(&self, sql: String, args: Vec<Value>) -> StoreResult<Vec<Report>> {
        let rows = self
            .db
            .query_all(sql, params_from_iter(args), pair_row)
            .await?;
        rows.into_iter().map(report_from).collect()
    }

    /// Inserts a versioned record (`expected` `None`) or replaces it at `expected`.
    async fn put_versioned(
        &self,
        table: &'static str,
        (id, version, doc): (String, u64, String),
        expected: Option<u64>,
    ) -> StoreResult<bool> {
        match expected {
            None => {
                let sql = format!("INSERT INTO {table} (id, version, doc) VALUES (?1, ?2, ?3)");
                self.db
                    .write(move |conn| {
                        conn.execute_cached(&sql, (id, as_i64(version), doc))?;
                        Ok(true)
                    })
                    .await
            }
            Some(expected) => {
                let sql = format!(
                    "UPDATE {table} SET version = ?2, doc = ?3 WHERE id = ?1 AND version = ?4"
                );
                self.db
                    .write(move |conn| {
                        let n = conn
                            .execute_cached(&sql, (id, as_i64(version), doc, as_i64(expected)))?;
                        Ok(n == 1)
                    })
                    .await
            }
        }
    }

    async fn docs<T: serde::de::DeserializeOwned>(
        &self,
        sql: &'static str,
        what: &'static str,
    ) -> StoreResult<Vec<T>> {
        self.db.query_json_all(sql, (), what).await
    }
}

/// `sql` narrowed to after a page position on `key` (descending or not) and limited.
fn page(
    sql: &mut String,
    args: &mut Vec<Value>,
    key: &str,
    descending: bool,
    after: &After,
    limit: usize,
) {
    let (op, order) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some((at, id)) = after {
        sql.push_str(&format!(" AND ({key}, id) {op} (?, ?)"));
        args.extend([Value::Integer(*at), Value::Text(id.to_string())]);
    }
    sql.push_str(&format!(" ORDER BY {key} {order}, id {order} LIMIT ?"));
    args.push(Value::Integer(as_i64(limit as u64)));
}

#[async_trait]
impl ReportStore for SqliteReports {
    async fn put_category(&self, category: &Category, expected: Option<u64>) -> StoreResult<bool> {
        let row = (
            category.id.to_string(),
            category.version,
            to_json(category)?,
        );
        self.put_versioned("report_categories", row, expected).await
    }

    async fn categories(&self) -> StoreResult<Vec<Category>> {
        self.docs("SELECT doc FROM report_categories ORDER BY id", "category")
            .await
    }

    async fn put_profile(&self, profile: &Profile, expected: Option<u64>) -> StoreResult<bool> {
        let row = (profile.id.to_string(), profile.version, to_json(profile)?);
        self.put_versioned("report_profiles", row, expected).await
    }

    async fn profiles(&self) -> StoreResult<Vec<Profile>> {
        self.docs("SELECT doc FROM report_profiles ORDER BY id", "profile")
            .await
    }

    async fn set_day(&self, day: &CalendarDay) -> StoreResult<()> {
        self.db
            .run(
                "INSERT INTO report_days (date, doc) VALUES (?1, ?2)
                 ON CONFLICT (date) DO UPDATE SET doc = ?2",
                (day.date.clone(), to_json(day)?),
            )
            .await
    }

    async fn remove_day(&self, date: &str) -> StoreResult<bool> {
        let sql = "DELETE FROM report_days WHERE date = ?1";
        Ok(self.db.execute(sql, [date.to_string()]).await? == 1)
    }

    async fn days(&self) -> StoreResult<Vec<CalendarDay>> {
        self.docs("SELECT doc FROM report_days ORDER BY date", "calendar day")
            .await
    }

    async fn insert_report(&self, report: &Report) -> StoreResult<()> {
        let mut values = row_values(report)?;
        values.push(Value::Integer(as_i64(report.joiners)));
        let sql = format!(
            "INSERT INTO reports ({}, joiners) VALUES ({})",
            COLUMNS.join(", "),
            marks(COLUMNS.len() + 1)
        );
        self.db
            .write(move |conn| {
                conn.execute_cached(&sql, params_from_iter(values))?;
                Ok(())
            })
            .await
    }

    async fn report(&self, id: &ReportId) -> StoreResult<Option<Report>> {
        let sql = "SELECT doc, joiners FROM reports WHERE id = ?1";
        let row: Option<(String, i64)> = self.db.lookup_row(sql, [id.as_str()], pair_row)?;
        row.map(report_from).transpose()
    }

    async fn replace_report(&self, report: &Report, expected: u64) -> StoreResult<bool> {
        let mut values = row_values(report)?;
        let sets: Vec<String> = COLUMNS[1..]
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ?{}", i + 2))
            .collect();
        let sql = format!(
            "UPDATE reports SET {} WHERE id = ?1 AND version = ?{}",
            sets.join(", "),
            COLUMNS.len() + 1
        );
        values.push(Value::Integer(as_i64(expected)));
        self.db
            .write(move |conn| Ok(conn.execute_cached(&sql, params_from_iter(values))? == 1))
            .await
    }

    async fn open_near(&self, near: &Near<'_>) -> StoreResult<Vec<Report>> {
        if near.cells.is_empty() || near.limit == 0 {
            return Ok(Vec::new());
        }
        // The candidates from the index entries alone (`open, [category_id,] cell, lat, lon,
        // id`, and the rowid every entry ends with): in each cell only the latitudes of the
        // circle's box are scanned, and only the entries within its longitudes come back; no
        // report is read to be weighed.
        let mut sql = format!(
            "SELECT rowid, id, lat, lon FROM reports WHERE open = 1 AND cell IN ({})",
            marks(near.cells.len())
        );
        let mut args: Vec<Value> = near.cells.iter().map(|c| Value::Integer(*c)).collect();
        if let Some(category) = near.category {
            sql.push_str(" AND category_id = ?");
            args.push(Value::Text(category.to_string()));
        }
        let bbox = near.bbox();
        sql.push_str(" AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? LIMIT ?");
        args.extend([bbox.south, bbox.north, bbox.west, bbox.east].map(Value::Real));
        args.push(Value::Integer(as_i64(NEAR_SCAN as u64)));
        let (point, radius_m, limit) = (near.point, near.radius_m, near.limit);
        // One read, one snapshot: the nearest are then read whole by rowid, each through the
        // table's own b-tree (no second index), in their order.
        self.db
            .read(move |conn| {
                let near = Near {
                    cells: &[],
                    category: None,
                    point,
                    radius_m,
                    limit,
                };
                let snapshot = conn.unchecked_transaction()?;
                let mut kept: Vec<(f64, String, i64)> = Vec::new();
                {
                    let mut candidates = conn.prepare_cached(&sql)?;
                    let mut rows = candidates.query(params_from_iter(args))?;
                    while let Some(row) = rows.next()? {
                        if let Some(d) = near.within(row.get(2)?, row.get(3)?) {
                            kept.push((d, row.get(1)?, row.get(0)?));
                        }
                    }
                }
                let nearest = near.nearest(kept);
                let mut found = Vec::with_capacity(nearest.len());
                {
                    let mut whole =
                        conn.prepare_cached("SELECT doc, joiners FROM reports WHERE rowid = ?1")?;
                    for (_, _, rowid) in &nearest {
                        let mut rows = whole.query([rowid])?;
                        if let Some(row) = rows.next()? {
                            let doc = row.get_ref(0)?.as_str().map_err(|e| {
                                StoreError::Internal(format!("a stored report's text: {e}"))
                            })?;
                            let mut report: Report = from_json("report", doc)?;
                            report.joiners = u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0);
                            found.push(report);
                        }
                    }
                }
                snapshot.commit()?;
                Ok(found)
            })
            .await
    }

    async fn reports(&self, query: &ReportQuery) -> StoreResult<Vec<Report>> {
        let mut sql = String::from("SELECT doc, joiners FROM reports WHERE public = 1");
        let mut args: Vec<Value> = Vec::new();
        let filters = [
            ("status", query.status.map(|s| s.as_str().to_string())),
            (
                "district_id",
                query.district_id.as_ref().map(|d| d.to_string()),
            ),
            (
                "category_id",
                query.category_id.as_ref().map(|c| c.to_string()),
            ),
        ];
        for (column, value) in filters {
            if let Some(value) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                args.push(Value::Text(value));
            }
        }
        match query.overdue_at {
            Some(now) => {
                sql.push_str(" AND due IS NOT NULL AND due <= ?");
                args.push(Value::Integer(to_millis(now)));
                page(&mut sql, &mut args, "due", false, &query.after, query.limit);
            }
            None => page(
                &mut sql,
                &mut args,
                "created_at",
                true,
                &query.after,
                query.limit,
            ),
        }
        self.select(sql, args).await
    }

    async fn queue(
        &self,
        organisation: &OrganisationId,
        before: Option<OffsetDateTime>,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let mut sql = String::from(
            "SELECT doc, joiners FROM reports WHERE organisation_id = ? AND due IS NOT NULL",
        );
        let mut args = vec![Value::Text(organisation.to_string())];
        if let Some(before) = before {
            sql.push_str(" AND due <= ?");
            args.push(Value::Integer(to_millis(before)));
        }
        page(&mut sql, &mut args, "due", false, &after, limit);
        self.select(sql, args).await
    }

    async fn by_status(
        &self,
        status: Status,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let mut sql = String::from("SELECT doc, joiners FROM reports WHERE status = ?");
        let mut args = vec![Value::Text(status.as_str().to_string())];
        page(&mut sql, &mut args, "created_at", false, &after, limit);
        self.select(sql, args).await
    }

    async fn by_author(
        &self,
        author: &AccountId,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let mut sql = String::from("SELECT doc, joiners FROM reports WHERE author_id = ?");
        let mut args = vec![Value::Text(author.to_string())];
        page(&mut sql, &mut args, "created_at", true, &after, limit);
        self.select(sql, args).await
    }

    async fn checks_due(&self, now: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>> {
        self.due("next_check", "<=", now, limit).await
    }

    async fn closing_due(&self, now: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>> {
        self.due("closes_at", "<=", now, limit).await
    }

    async fn mail_owed(&self, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>> {
        self.due("mail_since", "<", before, limit).await
    }

    async fn mail_sent(&self, id: &ReportId, version: u64) -> StoreResult<()> {
        let id = id.to_string();
        self.db
            .write(move |conn| {
                let doc: Option<String> = conn
                    .query_row_cached("SELECT doc FROM reports WHERE id = ?1", [&id], |r| r.get(0))
                    .optional()?;
                let Some(doc) = doc else {
                    return Ok(());
                };
                let mut report: Report = from_json("report", &doc)?;
                report.mail_due = debts_after(&report, version);
                let since = report.mail_since().map(to_millis);
                conn.execute_cached(
                    "UPDATE reports SET doc = ?2, mail_since = ?3 WHERE id = ?1",
                    (&id, to_json(&report)?, since),
                )?;
                Ok(())
            })
            .await
    }

    async fn join(
        &self,
        report: &ReportId,
        account: &AccountId,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let (report, account) = (report.to_string(), account.to_string());
        self.db
            .write(move |conn| {
                let added = conn.execute_cached(
                    "INSERT INTO report_joins (report_id, account_id, at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    (&report, &account, to_millis(at)),
                )?;
                if added == 1 {
                    conn.execute_cached(
                        "UPDATE reports SET joiners = joiners + 1 WHERE id = ?1",
                        [&report],
                    )?;
                }
                Ok(added == 1)
            })
            .await
    }

    async fn joined(&self, report: &ReportId, account: &AccountId) -> StoreResult<bool> {
        let sql = "SELECT 1 FROM report_joins WHERE report_id = ?1 AND account_id = ?2";
        let found: Option<i64> =
            self.db
                .lookup_row(sql, [report.as_str(), account.as_str()], |r| r.get(0))?;
        Ok(found.is_some())
    }

    async fn joiners(
        &self,
        report: &ReportId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let sql = "SELECT account_id FROM report_joins WHERE report_id = ?1 AND account_id > ?2
                   ORDER BY account_id LIMIT ?3";
        let args = [
            Value::Text(report.to_string()),
            Value::Text(after.map(|a| a.to_string()).unwrap_or_default()),
            Value::Integer(as_i64(limit as u64)),
        ];
        let found = self
            .db
            .query_all(sql, params_from_iter(args), text_row)
            .await?;
        Ok(found.into_iter().map(AccountId::from_trusted).collect())
    }

    async fn made_between(&self, query: &SpanQuery) -> StoreResult<Vec<Report>> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT doc, joiners FROM reports WHERE public = 1 AND created_at >= ? AND created_at <= ?",
        );
        let mut args = vec![
            Value::Integer(to_millis(query.from)),
            Value::Integer(to_millis(query.to)),
        ];
        if !query.statuses.is_empty() {
            sql.push_str(&format!(" AND status IN ({})", marks(query.statuses.len())));
            args.extend(
                query
                    .statuses
                    .iter()
                    .map(|s| Value::Text(s.as_str().into())),
            );
        }
        if !query.categories.is_empty() {
            sql.push_str(&format!(
                " AND category_id IN ({})",
                marks(query.categories.len())
            ));
            args.extend(query.categories.iter().map(|c| Value::Text(c.to_string())));
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
        args.push(Value::Integer(as_i64(query.limit as u64)));
        self.select(sql, args).await
    }

    async fn joined_by(
        &self,
        account: &AccountId,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<(i64, Report)>> {
        let mut sql = String::from(
            "SELECT j.at, r.doc, r.joiners FROM report_joins j JOIN reports r ON r.id = j.report_id
             WHERE j.account_id = ?",
        );
        let mut args = vec![Value::Text(account.to_string())];
        if let Some((at, id)) = after {
            sql.push_str(" AND (j.at, j.report_id) < (?, ?)");
            args.extend([Value::Integer(at), Value::Text(id.to_string())]);
        }
        sql.push_str(" ORDER BY j.at DESC, j.report_id DESC LIMIT ?");
        args.push(Value::Integer(as_i64(limit as u64)));
        let rows = self
            .db
            .query_all(sql, params_from_iter(args), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    (r.get::<_, String>(1)?, r.get::<_, i64>(2)?),
                ))
            })
            .await?;
        rows.into_iter()
            .map(|(at, row)| Ok((at, report_from(row)?)))
            .collect()
    }

    async fn tally(
        &self,
        organisation: Option<&OrganisationId>,
        by: TallyBy,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<TallyRow>> {
        let key = match by {
            TallyBy::All => "''",
            TallyBy::Category => "category_id",
            TallyBy::District => "district_id",
        };
        let mut args = vec![Value::Integer(to_millis(now))];
        let filter = match organisation {
            Some(organisation) => {
                args.push(Value::Text(organisation.to_string()));
                "organisation_id = ?2"
            }
            None => "organisation_id IS NOT NULL",
        };
        // The covering index `reports_tally` holds every column read: the organisation's
        // range of it (every organisation's, for admins) is all that is scanned. Named, or
        // the planner walks another index in the grouping's order and reads every row.
        let sql = format!(
            "SELECT {key}, t_hours, COUNT(*), SUM(t_awaiting), SUM(due IS NOT NULL AND due <= ?1),
                    SUM(t_answered), SUM(t_on_time), SUM(t_was_answered), SUM(t_reopened)
             FROM reports INDEXED BY reports_tally WHERE {filter} GROUP BY 1, 2"
        );
        self.db
            .query_all(sql, params_from_iter(args), tally_row)
            .await
    }

    async fn import_reports(&self, reports: &[Report]) -> StoreResult<u64> {
        let mut rows = Vec::with_capacity(reports.len());
        for report in reports {
            let mut values = row_values(report)?;
            values.push(Value::Integer(as_i64(report.joiners)));
            rows.push(values);
        }
        let sql = format!(
            "INSERT INTO reports ({}, joiners) VALUES ({})",
            COLUMNS.join(", "),
            marks(COLUMNS.len() + 1)
        );
        let count = rows.len() as u64;
        // One job: every row in the same transaction, the statement prepared once, with a
        // page cache large enough for the indexes' pages (each row lands at a random place in
        // most of them; with SQLite's default 2 MB cache every insert reads pages back).
        self.db
            .write(move |conn| {
                let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
                conn.pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
                let inserted = (|| {
                    let mut insert = conn.prepare_cached(&sql)?;
                    for values in rows {
                        insert.execute(params_from_iter(values))?;
                    }
                    Ok::<_, rusqlite::Error>(count)
                })();
                conn.pragma_update(None, "cache_size", cache)?;
                Ok(inserted?)
            })
            .await
    }
}
