//! The workflow: moderators' decisions and queue, officials' start, answer, re-routing and
//! queue, authors' confirmation and dispute. Every transition names the version it was made on
//! in `If-Match` (or acts on the current one): of two acting at once, the second is told
//! `version_conflict`.

use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::id::OrganisationId;
use veche_core::platform::Platform;
use veche_core::web::api::Optional;
use veche_core::web::cursor::parse_limit;
use veche_core::web::input::query_param;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::responses::{Change, Guarded, Limited, Paging, SignedIn, VersionHeaders};

use super::{after, caller_list, list_answer, report_id, transition, Req};
use crate::model::{Report, ReportId};
use crate::rules::{AnswerInput, DecisionInput, NoteInput, RerouteInput};
use crate::service::{self, Reply, Reports};
use crate::views::{ReportList, ReportView};
use crate::ReportsLimit;

/// What a transition answers beside [`Change`]'s: the report in another state than the
/// action needs (after [`Change`] in `responses(...)`, so that its 409 says both).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum Transition {
    #[response(
        status = 409,
        description = "`invalid_transition`: not in a state for this; `version_conflict`"
    )]
    Conflict(ProblemDocument),
}

/// A transition of the report `id` by the signed-in caller: `step` (a use case) makes it,
/// given who asks, the version in `If-Match` and the body (checked in that order, then `id`).
async fn step_on<B>(
    req: &Req<B>,
    id: &str,
    step: impl AsyncFnOnce(
        &Platform,
        &Reports,
        &Account,
        &ReportId,
        Option<u64>,
        &B,
    ) -> service::ReportResult<Report>,
) -> Response {
    transition(req, |req, who, expected, input| async move {
        let id = report_id(id)?;
        Ok(step(&req.platform, &req.state, who, &id, expected, input).await?)
    })
    .await
}

/// A moderator's decision on a submitted report: `accept` (it goes to the organisation
/// routing finds, or to `organisation_id` with a `note`, and its deadline starts) or `reject`
/// (with a `reason`).
#[utoipa::path(post, path = "/api/v1/reports/{id}/decision", tag = "reports",
    request_body = DecisionInput,
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ReportView), Guarded, Change, Transition))]
pub async fn decide(id: String, req: Req<DecisionInput>) -> Response {
    step_on(&req, &id, service::decide).await
}

/// An official of the report's organisation takes it into work.
#[utoipa::path(post, path = "/api/v1/reports/{id}/start", tag = "reports",
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ReportView), Guarded, Change, Transition))]
pub async fn start(id: String, req: Req) -> Response {
    step_on(
        &req,
        &id,
        async |platform, reports, who, id, expected, _| {
            service::start(platform, reports, who, id, expected).await
        },
    )
    .await
}

/// The organisation's answer: a text and photos. Its author has 15 days to confirm or dispute.
#[utoipa::path(post, path = "/api/v1/reports/{id}/answer", tag = "reports",
    request_body = AnswerInput,
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ReportView), Guarded, Change, Transition))]
pub async fn answer(id: String, req: Req<AnswerInput>) -> Response {
    step_on(&req, &id, service::answer).await
}

/// Sends the report to another organisation with the reason everyone is shown (its officials
/// or a moderator); the new organisation has the category's time from now.
#[utoipa::path(post, path = "/api/v1/reports/{id}/reroute", tag = "reports",
    request_body = RerouteInput,
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ReportView), Guarded, Change, Transition))]
pub async fn reroute(id: String, req: Req<RerouteInput>) -> Response {
    step_on(&req, &id, service::reroute).await
}

/// The author confirms the answer: the report is closed. A body with a `note` is optional.
#[utoipa::path(post, path = "/api/v1/reports/{id}/confirmation", tag = "reports",
    request_body(content = Option<NoteInput>),
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ReportView), Guarded, Change, Limited,
        (status = 409, description = "`invalid_transition`, `version_conflict`", body = ProblemDocument)))]
pub async fn confirm(id: String, req: Req<Optional<NoteInput>>) -> Response {
    author_reply(&id, &req, Reply::Confirm).await
}

/// The author disputes the answer within 15 days (a `note` says why): the report is reopened
/// with a new deadline and the organisation's head is told.
#[utoipa::path(post, path = "/api/v1/reports/{id}/dispute", tag = "reports",
    request_body(content = Option<NoteInput>),
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = ReportView), Guarded, Change, Limited,
        (status = 409, description = "`invalid_transition`, `dispute_closed`, `version_conflict`", body = ProblemDocument)))]
pub async fn dispute(id: String, req: Req<Optional<NoteInput>>) -> Response {
    author_reply(&id, &req, Reply::Dispute).await
}

/// The author's reply to the answer.
async fn author_reply(id: &str, req: &Req<Optional<NoteInput>>, reply: Reply) -> Response {
    transition(req, |req, who, expected, input| async move {
        service::admit(&req.platform.limits, ReportsLimit::Respond, who)?;
        let id = report_id(id)?;
        let note = input.0.clone().unwrap_or_default();
        let (platform, reports) = (&req.platform, &req.state);
        Ok(service::reply_to_answer(platform, reports, who, &id, expected, &note, reply).await?)
    })
    .await
}

/// The reports waiting for a moderator, the longest waiting first.
#[utoipa::path(get, path = "/api/v1/moderation/reports", tag = "reports",
    params(Paging),
    responses((status = 200, body = ReportList), Guarded,
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)))]
pub async fn moderation_queue(req: Req) -> Response {
    caller_list(&req, service::moderation_queue).await
}

/// An organisation's queue: the reports it owes an answer to, the earliest deadline first (the
/// overdue ones lead), or only the overdue ones. For its officials and admins.
#[utoipa::path(get, path = "/api/v1/report-organisations/{id}/queue", tag = "reports",
    params(("id" = String, Path),
        ("overdue" = Option<bool>, Query, description = "Only those past their deadline"),
        Paging),
    responses((status = 200, body = ReportList), SignedIn,
        (status = 403, description = "`forbidden`: not an official of it", body = ProblemDocument),
        (status = 400, description = "`invalid_filter`, `invalid_limit`, `invalid_cursor`", body = ProblemDocument)))]
pub async fn queue(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let organisation = OrganisationId::parse(&id).ok_or_else(Problem::not_found)?;
        let query = req.query()?;
        let overdue = query_param(
            &query,
            "overdue",
            |v| v.parse::<bool>().ok(),
            "invalid_filter",
        )?
        .unwrap_or(false);
        let (after, limit) = (after(&query)?, parse_limit(&query)?);
        let page = service::queue(
            &req.state,
            &who.account,
            &organisation,
            overdue,
            after,
            limit,
        )
        .await?;
        list_answer(&req, &page).await
    })
    .await
}
