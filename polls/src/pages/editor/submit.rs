//! The editor's forms: one change each, stored with optimistic locking.

use std::collections::HashMap;
use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::pages::error_page;
use veche_core::web::problem::Problem;
use veche_core::web::{respond, Form};

use crate::model::{Poll, PollId, Status};
use crate::pages::common::{load_managed, Message};
use crate::pages::editor::edits::{
    add_option, add_question, edit_question, move_option, move_question, remove_option,
    remove_question, Dir, EditError, QuestionForm, SettingsForm,
};
use crate::pages::editor::page::{editor_page, EditorError, EditorState, Place};
use crate::pages::OFFICIAL_PATH;
use crate::rules::PollInput;
use crate::service::{self, PollError, Polls};

/// Shows the editor again after a refused change: the poll as stored now, the message, and
/// what was typed (`keep`). A stale version reloads and keeps only what adds (a new question or
/// option), since the rest was typed over what someone else has changed since.
async fn editor_failure(
    ctx: &Ctx,
    polls: &Polls,
    account: &Account,
    id: &PollId,
    err: PollError,
    mut keep: EditorState,
    place: Place,
) -> Response {
    let conflict = matches!(err, PollError::Conflict("version_conflict"));
    let (message, status, field) = match err {
        PollError::NotFound | PollError::Forbidden | PollError::Store(_) => {
            return error_page(ctx, err.problem())
        }
        _ if conflict => (
            Message {
                title: ctx.tr().t("polls-editor-conflict-title"),
                detail: ctx.tr().t("polls-editor-conflict"),
            },
            StatusCode::CONFLICT,
            None,
        ),
        other => {
            let problem = other.problem();
            (
                Message::of(ctx, &problem),
                problem.status,
                problem.field.map(str::to_string),
            )
        }
    };
    let poll = match service::managed(polls, account, id).await {
        Ok(poll) => poll,
        Err(e) => return error_page(ctx, e.problem()),
    };
    if conflict {
        keep.settings = None;
        keep.question = None;
        keep.decision = None;
    }
    keep.status = Some(status);
    keep.error = Some(EditorError {
        message,
        field,
        question: place.question,
        section: place.section,
    });
    editor_page(ctx, &poll, keep)
}

/// One editor change: checks the version the form was made from, applies `change` to the
/// poll's input, stores the whole (optimistic locking), and goes back to the editor at
/// `anchor`. Refusals show the editor again with the message and what was typed.
pub(in crate::pages) async fn edit(
    ctx: Ctx,
    polls: &Polls,
    raw_id: &str,
    form: &Form,
    keep: EditorState,
    place: Place,
    change: impl FnOnce(&mut PollInput, &Poll) -> Result<bool, EditError>,
) -> Response {
    let (account, poll) = match load_managed(&ctx, polls, raw_id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let version = form.get("version").trim().parse::<u64>().unwrap_or(0);
    if version != poll.version {
        return editor_failure(
            &ctx,
            polls,
            &account,
            &poll.id,
            PollError::Conflict("version_conflict"),
            keep,
            place,
        )
        .await;
    }
    let mut input = PollInput::from_poll(&poll);
    match change(&mut input, &poll) {
        Ok(true) => {}
        Ok(false) => {
            return respond::see_other(&format!("{OFFICIAL_PATH}/{}#{}", poll.id, place.anchor))
        }
        Err(refused) => {
            let mut keep = keep;
            keep.status = Some(
                if matches!(
                    refused,
                    EditError::UnknownQuestion | EditError::UnknownOption
                ) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
            );
            keep.error = Some(EditorError {
                message: Message::page(ctx.tr(), refused.key()),
                field: refused.field().map(str::to_string),
                question: place.question,
                section: place.section,
            });
            return editor_page(&ctx, &poll, keep);
        }
    }
    match service::update(&ctx.platform, polls, &account, &poll.id, version, &input).await {
        Ok(saved) => respond::see_other(&format!(
            "{OFFICIAL_PATH}/{}?done=saved#{}",
            saved.id, place.anchor
        )),
        Err(e) => editor_failure(&ctx, polls, &account, &poll.id, e, keep, place).await,
    }
}

/// POST /official/polls/{id}/settings
pub(in crate::pages) async fn settings_submit(
    raw_id: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let typed = SettingsForm::from_form(&form);
    let keep = EditorState {
        settings: Some(typed.clone()),
        ..Default::default()
    };
    let now = clock::now();
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        keep,
        Place::section("settings", "settings"),
        move |input, poll| typed.apply(input, poll.status(now) == Status::Open, poll.frozen),
    )
    .await
}

/// POST /official/polls/{id}/questions: adds a question at the end.
pub(in crate::pages) async fn question_add_submit(
    raw_id: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let typed = QuestionForm::from_form(&form);
    let keep = EditorState {
        new_question: Some(typed.clone()),
        ..Default::default()
    };
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        keep,
        Place::section("add-question", "questions"),
        move |input, _| add_question(input, &typed),
    )
    .await
}

/// The direction from the address (`?dir=up`), else from the form.
fn direction(query: &HashMap<String, String>, form: &Form) -> Option<Dir> {
    query
        .get("dir")
        .map(String::as_str)
        .or(Some(form.get("dir")))
        .and_then(Dir::parse)
}

/// POST /official/polls/{id}/questions/{qid}/move?dir=up|down
pub(in crate::pages) async fn question_move_submit(
    raw_id: String,
    qid: String,
    query: HashMap<String, String>,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let Some(dir) = direction(&query, &form) else {
        return error_page(&ctx, Problem::bad_request("invalid_form"));
    };
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        EditorState::default(),
        Place::question(&qid),
        move |input, _| move_question(input, &qid, dir),
    )
    .await
}

/// POST /official/polls/{id}/questions/{qid}/remove
pub(in crate::pages) async fn question_remove_submit(
    raw_id: String,
    qid: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        EditorState::default(),
        Place {
            anchor: "questions".into(),
            ..Place::question(&qid)
        },
        move |input, _| remove_question(input, &qid),
    )
    .await
}

/// POST /official/polls/{id}/questions/{qid}/edit: text, kind, max choices, required.
pub(in crate::pages) async fn question_edit_submit(
    raw_id: String,
    qid: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let typed = QuestionForm::from_form(&form);
    let keep = EditorState {
        question: Some((qid.clone(), typed.clone())),
        ..Default::default()
    };
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        keep,
        Place::question(&qid),
        move |input, _| edit_question(input, &qid, &typed),
    )
    .await
}

/// POST /official/polls/{id}/questions/{qid}/options: adds an option at the end.
pub(in crate::pages) async fn option_add_submit(
    raw_id: String,
    qid: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let text = form.get("text").to_string();
    let keep = EditorState {
        new_option: Some((qid.clone(), text.clone())),
        ..Default::default()
    };
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        keep,
        Place::question(&qid),
        move |input, _| add_option(input, &qid, &text),
    )
    .await
}

/// POST /official/polls/{id}/questions/{qid}/options/{oid}/remove
pub(in crate::pages) async fn option_remove_submit(
    raw_id: String,
    qid: String,
    oid: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        EditorState::default(),
        Place::question(&qid),
        move |input, _| remove_option(input, &qid, &oid),
    )
    .await
}

/// POST /official/polls/{id}/questions/{qid}/options/{oid}/move?dir=up|down
pub(in crate::pages) async fn option_move_submit(
    raw_id: String,
    qid: String,
    oid: String,
    query: HashMap<String, String>,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let Some(dir) = direction(&query, &form) else {
        return error_page(&ctx, Problem::bad_request("invalid_form"));
    };
    edit(
        ctx,
        &polls,
        &raw_id,
        &form,
        EditorState::default(),
        Place::question(&qid),
        move |input, _| move_option(input, &qid, &oid, dir),
    )
    .await
}

/// The poll's life, by button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::pages) enum Action {
    Schedule,
    Unschedule,
    Delete,
    Close,
    Publish,
}

/// POST /official/polls/{id}/{schedule,unschedule,delete,close,publish}
pub(in crate::pages) async fn lifecycle_submit(
    raw_id: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
    action: Action,
) -> Response {
    let (account, poll) = match load_managed(&ctx, &polls, &raw_id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let version = form.get("version").trim().parse::<u64>().unwrap_or(0);
    let platform = &ctx.platform;
    let id = &poll.id;
    let (result, done) = match action {
        Action::Schedule => (
            service::schedule(platform, &polls, &account, id, version)
                .await
                .map(|_| ()),
            "scheduled",
        ),
        Action::Unschedule => (
            service::unschedule(platform, &polls, &account, id, version)
                .await
                .map(|_| ()),
            "unscheduled",
        ),
        Action::Delete => (
            service::delete(platform, &polls, &account, id, version).await,
            "deleted",
        ),
        Action::Close => {
            let reason = form.get("reason").trim();
            let reason = (!reason.is_empty()).then(|| reason.to_string());
            (
                service::close(platform, &polls, &account, id, reason)
                    .await
                    .map(|_| ()),
                "closed",
            )
        }
        Action::Publish => (
            service::publish(platform, &polls, &account, id, form.get("decision"))
                .await
                .map(|_| ()),
            "published",
        ),
    };
    match result {
        Ok(()) if action == Action::Delete => {
            respond::see_other(&format!("{OFFICIAL_PATH}?done={done}"))
        }
        Ok(()) => respond::see_other(&format!("{OFFICIAL_PATH}/{id}?done={done}#lifecycle")),
        Err(e) => {
            let keep = EditorState {
                decision: Some(form.get("decision").to_string())
                    .filter(|_| action == Action::Publish),
                reason: Some(form.get("reason").to_string()).filter(|_| action == Action::Close),
                ..Default::default()
            };
            let place = Place::section("lifecycle", "lifecycle");
            editor_failure(&ctx, &polls, &account, id, e, keep, place).await
        }
    }
}
