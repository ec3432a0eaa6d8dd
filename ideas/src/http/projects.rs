//! Projects: list, create, read, replace, publish, set experts, and the public moderation log.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::platform::Ctx;
use veche_core::web::cursor::parse_limit;
use veche_core::web::idempotency::{self, Outcome};
use veche_core::web::precondition::{parse_if_match, set_etag};
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{Change, CreateHeaders, Guarded, SignedIn, VersionHeaders};

use super::inputs::{ExpertsInput, LogView};
use super::{finish, keyed_cursor, project_id, viewer, Body};
use crate::model::{Project, ProjectId};
use crate::rules::ProjectInput;
use crate::service::{self, Ideas};
use crate::views::{ProjectList, ProjectView};

/// A project as the API shows it, its version as the `ETag`.
pub(super) fn project_response(ctx: &Ctx, status: StatusCode, project: &Project) -> Response {
    let mut response = respond::json(
        status,
        &ProjectView::new(project, viewer(ctx), clock::now()),
    );
    set_etag(&mut response, project.version);
    response
}

/// The projects the caller may see, newest first (drafts for those who run them).
#[utoipa::path(get, path = "/api/v1/idea-projects", tag = "ideas",
    params(("limit" = Option<usize>, Query, description = "1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = ProjectList),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_projects(
    ctx: Ctx,
    ideas: Arc<Ideas>,
    query: HashMap<String, String>,
) -> Response {
    let result = async {
        let limit = parse_limit(&query)?;
        let after = super::cursor_after(&query, ProjectId::parse)?;
        let (page, next) = service::projects(&ideas, viewer(&ctx), after, limit).await?;
        let now = clock::now();
        Ok(respond::json(
            StatusCode::OK,
            &ProjectList {
                items: page
                    .iter()
                    .map(|p| ProjectView::new(p, viewer(&ctx), now))
                    .collect(),
                next_cursor: next.map(|(key, id)| keyed_cursor(key, id.as_str())),
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// Creates a draft project (officials and admins), run by the creator's organisation.
#[utoipa::path(post, path = "/api/v1/idea-projects", tag = "ideas",
    request_body = ProjectInput,
    params(CreateHeaders),
    responses((status = 201, description = "Created; `Location` and `ETag`", body = ProjectView),
        SignedIn, Change,
        (status = 403, description = "`forbidden`: not an official or admin", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_project(
    ctx: Ctx,
    ideas: Arc<Ideas>,
    key: Option<String>,
    body: Body<ProjectInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        idempotency::once(&ctx, "ideas.project.create", key, &raw, || async {
            let project =
                service::create_project(&ctx.platform, &ideas, &who.account, &input).await?;
            Ok(Outcome::created(
                format!("/api/v1/idea-projects/{}", project.id),
                json!(ProjectView::new(&project, Some(&who.account), clock::now())),
            ))
        })
        .await
    }
    .await;
    finish(&ctx, result)
}

/// A project. Drafts are visible only to those who run them.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, description = "`ETag` holds the version", body = ProjectView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_project(id: String, ctx: Ctx, ideas: Arc<Ideas>) -> Response {
    let result = async {
        let project = service::project(&ideas, viewer(&ctx), &project_id(&id)?).await?;
        Ok(project_response(&ctx, StatusCode::OK, &project))
    }
    .await;
    finish(&ctx, result)
}

/// Replaces what a project says (those who run it), until its proposals open. `If-Match`
/// names the version edited.
#[utoipa::path(put, path = "/api/v1/idea-projects/{id}", tag = "ideas",
    request_body = ProjectInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = ProjectView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn replace_project(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
    body: Body<ProjectInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let input = body?;
        let project = service::update_project(
            &ctx.platform,
            &ideas,
            &who.account,
            &project_id(&id)?,
            expected,
            &input,
        )
        .await?;
        Ok(project_response(&ctx, StatusCode::OK, &project))
    }
    .await;
    finish(&ctx, result)
}

/// Publishes a draft project: residents see it and its stages follow the clock.
#[utoipa::path(post, path = "/api/v1/idea-projects/{id}/publication", tag = "ideas",
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = ProjectView), Guarded,
        (status = 409, description = "`already_published`, `version_conflict`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn publish_project(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let project = service::publish_project(
            &ctx.platform,
            &ideas,
            &who.account,
            &project_id(&id)?,
            expected,
        )
        .await?;
        Ok(project_response(&ctx, StatusCode::OK, &project))
    }
    .await;
    finish(&ctx, result)
}

/// Sets the project's experts (accounts holding the expert role).
#[utoipa::path(put, path = "/api/v1/idea-projects/{id}/experts", tag = "ideas",
    request_body = ExpertsInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = ProjectView), Guarded, Change),
    security(("session" = []), ("bearer" = [])))]
pub async fn set_experts(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    if_match: Option<String>,
    body: Body<ExpertsInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let expected = parse_if_match(if_match.as_deref())?;
        let input = body?;
        let experts = input
            .experts
            .iter()
            .map(|raw| {
                AccountId::parse(raw).ok_or_else(|| {
                    Problem::invalid(crate::rules::Refused::new("experts", "unknown_account"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let project = service::set_experts(
            &ctx.platform,
            &ideas,
            &who.account,
            &project_id(&id)?,
            expected,
            &experts,
        )
        .await?;
        Ok(project_response(&ctx, StatusCode::OK, &project))
    }
    .await;
    finish(&ctx, result)
}

/// The project's public moderation log: decisions by action, rejections by reason, and both
/// by day. No idea, author or moderator is named.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/moderation-log", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, body = LogView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn moderation_log(id: String, ctx: Ctx, ideas: Arc<Ideas>) -> Response {
    let result = async {
        let summary = service::moderation_log(&ideas, viewer(&ctx), &project_id(&id)?).await?;
        Ok(respond::json(StatusCode::OK, &LogView::from(summary)))
    }
    .await;
    finish(&ctx, result)
}
