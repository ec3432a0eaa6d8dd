//! The polls' JSON API under `/api/v1`: officials create, edit, schedule, close and publish
//! polls; residents list polls, vote and check their receipts; everyone reads results, the seal
//! and the public ballot export once they are visible.
//!
//! [`routes`] also carries the pages of [`crate::pages`], so the binary mounts polls with one
//! call.
//!
//! `POST /api/v1/polls/{id}/ballots` is the hot path: [`Polls::admit_ballot`] (the same as the
//! ballot page's) sheds load and checks the rate limits first, and it reads nothing beyond
//! what [`service::vote`] reads.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll as TaskPoll};

use bytes::{Buf, Bytes};
use futures::{Stream, StreamExt};
use http::{header, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

use veche_core::accounts::model::{Account, Invalid, Role};
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::platform::Platform;
use veche_core::web::cursor::{decode_cursor, encode_cursor, parse_limit};
use veche_core::web::idempotency::{self, Outcome};
use veche_core::web::problem::Problem;
use veche_core::web::problem::ProblemDocument;
use veche_core::web::{api_ctx, json_body, parse_json, respond};

use crate::export::{self, Format, Published};
use crate::model::{AgeBracket, Phase, Poll, PollId, PollQuery, Receipt, Status, Visibility};
use crate::rules::{
    self, AnswerInput, AudienceInput, BallotInput, OptionInput, PollInput, QuestionInput,
};
use crate::service::{self, PollError, Polls};
use crate::verify::{Side, Step};
use crate::views::{
    AudienceView, BallotView, Dashboard, GroupRow, HourCount, OptionResult, OptionView, PollView,
    QuestionResult, QuestionView, Results, Turnout,
};

/// Largest poll (create, replace) a request may carry.
pub const POLL_LIMIT: u64 = 256 * 1024;
/// Largest ballot a request may carry.
pub const BALLOT_LIMIT: u64 = 64 * 1024;
/// Largest publication (the decision is up to 10,000 characters).
pub const DECISION_LIMIT: u64 = 64 * 1024;
/// Largest body of `close` (an optional reason).
pub const CLOSE_LIMIT: usize = 16 * 1024;
/// The longest reason for closing a poll early, in characters.
pub const REASON_MAX: usize = 1000;
/// How many store pages one list request reads at most (filters apply after reading).
const LIST_ROUNDS: usize = 10;
/// Public data that changes rarely: results of a sealed poll, its seal, its export.
const PUBLIC_CACHE: &str = "public, max-age=60";

type Body<T> = Result<T, Problem>;

/// The answer, or the problem document in the request's language. Anything not marked
/// cacheable is `no-store`.
fn finish(ctx: &Ctx, result: Result<Response, Problem>) -> Response {
    let mut response = result.unwrap_or_else(|p| ctx.problem(p));
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

fn if_match() -> impl Filter<Extract = (Option<String>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("if-match")
}

/// Every polls route: the JSON API below and the pages of [`crate::pages`].
pub fn routes(platform: Arc<Platform>, polls: Arc<Polls>) -> BoxedFilter<(Response,)> {
    let p = platform;
    let ctx = || api_ctx(p.clone());
    let with = || with_polls(polls.clone());

    let list = warp::path!("api" / "v1" / "polls")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .and(warp::query::<HashMap<String, String>>())
        .then(list_polls);
    let create = warp::path!("api" / "v1" / "polls")
        .and(warp::post())
        .and(ctx())
        .and(with())
        .and(idempotency::key())
        .and(json_body::<PollInput>(POLL_LIMIT))
        .then(create_poll);
    let get = warp::path!("api" / "v1" / "polls" / String)
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(get_poll);
    let replace = warp::path!("api" / "v1" / "polls" / String)
        .and(warp::put())
        .and(ctx())
        .and(with())
        .and(if_match())
        .and(json_body::<PollInput>(POLL_LIMIT))
        .then(replace_poll);
    let delete = warp::path!("api" / "v1" / "polls" / String)
        .and(warp::delete())
        .and(ctx())
        .and(with())
        .and(if_match())
        .then(delete_poll);
    let schedule = warp::path!("api" / "v1" / "polls" / String / "schedule")
        .and(warp::post())
        .and(ctx())
        .and(with())
        .and(if_match())
        .then(schedule_poll);
    let unschedule = warp::path!("api" / "v1" / "polls" / String / "unschedule")
        .and(warp::post())
        .and(ctx())
        .and(with())
        .and(if_match())
        .then(unschedule_poll);
    let close = warp::path!("api" / "v1" / "polls" / String / "close")
        .and(warp::post())
        .and(ctx())
        .and(with())
        .and(optional_json_body::<CloseInput>(CLOSE_LIMIT))
        .then(close_poll);
    let publication = warp::path!("api" / "v1" / "polls" / String / "publication")
        .and(warp::post())
        .and(ctx())
        .and(with())
        .and(json_body::<PublicationInput>(DECISION_LIMIT))
        .then(publish_poll);
    let ballots = warp::path!("api" / "v1" / "polls" / String / "ballots")
        .and(warp::post())
        .and(ctx())
        .and(with())
        .and(idempotency::key())
        .and(json_body::<BallotInput>(BALLOT_LIMIT))
        .then(cast_ballot);
    let ballot = warp::path!("api" / "v1" / "polls" / String / "ballot")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(my_ballot);
    let receipt = warp::path!("api" / "v1" / "polls" / String / "receipts" / String)
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(get_receipt);
    let results = warp::path!("api" / "v1" / "polls" / String / "results")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(get_results);
    let results_csv = warp::path!("api" / "v1" / "polls" / String / "results.csv")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(get_results_csv);
    let seal = warp::path!("api" / "v1" / "polls" / String / "seal")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(get_seal);
    let export_json = warp::path!("api" / "v1" / "polls" / String / "ballots.json")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(export_ballots_json);
    let export_csv = warp::path!("api" / "v1" / "polls" / String / "ballots.csv")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(export_ballots_csv);
    let dashboard = warp::path!("api" / "v1" / "polls" / String / "dashboard")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .then(get_dashboard);
    let points = warp::path!("api" / "v1" / "me" / "points")
        .and(warp::get())
        .and(ctx())
        .and(with())
        .and(warp::query::<HashMap<String, String>>())
        .then(my_points);

    let routes: Vec<BoxedFilter<(Response,)>> = vec![
        list.boxed(),
        create.boxed(),
        get.boxed(),
        replace.boxed(),
        delete.boxed(),
        schedule.boxed(),
        unschedule.boxed(),
        close.boxed(),
        publication.boxed(),
        ballots.boxed(),
        ballot.boxed(),
        receipt.boxed(),
        results.boxed(),
        results_csv.boxed(),
        seal.boxed(),
        export_json.boxed(),
        export_csv.boxed(),
        dashboard.boxed(),
        points.boxed(),
        crate::pages::routes(p.clone(), polls.clone()),
    ];
    veche_core::web::combine(routes)
}

// ---- Views and inputs ----

/// A poll in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollSummary {
    pub id: String,
    pub title: String,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<OffsetDateTime>,
    /// Points credited to each voter.
    pub points: u32,
    /// For every resident of the city (no districts or okrugs named).
    pub city_wide: bool,
    /// Whether the signed-in caller voted in it (always false when signed out).
    pub voted: bool,
}

/// A page of polls, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollPage {
    pub items: Vec<PollSummary>,
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/polls/{id}/close`: an optional reason, kept in the audit log.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// At most 1000 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/polls/{id}/publication`: what the city decided (up to 10,000 characters).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationInput {
    pub decision: String,
}

/// A ballot just stored. Keep the receipt: it proves the ballot was counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct BallotCreated {
    pub poll_id: String,
    pub ballot_id: String,
    pub receipt: String,
    /// Points credited for voting.
    pub points: u32,
    /// Where the receipt can be checked (also in `Location`).
    pub receipt_url: String,
}

/// A ballot as its receipt shows it: never whose it is, never when it was cast.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptBallot {
    /// Question id → the options chosen.
    pub answers: BTreeMap<String, Vec<String>>,
    /// The voter's district id.
    pub district: String,
    pub age_bracket: AgeBracket,
}

/// A receipt checked: the ballot it stands for and, once the poll is sealed, the proof that the
/// ballot is in the published Merkle root.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    pub poll_id: String,
    pub receipt: String,
    pub ballot: ReceiptBallot,
    pub status: Status,
    /// The poll's Merkle root (`null` until the poll is sealed).
    pub root: Option<String>,
    /// The path from the receipt to the root (`null` until sealed).
    pub proof: Option<Vec<Step>>,
    /// Whether the proof leads to the root (`null` until sealed).
    pub included: Option<bool>,
}

/// What a sealed poll published (the JSON `veche polls verify-export --published` reads).
#[derive(Debug, Serialize, ToSchema)]
pub struct SealDocument {
    pub poll_id: String,
    /// Hex Merkle root over every receipt.
    pub root: String,
    pub ballots: u64,
    /// Public counter name → count: `n`, `o|OPTION`, `d|DISTRICT`, `do|DISTRICT|OPTION`,
    /// `a|BRACKET`, `ao|BRACKET|OPTION`.
    pub counters: BTreeMap<String, i64>,
}

/// One poll a resident earned points in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsItem {
    pub poll_id: String,
    /// `null` when the poll no longer exists.
    pub title: Option<String>,
    pub points: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// A resident's points: the balance and a page of history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPage {
    pub balance: u64,
    pub items: Vec<PointsItem>,
    pub next_cursor: Option<String>,
}

// ---- Helpers ----

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

fn parse_id(raw: &str) -> Result<PollId, Problem> {
    PollId::parse(raw).ok_or_else(Problem::not_found)
}

fn results_hidden() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "results_hidden")
}

fn not_sealed() -> Problem {
    Problem::conflict("not_sealed")
}

fn invalid_filter(field: &str) -> Problem {
    Problem::bad_request("invalid_filter").with("field", field)
}

fn set_header(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, v);
    }
}

fn set_etag(response: &mut Response, version: u64) {
    set_header(response, header::ETAG, &format!("\"{version}\""));
}

/// A poll as the API shows it, with its version as the `ETag`.
fn poll_response(status: StatusCode, poll: &Poll) -> Response {
    let mut response = respond::json(status, &PollView::new(poll, clock::now()));
    set_etag(&mut response, poll.version);
    response
}

/// The version in `If-Match` (`"3"` or `3`); `None` when the header is absent.
fn parse_if_match(raw: Option<&str>) -> Result<Option<u64>, Problem> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let raw = raw.trim();
    let bare = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    bare.parse::<u64>()
        .map(Some)
        .map_err(|_| Problem::bad_request("invalid_header").with("field", "If-Match"))
}

/// The version in `If-Match`, which this request must carry (else 428).
fn required_if_match(raw: Option<&str>) -> Result<u64, Problem> {
    parse_if_match(raw)?
        .ok_or_else(|| Problem::new(StatusCode::PRECONDITION_REQUIRED, "precondition_required"))
}

/// The poll, fresh from the store; 404 when missing or not visible to the caller.
async fn visible(polls: &Polls, ctx: &Ctx, id: &str) -> Result<Poll, Problem> {
    let id = parse_id(id)?;
    service::visible(polls, viewer(ctx), &id)
        .await
        .map_err(PollError::problem)
}

/// The poll from the short-lived cache (public reads); 404 when missing or not visible.
async fn visible_cached(polls: &Polls, ctx: &Ctx, id: &str) -> Result<Arc<Poll>, Problem> {
    let id = parse_id(id)?;
    let poll = polls.cached(&id).await.map_err(PollError::problem)?;
    if !rules::may_see_poll(&poll, viewer(ctx)) {
        return Err(Problem::not_found());
    }
    Ok(poll)
}

/// Whether the caller may see the poll's results now. The caller's ballot is looked up only
/// when the rule depends on it (results after voting, poll open, caller not an official).
async fn results_allowed(
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
fn publicly_final(poll: &Poll, now: OffsetDateTime) -> bool {
    poll.seal.is_some() && rules::may_see_results(poll, None, false, now)
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| {
            let c = c.trim().to_ascii_lowercase();
            c == "application/json" || c.ends_with("+json")
        })
}

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
}

/// Reads a body of at most `limit` bytes, whether or not the client said its length.
async fn read_limited<S, B>(body: S, limit: usize) -> Result<Vec<u8>, Problem>
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
fn optional_json_body<T: DeserializeOwned + Send + 'static>(
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

/// Counts a refused ballot by its code (shed ballots have their own counter).
fn count_refusal(code: &str) {
    if code != "overloaded" {
        crate::metrics::REFUSED.with_label_values(&[code]).inc();
    }
}

/// Makes a `Send` stream `Sync` (what a response body needs) without locking: the stream is
/// only ever polled through `&mut`.
struct SyncStream<S>(Mutex<Pin<Box<S>>>);

impl<S: Stream + Send> Stream for SyncStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> TaskPoll<Option<S::Item>> {
        let inner = match self.get_mut().0.get_mut() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        inner.as_mut().poll_next(cx)
    }
}

fn attachment(response: &mut Response, content_type: &'static str, filename: &str) {
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    set_header(
        response,
        header::CONTENT_DISPOSITION,
        &format!("attachment; filename=\"{filename}\""),
    );
}

// ---- Listing ----

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
        let status =
            match query.get("status").map(String::as_str) {
                None | Some("") => None,
                Some(raw) => Some(Status::parse(raw).ok_or_else(|| {
                    Problem::bad_request("invalid_status").with("field", "status")
                })?),
            };
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
        let before =
            match query.get("cursor").filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => Some(PollId::parse(&decode_cursor(c)?).ok_or_else(|| {
                    Problem::bad_request("invalid_cursor").with("field", "cursor")
                })?),
            };
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

// ---- Handlers: polls ----

/// Polls, newest first: open, upcoming and finished ones for everyone, drafts for those who
/// manage them.
#[utoipa::path(get, path = "/api/v1/polls", tag = "polls",
    params(
        ("status" = Option<String>, Query, description = "`draft`, `scheduled`, `open`, `closed` or `published`"),
        ("eligible" = Option<bool>, Query, description = "`true`: only polls you may vote in now (sign-in required)"),
        ("organisation" = Option<String>, Query, description = "`mine`: your organisation's polls, drafts included (officials and admins)"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PollPage),
        (status = 400, description = "`invalid_status`, `invalid_filter`, `invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 401, description = "`unauthorized` (with `eligible` or `organisation`), `invalid_token`", body = ProblemDocument),
        (status = 403, description = "`forbidden`: `organisation=mine` for a resident", body = ProblemDocument),
        (status = 503, description = "`unavailable`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn list_polls(ctx: Ctx, polls: Arc<Polls>, query: HashMap<String, String>) -> Response {
    let result = async {
        let filter = ListFilter::parse(&query)?;
        let page = poll_page(&ctx, &polls, filter).await?;
        Ok(respond::json(StatusCode::OK, &page))
    }
    .await;
    finish(&ctx, result)
}

/// Creates a draft (officials and admins). The draft belongs to the official's organisation.
#[utoipa::path(post, path = "/api/v1/polls", tag = "polls",
    request_body = PollInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key and body within 24 hours returns the first answer"),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 201, description = "Created; `Location` and `ETag` headers", body = PollView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`, `invalid_idempotency_key`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`: not an official or admin; missing CSRF token", body = ProblemDocument),
        (status = 409, description = "`idempotency_in_progress`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large` (256 KiB)", body = ProblemDocument),
        (status = 422, description = "`validation_failed` with `field`, `reason` and `at` (e.g. `questions[1].options`); `idempotency_key_reused`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn create_poll(
    ctx: Ctx,
    polls: Arc<Polls>,
    key: Option<String>,
    body: Body<PollInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        if !rules::is_official(&who.account) {
            return Err(Problem::forbidden());
        }
        let input = body?;
        // A new poll's version is 1; a replayed creation is that same first version.
        let version = AtomicU64::new(1);
        let mut response = idempotency::once(&ctx, "polls.create", key, &raw, || async {
            let poll = service::create(&ctx.platform, &polls, &who.account, &input)
                .await
                .map_err(PollError::problem)?;
            version.store(poll.version, Ordering::Relaxed);
            tracing::info!(poll = %poll.id, "poll created");
            Ok(Outcome::created(
                format!("/api/v1/polls/{}", poll.id),
                json!(PollView::new(&poll, clock::now())),
            ))
        })
        .await?;
        if response.status() == StatusCode::CREATED {
            set_etag(&mut response, version.load(Ordering::Relaxed));
        }
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// A poll. Drafts are visible only to those who manage them.
#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "`ETag` holds the version", body = PollView),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_poll(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let poll = visible(&polls, &ctx, &id).await?;
        Ok(poll_response(StatusCode::OK, &poll))
    }
    .await;
    finish(&ctx, result)
}

/// Replaces a poll's contents (those who manage it). Name the version you edited in `If-Match`.
/// Once the first ballot is in, questions, audience and points are frozen; an open poll keeps
/// its opening time; a closed poll is not edited.
#[utoipa::path(put, path = "/api/v1/polls/{id}", tag = "polls",
    request_body = PollInput,
    params(("id" = String, Path),
        ("If-Match" = String, Header, description = "The version edited, as in the `ETag` (`\"3\"` or `3`)"),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 200, description = "`ETag` holds the new version", body = PollView),
        (status = 400, description = "`invalid_header` (If-Match not a version), `invalid_json`, `invalid_type`, `unknown_field`, `missing_field`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`version_conflict`, `poll_closed`, `questions_frozen`, `already_open`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large`", body = ProblemDocument),
        (status = 422, description = "`validation_failed` with `field` and `reason`", body = ProblemDocument),
        (status = 428, description = "`precondition_required`: no If-Match", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn replace_poll(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    if_match: Option<String>,
    body: Body<PollInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let expected = required_if_match(if_match.as_deref())?;
        let input = body?;
        let poll = service::update(&ctx.platform, &polls, &who.account, &id, expected, &input)
            .await
            .map_err(PollError::problem)?;
        Ok(poll_response(StatusCode::OK, &poll))
    }
    .await;
    finish(&ctx, result)
}

/// Deletes a draft. Name its version in `If-Match`.
#[utoipa::path(delete, path = "/api/v1/polls/{id}", tag = "polls",
    params(("id" = String, Path),
        ("If-Match" = String, Header, description = "The draft's version"),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_header`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_a_draft`, `version_conflict`", body = ProblemDocument),
        (status = 428, description = "`precondition_required`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_poll(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    if_match: Option<String>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let expected = required_if_match(if_match.as_deref())?;
        service::delete(&ctx.platform, &polls, &who.account, &id, expected)
            .await
            .map_err(PollError::problem)?;
        Ok(respond::no_content())
    }
    .await;
    finish(&ctx, result)
}

/// The version a state change starts from: `If-Match` when given, else the current one.
async fn expected_version(
    polls: &Polls,
    who: &Account,
    id: &PollId,
    if_match: Option<&str>,
) -> Result<u64, Problem> {
    match parse_if_match(if_match)? {
        Some(v) => Ok(v),
        None => Ok(service::managed(polls, who, id)
            .await
            .map_err(PollError::problem)?
            .version),
    }
}

/// Schedules a draft: it opens by itself at `opens_at` and closes at `closes_at`.
#[utoipa::path(post, path = "/api/v1/polls/{id}/schedule", tag = "polls",
    params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The version scheduled (default: the current one)"),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_header`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_a_draft`, `version_conflict`", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `questions`/`required`, `opens_at`/`schedule_required`, `closes_at`/`in_the_past`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn schedule_poll(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    if_match: Option<String>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let expected = expected_version(&polls, &who.account, &id, if_match.as_deref()).await?;
        let poll = service::schedule(&ctx.platform, &polls, &who.account, &id, expected)
            .await
            .map_err(PollError::problem)?;
        Ok(poll_response(StatusCode::OK, &poll))
    }
    .await;
    finish(&ctx, result)
}

/// Moves a scheduled poll that has not opened yet back to drafts.
#[utoipa::path(post, path = "/api/v1/polls/{id}/unschedule", tag = "polls",
    params(("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The version (default: the current one)"),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_header`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_scheduled`, `version_conflict`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn unschedule_poll(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    if_match: Option<String>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let expected = expected_version(&polls, &who.account, &id, if_match.as_deref()).await?;
        let poll = service::unschedule(&ctx.platform, &polls, &who.account, &id, expected)
            .await
            .map_err(PollError::problem)?;
        Ok(poll_response(StatusCode::OK, &poll))
    }
    .await;
    finish(&ctx, result)
}

/// The reason for closing early: trimmed, at most [`REASON_MAX`] characters, no control
/// characters but line breaks; empty means none.
fn close_reason(input: Option<CloseInput>) -> Result<Option<String>, Problem> {
    let Some(raw) = input.and_then(|i| i.reason) else {
        return Ok(None);
    };
    let text = raw.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > REASON_MAX {
        return Err(Problem::invalid(Invalid::new("reason", "too_long"))
            .with_detail("invalid-close_reason-too_long"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Problem::invalid(Invalid::new(
            "reason",
            "invalid_characters",
        )));
    }
    Ok(Some(text))
}

/// Closes an open poll now. It is sealed (final counts, Merkle root) once the ballots in flight
/// are in. The reason, if any, goes to the audit log.
#[utoipa::path(post, path = "/api/v1/polls/{id}/close", tag = "polls",
    request_body(content = Option<CloseInput>, description = "Optional"),
    params(("id" = String, Path),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_open`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large`", body = ProblemDocument),
        (status = 415, description = "`unsupported_media_type`: a body that is not JSON", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `reason`/`too_long` (over 1000 characters), `reason`/`invalid_characters`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn close_poll(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    body: Body<Option<CloseInput>>,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let reason = close_reason(body?)?;
        let poll = service::close(&ctx.platform, &polls, &who.account, &id, reason)
            .await
            .map_err(PollError::problem)?;
        Ok(poll_response(StatusCode::OK, &poll))
    }
    .await;
    finish(&ctx, result)
}

/// Publishes a closed poll's results with what the city decided, or updates that text later.
#[utoipa::path(post, path = "/api/v1/polls/{id}/publication", tag = "polls",
    request_body = PublicationInput,
    params(("id" = String, Path),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 200, body = PollView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_closed`, `not_sealed_yet`, `version_conflict`", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `decision`/`required`, `decision`/`too_long`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn publish_poll(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    body: Body<PublicationInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let input = body?;
        let poll = service::publish(&ctx.platform, &polls, &who.account, &id, &input.decision)
            .await
            .map_err(PollError::problem)?;
        Ok(poll_response(StatusCode::OK, &poll))
    }
    .await;
    finish(&ctx, result)
}

// ---- Handlers: voting ----

/// Votes. One ballot per resident per poll; the answer holds the receipt that proves the ballot
/// was counted.
#[utoipa::path(post, path = "/api/v1/polls/{id}/ballots", tag = "polls",
    request_body = BallotInput,
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "The same key and body within 24 hours returns the first answer"),
        ("X-CSRF-Token" = Option<String>, Header, description = "Required when authenticated by the session cookie")),
    responses((status = 201, description = "Stored; `Location` is the receipt", body = BallotCreated),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`, `invalid_idempotency_key`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`not_in_audience`, `too_young`, `not_verified`; `forbidden` (missing CSRF token)", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`poll_not_open`, `poll_closed`, `already_voted` (with the first ballot's `receipt` and `ballot_id`), `idempotency_in_progress`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large` (64 KiB)", body = ProblemDocument),
        (status = 422, description = "`missing_answer`, `too_many_choices`, `unknown_option`, `unknown_question`, `duplicate_answer`, `duplicate_option`, `empty_answer`, `empty_ballot`, `too_many_answers` (with `question` when one is concerned); `idempotency_key_reused`", body = ProblemDocument),
        (status = 429, description = "`rate_limited` (per account and per IP), with `Retry-After`", body = ProblemDocument),
        (status = 503, description = "`overloaded` (too many ballots in flight; `Retry-After: 1`), `unavailable`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn cast_ballot(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    key: Option<String>,
    body: Body<BallotInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        // Held until the answer is built.
        let _in_flight =
            polls.admit_ballot(&ctx.platform.limits, ctx.meta.client_ip, &who.account.id)?;
        let id = parse_id(&id)?;
        let input = body?;
        let route = format!("polls.ballots:{id}");
        idempotency::once(&ctx, &route, key, &raw, || async {
            let voted = service::vote(&ctx.platform, &polls, &who.account, &id, &input)
                .await
                .map_err(PollError::problem)?;
            let ballot = &voted.ballot;
            let location = format!(
                "/api/v1/polls/{}/receipts/{}",
                ballot.poll_id, ballot.receipt
            );
            Ok(Outcome::created(
                location.clone(),
                json!(BallotCreated {
                    poll_id: ballot.poll_id.to_string(),
                    ballot_id: ballot.id.to_string(),
                    receipt: ballot.receipt.to_string(),
                    points: ballot.points,
                    receipt_url: location,
                }),
            ))
        })
        .await
    }
    .await;
    if let Err(problem) = &result {
        count_refusal(problem.code);
    }
    finish(&ctx, result)
}

/// Your own ballot in a poll.
#[utoipa::path(get, path = "/api/v1/polls/{id}/ballot", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, body = BallotView),
        (status = 401, body = ProblemDocument),
        (status = 404, description = "`not_found`: no such poll, or you did not vote in it", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn my_ballot(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let ballot = service::has_voted(&polls, &id, Some(&who.account))
            .await
            .map_err(PollError::problem)?
            .ok_or_else(Problem::not_found)?;
        Ok(respond::json(StatusCode::OK, &BallotView::from(&ballot)))
    }
    .await;
    finish(&ctx, result)
}

/// Checks a receipt (public: the receipt is the key). Once the poll is sealed, the answer holds
/// the proof that the ballot is in the published root, and whether the proof holds.
#[utoipa::path(get, path = "/api/v1/polls/{id}/receipts/{receipt}", tag = "polls",
    params(("id" = String, Path), ("receipt" = String, Path, description = "64 hex digits")),
    responses((status = 200, body = ReceiptView),
        (status = 404, description = "`not_found`: no such poll or receipt", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_receipt(id: String, receipt: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let poll = visible_cached(&polls, &ctx, &id).await?;
        let receipt = Receipt::parse(&receipt).ok_or_else(Problem::not_found)?;
        let (ballot, proof) = service::receipt(&polls, &poll, &receipt)
            .await
            .map_err(PollError::problem)?;
        let (root, steps, included) = match proof {
            Some(p) => (Some(p.root), Some(p.steps), Some(p.included)),
            None => (None, None, None),
        };
        let view = ReceiptView {
            poll_id: poll.id.to_string(),
            receipt: receipt.to_string(),
            ballot: ReceiptBallot {
                answers: ballot
                    .answers
                    .iter()
                    .map(|a| {
                        (
                            a.question.to_string(),
                            a.options.iter().map(|o| o.to_string()).collect(),
                        )
                    })
                    .collect(),
                district: ballot.district_id.to_string(),
                age_bracket: ballot.age_bracket,
            },
            status: poll.status(clock::now()),
            root,
            proof: steps,
            included,
        };
        Ok(respond::json(StatusCode::OK, &view))
    }
    .await;
    finish(&ctx, result)
}

// ---- Handlers: results ----

/// The results the caller may see, rendered by `render` as `format` (or the same rendering
/// made a moment ago from the same counts), the poll, and whether a shared cache may keep them.
async fn visible_results(
    ctx: &Ctx,
    polls: &Polls,
    id: &str,
    format: &'static str,
    render: fn(&Results) -> Result<Bytes, Problem>,
) -> Result<(Bytes, Arc<Poll>, bool), Problem> {
    let poll = visible_cached(polls, ctx, id).await?;
    let now = clock::now();
    if !results_allowed(polls, viewer(ctx), &poll, now).await? {
        return Err(results_hidden());
    }
    let counts = polls.counts(&poll).await.map_err(PollError::problem)?;
    let key = (poll.id.clone(), poll.status(now), ctx.lang, format);
    let body = polls.rendered(key, &poll, &counts, || {
        render(&Results::new(
            &poll,
            &counts,
            &ctx.platform.directory(),
            ctx.lang,
            now,
        ))
    })?;
    let public = publicly_final(&poll, now);
    Ok((body, poll, public))
}

fn results_json(results: &Results) -> Result<Bytes, Problem> {
    serde_json::to_vec(results).map(Bytes::from).map_err(|e| {
        tracing::error!(error = %e, "results serialisation");
        Problem::internal()
    })
}

fn results_csv(results: &Results) -> Result<Bytes, Problem> {
    Ok(Bytes::from(results.to_csv()))
}

fn cache_results(response: &mut Response, public: bool) {
    if public {
        set_header(response, header::CACHE_CONTROL, PUBLIC_CACHE);
        // District names and age labels follow the language.
        set_header(response, header::VARY, "Accept-Language, Cookie");
    }
}

/// A poll's results: totals per option, and breakdowns by district and age bracket (cells under
/// ten read "<10"). Who sees them when follows the poll's `results_visibility`.
#[utoipa::path(get, path = "/api/v1/polls/{id}/results", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, body = Results),
        (status = 403, description = "`results_hidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_results(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let (body, _, public) = visible_results(&ctx, &polls, &id, "json", results_json).await?;
        let mut response = Response::new(body.into());
        set_header(&mut response, header::CONTENT_TYPE, "application/json");
        cache_results(&mut response, public);
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// The results as CSV: one row per option and group (`total`, `district`, `age`).
#[utoipa::path(get, path = "/api/v1/polls/{id}/results.csv", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment", body = String, content_type = "text/csv"),
        (status = 403, description = "`results_hidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_results_csv(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let (body, poll, public) = visible_results(&ctx, &polls, &id, "csv", results_csv).await?;
        let mut response = Response::new(body.into());
        attachment(
            &mut response,
            "text/csv; charset=utf-8",
            &format!("poll-{}-results.csv", poll.id),
        );
        cache_results(&mut response, public);
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// A sealed poll whose results the caller may see.
async fn sealed_poll(ctx: &Ctx, polls: &Polls, id: &str) -> Result<(Arc<Poll>, bool), Problem> {
    let poll = visible_cached(polls, ctx, id).await?;
    if poll.seal.is_none() {
        return Err(not_sealed());
    }
    let now = clock::now();
    if !results_allowed(polls, viewer(ctx), &poll, now).await? {
        return Err(results_hidden());
    }
    let public = publicly_final(&poll, now);
    Ok((poll, public))
}

/// What a sealed poll published: its Merkle root, its number of ballots and its public counts.
/// `veche polls verify-export --published FILE` checks a ballot export against this.
#[utoipa::path(get, path = "/api/v1/polls/{id}/seal", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, body = SealDocument),
        (status = 403, description = "`results_hidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_sealed`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_seal(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let (poll, public) = sealed_poll(&ctx, &polls, &id).await?;
        let seal = service::published_seal(&polls, &poll.id)
            .await
            .map_err(PollError::problem)?
            .ok_or_else(not_sealed)?;
        let published = Published {
            poll_id: seal.poll_id.to_string(),
            root: seal.root,
            ballots: seal.ballots,
            counters: seal.counters.public(),
        };
        let mut response = respond::json(StatusCode::OK, &published);
        if public {
            set_header(&mut response, header::CACHE_CONTROL, PUBLIC_CACHE);
        }
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// The public ballot export of a sealed poll, streamed from the store page by page.
async fn export_ballots(id: String, ctx: Ctx, polls: Arc<Polls>, format: Format) -> Response {
    let result = async {
        let (poll, public) = sealed_poll(&ctx, &polls, &id).await?;
        let (content_type, extension) = match format {
            Format::Json => ("application/json", "json"),
            Format::Csv => ("text/csv; charset=utf-8", "csv"),
        };
        let poll_id = poll.id.clone();
        let chunks = export::stream(polls.clone(), (*poll).clone(), format).map(move |chunk| {
            chunk.map(Bytes::from).map_err(|e| {
                // The status is sent already: the client sees a cut-off body.
                tracing::error!(poll = %poll_id, error = %e, "ballot export failed midway");
                e
            })
        });
        let mut response =
            warp::reply::stream(SyncStream(Mutex::new(Box::pin(chunks)))).into_response();
        attachment(
            &mut response,
            content_type,
            &format!("poll-{}-ballots.{extension}", poll.id),
        );
        if public {
            set_header(&mut response, header::CACHE_CONTROL, PUBLIC_CACHE);
        }
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// The public ballot export as JSON: `{format, poll_id, questions, ballots: [...]}`. Each
/// ballot has its id, receipt, answers, district and age bracket — never the account or the
/// time. Anyone can recompute every receipt, the root and the counts from it.
#[utoipa::path(get, path = "/api/v1/polls/{id}/ballots.json", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment (`veche-ballots-v1`)", body = Object, content_type = "application/json"),
        (status = 403, description = "`results_hidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_sealed`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn export_ballots_json(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    export_ballots(id, ctx, polls, Format::Json).await
}

/// The public ballot export as CSV: `poll_id,ballot_id,receipt,district,age_bracket` and one
/// column per question (options chosen, separated by `;`).
#[utoipa::path(get, path = "/api/v1/polls/{id}/ballots.csv", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment", body = String, content_type = "text/csv"),
        (status = 403, description = "`results_hidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_sealed`", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn export_ballots_csv(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    export_ballots(id, ctx, polls, Format::Csv).await
}

/// The live view of a poll for those who manage it: turnout by district (exact), ballots per
/// hour, results.
#[utoipa::path(get, path = "/api/v1/polls/{id}/dashboard", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, body = Dashboard),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`forbidden`", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`not_open_yet`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_dashboard(id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = parse_id(&id)?;
        let poll = service::managed(&polls, &who.account, &id)
            .await
            .map_err(PollError::problem)?;
        let now = clock::now();
        if matches!(poll.status(now), Status::Draft | Status::Scheduled) {
            return Err(Problem::conflict("not_open_yet"));
        }
        let counts = polls.counts(&poll).await.map_err(PollError::problem)?;
        let dashboard = Dashboard::new(&poll, &counts, &ctx.platform.directory(), ctx.lang, now);
        Ok(respond::json(StatusCode::OK, &dashboard))
    }
    .await;
    finish(&ctx, result)
}

// ---- Handlers: points ----

fn points_cursor(at: OffsetDateTime, poll: &PollId) -> String {
    encode_cursor(&format!("{}:{poll}", clock::to_millis(at)))
}

fn parse_points_cursor(raw: &str) -> Result<(OffsetDateTime, PollId), Problem> {
    let bad = || Problem::bad_request("invalid_cursor").with("field", "cursor");
    let text = decode_cursor(raw)?;
    let (millis, poll) = text.split_once(':').ok_or_else(bad)?;
    let millis: i64 = millis.parse().map_err(|_| bad())?;
    let poll = PollId::parse(poll).ok_or_else(bad)?;
    Ok((clock::from_millis(millis), poll))
}

/// Your points: the balance, and the polls you earned them in, newest first.
#[utoipa::path(get, path = "/api/v1/me/points", tag = "polls",
    params(("limit" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PointsPage),
        (status = 400, description = "`invalid_limit`, `invalid_cursor`", body = ProblemDocument),
        (status = 401, body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn my_points(ctx: Ctx, polls: Arc<Polls>, query: HashMap<String, String>) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let limit = parse_limit(&query)?;
        let before = match query.get("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(parse_points_cursor(c)?),
        };
        let (balance, mut entries) = service::points(&polls, &who.account.id, before, limit + 1)
            .await
            .map_err(PollError::problem)?;
        let next_cursor = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| points_cursor(e.at, &e.poll_id))
        } else {
            None
        };
        let titles = futures::future::try_join_all(entries.iter().map(|e| {
            let polls = &polls;
            async move {
                match polls.cached(&e.poll_id).await {
                    Ok(poll) => Ok(Some(poll.title.clone())),
                    Err(PollError::NotFound) => Ok(None),
                    Err(other) => Err(other),
                }
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
        Ok(respond::json(
            StatusCode::OK,
            &PointsPage {
                balance,
                items,
                next_cursor,
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// The polls' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_polls, create_poll, get_poll, replace_poll, delete_poll, schedule_poll,
        unschedule_poll, close_poll, publish_poll, cast_ballot, my_ballot, get_receipt,
        get_results, get_results_csv, get_seal, export_ballots_json, export_ballots_csv,
        get_dashboard, my_points),
    components(schemas(ProblemDocument, PollInput, QuestionInput, OptionInput, AudienceInput,
        BallotInput, AnswerInput, CloseInput, PublicationInput, PollView, QuestionView,
        OptionView, AudienceView, Status, Visibility, AgeBracket, PollSummary, PollPage,
        BallotCreated, BallotView, ReceiptBallot, ReceiptView, Step, Side, Results,
        QuestionResult, OptionResult, GroupRow, Dashboard, Turnout, HourCount, SealDocument,
        PointsItem, PointsPage)),
    tags((name = "polls", description = "Active Citizen polls: officials run them, residents vote once each with a receipt, everyone checks the results"))
)]
pub struct PollsApi;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::{json, Value};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_util::sync::CancellationToken;
    use warp::Filter;

    use veche_core::accounts::model::{Account, AccountState, BirthYear, DisplayName, Email, Role};
    use veche_core::accounts::CoreConfig;
    use veche_core::id::{AccountId, DistrictId, OrganisationId};
    use veche_core::notify::{Enqueued, Notification, Notify, NotifyError};
    use veche_core::storage::{Backend, Sqlite, SyncMode};
    use veche_core::web::i18n::{Catalog, Lang, CORE_EN, CORE_RU};
    use veche_core::web::problem::{Problem, Rejected};
    use veche_core::web::ratelimit::{declare, CoreLimit, Declared, Limits, RateSpec};
    use veche_core::{clock, Platform};

    use super::*;
    use crate::service::PollsConfig;
    use crate::{POLLS_EN, POLLS_RU};

    // The notifier's messages, read from its sources: the polls crate does not depend on it.
    const NOTIFIER_RU: &str = include_str!("../../notifier/i18n/ru.ftl");
    const NOTIFIER_EN: &str = include_str!("../../notifier/i18n/en.ftl");

    fn catalog() -> Catalog {
        Catalog::new(&[
            (CORE_RU, CORE_EN),
            (NOTIFIER_RU, NOTIFIER_EN),
            (POLLS_RU, POLLS_EN),
        ])
        .unwrap_or_else(|e| panic!("catalog: {e}"))
    }

    /// Every problem code the polls crate can produce.
    const CODES: &[&str] = &[
        "version_conflict",
        "precondition_required",
        "poll_closed",
        "questions_frozen",
        "already_open",
        "not_a_draft",
        "not_scheduled",
        "not_open",
        "not_closed",
        "not_sealed_yet",
        "not_sealed",
        "not_open_yet",
        "seal_differs",
        "poll_busy",
        "poll_not_open",
        "already_voted",
        "not_in_audience",
        "too_young",
        "not_verified",
        "overloaded",
        "missing_answer",
        "too_many_choices",
        "unknown_option",
        "unknown_question",
        "duplicate_answer",
        "duplicate_option",
        "empty_answer",
        "empty_ballot",
        "too_many_answers",
        "results_hidden",
        "invalid_status",
        "invalid_filter",
        // From core, used here.
        "not_found",
        "forbidden",
        "unauthorized",
        "validation_failed",
        "rate_limited",
        "invalid_header",
        "invalid_cursor",
        "invalid_limit",
        "payload_too_large",
        "unsupported_media_type",
    ];

    /// Every (field, code) pair `rules.rs`, `service.rs` and this module refuse input with.
    const INVALID: &[(&str, &str)] = &[
        ("title", "required"),
        ("title", "too_short"),
        ("title", "too_long"),
        ("title", "invalid_characters"),
        ("description", "too_long"),
        ("description", "invalid_characters"),
        ("questions", "required"),
        ("questions", "too_many"),
        ("question_id", "unknown_id"),
        ("question_id", "duplicate_id"),
        ("question_text", "required"),
        ("question_text", "too_long"),
        ("question_text", "invalid_characters"),
        ("options", "too_few"),
        ("options", "too_many"),
        ("option_id", "unknown_id"),
        ("option_id", "duplicate_id"),
        ("option_text", "required"),
        ("option_text", "too_long"),
        ("option_text", "invalid_characters"),
        ("option_text", "duplicate_option"),
        ("kind", "invalid_kind"),
        ("max_choices", "single_choice"),
        ("max_choices", "out_of_range"),
        ("audience", "too_many"),
        ("districts", "unknown_district"),
        ("okrugs", "unknown_okrug"),
        ("min_age", "out_of_range"),
        ("opens_at", "schedule_required"),
        ("closes_at", "before_opening"),
        ("closes_at", "too_long"),
        ("closes_at", "in_the_past"),
        ("points", "out_of_range"),
        ("results_visibility", "invalid_visibility"),
        ("decision", "required"),
        ("decision", "too_long"),
        ("close_reason", "too_long"),
        ("reason", "invalid_characters"),
    ];

    #[test]
    fn the_catalog_has_every_code_in_both_languages() {
        let catalog = catalog();
        for code in CODES {
            let key = format!("err-{code}");
            assert!(catalog.has(&key), "{key}");
            for lang in [Lang::Ru, Lang::En] {
                assert_ne!(catalog.t(lang, &key), key, "{key} in {lang:?}");
            }
        }
        for code in CODES.iter().take_while(|c| **c != "not_found") {
            let key = format!("err-{code}-detail");
            assert!(catalog.has(&key), "{key}");
        }
        for (field, code) in INVALID {
            let key = format!("invalid-{field}-{code}");
            assert!(catalog.has(&key), "{key}");
        }
        for kind in ["poll_opened", "poll_results"] {
            for part in ["subject", "body", "action", "digest"] {
                let key = format!("mail-{kind}-{part}");
                assert!(catalog.has(&key), "{key}");
                let text = catalog.t_args(
                    Lang::Ru,
                    &key,
                    &[("title", "Парк «Дубки»".into()), ("name", "Анна".into())],
                );
                assert!(!text.contains('{'), "{key}: {text}");
            }
            let subject = catalog.t_args(
                Lang::En,
                &format!("mail-{kind}-subject"),
                &[("title", "Dubki park".into())],
            );
            assert!(subject.contains("Dubki park"), "{subject}");
        }
    }

    #[test]
    fn the_openapi_document_lists_every_route() {
        use utoipa::OpenApi;
        let doc = PollsApi::openapi();
        for path in [
            "/api/v1/polls",
            "/api/v1/polls/{id}",
            "/api/v1/polls/{id}/schedule",
            "/api/v1/polls/{id}/unschedule",
            "/api/v1/polls/{id}/close",
            "/api/v1/polls/{id}/publication",
            "/api/v1/polls/{id}/ballots",
            "/api/v1/polls/{id}/ballot",
            "/api/v1/polls/{id}/receipts/{receipt}",
            "/api/v1/polls/{id}/results",
            "/api/v1/polls/{id}/results.csv",
            "/api/v1/polls/{id}/seal",
            "/api/v1/polls/{id}/ballots.json",
            "/api/v1/polls/{id}/ballots.csv",
            "/api/v1/polls/{id}/dashboard",
            "/api/v1/me/points",
        ] {
            assert!(doc.paths.paths.contains_key(path), "{path}");
        }
    }

    #[test]
    fn if_match_takes_a_version_with_or_without_quotes() {
        assert_eq!(parse_if_match(None).ok(), Some(None));
        assert_eq!(parse_if_match(Some("\"3\"")).ok(), Some(Some(3)));
        assert_eq!(parse_if_match(Some(" 12 ")).ok(), Some(Some(12)));
        for bad in ["", "\"", "\"3", "W/\"3\"", "*", "three", "-1"] {
            let p = parse_if_match(Some(bad))
                .err()
                .map(|p| (p.status.as_u16(), p.code));
            assert_eq!(p, Some((400, "invalid_header")), "{bad:?}");
        }
        let p = required_if_match(None)
            .err()
            .map(|p| (p.status.as_u16(), p.code));
        assert_eq!(p, Some((428, "precondition_required")));
    }

    #[test]
    fn a_close_reason_is_optional_and_bounded() {
        let reason = |r: &str| {
            close_reason(Some(CloseInput {
                reason: Some(r.into()),
            }))
        };
        assert_eq!(close_reason(None).ok(), Some(None));
        assert_eq!(reason("  ").ok(), Some(None));
        assert_eq!(
            reason(" Ошибка в вопросе\r\nисправим ").ok(),
            Some(Some("Ошибка в вопросе\nисправим".into()))
        );
        let p = reason(&"я".repeat(REASON_MAX + 1)).err();
        assert_eq!(
            p.map(|p| (p.field, p.detail_key)),
            Some((
                Some("reason"),
                Some("invalid-close_reason-too_long".to_string())
            ))
        );
        assert!(reason("a\u{0}b").is_err());
        assert!(reason(&"я".repeat(REASON_MAX)).is_ok());
    }

    #[test]
    fn points_cursors_round_trip() {
        let at = clock::from_millis(1_760_000_000_123);
        let poll = PollId::generate();
        let cursor = points_cursor(at, &poll);
        let (back_at, back_poll) = parse_points_cursor(&cursor).unwrap();
        assert_eq!((back_at, back_poll), (at, poll));
        assert!(parse_points_cursor("%%%").is_err());
        assert!(parse_points_cursor(&encode_cursor("nope")).is_err());
    }

    // ---- Through a real server ----

    struct NoMail;

    #[async_trait::async_trait]
    impl Notify for NoMail {
        async fn enqueue(&self, _: Notification) -> Result<Enqueued, NotifyError> {
            Ok(Enqueued::Declined)
        }
    }

    struct Harness {
        platform: Arc<Platform>,
        polls: Arc<Polls>,
        addr: SocketAddr,
        _dir: tempfile::TempDir,
    }

    struct User {
        bearer: String,
    }

    impl User {
        fn auth(&self) -> (&str, &str) {
            ("Authorization", self.bearer.as_str())
        }
    }

    #[derive(Debug)]
    struct Reply {
        status: u16,
        head: String,
        body: String,
    }

    impl Reply {
        fn header(&self, name: &str) -> Option<String> {
            self.head.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        }

        fn json(&self) -> Value {
            serde_json::from_str(&self.body)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
        }

        fn code(&self) -> (u16, String) {
            let code = serde_json::from_str::<Value>(&self.body)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_string))
                .unwrap_or_default();
            (self.status, code)
        }
    }

    /// Undoes `Transfer-Encoding: chunked`.
    fn dechunk(raw: &str) -> String {
        let mut out = String::new();
        let mut rest = raw;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    }

    async fn recover(
        platform: Arc<Platform>,
        rejection: warp::Rejection,
    ) -> Result<Response, std::convert::Infallible> {
        let problem = match rejection.find::<Rejected>() {
            Some(Rejected(p)) => p.clone(),
            None if rejection.is_not_found() => Problem::not_found(),
            None => Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        };
        Ok(problem.into_response(&platform.catalog, Lang::En))
    }

    impl Harness {
        async fn start(config: PollsConfig, rates: &[(&str, &str)]) -> Harness {
            let dir = tempfile::tempdir().unwrap();
            let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
            let backend = Backend::Sqlite(db);
            let store = veche_core::store::open(&backend).await.unwrap();
            let declared: Vec<Declared> = declare::<CoreLimit>()
                .into_iter()
                .chain(declare::<crate::PollsLimit>())
                .collect();
            let overrides: BTreeMap<String, RateSpec> = rates
                .iter()
                .map(|(k, v)| (k.to_string(), RateSpec::parse(v).unwrap()))
                .collect();
            let limits = Limits::build(&declared, &overrides).unwrap();
            let platform = Arc::new(Platform::new(
                backend.clone(),
                store,
                catalog(),
                limits,
                CoreConfig::default(),
                [7; 32],
                CancellationToken::new(),
                Arc::new(NoMail),
            ));
            let poll_store = crate::store::open(&backend).await.unwrap();
            let polls = Arc::new(Polls::new(poll_store, config));
            let recover_platform = platform.clone();
            let routes = super::routes(platform.clone(), polls.clone())
                .recover(move |r| recover(recover_platform.clone(), r))
                .unify()
                .boxed();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(warp::serve(routes).incoming(listener).run());
            Harness {
                platform,
                polls,
                addr,
                _dir: dir,
            }
        }

        async fn user(&self, roles: &[Role]) -> User {
            let now = clock::now();
            let id = AccountId::generate();
            let official = roles.contains(&Role::Official);
            let account = Account {
                email: Email::parse(&format!("u{}@example.org", id.as_str().to_lowercase()))
                    .unwrap(),
                id,
                display_name: DisplayName::parse("Анна Тестова").unwrap(),
                district_id: DistrictId::from_trusted("45383000".into()),
                birth_year: BirthYear::from_trusted(1985),
                password_hash: String::new(),
                roles: roles
                    .iter()
                    .copied()
                    .chain([Role::Resident])
                    .collect::<BTreeSet<_>>(),
                organisation_id: official.then(OrganisationId::generate),
                state: AccountState::Active,
                created_at: now,
                updated_at: now,
                mail_pending_since: None,
                lang: Lang::Ru,
            };
            let p = &self.platform;
            p.store.insert_account(&account).await.unwrap();
            let (_, bearer) = veche_core::accounts::service::create_token(p, &account.id, "tests")
                .await
                .unwrap();
            User {
                bearer: format!("Bearer {bearer}"),
            }
        }

        async fn send(
            &self,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
            body: Option<&str>,
        ) -> Reply {
            let mut request =
                format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            match body {
                Some(body) => request.push_str(&format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )),
                None => request.push_str("\r\n"),
            }
            let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            let text = String::from_utf8_lossy(&raw).into_owned();
            let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no status in {head:?}"));
            let chunked = head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked");
            Reply {
                status,
                head: head.to_string(),
                body: if chunked {
                    dechunk(body)
                } else {
                    body.to_string()
                },
            }
        }

        async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
            self.send("GET", path, headers, None).await
        }

        async fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
            self.send("POST", path, headers, Some(&body.to_string()))
                .await
        }
    }

    fn rfc3339(at: OffsetDateTime) -> String {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    }

    /// A city-wide poll that opened a minute ago, with a required single-choice question and
    /// an optional multiple-choice one.
    fn poll_input(title: &str) -> Value {
        let now = clock::now();
        json!({
            "title": title,
            "description": "Что построить в парке",
            "questions": [
                {"text": "Что построить?", "options": [{"text": "Каток"}, {"text": "Сцену"}]},
                {"text": "Что ещё?", "kind": "multiple", "required": false,
                 "options": [{"text": "Скамейки"}, {"text": "Фонари"}, {"text": "Урны"}]},
            ],
            "opens_at": rfc3339(now - time::Duration::minutes(1)),
            "closes_at": rfc3339(now + time::Duration::days(7)),
            "points": 25,
        })
    }

    fn ballot_for(poll: &Value, first: usize) -> Value {
        let q = &poll["questions"][0];
        json!({"answers": [{"question": q["id"], "options": [q["options"][first]["id"]]}]})
    }

    fn quick() -> PollsConfig {
        PollsConfig {
            seal_grace: Duration::ZERO,
            cache_ttl: Duration::ZERO,
            ..PollsConfig::default()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_poll_from_draft_to_published_results() {
        let h = Harness::start(quick(), &[]).await;
        let official = h.user(&[Role::Official]).await;
        let anna = h.user(&[]).await;
        let boris = h.user(&[]).await;
        let as_official = official.auth();
        let as_anna = anna.auth();

        // Creating: officials only, idempotent with a key.
        let input = poll_input("Парк «Дубки»");
        let r = h.post("/api/v1/polls", &[], &input).await;
        assert_eq!(r.code(), (401, "unauthorized".into()));
        let r = h.post("/api/v1/polls", &[as_anna], &input).await;
        assert_eq!(r.code(), (403, "forbidden".into()));
        let key = ("Idempotency-Key", "create-1");
        let r = h.post("/api/v1/polls", &[as_official, key], &input).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let poll = r.json();
        let id = poll["id"].as_str().unwrap().to_string();
        assert_eq!(r.header("location"), Some(format!("/api/v1/polls/{id}")));
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(poll["status"], "draft");
        let again = h.post("/api/v1/polls", &[as_official, key], &input).await;
        assert_eq!((again.status, again.json()["id"].clone()), (201, json!(id)));
        let bad = json!({"title": "x"});
        let r = h.post("/api/v1/polls", &[as_official], &bad).await;
        assert_eq!(r.code(), (422, "validation_failed".into()));
        assert_eq!(r.json()["field"], "title");
        let r = h
            .post(
                "/api/v1/polls",
                &[as_official],
                &json!({"title": "abc", "x": 1}),
            )
            .await;
        assert_eq!(r.code(), (400, "unknown_field".into()));

        // A draft is visible only to those who manage it.
        let path = format!("/api/v1/polls/{id}");
        assert_eq!(h.get(&path, &[as_anna]).await.status, 404);
        assert_eq!(h.get(&path, &[]).await.status, 404);
        let r = h.get(&path, &[as_official]).await;
        assert_eq!((r.status, r.header("etag")), (200, Some("\"1\"".into())));
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        let r = h.get("/api/v1/polls?status=draft", &[as_anna]).await;
        assert_eq!(r.json()["items"], json!([]));
        let r = h.get("/api/v1/polls?status=draft", &[as_official]).await;
        assert_eq!(r.json()["items"][0]["id"], json!(id));

        // Editing names the version.
        let mut edit = input.clone();
        edit["title"] = json!("Парк «Дубки» — что построить");
        edit["questions"] = poll["questions"].clone();
        for q in edit["questions"].as_array_mut().unwrap() {
            let q = q.as_object_mut().unwrap();
            q.remove("max_choices");
            if q["kind"] == "single" {
                q.remove("kind");
            }
        }
        let body = edit.to_string();
        let r = h.send("PUT", &path, &[as_official], Some(&body)).await;
        assert_eq!(r.code(), (428, "precondition_required".into()));
        let r = h
            .send(
                "PUT",
                &path,
                &[as_official, ("If-Match", "v1")],
                Some(&body),
            )
            .await;
        assert_eq!(r.code(), (400, "invalid_header".into()));
        let r = h
            .send(
                "PUT",
                &path,
                &[as_official, ("If-Match", "\"1\"")],
                Some(&body),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
        assert_eq!(r.json()["questions"], poll["questions"], "ids are kept");
        let r = h
            .send("PUT", &path, &[as_official, ("If-Match", "1")], Some(&body))
            .await;
        assert_eq!(r.code(), (409, "version_conflict".into()));
        let r = h
            .send("PUT", &path, &[as_anna, ("If-Match", "2")], Some(&body))
            .await;
        assert_eq!(r.status, 404, "a resident does not see the draft");

        // Scheduling with an opening time passed: open at once.
        let r = h
            .send("POST", &format!("{path}/schedule"), &[as_official], None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "open");
        let r = h
            .send("POST", &format!("{path}/unschedule"), &[as_official], None)
            .await;
        assert_eq!(r.code(), (409, "not_scheduled".into()));
        let r = h
            .send("DELETE", &path, &[as_official, ("If-Match", "3")], None)
            .await;
        assert_eq!(r.code(), (409, "not_a_draft".into()));

        // Listing.
        let r = h.get("/api/v1/polls", &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let item = &r.json()["items"][0];
        assert_eq!(
            (
                item["id"].clone(),
                item["status"].clone(),
                item["voted"].clone()
            ),
            (json!(id), json!("open"), json!(false))
        );
        assert_eq!(item["city_wide"], true);
        assert_eq!(item["points"], 25);
        let r = h.get("/api/v1/polls?eligible=true", &[]).await;
        assert_eq!(r.status, 401);
        let r = h.get("/api/v1/polls?eligible=true", &[as_anna]).await;
        assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(1));
        let r = h.get("/api/v1/polls?status=closed", &[as_anna]).await;
        assert_eq!(r.json()["items"], json!([]));
        let r = h.get("/api/v1/polls?status=later", &[]).await;
        assert_eq!(r.code(), (400, "invalid_status".into()));
        let r = h.get("/api/v1/polls?organisation=mine", &[as_anna]).await;
        assert_eq!(r.status, 403);
        let r = h
            .get("/api/v1/polls?organisation=mine", &[as_official])
            .await;
        assert_eq!(r.json()["items"][0]["id"], json!(id));

        // Results after voting.
        let poll = h.get(&path, &[]).await.json();
        let results = format!("{path}/results");
        let r = h.get(&results, &[as_anna]).await;
        assert_eq!(r.code(), (403, "results_hidden".into()));
        assert_eq!(h.get(&results, &[as_official]).await.status, 200);
        let r = h.get(&format!("{path}/dashboard"), &[as_anna]).await;
        assert_eq!(r.code(), (403, "forbidden".into()));

        // Voting.
        let ballots = format!("{path}/ballots");
        let r = h.post(&ballots, &[], &ballot_for(&poll, 0)).await;
        assert_eq!(r.status, 401);
        let bad = json!({"answers": [{"question": "nope", "options": ["x"]}]});
        let r = h.post(&ballots, &[as_anna], &bad).await;
        assert_eq!(r.code(), (422, "unknown_question".into()));
        assert_eq!(r.json()["question"], "nope");
        let r = h.post(&ballots, &[as_anna], &json!({"answers": []})).await;
        assert_eq!(r.code(), (422, "missing_answer".into()));
        let r = h.post(&ballots, &[as_anna], &ballot_for(&poll, 0)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let cast = r.json();
        let receipt = cast["receipt"].as_str().unwrap().to_string();
        let receipt_path = format!("/api/v1/polls/{id}/receipts/{receipt}");
        assert_eq!(r.header("location").as_deref(), Some(receipt_path.as_str()));
        assert_eq!(cast["receipt_url"], json!(receipt_path));
        assert_eq!(cast["points"], 25);
        let r = h.post(&ballots, &[as_anna], &ballot_for(&poll, 1)).await;
        assert_eq!(r.code(), (409, "already_voted".into()));
        assert_eq!(r.json()["receipt"], json!(receipt));
        let key = ("Idempotency-Key", "vote-1");
        let first = h
            .post(&ballots, &[boris.auth(), key], &ballot_for(&poll, 1))
            .await;
        assert_eq!(first.status, 201, "{}", first.body);
        let replay = h
            .post(&ballots, &[boris.auth(), key], &ballot_for(&poll, 1))
            .await;
        assert_eq!((replay.status, replay.json()), (201, first.json()));

        let r = h.get(&format!("{path}/ballot"), &[as_anna]).await;
        assert_eq!(
            (r.status, r.json()["receipt"].clone()),
            (200, json!(receipt))
        );
        let r = h.get(&format!("{path}/ballot"), &[as_official]).await;
        assert_eq!(r.status, 404);
        let r = h.get(&results, &[as_anna]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["ballots"], 2);
        assert_eq!(r.json()["final"], false);
        let r = h.get("/api/v1/polls", &[as_anna]).await;
        assert_eq!(r.json()["items"][0]["voted"], true);

        let r = h.get(&receipt_path, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let view = r.json();
        assert_eq!(view["status"], "open");
        assert_eq!(
            (
                view["root"].clone(),
                view["proof"].clone(),
                view["included"].clone()
            ),
            (Value::Null, Value::Null, Value::Null)
        );
        assert_eq!(view["ballot"]["district"], "45383000");
        let r = h
            .get(&format!("{path}/receipts/{}", "0".repeat(64)), &[])
            .await;
        assert_eq!(r.status, 404);
        let r = h.get(&format!("{path}/receipts/zz"), &[]).await;
        assert_eq!(r.status, 404);

        for tail in ["seal", "ballots.json", "ballots.csv"] {
            let r = h.get(&format!("{path}/{tail}"), &[]).await;
            assert_eq!(r.code(), (409, "not_sealed".into()), "{tail}");
        }
        let r = h.get(&format!("{path}/dashboard"), &[as_official]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["ballots"], 2);

        // Closing, sealing.
        let close = format!("{path}/close");
        let r = h
            .post(&close, &[as_official], &json!({"reason": "я".repeat(1001)}))
            .await;
        assert_eq!(r.code(), (422, "validation_failed".into()));
        assert!(r.json()["detail"].as_str().unwrap().contains("1000"));
        let r = h
            .post(&close, &[as_official], &json!({"because": "x"}))
            .await;
        assert_eq!(r.code(), (400, "unknown_field".into()));
        let r = h.send("POST", &close, &[as_official], None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "closed");
        let r = h
            .post(&ballots, &[as_official], &ballot_for(&poll, 0))
            .await;
        assert_eq!(r.code(), (409, "poll_closed".into()));
        crate::service::seal(&h.polls, &PollId::parse(&id).unwrap())
            .await
            .unwrap();

        let r = h.get(&format!("{path}/seal"), &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.header("cache-control").as_deref(),
            Some("public, max-age=60")
        );
        let published: Published = serde_json::from_str(&r.body).unwrap();
        assert_eq!(published.ballots, 2);
        for (tail, content_type) in [
            ("ballots.json", "application/json"),
            ("ballots.csv", "text/csv; charset=utf-8"),
        ] {
            let r = h.get(&format!("{path}/{tail}"), &[]).await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.header("content-type").as_deref(), Some(content_type));
            assert_eq!(
                r.header("content-disposition"),
                Some(format!("attachment; filename=\"poll-{id}-{tail}\""))
            );
            let parsed = export::parse(&r.body).unwrap();
            let verdict = export::check(&parsed, &published);
            assert!(verdict.ok(), "{tail}: {:?}", verdict.problems);
        }
        let r = h.get(&receipt_path, &[]).await;
        let view = r.json();
        assert_eq!(view["included"], true, "{}", r.body);
        assert_eq!(view["root"], json!(published.root));
        assert!(view["proof"].is_array());

        let r = h.get(&results, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["final"], true);
        let r = h.get(&format!("{path}/results.csv"), &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with("group_kind,"), "{}", r.body);
        assert_eq!(
            r.header("content-disposition"),
            Some(format!("attachment; filename=\"poll-{id}-results.csv\""))
        );

        // Publishing.
        let publication = format!("{path}/publication");
        let r = h
            .post(&publication, &[as_official], &json!({"decision": " "}))
            .await;
        assert_eq!(r.code(), (422, "validation_failed".into()));
        let r = h
            .post(
                &publication,
                &[as_official],
                &json!({"decision": "Строим каток."}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "published");
        assert_eq!(r.json()["decision"], "Строим каток.");
        let r = h.get("/api/v1/polls?status=published", &[]).await;
        assert_eq!(r.json()["items"][0]["id"], json!(id));

        // Points.
        let r = h.get("/api/v1/me/points", &[as_anna]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let points = r.json();
        assert_eq!(points["balance"], 25);
        assert_eq!(points["items"][0]["title"], "Парк «Дубки» — что построить");
        assert_eq!(points["next_cursor"], Value::Null);
        assert_eq!(h.get("/api/v1/me/points", &[]).await.status, 401);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lists_page_with_a_cursor_and_drafts_are_deleted_by_version() {
        let h = Harness::start(quick(), &[]).await;
        let official = h.user(&[Role::Official]).await;
        let mut ids = Vec::new();
        for n in 0..5 {
            let r = h
                .post(
                    "/api/v1/polls",
                    &[official.auth()],
                    &poll_input(&format!("Опрос {n}")),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            ids.push(r.json()["id"].as_str().unwrap().to_string());
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/polls?limit=2&cursor={c}"),
                None => "/api/v1/polls?limit=2".to_string(),
            };
            let r = h.get(&path, &[official.auth()]).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let page = r.json();
            for item in page["items"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_string());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        ids.reverse();
        assert_eq!(seen, ids, "newest first, each once");
        let r = h.get("/api/v1/polls?cursor=%%%", &[]).await;
        assert_eq!(r.status, 400);
        let r = h.get("/api/v1/polls?limit=101", &[]).await;
        assert_eq!(r.code(), (400, "invalid_limit".into()));

        let path = format!("/api/v1/polls/{}", ids[0]);
        let r = h.send("DELETE", &path, &[official.auth()], None).await;
        assert_eq!(r.code(), (428, "precondition_required".into()));
        let r = h
            .send(
                "DELETE",
                &path,
                &[official.auth(), ("If-Match", "\"7\"")],
                None,
            )
            .await;
        assert_eq!(r.code(), (409, "version_conflict".into()));
        let r = h
            .send(
                "DELETE",
                &path,
                &[official.auth(), ("If-Match", "\"1\"")],
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
        assert_eq!(h.get(&path, &[official.auth()]).await.status, 404);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ballots_are_shed_and_rate_limited() {
        let shedding = Harness::start(
            PollsConfig {
                max_in_flight: 0,
                ..quick()
            },
            &[],
        )
        .await;
        let anna = shedding.user(&[]).await;
        let r = shedding
            .post(
                "/api/v1/polls/01ANY/ballots",
                &[anna.auth()],
                &json!({"answers": []}),
            )
            .await;
        assert_eq!(r.code(), (503, "overloaded".into()));
        assert_eq!(r.header("retry-after").as_deref(), Some("1"));

        let h = Harness::start(quick(), &[("ballot_account", "1/min")]).await;
        let official = h.user(&[Role::Official]).await;
        let anna = h.user(&[]).await;
        let r = h
            .post("/api/v1/polls", &[official.auth()], &poll_input("Парк"))
            .await;
        let id = r.json()["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/polls/{id}");
        h.send(
            "POST",
            &format!("{path}/schedule"),
            &[official.auth()],
            None,
        )
        .await;
        let poll = h.get(&path, &[]).await.json();
        let ballots = format!("{path}/ballots");
        let r = h
            .post(&ballots, &[anna.auth()], &ballot_for(&poll, 0))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = h
            .post(&ballots, &[anna.auth()], &ballot_for(&poll, 0))
            .await;
        assert_eq!(r.code(), (429, "rate_limited".into()));
        assert!(r.header("retry-after").is_some());
    }
}
