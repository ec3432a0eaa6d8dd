//! What every server does in the background: claims the deadline warnings that are due (a
//! conditional write on the report's version, so of several servers exactly one sends each)
//! and closes the answered reports whose 15 days ran out.

use veche_core::platform::Platform;

use super::*;
use crate::rules;

/// Reports handled per batch.
const BATCH: usize = 100;

/// Claims and sends the deadline warnings due at `at` (80 % of the time, then the deadline;
/// once each). Returns how many this server claimed.
pub async fn check_deadlines(
    platform: &Platform,
    reports: &Reports,
    at: time::OffsetDateTime,
) -> ReportResult<usize> {
    let mut claimed = 0;
    loop {
        let due = reports.store.checks_due(at, BATCH).await?;
        let mut progressed = false;
        for report in &due {
            let Some(next) = rules::claim_warning(report, at) else {
                continue;
            };
            // Another server's claim, or an official's change, first: theirs stands; a
            // warning still due is found again by the next round.
            if reports.store.replace_report(&next, report.version).await? {
                claimed += 1;
                progressed = true;
                deliver_or_leave(platform, reports, &next).await;
            }
        }
        if due.len() < BATCH || !progressed {
            return Ok(claimed);
        }
    }
}

/// Closes the answered reports whose time to dispute ran out at `at`. Returns how many this
/// server closed.
pub async fn close_expired(
    platform: &Platform,
    reports: &Reports,
    at: time::OffsetDateTime,
) -> ReportResult<usize> {
    let mut closed = 0;
    loop {
        let due = reports.store.closing_due(at, BATCH).await?;
        let mut progressed = false;
        for report in &due {
            if auto_close(platform, reports, report, at).await? {
                closed += 1;
                progressed = true;
            }
        }
        if due.len() < BATCH || !progressed {
            return Ok(closed);
        }
    }
}
