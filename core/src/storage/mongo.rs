//! The production store: MongoDB through the official driver.
//!
//! Only what both MongoDB 6+ and the test server (FerretDB v1.24) support is used, so every line
//! here runs in the tests: unique and compound indexes, single-document atomic updates,
//! `findAndModify`, and simple aggregation stages. No transactions, TTL indexes or `$lookup`.

use std::future::IntoFuture;
use std::marker::PhantomData;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use serde::de::DeserializeOwned;

use crate::error::{StoreError, StoreResult};
use crate::storage::as_i64;

/// An ascending index on `fields` of `collection`, named as MongoDB names it by default
/// (`state_1_next_at_1`).
#[derive(Clone, Copy, Debug)]
pub struct Index {
    pub collection: &'static str,
    pub fields: &'static [&'static str],
    pub unique: bool,
}

impl Index {
    pub const fn on(collection: &'static str, fields: &'static [&'static str]) -> Index {
        Index {
            collection,
            fields,
            unique: false,
        }
    }

    pub const fn unique(collection: &'static str, fields: &'static [&'static str]) -> Index {
        Index {
            collection,
            fields,
            unique: true,
        }
    }

    fn name(&self) -> String {
        let keys: Vec<String> = self.fields.iter().map(|f| format!("{f}_1")).collect();
        keys.join("_")
    }
}

/// A collection's name with the type its documents are read as: one constant per collection
/// in an adapter (`const SESSIONS: Named<SessionDoc> = Named::new("sessions")`), opened in a
/// database with [`Named::of`] (`SESSIONS.of(&self.db)`).
pub struct Named<T> {
    name: &'static str,
    documents: PhantomData<fn() -> T>,
}

impl<T> Named<T> {
    pub const fn new(name: &'static str) -> Named<T> {
        Named {
            name,
            documents: PhantomData,
        }
    }

    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T: Send + Sync> Named<T> {
    /// The collection in `db`, its documents read as `T`.
    pub fn of(self, db: &Mongo) -> Collection<T> {
        db.collection(self.name)
    }
}

impl<T> Clone for Named<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Named<T> {}

#[derive(Clone, Debug)]
pub struct Mongo {
    client: Client,
    db: Database,
}

impl Mongo {
    /// Connects lazily: the driver dials on first use, so start-up does not hang on a dead
    /// server; [`Mongo::ping`] is what proves the server is there. The database name comes from
    /// the URI's path (`mongodb://host/veche`), `veche` when the URI names none.
    pub async fn connect(uri: &str) -> StoreResult<Mongo> {
        let mut options = ClientOptions::parse(uri)
            .await
            .map_err(|e| StoreError::Unavailable(format!("bad MONGODB_URI: {e}")))?;
        options.app_name = Some("veche".into());
        // Fail fast when the server is gone, so /readyz and requests answer 503 quickly
        // instead of hanging for the driver's default 30 s.
        options
            .server_selection_timeout
            .get_or_insert(Duration::from_secs(5));
        options
            .connect_timeout
            .get_or_insert(Duration::from_secs(5));
        options.command_event_handler = Some(mongodb::event::EventHandler::callback(
            |event: mongodb::event::command::CommandEvent| {
                use mongodb::event::command::CommandEvent;
                // Which command went to which collection (`RUST_LOG=veche_core::storage=trace`):
                // what finds a round trip nobody expected. Never the command's body (it may
                // carry a resident's data).
                if let CommandEvent::Started(e) = &event {
                    let target = e.command.iter().next().map(|(_, v)| v);
                    tracing::trace!(
                        command = %e.command_name,
                        collection = target.and_then(|v| v.as_str()).unwrap_or("-"),
                        "mongodb command"
                    );
                }
                let (name, duration) = match &event {
                    CommandEvent::Succeeded(e) => (e.command_name.as_str(), e.duration),
                    CommandEvent::Failed(e) => (e.command_name.as_str(), e.duration),
                    _ => return,
                };
                crate::metrics::STORE_LATENCY
                    .with_label_values(&["mongodb", name])
                    .observe(duration.as_secs_f64());
            },
        ));
        let name = options
            .default_database
            .clone()
            .unwrap_or_else(|| "veche".into());
        let client = Client::with_options(options)?;
        let db = client.database(&name);
        Ok(Mongo { client, db })
    }

    /// The same server, another database (tests use one fresh database each).
    pub fn with_database(&self, name: &str) -> Mongo {
        Mongo {
            client: self.client.clone(),
            db: self.client.database(name),
        }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn collection<T: Send + Sync>(&self, name: &str) -> mongodb::Collection<T> {
        self.db.collection(name)
    }

    pub async fn ping(&self) -> StoreResult<()> {
        self.db.run_command(doc! { "ping": 1 }).await?;
        Ok(())
    }

    /// Creates an index if it does not exist yet (idempotent; run at every start).
    pub async fn ensure_index(
        &self,
        collection: &str,
        keys: Document,
        name: &str,
        unique: bool,
    ) -> StoreResult<()> {
        let options = IndexOptions::builder()
            .name(name.to_string())
            .unique(unique)
            .build();
        let model = IndexModel::builder().keys(keys).options(options).build();
        self.db
            .collection::<Document>(collection)
            .create_index(model)
            .await?;
        Ok(())
    }

    /// Creates each of `indexes` that does not exist yet, in order (idempotent; run at every
    /// start).
    pub async fn ensure_indexes(&self, indexes: &[Index]) -> StoreResult<()> {
        for index in indexes {
            let keys: Document = index
                .fields
                .iter()
                .map(|f| (f.to_string(), Bson::Int32(1)))
                .collect();
            self.ensure_index(index.collection, keys, &index.name(), index.unique)
                .await?;
        }
        Ok(())
    }

    /// Rewrites instants stored as integer milliseconds (numbers) in the named fields as BSON
    /// dates, once per database: `migration` names the run, and a document under that `_id` in
    /// `migrations` records that it completed, so later starts cost one lookup instead of a scan
    /// of every listed field (the test server cannot use an index for `$type`). Returns how many
    /// fields it rewrote.
    ///
    /// Every instant is a date so that one filter or sort sees one type: MongoDB orders all
    /// numbers before all dates and `$lt: <date>` never matches a number, so a collection holding
    /// both forms filters and sorts wrongly without any error.
    ///
    /// Safe without transactions and with several servers starting at once: each document is
    /// `$set` on its own, only while it still holds the number that was read (a value rewritten
    /// meanwhile is left alone), and a run cut short is simply finished by the next start (what
    /// was converted no longer matches `$type: "number"`). Documents are read in `_id` order in
    /// batches, so the scan ends even if numbers keep arriving. Numbers written after the run
    /// completed (say, by a process of an older version during a rolling upgrade) stay numbers:
    /// delete the `migrations` document to convert them too. A changed list of fields needs a
    /// new `migration` name.
    pub async fn convert_millis_to_dates(
        &self,
        migration: &str,
        collections: &[(&str, &[&str])],
    ) -> StoreResult<u64> {
        let migrations = self.db.collection::<Document>("migrations");
        if migrations
            .find_one(doc! { "_id": migration })
            .await?
            .is_some()
        {
            return Ok(0);
        }
        let mut converted = 0u64;
        for (collection, fields) in collections {
            let collection = self.db.collection::<Document>(collection);
            for field in *fields {
                converted += millis_to_dates_in(&collection, field).await?;
            }
        }
        let marked = migrations
            .update_one(
                doc! { "_id": migration },
                doc! { "$setOnInsert": {
                    "done_at": mongodb::bson::DateTime::now(),
                    "converted": as_i64(converted),
                } },
            )
            .upsert(true)
            .await;
        match marked.map_err(StoreError::from) {
            // Another server finished the same run at the same moment.
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(converted),
            Err(e) => Err(e),
        }
    }

    /// Drops the whole database (tests only clean up after themselves with it).
    pub async fn drop_database(&self) -> StoreResult<()> {
        self.db.drop().await?;
        Ok(())
    }
}

/// How many documents [`Mongo::convert_millis_to_dates`] reads at once.
const CONVERT_BATCH: i64 = 500;
/// How many of its updates [`Mongo::convert_millis_to_dates`] has in flight at once.
const CONVERT_CONCURRENCY: usize = 16;

/// Converts one field of one collection (see [`Mongo::convert_millis_to_dates`]).
async fn millis_to_dates_in(
    collection: &mongodb::Collection<Document>,
    field: &str,
) -> StoreResult<u64> {
    let mut converted = 0u64;
    let mut after: Option<Bson> = None;
    loop {
        let mut filter = doc! { field: { "$type": "number" } };
        if let Some(last) = &after {
            filter.insert("_id", doc! { "$gt": last.clone() });
        }
        let batch: Vec<Document> = collection
            .find(filter)
            .sort(doc! { "_id": 1 })
            .limit(CONVERT_BATCH)
            .projection(doc! { field: 1 })
            .await?
            .try_collect()
            .await?;
        // No multi-statement `update` command (FerretDB 1.24 left one unanswered) nor
        // `bulkWrite` (MongoDB 8 only): one `updateOne` per document, a few at a time to overlap
        // the round trips.
        // Collected first: a lazy iterator of futures borrowing the batch inside the stream
        // makes the whole future not `Send` for every lifetime (what `async_trait` asks).
        let updates: Vec<_> = batch
            .iter()
            .filter_map(|found| {
                let id = found.get("_id")?;
                let value = found.get(field)?;
                let date = date_from_millis(value)?;
                Some(
                    collection
                        .update_one(
                            doc! { "_id": id.clone(), field: value.clone() },
                            doc! { "$set": { field: date } },
                        )
                        .into_future(),
                )
            })
            .collect();
        converted += futures::stream::iter(updates)
            .buffer_unordered(CONVERT_CONCURRENCY)
            .try_fold(
                0u64,
                |n, result| async move { Ok(n + result.modified_count) },
            )
            .await?;
        if (batch.len() as i64) < CONVERT_BATCH {
            return Ok(converted);
        }
        after = batch.last().and_then(|d| d.get("_id").cloned());
    }
}

/// The documents of `collection` that `filter` matches, in `sort` order, at most `limit` of
/// them (`None`: all). A limit of 0 finds nothing (MongoDB would read it as "no limit").
pub async fn find_sorted<T>(
    collection: &Collection<T>,
    filter: Document,
    sort: Document,
    limit: Option<usize>,
) -> StoreResult<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
{
    if limit == Some(0) {
        return Ok(Vec::new());
    }
    let mut find = collection.find(filter).sort(sort);
    if let Some(limit) = limit {
        find = find.limit(as_i64(limit));
    }
    Ok(find.await?.try_collect().await?)
}

/// `filter` narrowed to the documents whose `key` lies past `bound` (`op`: `$gt` for a page in
/// ascending order, `$lt` in descending): where the next page of a keyset pagination starts.
/// No bound: the first page, `filter` as it is.
pub fn past(mut filter: Document, key: &str, op: &str, bound: Option<&str>) -> Document {
    if let Some(bound) = bound {
        filter.insert(key, doc! { op: bound });
    }
    filter
}

/// Narrows `filter` to the documents whose `key` is one of `values`; no values, no condition
/// (a query's empty set of states means any state).
pub fn one_of<'a>(filter: &mut Document, key: &str, values: impl IntoIterator<Item = &'a str>) {
    let values: Vec<&str> = values.into_iter().collect();
    if !values.is_empty() {
        filter.insert(key, doc! { "$in": values });
    }
}

/// The record stored under `_id` = `id` (its `times` as [`from_stored`] reads them), if any.
pub async fn find_stored<T: DeserializeOwned>(
    collection: &Collection<Document>,
    id: &str,
    times: &[&str],
) -> StoreResult<Option<T>> {
    let found = collection.find_one(doc! { "_id": id }).await?;
    found.map(|d| from_stored(d, times)).transpose()
}

/// Replaces the versioned document `_id` = `id` by `document`, only while its `version` is
/// still `expected`: false when another writer changed (or removed) it first. One conditional
/// `replaceOne`, so optimistic concurrency needs no transaction.
pub async fn replace_versioned(
    collection: &Collection<Document>,
    id: &str,
    expected: u64,
    document: Document,
) -> StoreResult<bool> {
    let version = as_i64(expected);
    let result = collection
        .replace_one(doc! { "_id": id, "version": version }, document)
        .await?;
    Ok(result.matched_count == 1)
}

/// Passes a claim's gate: inserts `gate` (its `_id` names the claim, say `<job>:<claim
/// number>`) into `claims`, whose unique `_id` lets exactly one claimant through. False when
/// another claimant passed first. `findOneAndUpdate` alone would do on MongoDB, but the test
/// server (FerretDB) runs it as a read then a write, and two workers could take the same job;
/// a unique insert is atomic on both. The claim itself (a version-guarded update) follows.
pub async fn pass_gate(claims: &Collection<Document>, gate: Document) -> StoreResult<bool> {
    match claims.insert_one(gate).await.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The BSON date of an instant stored as integer milliseconds since the epoch (any BSON number
/// type, as drivers and shells write integers differently), or `None` for anything else.
pub fn date_from_millis(value: &Bson) -> Option<mongodb::bson::DateTime> {
    let millis = match value {
        Bson::Int64(n) => *n,
        Bson::Int32(n) => i64::from(*n),
        Bson::Double(x) if x.is_finite() => *x as i64,
        _ => return None,
    };
    Some(mongodb::bson::DateTime::from_millis(millis))
}

/// A record as the document stored: its instants (the `times` fields, integer milliseconds in
/// the record, as SQLite's JSON holds them) become BSON dates, so that filters and sorts on
/// them compare dates with dates. A field may be a dotted path (`appeal.filed_at`); a path
/// through an array (`updates.at`) reaches the field in each of its documents.
pub fn to_stored<T: serde::Serialize>(record: &T, times: &[&str]) -> StoreResult<Document> {
    let mut document = mongodb::bson::to_document(record)?;
    for path in times {
        convert_at(&mut document, path, &|value| {
            date_from_millis(value).map(Bson::DateTime)
        });
    }
    Ok(document)
}

/// A stored document as its record: the `times` dates back to integer milliseconds. A number
/// is taken as it is, so a document an older version wrote after the migration still reads.
pub fn from_stored<T: DeserializeOwned>(mut document: Document, times: &[&str]) -> StoreResult<T> {
    for path in times {
        convert_at(&mut document, path, &|value| match value {
            Bson::DateTime(at) => Some(Bson::Int64(at.timestamp_millis())),
            _ => None,
        });
    }
    Ok(mongodb::bson::from_document(document)?)
}

/// Replaces the value at the dotted `path` of `document` by what `convert` makes of it (left
/// alone where `convert` says `None`); arrays on the way are walked element by element.
fn convert_at(document: &mut Document, path: &str, convert: &dyn Fn(&Bson) -> Option<Bson>) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let Some(value) = document.get_mut(head) else {
        return;
    };
    convert_value(value, rest, convert);
}

fn convert_value(value: &mut Bson, rest: Option<&str>, convert: &dyn Fn(&Bson) -> Option<Bson>) {
    match (value, rest) {
        (Bson::Array(items), _) => {
            for item in items {
                convert_value(item, rest, convert);
            }
        }
        (Bson::Document(inner), Some(rest)) => convert_at(inner, rest, convert),
        (value, None) => {
            if let Some(converted) = convert(value) {
                *value = converted;
            }
        }
        _ => {}
    }
}

/// Millisecond timestamps are stored as BSON dates so that operators can query them naturally.
pub fn bson_time(at: time::OffsetDateTime) -> mongodb::bson::DateTime {
    mongodb::bson::DateTime::from_millis((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

pub fn from_bson_time(at: mongodb::bson::DateTime) -> time::OffsetDateTime {
    crate::clock::from_millis(at.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Update {
        at: i64,
        text: String,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Appeal {
        filed_at: i64,
        decided_at: Option<i64>,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Record {
        created_at: i64,
        appeal: Option<Appeal>,
        updates: Vec<Update>,
        count: i64,
    }

    const TIMES: &[&str] = &[
        "created_at",
        "appeal.filed_at",
        "appeal.decided_at",
        "updates.at",
    ];

    #[test]
    fn instants_in_sub_documents_and_arrays_become_dates_and_come_back() {
        let record = Record {
            created_at: 1_700_000_000_000,
            appeal: Some(Appeal {
                filed_at: 1_700_000_000_001,
                decided_at: None,
            }),
            updates: vec![
                Update {
                    at: 1_700_000_000_002,
                    text: "a".into(),
                },
                Update {
                    at: 1_700_000_000_003,
                    text: "b".into(),
                },
            ],
            count: 7,
        };
        let stored = to_stored(&record, TIMES).expect("encodes");
        let date = |millis| Bson::DateTime(mongodb::bson::DateTime::from_millis(millis));
        assert_eq!(stored.get("created_at"), Some(&date(1_700_000_000_000)));
        let appeal = stored.get_document("appeal").expect("appeal");
        assert_eq!(appeal.get("filed_at"), Some(&date(1_700_000_000_001)));
        assert_eq!(appeal.get("decided_at"), Some(&Bson::Null));
        let updates = stored.get_array("updates").expect("updates");
        for (update, millis) in updates.iter().zip([1_700_000_000_002, 1_700_000_000_003]) {
            let update = update.as_document().expect("a document");
            assert_eq!(update.get("at"), Some(&date(millis)));
        }
        // What is not an instant stays a number.
        assert_eq!(stored.get("count"), Some(&Bson::Int64(7)));
        let back: Record = from_stored(stored, TIMES).expect("decodes");
        assert_eq!(back, record);
    }
}
