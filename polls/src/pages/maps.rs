//! The results' maps beside the by-district table: ballots by district, and each question's
//! leading option by district.
//!
//! A map shows no more than the table: it reads the same cells ([`Cell`], hidden below
//! [`crate::tally::MIN_CELL`] by [`Results::new`]). A district whose ballots are hidden is
//! drawn "suppressed", with its name alone; a leader is drawn only from shown cells, so a
//! district whose every option is hidden is suppressed too.

use veche_core::districts::map::{district_areas, DistrictLook};
use veche_core::districts::{Boundaries, Directory};
use veche_core::web::i18n::Tr;
use veche_core::web::map::{self, Fill, LegendEntry, Scale};
use veche_core::web::Html;

use crate::pages::common::votes_label;
use crate::tally::Cell;
use crate::views::{GroupRow, QuestionResult, Results};

/// One map and its heading.
pub struct ResultsMap {
    pub heading: String,
    pub svg: Html,
}

/// The maps of `results`: none when no district has ballots or no district has a boundary.
pub fn results_maps(
    tr: Tr<'_>,
    results: &Results,
    boundaries: &Boundaries,
    directory: &Directory,
) -> Vec<ResultsMap> {
    if results.districts.is_empty() || boundaries.is_empty() {
        return Vec::new();
    }
    let mut maps = vec![ballots_map(tr, results, boundaries, directory)];
    maps.extend(
        results
            .questions
            .iter()
            .map(|q| leader_map(tr, results, q, boundaries, directory)),
    );
    maps
}

fn row<'a>(results: &'a Results, district: &str) -> Option<&'a GroupRow> {
    results.districts.iter().find(|r| r.id == district)
}

fn ballots_map(
    tr: Tr<'_>,
    results: &Results,
    boundaries: &Boundaries,
    directory: &Directory,
) -> ResultsMap {
    let shown: Vec<i64> = results
        .districts
        .iter()
        .filter_map(|r| match r.ballots {
            Cell::Count(n) => Some(n),
            Cell::Hidden => None,
        })
        .collect();
    let scale = Scale::quantiles(&shown, 5);
    let areas = district_areas(boundaries, directory, tr.lang, |_, id| {
        match (row(results, id).map(|r| r.ballots), &scale) {
            (Some(Cell::Count(n)), Some(scale)) => DistrictLook {
                fill: Fill::Bucket(scale.bucket(n)),
                note: Some(votes_label(tr, n)),
                href: None,
            },
            (Some(_), _) => suppressed(),
            (None, _) => DistrictLook::no_data(),
        }
    });
    let heading = tr.t("polls-map-ballots");
    let outlines = boundaries.outlines();
    let svg = map::render(
        tr,
        &map::Map {
            id: "ballots",
            title: heading.clone(),
            outlines: &outlines,
            areas,
            points: Vec::new(),
            cluster_href: None,
            legend: scale.map(|s| s.legend()).unwrap_or_default(),
        },
    );
    ResultsMap { heading, svg }
}

fn suppressed() -> DistrictLook {
    DistrictLook {
        fill: Fill::Suppressed,
        note: None,
        href: None,
    }
}

/// What leads a district in `question`, from the shown cells only: the option (its index in
/// the question) and its votes, or a tie, or nothing shown.
#[derive(Debug, PartialEq, Eq)]
pub enum Lead {
    Option(usize, i64),
    Tie(i64),
    Hidden,
}

pub fn lead(row: &GroupRow, question: &QuestionResult) -> Lead {
    if row.ballots == Cell::Hidden {
        return Lead::Hidden;
    }
    let shown: Vec<(usize, i64)> = question
        .options
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match row.options.get(&o.id) {
            Some(Cell::Count(n)) => Some((i, *n)),
            _ => None,
        })
        .collect();
    let Some(most) = shown.iter().map(|(_, n)| *n).max() else {
        return Lead::Hidden;
    };
    let mut leaders = shown.iter().filter(|(_, n)| *n == most);
    match (leaders.next(), leaders.next()) {
        (Some((i, n)), None) => Lead::Option(*i, *n),
        _ => Lead::Tie(most),
    }
}

fn leader_map(
    tr: Tr<'_>,
    results: &Results,
    question: &QuestionResult,
    boundaries: &Boundaries,
    directory: &Directory,
) -> ResultsMap {
    let mut tie = false;
    let areas = district_areas(boundaries, directory, tr.lang, |_, id| {
        let Some(row) = row(results, id) else {
            return DistrictLook::no_data();
        };
        match lead(row, question) {
            Lead::Option(i, n) => DistrictLook {
                fill: Fill::Category(i),
                note: Some(format!(
                    "{} ({})",
                    question.options[i].text,
                    votes_label(tr, n)
                )),
                href: None,
            },
            Lead::Tie(n) => {
                tie = true;
                DistrictLook {
                    fill: Fill::Tie,
                    note: Some(format!(
                        "{} ({})",
                        tr.t("polls-map-tie"),
                        votes_label(tr, n)
                    )),
                    href: None,
                }
            }
            Lead::Hidden => suppressed(),
        }
    });
    let mut legend: Vec<LegendEntry> = question
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| LegendEntry {
            fill: Fill::Category(i),
            label: o.text.clone(),
        })
        .collect();
    if tie {
        legend.push(LegendEntry {
            fill: Fill::Tie,
            label: tr.t("polls-map-tie"),
        });
    }
    let heading = tr.t1("polls-map-leader", "question", &question.text);
    let outlines = boundaries.outlines();
    let svg = map::render(
        tr,
        &map::Map {
            id: &format!("leader-{}", question.id),
            title: heading.clone(),
            outlines: &outlines,
            areas,
            points: Vec::new(),
            cluster_href: None,
            legend,
        },
    );
    ResultsMap { heading, svg }
}
