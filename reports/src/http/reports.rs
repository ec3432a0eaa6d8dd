//! Reports: the public list, filing, open reports near a point, the caller's own, one report,
//! joining.

use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use veche_core::web::cursor::parse_limit;
use veche_core::web::idempotency::Outcome;
use veche_core::web::input::query_param;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::{CreateHeaders, CsrfHeader, Guarded, Limited, Paging, SignedIn};

use super::{after, caller_list, list_answer, report_id, report_response, viewer, viewing, Req};
use crate::model::{CategoryId, Status};
use crate::rules::ReportInput;
use crate::service::{self, ListRequest};
use crate::views::{JoinView, NearbyList, ReportList, ReportView};
use crate::ReportsLimit;

/// Accepted reports (no author), newest first, or the longest overdue first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    params(("district" = Option<String>, Query), ("category" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "`routed`, `in_progress`, `answered`, `closed`, `reopened`"),
        ("overdue" = Option<bool>, Query, description = "Only those past their deadline, the longest overdue first"),
        Paging),
    responses((status = 200, body = ReportList),
        (status = 400, description = "`invalid_filter`, `invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 403, description = "`forbidden`: a status that is not public", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_reports(req: Req) -> Response {
    req.answer(async {
        let query = req.query()?;
        let request = ListRequest {
            district: query_param(
                &query,
                "district",
                veche_core::id::DistrictId::parse,
                "invalid_filter",
            )?,
            category: query_param(&query, "category", CategoryId::parse, "invalid_filter")?,
            status: query_param(&query, "status", Status::parse, "invalid_filter")?,
            overdue: query_param(
                &query,
                "overdue",
                |v| v.parse::<bool>().ok(),
                "invalid_filter",
            )?
            .unwrap_or(false),
            after: after(&query)?,
            limit: parse_limit(&query)?,
        };
        let page = service::list(&req.state, &request).await?;
        list_answer(&req, &page).await
    })
    .await
}

/// Files a report at a point (the district is where the point lies); it waits for a
/// moderator. Look at `GET /api/v1/reports/nearby` first: joining an open report of the same
/// problem is better than a new one.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports",
    request_body = ReportInput,
    params(CreateHeaders),
    responses((status = 201, description = "Filed; `Location` and `ETag`", body = ReportView),
        Guarded, Limited,
        (status = 400, description = "`invalid_json`, `unknown_field`", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `category_id`, `lat` (`invalid_point`, `outside_districts`), `description`, `address`, `photos`", body = ProblemDocument)))]
pub async fn file_report(req: Req<ReportInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        req.once("reports.file", || async {
            service::admit(&req.platform.limits, ReportsLimit::File, &who.account)?;
            let report = service::file(&req.platform, &req.state, &who.account, input).await?;
            let body = viewing(&req, |v| json!(v.report(&report))).await?;
            Ok(Outcome::created(
                format!("/api/v1/reports/{}", report.id),
                body,
            ))
        })
        .await
    })
    .await
}

/// Open reports within a radius of a point, nearest first: of one category (within its
/// duplicate radius unless `radius` says) or any (500 m unless `radius` says; at most
/// 2,000 m).
#[utoipa::path(get, path = "/api/v1/reports/nearby", tag = "reports",
    params(("lat" = f64, Query), ("lon" = f64, Query), ("category" = Option<String>, Query),
        ("radius" = Option<u32>, Query, description = "Metres, 1 to 2,000")),
    responses((status = 200, body = NearbyList),
        (status = 400, description = "`invalid_filter`: a missing or unreadable point", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `lat` (`invalid_point`), `radius`", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument)))]
pub async fn nearby_reports(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        service::admit(&req.platform.limits, ReportsLimit::Nearby, &who.account)?;
        let query = req.query()?;
        let number = |v: &str| v.parse::<f64>().ok();
        let lat = query_param(&query, "lat", number, "invalid_filter")?;
        let lon = query_param(&query, "lon", number, "invalid_filter")?;
        let (Some(lat), Some(lon)) = (lat, lon) else {
            return Err(Problem::bad_request("invalid_filter").with("field", "lat"));
        };
        let category = query_param(&query, "category", CategoryId::parse, "invalid_filter")?;
        let radius = query_param(
            &query,
            "radius",
            |v| v.parse::<u32>().ok(),
            "invalid_filter",
        )?;
        let near = service::nearby(&req.state, (lat, lon), category.as_ref(), radius).await?;
        viewing(&req, |v| {
            respond::ok(&NearbyList {
                items: near.iter().map(|n| v.nearby(n)).collect(),
            })
        })
        .await
    })
    .await
}

/// The caller's own reports, every status, newest first.
#[utoipa::path(get, path = "/api/v1/reports/mine", tag = "reports",
    params(Paging),
    responses((status = 200, body = ReportList), SignedIn,
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument)))]
pub async fn my_reports(req: Req) -> Response {
    caller_list(&req, service::mine).await
}

/// A report with its history: accepted ones for everyone; others for their author,
/// moderators and the officials of the organisation it is with.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path)),
    responses((status = 200, description = "`ETag` holds the version", body = ReportView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_report(id: String, req: Req) -> Response {
    req.answer(async {
        let report = service::report(&req.state, viewer(&req), &report_id(&id)?).await?;
        report_response(&req, StatusCode::OK, &report).await
    })
    .await
}

/// Joins an open report ("me too"): the caller hears of it as its author does. Joining twice
/// is joining once.
#[utoipa::path(put, path = "/api/v1/reports/{id}/join", tag = "reports",
    params(("id" = String, Path), CsrfHeader),
    responses((status = 200, body = JoinView), Guarded, Limited,
        (status = 409, description = "`report_closed`, `own_report`", body = ProblemDocument)))]
pub async fn join_report(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let id = report_id(&id)?;
        service::admit(&req.platform.limits, ReportsLimit::Join, &who.account)?;
        let (report, first) = service::join(&req.state, &who.account, &id).await?;
        Ok(respond::ok(&JoinView {
            joiners: report.joiners,
            first,
        }))
    })
    .await
}
