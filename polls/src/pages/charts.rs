//! The SVG charts (bars per option, columns per hour) and the tables beside them.

use std::collections::BTreeMap;

use askama::Template;
use time::OffsetDateTime;

use veche_core::web::i18n::Tr;
use veche_core::web::Html;

use crate::pages::common::{show_percent, truncate, votes_label};
use crate::views::{self, GroupRow, QuestionResult, Results};

//
// The charts have no `viewBox`: they are `width="100%"` with a height in pixels, and lay out
// horizontally in percentages. So text keeps its size in pixels — readable on a 360 px phone,
// not enormous on a desktop — while the bars and columns stretch with the page.

/// Height of one option's row in a bar chart: a label line, then the bar.
pub(super) const BAR_ROW: u32 = 52;
pub(super) const BAR_HEIGHT: u32 = 20;
/// Longest label drawn in a chart (the table beside it and the chart's title have it whole).
pub(super) const LABEL_MAX: usize = 38;
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
pub(super) const COLUMNS_BASE: u32 = 180;
/// Room above the tallest column (for the scale's label).
pub(super) const COLUMNS_TOP: u32 = 22;

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

pub(super) fn render_chart<T: Template>(chart: &T) -> Html {
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
