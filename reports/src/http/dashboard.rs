//! The dashboard of an organisation's reports (its officials, admins) and of all of them
//! (admins): open, overdue, answered on time, median time to answer, reopen rate; overall, by
//! category and by district. JSON, or CSV with `?format=csv` (the same table the page offers
//! for download).

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use warp::reply::Response;

use veche_core::accounts::model::Organisation;
use veche_core::districts::Directory;
use veche_core::id::OrganisationId;
use veche_core::web::csv;
use veche_core::web::i18n::Lang;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;
use veche_core::web::responses::Guarded;

use super::Req;
use crate::model::Category;
use crate::service::{self, Dashboard, Figures};

/// One set of figures.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FiguresView {
    /// Reports routed to the organisation.
    pub reports: u64,
    /// Owed an answer (routed, in progress, reopened).
    pub open: u64,
    /// Owed an answer past the deadline.
    pub overdue: u64,
    /// With a standing answer (answered, or closed after one).
    pub answered: u64,
    /// Of those, answered by the deadline.
    pub answered_on_time: u64,
    /// `answered_on_time` in percent of `answered` (one decimal; none without answers).
    pub answered_on_time_percent: Option<f64>,
    /// The median of the whole hours the standing answers took, from when the time to
    /// answer started (routing, re-routing or reopening).
    pub median_hours_to_answer: Option<f64>,
    /// Answered at least once.
    pub answered_ever: u64,
    /// Disputed by their authors at least once.
    pub reopened: u64,
    /// `reopened` in percent of `answered_ever` (one decimal).
    pub reopen_rate_percent: Option<f64>,
}

impl From<&Figures> for FiguresView {
    fn from(f: &Figures) -> Self {
        FiguresView {
            reports: f.reports,
            open: f.open,
            overdue: f.overdue,
            answered: f.answered,
            answered_on_time: f.on_time,
            answered_on_time_percent: f.on_time_percent(),
            median_hours_to_answer: f.median_hours,
            answered_ever: f.was_answered,
            reopened: f.reopened,
            reopen_rate_percent: f.reopen_percent(),
        }
    }
}

/// The figures of a category's or a district's reports.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub figures: FiguresView,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DashboardView {
    /// The organisation (none: every organisation's reports).
    pub organisation_id: Option<String>,
    pub organisation_name: Option<String>,
    /// When it was counted.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub overall: FiguresView,
    /// The largest first.
    pub by_category: Vec<GroupView>,
    pub by_district: Vec<GroupView>,
}

/// What names the dashboard's groups: categories, districts, organisations.
pub(crate) struct Names<'a> {
    pub lang: Lang,
    pub categories: &'a [Category],
    pub directory: &'a Directory,
    pub organisations: &'a [Organisation],
}

impl Names<'_> {
    pub fn category(&self, id: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.id.as_str() == id)
            .map_or_else(
                || id.to_string(),
                |c| match self.lang {
                    Lang::Ru => c.name_ru.clone(),
                    Lang::En => c.name_en.clone(),
                },
            )
    }

    pub fn district(&self, id: &str) -> String {
        self.directory
            .district(id)
            .map_or_else(|| id.to_string(), |d| d.name(self.lang).to_string())
    }

    pub fn organisation(&self, id: &OrganisationId) -> Option<String> {
        self.organisations
            .iter()
            .find(|o| &o.id == id)
            .map(|o| o.name.clone())
    }

    pub fn view(&self, d: &Dashboard) -> DashboardView {
        let groups = |list: &[(String, Figures)], name: &dyn Fn(&str) -> String| {
            list.iter()
                .map(|(id, f)| GroupView {
                    id: id.clone(),
                    name: name(id),
                    figures: f.into(),
                })
                .collect()
        };
        DashboardView {
            organisation_id: d.organisation.as_ref().map(|o| o.to_string()),
            organisation_name: d.organisation.as_ref().and_then(|o| self.organisation(o)),
            at: d.at,
            overall: (&d.overall).into(),
            by_category: groups(&d.by_category, &|id| self.category(id)),
            by_district: groups(&d.by_district, &|id| self.district(id)),
        }
    }
}

/// The CSV's columns.
pub(crate) const CSV_HEADER: [&str; 13] = [
    "scope",
    "id",
    "name",
    "reports",
    "open",
    "overdue",
    "answered",
    "answered_on_time",
    "answered_on_time_percent",
    "median_hours_to_answer",
    "answered_ever",
    "reopened",
    "reopen_rate_percent",
];

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The dashboard as CSV: a byte-order mark, the header, then the overall row (scope `all`),
/// the categories' and the districts' rows. Numbers as Rust writes them (a point for the
/// decimals, whatever the language); names and ids as defused text cells.
pub(crate) fn to_csv(view: &DashboardView) -> String {
    let mut out = String::from(csv::BOM);
    out.push_str(&csv::line(&CSV_HEADER.map(String::from)));
    let mut row = |scope: &str, id: &str, name: &str, f: &FiguresView| {
        let mut cells = vec![csv::cell(scope), csv::cell(id), csv::cell(name)];
        cells.extend(
            [f.reports, f.open, f.overdue, f.answered, f.answered_on_time].map(|n| n.to_string()),
        );
        cells.push(number(f.answered_on_time_percent));
        cells.push(number(f.median_hours_to_answer));
        cells.extend([f.answered_ever, f.reopened].map(|n| n.to_string()));
        cells.push(number(f.reopen_rate_percent));
        out.push_str(&csv::line(&cells));
    };
    let everyone = view.organisation_name.clone().unwrap_or_default();
    let id = view.organisation_id.clone().unwrap_or_default();
    row("all", &id, &everyone, &view.overall);
    for g in &view.by_category {
        row("category", &g.id, &g.name, &g.figures);
    }
    for g in &view.by_district {
        row("district", &g.id, &g.name, &g.figures);
    }
    out
}

/// The CSV download (`text/csv; charset=utf-8`), named by the organisation's id.
pub(crate) fn csv_response(view: &DashboardView) -> Response {
    let name = match &view.organisation_id {
        Some(id) => format!("reports-dashboard-{id}.csv"),
        None => "reports-dashboard.csv".to_string(),
    };
    respond::attachment(to_csv(view), "text/csv; charset=utf-8", &name)
}

/// The dashboard of `organisation` (every one's when `None`) for the caller, in the request's
/// format (`format=json`, the default, or `csv`).
async fn answer(req: &Req, organisation: Option<OrganisationId>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let query = req.query()?;
        let csv = match query.get("format").map(String::as_str) {
            None | Some("json") => false,
            Some("csv") => true,
            Some(_) => return Err(Problem::bad_request("invalid_format")),
        };
        let dashboard = service::dashboard(&req.state, &who.account, organisation.as_ref()).await?;
        let categories = service::categories(&req.state).await?;
        let organisations = service::organisation_names(&req.platform).await?;
        let directory = req.platform.directory();
        let names = Names {
            lang: req.lang,
            categories: &categories,
            directory: &directory,
            organisations: &organisations,
        };
        let view = names.view(&dashboard);
        Ok(if csv {
            csv_response(&view)
        } else {
            respond::ok(&view)
        })
    })
    .await
}

/// An organisation's dashboard (its officials, admins): open, overdue, answered on time,
/// median time to answer, reopen rate, overall and by category and district. `format=csv`
/// gives the same table as a CSV download (UTF-8 with a byte-order mark; a header row; the
/// overall row, then categories, then districts; numbers with a decimal point).
#[utoipa::path(get, path = "/api/v1/report-organisations/{id}/dashboard", tag = "reports",
    params(("id" = String, Path),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`")),
    responses((status = 200, body = DashboardView),
        (status = 200, description = "`format=csv`: the same table as an attachment", body = String, content_type = "text/csv"),
        Guarded,
        (status = 400, description = "`invalid_format`", body = ProblemDocument)))]
pub async fn organisation_dashboard(id: String, req: Req) -> Response {
    match OrganisationId::parse(&id) {
        Some(organisation) => answer(&req, Some(organisation)).await,
        None => req.answer(async { Err(Problem::not_found()) }).await,
    }
}

/// Every organisation's reports together (admins), as the organisation's dashboard.
#[utoipa::path(get, path = "/api/v1/report-dashboard", tag = "reports",
    params(("format" = Option<String>, Query, description = "`json` (the default) or `csv`")),
    responses((status = 200, body = DashboardView),
        (status = 200, description = "`format=csv`: the same table as an attachment", body = String, content_type = "text/csv"),
        Guarded,
        (status = 400, description = "`invalid_format`", body = ProblemDocument)))]
pub async fn dashboard(req: Req) -> Response {
    answer(&req, None).await
}
