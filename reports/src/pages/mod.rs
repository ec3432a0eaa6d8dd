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

use veche_core::accounts::model::Account;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::page_routes::Pages;
use veche_core::web::pages::Flashes;
use veche_core::web::problem::Problem;

use crate::model::ReportId;
use crate::service::Reports;

/// Reports per page of a list.
const PAGE_SIZE: usize = 20;

/// The public list and map: the navigation's entry.
pub const REPORTS_PATH: &str = "/reports";

/// The residents' and the public's pages, and the office's ([`office`]).
pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    let office = office::routes(platform.clone(), reports.clone());
    let pages = Pages::new(platform, reports).files(filing::FORM_LIMIT);

    // The fixed paths before `{id}`.
    let mut routes = veche_core::page_routes![
        pages.get("reports") => public::list_page,
        pages.get("reports" / "mine") => public::mine_page,
        pages.get("reports" / "new") => filing::place_page,
        pages.post("reports" / "new") => filing::place_submit,
        pages.get("reports" / "new" / "map.svg") => filing::map_image,
        pages.get("reports" / "new" / "details") => filing::details_page,
        pages.with_files("reports" / "new" / "details") => filing::details_submit,
        pages.get("reports" / String) => report::report_page,
        pages.post("reports" / String / "join") => report::join_submit,
        pages.post("reports" / String / "confirm") => report::confirm_submit,
        pages.post("reports" / String / "dispute") => report::dispute_submit,
    ];
    routes.push(office);
    veche_core::web::combine(routes)
}

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

fn parse_report(raw: &str) -> Result<ReportId, Problem> {
    ReportId::parse(raw).ok_or_else(Problem::not_found)
}

/// The confirmations the residents' pages' redirects name (`?done=`).
pub(super) const DONE: Flashes = Flashes(&[
    ("filed", "reports-flash-filed"),
    ("joined", "reports-flash-joined"),
    ("confirmed", "reports-flash-confirmed"),
    ("disputed", "reports-flash-disputed"),
]);

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
