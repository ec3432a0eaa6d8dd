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
use std::sync::Arc;

use http::{header, HeaderValue};
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use veche_core::platform::{Ctx, Platform};
use veche_core::web::cursor::{decode_cursor, encode_cursor};
use veche_core::web::idempotency;
use veche_core::web::precondition::if_match;
use veche_core::web::problem::Problem;
use veche_core::web::{api_ctx, json_body};

use crate::model::{CommentId, IdeaId, ProjectId};
use crate::rules::{CommentInput, DecisionInput, IdeaInput, ProjectInput, ScoreInput};
use crate::service::Ideas;

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

type Body<T> = Result<T, Problem>;

/// The answer, or the problem document in the request's language; never cached.
fn finish(ctx: &Ctx, result: Result<Response, Problem>) -> Response {
    let mut response = ctx.finish(result);
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

fn with_ideas(
    ideas: Arc<Ideas>,
) -> impl Filter<Extract = (Arc<Ideas>,), Error = std::convert::Infallible> + Clone {
    warp::any().map(move || ideas.clone())
}

fn viewer(ctx: &Ctx) -> Option<&veche_core::accounts::model::Account> {
    ctx.principal.as_ref().map(|p| &p.account)
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

/// Every ideas route: the JSON API and the pages of [`crate::pages`].
pub fn routes(platform: Arc<Platform>, ideas: Arc<Ideas>) -> BoxedFilter<(Response,)> {
    let p = platform;
    let ctx = || api_ctx(p.clone()).and(with_ideas(ideas.clone()));
    let query = || warp::query::<HashMap<String, String>>();

    veche_core::web::combine(vec![
        // Projects.
        warp::path!("api" / "v1" / "idea-projects")
            .and(warp::get())
            .and(ctx())
            .and(query())
            .then(projects::list_projects)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects")
            .and(warp::post())
            .and(ctx())
            .and(idempotency::key())
            .and(json_body::<ProjectInput>(PROJECT_LIMIT))
            .then(projects::create_project)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String)
            .and(warp::get())
            .and(ctx())
            .then(projects::get_project)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String)
            .and(warp::put())
            .and(ctx())
            .and(if_match())
            .and(json_body::<ProjectInput>(PROJECT_LIMIT))
            .then(projects::replace_project)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "publication")
            .and(warp::post())
            .and(ctx())
            .and(if_match())
            .then(projects::publish_project)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "experts")
            .and(warp::put())
            .and(ctx())
            .and(if_match())
            .and(json_body::<ExpertsInput>(IDEA_LIMIT))
            .then(projects::set_experts)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "moderation-log")
            .and(warp::get())
            .and(ctx())
            .then(projects::moderation_log)
            .boxed(),
        // Ideas.
        warp::path!("api" / "v1" / "idea-projects" / String / "ideas")
            .and(warp::get())
            .and(ctx())
            .and(query())
            .then(ideas::list_ideas)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "ideas")
            .and(warp::post())
            .and(ctx())
            .and(idempotency::key())
            .and(json_body::<IdeaInput>(IDEA_LIMIT))
            .then(ideas::submit_idea)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String)
            .and(warp::get())
            .and(ctx())
            .then(ideas::get_idea)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String)
            .and(warp::put())
            .and(ctx())
            .and(if_match())
            .and(json_body::<IdeaInput>(IDEA_LIMIT))
            .then(ideas::edit_idea)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "support")
            .and(warp::put().or(warp::delete()).unify())
            .and(warp::method())
            .and(ctx())
            .then(ideas::support_idea)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "follow")
            .and(warp::put().or(warp::delete()).unify())
            .and(warp::method())
            .and(ctx())
            .then(ideas::follow_idea)
            .boxed(),
        // Discussion.
        warp::path!("api" / "v1" / "ideas" / String / "comments")
            .and(warp::get())
            .and(ctx())
            .and(query())
            .then(discussion::list_comments)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "comments")
            .and(warp::post())
            .and(ctx())
            .and(idempotency::key())
            .and(json_body::<CommentInput>(IDEA_LIMIT))
            .then(discussion::post_comment)
            .boxed(),
        warp::path!("api" / "v1" / "idea-comments" / String / "reports")
            .and(warp::post())
            .and(ctx())
            .then(discussion::report_comment)
            .boxed(),
        // Moderation.
        warp::path!("api" / "v1" / "moderation" / "ideas")
            .and(warp::get())
            .and(ctx())
            .and(query())
            .then(moderation::queue)
            .boxed(),
        warp::path!("api" / "v1" / "moderation" / "ideas" / "decisions")
            .and(warp::post())
            .and(ctx())
            .and(json_body::<BulkDecisionInput>(BULK_LIMIT))
            .then(moderation::decide_many)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "decision")
            .and(warp::post())
            .and(ctx())
            .and(if_match())
            .and(json_body::<DecisionInput>(IDEA_LIMIT))
            .then(moderation::decide)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "appeal")
            .and(warp::post())
            .and(ctx())
            .and(json_body::<AppealInput>(IDEA_LIMIT))
            .then(moderation::appeal)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "appeal" / "decision")
            .and(warp::post())
            .and(ctx())
            .and(if_match())
            .and(json_body::<AppealDecisionInput>(IDEA_LIMIT))
            .then(moderation::decide_appeal)
            .boxed(),
        warp::path!("api" / "v1" / "moderation" / "idea-comments")
            .and(warp::get())
            .and(ctx())
            .and(query())
            .then(moderation::reported_comments)
            .boxed(),
        warp::path!("api" / "v1" / "idea-comments" / String / "moderation")
            .and(warp::post())
            .and(ctx())
            .and(json_body::<KeepInput>(IDEA_LIMIT))
            .then(moderation::moderate_comment)
            .boxed(),
        // Experts and results.
        warp::path!("api" / "v1" / "ideas" / String / "shortlist")
            .and(warp::put().or(warp::delete()).unify())
            .and(warp::method())
            .and(ctx())
            .and(if_match())
            .then(experts::shortlist)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "score")
            .and(warp::put())
            .and(ctx())
            .and(json_body::<ScoreInput>(IDEA_LIMIT))
            .then(experts::score)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "ranking")
            .and(warp::get())
            .and(ctx())
            .then(experts::ranking)
            .boxed(),
        warp::path!("api" / "v1" / "ideas" / String / "updates")
            .and(warp::post())
            .and(ctx())
            .and(if_match())
            .and(json_body::<OutcomeInput>(IDEA_LIMIT))
            .then(experts::advance)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "results")
            .and(warp::get())
            .and(ctx())
            .then(experts::results)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "open-data.json")
            .and(warp::get())
            .and(ctx())
            .then(open_data::open_data_json)
            .boxed(),
        warp::path!("api" / "v1" / "idea-projects" / String / "open-data.csv")
            .and(warp::get())
            .and(ctx())
            .then(open_data::open_data_csv)
            .boxed(),
        crate::pages::routes(p.clone(), ideas.clone()),
    ])
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
