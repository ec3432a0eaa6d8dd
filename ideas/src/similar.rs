//! Likely duplicates of an idea, found without reading every idea of the project.
//!
//! Each idea keeps, beside itself, a [`Fingerprint`]: its exact key (the hash of its
//! normalised text), its weighted terms as 64-bit hashes, and [`BANDS`] band keys of a MinHash
//! over its terms. The store indexes the exact key and the band keys; the candidates for an
//! idea are the ideas that share its exact key or at least one band key (an indexed lookup),
//! and only those are scored, exactly, with [`score`].
//!
//! Two ideas whose words overlap by a Jaccard similarity `J` share a band of one family
//! (title words, or all words) with probability `1 − (1 − J^ROWS)^(BANDS/2)`: about 0.97 at
//! `J = 0.5`, 0.68 at `J = 0.3`, 0.03 at `J = 0.05`.
//!
//! The score weighs terms by how rare they are in the project ([`Corpus`]) and mostly by what
//! the ideas ask for, not where: many different requests name one park or one street.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::text;

/// How many bands of the MinHash signature are kept as lookup keys: half over the title's
/// words (a duplicate most often names the same thing in its title), half over all words.
pub const BANDS: usize = 24;
/// How many MinHash values make one band.
pub const ROWS: usize = 2;
/// From this score on, an idea is shown to the moderator as a likely duplicate.
pub const LIKELY: f32 = 0.36;

/// What is kept beside an idea to find and score its duplicates.
#[derive(Clone, Debug, PartialEq)]
pub struct Fingerprint {
    /// blake3 of the normalised title and text (hex).
    pub exact: String,
    /// The terms as (hash, weight), sorted by hash, distinct.
    pub terms: Vec<(u64, f32)>,
    /// The MinHash band keys, [`BANDS`] of them (fewer when the idea has no terms).
    pub bands: Vec<u64>,
}

fn hash64(parts: &[&[u8]]) -> u64 {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let mut first = [0u8; 8];
    first.copy_from_slice(&hasher.finalize().as_bytes()[..8]);
    // Stores keep signed 64-bit integers; the top bit is cleared so a key is never negative.
    u64::from_le_bytes(first) & (u64::MAX >> 1)
}

/// A term's hash in the `seed`-th permutation (a cheap mix of the term's hash).
fn permuted(term: u64, seed: u64) -> u64 {
    // splitmix64 of the term keyed by the seed: a family of independent-enough orders.
    let mut z = term ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of one band: the band's number and its [`ROWS`] minimum hashes.
fn band_key(set: &[u64], band: usize) -> u64 {
    let mut key = Vec::with_capacity(ROWS * 8 + 8);
    key.extend_from_slice(&(band as u64).to_le_bytes());
    for row in 0..ROWS {
        let seed = (band * ROWS + row) as u64 + 1;
        let min = set
            .iter()
            .map(|h| permuted(*h, seed))
            .min()
            .unwrap_or_default();
        key.extend_from_slice(&min.to_le_bytes());
    }
    hash64(&[&key])
}

impl Fingerprint {
    /// The fingerprint of an idea's title and text.
    pub fn of(title: &str, body: &str) -> Fingerprint {
        let mut terms: Vec<(u64, f32)> = text::terms(title, body)
            .into_iter()
            .map(|(stem, weight)| (hash64(&[stem.as_bytes()]), weight))
            .collect();
        terms.sort_by_key(|t| t.0);
        terms.dedup_by_key(|t| t.0);
        // Bands come from the words of the request; places and numbers alone would make
        // every idea about one street a candidate of every other.
        let word = text::Kind::Word.weight();
        let of_title: Vec<u64> = terms
            .iter()
            .filter(|(_, w)| *w >= word * text::TITLE)
            .map(|(h, _)| *h)
            .collect();
        let words: Vec<u64> = terms
            .iter()
            .filter(|(_, w)| *w >= word)
            .map(|(h, _)| *h)
            .collect();
        let half = BANDS / 2;
        let mut bands = Vec::with_capacity(BANDS);
        for (family, set) in [(0, &of_title), (1, &words)] {
            let set = if set.is_empty() { &words } else { set };
            if set.is_empty() {
                continue;
            }
            bands.extend((0..half).map(|band| band_key(set, family * half + band)));
        }
        Fingerprint {
            exact: text::exact_key(title, body),
            terms,
            bands,
        }
    }
}

/// How many of a project's ideas hold each term: a term most ideas hold («детская»,
/// «площадка» in a project about courtyards) says less than a rare one («пандус»).
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    pub ideas: u64,
    pub holding: HashMap<u64, u64>,
}

/// Below this many ideas the counts say nothing yet, and every term weighs the same.
const CORPUS_MIN: u64 = 50;

impl Corpus {
    pub fn add(&mut self, fp: &Fingerprint) {
        self.ideas += 1;
        for (term, _) in &fp.terms {
            *self.holding.entry(*term).or_insert(0) += 1;
        }
    }

    /// A term's weight factor: its inverse document frequency, from 0.25 (every idea holds
    /// it) up, 1 while the project is small.
    pub fn rarity(&self, term: u64) -> f32 {
        if self.ideas < CORPUS_MIN {
            return 1.0;
        }
        let holding = self.holding.get(&term).copied().unwrap_or(0) as f32;
        let n = self.ideas as f32;
        ((n + 1.0) / (holding + 1.0)).ln().max(0.25)
    }
}

/// Weighted overlaps of two term lists (sorted by hash), each term weighed by its rarity, for
/// each of the `keeps` (which terms it counts, by weight): (shared, union, sum of a, sum of b)
/// per keep. One walk of both lists, each term's rarity looked up once (scoring a few hundred
/// candidates per idea of the moderation queue is a hot path).
fn overlaps<const K: usize>(
    a: &[(u64, f32)],
    b: &[(u64, f32)],
    corpus: &Corpus,
    keeps: [&dyn Fn(f32) -> bool; K],
) -> [[f32; 4]; K] {
    let mut out = [[0.0_f32; 4]; K];
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.0.cmp(&y.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let (term, x, y) = match order {
            Ordering::Less => {
                i += 1;
                (a[i - 1].0, a[i - 1].1, 0.0)
            }
            Ordering::Greater => {
                j += 1;
                (b[j - 1].0, 0.0, b[j - 1].1)
            }
            Ordering::Equal => {
                i += 1;
                j += 1;
                (a[i - 1].0, a[i - 1].1, b[j - 1].1)
            }
        };
        let rarity = corpus.rarity(term);
        for (keep, [shared, union, sum_a, sum_b]) in keeps.iter().zip(out.iter_mut()) {
            let x = if keep(x) { x * rarity } else { 0.0 };
            let y = if keep(y) { y * rarity } else { 0.0 };
            *shared += x.min(y);
            *union += x.max(y);
            *sum_a += x;
            *sum_b += y;
        }
    }
    out
}

/// The larger of the weighted Jaccard similarity and a discounted containment (a short idea
/// wholly inside a longer one is still a duplicate).
fn similarity([shared, union, sum_a, sum_b]: [f32; 4]) -> f32 {
    if union == 0.0 {
        return 0.0;
    }
    let smaller = sum_a.min(sum_b);
    let containment = if smaller > 0.0 { shared / smaller } else { 0.0 };
    (shared / union).max(CONTAINED * containment)
}

/// How much a containment counts against a full overlap.
const CONTAINED: f32 = 0.75;
/// How much the overlap of what two ideas ask for counts; the rest is the overlap of all
/// their terms (places and numbers too).
const WHAT: f32 = 0.8;

/// How much the overlap of what the two titles ask for counts (a title names the request).
const TITLED: f32 = 0.5;

/// How alike two ideas are, from 0 (nothing shared) to 1 (the same text): 1 for the same
/// exact key; otherwise mostly the overlap of what they ask for (their words, not their
/// places), and some of the overlap of everything.
pub fn score(a: &Fingerprint, b: &Fingerprint, corpus: &Corpus) -> f32 {
    if a.exact == b.exact {
        return 1.0;
    }
    let word = text::Kind::Word.weight();
    let titled = |w: f32| w >= word * text::TITLE;
    let asked = |w: f32| w >= word;
    let any = |_: f32| true;
    let [of_title, of_words, of_all] =
        overlaps(&a.terms, &b.terms, corpus, [&titled, &asked, &any]);
    let [shared, union, _, _] = of_title;
    let title = if union > 0.0 { shared / union } else { 0.0 };
    let what = similarity(of_words);
    let all = similarity(of_all);
    (TITLED * title + (1.0 - TITLED) * (WHAT * what + (1.0 - WHAT) * all)).min(0.99)
}

/// A candidate and its score.
#[derive(Clone, Debug, PartialEq)]
pub struct Match<K> {
    pub key: K,
    pub score: f32,
}

/// The likely duplicates among candidates, best first, at most `limit`.
pub fn rank<K: Clone>(
    idea: &Fingerprint,
    candidates: &[(K, Fingerprint)],
    corpus: &Corpus,
    limit: usize,
) -> Vec<Match<K>> {
    let mut found: Vec<Match<K>> = candidates
        .iter()
        .map(|(key, fp)| Match {
            key: key.clone(),
            score: score(idea, fp, corpus),
        })
        .filter(|m| m.score >= LIKELY)
        .collect();
    found.sort_by(|x, y| y.score.total_cmp(&x.score));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_in_another_form_scores_one() {
        let a = Fingerprint::of("Скамейки в парке", "Поставьте скамейки у пруда.");
        let b = Fingerprint::of("СКАМЕЙКИ В ПАРКЕ!", "поставьте скамейки у пруда");
        assert_eq!(score(&a, &b, &Corpus::default()), 1.0);
        assert_eq!(a.bands, b.bands);
        assert_eq!(a.bands.len(), BANDS);
    }

    #[test]
    fn word_order_and_word_forms_keep_a_high_score() {
        let a = Fingerprint::of(
            "Велодорожка вдоль набережной",
            "Сделать велодорожку вдоль реки",
        );
        let b = Fingerprint::of(
            "Вдоль реки — велодорожки",
            "Нужны велодорожки вдоль набережной реки",
        );
        assert!(
            score(&a, &b, &Corpus::default()) >= LIKELY,
            "{}",
            score(&a, &b, &Corpus::default())
        );
        assert!(a.bands.iter().any(|k| b.bands.contains(k)));
    }

    #[test]
    fn different_requests_on_one_street_score_low() {
        let a = Fingerprint::of("Светофор на улице Ленина, 5", "Поставить светофор у дома 5");
        let b = Fingerprint::of("Ямы на улице Ленина, 5", "Отремонтировать асфальт у дома 5");
        assert!(
            score(&a, &b, &Corpus::default()) < LIKELY,
            "{}",
            score(&a, &b, &Corpus::default())
        );
    }

    #[test]
    fn ranking_keeps_likely_ones_best_first() {
        let idea = Fingerprint::of("Детская площадка во дворе", "Построить детскую площадку");
        let candidates = vec![
            (1, Fingerprint::of("Фонтан в сквере", "Восстановить фонтан")),
            (
                2,
                Fingerprint::of("Детская площадка", "Построить площадку для детей во дворе"),
            ),
            (
                3,
                Fingerprint::of("Детская площадка во дворе", "Построить детскую площадку"),
            ),
        ];
        let ranked = rank(&idea, &candidates, &Corpus::default(), 10);
        let keys: Vec<i32> = ranked.iter().map(|m| m.key).collect();
        assert_eq!(keys, vec![3, 2]);
        assert_eq!(ranked[0].score, 1.0);
    }

    #[test]
    fn keys_are_never_negative_as_signed_integers() {
        let fp = Fingerprint::of("Урны у остановки", "Поставить урны");
        assert!(fp.bands.iter().all(|k| i64::try_from(*k).is_ok()));
        assert!(fp.terms.iter().all(|(h, _)| i64::try_from(*h).is_ok()));
    }
}
