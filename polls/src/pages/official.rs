//! The officials' list of polls and the form that starts a new one.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::accounts::model::Role;
use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page};
use veche_core::web::problem::Problem;
use veche_core::web::{respond, Form};

use crate::model::{PollQuery, Status};
use crate::pages::common::{official, show_time, status_label, Message, DONE};
use crate::pages::list::cursor;
use crate::pages::{OFFICIAL_PATH, PAGE_SIZE};
use crate::rules::{self, PollInput};
use crate::service::{self, PollError, Polls};

pub struct OfficialRow {
    pub id: String,
    pub title: String,
    pub status_code: &'static str,
    pub status_label: String,
    pub opens: String,
    pub closes: String,
    pub manage: bool,
    pub public: bool,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "official_list.html")]
struct OfficialListPage<'a> {
    tr: Tr<'a>,
    rows: Vec<OfficialRow>,
    next_href: Option<String>,
}

/// GET /official/polls?cursor=: the polls of the official's organisation (admins: all).
pub(super) async fn official_list_page(
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let account = match official(&ctx, OFFICIAL_PATH) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let before = match cursor(&ctx, &query) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let organisation = if account.has_role(Role::Admin) {
        None
    } else {
        account.organisation_id.clone()
    };
    // An official without an organisation manages nothing (and must not see everything).
    let found = if !account.has_role(Role::Admin) && organisation.is_none() {
        service::ListPage {
            polls: Vec::new(),
            last: None,
            exhausted: true,
        }
    } else {
        let request = PollQuery {
            phases: Vec::new(),
            organisation,
            before,
            limit: PAGE_SIZE,
        };
        match service::list(&polls, Some(&account), &request).await {
            Ok(found) => found,
            Err(e) => return error_page(&ctx, e.problem()),
        }
    };
    let tr = ctx.tr();
    let now = clock::now();
    let next_href = match (&found.last, found.exhausted) {
        (Some(last), false) => Some(format!("{OFFICIAL_PATH}?cursor={last}")),
        _ => None,
    };
    let rows = found
        .polls
        .iter()
        .map(|p| {
            let status = p.status(now);
            OfficialRow {
                id: p.id.to_string(),
                title: p.title.clone(),
                status_code: status.as_str(),
                status_label: status_label(tr, status),
                opens: p.opens_at.map(|t| show_time(tr, t)).unwrap_or_default(),
                closes: p.closes_at.map(|t| show_time(tr, t)).unwrap_or_default(),
                manage: rules::may_manage(&account, p),
                public: status != Status::Draft,
                live: matches!(status, Status::Open | Status::Closed | Status::Published),
            }
        })
        .collect();
    let body = OfficialListPage {
        tr,
        rows,
        next_href,
    };
    DONE.page(&ctx, &query, &tr.t("polls-official-title"), &body)
}

// ---- New poll ----

#[derive(Template)]
#[template(path = "poll_new.html")]
struct NewPollPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    title: &'a str,
    description: &'a str,
    error: Option<Message>,
    error_field: String,
}

pub(super) fn new_poll_page(
    ctx: &Ctx,
    title: &str,
    description: &str,
    error: Option<Problem>,
) -> Response {
    if let Err(response) = official(ctx, "/official/polls/new") {
        return response;
    }
    let status = error.as_ref().map_or(StatusCode::OK, |p| p.status);
    let body = NewPollPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        title,
        description,
        error_field: error
            .as_ref()
            .and_then(|p| p.field)
            .unwrap_or("")
            .to_string(),
        error: error.as_ref().map(|p| Message::of(ctx, p)),
    };
    page(ctx, status, &ctx.tr().t("polls-new-title"), &body)
}

/// POST /official/polls/new: title and description; the editor does the rest.
pub(super) async fn new_poll_submit(ctx: Ctx, form: Form, polls: Arc<Polls>) -> Response {
    let account = match official(&ctx, "/official/polls/new") {
        Ok(a) => a,
        Err(response) => return response,
    };
    let input = PollInput {
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        ..Default::default()
    };
    match service::create(&ctx.platform, &polls, &account, &input).await {
        Ok(poll) => respond::see_other(&format!("{OFFICIAL_PATH}/{}?done=created", poll.id)),
        Err(e @ PollError::Invalid(_)) => {
            new_poll_page(&ctx, &input.title, &input.description, Some(e.problem()))
        }
        Err(e) => error_page(&ctx, e.problem()),
    }
}
