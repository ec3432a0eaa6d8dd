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

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::path;
use warp::path::end;
use warp::reply::Response;
use warp::Filter;

use veche_core::platform::Platform;
use veche_core::web::api::Api;
use veche_core::web::problem::ProblemDocument;

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

/// Largest poll (create, replace) a request may carry.
pub const POLL_LIMIT: u64 = 256 * 1024;
/// Largest ballot a request may carry.
pub const BALLOT_LIMIT: u64 = 64 * 1024;
/// Largest publication (the decision is up to 10,000 characters).
pub const DECISION_LIMIT: u64 = 64 * 1024;
/// Largest body of `close` (an optional reason).
pub const CLOSE_LIMIT: u64 = 16 * 1024;
/// The longest reason for closing a poll early, in characters.
pub const REASON_MAX: usize = 1000;

/// Every polls route: the JSON API below (never cached unless a handler says so) and the
/// pages of [`crate::pages`].
pub fn routes(platform: Arc<Platform>, polls: Arc<Polls>) -> BoxedFilter<(Response,)> {
    let api = Api::new(platform.clone(), polls.clone()).no_store();
    let (draft, ballot) = (api.limit(POLL_LIMIT), api.limit(BALLOT_LIMIT));
    // `/api/v1/polls/{id}/TAIL`.
    let poll = |tail| {
        path!("api" / "v1" / "polls" / String / ..)
            .and(path(tail))
            .and(end())
    };
    veche_core::web::combine(vec![
        api.get(path!("api" / "v1" / "polls"), list_polls),
        draft.post(path!("api" / "v1" / "polls"), create_poll),
        api.get(path!("api" / "v1" / "polls" / String), get_poll),
        draft.put(path!("api" / "v1" / "polls" / String), replace_poll),
        api.delete(path!("api" / "v1" / "polls" / String), delete_poll),
        api.post(poll("schedule"), schedule_poll),
        api.post(poll("unschedule"), unschedule_poll),
        api.limit(CLOSE_LIMIT).post(poll("close"), close_poll),
        api.limit(DECISION_LIMIT)
            .post(poll("publication"), publish_poll),
        ballot.post(poll("ballots"), cast_ballot),
        api.get(poll("ballot"), my_ballot),
        api.get(
            path!("api" / "v1" / "polls" / String / "receipts" / String),
            get_receipt,
        ),
        api.get(poll("results"), get_results),
        api.get(poll("results.csv"), get_results_csv),
        api.get(poll("seal"), get_seal),
        api.get(poll("ballots.json"), export_ballots_json),
        api.get(poll("ballots.csv"), export_ballots_csv),
        api.get(poll("dashboard"), get_dashboard),
        api.get(path!("api" / "v1" / "me" / "points"), my_points),
        crate::pages::routes(platform, polls),
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
