//! The polls' pages: residents list polls, read one, vote, keep and check their receipt, read the
//! results and their points; officials write polls in an editor (one small form per change, each
//! naming the version it edited), take them through their life, and watch a live dashboard.
//!
//! Every page works without JavaScript: forms POST with a CSRF token and answer 303, charts are
//! SVG drawn here (with a plain table beside each), the dashboard refreshes itself by a
//! `<meta http-equiv="refresh">`. Every text comes from the catalog (`polls-*` keys in
//! `i18n/pages.*.ftl`); askama escapes everything a person typed. The CSP forbids inline styles,
//! so the pages use the base stylesheet's classes and SVG presentation attributes only.
//!
//! Officials type times in Moscow time (UTC+3, no daylight saving), and every page shows times
//! in it, saying so.

mod charts;
mod common;
mod dashboard;
mod editor;
mod list;
mod maps;
mod official;
mod points;
mod poll;
mod receipts;
mod results;
#[cfg(test)]
mod tests;

pub use charts::{
    bar_chart, breakdown, fill_hours, Breakdown, BreakdownRow, ChartRow, ColumnGroup, QuestionChart,
};
pub use common::{
    moscow_input_value, paragraphs, parse_moscow_time, show_percent, BadInput, Message,
};
pub use dashboard::{HourRow, TurnoutRow};
pub use editor::{
    add_option, add_question, edit_question, move_option, move_question, remove_option,
    remove_question, Dir, DistrictGroupView, EditError, OptionEdit, Pick, QuestionEdit,
    QuestionForm, SettingsForm,
};
pub use list::PollCard;
pub use official::OfficialRow;
pub use points::{parse_points_cursor, points_cursor, PointsRow};
pub use poll::{ballot_from_form, BallotForm, BallotOption, BallotQuestion, QuestionRead};
pub use receipts::{AnswerRead, ProofStep};
pub use results::Download;

use std::collections::HashMap;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use veche_core::platform::Ctx;
use veche_core::platform::Platform;
use veche_core::web::{form, page_ctx, Form};

use crate::pages::dashboard::dashboard_page;
use crate::pages::editor::page::editor_get;
use crate::pages::editor::submit::{self as editing, edit, lifecycle_submit, Action};
use crate::pages::list::list_page;
use crate::pages::official::{new_poll_page, new_poll_submit, official_list_page};
use crate::pages::points::points_page;
use crate::pages::poll::{poll_get, vote_submit};
use crate::pages::receipts::{receipt_lookup, receipt_page};
use crate::pages::results::results_page;
use crate::service::{Plan, Polls};

const OFFICIAL_PATH: &str = "/official/polls";
/// Polls per page of the lists.
const PAGE_SIZE: usize = 30;

/// Moscow time: officials type the poll's times in it and every page shows times in it.
pub use veche_core::web::show::MSK;

pub fn routes(platform: Arc<Platform>, polls: Arc<Polls>) -> BoxedFilter<(Response,)> {
    let p = platform;
    let w = move || veche_core::web::with_state(polls.clone());
    let query = warp::query::<HashMap<String, String>>;
    // A page: (Ctx, polls). A form: (Ctx, Form, polls), CSRF checked; with `?dir=`, the query
    // first.
    let get = || warp::get().and(page_ctx(p.clone())).and(w());
    let post = || warp::post().and(form(p.clone())).and(w());
    let post_query = || warp::post().and(query()).and(form(p.clone())).and(w());

    // ---- Residents ----
    let list = warp::path!("polls").and(get()).and(query()).then(list_page);
    let poll = warp::path!("polls" / String)
        .and(get())
        .and(query())
        .then(poll_get);
    let vote = warp::path!("polls" / String / "vote")
        .and(post())
        .then(vote_submit);
    let receipt = warp::path!("polls" / String / "receipts" / String)
        .and(get())
        .and(query())
        .then(receipt_page);
    let receipt_lookup = warp::path!("polls" / String / "receipts")
        .and(get())
        .and(query())
        .then(receipt_lookup);
    let results = warp::path!("polls" / String / "results")
        .and(get())
        .then(results_page);
    let points = warp::path!("me" / "points")
        .and(get())
        .and(query())
        .then(points_page);

    // ---- Officials ----
    let official_list = warp::path!("official" / "polls")
        .and(get())
        .and(query())
        .then(official_list_page);
    let new_form = warp::path!("official" / "polls" / "new")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .map(|ctx: Ctx| new_poll_page(&ctx, "", "", None));
    let new_submit = warp::path!("official" / "polls" / "new")
        .and(post())
        .then(new_poll_submit);
    let editor = warp::path!("official" / "polls" / String)
        .and(get())
        .and(query())
        .then(editor_get);
    // The editor's forms: each read into a change, which `edit` stores.
    let settings = warp::path!("official" / "polls" / String / "settings")
        .and(post())
        .then(|id, ctx, form, polls| edit(id, ctx, form, polls, editing::settings));
    let question_add = warp::path!("official" / "polls" / String / "questions")
        .and(post())
        .then(|id, ctx, form, polls| edit(id, ctx, form, polls, editing::question_add));
    let question_move = warp::path!("official" / "polls" / String / "questions" / String / "move")
        .and(post_query())
        .then(|id, qid, q: HashMap<String, String>, ctx, form, polls| {
            let change = move |f: &Form| editing::question_move(qid, &q, f);
            edit(id, ctx, form, polls, change)
        });
    let question_remove =
        warp::path!("official" / "polls" / String / "questions" / String / "remove")
            .and(post())
            .then(|id, qid, ctx, form, polls| {
                let change = move |_: &Form| editing::question_remove(qid);
                edit(id, ctx, form, polls, change)
            });
    let question_edit = warp::path!("official" / "polls" / String / "questions" / String / "edit")
        .and(post())
        .then(|id, qid, ctx, form, polls| {
            let change = move |f: &Form| editing::question_edit(qid, f);
            edit(id, ctx, form, polls, change)
        });
    let option_add = warp::path!("official" / "polls" / String / "questions" / String / "options")
        .and(post())
        .then(|id, qid, ctx, form, polls| {
            let change = move |f: &Form| editing::option_add(qid, f);
            edit(id, ctx, form, polls, change)
        });
    let option_remove = warp::path!(
        "official" / "polls" / String / "questions" / String / "options" / String / "remove"
    )
    .and(post())
    .then(|id, qid, oid, ctx, form, polls| {
        let change = move |_: &Form| editing::option_remove(qid, oid);
        edit(id, ctx, form, polls, change)
    });
    let option_move = warp::path!(
        "official" / "polls" / String / "questions" / String / "options" / String / "move"
    )
    .and(post_query())
    .then(
        |id, qid, oid, q: HashMap<String, String>, ctx, form, polls| {
            let change = move |f: &Form| editing::option_move(qid, oid, &q, f);
            edit(id, ctx, form, polls, change)
        },
    );
    // The poll's life: POST /official/polls/{id}/{action}, one button each.
    let lifecycle = [
        ("schedule", Action::Plan(Plan::Schedule)),
        ("unschedule", Action::Plan(Plan::Unschedule)),
        ("delete", Action::Delete),
        ("close", Action::Close),
        ("publish", Action::Publish),
    ]
    .map(|(name, action)| {
        warp::path!("official" / "polls" / String / ..)
            .and(warp::path(name))
            .and(warp::path::end())
            .and(post())
            .then(move |id, ctx, form, polls| lifecycle_submit(id, ctx, form, polls, action))
            .boxed()
    });
    let dashboard = warp::path!("official" / "polls" / String / "dashboard")
        .and(get())
        .then(dashboard_page);

    let mut routes: Vec<BoxedFilter<(Response,)>> = vec![
        list.boxed(),
        poll.boxed(),
        vote.boxed(),
        receipt.boxed(),
        receipt_lookup.boxed(),
        results.boxed(),
        points.boxed(),
        official_list.boxed(),
        // Before the editor: `new` is not a poll id.
        new_form.boxed(),
        new_submit.boxed(),
        editor.boxed(),
        settings.boxed(),
        question_add.boxed(),
        question_move.boxed(),
        question_remove.boxed(),
        question_edit.boxed(),
        option_add.boxed(),
        option_remove.boxed(),
        option_move.boxed(),
    ];
    routes.extend(lifecycle);
    routes.push(dashboard.boxed());
    veche_core::web::combine(routes)
}
