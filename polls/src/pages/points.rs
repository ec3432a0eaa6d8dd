//! GET /me/points: a resident's balance and points history.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use time::OffsetDateTime;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};
use veche_core::web::problem::Problem;

use crate::model::PollId;
use crate::pages::common::{show_time, to_signin, viewer};
use crate::service::{self, Polls};

/// Entries per page of the points history.
const HISTORY_SIZE: usize = 30;

pub struct PointsRow {
    pub at: String,
    pub poll_id: String,
    pub title: String,
    pub points: String,
}

#[derive(Template)]
#[template(path = "points.html")]
struct PointsPage<'a> {
    tr: Tr<'a>,
    balance: String,
    rows: Vec<PointsRow>,
    next_href: Option<String>,
}

/// The history cursor: `<milliseconds>_<poll id>` of the last entry shown.
pub fn points_cursor(at: OffsetDateTime, poll: &PollId) -> String {
    format!("{}_{poll}", clock::to_millis(at))
}

pub fn parse_points_cursor(raw: &str) -> Option<(OffsetDateTime, PollId)> {
    let (millis, poll) = raw.split_once('_')?;
    Some((
        clock::from_millis(millis.parse().ok()?),
        PollId::parse(poll)?,
    ))
}

/// GET /me/points?cursor=
pub(super) async fn points_page(
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let Some(account) = viewer(&ctx) else {
        return to_signin("/me/points");
    };
    let before = match query.get("cursor").map(String::as_str) {
        None | Some("") => None,
        Some(raw) => match parse_points_cursor(raw) {
            Some(c) => Some(c),
            None => return error_page(&ctx, Problem::bad_request("invalid_cursor")),
        },
    };
    let (balance, history) = match service::points(&polls, &account.id, before, HISTORY_SIZE).await
    {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let mut rows = Vec::with_capacity(history.len());
    for entry in &history {
        let title = match service::title(&polls, &entry.poll_id).await {
            Ok(Some(title)) => title,
            Ok(None) => tr.t("polls-points-deleted"),
            Err(e) => return error_page(&ctx, e.problem()),
        };
        rows.push(PointsRow {
            at: show_time(tr, entry.at),
            poll_id: entry.poll_id.to_string(),
            title,
            points: format!("+{}", entry.points),
        });
    }
    let next_href = (history.len() == HISTORY_SIZE)
        .then(|| {
            history
                .last()
                .map(|e| format!("/me/points?cursor={}", points_cursor(e.at, &e.poll_id)))
        })
        .flatten();
    let body = PointsPage {
        tr,
        balance: tr.n("polls-balance", as_i64(balance)),
        rows,
        next_href,
    };
    page(&ctx, StatusCode::OK, &tr.t("polls-points-title"), &body)
}
