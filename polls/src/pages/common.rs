//! What every page family shares: the sign-in gate, flash messages, form messages, times,
//! numbers and texts as people read them, and loading a poll the viewer may see or manage.

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use warp::reply::Response;

use veche_core::accounts::model::Account;
use veche_core::districts::Directory;
use veche_core::platform::Ctx;
use veche_core::web::i18n::{FluentValue, Lang, Tr};
use veche_core::web::pages::{error_page, Flashes};
use veche_core::web::problem::Problem;
pub use veche_core::web::show::{paragraphs, show_time, signin_href, to_signin, Message};

use crate::model::{Poll, PollId, Status};
use crate::pages::{MSK, OFFICIAL_PATH};
use crate::rules::{self, Ineligible};
use crate::service::{self, Polls};

pub(super) fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

/// The confirmations the polls' redirects name (`?done=`).
pub(super) const DONE: Flashes = Flashes(&[
    ("voted", "polls-flash-voted"),
    ("already_voted", "polls-flash-already-voted"),
    ("created", "polls-flash-created"),
    ("saved", "polls-flash-saved"),
    ("scheduled", "polls-flash-scheduled"),
    ("unscheduled", "polls-flash-unscheduled"),
    ("deleted", "polls-flash-deleted"),
    ("closed", "polls-flash-closed"),
    ("published", "polls-flash-published"),
]);

/// A refusal the page itself makes (a form it could not read), as a form's message.
pub(super) fn page_message(tr: Tr<'_>, key: &str) -> Message {
    Message {
        title: tr.t("polls-form-error-title"),
        detail: tr.t(key),
    }
}

pub(super) fn status_label(tr: Tr<'_>, status: Status) -> String {
    tr.t(&format!("polls-status-{}", status.as_str()))
}

/// A `datetime-local` value (`2025-05-01T12:00`, seconds optional, a space for the `T` accepted
/// from browsers that show a plain text box) read as Moscow time. Empty means not set.
pub fn parse_moscow_time(raw: &str) -> Result<Option<OffsetDateTime>, BadInput> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let normal = raw.replacen(' ', "T", 1);
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = PrimitiveDateTime::parse(&normal, minutes)
        .or_else(|_| PrimitiveDateTime::parse(&normal, seconds))
        .map_err(|_| BadInput)?;
    Ok(Some(local.assume_offset(MSK).to_offset(UtcOffset::UTC)))
}

/// The `datetime-local` value showing `at` in Moscow time.
pub fn moscow_input_value(at: Option<OffsetDateTime>) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    at.and_then(|a| a.to_offset(MSK).format(format).ok())
        .unwrap_or_default()
}

/// Input the page itself could not read (a date, a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadInput;

/// A share as people write it: `40,5 %` in Russian, `40.5%` in English.
pub fn show_percent(percent: f64, lang: Lang) -> String {
    let text = format!("{percent:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text).to_string();
    match lang {
        Lang::Ru => format!("{} %", text.replace('.', ",")),
        Lang::En => format!("{text}%"),
    }
}

/// A message with two string arguments.
pub(super) fn t2(tr: Tr<'_>, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
    tr.catalog.t_args(
        tr.lang,
        key,
        &[
            (a.0, FluentValue::from(a.1.to_string())),
            (b.0, FluentValue::from(b.1.to_string())),
        ],
    )
}

pub(super) fn votes_label(tr: Tr<'_>, votes: i64) -> String {
    tr.n("polls-votes", votes)
}

pub(super) fn points_label(tr: Tr<'_>, points: u32) -> String {
    tr.n("polls-points", i64::from(points))
}

/// The poll's times, points and results' visibility, each as a label and a value.
pub(super) fn poll_facts(tr: Tr<'_>, poll: &Poll) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    if let Some(opens) = poll.opens_at {
        facts.push((tr.t("polls-fact-opens"), show_time(tr, opens)));
    }
    if let Some(closes) = poll.closes_at {
        facts.push((tr.t("polls-fact-closes"), show_time(tr, closes)));
    }
    facts.push((tr.t("polls-fact-points"), points_label(tr, poll.points)));
    facts.push((
        tr.t("polls-fact-visibility"),
        tr.t(&format!("polls-visibility-{}", poll.visibility.as_str())),
    ));
    facts
}

/// Who may vote, in words: the areas (or the whole city), the minimum age, verified only.
pub(super) fn audience_lines(poll: &Poll, directory: &Directory, tr: Tr<'_>) -> Vec<String> {
    let audience = &poll.audience;
    let mut lines = Vec::new();
    if audience.city_wide() {
        lines.push(tr.t("polls-audience-city"));
    } else {
        if !audience.okrugs.is_empty() {
            let names = area_names(audience.okrugs.iter().map(|o| o.as_str()), |id| {
                directory.okrug(id).map(|x| x.name(tr.lang).to_string())
            });
            lines.push(tr.t1("polls-audience-okrugs", "list", &names));
        }
        if !audience.districts.is_empty() {
            let names = area_names(audience.districts.iter().map(|d| d.as_str()), |id| {
                directory.district(id).map(|x| x.name(tr.lang).to_string())
            });
            lines.push(tr.t1("polls-audience-districts", "list", &names));
        }
    }
    if let Some(age) = audience.min_age {
        lines.push(tr.n("polls-audience-min-age", i64::from(age)));
    }
    if audience.verified_only {
        lines.push(tr.t("polls-audience-verified"));
    }
    lines
}

/// Areas by name (`name`), joined; an area the directory does not have shows its id.
fn area_names<'a>(
    ids: impl Iterator<Item = &'a str>,
    name: impl Fn(&str) -> Option<String>,
) -> String {
    ids.map(|id| name(id).unwrap_or_else(|| id.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn ineligible_text(tr: Tr<'_>, why: Ineligible) -> String {
    tr.t(&format!("polls-ineligible-{}", why.code()))
}

/// The poll id from the address, or a 404 page.
pub(super) fn parse_poll_id(ctx: &Ctx, raw: &str) -> Result<PollId, Response> {
    PollId::parse(raw).ok_or_else(|| error_page(ctx, Problem::not_found()))
}

/// A poll anyone may see (drafts only their managers), or a 404 page.
pub(super) async fn load_visible(ctx: &Ctx, polls: &Polls, raw: &str) -> Result<Poll, Response> {
    let id = parse_poll_id(ctx, raw)?;
    match service::visible(polls, viewer(ctx), &id).await {
        Ok(poll) => Ok(poll),
        Err(e) => Err(error_page(ctx, e.problem())),
    }
}

/// The officials' pages' gate: sign in first; then 403 for residents.
pub(super) fn official(ctx: &Ctx, back: &str) -> Result<Account, Response> {
    match &ctx.principal {
        None => Err(to_signin(back)),
        Some(p) if rules::is_official(&p.account) => Ok(p.account.clone()),
        Some(_) => Err(error_page(ctx, Problem::forbidden())),
    }
}

/// A poll the signed-in official manages: 404 when it does not exist or is invisible to them,
/// 403 when they may not manage it.
pub(super) async fn load_managed(
    ctx: &Ctx,
    polls: &Polls,
    raw: &str,
) -> Result<(Account, Poll), Response> {
    let id = parse_poll_id(ctx, raw)?;
    let account = official(ctx, &format!("{OFFICIAL_PATH}/{id}"))?;
    match service::managed(polls, &account, &id).await {
        Ok(poll) => Ok((account, poll)),
        Err(e) => Err(error_page(ctx, e.problem())),
    }
}
