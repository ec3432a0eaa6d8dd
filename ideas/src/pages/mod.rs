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
use warp::Filter;

use veche_core::accounts::model::Account;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::i18n::Tr;
use veche_core::web::pages::page_with_flash;
use veche_core::web::uploads::multipart_form;
use veche_core::web::{form, page_ctx};

use crate::service::Ideas;

/// Ideas per page of a list, and queue items per page.
const PAGE_SIZE: usize = 20;

pub fn routes(platform: Arc<Platform>, ideas: Arc<Ideas>) -> BoxedFilter<(Response,)> {
    let p = platform;
    let w = move || veche_core::web::with_state(ideas.clone());
    let query = warp::query::<HashMap<String, String>>;
    let get = || warp::get().and(page_ctx(p.clone())).and(w()).and(query());
    // A form: (Ctx, Form, ideas), its CSRF token checked.
    let post = || warp::post().and(form(p.clone())).and(w());
    // A form with a picture: (Ctx, Form, Files, ideas).
    let with_files = || {
        warp::post()
            .and(multipart_form(p.clone(), submit::FORM_LIMIT))
            .and(w())
    };

    veche_core::web::combine(vec![
        warp::path!("ideas")
            .and(get())
            .then(residents::projects_page)
            .boxed(),
        warp::path!("ideas" / "projects" / String)
            .and(get())
            .then(residents::project_page)
            .boxed(),
        warp::path!("ideas" / "projects" / String / "new")
            .and(get())
            .then(submit::new_idea_page)
            .boxed(),
        warp::path!("ideas" / "projects" / String / "new")
            .and(with_files())
            .then(submit::new_idea_submit)
            .boxed(),
        warp::path!("ideas" / "projects" / String / "log")
            .and(get())
            .then(public::log_page)
            .boxed(),
        warp::path!("ideas" / "projects" / String / "results")
            .and(get())
            .then(public::results_page)
            .boxed(),
        warp::path!("ideas" / "projects" / String / "review")
            .and(get())
            .then(review::review_page)
            .boxed(),
        warp::path!("ideas" / String / "score")
            .and(post())
            .then(review::score_submit)
            .boxed(),
        warp::path!("ideas" / String / "shortlist")
            .and(post())
            .then(review::shortlist_submit)
            .boxed(),
        warp::path!("ideas" / String / "outcome")
            .and(post())
            .then(review::outcome_submit)
            .boxed(),
        warp::path!("ideas" / String)
            .and(get())
            .then(residents::idea_page)
            .boxed(),
        warp::path!("ideas" / String / "edit")
            .and(get())
            .then(submit::edit_page)
            .boxed(),
        warp::path!("ideas" / String / "edit")
            .and(with_files())
            .then(submit::edit_submit)
            .boxed(),
        warp::path!("ideas" / String / "support")
            .and(post())
            .then(residents::support_submit)
            .boxed(),
        warp::path!("ideas" / String / "follow")
            .and(post())
            .then(residents::follow_submit)
            .boxed(),
        warp::path!("ideas" / String / "comments")
            .and(post())
            .then(residents::comment_submit)
            .boxed(),
        warp::path!("ideas" / String / "appeal")
            .and(post())
            .then(residents::appeal_submit)
            .boxed(),
        warp::path!("idea-comments" / String / "report")
            .and(post())
            .then(residents::report_submit)
            .boxed(),
        warp::path!("moderation" / "ideas")
            .and(get())
            .then(moderation::queue_page)
            .boxed(),
        warp::path!("moderation" / "ideas" / String / "decision")
            .and(post())
            .then(moderation::decide_submit)
            .boxed(),
        warp::path!("moderation" / "ideas" / "bulk")
            .and(post())
            .then(moderation::bulk_submit)
            .boxed(),
        warp::path!("moderation" / "idea-comments" / String)
            .and(post())
            .then(moderation::comment_submit)
            .boxed(),
    ])
}

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

/// Confirmations are chosen by a known code in the redirect, never by text from the URL.
fn flash(tr: Tr<'_>, done: Option<&String>) -> Option<String> {
    let key = match done?.as_str() {
        "submitted" => "ideas-flash-submitted",
        "saved" => "ideas-flash-saved",
        "supported" => "ideas-flash-supported",
        "withdrawn" => "ideas-flash-withdrawn",
        "followed" => "ideas-flash-followed",
        "unfollowed" => "ideas-flash-unfollowed",
        "commented" => "ideas-flash-commented",
        "reported" => "ideas-flash-reported",
        "appealed" => "ideas-flash-appealed",
        "decided" => "ideas-flash-decided",
        "bulk" => "ideas-flash-bulk",
        "bulk_partly" => "ideas-flash-bulk-partly",
        "moderated" => "ideas-flash-moderated",
        "scored" => "ideas-flash-scored",
        "shortlisted" => "ideas-flash-shortlisted",
        "unshortlisted" => "ideas-flash-unshortlisted",
        "outcome" => "ideas-flash-outcome",
        _ => return None,
    };
    Some(tr.t(key))
}

/// A page (200) with the confirmation its redirect named (`?done=`).
fn page_done<T: askama::Template>(
    ctx: &Ctx,
    query: &HashMap<String, String>,
    title: &str,
    body: &T,
) -> Response {
    let flash = flash(ctx.tr(), query.get("done"));
    page_with_flash(ctx, http::StatusCode::OK, title, body, flash)
}
