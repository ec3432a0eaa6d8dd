//! The reports' JSON API under `/api/v1`: residents file, find, join and follow up reports
//! (`/reports`), moderators decide them, officials work their organisation's queue, admins
//! keep the categories, organisations and calendar (`/report-categories`,
//! `/report-organisations`, `/report-calendar`).
//!
//! One file per resource family: [`reports`] (a report, its list, nearby, joining),
//! [`workflow`] (every transition, the queues), [`admin`] (categories, organisations, their
//! officials, the calendar).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::api::{Api, NoBody, Request};
use veche_core::web::cursor::{encode_cursor, parse_limit};
use veche_core::web::precondition::set_etag;
use veche_core::web::problem::Problem;
use veche_core::web::respond;

use crate::model::{Report, ReportId};
use crate::service::{self, Reports};
use crate::store::After;
use crate::views::{ReportList, Viewing};

mod admin;
pub(crate) mod dashboard;
mod reports;
mod workflow;

/// Largest report, answer or decision a request may carry (a description is up to 2,000
/// characters, an answer up to 4,000).
pub const REPORT_LIMIT: u64 = 64 * 1024;

/// A reports API request with body `B`.
type Req<B = NoBody> = Request<Platform, Arc<Reports>, B>;

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

fn report_id(raw: &str) -> Result<ReportId, Problem> {
    ReportId::parse(raw).ok_or_else(Problem::not_found)
}

/// A page position as a cursor: `MILLIS:ID`, opaque to clients.
fn cursor(next: After) -> Option<String> {
    next.map(|(at, id)| encode_cursor(&format!("{at}:{id}")))
}

/// The `cursor` of a list as its position (`invalid_cursor` when it is not one of ours).
fn after(query: &HashMap<String, String>) -> Result<After, Problem> {
    veche_core::web::cursor::after(query, |raw| {
        let (at, id) = raw.split_once(':')?;
        Some((at.parse::<i64>().ok()?, ReportId::parse(id)?))
    })
}

/// Shows reports to the caller: the names routing reasons need are read once.
async fn viewing<R, T>(req: &Req<R>, show: impl FnOnce(&Viewing<'_>) -> T) -> Result<T, Problem> {
    let organisations = service::organisation_names(&req.platform).await?;
    let directory = req.platform.directory();
    let viewing = Viewing {
        viewer: viewer(req).map(|a| &a.id),
        now: veche_core::clock::now(),
        lang: req.lang,
        catalog: &req.platform.catalog,
        organisations: &organisations,
        directory: &directory,
    };
    Ok(show(&viewing))
}

/// A page of reports as the API lists them, with the cursor of the next.
async fn list_answer<R>(req: &Req<R>, page: &service::Page) -> Result<Response, Problem> {
    viewing(req, |v| {
        respond::ok(&ReportList {
            items: page.reports.iter().map(|r| v.report(r)).collect(),
            next_cursor: cursor(page.next.clone()),
        })
    })
    .await
}

/// A list of the signed-in caller's (`cursor`, `limit`): `read` (a use case) gets the
/// reports, the caller and the page asked for.
async fn caller_list(
    req: &Req,
    read: impl AsyncFnOnce(&Reports, &Account, After, usize) -> service::ReportResult<service::Page>,
) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let query = req.query()?;
        let (after, limit) = (after(&query)?, parse_limit(&query)?);
        let page = read(&req.state, &who.account, after, limit).await?;
        list_answer(req, &page).await
    })
    .await
}

/// A report as the API shows it to the caller, its version as the `ETag`.
async fn report_response<R>(
    req: &Req<R>,
    status: http::StatusCode,
    report: &Report,
) -> Result<Response, Problem> {
    viewing(req, |v| {
        let mut response = respond::json(status, &v.report(report));
        set_etag(&mut response, report.version);
        response
    })
    .await
}

/// A transition by the signed-in caller: `act` makes it, given who asks, the version in
/// `If-Match` and the body (checked in that order); the answer shows the report after it.
async fn transition<'r, B, Fut>(
    req: &'r Req<B>,
    act: impl FnOnce(&'r Req<B>, &'r Account, Option<u64>, &'r B) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<Report, Problem>>,
{
    req.answer(async {
        let (who, expected, input) = req.change()?;
        let report = act(req, &who.account, expected, input).await?;
        report_response(req, http::StatusCode::OK, &report).await
    })
    .await
}

/// Every reports route (the JSON API; never cached).
pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    let api = Api::new(platform, reports).no_store().limit(REPORT_LIMIT);
    veche_core::web::combine(veche_core::api_routes![
        // Reports (the fixed paths before `{id}`).
        api.get("api" / "v1" / "reports") => reports::list_reports,
        api.post("api" / "v1" / "reports") => reports::file_report,
        api.get("api" / "v1" / "reports" / "nearby") => reports::nearby_reports,
        api.get("api" / "v1" / "reports" / "mine") => reports::my_reports,
        api.get("api" / "v1" / "reports" / String) => reports::get_report,
        api.put("api" / "v1" / "reports" / String / "join") => reports::join_report,
        // The workflow.
        api.post("api" / "v1" / "reports" / String / "decision") => workflow::decide,
        api.post("api" / "v1" / "reports" / String / "start") => workflow::start,
        api.post("api" / "v1" / "reports" / String / "answer") => workflow::answer,
        api.post("api" / "v1" / "reports" / String / "reroute") => workflow::reroute,
        api.post("api" / "v1" / "reports" / String / "confirmation") => workflow::confirm,
        api.post("api" / "v1" / "reports" / String / "dispute") => workflow::dispute,
        api.get("api" / "v1" / "moderation" / "reports") => workflow::moderation_queue,
        api.get("api" / "v1" / "report-organisations" / String / "queue") => workflow::queue,
        // Administration.
        api.get("api" / "v1" / "report-categories") => admin::list_categories,
        api.post("api" / "v1" / "report-categories") => admin::create_category,
        api.put("api" / "v1" / "report-categories" / String) => admin::update_category,
        api.get("api" / "v1" / "report-organisations") => admin::list_profiles,
        api.put("api" / "v1" / "report-organisations" / String) => admin::set_profile,
        api.get("api" / "v1" / "report-calendar") => admin::list_days,
        api.put("api" / "v1" / "report-calendar" / String) => admin::set_day,
        api.delete("api" / "v1" / "report-calendar" / String) => admin::remove_day,
        // The dashboard.
        api.get("api" / "v1" / "report-organisations" / String / "dashboard") => dashboard::organisation_dashboard,
        api.get("api" / "v1" / "report-dashboard") => dashboard::dashboard,
    ])
}

/// The reports' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(reports::list_reports, reports::file_report, reports::nearby_reports,
        reports::my_reports, reports::get_report, reports::join_report, workflow::decide,
        workflow::start, workflow::answer, workflow::reroute, workflow::confirm,
        workflow::dispute, workflow::moderation_queue, workflow::queue, admin::list_categories,
        admin::create_category, admin::update_category, admin::list_profiles, admin::set_profile,
        admin::list_days, admin::set_day, admin::remove_day, crate::open311::keys::issue_key,
        dashboard::organisation_dashboard, dashboard::dashboard),
    components(schemas(crate::rules::ReportInput, crate::rules::DecisionInput,
        crate::rules::AnswerInput, crate::rules::RerouteInput, crate::rules::NoteInput,
        crate::rules::CategoryInput, crate::rules::ProfileInput, crate::rules::DayInput, crate::views::ReportView, crate::views::ReportList,
        crate::views::StepView, crate::views::AnswerView, crate::views::RoutingView,
        crate::views::NearbyView, crate::views::NearbyList, crate::views::JoinView,
        crate::views::CategoryView, crate::views::CategoryList, crate::views::ProfileView,
        crate::views::ProfileList, crate::views::DayView, crate::views::DayList,
        crate::open311::keys::KeyInput, crate::open311::keys::KeyIssued,
        dashboard::DashboardView, dashboard::FiguresView, dashboard::GroupView)),
    tags((name = "reports", description = "Problem reports («Наш город»): filing, nearby duplicates, the workflow with deadlines, administration")))]
pub struct ReportsApi;
