//! # veche-polls
//!
//! Active Citizen («Активный гражданин») polls: officials run district and city-wide polls,
//! residents vote once each and get a receipt, everyone can check the results.
//!
//! - [`model`]: polls, questions, audiences, ballots.
//! - [`rules`]: what a poll may hold, who may vote, what a ballot must say (pure functions).
//! - [`service`]: the use cases (create, schedule, close, publish, vote, seal, recount).
//! - `store`: the polls store (`PollStore`) on SQLite and MongoDB, private to the crate.
//! - [`tally`]: the counters results are read from, and their breakdowns.
//! - [`verify`]: receipts, the Merkle tree over them, proofs, the export check.
//! - [`scheduler`]: opens, seals and announces polls as their times come.
//! - [`metrics`]: ballots stored, refused and shed.

pub mod demo;
pub mod export;
mod feature;
pub mod http;
pub mod metrics;
pub mod model;
pub mod pages;
pub mod rules;
pub mod scheduler;
pub mod service;
/// The store is private to the crate: pages, the API and other crates go through
/// [`service`]. Tests (cargo feature `testing`) reach it to inspect and damage what is stored.
#[cfg(feature = "testing")]
pub mod store;
#[cfg(not(feature = "testing"))]
mod store;
pub mod tally;
pub mod verify;
pub mod views;

pub use feature::PollsFeature;
pub use service::{Polls, PollsConfig};

veche_core::limit_enum! {
    /// The polls' rate limits (declared defaults; `VECHE_RATE_<NAME>` overrides).
    pub enum PollsLimit {
        /// Ballots by one account: a resident votes in a handful of polls a minute at most.
        BallotAccount = ("ballot_account", "30/min"),
        /// Ballots from one IP address (a household or an office behind one address may vote
        /// together; a script hammering from one address may not).
        BallotIp = ("ballot_ip", "600/min"),
    }
}

/// The notifications polls send.
pub mod kinds {
    use veche_core::notify::KindSpec;

    /// A new poll opened in the resident's district (only to those who switched it on).
    pub const POLL_OPENED: KindSpec = KindSpec::opt_in("poll_opened");
    /// The results of a poll the resident voted in were published.
    pub const POLL_RESULTS: KindSpec = KindSpec::optional("poll_results");
    pub const POLLS: &[KindSpec] = &[POLL_OPENED, POLL_RESULTS];
}

/// The polls' messages: problem codes and emails (`errors.*.ftl`), pages (`pages.*.ftl`).
pub const POLLS_RU: &str = veche_core::catalog_text!("ru", "errors", "pages");
pub const POLLS_EN: &str = veche_core::catalog_text!("en", "errors", "pages");

#[cfg(test)]
mod shape {
    use std::path::{Path, PathBuf};

    /// The Rust files of a module that is a file (`src/pages.rs`) or a folder (`src/pages/`).
    fn module_files(src: &Path, name: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let file = src.join(format!("{name}.rs"));
        if file.is_file() {
            out.push(file);
        }
        let mut dirs = vec![src.join(name)];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    // A `tests/` folder is the module's `#[cfg(test)] mod tests`.
                    if !path.ends_with("tests") {
                        dirs.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        out
    }

    /// Pages and the API reach polls only through the service: the store's rules (who may
    /// see a poll, how a ballot is admitted) are then written once.
    #[test]
    fn pages_and_the_api_do_not_touch_the_store() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let files: Vec<PathBuf> = ["pages", "http"]
            .iter()
            .flat_map(|m| module_files(&src, m))
            .collect();
        assert!(files.len() >= 2, "no pages or API sources under {src:?}");
        let mut found = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
            // Tests may set up what they need; the code they test may not.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.trim();
                if line.starts_with("//") {
                    continue;
                }
                if line.contains("crate::store")
                    || line.contains("polls.store")
                    || line.starts_with(".store")
                {
                    found.push(format!("{}:{}: {line}", file.display(), n + 1));
                }
            }
        }
        assert!(
            found.is_empty(),
            "the store used past the service:\n{}",
            found.join("\n")
        );
    }
}
