//! What the dashboard counts, derived from each report and kept beside it (columns on SQLite,
//! fields on MongoDB), so that the store counts an organisation's reports with one grouping
//! (SQL `GROUP BY`, MongoDB `$group`) instead of reading them.

use time::OffsetDateTime;

use crate::model::{Action, Report, Status};

/// How the dashboard's counts are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TallyBy {
    /// One group: every report counted.
    All,
    /// By the report's category.
    Category,
    /// By the report's district.
    District,
}

/// The counts of one group's reports whose standing answer took `hours` (`None`: no standing
/// answer). The dashboard adds a group's rows up, and finds its median time to answer from
/// them (a histogram by whole hours).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TallyRow {
    /// The category's or district's id (empty for [`TallyBy::All`]).
    pub key: String,
    pub hours: Option<i64>,
    /// Reports routed to the organisation (now).
    pub reports: u64,
    /// Owed an answer (routed, in progress, reopened).
    pub awaiting: u64,
    /// Owed an answer past the deadline at the instant asked about.
    pub overdue: u64,
    /// With a standing answer (answered, or closed after one).
    pub answered: u64,
    /// Of those, answered by the deadline.
    pub on_time: u64,
    /// Answered at least once (a dispute reopens an answered report).
    pub was_answered: u64,
    /// Disputed at least once (reopened).
    pub reopened: u64,
}

/// What the dashboard counts of one report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tallied {
    pub awaiting: bool,
    pub answered: bool,
    pub on_time: bool,
    /// Whole hours from when the organisation's time started (routing, re-routing or
    /// reopening) to the standing answer.
    pub hours: Option<i64>,
    pub was_answered: bool,
    pub reopened: bool,
}

impl Tallied {
    pub fn of(report: &Report) -> Tallied {
        let standing = report
            .answer
            .as_ref()
            .filter(|_| matches!(report.status, Status::Answered | Status::Closed));
        let hours = standing.and_then(|answer| {
            let started = clock_start(report, answer.at)?;
            Some((answer.at - started).whole_hours().max(0))
        });
        Tallied {
            awaiting: report.status.awaits_answer(),
            answered: standing.is_some(),
            on_time: standing.is_some_and(|a| report.deadline.is_some_and(|d| a.at <= d)),
            hours,
            was_answered: report.history.iter().any(|s| s.action == Action::Answer),
            reopened: report.history.iter().any(|s| s.action == Action::Dispute),
        }
    }

    /// The flags as the stores keep them (0 or 1): awaiting, answered, on time, answered
    /// once, reopened.
    pub fn flags(&self) -> [i64; 5] {
        [
            self.awaiting,
            self.answered,
            self.on_time,
            self.was_answered,
            self.reopened,
        ]
        .map(i64::from)
    }
}

/// When the organisation's time to give the answer made at `answered` started: the last
/// acceptance, re-routing or dispute before it.
fn clock_start(report: &Report, answered: OffsetDateTime) -> Option<OffsetDateTime> {
    report
        .history
        .iter()
        .filter(|s| s.at <= answered)
        .filter(|s| matches!(s.action, Action::Accept | Action::Reroute | Action::Dispute))
        .map(|s| s.at)
        .next_back()
        .or(report.routed_at)
}

/// The names of the flags' columns and fields, in [`Tallied::flags`] order.
pub const FLAGS: [&str; 5] = [
    "t_awaiting",
    "t_answered",
    "t_on_time",
    "t_was_answered",
    "t_reopened",
];
/// The hours' column and field.
pub const HOURS: &str = "t_hours";
