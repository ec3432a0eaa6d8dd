//! Moderators: the queue with likely duplicates, decisions (one, or many at once), appeals,
//! and reported comments. Authors: their appeal.

use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::web::cursor::parse_limit;
use veche_core::web::input::query_param;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CsrfHeader, Guarded, Paging, VersionHeaders};

use super::discussion::{comment_cursor, comment_list};
use super::ideas::idea_response;
use super::inputs::{AppealDecisionInput, AppealInput, BulkDecisionInput, BulkResult, KeepInput};
use super::{change, comment_id, idea_id, keyed_cursor, Req};
use crate::model::{IdeaId, ProjectId};
use crate::rules::DecisionInput;
use crate::service;
use crate::views::{CommentList, CommentView, IdeaView, QueueItemView, QueueList};

/// The ideas waiting for a moderator, longest waiting first, each with its likely duplicates
/// (best first, with a score); the queue's size and its oldest idea's wait.
#[utoipa::path(get, path = "/api/v1/moderation/ideas", tag = "ideas",
    params(("project" = Option<String>, Query, description = "One project's queue (default: all)"),
        Paging),
    responses((status = 200, body = QueueList), Guarded,
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)))]
pub async fn queue(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let query = req.query()?;
        let limit = parse_limit(&query)?;
        let project = query_param(&query, "project", ProjectId::parse, "invalid_filter")?;
        let after = super::cursor_after(&query, IdeaId::parse)?;
        let page = service::queue(&req.state, &who.account, project.as_ref(), after, limit).await?;
        let now = clock::now();
        Ok(respond::ok(&QueueList {
            items: page
                .items
                .iter()
                .map(|i| QueueItemView::new(i, &who.account))
                .collect(),
            next_cursor: page.next.map(|(key, id)| keyed_cursor(key, id.as_str())),
            waiting: page.stats.waiting,
            oldest: page.stats.oldest,
            oldest_age_seconds: page.stats.oldest.map(|o| (now - o).whole_seconds()),
        }))
    })
    .await
}

/// A moderator's decision on an idea: `approve`, `reject` (with a reason), `send_back`
/// (with a note) or `merge` (`into` another idea of the project). Name the version decided in
/// `If-Match`: of two moderators deciding at once, the second is told `version_conflict`.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/decision", tag = "ideas",
    request_body = DecisionInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change))]
pub async fn decide(id: String, req: Req<DecisionInput>) -> Response {
    change(&req, |req, who, expected, input| async move {
        Ok(service::decide(
            &req.platform,
            &req.state,
            who,
            &idea_id(&id)?,
            expected,
            input,
        )
        .await?)
    })
    .await
}

/// Approves or rejects up to 100 ideas at once, each at the version the moderator saw; each
/// idea's outcome is reported on its own.
#[utoipa::path(post, path = "/api/v1/moderation/ideas/decisions", tag = "ideas",
    request_body = BulkDecisionInput,
    params(CsrfHeader),
    responses((status = 200, body = Vec<BulkResult>), Guarded, Change))]
pub async fn decide_many(req: Req<BulkDecisionInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
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
            service::decide_many(&req.platform, &req.state, &who.account, &items, &decision)
                .await?;
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
        Ok(respond::ok(&results))
    })
    .await
}

/// The author's appeal against a rejection, once per idea; another moderator decides it.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/appeal", tag = "ideas",
    request_body = AppealInput,
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = IdeaView), Guarded, Change))]
pub async fn appeal(id: String, req: Req<AppealInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        let idea = service::appeal(&req.state, &who.account, &idea_id(&id)?, &input.text).await?;
        Ok(idea_response(&req, StatusCode::OK, &idea, None))
    })
    .await
}

/// A moderator other than the one who rejected the idea decides the appeal.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/appeal/decision", tag = "ideas",
    request_body = AppealDecisionInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change))]
pub async fn decide_appeal(id: String, req: Req<AppealDecisionInput>) -> Response {
    change(&req, |req, who, expected, input| async move {
        let (id, overturn) = (idea_id(&id)?, input.overturn);
        Ok(service::decide_appeal(&req.platform, &req.state, who, &id, expected, overturn).await?)
    })
    .await
}

/// Reported comments no moderator has looked at yet, oldest first.
#[utoipa::path(get, path = "/api/v1/moderation/idea-comments", tag = "ideas",
    params(Paging),
    responses((status = 200, body = CommentList), Guarded,
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)))]
pub async fn reported_comments(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let query = req.query()?;
        let limit = parse_limit(&query)?;
        let after = comment_cursor(&query)?;
        let page =
            service::reported_comments(&req.state, &who.account, after.as_ref(), limit + 1).await?;
        Ok(respond::ok(&comment_list(page, limit, Some(&who.account))))
    })
    .await
}

/// A moderator keeps a reported comment (shown again) or removes it.
#[utoipa::path(post, path = "/api/v1/idea-comments/{id}/moderation", tag = "ideas",
    request_body = KeepInput,
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = CommentView), Guarded, Change))]
pub async fn moderate_comment(id: String, req: Req<KeepInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let (keep, id) = (req.input()?.keep, comment_id(&id)?);
        let comment =
            service::moderate_comment(&req.platform, &req.state, &who.account, &id, keep).await?;
        Ok(respond::ok(&CommentView::new(&comment, Some(&who.account))))
    })
    .await
}
