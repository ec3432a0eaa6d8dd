//! A poll's life: create, read, replace and delete a draft; schedule, unschedule, close and
//! publish it.

use std::sync::atomic::{AtomicU64, Ordering};

use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use veche_core::accounts::model::{Account, Invalid};
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::api::Optional;
use veche_core::web::idempotency::Outcome;
use veche_core::web::precondition::set_etag;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;

use super::common::{parse_id, poll_response, visible, Req};
use super::inputs::{CloseInput, PublicationInput};
use super::responses::Managed;
use super::REASON_MAX;
use crate::model::PollId;
use crate::rules::{self, PollInput};
use crate::service::{self, Plan, PollError, Polls};
use crate::views::PollView;
use veche_core::web::responses::{CreateHeaders, CsrfHeader, VersionHeaders};

/// Creates a draft (officials and admins). The draft belongs to the official's organisation.
#[utoipa::path(post, path = "/api/v1/polls", tag = "polls",
    request_body = PollInput,
    params(CreateHeaders),
    responses((status = 201, description = "Created; `Location` and `ETag` headers", body = PollView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`, `invalid_idempotency_key`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`: not an official or admin; missing CSRF token", body = ProblemDocument),
        (status = 409, description = "`idempotency_in_progress`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large` (256 KiB)", body = ProblemDocument),
        (status = 422, description = "`validation_failed` with `field`, `reason` and `at` (e.g. `questions[1].options`); `idempotency_key_reused`", body = ProblemDocument)))]
pub async fn create_poll(req: Req<PollInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        if !rules::is_official(&who.account) {
            return Err(Problem::forbidden());
        }
        let input = req.input()?;
        // A new poll's version is 1; a replayed creation is that same first version.
        let version = AtomicU64::new(1);
        let mut response = req
            .once("polls.create", || async {
                let poll = service::create(&req.platform, &req.state, &who.account, input)
                    .await
                    .map_err(PollError::problem)?;
                version.store(poll.version, Ordering::Relaxed);
                tracing::info!(poll = %poll.id, "poll created");
                Ok(Outcome::created(
                    format!("/api/v1/polls/{}", poll.id),
                    json!(PollView::new(&poll, clock::now())),
                ))
            })
            .await?;
        if response.status() == StatusCode::CREATED {
            set_etag(&mut response, version.load(Ordering::Relaxed));
        }
        Ok(response)
    })
    .await
}

/// A poll. Drafts are visible only to those who manage them.
#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "`ETag` holds the version", body = PollView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_poll(id: String, req: Req) -> Response {
    req.answer(async {
        let poll = visible(&req.state, &req, &id).await?;
        Ok(poll_response(StatusCode::OK, &poll))
    })
    .await
}

/// Replaces a poll's contents (those who manage it). Name the version you edited in `If-Match`.
/// Once the first ballot is in, questions, audience and points are frozen; an open poll keeps
/// its opening time; a closed poll is not edited.
#[utoipa::path(put, path = "/api/v1/polls/{id}", tag = "polls",
    request_body = PollInput,
    params(("id" = String, Path),
        ("If-Match" = String, Header, description = "The version edited, as in the `ETag` (`\"3\"` or `3`)"),
        CsrfHeader),
    responses((status = 200, description = "`ETag` holds the new version", body = PollView),
        (status = 400, description = "`invalid_header` (If-Match not a version), `invalid_json`, `invalid_type`, `unknown_field`, `missing_field`", body = ProblemDocument),
        Managed,
        (status = 409, description = "`version_conflict`, `poll_closed`, `questions_frozen`, `already_open`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large`", body = ProblemDocument),
        (status = 422, description = "`validation_failed` with `field` and `reason`", body = ProblemDocument),
        (status = 428, description = "`precondition_required`: no If-Match", body = ProblemDocument)))]
pub async fn replace_poll(id: String, req: Req<PollInput>) -> Response {
    req.answer(change_poll(&id, &req, &req.state, Change::Replace(&req)))
        .await
}

/// Deletes a draft. Name its version in `If-Match`.
#[utoipa::path(delete, path = "/api/v1/polls/{id}", tag = "polls",
    params(("id" = String, Path),
        ("If-Match" = String, Header, description = "The draft's version"),
        CsrfHeader),
    responses((status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_header`", body = ProblemDocument),
        Managed,
        (status = 409, description = "`not_a_draft`, `version_conflict`", body = ProblemDocument),
        (status = 428, description = "`precondition_required`", body = ProblemDocument)))]
pub async fn delete_poll(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let id = parse_id(&id)?;
        let expected = req.required_version()?;
        service::delete(&req.platform, &req.state, &who.account, &id, expected)
            .await
            .map_err(PollError::problem)?;
        Ok(respond::no_content())
    })
    .await
}

/// A change to a poll those who manage it make, with the request that asks for it.
enum Change<'a> {
    Replace(&'a Req<PollInput>),
    /// Into the schedule or out of it, from the version in `If-Match` (default: the current).
    Plan(Plan, &'a Req),
    Close(&'a Req<Optional<CloseInput>>),
    Publish(&'a Req<PublicationInput>),
}

/// Makes `change` to poll `id` as the signed-in caller, and answers with the poll changed and
/// its new version as the `ETag`.
async fn change_poll(
    id: &str,
    ctx: &Ctx,
    polls: &Polls,
    change: Change<'_>,
) -> Result<Response, Problem> {
    let who = ctx.signed_in()?;
    let id = parse_id(id)?;
    let (platform, account) = (&ctx.platform, &who.account);
    let poll = match change {
        Change::Replace(req) => {
            let expected = req.required_version()?;
            let input = req.input()?;
            service::update(platform, polls, account, &id, expected, input).await
        }
        Change::Plan(plan, req) => {
            let expected = expected_version(polls, account, &id, req.version()?).await?;
            service::apply_plan(platform, polls, account, &id, expected, plan).await
        }
        Change::Close(req) => {
            let reason = close_reason(req.input()?.0.as_ref())?;
            service::close(platform, polls, account, &id, reason).await
        }
        Change::Publish(req) => {
            let input = req.input()?;
            service::publish(platform, polls, account, &id, &input.decision).await
        }
    }
    .map_err(PollError::problem)?;
    Ok(poll_response(StatusCode::OK, &poll))
}

/// The version a state change starts from: `If-Match` when given, else the current one.
async fn expected_version(
    polls: &Polls,
    who: &Account,
    id: &PollId,
    if_match: Option<u64>,
) -> Result<u64, Problem> {
    match if_match {
        Some(v) => Ok(v),
        None => Ok(service::managed(polls, who, id)
            .await
            .map_err(PollError::problem)?
            .version),
    }
}

/// Schedules a draft: it opens by itself at `opens_at` and closes at `closes_at`.
#[utoipa::path(post, path = "/api/v1/polls/{id}/schedule", tag = "polls",
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_header`", body = ProblemDocument),
        Managed,
        (status = 409, description = "`not_a_draft`, `version_conflict`", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `questions`/`required`, `opens_at`/`schedule_required`, `closes_at`/`in_the_past`", body = ProblemDocument)))]
pub async fn schedule_poll(id: String, req: Req) -> Response {
    plan_poll(&id, &req, Plan::Schedule).await
}

/// Moves a scheduled poll that has not opened yet back to drafts.
#[utoipa::path(post, path = "/api/v1/polls/{id}/unschedule", tag = "polls",
    params(("id" = String, Path), VersionHeaders),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_header`", body = ProblemDocument),
        Managed,
        (status = 409, description = "`not_scheduled`, `version_conflict`", body = ProblemDocument)))]
pub async fn unschedule_poll(id: String, req: Req) -> Response {
    plan_poll(&id, &req, Plan::Unschedule).await
}

/// Moves poll `id` into the schedule or out of it ([`Change::Plan`]).
async fn plan_poll(id: &str, req: &Req, plan: Plan) -> Response {
    req.answer(change_poll(id, req, &req.state, Change::Plan(plan, req)))
        .await
}

/// The reason for closing early: trimmed, at most [`REASON_MAX`] characters, no control
/// characters but line breaks; empty means none.
pub(super) fn close_reason(input: Option<&CloseInput>) -> Result<Option<String>, Problem> {
    let Some(raw) = input.and_then(|i| i.reason.as_ref()) else {
        return Ok(None);
    };
    let text = raw.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > REASON_MAX {
        return Err(Problem::invalid(Invalid::new("reason", "too_long"))
            .with_detail("invalid-close_reason-too_long"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Problem::invalid(Invalid::new(
            "reason",
            "invalid_characters",
        )));
    }
    Ok(Some(text))
}

/// Closes an open poll now. It is sealed (final counts, Merkle root) once the ballots in flight
/// are in. The reason, if any, goes to the audit log.
#[utoipa::path(post, path = "/api/v1/polls/{id}/close", tag = "polls",
    request_body(content = Option<CloseInput>, description = "Optional"),
    params(("id" = String, Path), CsrfHeader),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`", body = ProblemDocument),
        Managed,
        (status = 409, description = "`not_open`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large`", body = ProblemDocument),
        (status = 415, description = "`unsupported_media_type`: a body that is not JSON", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `reason`/`too_long` (over 1000 characters), `reason`/`invalid_characters`", body = ProblemDocument)))]
pub async fn close_poll(id: String, req: Req<Optional<CloseInput>>) -> Response {
    req.answer(change_poll(&id, &req, &req.state, Change::Close(&req)))
        .await
}

/// Publishes a closed poll's results with what the city decided, or updates that text later.
#[utoipa::path(post, path = "/api/v1/polls/{id}/publication", tag = "polls",
    request_body = PublicationInput,
    params(("id" = String, Path), CsrfHeader),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`", body = ProblemDocument),
        Managed,
        (status = 409, description = "`not_closed`, `not_sealed_yet`, `version_conflict`", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `decision`/`required`, `decision`/`too_long`", body = ProblemDocument)))]
pub async fn publish_poll(id: String, req: Req<PublicationInput>) -> Response {
    req.answer(change_poll(&id, &req, &req.state, Change::Publish(&req)))
        .await
}
