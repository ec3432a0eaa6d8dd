//! The public list of reports beside the map (filters: district, category, status, overdue;
//! links keep them), and the resident's own reports. The author is never shown.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use warp::reply::Response;

use veche_core::districts::map::{district_areas, DistrictLook};
use veche_core::id::DistrictId;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::input::query_param;
use veche_core::web::map::{self, Cluster, Fill, LegendEntry, MapPoint, Scale};
use veche_core::web::pages::error_page;
use veche_core::web::problem::Problem;
use veche_core::web::show::to_signin;
use veche_core::web::Html;

use super::views::{status_label, CategoryOption, Choice, Names, ReportCard};
use super::{after, cursor, viewer, DONE, PAGE_SIZE, REPORTS_PATH};
use crate::model::{CategoryId, Report, Status};
use crate::service::{self, ListRequest, Reports, PAGE_MAX};

/// The most reports the map draws (the newest of the filter's).
const MAP_MAX: usize = 500;

/// The list's filters as the query gave them (kept in every link).
#[derive(Clone, Debug, Default)]
struct Filters {
    district: String,
    category: String,
    status: String,
    overdue: bool,
}

impl Filters {
    fn of(query: &HashMap<String, String>) -> Filters {
        let get = |n: &str| {
            query
                .get(n)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        Filters {
            district: get("district"),
            category: get("category"),
            status: get("status"),
            overdue: matches!(get("overdue").as_str(), "1" | "true" | "on"),
        }
    }

    /// The list's link with these filters, `district` replaced when given, and a cursor.
    fn href(&self, district: Option<&str>, cursor: Option<&str>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let district = district.unwrap_or(&self.district);
        for (name, value) in [
            ("district", district),
            ("category", self.category.as_str()),
            ("status", self.status.as_str()),
        ] {
            if !value.is_empty() {
                q.append_pair(name, value);
            }
        }
        if self.overdue {
            q.append_pair("overdue", "1");
        }
        if let Some(c) = cursor {
            q.append_pair("cursor", c);
        }
        let q = q.finish();
        if q.is_empty() {
            REPORTS_PATH.to_string()
        } else {
            format!("{REPORTS_PATH}?{q}")
        }
    }

    fn request(&self, query: &HashMap<String, String>) -> Result<ListRequest, Problem> {
        let status = query_param(query, "status", Status::parse, "invalid_filter")?;
        if status.is_some_and(|s| !s.public()) {
            return Err(Problem::bad_request("invalid_filter").with("field", "status"));
        }
        Ok(ListRequest {
            district: query_param(query, "district", DistrictId::parse, "invalid_filter")?,
            category: query_param(query, "category", CategoryId::parse, "invalid_filter")?,
            status,
            overdue: self.overdue,
            after: after(query)?,
            limit: PAGE_SIZE,
        })
    }
}

#[derive(Template)]
#[template(path = "reports_list.html")]
struct ListPage<'a> {
    tr: Tr<'a>,
    cards: Vec<ReportCard>,
    districts: Vec<Choice>,
    categories: Vec<CategoryOption>,
    statuses: Vec<Choice>,
    overdue: bool,
    next_href: Option<String>,
    first_href: Option<String>,
    map: Html,
    map_count: String,
    signed_in: bool,
}

/// GET /reports?district=…&category=…&status=…&overdue=1&cursor=…
pub(super) async fn list_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    let filters = Filters::of(&query);
    let result = async {
        let request = filters.request(&query)?;
        let page = service::list(&reports, &request).await?;
        let drawn = map_reports(&reports, &request).await?;
        let names = Names::read(&ctx, &reports).await?;
        Ok::<_, Problem>((page, drawn, names, request.after.is_some()))
    };
    let (page, drawn, names, later) = match result.await {
        Ok(found) => found,
        Err(p) => return error_page(&ctx, p),
    };
    let tr = ctx.tr();
    let now = veche_core::clock::now();
    let mut statuses = vec![Choice {
        value: String::new(),
        label: tr.t("reports-filter-any-status"),
        selected: filters.status.is_empty(),
    }];
    statuses.extend(Status::ALL.iter().filter(|s| s.public()).map(|s| Choice {
        value: s.as_str().to_string(),
        label: status_label(tr, *s),
        selected: filters.status == s.as_str(),
    }));
    let body = ListPage {
        tr,
        cards: ReportCard::all(tr, &names, &page.reports, now),
        districts: names.district_options(&filters.district),
        categories: names.category_options(&filters.category),
        statuses,
        overdue: filters.overdue,
        next_href: cursor(page.next.clone()).map(|c| filters.href(None, Some(&c))),
        first_href: later.then(|| filters.href(None, None)),
        map: reports_map(&ctx, &names, &filters, &drawn),
        map_count: tr.n("reports-map-count", drawn.len() as i64),
        signed_in: viewer(&ctx).is_some(),
    };
    DONE.page(&ctx, &query, &tr.t("reports-list-title"), &body)
}

/// The newest of the filter's reports, at most [`MAP_MAX`], for the map.
async fn map_reports(reports: &Reports, request: &ListRequest) -> Result<Vec<Report>, Problem> {
    let mut request = ListRequest {
        after: None,
        limit: PAGE_MAX,
        ..request.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = service::list(reports, &request).await?;
        out.extend(page.reports);
        match page.next {
            Some(next) if out.len() < MAP_MAX => request.after = Some(next),
            _ => break,
        }
    }
    out.truncate(MAP_MAX);
    Ok(out)
}

/// The districts (shaded by how many of the drawn reports lie in each, each a link to the
/// list there) and the reports as points (each a link to the report; where they crowd, a
/// cluster linking to the list in the district at its centre).
fn reports_map(ctx: &Ctx, names: &Names, filters: &Filters, drawn: &[Report]) -> Html {
    let tr = ctx.tr();
    let boundaries = ctx.platform.boundaries();
    if boundaries.is_empty() {
        return Html::default();
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for r in drawn {
        *counts.entry(r.district_id.as_str()).or_default() += 1;
    }
    let values: Vec<i64> = counts.values().copied().collect();
    let scale = Scale::quantiles(&values, 5);
    let areas = district_areas(&boundaries, &names.directory, tr.lang, |_, id| {
        let href = Some(filters.href(Some(id), None));
        match (counts.get(id), &scale) {
            (Some(&n), Some(scale)) => DistrictLook {
                fill: Fill::Bucket(scale.bucket(n)),
                note: Some(tr.n("reports-map-count", n)),
                href,
            },
            _ => DistrictLook {
                href,
                ..DistrictLook::no_data()
            },
        }
    });
    let points = drawn
        .iter()
        .map(|r| MapPoint {
            lat: r.place.lat,
            lon: r.place.lon,
            href: format!("/reports/{}", r.id),
            label: format!(
                "{} — {}",
                names.category(r.category_id.as_str()),
                status_label(tr, r.status)
            ),
            status: r.status.as_str().to_string(),
        })
        .collect();
    let cluster_href = |c: &Cluster| {
        let district = boundaries.locate(c.lat, c.lon);
        filters.href(district.as_ref().map(|d| d.as_str()), None) + "#reports-list"
    };
    let mut legend = scale.map(|s| s.legend()).unwrap_or_default();
    legend.push(LegendEntry {
        fill: Fill::NoData,
        label: tr.t("reports-map-none"),
    });
    let outlines = boundaries.outlines();
    map::render(
        tr,
        &map::Map {
            id: "reports",
            title: tr.t("reports-map-title"),
            outlines: &outlines,
            areas,
            points,
            cluster_href: Some(&cluster_href),
            legend,
        },
    )
}

#[derive(Template)]
#[template(path = "reports_mine.html")]
struct MinePage<'a> {
    tr: Tr<'a>,
    cards: Vec<ReportCard>,
    next_href: Option<String>,
    joined: Vec<ReportCard>,
    joined_next_href: Option<String>,
}

/// GET /reports/mine?cursor=…&joined=… (the reports filed, and those joined, each list with
/// its own position)
pub(super) async fn mine_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    let Some(me) = viewer(&ctx) else {
        return to_signin("/reports/mine");
    };
    let result = async {
        let page = service::mine(&reports, me, after(&query)?, PAGE_SIZE).await?;
        let joined_at = query
            .get("joined")
            .map(|j| HashMap::from([("cursor".to_string(), j.clone())]))
            .unwrap_or_default();
        let joined = service::joined_reports(&reports, me, after(&joined_at)?, PAGE_SIZE).await?;
        let names = Names::read(&ctx, &reports).await?;
        Ok::<_, Problem>((page, joined, names))
    };
    let (page, joined, names) = match result.await {
        Ok(found) => found,
        Err(p) => return error_page(&ctx, p),
    };
    let tr = ctx.tr();
    let now = veche_core::clock::now();
    let body = MinePage {
        tr,
        cards: ReportCard::all(tr, &names, &page.reports, now),
        next_href: cursor(page.next.clone()).map(|c| format!("/reports/mine?cursor={c}")),
        joined: ReportCard::all(tr, &names, &joined.reports, now),
        joined_next_href: cursor(joined.next.clone())
            .map(|c| format!("/reports/mine?joined={c}#joined")),
    };
    DONE.page(&ctx, &query, &tr.t("reports-mine-title"), &body)
}
