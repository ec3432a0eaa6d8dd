//! What every handler shares: the answer's last touches, ids, `If-Match`, who may see a
//! poll and its results, and an optional JSON body.

use std::sync::Arc;

use bytes::Buf;
use futures::{Stream, StreamExt};
use http::{header, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use warp::reply::Response;
use warp::Filter;

use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::precondition::set_etag;
pub(super) use veche_core::web::precondition::{parse_if_match, required_if_match};
use veche_core::web::problem::Problem;
use veche_core::web::{parse_json, respond};

use crate::model::{Poll, PollId, Status, Visibility};
use crate::rules;
use crate::service::{self, PollError, Polls};
use crate::views::PollView;

pub(super) type Body<T> = Result<T, Problem>;

/// The answer, or the problem document in the request's language. Anything not marked
/// cacheable is `no-store`.
pub(super) fn finish(ctx: &Ctx, result: Result<Response, Problem>) -> Response {
    let mut response = ctx.finish(result);
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A filter handing every route the polls' state.
pub(crate) fn with_polls(
    polls: Arc<Polls>,
) -> impl Filter<Extract = (Arc<Polls>,), Error = std::convert::Infallible> + Clone {
    warp::any().map(move || polls.clone())
}

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

pub(super) fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| {
            let c = c.trim().to_ascii_lowercase();
            c == "application/json" || c.ends_with("+json")
        })
}

pub(super) fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
}

/// Reads a body of at most `limit` bytes, whether or not the client said its length.
pub(super) async fn read_limited<S, B>(body: S, limit: usize) -> Result<Vec<u8>, Problem>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| Problem::bad_request("invalid_json"))?;
        if out.len() + chunk.remaining() > limit {
            return Err(too_large());
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            out.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    Ok(out)
}

/// An optional JSON body: none at all (no `Content-Length`, or an empty body) is `None`;
/// anything else must be JSON of at most `limit` bytes, parsed strictly like
/// [`veche_core::web::json_body`].
pub(super) fn optional_json_body<T: DeserializeOwned + Send + 'static>(
    limit: usize,
) -> impl Filter<Extract = (Result<Option<T>, Problem>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::stream())
        .then(
            move |length: Option<u64>, content_type: Option<String>, body| async move {
                if length.is_some_and(|n| n > limit as u64) {
                    return Err(too_large());
                }
                let bytes = read_limited(body, limit).await?;
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                if !is_json(content_type.as_deref()) {
                    return Err(Problem::new(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "unsupported_media_type",
                    ));
                }
                parse_json::<T>(&bytes).map(Some)
            },
        )
}
