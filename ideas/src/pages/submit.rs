//! Submitting and editing an idea: the form (title, text, topic and an optional picture,
//! sent as `multipart/form-data`), kept as typed when anything is refused.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};
use veche_core::web::problem::Problem;
use veche_core::web::show::{to_signin, Message};
use veche_core::web::uploads::Files;
use veche_core::web::{respond, Form};

use super::residents::{parse_idea, parse_project, TopicOption};
use super::{viewer, Post};
use veche_core::accounts::model::Account;

use crate::model::{Idea, Project};
use crate::rules::IdeaInput;
use crate::service::{self, IdeaError, IdeaResult, Ideas};
use crate::IdeasLimit;

/// The largest idea form: the text and one picture.
pub(super) const FORM_LIMIT: u64 = veche_core::web::uploads::form_limit(1);

#[derive(Template)]
#[template(path = "ideas_form.html")]
struct IdeaFormPage<'a> {
    tr: Tr<'a>,
    action: String,
    heading: String,
    project_title: String,
    title: String,
    body: String,
    topics: Vec<TopicOption>,
    version: Option<u64>,
    /// The picture already kept for this idea (its hash), shown with a box to remove it.
    image: Option<String>,
    csrf: String,
    error: Option<Message>,
}

/// Which form: a new idea in a project, or an edit of an idea (at a version).
struct Target {
    action: String,
    heading: &'static str,
    version: Option<u64>,
}

impl Target {
    fn new_idea(project: &str) -> Target {
        Target {
            action: format!("/ideas/projects/{project}/new"),
            heading: "ideas-new-title",
            version: None,
        }
    }

    fn edit(idea: &str, version: Option<u64>) -> Target {
        Target {
            action: format!("/ideas/{idea}/edit"),
            heading: "ideas-edit-title",
            version,
        }
    }
}

/// The form, filled with `input`; with the problem that refused it (422), if any.
fn idea_form(
    ctx: &Ctx,
    project: &Project,
    target: Target,
    input: &IdeaInput,
    problem: Option<Problem>,
) -> Response {
    let tr = ctx.tr();
    let (status, error) = match problem {
        Some(p) => (StatusCode::UNPROCESSABLE_ENTITY, Some(Message::of(ctx, &p))),
        None => (StatusCode::OK, None),
    };
    let heading = tr.t(target.heading);
    let body = IdeaFormPage {
        tr,
        action: target.action,
        heading: heading.clone(),
        project_title: project.title.clone(),
        title: input.title.clone(),
        body: input.body.clone(),
        topics: TopicOption::all_of(project, Some(input.topic.as_str())),
        version: target.version,
        image: input.image.clone(),
        csrf: ctx.csrf_token(),
        error,
    };
    page(ctx, status, &heading, &body)
}

/// The idea as the form sent it: the picture kept before (`image`, unless `image_remove` is
/// ticked); a new file replaces it once checked ([`prepare`]).
fn idea_input(form: &Form) -> IdeaInput {
    IdeaInput {
        title: form.get("title").to_string(),
        body: form.get("body").to_string(),
        topic: form.get("topic").to_string(),
        image: Some(form.get("image").to_string())
            .filter(|h| !h.is_empty() && form.get("image_remove") != "1"),
    }
}

/// What a submission goes through before the service: the author's limit first (a picture
/// costs CPU to check), then the picture the form carries (`image_file`), checked and kept.
async fn prepare(
    ctx: &Ctx,
    ideas: &Ideas,
    files: &Files,
    author: &Account,
    input: &mut IdeaInput,
) -> Result<(), Problem> {
    service::admit(&ctx.platform.limits, IdeasLimit::Submit, author)?;
    if let Some(raw) = files.get("image_file") {
        input.image = Some(service::accept_image(ideas, raw.clone()).await?);
    }
    Ok(())
}

/// The idea the form sends ([`idea_input`]), [`prepare`]d and given to `save`; what it
/// became, or what refused it.
async fn submission(
    Post { ctx, form, ideas }: &Post,
    files: &Files,
    author: &Account,
    save: impl AsyncFnOnce(&IdeaInput) -> IdeaResult<Idea>,
) -> (IdeaInput, Result<Idea, Problem>) {
    let mut input = idea_input(form);
    let outcome = match prepare(ctx, ideas, files, author, &mut input).await {
        Ok(()) => save(&input).await.map_err(IdeaError::problem),
        Err(p) => Err(p),
    };
    (input, outcome)
}

/// To the idea with a confirmation, or the form again with what refused it (nothing typed is
/// lost; the picture, once kept, stays named in the form).
fn answer(
    ctx: &Ctx,
    project: &Project,
    target: Target,
    input: &IdeaInput,
    outcome: Result<Idea, Problem>,
    done: &str,
) -> Response {
    match outcome {
        Ok(idea) => respond::see_other(&format!("/ideas/{}?done={done}", idea.id)),
        Err(problem) => idea_form(ctx, project, target, input, Some(problem)),
    }
}

/// GET /ideas/projects/{id}/new
pub(super) async fn new_idea_page(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    _query: HashMap<String, String>,
) -> Response {
    let target = Target::new_idea(&id);
    if viewer(&ctx).is_none() {
        return to_signin(&target.action);
    }
    let found = async {
        Ok::<_, Problem>(service::project(&ideas, viewer(&ctx), &parse_project(&id)?).await?)
    };
    match found.await {
        Ok(project) => idea_form(&ctx, &project, target, &IdeaInput::default(), None),
        Err(p) => error_page(&ctx, p),
    }
}

/// POST /ideas/projects/{id}/new
pub(super) async fn new_idea_submit(id: String, post: Post, files: Files) -> Response {
    let target = Target::new_idea(&id);
    let Some(author) = viewer(&post.ctx) else {
        return to_signin(&target.action);
    };
    let found = async {
        Ok::<_, Problem>(service::project(&post.ideas, Some(author), &parse_project(&id)?).await?)
    };
    let project = match found.await {
        Ok(p) => p,
        Err(p) => return error_page(&post.ctx, p),
    };
    let (input, outcome) = submission(&post, &files, author, async |input| {
        service::submit(&post.ideas, author, &project.id, input).await
    })
    .await;
    answer(&post.ctx, &project, target, &input, outcome, "submitted")
}

/// GET /ideas/{id}/edit
pub(super) async fn edit_page(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    _query: HashMap<String, String>,
) -> Response {
    if viewer(&ctx).is_none() {
        return to_signin(&Target::edit(&id, None).action);
    }
    let found =
        async { Ok::<_, Problem>(service::idea(&ideas, viewer(&ctx), &parse_idea(&id)?).await?) };
    match found.await {
        Ok((idea, project)) => {
            let input = IdeaInput {
                title: idea.title.clone(),
                body: idea.body.clone(),
                topic: idea.topic.clone(),
                image: idea.image.clone(),
            };
            idea_form(
                &ctx,
                &project,
                Target::edit(&id, Some(idea.version)),
                &input,
                None,
            )
        }
        Err(p) => error_page(&ctx, p),
    }
}

/// POST /ideas/{id}/edit
pub(super) async fn edit_submit(id: String, post: Post, files: Files) -> Response {
    let target = Target::edit(&id, post.form.get("version").parse::<u64>().ok());
    let Some(author) = viewer(&post.ctx) else {
        return to_signin(&target.action);
    };
    let found = async {
        Ok::<_, Problem>(service::idea(&post.ideas, Some(author), &parse_idea(&id)?).await?)
    };
    let (idea, project) = match found.await {
        Ok(found) => found,
        Err(p) => return error_page(&post.ctx, p),
    };
    let (input, outcome) = submission(&post, &files, author, async |input| {
        service::edit(&post.ideas, author, &idea.id, target.version, input).await
    })
    .await;
    answer(&post.ctx, &project, target, &input, outcome, "saved")
}
