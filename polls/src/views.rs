//! What the API and the pages show of polls: shared view types, built from the model.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use veche_core::districts::Directory;
use veche_core::web::i18n::Lang;

use crate::model::{AgeBracket, Ballot, Choice, Poll, Status, Visibility};
use crate::rules::AudienceInput;
use crate::tally::{Cell, Counters};

/// A poll as residents and officials read it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PollView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub questions: Vec<QuestionView>,
    pub audience: AudienceView,
    #[serde(with = "time::serde::rfc3339::option")]
    pub opens_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closes_at: Option<OffsetDateTime>,
    pub points: u32,
    pub results_visibility: Visibility,
    /// "What the city decided" (published polls).
    pub decision: Option<String>,
    /// The Merkle root over every receipt, once the poll is sealed.
    pub root: Option<String>,
    /// Ballots counted at sealing.
    pub sealed_ballots: Option<u64>,
    /// Edits name this version (optimistic locking).
    pub version: u64,
    /// Questions can no longer change (the first ballot is in).
    pub frozen: bool,
    pub organisation_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QuestionView {
    pub id: String,
    pub text: String,
    /// `single` or `multiple`.
    pub kind: String,
    /// The most options a ballot may pick.
    pub max_choices: usize,
    pub required: bool,
    pub options: Vec<OptionView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OptionView {
    pub id: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AudienceView {
    /// Empty with `okrugs` empty: the whole city.
    pub districts: Vec<String>,
    pub okrugs: Vec<String>,
    pub verified_only: bool,
    pub min_age: Option<u8>,
}

impl From<AudienceInput> for AudienceView {
    /// An audience is shown as the API takes it.
    fn from(input: AudienceInput) -> AudienceView {
        AudienceView {
            districts: input.districts,
            okrugs: input.okrugs,
            verified_only: input.verified_only,
            min_age: input.min_age,
        }
    }
}

impl PollView {
    pub fn new(poll: &Poll, now: OffsetDateTime) -> PollView {
        PollView {
            id: poll.id.to_string(),
            title: poll.title.clone(),
            description: poll.description.clone(),
            status: poll.status(now),
            questions: poll
                .questions
                .iter()
                .map(|q| QuestionView {
                    id: q.id.to_string(),
                    text: q.text.clone(),
                    kind: match q.choice {
                        Choice::Single => "single".into(),
                        Choice::Multiple { .. } => "multiple".into(),
                    },
                    max_choices: q.choice.max(),
                    required: q.required,
                    options: q
                        .options
                        .iter()
                        .map(|o| OptionView {
                            id: o.id.to_string(),
                            text: o.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
            audience: AudienceInput::from(&poll.audience).into(),
            opens_at: poll.opens_at,
            closes_at: poll.closes_at,
            points: poll.points,
            results_visibility: poll.visibility,
            decision: poll.decision.clone(),
            root: poll.seal.as_ref().map(|s| s.root.clone()),
            sealed_ballots: poll.seal.as_ref().map(|s| s.ballots),
            version: poll.version,
            frozen: poll.frozen,
            organisation_id: poll.organisation_id.as_ref().map(|o| o.to_string()),
        }
    }
}

/// A ballot as its voter sees it (the receipt page, `GET …/ballot`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BallotView {
    pub poll_id: String,
    pub ballot_id: String,
    /// Keep it: it proves the ballot was counted.
    pub receipt: String,
    /// Question id → options chosen.
    pub answers: BTreeMap<String, Vec<String>>,
    pub points: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub cast_at: OffsetDateTime,
}

impl From<&Ballot> for BallotView {
    fn from(b: &Ballot) -> Self {
        BallotView {
            poll_id: b.poll_id.to_string(),
            ballot_id: b.id.to_string(),
            receipt: b.receipt.to_string(),
            answers: b.answer_map(),
            points: b.points,
            cast_at: b.cast_at,
        }
    }
}

/// A poll's results: totals per option, and breakdowns by district and age bracket in which a
/// cell of fewer than ten ballots reads "<10".
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Results {
    pub poll_id: String,
    pub title: String,
    pub status: Status,
    /// Final (the poll is sealed) or live.
    #[serde(rename = "final")]
    pub is_final: bool,
    pub ballots: i64,
    pub root: Option<String>,
    pub questions: Vec<QuestionResult>,
    pub districts: Vec<GroupRow>,
    pub age_brackets: Vec<GroupRow>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QuestionResult {
    pub id: String,
    pub text: String,
    pub options: Vec<OptionResult>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OptionResult {
    pub id: String,
    pub text: String,
    pub votes: i64,
    /// Share of all ballots, 0–100, one decimal.
    pub percent: f64,
}

/// One district or age bracket: its ballots and its votes per option (option id → count, or
/// "<10").
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub ballots: Cell,
    #[schema(value_type = Object)]
    pub options: BTreeMap<String, Cell>,
}

/// The districts the ballots came from, most ballots first, then by name: each id, its ballots
/// and its name (the id when the directory does not know it).
fn voting_districts<'a>(
    counts: &'a Counters,
    directory: &Directory,
    lang: Lang,
) -> Vec<(&'a str, i64, String)> {
    let mut districts: Vec<(&str, i64, String)> = counts
        .0
        .iter()
        .filter_map(|(k, n)| k.strip_prefix("d|").map(|d| (d, *n)))
        .map(|(d, n)| {
            let name = directory
                .district(d)
                .map(|x| x.name(lang).to_string())
                .unwrap_or_else(|| d.to_string());
            (d, n, name)
        })
        .collect();
    districts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
    districts
}

pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

impl Results {
    pub fn new(
        poll: &Poll,
        counts: &Counters,
        directory: &Directory,
        lang: Lang,
        now: OffsetDateTime,
    ) -> Results {
        let ballots = counts.ballots();
        let questions = poll
            .questions
            .iter()
            .map(|q| QuestionResult {
                id: q.id.to_string(),
                text: q.text.clone(),
                options: q
                    .options
                    .iter()
                    .map(|o| {
                        let votes = counts.get(&format!("o|{}", o.id));
                        OptionResult {
                            id: o.id.to_string(),
                            text: o.text.clone(),
                            votes,
                            percent: percent(votes, ballots),
                        }
                    })
                    .collect(),
            })
            .collect();
        let option_ids: Vec<String> = poll
            .questions
            .iter()
            .flat_map(|q| q.options.iter().map(|o| o.id.to_string()))
            .collect();
        let row = |prefix: &str, id: &str, name: String| GroupRow {
            id: id.to_string(),
            name,
            ballots: Cell::of(counts.get(&format!("{prefix}|{id}"))),
            options: option_ids
                .iter()
                .map(|o| {
                    (
                        o.clone(),
                        Cell::of(counts.get(&format!("{prefix}o|{id}|{o}"))),
                    )
                })
                .collect(),
        };
        let districts = voting_districts(counts, directory, lang)
            .into_iter()
            .map(|(d, _, name)| row("d", d, name))
            .collect();
        let age_brackets = AgeBracket::ALL
            .iter()
            .filter(|b| counts.get(&format!("a|{}", b.as_str())) > 0)
            .map(|b| row("a", b.as_str(), bracket_label(*b, lang)))
            .collect();
        Results {
            poll_id: poll.id.to_string(),
            title: poll.title.clone(),
            status: poll.status(now),
            is_final: poll.seal.is_some(),
            ballots,
            root: poll.seal.as_ref().map(|s| s.root.clone()),
            questions,
            districts,
            age_brackets,
        }
    }

    /// The results as CSV: one row per option and group (`total`, `district`, `age`).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "group_kind,group_id,group_name,question_id,question,option_id,option,votes\n",
        );
        let options: Vec<(&QuestionResult, &OptionResult)> = self
            .questions
            .iter()
            .flat_map(|q| q.options.iter().map(move |o| (q, o)))
            .collect();
        for (q, o) in &options {
            out.push_str(&csv_row(&[
                "total",
                "",
                "",
                &q.id,
                &q.text,
                &o.id,
                &o.text,
                &o.votes.to_string(),
            ]));
        }
        for (kind, rows) in [("district", &self.districts), ("age", &self.age_brackets)] {
            for row in rows {
                for (q, o) in &options {
                    let cell = row.options.get(&o.id).copied().unwrap_or(Cell::Hidden);
                    out.push_str(&csv_row(&[
                        kind,
                        &row.id,
                        &row.name,
                        &q.id,
                        &q.text,
                        &o.id,
                        &o.text,
                        &cell.to_string(),
                    ]));
                }
            }
        }
        out
    }
}

pub fn bracket_label(bracket: AgeBracket, lang: Lang) -> String {
    match (bracket, lang) {
        (AgeBracket::Under18, Lang::Ru) => "до 18".into(),
        (AgeBracket::Under18, Lang::En) => "under 18".into(),
        (AgeBracket::From65, Lang::Ru) => "65 и старше".into(),
        (AgeBracket::From65, Lang::En) => "65 and over".into(),
        (b, _) => b.as_str().replace('_', "–"),
    }
}

/// One CSV row (RFC 4180 quoting). A cell that a spreadsheet would run as a formula (starting
/// with `=`, `+`, `-`, `@`) is prefixed with an apostrophe.
pub fn csv_row(cells: &[&str]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let guarded;
        let cell = if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err() {
            guarded = format!("'{cell}");
            guarded.as_str()
        } else {
            cell
        };
        if cell.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(cell);
        }
    }
    line.push('\n');
    line
}

/// An official's live view of a poll.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub poll_id: String,
    pub status: Status,
    pub ballots: i64,
    /// Ballots per district, most first (exact: officials only).
    pub turnout: Vec<Turnout>,
    /// Ballots per hour (UTC), oldest first.
    pub per_hour: Vec<HourCount>,
    pub results: Results,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Turnout {
    pub district_id: String,
    pub name: String,
    pub ballots: i64,
    pub percent: f64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HourCount {
    /// The hour's start, RFC 3339 (UTC).
    pub hour: String,
    pub ballots: i64,
}

impl Dashboard {
    pub fn new(
        poll: &Poll,
        counts: &Counters,
        directory: &Directory,
        lang: Lang,
        now: OffsetDateTime,
    ) -> Dashboard {
        let ballots = counts.ballots();
        let turnout = voting_districts(counts, directory, lang)
            .into_iter()
            .map(|(d, n, name)| Turnout {
                district_id: d.to_string(),
                name,
                ballots: n,
                percent: percent(n, ballots),
            })
            .collect();
        let per_hour = counts
            .hours()
            .into_iter()
            .map(|(h, n)| HourCount {
                hour: format!(
                    "{}-{}-{}T{}:00:00Z",
                    h.get(0..4).unwrap_or(""),
                    h.get(4..6).unwrap_or(""),
                    h.get(6..8).unwrap_or(""),
                    h.get(8..10).unwrap_or("")
                ),
                ballots: n,
            })
            .collect();
        Dashboard {
            poll_id: poll.id.to_string(),
            status: poll.status(now),
            ballots,
            turnout,
            per_hour,
            results: Results::new(poll, counts, directory, lang, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(
            csv_row(&["a", "b,c", "say \"hi\""]),
            "a,\"b,c\",\"say \"\"hi\"\"\"\n"
        );
        assert_eq!(csv_row(&["=SUM(A1)", "-5"]), "'=SUM(A1),-5\n");
    }

    #[test]
    fn percentages_have_one_decimal() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(0, 0), 0.0);
    }
}
