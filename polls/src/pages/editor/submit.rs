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
use crate::pages::common::{load_managed, page_message, Message};
use crate::pages::editor::edits::{
    add_option, add_question, edit_question, move_option, move_question, remove_option,
    remove_question, Dir, EditError, QuestionForm, SettingsForm,
};
use crate::pages::editor::page::{editor_page, EditorError, EditorState, Place};
use crate::pages::OFFICIAL_PATH;
use crate::rules::PollInput;
use crate::service::{self, Plan, PollError, Polls};

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

/// A pure edit of a poll's input (the poll as stored beside it); `Ok(false)`: nothing to do.
pub(in crate::pages) trait EditFn:
    FnOnce(&mut PollInput, &Poll) -> Result<bool, EditError>
{
}

impl<F: FnOnce(&mut PollInput, &Poll) -> Result<bool, EditError>> EditFn for F {}

/// What an editor form changes: what to show again of the form when the change is refused,
/// where the form sits, and the pure edit of the poll's input.
pub(in crate::pages) struct Change<F> {
    keep: EditorState,
    place: Place,
    apply: F,
}

impl<F> Change<F>
where
    F: FnOnce(&mut PollInput, &Poll) -> Result<bool, EditError>,
{
    /// A change of the form at `place` that keeps nothing of the form when refused.
    fn at(place: Place, apply: F) -> Result<Change<F>, Problem> {
        Ok(Change {
            keep: EditorState::default(),
            place,
            apply,
        })
    }

    /// The change, showing `keep` again when it is refused.
    fn keeping(keep: EditorState, place: Place, apply: F) -> Result<Change<F>, Problem> {
        Ok(Change { keep, place, apply })
    }
}

/// One editor form sent: `change` reads the form (a malformed one is a 400 page); then the
/// version the form was made from is checked, the change applied to the poll's input, the
/// whole stored (optimistic locking), and the official sent back to the editor at the form's
/// anchor. Refusals show the editor again with the message and what was typed.
pub(in crate::pages) async fn edit<F>(
    raw_id: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
    change: impl FnOnce(&Form) -> Result<Change<F>, Problem>,
) -> Response
where
    F: FnOnce(&mut PollInput, &Poll) -> Result<bool, EditError>,
{
    let Change { keep, place, apply } = match change(&form) {
        Ok(change) => change,
        Err(problem) => return error_page(&ctx, problem),
    };
    let polls = &*polls;
    let (account, poll) = match load_managed(&ctx, polls, &raw_id).await {
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
    match apply(&mut input, &poll) {
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
                message: page_message(ctx.tr(), refused.key()),
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

// The editor's forms, each read into a [`Change`] for [`edit`] (the routes join the two).

/// POST /official/polls/{id}/settings
pub(in crate::pages) fn settings(form: &Form) -> Result<Change<impl EditFn>, Problem> {
    let typed = SettingsForm::from_form(form);
    let keep = EditorState {
        settings: Some(typed.clone()),
        ..Default::default()
    };
    let now = clock::now();
    Change::keeping(
        keep,
        Place::section("settings", "settings"),
        move |input, poll| typed.apply(input, poll.status(now) == Status::Open, poll.frozen),
    )
}

/// POST /official/polls/{id}/questions: adds a question at the end.
pub(in crate::pages) fn question_add(form: &Form) -> Result<Change<impl EditFn>, Problem> {
    let typed = QuestionForm::from_form(form);
    let keep = EditorState {
        new_question: Some(typed.clone()),
        ..Default::default()
    };
    let place = Place::section("add-question", "questions");
    Change::keeping(keep, place, move |input, _| add_question(input, &typed))
}

/// The direction from the address (`?dir=up`), else from the form; none is a bad form.
fn direction(query: &HashMap<String, String>, form: &Form) -> Result<Dir, Problem> {
    query
        .get("dir")
        .map(String::as_str)
        .or(Some(form.get("dir")))
        .and_then(Dir::parse)
        .ok_or_else(|| Problem::bad_request("invalid_form"))
}

/// POST /official/polls/{id}/questions/{qid}/move?dir=up|down
pub(in crate::pages) fn question_move(
    qid: String,
    query: &HashMap<String, String>,
    form: &Form,
) -> Result<Change<impl EditFn>, Problem> {
    let dir = direction(query, form)?;
    Change::at(Place::question(&qid), move |input, _| {
        move_question(input, &qid, dir)
    })
}

/// POST /official/polls/{id}/questions/{qid}/remove
pub(in crate::pages) fn question_remove(qid: String) -> Result<Change<impl EditFn>, Problem> {
    let place = Place {
        anchor: "questions".into(),
        ..Place::question(&qid)
    };
    Change::at(place, move |input, _| remove_question(input, &qid))
}

/// POST /official/polls/{id}/questions/{qid}/edit: text, kind, max choices, required.
pub(in crate::pages) fn question_edit(
    qid: String,
    form: &Form,
) -> Result<Change<impl EditFn>, Problem> {
    let typed = QuestionForm::from_form(form);
    let keep = EditorState {
        question: Some((qid.clone(), typed.clone())),
        ..Default::default()
    };
    Change::keeping(keep, Place::question(&qid), move |input, _| {
        edit_question(input, &qid, &typed)
    })
}

/// POST /official/polls/{id}/questions/{qid}/options: adds an option at the end.
pub(in crate::pages) fn option_add(
    qid: String,
    form: &Form,
) -> Result<Change<impl EditFn>, Problem> {
    let text = form.get("text").to_string();
    let keep = EditorState {
        new_option: Some((qid.clone(), text.clone())),
        ..Default::default()
    };
    Change::keeping(keep, Place::question(&qid), move |input, _| {
        add_option(input, &qid, &text)
    })
}

/// POST /official/polls/{id}/questions/{qid}/options/{oid}/remove
pub(in crate::pages) fn option_remove(
    qid: String,
    oid: String,
) -> Result<Change<impl EditFn>, Problem> {
    Change::at(Place::question(&qid), move |input, _| {
        remove_option(input, &qid, &oid)
    })
}

/// POST /official/polls/{id}/questions/{qid}/options/{oid}/move?dir=up|down
pub(in crate::pages) fn option_move(
    qid: String,
    oid: String,
    query: &HashMap<String, String>,
    form: &Form,
) -> Result<Change<impl EditFn>, Problem> {
    let dir = direction(query, form)?;
    Change::at(Place::question(&qid), move |input, _| {
        move_option(input, &qid, &oid, dir)
    })
}

/// The poll's life, by button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::pages) enum Action {
    /// Into the schedule or out of it.
    Plan(Plan),
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
        Action::Plan(plan) => (
            service::apply_plan(platform, &polls, &account, id, version, plan)
                .await
                .map(|_| ()),
            match plan {
                Plan::Schedule => "scheduled",
                Plan::Unschedule => "unscheduled",
            },
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
