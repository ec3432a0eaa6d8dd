//! GET /polls/{id} and POST /polls/{id}/vote: a poll, its ballot, and the vote.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use veche_core::clock;
use veche_core::platform::Ctx;
use veche_core::web::i18n::Tr;
use veche_core::web::pages::{error_page, page_with_flash};
use veche_core::web::{respond, Form};

use crate::model::{Choice, Poll, Status};
use crate::pages::common::{
    audience_lines, ineligible_text, load_visible, paragraphs, parse_poll_id, poll_facts,
    show_time, signin_href, status_label, to_signin, viewer, votes_label, Message, DONE,
};
use crate::pages::OFFICIAL_PATH;
use crate::rules::{self, AnswerInput, BallotInput, Ineligible};
use crate::service::{self, PollError, Polls};

/// What a shown poll page keeps from a refused ballot.
#[derive(Default)]
struct PollState {
    flash: Option<String>,
    status: Option<StatusCode>,
    /// Shown above the ballot.
    error: Option<Message>,
    /// The question a refused ballot's problem concerns, and its message.
    question_error: Option<(String, String)>,
    /// The options ticked when the ballot was sent.
    chosen: BTreeSet<String>,
}

pub struct BallotForm {
    pub action: String,
    pub questions: Vec<BallotQuestion>,
}

pub struct BallotQuestion {
    pub id: String,
    pub number: usize,
    pub text: String,
    pub multiple: bool,
    pub required: bool,
    pub hint: String,
    pub error: Option<String>,
    pub options: Vec<BallotOption>,
}

pub struct BallotOption {
    pub id: String,
    pub text: String,
    pub checked: bool,
}

/// A question shown without a ballot (not signed in, closed, already voted).
pub struct QuestionRead {
    pub id: String,
    pub number: usize,
    pub text: String,
    pub hint: String,
    pub options: Vec<String>,
}

#[derive(Template)]
#[template(path = "poll.html")]
struct PollPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    id: String,
    title: String,
    description: Vec<Vec<String>>,
    status_code: &'static str,
    status_label: String,
    facts: Vec<(String, String)>,
    audience: Vec<String>,
    error: Option<Message>,
    ballot: Option<BallotForm>,
    questions: Vec<QuestionRead>,
    voted_href: Option<String>,
    signin_href: Option<String>,
    ineligible: Option<String>,
    offer_verification: bool,
    note: Option<String>,
    decision: Option<Vec<Vec<String>>>,
    results_href: Option<String>,
    manage_href: Option<String>,
    show_receipt_check: bool,
}

pub(super) fn choice_hint(tr: Tr<'_>, choice: Choice, required: bool) -> String {
    let pick = match choice {
        Choice::Single => tr.t("polls-pick-one"),
        Choice::Multiple { max } => tr.n("polls-pick-up-to", i64::from(max)),
    };
    if required {
        format!("{pick} · {}", tr.t("polls-required"))
    } else {
        format!("{pick} · {}", tr.t("polls-optional"))
    }
}

/// GET /polls/{id}
pub(super) async fn poll_get(
    id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    q: HashMap<String, String>,
) -> Response {
    let state = PollState {
        flash: DONE.message(ctx.tr(), q.get("done")),
        ..Default::default()
    };
    poll_page(&ctx, &polls, &id, state).await
}

async fn poll_page(ctx: &Ctx, polls: &Polls, raw_id: &str, state: PollState) -> Response {
    let poll = match load_visible(ctx, polls, raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let me = viewer(ctx);
    let tr = ctx.tr();
    let now = clock::now();
    let status = poll.status(now);
    let directory = ctx.platform.directory();
    let voted = match service::has_voted(polls, &poll.id, me).await {
        Ok(ballot) => ballot,
        Err(e) => return error_page(ctx, e.problem()),
    };
    let path = format!("/polls/{}", poll.id);

    let mut facts = poll_facts(tr, &poll);
    if let Some(seal) = &poll.seal {
        facts.push((
            tr.t("polls-fact-ballots"),
            votes_label(tr, seal.ballots as i64),
        ));
    }

    let mut ballot = None;
    let mut signin = None;
    let mut ineligible = None;
    let mut offer_verification = false;
    let mut note = None;
    let voted_href = voted
        .as_ref()
        .map(|b| format!("/polls/{}/receipts/{}", poll.id, b.receipt));
    match status {
        Status::Open if voted.is_none() => match me {
            None => signin = Some(signin_href(&path)),
            Some(account) => match rules::eligibility(&poll, account, &directory, now) {
                Ok(_) => {
                    ballot = Some(BallotForm {
                        action: format!("/polls/{}/vote", poll.id),
                        questions: poll
                            .questions
                            .iter()
                            .enumerate()
                            .map(|(i, q)| BallotQuestion {
                                id: q.id.to_string(),
                                number: i + 1,
                                text: q.text.clone(),
                                multiple: matches!(q.choice, Choice::Multiple { .. }),
                                required: q.required,
                                hint: choice_hint(tr, q.choice, q.required),
                                error: state
                                    .question_error
                                    .as_ref()
                                    .filter(|(qid, _)| qid == q.id.as_str())
                                    .map(|(_, m)| m.clone()),
                                options: q
                                    .options
                                    .iter()
                                    .map(|o| BallotOption {
                                        id: o.id.to_string(),
                                        text: o.text.clone(),
                                        checked: state.chosen.contains(o.id.as_str()),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    })
                }
                Err(why) => {
                    offer_verification = why == Ineligible::NotVerified;
                    ineligible = Some(ineligible_text(tr, why));
                }
            },
        },
        Status::Open => {}
        Status::Draft => note = Some(tr.t("polls-note-draft")),
        Status::Scheduled => {
            note = Some(match poll.opens_at {
                Some(opens) => tr.t1("polls-note-scheduled", "time", &show_time(tr, opens)),
                None => tr.t("polls-note-draft"),
            })
        }
        Status::Closed => note = Some(tr.t("polls-note-closed")),
        Status::Published => note = Some(tr.t("polls-note-published")),
    }
    let questions = if ballot.is_some() {
        Vec::new()
    } else {
        poll.questions
            .iter()
            .enumerate()
            .map(|(i, q)| QuestionRead {
                id: q.id.to_string(),
                number: i + 1,
                text: q.text.clone(),
                hint: choice_hint(tr, q.choice, q.required),
                options: q.options.iter().map(|o| o.text.clone()).collect(),
            })
            .collect()
    };
    let results_href = rules::may_see_results(&poll, me, voted.is_some(), now)
        .then(|| format!("/polls/{}/results", poll.id));
    let body = PollPage {
        tr,
        csrf: ctx.csrf_token(),
        id: poll.id.to_string(),
        title: poll.title.clone(),
        description: paragraphs(&poll.description),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        facts,
        audience: audience_lines(&poll, &directory, tr),
        error: state.error,
        ballot,
        questions,
        voted_href,
        signin_href: signin,
        ineligible,
        offer_verification,
        note,
        decision: poll.decision.as_deref().map(paragraphs),
        results_href,
        manage_href: me
            .filter(|a| rules::may_manage(a, &poll))
            .map(|_| format!("{OFFICIAL_PATH}/{}", poll.id)),
        show_receipt_check: matches!(status, Status::Open | Status::Closed | Status::Published),
    };
    page_with_flash(
        ctx,
        state.status.unwrap_or(StatusCode::OK),
        &poll.title,
        &body,
        state.flash,
    )
}

/// The ballot a form sends: `q_<question id>` = option id, repeated for checkboxes. Questions
/// with nothing ticked are left out (a required one is then refused by the rules).
pub fn ballot_from_form(poll: &Poll, form: &Form) -> BallotInput {
    BallotInput {
        answers: poll
            .questions
            .iter()
            .filter_map(|q| {
                let options: Vec<String> = form
                    .all(&format!("q_{}", q.id))
                    .into_iter()
                    .filter(|o| !o.is_empty())
                    .map(str::to_string)
                    .collect();
                (!options.is_empty()).then(|| AnswerInput {
                    question: q.id.to_string(),
                    options,
                })
            })
            .collect(),
    }
}

/// POST /polls/{id}/vote
pub(super) async fn vote_submit(
    raw_id: String,
    ctx: Ctx,
    form: Form,
    polls: Arc<Polls>,
) -> Response {
    let id = match parse_poll_id(&ctx, &raw_id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Some(account) = viewer(&ctx).cloned() else {
        return to_signin(&format!("/polls/{id}"));
    };
    // Load shedding and rate limits as on the API: a quick refusal beats a queue.
    let _admitted = match polls.admit_ballot(&ctx.platform.limits, ctx.meta.client_ip, &account.id)
    {
        Ok(guard) => guard,
        Err(problem) => return error_page(&ctx, problem),
    };
    let poll = match polls.cached(&id).await {
        Ok(poll) => poll,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let input = ballot_from_form(&poll, &form);
    let chosen: BTreeSet<String> = input
        .answers
        .iter()
        .flat_map(|a| a.options.iter().cloned())
        .collect();
    match service::vote(&ctx.platform, &polls, &account, &id, &input).await {
        Ok(voted) => respond::see_other(&format!(
            "/polls/{id}/receipts/{}?done=voted",
            voted.ballot.receipt
        )),
        Err(PollError::AlreadyVoted(first)) => respond::see_other(&format!(
            "/polls/{id}/receipts/{}?done=already_voted",
            first.receipt
        )),
        Err(e @ (PollError::BadBallot(_) | PollError::Conflict(_) | PollError::Ineligible(_))) => {
            let question = match &e {
                PollError::BadBallot(bad) => bad.question.clone(),
                _ => None,
            };
            let problem = e.problem();
            let message = Message::of(&ctx, &problem);
            let state = PollState {
                status: Some(problem.status),
                // Beside the question, the short title; above the ballot, title and detail.
                question_error: question.map(|q| (q, message.title.clone())),
                error: Some(message),
                chosen,
                ..Default::default()
            };
            poll_page(&ctx, &polls, id.as_str(), state).await
        }
        Err(e) => error_page(&ctx, e.problem()),
    }
}
