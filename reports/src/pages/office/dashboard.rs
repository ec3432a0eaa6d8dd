//! The dashboard page: an organisation's figures (its officials; admins any organisation's or
//! all together) overall, by category and by district, a chart of the open and overdue reports
//! by category, and the same table as a CSV download.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::accounts::model::Role;
use veche_core::id::OrganisationId;
use veche_core::platform::Ctx;
use veche_core::storage::as_i64;
use veche_core::web::chart::{self, Bar};
use veche_core::web::html::Html;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};
use veche_core::web::problem::Problem;
use veche_core::web::show::{show_time, to_signin};

use super::queue::Choice;
use super::{viewer, Lookup};
use crate::http::dashboard::{csv_response, DashboardView, FiguresView};
use crate::service::{self, organisation_of, Reports};

const PATH: &str = "/office/dashboard";

/// A row of the table, its numbers as the page writes them.
pub struct FigureRow {
    pub id: String,
    pub name: String,
    pub reports: u64,
    pub open: u64,
    pub overdue: u64,
    pub on_time: String,
    pub median: String,
    pub reopen: String,
}

impl FigureRow {
    fn new(tr: Tr<'_>, id: &str, name: &str, f: &FiguresView) -> FigureRow {
        let percent = |p: Option<f64>| p.map_or_else(|| "—".into(), |p| format!("{p} %"));
        FigureRow {
            id: id.to_string(),
            name: name.to_string(),
            reports: f.reports,
            open: f.open,
            overdue: f.overdue,
            on_time: match f.answered_on_time_percent {
                Some(p) => format!("{p} % ({}/{})", f.answered_on_time, f.answered),
                None => "—".into(),
            },
            median: f.median_hours_to_answer.map_or_else(
                || "—".into(),
                |h| tr.t1("reports-office-hours", "hours", &h.to_string()),
            ),
            reopen: percent(f.reopen_rate_percent),
        }
    }
}

/// A table of the figures by category or by district.
pub struct Section {
    pub caption: String,
    pub testid: &'static str,
    pub rows: Vec<FigureRow>,
}

#[derive(Template)]
#[template(path = "office_dashboard.html")]
struct DashboardPage<'a> {
    tr: Tr<'a>,
    choices: Option<Vec<Choice>>,
    scope: String,
    at: String,
    overall: FigureRow,
    sections: Vec<Section>,
    has_chart: bool,
    chart: Html,
    csv_href: String,
}

/// Whose dashboard the query asks for: an admin's choice (none: all), an official's own.
fn organisation(
    ctx: &Ctx,
    query: &HashMap<String, String>,
) -> Result<Option<OrganisationId>, Problem> {
    let me = viewer(ctx).ok_or_else(Problem::unauthorized)?;
    let asked = match query.get("organisation").filter(|o| !o.is_empty()) {
        Some(raw) => Some(OrganisationId::parse(raw).ok_or_else(Problem::not_found)?),
        None => None,
    };
    if me.has_role(Role::Admin) {
        return Ok(asked);
    }
    match (asked, organisation_of(me)) {
        (None, Some(mine)) => Ok(Some(mine.clone())),
        (Some(asked), Some(mine)) if &asked == mine => Ok(Some(asked)),
        _ => Err(Problem::forbidden()),
    }
}

async fn view(
    ctx: &Ctx,
    reports: &Reports,
    organisation: Option<&OrganisationId>,
    lookup: &Lookup,
) -> Result<DashboardView, Problem> {
    let me = viewer(ctx).ok_or_else(Problem::unauthorized)?;
    let dashboard = service::dashboard(reports, me, organisation).await?;
    Ok(lookup.names(ctx.tr()).view(&dashboard))
}

/// GET /office/dashboard?organisation=
pub(super) async fn dashboard_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    dashboard(ctx, reports, query, false).await
}

/// GET /office/dashboard.csv?organisation=
pub(super) async fn dashboard_csv(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    dashboard(ctx, reports, query, true).await
}

/// The dashboard the query asks for, as a page or (`csv`) as its CSV download.
async fn dashboard(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
    csv: bool,
) -> Response {
    if viewer(&ctx).is_none() {
        return to_signin(PATH);
    }
    let result = async {
        let organisation = organisation(&ctx, &query)?;
        let lookup = Lookup::read(&ctx, &reports).await?;
        let view = view(&ctx, &reports, organisation.as_ref(), &lookup).await?;
        if csv {
            return Ok(csv_response(&view));
        }
        let tr = ctx.tr();
        let admin = viewer(&ctx).is_some_and(|a| a.has_role(Role::Admin));
        let choices = if admin {
            let profiles = service::profiles(&reports).await?;
            Some(
                profiles
                    .iter()
                    .map(|p| Choice {
                        id: p.id.to_string(),
                        name: lookup
                            .names(tr)
                            .organisation(&p.id)
                            .unwrap_or_else(|| p.id.to_string()),
                        selected: organisation.as_ref() == Some(&p.id),
                    })
                    .collect(),
            )
        } else {
            None
        };
        let scope = view
            .organisation_name
            .clone()
            .unwrap_or_else(|| tr.t("reports-office-dashboard-all"));
        let bars: Vec<Bar> = view
            .by_category
            .iter()
            .map(|g| Bar {
                key: g.id.clone(),
                label: g.name.clone(),
                count: as_i64(g.figures.open),
                value: format!(
                    "{} ({})",
                    g.figures.open,
                    tr.n("reports-office-chart-overdue", as_i64(g.figures.overdue))
                ),
            })
            .collect();
        let chart = chart::render(&chart::bar_chart(
            "dashboard-open",
            &tr.t("reports-office-chart-title"),
            &bars,
        ));
        let rows = |groups: &[crate::http::dashboard::GroupView]| {
            groups
                .iter()
                .map(|g| FigureRow::new(tr, &g.id, &g.name, &g.figures))
                .collect()
        };
        let org = organisation
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_default();
        let body = DashboardPage {
            tr,
            choices,
            at: show_time(tr, view.at),
            overall: FigureRow::new(tr, "", &scope, &view.overall),
            sections: vec![
                Section {
                    caption: tr.t("reports-office-by-category"),
                    testid: "by-category",
                    rows: rows(&view.by_category),
                },
                Section {
                    caption: tr.t("reports-office-by-district"),
                    testid: "by-district",
                    rows: rows(&view.by_district),
                },
            ],
            has_chart: !view.by_category.is_empty(),
            chart,
            csv_href: format!("{PATH}.csv?organisation={org}"),
            scope,
        };
        Ok(page(
            &ctx,
            StatusCode::OK,
            &tr.t("reports-office-dashboard-title"),
            &body,
        ))
    }
    .await;
    result.unwrap_or_else(|p| error_page(&ctx, p))
}
