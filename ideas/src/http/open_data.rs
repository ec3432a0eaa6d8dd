//! The project's open data: every decided idea with its supports and decision, in JSON or
//! CSV, without personal data (see [`crate::service::OpenIdea`]).

use warp::reply::Response;

use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;

use super::{project_id, viewer, Req};
use crate::service::{self, OpenData};
use crate::IdeasLimit;

/// Which rendering of the export.
#[derive(Clone, Copy)]
pub enum Format {
    Json,
    Csv,
}

/// The project's decided ideas as open data (a day, not an instant; no authors; a rejected
/// idea's reason but not its text). Limited per address (`idea_export`).
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/open-data.json", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment", body = OpenData),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn open_data_json(id: String, req: Req) -> Response {
    export(id, req, Format::Json).await
}

/// The same open data as CSV (RFC 4180, a header row; cells a spreadsheet would run as a
/// formula begin with `'`).
#[utoipa::path(get, path = "/api/v1/idea-projects/{id}/open-data.csv", tag = "ideas",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment", body = String, content_type = "text/csv"),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn open_data_csv(id: String, req: Req) -> Response {
    export(id, req, Format::Csv).await
}

/// The export in `format`.
async fn export(id: String, req: Req, format: Format) -> Response {
    req.answer(async {
        let project = project_id(&id)?;
        req.platform
            .limits
            .check_ip(IdeasLimit::Export, req.meta.client_ip)?;
        let data = service::open_data(&req.state, viewer(&req), &project).await?;
        Ok(match format {
            Format::Json => respond::attachment(
                serde_json::to_vec(&data).map_err(|_| Problem::internal())?,
                "application/json",
                &format!("ideas-{project}.json"),
            ),
            Format::Csv => respond::attachment(
                service::to_csv(&data),
                "text/csv; charset=utf-8",
                &format!("ideas-{project}.csv"),
            ),
        })
    })
    .await
}
