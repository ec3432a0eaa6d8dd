//! The public moderation log of a project: how many decisions of each kind, by reason and by
//! day, with no personal data (no author, no moderator, no idea text). Anyone may read it, so
//! that a resident can see how a project's moderation treats ideas, not only their own.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::model::{IdeaId, Reason};

veche_core::string_enum! {
    /// What a moderation decision did.
    #[derive(PartialOrd, Ord)]
    pub enum Action {
        Approved = "approved",
        Rejected = "rejected",
        SentBack = "sent_back",
        Merged = "merged",
        /// An appeal decided in the author's favour (the idea approved).
        AppealGranted = "appeal_granted",
        /// An appeal decided against the author (the rejection stands).
        AppealRefused = "appeal_refused",
    }
}

/// One decision as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub idea_id: IdeaId,
    pub at: OffsetDateTime,
    pub action: Action,
    /// Set for rejections.
    pub reason: Option<Reason>,
}

/// The counts of one day (in UTC).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: String,
    pub decisions: BTreeMap<Action, u64>,
}

/// The whole log of a project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub decisions: BTreeMap<Action, u64>,
    pub rejections_by_reason: BTreeMap<Reason, u64>,
    /// Oldest day first; days without decisions are left out.
    pub days: Vec<Day>,
}

/// How many decisions of one action (and reason) one day saw: what the store counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    /// `YYYY-MM-DD`, in UTC.
    pub day: String,
    pub action: Action,
    pub reason: Option<Reason>,
    pub count: u64,
}

/// The UTC day of an instant, as the log counts it.
pub fn day_of(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).date().to_string()
}

/// Counts the decisions by action, rejections by reason, and both by day.
pub fn summarise(entries: &[Entry]) -> Summary {
    let mut counts: BTreeMap<(String, Action, Option<Reason>), u64> = BTreeMap::new();
    for entry in entries {
        *counts
            .entry((day_of(entry.at), entry.action, entry.reason))
            .or_default() += 1;
    }
    let counts: Vec<Count> = counts
        .into_iter()
        .map(|((day, action, reason), count)| Count {
            day,
            action,
            reason,
            count,
        })
        .collect();
    summarise_counts(&counts)
}

/// The summary of counts by day, action and reason.
pub fn summarise_counts(counts: &[Count]) -> Summary {
    let mut summary = Summary::default();
    let mut days: BTreeMap<&str, BTreeMap<Action, u64>> = BTreeMap::new();
    for c in counts {
        *summary.decisions.entry(c.action).or_default() += c.count;
        if let (Action::Rejected, Some(reason)) = (c.action, c.reason) {
            *summary.rejections_by_reason.entry(reason).or_default() += c.count;
        }
        *days
            .entry(c.day.as_str())
            .or_default()
            .entry(c.action)
            .or_default() += c.count;
    }
    summary.days = days
        .into_iter()
        .map(|(date, decisions)| Day {
            date: date.to_string(),
            decisions,
        })
        .collect();
    summary
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn entry(at: OffsetDateTime, action: Action, reason: Option<Reason>) -> Entry {
        Entry {
            idea_id: IdeaId::generate(),
            at,
            action,
            reason,
        }
    }

    #[test]
    fn decisions_are_counted_by_action_reason_and_day() {
        let entries = [
            entry(datetime!(2026-12-01 10:00 UTC), Action::Approved, None),
            entry(
                datetime!(2026-12-01 23:30 UTC),
                Action::Rejected,
                Some(Reason::OffTopic),
            ),
            // 01:00 in Moscow on the 2nd is still the 1st in UTC.
            entry(
                datetime!(2026-12-02 01:00 +03:00),
                Action::Rejected,
                Some(Reason::OffTopic),
            ),
            entry(
                datetime!(2026-12-03 09:00 UTC),
                Action::Rejected,
                Some(Reason::Abusive),
            ),
            entry(datetime!(2026-12-03 12:00 UTC), Action::AppealGranted, None),
        ];
        let summary = summarise(&entries);
        assert_eq!(summary.decisions[&Action::Rejected], 3);
        assert_eq!(summary.decisions[&Action::Approved], 1);
        assert_eq!(summary.rejections_by_reason[&Reason::OffTopic], 2);
        assert_eq!(summary.rejections_by_reason[&Reason::Abusive], 1);
        let dates: Vec<&str> = summary.days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2026-12-01", "2026-12-03"]);
        assert_eq!(summary.days[0].decisions[&Action::Rejected], 2);
        // No personal data: the serialised log names no idea, author or moderator.
        let json = serde_json::to_string(&summary).unwrap_or_default();
        assert!(json.contains("\"off_topic\":2"), "{json}");
        assert!(!json.contains(entries[0].idea_id.as_str()));
    }

    #[test]
    fn an_empty_log_is_empty() {
        assert_eq!(summarise(&[]), Summary::default());
    }
}
