//! The ideas' JSON API under `/api/v1`: officials run projects (`/idea-projects`), residents
//! submit, find, support, follow and discuss ideas (`/ideas`), moderators work the queue
//! (`/moderation/ideas`), experts score the shortlist, and everyone reads the public
//! moderation log and the results.
//!
//! One file per resource family: [`projects`], [`ideas`] (an idea, its supports and follows),
//! [`moderation`] (queue, decisions, appeals, comment reports), [`discussion`] (comments),
//! [`experts`] (shortlist, scores, ranking, outcomes); [`inputs`] holds the bodies and the list
//! queries the API reads.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::api::{Api, NoBody, Request};
use veche_core::web::cursor::{decode_cursor, encode_cursor};
use veche_core::web::idempotency::Outcome;
use veche_core::web::problem::Problem;

use crate::model::{CommentId, Idea, IdeaId, Project, ProjectId};
use crate::rules::{CommentInput, DecisionInput, IdeaInput, ProjectInput, ScoreInput};
use crate::service::{self, Ideas};
use crate::IdeasLimit;

mod discussion;
mod experts;
mod ideas;
mod inputs;
mod moderation;
mod open_data;
mod projects;

pub(crate) use inputs::list_request;
pub use inputs::{
    AppealDecisionInput, AppealInput, BulkDecisionInput, BulkItem, BulkResult, ExpertsInput,
    KeepInput, OutcomeInput, SupportCount,
};

/// Largest project a request may carry (the description is up to 10,000 characters).
pub const PROJECT_LIMIT: u64 = 128 * 1024;
/// Largest idea, comment, decision or score a request may carry.
pub const IDEA_LIMIT: u64 = 64 * 1024;
/// Largest bulk decision (up to 100 ideas).
pub const BULK_LIMIT: u64 = 64 * 1024;

/// An ideas API request with body `B`.
type Req<B = NoBody> = Request<Platform, Arc<Ideas>, B>;

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

/// A creation by the signed-in caller under the parent `parent` holds (read before the body),
/// at most once per `Idempotency-Key` of `route` and within the caller's `limit`: `act` makes
/// it, given who asks, the parent and the body.
async fn create<'r, B, K, Fut>(
    req: &'r Req<B>,
    (route, limit, parent): (&str, IdeasLimit, Result<K, Problem>),
    act: impl FnOnce(&'r Req<B>, &'r Account, K, &'r B) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<Outcome, Problem>>,
{
    req.answer(async {
        let who = req.signed_in()?;
        let parent = parent?;
        let input = req.input()?;
        req.once(route, || async {
            service::admit(&req.platform.limits, limit, &who.account)?;
            act(req, &who.account, parent, input).await
        })
        .await
    })
    .await
}

/// What a change answers with: the resource as the API shows it to the caller, its version as
/// the `ETag`.
trait Shown {
    fn shown(&self, ctx: &Ctx) -> Response;
}

impl Shown for Idea {
    fn shown(&self, ctx: &Ctx) -> Response {
        ideas::idea_response(ctx, http::StatusCode::OK, self, None)
    }
}

impl Shown for Project {
    fn shown(&self, ctx: &Ctx) -> Response {
        projects::project_response(ctx, self)
    }
}

/// A change to a versioned resource by the signed-in caller: `act` makes it, given who asks,
/// the version in `If-Match` and the body (checked in that order); the answer shows what it
/// changed.
async fn change<'r, B, T: Shown, Fut>(
    req: &'r Req<B>,
    act: impl FnOnce(&'r Req<B>, &'r Account, Option<u64>, &'r B) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<T, Problem>>,
{
    req.answer(async {
        let (who, expected, input) = req.change()?;
        Ok(act(req, &who.account, expected, input).await?.shown(req))
    })
    .await
}

fn project_id(raw: &str) -> Result<ProjectId, Problem> {
    ProjectId::parse(raw).ok_or_else(Problem::not_found)
}

fn idea_id(raw: &str) -> Result<IdeaId, Problem> {
    IdeaId::parse(raw).ok_or_else(Problem::not_found)
}

fn comment_id(raw: &str) -> Result<CommentId, Problem> {
    CommentId::parse(raw).ok_or_else(Problem::not_found)
}

/// A page cursor holding a sort key and an id: `KEY:ID`, opaque to clients.
pub(crate) fn keyed_cursor(key: i64, id: &str) -> String {
    encode_cursor(&format!("{key}:{id}"))
}

/// The `cursor` of a keyed list as its key and the id `parse` reads (`invalid_cursor` else).
pub(crate) fn cursor_after<T>(
    query: &HashMap<String, String>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<(i64, T)>, Problem> {
    parse_keyed_cursor(query)?
        .map(|(key, id)| {
            parse(&id)
                .map(|id| (key, id))
                .ok_or_else(|| Problem::bad_request("invalid_cursor").with("field", "cursor"))
        })
        .transpose()
}

fn parse_keyed_cursor(query: &HashMap<String, String>) -> Result<Option<(i64, String)>, Problem> {
    let Some(raw) = query.get("cursor").filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let inner = decode_cursor(raw)?;
    inner
        .split_once(':')
        .and_then(|(key, id)| Some((key.parse::<i64>().ok()?, id.to_string())))
        .map(Some)
        .ok_or_else(|| Problem::bad_request("invalid_cursor").with("field", "cursor"))
}

/// Every ideas route: the JSON API (never cached) and the pages of [`crate::pages`].
pub fn routes(platform: Arc<Platform>, ideas: Arc<Ideas>) -> BoxedFilter<(Response,)> {
    let api = Api::new(platform.clone(), ideas.clone())
        .no_store()
        .limit(IDEA_LIMIT);
    let project_api = api.limit(PROJECT_LIMIT);
    let bulk = api.limit(BULK_LIMIT);
    let mut routes = veche_core::api_routes![
        // Projects.
        api.get("api" / "v1" / "idea-projects") => projects::list_projects,
        project_api.post("api" / "v1" / "idea-projects") => projects::create_project,
        api.get("api" / "v1" / "idea-projects" / String) => projects::get_project,
        project_api.put("api" / "v1" / "idea-projects" / String) => projects::replace_project,
        api.post("api" / "v1" / "idea-projects" / String / "publication") => projects::publish_project,
        api.put("api" / "v1" / "idea-projects" / String / "experts") => projects::set_experts,
        api.get("api" / "v1" / "idea-projects" / String / "moderation-log") => projects::moderation_log,
        // Ideas.
        api.get("api" / "v1" / "idea-projects" / String / "ideas") => ideas::list_ideas,
        api.post("api" / "v1" / "idea-projects" / String / "ideas") => ideas::submit_idea,
        api.get("api" / "v1" / "ideas" / String) => ideas::get_idea,
        api.put("api" / "v1" / "ideas" / String) => ideas::edit_idea,
        api.put_or_delete("api" / "v1" / "ideas" / String / "support") => ideas::support_idea,
        api.put_or_delete("api" / "v1" / "ideas" / String / "follow") => ideas::follow_idea,
        // Discussion.
        api.get("api" / "v1" / "ideas" / String / "comments") => discussion::list_comments,
        api.post("api" / "v1" / "ideas" / String / "comments") => discussion::post_comment,
        api.post("api" / "v1" / "idea-comments" / String / "reports") => discussion::report_comment,
        // Moderation.
        api.get("api" / "v1" / "moderation" / "ideas") => moderation::queue,
        bulk.post("api" / "v1" / "moderation" / "ideas" / "decisions") => moderation::decide_many,
        api.post("api" / "v1" / "ideas" / String / "decision") => moderation::decide,
        api.post("api" / "v1" / "ideas" / String / "appeal") => moderation::appeal,
        api.post("api" / "v1" / "ideas" / String / "appeal" / "decision") => moderation::decide_appeal,
        api.get("api" / "v1" / "moderation" / "idea-comments") => moderation::reported_comments,
        api.post("api" / "v1" / "idea-comments" / String / "moderation") => moderation::moderate_comment,
        // Experts and results.
        api.put_or_delete("api" / "v1" / "ideas" / String / "shortlist") => experts::shortlist,
        api.put("api" / "v1" / "ideas" / String / "score") => experts::score,
        api.get("api" / "v1" / "idea-projects" / String / "ranking") => experts::ranking,
        api.post("api" / "v1" / "ideas" / String / "updates") => experts::advance,
        api.get("api" / "v1" / "idea-projects" / String / "results") => experts::results,
        api.get("api" / "v1" / "idea-projects" / String / "open-data.json") => open_data::open_data_json,
        api.get("api" / "v1" / "idea-projects" / String / "open-data.csv") => open_data::open_data_csv,
    ];
    routes.push(crate::pages::routes(platform, ideas));
    veche_core::web::combine(routes)
}

/// The ideas' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(projects::list_projects, projects::create_project, projects::get_project,
        projects::replace_project, projects::publish_project, projects::set_experts,
        projects::moderation_log, ideas::list_ideas, ideas::submit_idea, ideas::get_idea,
        ideas::edit_idea, ideas::support_idea, ideas::follow_idea, discussion::list_comments,
        discussion::post_comment, discussion::report_comment, moderation::queue,
        moderation::decide_many, moderation::decide, moderation::appeal,
        moderation::decide_appeal, moderation::reported_comments, moderation::moderate_comment,
        experts::shortlist, experts::score, experts::ranking, experts::advance, experts::results,
        open_data::open_data_json, open_data::open_data_csv),
    components(schemas(ProjectInput, crate::rules::LabelInput, IdeaInput, CommentInput,
        DecisionInput, ScoreInput, ExpertsInput, AppealInput, AppealDecisionInput,
        BulkDecisionInput, BulkItem, BulkResult, KeepInput, OutcomeInput, SupportCount,
        crate::views::ProjectView, crate::views::ProjectList, crate::views::IdeaView,
        crate::views::IdeaList, crate::views::CommentView, crate::views::CommentList,
        crate::views::QueueItemView, crate::views::QueueList, crate::views::SuggestionView,
        crate::views::LabelView, crate::views::ScheduleView, crate::views::AppealView,
        crate::views::UpdateView, inputs::LogView, inputs::RankingView, inputs::RankedView,
        crate::service::OpenData, crate::service::OpenIdea)),
    tags((name = "ideas", description = "Crowdsourcing projects and ideas")))]
pub struct IdeasApi;
