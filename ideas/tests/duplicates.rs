//! The duplicate finder on a labelled set of idea pairs written as residents write them
//! (`tests/data/duplicates.tsv`): 50 pairs that ask for the same thing in other words, and
//! 50 look-alikes (often the same place) that ask for something else.
//!
//! Precision and recall are measured at the threshold the moderation queue uses
//! ([`similar::LIKELY`]); candidate recall is whether the indexed lookup (exact key or a shared
//! band key) would find the pair at all, before scoring.

use veche_ideas::similar::{self, Corpus, Fingerprint};

struct Pair {
    duplicate: bool,
    a: Fingerprint,
    b: Fingerprint,
    line: String,
}

fn pairs() -> Vec<Pair> {
    let data = include_str!("data/duplicates.tsv");
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

#[test]
fn the_labelled_set_is_found_with_precision_and_recall_of_at_least_0_9() {
    let pairs = pairs();
    let dups = pairs.iter().filter(|p| p.duplicate).count();
    let diffs = pairs.len() - dups;
    assert!(
        dups >= 50 && diffs >= 50,
        "{dups} duplicates, {diffs} look-alikes"
    );

    // The project's ideas: every idea of the set.
    let mut corpus = Corpus::default();
    for p in &pairs {
        corpus.add(&p.a);
        corpus.add(&p.b);
    }
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
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let candidate_recall = found_as_candidates as f64 / dups as f64;
    println!(
        "labelled set: {dups} duplicates, {diffs} look-alikes; precision {precision:.3}, \
         recall {recall:.3}, candidate recall {candidate_recall:.3}\n{}",
        misses.join("\n")
    );
    assert!(
        precision >= 0.9,
        "precision {precision:.3}\n{}",
        misses.join("\n")
    );
    assert!(recall >= 0.9, "recall {recall:.3}\n{}", misses.join("\n"));
}
