//! Comments on an idea: read, write (one level of replies), report an abusive one.

use std::collections::HashMap;

use serde_json::json;
use warp::reply::Response;

use veche_core::web::cursor::{after, parse_limit, split_page};
use veche_core::web::idempotency::Outcome;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CreateHeaders, CsrfHeader, Guarded, Limited, Paging};

use super::{comment_id, create, idea_id, viewer, Req};
use crate::model::{Comment, CommentId};
use crate::rules::CommentInput;
use crate::service;
use crate::views::{CommentList, CommentView};
use crate::IdeasLimit;

/// The `cursor` of a comments page: the last comment's id.
pub(super) fn comment_cursor(
    query: &HashMap<String, String>,
) -> Result<Option<CommentId>, Problem> {
    after(query, CommentId::parse)
}

/// A page of comments fetched with one more than `limit`, as the API shows them to `viewer`.
pub(super) fn comment_list(
    page: Vec<Comment>,
    limit: usize,
    viewer: Option<&veche_core::accounts::model::Account>,
) -> CommentList {
    let (page, next_cursor) = split_page(page, limit, |c| c.id.to_string());
    CommentList {
        items: page.iter().map(|c| CommentView::new(c, viewer)).collect(),
        next_cursor,
    }
}

/// An idea's comments, oldest first; a hidden or removed comment keeps its place without its
/// text.
#[utoipa::path(get, path = "/api/v1/ideas/{id}/comments", tag = "ideas",
    params(("id" = String, Path), Paging),
    responses((status = 200, body = CommentList),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_comments(id: String, req: Req) -> Response {
    req.answer(async {
        let query = req.query()?;
        let limit = parse_limit(&query)?;
        let after = comment_cursor(&query)?;
        let (viewer, idea) = (viewer(&req), idea_id(&id)?);
        let page = service::comments(&req.state, viewer, &idea, after.as_ref(), limit + 1).await?;
        Ok(respond::ok(&comment_list(page, limit, viewer)))
    })
    .await
}

/// A comment on an approved idea (proposals to review), or a reply to a top-level comment.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/comments", tag = "ideas",
    request_body = CommentInput,
    params(("id" = String, Path),
        CreateHeaders),
    responses((status = 201, description = "Posted; `Location`", body = CommentView),
        Guarded, Change, Limited))]
pub async fn post_comment(id: String, req: Req<CommentInput>) -> Response {
    let at = ("ideas.comment", IdeasLimit::Comment, idea_id(&id));
    create(&req, at, |req, who, idea, input| async move {
        let comment = service::comment(&req.state, who, &idea, input).await?;
        Ok(Outcome::created(
            format!("/api/v1/ideas/{idea}/comments"),
            json!(CommentView::new(&comment, Some(who))),
        ))
    })
    .await
}

/// Reports a comment as abusive (once per resident); three reports hide it until a moderator
/// decides.
#[utoipa::path(post, path = "/api/v1/idea-comments/{id}/reports", tag = "ideas",
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = CommentView), Guarded, Limited,
        (status = 422, description = "`validation_failed`: `comment`/`already_reported`, `comment`/`own_comment`", body = ProblemDocument)))]
pub async fn report_comment(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        service::admit(&req.platform.limits, IdeasLimit::Report, &who.account)?;
        let comment = service::report(&req.state, &who.account, &comment_id(&id)?).await?;
        Ok(respond::ok(&CommentView::new(&comment, Some(&who.account))))
    })
    .await
}
