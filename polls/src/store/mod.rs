//! The polls store: one trait, two adapters ([`sqlite`], [`mongo`]), one contract suite
//! (`polls/tests/contract.rs`) run against both.
//!
//! One ballot per resident per poll is a unique key on (poll, account) in both stores; nothing
//! else is trusted to keep it.
//!
//! A poll, a ballot and a seal are stored as themselves ([`Poll`], [`Ballot`], [`Seal`] carry
//! the serde attributes): JSON in SQLite, BSON in MongoDB, instants as integer milliseconds
//! that MongoDB's adapter turns into dates.

mod mongo;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::id::AccountId;
use veche_core::storage::Backend;
use veche_core::StoreResult;

use crate::model::{Ballot, PointsEntry, Poll, PollId, PollQuery, Receipt};
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    #[serde(rename = "_id")]
    pub poll_id: PollId,
    pub root: String,
    pub ballots: u64,
    pub counters: Counters,
    /// Hex root of each block of [`crate::verify::BLOCK`] receipts.
    pub block_roots: Vec<String>,
    /// The first receipt of each block.
    pub block_firsts: Vec<Receipt>,
    #[serde(with = "time::serde::timestamp::milliseconds_i64")]
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use veche_core::clock::{from_millis, to_millis};

    use super::*;

    /// A poll document as versions before this one wrote it (through a separate record type):
    /// instants in milliseconds, and the seal's three fields null until it is sealed.
    fn older_form(sealed: bool) -> Value {
        let seal = |v: Value| if sealed { v } else { Value::Null };
        json!({
            "_id": "p1", "title": "Каток", "description": "Где заливать каток",
            "questions": [{
                "id": "q1", "text": "Где?", "choice": { "kind": "single" }, "required": true,
                "options": [{ "id": "o1", "text": "Во дворе" }],
            }],
            "audience": { "districts": ["arbat"], "okrugs": [], "verified_only": true, "min_age": 16 },
            "opens_at": 1_790_000_000_000_i64, "closes_at": 1_790_600_000_000_i64,
            "points": 20, "visibility": "after_close", "phase": if sealed { "sealed" } else { "scheduled" },
            "decision": null, "decision_at": null, "created_by": "a1", "organisation_id": "org1",
            "created_at": 1_789_000_000_000_i64, "updated_at": 1_789_500_000_000_i64,
            "version": 7, "frozen": true, "announced": true, "results_announced": false,
            "seal_root": seal(json!("ab".repeat(32))), "seal_ballots": seal(json!(3)),
            "sealed_at": seal(json!(1_790_700_000_000_i64)),
        })
    }

    #[test]
    fn a_poll_reads_the_form_older_versions_stored_and_writes_the_same_fields() {
        for sealed in [false, true] {
            let stored = older_form(sealed);
            let poll: Poll = serde_json::from_value(stored.clone()).unwrap();
            assert_eq!(poll.id.as_str(), "p1");
            assert_eq!(
                poll.phase.as_str(),
                if sealed { "sealed" } else { "scheduled" }
            );
            assert_eq!(poll.version, 7);
            assert_eq!(poll.points, 20);
            assert_eq!(
                poll.opens_at.map(veche_core::clock::to_millis),
                Some(1_790_000_000_000)
            );
            assert_eq!(poll.decision_at, None);
            assert_eq!(poll.questions[0].options[0].text, "Во дворе");
            assert_eq!(poll.audience.min_age, Some(16));
            match &poll.seal {
                Some(seal) => {
                    assert!(sealed);
                    assert_eq!(seal.root, "ab".repeat(32));
                    assert_eq!(seal.ballots, 3);
                    assert_eq!(to_millis(seal.sealed_at), 1_790_700_000_000);
                }
                None => assert!(!sealed, "a sealed poll read without its seal"),
            }

            // Written back: the same fields with the same values; an unsealed poll leaves the
            // seal's fields out rather than null (both read as no seal).
            let mut expected = stored;
            if !sealed {
                let fields = expected.as_object_mut().unwrap();
                for field in ["seal_root", "seal_ballots", "sealed_at"] {
                    fields.remove(field);
                }
            }
            assert_eq!(serde_json::to_value(&poll).unwrap(), expected);
        }
    }

    #[test]
    fn a_ballot_reads_and_writes_the_form_older_versions_stored() {
        let stored = json!({
            "_id": "b1", "poll_id": "p1", "account_id": "a1",
            "answers": [{ "q": "q1", "o": ["o1", "o2"] }, { "q": "q2", "o": ["o3"] }],
            "district_id": "arbat", "age_bracket": "25_34", "receipt": "r1", "points": 20,
            "cast_at": 1_790_000_000_123_i64,
        });
        let ballot: Ballot = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(ballot.id.as_str(), "b1");
        assert_eq!(ballot.answers.len(), 2);
        assert_eq!(ballot.answers[0].question.as_str(), "q1");
        assert_eq!(ballot.answers[0].options[1].as_str(), "o2");
        assert_eq!(ballot.age_bracket.as_str(), "25_34");
        assert_eq!(ballot.points, 20);
        assert_eq!(to_millis(ballot.cast_at), 1_790_000_000_123);
        assert_eq!(serde_json::to_value(&ballot).unwrap(), stored);
        // SQLite keeps the answers alone in a column, in the same `{q, o}` form.
        assert_eq!(
            serde_json::to_value(&ballot.answers).unwrap(),
            stored["answers"]
        );
    }

    #[test]
    fn a_seal_is_stored_under_its_poll_id_with_its_instant_in_milliseconds() {
        let seal = Seal {
            poll_id: PollId::from_trusted("p1".to_string()),
            root: "ab".repeat(32),
            ballots: 2,
            counters: Counters::default(),
            block_roots: vec!["cd".repeat(32)],
            block_firsts: vec![Receipt::from_trusted("r1".to_string())],
            sealed_at: from_millis(1_790_700_000_000),
        };
        let stored = serde_json::to_value(&seal).unwrap();
        assert_eq!(stored["_id"], "p1");
        assert_eq!(stored["ballots"], 2);
        assert_eq!(stored["block_firsts"], json!(["r1"]));
        assert_eq!(stored["sealed_at"], 1_790_700_000_000_i64);
        assert_eq!(serde_json::from_value::<Seal>(stored).unwrap(), seal);
    }
}
