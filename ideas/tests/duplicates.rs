//! The duplicate finder on a labelled set of idea pairs written as residents write them
//! (`data/duplicates.tsv`): 50 pairs that ask for the same thing in other words, and
//! 50 look-alikes (often the same place) that ask for something else.
//!
//! A second set (`data/heldout.tsv`, 25 and 25) was written after the tuning and never
//! used for it.
//!
//! Precision and recall are measured at the threshold the moderation queue uses
//! ([`similar::LIKELY`]); candidate recall is whether the indexed lookup (exact key or a shared
//! band key) would find the pair at all, before scoring.

use veche_ideas::similar::{self, Corpus, Fingerprint};

/// What the held-out set measured when it was written (precision 0.842, recall 0.640): the
/// finder must not fall below it. Its recall is well short of the tuned set's 0.92: synonyms
/// the tables do not know («кусты» / «кустарник», «навес» / «крыша») are the most missed.
const HELD_OUT_PRECISION: f64 = 0.84;
const HELD_OUT_RECALL: f64 = 0.64;

struct Pair {
    duplicate: bool,
    a: Fingerprint,
    b: Fingerprint,
    line: String,
}

fn pairs(data: &str) -> Vec<Pair> {
    let mut out = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), 5, "line {}: {line}", n + 1);
        let duplicate = match cells[0] {
            "dup" => true,
            "diff" => false,
            other => panic!("line {}: label {other}", n + 1),
        };
        out.push(Pair {
            duplicate,
            a: Fingerprint::of(cells[1], cells[2]),
            b: Fingerprint::of(cells[3], cells[4]),
            line: format!("{}: {} | {}", n + 1, cells[1], cells[3]),
        });
    }
    out
}

fn candidates(a: &Fingerprint, b: &Fingerprint) -> bool {
    a.exact == b.exact || a.bands.iter().any(|k| b.bands.contains(k))
}

/// What the finder gets right on a set: precision, recall and candidate recall at the queue's
/// threshold, and the pairs it got wrong.
struct Measured {
    duplicates: usize,
    look_alikes: usize,
    precision: f64,
    recall: f64,
    candidate_recall: f64,
    misses: Vec<String>,
}

fn measure(data: &str) -> Measured {
    let pairs = pairs(data);
    // The project's ideas: every idea of the set.
    let mut corpus = Corpus::default();
    for p in &pairs {
        corpus.add(&p.a);
        corpus.add(&p.b);
    }
    let dups = pairs.iter().filter(|p| p.duplicate).count();
    let (mut tp, mut fp, mut fn_, mut found_as_candidates) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for p in &pairs {
        let candidate = candidates(&p.a, &p.b);
        let score = similar::score(&p.a, &p.b, &corpus);
        // What the moderator is shown: a candidate that scores as likely.
        let shown = candidate && score >= similar::LIKELY;
        match (p.duplicate, shown) {
            (true, true) => tp += 1,
            (true, false) => {
                fn_ += 1;
                misses.push(format!("missed {score:.2} cand={candidate} {}", p.line));
            }
            (false, true) => {
                fp += 1;
                misses.push(format!("false {score:.2} {}", p.line));
            }
            (false, false) => {}
        }
        if p.duplicate && candidate {
            found_as_candidates += 1;
        }
    }
    let m = Measured {
        duplicates: dups,
        look_alikes: pairs.len() - dups,
        precision: tp as f64 / (tp + fp).max(1) as f64,
        recall: tp as f64 / (tp + fn_).max(1) as f64,
        candidate_recall: found_as_candidates as f64 / dups.max(1) as f64,
        misses,
    };
    println!(
        "{} duplicates, {} look-alikes: precision {:.3}, recall {:.3}, candidate recall {:.3}\n{}",
        m.duplicates,
        m.look_alikes,
        m.precision,
        m.recall,
        m.candidate_recall,
        m.misses.join("\n")
    );
    m
}

/// The set the weights and the threshold were chosen on.
#[test]
fn the_labelled_set_is_found_with_precision_and_recall_of_at_least_0_9() {
    let m = measure(include_str!("../data/duplicates.tsv"));
    assert!(m.duplicates >= 50 && m.look_alikes >= 50);
    let misses = m.misses.join("\n");
    assert!(m.precision >= 0.9, "precision {:.3}\n{misses}", m.precision);
    assert!(m.recall >= 0.9, "recall {:.3}\n{misses}", m.recall);
}

/// Pairs written after the tuning and never used for it: what a new project can expect.
#[test]
fn the_held_out_set_is_found_too() {
    let m = measure(include_str!("../data/heldout.tsv"));
    assert!(m.duplicates >= 25 && m.look_alikes >= 25);
    let misses = m.misses.join("\n");
    assert!(
        m.precision >= HELD_OUT_PRECISION,
        "precision {:.3}\n{misses}",
        m.precision
    );
    assert!(
        m.recall >= HELD_OUT_RECALL,
        "recall {:.3}\n{misses}",
        m.recall
    );
}
