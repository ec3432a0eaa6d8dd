//! The ideas' pages: residents browse projects, find, submit, support, follow and discuss
//! ideas, appeal a rejection; moderators work the queue (each idea beside its likely
//! duplicates, one decision or many); everyone reads a project's public moderation log and
//! its results.
//!
//! Every page works without JavaScript: forms POST with a CSRF token and answer 303 to the page
//! they came from, with a `done` code the page turns into a message. Every text comes from the
//! catalog (`ideas-*` keys in `i18n/pages.*.ftl`); askama escapes everything a person typed.

mod moderation;
mod public;
mod residents;
mod review;
mod submit;
mod views;

use std::collections::HashMap;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Rejection};

use veche_core::accounts::model::Account;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::page_routes::Pages;
use veche_core::web::pages::{error_page, Flashes};
use veche_core::web::problem::Problem;
use veche_core::web::uploads::Files;
use veche_core::web::Form;

use crate::service::Ideas;

/// Ideas per page of a list, and queue items per page.
const PAGE_SIZE: usize = 20;

pub fn routes(platform: Arc<Platform>, ideas: Arc<Ideas>) -> BoxedFilter<(Response,)> {
    let views = Views(Pages::new(platform.clone(), ideas.clone()).files(submit::FORM_LIMIT));
    let pages = Pages::new(platform, ideas);
    veche_core::web::combine(veche_core::page_routes![
        views.page("ideas") => residents::projects_page,
        views.page("ideas" / "projects" / String) => residents::project_page,
        pages.get("ideas" / "projects" / String / "new") => submit::new_idea_page,
        views.with_files("ideas" / "projects" / String / "new") => submit::new_idea_submit,
        views.page("ideas" / "projects" / String / "log") => public::log_page,
        views.page("ideas" / "projects" / String / "results") => public::results_page,
        views.page("ideas" / "projects" / String / "review") => review::review_page,
        views.post("ideas" / String / "score") => review::score_submit,
        views.post("ideas" / String / "shortlist") => review::shortlist_submit,
        views.post("ideas" / String / "outcome") => review::outcome_submit,
        views.page("ideas" / String) => residents::idea_page,
        pages.get("ideas" / String / "edit") => submit::edit_page,
        views.with_files("ideas" / String / "edit") => submit::edit_submit,
        views.post("ideas" / String / "support") => residents::support_submit,
        views.post("ideas" / String / "follow") => residents::follow_submit,
        views.post("ideas" / String / "comments") => residents::comment_submit,
        views.post("ideas" / String / "appeal") => residents::appeal_submit,
        views.post("idea-comments" / String / "report") => residents::report_submit,
        views.page("moderation" / "ideas") => moderation::queue_page,
        views.post("moderation" / "ideas" / String / "decision") => moderation::decide_submit,
        views.post("moderation" / "ideas" / "bulk") => moderation::bulk_submit,
        views.post("moderation" / "idea-comments" / String) => moderation::comment_submit,
    ])
}

/// What a page reads after its path, in one value (as an API handler's `Req`): the visitor's
/// context, the ideas and the query.
pub(super) struct Page {
    ctx: Ctx,
    ideas: Arc<Ideas>,
    query: HashMap<String, String>,
}

impl Page {
    /// The page `show` makes of the request, or the error page of the problem it meets.
    async fn answer(
        &self,
        show: impl AsyncFnOnce(&Ctx, &Ideas, &HashMap<String, String>) -> Result<Response, Problem>,
    ) -> Response {
        match show(&self.ctx, &self.ideas, &self.query).await {
            Ok(page) => page,
            Err(problem) => error_page(&self.ctx, problem),
        }
    }
}

/// What a form's POST reads after its path, in one value (as [`Page`] for a page): the
/// visitor's context, the form and the ideas.
pub(super) struct Post {
    ctx: Ctx,
    form: Form,
    ideas: Arc<Ideas>,
}

/// The pages' filters that give a page its one [`Page`] and a form its one [`Post`]:
/// `views.page(path) => handler`, `views.post(path) => handler` in the route table (and
/// `views.with_files(path)`: the [`Post`] and the form's files).
struct Views(Pages<Platform, Arc<Ideas>>);

impl Views {
    fn page(&self) -> impl Filter<Extract = (Page,), Error = Rejection> + Clone {
        self.0
            .get()
            .map(|ctx, ideas, query| Page { ctx, ideas, query })
    }

    fn post(&self) -> impl Filter<Extract = (Post,), Error = Rejection> + Clone {
        self.0
            .post()
            .map(|ctx, form, ideas| Post { ctx, form, ideas })
    }

    fn with_files(&self) -> impl Filter<Extract = (Post, Files), Error = Rejection> + Clone {
        self.0
            .with_files()
            .map(|ctx, form, files, ideas| (Post { ctx, form, ideas }, files))
            .untuple_one()
    }
}

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

/// The confirmations the ideas' redirects name (`?done=`).
pub(super) const DONE: Flashes = Flashes(&[
    ("submitted", "ideas-flash-submitted"),
    ("saved", "ideas-flash-saved"),
    ("supported", "ideas-flash-supported"),
    ("withdrawn", "ideas-flash-withdrawn"),
    ("followed", "ideas-flash-followed"),
    ("unfollowed", "ideas-flash-unfollowed"),
    ("commented", "ideas-flash-commented"),
    ("reported", "ideas-flash-reported"),
    ("appealed", "ideas-flash-appealed"),
    ("decided", "ideas-flash-decided"),
    ("bulk", "ideas-flash-bulk"),
    ("bulk_partly", "ideas-flash-bulk-partly"),
    ("moderated", "ideas-flash-moderated"),
    ("scored", "ideas-flash-scored"),
    ("shortlisted", "ideas-flash-shortlisted"),
    ("unshortlisted", "ideas-flash-unshortlisted"),
    ("outcome", "ideas-flash-outcome"),
]);
