//! The residents' and the public's pages: filing a report (the place and category first, the
//! open reports nearby to join instead, then the description and photos), the resident's own
//! reports, a report with its history (joining, confirming or disputing the answer), and the
//! public list beside the server-drawn map.
//!
//! Every page works without JavaScript: forms POST with a CSRF token and answer 303 to the page
//! they lead to, with a `done` code the page turns into a message. Every text comes from the
//! catalog (`reports-*` keys in `i18n/pages.*.ftl`); askama escapes everything a person typed.
//! The author of a report is never shown to anyone else.

mod filing;
pub mod office;
mod public;
mod report;
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
use veche_core::web::problem::Problem;
use veche_core::web::uploads::multipart_form;
use veche_core::web::{form, page_ctx};

use crate::model::ReportId;
use crate::service::Reports;

/// Reports per page of a list.
const PAGE_SIZE: usize = 20;

/// The public list and map: the navigation's entry.
pub const REPORTS_PATH: &str = "/reports";

/// The residents' and the public's pages, and the office's ([`office`]).
pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    let office = office::routes(platform.clone(), reports.clone());
    let p = platform;
    let w = move || veche_core::web::with_state(reports.clone());
    let query = warp::query::<HashMap<String, String>>;
    let get = || warp::get().and(page_ctx(p.clone())).and(w()).and(query());
    // A form: (Ctx, Form, reports), its CSRF token checked.
    let post = || warp::post().and(form(p.clone())).and(w());
    // A form with photos: (Ctx, Form, Files, reports).
    let with_files = || {
        warp::post()
            .and(multipart_form(p.clone(), filing::FORM_LIMIT))
            .and(w())
    };

    // The fixed paths before `{id}`.
    veche_core::web::combine(vec![
        warp::path!("reports")
            .and(get())
            .then(public::list_page)
            .boxed(),
        warp::path!("reports" / "mine")
            .and(get())
            .then(public::mine_page)
            .boxed(),
        warp::path!("reports" / "new")
            .and(get())
            .then(filing::place_page)
            .boxed(),
        warp::path!("reports" / "new")
            .and(post())
            .then(filing::place_submit)
            .boxed(),
        warp::path!("reports" / "new" / "details")
            .and(get())
            .then(filing::details_page)
            .boxed(),
        warp::path!("reports" / "new" / "details")
            .and(with_files())
            .then(filing::details_submit)
            .boxed(),
        warp::path!("reports" / String)
            .and(get())
            .then(report::report_page)
            .boxed(),
        warp::path!("reports" / String / "join")
            .and(post())
            .then(report::join_submit)
            .boxed(),
        warp::path!("reports" / String / "confirm")
            .and(post())
            .then(report::confirm_submit)
            .boxed(),
        warp::path!("reports" / String / "dispute")
            .and(post())
            .then(report::dispute_submit)
            .boxed(),
        office,
    ])
}

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

fn parse_report(raw: &str) -> Result<ReportId, Problem> {
    ReportId::parse(raw).ok_or_else(Problem::not_found)
}

/// Confirmations are chosen by a known code in the redirect, never by text from the URL.
fn flash(tr: Tr<'_>, done: Option<&String>) -> Option<String> {
    let key = match done?.as_str() {
        "filed" => "reports-flash-filed",
        "joined" => "reports-flash-joined",
        "confirmed" => "reports-flash-confirmed",
        "disputed" => "reports-flash-disputed",
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

/// A page position as a cursor: `MILLIS:ID`, opaque to clients (as the API's).
fn cursor(next: crate::store::After) -> Option<String> {
    next.map(|(at, id)| veche_core::web::cursor::encode_cursor(&format!("{at}:{id}")))
}

/// The `cursor` of a list as its position (`invalid_cursor` when it is not one of ours).
fn after(query: &HashMap<String, String>) -> Result<crate::store::After, Problem> {
    veche_core::web::cursor::after(query, |raw| {
        let (at, id) = raw.split_once(':')?;
        Some((at.parse::<i64>().ok()?, ReportId::parse(id)?))
    })
}
