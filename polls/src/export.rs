//! The public ballot export (JSON and CSV) and its check.
//!
//! Each ballot appears with its ballot id, receipt, answers, district and age bracket — never
//! the account, never the time. From the export alone anyone can recompute every receipt, the
//! Merkle root and every public count, and compare them with what the poll published
//! ([`check`]): removing, adding or changing a ballot shows.

use std::collections::{BTreeMap, BTreeSet};

use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::model::{hex, Poll, PublicBallot, Receipt};
use crate::service::{PollResult, Polls};
use crate::tally::{self, Counters};
use crate::verify::{self, ExportCheck};

pub const FORMAT: &str = "veche-ballots-v1";

/// The head of a JSON export: the poll and its questions (to check that every answer names a
/// real option).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExportQuestion {
    pub id: String,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JsonExport {
    pub format: String,
    pub poll_id: String,
    pub questions: Vec<ExportQuestion>,
    pub ballots: Vec<PublicBallot>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

fn questions(poll: &Poll) -> Vec<ExportQuestion> {
    poll.questions
        .iter()
        .map(|q| ExportQuestion {
            id: q.id.to_string(),
            options: q.options.iter().map(|o| o.id.to_string()).collect(),
        })
        .collect()
}

/// Ballots read from the store per chunk of the export.
const CHUNK: usize = 2000;

/// The export as a stream of text chunks, read from the store page by page (a poll of a
/// million ballots is never held in memory).
pub fn stream(
    polls: std::sync::Arc<Polls>,
    poll: Poll,
    format: Format,
) -> impl Stream<Item = PollResult<String>> + Send {
    enum State {
        Head,
        Page(Option<Receipt>, bool),
        Done,
    }
    futures::stream::unfold(State::Head, move |state| {
        let polls = polls.clone();
        let poll = poll.clone();
        async move {
            match state {
                State::Head => {
                    let head = match format {
                        Format::Json => {
                            let qs = serde_json::to_string(&questions(&poll)).unwrap_or_default();
                            format!(
                                "{{\"format\":\"{FORMAT}\",\"poll_id\":{},\"questions\":{qs},\"ballots\":[\n",
                                serde_json::Value::from(poll.id.as_str())
                            )
                        }
                        Format::Csv => csv_header(&poll),
                    };
                    Some((Ok(head), State::Page(None, true)))
                }
                State::Page(after, first) => {
                    let page = match polls
                        .store
                        .ballots_page(&poll.id, after.as_ref(), CHUNK)
                        .await
                    {
                        Ok(page) => page,
                        Err(e) => return Some((Err(e.into()), State::Done)),
                    };
                    let last = page.len() < CHUNK;
                    let mut text = String::new();
                    for (i, b) in page.iter().enumerate() {
                        let public = PublicBallot::from(b);
                        match format {
                            Format::Json => {
                                if !(first && i == 0) {
                                    text.push_str(",\n");
                                }
                                text.push_str(&serde_json::to_string(&public).unwrap_or_default());
                            }
                            Format::Csv => text.push_str(&csv_line(&poll, &public)),
                        }
                    }
                    let next_first = first && page.is_empty();
                    let next = if last {
                        if format == Format::Json {
                            text.push_str("\n]}\n");
                        }
                        State::Done
                    } else {
                        State::Page(page.last().map(|b| b.receipt.clone()), next_first)
                    };
                    Some((Ok(text), next))
                }
                State::Done => None,
            }
        }
    })
}

fn csv_header(poll: &Poll) -> String {
    let mut line = String::from("poll_id,ballot_id,receipt,district,age_bracket");
    for q in &poll.questions {
        line.push(',');
        line.push_str(q.id.as_str());
    }
    line.push('\n');
    line
}

fn csv_line(poll: &Poll, b: &PublicBallot) -> String {
    let mut line = format!(
        "{},{},{},{},{}",
        poll.id, b.ballot_id, b.receipt, b.district, b.age_bracket
    );
    for q in &poll.questions {
        line.push(',');
        if let Some(options) = b.answers.get(q.id.as_str()) {
            line.push_str(&options.join(";"));
        }
    }
    line.push('\n');
    line
}

/// An export read back: the poll id, its questions when the format names them, the ballots.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub poll_id: String,
    pub questions: Option<Vec<ExportQuestion>>,
    pub ballots: Vec<PublicBallot>,
}

/// Reads a JSON or CSV export (told apart by the first character).
pub fn parse(text: &str) -> Result<Parsed, String> {
    if text.trim_start().starts_with('{') {
        let export: JsonExport =
            serde_json::from_str(text).map_err(|e| format!("not a ballot export: {e}"))?;
        if export.format != FORMAT {
            return Err(format!("unknown export format {:?}", export.format));
        }
        return Ok(Parsed {
            poll_id: export.poll_id,
            questions: Some(export.questions),
            ballots: export.ballots,
        });
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("the file is empty")?
        .trim_end_matches('\r')
        .split(',')
        .collect();
    let fixed = ["poll_id", "ballot_id", "receipt", "district", "age_bracket"];
    if header.len() < fixed.len() || header[..fixed.len()] != fixed {
        return Err(format!(
            "not a ballot export: the CSV header must start with {}",
            fixed.join(",")
        ));
    }
    let question_ids = &header[fixed.len()..];
    let mut poll_id: Option<String> = None;
    let mut ballots = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line.contains('"') {
            return Err(format!(
                "line {}: quotes are not expected in a ballot export",
                n + 2
            ));
        }
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != header.len() {
            return Err(format!(
                "line {}: {} cells, the header has {}",
                n + 2,
                cells.len(),
                header.len()
            ));
        }
        match &poll_id {
            None => poll_id = Some(cells[0].to_string()),
            Some(p) if p != cells[0] => {
                return Err(format!(
                    "line {}: a ballot of another poll ({})",
                    n + 2,
                    cells[0]
                ))
            }
            Some(_) => {}
        }
        let answers: BTreeMap<String, Vec<String>> = question_ids
            .iter()
            .zip(&cells[fixed.len()..])
            .filter(|(_, v)| !v.is_empty())
            .map(|(q, v)| (q.to_string(), v.split(';').map(str::to_string).collect()))
            .collect();
        ballots.push(PublicBallot {
            ballot_id: cells[1].to_string(),
            receipt: cells[2].to_string(),
            answers,
            district: cells[3].to_string(),
            age_bracket: cells[4].to_string(),
        });
    }
    Ok(Parsed {
        poll_id: poll_id.unwrap_or_default(),
        questions: None,
        ballots,
    })
}

/// Recomputes receipts, the root and the counts from an export.
pub fn recompute(parsed: &Parsed) -> ExportCheck {
    let mut check = ExportCheck {
        ballots: parsed.ballots.len() as u64,
        ..ExportCheck::default()
    };
    let known: Option<BTreeMap<&str, BTreeSet<&str>>> = parsed.questions.as_ref().map(|qs| {
        qs.iter()
            .map(|q| {
                (
                    q.id.as_str(),
                    q.options.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    });
    let mut receipts = Vec::with_capacity(parsed.ballots.len());
    let mut seen_receipts = BTreeSet::new();
    let mut seen_ids = BTreeSet::new();
    let mut counters = Counters::default();
    for b in &parsed.ballots {
        let computed = verify::receipt_of_pairs(
            &parsed.poll_id,
            &b.ballot_id,
            b.answers
                .iter()
                .map(|(q, os)| (q.as_str(), os.iter().map(String::as_str).collect())),
        );
        let stated = Receipt::parse(&b.receipt);
        if stated.as_ref() != Some(&computed) {
            check.bad_receipts.push(b.ballot_id.clone());
        }
        if !seen_receipts.insert(b.receipt.clone()) {
            check.duplicates.push(b.receipt.clone());
        }
        if !seen_ids.insert(b.ballot_id.clone()) {
            check.duplicates.push(b.ballot_id.clone());
        }
        if let Some(known) = &known {
            let fits = b.answers.iter().all(|(q, os)| {
                known
                    .get(q.as_str())
                    .is_some_and(|opts| os.iter().all(|o| opts.contains(o.as_str())))
            });
            if !fits {
                check.unknown_choices.push(b.ballot_id.clone());
            }
        }
        for key in tally::public_keys(
            &b.district,
            &b.age_bracket,
            b.answers.values().flatten().map(String::as_str),
        ) {
            counters.add(&key, 1);
        }
        // The receipt as stated goes into the tree: a ballot whose receipt was replaced moves
        // the root as well as failing its own check.
        receipts.push(verify::Entry {
            receipt: stated.unwrap_or_else(|| Receipt::from_trusted(b.receipt.clone())),
            district: b.district.clone(),
            age_bracket: b.age_bracket.clone(),
        });
    }
    check.root = hex(&verify::root(&receipts));
    check.counters = counters;
    check
}

/// What was published for a poll: the root, the number of ballots and the counts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Published {
    pub poll_id: String,
    pub root: String,
    pub ballots: u64,
    pub counters: Counters,
}

/// The verdict on an export: empty `problems` means it matches what was published.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    pub ballots: u64,
    pub root: String,
    pub problems: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks an export against what was published.
pub fn check(parsed: &Parsed, published: &Published) -> Verdict {
    let found = recompute(parsed);
    let mut problems = Vec::new();
    if parsed.poll_id != published.poll_id {
        problems.push(format!(
            "the export is of poll {}, not {}",
            parsed.poll_id, published.poll_id
        ));
    }
    if !found.bad_receipts.is_empty() {
        problems.push(format!(
            "{} ballot(s) do not match their receipt (changed after voting): {}",
            found.bad_receipts.len(),
            sample(&found.bad_receipts)
        ));
    }
    if !found.duplicates.is_empty() {
        problems.push(format!(
            "{} receipt(s) or ballot id(s) appear twice: {}",
            found.duplicates.len(),
            sample(&found.duplicates)
        ));
    }
    if !found.unknown_choices.is_empty() {
        problems.push(format!(
            "{} ballot(s) name a question or option the poll does not have: {}",
            found.unknown_choices.len(),
            sample(&found.unknown_choices)
        ));
    }
    if found.ballots != published.ballots {
        problems.push(format!(
            "{} ballots in the export, {} published",
            found.ballots, published.ballots
        ));
    }
    if found.root != published.root {
        problems.push(format!(
            "the Merkle root of the export is {}, the published root is {}",
            found.root, published.root
        ));
    }
    let diff = found.count_differences(&published.counters);
    if !diff.is_empty() {
        let shown: Vec<String> = diff
            .iter()
            .take(5)
            .map(|(k, (mine, theirs))| format!("{k}: export {mine}, published {theirs}"))
            .collect();
        problems.push(format!(
            "{} count(s) differ from the published results: {}",
            diff.len(),
            shown.join("; ")
        ));
    }
    Verdict {
        ballots: found.ballots,
        root: found.root,
        problems,
    }
}

fn sample(items: &[String]) -> String {
    let mut shown: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
    if items.len() > 3 {
        shown.push("…");
    }
    shown.join(", ")
}
