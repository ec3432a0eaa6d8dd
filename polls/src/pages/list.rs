//! GET /polls: the residents' list of polls.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};
use veche_core::web::problem::Problem;

use crate::model::{Phase, PollId, PollQuery, Status};
use crate::pages::common::{ineligible_text, points_label, show_time, status_label, viewer};
use crate::pages::PAGE_SIZE;
use crate::rules;
use crate::service::{self, Polls};

const LIST_PATH: &str = "/polls";

pub struct PollCard {
    pub id: String,
    pub title: String,
    pub status_code: &'static str,
    pub status_label: String,
    pub when: String,
    pub points: String,
    pub voted: bool,
    pub hint: Option<String>,
    pub results_href: Option<String>,
}

#[derive(Template)]
#[template(path = "polls_list.html")]
struct ListPage<'a> {
    tr: Tr<'a>,
    balance: Option<String>,
    open: Vec<PollCard>,
    upcoming: Vec<PollCard>,
    finished: Vec<PollCard>,
    next_href: Option<String>,
    official: bool,
}

pub(super) fn cursor(
    ctx: &Ctx,
    query: &HashMap<String, String>,
) -> Result<Option<PollId>, Response> {
    match query.get("cursor").map(String::as_str) {
        None | Some("") => Ok(None),
        Some(raw) => PollId::parse(raw)
            .map(Some)
            .ok_or_else(|| error_page(ctx, Problem::bad_request("invalid_cursor"))),
    }
}

/// GET /polls?cursor=
pub(super) async fn list_page(
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let before = match cursor(&ctx, &query) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let me = viewer(&ctx);
    let request = PollQuery {
        phases: vec![Phase::Scheduled, Phase::Sealed, Phase::Published],
        organisation: None,
        before,
        limit: PAGE_SIZE,
    };
    let found = match service::list(&polls, me, &request).await {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let now = clock::now();
    let directory = ctx.platform.directory();
    let (mut open, mut upcoming, mut finished) = (Vec::new(), Vec::new(), Vec::new());
    for poll in &found.polls {
        let status = poll.status(now);
        let mut card = PollCard {
            id: poll.id.to_string(),
            title: poll.title.clone(),
            status_code: status.as_str(),
            status_label: status_label(tr, status),
            when: String::new(),
            points: points_label(tr, poll.points),
            voted: false,
            hint: None,
            results_href: None,
        };
        match status {
            Status::Open => {
                if let Some(closes) = poll.closes_at {
                    card.when = tr.t1("polls-until", "time", &show_time(tr, closes));
                }
                if let Some(account) = me {
                    match service::has_voted(&polls, &poll.id, Some(account)).await {
                        Ok(ballot) => card.voted = ballot.is_some(),
                        Err(e) => return error_page(&ctx, e.problem()),
                    }
                    if !card.voted {
                        if let Err(why) = rules::eligibility(poll, account, &directory, now) {
                            card.hint = Some(ineligible_text(tr, why));
                        }
                    }
                }
                open.push(card);
            }
            Status::Scheduled | Status::Draft => {
                if let Some(opens) = poll.opens_at {
                    card.when = tr.t1("polls-opens", "time", &show_time(tr, opens));
                }
                upcoming.push(card);
            }
            Status::Closed | Status::Published => {
                if let Some(closes) = poll.closes_at {
                    card.when = tr.t1("polls-closed-at", "time", &show_time(tr, closes));
                }
                if rules::may_see_results(poll, me, false, now) {
                    card.results_href = Some(format!("/polls/{}/results", poll.id));
                }
                finished.push(card);
            }
        }
    }
    let balance = match me {
        Some(account) => match service::balance(&polls, &account.id).await {
            Ok(points) => Some(tr.n("polls-balance", as_i64(points))),
            Err(e) => return error_page(&ctx, e.problem()),
        },
        None => None,
    };
    let next_href = match (&found.last, found.exhausted) {
        (Some(last), false) => Some(format!("{LIST_PATH}?cursor={last}")),
        _ => None,
    };
    let body = ListPage {
        tr,
        balance,
        open,
        upcoming,
        finished,
        next_href,
        official: me.is_some_and(rules::is_official),
    };
    page(&ctx, StatusCode::OK, &tr.t("polls-title"), &body)
}
