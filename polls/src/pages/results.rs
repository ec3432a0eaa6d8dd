//! GET /polls/{id}/results: the charts, the breakdowns and the downloads.

use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};

use crate::model::{Poll, Status, Visibility};
use crate::pages::charts::{breakdown, question_charts, Breakdown, QuestionChart};
use crate::pages::common::{
    load_visible, paragraphs, show_time, status_label, viewer, votes_label,
};
use crate::pages::maps::{results_maps, ResultsMap};
use crate::rules;
use crate::service::{self, Polls};
use crate::views::Results;

pub struct Download {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    status_code: &'static str,
    status_label: String,
    is_final: bool,
    ballots: String,
    charts: Vec<QuestionChart>,
    districts: Breakdown,
    /// Ballots and each question's leader by district, drawn from the same cells as the table.
    maps: Vec<ResultsMap>,
    ages: Breakdown,
    root: Option<String>,
    decision: Option<Vec<Vec<String>>>,
    downloads: Vec<Download>,
}

#[derive(Template)]
#[template(path = "results_hidden.html")]
struct ResultsHiddenPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    why: String,
}

/// Why results are not shown yet, and when they will be.
fn results_hidden_reason(tr: Tr<'_>, poll: &Poll, status: Status) -> String {
    let closes = poll.closes_at.map(|c| show_time(tr, c)).unwrap_or_default();
    match (status, poll.visibility) {
        (Status::Draft | Status::Scheduled, _) => tr.t("polls-results-hidden-not-started"),
        (Status::Open, Visibility::AfterVoting) => {
            tr.t1("polls-results-hidden-vote-first", "time", &closes)
        }
        (Status::Open, Visibility::AfterClose) => {
            tr.t1("polls-results-hidden-after-close", "time", &closes)
        }
        (_, _) => tr.t("polls-results-hidden-officials"),
    }
}

/// GET /polls/{id}/results
pub(super) async fn results_page(raw_id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let poll = match load_visible(&ctx, &polls, &raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let me = viewer(&ctx);
    let tr = ctx.tr();
    let now = clock::now();
    let voted = match service::has_voted(&polls, &poll.id, me).await {
        Ok(b) => b.is_some(),
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let status = poll.status(now);
    if !rules::may_see_results(&poll, me, voted, now) {
        let body = ResultsHiddenPage {
            tr,
            id: poll.id.to_string(),
            title: poll.title.clone(),
            why: results_hidden_reason(tr, &poll, status),
        };
        return page(
            &ctx,
            StatusCode::FORBIDDEN,
            &tr.t("polls-results-title"),
            &body,
        );
    }
    let counts = match polls.counts(&poll).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let directory = ctx.platform.directory();
    let results = Results::new(&poll, &counts, &directory, ctx.lang, now);
    // The results for anyone who may see them; once sealed, the ballots and the seal too.
    let mut files = vec![
        ("results.csv", "polls-download-results-csv"),
        ("results", "polls-download-results-json"),
    ];
    if poll.seal.is_some() {
        files.extend([
            ("ballots.csv", "polls-download-ballots-csv"),
            ("ballots.json", "polls-download-ballots-json"),
            ("seal", "polls-download-seal"),
        ]);
    }
    let downloads = files
        .into_iter()
        .map(|(file, key)| Download {
            href: format!("/api/v1/polls/{}/{file}", poll.id),
            label: tr.t(key),
        })
        .collect();
    let body = ResultsPage {
        tr,
        id: poll.id.to_string(),
        title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        is_final: results.is_final,
        ballots: votes_label(tr, results.ballots),
        charts: question_charts(tr, &results),
        districts: breakdown(&results, &results.districts),
        maps: results_maps(tr, &results, &ctx.platform.boundaries(), &directory),
        ages: breakdown(&results, &results.age_brackets),
        root: results.root.clone(),
        decision: poll.decision.as_deref().map(paragraphs),
        downloads,
    };
    page(&ctx, StatusCode::OK, &tr.t("polls-results-title"), &body)
}
