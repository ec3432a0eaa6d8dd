//! The reports on MongoDB.
//!
//! A report is one document holding, beside the report, what its queries filter and sort on
//! ([`Derived`]: `public`, `open`, `cell`, `organisation_id`, `due`, `next_check`,
//! `closes_at`, `mail_since`), written with it in the same replace, so they never drift. Its
//! joiner count is a field only joins move (`$inc`), never a replace. A join is one
//! `insertOne` guarded by the unique `_id` (report, account), then the `$inc`.
//!
//! **Instants are BSON dates**: the fields in [`REPORT_TIMES`] become dates on the way in and
//! integer milliseconds (what the model's serde reads) on the way out.

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, DateTime, Document};
use mongodb::Collection;
use time::OffsetDateTime;
use veche_core::clock::to_millis;
use veche_core::id::{AccountId, OrganisationId};
use veche_core::storage::mongo::{
    bson_time, find_sorted, find_stored, from_stored, to_stored, Index, Named,
};
use veche_core::storage::{as_i64, Mongo};
use veche_core::{StoreError, StoreResult};

use super::tally::{FLAGS, HOURS};
use super::{
    debts_after, After, Derived, Near, ReportQuery, ReportStore, SpanQuery, Tallied, TallyBy,
    TallyRow, NEAR_SCAN,
};
use crate::model::{CalendarDay, Category, Profile, Report, ReportId, Status};

const REPORTS: Named<Document> = Named::new("reports");
const CATEGORIES: Named<Document> = Named::new("report_categories");
const PROFILES: Named<Document> = Named::new("report_profiles");
const DAYS: Named<Document> = Named::new("report_days");
const JOINS: Named<Document> = Named::new("report_joins");
/// Marks of one-off data migrations done (`_id`: the migration's name).
const MIGRATED: Named<Document> = Named::new("report_migrations");
/// The migration that derives the dashboard's fields of reports stored before them.
const TALLY_MIGRATION: &str = "tally_fields";

/// The instants of a report (dates in the store).
pub const REPORT_TIMES: &[&str] = &[
    "created_at",
    "updated_at",
    "routed_at",
    "deadline",
    "warn_at",
    "answer.at",
    "history.at",
    "mail_due.since",
];

/// Every index the adapter makes. Each query of the adapter is served by one of them
/// (`reports/tests/indexes.rs` lists the queries and checks); uniqueness is each collection's
/// `_id`. A descending sort walks an ascending index backwards.
pub const INDEXES: &[Index] = &[
    // Near a point: an `$in` of cells, the candidates' places from the index entries (a
    // covered query, see `open_near`).
    Index::on(
        "reports",
        &["open", "cell", "place.lat", "place.lon", "_id"],
    ),
    Index::on(
        "reports",
        &[
            "open",
            "category_id",
            "cell",
            "place.lat",
            "place.lon",
            "_id",
        ],
    ),
    Index::on("reports", &["public", "created_at", "_id"]),
    Index::on("reports", &["district_id", "public", "created_at", "_id"]),
    Index::on("reports", &["category_id", "public", "created_at", "_id"]),
    Index::on("reports", &["status", "created_at", "_id"]),
    Index::on("reports", &["due", "_id"]),
    Index::on("reports", &["district_id", "due", "_id"]),
    Index::on("reports", &["organisation_id", "due", "_id"]),
    Index::on("reports", &["author_id", "created_at", "_id"]),
    Index::on("reports", &["next_check"]),
    Index::on("reports", &["closes_at"]),
    Index::on("reports", &["mail_since"]),
    Index::on("report_joins", &["report_id", "account_id"]),
    Index::on("report_joins", &["account_id", "at", "report_id"]),
];

/// The smallest BSON date: `due > NEVER` holds for every report with a deadline running and
/// for no other (the others hold `null`), and it is an index range.
const NEVER: DateTime = DateTime::MIN;

pub struct MongoReports {
    db: Mongo,
}

fn date(millis: Option<i64>) -> Bson {
    millis.map_or(Bson::Null, |m| Bson::DateTime(DateTime::from_millis(m)))
}

fn report_document(report: &Report) -> StoreResult<Document> {
    let mut document = to_stored(report, REPORT_TIMES)?;
    let d = Derived::of(report);
    document.insert("public", d.public);
    document.insert("open", d.open);
    document.insert("cell", d.cell);
    document.insert(
        "organisation_id",
        d.organisation_id
            .map_or(Bson::Null, |o| Bson::String(o.to_string())),
    );
    document.insert("due", date(d.due));
    document.insert("next_check", date(d.next_check));
    document.insert("closes_at", date(d.closes_at));
    document.insert("mail_since", date(d.mail_since));
    let t = Tallied::of(report);
    for (field, flag) in FLAGS.iter().zip(t.flags()) {
        document.insert(*field, flag);
    }
    document.insert(HOURS, t.hours.map_or(Bson::Null, Bson::Int64));
    Ok(document)
}

fn report_from(document: Document) -> StoreResult<Report> {
    from_stored(document, REPORT_TIMES)
}

fn reports_from(documents: Vec<Document>) -> StoreResult<Vec<Report>> {
    documents.into_iter().map(report_from).collect()
}

/// `filter` narrowed to after a page position on `key` (descending or not).
fn paged(mut filter: Document, key: &str, descending: bool, after: &After) -> Document {
    let Some((at, id)) = after else {
        return filter;
    };
    let op = if descending { "$lt" } else { "$gt" };
    let at = DateTime::from_millis(*at);
    filter.insert(
        "$or",
        vec![
            doc! { key: { op: at } },
            doc! { key: at, "_id": { op: id.as_str() } },
        ],
    );
    filter
}

fn order(key: &str, descending: bool) -> Document {
    let direction = if descending { -1 } else { 1 };
    doc! { key: direction, "_id": direction }
}

impl MongoReports {
    pub fn new(db: Mongo) -> Self {
        MongoReports { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.ensure_indexes(INDEXES).await?;
        self.tally_older_reports().await
    }

    /// Derives the dashboard's fields of reports stored before them, once (a mark in
    /// `report_migrations` says it is done; two servers doing it at once write the same
    /// values, each on the version it read).
    async fn tally_older_reports(&self) -> StoreResult<()> {
        let marks = self.col(MIGRATED);
        if marks
            .find_one(doc! { "_id": TALLY_MIGRATION })
            .await?
            .is_some()
        {
            return Ok(());
        }
        let mut cursor = self
            .col(REPORTS)
            .find(doc! { FLAGS[0]: { "$exists": false } })
            .await?;
        while let Some(document) = cursor.try_next().await? {
            let report = report_from(document)?;
            let fields = report_document(&report)?;
            let mut set = Document::new();
            for field in FLAGS.iter().chain([&HOURS]) {
                if let Some(value) = fields.get(*field) {
                    set.insert(*field, value.clone());
                }
            }
            self.col(REPORTS)
                .update_one(
                    doc! { "_id": report.id.as_str(), "version": as_i64(report.version) },
                    doc! { "$set": set },
                )
                .await?;
        }
        match marks.insert_one(doc! { "_id": TALLY_MIGRATION }).await {
            Ok(_) => Ok(()),
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    fn col(&self, named: Named<Document>) -> Collection<Document> {
        named.of(&self.db)
    }

    async fn find(
        &self,
        filter: Document,
        sort: Document,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // The whole page in the first batch: one round trip (the server's first batch is
        // otherwise 101 documents, and a proximity query reads up to 500).
        let cursor = self
            .col(REPORTS)
            .find(filter)
            .sort(sort)
            .limit(as_i64(limit))
            .batch_size(u32::try_from(limit).unwrap_or(u32::MAX))
            .await?;
        reports_from(cursor.try_collect().await?)
    }

    /// Inserts a versioned record (`expected` `None`) or replaces it at `expected`.
    async fn put_versioned<T: serde::Serialize>(
        &self,
        named: Named<Document>,
        record: &T,
        id: &str,
        expected: Option<u64>,
    ) -> StoreResult<bool> {
        let document = to_stored(record, &[])?;
        match expected {
            None => {
                self.col(named).insert_one(document).await?;
                Ok(true)
            }
            Some(expected) => {
                veche_core::storage::mongo::replace_versioned(
                    &self.col(named),
                    id,
                    expected,
                    document,
                )
                .await
            }
        }
    }

    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        named: Named<Document>,
    ) -> StoreResult<Vec<T>> {
        let documents = find_sorted(&self.col(named), doc! {}, doc! { "_id": 1 }, None).await?;
        documents.into_iter().map(|d| from_stored(d, &[])).collect()
    }

    /// The reports `filter` selects, counted by `key`, the hours of their answer and their
    /// flags: one accumulator (`n`), the flags part of the group's key. (FerretDB v1 answers
    /// only the first of several accumulators of a `$group`; a handful of flag combinations
    /// per group costs nothing.)
    async fn group_counts(
        &self,
        filter: Document,
        key: Option<&str>,
    ) -> StoreResult<Vec<Document>> {
        let mut id = doc! { "h": format!("${HOURS}") };
        if let Some(key) = key {
            id.insert("k", format!("${key}"));
        }
        for field in FLAGS {
            id.insert(field, format!("${field}"));
        }
        let group = doc! { "_id": id, "n": { "$sum": 1 } };
        let pipeline = vec![doc! { "$match": filter }, doc! { "$group": group }];
        Ok(self
            .col(REPORTS)
            .aggregate(pipeline)
            .await?
            .try_collect()
            .await?)
    }
}

#[async_trait]
impl ReportStore for MongoReports {
    async fn put_category(&self, category: &Category, expected: Option<u64>) -> StoreResult<bool> {
        self.put_versioned(CATEGORIES, category, category.id.as_str(), expected)
            .await
    }

    async fn categories(&self) -> StoreResult<Vec<Category>> {
        self.all(CATEGORIES).await
    }

    async fn put_profile(&self, profile: &Profile, expected: Option<u64>) -> StoreResult<bool> {
        self.put_versioned(PROFILES, profile, profile.id.as_str(), expected)
            .await
    }

    async fn profiles(&self) -> StoreResult<Vec<Profile>> {
        self.all(PROFILES).await
    }

    async fn set_day(&self, day: &CalendarDay) -> StoreResult<()> {
        self.col(DAYS)
            .replace_one(doc! { "_id": day.date.as_str() }, to_stored(day, &[])?)
            .upsert(true)
            .await?;
        Ok(())
    }

    async fn remove_day(&self, date: &str) -> StoreResult<bool> {
        let result = self.col(DAYS).delete_one(doc! { "_id": date }).await?;
        Ok(result.deleted_count == 1)
    }

    async fn days(&self) -> StoreResult<Vec<CalendarDay>> {
        self.all(DAYS).await
    }

    async fn insert_report(&self, report: &Report) -> StoreResult<()> {
        self.col(REPORTS)
            .insert_one(report_document(report)?)
            .await?;
        Ok(())
    }

    async fn report(&self, id: &ReportId) -> StoreResult<Option<Report>> {
        find_stored(&self.col(REPORTS), id.as_str(), REPORT_TIMES).await
    }

    async fn replace_report(&self, report: &Report, expected: u64) -> StoreResult<bool> {
        let mut fields = report_document(report)?;
        fields.remove("joiners");
        fields.remove("_id");
        let result = self
            .col(REPORTS)
            .update_one(
                doc! { "_id": report.id.as_str(), "version": as_i64(expected) },
                doc! { "$set": fields },
            )
            .await?;
        Ok(result.matched_count == 1)
    }

    async fn open_near(&self, near: &Near<'_>) -> StoreResult<Vec<Report>> {
        if near.cells.is_empty() || near.limit == 0 {
            return Ok(Vec::new());
        }
        // In each cell's index range only the circle's box: its latitudes bound the scan,
        // its longitudes are checked on the index keys.
        let bbox = near.bbox();
        let mut filter = doc! { "open": true, "cell": { "$in": near.cells.to_vec() } };
        if let Some(category) = near.category {
            filter.insert("category_id", category.as_str());
        }
        filter.insert("place.lat", doc! { "$gte": bbox.south, "$lte": bbox.north });
        filter.insert("place.lon", doc! { "$gte": bbox.west, "$lte": bbox.east });
        // Covered by the index: only the ids and places come back, in one batch.
        let scan = as_i64(NEAR_SCAN);
        let entries: Vec<Document> = self
            .col(REPORTS)
            .find(filter)
            .projection(doc! { "_id": 1, "place.lat": 1, "place.lon": 1 })
            .limit(scan)
            .batch_size(u32::try_from(NEAR_SCAN).unwrap_or(u32::MAX))
            .await?
            .try_collect()
            .await?;
        let kept = entries
            .iter()
            .filter_map(|d| {
                let place = d.get_document("place").ok()?;
                let distance =
                    near.within(place.get_f64("lat").ok()?, place.get_f64("lon").ok()?)?;
                Some((distance, d.get_str("_id").ok()?.to_string(), ()))
            })
            .collect();
        let ids: Vec<String> = near
            .nearest(kept)
            .into_iter()
            .map(|(_, id, ())| id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self
            .find(doc! { "_id": { "$in": ids.clone() } }, doc! {}, ids.len())
            .await?;
        Ok(Near::in_order(&ids, found))
    }

    async fn reports(&self, query: &ReportQuery) -> StoreResult<Vec<Report>> {
        let mut filter = doc! { "public": true };
        if let Some(status) = query.status {
            filter.insert("status", status.as_str());
        }
        if let Some(district) = &query.district_id {
            filter.insert("district_id", district.as_str());
        }
        if let Some(category) = &query.category_id {
            filter.insert("category_id", category.as_str());
        }
        let (filter, sort) = match query.overdue_at {
            Some(now) => {
                filter.insert("due", doc! { "$gt": NEVER, "$lte": bson_time(now) });
                (
                    paged(filter, "due", false, &query.after),
                    order("due", false),
                )
            }
            None => (
                paged(filter, "created_at", true, &query.after),
                order("created_at", true),
            ),
        };
        self.find(filter, sort, query.limit).await
    }

    async fn queue(
        &self,
        organisation: &OrganisationId,
        before: Option<OffsetDateTime>,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let mut due = doc! { "$gt": NEVER };
        if let Some(before) = before {
            due.insert("$lte", bson_time(before));
        }
        let filter = doc! { "organisation_id": organisation.as_str(), "due": due };
        self.find(
            paged(filter, "due", false, &after),
            order("due", false),
            limit,
        )
        .await
    }

    async fn by_status(
        &self,
        status: Status,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let filter = doc! { "status": status.as_str() };
        let filter = paged(filter, "created_at", false, &after);
        self.find(filter, order("created_at", false), limit).await
    }

    async fn by_author(
        &self,
        author: &AccountId,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>> {
        let filter = paged(
            doc! { "author_id": author.as_str() },
            "created_at",
            true,
            &after,
        );
        self.find(filter, order("created_at", true), limit).await
    }

    async fn checks_due(&self, now: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>> {
        let filter = doc! { "next_check": { "$gt": NEVER, "$lte": bson_time(now) } };
        self.find(filter, doc! { "next_check": 1 }, limit).await
    }

    async fn closing_due(&self, now: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>> {
        let filter = doc! { "closes_at": { "$gt": NEVER, "$lte": bson_time(now) } };
        self.find(filter, doc! { "closes_at": 1 }, limit).await
    }

    async fn mail_owed(&self, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>> {
        let filter = doc! { "mail_since": { "$gt": NEVER, "$lt": bson_time(before) } };
        self.find(filter, doc! { "mail_since": 1 }, limit).await
    }

    async fn mail_sent(&self, id: &ReportId, version: u64) -> StoreResult<()> {
        // Read, drop the queued debts, write back while nothing changed the report meanwhile
        // (a change in between is retried on its new version: its own debts stay).
        for _ in 0..5 {
            let Some(report) = self.report(id).await? else {
                return Ok(());
            };
            let remaining = debts_after(&report, version);
            if remaining.len() == report.mail_due.len() {
                return Ok(());
            }
            let since = remaining.iter().map(|m| m.since).min().map(to_millis);
            let mut debts = Vec::with_capacity(remaining.len());
            for debt in &remaining {
                debts.push(Bson::Document(to_stored(debt, &["since"])?));
            }
            let result = self
                .col(REPORTS)
                .update_one(
                    doc! { "_id": id.as_str(), "version": as_i64(report.version) },
                    doc! { "$set": { "mail_due": debts, "mail_since": date(since) } },
                )
                .await?;
            if result.matched_count == 1 {
                return Ok(());
            }
        }
        Err(StoreError::Conflict(
            "report changing too often to clear its emails".into(),
        ))
    }

    async fn join(
        &self,
        report: &ReportId,
        account: &AccountId,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let inserted = self
            .col(JOINS)
            .insert_one(doc! {
                "_id": format!("{report}|{account}"),
                "report_id": report.as_str(),
                "account_id": account.as_str(),
                "at": bson_time(at),
            })
            .await;
        match inserted.map_err(StoreError::from) {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => return Ok(false),
            Err(e) => return Err(e),
        }
        self.col(REPORTS)
            .update_one(
                doc! { "_id": report.as_str() },
                doc! { "$inc": { "joiners": 1i64 } },
            )
            .await?;
        Ok(true)
    }

    async fn joined(&self, report: &ReportId, account: &AccountId) -> StoreResult<bool> {
        let found = self
            .col(JOINS)
            .find_one(doc! { "_id": format!("{report}|{account}") })
            .await?;
        Ok(found.is_some())
    }

    async fn joiners(
        &self,
        report: &ReportId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let mut filter = doc! { "report_id": report.as_str() };
        if let Some(after) = after {
            filter.insert("account_id", doc! { "$gt": after.as_str() });
        }
        let documents = find_sorted(
            &self.col(JOINS),
            filter,
            doc! { "report_id": 1, "account_id": 1 },
            Some(limit),
        )
        .await?;
        Ok(documents
            .iter()
            .filter_map(|d| d.get_str("account_id").ok())
            .map(|a| AccountId::from_trusted(a.to_string()))
            .collect())
    }

    async fn made_between(&self, query: &SpanQuery) -> StoreResult<Vec<Report>> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let mut filter = doc! {
            "public": true,
            "created_at": { "$gte": bson_time(query.from), "$lte": bson_time(query.to) },
        };
        if !query.statuses.is_empty() {
            let statuses: Vec<&str> = query.statuses.iter().map(|s| s.as_str()).collect();
            filter.insert("status", doc! { "$in": statuses });
        }
        if !query.categories.is_empty() {
            let categories: Vec<&str> = query.categories.iter().map(|c| c.as_str()).collect();
            filter.insert("category_id", doc! { "$in": categories });
        }
        self.find(filter, order("created_at", true), query.limit)
            .await
    }

    async fn joined_by(
        &self,
        account: &AccountId,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<(i64, Report)>> {
        let mut filter = doc! { "account_id": account.as_str() };
        if let Some((at, id)) = &after {
            let at = DateTime::from_millis(*at);
            filter.insert(
                "$or",
                vec![
                    doc! { "at": { "$lt": at } },
                    doc! { "at": at, "report_id": { "$lt": id.as_str() } },
                ],
            );
        }
        let joins = find_sorted(
            &self.col(JOINS),
            filter,
            doc! { "account_id": -1, "at": -1, "report_id": -1 },
            Some(limit),
        )
        .await?;
        let joins: Vec<(i64, String)> = joins
            .iter()
            .filter_map(|d| {
                let at = d.get_datetime("at").ok()?.timestamp_millis();
                Some((at, d.get_str("report_id").ok()?.to_string()))
            })
            .collect();
        let ids: Vec<&str> = joins.iter().map(|(_, id)| id.as_str()).collect();
        let found = self
            .find(doc! { "_id": { "$in": ids } }, doc! { "_id": 1 }, limit)
            .await?;
        Ok(joins
            .into_iter()
            .filter_map(|(at, id)| {
                found
                    .iter()
                    .find(|r| r.id.as_str() == id)
                    .map(|r| (at, r.clone()))
            })
            .collect())
    }

    async fn tally(
        &self,
        organisation: Option<&OrganisationId>,
        by: TallyBy,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<TallyRow>> {
        let key = match by {
            TallyBy::All => None,
            TallyBy::Category => Some("category_id"),
            TallyBy::District => Some("district_id"),
        };
        // Both groupings match on the index (organisation_id, due, _id): equality on the
        // organisation (or its whole range of strings), and for the overdue count the range
        // of deadlines up to now.
        let of_organisation = match organisation {
            Some(o) => Bson::String(o.to_string()),
            None => Bson::Document(doc! { "$gt": "" }),
        };
        let groups = self
            .group_counts(doc! { "organisation_id": of_organisation.clone() }, key)
            .await?;
        let mut rows = Vec::with_capacity(groups.len());
        for group in &groups {
            let id = group.get_document("_id").map_err(StoreError::internal)?;
            let n = group.get("n").map_or(0, count);
            let flag = |field: &str| {
                if id.get(field).map_or(0, count) == 1 {
                    n
                } else {
                    0
                }
            };
            rows.push(TallyRow {
                key: key_of(id),
                hours: match id.get("h") {
                    Some(Bson::Int32(h)) => Some(i64::from(*h)),
                    Some(Bson::Int64(h)) => Some(*h),
                    Some(Bson::Double(h)) => Some(*h as i64),
                    _ => None,
                },
                reports: n,
                awaiting: flag(FLAGS[0]),
                overdue: 0,
                answered: flag(FLAGS[1]),
                on_time: flag(FLAGS[2]),
                was_answered: flag(FLAGS[3]),
                reopened: flag(FLAGS[4]),
            });
        }
        let overdue = doc! {
            "organisation_id": of_organisation,
            "due": { "$gt": NEVER, "$lte": bson_time(now) },
        };
        for group in self.group_counts(overdue, key).await? {
            let id = group.get_document("_id").map_err(StoreError::internal)?;
            let key = key_of(id);
            let n = group.get("n").map_or(0, count);
            match rows.iter_mut().find(|r| r.key == key && r.hours.is_none()) {
                Some(row) => row.overdue += n,
                // Made overdue between the two groupings: counted in the second only.
                None => rows.push(TallyRow {
                    key,
                    overdue: n,
                    ..TallyRow::default()
                }),
            }
        }
        Ok(rows)
    }

    async fn import_reports(&self, reports: &[Report]) -> StoreResult<u64> {
        if reports.is_empty() {
            return Ok(0);
        }
        let documents = reports
            .iter()
            .map(report_document)
            .collect::<StoreResult<Vec<_>>>()?;
        let result = self
            .col(REPORTS)
            .insert_many(documents)
            .ordered(false)
            .await?;
        Ok(result.inserted_ids.len() as u64)
    }
}

/// A group's key (empty for the grouping of all).
fn key_of(id: &Document) -> String {
    id.get_str("k").unwrap_or_default().to_string()
}

/// A count as `$sum` gives it back (an integer of either width, or a double).
fn count(value: &Bson) -> u64 {
    match value {
        Bson::Int32(n) => u64::try_from(*n).unwrap_or(0),
        Bson::Int64(n) => u64::try_from(*n).unwrap_or(0),
        Bson::Double(n) if *n > 0.0 => *n as u64,
        _ => 0,
    }
}
