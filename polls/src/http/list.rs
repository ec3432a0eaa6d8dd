//! `GET /api/v1/polls`: the polls the caller may see, filtered and paged.

use std::collections::HashMap;

use warp::reply::Response;

use veche_core::accounts::model::Role;
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::cursor::{after, encode_cursor, parse_limit};
use veche_core::web::input::query_param;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;

use super::common::{invalid_filter, viewer, Req};
use super::inputs::{PollPage, PollSummary};
use crate::model::{Phase, Poll, PollId, PollQuery, Status};
use crate::rules;
use crate::service::{self, PollError, Polls};
use veche_core::web::responses::Paging;

/// How many store pages one list request reads at most (filters apply after reading).
const LIST_ROUNDS: usize = 10;

/// The list's filters, from the query string.
struct ListFilter {
    status: Option<Status>,
    eligible: bool,
    mine: bool,
    limit: usize,
    before: Option<PollId>,
}

impl ListFilter {
    fn parse(query: &HashMap<String, String>) -> Result<ListFilter, Problem> {
        let status = query_param(query, "status", Status::parse, "invalid_status")?;
        let eligible = match query.get("eligible").map(String::as_str) {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(invalid_filter("eligible")),
        };
        let mine = match query.get("organisation").map(String::as_str) {
            None | Some("") => false,
            Some("mine") => true,
            Some(_) => return Err(invalid_filter("organisation")),
        };
        let limit = parse_limit(query)?;
        let before = after(query, PollId::parse)?;
        Ok(ListFilter {
            status,
            eligible,
            mine,
            limit,
            before,
        })
    }
}

/// One page of the polls the caller may see that pass the filters. Status depends on the
/// clock, so filters apply after reading: store pages are read (narrowed by phase where the
/// status allows) until the page is full, the store is exhausted, or [`LIST_ROUNDS`] pages
/// were read — then the cursor points after the last poll read, so the next request goes on
/// from there.
async fn poll_page(ctx: &Ctx, polls: &Polls, filter: ListFilter) -> Result<PollPage, Problem> {
    let empty = PollPage {
        items: Vec::new(),
        next_cursor: None,
    };
    let viewer = viewer(ctx);
    if filter.eligible || filter.mine {
        ctx.signed_in()?;
    }
    let manager = viewer.is_some_and(rules::is_official);
    let organisation = match viewer {
        Some(account) if filter.mine => {
            if !manager {
                return Err(Problem::forbidden());
            }
            match &account.organisation_id {
                Some(org) if account.has_role(Role::Official) => Some(org.clone()),
                // An admin manages every poll.
                _ if account.has_role(Role::Admin) => None,
                // An official of no organisation manages none.
                _ => return Ok(empty),
            }
        }
        _ => None,
    };
    let status = filter.status;
    // Nothing can match: drafts for someone who manages none, "eligible" for a poll not open.
    if (status == Some(Status::Draft) && !manager)
        || (filter.eligible && status.is_some_and(|s| s != Status::Open))
    {
        return Ok(empty);
    }
    let phases = match status {
        _ if filter.eligible => vec![Phase::Scheduled],
        Some(Status::Draft) => vec![Phase::Draft],
        Some(Status::Scheduled | Status::Open) => vec![Phase::Scheduled],
        Some(Status::Closed) => vec![Phase::Scheduled, Phase::Sealed],
        Some(Status::Published) => vec![Phase::Published],
        None if manager => Vec::new(),
        None => vec![Phase::Scheduled, Phase::Sealed, Phase::Published],
    };
    let now = clock::now();
    let directory = ctx.platform.directory();
    let matches = |p: &Poll| {
        if !rules::may_see_poll(p, viewer) {
            return false;
        }
        let s = p.status(now);
        if status.is_some_and(|want| want != s) {
            return false;
        }
        !filter.eligible
            || (s == Status::Open
                && viewer.is_some_and(|a| rules::eligibility(p, a, &directory, now).is_ok()))
    };
    let limit = filter.limit;
    let batch = (limit * 2).clamp(20, 200);
    let mut before = filter.before;
    let mut found: Vec<Poll> = Vec::with_capacity(limit);
    let mut next_cursor = None;
    for round in 0..LIST_ROUNDS {
        let page = service::list(
            polls,
            viewer,
            &PollQuery {
                phases: phases.clone(),
                organisation: organisation.clone(),
                before: before.clone(),
                limit: batch,
            },
        )
        .await
        .map_err(PollError::problem)?;
        let exhausted = page.exhausted;
        if page.last.is_some() {
            before = page.last;
        }
        let mut more = false;
        for poll in page.polls {
            if !matches(&poll) {
                continue;
            }
            if found.len() == limit {
                more = true;
                break;
            }
            found.push(poll);
        }
        if found.len() == limit {
            if more || !exhausted {
                next_cursor = found.last().map(|p| encode_cursor(p.id.as_str()));
            }
            break;
        }
        if exhausted {
            break;
        }
        if round + 1 == LIST_ROUNDS {
            next_cursor = before.as_ref().map(|id| encode_cursor(id.as_str()));
        }
    }
    let voted = futures::future::try_join_all(found.iter().map(|p| async move {
        if viewer.is_none() || matches!(p.status(now), Status::Draft | Status::Scheduled) {
            return Ok(false);
        }
        Ok::<bool, PollError>(service::has_voted(polls, &p.id, viewer).await?.is_some())
    }))
    .await
    .map_err(PollError::problem)?;
    let items = found
        .iter()
        .zip(voted)
        .map(|(p, voted)| PollSummary {
            id: p.id.to_string(),
            title: p.title.clone(),
            status: p.status(now),
            opens_at: p.opens_at,
            closes_at: p.closes_at,
            points: p.points,
            city_wide: p.audience.city_wide(),
            voted,
        })
        .collect();
    Ok(PollPage { items, next_cursor })
}

/// Polls, newest first: open, upcoming and finished ones for everyone, drafts for those who
/// manage them.
#[utoipa::path(get, path = "/api/v1/polls", tag = "polls",
    params(
        ("status" = Option<String>, Query, description = "`draft`, `scheduled`, `open`, `closed` or `published`"),
        ("eligible" = Option<bool>, Query, description = "`true`: only polls you may vote in now (sign-in required)"),
        ("organisation" = Option<String>, Query, description = "`mine`: your organisation's polls, drafts included (officials and admins)"),
        Paging),
    responses((status = 200, body = PollPage),
        (status = 400, description = "`invalid_status`, `invalid_filter`, `invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 401, description = "`unauthorized` (with `eligible` or `organisation`), `invalid_token`", body = ProblemDocument),
        (status = 403, description = "`forbidden`: `organisation=mine` for a resident", body = ProblemDocument),
        (status = 503, description = "`unavailable`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_polls(req: Req) -> Response {
    req.answer(async {
        let filter = ListFilter::parse(&req.query()?)?;
        let page = poll_page(&req, &req.state, filter).await?;
        Ok(respond::ok(&page))
    })
    .await
}
