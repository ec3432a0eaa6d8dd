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
use super::viewer;
use crate::model::Project;
use crate::rules::IdeaInput;
use crate::service::{self, IdeaError, Ideas};
use crate::IdeasLimit;

/// The largest idea form: the text and a picture of up to 8 MB.
pub(super) const FORM_LIMIT: u64 = 9 * 1024 * 1024;

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

fn idea_form(
    ctx: &Ctx,
    project: &Project,
    action: String,
    heading: String,
    input: &IdeaInput,
    version: Option<u64>,
    error: Option<Message>,
) -> Response {
    let tr = ctx.tr();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = IdeaFormPage {
        tr,
        action,
        heading: heading.clone(),
        project_title: project.title.clone(),
        title: input.title.clone(),
        body: input.body.clone(),
        topics: project
            .topics
            .iter()
            .map(|t| TopicOption {
                code: t.code.clone(),
                name: t.name.clone(),
                selected: input.topic == t.code,
            })
            .collect(),
        version,
        image: input.image.clone(),
        csrf: ctx.csrf_token(),
        error,
    };
    page(ctx, status, &heading, &body)
}

/// The idea as the form sent it: the picture kept before (`image`, unless `image_remove` is
/// ticked); a new file replaces it once checked ([`with_new_image`]).
fn idea_input(form: &Form) -> IdeaInput {
    IdeaInput {
        title: form.get("title").to_string(),
        body: form.get("body").to_string(),
        topic: form.get("topic").to_string(),
        image: Some(form.get("image").to_string())
            .filter(|h| !h.is_empty() && form.get("image_remove") != "1"),
    }
}

/// Checks and keeps the picture the form carries (`image_file`), if any, naming it in `input`.
async fn with_new_image(
    ideas: &Ideas,
    files: &Files,
    input: &mut IdeaInput,
) -> Result<(), Problem> {
    if let Some(raw) = files.get("image_file") {
        input.image = Some(service::accept_image(ideas, raw.clone()).await?);
    }
    Ok(())
}

/// GET /ideas/projects/{id}/new
pub(super) async fn new_idea_page(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    _query: HashMap<String, String>,
) -> Response {
    let path = format!("/ideas/projects/{id}/new");
    if viewer(&ctx).is_none() {
        return to_signin(&path);
    }
    let project = match parse_project(&id) {
        Ok(pid) => service::project(&ideas, viewer(&ctx), &pid).await,
        Err(p) => return error_page(&ctx, p),
    };
    match project {
        Ok(project) => {
            let heading = ctx.tr().t("ideas-new-title");
            idea_form(
                &ctx,
                &project,
                path,
                heading,
                &IdeaInput::default(),
                None,
                None,
            )
        }
        Err(e) => error_page(&ctx, e.problem()),
    }
}

/// POST /ideas/projects/{id}/new
pub(super) async fn new_idea_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    files: Files,
    ideas: Arc<Ideas>,
) -> Response {
    let path = format!("/ideas/projects/{id}/new");
    let Some(author) = viewer(&ctx) else {
        return to_signin(&path);
    };
    let project = match parse_project(&id) {
        Ok(pid) => match service::project(&ideas, Some(author), &pid).await {
            Ok(p) => p,
            Err(e) => return error_page(&ctx, e.problem()),
        },
        Err(p) => return error_page(&ctx, p),
    };
    let mut input = idea_input(&form);
    // Admitted first: a picture costs CPU to check.
    let outcome = match service::admit(&ctx.platform.limits, IdeasLimit::Submit, author) {
        Ok(()) => match with_new_image(&ideas, &files, &mut input).await {
            Ok(()) => service::submit(&ideas, author, &project.id, &input)
                .await
                .map_err(IdeaError::problem),
            Err(p) => Err(p),
        },
        Err(p) => Err(p),
    };
    match outcome {
        Ok(idea) => respond::see_other(&format!("/ideas/{}?done=submitted", idea.id)),
        Err(problem) => {
            let heading = ctx.tr().t("ideas-new-title");
            let message = Message::of(&ctx, &problem);
            idea_form(&ctx, &project, path, heading, &input, None, Some(message))
        }
    }
}

/// GET /ideas/{id}/edit
pub(super) async fn edit_page(
    id: String,
    ctx: Ctx,
    ideas: Arc<Ideas>,
    _query: HashMap<String, String>,
) -> Response {
    let path = format!("/ideas/{id}/edit");
    if viewer(&ctx).is_none() {
        return to_signin(&path);
    }
    let found = match parse_idea(&id) {
        Ok(iid) => service::idea(&ideas, viewer(&ctx), &iid).await,
        Err(p) => return error_page(&ctx, p),
    };
    match found {
        Ok((idea, project)) => {
            let input = IdeaInput {
                title: idea.title.clone(),
                body: idea.body.clone(),
                topic: idea.topic.clone(),
                image: idea.image.clone(),
            };
            let heading = ctx.tr().t("ideas-edit-title");
            idea_form(
                &ctx,
                &project,
                path,
                heading,
                &input,
                Some(idea.version),
                None,
            )
        }
        Err(e) => error_page(&ctx, e.problem()),
    }
}

/// POST /ideas/{id}/edit
pub(super) async fn edit_submit(
    id: String,
    ctx: Ctx,
    form: Form,
    files: Files,
    ideas: Arc<Ideas>,
) -> Response {
    let path = format!("/ideas/{id}/edit");
    let Some(author) = viewer(&ctx) else {
        return to_signin(&path);
    };
    let (idea, project) = match parse_idea(&id) {
        Ok(iid) => match service::idea(&ideas, Some(author), &iid).await {
            Ok(found) => found,
            Err(e) => return error_page(&ctx, e.problem()),
        },
        Err(p) => return error_page(&ctx, p),
    };
    let mut input = idea_input(&form);
    let version = form.get("version").parse::<u64>().ok();
    let outcome = match service::admit(&ctx.platform.limits, IdeasLimit::Submit, author) {
        Ok(()) => match with_new_image(&ideas, &files, &mut input).await {
            Ok(()) => service::edit(&ideas, author, &idea.id, version, &input)
                .await
                .map_err(IdeaError::problem),
            Err(p) => Err(p),
        },
        Err(p) => Err(p),
    };
    match outcome {
        Ok(saved) => respond::see_other(&format!("/ideas/{}?done=saved", saved.id)),
        Err(problem) => {
            let heading = ctx.tr().t("ideas-edit-title");
            let message = Message::of(&ctx, &problem);
            idea_form(
                &ctx,
                &project,
                path,
                heading,
                &input,
                version,
                Some(message),
            )
        }
    }
}
