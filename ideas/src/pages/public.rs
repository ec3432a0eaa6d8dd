//! What anyone may read of a project: its public moderation log and its results.

use askama::Template;
use warp::reply::Response;

use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::show::show_date;

use super::residents::parse_project;
use super::views::text_of;
use super::{viewer, Page, DONE};
use crate::log::Action;
use crate::model::{Outcome, Reason};
use crate::service;

pub struct CountRow {
    pub label: String,
    pub count: u64,
}

pub struct DayRow {
    pub date: String,
    pub counts: Vec<u64>,
}

#[derive(Template)]
#[template(path = "ideas_log.html")]
struct LogPage<'a> {
    tr: Tr<'a>,
    project_id: String,
    project_title: String,
    decisions: Vec<CountRow>,
    reasons: Vec<CountRow>,
    actions: Vec<String>,
    days: Vec<DayRow>,
}

/// GET /ideas/projects/{id}/log
pub(super) async fn log_page(id: String, page: Page) -> Response {
    page.answer(async |ctx, ideas, query| {
        let pid = parse_project(&id)?;
        let project = service::project(ideas, viewer(ctx), &pid).await?;
        let summary = service::moderation_log(ideas, viewer(ctx), &pid).await?;
        let tr = ctx.tr();
        let action_label = |a: Action| tr.t(&format!("ideas-action-{}", a.as_str()));
        let body = LogPage {
            tr,
            project_id: project.id.to_string(),
            project_title: project.title.clone(),
            decisions: Action::ALL
                .iter()
                .map(|a| CountRow {
                    label: action_label(*a),
                    count: summary.decisions.get(a).copied().unwrap_or(0),
                })
                .collect(),
            reasons: Reason::ALL
                .iter()
                .map(|r| CountRow {
                    label: tr.t(&format!("ideas-reason-{}", r.as_str())),
                    count: summary.rejections_by_reason.get(r).copied().unwrap_or(0),
                })
                .collect(),
            actions: Action::ALL.iter().map(|a| action_label(*a)).collect(),
            days: summary
                .days
                .iter()
                .rev()
                .map(|d| DayRow {
                    date: d.date.clone(),
                    counts: Action::ALL
                        .iter()
                        .map(|a| d.decisions.get(a).copied().unwrap_or(0))
                        .collect(),
                })
                .collect(),
        };
        let title = tr.t1("ideas-log-title", "project", &project.title);
        Ok(DONE.page(ctx, query, &title, &body))
    })
    .await
}

pub struct ResultRow {
    pub id: String,
    pub title: String,
    pub outcome_code: &'static str,
    pub outcome: String,
    pub supports: String,
    /// "Authors: …", crediting the author and those whose ideas were merged in.
    pub authors: String,
    pub steps: Vec<(String, String, Vec<Vec<String>>)>,
}

#[derive(Template)]
#[template(path = "ideas_results.html")]
struct ResultsPage<'a> {
    tr: Tr<'a>,
    project_id: String,
    project_title: String,
    rows: Vec<ResultRow>,
}

/// "Authors: Анна К., Пётр and 2 more residents", or "Authors: 3 residents" when none is named.
fn credits(tr: Tr<'_>, names: &[String], unnamed: usize) -> String {
    let unnamed = as_i64(unnamed);
    if names.is_empty() {
        return tr.n("ideas-results-residents", unnamed);
    }
    let mut listed = names.join(", ");
    if unnamed > 0 {
        listed = format!("{listed} {}", tr.n("ideas-results-more", unnamed));
    }
    let key = if names.len() == 1 && unnamed == 0 {
        "ideas-results-author"
    } else {
        "ideas-results-authors"
    };
    tr.t1(key, "names", &listed)
}

fn outcome_label(tr: Tr<'_>, outcome: Outcome) -> String {
    tr.t(&format!("ideas-outcome-{}", outcome.as_str()))
}

/// GET /ideas/projects/{id}/results
pub(super) async fn results_page(id: String, page: Page) -> Response {
    page.answer(async |ctx, ideas, query| {
        let pid = parse_project(&id)?;
        let project = service::project(ideas, viewer(ctx), &pid).await?;
        let found = service::credited_results(&ctx.platform, ideas, viewer(ctx), &pid).await?;
        let tr = ctx.tr();
        let rows = found
            .iter()
            .filter_map(|credited| {
                let idea = &credited.idea;
                let outcome = idea.outcome?;
                Some(ResultRow {
                    id: idea.id.to_string(),
                    title: idea.title.clone(),
                    outcome_code: outcome.as_str(),
                    outcome: outcome_label(tr, outcome),
                    supports: tr.n("ideas-supports", as_i64(idea.supports)),
                    authors: credits(tr, &credited.names, credited.unnamed),
                    steps: idea
                        .updates
                        .iter()
                        .map(|u| {
                            (
                                show_date(tr, u.at),
                                outcome_label(tr, u.outcome),
                                text_of(&u.text),
                            )
                        })
                        .collect(),
                })
            })
            .collect();
        let body = ResultsPage {
            tr,
            project_id: project.id.to_string(),
            project_title: project.title.clone(),
            rows,
        };
        let title = tr.t1("ideas-results-title", "project", &project.title);
        Ok(DONE.page(ctx, query, &title, &body))
    })
    .await
}
