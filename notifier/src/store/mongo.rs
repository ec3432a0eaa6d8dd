//! The outbox on MongoDB. Claims are single-document `findOneAndUpdate`s, so no two workers
//! ever hold the same job, on one server or a sharded cluster, without transactions.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{doc, DateTime, Document};
use mongodb::options::ReturnDocument;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::accounts::model::Email;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::notify::{Kind, Recipient};
use veche_core::storage::mongo::{
    bson_time, find_sorted, from_bson_time, pass_gate, past, Index, Named,
};
use veche_core::storage::Mongo;
use veche_core::web::i18n::Lang;
use veche_core::{StoreError, StoreResult};

use super::OutboxStore;
use crate::model::{Delivery, Job, JobId, JobState, Outcome, Preferences, Suppression};

#[derive(Serialize, Deserialize)]
struct JobDoc {
    #[serde(rename = "_id")]
    id: String,
    key: String,
    kind: String,
    account_id: Option<String>,
    email: String,
    name: Option<String>,
    locale: String,
    data: BTreeMap<String, String>,
    state: String,
    attempts: i64,
    /// How many times the job was claimed (never given back, unlike `attempts`): numbers the
    /// claims in `outbox_claims`.
    #[serde(default)]
    claims: i64,
    next_at: DateTime,
    lease: Option<String>,
    created_at: DateTime,
    updated_at: DateTime,
    sent_at: Option<DateTime>,
    last_error: Option<String>,
    digest_day: Option<String>,
    digest_id: Option<String>,
}

impl From<&Job> for JobDoc {
    fn from(j: &Job) -> Self {
        JobDoc {
            id: j.id.to_string(),
            key: j.key.clone(),
            kind: j.kind.to_string(),
            account_id: j.recipient.account_id.as_ref().map(|a| a.to_string()),
            email: j.recipient.email.to_string(),
            name: j.recipient.name.clone(),
            locale: j.locale.code().to_string(),
            data: j.data.clone(),
            state: j.state.as_str().to_string(),
            attempts: i64::from(j.attempts),
            claims: 0,
            next_at: bson_time(j.next_at),
            lease: j.lease.clone(),
            created_at: bson_time(j.created_at),
            updated_at: bson_time(j.updated_at),
            sent_at: j.sent_at.map(bson_time),
            last_error: j.last_error.clone(),
            digest_day: j.digest_day.clone(),
            digest_id: j.digest_id.as_ref().map(|d| d.to_string()),
        }
    }
}

impl From<JobDoc> for Job {
    fn from(d: JobDoc) -> Self {
        Job {
            id: JobId::from_trusted(d.id),
            key: d.key,
            kind: Kind::from_trusted(d.kind),
            recipient: Recipient {
                account_id: d.account_id.map(AccountId::from_trusted),
                email: Email::from_trusted(d.email),
                name: d.name,
            },
            locale: Lang::parse(&d.locale).unwrap_or(Lang::Ru),
            data: d.data,
            state: JobState::parse(&d.state).unwrap_or(JobState::Dead),
            attempts: d.attempts.clamp(0, i64::from(u32::MAX)) as u32,
            next_at: from_bson_time(d.next_at),
            lease: d.lease,
            created_at: from_bson_time(d.created_at),
            updated_at: from_bson_time(d.updated_at),
            sent_at: d.sent_at.map(from_bson_time),
            last_error: d.last_error,
            digest_day: d.digest_day,
            digest_id: d.digest_id.map(JobId::from_trusted),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PreferenceDoc {
    /// `<account id>:<kind>`.
    #[serde(rename = "_id")]
    id: String,
    account_id: String,
    kind: String,
    delivery: String,
}

#[derive(Serialize, Deserialize)]
struct SuppressionDoc {
    #[serde(rename = "_id")]
    email: String,
    reason: String,
    at: DateTime,
}

/// The collections, each with the type its documents are read as.
const OUTBOX: Named<JobDoc> = Named::new("outbox");
const OUTBOX_CLAIMS: Named<Document> = Named::new("outbox_claims");
const MAIL_PREFERENCES: Named<PreferenceDoc> = Named::new("mail_preferences");
const MAIL_SUPPRESSIONS: Named<SuppressionDoc> = Named::new("mail_suppressions");

pub struct MongoOutbox {
    db: Mongo,
}

/// Every field holding an instant, by collection: all are written as BSON dates, and the
/// migration at open rewrites any stored as integer milliseconds. No version of this adapter
/// wrote numbers here; the run is the same guarantee the other adapters give, for data loaded
/// by other means, and costs one lookup once it has completed.
const TIME_FIELDS: &[(&str, &[&str])] = &[
    (
        "outbox",
        &["next_at", "created_at", "updated_at", "sent_at"],
    ),
    ("outbox_claims", &["at"]),
    ("mail_suppressions", &["at"]),
];

impl MongoOutbox {
    pub fn new(db: Mongo) -> Self {
        MongoOutbox { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let db = &self.db;
        db.ensure_indexes(&[
            Index::unique("outbox", &["key"]),
            Index::on("outbox", &["state", "next_at"]),
            Index::on("outbox", &["state", "digest_day"]),
            Index::on("outbox", &["account_id", "state"]),
            Index::on("outbox", &["digest_id"]),
            Index::on("outbox", &["state", "updated_at"]),
            Index::on("outbox_claims", &["at"]),
            Index::on("mail_preferences", &["account_id"]),
        ])
        .await?;
        db.convert_millis_to_dates("notifier_times_as_dates", TIME_FIELDS)
            .await?;
        Ok(())
    }

    async fn find_jobs(
        &self,
        filter: Document,
        sort: Document,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        let found = find_sorted(&OUTBOX.of(&self.db), filter, sort, Some(limit)).await?;
        Ok(found.into_iter().map(Job::from).collect())
    }
}

#[async_trait]
impl OutboxStore for MongoOutbox {
    async fn insert(&self, job: &Job) -> StoreResult<bool> {
        match OUTBOX.of(&self.db).insert_one(JobDoc::from(job)).await {
            Ok(_) => Ok(true),
            // The id is a fresh ULID: a duplicate is the idempotency key.
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict(_) => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn claim(
        &self,
        lease: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // A claim is won by inserting `<job id>:<claim number>` into `outbox_claims`
        // (`pass_gate`), then the version-guarded update.
        // Workers read the same oldest due jobs: each tries them in its own random order, from a
        // window four times its batch, so that they rarely race for the same one.
        let mut candidates = find_sorted(
            &OUTBOX.of(&self.db),
            doc! { "state": "queued", "next_at": { "$lte": bson_time(now) } },
            doc! { "next_at": 1, "_id": 1 },
            Some(limit * 4),
        )
        .await?;
        candidates.shuffle(&mut rand::thread_rng());
        let mut jobs = Vec::with_capacity(limit);
        for candidate in candidates {
            if jobs.len() == limit {
                break;
            }
            let claim_no = candidate.claims + 1;
            let gate = doc! {
                "_id": format!("{}:{claim_no}", candidate.id),
                "lease": lease,
                "at": bson_time(now),
            };
            if !pass_gate(&OUTBOX_CLAIMS.of(&self.db), gate).await? {
                continue;
            }
            let won = OUTBOX
                .of(&self.db)
                .find_one_and_update(
                    doc! { "_id": &candidate.id, "claims": candidate.claims, "state": "queued" },
                    doc! {
                        "$set": {
                            "lease": lease,
                            "next_at": bson_time(lease_until),
                            "updated_at": bson_time(now),
                        },
                        "$inc": { "attempts": 1_i64, "claims": 1_i64 },
                    },
                )
                .return_document(ReturnDocument::After)
                .await?;
            if let Some(doc) = won {
                jobs.push(Job::from(doc));
            }
        }
        Ok(jobs)
    }

    async fn finish(
        &self,
        id: &JobId,
        lease: &str,
        outcome: &Outcome,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let state = outcome.state().as_str();
        let now = bson_time(now);
        let update = match outcome {
            Outcome::Sent { at, scrub } => {
                let mut set = doc! { "state": state, "lease": null, "sent_at": bson_time(*at),
                "updated_at": now, "last_error": null };
                if *scrub {
                    set.insert("data", Document::new());
                }
                doc! { "$set": set }
            }
            Outcome::Retry { next_at, error } => doc! { "$set": {
                "state": state, "lease": null, "next_at": bson_time(*next_at),
                "updated_at": now, "last_error": error,
            } },
            Outcome::Defer { next_at } => doc! {
                "$set": { "state": state, "lease": null, "next_at": bson_time(*next_at),
                    "updated_at": now },
                "$inc": { "attempts": -1_i64 },
            },
            Outcome::Dead { error } | Outcome::Skipped { reason: error } => doc! { "$set": {
                "state": state, "lease": null, "updated_at": now, "last_error": error,
            } },
            Outcome::Held { day } => doc! { "$set": {
                "state": state, "lease": null, "updated_at": now, "digest_day": day,
            } },
        };
        let result = OUTBOX
            .of(&self.db)
            .update_one(doc! { "_id": id.as_str(), "lease": lease }, update)
            .await?;
        Ok(result.matched_count == 1)
    }

    async fn job(&self, id: &JobId) -> StoreResult<Option<Job>> {
        Ok(OUTBOX
            .of(&self.db)
            .find_one(doc! { "_id": id.as_str() })
            .await?
            .map(Job::from))
    }

    async fn job_by_key(&self, key: &str) -> StoreResult<Option<Job>> {
        Ok(OUTBOX
            .of(&self.db)
            .find_one(doc! { "key": key })
            .await?
            .map(Job::from))
    }

    async fn list(
        &self,
        state: JobState,
        before: Option<&JobId>,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        let filter = past(
            doc! { "state": state.as_str() },
            "_id",
            "$lt",
            before.map(JobId::as_str),
        );
        self.find_jobs(filter, doc! { "_id": -1 }, limit).await
    }

    async fn requeue(&self, id: &JobId, now: OffsetDateTime) -> StoreResult<bool> {
        let result = OUTBOX
            .of(&self.db)
            .update_one(
                doc! { "_id": id.as_str(), "state": "dead" },
                doc! { "$set": {
                    "state": "queued", "attempts": 0_i64, "next_at": bson_time(now),
                    "lease": null, "updated_at": bson_time(now),
                } },
            )
            .await?;
        Ok(result.modified_count == 1)
    }

    async fn counts(&self) -> StoreResult<BTreeMap<JobState, u64>> {
        let mut cursor = self
            .db
            .collection::<Document>("outbox")
            .aggregate(vec![
                doc! { "$group": { "_id": "$state", "n": { "$sum": 1 } } },
            ])
            .await?;
        let mut counts: BTreeMap<JobState, u64> =
            JobState::ALL.into_iter().map(|s| (s, 0)).collect();
        while let Some(row) = cursor.try_next().await? {
            let state = row.get_str("_id").ok().and_then(JobState::parse);
            let n = row
                .get_i32("n")
                .map(i64::from)
                .or_else(|_| row.get_i64("n"))
                .unwrap_or(0);
            if let Some(state) = state {
                counts.insert(state, n.max(0) as u64);
            }
        }
        Ok(counts)
    }

    async fn held_through(&self, through_day: &str, limit: usize) -> StoreResult<Vec<Job>> {
        self.find_jobs(
            doc! { "state": "held", "digest_day": { "$lte": through_day } },
            doc! { "digest_day": 1, "_id": 1 },
            limit,
        )
        .await
    }

    async fn attach_held(
        &self,
        account: &AccountId,
        through_day: &str,
        digest_id: &JobId,
    ) -> StoreResult<u64> {
        let result = OUTBOX
            .of(&self.db)
            .update_many(
                doc! {
                    "account_id": account.as_str(),
                    "state": "held",
                    "digest_day": { "$lte": through_day },
                },
                doc! { "$set": { "state": "digested", "digest_id": digest_id.as_str() } },
            )
            .await?;
        Ok(result.modified_count)
    }

    async fn attached(&self, digest_id: &JobId) -> StoreResult<Vec<Job>> {
        let found = find_sorted(
            &OUTBOX.of(&self.db),
            doc! { "digest_id": digest_id.as_str() },
            doc! { "_id": 1 },
            None,
        )
        .await?;
        Ok(found.into_iter().map(Job::from).collect())
    }

    async fn purge(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        // A claim gate only matters while its claim could be raced: an hour is plenty.
        OUTBOX_CLAIMS.of(&self.db)
            .delete_many(doc! { "at": { "$lt": bson_time(cutoff.min(clock::now() - std::time::Duration::from_secs(3600))) } })
            .await?;
        Ok(OUTBOX
            .of(&self.db)
            .delete_many(doc! {
                "state": { "$in": ["sent", "skipped", "digested"] },
                "updated_at": { "$lt": bson_time(cutoff) },
            })
            .await?
            .deleted_count)
    }

    async fn preferences(&self, account: &AccountId) -> StoreResult<Preferences> {
        let found: Vec<PreferenceDoc> = MAIL_PREFERENCES
            .of(&self.db)
            .find(doc! { "account_id": account.as_str() })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|d| Delivery::parse(&d.delivery).ok().map(|v| (d.kind, v)))
            .collect())
    }

    async fn preferences_of(
        &self,
        accounts: &[AccountId],
    ) -> StoreResult<HashMap<AccountId, Preferences>> {
        let mut found: HashMap<AccountId, Preferences> = HashMap::new();
        if accounts.is_empty() {
            return Ok(found);
        }
        let ids: Vec<&str> = accounts.iter().map(|a| a.as_str()).collect();
        let docs: Vec<PreferenceDoc> = MAIL_PREFERENCES
            .of(&self.db)
            .find(doc! { "account_id": { "$in": ids } })
            .await?
            .try_collect()
            .await?;
        for d in docs {
            if let Ok(delivery) = Delivery::parse(&d.delivery) {
                found
                    .entry(AccountId::from_trusted(d.account_id))
                    .or_default()
                    .insert(d.kind, delivery);
            }
        }
        Ok(found)
    }

    async fn set_preference(
        &self,
        account: &AccountId,
        kind: &str,
        delivery: Delivery,
    ) -> StoreResult<()> {
        MAIL_PREFERENCES
            .of(&self.db)
            .replace_one(
                doc! { "_id": format!("{account}:{kind}") },
                PreferenceDoc {
                    id: format!("{account}:{kind}"),
                    account_id: account.to_string(),
                    kind: kind.to_string(),
                    delivery: delivery.as_str().to_string(),
                },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    async fn suppress(&self, s: &Suppression) -> StoreResult<()> {
        MAIL_SUPPRESSIONS
            .of(&self.db)
            .replace_one(
                doc! { "_id": s.email.as_str() },
                SuppressionDoc {
                    email: s.email.to_string(),
                    reason: s.reason.clone(),
                    at: bson_time(s.at),
                },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    async fn suppression(&self, email: &Email) -> StoreResult<Option<Suppression>> {
        Ok(MAIL_SUPPRESSIONS
            .of(&self.db)
            .find_one(doc! { "_id": email.as_str() })
            .await?
            .map(|d| Suppression {
                email: Email::from_trusted(d.email),
                reason: d.reason,
                at: from_bson_time(d.at),
            }))
    }

    async fn unsuppress(&self, email: &Email) -> StoreResult<bool> {
        Ok(MAIL_SUPPRESSIONS
            .of(&self.db)
            .delete_one(doc! { "_id": email.as_str() })
            .await?
            .deleted_count
            == 1)
    }
}
