//! A ballot's receipt and its inclusion proof; the "check a receipt" form.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::error_page;
use veche_core::web::problem::Problem;
use veche_core::web::respond;

use crate::model::{Poll, Receipt};
use crate::pages::common::{load_visible, status_label, t2, viewer, DONE};
use crate::rules;
use crate::service::{self, Polls};
use crate::verify::{self, Side};
use crate::views;

pub struct AnswerRead {
    pub question: String,
    pub options: Vec<String>,
}

pub struct ProofStep {
    pub side: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    tr: Tr<'a>,
    poll_id: String,
    poll_title: String,
    status_code: &'static str,
    status_label: String,
    receipt: String,
    answers: Vec<AnswerRead>,
    sealed: bool,
    root: String,
    /// The leaf the proof starts from, besides the receipt: the ballot's district and age
    /// bracket (both in the public export too).
    leaf: String,
    steps: Vec<ProofStep>,
    included: bool,
    results_href: Option<String>,
}

/// A poll the viewer may see and a well-formed receipt, or a 404 page.
async fn load_receipt(
    ctx: &Ctx,
    polls: &Polls,
    raw_id: &str,
    raw_receipt: &str,
) -> Result<(Poll, Receipt), Response> {
    let poll = load_visible(ctx, polls, raw_id).await?;
    let receipt =
        Receipt::parse(raw_receipt).ok_or_else(|| error_page(ctx, Problem::not_found()))?;
    Ok((poll, receipt))
}

/// GET /polls/{id}/receipts/{receipt}: public; knowing the receipt is the permission.
pub(super) async fn receipt_page(
    raw_id: String,
    raw_receipt: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let (poll, receipt) = match load_receipt(&ctx, &polls, &raw_id, &raw_receipt).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (ballot, proof) = match service::receipt(&polls, &poll, &receipt).await {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let now = clock::now();
    let status = poll.status(now);
    let answers = ballot
        .answers
        .iter()
        .map(|a| {
            let question = poll.question(a.question.as_str());
            AnswerRead {
                question: question
                    .map(|q| q.text.clone())
                    .unwrap_or_else(|| a.question.to_string()),
                options: a
                    .options
                    .iter()
                    .map(|o| {
                        question
                            .and_then(|q| q.option(o.as_str()))
                            .map(|x| x.text.clone())
                            .unwrap_or_else(|| o.to_string())
                    })
                    .collect(),
            }
        })
        .collect();
    // The check is against the root the poll published, not the one the proof came with.
    let published = poll
        .seal
        .as_ref()
        .map(|s| s.root.clone())
        .unwrap_or_default();
    let (sealed, steps, included) = match &proof {
        Some(proof) => (
            true,
            proof
                .steps
                .iter()
                .map(|s| ProofStep {
                    side: tr.t(match s.side {
                        Side::Left => "polls-side-left",
                        Side::Right => "polls-side-right",
                    }),
                    hash: s.hash.clone(),
                })
                .collect(),
            verify::check_proof(&proof.entry, &proof.steps, &published),
        ),
        None => (false, Vec::new(), false),
    };
    let me = viewer(&ctx);
    let voted = me.is_some_and(|a| a.id == ballot.account_id);
    let body = ReceiptPage {
        tr,
        poll_id: poll.id.to_string(),
        poll_title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        receipt: receipt.to_string(),
        answers,
        sealed,
        root: published,
        leaf: proof
            .as_ref()
            .map(|p| {
                let district = ctx
                    .platform
                    .directory()
                    .district(&p.entry.district)
                    .map(|d| format!("{} ({})", d.name(ctx.lang), p.entry.district))
                    .unwrap_or_else(|| p.entry.district.clone());
                let age = crate::model::AgeBracket::parse(&p.entry.age_bracket)
                    .map(|b| views::bracket_label(b, ctx.lang))
                    .unwrap_or_else(|| p.entry.age_bracket.clone());
                t2(
                    tr,
                    "polls-proof-leaf",
                    ("district", &district),
                    ("age", &age),
                )
            })
            .unwrap_or_default(),
        steps,
        included,
        results_href: rules::may_see_results(&poll, me, voted, now)
            .then(|| format!("/polls/{}/results", poll.id)),
    };
    DONE.page(&ctx, &query, &tr.t("polls-receipt-title"), &body)
}

/// GET /polls/{id}/receipts?receipt=…: the "check a receipt" form's target.
pub(super) async fn receipt_lookup(
    raw_id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let raw = query.get("receipt").map(String::as_str).unwrap_or("");
    let (poll, receipt) = match load_receipt(&ctx, &polls, &raw_id, raw).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match service::receipt_exists(&polls, &poll.id, &receipt).await {
        Ok(true) => respond::see_other(&format!("/polls/{}/receipts/{receipt}", poll.id)),
        Ok(false) => error_page(&ctx, Problem::not_found()),
        Err(e) => error_page(&ctx, e.problem()),
    }
}
