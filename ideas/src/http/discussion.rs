//! Comments on an idea: read, write (one level of replies), report an abusive one.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use veche_core::platform::Ctx;
use veche_core::web::cursor::{decode_cursor, encode_cursor, parse_limit};
use veche_core::web::idempotency::{self, Outcome};
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CreateHeaders, CsrfHeader, Guarded, Limited};

use super::{comment_id, finish, idea_id, viewer, Body};
use crate::model::CommentId;
use crate::rules::CommentInput;
use crate::service::{self, Ideas};
use crate::views::{CommentList, CommentView};
use crate::IdeasLimit;

/// The `cursor` of a comments page: the last comment's id.
pub(super) fn comment_cursor(
    query: &HashMap<String, String>,
) -> Result<Option<CommentId>, Problem> {
    match query.get("cursor").filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(raw) => CommentId::parse(&decode_cursor(raw)?)
            .map(Some)
            .ok_or_else(|| Problem::bad_request("invalid_cursor").with("field", "cursor")),
    }
}

/// An idea's comments, oldest first; a hidden or removed comment keeps its place without its
/// text.
#[utoipa::path(get, path = "/api/v1/ideas/{id}/comments", tag = "ideas",
    params(("id" = String, Path), ("limit" = Option<usize>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = CommentList),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_comments(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    query: HashMap<String, String>,
) -> Response {
    let result = async {
        let limit = parse_limit(&query)?;
        let after = comment_cursor(&query)?;
        let mut page = service::comments(
            &ideas,
            viewer(&ctx),
            &idea_id(&id)?,
            after.as_ref(),
            limit + 1,
        )
        .await?;
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
                    .map(|c| CommentView::new(c, viewer(&ctx)))
                    .collect(),
                next_cursor: next,
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// A comment on an approved idea (proposals to review), or a reply to a top-level comment.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/comments", tag = "ideas",
    request_body = CommentInput,
    params(("id" = String, Path),
        CreateHeaders),
    responses((status = 201, description = "Posted; `Location`", body = CommentView),
        Guarded, Change, Limited),
    security(("session" = []), ("bearer" = [])))]
pub async fn post_comment(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    key: Option<String>,
    body: Body<CommentInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let idea = idea_id(&id)?;
        let input = body?;
        idempotency::once(&ctx, "ideas.comment", key, &raw, || async {
            service::admit(&ctx.platform.limits, IdeasLimit::Comment, &who.account)?;
            let comment = service::comment(&ideas, &who.account, &idea, &input).await?;
            Ok(Outcome::created(
                format!("/api/v1/ideas/{}/comments", idea),
                json!(CommentView::new(&comment, Some(&who.account))),
            ))
        })
        .await
    }
    .await;
    finish(&ctx, result)
}

/// Reports a comment as abusive (once per resident); three reports hide it until a moderator
/// decides.
#[utoipa::path(post, path = "/api/v1/idea-comments/{id}/reports", tag = "ideas",
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = CommentView), Guarded, Limited,
        (status = 422, description = "`validation_failed`: `comment`/`already_reported`, `comment`/`own_comment`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn report_comment(id: String, ctx: Ctx, ideas: Arc<Ideas>) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        service::admit(&ctx.platform.limits, IdeasLimit::Report, &who.account)?;
        let comment = service::report(&ideas, &who.account, &comment_id(&id)?).await?;
        Ok(respond::json(
            StatusCode::OK,
            &CommentView::new(&comment, Some(&who.account)),
        ))
    }
    .await;
    finish(&ctx, result)
}
