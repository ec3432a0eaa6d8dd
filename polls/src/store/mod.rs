//! The polls store: one trait, two adapters ([`sqlite`], [`mongo`]), one contract suite
//! (`polls/tests/contract.rs`) run against both.
//!
//! One ballot per resident per poll is a unique key on (poll, account) in both stores; nothing
//! else is trusted to keep it.

mod mongo;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::clock::{from_millis, to_millis};
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::storage::Backend;
use veche_core::{StoreError, StoreResult};

use crate::model::{
    AgeBracket, Answer, Audience, Ballot, BallotId, OptionId, Phase, PointsEntry, Poll, PollId,
    PollQuery, Question, QuestionId, Receipt, SealSummary, Visibility,
};
use crate::tally::Counters;
use crate::verify::Entry;

/// A MongoDB counter shard whose process has not written for this long is taken for dead, and
/// the ballots it had not counted are counted from the ballots ([`PollStore::repair`]).
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// What storing a ballot did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cast {
    Stored,
    /// The resident had already voted: their first ballot, unchanged.
    AlreadyVoted(Box<Ballot>),
}

/// What sealing stored: the final counts and the tree's block roots (the sorted receipts are in
/// blocks, see [`crate::verify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    pub poll_id: PollId,
    pub root: String,
    pub ballots: u64,
    pub counters: Counters,
    /// Hex root of each block of [`crate::verify::BLOCK`] receipts.
    pub block_roots: Vec<String>,
    /// The first receipt of each block.
    pub block_firsts: Vec<Receipt>,
    pub sealed_at: OffsetDateTime,
}

#[async_trait]
pub trait PollStore: Send + Sync + 'static {
    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()>;
    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>>;
    /// Replaces the poll when its stored version is `expected` (the caller bumped `version`);
    /// `false` when someone else changed it first.
    async fn replace_poll(&self, poll: &Poll, expected: u64) -> StoreResult<bool>;
    /// Marks the poll's questions frozen and bumps its version, so that an edit begun before
    /// the first ballot fails (idempotent: a frozen poll is left alone).
    async fn freeze(&self, id: &PollId) -> StoreResult<()>;
    /// Deletes a poll still in draft at version `expected`; `false` otherwise.
    async fn delete_draft(&self, id: &PollId, expected: u64) -> StoreResult<bool>;
    /// Polls newest first.
    async fn list_polls(&self, query: &PollQuery) -> StoreResult<Vec<Poll>>;

    /// Stores a ballot and counts it, unless the resident already voted in the poll.
    async fn cast(&self, ballot: &Ballot) -> StoreResult<Cast>;
    /// Stores many ballots at once and counts them (demo data, benchmarks); a ballot of a
    /// resident who already voted is skipped. Returns how many were stored.
    async fn import_ballots(&self, ballots: &[Ballot]) -> StoreResult<u64>;
    async fn ballot_of(&self, poll: &PollId, account: &AccountId) -> StoreResult<Option<Ballot>>;
    async fn ballot_by_receipt(
        &self,
        poll: &PollId,
        receipt: &Receipt,
    ) -> StoreResult<Option<Ballot>>;
    /// Ballots in receipt order, after `after` (export, sealing).
    async fn ballots_page(
        &self,
        poll: &PollId,
        after: Option<&Receipt>,
        limit: usize,
    ) -> StoreResult<Vec<Ballot>>;
    /// The poll's voters in account order, after `after` (results notifications).
    async fn voters(
        &self,
        poll: &PollId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>>;

    /// The live counters (sum of the shards).
    async fn counters(&self, poll: &PollId) -> StoreResult<Counters>;
    /// Adds `delta` to the counters (a recount's correction; may be negative).
    async fn add_counters(&self, poll: &PollId, delta: &Counters) -> StoreResult<()>;
    /// Writes counts this process holds in memory (MongoDB counts in batches; at shutdown).
    async fn flush(&self) -> StoreResult<()>;
    /// Counts the ballots of processes that died before writing their counts: shards silent
    /// for `silent_for` (MongoDB; see its module). Returns how many ballots were recovered.
    async fn repair(&self, silent_for: std::time::Duration) -> StoreResult<u64>;

    /// Stores block `index` of the sealed tree (idempotent).
    async fn save_block(&self, poll: &PollId, index: u32, entries: &[Entry]) -> StoreResult<()>;
    async fn block(&self, poll: &PollId, index: u32) -> StoreResult<Option<Vec<Entry>>>;
    /// Stores the seal (idempotent: sealing twice stores the same seal).
    async fn save_seal(&self, seal: &Seal) -> StoreResult<()>;
    async fn seal(&self, poll: &PollId) -> StoreResult<Option<Seal>>;

    /// The resident's points, newest first, older than `before` (a poll id of the last page).
    async fn points_history(
        &self,
        account: &AccountId,
        before: Option<(OffsetDateTime, PollId)>,
        limit: usize,
    ) -> StoreResult<Vec<PointsEntry>>;
    async fn points_balance(&self, account: &AccountId) -> StoreResult<u64>;
}

/// Builds the polls store for a backend and prepares its schema (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn PollStore>> {
    match backend {
        Backend::Sqlite(db) => {
            let store = sqlite::SqlitePolls::new(db.clone());
            store.migrate().await?;
            Ok(Arc::new(store))
        }
        Backend::Mongo(db) => {
            let store = mongo::MongoPolls::new(db.clone());
            store.migrate().await?;
            store.start();
            Ok(Arc::new(store))
        }
    }
}

// ---- Records shared by both adapters (JSON in SQLite, BSON in MongoDB) ----

#[derive(Serialize, Deserialize)]
pub(crate) struct PollRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    pub description: String,
    pub questions: Vec<Question>,
    pub audience: Audience,
    pub opens_at: Option<i64>,
    pub closes_at: Option<i64>,
    pub points: i64,
    pub visibility: Visibility,
    pub phase: String,
    pub decision: Option<String>,
    pub decision_at: Option<i64>,
    pub created_by: String,
    pub organisation_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub frozen: bool,
    pub announced: bool,
    pub results_announced: bool,
    pub seal_root: Option<String>,
    pub seal_ballots: Option<i64>,
    pub sealed_at: Option<i64>,
}

impl From<&Poll> for PollRecord {
    fn from(p: &Poll) -> Self {
        PollRecord {
            id: p.id.to_string(),
            title: p.title.clone(),
            description: p.description.clone(),
            questions: p.questions.clone(),
            audience: p.audience.clone(),
            opens_at: p.opens_at.map(to_millis),
            closes_at: p.closes_at.map(to_millis),
            points: i64::from(p.points),
            visibility: p.visibility,
            phase: p.phase.as_str().to_string(),
            decision: p.decision.clone(),
            decision_at: p.decision_at.map(to_millis),
            created_by: p.created_by.to_string(),
            organisation_id: p.organisation_id.as_ref().map(|o| o.to_string()),
            created_at: to_millis(p.created_at),
            updated_at: to_millis(p.updated_at),
            version: p.version as i64,
            frozen: p.frozen,
            announced: p.announced,
            results_announced: p.results_announced,
            seal_root: p.seal.as_ref().map(|s| s.root.clone()),
            seal_ballots: p.seal.as_ref().map(|s| s.ballots as i64),
            sealed_at: p.seal.as_ref().map(|s| to_millis(s.sealed_at)),
        }
    }
}

impl TryFrom<PollRecord> for Poll {
    type Error = StoreError;
    fn try_from(r: PollRecord) -> Result<Self, StoreError> {
        let phase = Phase::parse(&r.phase)
            .ok_or_else(|| StoreError::Internal(format!("poll {}: bad phase {}", r.id, r.phase)))?;
        let seal = match (r.seal_root, r.seal_ballots, r.sealed_at) {
            (Some(root), Some(ballots), Some(at)) => Some(SealSummary {
                root,
                ballots: ballots.max(0) as u64,
                sealed_at: from_millis(at),
            }),
            _ => None,
        };
        Ok(Poll {
            id: PollId::from_trusted(r.id),
            title: r.title,
            description: r.description,
            questions: r.questions,
            audience: r.audience,
            opens_at: r.opens_at.map(from_millis),
            closes_at: r.closes_at.map(from_millis),
            points: r.points.clamp(0, i64::from(u32::MAX)) as u32,
            visibility: r.visibility,
            phase,
            decision: r.decision,
            decision_at: r.decision_at.map(from_millis),
            created_by: AccountId::from_trusted(r.created_by),
            organisation_id: r.organisation_id.map(OrganisationId::from_trusted),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            version: r.version.max(0) as u64,
            frozen: r.frozen,
            announced: r.announced,
            results_announced: r.results_announced,
            seal,
        })
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct AnswerRecord {
    pub q: String,
    pub o: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct BallotRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub poll_id: String,
    pub account_id: String,
    pub answers: Vec<AnswerRecord>,
    pub district_id: String,
    pub age_bracket: String,
    pub receipt: String,
    pub points: i64,
    pub cast_at: i64,
}

pub(crate) fn answer_records(answers: &[Answer]) -> Vec<AnswerRecord> {
    answers
        .iter()
        .map(|a| AnswerRecord {
            q: a.question.to_string(),
            o: a.options.iter().map(|o| o.to_string()).collect(),
        })
        .collect()
}

pub(crate) fn answers_from(records: Vec<AnswerRecord>) -> Vec<Answer> {
    records
        .into_iter()
        .map(|a| Answer {
            question: QuestionId::from_trusted(a.q),
            options: a.o.into_iter().map(OptionId::from_trusted).collect(),
        })
        .collect()
}

impl From<&Ballot> for BallotRecord {
    fn from(b: &Ballot) -> Self {
        BallotRecord {
            id: b.id.to_string(),
            poll_id: b.poll_id.to_string(),
            account_id: b.account_id.to_string(),
            answers: answer_records(&b.answers),
            district_id: b.district_id.to_string(),
            age_bracket: b.age_bracket.as_str().to_string(),
            receipt: b.receipt.to_string(),
            points: i64::from(b.points),
            cast_at: to_millis(b.cast_at),
        }
    }
}

impl TryFrom<BallotRecord> for Ballot {
    type Error = StoreError;
    fn try_from(r: BallotRecord) -> Result<Self, StoreError> {
        let age_bracket = AgeBracket::parse(&r.age_bracket).ok_or_else(|| {
            StoreError::Internal(format!(
                "ballot {}: bad age bracket {}",
                r.id, r.age_bracket
            ))
        })?;
        Ok(Ballot {
            id: BallotId::from_trusted(r.id),
            poll_id: PollId::from_trusted(r.poll_id),
            account_id: AccountId::from_trusted(r.account_id),
            answers: answers_from(r.answers),
            district_id: DistrictId::from_trusted(r.district_id),
            age_bracket,
            receipt: Receipt::from_trusted(r.receipt),
            points: r.points.clamp(0, i64::from(u32::MAX)) as u32,
            cast_at: from_millis(r.cast_at),
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SealRecord {
    #[serde(rename = "_id")]
    pub poll_id: String,
    pub root: String,
    pub ballots: i64,
    pub counters: Counters,
    pub block_roots: Vec<String>,
    pub block_firsts: Vec<String>,
    pub sealed_at: i64,
}

impl From<&Seal> for SealRecord {
    fn from(s: &Seal) -> Self {
        SealRecord {
            poll_id: s.poll_id.to_string(),
            root: s.root.clone(),
            ballots: s.ballots as i64,
            counters: s.counters.clone(),
            block_roots: s.block_roots.clone(),
            block_firsts: s.block_firsts.iter().map(|r| r.to_string()).collect(),
            sealed_at: to_millis(s.sealed_at),
        }
    }
}

impl From<SealRecord> for Seal {
    fn from(r: SealRecord) -> Self {
        Seal {
            poll_id: PollId::from_trusted(r.poll_id),
            root: r.root,
            ballots: r.ballots.max(0) as u64,
            counters: r.counters,
            block_roots: r.block_roots,
            block_firsts: r
                .block_firsts
                .into_iter()
                .map(Receipt::from_trusted)
                .collect(),
            sealed_at: from_millis(r.sealed_at),
        }
    }
}
