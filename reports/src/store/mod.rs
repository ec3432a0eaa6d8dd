//! The reports store: one trait, two adapters ([`sqlite`], [`mongo`]), one contract suite
//! (`reports/tests/contract.rs`) run against both.
//!
//! What the store alone keeps true:
//! - a change to a report, a category or an organisation names the version it was made on, so
//!   that of two officials acting at once exactly one wins;
//! - one join per resident per report (a unique key on (report, account)), and a report's
//!   joiner count that only joins move;
//! - every list is an index range: open reports near a point by grid cell, an organisation's
//!   queue and overdue list by deadline, the public list by creation, the background checks
//!   by the instant they are due.
//!
//! Beside each report the adapters keep what its queries filter and sort on, derived from
//! the report itself ([`Derived`]), so they never drift from it.

pub mod mongo;
mod sqlite;
mod tally;

pub use tally::{Tallied, TallyBy, TallyRow};

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::storage::Backend;
use veche_core::StoreResult;

use crate::model::{CalendarDay, Category, CategoryId, Profile, Report, ReportId, Status};

/// A page position: the last item's sort key (an instant in milliseconds) and its id.
pub type After = Option<(i64, ReportId)>;

/// A page of the public list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportQuery {
    pub district_id: Option<DistrictId>,
    pub category_id: Option<CategoryId>,
    /// One status (a public one); any public status when `None`.
    pub status: Option<Status>,
    /// Only those past their deadline at this instant, the longest overdue first (else newest
    /// first).
    pub overdue_at: Option<OffsetDateTime>,
    pub after: After,
    pub limit: usize,
}

impl ReportQuery {
    /// The cursor after `report` in this query's order.
    pub fn cursor_of(&self, report: &Report) -> (i64, ReportId) {
        let at = match self.overdue_at {
            Some(_) => report.due().unwrap_or(report.created_at),
            None => report.created_at,
        };
        (veche_core::clock::to_millis(at), report.id.clone())
    }
}

/// Public reports made within a span of time (both ends included), newest first: what
/// What "open reports near a point" asks for.
#[derive(Clone, Copy, Debug)]
pub struct Near<'a> {
    /// The grid cells that cover the circle ([`crate::rules::geo::cells_within`]).
    pub cells: &'a [i64],
    pub category: Option<&'a CategoryId>,
    /// (latitude, longitude).
    pub point: (f64, f64),
    pub radius_m: u32,
    pub limit: usize,
}

/// The most candidates one lookup weighs (index entries, not reports): a circle in the
/// densest part of a city holds a few thousand open reports.
pub const NEAR_SCAN: usize = 20_000;

impl Near<'_> {
    /// The box the candidates' places are narrowed to in the index ranges (the cells' keys
    /// first, then the latitude and longitude): a little larger than the circle's, so the
    /// exact distance decides ([`crate::rules::geo::bbox_within`]).
    pub fn bbox(&self) -> crate::rules::geo::BBox {
        crate::rules::geo::bbox_within(self.point.0, self.point.1, self.radius_m)
    }

    /// A candidate's distance from the point when it lies within the radius.
    pub fn within(&self, lat: f64, lon: f64) -> Option<f64> {
        let d = crate::rules::geo::distance_m(self.point, (lat, lon));
        (d <= f64::from(self.radius_m)).then_some(d)
    }

    /// Of the candidates within the radius ([`Near::within`]: distance, id, whatever the
    /// adapter reads them back by), the nearest first (ties by id), at most the limit: what
    /// both adapters read whole.
    pub fn nearest<K>(&self, mut kept: Vec<(f64, String, K)>) -> Vec<(f64, String, K)> {
        let order = |a: &(f64, String, K), b: &(f64, String, K)| {
            a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1))
        };
        if kept.len() > self.limit {
            kept.select_nth_unstable_by(self.limit, order);
            kept.truncate(self.limit);
        }
        kept.sort_by(order);
        kept
    }

    /// `reports` (read by id, in any order) in the order of `ids`.
    pub fn in_order(ids: &[String], reports: Vec<Report>) -> Vec<Report> {
        let mut by_id: std::collections::HashMap<String, Report> =
            reports.into_iter().map(|r| (r.id.to_string(), r)).collect();
        ids.iter().filter_map(|id| by_id.remove(id)).collect()
    }
}

/// Open311's `GET requests` asks for. An index range on (`public`, `created_at`); the statuses
/// and categories filter within it.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanQuery {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    /// Any of these statuses (public ones); any public status when empty.
    pub statuses: Vec<Status>,
    /// Any of these categories; any when empty.
    pub categories: Vec<CategoryId>,
    pub limit: usize,
}

/// What the adapters keep beside a report for its queries.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    pub public: bool,
    pub open: bool,
    pub cell: i64,
    pub organisation_id: Option<OrganisationId>,
    pub due: Option<i64>,
    pub next_check: Option<i64>,
    pub closes_at: Option<i64>,
    pub mail_since: Option<i64>,
}

impl Derived {
    pub fn of(report: &Report) -> Derived {
        let millis = |t: Option<OffsetDateTime>| t.map(veche_core::clock::to_millis);
        Derived {
            public: report.status.public(),
            open: report.status.open(),
            cell: crate::rules::geo::cell(report.place.lat, report.place.lon),
            organisation_id: report.organisation_id().cloned(),
            due: millis(report.due()),
            next_check: millis(report.next_check()),
            closes_at: millis(report.closes_at()),
            mail_since: millis(report.mail_since()),
        }
    }
}

#[async_trait]
pub trait ReportStore: Send + Sync + 'static {
    // ---- Categories and organisations' profiles (a few hundred: read whole) ----
    /// Stores a new category (`expected` `None`; a taken id is a conflict) or replaces it when
    /// its stored version is `expected`; `false` when it is not.
    async fn put_category(&self, category: &Category, expected: Option<u64>) -> StoreResult<bool>;
    /// Every category, by id.
    async fn categories(&self) -> StoreResult<Vec<Category>>;
    /// Stores an organisation's new profile, or replaces it at `expected` (as categories).
    async fn put_profile(&self, profile: &Profile, expected: Option<u64>) -> StoreResult<bool>;
    /// Every organisation's profile, by id.
    async fn profiles(&self) -> StoreResult<Vec<Profile>>;

    // ---- The calendar (admins' entries) ----
    async fn set_day(&self, day: &CalendarDay) -> StoreResult<()>;
    /// `true` when there was an entry.
    async fn remove_day(&self, date: &str) -> StoreResult<bool>;
    /// Every entry, by date.
    async fn days(&self) -> StoreResult<Vec<CalendarDay>>;

    // ---- Reports ----
    async fn insert_report(&self, report: &Report) -> StoreResult<()>;
    async fn report(&self, id: &ReportId) -> StoreResult<Option<Report>>;
    /// Replaces the report (all but its joiner count, which only joins move) when its stored
    /// version is `expected`; `false` otherwise.
    async fn replace_report(&self, report: &Report, expected: u64) -> StoreResult<bool>;
    /// Open reports in the grid cells of `near` (of its category, or any) within its radius of
    /// its point, the nearest first (ties by id), at most its limit. The candidates' places
    /// are read from index entries; only the reports kept are read whole.
    async fn open_near(&self, near: &Near<'_>) -> StoreResult<Vec<Report>>;
    /// A page of the public list.
    async fn reports(&self, query: &ReportQuery) -> StoreResult<Vec<Report>>;
    /// The reports an organisation owes an answer to, the earliest deadline first (the
    /// overdue ones lead); only those due before `before` when given (the overdue list).
    async fn queue(
        &self,
        organisation: &OrganisationId,
        before: Option<OffsetDateTime>,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>>;
    /// Reports of a status, oldest first (the moderators' queue: `submitted`).
    async fn by_status(
        &self,
        status: Status,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>>;
    /// An author's reports, newest first.
    async fn by_author(
        &self,
        author: &AccountId,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<Report>>;
    /// Reports whose next deadline warning is due at `now`, the earliest first.
    async fn checks_due(&self, now: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>>;
    /// Answered reports whose time to dispute has run out at `now`, the earliest first.
    async fn closing_due(&self, now: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>>;
    /// Reports owing an email since before `before`, the oldest debt first.
    async fn mail_owed(&self, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<Report>>;
    /// The emails the report owed up to `version` are queued: those debts go (a later
    /// change's stay). Changes nothing else, not even the version.
    async fn mail_sent(&self, id: &ReportId, version: u64) -> StoreResult<()>;

    // ---- Joiners ----
    /// `true` when this is the resident's first join of the report (its count moves then).
    async fn join(
        &self,
        report: &ReportId,
        account: &AccountId,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn joined(&self, report: &ReportId, account: &AccountId) -> StoreResult<bool>;
    /// The report's joiners in account order after `after`.
    async fn joiners(
        &self,
        report: &ReportId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>>;

    // ---- Open311 ----
    /// Public reports made within the span, of its statuses and categories, newest first.
    async fn made_between(&self, query: &SpanQuery) -> StoreResult<Vec<Report>>;
    /// The reports a resident joined, the latest join first, each with the instant of the join
    /// (milliseconds: the page position's key, with the report's id).
    async fn joined_by(
        &self,
        account: &AccountId,
        after: After,
        limit: usize,
    ) -> StoreResult<Vec<(i64, Report)>>;
    // ---- The dashboard ----
    /// The reports routed to an organisation (to any when `None`) counted by `by`'s key and
    /// the whole hours their standing answer took ([`Tallied`]), `overdue` at `now`: one
    /// grouping in the store, never the reports read.
    async fn tally(
        &self,
        organisation: Option<&OrganisationId>,
        by: TallyBy,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<TallyRow>>;
    // ---- Seeding ----
    /// Stores many new reports at once, joiner counts as they say (benchmarks' seeding, a
    /// migration): one transaction on SQLite, one unordered `insertMany` on MongoDB. A report
    /// whose id is taken fails the call (on MongoDB the others are stored). Returns how many
    /// were stored.
    async fn import_reports(&self, reports: &[Report]) -> StoreResult<u64>;
}

/// Builds the reports store for a backend and prepares its schema (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn ReportStore>> {
    veche_core::open_store!(backend, sqlite::SqliteReports, mongo::MongoReports)
}

/// A report's debts after the emails up to `version` were queued.
fn debts_after(report: &Report, version: u64) -> Vec<crate::model::MailDue> {
    report
        .mail_due
        .iter()
        .filter(|m| m.version > version)
        .cloned()
        .collect()
}
