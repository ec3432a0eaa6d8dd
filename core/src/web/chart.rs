//! SVG charts drawn on the server: bars (a count per option, category or district) and
//! columns (a count per period). No script: a chart is markup in the page, with a `<title>`
//! that says every number, and the page shows the same numbers as a table beside it.

use askama::Template;

use crate::web::html::Html;
use crate::web::show::truncate;

//
// The charts have no `viewBox`: they are `width="100%"` with a height in pixels, and lay out
// horizontally in percentages. So text keeps its size in pixels — readable on a 360 px phone,
// not enormous on a desktop — while the bars and columns stretch with the page.

/// Height of one option's row in a bar chart: a label line, then the bar.
pub const BAR_ROW: u32 = 52;
pub const BAR_HEIGHT: u32 = 20;
/// Longest label drawn in a chart (the table beside it and the chart's title have it whole).
pub const LABEL_MAX: usize = 38;
/// From this share of the width on, a bar's value is written inside the bar.
const VALUE_INSIDE: f64 = 50.0;

/// Counts as horizontal bars: one row each, the bar's width proportional to the count (the
/// largest fills the width).
#[derive(Template)]
#[template(path = "chart_bars.html")]
pub struct BarChart {
    pub id: String,
    /// What a screen reader says: the chart's subject and every bar's value.
    pub title: String,
    pub height: u32,
    pub bar_height: u32,
    pub rows: Vec<BarRow>,
}

pub struct BarRow {
    pub key: String,
    pub label: String,
    pub value: String,
    pub count: i64,
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

/// One bar of a [`BarChart`].
pub struct Bar {
    /// A stable key (an option's or a category's id), in `data-key`.
    pub key: String,
    /// What the bar stands for (cut to [`LABEL_MAX`] in the chart).
    pub label: String,
    pub count: i64,
    /// The count as the page says it (`12 votes (40 %)`).
    pub value: String,
}

/// Builds a bar chart, one row per bar in the given order; `title` opens what a screen reader
/// says, followed by every bar's label and value.
pub fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> BarChart {
    let most = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let rows: Vec<BarRow> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let top = i as u32 * BAR_ROW;
            let width = if most > 0 && b.count > 0 {
                // A single vote among a million still shows as a sliver.
                (b.count as f64 * 100.0 / most as f64).clamp(0.5, 100.0)
            } else {
                0.0
            };
            let inside = width >= VALUE_INSIDE;
            BarRow {
                key: b.key.clone(),
                label: truncate(&b.label, LABEL_MAX),
                value: b.value.clone(),
                count: b.count,
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
    let summary: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect();
    BarChart {
        id: id.to_string(),
        title: format!("{title} — {}", summary.join("; ")),
        height: (rows.len() as u32 * BAR_ROW).max(BAR_ROW),
        bar_height: BAR_HEIGHT,
        rows,
    }
}

/// A count per period as vertical columns (ballots per hour, reports per day).
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
pub const COLUMNS_BASE: u32 = 180;
/// Room above the tallest column (for the scale's label).
pub const COLUMNS_TOP: u32 = 22;

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

/// A chart's markup (empty, and logged, should its template fail).
pub fn render<T: Template>(chart: &T) -> Html {
    Html::render(chart).unwrap_or_else(|e| {
        tracing::error!(error = %e, "chart rendering");
        Html::default()
    })
}
