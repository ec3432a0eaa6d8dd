//! Every transition of a report: moderators accept (routing it) or reject, officials of its
//! organisation start, answer or re-route it, its author confirms or disputes the answer, the
//! server closes it 15 days after an unanswered answer. Each is one conditional write on the
//! version the actor saw (of two acting at once, one wins, the other is told
//! `version_conflict`), in the report's history, owing its emails.

use serde_json::json;
use veche_core::accounts::model::Account;
use veche_core::id::OrganisationId;

use super::*;
use crate::model::{Action, Actor, Answer, Mail, Profile, RouteBasis, Routing, Status};
use crate::rules::workflow::{self, Refusal};
use crate::rules::{
    self, calendar, routing, Act, AnswerInput, Decision, DecisionInput, NoteInput, RerouteInput,
};

/// What a transition starts from: the report, where it leads, who acts, the version it is
/// made on.
struct Transition {
    report: Report,
    to: Status,
    role: Actor,
    expected: u64,
}

/// Reads the report and asks the workflow whether `account` may take `action` on it now.
async fn begin(
    reports: &Reports,
    account: &Account,
    id: &ReportId,
    expected: Option<u64>,
    action: Action,
) -> ReportResult<Transition> {
    let report = stored(reports, id).await?;
    let organisation = organisation_of(account);
    if !may_see(&report, Some(account), organisation) {
        return Err(ReportError::NotFound);
    }
    let actors = workflow::actors(account, &report, organisation);
    let (to, role) = workflow::next(report.status, &actors, action).map_err(|r| match r {
        Refusal::Forbidden => ReportError::Forbidden,
        Refusal::WrongState => ReportError::Conflict("invalid_transition"),
    })?;
    let expected = expected_version(report.version, expected)?;
    Ok(Transition {
        report,
        to,
        role,
        expected,
    })
}

/// Stores the step, audits what staff did, and queues the emails it owes.
async fn finish(
    platform: &Platform,
    reports: &Reports,
    account: Option<&Account>,
    (next, expected): (Report, u64),
) -> ReportResult<Report> {
    save(reports, &next, expected).await?;
    if let (Some(account), Some(step)) = (account, next.history.last()) {
        if matches!(step.role, Actor::Moderator | Actor::Official) {
            let details = json!({
                "status": step.status.as_str(),
                "organisation_id": step.organisation_id.as_ref().map(|o| o.as_str()),
            });
            let action = format!("report.{}", step.action.as_str());
            let target = format!("report:{}", next.id);
            platform
                .audit(&account.id, &action, target, step.note.clone(), details)
                .await?;
        }
    }
    deliver_or_leave(platform, reports, &next).await;
    Ok(next)
}

fn act(t: &Transition, action: Action, by: &Account, note: Option<String>) -> Act {
    Act {
        action,
        role: t.role,
        by: Some(by.id.clone()),
        note,
        at: now(),
    }
}

/// A step that changes the report's status and history alone: `action` by `account`, with
/// its note, on the report `id` at version `expected`.
async fn status_step(
    platform: &Platform,
    reports: &Reports,
    account: &Account,
    id: &ReportId,
    expected: Option<u64>,
    action: Action,
    note: Option<String>,
) -> ReportResult<Report> {
    let t = begin(reports, account, id, expected, action).await?;
    let next = rules::stepped(&t.report, act(&t, action, account, note), t.to, &[]);
    finish(platform, reports, Some(account), (next, t.expected)).await
}

/// The organisation an actor names for a report; one reports know nothing of is refused as
/// the input's.
async fn named_organisation(reports: &Reports, id: &OrganisationId) -> ReportResult<Profile> {
    super::profile(reports, id)
        .await
        .map_err(|_| Refused::new("organisation_id", "unknown").into())
}

/// `report` routed by `routing` with its category's deadline counted from the step, and the
/// step recorded, owing the email that tells the organisation.
async fn routed_by(
    reports: &Reports,
    mut report: Report,
    routing: Routing,
    step: Act,
    to: Status,
) -> ReportResult<Report> {
    let deadline = deadline_from(reports, &report, step.at).await?;
    rules::routed(&mut report, routing, step.at, deadline);
    Ok(rules::stepped(&report, step, to, &[Mail::Routed]))
}

/// The deadline of a report in its category, counted from `from`.
async fn deadline_from(
    reports: &Reports,
    report: &Report,
    from: time::OffsetDateTime,
) -> ReportResult<time::OffsetDateTime> {
    let days = category(reports, &report.category_id)
        .await
        .map_or(rules::DEADLINE_DAYS_DEFAULT, |c| c.deadline_days);
    Ok(calendar::deadline(&*reports.calendar().await?, from, days))
}

/// A moderator's decision on a submitted report: accepted, it goes to the organisation
/// routing finds (or the one the moderator names, with a note) with its deadline; rejected,
/// its author is told why.
pub async fn decide(
    platform: &Platform,
    reports: &Reports,
    moderator: &Account,
    id: &ReportId,
    expected: Option<u64>,
    input: &DecisionInput,
) -> ReportResult<Report> {
    let decision = rules::decision(input)?;
    let action = match decision {
        Decision::Accept { .. } => Action::Accept,
        Decision::Reject { .. } => Action::Reject,
    };
    let t = begin(reports, moderator, id, expected, action).await?;
    let mut report = t.report.clone();
    let next = match decision {
        Decision::Accept { organisation, note } => {
            let routing = match organisation {
                Some(org) => {
                    let org = named_organisation(reports, &org).await?;
                    routing::chosen(
                        &org,
                        RouteBasis::Moderator,
                        &report.district_id,
                        note.clone(),
                    )
                }
                None => {
                    let category = category(reports, &report.category_id).await?;
                    let orgs = profiles(reports).await?;
                    routing::route(&category, &report.district_id, &orgs)
                        .ok_or(Refused::new("organisation_id", "unroutable"))?
                }
            };
            let step = act(&t, Action::Accept, moderator, note);
            routed_by(reports, report, routing, step, t.to).await?
        }
        Decision::Reject { reason, note } => {
            report.reject_reason = Some(reason);
            let note = note.or_else(|| Some(reason.as_str().to_string()));
            rules::stepped(&report, act(&t, Action::Reject, moderator, note), t.to, &[])
        }
    };
    finish(platform, reports, Some(moderator), (next, t.expected)).await
}

/// An official of the report's organisation takes it into work.
pub async fn start(
    platform: &Platform,
    reports: &Reports,
    official: &Account,
    id: &ReportId,
    expected: Option<u64>,
) -> ReportResult<Report> {
    status_step(
        platform,
        reports,
        official,
        id,
        expected,
        Action::Start,
        None,
    )
    .await
}

/// The organisation's answer (text and photos); its author has 15 days to confirm or dispute.
pub async fn answer(
    platform: &Platform,
    reports: &Reports,
    official: &Account,
    id: &ReportId,
    expected: Option<u64>,
    input: &AnswerInput,
) -> ReportResult<Report> {
    let (text, photos) = rules::answer_fields(input)?;
    let t = begin(reports, official, id, expected, Action::Answer).await?;
    reports.check_photos(&photos).await?;
    let step = act(&t, Action::Answer, official, None);
    let mut report = t.report.clone();
    report.answer = Some(Answer {
        text,
        photos,
        by: official.id.clone(),
        at: step.at,
    });
    let next = rules::stepped(&report, step, t.to, &[]);
    finish(platform, reports, Some(official), (next, t.expected)).await
}

/// Sends the report to another organisation, with the reason everyone is shown; the new
/// organisation has the category's time from now.
pub async fn reroute(
    platform: &Platform,
    reports: &Reports,
    actor: &Account,
    id: &ReportId,
    expected: Option<u64>,
    input: &RerouteInput,
) -> ReportResult<Report> {
    let (organisation, note) = rules::reroute_fields(input)?;
    let t = begin(reports, actor, id, expected, Action::Reroute).await?;
    let org = named_organisation(reports, &organisation).await?;
    if t.report.organisation_id() == Some(&org.id) {
        return Err(Refused::new("organisation_id", "same_organisation").into());
    }
    let routing = routing::chosen(
        &org,
        RouteBasis::Rerouted,
        &t.report.district_id,
        Some(note.clone()),
    );
    let step = act(&t, Action::Reroute, actor, Some(note));
    let next = routed_by(reports, t.report.clone(), routing, step, t.to).await?;
    finish(platform, reports, Some(actor), (next, t.expected)).await
}

/// What an author says of the organisation's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The report is closed.
    Confirm,
    /// Within 15 days: the report is reopened with a new deadline, and the organisation's
    /// head hears of it.
    Dispute,
}

/// The author's reply to the organisation's answer, with its note.
pub async fn reply_to_answer(
    platform: &Platform,
    reports: &Reports,
    author: &Account,
    id: &ReportId,
    expected: Option<u64>,
    input: &NoteInput,
    reply: Reply,
) -> ReportResult<Report> {
    let note = rules::note(input.note.as_deref(), "note")?;
    if reply == Reply::Confirm {
        let action = Action::Confirm;
        return status_step(platform, reports, author, id, expected, action, note).await;
    }
    let t = begin(reports, author, id, expected, Action::Dispute).await?;
    let step = act(&t, Action::Dispute, author, note);
    if !rules::may_dispute(&t.report, step.at) {
        return Err(ReportError::Conflict("dispute_closed"));
    }
    let mut report = t.report.clone();
    let deadline = deadline_from(reports, &report, step.at).await?;
    rules::set_deadline(&mut report, step.at, deadline);
    let next = rules::stepped(&report, step, t.to, &[Mail::Disputed]);
    finish(platform, reports, Some(author), (next, t.expected)).await
}

/// Closes an answered report whose author said nothing for 15 days (the server's own step).
/// `false` when it is not due, or another server closed it first.
pub(crate) async fn auto_close(
    platform: &Platform,
    reports: &Reports,
    report: &Report,
    at: time::OffsetDateTime,
) -> ReportResult<bool> {
    if report.closes_at().is_none_or(|due| due > at) {
        return Ok(false);
    }
    let Ok((to, role)) = workflow::next(report.status, &[Actor::System], Action::AutoClose) else {
        return Ok(false);
    };
    let step = Act {
        action: Action::AutoClose,
        role,
        by: None,
        note: None,
        at,
    };
    let next = rules::stepped(report, step, to, &[]);
    match finish(platform, reports, None, (next, report.version)).await {
        Ok(_) => Ok(true),
        Err(ReportError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
