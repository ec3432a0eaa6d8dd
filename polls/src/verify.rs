//! What makes a poll verifiable: ballot receipts, the Merkle tree over them, inclusion proofs,
//! and the check of a public ballot export against the published root and counts.
//!
//! Everything here is public and deterministic, so anyone can redo it from the export alone:
//!
//! - **Receipt** = blake3 of `veche-ballot-v1`, the poll id, the ballot id and the answers in a
//!   canonical form (questions sorted by id, each with its options sorted by id).
//! - **Leaves** are the ballots sorted by receipt. A leaf hashes as
//!   `blake3(0x00 ‖ receipt ‖ district ‖ 0x00 ‖ age bracket)`, so the root also fixes each
//!   ballot's district and age bracket (which the receipt, made at voting, does not hold); a node
//!   hashes as `blake3(0x01 ‖ left ‖ right)` (the prefixes keep a leaf from passing for a node).
//!   On a level with an odd count the last node moves up unchanged. The root of no ballots is
//!   `blake3("")`.
//! - The server keeps the sorted leaves in blocks of [`BLOCK`] (a power of two), so a proof needs
//!   one block and the block roots, not the whole tree. Because blocks are aligned powers of two,
//!   the tree built block by block is the same tree as the one built from all leaves at once.

use std::collections::BTreeMap;

use crate::model::{hex, Answer, Receipt};
use crate::tally::Counters;

/// Leaves per stored block of the tree.
pub const BLOCK: usize = 1024;

/// The receipt of a ballot.
pub fn receipt(poll_id: &str, ballot_id: &str, answers: &[Answer]) -> Receipt {
    let pairs: Vec<(&str, Vec<&str>)> = answers
        .iter()
        .map(|a| {
            (
                a.question.as_str(),
                a.options.iter().map(|o| o.as_str()).collect(),
            )
        })
        .collect();
    receipt_of_pairs(poll_id, ballot_id, pairs)
}

/// The receipt from plain strings (what an export holds).
pub fn receipt_of_pairs<'a>(
    poll_id: &str,
    ballot_id: &str,
    answers: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
) -> Receipt {
    let mut sorted: Vec<(&str, Vec<&str>)> = answers
        .into_iter()
        .map(|(q, mut options)| {
            options.sort_unstable();
            (q, options)
        })
        .collect();
    sorted.sort_unstable();
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"veche-ballot-v1\n");
    hasher.update(poll_id.as_bytes());
    hasher.update(b"\n");
    hasher.update(ballot_id.as_bytes());
    hasher.update(b"\n");
    for (question, options) in sorted {
        hasher.update(question.as_bytes());
        hasher.update(b":");
        hasher.update(options.join(",").as_bytes());
        hasher.update(b"\n");
    }
    Receipt::from_hash(hasher.finalize())
}

pub type Hash = [u8; 32];

/// One leaf of a poll's tree: a ballot's receipt with its district and age bracket.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    #[serde(rename = "r")]
    pub receipt: Receipt,
    #[serde(rename = "d")]
    pub district: String,
    #[serde(rename = "a")]
    pub age_bracket: String,
}

impl Entry {
    pub fn of(ballot: &crate::model::Ballot) -> Entry {
        Entry {
            receipt: ballot.receipt.clone(),
            district: ballot.district_id.to_string(),
            age_bracket: ballot.age_bracket.as_str().to_string(),
        }
    }

    pub fn leaf(&self) -> Hash {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[0]);
        hasher.update(&self.receipt.bytes());
        hasher.update(self.district.as_bytes());
        hasher.update(&[0]);
        hasher.update(self.age_bracket.as_bytes());
        *hasher.finalize().as_bytes()
    }
}

pub fn node(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[1]);
    hasher.update(left);
    hasher.update(right);
    *hasher.finalize().as_bytes()
}

pub fn empty_root() -> Hash {
    *blake3::hash(b"").as_bytes()
}

/// The next level up: pairs hashed, an odd last node carried up unchanged.
fn level_up(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => node(left, right),
            [only] => *only,
            _ => unreachable!("chunks(2) yields one or two"),
        })
        .collect()
}

/// The root over `nodes` (already hashed leaves or block roots).
pub fn root_of(mut level: Vec<Hash>) -> Hash {
    if level.is_empty() {
        return empty_root();
    }
    while level.len() > 1 {
        level = level_up(&level);
    }
    level[0]
}

/// Which side the sibling is on.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
}

/// One step of an inclusion proof: hash with this sibling, on this side.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Step {
    pub side: Side,
    /// The sibling's hash, hex.
    pub hash: String,
}

/// The path from `index` in `level` to the root of `level`.
pub fn path(mut level: Vec<Hash>, mut index: usize) -> Vec<Step> {
    let mut steps = Vec::new();
    while level.len() > 1 {
        let sibling = index ^ 1;
        if sibling < level.len() {
            steps.push(Step {
                side: if sibling < index {
                    Side::Left
                } else {
                    Side::Right
                },
                hash: hex(&level[sibling]),
            });
        }
        level = level_up(&level);
        index /= 2;
    }
    steps
}

/// The root a ballot's entry and its proof lead to (`None` when a step's hash is not 64 hex
/// digits).
pub fn fold_proof(entry: &Entry, steps: &[Step]) -> Option<Hash> {
    let mut hash = entry.leaf();
    for step in steps {
        let sibling = parse_hash(&step.hash)?;
        hash = match step.side {
            Side::Left => node(&sibling, &hash),
            Side::Right => node(&hash, &sibling),
        };
    }
    Some(hash)
}

/// Whether the proof takes the ballot's entry to the published root.
pub fn check_proof(entry: &Entry, steps: &[Step], root_hex: &str) -> bool {
    fold_proof(entry, steps).is_some_and(|h| hex(&h) == root_hex)
}

pub fn parse_hash(raw: &str) -> Option<Hash> {
    if raw.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(raw.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The tree of a sealed poll as the server keeps it: the sorted receipts in blocks, each
/// block's root, and the first receipt of each block (to find a receipt's block).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blocks {
    pub roots: Vec<Hash>,
    pub firsts: Vec<Receipt>,
}

impl Blocks {
    pub fn root(&self) -> Hash {
        root_of(self.roots.clone())
    }

    /// The block that would hold `receipt` (by the first receipts, which are sorted).
    pub fn block_of(&self, receipt: &Receipt) -> Option<usize> {
        match self.firsts.binary_search(receipt) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }

    /// The proof of `receipt`, given the entries of its block; `None` when it is not there.
    pub fn proof(&self, block: usize, entries: &[Entry], receipt: &Receipt) -> Option<Vec<Step>> {
        let at = entries.binary_search_by(|e| e.receipt.cmp(receipt)).ok()?;
        let leaves = entries.iter().map(Entry::leaf).collect();
        let mut steps = path(leaves, at);
        steps.extend(path(self.roots.clone(), block));
        Some(steps)
    }
}

/// The root of one block's entries (sorted by receipt).
pub fn block_root(entries: &[Entry]) -> Hash {
    root_of(entries.iter().map(Entry::leaf).collect())
}

/// The root over all entries (any order: they are sorted by receipt here).
pub fn root(entries: &[Entry]) -> Hash {
    let mut sorted = entries.to_vec();
    sorted.sort_unstable();
    root_of(sorted.iter().map(Entry::leaf).collect())
}

/// What checking an export found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportCheck {
    pub ballots: u64,
    /// Ballots whose receipt is not the hash of their own contents (changed answers, ballot id
    /// or poll), by ballot id. A changed district or age bracket is not in the receipt: the root
    /// (whose leaves hold them) and the counts show it.
    pub bad_receipts: Vec<String>,
    /// Receipts or ballot ids that appear more than once.
    pub duplicates: Vec<String>,
    /// Ballots naming a question or option the poll does not have.
    pub unknown_choices: Vec<String>,
    /// The root recomputed from the export.
    pub root: String,
    /// The counts recomputed from the export (the public ones: totals, per district, per age
    /// bracket, per option and their breakdowns).
    pub counters: Counters,
}

impl ExportCheck {
    /// Differences between the recomputed counts and `published` (key → (export, published)).
    pub fn count_differences(&self, published: &Counters) -> BTreeMap<String, (i64, i64)> {
        let mut diff = BTreeMap::new();
        let published = published.public();
        for key in self.counters.0.keys().chain(published.0.keys()) {
            let mine = self.counters.get(key);
            let theirs = published.get(key);
            if mine != theirs {
                diff.insert(key.clone(), (mine, theirs));
            }
        }
        diff
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OptionId, QuestionId};

    fn receipts(n: usize) -> Vec<Entry> {
        let mut r: Vec<Entry> = (0..n)
            .map(|i| Entry {
                receipt: receipt_of_pairs("p", &format!("{i:032x}"), [("q", vec!["a"])]),
                district: format!("d{}", i % 3),
                age_bracket: "18_24".into(),
            })
            .collect();
        r.sort();
        r
    }

    #[test]
    fn receipts_do_not_depend_on_answer_order_but_on_every_answer() {
        let a = |q: &str, o: &[&str]| Answer {
            question: QuestionId::from_trusted(q.into()),
            options: o
                .iter()
                .map(|x| OptionId::from_trusted(x.to_string()))
                .collect(),
        };
        let one = receipt("P", "B", &[a("q1", &["x", "y"]), a("q2", &["z"])]);
        let two = receipt("P", "B", &[a("q2", &["z"]), a("q1", &["y", "x"])]);
        assert_eq!(one, two);
        assert_ne!(one, receipt("P", "B", &[a("q1", &["x"]), a("q2", &["z"])]));
        assert_ne!(
            one,
            receipt("P", "C", &[a("q1", &["x", "y"]), a("q2", &["z"])])
        );
        assert_ne!(
            one,
            receipt("Q", "B", &[a("q1", &["x", "y"]), a("q2", &["z"])])
        );
        // Moving a choice between questions changes the receipt.
        assert_ne!(
            receipt("P", "B", &[a("q1", &["x"]), a("q2", &["y"])]),
            receipt("P", "B", &[a("q1", &["x", "y"])])
        );
    }

    #[test]
    fn every_receipt_proves_into_the_root_for_many_sizes() {
        for n in [1usize, 2, 3, 5, 8, 13, 100] {
            let all = receipts(n);
            let leaves: Vec<Hash> = all.iter().map(Entry::leaf).collect();
            let root = hex(&root_of(leaves.clone()));
            for (i, r) in all.iter().enumerate() {
                let steps = path(leaves.clone(), i);
                assert!(check_proof(r, &steps, &root), "n={n} i={i}");
                let other = receipts(n + 1).pop().unwrap_or_else(|| unreachable!());
                if !all.contains(&other) {
                    assert!(!check_proof(&other, &steps, &root));
                }
            }
        }
    }

    #[test]
    fn the_block_tree_is_the_whole_tree() {
        for n in [0usize, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 17] {
            let all = receipts(n);
            let whole = root(&all);
            let chunks: Vec<&[Entry]> = all.chunks(BLOCK).collect();
            let blocks = Blocks {
                roots: chunks.iter().map(|c| block_root(c)).collect(),
                firsts: chunks.iter().map(|c| c[0].receipt.clone()).collect(),
            };
            assert_eq!(blocks.root(), whole, "n={n}");
            for i in [0, n / 2, n.saturating_sub(1)] {
                let Some(r) = all.get(i) else { continue };
                let b = blocks
                    .block_of(&r.receipt)
                    .unwrap_or_else(|| unreachable!());
                let steps = blocks
                    .proof(b, chunks[b], &r.receipt)
                    .unwrap_or_else(|| unreachable!());
                assert_eq!(
                    steps,
                    path(all.iter().map(Entry::leaf).collect(), i),
                    "n={n} i={i}"
                );
                assert!(check_proof(r, &steps, &hex(&whole)));
            }
        }
    }

    #[test]
    fn a_tampered_proof_fails() {
        let all = receipts(9);
        let leaves: Vec<Hash> = all.iter().map(Entry::leaf).collect();
        let root = hex(&root_of(leaves.clone()));
        let mut steps = path(leaves, 4);
        assert!(check_proof(&all[4], &steps, &root));
        steps[0].side = match steps[0].side {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        };
        assert!(!check_proof(&all[4], &steps, &root));
        let mut moved = all[4].clone();
        moved.district = "elsewhere".into();
        steps[0].side = match steps[0].side {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        };
        assert!(
            !check_proof(&moved, &steps, &root),
            "the district is part of the leaf"
        );
        steps[0].hash = "zz".into();
        assert!(!check_proof(&all[4], &steps, &root));
    }
}
