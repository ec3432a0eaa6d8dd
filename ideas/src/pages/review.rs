//! The experts' review of a project: the shortlisted ideas ranked by the experts' score, then
//! by supports, with how far the experts agree; during the review stage each of the project's
//! experts marks every idea 1 to 5 on each criterion, with a note. Those who run the project
//! read the same page without the forms.

use askama::Template;
use warp::reply::Response;

use veche_core::clock;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::signed_in_action;
use veche_core::web::problem::Problem;
use veche_core::web::show::to_signin;

use super::residents::{act_on_idea, parse_idea, parse_project, toggle_on_idea};
use super::views::{excerpt, stage_label};
use super::{viewer, Page, Post, DONE};
use crate::model::{Outcome, ProjectId, Stage};
use crate::rules::ScoreInput;
use crate::service;

/// One criterion of an expert's form: its marks 1 to 5, the expert's earlier one selected.
pub struct CriterionRow {
    pub code: String,
    pub name: String,
    pub marks: Vec<(u8, bool)>,
}

pub struct ReviewRow {
    pub id: String,
    pub place: usize,
    pub title: String,
    pub excerpt: String,
    /// The mean mark ("4.3"), or a dash before any expert scored it.
    pub score: String,
    /// "2 of 3 experts".
    pub experts: String,
    /// The spread of the experts' marks ("±0.5"), when two or more scored it.
    pub spread: Option<String>,
    pub supports: String,
    /// The expert's form, during review.
    pub form: Option<Vec<CriterionRow>>,
    pub note: String,
    /// Whether this expert has scored it.
    pub scored: bool,
}

#[derive(Template)]
#[template(path = "ideas_review.html")]
struct ReviewPage<'a> {
    tr: Tr<'a>,
    project_id: String,
    project_title: String,
    stage_label: String,
    agreement: Option<String>,
    scoring: bool,
    rows: Vec<ReviewRow>,
    csrf: String,
}

fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

/// GET /ideas/projects/{id}/review
pub(super) async fn review_page(id: String, page: Page) -> Response {
    let here = format!("/ideas/projects/{id}/review");
    let Some(me) = viewer(&page.ctx) else {
        return to_signin(&here);
    };
    page.answer(async |ctx, ideas, query| {
        let pid = parse_project(&id)?;
        let project = service::project(ideas, Some(me), &pid).await?;
        let ranking = service::ranking(ideas, me, &pid).await?;
        let tr = ctx.tr();
        let stage = project.stage(clock::now());
        let scoring = stage == Stage::Review && project.experts.contains(&me.id);
        let panel = as_i64(project.experts.len());
        let rows = ranking
            .ranked
            .iter()
            .enumerate()
            .filter_map(|(n, r)| {
                let idea = ranking.ideas.iter().find(|i| i.id == r.idea)?;
                let mine = ranking
                    .scores
                    .iter()
                    .find(|s| s.idea_id == idea.id && s.expert_id == me.id);
                let form = scoring.then(|| {
                    project
                        .criteria
                        .iter()
                        .map(|c| {
                            let given = mine.and_then(|s| s.marks.get(&c.code)).copied();
                            CriterionRow {
                                code: c.code.clone(),
                                name: c.name.clone(),
                                marks: (1..=5).map(|m| (m, given == Some(m))).collect(),
                            }
                        })
                        .collect()
                });
                Some(ReviewRow {
                    id: idea.id.to_string(),
                    place: n + 1,
                    title: idea.title.clone(),
                    excerpt: excerpt(&idea.body, 400),
                    score: r.score.map(one_decimal).unwrap_or_else(|| "—".to_string()),
                    experts: tr.n1("ideas-review-experts", panel, "scored", as_i64(r.experts)),
                    spread: r
                        .spread
                        .filter(|_| r.experts > 1)
                        .map(|s| format!("±{}", one_decimal(s))),
                    supports: tr.n("ideas-supports", as_i64(r.supports)),
                    form,
                    note: mine.map(|s| s.note.clone()).unwrap_or_default(),
                    scored: mine.is_some(),
                })
            })
            .collect();
        let body = ReviewPage {
            tr,
            project_id: project.id.to_string(),
            project_title: project.title.clone(),
            stage_label: stage_label(tr, stage),
            agreement: ranking
                .agreement
                .map(|w| tr.t1("ideas-review-agreement", "w", &format!("{w:.2}"))),
            scoring,
            rows,
            csrf: ctx.csrf_token(),
        };
        let title = tr.t1("ideas-review-title", "project", &project.title);
        Ok(DONE.page(ctx, query, &title, &body))
    })
    .await
}

/// POST /ideas/{id}/score (`project`, `mark-CODE` per criterion, `note`)
pub(super) async fn score_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    let back = match ProjectId::parse(form.get("project")) {
        Some(p) => format!("/ideas/projects/{p}/review"),
        None => "/ideas".to_string(),
    };
    signed_in_action(&ctx, &back, async |me| {
        let idea = parse_idea(&id)?;
        let marks = form
            .fields
            .iter()
            .filter_map(|(name, value)| {
                let code = name.strip_prefix("mark-")?;
                Some(
                    value
                        .parse::<u8>()
                        .map(|m| (code.to_string(), m))
                        .map_err(|_| Problem::bad_request("invalid_form")),
                )
            })
            .collect::<Result<_, _>>()?;
        let input = ScoreInput {
            marks,
            note: form.get("note").to_string(),
        };
        service::score(&ideas, &me.account, &idea, &input).await?;
        Ok(format!("{back}?done=scored#idea-{id}"))
    })
    .await
}

/// POST /ideas/{id}/shortlist (`on` = 1 puts it forward to the experts, 0 takes it back;
/// `version`)
pub(super) async fn shortlist_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    let version = form.get("version").parse::<u64>().ok();
    let done = ("shortlisted", "unshortlisted");
    toggle_on_idea(&id, &ctx, &form, done, async |who, idea, on| {
        service::shortlist(&ctx.platform, &ideas, who, &idea, version, on).await?;
        Ok(())
    })
    .await
}

/// POST /ideas/{id}/outcome (`outcome`, `text`, `version`): the idea's next step after the
/// results; its authors and followers are told.
pub(super) async fn outcome_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    let version = form.get("version").parse::<u64>().ok();
    act_on_idea(&id, &ctx, async |who, idea| {
        let outcome = Outcome::parse(form.get("outcome"))
            .ok_or_else(|| Problem::bad_request("invalid_form").with("field", "outcome"))?;
        let text = form.get("text");
        service::advance(&ctx.platform, &ideas, who, &idea, version, outcome, text).await?;
        Ok("outcome")
    })
    .await
}
