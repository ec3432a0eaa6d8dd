//! What moderators and officials work with beside the workflow: a report as the office sees
//! it, an answer's photos, and the dashboard (open, overdue, answered on time, median time to
//! answer, reopen rate; overall, by category, by district), counted by the store.

use std::collections::BTreeMap;

use veche_core::accounts::model::Account;
use veche_core::id::OrganisationId;
use veche_core::web::problem::Problem;

use super::*;
use crate::store::{TallyBy, TallyRow};

/// A report for the office: its organisation's officials, moderators and admins see it with
/// what they may do; anyone else is refused (404 when they may not know it exists).
pub async fn office_report(
    reports: &Reports,
    viewer: &Account,
    id: &ReportId,
) -> ReportResult<Report> {
    let report = super::report(reports, Some(viewer), id).await?;
    let theirs = organisation_of(viewer).is_some_and(|o| Some(o) == report.organisation_id());
    if is_moderator(viewer) || theirs {
        Ok(report)
    } else {
        Err(ReportError::Forbidden)
    }
}

/// Checks a photo (of an answer, sent with a page's form) and keeps it; its hash.
pub async fn accept_answer_photo(reports: &Reports, raw: bytes::Bytes) -> Result<String, Problem> {
    let uploads = reports
        .uploads
        .as_ref()
        .ok_or_else(|| Problem::bad_request("unknown_photo"))?;
    veche_core::web::uploads::accept(uploads.as_ref(), raw).await
}

/// The dashboard's figures of a set of reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Routed to the organisation.
    pub reports: u64,
    /// Owed an answer (routed, in progress, reopened).
    pub open: u64,
    /// Owed an answer past the deadline.
    pub overdue: u64,
    /// With a standing answer.
    pub answered: u64,
    /// Of those, answered by the deadline.
    pub on_time: u64,
    /// Answered at least once.
    pub was_answered: u64,
    /// Disputed at least once.
    pub reopened: u64,
    /// The median of the whole hours the standing answers took.
    pub median_hours: Option<f64>,
    /// How many answers took each whole number of hours (what the median is found from).
    hours: BTreeMap<i64, u64>,
}

impl Figures {
    /// Answered on time, in percent of the standing answers (none without answers).
    pub fn on_time_percent(&self) -> Option<f64> {
        percent(self.on_time, self.answered)
    }

    /// Disputed, in percent of the reports ever answered.
    pub fn reopen_percent(&self) -> Option<f64> {
        percent(self.reopened, self.was_answered)
    }

    fn add(&mut self, row: &TallyRow) {
        self.reports += row.reports;
        self.open += row.awaiting;
        self.overdue += row.overdue;
        self.answered += row.answered;
        self.on_time += row.on_time;
        self.was_answered += row.was_answered;
        self.reopened += row.reopened;
        if let Some(h) = row.hours {
            *self.hours.entry(h).or_default() += row.answered;
        }
    }

    /// The median from the histogram: the middle answer's hours, or the mean of the middle two.
    fn finish(mut self) -> Figures {
        let n: u64 = self.hours.values().sum();
        self.median_hours = (n > 0).then(|| {
            let nth = |i: u64| {
                let mut seen = 0;
                for (h, c) in &self.hours {
                    seen += c;
                    if seen > i {
                        return *h as f64;
                    }
                }
                0.0
            };
            (nth((n - 1) / 2) + nth(n / 2)) / 2.0
        });
        self
    }
}

/// `part` of `whole` in percent, to one decimal.
fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The dashboard: an organisation's (or every organisation's) figures, overall and by
/// category and district (ids, the largest first), at `at`.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub organisation: Option<OrganisationId>,
    pub at: time::OffsetDateTime,
    pub overall: Figures,
    pub by_category: Vec<(String, Figures)>,
    pub by_district: Vec<(String, Figures)>,
}

fn grouped(rows: &[TallyRow]) -> Vec<(String, Figures)> {
    let mut groups: BTreeMap<String, Figures> = BTreeMap::new();
    for row in rows {
        groups.entry(row.key.clone()).or_default().add(row);
    }
    let mut out: Vec<(String, Figures)> =
        groups.into_iter().map(|(k, f)| (k, f.finish())).collect();
    out.sort_by(|a, b| b.1.reports.cmp(&a.1.reports).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The dashboard of an organisation (its officials, admins) or of all of them (`None`:
/// admins). Three groupings in the store; no report is read.
pub async fn dashboard(
    reports: &Reports,
    viewer: &Account,
    organisation: Option<&OrganisationId>,
) -> ReportResult<Dashboard> {
    let allowed =
        is_admin(viewer) || organisation.is_some_and(|o| organisation_of(viewer) == Some(o));
    if !allowed {
        return Err(ReportError::Forbidden);
    }
    if let Some(id) = organisation {
        profile(reports, id).await?;
    }
    let at = now();
    let store = &reports.store;
    let overall = store.tally(organisation, TallyBy::All, at).await?;
    let by_category = store.tally(organisation, TallyBy::Category, at).await?;
    let by_district = store.tally(organisation, TallyBy::District, at).await?;
    let mut total = Figures::default();
    overall.iter().for_each(|r| total.add(r));
    Ok(Dashboard {
        organisation: organisation.cloned(),
        at,
        overall: total.finish(),
        by_category: grouped(&by_category),
        by_district: grouped(&by_district),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(hours: Option<i64>, answered: u64) -> TallyRow {
        TallyRow {
            hours,
            reports: answered,
            answered,
            ..TallyRow::default()
        }
    }

    #[test]
    fn the_median_is_found_from_the_hours() {
        let mut f = Figures::default();
        for r in [
            row(Some(5), 1),
            row(Some(1), 2),
            row(Some(30), 1),
            row(None, 0),
        ] {
            f.add(&r);
        }
        // 1, 1, 5, 30: the mean of the middle two.
        assert_eq!(f.clone().finish().median_hours, Some(3.0));
        f.add(&row(Some(40), 1));
        assert_eq!(f.finish().median_hours, Some(5.0));
        assert_eq!(Figures::default().finish().median_hours, None);
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(0, 0), None);
    }
}
