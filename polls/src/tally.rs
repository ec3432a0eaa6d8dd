//! The counts results are read from.
//!
//! A ballot adds one to each of a handful of named counters (its [`keys`]): the total, each
//! option chosen, its district and age bracket with and without the option, and the hour it
//! was cast. The ballots are the truth; counters are derived from them and can always be
//! recomputed ([`recount`]). The stores keep counters so that no read ever scans ballots:
//!
//! - SQLite adds them in the same transaction as the ballot (so they never drift);
//! - MongoDB counts in each app process's memory and writes the counts in batches to counter
//!   documents of its own (see `store::mongo`), so concurrent voters do not queue on one hot
//!   document. A process killed before writing leaves its last counts unwritten: other
//!   servers recover them from the ballots, and the seal at close and `veche polls recount`
//!   check everything against the ballots.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::Ballot;

/// Counter name → count. Names: `n` (ballots), `o|OPTION`, `d|DISTRICT`, `do|DISTRICT|OPTION`,
/// `a|BRACKET`, `ao|BRACKET|OPTION`, `h|YYYYMMDDHH` (ballots per hour, UTC; not public: the
/// export carries no times).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Counters(pub BTreeMap<String, i64>);

impl Counters {
    pub fn get(&self, key: &str) -> i64 {
        self.0.get(key).copied().unwrap_or(0)
    }

    pub fn add(&mut self, key: &str, n: i64) {
        if n == 0 {
            return;
        }
        let slot = self.0.entry(key.to_string()).or_insert(0);
        *slot += n;
        if *slot == 0 {
            self.0.remove(key);
        }
    }

    pub fn merge(&mut self, other: &Counters) {
        for (k, v) in &other.0 {
            self.add(k, *v);
        }
    }

    /// Adds one ballot.
    pub fn count(&mut self, ballot: &Ballot) {
        for key in keys(ballot) {
            self.add(&key, 1);
        }
    }

    pub fn ballots(&self) -> i64 {
        self.get("n")
    }

    /// Everything but the per-hour counts (what the public export lets anyone recompute).
    pub fn public(&self) -> Counters {
        Counters(
            self.0
                .iter()
                .filter(|(k, _)| !k.starts_with("h|"))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        )
    }

    /// `target − self`: what must be added to `self` to reach `target`.
    pub fn delta_to(&self, target: &Counters) -> Counters {
        let mut delta = Counters::default();
        for key in self.0.keys().chain(target.0.keys()) {
            let d = target.get(key) - self.get(key);
            if d != 0 {
                delta.0.insert(key.clone(), d);
            }
        }
        delta
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ballots per hour, oldest first.
    pub fn hours(&self) -> Vec<(String, i64)> {
        self.0
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("h|").map(|h| (h.to_string(), *v)))
            .collect()
    }
}

/// The hour bucket of a time: `YYYYMMDDHH` in UTC.
pub fn hour(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour()
    )
}

/// The counters one ballot adds to.
pub fn keys(ballot: &Ballot) -> Vec<String> {
    public_keys(
        ballot.district_id.as_str(),
        ballot.age_bracket.as_str(),
        ballot
            .answers
            .iter()
            .flat_map(|a| a.options.iter().map(|o| o.as_str())),
    )
    .into_iter()
    .chain(std::iter::once(format!("h|{}", hour(ballot.cast_at))))
    .collect()
}

/// The public counters of a ballot with this district, age bracket and options chosen.
pub fn public_keys<'a>(
    district: &str,
    bracket: &str,
    options: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let mut keys = vec![
        "n".to_string(),
        format!("d|{district}"),
        format!("a|{bracket}"),
    ];
    for option in options {
        keys.push(format!("o|{option}"));
        keys.push(format!("do|{district}|{option}"));
        keys.push(format!("ao|{bracket}|{option}"));
    }
    keys
}

/// Recomputes the counters of a set of ballots.
pub fn recount<'a>(ballots: impl IntoIterator<Item = &'a Ballot>) -> Counters {
    let mut counters = Counters::default();
    for ballot in ballots {
        counters.count(ballot);
    }
    counters
}

/// The smallest count a breakdown cell shows; smaller ones read "<10", so that a small group's
/// answers cannot be picked out.
pub const MIN_CELL: i64 = 10;

/// A breakdown cell: the count, or hidden when below [`MIN_CELL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Count(i64),
    Hidden,
}

impl Cell {
    pub fn of(n: i64) -> Cell {
        if n < MIN_CELL {
            Cell::Hidden
        } else {
            Cell::Count(n)
        }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Hidden => f.write_str("<10"),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_i64(*n),
            Cell::Hidden => s.serialize_str("<10"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_and_taking_away_leaves_no_zero_entries() {
        let mut c = Counters::default();
        c.add("n", 2);
        c.add("n", -2);
        assert!(c.is_empty());
        let mut a = Counters::default();
        a.add("n", 5);
        a.add("o|x", 3);
        let mut b = Counters::default();
        b.add("n", 4);
        b.add("o|y", 1);
        let delta = b.delta_to(&a);
        let mut fixed = b.clone();
        fixed.merge(&delta);
        assert_eq!(fixed, a);
    }

    #[test]
    fn small_cells_are_hidden() {
        assert_eq!(Cell::of(9).to_string(), "<10");
        assert_eq!(Cell::of(10).to_string(), "10");
        assert_eq!(
            serde_json::to_string(&Cell::of(3)).ok().as_deref(),
            Some("\"<10\"")
        );
    }
}
