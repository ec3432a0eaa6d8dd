//! What the API reads and shows beyond the shared views of [`crate::views`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::model::{AgeBracket, Ballot, PublicBallot, Status};
use crate::verify::Step;

/// A poll in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollSummary {
    pub id: String,
    pub title: String,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339::option")]
    pub opens_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closes_at: Option<OffsetDateTime>,
    /// Points credited to each voter.
    pub points: u32,
    /// For every resident of the city (no districts or okrugs named).
    pub city_wide: bool,
    /// Whether the signed-in caller voted in it (always false when signed out).
    pub voted: bool,
}

/// A page of polls, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollPage {
    pub items: Vec<PollSummary>,
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/polls/{id}/close`: an optional reason, kept in the audit log.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// At most 1000 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/polls/{id}/publication`: what the city decided (up to 10,000 characters).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationInput {
    pub decision: String,
}

/// A ballot just stored. Keep the receipt: it proves the ballot was counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct BallotCreated {
    pub poll_id: String,
    pub ballot_id: String,
    pub receipt: String,
    /// Points credited for voting.
    pub points: u32,
    /// Where the receipt can be checked (also in `Location`).
    pub receipt_url: String,
}

/// A ballot as its receipt shows it: never whose it is, never when it was cast.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptBallot {
    /// Question id → the options chosen.
    pub answers: BTreeMap<String, Vec<String>>,
    /// The voter's district id.
    pub district: String,
    pub age_bracket: AgeBracket,
}

impl From<&Ballot> for ReceiptBallot {
    fn from(ballot: &Ballot) -> Self {
        // What the public export shows of the ballot, without its ids.
        let public = PublicBallot::from(ballot);
        ReceiptBallot {
            answers: public.answers,
            district: public.district,
            age_bracket: ballot.age_bracket,
        }
    }
}

/// A receipt checked: the ballot it stands for and, once the poll is sealed, the proof that the
/// ballot is in the published Merkle root.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    pub poll_id: String,
    pub receipt: String,
    pub ballot: ReceiptBallot,
    pub status: Status,
    /// The poll's Merkle root (`null` until the poll is sealed).
    pub root: Option<String>,
    /// The path from the receipt to the root (`null` until sealed).
    pub proof: Option<Vec<Step>>,
    /// Whether the proof leads to the root (`null` until sealed).
    pub included: Option<bool>,
}

/// What a sealed poll published (the JSON `veche polls verify-export --published` reads).
#[derive(Debug, Serialize, ToSchema)]
pub struct SealDocument {
    pub poll_id: String,
    /// Hex Merkle root over every receipt.
    pub root: String,
    pub ballots: u64,
    /// Public counter name → count: `n`, `o|OPTION`, `d|DISTRICT`, `do|DISTRICT|OPTION`,
    /// `a|BRACKET`, `ao|BRACKET|OPTION`.
    pub counters: BTreeMap<String, i64>,
}

/// One poll a resident earned points in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsItem {
    pub poll_id: String,
    /// `null` when the poll no longer exists.
    pub title: Option<String>,
    pub points: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A resident's points: the balance and a page of history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsPage {
    pub balance: u64,
    pub items: Vec<PointsItem>,
    pub next_cursor: Option<String>,
}
