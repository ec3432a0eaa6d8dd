//! Moderators: the queue with likely duplicates, decisions (one, or many at once), appeals,
//! and reported comments. Authors: their appeal.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::cursor::{encode_cursor, parse_limit};
use veche_core::web::precondition::parse_if_match;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CsrfHeader, Guarded, VersionHeaders};

use super::discussion::comment_cursor;
use super::ideas::idea_response;
use super::inputs::{AppealDecisionInput, AppealInput, BulkDecisionInput, BulkResult, KeepInput};
use super::{comment_id, finish, idea_id, keyed_cursor, Body};
use crate::model::{IdeaId, ProjectId};
use crate::rules::DecisionInput;
use crate::service::{self, Ideas};
use crate::views::{CommentList, CommentView, IdeaView, QueueItemView, QueueList};

/// The ideas waiting for a moderator, longest waiting first, each with its likely duplicates
/// (best first, with a score); the queue's size and its oldest idea's wait.
#[utoipa::path(get, path = "/api/v1/moderation/ideas", tag = "ideas",
    params(("project" = Option<String>, Query, description = "One project's queue (default: all)"),
        ("limit" = Option<usize>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = QueueList), Guarded,
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn queue(ctx: Ctx, ideas: Arc<Ideas>, query: HashMap<String, String>) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let limit = parse_limit(&query)?;
        let project =
            match query.get("project").filter(|p| !p.is_empty()) {
                None => None,
                Some(raw) => Some(ProjectId::parse(raw).ok_or_else(|| {
                    Problem::bad_request("invalid_filter").with("field", "project")
                })?),
            };
        let after = super::cursor_after(&query, IdeaId::parse)?;
        let page = service::queue(&ideas, &who.account, project.as_ref(), after, limit).await?;
        let now = clock::now();
        Ok(respond::json(
            StatusCode::OK,
            &QueueList {
                items: page
                    .items
                    .iter()
                    .map(|i| QueueItemView::new(i, &who.account))
                    .collect(),
                next_cursor: page.next.map(|(key, id)| keyed_cursor(key, id.as_str())),
                waiting: page.stats.waiting,
                oldest: page.stats.oldest,
                oldest_age_seconds: page.stats.oldest.map(|o| (now - o).whole_seconds()),
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// A moderator's decision on an idea: `approve`, `reject` (with a reason), `send_back`
/// (with a note) or `merge` (`into` another idea of the project). Name the version decided in
/// `If-Match`: of two moderators deciding at once, the second is told `version_conflict`.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/decision", tag = "ideas",
    request_body = DecisionInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn decide(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
    body: Body<DecisionInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let input = body?;
        let idea = service::decide(
            &ctx.platform,
            &ideas,
            &who.account,
            &idea_id(&id)?,
            expected,
            &input,
        )
        .await?;
        Ok(idea_response(&ctx, StatusCode::OK, &idea, None))
    }
    .await;
    finish(&ctx, result)
}

/// Approves or rejects up to 100 ideas at once, each at the version the moderator saw; each
/// idea's outcome is reported on its own.
#[utoipa::path(post, path = "/api/v1/moderation/ideas/decisions", tag = "ideas",
    request_body = BulkDecisionInput,
    params(CsrfHeader),
    responses((status = 200, body = Vec<BulkResult>), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn decide_many(
    ctx: Ctx,
    ideas: Arc<Ideas>,
    body: Body<BulkDecisionInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        let items = input
            .ideas
            .iter()
            .map(|i| {
                IdeaId::parse(&i.id)
                    .map(|id| (id, i.version))
                    .ok_or_else(|| Problem::bad_request("invalid_id").with("field", "ideas"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let decision = DecisionInput {
            action: input.action.clone(),
            reason: input.reason.clone(),
            note: input.note.clone(),
            into: None,
        };
        let outcomes =
            service::decide_many(&ctx.platform, &ideas, &who.account, &items, &decision).await?;
        let results: Vec<BulkResult> = outcomes
            .into_iter()
            .map(|o| match o.result {
                Ok(idea) => BulkResult {
                    id: o.id.to_string(),
                    status: 200,
                    code: None,
                    idea: Some(IdeaView::new(&idea, Some(&who.account), None)),
                },
                Err(e) => {
                    let p = e.problem();
                    BulkResult {
                        id: o.id.to_string(),
                        status: p.status.as_u16(),
                        code: Some(p.code.to_string()),
                        idea: None,
                    }
                }
            })
            .collect();
        Ok(respond::json(StatusCode::OK, &results))
    }
    .await;
    finish(&ctx, result)
}

/// The author's appeal against a rejection, once per idea; another moderator decides it.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/appeal", tag = "ideas",
    request_body = AppealInput,
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = IdeaView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn appeal(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    body: Body<AppealInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        let idea = service::appeal(&ideas, &who.account, &idea_id(&id)?, &input.text).await?;
        Ok(idea_response(&ctx, StatusCode::OK, &idea, None))
    }
    .await;
    finish(&ctx, result)
}

/// A moderator other than the one who rejected the idea decides the appeal.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/appeal/decision", tag = "ideas",
    request_body = AppealDecisionInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn decide_appeal(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
    body: Body<AppealDecisionInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let input = body?;
        let idea = service::decide_appeal(
            &ctx.platform,
            &ideas,
            &who.account,
            &idea_id(&id)?,
            expected,
            input.overturn,
        )
        .await?;
        Ok(idea_response(&ctx, StatusCode::OK, &idea, None))
    }
    .await;
    finish(&ctx, result)
}

/// Reported comments no moderator has looked at yet, oldest first.
#[utoipa::path(get, path = "/api/v1/moderation/idea-comments", tag = "ideas",
    params(("limit" = Option<usize>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = CommentList), Guarded,
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn reported_comments(
    ctx: Ctx,
    ideas: Arc<Ideas>,
    query: HashMap<String, String>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let limit = parse_limit(&query)?;
        let after = comment_cursor(&query)?;
        let mut page =
            service::reported_comments(&ideas, &who.account, after.as_ref(), limit + 1).await?;
        let next = if page.len() > limit {
            page.truncate(limit);
            page.last().map(|c| encode_cursor(c.id.as_str()))
        } else {
            None
        };
        Ok(respond::json(
            StatusCode::OK,
            &CommentList {
                items: page
                    .iter()
                    .map(|c| CommentView::new(c, Some(&who.account)))
                    .collect(),
                next_cursor: next,
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// A moderator keeps a reported comment (shown again) or removes it.
#[utoipa::path(post, path = "/api/v1/idea-comments/{id}/moderation", tag = "ideas",
    request_body = KeepInput,
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = CommentView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn moderate_comment(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    body: Body<KeepInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        let comment = service::moderate_comment(
            &ctx.platform,
            &ideas,
            &who.account,
            &comment_id(&id)?,
            input.keep,
        )
        .await?;
        Ok(respond::json(
            StatusCode::OK,
            &CommentView::new(&comment, Some(&who.account)),
        ))
    }
    .await;
    finish(&ctx, result)
}
