//! Reading reports: one as its viewer may see it, the public list (by district, category,
//! status, overdue), an organisation's queue (overdue first), the moderators' queue, an
//! author's own reports. Pages and the API call these same functions.

use veche_core::accounts::model::Account;
use veche_core::id::{DistrictId, OrganisationId};

use super::*;
use crate::model::{CategoryId, Status};
use crate::store::{After, ReportQuery};

/// The most reports one page holds.
pub const PAGE_MAX: usize = 100;

/// Who may see a report: everyone once a moderator accepted it; before (and after a
/// rejection) its author and moderators; officials their organisation's.
pub fn may_see(
    report: &Report,
    viewer: Option<&Account>,
    organisation: Option<&OrganisationId>,
) -> bool {
    if report.status.public() {
        return true;
    }
    let Some(viewer) = viewer else {
        return false;
    };
    viewer.id == report.author_id
        || is_moderator(viewer)
        || (organisation.is_some() && organisation == report.organisation_id())
}

/// A report, for a viewer allowed to see it (404 otherwise).
pub async fn report(
    reports: &Reports,
    viewer: Option<&Account>,
    id: &ReportId,
) -> ReportResult<Report> {
    let report = stored(reports, id).await?;
    let organisation = viewer.and_then(organisation_of);
    if !may_see(&report, viewer, organisation) {
        return Err(ReportError::NotFound);
    }
    Ok(report)
}

/// One page of reports and the position of the next (`None` on the last page).
#[derive(Clone, Debug)]
pub struct Page {
    pub reports: Vec<Report>,
    pub next: After,
}

/// `found` (read with one more than `limit`) as a page, its next position made by `key`.
fn page_of(mut found: Vec<Report>, limit: usize, key: impl Fn(&Report) -> (i64, ReportId)) -> Page {
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(key)
    } else {
        None
    };
    Page {
        reports: found,
        next,
    }
}

fn millis(at: time::OffsetDateTime) -> i64 {
    veche_core::clock::to_millis(at)
}

/// What the public list asks for.
#[derive(Clone, Debug, Default)]
pub struct ListRequest {
    pub district: Option<DistrictId>,
    pub category: Option<CategoryId>,
    /// A public status (any public one when `None`).
    pub status: Option<Status>,
    /// Only those past their deadline, the longest overdue first.
    pub overdue: bool,
    pub after: After,
    pub limit: usize,
}

/// A page of the public list: accepted reports, newest first (or the longest overdue first).
pub async fn list(reports: &Reports, request: &ListRequest) -> ReportResult<Page> {
    if request.status.is_some_and(|s| !s.public()) {
        return Err(ReportError::Forbidden);
    }
    let limit = request.limit.clamp(1, PAGE_MAX);
    let query = ReportQuery {
        district_id: request.district.clone(),
        category_id: request.category.clone(),
        status: request.status,
        overdue_at: request.overdue.then(now),
        after: request.after.clone(),
        limit: limit + 1,
    };
    let found = reports.store.reports(&query).await?;
    Ok(page_of(found, limit, |r| query.cursor_of(r)))
}

/// An organisation's queue: the reports it owes an answer to, the earliest deadline first
/// (so the overdue ones lead), or only the overdue ones. For its officials and admins.
pub async fn queue(
    reports: &Reports,
    viewer: &Account,
    organisation: &OrganisationId,
    overdue_only: bool,
    after: After,
    limit: usize,
) -> ReportResult<Page> {
    if !is_admin(viewer) && organisation_of(viewer) != Some(organisation) {
        return Err(ReportError::Forbidden);
    }
    let limit = limit.clamp(1, PAGE_MAX);
    let before = overdue_only.then(now);
    let found = reports
        .store
        .queue(organisation, before, after, limit + 1)
        .await?;
    Ok(page_of(found, limit, |r| {
        (millis(r.due().unwrap_or(r.created_at)), r.id.clone())
    }))
}

/// The reports waiting for a moderator, the longest waiting first.
pub async fn moderation_queue(
    reports: &Reports,
    moderator: &Account,
    after: After,
    limit: usize,
) -> ReportResult<Page> {
    if !is_moderator(moderator) {
        return Err(ReportError::Forbidden);
    }
    let limit = limit.clamp(1, PAGE_MAX);
    let found = reports
        .store
        .by_status(Status::Submitted, after, limit + 1)
        .await?;
    Ok(page_of(found, limit, |r| {
        (millis(r.created_at), r.id.clone())
    }))
}

/// The author's own reports, newest first (every status).
pub async fn mine(
    reports: &Reports,
    author: &Account,
    after: After,
    limit: usize,
) -> ReportResult<Page> {
    let limit = limit.clamp(1, PAGE_MAX);
    let found = reports
        .store
        .by_author(&author.id, after, limit + 1)
        .await?;
    Ok(page_of(found, limit, |r| {
        (millis(r.created_at), r.id.clone())
    }))
}

/// What Open311's request list asks for (see [`crate::store::SpanQuery`]).
pub type Span = crate::store::SpanQuery;

/// Public reports made within a span, of some statuses and categories, newest first (at most
/// `span.limit`): Open311's `GET requests`. A status that is not public is refused.
pub async fn made_between(reports: &Reports, span: &Span) -> ReportResult<Vec<Report>> {
    if span.statuses.iter().any(|s| !s.public()) {
        return Err(ReportError::Forbidden);
    }
    Ok(reports.store.made_between(span).await?)
}

/// The reports a resident joined ("me too"), the latest join first. Only those anyone may
/// see: a joined report is public.
pub async fn joined_reports(
    reports: &Reports,
    resident: &Account,
    after: After,
    limit: usize,
) -> ReportResult<Page> {
    let limit = limit.clamp(1, PAGE_MAX);
    let mut found = reports
        .store
        .joined_by(&resident.id, after, limit + 1)
        .await?;
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(|(at, r)| (*at, r.id.clone()))
    } else {
        None
    };
    Ok(Page {
        reports: found
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| r.status.public())
            .collect(),
        next,
    })
}

/// How each of a report's photos stands (core's upload store): being processed in the
/// background, shown, or dropped because its file did not decode (which its author is told).
pub async fn photo_states(
    reports: &Reports,
    photos: &[String],
) -> ReportResult<Vec<(String, veche_core::web::uploads::UploadState)>> {
    use veche_core::web::uploads::UploadState;
    let mut states = Vec::with_capacity(photos.len());
    for hash in photos {
        let state = match &reports.uploads {
            Some(uploads) => uploads
                .info(hash)
                .await?
                .map_or(UploadState::Ready, |i| i.state),
            None => UploadState::Ready,
        };
        states.push((hash.clone(), state));
    }
    Ok(states)
}
