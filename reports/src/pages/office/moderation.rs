//! The moderators' queue: submitted reports, the longest waiting first, each with what it
//! says and shows and a form to accept it (routing finds its organisation; the reason is shown
//! after) or reject it with a reason. A decision another moderator made first is told, never
//! made twice (the service's version check).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page_with_flash};
use veche_core::web::problem::Problem;
use veche_core::web::show::{to_signin, waited, Message};
use veche_core::web::{respond, Form};

use super::{after, cursor, report_id, status_label, viewer, Card, Lookup, DONE, PAGE_SIZE};
use crate::model::{RejectReason, ReportId};
use crate::rules::DecisionInput;
use crate::service::{self, Reports};

const QUEUE_PATH: &str = "/moderation/reports";

pub struct Row {
    pub card: Card,
    pub waiting: String,
    /// The form as it was sent, when it came back refused.
    pub action: String,
    pub reason: String,
    pub note: String,
    pub refused: bool,
}

#[derive(Template)]
#[template(path = "office_moderation.html")]
struct QueuePage<'a> {
    tr: Tr<'a>,
    oldest: Option<String>,
    rows: Vec<Row>,
    reasons: Vec<(&'static str, String)>,
    next_href: Option<String>,
    csrf: String,
    error: Option<Message>,
}

/// A refused decision, to show again.
struct Refused {
    id: ReportId,
    input: DecisionInput,
    problem: Problem,
}

/// GET /moderation/reports?cursor=
pub(super) async fn queue_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    render(&ctx, &reports, &query, None).await
}

async fn render(
    ctx: &Ctx,
    reports: &Reports,
    query: &HashMap<String, String>,
    refused: Option<Refused>,
) -> Response {
    let Some(me) = viewer(ctx) else {
        return to_signin(QUEUE_PATH);
    };
    let result = async {
        let page = service::moderation_queue(reports, me, after(query)?, PAGE_SIZE).await?;
        let lookup = Lookup::read(ctx, reports).await?;
        let tr = ctx.tr();
        let now = clock::now();
        let first_page = query.get("cursor").is_none_or(|c| c.is_empty());
        let rows = page
            .reports
            .iter()
            .map(|report| {
                let kept = refused.as_ref().filter(|r| r.id == report.id);
                let text = |f: fn(&DecisionInput) -> Option<&String>| {
                    kept.and_then(|k| f(&k.input)).cloned().unwrap_or_default()
                };
                Row {
                    card: Card::new(tr, &lookup, ctx, report),
                    waiting: waited(tr, report.created_at, now),
                    action: kept.map_or_else(|| "accept".into(), |k| k.input.action.clone()),
                    reason: text(|i| i.reason.as_ref()),
                    note: text(|i| i.note.as_ref()),
                    refused: kept.is_some(),
                }
            })
            .collect();
        let (status, error) = match &refused {
            Some(r) => (r.problem.status, Some(message(ctx, reports, r).await)),
            None => (StatusCode::OK, None),
        };
        let body = QueuePage {
            tr,
            oldest: page
                .reports
                .first()
                .filter(|_| first_page)
                .map(|r| waited(tr, r.created_at, now)),
            rows,
            reasons: RejectReason::ALL
                .iter()
                .map(|r| {
                    let label = tr.t(&format!("reports-office-reason-{}", r.as_str()));
                    (r.as_str(), label)
                })
                .collect(),
            next_href: cursor(&page.next).map(|c| format!("{QUEUE_PATH}?cursor={c}")),
            csrf: ctx.csrf_token(),
            error,
        };
        let flash = accepted_flash(ctx, reports, &lookup, query)
            .await
            .or_else(|| DONE.message(tr, query.get("done")));
        Ok(page_with_flash(
            ctx,
            status,
            &tr.t("reports-office-moderation-title"),
            &body,
            flash,
        ))
    }
    .await;
    result.unwrap_or_else(|p: Problem| error_page(ctx, p))
}

/// After an acceptance: where the report went and why.
async fn accepted_flash(
    ctx: &Ctx,
    reports: &Reports,
    lookup: &Lookup,
    query: &HashMap<String, String>,
) -> Option<String> {
    if query.get("done").map(String::as_str) != Some("accepted") {
        return None;
    }
    let id = ReportId::parse(query.get("report")?)?;
    let report = service::report(reports, viewer(ctx), &id).await.ok()?;
    let routing = lookup.viewing(ctx).report(&report).routing?;
    Some(
        ctx.tr()
            .t1("reports-office-flash-accepted", "reason", &routing.reason),
    )
}

/// What refused a decision: a decision another moderator made first is told as such, with the
/// report's state now.
async fn message(ctx: &Ctx, reports: &Reports, refused: &Refused) -> Message {
    if matches!(
        refused.problem.code,
        "version_conflict" | "invalid_transition"
    ) {
        if let Ok(now) = service::report(reports, viewer(ctx), &refused.id).await {
            let tr = ctx.tr();
            return Message {
                title: tr.t("reports-office-already-decided"),
                detail: tr.t1(
                    "reports-office-already-decided-detail",
                    "status",
                    &status_label(tr, now.status),
                ),
            };
        }
    }
    Message::of(ctx, &refused.problem)
}

fn decision_of(form: &Form) -> DecisionInput {
    let optional = |name: &str| Some(form.get(name).to_string()).filter(|v| !v.trim().is_empty());
    DecisionInput {
        action: form.get("action").to_string(),
        reason: optional("reason"),
        note: optional("note"),
        organisation_id: None,
    }
}

/// POST /moderation/reports/{id}/decision (`action` accept or reject, `reason`, `note`,
/// `version`)
pub(super) async fn decide_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    reports: Arc<Reports>,
) -> Response {
    let Some(me) = viewer(&ctx) else {
        return to_signin(QUEUE_PATH);
    };
    let id = match report_id(&id) {
        Ok(id) => id,
        Err(p) => return error_page(&ctx, p),
    };
    let input = decision_of(&form);
    let version = form.get("version").parse::<u64>().ok();
    match service::decide(&ctx.platform, &reports, me, &id, version, &input).await {
        Ok(report) => {
            let done = if report.status == crate::model::Status::Rejected {
                "rejected".to_string()
            } else {
                format!("accepted&report={id}")
            };
            respond::see_other(&format!("{QUEUE_PATH}?done={done}"))
        }
        Err(e) => {
            let problem = e.problem();
            if matches!(
                problem.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ) {
                return error_page(&ctx, problem);
            }
            let refused = Refused { id, input, problem };
            render(&ctx, &reports, &HashMap::new(), Some(refused)).await
        }
    }
}
