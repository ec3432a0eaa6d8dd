//! Ideas: list and search a project's ideas, submit, read, edit, support and follow one.

use http::{Method, StatusCode};
use serde_json::json;
use warp::reply::Response;

use veche_core::platform::Ctx;
use veche_core::web::idempotency::Outcome;
use veche_core::web::precondition::set_etag;
use veche_core::web::problem::ProblemDocument;
use veche_core::web::respond;
use veche_core::web::responses::{
    Change, CreateHeaders, CsrfHeader, Guarded, Limited, Paging, SignedIn, VersionHeaders,
};

use super::inputs::{list_request, SupportCount};
use super::{change, create, idea_id, keyed_cursor, project_id, viewer, Req};
use crate::model::Idea;
use crate::rules::IdeaInput;
use crate::service;
use crate::views::{IdeaList, IdeaView};
use crate::IdeasLimit;

/// An idea as the API shows it to the caller, its version as the `ETag`.
pub(super) fn idea_response(
    ctx: &Ctx,
    status: StatusCode,
    idea: &Idea,
    supported: Option<bool>,
) -> Response {
    let mut response = respond::json(status, &IdeaView::new(idea, viewer(ctx), supported));
    set_etag(&mut response, idea.version);
    response
}

/// A project's ideas, approved ones by default; filtered by topic, district and words
/// («велодорожки» finds «велодорожку»), newest or most supported first.
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/ideas", tag = "ideas",
    params(("id" = String, Path),
        ("status" = Option<String>, Query, description = "`approved` (default) or `merged`; moderators, those who run the project and authors (`mine=true`) any"),
        ("topic" = Option<String>, Query), ("district" = Option<String>, Query),
        ("q" = Option<String>, Query, description = "Words to find, in any form (up to 200 characters)"),
        ("sort" = Option<String>, Query, description = "`newest` (default) or `supports`"),
        ("mine" = Option<bool>, Query, description = "Only the caller's own ideas"),
        Paging),
    responses((status = 200, body = IdeaList),
        (status = 400, description = "`invalid_filter`, `invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 403, description = "`forbidden`: a status the caller may not list", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_ideas(id: String, req: Req) -> Response {
    req.answer(async {
        let request = list_request(&req.query()?)?;
        let page = service::list(&req.state, viewer(&req), &project_id(&id)?, &request).await?;
        let signed_in = viewer(&req).is_some();
        Ok(respond::ok(&IdeaList {
            items: page
                .ideas
                .iter()
                .map(|i| {
                    let supported = signed_in.then(|| page.supported.contains(&i.id));
                    IdeaView::new(i, viewer(&req), supported)
                })
                .collect(),
            next_cursor: page.next.map(|(key, id)| keyed_cursor(key, id.as_str())),
        }))
    })
    .await
}

/// Submits an idea during the project's proposals stage; it waits for a moderator.
#[utoipa::path(post, path = "/api/v1/idea-projects/{id}/ideas", tag = "ideas",
    request_body = IdeaInput,
    params(("id" = String, Path),
        CreateHeaders),
    responses((status = 201, description = "Submitted; `Location` and `ETag`", body = IdeaView),
        Guarded, Change, Limited))]
pub async fn submit_idea(id: String, req: Req<IdeaInput>) -> Response {
    let at = ("ideas.submit", IdeasLimit::Submit, project_id(&id));
    create(&req, at, |req, who, project, input| async move {
        let idea = service::submit(&req.state, who, &project, input).await?;
        Ok(Outcome::created(
            format!("/api/v1/ideas/{}", idea.id),
            json!(IdeaView::new(&idea, Some(who), Some(false))),
        ))
    })
    .await
}

/// An idea: approved and merged ones for everyone who sees the project; others for their
/// author, moderators and those who run the project.
#[utoipa::path(get, path = "/api/v1/ideas/{id}", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, description = "`ETag` holds the version", body = IdeaView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_idea(id: String, req: Req) -> Response {
    req.answer(async {
        let (idea, _) = service::idea(&req.state, viewer(&req), &idea_id(&id)?).await?;
        let supported = match viewer(&req) {
            Some(v) => Some(service::supports(&req.state, v, &idea.id).await?),
            None => None,
        };
        Ok(idea_response(&req, StatusCode::OK, &idea, supported))
    })
    .await
}

/// The author's edit, until a moderator decides (or after it was sent back for changes),
/// during proposals. A sent-back idea returns to the queue.
#[utoipa::path(put, path = "/api/v1/ideas/{id}", tag = "ideas",
    request_body = IdeaInput,
    params(("id" = String, Path),
        VersionHeaders),
    responses((status = 200, body = IdeaView), Guarded, Change, Limited))]
pub async fn edit_idea(id: String, req: Req<IdeaInput>) -> Response {
    change(&req, |req, who, expected, input| async move {
        service::admit(&req.platform.limits, IdeasLimit::Submit, who)?;
        Ok(service::edit(&req.state, who, &idea_id(&id)?, expected, input).await?)
    })
    .await
}

/// `PUT` supports an approved idea during discussion (once per resident, however many
/// times it is sent); `DELETE` withdraws the support.
#[utoipa::path(method(put, delete), path = "/api/v1/ideas/{id}/support", tag = "ideas",
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 200, body = SupportCount), Guarded, Limited,
        (status = 422, description = "`validation_failed`: `stage`/`supports_closed`, `idea`/`not_approved`, `project`/`not_in_audience`", body = ProblemDocument)))]
pub async fn support_idea(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        service::admit(&req.platform.limits, IdeasLimit::Support, &who.account)?;
        let on = req.method() == Method::PUT;
        let supports = service::support(&req.state, &who.account, &idea_id(&id)?, on).await?;
        Ok(respond::ok(&SupportCount {
            supports,
            supported: on,
        }))
    })
    .await
}

/// `PUT` follows an idea (its outcome is emailed); `DELETE` stops following it.
#[utoipa::path(method(put, delete), path = "/api/v1/ideas/{id}/follow", tag = "ideas",
    params(("id" = String, Path),
        CsrfHeader),
    responses((status = 204, description = "Done"), SignedIn,
        (status = 404, description = "`not_found`", body = ProblemDocument)))]
pub async fn follow_idea(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let on = req.method() == Method::PUT;
        service::follow(&req.state, &who.account, &idea_id(&id)?, on).await?;
        Ok(respond::no_content())
    })
    .await
}
