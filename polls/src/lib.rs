//! # veche-polls
//!
//! Active Citizen («Активный гражданин») polls: officials run district and city-wide polls,
//! residents vote once each and get a receipt, everyone can check the results.
//!
//! - [`model`]: polls, questions, audiences, ballots.
//! - [`rules`]: what a poll may hold, who may vote, what a ballot must say (pure functions).
//! - [`service`]: the use cases (create, schedule, close, publish, vote, seal, recount).
//! - [`store`]: the polls store ([`store::PollStore`]) on SQLite and MongoDB.
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
pub mod store;
pub mod tally;
pub mod verify;
pub mod views;

pub use feature::PollsFeature;
pub use service::{Polls, PollsConfig};

use veche_core::web::ratelimit::LimitName;

/// The polls' rate limits (declared defaults; `VECHE_RATE_<NAME>` overrides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollsLimit {
    /// Ballots by one account: a resident votes in a handful of polls a minute at most.
    BallotAccount,
    /// Ballots from one IP address (a household or an office behind one address may vote
    /// together; a script hammering from one address may not).
    BallotIp,
}

impl LimitName for PollsLimit {
    const ALL: &'static [PollsLimit] = &[PollsLimit::BallotAccount, PollsLimit::BallotIp];

    fn name(self) -> &'static str {
        match self {
            PollsLimit::BallotAccount => "ballot_account",
            PollsLimit::BallotIp => "ballot_ip",
        }
    }

    fn default_rate(self) -> &'static str {
        match self {
            PollsLimit::BallotAccount => "30/min",
            PollsLimit::BallotIp => "600/min",
        }
    }
}

/// The notifications polls send.
pub mod kinds {
    use veche_core::notify::KindSpec;

    /// A new poll opened in the resident's district (only to those who switched it on).
    pub const POLL_OPENED: KindSpec = KindSpec {
        name: "poll_opened",
        essential: false,
        opt_in: true,
    };
    /// The results of a poll the resident voted in were published.
    pub const POLL_RESULTS: KindSpec = KindSpec {
        name: "poll_results",
        essential: false,
        opt_in: false,
    };
    pub const POLLS: &[KindSpec] = &[POLL_OPENED, POLL_RESULTS];
}

/// The polls' messages: problem codes and emails (`errors.*.ftl`), pages (`pages.*.ftl`).
pub const POLLS_RU: &str = concat!(
    include_str!("../i18n/errors.ru.ftl"),
    "\n",
    include_str!("../i18n/pages.ru.ftl")
);
pub const POLLS_EN: &str = concat!(
    include_str!("../i18n/errors.en.ftl"),
    "\n",
    include_str!("../i18n/pages.en.ftl")
);
