//! Residents' pages: the projects, a project's ideas (search, topic, order), submitting and
//! editing an idea, an idea with its supports, follows, comments and the author's appeal.

use askama::Template;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::storage::as_i64;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::signed_in_action;
use veche_core::web::problem::Problem;
use veche_core::web::show::{show_date, show_time, signin_href};
use veche_core::web::Form;

use super::views::{stage_label, stage_when, status_label, text_of, IdeaCard, ProjectCard};
use super::{viewer, Page, Post, DONE, PAGE_SIZE};
use crate::model::{CommentId, Idea, IdeaId, Project, ProjectId, Stage, Status};
use crate::rules::{self, CommentInput};
use crate::service;
use crate::IdeasLimit;

pub(super) fn parse_project(raw: &str) -> Result<ProjectId, Problem> {
    ProjectId::parse(raw).ok_or_else(Problem::not_found)
}

pub(super) fn parse_idea(raw: &str) -> Result<IdeaId, Problem> {
    IdeaId::parse(raw).ok_or_else(Problem::not_found)
}

pub(super) fn parse_comment(raw: &str) -> Result<CommentId, Problem> {
    CommentId::parse(raw).ok_or_else(Problem::not_found)
}

// ---- The projects ----

#[derive(Template)]
#[template(path = "ideas_projects.html")]
struct ProjectsPage<'a> {
    tr: Tr<'a>,
    projects: Vec<ProjectCard>,
    next_href: Option<String>,
    moderator: bool,
}

/// GET /ideas
pub(super) async fn projects_page(page: Page) -> Response {
    page.answer(async |ctx, ideas, query| {
        let after = crate::http::cursor_after(query, ProjectId::parse)?;
        let (found, next) = service::projects(ideas, viewer(ctx), after, PAGE_SIZE).await?;
        let tr = ctx.tr();
        let now = clock::now();
        let body = ProjectsPage {
            tr,
            projects: found.iter().map(|p| ProjectCard::new(tr, p, now)).collect(),
            next_href: next.map(|(key, id)| {
                format!(
                    "/ideas?cursor={}",
                    crate::http::keyed_cursor(key, id.as_str())
                )
            }),
            moderator: viewer(ctx).is_some_and(rules::is_moderator),
        };
        Ok(DONE.page(ctx, query, &tr.t("ideas-title"), &body))
    })
    .await
}

// ---- A project and its ideas ----

pub struct TopicOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

impl TopicOption {
    /// The project's topics as a form's choices, the one coded `selected` chosen.
    pub fn all_of(project: &Project, selected: Option<&str>) -> Vec<TopicOption> {
        project
            .topics
            .iter()
            .map(|t| TopicOption {
                code: t.code.clone(),
                name: t.name.clone(),
                selected: selected == Some(t.code.as_str()),
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "ideas_project.html")]
struct ProjectPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    description: Vec<Vec<String>>,
    stage_code: &'static str,
    stage_label: String,
    when: String,
    stages: Vec<(String, String, bool)>,
    topics: Vec<TopicOption>,
    words: String,
    by_supports: bool,
    mine: bool,
    signed_in: bool,
    may_submit: bool,
    may_support: bool,
    cards: Vec<IdeaCard>,
    next_href: Option<String>,
    csrf: String,
    results: bool,
    /// The project's experts and those who run it: a link to the review.
    reviewer: bool,
}

/// GET /ideas/projects/{id}?q=&topic=&sort=&mine=&cursor=
pub(super) async fn project_page(id: String, page: Page) -> Response {
    page.answer(async |ctx, ideas, query| {
        let project = service::project(ideas, viewer(ctx), &parse_project(&id)?).await?;
        let mut request = crate::http::list_request(query)?;
        request.limit = PAGE_SIZE;
        let found = service::list(ideas, viewer(ctx), &project.id, &request).await?;
        let tr = ctx.tr();
        let now = clock::now();
        let stage = project.stage(now);
        let mut next_query: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| k.as_str() != "cursor" && k.as_str() != "done")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        next_query.sort();
        let next_href = found.next.as_ref().map(|(key, id)| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &next_query {
                q.append_pair(k, v);
            }
            q.append_pair("cursor", &crate::http::keyed_cursor(*key, id.as_str()));
            format!("/ideas/projects/{}?{}", project.id, q.finish())
        });
        let signed_in = viewer(ctx).is_some();
        let body = ProjectPage {
            tr,
            id: project.id.to_string(),
            title: project.title.clone(),
            description: text_of(&project.description),
            stage_code: stage.as_str(),
            stage_label: stage_label(tr, stage),
            when: stage_when(tr, &project, stage),
            stages: stages(tr, &project, stage),
            topics: TopicOption::all_of(&project, request.topic.as_deref()),
            words: request.words.clone(),
            by_supports: request.by_supports,
            mine: request.mine,
            signed_in,
            may_submit: stage == Stage::Proposals,
            may_support: signed_in && stage == Stage::Discussion,
            cards: found
                .ideas
                .iter()
                .map(|i| IdeaCard::new(tr, i, &project, found.supported.contains(&i.id)))
                .collect(),
            next_href,
            csrf: ctx.csrf_token(),
            results: stage == Stage::Results,
            reviewer: viewer(ctx).is_some_and(|v| {
                project.experts.contains(&v.id) || crate::rules::may_manage(v, &project)
            }),
        };
        Ok(DONE.page(ctx, query, &project.title, &body))
    })
    .await
}

/// The project's stages with their dates, the current one marked.
fn stages(tr: Tr<'_>, project: &Project, current: Stage) -> Vec<(String, String, bool)> {
    let s = &project.schedule;
    [
        (Stage::Proposals, s.proposals),
        (Stage::Discussion, s.discussion),
        (Stage::Review, s.review),
        (Stage::Results, s.results),
    ]
    .into_iter()
    .map(|(stage, at)| (stage_label(tr, stage), show_date(tr, at), stage == current))
    .collect()
}

// ---- An idea ----

pub struct CommentRow {
    pub id: String,
    pub text: Vec<Vec<String>>,
    pub hidden: bool,
    pub when: String,
    pub mine: bool,
    pub replies: Vec<CommentRow>,
}

pub struct UpdateRow {
    pub when: String,
    pub outcome: String,
    pub text: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "ideas_idea.html")]
struct IdeaPage<'a> {
    tr: Tr<'a>,
    id: String,
    project_id: String,
    project_title: String,
    title: String,
    body: Vec<Vec<String>>,
    /// The picture's hash, served from `/media/`.
    image: Option<String>,
    topic: String,
    status_code: &'static str,
    status_label: String,
    submitted: String,
    supports: String,
    supported: bool,
    may_support: bool,
    following: bool,
    signed_in: bool,
    signin_href: String,
    mine: bool,
    may_edit: bool,
    /// The rejection's reason and the moderator's note, for the author.
    reason: Option<String>,
    note: Option<String>,
    may_appeal: bool,
    appeal_state: Option<String>,
    merged_into: Option<String>,
    outcome: Option<String>,
    updates: Vec<UpdateRow>,
    may_comment: bool,
    comments: Vec<CommentRow>,
    /// For those who run the project: the shortlist and the outcome controls.
    organiser: Option<OrganiserBox>,
    csrf: String,
}

/// What those who run a project may do to an approved idea: put it forward to the experts (or
/// take it back) before the results; record its next outcome after.
pub struct OrganiserBox {
    pub version: u64,
    pub shortlisted: bool,
    pub may_shortlist: bool,
    /// The outcomes still ahead of it (code, label), during the results.
    pub outcomes: Vec<(&'static str, String)>,
}

/// GET /ideas/{id}
pub(super) async fn idea_page(id: String, page: Page) -> Response {
    page.answer(async |ctx, ideas, query| {
        let me = viewer(ctx);
        let (idea, project) = service::idea(ideas, me, &parse_idea(&id)?).await?;
        let (supported, following) = match me {
            Some(v) => (
                service::supports(ideas, v, &idea.id).await?,
                service::follows(ideas, v, &idea.id).await?,
            ),
            None => (false, false),
        };
        let comments = service::comments(ideas, me, &idea.id, None, 200).await?;
        let body = idea_view(
            ctx,
            &idea,
            &project,
            supported,
            following,
            &comments,
            clock::now(),
        );
        Ok(DONE.page(ctx, query, &idea.title, &body))
    })
    .await
}

fn idea_view<'a>(
    ctx: &'a Ctx,
    idea: &Idea,
    project: &Project,
    supported: bool,
    following: bool,
    comments: &[crate::model::Comment],
    now: time::OffsetDateTime,
) -> IdeaPage<'a> {
    let tr = ctx.tr();
    let me = viewer(ctx);
    let author = me.is_some_and(|v| v.id == idea.author_id);
    let mine = me.is_some_and(|v| idea.credited().any(|c| *c == v.id));
    let may_support = me.is_some_and(|v| rules::may_support(&idea.head(), project, v, now).is_ok());
    let may_comment = me.is_some_and(|v| rules::may_comment(idea, project, v, None, now).is_ok());
    let may_edit = me.is_some_and(|v| rules::may_edit(idea, project, v, now).is_ok());
    let may_appeal = author && idea.status == Status::Rejected && idea.appeal.is_none();
    let organiser = me
        .filter(|v| rules::may_manage(v, project) && idea.status == Status::Approved)
        .map(|v| OrganiserBox {
            version: idea.version,
            shortlisted: idea.shortlisted,
            may_shortlist: rules::shortlisted(idea, project, v, !idea.shortlisted, now).is_ok(),
            outcomes: crate::model::Outcome::ALL
                .iter()
                .filter(|o| rules::advance(idea, project, **o, "", now).is_ok())
                .map(|o| (o.as_str(), tr.t(&format!("ideas-outcome-{}", o.as_str()))))
                .collect(),
        });
    let appeal_state = idea
        .appeal
        .as_ref()
        .filter(|_| author)
        .map(|a| match a.upheld {
            None => tr.t("ideas-appeal-waiting"),
            Some(true) => tr.t("ideas-appeal-granted"),
            Some(false) => tr.t("ideas-appeal-refused"),
        });
    IdeaPage {
        tr,
        id: idea.id.to_string(),
        project_id: project.id.to_string(),
        project_title: project.title.clone(),
        title: idea.title.clone(),
        body: text_of(&idea.body),
        image: idea.image.clone(),
        topic: project.topic_name(&idea.topic),
        status_code: idea.status.as_str(),
        status_label: status_label(tr, idea.status),
        submitted: show_time(tr, idea.created_at),
        supports: tr.n("ideas-supports", as_i64(idea.supports)),
        supported,
        may_support,
        following,
        signed_in: me.is_some(),
        signin_href: signin_href(&format!("/ideas/{}", idea.id)),
        mine,
        may_edit,
        reason: idea
            .reason
            .filter(|_| author)
            .map(|r| tr.t(&format!("ideas-reason-{}", r.as_str()))),
        note: idea.note.clone().filter(|_| author),
        may_appeal,
        appeal_state,
        merged_into: idea.merged_into.as_ref().map(|i| i.to_string()),
        outcome: idea
            .outcome
            .map(|o| tr.t(&format!("ideas-outcome-{}", o.as_str()))),
        updates: idea
            .updates
            .iter()
            .map(|u| UpdateRow {
                when: show_date(tr, u.at),
                outcome: tr.t(&format!("ideas-outcome-{}", u.outcome.as_str())),
                text: text_of(&u.text),
            })
            .collect(),
        may_comment,
        comments: threads(tr, me.map(|v| &v.id), comments),
        organiser,
        csrf: ctx.csrf_token(),
    }
}

/// Top-level comments in order, each with its replies.
fn threads(
    tr: Tr<'_>,
    me: Option<&veche_core::id::AccountId>,
    comments: &[crate::model::Comment],
) -> Vec<CommentRow> {
    let row = |c: &crate::model::Comment| CommentRow {
        id: c.id.to_string(),
        text: text_of(&c.text),
        hidden: c.hidden || c.kept == Some(false),
        when: show_time(tr, c.created_at),
        mine: me == Some(&c.author_id),
        replies: Vec::new(),
    };
    let mut out: Vec<CommentRow> = comments
        .iter()
        .filter(|c| c.parent.is_none())
        .map(row)
        .collect();
    for reply in comments.iter().filter(|c| c.parent.is_some()) {
        let parent = reply.parent.as_ref().map(|p| p.to_string());
        if let Some(top) = out.iter_mut().find(|t| Some(&t.id) == parent.as_ref()) {
            top.replies.push(row(reply));
        }
    }
    out
}

/// What a signed-in resident's form on an idea page does: `act` gets the resident and the
/// idea, and names the confirmation shown back on the idea's page.
pub(super) async fn act_on_idea(
    id: &str,
    ctx: &Ctx,
    act: impl AsyncFnOnce(&Account, IdeaId) -> Result<&'static str, Problem>,
) -> Response {
    let back = format!("/ideas/{id}");
    signed_in_action(ctx, &back, async |who| {
        let done = act(&who.account, parse_idea(id)?).await?;
        Ok(format!("{back}?done={done}"))
    })
    .await
}

/// What a signed-in resident's on-or-off form on an idea page does (`on` = 1 turns it on, 0
/// off): `act` gets the resident, the idea and which; `done` names the confirmation of each.
pub(super) async fn toggle_on_idea(
    id: &str,
    ctx: &Ctx,
    form: &Form,
    (done_on, done_off): (&'static str, &'static str),
    act: impl AsyncFnOnce(&Account, IdeaId, bool) -> Result<(), Problem>,
) -> Response {
    let on = form.get("on") == "1";
    act_on_idea(id, ctx, async |who, idea| {
        act(who, idea, on).await?;
        Ok(if on { done_on } else { done_off })
    })
    .await
}

/// POST /ideas/{id}/support (`on` = 1 supports, 0 withdraws)
pub(super) async fn support_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    let done = ("supported", "withdrawn");
    toggle_on_idea(&id, &ctx, &form, done, async |who, idea, on| {
        service::admit(&ctx.platform.limits, IdeasLimit::Support, who)?;
        service::support(&ideas, who, &idea, on).await?;
        Ok(())
    })
    .await
}

/// POST /ideas/{id}/follow (`on` = 1 follows, 0 stops)
pub(super) async fn follow_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    let done = ("followed", "unfollowed");
    toggle_on_idea(&id, &ctx, &form, done, async |who, idea, on| {
        service::follow(&ideas, who, &idea, on).await?;
        Ok(())
    })
    .await
}

/// POST /ideas/{id}/comments (`text`, optional `parent`)
pub(super) async fn comment_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    let input = CommentInput {
        text: form.get("text").to_string(),
        parent: Some(form.get("parent").to_string()).filter(|p| !p.is_empty()),
    };
    act_on_idea(&id, &ctx, async |who, idea| {
        service::admit(&ctx.platform.limits, IdeasLimit::Comment, who)?;
        service::comment(&ideas, who, &idea, &input).await?;
        Ok("commented")
    })
    .await
}

/// POST /ideas/{id}/appeal (`text`)
pub(super) async fn appeal_submit(id: String, Post { ctx, form, ideas }: Post) -> Response {
    act_on_idea(&id, &ctx, async |who, idea| {
        service::appeal(&ideas, who, &idea, form.get("text")).await?;
        Ok("appealed")
    })
    .await
}

/// POST /idea-comments/{id}/report
pub(super) async fn report_submit(id: String, Post { ctx, ideas, .. }: Post) -> Response {
    signed_in_action(&ctx, "/ideas", async |who| {
        service::admit(&ctx.platform.limits, IdeasLimit::Report, &who.account)?;
        let comment_id = parse_comment(&id)?;
        let comment = service::report(&ideas, &who.account, &comment_id).await?;
        Ok(format!("/ideas/{}?done=reported", comment.idea_id))
    })
    .await
}
