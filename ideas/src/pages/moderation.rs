//! The moderators' queue: each waiting idea beside its likely duplicates, with a form for one
//! decision and a box to tick for a decision on many; reported comments below.

use askama::Template;
use warp::reply::Response;

use veche_core::clock;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::signed_in_action;
use veche_core::web::problem::Problem;
use veche_core::web::show::{to_signin, waited};
use veche_core::web::Form;

use super::residents::{parse_comment, parse_idea};
use super::views::{stage_label, text_of};
use super::{viewer, Page, Post, DONE, PAGE_SIZE};
use crate::model::{IdeaId, ProjectId, Reason};
use crate::rules::{self, DecisionInput};
use crate::service;

const QUEUE_PATH: &str = "/moderation/ideas";

pub struct DuplicateRow {
    pub id: String,
    pub title: String,
    pub percent: u32,
    pub exact: bool,
    pub status: String,
    pub merge_target: bool,
}

pub struct QueueRow {
    pub id: String,
    pub version: u64,
    pub title: String,
    pub body: Vec<Vec<String>>,
    /// The picture's hash: a moderator sees what residents would.
    pub image: Option<String>,
    pub project: String,
    pub waiting: String,
    pub appeal: Option<Vec<Vec<String>>>,
    pub for_another: bool,
    pub duplicates: Vec<DuplicateRow>,
}

pub struct ReportedRow {
    pub id: String,
    pub idea_id: String,
    pub text: Vec<Vec<String>>,
    pub reports_label: String,
    pub hidden: bool,
}

#[derive(Template)]
#[template(path = "ideas_queue.html")]
struct QueuePage<'a> {
    tr: Tr<'a>,
    waiting: String,
    oldest: Option<String>,
    rows: Vec<QueueRow>,
    reasons: Vec<(&'static str, String)>,
    projects: Vec<(String, String, bool)>,
    project: String,
    next_href: Option<String>,
    reported: Vec<ReportedRow>,
    csrf: String,
}

/// GET /moderation/ideas?project=&cursor=
pub(super) async fn queue_page(page: Page) -> Response {
    let Some(me) = viewer(&page.ctx) else {
        return to_signin(QUEUE_PATH);
    };
    page.answer(async |ctx, ideas, query| {
        if !rules::is_moderator(me) {
            return Err(Problem::forbidden());
        }
        let project = match query.get("project").filter(|p| !p.is_empty()) {
            Some(raw) => Some(ProjectId::parse(raw).ok_or_else(Problem::not_found)?),
            None => None,
        };
        let after = crate::http::cursor_after(query, IdeaId::parse)?;
        let page = service::queue(ideas, me, project.as_ref(), after, PAGE_SIZE).await?;
        let (projects, _) = service::projects(ideas, Some(me), None, 100).await?;
        let reported = service::reported_comments(ideas, me, None, 50).await?;
        let tr = ctx.tr();
        let now = clock::now();
        let title_of = |id: &ProjectId| {
            projects
                .iter()
                .find(|p| &p.id == id)
                .map(|p| p.title.clone())
                .unwrap_or_default()
        };
        let rows = page
            .items
            .iter()
            .map(|item| {
                let idea = &item.idea;
                QueueRow {
                    id: idea.id.to_string(),
                    version: idea.version,
                    title: idea.title.clone(),
                    body: text_of(&idea.body),
                    image: idea.image.clone(),
                    project: title_of(&idea.project_id),
                    waiting: idea
                        .queued_at
                        .map(|at| waited(tr, at, now))
                        .unwrap_or_default(),
                    appeal: idea
                        .appeal
                        .as_ref()
                        .filter(|a| a.open())
                        .map(|a| text_of(&a.text)),
                    for_another: item.for_another,
                    duplicates: item
                        .duplicates
                        .iter()
                        .map(|d| DuplicateRow {
                            id: d.idea.id.to_string(),
                            title: d.idea.title.clone(),
                            percent: (d.score * 100.0).round() as u32,
                            exact: d.exact,
                            status: super::views::status_label(tr, d.idea.status),
                            merge_target: d.merge_target,
                        })
                        .collect(),
                }
            })
            .collect();
        let filter = project.as_ref().map(|p| p.to_string()).unwrap_or_default();
        let body = QueuePage {
            tr,
            waiting: tr.n(
                "ideas-queue-waiting",
                i64::try_from(page.stats.waiting).unwrap_or(0),
            ),
            oldest: page.stats.oldest.map(|at| waited(tr, at, now)),
            rows,
            reasons: Reason::ALL
                .iter()
                .map(|r| (r.as_str(), tr.t(&format!("ideas-reason-{}", r.as_str()))))
                .collect(),
            projects: projects
                .iter()
                .map(|p| {
                    let label = format!("{} ({})", p.title, stage_label(tr, p.stage(now)));
                    (p.id.to_string(), label, p.id.to_string() == filter)
                })
                .collect(),
            next_href: page.next.map(|(key, id)| {
                format!(
                    "{QUEUE_PATH}?project={filter}&cursor={}",
                    crate::http::keyed_cursor(key, id.as_str())
                )
            }),
            project: filter,
            reported: reported
                .iter()
                .map(|c| ReportedRow {
                    id: c.id.to_string(),
                    idea_id: c.idea_id.to_string(),
                    text: text_of(&c.text),
                    reports_label: tr.n("ideas-reports", as_i64(c.reports.len())),
                    hidden: c.hidden,
                })
                .collect(),
            csrf: ctx.csrf_token(),
        };
        Ok(DONE.page(ctx, query, &tr.t("ideas-queue-title"), &body))
    })
    .await
}

/// Back to the queue (the same project's), with a confirmation.
fn back(form: &Form, done: &str) -> String {
    let project = form.get("project");
    let project = if ProjectId::parse(project).is_some() {
        project
    } else {
        ""
    };
    format!("{QUEUE_PATH}?project={project}&done={done}")
}

fn decision_of(form: &Form) -> DecisionInput {
    let optional = |name: &str| Some(form.get(name).to_string()).filter(|v| !v.is_empty());
    DecisionInput {
        action: form.get("action").to_string(),
        reason: optional("reason"),
        note: optional("note"),
        into: optional("into"),
    }
}

/// POST /moderation/ideas/{id}/decision (`action`, `reason`, `note`, `into`, `version`)
pub(super) async fn decide_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    signed_in_action(&ctx, QUEUE_PATH, async |who| {
        let (platform, me) = (&ctx.platform, &who.account);
        let idea = parse_idea(&id)?;
        let version = form.get("version").parse::<u64>().ok();
        if form.get("action") == "appeal" {
            let overturn = form.get("overturn") == "1";
            service::decide_appeal(platform, &ideas, me, &idea, version, overturn).await?;
        } else {
            let decision = decision_of(&form);
            service::decide(platform, &ideas, me, &idea, version, &decision).await?;
        }
        Ok(back(&form, "decided"))
    })
    .await
}

/// POST /moderation/ideas/bulk (`ideas` = `ID:VERSION` ticked, `action`, `reason`, `note`)
pub(super) async fn bulk_submit(Post { ctx, form, ideas }: Post) -> Response {
    signed_in_action(&ctx, QUEUE_PATH, async |who| {
        let items = form
            .all("ideas")
            .iter()
            .map(|raw| {
                raw.split_once(':')
                    .and_then(|(id, v)| Some((IdeaId::parse(id)?, v.parse::<u64>().ok()?)))
                    .ok_or_else(|| Problem::bad_request("invalid_form"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let decision = decision_of(&form);
        let outcomes =
            service::decide_many(&ctx.platform, &ideas, &who.account, &items, &decision).await?;
        let failed = outcomes.iter().any(|o| o.result.is_err());
        Ok(back(&form, if failed { "bulk_partly" } else { "bulk" }))
    })
    .await
}

/// POST /moderation/idea-comments/{id} (`keep` = 1 shows it again, 0 removes it)
pub(super) async fn comment_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    signed_in_action(&ctx, QUEUE_PATH, async |who| {
        let comment = parse_comment(&id)?;
        let keep = form.get("keep") == "1";
        service::moderate_comment(&ctx.platform, &ideas, &who.account, &comment, keep).await?;
        Ok(back(&form, "moderated"))
    })
    .await
}
