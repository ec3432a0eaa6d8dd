//! `GET /api/v1/me/points`: a resident's balance and history.

use time::OffsetDateTime;
use warp::reply::Response;

use veche_core::clock;
use veche_core::web::cursor::{decode_cursor, parse_limit, split_page};
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;

use super::common::Req;
use super::inputs::{PointsItem, PointsPage};
use crate::model::PollId;
use crate::service::{self, PollError};
use veche_core::web::responses::Paging;

/// The key of a points entry in a cursor: `MILLIS:POLL`.
pub(super) fn points_key(at: OffsetDateTime, poll: &PollId) -> String {
    format!("{}:{poll}", clock::to_millis(at))
}

pub(super) fn parse_points_cursor(raw: &str) -> Result<(OffsetDateTime, PollId), Problem> {
    let bad = || Problem::bad_request("invalid_cursor").with("field", "cursor");
    let text = decode_cursor(raw)?;
    let (millis, poll) = text.split_once(':').ok_or_else(bad)?;
    let millis: i64 = millis.parse().map_err(|_| bad())?;
    let poll = PollId::parse(poll).ok_or_else(bad)?;
    Ok((clock::from_millis(millis), poll))
}

/// Your points: the balance, and the polls you earned them in, newest first.
#[utoipa::path(get, path = "/api/v1/me/points", tag = "polls",
    params(Paging),
    responses((status = 200, body = PointsPage),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 401, body = ProblemDocument)))]
pub async fn my_points(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let query = req.query()?;
        let limit = parse_limit(&query)?;
        let before = match query.get("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(parse_points_cursor(c)?),
        };
        let polls = &req.state;
        let (balance, entries) = service::points(polls, &who.account.id, before, limit + 1)
            .await
            .map_err(PollError::problem)?;
        let (entries, next_cursor) = split_page(entries, limit, |e| points_key(e.at, &e.poll_id));
        let titles = futures::future::try_join_all(entries.iter().map(|e| async move {
            match polls.cached(&e.poll_id).await {
                Ok(poll) => Ok(Some(poll.title.clone())),
                Err(PollError::NotFound) => Ok(None),
                Err(other) => Err(other),
            }
        }))
        .await
        .map_err(PollError::problem)?;
        let items = entries
            .iter()
            .zip(titles)
            .map(|(e, title)| PointsItem {
                poll_id: e.poll_id.to_string(),
                title,
                points: e.points,
                at: e.at,
            })
            .collect();
        Ok(respond::ok(&PointsPage {
            balance,
            items,
            next_cursor,
        }))
    })
    .await
}
