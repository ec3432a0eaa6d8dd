//! Projects: list, create, read, replace, publish, set experts, and the public moderation log.

use serde_json::json;
use warp::reply::Response;

use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::platform::Ctx;
use veche_core::web::cursor::parse_limit;
use veche_core::web::idempotency::Outcome;
use veche_core::web::precondition::set_etag;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{
    Change, CreateHeaders, Guarded, Paging, SignedIn, VersionHeaders,
};

use super::inputs::{ExpertsInput, LogView};
use super::{change, keyed_cursor, project_id, viewer, Req};
use crate::model::{Project, ProjectId};
use crate::rules::ProjectInput;
use crate::service;
use crate::views::{ProjectList, ProjectView};

/// A project as the API shows it, its version as the `ETag`.
pub(super) fn project_response(ctx: &Ctx, project: &Project) -> Response {
    let mut response = respond::ok(&ProjectView::new(project, viewer(ctx), clock::now()));
    set_etag(&mut response, project.version);
    response
}

/// The projects the caller may see, newest first (drafts for those who run them).
#[utoipa::path(get, path = "/api/v1/idea-projects", tag = "ideas",
    params(Paging),
    responses((status = 200, body = ProjectList),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_projects(req: Req) -> Response {
    req.answer(async {
        let query = req.query()?;
        let limit = parse_limit(&query)?;
        let after = super::cursor_after(&query, ProjectId::parse)?;
        let (page, next) = service::projects(&req.state, viewer(&req), after, limit).await?;
        let now = clock::now();
        Ok(respond::ok(&ProjectList {
            items: page
                .iter()
                .map(|p| ProjectView::new(p, viewer(&req), now))
                .collect(),
            next_cursor: next.map(|(key, id)| keyed_cursor(key, id.as_str())),
        }))
    })
    .await
}

/// Creates a draft project (officials and admins), run by the creator's organisation.
#[utoipa::path(post, path = "/api/v1/idea-projects", tag = "ideas",
    request_body = ProjectInput,
    params(CreateHeaders),
    responses((status = 201, description = "Created; `Location` and `ETag`", body = ProjectView),
        SignedIn, Change,
        (status = 403, description = "`forbidden`: not an official or admin", body = ProblemDocument)))]
pub async fn create_project(req: Req<ProjectInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        req.once("ideas.project.create", || async {
            let project =
                service::create_project(&req.platform, &req.state, &who.account, input).await?;
            Ok(Outcome::created(
                format!("/api/v1/idea-projects/{}", project.id),
                json!(ProjectView::new(&project, Some(&who.account), clock::now())),
            ))
        })
        .await
    })
    .await
}

/// A project. Drafts are visible only to those who run them.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, description = "`ETag` holds the version", body = ProjectView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_project(id: String, req: Req) -> Response {
    req.answer(async {
        let project = service::project(&req.state, viewer(&req), &project_id(&id)?).await?;
        Ok(project_response(&req, &project))
    })
    .await
}

/// Replaces what a project says (those who run it), until its proposals open. `If-Match`
/// names the version edited.
#[utoipa::path(put, path = "/api/v1/idea-projects/{id}", tag = "ideas",
    request_body = ProjectInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = ProjectView), Guarded, Change))]
pub async fn replace_project(id: String, req: Req<ProjectInput>) -> Response {
    change(&req, |req, who, expected, input| async move {
        let id = project_id(&id)?;
        Ok(service::update_project(&req.platform, &req.state, who, &id, expected, input).await?)
    })
    .await
}

/// Publishes a draft project: residents see it and its stages follow the clock.
#[utoipa::path(post, path = "/api/v1/idea-projects/{id}/publication", tag = "ideas",
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = ProjectView), Guarded,
        (status = 409, description = "`already_published`, `version_conflict`", body = ProblemDocument)))]
pub async fn publish_project(id: String, req: Req) -> Response {
    change(&req, |req, who, expected, _| async move {
        let id = project_id(&id)?;
        Ok(service::publish_project(&req.platform, &req.state, who, &id, expected).await?)
    })
    .await
}

/// Sets the project's experts (accounts holding the expert role).
#[utoipa::path(put, path = "/api/v1/idea-projects/{id}/experts", tag = "ideas",
    request_body = ExpertsInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = ProjectView), Guarded, Change))]
pub async fn set_experts(id: String, req: Req<ExpertsInput>) -> Response {
    change(&req, |req, who, expected, input| async move {
        let experts = input
            .experts
            .iter()
            .map(|raw| {
                AccountId::parse(raw).ok_or_else(|| {
                    Problem::invalid(crate::rules::Refused::new("experts", "unknown_account"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let id = project_id(&id)?;
        Ok(service::set_experts(&req.platform, &req.state, who, &id, expected, &experts).await?)
    })
    .await
}

/// The project's public moderation log: decisions by action, rejections by reason, and both
/// by day. No idea, author or moderator is named.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/moderation-log", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, body = LogView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn moderation_log(id: String, req: Req) -> Response {
    req.answer(async {
        let summary = service::moderation_log(&req.state, viewer(&req), &project_id(&id)?).await?;
        Ok(respond::ok(&LogView::from(summary)))
    })
    .await
}
