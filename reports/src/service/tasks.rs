//! What every server does in the background: claims the deadline warnings that are due (a
//! conditional write on the report's version, so of several servers exactly one sends each)
//! and closes the answered reports whose 15 days ran out.

use std::future::Future;

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
    in_batches(
        move |limit| async move { Ok(reports.store.checks_due(at, limit).await?) },
        move |report| async move {
            let Some(next) = rules::claim_warning(&report, at) else {
                return Ok(false);
            };
            // Another server's claim, or an official's change, first: theirs stands; a
            // warning still due is found again by the next round.
            if !reports.store.replace_report(&next, report.version).await? {
                return Ok(false);
            }
            deliver_or_leave(platform, reports, &next).await;
            Ok(true)
        },
    )
    .await
}

/// Closes the answered reports whose time to dispute ran out at `at`. Returns how many this
/// server closed.
pub async fn close_expired(
    platform: &Platform,
    reports: &Reports,
    at: time::OffsetDateTime,
) -> ReportResult<usize> {
    in_batches(
        move |limit| async move { Ok(reports.store.closing_due(at, limit).await?) },
        move |report| async move { auto_close(platform, reports, &report, at).await },
    )
    .await
}

/// Takes the reports `due` finds a batch at a time and gives each to `claim`, which answers
/// whether this server claimed it; stops after a short batch, or one in which it claimed none
/// (what is left is another server's, or due again next round). Returns how many it claimed.
async fn in_batches<Due, Claimed>(
    mut due: impl FnMut(usize) -> Due,
    mut claim: impl FnMut(Report) -> Claimed,
) -> ReportResult<usize>
where
    Due: Future<Output = ReportResult<Vec<Report>>>,
    Claimed: Future<Output = ReportResult<bool>>,
{
    let mut claimed = 0;
    loop {
        let batch = due(BATCH).await?;
        let short = batch.len() < BATCH;
        let mut progressed = false;
        for report in batch {
            if claim(report).await? {
                claimed += 1;
                progressed = true;
            }
        }
        if short || !progressed {
            return Ok(claimed);
        }
    }
}
