//! What a poll's ballots add up to: results (JSON, CSV), the seal, the public ballot export
//! and the live dashboard.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll as TaskPoll};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use http::header;
use warp::reply::Response;
use warp::Reply;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;

use super::common::{
    not_sealed, parse_id, publicly_final, results_allowed, results_hidden, set_header, viewer,
    visible_cached, Req,
};
use super::inputs::SealDocument;
use super::responses::{Hidden, Managed, Unsealed};
use crate::export::{self, Format, Published};
use crate::model::{Poll, Status};
use crate::service::{self, PollError, Polls};
use crate::views::{Dashboard, Results};

/// Public data that changes rarely: results of a sealed poll, its seal, its export.
const PUBLIC_CACHE: &str = "public, max-age=60";

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

/// The results the caller may see, rendered by `render` as `format` (or the same rendering
/// made a moment ago from the same counts), the poll, and whether a shared cache may keep them.
async fn visible_results(
    req: &Req,
    id: &str,
    format: &'static str,
    render: fn(&Results) -> Result<Bytes, Problem>,
) -> Result<(Bytes, Arc<Poll>, bool), Problem> {
    let (ctx, polls): (&Ctx, &Polls) = (req, &req.state);
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
        Hidden),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_results(id: String, req: Req) -> Response {
    req.answer(async {
        let (body, _, public) = visible_results(&req, &id, "json", results_json).await?;
        let mut response = Response::new(body.into());
        set_header(&mut response, header::CONTENT_TYPE, "application/json");
        cache_results(&mut response, public);
        Ok(response)
    })
    .await
}

/// The results as CSV: one row per option and group (`total`, `district`, `age`).
#[utoipa::path(get, path = "/api/v1/polls/{id}/results.csv", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment", body = String, content_type = "text/csv"),
        Hidden),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_results_csv(id: String, req: Req) -> Response {
    req.answer(async {
        let (body, poll, public) = visible_results(&req, &id, "csv", results_csv).await?;
        let mut response = Response::new(body.into());
        respond::mark_attachment(
            &mut response,
            "text/csv; charset=utf-8",
            &format!("poll-{}-results.csv", poll.id),
        );
        cache_results(&mut response, public);
        Ok(response)
    })
    .await
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
        Unsealed),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_seal(id: String, req: Req) -> Response {
    req.answer(async {
        let (poll, public) = sealed_poll(&req, &req.state, &id).await?;
        let seal = service::published_seal(&req.state, &poll.id)
            .await
            .map_err(PollError::problem)?
            .ok_or_else(not_sealed)?;
        let published = Published {
            poll_id: seal.poll_id.to_string(),
            root: seal.root,
            ballots: seal.ballots,
            counters: seal.counters.public(),
        };
        let mut response = respond::ok(&published);
        if public {
            set_header(&mut response, header::CACHE_CONTROL, PUBLIC_CACHE);
        }
        Ok(response)
    })
    .await
}

/// The public ballot export of a sealed poll, streamed from the store page by page.
async fn export_ballots(id: String, req: Req, format: Format) -> Response {
    req.answer(async {
        let (poll, public) = sealed_poll(&req, &req.state, &id).await?;
        let (content_type, extension) = match format {
            Format::Json => ("application/json", "json"),
            Format::Csv => ("text/csv; charset=utf-8", "csv"),
        };
        let poll_id = poll.id.clone();
        let chunks = export::stream(req.state.clone(), (*poll).clone(), format).map(move |chunk| {
            chunk.map(Bytes::from).map_err(|e| {
                // The status is sent already: the client sees a cut-off body.
                tracing::error!(poll = %poll_id, error = %e, "ballot export failed midway");
                e
            })
        });
        let mut response =
            warp::reply::stream(SyncStream(Mutex::new(Box::pin(chunks)))).into_response();
        respond::mark_attachment(
            &mut response,
            content_type,
            &format!("poll-{}-ballots.{extension}", poll.id),
        );
        if public {
            set_header(&mut response, header::CACHE_CONTROL, PUBLIC_CACHE);
        }
        Ok(response)
    })
    .await
}

/// The public ballot export as JSON: `{format, poll_id, questions, ballots: [...]}`. Each
/// ballot has its id, receipt, answers, district and age bracket — never the account or the
/// time. Anyone can recompute every receipt, the root and the counts from it.
#[utoipa::path(get, path = "/api/v1/polls/{id}/ballots.json", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment (`veche-ballots-v1`)", body = Object, content_type = "application/json"),
        Unsealed),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn export_ballots_json(id: String, req: Req) -> Response {
    export_ballots(id, req, Format::Json).await
}

/// The public ballot export as CSV: `poll_id,ballot_id,receipt,district,age_bracket` and one
/// column per question (options chosen, separated by `;`).
#[utoipa::path(get, path = "/api/v1/polls/{id}/ballots.csv", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, description = "An attachment", body = String, content_type = "text/csv"),
        Unsealed),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn export_ballots_csv(id: String, req: Req) -> Response {
    export_ballots(id, req, Format::Csv).await
}

/// The live view of a poll for those who manage it: turnout by district (exact), ballots per
/// hour, results.
#[utoipa::path(get, path = "/api/v1/polls/{id}/dashboard", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, body = Dashboard),
        Managed,
        (status = 409, description = "`not_open_yet`", body = ProblemDocument)))]
pub async fn get_dashboard(id: String, req: Req) -> Response {
    req.answer(async {
        let (who, polls) = (req.signed_in()?, &req.state);
        let id = parse_id(&id)?;
        let poll = service::managed(polls, &who.account, &id)
            .await
            .map_err(PollError::problem)?;
        let now = clock::now();
        if matches!(poll.status(now), Status::Draft | Status::Scheduled) {
            return Err(Problem::conflict("not_open_yet"));
        }
        let counts = polls.counts(&poll).await.map_err(PollError::problem)?;
        let dashboard = Dashboard::new(&poll, &counts, &req.platform.directory(), req.lang, now);
        Ok(respond::ok(&dashboard))
    })
    .await
}
