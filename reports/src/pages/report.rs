//! A report's page: where and what, its status, deadline and routing reason, its photos, the
//! official's answer and the whole history (who by role and organisation, never the author's
//! name, and when, in Moscow time); its author confirms or disputes an answer, other residents
//! join it ("me too").

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use warp::reply::Response;

use veche_core::platform::Ctx;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, signed_in_action};
use veche_core::web::problem::Problem;
use veche_core::web::show::{paragraphs, show_time, signin_href, to_signin, Message};
use veche_core::web::uploads::UploadState;
use veche_core::web::Form;

use super::views::{status_label, Names};
use super::{parse_report, viewer, DONE};
use crate::model::{Actor, Report, Status};
use crate::rules::NoteInput;
use crate::service::{self, Reply, Reports};
use crate::views::Viewing;
use crate::ReportsLimit;

struct StepRow {
    when: String,
    action: String,
    /// Who acted: a role, and the organisation for an official.
    who: String,
    status: String,
    note: Option<String>,
}

/// A photo of the report as its page shows it.
struct PhotoBox {
    hash: String,
    /// `ready` (shown), `processing` (said so), `dropped` (said so to its author only).
    state: &'static str,
}

struct AnswerBox {
    text: Vec<Vec<String>>,
    photos: Vec<String>,
    by: String,
    when: String,
}

#[derive(Template)]
#[template(path = "reports_report.html")]
struct ReportPage<'a> {
    tr: Tr<'a>,
    id: String,
    category: String,
    district: String,
    address: Option<String>,
    lat: String,
    lon: String,
    description: Vec<Vec<String>>,
    photos: Vec<PhotoBox>,
    status_code: &'static str,
    status_label: String,
    overdue: bool,
    deadline: Option<String>,
    routing: Option<String>,
    reject_reason: Option<String>,
    reject_note: Option<String>,
    answer: Option<AnswerBox>,
    dispute_until: Option<String>,
    joiners: String,
    history: Vec<StepRow>,
    filed: String,
    mine: bool,
    /// The author may confirm or dispute now.
    may_respond: bool,
    may_join: bool,
    joined: bool,
    signed_in: bool,
    signin_href: String,
    version: u64,
    csrf: String,
    /// What refused the author's confirmation or dispute, and the words they typed.
    error: Option<Message>,
    note: String,
}

fn who(tr: Tr<'_>, names: &Names, role: Actor, organisation: Option<&str>) -> String {
    let role_label = tr.t(&format!("reports-role-{}", role.as_str()));
    match (role, organisation.and_then(|o| names.organisation(o))) {
        (Actor::Official | Actor::OtherOfficial, Some(org)) => format!("{role_label} ({org})"),
        _ => role_label,
    }
}

/// GET /reports/{id}
pub(super) async fn report_page(
    id: String,
    ctx: Ctx,
    reports: Arc<Reports>,
    query: HashMap<String, String>,
) -> Response {
    let result = async {
        let me = viewer(&ctx);
        let report = service::report(&reports, me, &parse_report(&id)?).await?;
        let names = Names::read(&ctx, &reports).await?;
        let joined = match me {
            Some(me) => service::joined(&reports, me, &report.id).await?,
            None => false,
        };
        let photos = service::photo_states(&reports, &report.photos).await?;
        Ok::<_, Problem>((report, names, joined, photos))
    };
    let (report, names, joined, photos) = match result.await {
        Ok(found) => found,
        Err(p) => return error_page(&ctx, p),
    };
    let body = report_body(&ctx, &names, &report, joined, photos);
    let title = format!("{} — {}", body.category, body.district);
    DONE.page(&ctx, &query, &title, &body)
}

fn report_body<'a>(
    ctx: &'a Ctx,
    names: &Names,
    report: &Report,
    joined: bool,
    photos: Vec<(String, UploadState)>,
) -> ReportPage<'a> {
    let tr = ctx.tr();
    let now = veche_core::clock::now();
    let me = viewer(ctx);
    let mine = me.is_some_and(|m| m.id == report.author_id);
    let viewing = Viewing {
        viewer: me.map(|m| &m.id),
        now,
        lang: ctx.lang,
        catalog: &ctx.platform.catalog,
        organisations: &names.organisations,
        directory: &names.directory,
    };
    let view = viewing.report(report);
    let org_of_step = |s: &crate::model::Step| {
        s.organisation_id
            .as_ref()
            .or(report.organisation_id())
            .map(|o| o.to_string())
    };
    let answer = report.answer.as_ref().map(|a| {
        let organisation = report
            .last_step(crate::model::Action::Answer)
            .and_then(org_of_step);
        AnswerBox {
            text: paragraphs(&a.text),
            photos: a.photos.clone(),
            by: who(tr, names, Actor::Official, organisation.as_deref()),
            when: show_time(tr, a.at),
        }
    });
    let history = report
        .history
        .iter()
        .map(|s| {
            let organisation = match s.role {
                Actor::Official | Actor::OtherOfficial => org_of_step(s),
                _ => None,
            };
            StepRow {
                when: show_time(tr, s.at),
                action: tr.t(&format!("reports-action-{}", s.action.as_str())),
                who: who(tr, names, s.role, organisation.as_deref()),
                status: status_label(tr, s.status),
                note: s.note.clone(),
            }
        })
        .collect();
    let reject_note = report
        .last_step(crate::model::Action::Reject)
        .and_then(|s| s.note.clone());
    ReportPage {
        tr,
        id: report.id.to_string(),
        category: names.category(report.category_id.as_str()),
        district: names.district(report.district_id.as_str()),
        address: report.place.address.clone(),
        lat: format!("{:.5}", report.place.lat),
        lon: format!("{:.5}", report.place.lon),
        description: paragraphs(&report.description),
        photos: photos
            .into_iter()
            .filter(|(_, state)| mine || *state != UploadState::Dropped)
            .map(|(hash, state)| PhotoBox {
                hash,
                state: state.as_str(),
            })
            .collect(),
        status_code: report.status.as_str(),
        status_label: status_label(tr, report.status),
        overdue: report.overdue(now),
        deadline: report.due().map(|d| show_time(tr, d)),
        routing: view.routing.map(|r| r.reason),
        reject_reason: report
            .reject_reason
            .map(|r| tr.t(&format!("reports-reject-{}", r.as_str()))),
        reject_note,
        answer,
        dispute_until: report.closes_at().map(|d| show_time(tr, d)),
        joiners: tr.n("reports-joiners", as_i64(report.joiners)),
        history,
        filed: show_time(tr, report.created_at),
        mine,
        may_respond: mine
            && report.status == Status::Answered
            && crate::rules::may_dispute(report, now),
        may_join: me.is_some() && !mine && report.status.open(),
        joined,
        signed_in: me.is_some(),
        signin_href: signin_href(&format!("/reports/{}", report.id)),
        version: report.version,
        csrf: ctx.csrf_token(),
        error: None,
        note: String::new(),
    }
}

/// POST /reports/{id}/join: "me too"; back to the report.
pub(super) async fn join_submit(
    id: String,
    ctx: Ctx,
    _form: Form,
    reports: Arc<Reports>,
) -> Response {
    let back = format!("/reports/{id}");
    signed_in_action(&ctx, &back, async |who| {
        let id = parse_report(&id)?;
        service::admit(&ctx.platform.limits, ReportsLimit::Join, &who.account)?;
        service::join(&reports, &who.account, &id).await?;
        Ok(format!("/reports/{id}?done=joined"))
    })
    .await
}

/// The author's word on the answer, from the form: a note and the version seen.
fn note_of(form: &Form) -> (NoteInput, Option<u64>) {
    let note = Some(form.get("note").to_string()).filter(|n| !n.trim().is_empty());
    (NoteInput { note }, form.get("version").parse::<u64>().ok())
}

/// The author's confirmation or dispute: to the report with a confirmation, or the report
/// again with what refused it and the words typed.
async fn respond_to_answer(
    id: String,
    ctx: Ctx,
    form: Form,
    reports: Arc<Reports>,
    reply: Reply,
) -> Response {
    let back = format!("/reports/{id}");
    let Some(who) = viewer(&ctx) else {
        return to_signin(&back);
    };
    let (note, version) = note_of(&form);
    let done = async {
        let id = parse_report(&id)?;
        service::admit(&ctx.platform.limits, ReportsLimit::Respond, who)?;
        if reply == Reply::Dispute && note.note.is_none() {
            let refused = crate::rules::Refused::new("note", "required");
            return Err(service::ReportError::from(refused).into());
        }
        service::reply_to_answer(&ctx.platform, &reports, who, &id, version, &note, reply).await?;
        let done = match reply {
            Reply::Confirm => "confirmed",
            Reply::Dispute => "disputed",
        };
        Ok::<_, Problem>(format!("/reports/{id}?done={done}"))
    };
    let problem = match done.await {
        Ok(next) => return veche_core::web::respond::see_other(&next),
        Err(p) => p,
    };
    let shown = async {
        let report = service::report(&reports, Some(who), &parse_report(&id)?).await?;
        let names = Names::read(&ctx, &reports).await?;
        let photos = service::photo_states(&reports, &report.photos).await?;
        Ok::<_, Problem>((report, names, photos))
    };
    match shown.await {
        Ok((report, names, photos)) => {
            let mut body = report_body(&ctx, &names, &report, false, photos);
            body.error = Some(Message::of(&ctx, &problem));
            body.note = note.note.unwrap_or_default();
            let title = format!("{} — {}", body.category, body.district);
            veche_core::web::pages::page(&ctx, problem.status, &title, &body)
        }
        Err(p) => error_page(&ctx, p),
    }
}

/// POST /reports/{id}/confirm: the author confirms the answer; the report closes.
pub(super) async fn confirm_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    reports: Arc<Reports>,
) -> Response {
    respond_to_answer(id, ctx, form, reports, Reply::Confirm).await
}

/// POST /reports/{id}/dispute: the author disputes the answer (a reason is required); the
/// report reopens.
pub(super) async fn dispute_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    reports: Arc<Reports>,
) -> Response {
    respond_to_answer(id, ctx, form, reports, Reply::Dispute).await
}
