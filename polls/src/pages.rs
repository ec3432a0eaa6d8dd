//! The polls' pages: residents list polls, read one, vote, keep and check their receipt, read the
//! results and their points; officials write polls in an editor (one small form per change, each
//! naming the version it edited), take them through their life, and watch a live dashboard.
//!
//! Every page works without JavaScript: forms POST with a CSRF token and answer 303, charts are
//! SVG drawn here (with a plain table beside each), the dashboard refreshes itself by a
//! `<meta http-equiv="refresh">`. Every text comes from the catalog (`polls-*` keys in
//! `i18n/pages.*.ftl`); askama escapes everything a person typed. The CSP forbids inline styles,
//! so the pages use the base stylesheet's classes and SVG presentation attributes only.
//!
//! Officials type times in Moscow time (UTC+3, no daylight saving), and every page shows times
//! in it, saying so.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use veche_core::accounts::model::{Account, Role};
use veche_core::clock;
use veche_core::districts::Directory;
use veche_core::platform::Ctx;
use veche_core::platform::Platform;
use veche_core::web::i18n::{FluentValue, Lang, Tr};
use veche_core::web::pages::{error_page, page, page_with_flash};
use veche_core::web::problem::Problem;
use veche_core::web::Html;
use veche_core::web::{form, page_ctx, respond, Form};

use crate::model::{Choice, Phase, Poll, PollId, PollQuery, Receipt, Status, Visibility};
use crate::rules::{
    self, AnswerInput, BallotInput, Ineligible, OptionInput, PollInput, QuestionInput,
};
use crate::service::{self, PollError, Polls};
use crate::verify::{self, Side};
use crate::views::{self, GroupRow, QuestionResult, Results};

const LIST_PATH: &str = "/polls";
const OFFICIAL_PATH: &str = "/official/polls";
/// Polls per page of the lists.
const PAGE_SIZE: usize = 30;
/// Entries per page of the points history.
const HISTORY_SIZE: usize = 30;
/// How often the open poll's dashboard reloads itself, in seconds.
const DASHBOARD_REFRESH: u32 = 15;

/// Moscow time: officials type the poll's times in it and every page shows times in it.
/// Moscow has kept UTC+3 all year since 2014.
pub const MSK: UtcOffset = time::macros::offset!(+3);

pub fn routes(platform: Arc<Platform>, polls: Arc<Polls>) -> BoxedFilter<(Response,)> {
    let p = platform;
    let w = move || {
        let polls = polls.clone();
        warp::any().map(move || polls.clone())
    };
    let query = warp::query::<HashMap<String, String>>;

    // ---- Residents ----
    let list = warp::path!("polls")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(list_page);
    let poll = warp::path!("polls" / String)
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(
            |id: String, ctx: Ctx, polls: Arc<Polls>, q: HashMap<String, String>| async move {
                let state = PollState {
                    flash: flash(ctx.tr(), q.get("done")),
                    ..Default::default()
                };
                poll_page(&ctx, &polls, &id, state).await
            },
        );
    let vote = warp::path!("polls" / String / "vote")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(vote_submit);
    let receipt = warp::path!("polls" / String / "receipts" / String)
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(receipt_page);
    let receipt_lookup = warp::path!("polls" / String / "receipts")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(receipt_lookup);
    let results = warp::path!("polls" / String / "results")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .then(results_page);
    let points = warp::path!("me" / "points")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(points_page);

    // ---- Officials ----
    let official_list = warp::path!("official" / "polls")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(official_list_page);
    let new_form = warp::path!("official" / "polls" / "new")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .map(|ctx: Ctx| new_poll_page(&ctx, "", "", None));
    let new_submit = warp::path!("official" / "polls" / "new")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(new_poll_submit);
    let editor = warp::path!("official" / "polls" / String)
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .and(query())
        .then(
            |id: String, ctx: Ctx, polls: Arc<Polls>, q: HashMap<String, String>| async move {
                let (_, poll) = match load_managed(&ctx, &polls, &id).await {
                    Ok(found) => found,
                    Err(response) => return response,
                };
                let state = EditorState {
                    flash: flash(ctx.tr(), q.get("done")),
                    ..Default::default()
                };
                editor_page(&ctx, &poll, state)
            },
        );
    let settings = warp::path!("official" / "polls" / String / "settings")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(settings_submit);
    let question_add = warp::path!("official" / "polls" / String / "questions")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(question_add_submit);
    let question_move = warp::path!("official" / "polls" / String / "questions" / String / "move")
        .and(warp::post())
        .and(query())
        .and(form(p.clone()))
        .and(w())
        .then(question_move_submit);
    let question_remove =
        warp::path!("official" / "polls" / String / "questions" / String / "remove")
            .and(warp::post())
            .and(form(p.clone()))
            .and(w())
            .then(question_remove_submit);
    let question_edit = warp::path!("official" / "polls" / String / "questions" / String / "edit")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(question_edit_submit);
    let option_add = warp::path!("official" / "polls" / String / "questions" / String / "options")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(option_add_submit);
    let option_remove = warp::path!(
        "official" / "polls" / String / "questions" / String / "options" / String / "remove"
    )
    .and(warp::post())
    .and(form(p.clone()))
    .and(w())
    .then(option_remove_submit);
    let option_move = warp::path!(
        "official" / "polls" / String / "questions" / String / "options" / String / "move"
    )
    .and(warp::post())
    .and(query())
    .and(form(p.clone()))
    .and(w())
    .then(option_move_submit);
    let schedule = warp::path!("official" / "polls" / String / "schedule")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(|id, ctx, form, polls| lifecycle_submit(id, ctx, form, polls, Action::Schedule));
    let unschedule = warp::path!("official" / "polls" / String / "unschedule")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(|id, ctx, form, polls| lifecycle_submit(id, ctx, form, polls, Action::Unschedule));
    let delete = warp::path!("official" / "polls" / String / "delete")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(|id, ctx, form, polls| lifecycle_submit(id, ctx, form, polls, Action::Delete));
    let close = warp::path!("official" / "polls" / String / "close")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(|id, ctx, form, polls| lifecycle_submit(id, ctx, form, polls, Action::Close));
    let publish = warp::path!("official" / "polls" / String / "publish")
        .and(warp::post())
        .and(form(p.clone()))
        .and(w())
        .then(|id, ctx, form, polls| lifecycle_submit(id, ctx, form, polls, Action::Publish));
    let dashboard = warp::path!("official" / "polls" / String / "dashboard")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(w())
        .then(dashboard_page);

    let routes: Vec<BoxedFilter<(Response,)>> = vec![
        list.boxed(),
        poll.boxed(),
        vote.boxed(),
        receipt.boxed(),
        receipt_lookup.boxed(),
        results.boxed(),
        points.boxed(),
        official_list.boxed(),
        // Before the editor: `new` is not a poll id.
        new_form.boxed(),
        new_submit.boxed(),
        editor.boxed(),
        settings.boxed(),
        question_add.boxed(),
        question_move.boxed(),
        question_remove.boxed(),
        question_edit.boxed(),
        option_add.boxed(),
        option_remove.boxed(),
        option_move.boxed(),
        schedule.boxed(),
        unschedule.boxed(),
        delete.boxed(),
        close.boxed(),
        publish.boxed(),
        dashboard.boxed(),
    ];
    veche_core::web::combine(routes)
}

// ---- Shared helpers ----

/// Pages that need a signed-in account send others to sign in and come back to `path`.
fn to_signin(path: &str) -> Response {
    respond::see_other(&signin_href(path))
}

fn signin_href(path: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    format!("/signin?next={next}")
}

fn viewer(ctx: &Ctx) -> Option<&Account> {
    ctx.principal.as_ref().map(|p| &p.account)
}

/// Flash messages are chosen by a known code in the redirect, never by text from the URL.
fn flash(tr: Tr<'_>, done: Option<&String>) -> Option<String> {
    let key = match done?.as_str() {
        "voted" => "polls-flash-voted",
        "already_voted" => "polls-flash-already-voted",
        "created" => "polls-flash-created",
        "saved" => "polls-flash-saved",
        "scheduled" => "polls-flash-scheduled",
        "unscheduled" => "polls-flash-unscheduled",
        "deleted" => "polls-flash-deleted",
        "closed" => "polls-flash-closed",
        "published" => "polls-flash-published",
        _ => return None,
    };
    Some(tr.t(key))
}

/// A problem's title and detail in the page's language, for a form shown again.
#[derive(Clone, Debug, Default)]
pub struct Message {
    pub title: String,
    pub detail: String,
}

impl Message {
    fn of(ctx: &Ctx, problem: &Problem) -> Message {
        let document = problem.to_json(&ctx.platform.catalog, ctx.lang);
        let text = |k: &str| {
            document
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        Message {
            title: text("title"),
            detail: text("detail"),
        }
    }

    fn page(tr: Tr<'_>, key: &str) -> Message {
        Message {
            title: tr.t("polls-form-error-title"),
            detail: tr.t(key),
        }
    }
}

fn status_label(tr: Tr<'_>, status: Status) -> String {
    tr.t(&format!("polls-status-{}", status.as_str()))
}

/// A time as people read it: Moscow time, marked as such.
fn show_time(tr: Tr<'_>, at: OffsetDateTime) -> String {
    let local = at.to_offset(MSK);
    let text = match tr.lang {
        Lang::Ru => local.format(time::macros::format_description!(
            "[day].[month].[year] [hour]:[minute]"
        )),
        Lang::En => local.format(time::macros::format_description!(
            "[day] [month repr:short] [year], [hour]:[minute]"
        )),
    };
    format!("{} {}", text.unwrap_or_default(), tr.t("polls-msk"))
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

/// A text as paragraphs (split at blank lines) of lines, so that the template can put `<br>`
/// between lines while escaping every line.
pub fn paragraphs(text: &str) -> Vec<Vec<String>> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

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
fn t2(tr: Tr<'_>, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
    tr.catalog.t_args(
        tr.lang,
        key,
        &[
            (a.0, FluentValue::from(a.1.to_string())),
            (b.0, FluentValue::from(b.1.to_string())),
        ],
    )
}

fn votes_label(tr: Tr<'_>, votes: i64) -> String {
    tr.n("polls-votes", votes)
}

fn points_label(tr: Tr<'_>, points: u32) -> String {
    tr.n("polls-points", i64::from(points))
}

/// The first `max` characters of `text`, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Who may vote, in words: the areas (or the whole city), the minimum age, verified only.
fn audience_lines(poll: &Poll, directory: &Directory, tr: Tr<'_>) -> Vec<String> {
    let audience = &poll.audience;
    let mut lines = Vec::new();
    if audience.city_wide() {
        lines.push(tr.t("polls-audience-city"));
    } else {
        if !audience.okrugs.is_empty() {
            let names: Vec<String> = audience
                .okrugs
                .iter()
                .map(|o| {
                    directory
                        .okrug(o.as_str())
                        .map(|x| x.name(tr.lang).to_string())
                        .unwrap_or_else(|| o.to_string())
                })
                .collect();
            lines.push(tr.t1("polls-audience-okrugs", "list", &names.join(", ")));
        }
        if !audience.districts.is_empty() {
            let names: Vec<String> = audience
                .districts
                .iter()
                .map(|d| {
                    directory
                        .district(d.as_str())
                        .map(|x| x.name(tr.lang).to_string())
                        .unwrap_or_else(|| d.to_string())
                })
                .collect();
            lines.push(tr.t1("polls-audience-districts", "list", &names.join(", ")));
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

fn ineligible_text(tr: Tr<'_>, why: Ineligible) -> String {
    tr.t(&format!("polls-ineligible-{}", why.code()))
}

/// The poll id from the address, or a 404 page.
fn parse_poll_id(ctx: &Ctx, raw: &str) -> Result<PollId, Response> {
    PollId::parse(raw).ok_or_else(|| error_page(ctx, Problem::not_found()))
}

/// A poll anyone may see (drafts only their managers), or a 404 page.
async fn load_visible(ctx: &Ctx, polls: &Polls, raw: &str) -> Result<Poll, Response> {
    let id = parse_poll_id(ctx, raw)?;
    match service::visible(polls, viewer(ctx), &id).await {
        Ok(poll) => Ok(poll),
        Err(e) => Err(error_page(ctx, e.problem())),
    }
}

/// The officials' pages' gate: sign in first; then 403 for residents.
fn official(ctx: &Ctx, back: &str) -> Result<Account, Response> {
    match &ctx.principal {
        None => Err(to_signin(back)),
        Some(p) if rules::is_official(&p.account) => Ok(p.account.clone()),
        Some(_) => Err(error_page(ctx, Problem::forbidden())),
    }
}

/// A poll the signed-in official manages: 404 when it does not exist or is invisible to them,
/// 403 when they may not manage it.
async fn load_managed(ctx: &Ctx, polls: &Polls, raw: &str) -> Result<(Account, Poll), Response> {
    let id = parse_poll_id(ctx, raw)?;
    let account = official(ctx, &format!("{OFFICIAL_PATH}/{id}"))?;
    match service::managed(polls, &account, &id).await {
        Ok(poll) => Ok((account, poll)),
        Err(e) => Err(error_page(ctx, e.problem())),
    }
}

// ---- Charts ----
//
// The charts have no `viewBox`: they are `width="100%"` with a height in pixels, and lay out
// horizontally in percentages. So text keeps its size in pixels — readable on a 360 px phone,
// not enormous on a desktop — while the bars and columns stretch with the page.

/// Height of one option's row in a bar chart: a label line, then the bar.
const BAR_ROW: u32 = 52;
const BAR_HEIGHT: u32 = 20;
/// Longest label drawn in a chart (the table beside it and the chart's title have it whole).
const LABEL_MAX: usize = 38;
/// From this share of the width on, a bar's value is written inside the bar.
const VALUE_INSIDE: f64 = 50.0;

/// A question's totals as horizontal bars: one row per option, the bar's width proportional to
/// the option's votes (the most voted option fills the width).
#[derive(Template)]
#[template(path = "chart_bars.html")]
pub struct BarChart {
    pub id: String,
    /// What a screen reader says: the question and every option's count.
    pub title: String,
    pub height: u32,
    pub bar_height: u32,
    pub rows: Vec<BarRow>,
}

pub struct BarRow {
    pub option_id: String,
    pub label: String,
    pub value: String,
    pub votes: i64,
    /// Share of the chart's width, 0–100.
    pub width: f64,
    pub label_y: u32,
    pub bar_y: u32,
    pub value_y: u32,
    /// Offset of the value from the bar's end: right of it, or inside it.
    pub value_dx: i32,
    pub value_anchor: &'static str,
    pub value_fill: &'static str,
}

impl BarRow {
    /// The width as an SVG length (`37.5%`).
    pub fn width_attr(&self) -> String {
        percent_attr(self.width)
    }
}

/// A share of the width as an SVG length: two decimals at most, no trailing zeros.
pub fn percent_attr(share: f64) -> String {
    let text = format!("{share:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// Builds the bar chart of `question`; `value` says an option's count and share in words.
pub fn bar_chart(question: &QuestionResult, value: impl Fn(i64, f64) -> String) -> BarChart {
    let most = question.options.iter().map(|o| o.votes).max().unwrap_or(0);
    let rows: Vec<BarRow> = question
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let top = i as u32 * BAR_ROW;
            let width = if most > 0 && o.votes > 0 {
                // A single vote among a million still shows as a sliver.
                (o.votes as f64 * 100.0 / most as f64).clamp(0.5, 100.0)
            } else {
                0.0
            };
            let inside = width >= VALUE_INSIDE;
            BarRow {
                option_id: o.id.clone(),
                label: truncate(&o.text, LABEL_MAX),
                value: value(o.votes, o.percent),
                votes: o.votes,
                width,
                label_y: top + 17,
                bar_y: top + 24,
                value_y: top + 24 + 15,
                value_dx: if inside { -6 } else { 6 },
                value_anchor: if inside { "end" } else { "start" },
                value_fill: if inside { "#ffffff" } else { "#1b1f24" },
            }
        })
        .collect();
    let summary: Vec<String> = question
        .options
        .iter()
        .map(|o| format!("{}: {}", o.text, value(o.votes, o.percent)))
        .collect();
    BarChart {
        id: format!("q-{}", question.id),
        title: format!("{} — {}", question.text, summary.join("; ")),
        height: (rows.len() as u32 * BAR_ROW).max(BAR_ROW),
        bar_height: BAR_HEIGHT,
        rows,
    }
}

/// A count per period as vertical columns (ballots per hour on the dashboard).
#[derive(Template)]
#[template(path = "chart_columns.html")]
pub struct ColumnChart {
    pub id: String,
    pub title: String,
    pub height: u32,
    pub base_y: u32,
    pub max_label: String,
    pub columns: Vec<Column>,
    pub labels: Vec<AxisLabel>,
}

pub struct Column {
    /// Left edge and width, as SVG lengths in percent.
    pub x: String,
    pub width: String,
    pub y: u32,
    pub height: u32,
    pub count: i64,
    pub title: String,
}

pub struct AxisLabel {
    pub x: String,
    pub anchor: &'static str,
    pub text: String,
}

/// Where the columns stand, in pixels from the top.
const COLUMNS_BASE: u32 = 180;
/// Room above the tallest column (for the scale's label).
const COLUMNS_TOP: u32 = 22;

/// Builds a column chart of `(label, count)` pairs, oldest first; heights are proportional to
/// the counts (the largest fills the height). Three labels at most go under the axis (first,
/// middle, last), so that they fit a phone.
pub fn column_chart(id: &str, title: &str, points: &[(String, i64)]) -> ColumnChart {
    let most = points.iter().map(|p| p.1).max().unwrap_or(0);
    let n = points.len();
    let slot = 100.0 / n.max(1) as f64;
    let usable = COLUMNS_BASE - COLUMNS_TOP;
    let columns = points
        .iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let height = if most > 0 && *count > 0 {
                ((*count as f64 * f64::from(usable) / most as f64).round() as u32).max(1)
            } else {
                0
            };
            Column {
                x: percent_attr(i as f64 * slot + slot * 0.1),
                width: percent_attr(slot * 0.8),
                y: COLUMNS_BASE - height,
                height,
                count: *count,
                title: format!("{label}: {count}"),
            }
        })
        .collect();
    let mut marks: Vec<usize> = vec![0, n / 2, n.saturating_sub(1)];
    marks.dedup();
    let labels = if n == 0 {
        Vec::new()
    } else {
        marks
            .into_iter()
            .map(|i| {
                let (x, anchor) = if i == 0 {
                    (0.0, "start")
                } else if i + 1 == n {
                    (100.0, "end")
                } else {
                    (i as f64 * slot + slot / 2.0, "middle")
                };
                AxisLabel {
                    x: percent_attr(x),
                    anchor,
                    text: points[i].0.clone(),
                }
            })
            .collect()
    };
    ColumnChart {
        id: id.to_string(),
        title: title.to_string(),
        height: COLUMNS_BASE + 22,
        base_y: COLUMNS_BASE,
        max_label: most.to_string(),
        columns,
        labels,
    }
}

/// Hours from the dashboard (`2025-05-01T12:00:00Z`), gaps filled with zeroes when the span is
/// at most a month (a longer poll shows only the hours with ballots).
pub fn fill_hours(hours: &[views::HourCount]) -> Vec<(OffsetDateTime, i64)> {
    let parsed: Vec<(OffsetDateTime, i64)> = hours
        .iter()
        .filter_map(|h| {
            OffsetDateTime::parse(&h.hour, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|at| (at, h.ballots))
        })
        .collect();
    let (Some(first), Some(last)) = (parsed.first(), parsed.last()) else {
        return parsed;
    };
    let span = (last.0 - first.0).whole_hours();
    if !(0..=24 * 31).contains(&span) {
        return parsed;
    }
    let counts: BTreeMap<OffsetDateTime, i64> = parsed.iter().copied().collect();
    (0..=span)
        .map(|h| {
            let at = first.0 + time::Duration::hours(h);
            (at, counts.get(&at).copied().unwrap_or(0))
        })
        .collect()
}

fn render_chart<T: Template>(chart: &T) -> Html {
    Html::render(chart).unwrap_or_else(|e| {
        tracing::error!(error = %e, "chart rendering");
        Html::default()
    })
}

/// One question's results: the SVG and the same numbers as a table.
pub struct QuestionChart {
    pub id: String,
    pub text: String,
    pub svg: Html,
    pub rows: Vec<ChartRow>,
}

pub struct ChartRow {
    pub id: String,
    pub text: String,
    pub votes: i64,
    pub percent: String,
}

fn question_charts(tr: Tr<'_>, results: &Results) -> Vec<QuestionChart> {
    results
        .questions
        .iter()
        .map(|q| {
            let chart = bar_chart(q, |votes, percent| {
                format!(
                    "{} ({})",
                    votes_label(tr, votes),
                    show_percent(percent, tr.lang)
                )
            });
            QuestionChart {
                id: q.id.clone(),
                text: q.text.clone(),
                svg: render_chart(&chart),
                rows: q
                    .options
                    .iter()
                    .map(|o| ChartRow {
                        id: o.id.clone(),
                        text: o.text.clone(),
                        votes: o.votes,
                        percent: show_percent(o.percent, tr.lang),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A breakdown table (by district or by age): the options grouped under their questions.
pub struct Breakdown {
    pub groups: Vec<ColumnGroup>,
    pub options: Vec<String>,
    pub rows: Vec<BreakdownRow>,
}

pub struct ColumnGroup {
    pub question: String,
    pub span: usize,
}

pub struct BreakdownRow {
    pub id: String,
    pub name: String,
    pub ballots: String,
    pub cells: Vec<String>,
}

pub fn breakdown(results: &Results, rows: &[GroupRow]) -> Breakdown {
    let groups = results
        .questions
        .iter()
        .map(|q| ColumnGroup {
            question: q.text.clone(),
            span: q.options.len(),
        })
        .collect();
    let option_ids: Vec<&str> = results
        .questions
        .iter()
        .flat_map(|q| q.options.iter().map(|o| o.id.as_str()))
        .collect();
    let options = results
        .questions
        .iter()
        .flat_map(|q| q.options.iter().map(|o| o.text.clone()))
        .collect();
    let rows = rows
        .iter()
        .map(|r| BreakdownRow {
            id: r.id.clone(),
            name: r.name.clone(),
            ballots: r.ballots.to_string(),
            cells: option_ids
                .iter()
                .map(|o| {
                    r.options
                        .get(*o)
                        .copied()
                        .unwrap_or(crate::tally::Cell::Hidden)
                        .to_string()
                })
                .collect(),
        })
        .collect();
    Breakdown {
        groups,
        options,
        rows,
    }
}

// ---- GET /polls ----

pub struct PollCard {
    pub id: String,
    pub title: String,
    pub status_code: &'static str,
    pub status_label: String,
    pub when: String,
    pub points: String,
    pub voted: bool,
    pub hint: Option<String>,
    pub results_href: Option<String>,
}

#[derive(Template)]
#[template(path = "polls_list.html")]
struct ListPage<'a> {
    tr: Tr<'a>,
    balance: Option<String>,
    open: Vec<PollCard>,
    upcoming: Vec<PollCard>,
    finished: Vec<PollCard>,
    next_href: Option<String>,
    official: bool,
}

fn cursor(ctx: &Ctx, query: &HashMap<String, String>) -> Result<Option<PollId>, Response> {
    match query.get("cursor").map(String::as_str) {
        None | Some("") => Ok(None),
        Some(raw) => PollId::parse(raw)
            .map(Some)
            .ok_or_else(|| error_page(ctx, Problem::bad_request("invalid_cursor"))),
    }
}

/// GET /polls?cursor=
async fn list_page(ctx: Ctx, polls: Arc<Polls>, query: HashMap<String, String>) -> Response {
    let before = match cursor(&ctx, &query) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let me = viewer(&ctx);
    let request = PollQuery {
        phases: vec![Phase::Scheduled, Phase::Sealed, Phase::Published],
        organisation: None,
        before,
        limit: PAGE_SIZE,
    };
    let found = match service::list(&polls, me, &request).await {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let now = clock::now();
    let directory = ctx.platform.directory();
    let (mut open, mut upcoming, mut finished) = (Vec::new(), Vec::new(), Vec::new());
    for poll in &found.polls {
        let status = poll.status(now);
        let mut card = PollCard {
            id: poll.id.to_string(),
            title: poll.title.clone(),
            status_code: status.as_str(),
            status_label: status_label(tr, status),
            when: String::new(),
            points: points_label(tr, poll.points),
            voted: false,
            hint: None,
            results_href: None,
        };
        match status {
            Status::Open => {
                if let Some(closes) = poll.closes_at {
                    card.when = tr.t1("polls-until", "time", &show_time(tr, closes));
                }
                if let Some(account) = me {
                    match service::has_voted(&polls, &poll.id, Some(account)).await {
                        Ok(ballot) => card.voted = ballot.is_some(),
                        Err(e) => return error_page(&ctx, e.problem()),
                    }
                    if !card.voted {
                        if let Err(why) = rules::eligibility(poll, account, &directory, now) {
                            card.hint = Some(ineligible_text(tr, why));
                        }
                    }
                }
                open.push(card);
            }
            Status::Scheduled | Status::Draft => {
                if let Some(opens) = poll.opens_at {
                    card.when = tr.t1("polls-opens", "time", &show_time(tr, opens));
                }
                upcoming.push(card);
            }
            Status::Closed | Status::Published => {
                if let Some(closes) = poll.closes_at {
                    card.when = tr.t1("polls-closed-at", "time", &show_time(tr, closes));
                }
                if rules::may_see_results(poll, me, false, now) {
                    card.results_href = Some(format!("/polls/{}/results", poll.id));
                }
                finished.push(card);
            }
        }
    }
    let balance = match me {
        Some(account) => match service::balance(&polls, &account.id).await {
            Ok(points) => Some(tr.n("polls-balance", i64::try_from(points).unwrap_or(i64::MAX))),
            Err(e) => return error_page(&ctx, e.problem()),
        },
        None => None,
    };
    let next_href = match (&found.last, found.exhausted) {
        (Some(last), false) => Some(format!("{LIST_PATH}?cursor={last}")),
        _ => None,
    };
    let body = ListPage {
        tr,
        balance,
        open,
        upcoming,
        finished,
        next_href,
        official: me.is_some_and(rules::is_official),
    };
    page(&ctx, StatusCode::OK, &tr.t("polls-title"), &body)
}

// ---- GET /polls/{id} and POST /polls/{id}/vote ----

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

fn choice_hint(tr: Tr<'_>, choice: Choice, required: bool) -> String {
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
async fn vote_submit(raw_id: String, ctx: Ctx, form: Form, polls: Arc<Polls>) -> Response {
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

// ---- Receipts ----

pub struct AnswerRead {
    pub question: String,
    pub options: Vec<String>,
}

pub struct ProofStep {
    pub side: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    tr: Tr<'a>,
    poll_id: String,
    poll_title: String,
    status_code: &'static str,
    status_label: String,
    receipt: String,
    answers: Vec<AnswerRead>,
    sealed: bool,
    root: String,
    /// The leaf the proof starts from, besides the receipt: the ballot's district and age
    /// bracket (both in the public export too).
    leaf: String,
    steps: Vec<ProofStep>,
    included: bool,
    results_href: Option<String>,
}

/// GET /polls/{id}/receipts/{receipt}: public; knowing the receipt is the permission.
async fn receipt_page(
    raw_id: String,
    raw_receipt: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let poll = match load_visible(&ctx, &polls, &raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let Some(receipt) = Receipt::parse(&raw_receipt) else {
        return error_page(&ctx, Problem::not_found());
    };
    let (ballot, proof) = match service::receipt(&polls, &poll, &receipt).await {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let now = clock::now();
    let status = poll.status(now);
    let answers = ballot
        .answers
        .iter()
        .map(|a| {
            let question = poll.question(a.question.as_str());
            AnswerRead {
                question: question
                    .map(|q| q.text.clone())
                    .unwrap_or_else(|| a.question.to_string()),
                options: a
                    .options
                    .iter()
                    .map(|o| {
                        question
                            .and_then(|q| q.option(o.as_str()))
                            .map(|x| x.text.clone())
                            .unwrap_or_else(|| o.to_string())
                    })
                    .collect(),
            }
        })
        .collect();
    // The check is against the root the poll published, not the one the proof came with.
    let published = poll
        .seal
        .as_ref()
        .map(|s| s.root.clone())
        .unwrap_or_default();
    let (sealed, steps, included) = match &proof {
        Some(proof) => (
            true,
            proof
                .steps
                .iter()
                .map(|s| ProofStep {
                    side: tr.t(match s.side {
                        Side::Left => "polls-side-left",
                        Side::Right => "polls-side-right",
                    }),
                    hash: s.hash.clone(),
                })
                .collect(),
            verify::check_proof(&proof.entry, &proof.steps, &published),
        ),
        None => (false, Vec::new(), false),
    };
    let me = viewer(&ctx);
    let voted = me.is_some_and(|a| a.id == ballot.account_id);
    let body = ReceiptPage {
        tr,
        poll_id: poll.id.to_string(),
        poll_title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        receipt: receipt.to_string(),
        answers,
        sealed,
        root: published,
        leaf: proof
            .as_ref()
            .map(|p| {
                let district = ctx
                    .platform
                    .directory()
                    .district(&p.entry.district)
                    .map(|d| format!("{} ({})", d.name(ctx.lang), p.entry.district))
                    .unwrap_or_else(|| p.entry.district.clone());
                let age = crate::model::AgeBracket::parse(&p.entry.age_bracket)
                    .map(|b| views::bracket_label(b, ctx.lang))
                    .unwrap_or_else(|| p.entry.age_bracket.clone());
                t2(
                    tr,
                    "polls-proof-leaf",
                    ("district", &district),
                    ("age", &age),
                )
            })
            .unwrap_or_default(),
        steps,
        included,
        results_href: rules::may_see_results(&poll, me, voted, now)
            .then(|| format!("/polls/{}/results", poll.id)),
    };
    let flash = flash(tr, query.get("done"));
    page_with_flash(
        &ctx,
        StatusCode::OK,
        &tr.t("polls-receipt-title"),
        &body,
        flash,
    )
}

/// GET /polls/{id}/receipts?receipt=…: the "check a receipt" form's target.
async fn receipt_lookup(
    raw_id: String,
    ctx: Ctx,
    polls: Arc<Polls>,
    query: HashMap<String, String>,
) -> Response {
    let poll = match load_visible(&ctx, &polls, &raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let raw = query.get("receipt").map(String::as_str).unwrap_or("");
    let Some(receipt) = Receipt::parse(raw) else {
        return error_page(&ctx, Problem::not_found());
    };
    match service::receipt_exists(&polls, &poll.id, &receipt).await {
        Ok(true) => respond::see_other(&format!("/polls/{}/receipts/{receipt}", poll.id)),
        Ok(false) => error_page(&ctx, Problem::not_found()),
        Err(e) => error_page(&ctx, e.problem()),
    }
}

// ---- GET /polls/{id}/results ----

pub struct Download {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    status_code: &'static str,
    status_label: String,
    is_final: bool,
    ballots: String,
    charts: Vec<QuestionChart>,
    districts: Breakdown,
    ages: Breakdown,
    root: Option<String>,
    decision: Option<Vec<Vec<String>>>,
    downloads: Vec<Download>,
}

#[derive(Template)]
#[template(path = "results_hidden.html")]
struct ResultsHiddenPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    why: String,
}

/// Why results are not shown yet, and when they will be.
fn results_hidden_reason(tr: Tr<'_>, poll: &Poll, status: Status) -> String {
    let closes = poll.closes_at.map(|c| show_time(tr, c)).unwrap_or_default();
    match (status, poll.visibility) {
        (Status::Draft | Status::Scheduled, _) => tr.t("polls-results-hidden-not-started"),
        (Status::Open, Visibility::AfterVoting) => {
            tr.t1("polls-results-hidden-vote-first", "time", &closes)
        }
        (Status::Open, Visibility::AfterClose) => {
            tr.t1("polls-results-hidden-after-close", "time", &closes)
        }
        (_, _) => tr.t("polls-results-hidden-officials"),
    }
}

/// GET /polls/{id}/results
async fn results_page(raw_id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let poll = match load_visible(&ctx, &polls, &raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let me = viewer(&ctx);
    let tr = ctx.tr();
    let now = clock::now();
    let voted = match service::has_voted(&polls, &poll.id, me).await {
        Ok(b) => b.is_some(),
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let status = poll.status(now);
    if !rules::may_see_results(&poll, me, voted, now) {
        let body = ResultsHiddenPage {
            tr,
            id: poll.id.to_string(),
            title: poll.title.clone(),
            why: results_hidden_reason(tr, &poll, status),
        };
        return page(
            &ctx,
            StatusCode::FORBIDDEN,
            &tr.t("polls-results-title"),
            &body,
        );
    }
    let counts = match polls.counts(&poll).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let directory = ctx.platform.directory();
    let results = Results::new(&poll, &counts, &directory, ctx.lang, now);
    let sealed = poll.seal.is_some();
    let api = format!("/api/v1/polls/{}", poll.id);
    let mut downloads = vec![
        Download {
            href: format!("{api}/results.csv"),
            label: tr.t("polls-download-results-csv"),
        },
        Download {
            href: format!("{api}/results"),
            label: tr.t("polls-download-results-json"),
        },
    ];
    if sealed {
        downloads.extend([
            Download {
                href: format!("{api}/ballots.csv"),
                label: tr.t("polls-download-ballots-csv"),
            },
            Download {
                href: format!("{api}/ballots.json"),
                label: tr.t("polls-download-ballots-json"),
            },
            Download {
                href: format!("{api}/seal"),
                label: tr.t("polls-download-seal"),
            },
        ]);
    }
    let body = ResultsPage {
        tr,
        id: poll.id.to_string(),
        title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        is_final: results.is_final,
        ballots: votes_label(tr, results.ballots),
        charts: question_charts(tr, &results),
        districts: breakdown(&results, &results.districts),
        ages: breakdown(&results, &results.age_brackets),
        root: results.root.clone(),
        decision: poll.decision.as_deref().map(paragraphs),
        downloads,
    };
    page(&ctx, StatusCode::OK, &tr.t("polls-results-title"), &body)
}

// ---- GET /me/points ----

pub struct PointsRow {
    pub at: String,
    pub poll_id: String,
    pub title: String,
    pub points: String,
}

#[derive(Template)]
#[template(path = "points.html")]
struct PointsPage<'a> {
    tr: Tr<'a>,
    balance: String,
    rows: Vec<PointsRow>,
    next_href: Option<String>,
}

/// The history cursor: `<milliseconds>_<poll id>` of the last entry shown.
pub fn points_cursor(at: OffsetDateTime, poll: &PollId) -> String {
    format!("{}_{poll}", clock::to_millis(at))
}

pub fn parse_points_cursor(raw: &str) -> Option<(OffsetDateTime, PollId)> {
    let (millis, poll) = raw.split_once('_')?;
    Some((
        clock::from_millis(millis.parse().ok()?),
        PollId::parse(poll)?,
    ))
}

/// GET /me/points?cursor=
async fn points_page(ctx: Ctx, polls: Arc<Polls>, query: HashMap<String, String>) -> Response {
    let Some(account) = viewer(&ctx) else {
        return to_signin("/me/points");
    };
    let before = match query.get("cursor").map(String::as_str) {
        None | Some("") => None,
        Some(raw) => match parse_points_cursor(raw) {
            Some(c) => Some(c),
            None => return error_page(&ctx, Problem::bad_request("invalid_cursor")),
        },
    };
    let (balance, history) = match service::points(&polls, &account.id, before, HISTORY_SIZE).await
    {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let mut rows = Vec::with_capacity(history.len());
    for entry in &history {
        let title = match service::title(&polls, &entry.poll_id).await {
            Ok(Some(title)) => title,
            Ok(None) => tr.t("polls-points-deleted"),
            Err(e) => return error_page(&ctx, e.problem()),
        };
        rows.push(PointsRow {
            at: show_time(tr, entry.at),
            poll_id: entry.poll_id.to_string(),
            title,
            points: format!("+{}", entry.points),
        });
    }
    let next_href = (history.len() == HISTORY_SIZE)
        .then(|| {
            history
                .last()
                .map(|e| format!("/me/points?cursor={}", points_cursor(e.at, &e.poll_id)))
        })
        .flatten();
    let body = PointsPage {
        tr,
        balance: tr.n("polls-balance", i64::try_from(balance).unwrap_or(i64::MAX)),
        rows,
        next_href,
    };
    page(&ctx, StatusCode::OK, &tr.t("polls-points-title"), &body)
}

// ---- GET /official/polls ----

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
async fn official_list_page(
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
    let flash = flash(tr, query.get("done"));
    page_with_flash(
        &ctx,
        StatusCode::OK,
        &tr.t("polls-official-title"),
        &body,
        flash,
    )
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

fn new_poll_page(ctx: &Ctx, title: &str, description: &str, error: Option<Problem>) -> Response {
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
async fn new_poll_submit(ctx: Ctx, form: Form, polls: Arc<Polls>) -> Response {
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

// ---- The editor: pure edits of a PollInput ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Up,
    Down,
}

impl Dir {
    pub fn parse(raw: &str) -> Option<Dir> {
        match raw {
            "up" => Some(Dir::Up),
            "down" => Some(Dir::Down),
            _ => None,
        }
    }
}

/// An edit that names a question or option the poll does not have (any more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditError {
    UnknownQuestion,
    UnknownOption,
    /// A number or a date the page could not read; the field it was in.
    Unreadable(&'static str),
    /// The audience names areas but none was chosen.
    NoAreas,
}

impl EditError {
    fn key(self) -> &'static str {
        match self {
            EditError::UnknownQuestion | EditError::UnknownOption => "polls-editor-unknown-item",
            EditError::Unreadable("opens_at" | "closes_at") => "polls-error-datetime",
            EditError::Unreadable(_) => "polls-error-number",
            EditError::NoAreas => "polls-error-areas-required",
        }
    }

    fn field(self) -> Option<&'static str> {
        match self {
            EditError::Unreadable(field) => Some(field),
            EditError::NoAreas => Some("audience"),
            _ => None,
        }
    }
}

fn question_index(input: &PollInput, qid: &str) -> Result<usize, EditError> {
    input
        .questions
        .iter()
        .position(|q| q.id.as_deref() == Some(qid))
        .ok_or(EditError::UnknownQuestion)
}

fn option_index(question: &QuestionInput, oid: &str) -> Result<usize, EditError> {
    question
        .options
        .iter()
        .position(|o| o.id.as_deref() == Some(oid))
        .ok_or(EditError::UnknownOption)
}

/// Swaps the item at `index` with its neighbour; `false` at the ends (nothing to do).
fn shift<T>(items: &mut [T], index: usize, dir: Dir) -> bool {
    let other = match dir {
        Dir::Up => index.checked_sub(1),
        Dir::Down => (index + 1 < items.len()).then_some(index + 1),
    };
    match other {
        Some(other) => {
            items.swap(index, other);
            true
        }
        None => false,
    }
}

/// Moves a question up or down; `Ok(false)` when it is already first or last.
pub fn move_question(input: &mut PollInput, qid: &str, dir: Dir) -> Result<bool, EditError> {
    let i = question_index(input, qid)?;
    Ok(shift(&mut input.questions, i, dir))
}

pub fn remove_question(input: &mut PollInput, qid: &str) -> Result<bool, EditError> {
    let i = question_index(input, qid)?;
    input.questions.remove(i);
    Ok(true)
}

pub fn move_option(
    input: &mut PollInput,
    qid: &str,
    oid: &str,
    dir: Dir,
) -> Result<bool, EditError> {
    let qi = question_index(input, qid)?;
    let question = &mut input.questions[qi];
    let oi = option_index(question, oid)?;
    Ok(shift(&mut question.options, oi, dir))
}

/// Removes an option (the rules refuse a question left with fewer than two).
pub fn remove_option(input: &mut PollInput, qid: &str, oid: &str) -> Result<bool, EditError> {
    let qi = question_index(input, qid)?;
    let question = &mut input.questions[qi];
    let oi = option_index(question, oid)?;
    question.options.remove(oi);
    Ok(true)
}

pub fn add_option(input: &mut PollInput, qid: &str, text: &str) -> Result<bool, EditError> {
    let qi = question_index(input, qid)?;
    input.questions[qi].options.push(OptionInput {
        id: None,
        text: text.to_string(),
    });
    Ok(true)
}

/// A question's own fields as a form sends them (`text`, `kind`, `max_choices`, `required`,
/// and for a new question `options`, one per line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionForm {
    pub text: String,
    pub kind: String,
    pub max_choices: String,
    pub required: bool,
    pub options: String,
}

impl Default for QuestionForm {
    fn default() -> Self {
        QuestionForm {
            text: String::new(),
            kind: "single".into(),
            max_choices: String::new(),
            required: true,
            options: String::new(),
        }
    }
}

impl QuestionForm {
    pub fn from_form(form: &Form) -> QuestionForm {
        QuestionForm {
            text: form.get("text").to_string(),
            kind: form.get("kind").to_string(),
            max_choices: form.get("max_choices").trim().to_string(),
            required: !form.get("required").is_empty(),
            options: form.get("options").to_string(),
        }
    }

    fn from_question(q: &crate::model::Question) -> QuestionForm {
        QuestionForm {
            text: q.text.clone(),
            kind: match q.choice {
                Choice::Single => "single".into(),
                Choice::Multiple { .. } => "multiple".into(),
            },
            max_choices: match q.choice {
                Choice::Single => String::new(),
                Choice::Multiple { max } => max.to_string(),
            },
            required: q.required,
            options: String::new(),
        }
    }

    /// The most choices: none for a single-choice question (a number left in the box is
    /// ignored), none when empty (all options), else the number.
    fn max(&self) -> Result<Option<u8>, EditError> {
        if self.kind != "multiple" || self.max_choices.is_empty() {
            return Ok(None);
        }
        self.max_choices
            .parse::<u8>()
            .map(Some)
            .map_err(|_| EditError::Unreadable("max_choices"))
    }

    /// The option lines: trimmed, blank ones dropped.
    pub fn option_lines(&self) -> Vec<String> {
        self.options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

pub fn edit_question(
    input: &mut PollInput,
    qid: &str,
    typed: &QuestionForm,
) -> Result<bool, EditError> {
    let qi = question_index(input, qid)?;
    let max = typed.max()?;
    let q = &mut input.questions[qi];
    q.text = typed.text.clone();
    q.kind = Some(typed.kind.clone());
    q.max_choices = max;
    q.required = Some(typed.required);
    Ok(true)
}

pub fn add_question(input: &mut PollInput, typed: &QuestionForm) -> Result<bool, EditError> {
    let max = typed.max()?;
    input.questions.push(QuestionInput {
        id: None,
        text: typed.text.clone(),
        kind: Some(typed.kind.clone()),
        max_choices: max,
        required: Some(typed.required),
        options: typed
            .option_lines()
            .into_iter()
            .map(|text| OptionInput { id: None, text })
            .collect(),
    });
    Ok(true)
}

/// The settings form as sent (or as the poll has it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsForm {
    pub title: String,
    pub description: String,
    /// `datetime-local` values, Moscow time.
    pub opens_at: String,
    pub closes_at: String,
    pub points: String,
    pub visibility: String,
    /// `city` or `areas`.
    pub scope: String,
    pub okrugs: Vec<String>,
    pub districts: Vec<String>,
    pub verified_only: bool,
    pub min_age: String,
}

impl SettingsForm {
    pub fn from_poll(poll: &Poll) -> SettingsForm {
        SettingsForm {
            title: poll.title.clone(),
            description: poll.description.clone(),
            opens_at: moscow_input_value(poll.opens_at),
            closes_at: moscow_input_value(poll.closes_at),
            points: poll.points.to_string(),
            visibility: poll.visibility.as_str().to_string(),
            scope: if poll.audience.city_wide() {
                "city".into()
            } else {
                "areas".into()
            },
            okrugs: poll.audience.okrugs.iter().map(|o| o.to_string()).collect(),
            districts: poll
                .audience
                .districts
                .iter()
                .map(|d| d.to_string())
                .collect(),
            verified_only: poll.audience.verified_only,
            min_age: poll
                .audience
                .min_age
                .map(|a| a.to_string())
                .unwrap_or_default(),
        }
    }

    pub fn from_form(form: &Form) -> SettingsForm {
        let list = |name: &str| {
            form.all(name)
                .into_iter()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        SettingsForm {
            title: form.get("title").to_string(),
            description: form.get("description").to_string(),
            opens_at: form.get("opens_at").trim().to_string(),
            closes_at: form.get("closes_at").trim().to_string(),
            points: form.get("points").trim().to_string(),
            visibility: form.get("results_visibility").to_string(),
            scope: form.get("audience_scope").to_string(),
            okrugs: list("okrugs"),
            districts: list("districts"),
            verified_only: !form.get("verified_only").is_empty(),
            min_age: form.get("min_age").trim().to_string(),
        }
    }

    /// Writes the settings into `input`. An open poll keeps its opening time
    /// (`keep_opening`); once the first ballot is in, the audience and the points stay as they
    /// are (`keep_audience`) whatever the form says.
    pub fn apply(
        &self,
        input: &mut PollInput,
        keep_opening: bool,
        keep_audience: bool,
    ) -> Result<bool, EditError> {
        input.title = self.title.clone();
        input.description = self.description.clone();
        if !keep_opening {
            input.opens_at =
                parse_moscow_time(&self.opens_at).map_err(|_| EditError::Unreadable("opens_at"))?;
        }
        input.closes_at =
            parse_moscow_time(&self.closes_at).map_err(|_| EditError::Unreadable("closes_at"))?;
        input.results_visibility = Some(self.visibility.clone());
        if !keep_audience {
            input.points = if self.points.is_empty() {
                None
            } else {
                Some(
                    self.points
                        .parse::<u32>()
                        .map_err(|_| EditError::Unreadable("points"))?,
                )
            };
            input.audience.min_age = if self.min_age.is_empty() {
                None
            } else {
                Some(
                    self.min_age
                        .parse::<u8>()
                        .map_err(|_| EditError::Unreadable("min_age"))?,
                )
            };
            input.audience.verified_only = self.verified_only;
            if self.scope == "areas" {
                if self.okrugs.is_empty() && self.districts.is_empty() {
                    return Err(EditError::NoAreas);
                }
                input.audience.okrugs = self.okrugs.clone();
                input.audience.districts = self.districts.clone();
            } else {
                input.audience.okrugs.clear();
                input.audience.districts.clear();
            }
        }
        Ok(true)
    }
}

// ---- The editor page ----

/// A refused editor form's message, and where it belongs.
#[derive(Clone, Debug, Default)]
struct EditorError {
    message: Message,
    /// The settings field it concerns (`title`, `closes_at`, …).
    field: Option<String>,
    /// The question it concerns.
    question: Option<String>,
    /// The section the form was in: `settings`, `questions`, `add-question`, `lifecycle`.
    section: &'static str,
}

/// Where an editor form sits: its section, the question it belongs to, and the anchor to go
/// back to after it was stored.
#[derive(Clone, Debug)]
struct Place {
    section: &'static str,
    question: Option<String>,
    anchor: String,
}

impl Place {
    fn section(section: &'static str, anchor: &str) -> Place {
        Place {
            section,
            question: None,
            anchor: anchor.to_string(),
        }
    }

    /// A form of one question (`questions` section, back to the question).
    fn question(qid: &str) -> Place {
        Place {
            section: "questions",
            question: Some(qid.to_string()),
            anchor: format!("question-{qid}"),
        }
    }
}

/// What a shown editor keeps from the form that was sent.
#[derive(Default)]
struct EditorState {
    flash: Option<String>,
    status: Option<StatusCode>,
    error: Option<EditorError>,
    settings: Option<SettingsForm>,
    new_question: Option<QuestionForm>,
    /// A question's edit form as typed.
    question: Option<(String, QuestionForm)>,
    /// A new option's text as typed, by question.
    new_option: Option<(String, String)>,
    decision: Option<String>,
    reason: Option<String>,
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

fn editor_page(ctx: &Ctx, poll: &Poll, state: EditorState) -> Response {
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
    if let Some(opens) = poll.opens_at {
        summary.push((tr.t("polls-fact-opens"), show_time(tr, opens)));
    }
    if let Some(closes) = poll.closes_at {
        summary.push((tr.t("polls-fact-closes"), show_time(tr, closes)));
    }
    summary.push((tr.t("polls-fact-points"), points_label(tr, poll.points)));
    summary.push((
        tr.t("polls-fact-visibility"),
        tr.t(&format!("polls-visibility-{}", poll.visibility.as_str())),
    ));
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
async fn edit(
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
async fn settings_submit(raw_id: String, ctx: Ctx, form: Form, polls: Arc<Polls>) -> Response {
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
async fn question_add_submit(raw_id: String, ctx: Ctx, form: Form, polls: Arc<Polls>) -> Response {
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
async fn question_move_submit(
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
async fn question_remove_submit(
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
async fn question_edit_submit(
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
async fn option_add_submit(
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
async fn option_remove_submit(
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
async fn option_move_submit(
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
enum Action {
    Schedule,
    Unschedule,
    Delete,
    Close,
    Publish,
}

/// POST /official/polls/{id}/{schedule,unschedule,delete,close,publish}
async fn lifecycle_submit(
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

// ---- GET /official/polls/{id}/dashboard ----

pub struct TurnoutRow {
    pub id: String,
    pub name: String,
    pub ballots: i64,
    pub percent: String,
}

pub struct HourRow {
    pub hour: String,
    pub ballots: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    tr: Tr<'a>,
    id: String,
    title: String,
    status_code: &'static str,
    status_label: String,
    live: bool,
    refresh: u32,
    refresh_note: String,
    updated: String,
    ballots: String,
    turnout: Vec<TurnoutRow>,
    hours_svg: Html,
    hours: Vec<HourRow>,
    charts: Vec<QuestionChart>,
    manage_href: Option<String>,
}

/// GET /official/polls/{id}/dashboard: officials may read any poll's dashboard.
async fn dashboard_page(raw_id: String, ctx: Ctx, polls: Arc<Polls>) -> Response {
    let id = match parse_poll_id(&ctx, &raw_id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let account = match official(&ctx, &format!("{OFFICIAL_PATH}/{id}/dashboard")) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let poll = match load_visible(&ctx, &polls, &raw_id).await {
        Ok(poll) => poll,
        Err(response) => return response,
    };
    let counts = match polls.counts(&poll).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, e.problem()),
    };
    let tr = ctx.tr();
    let now = clock::now();
    let directory = ctx.platform.directory();
    let dashboard = views::Dashboard::new(&poll, &counts, &directory, ctx.lang, now);
    let status = poll.status(now);
    let hours = fill_hours(&dashboard.per_hour);
    let hour_label = |at: OffsetDateTime| {
        let local = at.to_offset(MSK);
        local
            .format(time::macros::format_description!("[day].[month] [hour]:00"))
            .unwrap_or_default()
    };
    let points: Vec<(String, i64)> = hours.iter().map(|(at, n)| (hour_label(*at), *n)).collect();
    let chart = column_chart(
        "hours",
        &tr.t1(
            "polls-dashboard-hours-title",
            "total",
            &votes_label(tr, dashboard.ballots),
        ),
        &points,
    );
    let live = status == Status::Open;
    let body = DashboardPage {
        tr,
        id: poll.id.to_string(),
        title: poll.title.clone(),
        status_code: status.as_str(),
        status_label: status_label(tr, status),
        live,
        refresh: DASHBOARD_REFRESH,
        refresh_note: tr.n("polls-dashboard-refresh", i64::from(DASHBOARD_REFRESH)),
        updated: show_time(tr, now),
        ballots: votes_label(tr, dashboard.ballots),
        turnout: dashboard
            .turnout
            .iter()
            .map(|t| TurnoutRow {
                id: t.district_id.clone(),
                name: t.name.clone(),
                ballots: t.ballots,
                percent: show_percent(t.percent, ctx.lang),
            })
            .collect(),
        hours_svg: render_chart(&chart),
        hours: points
            .into_iter()
            .map(|(hour, ballots)| HourRow { hour, ballots })
            .collect(),
        charts: question_charts(tr, &dashboard.results),
        manage_href: rules::may_manage(&account, &poll)
            .then(|| format!("{OFFICIAL_PATH}/{}", poll.id)),
    };
    let mut response = page(&ctx, StatusCode::OK, &tr.t("polls-dashboard-title"), &body);
    if live {
        // Besides the `<meta>` in the page: the header works wherever the page is shown.
        response.headers_mut().insert(
            http::header::REFRESH,
            http::HeaderValue::from(DASHBOARD_REFRESH),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use veche_core::accounts::model::{AccountState, BirthYear, DisplayName, Email};
    use veche_core::accounts::CoreConfig;
    use veche_core::id::{AccountId, DistrictId, OrganisationId};
    use veche_core::notify::{Enqueued, Notification, Notify, NotifyError};
    use veche_core::storage::{Backend, Sqlite, SyncMode};
    use veche_core::web::i18n::{Catalog, CORE_EN, CORE_RU};
    use veche_core::web::ratelimit::{declare, CoreLimit, Declared, Limits};
    use veche_core::{clock, random};

    use super::*;
    use crate::views::OptionResult;
    use crate::PollsConfig;

    // ---- Pure helpers ----

    fn question_result(options: &[(&str, &str, i64)]) -> QuestionResult {
        let total: i64 = options.iter().map(|o| o.2).sum();
        QuestionResult {
            id: "Q1".into(),
            text: "Что построить?".into(),
            options: options
                .iter()
                .map(|(id, text, votes)| OptionResult {
                    id: id.to_string(),
                    text: text.to_string(),
                    votes: *votes,
                    percent: views::percent(*votes, total),
                })
                .collect(),
        }
    }

    #[test]
    fn bar_widths_are_proportional_to_the_votes() {
        let q = question_result(&[("a", "Каток", 40), ("b", "Сцена", 20), ("c", "Ничего", 0)]);
        let chart = bar_chart(&q, |v, _| v.to_string());
        let widths: Vec<String> = chart.rows.iter().map(|r| r.width_attr()).collect();
        assert_eq!(widths, ["100%", "50%", "0%"]);
        let q = question_result(&[("a", "A", 3), ("b", "B", 2), ("c", "C", 1)]);
        let widths: Vec<String> = bar_chart(&q, |v, _| v.to_string())
            .rows
            .iter()
            .map(|r| r.width_attr())
            .collect();
        assert_eq!(widths, ["100%", "66.67%", "33.33%"]);
        assert_eq!(chart.height, 3 * BAR_ROW);
        // Rows stack downwards without overlapping.
        assert!(chart
            .rows
            .windows(2)
            .all(|w| w[1].label_y > w[0].bar_y + BAR_HEIGHT));
        // The value goes inside a long bar and beside a short one.
        assert_eq!(
            (chart.rows[0].value_anchor, chart.rows[2].value_anchor),
            ("end", "start")
        );
        // Nothing voted yet: no bar, and no division by zero.
        let empty = question_result(&[("a", "A", 0), ("b", "B", 0)]);
        assert!(bar_chart(&empty, |v, _| v.to_string())
            .rows
            .iter()
            .all(|r| r.width == 0.0));
        // A single vote among many still shows.
        let tiny = question_result(&[("a", "A", 1_000_000), ("b", "B", 1)]);
        assert_eq!(
            bar_chart(&tiny, |v, _| v.to_string()).rows[1].width_attr(),
            "0.5%"
        );
    }

    #[test]
    fn chart_labels_are_escaped_and_long_ones_cut() {
        let long = "Очень длинный вариант ответа, который не поместится в одну строку диаграммы";
        let q = question_result(&[("a", "<script>alert(1)</script>", 3), ("b", long, 1)]);
        let svg = render_chart(&bar_chart(&q, |v, p| format!("{v} & {p}")));
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{svg}"
        );
        assert!(svg.contains("3 &#38; 75"), "{svg}");
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"chart-q-Q1-title\">"));
        assert!(svg.contains(r#"width="100%" height="104""#), "{svg}");
        assert!(
            svg.contains(r#"class="bar" x="0" y="24" width="100%""#),
            "{svg}"
        );
        assert!(svg.contains(r#"width="33.33%""#) && svg.contains(r#"data-votes="1""#));
        assert!(
            !svg.contains(&format!(">{long}</text>")),
            "the label is cut in the chart"
        );
        assert!(svg.contains(&truncate(long, LABEL_MAX)));
    }

    #[test]
    fn column_heights_are_proportional_and_labels_few() {
        let points: Vec<(String, i64)> = (0..24)
            .map(|h| (format!("{h:02}:00"), if h == 5 { 80 } else { 20 }))
            .collect();
        let chart = column_chart("hours", "<b>", &points);
        let tallest = COLUMNS_BASE - COLUMNS_TOP;
        assert_eq!(chart.columns[5].height, tallest);
        assert_eq!(
            chart.columns[0].height,
            (tallest as f64 / 4.0).round() as u32
        );
        assert_eq!(chart.columns[0].y, COLUMNS_BASE - chart.columns[0].height);
        assert_eq!(chart.columns[1].x, "4.58%");
        let labels: Vec<(&str, &str)> = chart
            .labels
            .iter()
            .map(|l| (l.text.as_str(), l.anchor))
            .collect();
        assert_eq!(
            labels,
            [("00:00", "start"), ("12:00", "middle"), ("23:00", "end")]
        );
        let svg = render_chart(&chart);
        assert!(svg.contains("&#60;b&#62;") && !svg.contains("<b>"), "{svg}");
        let one = column_chart("h", "t", &[("10:00".into(), 3)]);
        assert_eq!(one.labels.len(), 1);
        assert!(column_chart("h", "t", &[]).labels.is_empty());
    }

    #[test]
    fn hours_are_filled_between_the_first_and_the_last() {
        let h = |hour: &str, ballots| views::HourCount {
            hour: hour.into(),
            ballots,
        };
        let filled = fill_hours(&[h("2025-05-01T10:00:00Z", 3), h("2025-05-01T13:00:00Z", 1)]);
        let counts: Vec<i64> = filled.iter().map(|x| x.1).collect();
        assert_eq!(counts, vec![3, 0, 0, 1]);
        assert!(fill_hours(&[]).is_empty());
    }

    #[test]
    fn datetime_local_values_are_moscow_time() {
        let utc = |s: &str| {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|e| panic!("{s}: {e}"))
        };
        assert_eq!(
            parse_moscow_time("2025-05-01T12:00"),
            Ok(Some(utc("2025-05-01T09:00:00Z")))
        );
        assert_eq!(
            parse_moscow_time(" 2025-05-01 02:30:15 "),
            Ok(Some(utc("2025-04-30T23:30:15Z")))
        );
        assert_eq!(parse_moscow_time(""), Ok(None));
        for bad in [
            "tomorrow",
            "2025-13-01T10:00",
            "2025-05-01",
            "01.05.2025 10:00",
        ] {
            assert_eq!(parse_moscow_time(bad), Err(BadInput), "{bad}");
        }
        let at = utc("2025-12-31T21:15:00Z");
        assert_eq!(moscow_input_value(Some(at)), "2026-01-01T00:15");
        assert_eq!(
            parse_moscow_time(&moscow_input_value(Some(at))),
            Ok(Some(at))
        );
        assert_eq!(moscow_input_value(None), "");
    }

    fn option(id: &str) -> OptionInput {
        OptionInput {
            id: Some(id.into()),
            text: id.to_uppercase(),
        }
    }

    fn three_questions() -> PollInput {
        PollInput {
            title: "Парк".into(),
            questions: ["q1", "q2", "q3"]
                .iter()
                .map(|q| QuestionInput {
                    id: Some(q.to_string()),
                    text: q.to_string(),
                    options: vec![option("a"), option("b"), option("c")],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn ids(input: &PollInput) -> Vec<String> {
        input
            .questions
            .iter()
            .map(|q| q.id.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn questions_move_and_go_and_the_ends_stay_put() {
        let mut input = three_questions();
        assert_eq!(move_question(&mut input, "q1", Dir::Up), Ok(false));
        assert_eq!(move_question(&mut input, "q3", Dir::Down), Ok(false));
        assert_eq!(ids(&input), ["q1", "q2", "q3"]);
        assert_eq!(move_question(&mut input, "q1", Dir::Down), Ok(true));
        assert_eq!(ids(&input), ["q2", "q1", "q3"]);
        assert_eq!(move_question(&mut input, "q3", Dir::Up), Ok(true));
        assert_eq!(ids(&input), ["q2", "q3", "q1"]);
        assert_eq!(remove_question(&mut input, "q2"), Ok(true));
        assert_eq!(ids(&input), ["q3", "q1"]);
        assert_eq!(remove_question(&mut input, "q1"), Ok(true));
        assert_eq!(ids(&input), ["q3"]);
        assert_eq!(
            remove_question(&mut input, "q1"),
            Err(EditError::UnknownQuestion)
        );
        assert_eq!(move_question(&mut input, "q3", Dir::Up), Ok(false));
        assert_eq!(
            move_question(&mut input, "nope", Dir::Up),
            Err(EditError::UnknownQuestion)
        );
    }

    #[test]
    fn options_move_are_added_and_removed_within_their_question() {
        let mut input = three_questions();
        let opts = |input: &PollInput, q: usize| -> Vec<Option<String>> {
            input.questions[q]
                .options
                .iter()
                .map(|o| o.id.clone())
                .collect()
        };
        assert_eq!(move_option(&mut input, "q2", "a", Dir::Up), Ok(false));
        assert_eq!(move_option(&mut input, "q2", "c", Dir::Down), Ok(false));
        assert_eq!(move_option(&mut input, "q2", "c", Dir::Up), Ok(true));
        assert_eq!(
            opts(&input, 1),
            [Some("a".into()), Some("c".into()), Some("b".into())]
        );
        assert_eq!(
            opts(&input, 0)[1],
            Some("b".into()),
            "other questions unchanged"
        );
        assert_eq!(remove_option(&mut input, "q2", "a"), Ok(true));
        assert_eq!(opts(&input, 1), [Some("c".into()), Some("b".into())]);
        assert_eq!(add_option(&mut input, "q2", "Новый"), Ok(true));
        assert_eq!(input.questions[1].options[2].id, None);
        assert_eq!(input.questions[1].options[2].text, "Новый");
        assert_eq!(
            remove_option(&mut input, "q2", "a"),
            Err(EditError::UnknownOption)
        );
        assert_eq!(
            move_option(&mut input, "q9", "a", Dir::Up),
            Err(EditError::UnknownQuestion)
        );
    }

    #[test]
    fn question_forms_become_inputs() {
        let mut input = three_questions();
        let typed = QuestionForm {
            text: "Что ещё?".into(),
            kind: "multiple".into(),
            max_choices: "2".into(),
            required: false,
            options: "  Каток \n\n Сцена\r\nПлощадка\n".into(),
        };
        assert_eq!(add_question(&mut input, &typed), Ok(true));
        let q = &input.questions[3];
        assert_eq!(q.id, None);
        assert_eq!(
            (q.kind.as_deref(), q.max_choices, q.required),
            (Some("multiple"), Some(2), Some(false))
        );
        let texts: Vec<&str> = q.options.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(texts, ["Каток", "Сцена", "Площадка"]);
        // A number left in the box of a single-choice question is ignored.
        let single = QuestionForm {
            kind: "single".into(),
            max_choices: "3".into(),
            ..typed.clone()
        };
        assert_eq!(edit_question(&mut input, "q1", &single), Ok(true));
        assert_eq!(input.questions[0].max_choices, None);
        assert_eq!(input.questions[0].text, "Что ещё?");
        assert_eq!(input.questions[0].options.len(), 3, "options kept");
        let bad = QuestionForm {
            max_choices: "many".into(),
            ..typed
        };
        assert_eq!(
            edit_question(&mut input, "q1", &bad),
            Err(EditError::Unreadable("max_choices"))
        );
    }

    #[test]
    fn settings_apply_with_locks() {
        let mut input = three_questions();
        input.opens_at = Some(clock::now());
        let opened = input.opens_at;
        let mut form = SettingsForm {
            title: "Новое".into(),
            opens_at: "2030-01-01T10:00".into(),
            closes_at: "2030-01-02T10:00".into(),
            points: "30".into(),
            visibility: "after_close".into(),
            scope: "areas".into(),
            districts: vec!["45383000".into()],
            min_age: "18".into(),
            verified_only: true,
            ..Default::default()
        };
        assert_eq!(form.apply(&mut input, true, false), Ok(true));
        assert_eq!(input.title, "Новое");
        assert_eq!(input.opens_at, opened, "an open poll keeps its opening");
        assert_eq!(
            input.closes_at,
            parse_moscow_time("2030-01-02T10:00").ok().flatten()
        );
        assert_eq!(input.points, Some(30));
        assert_eq!(input.audience.districts, ["45383000"]);
        assert_eq!(input.audience.min_age, Some(18));
        assert!(input.audience.verified_only);
        assert_eq!(input.results_visibility.as_deref(), Some("after_close"));

        // Frozen: the audience and points stay whatever the form says.
        form.scope = "city".into();
        form.points = "5".into();
        assert_eq!(form.apply(&mut input, false, true), Ok(true));
        assert_eq!(input.points, Some(30));
        assert_eq!(input.audience.districts, ["45383000"]);
        assert_eq!(
            input.opens_at,
            parse_moscow_time("2030-01-01T10:00").ok().flatten()
        );

        assert_eq!(form.apply(&mut input, false, false), Ok(true));
        assert!(input.audience.districts.is_empty(), "the whole city");
        form.scope = "areas".into();
        form.districts.clear();
        assert_eq!(
            form.apply(&mut input, false, false),
            Err(EditError::NoAreas)
        );
        form.scope = "city".into();
        form.min_age = "old".into();
        assert_eq!(
            form.apply(&mut input, false, false),
            Err(EditError::Unreadable("min_age"))
        );
        form.min_age.clear();
        form.closes_at = "someday".into();
        assert_eq!(
            form.apply(&mut input, false, false),
            Err(EditError::Unreadable("closes_at"))
        );
    }

    #[test]
    fn texts_are_split_and_numbers_written_per_language() {
        assert_eq!(
            paragraphs("Первый\r\nвторой\n\n\nТретий\n"),
            vec![
                vec!["Первый".to_string(), "второй".into()],
                vec!["Третий".into()]
            ]
        );
        assert!(paragraphs("  \n ").is_empty());
        assert_eq!(show_percent(33.3, Lang::Ru), "33,3 %");
        assert_eq!(show_percent(50.0, Lang::En), "50%");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        let at = clock::now();
        let id = PollId::generate();
        assert_eq!(parse_points_cursor(&points_cursor(at, &id)), Some((at, id)));
        assert_eq!(parse_points_cursor("x_y"), None);
    }

    /// Every key the pages use is in both catalogs (which must also agree on their keys).
    #[test]
    fn every_key_used_is_in_the_catalogs() {
        let catalog = catalog();
        let sources = [
            include_str!("pages.rs"),
            include_str!("../templates/polls_list.html"),
            include_str!("../templates/poll.html"),
            include_str!("../templates/receipt.html"),
            include_str!("../templates/results.html"),
            include_str!("../templates/results_hidden.html"),
            include_str!("../templates/points.html"),
            include_str!("../templates/official_list.html"),
            include_str!("../templates/poll_new.html"),
            include_str!("../templates/editor.html"),
            include_str!("../templates/dashboard.html"),
        ];
        let mut keys = BTreeSet::new();
        for text in sources {
            for (at, _) in text.match_indices("\"polls-") {
                // `id="polls-open"` is an element id, not a key.
                if text[..at].ends_with('=') {
                    continue;
                }
                let rest = &text[at + 1..];
                if let Some(end) = rest.find('"') {
                    keys.insert(rest[..end].to_string());
                }
            }
        }
        assert!(
            keys.len() > 150,
            "the scan found too few keys: {}",
            keys.len()
        );
        // Keys built at run time are listed below.
        keys.retain(|k| !k.ends_with('-') && !k.contains('{'));
        for s in [
            Status::Draft,
            Status::Scheduled,
            Status::Open,
            Status::Closed,
            Status::Published,
        ] {
            keys.insert(format!("polls-status-{}", s.as_str()));
        }
        for v in ["after_voting", "after_close", "officials_only"] {
            keys.insert(format!("polls-visibility-{v}"));
        }
        for why in [
            Ineligible::NotInAudience,
            Ineligible::TooYoung,
            Ineligible::NotVerified,
        ] {
            keys.insert(format!("polls-ineligible-{}", why.code()));
        }
        for done in [
            "voted",
            "already_voted",
            "created",
            "saved",
            "scheduled",
            "unscheduled",
            "deleted",
            "closed",
            "published",
        ] {
            let text = flash(
                Tr {
                    catalog: &catalog,
                    lang: Lang::Ru,
                },
                Some(&done.to_string()),
            );
            assert!(text.is_some_and(|t| !t.starts_with("polls-")), "{done}");
        }
        keys.extend(["nav-polls", "nav-official-polls"].map(String::from));
        let missing: Vec<_> = keys.iter().filter(|k| !catalog.has(k)).collect();
        assert!(missing.is_empty(), "missing catalog keys: {missing:?}");
        // Plurals and arguments come out right.
        assert_eq!(
            catalog.t_args(Lang::Ru, "polls-votes", &[("count", 3.into())]),
            "3 голоса"
        );
        assert_eq!(
            catalog.t_args(Lang::Ru, "polls-votes", &[("count", 11.into())]),
            "11 голосов"
        );
        assert_eq!(
            catalog.t_args(Lang::En, "polls-votes", &[("count", 1.into())]),
            "1 vote"
        );
        assert_eq!(
            catalog.t_args(Lang::Ru, "polls-pick-up-to", &[("count", 2.into())]),
            "Можно выбрать до 2 вариантов"
        );
    }

    // ---- The pages, through the routes ----

    fn catalog() -> Catalog {
        Catalog::new(&[(CORE_RU, CORE_EN), (crate::POLLS_RU, crate::POLLS_EN)])
            .unwrap_or_else(|e| panic!("catalog: {e}"))
    }

    struct NoMail;

    #[async_trait::async_trait]
    impl Notify for NoMail {
        async fn enqueue(&self, _: Notification) -> Result<Enqueued, NotifyError> {
            Ok(Enqueued::Declined)
        }
    }

    struct Rig {
        platform: Arc<Platform>,
        polls: Arc<Polls>,
        addr: std::net::SocketAddr,
        _dir: tempfile::TempDir,
    }

    struct User {
        cookie: String,
        csrf: String,
    }

    struct Reply {
        status: u16,
        location: String,
        body: String,
        refresh: Option<String>,
    }

    fn enc(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    impl Rig {
        async fn start() -> Rig {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let db = Sqlite::open(dir.path(), SyncMode::Normal)
                .unwrap_or_else(|e| panic!("sqlite: {e}"));
            let backend = Backend::Sqlite(db);
            let store = veche_core::store::open(&backend)
                .await
                .unwrap_or_else(|e| panic!("core store: {e}"));
            let moscow = veche_core::districts::moscow().unwrap_or_else(|e| panic!("{e}"));
            store
                .upsert_districts(&moscow.okrugs, &moscow.districts)
                .await
                .unwrap_or_else(|e| panic!("districts: {e}"));
            let declared: Vec<Declared> = declare::<CoreLimit>()
                .into_iter()
                .chain(declare::<crate::PollsLimit>())
                .collect();
            let limits = Limits::build(&declared, &Default::default())
                .unwrap_or_else(|e| panic!("limits: {e}"));
            let platform = Platform::new(
                backend.clone(),
                store,
                catalog(),
                limits,
                CoreConfig::default(),
                [7; 32],
                tokio_util::sync::CancellationToken::new(),
                Arc::new(NoMail),
            );
            platform
                .reload_directory()
                .await
                .unwrap_or_else(|e| panic!("directory: {e}"));
            let platform = Arc::new(platform);
            let store = crate::store::open(&backend)
                .await
                .unwrap_or_else(|e| panic!("polls store: {e}"));
            let polls = Arc::new(Polls::new(store, PollsConfig::default()));
            let routes = routes(platform.clone(), polls.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap_or_else(|e| panic!("bind: {e}"));
            let addr = listener
                .local_addr()
                .unwrap_or_else(|e| panic!("addr: {e}"));
            tokio::spawn(warp::serve(routes).incoming(listener).run());
            Rig {
                platform,
                polls,
                addr,
                _dir: dir,
            }
        }

        async fn user(&self, roles: &[Role], organisation: Option<&OrganisationId>) -> User {
            let now = clock::now();
            let id = AccountId::generate();
            let account = Account {
                email: Email::from_trusted(format!("u{}@example.org", id.as_str().to_lowercase())),
                id,
                display_name: DisplayName::from_trusted("Анна Тестова".into()),
                // Арбат, in the Central okrug.
                district_id: DistrictId::from_trusted("45374000".into()),
                birth_year: BirthYear::from_trusted(1985),
                password_hash: String::new(),
                roles: roles.iter().copied().chain([Role::Resident]).collect(),
                organisation_id: organisation.cloned(),
                state: AccountState::Active,
                created_at: now,
                updated_at: now,
                mail_pending_since: None,
                lang: Lang::Ru,
            };
            let p = &self.platform;
            p.store
                .insert_account(&account)
                .await
                .unwrap_or_else(|e| panic!("account: {e}"));
            let session = veche_core::accounts::service::start_session(p, &account.id)
                .await
                .unwrap_or_else(|e| panic!("session: {e}"));
            let csrf = random::mac(
                &p.secret,
                "csrf",
                &format!("session:{}", random::token_hash(&session)),
            );
            User {
                cookie: format!("veche_session={session}"),
                csrf,
            }
        }

        async fn send(&self, method: &str, path: &str, user: Option<&User>, body: &str) -> Reply {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut request =
                format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            if let Some(u) = user {
                request.push_str(&format!("Cookie: {}\r\n", u.cookie));
            }
            if method == "POST" {
                request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            }
            request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
            let mut stream = tokio::net::TcpStream::connect(self.addr)
                .await
                .unwrap_or_else(|e| panic!("connect: {e}"));
            stream
                .write_all(request.as_bytes())
                .await
                .unwrap_or_else(|e| panic!("write: {e}"));
            let mut raw = Vec::new();
            stream
                .read_to_end(&mut raw)
                .await
                .unwrap_or_else(|e| panic!("read: {e}"));
            let text = String::from_utf8_lossy(&raw).into_owned();
            let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no status in {head:?}"));
            let header = |name: &str| {
                head.lines().find_map(|line| {
                    let (k, v) = line.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_string())
                })
            };
            Reply {
                status,
                location: header("location").unwrap_or_default(),
                refresh: header("refresh"),
                body: body.to_string(),
            }
        }

        async fn get(&self, path: &str, user: Option<&User>) -> Reply {
            self.send("GET", path, user, "").await
        }

        /// Posts a form with the user's CSRF token; `fields` are already encoded pairs.
        async fn post(&self, path: &str, user: &User, fields: &[(&str, &str)]) -> Reply {
            let mut body = format!("csrf={}", enc(&user.csrf));
            for (k, v) in fields {
                body.push_str(&format!("&{}={}", enc(k), enc(v)));
            }
            self.send("POST", path, Some(user), &body).await
        }

        async fn poll(&self, id: &str) -> Poll {
            self.polls
                .store
                .poll(&PollId::from_trusted(id.into()))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no poll {id}"))
        }
    }

    fn msk(at: OffsetDateTime) -> String {
        moscow_input_value(Some(at))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_poll_from_draft_to_published_through_the_pages() {
        let rig = Rig::start().await;
        let org = OrganisationId::generate();
        let official = rig.user(&[Role::Official], Some(&org)).await;
        let anna = rig.user(&[], None).await;

        // Residents may not manage; strangers are sent to sign in.
        assert_eq!(rig.get("/official/polls", Some(&anna)).await.status, 403);
        let r = rig.get("/official/polls/new", None).await;
        assert_eq!(
            (r.status, r.location.as_str()),
            (303, "/signin?next=%2Fofficial%2Fpolls%2Fnew")
        );

        // A too short title is refused and kept.
        let r = rig
            .post(
                "/official/polls/new",
                &official,
                &[("title", "<a"), ("description", "")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("value=\"&#60;a\""), "{}", r.body);
        assert!(r.body.contains("id=\"form-error\""));

        let r = rig
            .post(
                "/official/polls/new",
                &official,
                &[
                    ("title", "Парк «Дубки»"),
                    ("description", "Что построить\nв парке?"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let id = r
            .location
            .strip_prefix("/official/polls/")
            .and_then(|rest| rest.strip_suffix("?done=created"))
            .unwrap_or_else(|| panic!("{}", r.location))
            .to_string();
        let editor = format!("/official/polls/{id}");
        let r = rig
            .get(&format!("{editor}?done=created"), Some(&official))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Черновик создан."));
        assert!(r.body.contains("Время указывается московское (UTC+3)."));
        assert!(r.body.contains("name=\"version\" value=\"1\""));
        assert_eq!(
            rig.get(&editor, Some(&anna)).await.status,
            403,
            "residents manage nothing"
        );
        let r = rig.get(&format!("/polls/{id}"), Some(&anna)).await;
        assert_eq!(r.status, 404, "a draft is invisible");

        // Questions: one needs two options.
        let r = rig
            .post(
                &format!("{editor}/questions"),
                &official,
                &[
                    ("version", "1"),
                    ("text", "Что построить?"),
                    ("kind", "single"),
                    ("required", "1"),
                    ("options", "Каток"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains(">Каток</textarea>"),
            "what was typed is kept"
        );
        for (version, text, kind, required, options) in [
            ("1", "Что построить?", "single", "1", "Каток\nСцену"),
            ("2", "Что ещё?", "multiple", "", "Лавочки\nФонари\nУрны"),
        ] {
            let r = rig
                .post(
                    &format!("{editor}/questions"),
                    &official,
                    &[
                        ("version", version),
                        ("text", text),
                        ("kind", kind),
                        ("required", required),
                        ("max_choices", "2"),
                        ("options", options),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert_eq!(r.location, format!("{editor}?done=saved#questions"));
        }
        let poll = rig.poll(&id).await;
        assert_eq!(poll.questions.len(), 2);
        assert!(poll.questions[0].required);
        assert!(!poll.questions[1].required, "the box was not ticked");
        let (q1, q2) = (
            poll.questions[0].id.to_string(),
            poll.questions[1].id.to_string(),
        );

        // Move the second question up, then back down.
        let r = rig
            .post(
                &format!("{editor}/questions/{q2}/move?dir=up"),
                &official,
                &[("version", "3")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(rig.poll(&id).await.questions[0].id.as_str(), q2);
        // A stale version is a conflict, and the editor says so.
        let r = rig
            .post(
                &format!("{editor}/questions/{q2}/move?dir=down"),
                &official,
                &[("version", "3")],
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("Кто-то изменил этот опрос"), "{}", r.body);
        let r = rig
            .post(
                &format!("{editor}/questions/{q2}/move?dir=down"),
                &official,
                &[("version", "4")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(rig.poll(&id).await.questions[0].id.as_str(), q1);

        // Settings: an unreadable date is refused and what was typed is kept.
        let now = clock::now();
        let r = rig
            .post(
                &format!("{editor}/settings"),
                &official,
                &[
                    ("version", "5"),
                    ("title", "Парк «Дубки»"),
                    ("opens_at", "завтра"),
                    ("closes_at", ""),
                    ("points", "25"),
                    ("results_visibility", "after_voting"),
                    ("audience_scope", "city"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("ГГГГ-ММ-ДД"), "{}", r.body);
        assert!(r.body.contains("value=\"25\""));
        let opens = msk(now - time::Duration::hours(1));
        let closes = msk(now + time::Duration::days(2));
        let r = rig
            .post(
                &format!("{editor}/settings"),
                &official,
                &[
                    ("version", "5"),
                    ("title", "Парк «Дубки»"),
                    ("description", "Что построить"),
                    ("opens_at", &opens),
                    ("closes_at", &closes),
                    ("points", "25"),
                    ("results_visibility", "after_voting"),
                    ("audience_scope", "areas"),
                    ("okrugs", "45286000"),
                    ("min_age", "18"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let poll = rig.poll(&id).await;
        assert_eq!(poll.points, 25);
        assert_eq!(poll.audience.min_age, Some(18));
        assert_eq!(moscow_input_value(poll.opens_at), opens);

        let r = rig
            .post(
                &format!("{editor}/schedule"),
                &official,
                &[("version", "6")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location, format!("{editor}?done=scheduled#lifecycle"));

        // Anna sees it open, with no mark yet.
        let r = rig.get("/polls", Some(&anna)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Парк «Дубки»") && r.body.contains("Идёт голосование"));
        assert!(!r.body.contains("data-testid=\"voted-mark\""));
        assert!(r.body.contains("Ваши баллы: 0"));
        let page = format!("/polls/{id}");
        let r = rig.get(&page, None).await;
        assert!(r.body.contains("Войдите, чтобы проголосовать"));
        assert!(r.body.contains(&format!("/signin?next=%2Fpolls%2F{id}")));
        let r = rig.get(&page, Some(&anna)).await;
        assert!(r.body.contains("id=\"ballot-form\""), "{}", r.body);
        assert!(r.body.contains(&format!("name=\"q_{q1}\"")));
        assert!(r.body.contains("Можно выбрать до 2 вариантов"));
        assert!(r.body.contains("Округа: Центральный"), "{}", r.body);
        let results = format!("/polls/{id}/results");
        let r = rig.get(&results, Some(&anna)).await;
        assert_eq!(r.status, 403);
        assert!(r.body.contains("видны проголосовавшим сразу"), "{}", r.body);

        // A ballot missing the required answer: the message sits at the question, choices kept.
        let poll = rig.poll(&id).await;
        let o2 = &poll.questions[1].options;
        let vote = format!("/polls/{id}/vote");
        let (field2, o2a, o2b) = (
            format!("q_{q2}"),
            o2[0].id.to_string(),
            o2[2].id.to_string(),
        );
        let r = rig
            .post(
                &vote,
                &anna,
                &[
                    (field2.as_str(), o2a.as_str()),
                    (field2.as_str(), o2b.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains(&format!("id=\"q-{q1}-error\"")),
            "{}",
            r.body
        );
        assert!(r.body.contains(&format!("value=\"{o2a}\" checked")));
        assert!(r.body.contains(&format!("value=\"{o2b}\" checked")));

        let field1 = format!("q_{q1}");
        let o1 = poll.questions[0].options[1].id.to_string();
        let r = rig
            .post(&vote, &anna, &[(field1.as_str(), o1.as_str())])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let receipt_page = r.location.split('?').next().unwrap_or_default().to_string();
        assert!(receipt_page.starts_with(&format!("/polls/{id}/receipts/")));
        assert!(r.location.ends_with("?done=voted"));
        let r = rig.get(&r.location, None).await;
        assert_eq!(r.status, 200, "the receipt is the permission: {}", r.body);
        assert!(r.body.contains("Спасибо! Ваш голос принят."));
        assert!(r.body.contains("Сцену"), "answers as option texts");
        assert!(r
            .body
            .contains("Ваш голос сохранён. Доказательство учёта появится здесь"));

        // Again: sent to the first receipt.
        let r = rig
            .post(&vote, &anna, &[(field1.as_str(), o1.as_str())])
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location, format!("{receipt_page}?done=already_voted"));
        let r = rig.get("/polls", Some(&anna)).await;
        assert!(r.body.contains("data-testid=\"voted-mark\""));
        assert!(r.body.contains("Ваши баллы: 25"));
        let r = rig.get(&page, Some(&anna)).await;
        assert!(r.body.contains("Вы проголосовали") && !r.body.contains("id=\"ballot-form\""));

        // Results after voting, with bars.
        let r = rig.get(&results, Some(&anna)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("<svg class=\"chart chart-bars\""));
        assert!(r.body.contains(&format!("class=\"bar\" x=\"0\" y=\"24\" width=\"0%\" height=\"20\" fill=\"#8c1c13\" data-option=\"{}\"", poll.questions[0].options[0].id)), "{}", r.body);
        assert!(r.body.contains("&#60;10"), "small cells hidden");
        assert!(!r.body.contains("/ballots.csv"), "exports only once sealed");

        // The receipt lookup.
        let receipt = receipt_page
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let r = rig
            .get(
                &format!("/polls/{id}/receipts?receipt={}", receipt.to_uppercase()),
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.location.as_str()),
            (303, receipt_page.as_str())
        );
        let r = rig
            .get(
                &format!("/polls/{id}/receipts?receipt={}", "0".repeat(64)),
                None,
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(
            rig.get(&format!("/polls/{id}/receipts?receipt=xyz"), None)
                .await
                .status,
            404
        );

        // The editor shows frozen questions; the dashboard refreshes itself.
        let r = rig.get(&editor, Some(&official)).await;
        assert!(r.body.contains("data-testid=\"frozen-note\""), "{}", r.body);
        assert!(!r.body.contains("id=\"add-question-form\""));
        let r = rig
            .get(&format!("{editor}/dashboard"), Some(&official))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.refresh.as_deref(), Some("15"));
        assert!(r
            .body
            .contains("<meta http-equiv=\"refresh\" content=\"15\">"));
        assert!(r.body.contains("class=\"column\""));
        assert!(r.body.contains("data-district=\"45374000\""));
        assert_eq!(
            rig.get(&format!("{editor}/dashboard"), Some(&anna))
                .await
                .status,
            403
        );

        // Close, seal, check the receipt, publish.
        let r = rig
            .post(
                &format!("{editor}/close"),
                &official,
                &[("version", "0"), ("reason", "Набрали голоса")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        service::seal(&rig.polls, &PollId::from_trusted(id.clone()))
            .await
            .unwrap_or_else(|e| panic!("seal: {e}"));
        let r = rig.get(&receipt_page, None).await;
        assert!(
            r.body.contains("✓ Ваш голос учтён в опубликованных итогах"),
            "{}",
            r.body
        );
        assert!(r.body.contains("id=\"published-root\""));
        let r = rig
            .post(
                &format!("{editor}/publish"),
                &official,
                &[("decision", "  ")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let r = rig
            .post(
                &format!("{editor}/publish"),
                &official,
                &[("decision", "Построим каток.\n\nОткрытие зимой.")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = rig.get(&page, None).await;
        assert!(r.body.contains("Что решил город") && r.body.contains("Построим каток."));
        let r = rig.get(&results, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(&format!("/api/v1/polls/{id}/ballots.csv")));
        assert!(r.body.contains("id=\"results-root\""));
        let r = rig.get("/me/points", Some(&anna)).await;
        assert!(r.body.contains("+25") && r.body.contains(&format!("href=\"/polls/{id}\"")));
        let r = rig.get("/official/polls", Some(&official)).await;
        assert!(r.body.contains(&format!("data-poll=\"{id}\"")));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_managers_edit_and_strangers_see_no_drafts() {
        let rig = Rig::start().await;
        let mine = rig
            .user(&[Role::Official], Some(&OrganisationId::generate()))
            .await;
        let other = rig
            .user(&[Role::Official], Some(&OrganisationId::generate()))
            .await;
        let admin = rig.user(&[Role::Admin], None).await;
        let r = rig
            .post("/official/polls/new", &mine, &[("title", "Двор")])
            .await;
        let editor = r.location.split('?').next().unwrap_or_default().to_string();
        assert_eq!(rig.get(&editor, Some(&other)).await.status, 404);
        assert_eq!(rig.get(&editor, Some(&admin)).await.status, 200);
        let r = rig.get("/official/polls", Some(&other)).await;
        assert!(!r.body.contains("Двор"), "{}", r.body);
        assert!(rig
            .get("/official/polls", Some(&admin))
            .await
            .body
            .contains("Двор"));
        assert_eq!(rig.get("/polls/not-a-poll", None).await.status, 404);
        assert_eq!(rig.get("/polls?cursor=%24%24", None).await.status, 400);
        // Deleting the draft goes back to the list.
        let r = rig
            .post(&format!("{editor}/delete"), &mine, &[("version", "1")])
            .await;
        assert_eq!(
            (r.status, r.location.as_str()),
            (303, "/official/polls?done=deleted")
        );
    }
}
