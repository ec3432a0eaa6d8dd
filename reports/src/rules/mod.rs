//! The reports' rules as pure functions: what a report, a category and an organisation may
//! hold ([`inputs`]), the calendar and deadlines ([`calendar`]), the workflow ([`workflow`]),
//! routing ([`routing`]), points and proximity ([`geo`]), and what each step does to a report
//! (here). No I/O: the service reads, asks these, and writes.

pub mod calendar;
pub mod geo;
pub mod inputs;
pub mod routing;
pub mod workflow;

use time::{Duration, OffsetDateTime};
use veche_core::id::{AccountId, OrganisationId};
use veche_core::web::problem::Invalid;

use crate::model::{
    Action, Actor, Mail, MailDue, Report, ReportId, Routing, Status, Step, WARNED_NONE,
};

pub use inputs::*;

/// A refused input or action: a stable code and the field or rule it concerns.
pub type Refused = Invalid;

/// How long an author has to confirm or dispute an answer; after it the report closes itself.
pub const DISPUTE_WINDOW: Duration = Duration::days(15);

/// A new report, waiting for a moderator.
pub fn new_report(fields: ReportFields, author: &AccountId, now: OffsetDateTime) -> Report {
    Report {
        id: ReportId::generate(),
        category_id: fields.category_id,
        place: fields.place,
        district_id: fields.district_id,
        description: fields.description,
        photos: fields.photos,
        author_id: author.clone(),
        status: Status::Submitted,
        reject_reason: None,
        routing: None,
        routed_at: None,
        deadline: None,
        warn_at: None,
        warned: WARNED_NONE,
        answer: None,
        joiners: 0,
        history: vec![Step {
            at: now,
            action: Action::File,
            role: Actor::Author,
            by: Some(author.clone()),
            status: Status::Submitted,
            organisation_id: None,
            note: None,
        }],
        mail_due: Vec::new(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Who did a step, and when.
#[derive(Clone, Debug)]
pub struct Act {
    pub action: Action,
    pub role: Actor,
    pub by: Option<AccountId>,
    pub note: Option<String>,
    pub at: OffsetDateTime,
}

/// The report after a step to `status`: in its history, its version raised, the emails it owes
/// recorded (its author and joiners always hear of a status change).
pub fn stepped(report: &Report, act: Act, status: Status, extra_mail: &[Mail]) -> Report {
    let mut next = report.clone();
    next.status = status;
    next.version = report.version + 1;
    next.updated_at = act.at;
    next.history.push(Step {
        at: act.at,
        action: act.action,
        role: act.role,
        by: act.by,
        status,
        organisation_id: next.organisation_id().cloned(),
        note: act.note,
    });
    let organisation = next.organisation_id().cloned();
    for mail in std::iter::once(&Mail::Status).chain(extra_mail) {
        owe(&mut next, *mail, organisation.clone(), act.at);
    }
    next
}

/// Records an email the report's current version owes.
pub fn owe(
    report: &mut Report,
    mail: Mail,
    organisation: Option<OrganisationId>,
    now: OffsetDateTime,
) {
    report.mail_due.push(MailDue {
        mail,
        version: report.version,
        organisation_id: organisation,
        since: now,
    });
}

/// The report sent to an organisation with a new deadline (acceptance, re-routing); the
/// deadline's warnings start again.
pub fn routed(report: &mut Report, routing: Routing, at: OffsetDateTime, deadline: OffsetDateTime) {
    report.routing = Some(routing);
    report.routed_at = Some(at);
    set_deadline(report, at, deadline);
}

/// A new deadline from `from` (routing, reopening).
pub fn set_deadline(report: &mut Report, from: OffsetDateTime, deadline: OffsetDateTime) {
    report.deadline = Some(deadline);
    report.warn_at = Some(calendar::warning_at(from, deadline));
    report.warned = WARNED_NONE;
}

/// Whether the author may still dispute the answer at `now`.
pub fn may_dispute(report: &Report, now: OffsetDateTime) -> bool {
    report.closes_at().is_some_and(|at| now < at)
}

/// The deadline warning due at `now`, if any: the report claims it (the next one becomes due)
/// and owes the email. `None` when nothing is due.
pub fn claim_warning(report: &Report, now: OffsetDateTime) -> Option<Report> {
    let due = report.next_check()?;
    if due > now {
        return None;
    }
    let mut next = report.clone();
    let mail = if report.warned == WARNED_NONE {
        // A report whose deadline has already come too (a server down for days) is warned
        // once, of the deadline.
        if report.deadline.is_some_and(|d| d <= now) {
            next.warned = crate::model::WARNED_DUE;
            Mail::Overdue
        } else {
            next.warned = crate::model::WARNED_EARLY;
            Mail::Warning
        }
    } else {
        next.warned = crate::model::WARNED_DUE;
        Mail::Overdue
    };
    next.version = report.version + 1;
    let organisation = next.organisation_id().cloned();
    owe(&mut next, mail, organisation, now);
    Some(next)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
