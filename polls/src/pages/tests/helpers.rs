//! Charts, times, texts and the catalogs' keys.

use time::OffsetDateTime;

use veche_core::clock;
use veche_core::testing::keys_named;
use veche_core::web::i18n::{Lang, Tr};

use super::catalog;
use crate::model::{PollId, Status};
use veche_core::web::chart::{
    column_chart, render as render_chart, BAR_HEIGHT, BAR_ROW, COLUMNS_BASE, COLUMNS_TOP, LABEL_MAX,
};
use veche_core::web::show::truncate;

use crate::pages::charts::{bar_chart, fill_hours};
use crate::pages::common::{
    moscow_input_value, paragraphs, parse_moscow_time, show_percent, BadInput, DONE,
};
use crate::pages::points::{parse_points_cursor, points_cursor};
use crate::rules::Ineligible;
use crate::views::{self, OptionResult, QuestionResult};

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
    assert!(svg.contains(r#"width="33.33%""#) && svg.contains(r#"data-count="1""#));
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

#[test]
fn texts_are_split_and_numbers_written_per_language() {
    assert_eq!(
        paragraphs("Первый\r\nвторой\n\n\nТретий\n"),
        [vec!["Первый", "второй"], vec!["Третий"]]
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
        // Every source file of the pages (the keys they name), then the templates.
        include_str!("../mod.rs"),
        include_str!("../common.rs"),
        include_str!("../charts.rs"),
        include_str!("../list.rs"),
        include_str!("../poll.rs"),
        include_str!("../receipts.rs"),
        include_str!("../results.rs"),
        include_str!("../maps.rs"),
        include_str!("../points.rs"),
        include_str!("../official.rs"),
        include_str!("../editor/mod.rs"),
        include_str!("../editor/edits.rs"),
        include_str!("../editor/page.rs"),
        include_str!("../editor/submit.rs"),
        include_str!("../dashboard.rs"),
        include_str!("../tests/mod.rs"),
        include_str!("../tests/helpers.rs"),
        include_str!("../tests/edits.rs"),
        include_str!("../tests/flows.rs"),
        include_str!("../../../templates/polls_list.html"),
        include_str!("../../../templates/poll.html"),
        include_str!("../../../templates/receipt.html"),
        include_str!("../../../templates/results.html"),
        include_str!("../../../templates/results_hidden.html"),
        include_str!("../../../templates/points.html"),
        include_str!("../../../templates/official_list.html"),
        include_str!("../../../templates/poll_new.html"),
        include_str!("../../../templates/editor.html"),
        include_str!("../../../templates/dashboard.html"),
        include_str!("../../../templates/question_charts.html"),
        include_str!("../../../templates/decision.html"),
    ];
    // `id="polls-open"` is an element id, not a key.
    let mut keys = keys_named(&sources, "\"polls-", |before| before.ends_with('='));
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
        let text = DONE.message(
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
    for (lang, key, count, want) in [
        (Lang::Ru, "polls-votes", 3, "3 голоса"),
        (Lang::Ru, "polls-votes", 11, "11 голосов"),
        (Lang::En, "polls-votes", 1, "1 vote"),
        (
            Lang::Ru,
            "polls-pick-up-to",
            2,
            "Можно выбрать до 2 вариантов",
        ),
    ] {
        assert_eq!(
            catalog.t_args(lang, key, &[("count", count.into())]),
            want,
            "{key} {count}"
        );
    }
}
