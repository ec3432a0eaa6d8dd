//! A poll's charts (bars per option, columns per hour, drawn by core's `web::chart`) and the
//! tables beside them.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use veche_core::web::chart::{self, Bar, BarChart};
use veche_core::web::i18n::Tr;
use veche_core::web::Html;

use crate::pages::common::{show_percent, votes_label};
use crate::views::{self, GroupRow, QuestionResult, Results};

/// The bar chart of `question`, one bar per option; `value` says an option's count and share
/// in words.
pub fn bar_chart(question: &QuestionResult, value: impl Fn(i64, f64) -> String) -> BarChart {
    let bars: Vec<Bar> = question
        .options
        .iter()
        .map(|o| Bar {
            key: o.id.clone(),
            label: o.text.clone(),
            count: o.votes,
            value: value(o.votes, o.percent),
        })
        .collect();
    chart::bar_chart(&format!("q-{}", question.id), &question.text, &bars)
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

pub(super) fn question_charts(tr: Tr<'_>, results: &Results) -> Vec<QuestionChart> {
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
                svg: chart::render(&chart),
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
