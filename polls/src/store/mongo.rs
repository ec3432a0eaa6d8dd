//! The polls on MongoDB.
//!
//! A ballot is one `insertOne` guarded by the unique index on (poll, account): a thousand
//! concurrent submissions by one resident store one ballot.
//!
//! **Counters without a hot document.** Each app process counts the ballots it stored in memory
//! and adds them, every [`FLUSH_EVERY`], to its *own* counter document of the poll (`_id` =
//! `poll#shard`, one shard per process) with one `$inc`. A spike of ballots costs one counter
//! write per poll per process per tick instead of one per ballot, and no two processes ever
//! update the same counter document, so counts stay right even on servers whose `$inc` is not
//! atomic under concurrency (FerretDB v1 reads, changes and writes back).
//!
//! **After a crash.** Every ballot carries its process's shard and a sequence number; the
//! shard's document records the last sequence number it counted (`through`) and when its
//! process was last alive. A process that died leaves ballots counted nowhere: any server finds
//! shards silent for [`super::STALE_AFTER`] and counts their ballots after `through` from the ballots
//! themselves ([`PollStore::repair`]). Sealing recounts everything anyway.
//!
//! **Instants are BSON dates.** The records shared with SQLite hold integer milliseconds (what
//! its JSON wants); this adapter turns the fields listed in [`TIME_FIELDS`] into dates on the
//! way in and back on the way out, and the migration at open rewrites what older versions
//! stored as numbers.

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::Collection;
use time::OffsetDateTime;
use veche_core::clock::to_millis;
use veche_core::id::AccountId;
use veche_core::storage::mongo::{
    bson_time, find_sorted, find_stored, from_stored, one_of, past, replace_versioned, to_stored,
};
use veche_core::storage::Mongo;
use veche_core::{StoreError, StoreResult};

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::{Cast, PollStore, Seal};
use crate::model::{Ballot, PointsEntry, Poll, PollId, PollQuery, Receipt};
use crate::tally::{self, Counters};
use crate::verify::Entry;

/// How often a process adds the ballots it counted to its counter documents.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Even with nothing to add, a process touches its shards this often (it is alive).
const HEARTBEAT: Duration = Duration::from_secs(10);

pub struct MongoPolls {
    db: Mongo,
    tally: Arc<Tally>,
    /// The task that inserts concurrent ballots together (started by the first ballot).
    inserter: std::sync::OnceLock<mpsc::Sender<PendingInsert>>,
}

/// A ballot waiting for its batch's `insert_many`, and who to tell how it went.
struct PendingInsert {
    record: Document,
    ballot: Ballot,
    /// The ballot's sequence number in this process's shard.
    seq: u64,
    reply: oneshot::Sender<StoreResult<()>>,
}

/// The instants of a poll document ([`Poll`]).
const POLL_TIMES: &[&str] = &[
    "opens_at",
    "closes_at",
    "decision_at",
    "created_at",
    "updated_at",
    "sealed_at",
];
/// The instant of a ballot document ([`Ballot`]).
const BALLOT_TIMES: &[&str] = &["cast_at"];
/// The instant of a seal document ([`Seal`]).
const SEAL_TIMES: &[&str] = &["sealed_at"];

/// The polls' collections.
const POLLS: &str = "polls";
const BALLOTS: &str = "ballots";
const COUNTERS: &str = "poll_counters";
const BLOCKS: &str = "poll_blocks";
const SEALS: &str = "poll_seals";

/// Every field holding an instant, by collection, for the migration at open. Versions before
/// it stored the poll, ballot and seal instants as integer milliseconds; `alive_at` was always
/// a date and is listed so the list is complete.
const TIME_FIELDS: &[(&str, &[&str])] = &[
    (POLLS, POLL_TIMES),
    (BALLOTS, BALLOT_TIMES),
    (SEALS, SEAL_TIMES),
    (COUNTERS, &["alive_at"]),
];

/// The indexes made at open, each once: collection, name, and the fields in order, separated
/// by spaces (a leading `-`: descending).
const INDEXES: &[(&str, &str, &str)] = &[
    (POLLS, "phase_id", "phase -_id"),
    (POLLS, "organisation_id", "organisation_id -_id"),
    (BALLOTS, "one_per_resident", "poll_id account_id"),
    (BALLOTS, "poll_receipt", "poll_id receipt"),
    (BALLOTS, "account_history", "account_id -cast_at -poll_id"),
    (BALLOTS, "poll_shard_seq", "poll_id shard seq"),
    (COUNTERS, "poll_id", "poll_id"),
    (COUNTERS, "alive_at", "alive_at"),
];

/// The indexes of [`INDEXES`] that are unique.
const UNIQUE_INDEXES: &[&str] = &["one_per_resident", "poll_receipt"];

/// An index's keys from its fields as [`INDEXES`] lists them.
fn index_keys(fields: &str) -> Document {
    fields
        .split(' ')
        .map(|f| match f.strip_prefix('-') {
            Some(field) => (field.to_string(), Bson::Int32(-1)),
            None => (f.to_string(), Bson::Int32(1)),
        })
        .collect()
}

fn poll_from(document: Document) -> StoreResult<Poll> {
    from_stored(document, POLL_TIMES)
}

fn ballot_from(document: Document) -> StoreResult<Ballot> {
    from_stored(document, BALLOT_TIMES)
}

/// The most ballots inserted with one `insert_many`.
const INSERT_BATCH: usize = 256;

/// Inserts ballots sent at the same moment with one `insert_many` (unordered): a server (and
/// FerretDB, which commits each write on its own) pays one round trip and one commit for
/// them. Each sender hears its own outcome; a batch that fails as a whole is retried one
/// ballot at a time, so that each one gets its own answer.
///
/// Each stored ballot is counted here, before its sender is told: a request whose client went
/// away while its ballot was being inserted (its future dropped) leaves a stored ballot, and
/// that ballot must be in the live counts too.
async fn insert_ballots(
    collection: Collection<Document>,
    tally: Arc<Tally>,
    mut queue: mpsc::Receiver<PendingInsert>,
) {
    let mut batch: Vec<PendingInsert> = Vec::with_capacity(INSERT_BATCH);
    while let Some(first) = queue.recv().await {
        batch.push(first);
        while batch.len() < INSERT_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let docs: Vec<Document> = batch.iter().map(|p| p.record.clone()).collect();
        let outcome = collection.insert_many(docs).ordered(false).await;
        let per_ballot: Option<Vec<StoreResult<()>>> = match outcome {
            Ok(_) => Some(batch.iter().map(|_| Ok(())).collect()),
            Err(e) => match e.kind.as_ref() {
                mongodb::error::ErrorKind::InsertMany(m) if m.write_concern_error.is_none() => {
                    m.write_errors.as_ref().and_then(|errors| {
                        let mut results: Vec<StoreResult<()>> =
                            batch.iter().map(|_| Ok(())).collect();
                        for w in errors {
                            if w.code != 11000 || w.index >= results.len() {
                                return None;
                            }
                            results[w.index] = Err(StoreError::Conflict("ballot".into()));
                        }
                        Some(results)
                    })
                }
                _ => None,
            },
        };
        match per_ballot {
            Some(results) => {
                for (pending, result) in batch.drain(..).zip(results) {
                    if result.is_ok() {
                        tally.count(&pending.ballot, pending.seq);
                    }
                    let _ = pending.reply.send(result);
                }
            }
            None => {
                // Some went in, some may not have: each is tried again alone. One that the
                // batch stored answers as a duplicate, and is found under its own id.
                for pending in batch.drain(..) {
                    let id = pending.ballot.id.as_str().to_string();
                    let result = match collection
                        .insert_one(pending.record)
                        .await
                        .map_err(StoreError::from)
                    {
                        Err(StoreError::Conflict(key)) => {
                            match collection.find_one(doc! { "_id": &id }).await {
                                Ok(Some(_)) => Ok(()),
                                Ok(None) => Err(StoreError::Conflict(key)),
                                Err(e) => Err(e.into()),
                            }
                        }
                        other => other.map(|_| ()),
                    };
                    if result.is_ok() {
                        tally.count(&pending.ballot, pending.seq);
                    }
                    let _ = pending.reply.send(result);
                }
            }
        }
    }
}

/// This process's counts not yet written, and its shard.
struct Tally {
    db: Mongo,
    /// This process's shard: a fresh id at every start.
    shard: String,
    seq: AtomicU64,
    /// Poll → (counts not yet written, the highest sequence number among them, and whether the
    /// shard's document exists).
    pending: Mutex<HashMap<String, Pending>>,
    /// One flush at a time (the ticker, `flush()`, shutdown).
    flushing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Pending {
    counts: Counters,
    through: u64,
    last_touch: Option<std::time::Instant>,
}

impl MongoPolls {
    pub fn new(db: Mongo) -> Self {
        let tally = Arc::new(Tally {
            db: db.clone(),
            shard: ulid::Ulid::new().to_string(),
            seq: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            flushing: tokio::sync::Mutex::new(()),
        });
        MongoPolls {
            db,
            tally,
            inserter: std::sync::OnceLock::new(),
        }
    }

    /// Inserts one ballot document, together with the others sent at the same moment, and
    /// counts it once stored.
    async fn insert_ballot(&self, record: Document, ballot: &Ballot, seq: u64) -> StoreResult<()> {
        let queue = self.inserter.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * INSERT_BATCH);
            tokio::spawn(insert_ballots(
                self.db.collection(BALLOTS),
                self.tally.clone(),
                rx,
            ));
            tx
        });
        let (reply, answer) = oneshot::channel();
        queue
            .send(PendingInsert {
                record,
                ballot: ballot.clone(),
                seq,
                reply,
            })
            .await
            .map_err(|_| StoreError::Unavailable("the ballot inserter has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the ballot inserter has stopped".into()))?
    }

    /// Starts the ticker that writes this process's counts (it stops when the store is
    /// dropped).
    pub fn start(&self) {
        let weak: Weak<Tally> = Arc::downgrade(&self.tally);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                let Some(tally) = weak.upgrade() else { break };
                if let Err(e) = tally.flush().await {
                    tracing::warn!(error = %e, "writing ballot counts (kept, retried)");
                }
            }
        });
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let db = &self.db;
        for (collection, name, fields) in INDEXES {
            let unique = UNIQUE_INDEXES.contains(name);
            db.ensure_index(collection, index_keys(fields), name, unique)
                .await?;
        }
        db.convert_millis_to_dates("polls_times_as_dates", TIME_FIELDS)
            .await?;
        Ok(())
    }

    /// One of the polls' collections, by its name (one of the constants above).
    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// The ballot `filter` finds (by a unique key: the voter's or the receipt), if any.
    async fn ballot_where(&self, filter: Document) -> StoreResult<Option<Ballot>> {
        let found = self.coll(BALLOTS).find_one(filter).await?;
        found.map(ballot_from).transpose()
    }

    /// Adds `delta` to one counter document of the poll (created on first use). Two first
    /// upserts of one document may race: the loser sees a duplicate key and tries again, now
    /// as a plain update.
    async fn bump(&self, poll: &str, shard: &str, delta: &Counters) -> StoreResult<()> {
        if delta.is_empty() {
            return Ok(());
        }
        let mut inc = Document::new();
        for (key, n) in &delta.0 {
            inc.insert(key.as_str(), *n);
        }
        let id = format!("{poll}#{shard}");
        let update = doc! { "$inc": inc, "$setOnInsert": { "poll_id": poll } };
        let counters = self.coll(COUNTERS);
        retry_upsert(|| {
            counters
                .update_one(doc! { "_id": &id }, update.clone())
                .upsert(true)
                .into_future()
        })
        .await
    }
}

impl Tally {
    fn counters(&self) -> Collection<Document> {
        self.db.collection(COUNTERS)
    }

    /// Makes sure this process's counter document of `poll` exists before its first ballot is
    /// stored, so that a crash right after the ballot still leaves a shard to repair.
    async fn open_shard(&self, poll: &str) -> StoreResult<()> {
        let known = self
            .pending
            .lock()
            .map(|p| p.contains_key(poll))
            .unwrap_or(false);
        if known {
            return Ok(());
        }
        let id = format!("{poll}#{}", self.shard);
        let now = mongodb::bson::DateTime::now();
        let result = self
            .counters()
            .update_one(
                doc! { "_id": &id },
                doc! { "$setOnInsert": {
                    "poll_id": poll, "shard": &self.shard, "through": 0i64,
                    "alive_at": now, "retired": false,
                } },
            )
            .upsert(true)
            .await;
        match result.map_err(StoreError::from) {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.entry(poll.to_string()).or_default();
        }
        Ok(())
    }

    fn count(&self, ballot: &Ballot, seq: u64) {
        if let Ok(mut pending) = self.pending.lock() {
            let entry = pending.entry(ballot.poll_id.to_string()).or_default();
            entry.counts.count(ballot);
            entry.through = entry.through.max(seq);
        }
    }

    /// Writes what was counted since the last flush: one `$inc` per poll on this process's own
    /// document. What fails to be written is put back and retried at the next tick.
    async fn flush(&self) -> StoreResult<()> {
        let _one = self.flushing.lock().await;
        let due: Vec<(String, Counters, u64)> = match self.pending.lock() {
            Ok(mut pending) => pending
                .iter_mut()
                .filter(|(_, p)| {
                    !p.counts.is_empty() || p.last_touch.is_none_or(|t| t.elapsed() >= HEARTBEAT)
                })
                .map(|(poll, p)| {
                    p.last_touch = Some(std::time::Instant::now());
                    (poll.clone(), std::mem::take(&mut p.counts), p.through)
                })
                .collect(),
            Err(_) => return Ok(()),
        };
        let mut first_error = None;
        for (poll, counts, through) in due {
            let mut inc = Document::new();
            for (key, n) in &counts.0 {
                inc.insert(key.as_str(), *n);
            }
            let mut update = doc! { "$set": {
                "through": through as i64,
                "alive_at": mongodb::bson::DateTime::now(),
            } };
            if !inc.is_empty() {
                update.insert("$inc", inc);
            }
            let result = self
                .counters()
                .update_one(doc! { "_id": format!("{poll}#{}", self.shard) }, update)
                .await;
            if let Err(e) = result {
                if let Ok(mut pending) = self.pending.lock() {
                    pending.entry(poll).or_default().counts.merge(&counts);
                }
                first_error.get_or_insert(StoreError::from(e));
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Counts not yet written for `poll` (so that this process reads its own ballots at once).
    fn unwritten(&self, poll: &str) -> Counters {
        self.pending
            .lock()
            .ok()
            .and_then(|p| p.get(poll).map(|x| x.counts.clone()))
            .unwrap_or_default()
    }
}

/// Replaces (or inserts) a document. Sealing may run on two servers at once, and two upserts
/// of a new `_id` race: the loser gets a duplicate key, and simply replaces the winner's copy
/// (the same content: sealing is deterministic).
async fn upsert(
    collection: &Collection<Document>,
    id: &str,
    document: Document,
) -> StoreResult<()> {
    retry_upsert(|| {
        collection
            .replace_one(doc! { "_id": id }, document.clone())
            .upsert(true)
            .into_future()
    })
    .await
}

/// Runs an upsert again, up to five more times, while it loses the race to insert a new
/// `_id` (a duplicate key): the next try finds the document and updates it.
async fn retry_upsert<T, F, Fut>(mut upsert: F) -> StoreResult<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mongodb::error::Result<T>>,
{
    let mut attempt = 0;
    loop {
        match upsert().await.map_err(StoreError::from) {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict(_)) if attempt < 5 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

fn number(value: &Bson) -> i64 {
    match value {
        Bson::Int32(n) => i64::from(*n),
        Bson::Int64(n) => *n,
        Bson::Double(n) => *n as i64,
        _ => 0,
    }
}

#[async_trait]
impl PollStore for MongoPolls {
    async fn insert_poll(&self, poll: &Poll) -> StoreResult<()> {
        self.coll(POLLS)
            .insert_one(to_stored(poll, POLL_TIMES)?)
            .await?;
        Ok(())
    }

    async fn poll(&self, id: &PollId) -> StoreResult<Option<Poll>> {
        self.coll(POLLS)
            .find_one(doc! { "_id": id.as_str() })
            .await?
            .map(poll_from)
            .transpose()
    }

    async fn replace_poll(&self, poll: &Poll, expected: u64) -> StoreResult<bool> {
        let document = to_stored(poll, POLL_TIMES)?;
        replace_versioned(&self.coll(POLLS), poll.id.as_str(), expected, document).await
    }

    async fn freeze(&self, id: &PollId) -> StoreResult<()> {
        self.coll(POLLS)
            .update_one(
                doc! { "_id": id.as_str(), "frozen": false },
                doc! { "$set": { "frozen": true }, "$inc": { "version": 1i64 } },
            )
            .await?;
        Ok(())
    }

    async fn delete_draft(&self, id: &PollId, expected: u64) -> StoreResult<bool> {
        let result = self
            .coll(POLLS)
            .delete_one(doc! { "_id": id.as_str(), "phase": "draft", "version": expected as i64 })
            .await?;
        Ok(result.deleted_count == 1)
    }

    async fn list_polls(&self, query: &PollQuery) -> StoreResult<Vec<Poll>> {
        let mut filter = Document::new();
        one_of(
            &mut filter,
            "phase",
            query.phases.iter().map(|p| p.as_str()),
        );
        if let Some(org) = &query.organisation {
            filter.insert("organisation_id", org.as_str());
        }
        let before = query.before.as_ref().map(PollId::as_str);
        let documents: Vec<Document> = self
            .coll(POLLS)
            .find(past(filter, "_id", "$lt", before))
            .sort(doc! { "_id": -1 })
            .limit(query.limit.max(1) as i64)
            .await?
            .try_collect()
            .await?;
        documents.into_iter().map(poll_from).collect()
    }

    async fn cast(&self, ballot: &Ballot) -> StoreResult<Cast> {
        self.tally.open_shard(ballot.poll_id.as_str()).await?;
        let seq = self.tally.seq.fetch_add(1, Ordering::AcqRel) + 1;
        let mut record = to_stored(ballot, BALLOT_TIMES)?;
        record.insert("shard", self.tally.shard.as_str());
        record.insert("seq", seq as i64);
        // Stored and counted by the inserter (also if this future is dropped meanwhile).
        match self.insert_ballot(record, ballot, seq).await {
            Ok(()) => Ok(Cast::Stored),
            Err(StoreError::Conflict(_)) => {
                match self.ballot_of(&ballot.poll_id, &ballot.account_id).await? {
                    // Not expected (the inserter answers Ok when it finds this very ballot
                    // stored), but never answered as a second ballot of the resident.
                    Some(first) if first.id == ballot.id => Ok(Cast::Stored),
                    Some(first) => Ok(Cast::AlreadyVoted(Box::new(first))),
                    // Not the resident's ballot that clashed: a receipt collision, which a
                    // fresh random ballot id makes vanishingly rare.
                    None => Err(StoreError::Conflict("poll_receipt".into())),
                }
            }
            Err(other) => Err(other),
        }
    }

    async fn import_ballots(&self, ballots: &[Ballot]) -> StoreResult<u64> {
        let mut stored = 0u64;
        for chunk in ballots.chunks(1000) {
            let records: Vec<Document> = chunk
                .iter()
                .map(|b| to_stored(b, BALLOT_TIMES))
                .collect::<StoreResult<_>>()?;
            let inserted: Vec<&Ballot> =
                match self.coll(BALLOTS).insert_many(records).ordered(false).await {
                    Ok(_) => chunk.iter().collect(),
                    Err(e) => {
                        let duplicates: Option<Vec<usize>> = match e.kind.as_ref() {
                            mongodb::error::ErrorKind::InsertMany(m)
                                if m.write_concern_error.is_none() =>
                            {
                                m.write_errors.as_ref().and_then(|errors| {
                                    errors
                                        .iter()
                                        .map(|w| (w.code == 11000).then_some(w.index))
                                        .collect()
                                })
                            }
                            _ => None,
                        };
                        match duplicates {
                            Some(skip) => chunk
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| !skip.contains(i))
                                .map(|(_, b)| b)
                                .collect(),
                            None => return Err(e.into()),
                        }
                    }
                };
            stored += inserted.len() as u64;
            for poll in inserted
                .iter()
                .map(|b| b.poll_id.as_str())
                .collect::<std::collections::BTreeSet<_>>()
            {
                let counts = tally::recount(
                    inserted
                        .iter()
                        .copied()
                        .filter(|b| b.poll_id.as_str() == poll),
                );
                self.bump(poll, "import", &counts).await?;
            }
        }
        Ok(stored)
    }

    async fn ballot_of(&self, poll: &PollId, account: &AccountId) -> StoreResult<Option<Ballot>> {
        self.ballot_where(doc! { "poll_id": poll.as_str(), "account_id": account.as_str() })
            .await
    }

    async fn ballot_by_receipt(
        &self,
        poll: &PollId,
        receipt: &Receipt,
    ) -> StoreResult<Option<Ballot>> {
        self.ballot_where(doc! { "poll_id": poll.as_str(), "receipt": receipt.as_str() })
            .await
    }

    async fn ballots_page(
        &self,
        poll: &PollId,
        after: Option<&Receipt>,
        limit: usize,
    ) -> StoreResult<Vec<Ballot>> {
        let filter = doc! { "poll_id": poll.as_str() };
        let filter = past(filter, "receipt", "$gt", after.map(Receipt::as_str));
        let sort = doc! { "receipt": 1 };
        let found = find_sorted(&self.coll(BALLOTS), filter, sort, Some(limit.max(1))).await?;
        found.into_iter().map(ballot_from).collect()
    }

    async fn voters(
        &self,
        poll: &PollId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let filter = doc! { "poll_id": poll.as_str() };
        let filter = past(filter, "account_id", "$gt", after.map(AccountId::as_str));
        let docs: Vec<Document> = self
            .coll(BALLOTS)
            .find(filter)
            .sort(doc! { "account_id": 1 })
            .limit(limit.max(1) as i64)
            .projection(doc! { "account_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_str("account_id").ok())
            .map(|a| AccountId::from_trusted(a.to_string()))
            .collect())
    }

    async fn counters(&self, poll: &PollId) -> StoreResult<Counters> {
        // No flush while reading: the counts are either still in memory or already written,
        // never both nor neither.
        let _no_flush = self.tally.flushing.lock().await;
        let docs: Vec<Document> = self
            .coll(COUNTERS)
            .find(doc! { "poll_id": poll.as_str() })
            .await?
            .try_collect()
            .await?;
        let mut counters = self.tally.unwritten(poll.as_str());
        for d in &docs {
            for (key, value) in d {
                // Counter names are `n` or contain `|`; the rest is the shard's bookkeeping.
                if key == "n" || key.contains('|') {
                    counters.add(key, number(value));
                }
            }
        }
        Ok(counters)
    }

    async fn add_counters(&self, poll: &PollId, delta: &Counters) -> StoreResult<()> {
        self.bump(poll.as_str(), "fix", delta).await
    }

    async fn flush(&self) -> StoreResult<()> {
        self.tally.flush().await
    }

    async fn repair(&self, silent_for: Duration) -> StoreResult<u64> {
        let stale = mongodb::bson::DateTime::from_millis(
            to_millis(veche_core::clock::now()) - silent_for.as_millis() as i64,
        );
        let shards: Vec<Document> = self
            .coll(COUNTERS)
            .find(doc! { "retired": false, "alive_at": { "$lt": stale } })
            .await?
            .try_collect()
            .await?;
        let mut recovered = 0u64;
        for shard_doc in shards {
            let (Ok(id), Ok(poll), Ok(shard)) = (
                shard_doc.get_str("_id"),
                shard_doc.get_str("poll_id"),
                shard_doc.get_str("shard"),
            ) else {
                continue;
            };
            if shard == self.tally.shard {
                continue;
            }
            let through = shard_doc.get("through").map(number).unwrap_or(0);
            let mut counts = Counters::default();
            let mut last = through;
            let mut cursor = self
                .db
                .collection::<Document>(BALLOTS)
                .find(doc! { "poll_id": poll, "shard": shard, "seq": { "$gt": through } })
                .await?;
            while let Some(raw) = cursor.try_next().await? {
                last = last.max(raw.get("seq").map(number).unwrap_or(0));
                counts.count(&ballot_from(raw)?);
            }
            let n = counts.ballots().max(0) as u64;
            let mut inc = Document::new();
            for (key, v) in &counts.0 {
                inc.insert(key.as_str(), *v);
            }
            let mut update = doc! { "$set": { "through": last, "retired": true } };
            if !inc.is_empty() {
                update.insert("$inc", inc);
            }
            // Only if nobody repaired it meanwhile (same `through`).
            let done = self
                .coll(COUNTERS)
                .update_one(
                    doc! { "_id": id, "through": through, "retired": false },
                    update,
                )
                .await?;
            if done.matched_count == 1 && n > 0 {
                tracing::warn!(
                    poll,
                    shard,
                    ballots = n,
                    "counted the ballots of a process that died before writing its counts"
                );
                recovered += n;
            }
        }
        Ok(recovered)
    }

    async fn save_block(&self, poll: &PollId, index: u32, entries: &[Entry]) -> StoreResult<()> {
        let receipts = mongodb::bson::to_bson(entries)?;
        let id = format!("{poll}#{index}");
        let block = doc! { "_id": &id, "poll_id": poll.as_str(), "idx": index as i64, "receipts": receipts };
        upsert(&self.coll(BLOCKS), &id, block).await
    }

    async fn block(&self, poll: &PollId, index: u32) -> StoreResult<Option<Vec<Entry>>> {
        let found = self
            .coll(BLOCKS)
            .find_one(doc! { "_id": format!("{poll}#{index}") })
            .await?;
        match found.and_then(|d| d.get("receipts").cloned()) {
            Some(entries) => Ok(Some(mongodb::bson::from_bson(entries)?)),
            None => Ok(None),
        }
    }

    async fn save_seal(&self, seal: &Seal) -> StoreResult<()> {
        let record = to_stored(seal, SEAL_TIMES)?;
        upsert(&self.coll(SEALS), seal.poll_id.as_str(), record).await
    }

    async fn seal(&self, poll: &PollId) -> StoreResult<Option<Seal>> {
        find_stored(&self.coll(SEALS), poll.as_str(), SEAL_TIMES).await
    }

    async fn points_history(
        &self,
        account: &AccountId,
        before: Option<(OffsetDateTime, PollId)>,
        limit: usize,
    ) -> StoreResult<Vec<PointsEntry>> {
        let mut filter = doc! { "account_id": account.as_str() };
        if let Some((at, poll)) = before {
            // A date, as stored: `$lt` on a date matches dates only.
            let at = bson_time(at);
            filter.insert(
                "$or",
                vec![
                    doc! { "cast_at": { "$lt": at } },
                    doc! { "cast_at": at, "poll_id": { "$lt": poll.as_str() } },
                ],
            );
        }
        let documents: Vec<Document> = self
            .coll(BALLOTS)
            .find(filter)
            .sort(doc! { "cast_at": -1, "poll_id": -1 })
            .limit(limit.max(1) as i64)
            .await?
            .try_collect()
            .await?;
        documents
            .into_iter()
            .map(|d| {
                let ballot = ballot_from(d)?;
                Ok(PointsEntry {
                    poll_id: ballot.poll_id,
                    points: ballot.points,
                    at: ballot.cast_at,
                })
            })
            .collect()
    }

    async fn points_balance(&self, account: &AccountId) -> StoreResult<u64> {
        let mut cursor = self
            .db
            .collection::<Document>(BALLOTS)
            .aggregate(vec![
                doc! { "$match": { "account_id": account.as_str() } },
                doc! { "$group": { "_id": Bson::Null, "total": { "$sum": "$points" } } },
            ])
            .await?;
        let total = match cursor.try_next().await? {
            Some(d) => d.get("total").map(number).unwrap_or(0),
            None => 0,
        };
        Ok(total.max(0) as u64)
    }
}
