//! The office's pages: moderators decide submitted reports ([`moderation`]); officials work
//! their organisation's queue and answer, take or re-route a report, admins any
//! organisation's ([`queue`]); officials and admins read the dashboard and download it as CSV
//! ([`dashboard`]).
//!
//! Every page works without JavaScript: forms POST with a CSRF token and answer 303 to the
//! page they came from with a `done` code the page turns into a message; a refused form comes
//! back filled, with what refused it. Every text comes from the catalog (`reports-office-*`
//! keys in `i18n/office.*.ftl`); askama escapes everything a person typed.

mod dashboard;
mod moderation;
mod queue;

use std::collections::HashMap;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;

use veche_core::accounts::model::{Account, Organisation};
use veche_core::districts::Directory;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::cursor::encode_cursor;
use veche_core::web::i18n::Tr;
use veche_core::web::page_routes::Pages;
use veche_core::web::pages::Flashes;
use veche_core::web::problem::Problem;
use veche_core::web::show::{paragraphs, show_time};

use crate::http::dashboard::Names;
use crate::model::{Category, Report, ReportId, Status};
use crate::service::{self, Reports};
use crate::store::After;

/// Reports per page of a queue.
const PAGE_SIZE: usize = 20;

pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    let pages = Pages::new(platform, reports).files(queue::ANSWER_LIMIT);
    veche_core::web::combine(veche_core::page_routes![
        pages.get("moderation" / "reports") => moderation::queue_page,
        pages.post("moderation" / "reports" / String / "decision") => moderation::decide_submit,
        pages.get("office" / "reports") => queue::queue_page,
        pages.get("office" / "reports" / String) => queue::report_page,
        pages.post("office" / "reports" / String / "start") => queue::start_submit,
        pages.with_files("office" / "reports" / String / "answer") => queue::answer_submit,
        pages.post("office" / "reports" / String / "reroute") => queue::reroute_submit,
        pages.get("office" / "dashboard") => dashboard::dashboard_page,
        pages.get("office" / "dashboard.csv") => dashboard::dashboard_csv,
    ])
}

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

fn report_id(raw: &str) -> Result<ReportId, Problem> {
    ReportId::parse(raw).ok_or_else(Problem::not_found)
}

/// A page position as a cursor (`MILLIS:ID`).
fn cursor(next: &After) -> Option<String> {
    next.as_ref()
        .map(|(at, id)| encode_cursor(&format!("{at}:{id}")))
}

/// The `cursor` of a page's query as a position.
fn after(query: &HashMap<String, String>) -> Result<After, Problem> {
    veche_core::web::cursor::after(query, |raw| {
        let (at, id) = raw.split_once(':')?;
        Some((at.parse::<i64>().ok()?, ReportId::parse(id)?))
    })
}

/// The names pages show: categories, organisations, districts.
struct Lookup {
    categories: Vec<Category>,
    organisations: Vec<Organisation>,
    directory: Arc<Directory>,
}

impl Lookup {
    async fn read(ctx: &Ctx, reports: &Reports) -> Result<Lookup, Problem> {
        Ok(Lookup {
            categories: service::categories(reports).await?,
            organisations: service::organisation_names(&ctx.platform).await?,
            directory: ctx.platform.directory(),
        })
    }

    fn names(&self, tr: Tr<'_>) -> Names<'_> {
        Names {
            lang: tr.lang,
            categories: &self.categories,
            directory: &self.directory,
            organisations: &self.organisations,
        }
    }

    fn viewing<'a>(&'a self, ctx: &'a Ctx) -> crate::views::Viewing<'a> {
        crate::views::Viewing {
            viewer: viewer(ctx).map(|a| &a.id),
            now: veche_core::clock::now(),
            lang: ctx.lang,
            catalog: &ctx.platform.catalog,
            organisations: &self.organisations,
            directory: &self.directory,
        }
    }
}

pub fn status_label(tr: Tr<'_>, status: Status) -> String {
    tr.t(&format!("reports-status-{}", status.as_str()))
}

/// What every office page shows of a report.
pub struct Card {
    pub id: String,
    pub version: u64,
    pub category: String,
    pub place: String,
    pub district: String,
    pub description: Vec<Vec<String>>,
    pub photos: Vec<String>,
    pub status_code: &'static str,
    pub status: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    /// "Sent to X because …".
    pub routing: Option<String>,
}

impl Card {
    fn new(tr: Tr<'_>, lookup: &Lookup, ctx: &Ctx, report: &Report) -> Card {
        let names = lookup.names(tr);
        let view = lookup.viewing(ctx).report(report);
        let place = match &report.place.address {
            Some(address) => address.clone(),
            None => format!("{:.5}, {:.5}", report.place.lat, report.place.lon),
        };
        Card {
            id: report.id.to_string(),
            version: report.version,
            category: names.category(report.category_id.as_str()),
            place,
            district: names.district(report.district_id.as_str()),
            description: paragraphs(&report.description),
            photos: report.photos.clone(),
            status_code: report.status.as_str(),
            status: status_label(tr, report.status),
            deadline: report.due().map(|d| show_time(tr, d)),
            overdue: view.overdue,
            routing: view.routing.map(|r| r.reason),
        }
    }
}

/// The confirmations the office's redirects name (`?done=`).
pub(super) const DONE: Flashes = Flashes(&[
    ("rejected", "reports-office-flash-rejected"),
    ("started", "reports-office-flash-started"),
    ("answered", "reports-office-flash-answered"),
    ("rerouted", "reports-office-flash-rerouted"),
]);
