//! Residents: file a report, see the open reports near a point first, join one instead.

use veche_core::accounts::model::Account;
use veche_core::platform::Platform;

use super::*;
use crate::model::{Category, CategoryId};
use crate::rules::{self, geo, ReportInput};
use crate::store::Near;

/// The most nearby reports shown.
pub const NEARBY_MAX: usize = 50;
/// The radius looked at when no category says.
pub const NEARBY_DEFAULT_M: u32 = 500;

/// An active leaf category: where a report may be filed.
pub(crate) async fn leaf(reports: &Reports, raw: &str) -> ReportResult<Category> {
    let all = categories(reports).await?;
    let id = CategoryId::parse(raw.trim()).ok_or(Refused::new("category_id", "unknown"))?;
    let category = all
        .iter()
        .find(|c| c.id == id && c.active)
        .ok_or(Refused::new("category_id", "unknown"))?;
    if all
        .iter()
        .any(|c| c.active && c.parent.as_ref() == Some(&category.id))
    {
        return Err(Refused::new("category_id", "not_leaf").into());
    }
    Ok(category.clone())
}

/// Files a report: it waits for a moderator. The point must lie in a district.
pub async fn file(
    platform: &Platform,
    reports: &Reports,
    author: &Account,
    input: &ReportInput,
) -> ReportResult<Report> {
    let category = leaf(reports, &input.category_id).await?;
    let (lat, lon) = rules::point(input.lat, input.lon)?;
    let district = reports
        .locate(platform, lat, lon)
        .ok_or(Refused::new("lat", "outside_districts"))?;
    let fields = rules::report_fields(input, &category, district)?;
    reports.check_photos(&fields.photos).await?;
    let report = rules::new_report(fields, &author.id, now());
    reports.store.insert_report(&report).await?;
    Ok(report)
}

/// An open report near a point, and how far it is.
#[derive(Clone, Debug)]
pub struct Nearby {
    pub report: Report,
    pub distance_m: f64,
}

/// Open reports within `radius_m` of a point (the category's duplicate radius when a category
/// is named and no radius; 500 m else; at most 2 km), of one category or any, nearest first:
/// what a resident sees before filing, to join one instead.
pub async fn nearby(
    reports: &Reports,
    (lat, lon): (f64, f64),
    category: Option<&CategoryId>,
    radius_m: Option<u32>,
) -> ReportResult<Vec<Nearby>> {
    let (lat, lon) = rules::point(lat, lon)?;
    let radius = match (radius_m, category) {
        (Some(r), _) => r,
        (None, Some(id)) => categories(reports)
            .await?
            .iter()
            .find(|c| &c.id == id)
            .map_or(NEARBY_DEFAULT_M, |c| c.duplicate_radius_m),
        (None, None) => NEARBY_DEFAULT_M,
    };
    if !(1..=geo::RADIUS_MAX_M).contains(&radius) {
        return Err(Refused::new("radius", "out_of_range").into());
    }
    let cells = geo::cells_within(lat, lon, radius);
    let found = reports
        .store
        .open_near(&Near {
            cells: &cells,
            category,
            point: (lat, lon),
            radius_m: radius,
            limit: NEARBY_MAX,
        })
        .await?;
    Ok(found
        .into_iter()
        .map(|report| {
            let distance_m = geo::distance_m((lat, lon), (report.place.lat, report.place.lon));
            Nearby { report, distance_m }
        })
        .collect())
}

/// A resident joins an open report ("me too"): they hear of it as its author does. Joining
/// twice is joining once. Returns the report (its count after) and whether this was the
/// resident's first join.
pub async fn join(
    reports: &Reports,
    account: &Account,
    id: &ReportId,
) -> ReportResult<(Report, bool)> {
    let report = stored(reports, id).await?;
    if !report.status.public() {
        return Err(ReportError::NotFound);
    }
    if !report.status.open() {
        return Err(ReportError::Conflict("report_closed"));
    }
    if report.author_id == account.id {
        return Err(ReportError::Conflict("own_report"));
    }
    let first = reports.store.join(id, &account.id, now()).await?;
    Ok((stored(reports, id).await?, first))
}

/// Whether the resident joined the report.
pub async fn joined(reports: &Reports, account: &Account, id: &ReportId) -> ReportResult<bool> {
    Ok(reports.store.joined(id, &account.id).await?)
}

/// Checks a photo a resident sends with a form and keeps it (core's upload store); its hash,
/// to name in a report or an answer.
pub async fn accept_photo(
    reports: &Reports,
    raw: bytes::Bytes,
) -> Result<String, veche_core::web::problem::Problem> {
    let Some(uploads) = &reports.uploads else {
        return Err(ReportError::from(Refused::new("photos", "unknown_photo")).problem());
    };
    veche_core::web::uploads::accept(uploads.as_ref(), raw).await
}
