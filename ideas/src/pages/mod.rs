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

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::page_routes::Pages;
use veche_core::web::pages::Flashes;

use crate::service::Ideas;

/// Ideas per page of a list, and queue items per page.
const PAGE_SIZE: usize = 20;

pub fn routes(platform: Arc<Platform>, ideas: Arc<Ideas>) -> BoxedFilter<(Response,)> {
    let pages = Pages::new(platform, ideas).files(submit::FORM_LIMIT);
    veche_core::web::combine(veche_core::page_routes![
        pages.get("ideas") => residents::projects_page,
        pages.get("ideas" / "projects" / String) => residents::project_page,
        pages.get("ideas" / "projects" / String / "new") => submit::new_idea_page,
        pages.with_files("ideas" / "projects" / String / "new") => submit::new_idea_submit,
        pages.get("ideas" / "projects" / String / "log") => public::log_page,
        pages.get("ideas" / "projects" / String / "results") => public::results_page,
        pages.get("ideas" / "projects" / String / "review") => review::review_page,
        pages.post("ideas" / String / "score") => review::score_submit,
        pages.post("ideas" / String / "shortlist") => review::shortlist_submit,
        pages.post("ideas" / String / "outcome") => review::outcome_submit,
        pages.get("ideas" / String) => residents::idea_page,
        pages.get("ideas" / String / "edit") => submit::edit_page,
        pages.with_files("ideas" / String / "edit") => submit::edit_submit,
        pages.post("ideas" / String / "support") => residents::support_submit,
        pages.post("ideas" / String / "follow") => residents::follow_submit,
        pages.post("ideas" / String / "comments") => residents::comment_submit,
        pages.post("ideas" / String / "appeal") => residents::appeal_submit,
        pages.post("idea-comments" / String / "report") => residents::report_submit,
        pages.get("moderation" / "ideas") => moderation::queue_page,
        pages.post("moderation" / "ideas" / String / "decision") => moderation::decide_submit,
        pages.post("moderation" / "ideas" / "bulk") => moderation::bulk_submit,
        pages.post("moderation" / "idea-comments" / String) => moderation::comment_submit,
    ])
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
