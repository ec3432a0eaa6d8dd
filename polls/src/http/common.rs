//! What every handler shares: ids, who may see a poll and its results, the answer's headers.

use std::sync::Arc;

use http::{header, HeaderValue, StatusCode};
use time::OffsetDateTime;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::platform::{Ctx, Platform};
use veche_core::web::api::{NoBody, Request};
use veche_core::web::precondition::set_etag;
use veche_core::web::problem::Problem;
use veche_core::web::respond;

use crate::model::{Poll, PollId, Status, Visibility};
use crate::rules;
use crate::service::{self, PollError, Polls};
use crate::views::PollView;

/// A polls API request with body `B`.
pub(super) type Req<B = NoBody> = Request<Platform, Arc<Polls>, B>;

pub(super) fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

pub(super) fn parse_id(raw: &str) -> Result<PollId, Problem> {
    PollId::parse(raw).ok_or_else(Problem::not_found)
}

pub(super) fn results_hidden() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "results_hidden")
}

pub(super) fn not_sealed() -> Problem {
    Problem::conflict("not_sealed")
}

pub(super) fn invalid_filter(field: &str) -> Problem {
    Problem::bad_request("invalid_filter").with("field", field)
}

pub(super) fn set_header(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, v);
    }
}

/// A poll as the API shows it, with its version as the `ETag`.
pub(super) fn poll_response(status: StatusCode, poll: &Poll) -> Response {
    let mut response = respond::json(status, &PollView::new(poll, clock::now()));
    set_etag(&mut response, poll.version);
    response
}

/// The poll, fresh from the store; 404 when missing or not visible to the caller.
pub(super) async fn visible(polls: &Polls, ctx: &Ctx, id: &str) -> Result<Poll, Problem> {
    let id = parse_id(id)?;
    service::visible(polls, viewer(ctx), &id)
        .await
        .map_err(PollError::problem)
}

/// The poll from the short-lived cache (public reads); 404 when missing or not visible.
pub(super) async fn visible_cached(
    polls: &Polls,
    ctx: &Ctx,
    id: &str,
) -> Result<Arc<Poll>, Problem> {
    let id = parse_id(id)?;
    let poll = polls.cached(&id).await.map_err(PollError::problem)?;
    if !rules::may_see_poll(&poll, viewer(ctx)) {
        return Err(Problem::not_found());
    }
    Ok(poll)
}

/// Whether the caller may see the poll's results now. The caller's ballot is looked up only
/// when the rule depends on it (results after voting, poll open, caller not an official).
pub(super) async fn results_allowed(
    polls: &Polls,
    viewer: Option<&Account>,
    poll: &Poll,
    now: OffsetDateTime,
) -> Result<bool, Problem> {
    let depends_on_ballot = poll.visibility == Visibility::AfterVoting
        && poll.status(now) == Status::Open
        && viewer.is_some_and(|a| !rules::is_official(a));
    let voted = depends_on_ballot
        && service::has_voted(polls, &poll.id, viewer)
            .await
            .map_err(PollError::problem)?
            .is_some();
    Ok(rules::may_see_results(poll, viewer, voted, now))
}

/// Whether anyone at all, signed in or not, may see the results (so a shared cache may keep
/// them): only once the poll is sealed.
pub(super) fn publicly_final(poll: &Poll, now: OffsetDateTime) -> bool {
    poll.seal.is_some() && rules::may_see_results(poll, None, false, now)
}
