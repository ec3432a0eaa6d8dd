//! Voting (the hot path), one's own ballot, and receipts.

use futures::FutureExt;
use serde_json::json;
use warp::reply::Response;

use veche_core::clock;
use veche_core::web::idempotency::Outcome;
use veche_core::web::problem::{Problem, ProblemDocument};
use veche_core::web::respond;

use super::common::{parse_id, visible_cached, Req};
use super::inputs::{BallotCreated, ReceiptBallot, ReceiptView};
use crate::model::Receipt;
use crate::rules::BallotInput;
use crate::service::{self, PollError};
use crate::views::BallotView;
use veche_core::web::responses::CreateHeaders;

/// Counts a refused ballot by its code (shed ballots have their own counter).
fn count_refusal(code: &str) {
    if code != "overloaded" {
        crate::metrics::REFUSED.with_label_values(&[code]).inc();
    }
}

/// Votes. One ballot per resident per poll; the answer holds the receipt that proves the ballot
/// was counted.
#[utoipa::path(post, path = "/api/v1/polls/{id}/ballots", tag = "polls",
    request_body = BallotInput,
    params(("id" = String, Path),
        CreateHeaders),
    responses((status = 201, description = "Stored; `Location` is the receipt", body = BallotCreated),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`, `invalid_idempotency_key`", body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "`not_in_audience`, `too_young`, `not_verified`; `forbidden` (missing CSRF token)", body = ProblemDocument),
        (status = 404, description = "`not_found`", body = ProblemDocument),
        (status = 409, description = "`poll_not_open`, `poll_closed`, `already_voted` (with the first ballot's `receipt` and `ballot_id`), `idempotency_in_progress`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large` (64 KiB)", body = ProblemDocument),
        (status = 422, description = "`missing_answer`, `too_many_choices`, `unknown_option`, `unknown_question`, `duplicate_answer`, `duplicate_option`, `empty_answer`, `empty_ballot`, `too_many_answers` (with `question` when one is concerned); `idempotency_key_reused`", body = ProblemDocument),
        (status = 429, description = "`rate_limited` (per account and per IP), with `Retry-After`", body = ProblemDocument),
        (status = 503, description = "`overloaded` (too many ballots in flight; `Retry-After: 1`), `unavailable`", body = ProblemDocument)))]
pub async fn cast_ballot(id: String, req: Req<BallotInput>) -> Response {
    let vote = async {
        let (who, polls) = (req.signed_in()?, &req.state);
        // Held until the answer is built.
        let _in_flight =
            polls.admit_ballot(&req.platform.limits, req.meta.client_ip, &who.account.id)?;
        let id = parse_id(&id)?;
        let input = req.input()?;
        req.once(&format!("polls.ballots:{id}"), || async {
            let voted = service::vote(&req.platform, polls, &who.account, &id, input)
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
    };
    req.answer(vote.inspect(|result| {
        if let Err(problem) = result {
            count_refusal(problem.code);
        }
    }))
    .await
}

/// Your own ballot in a poll.
#[utoipa::path(get, path = "/api/v1/polls/{id}/ballot", tag = "polls",
    params(("id" = String, Path)),
    responses((status = 200, body = BallotView),
        (status = 401, body = ProblemDocument),
        (status = 404, description = "`not_found`: no such poll, or you did not vote in it", body = ProblemDocument)))]
pub async fn my_ballot(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let id = parse_id(&id)?;
        let ballot = service::has_voted(&req.state, &id, Some(&who.account))
            .await
            .map_err(PollError::problem)?
            .ok_or_else(Problem::not_found)?;
        Ok(respond::ok(&BallotView::from(&ballot)))
    })
    .await
}

/// Checks a receipt (public: the receipt is the key). Once the poll is sealed, the answer holds
/// the proof that the ballot is in the published root, and whether the proof holds.
#[utoipa::path(get, path = "/api/v1/polls/{id}/receipts/{receipt}", tag = "polls",
    params(("id" = String, Path), ("receipt" = String, Path, description = "64 hex digits")),
    responses((status = 200, body = ReceiptView),
        (status = 404, description = "`not_found`: no such poll or receipt", body = ProblemDocument)),
    security((), ("session" = []), ("bearer" = [])))]
pub async fn get_receipt(id: String, receipt: String, req: Req) -> Response {
    req.answer(async {
        let poll = visible_cached(&req.state, &req, &id).await?;
        let receipt = Receipt::parse(&receipt).ok_or_else(Problem::not_found)?;
        let (ballot, proof) = service::receipt(&req.state, &poll, &receipt)
            .await
            .map_err(PollError::problem)?;
        let (root, steps, included) = match proof {
            Some(p) => (Some(p.root), Some(p.steps), Some(p.included)),
            None => (None, None, None),
        };
        let view = ReceiptView {
            poll_id: poll.id.to_string(),
            receipt: receipt.to_string(),
            ballot: ReceiptBallot::from(&ballot),
            status: poll.status(clock::now()),
            root,
            proof: steps,
            included,
        };
        Ok(respond::ok(&view))
    })
    .await
}
