//! The polls' JSON API under `/api/v1`: officials create, edit, schedule, close and publish
//! polls; residents list polls, vote and check their receipts; everyone reads results, the seal
//! and the public ballot export once they are visible.
//!
//! [`routes`] also carries the pages of [`crate::pages`], so the binary mounts polls with one
//! call.
//!
//! `POST /api/v1/polls/{id}/ballots` is the hot path: [`Polls::admit_ballot`] (the same as the
//! ballot page's) sheds load and checks the rate limits first, and it reads nothing beyond
//! what [`service::vote`] reads.
//!
//! One file per resource: [`list`] (the list of polls), [`polls`] (a poll's life: create,
//! edit, schedule, close, publish), [`ballots`] (voting and receipts), [`results`] (results,
//! seal, ballot export, dashboard) and [`points`]; [`inputs`] holds the types the API reads and
//! shows, [`common`] the helpers every handler shares.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use veche_core::platform::{Ctx, Platform};
use veche_core::web::idempotency;
use veche_core::web::precondition::if_match;
use veche_core::web::problem::ProblemDocument;
use veche_core::web::{api_ctx, json_body};

use crate::model::{AgeBracket, Status, Visibility};
use crate::rules::{
    AnswerInput, AudienceInput, BallotInput, OptionInput, PollInput, QuestionInput,
};
use crate::service::Polls;
use crate::verify::{Side, Step};
use crate::views::{
    AudienceView, BallotView, Dashboard, GroupRow, HourCount, OptionResult, OptionView, PollView,
    QuestionResult, QuestionView, Results, Turnout,
};

mod ballots;
mod common;
mod inputs;
mod list;
mod points;
mod polls;
mod responses;
mod results;
#[cfg(test)]
mod tests;

pub use ballots::{cast_ballot, get_receipt, my_ballot};
pub(crate) use common::with_polls;
pub use inputs::{
    BallotCreated, CloseInput, PointsItem, PointsPage, PollPage, PollSummary, PublicationInput,
    ReceiptBallot, ReceiptView, SealDocument,
};
pub use list::list_polls;
pub use points::my_points;
pub use polls::{
    close_poll, create_poll, delete_poll, get_poll, publish_poll, replace_poll, schedule_poll,
    unschedule_poll,
};
pub use results::{
    export_ballots_csv, export_ballots_json, get_dashboard, get_results, get_results_csv, get_seal,
};

use common::optional_json_body;

/// Largest poll (create, replace) a request may carry.
pub const POLL_LIMIT: u64 = 256 * 1024;
/// Largest ballot a request may carry.
pub const BALLOT_LIMIT: u64 = 64 * 1024;
/// Largest publication (the decision is up to 10,000 characters).
pub const DECISION_LIMIT: u64 = 64 * 1024;
/// Largest body of `close` (an optional reason).
pub const CLOSE_LIMIT: usize = 16 * 1024;
/// The longest reason for closing a poll early, in characters.
pub const REASON_MAX: usize = 1000;

/// `GET /api/v1/polls/{id}/{tail}`, answered by `handler`.
fn get_route<H, F>(
    platform: &Arc<Platform>,
    polls: &Arc<Polls>,
    tail: &'static str,
    handler: H,
) -> BoxedFilter<(Response,)>
where
    H: Fn(String, Ctx, Arc<Polls>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    warp::path!("api" / "v1" / "polls" / String / ..)
        .and(warp::path(tail))
        .and(warp::path::end())
        .and(warp::get())
        .and(api_ctx(platform.clone()))
        .and(with_polls(polls.clone()))
        .then(handler)
        .boxed()
}

/// Every polls route: the JSON API below and the pages of [`crate::pages`].
pub fn routes(platform: Arc<Platform>, polls: Arc<Polls>) -> BoxedFilter<(Response,)> {
    let p = platform;
    // After the path and the method, every route takes the request's context and the polls.
    let ctx = || api_ctx(p.clone()).and(with_polls(polls.clone()));

    veche_core::web::combine(vec![
        warp::path!("api" / "v1" / "polls")
            .and(warp::get())
            .and(ctx())
            .and(warp::query::<HashMap<String, String>>())
            .then(list_polls)
            .boxed(),
        warp::path!("api" / "v1" / "polls")
            .and(warp::post())
            .and(ctx())
            .and(idempotency::key())
            .and(json_body::<PollInput>(POLL_LIMIT))
            .then(create_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String)
            .and(warp::get())
            .and(ctx())
            .then(get_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String)
            .and(warp::put())
            .and(ctx())
            .and(if_match())
            .and(json_body::<PollInput>(POLL_LIMIT))
            .then(replace_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String)
            .and(warp::delete())
            .and(ctx())
            .and(if_match())
            .then(delete_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String / "schedule")
            .and(warp::post())
            .and(ctx())
            .and(if_match())
            .then(schedule_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String / "unschedule")
            .and(warp::post())
            .and(ctx())
            .and(if_match())
            .then(unschedule_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String / "close")
            .and(warp::post())
            .and(ctx())
            .and(optional_json_body::<CloseInput>(CLOSE_LIMIT))
            .then(close_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String / "publication")
            .and(warp::post())
            .and(ctx())
            .and(json_body::<PublicationInput>(DECISION_LIMIT))
            .then(publish_poll)
            .boxed(),
        warp::path!("api" / "v1" / "polls" / String / "ballots")
            .and(warp::post())
            .and(ctx())
            .and(idempotency::key())
            .and(json_body::<BallotInput>(BALLOT_LIMIT))
            .then(cast_ballot)
            .boxed(),
        get_route(&p, &polls, "ballot", my_ballot),
        warp::path!("api" / "v1" / "polls" / String / "receipts" / String)
            .and(warp::get())
            .and(ctx())
            .then(get_receipt)
            .boxed(),
        get_route(&p, &polls, "results", get_results),
        get_route(&p, &polls, "results.csv", get_results_csv),
        get_route(&p, &polls, "seal", get_seal),
        get_route(&p, &polls, "ballots.json", export_ballots_json),
        get_route(&p, &polls, "ballots.csv", export_ballots_csv),
        get_route(&p, &polls, "dashboard", get_dashboard),
        warp::path!("api" / "v1" / "me" / "points")
            .and(warp::get())
            .and(ctx())
            .and(warp::query::<HashMap<String, String>>())
            .then(my_points)
            .boxed(),
        crate::pages::routes(p.clone(), polls.clone()),
    ])
}

/// The polls' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list::list_polls, polls::create_poll, polls::get_poll, polls::replace_poll,
        polls::delete_poll, polls::schedule_poll, polls::unschedule_poll, polls::close_poll,
        polls::publish_poll, ballots::cast_ballot, ballots::my_ballot, ballots::get_receipt,
        results::get_results, results::get_results_csv, results::get_seal,
        results::export_ballots_json, results::export_ballots_csv, results::get_dashboard,
        points::my_points),
    components(schemas(ProblemDocument, PollInput, QuestionInput, OptionInput, AudienceInput,
        BallotInput, AnswerInput, CloseInput, PublicationInput, PollView, QuestionView,
        OptionView, AudienceView, Status, Visibility, AgeBracket, PollSummary, PollPage,
        BallotCreated, BallotView, ReceiptBallot, ReceiptView, Step, Side, Results,
        QuestionResult, OptionResult, GroupRow, Dashboard, Turnout, HourCount, SealDocument,
        PointsItem, PointsPage)),
    tags((name = "polls", description = "Active Citizen polls: officials run them, residents vote once each with a receipt, everyone checks the results"))
)]
pub struct PollsApi;
