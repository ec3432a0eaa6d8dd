//! The organisation's queue (its officials; admins choose any organisation): the reports it
//! owes an answer to, the overdue first, then by deadline; and a report's office view with
//! what may be done in its state: take it into work, answer it (text and up to 5 photos),
//! re-route it to another organisation with a reason. A refused form comes back filled.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::id::OrganisationId;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page_with_flash};
use veche_core::web::problem::Problem;
use veche_core::web::show::{paragraphs, show_time, to_signin, Message};
use veche_core::web::uploads::Files;
use veche_core::web::{respond, Form};

use super::{after, cursor, report_id, status_label, viewer, Card, Lookup, DONE, PAGE_SIZE};
use crate::model::{Action, Report, ReportId, Status};
use crate::rules::{AnswerInput, RerouteInput, PHOTOS_MAX};
use crate::service::{self, organisation_of, Reports};

const QUEUE_PATH: &str = "/office/reports";

/// The largest answer form: its text and five photos.
pub(super) const ANSWER_LIMIT: u64 = veche_core::web::uploads::form_limit(PHOTOS_MAX as u64);

/// An organisation to choose (admins), or to re-route to.
pub struct Choice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

pub struct QueueRow {
    pub card: Card,
    pub filed: String,
}

#[derive(Template)]
#[template(path = "office_queue.html")]
struct QueuePage<'a> {
    tr: Tr<'a>,
    /// Admins choose the organisation.
    choices: Option<Vec<Choice>>,
    organisation: Option<String>,
    rows: Vec<QueueRow>,
    next_href: Option<String>,
}

/// The organisations' choices, `selected` marked (names from core, profiles from reports).
async fn organisation_choices(
    reports: &Reports,
    lookup: &Lookup,
    selected: Option<&OrganisationId>,
    except: Option<&OrganisationId>,
) -> Result<Vec<Choice>, Problem> {
    let profiles = service::profiles(reports).await?;
    Ok(profiles
        .iter()
        .filter(|p| Some(&p.id) != except)
        .map(|p| Choice {
            id: p.id.to_string(),
            name: lookup
                .organisations
                .iter()
                .find(|o| o.id == p.id)
                .map_or_else(|| p.id.to_string(), |o| o.name.clone()),
            selected: Some(&p.id) == selected,
        })
        .collect())
}

/// GET /office/reports?organisation=&cursor=
pub(super) async fn queue_page(
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    let Some(me) = viewer(&ctx) else {
        return to_signin(QUEUE_PATH);
    };
    let result = async {
        let admin = me.has_role(veche_core::accounts::model::Role::Admin);
        let asked = match query.get("organisation").filter(|o| !o.is_empty()) {
            Some(raw) => Some(OrganisationId::parse(raw).ok_or_else(Problem::not_found)?),
            None => None,
        };
        let organisation = match (admin, asked, organisation_of(me)) {
            (true, Some(asked), _) => Some(asked),
            (_, None, Some(mine)) => Some(mine.clone()),
            (false, Some(asked), mine) if mine == Some(&asked) => Some(asked),
            (true, None, None) => None,
            _ => return Err(Problem::forbidden()),
        };
        let lookup = Lookup::read(&ctx, &reports).await?;
        let tr = ctx.tr();
        let (rows, next) = match &organisation {
            Some(org) => {
                let page =
                    service::queue(&reports, me, org, false, after(&query)?, PAGE_SIZE).await?;
                let rows = page
                    .reports
                    .iter()
                    .map(|r| QueueRow {
                        card: Card::new(tr, &lookup, &ctx, r),
                        filed: show_time(tr, r.created_at),
                    })
                    .collect();
                (rows, page.next)
            }
            None => (Vec::new(), None),
        };
        let org = organisation.as_ref().map(|o| o.to_string());
        let choices = if admin {
            Some(organisation_choices(&reports, &lookup, organisation.as_ref(), None).await?)
        } else {
            None
        };
        let body = QueuePage {
            tr,
            choices,
            next_href: cursor(&next).map(|c| {
                format!(
                    "{QUEUE_PATH}?organisation={}&cursor={c}",
                    org.clone().unwrap_or_default()
                )
            }),
            organisation: org,
            rows,
        };
        let title = tr.t("reports-office-queue-title");
        Ok(page_with_flash(&ctx, StatusCode::OK, &title, &body, None))
    }
    .await;
    result.unwrap_or_else(|p| error_page(&ctx, p))
}

pub struct StepRow {
    pub at: String,
    pub action: String,
    pub status: String,
    pub note: Option<String>,
}

/// What the forms hold: as the report has it, or as a refused form sent it.
#[derive(Default)]
pub struct Kept {
    pub text: String,
    pub photos: Vec<String>,
    pub organisation: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "office_report.html")]
struct ReportPage<'a> {
    tr: Tr<'a>,
    c: Card,
    history: Vec<StepRow>,
    answer: Option<(Vec<Vec<String>>, Vec<String>, String)>,
    may_start: bool,
    may_answer: bool,
    may_reroute: bool,
    organisations: Vec<Choice>,
    kept: Kept,
    /// Which form refused what it was sent (`answer`, `reroute`, `start`), and why.
    error: Option<(&'static str, Message)>,
    csrf: String,
}

fn action_label(tr: Tr<'_>, action: Action) -> String {
    tr.t(&format!("reports-office-action-{}", action.as_str()))
}

/// The office view of a report, with the forms its state allows the viewer.
async fn render_report(
    ctx: &Ctx,
    reports: &Reports,
    id: &str,
    refused: Option<(&'static str, Problem, Kept)>,
    done: Option<&String>,
) -> Response {
    let Some(me) = viewer(ctx) else {
        return to_signin(&format!("{QUEUE_PATH}/{id}"));
    };
    let result = async {
        let id = report_id(id)?;
        let report = service::office_report(reports, me, &id).await?;
        let lookup = Lookup::read(ctx, reports).await?;
        let tr = ctx.tr();
        let theirs = organisation_of(me).is_some_and(|o| Some(o) == report.organisation_id());
        let owed = report.status.awaits_answer();
        let (status, error, kept) = match refused {
            Some((form, problem, kept)) => (
                problem.status,
                Some((form, Message::of(ctx, &problem))),
                kept,
            ),
            None => (StatusCode::OK, None, Kept::default()),
        };
        let body = ReportPage {
            tr,
            c: Card::new(tr, &lookup, ctx, &report),
            history: history(tr, &report),
            answer: report
                .answer
                .as_ref()
                .map(|a| (paragraphs(&a.text), a.photos.clone(), show_time(tr, a.at))),
            may_start: theirs && matches!(report.status, Status::Routed | Status::Reopened),
            may_answer: theirs && owed,
            may_reroute: (theirs || service::is_moderator(me)) && owed,
            organisations: organisation_choices(
                reports,
                &lookup,
                OrganisationId::parse(&kept.organisation).as_ref(),
                report.organisation_id(),
            )
            .await?,
            kept,
            error,
            csrf: ctx.csrf_token(),
        };
        let title = format!(
            "{} · {}",
            tr.t("reports-office-report-title"),
            body.c.category
        );
        Ok(page_with_flash(
            ctx,
            status,
            &title,
            &body,
            DONE.message(tr, done),
        ))
    }
    .await;
    result.unwrap_or_else(|p| error_page(ctx, p))
}

fn history(tr: Tr<'_>, report: &Report) -> Vec<StepRow> {
    report
        .history
        .iter()
        .map(|s| StepRow {
            at: show_time(tr, s.at),
            action: action_label(tr, s.action),
            status: status_label(tr, s.status),
            note: s.note.clone(),
        })
        .collect()
}

/// GET /office/reports/{id}
pub(super) async fn report_page(
    id: String,
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    render_report(&ctx, &reports, &id, None, query.get("done")).await
}

/// After a step: back to the report with a confirmation; refused: the view again with the
/// form as it was sent. Refusals no form can mend (403, 404) are the error page.
async fn after_step(
    ctx: &Ctx,
    reports: &Reports,
    id: &str,
    form: &'static str,
    outcome: Result<Report, Problem>,
    kept: Kept,
    done: &str,
) -> Response {
    match outcome {
        Ok(_) => respond::see_other(&format!("{QUEUE_PATH}/{id}?done={done}")),
        Err(p) if matches!(p.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            error_page(ctx, p)
        }
        Err(p) => render_report(ctx, reports, id, Some((form, p, kept)), None).await,
    }
}

fn version(form: &Form) -> Option<u64> {
    form.get("version").parse::<u64>().ok()
}

/// An official's step from the report's page: to sign in when signed out; else `step` with
/// the signed-in account, the report's id and what the form keeps, then [`after_step`] with
/// its outcome (`form` the form to show again when refused, `done` the confirmation).
async fn step_submit(
    id: &str,
    ctx: &Ctx,
    reports: &Reports,
    form: &'static str,
    done: &str,
    mut kept: Kept,
    step: impl AsyncFnOnce(&Account, ReportId, &mut Kept) -> Result<Report, Problem>,
) -> Response {
    let Some(me) = viewer(ctx) else {
        return to_signin(&format!("{QUEUE_PATH}/{id}"));
    };
    let outcome = match report_id(id) {
        Ok(report) => step(me, report, &mut kept).await,
        Err(p) => Err(p),
    };
    after_step(ctx, reports, id, form, outcome, kept, done).await
}

/// POST /office/reports/{id}/start (`version`)
pub(super) async fn start_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    reports: Arc<Reports>,
) -> Response {
    let kept = Kept::default();
    step_submit(
        &id,
        &ctx,
        &reports,
        "start",
        "started",
        kept,
        async |me, report, _| {
            Ok(service::start(&ctx.platform, &reports, me, &report, version(&form)).await?)
        },
    )
    .await
}

/// POST /office/reports/{id}/answer (multipart: `text`, `photo_files` up to 5, `photos` the
/// hashes of photos kept before, `version`)
pub(super) async fn answer_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    files: Files,
    reports: Arc<Reports>,
) -> Response {
    let kept = Kept {
        text: form.get("text").to_string(),
        photos: form
            .all("photos")
            .into_iter()
            .filter(|h| veche_core::web::uploads::is_hash(h))
            .map(str::to_string)
            .collect(),
        ..Kept::default()
    };
    step_submit(
        &id,
        &ctx,
        &reports,
        "answer",
        "answered",
        kept,
        async |me, report, kept| {
            // Only who may answer costs the server a photo's check.
            service::office_report(&reports, me, &report).await?;
            for raw in files.all("photo_files") {
                if kept.photos.len() >= PHOTOS_MAX {
                    let refused = crate::rules::Refused::new("photos", "too_many");
                    return Err(service::ReportError::from(refused).problem());
                }
                let hash = service::accept_answer_photo(&reports, raw.clone()).await?;
                if !kept.photos.contains(&hash) {
                    kept.photos.push(hash);
                }
            }
            let input = AnswerInput {
                text: kept.text.clone(),
                photos: kept.photos.clone(),
            };
            Ok(
                service::answer(&ctx.platform, &reports, me, &report, version(&form), &input)
                    .await?,
            )
        },
    )
    .await
}

/// POST /office/reports/{id}/reroute (`organisation_id`, `note`, `version`)
pub(super) async fn reroute_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    reports: Arc<Reports>,
) -> Response {
    let kept = Kept {
        organisation: form.get("organisation_id").to_string(),
        note: form.get("note").to_string(),
        ..Kept::default()
    };
    step_submit(
        &id,
        &ctx,
        &reports,
        "reroute",
        "rerouted",
        kept,
        async |me, report, kept| {
            let input = RerouteInput {
                organisation_id: kept.organisation.clone(),
                note: kept.note.clone(),
            };
            Ok(
                service::reroute(&ctx.platform, &reports, me, &report, version(&form), &input)
                    .await?,
            )
        },
    )
    .await
}
