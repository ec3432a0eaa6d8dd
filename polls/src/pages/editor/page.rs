//! The editor page: the poll's settings, questions and life, each a small form.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::page_with_flash;

use crate::model::{Poll, Status, Visibility};
use crate::pages::common::{audience_lines, load_managed, poll_facts, status_label, Message, DONE};
use crate::pages::editor::edits::{QuestionForm, SettingsForm};
use crate::pages::poll::choice_hint;
use crate::pages::OFFICIAL_PATH;
use crate::service::Polls;

/// A refused editor form's message, and where it belongs.
#[derive(Clone, Debug, Default)]
pub(in crate::pages) struct EditorError {
    pub(super) message: Message,
    /// The settings field it concerns (`title`, `closes_at`, …).
    pub(super) field: Option<String>,
    /// The question it concerns.
    pub(super) question: Option<String>,
    /// The section the form was in: `settings`, `questions`, `add-question`, `lifecycle`.
    pub(super) section: &'static str,
}

/// Where an editor form sits: its section, the question it belongs to, and the anchor to go
/// back to after it was stored.
#[derive(Clone, Debug)]
pub(in crate::pages) struct Place {
    pub(super) section: &'static str,
    pub(super) question: Option<String>,
    pub(super) anchor: String,
}

impl Place {
    pub(super) fn section(section: &'static str, anchor: &str) -> Place {
        Place {
            section,
            question: None,
            anchor: anchor.to_string(),
        }
    }

    /// A form of one question (`questions` section, back to the question).
    pub(super) fn question(qid: &str) -> Place {
        Place {
            section: "questions",
            question: Some(qid.to_string()),
            anchor: format!("question-{qid}"),
        }
    }
}

/// What a shown editor keeps from the form that was sent.
#[derive(Default)]
pub(in crate::pages) struct EditorState {
    pub(super) flash: Option<String>,
    pub(super) status: Option<StatusCode>,
    pub(super) error: Option<EditorError>,
    pub(super) settings: Option<SettingsForm>,
    pub(super) new_question: Option<QuestionForm>,
    /// A question's edit form as typed.
    pub(super) question: Option<(String, QuestionForm)>,
    /// A new option's text as typed, by question.
    pub(super) new_option: Option<(String, String)>,
    pub(super) decision: Option<String>,
    pub(super) reason: Option<String>,
}

pub struct Pick {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct DistrictGroupView {
    pub okrug: String,
    pub districts: Vec<Pick>,
}

pub struct OptionEdit {
    pub id: String,
    pub text: String,
    pub first: bool,
    pub last: bool,
}

pub struct QuestionEdit {
    pub id: String,
    pub number: usize,
    pub text: String,
    pub hint: String,
    pub first: bool,
    pub last: bool,
    pub options: Vec<OptionEdit>,
    pub form: QuestionForm,
    pub new_option: String,
    pub error: Option<String>,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "editor.html")]
struct EditorPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    id: String,
    version: u64,
    title: String,
    status_code: &'static str,
    status_label: String,
    frozen: bool,
    settings_editable: bool,
    questions_editable: bool,
    opening_locked: bool,
    audience_locked: bool,
    settings: SettingsForm,
    okrugs: Vec<Pick>,
    district_groups: Vec<DistrictGroupView>,
    visibilities: Vec<Pick>,
    summary: Vec<(String, String)>,
    audience: Vec<String>,
    questions: Vec<QuestionEdit>,
    new_question: QuestionForm,
    error: Option<Message>,
    error_section: &'static str,
    error_field: String,
    can_schedule: bool,
    can_delete: bool,
    can_unschedule: bool,
    can_close: bool,
    can_publish: bool,
    published: bool,
    decision: String,
    reason: String,
    public_href: Option<String>,
    results_href: Option<String>,
    dashboard_href: Option<String>,
}

/// GET /official/polls/{id}: the editor.
pub(in crate::pages) async fn editor_get(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    q: HashMap<String, String>,
) -> Response {
    let (_, poll) = match load_managed(&ctx, &polls, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let state = EditorState {
        flash: DONE.message(ctx.tr(), q.get("done")),
        ..Default::default()
    };
    editor_page(&ctx, &poll, state)
}

pub(in crate::pages) fn editor_page(ctx: &Ctx, poll: &Poll, state: EditorState) -> Response {
    let tr = ctx.tr();
    let now = clock::now();
    let status = poll.status(now);
    let directory = ctx.platform.directory();
    let finished = matches!(status, Status::Closed | Status::Published);
    let settings = state
        .settings
        .clone()
        .unwrap_or_else(|| SettingsForm::from_poll(poll));
    let okrugs = directory
        .okrugs
        .iter()
        .map(|o| Pick {
            value: o.id.to_string(),
            label: o.name(ctx.lang).to_string(),
            selected: settings.okrugs.iter().any(|x| x == o.id.as_str()),
        })
        .collect();
    let district_groups = directory
        .okrugs
        .iter()
        .map(|o| DistrictGroupView {
            okrug: o.name(ctx.lang).to_string(),
            districts: directory
                .districts
                .iter()
                .filter(|d| d.okrug_id == o.id)
                .map(|d| Pick {
                    value: d.id.to_string(),
                    label: d.name(ctx.lang).to_string(),
                    selected: settings.districts.iter().any(|x| x == d.id.as_str()),
                })
                .collect(),
        })
        .collect();
    let visibilities = [
        Visibility::AfterVoting,
        Visibility::AfterClose,
        Visibility::OfficialsOnly,
    ]
    .into_iter()
    .map(|v| Pick {
        value: v.as_str().to_string(),
        label: tr.t(&format!("polls-visibility-{}", v.as_str())),
        selected: settings.visibility == v.as_str(),
    })
    .collect();
    let mut summary = vec![(tr.t("polls-field-title"), poll.title.clone())];
    summary.extend(poll_facts(tr, poll));
    let error = state.error.clone();
    let count = poll.questions.len();
    let questions = poll
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let id = q.id.to_string();
            let typed = state
                .question
                .as_ref()
                .filter(|(qid, _)| *qid == id)
                .map(|(_, f)| f.clone());
            let error = error
                .as_ref()
                .filter(|e| e.question.as_deref() == Some(id.as_str()))
                .map(|e| e.message.detail.clone());
            QuestionEdit {
                number: i + 1,
                text: q.text.clone(),
                hint: choice_hint(tr, q.choice, q.required),
                first: i == 0,
                last: i + 1 == count,
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(j, o)| OptionEdit {
                        id: o.id.to_string(),
                        text: o.text.clone(),
                        first: j == 0,
                        last: j + 1 == q.options.len(),
                    })
                    .collect(),
                open: typed.is_some(),
                form: typed.unwrap_or_else(|| QuestionForm::from_question(q)),
                new_option: state
                    .new_option
                    .as_ref()
                    .filter(|(qid, _)| *qid == id)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default(),
                error,
                id,
            }
        })
        .collect();
    let api_visible = matches!(status, Status::Open | Status::Closed | Status::Published);
    let body = EditorPage {
        tr,
        csrf: ctx.csrf_token(),
        id: poll.id.to_string(),
        version: poll.version,
        title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        frozen: poll.frozen,
        settings_editable: !finished,
        questions_editable: !finished && !poll.frozen,
        opening_locked: status == Status::Open,
        audience_locked: poll.frozen,
        settings,
        okrugs,
        district_groups,
        visibilities,
        summary,
        audience: audience_lines(poll, &directory, tr),
        questions,
        new_question: state.new_question.clone().unwrap_or_default(),
        error_section: error.as_ref().map_or("", |e| e.section),
        error_field: error
            .as_ref()
            .and_then(|e| e.field.clone())
            .unwrap_or_default(),
        error: error.map(|e| e.message),
        can_schedule: status == Status::Draft,
        can_delete: status == Status::Draft,
        can_unschedule: status == Status::Scheduled,
        can_close: status == Status::Open,
        can_publish: finished,
        published: status == Status::Published,
        decision: state
            .decision
            .clone()
            .or_else(|| poll.decision.clone())
            .unwrap_or_default(),
        reason: state.reason.clone().unwrap_or_default(),
        public_href: (status != Status::Draft).then(|| format!("/polls/{}", poll.id)),
        results_href: api_visible.then(|| format!("/polls/{}/results", poll.id)),
        dashboard_href: api_visible.then(|| format!("{OFFICIAL_PATH}/{}/dashboard", poll.id)),
    };
    page_with_flash(
        ctx,
        state.status.unwrap_or(StatusCode::OK),
        &tr.t1("polls-editor-title", "title", &poll.title),
        &body,
        state.flash,
    )
}
