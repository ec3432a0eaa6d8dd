//! The reports' use cases. Each reads what it needs, asks [`crate::rules`] (pure), writes
//! through the store, and records what officials and moderators did in the audit log. Pages
//! and the API call these and nothing below them.
//!
//! - [`admin`]: categories, organisations, their officials, the calendar (admins).
//! - [`filing`]: filing a report, open reports near a point, joining one.
//! - [`workflow`]: every transition (moderators, officials, authors, the server).
//! - [`reading`]: a report as its viewer may see it, the public list, an organisation's queue,
//!   the moderation queue, an author's reports.
//! - [`mail`]: the emails changes owe, and their sweep.
//! - [`tasks`]: the deadline warnings and the 15-day close, run by every server.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use veche_core::accounts::model::{Account, Role};
use veche_core::id::DistrictId;
use veche_core::platform::Platform;
use veche_core::web::uploads::UploadStore;
use veche_core::StoreError;

use crate::model::{Report, ReportId};
use crate::rules::calendar::{parse_date, Calendar};
use crate::rules::Refused;
use crate::store::ReportStore;

pub mod admin;
pub mod filing;
pub mod mail;
pub mod office;
pub mod reading;
pub mod tasks;
pub mod workflow;

pub use admin::*;
pub use filing::*;
pub use mail::*;
pub use office::*;
pub use reading::*;
pub use tasks::*;
pub use workflow::*;

/// The district of a point by the platform's district boundaries (core's `Boundaries`).
fn platform_locate(platform: &Platform, lat: f64, lon: f64) -> Option<DistrictId> {
    platform.boundaries().locate(lat, lon)
}

/// Finds the district a point lies in (the district boundaries).
pub type Locator = Arc<dyn Fn(f64, f64) -> Option<DistrictId> + Send + Sync>;

/// The reports' settings.
#[derive(Clone, Debug)]
pub struct ReportsConfig {
    /// How long an owed email waits before the sweep sends it (the request that made the
    /// change normally queues it at once).
    pub mail_grace: Duration,
    /// How long the calendar (admins' entries) is reused before it is read again: an entry
    /// an admin made on another server counts here after at most this long.
    pub calendar_ttl: Duration,
    /// The Open311 `jurisdiction_id` this server answers for; another one is refused (404).
    /// `None`: any is accepted (the spec's single-jurisdiction endpoint).
    pub open311_jurisdiction: Option<String>,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            mail_grace: Duration::from_secs(60),
            calendar_ttl: Duration::from_secs(60),
            open311_jurisdiction: None,
        }
    }
}

/// The reports feature's state in a running Veche.
pub struct Reports {
    /// Private to the crate: pages and the API go through the use cases.
    pub(crate) store: Arc<dyn ReportStore>,
    pub config: ReportsConfig,
    /// Where photos are kept (core's upload store); without it a report takes none.
    uploads: Option<Arc<dyn UploadStore>>,
    /// Where a point lies, when not by the platform's boundaries (tests).
    locator: Option<Locator>,
    /// The calendar with admins' entries, and when it was read.
    calendar: RwLock<Option<(Instant, Arc<Calendar>)>>,
}

impl Reports {
    pub fn new(store: Arc<dyn ReportStore>, config: ReportsConfig) -> Reports {
        Reports {
            store,
            config,
            uploads: None,
            locator: None,
            calendar: RwLock::new(None),
        }
    }

    /// Lets reports and answers carry photos, kept in `uploads`.
    pub fn with_uploads(mut self, uploads: Arc<dyn UploadStore>) -> Reports {
        self.uploads = Some(uploads);
        self
    }

    /// Finds districts with `locator` instead of the platform's boundaries (tests).
    pub fn with_locator(mut self, locator: Locator) -> Reports {
        self.locator = Some(locator);
        self
    }

    /// The district of a point, if it lies in one: by the locator this service was given
    /// (tests that want districts of their own), else by the platform's district boundaries.
    pub(crate) fn locate(&self, platform: &Platform, lat: f64, lon: f64) -> Option<DistrictId> {
        match &self.locator {
            Some(locate) => locate(lat, lon),
            None => platform_locate(platform, lat, lon),
        }
    }

    /// The working-day calendar: the seeded one with admins' entries, read at most once per
    /// `calendar_ttl`.
    pub async fn calendar(&self) -> ReportResult<Arc<Calendar>> {
        if let Ok(cached) = self.calendar.read() {
            if let Some((at, calendar)) = cached.as_ref() {
                if at.elapsed() < self.config.calendar_ttl {
                    return Ok(calendar.clone());
                }
            }
        }
        let entries: BTreeMap<_, _> = self
            .store
            .days()
            .await?
            .into_iter()
            .filter_map(|d| Some((parse_date(&d.date)?, d.kind)))
            .collect();
        let calendar = Arc::new(Calendar::russia().with(&entries));
        if let Ok(mut cached) = self.calendar.write() {
            *cached = Some((Instant::now(), calendar.clone()));
        }
        Ok(calendar)
    }

    /// Forgets the cached calendar (after an admin's change here).
    pub(crate) fn forget_calendar(&self) {
        if let Ok(mut cached) = self.calendar.write() {
            *cached = None;
        }
    }

    /// Whether the upload store holds each of `photos`, kept or still being processed
    /// (`unknown_photo` otherwise, and for one dropped as unreadable).
    pub(crate) async fn check_photos(&self, photos: &[String]) -> ReportResult<()> {
        for hash in photos {
            let kept = match &self.uploads {
                Some(uploads) => uploads
                    .info(hash)
                    .await?
                    .is_some_and(|i| i.state != veche_core::web::uploads::UploadState::Dropped),
                None => false,
            };
            if !kept {
                return Err(Refused::new("photos", "unknown_photo").into());
            }
        }
        Ok(())
    }

    /// The reports store itself, for tests that inspect what is stored.
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Arc<dyn ReportStore> {
        &self.store
    }
}

/// The reports' refusal texts: `reports-invalid-FIELD-CODE`.
pub struct ReportsTexts;

impl veche_core::web::problem::RefusalTexts for ReportsTexts {
    const PREFIX: &'static str = "reports";
}

/// What a reports use case answers instead of its result (`problem()` makes it a problem
/// document): `Conflict` is `version_conflict` (someone changed it first), `invalid_transition`,
/// `dispute_closed`, `report_closed` or `own_report`.
pub type ReportError = veche_core::web::problem::ServiceError<ReportsTexts>;

pub type ReportResult<T> = Result<T, ReportError>;

/// Takes one cell of a rate limit for the account (core's, for the pages and the API alike).
pub use veche_core::accounts::service::admit;

pub(crate) fn is_admin(account: &Account) -> bool {
    account.has_role(Role::Admin)
}

pub(crate) fn is_moderator(account: &Account) -> bool {
    account.has_role(Role::Moderator) || is_admin(account)
}

/// The report, or 404.
pub(crate) async fn stored(reports: &Reports, id: &ReportId) -> ReportResult<Report> {
    reports.store.report(id).await?.ok_or(ReportError::NotFound)
}

/// Stores `next` if the report is still at `expected`; someone else's change first is 409
/// `version_conflict` (two officials acting at once: one wins, the other is told).
pub(crate) async fn save(reports: &Reports, next: &Report, expected: u64) -> ReportResult<()> {
    if reports.store.replace_report(next, expected).await? {
        Ok(())
    } else {
        Err(ReportError::Conflict("version_conflict"))
    }
}

/// The version a change expects: the one the caller names, or the current one.
pub(crate) fn expected_version(current: u64, named: Option<u64>) -> ReportResult<u64> {
    veche_core::web::problem::expected_version(current, named)
}

/// Now, at the store's millisecond precision.
pub(crate) fn now() -> time::OffsetDateTime {
    veche_core::clock::now()
}
