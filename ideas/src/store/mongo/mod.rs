//! The ideas on MongoDB.
//!
//! An idea is one document holding, beside the idea, what finds it: its exact key, its band
//! keys and its search stems as arrays under multikey indexes, and its weighted terms for
//! scoring. Its support count is a field that only supports move (`$inc`), never a replace.
//!
//! A support is one `insertOne` guarded by the unique `_id` (idea, account), then one `$inc` of
//! the idea's count; a process killed between the two leaves the count one short until the next
//! merge or [`IdeaStore::move_supports`] sets it from the supports again.
//!
//! **Term counts** (how many of a project's ideas hold each term) are one small document per
//! (project, term): an idea's terms are created if missing with one unordered `insertMany` and
//! counted with one `updateMany`, two round trips whatever the number of terms.
//!
//! **Instants are BSON dates**: the fields in the `*_TIMES` lists become dates on the way in
//! and integer milliseconds (what the model's serde reads) on the way out.

use std::collections::BTreeSet;

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::Collection;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use veche_core::id::AccountId;
use veche_core::storage::mongo::{
    bson_time, find_sorted, find_stored, from_stored, one_of, past, replace_versioned, to_stored,
};
use veche_core::storage::{as_i64, Mongo};
use veche_core::{StoreError, StoreResult};

use super::{
    comment_awaits, head_from, Candidate, IdeaIndex, IdeaQuery, IdeaStore, QueueStats, Seen, Sort,
    SupportCheck, Supported, TermCounts,
};
use crate::log::{day_of, Action, Count, Entry};
use crate::model::{Comment, CommentId, Idea, IdeaId, Project, ProjectId, Reason, Score};
use crate::similar::Fingerprint;

const PROJECT_TIMES: &[&str] = &[
    "schedule.proposals",
    "schedule.discussion",
    "schedule.review",
    "schedule.results",
    "created_at",
    "updated_at",
];
const IDEA_TIMES: &[&str] = &[
    "created_at",
    "updated_at",
    "decided_at",
    "queued_at",
    "appeal.filed_at",
    "appeal.decided_at",
    "updates.at",
    "mail_due.since",
];
const COMMENT_TIMES: &[&str] = &["created_at"];
const SCORE_TIMES: &[&str] = &["at"];

/// The smallest BSON date: `queued_at > MIN` holds for every queued idea and for no other
/// (an idea out of the queue holds `null`), and it is an index range.
const NEVER: mongodb::bson::DateTime = mongodb::bson::DateTime::MIN;

mod fill;
mod indexes;
mod supports;

pub use indexes::INDEXES;

pub struct MongoIdeas {
    db: Mongo,
}

fn pair_id(a: &str, b: &str) -> String {
    format!("{a}|{b}")
}

fn term_id(project: &ProjectId, term: Option<u64>) -> String {
    match term {
        Some(term) => format!("{project}:{term:016x}"),
        None => format!("{project}:ideas"),
    }
}

/// What a duplicate key (an insert of what is already there) means for an idempotent insert:
/// nothing. Any other failure stands.
fn duplicates_are_fine<T>(result: mongodb::error::Result<T>) -> StoreResult<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// `insertMany` (unordered) of documents some of which may already be stored.
async fn insert_missing(collection: &Collection<Document>, docs: Vec<Document>) -> StoreResult<()> {
    if docs.is_empty() {
        return Ok(());
    }
    match collection.insert_many(docs).ordered(false).await {
        Ok(_) => Ok(()),
        Err(e) => match e.kind.as_ref() {
            mongodb::error::ErrorKind::InsertMany(m)
                if m.write_concern_error.is_none()
                    && m.write_errors
                        .as_ref()
                        .is_some_and(|errors| errors.iter().all(|w| w.code == 11000)) =>
            {
                Ok(())
            }
            _ => duplicates_are_fine(Err::<(), _>(e)).map(|_| ()),
        },
    }
}

fn idea_document(idea: &Idea, index: Option<&IdeaIndex>) -> StoreResult<Document> {
    let mut document = to_stored(idea, IDEA_TIMES)?;
    if let Some(index) = index {
        let fp = &index.fingerprint;
        document.insert("exact", fp.exact.clone());
        // Two arrays side by side: MongoDB-compatible servers do not all store nested arrays.
        let hashes: Vec<i64> = fp.terms.iter().map(|(h, _)| as_i64(*h)).collect();
        let weights: Vec<f64> = fp.terms.iter().map(|(_, w)| f64::from(*w)).collect();
        document.insert("terms", hashes);
        document.insert("weights", weights);
        let bands: Vec<i64> = fp.bands.iter().map(|b| as_i64(*b)).collect();
        document.insert("bands", bands);
        let stems: Vec<&str> = index.stems.iter().map(String::as_str).collect();
        document.insert("stems", stems);
    }
    Ok(document)
}

fn idea_from(document: Document) -> StoreResult<Idea> {
    from_stored(document, IDEA_TIMES)
}

/// An idea's terms as [`idea_document`] stored them (weights are 1 where missing).
fn terms_from(document: &Document) -> Vec<(u64, f32)> {
    let Ok(hashes) = document.get_array("terms") else {
        return Vec::new();
    };
    let weights = document.get_array("weights").ok();
    hashes
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = match h {
                Bson::Int64(h) => u64::try_from(*h).ok()?,
                _ => return None,
            };
            let w = match weights.and_then(|w| w.get(i)) {
                Some(Bson::Double(w)) => *w as f32,
                _ => 1.0,
            };
            Some((h, w))
        })
        .collect()
}

/// Only what the model reads: the index fields stay in the store.
fn without_index() -> Document {
    doc! { "exact": 0, "terms": 0, "weights": 0, "bands": 0, "stems": 0 }
}

impl MongoIdeas {
    pub fn new(db: Mongo) -> Self {
        MongoIdeas { db }
    }

    fn projects_col(&self) -> Collection<Document> {
        self.db.collection("idea_projects")
    }

    fn ideas_col(&self) -> Collection<Document> {
        self.db.collection("ideas")
    }

    fn col(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        for (collection, keys, name) in INDEXES {
            let keys: Document = keys
                .iter()
                .map(|(field, order)| (field.to_string(), Bson::Int32(*order)))
                .collect();
            self.db.ensure_index(collection, keys, name, false).await?;
        }
        self.fill_participants().await
    }

    /// A page of the accounts in `collection` whose `field` is `value`, in account order after
    /// `after` (the index on `field, account_id` serves it).
    async fn accounts_after(
        &self,
        collection: &str,
        (field, value): (&str, &str),
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let docs = find_sorted(
            &self.col(collection),
            past(
                doc! { field: value },
                "account_id",
                "$gt",
                after.map(AccountId::as_str),
            ),
            doc! { field: 1, "account_id": 1 },
            Some(limit),
        )
        .await?;
        Ok(ids_at(&docs, "account_id", AccountId::from_trusted))
    }

    /// At most `limit` ideas matching `filter`, in `sort`'s order, read without their index.
    async fn ideas_sorted(
        &self,
        filter: Document,
        sort: Document,
        limit: usize,
    ) -> StoreResult<Vec<Idea>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let docs: Vec<Document> = self
            .ideas_col()
            .find(filter)
            .sort(sort)
            .limit(as_i64(limit as u64))
            .projection(without_index())
            .await?
            .try_collect()
            .await?;
        docs.into_iter().map(idea_from).collect()
    }

    /// A page of the comments matching `filter` in `sort`'s order, past the comment `after`.
    async fn comments_page(
        &self,
        filter: Document,
        sort: Document,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>> {
        let filter = past(filter, "_id", "$gt", after.map(CommentId::as_str));
        let col = self.col("idea_comments");
        find_all_stored(&col, filter, sort, Some(limit), COMMENT_TIMES).await
    }

    async fn add_terms(&self, project: &ProjectId, terms: &[u64], delta: i64) -> StoreResult<()> {
        let ids: Vec<String> = terms
            .iter()
            .map(|t| term_id(project, Some(*t)))
            .chain([term_id(project, None)])
            .collect();
        let col = self.col("idea_terms");
        if delta > 0 {
            let docs = ids.iter().map(|id| doc! { "_id": id, "n": 0i64 }).collect();
            insert_missing(&col, docs).await?;
        }
        col.update_many(
            doc! { "_id": { "$in": ids } },
            doc! { "$inc": { "n": delta } },
        )
        .await?;
        Ok(())
    }
}

fn after_filter(key: &str, after: Option<(Bson, String)>, descending: bool) -> Document {
    let Some((value, id)) = after else {
        return Document::new();
    };
    let op = if descending { "$lt" } else { "$gt" };
    doc! { "$or": [
        { key: { op: value.clone() } },
        { key: value, "_id": { op: id } },
    ] }
}

/// The documents of `collection` matching `filter` in `sort`'s order (at most `limit`), read
/// back with their `times` as stored.
async fn find_all_stored<T: DeserializeOwned>(
    collection: &Collection<Document>,
    filter: Document,
    sort: Document,
    limit: Option<usize>,
    times: &[&str],
) -> StoreResult<Vec<T>> {
    let docs = find_sorted(collection, filter, sort, limit).await?;
    docs.into_iter().map(|d| from_stored(d, times)).collect()
}

/// The ids at `field` of the `docs` that have one, made by `id`.
fn ids_at<T, C: FromIterator<T>>(docs: &[Document], field: &str, id: fn(String) -> T) -> C {
    docs.iter()
        .filter_map(|d| d.get_str(field).ok())
        .map(|s| id(s.to_string()))
        .collect()
}

fn and(parts: Vec<Document>) -> Document {
    let parts: Vec<Document> = parts.into_iter().filter(|d| !d.is_empty()).collect();
    match parts.len() {
        0 => Document::new(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => doc! { "$and": parts },
    }
}

#[async_trait]
impl IdeaStore for MongoIdeas {
    async fn insert_project(&self, project: &Project) -> StoreResult<()> {
        self.projects_col()
            .insert_one(to_stored(project, PROJECT_TIMES)?)
            .await?;
        Ok(())
    }

    async fn project(&self, id: &ProjectId) -> StoreResult<Option<Project>> {
        find_stored(&self.projects_col(), id.as_str(), PROJECT_TIMES).await
    }

    async fn replace_project(&self, project: &Project, expected: u64) -> StoreResult<bool> {
        let document = to_stored(project, PROJECT_TIMES)?;
        replace_versioned(
            &self.projects_col(),
            project.id.as_str(),
            expected,
            document,
        )
        .await
    }

    async fn projects(
        &self,
        drafts: bool,
        after: Option<(i64, ProjectId)>,
        limit: usize,
    ) -> StoreResult<Vec<Project>> {
        let published = if drafts {
            Document::new()
        } else {
            doc! { "published": true }
        };
        let after = after.map(|(at, id)| {
            (
                Bson::DateTime(mongodb::bson::DateTime::from_millis(at)),
                id.to_string(),
            )
        });
        let filter = and(vec![published, after_filter("created_at", after, true)]);
        let sort = doc! { "created_at": -1, "_id": -1 };
        find_all_stored(
            &self.projects_col(),
            filter,
            sort,
            Some(limit),
            PROJECT_TIMES,
        )
        .await
    }

    async fn insert_idea(&self, idea: &Idea, index: &IdeaIndex) -> StoreResult<()> {
        self.ideas_col()
            .insert_one(idea_document(idea, Some(index))?)
            .await?;
        self.add_terms(&idea.project_id, &index.term_hashes(), 1)
            .await
    }

    async fn idea(&self, id: &IdeaId) -> StoreResult<Option<Idea>> {
        let found = self
            .ideas_col()
            .find_one(doc! { "_id": id.as_str() })
            .projection(without_index())
            .await?;
        found.map(idea_from).transpose()
    }

    async fn support_check(&self, id: &IdeaId, _: &AccountId) -> StoreResult<Option<SupportCheck>> {
        let head = self
            .ideas_col()
            .find_one(doc! { "_id": id.as_str() })
            .projection(doc! { "project_id": 1, "author_id": 1, "status": 1 })
            .await?;
        let Some(head) = head else {
            return Ok(None);
        };
        let field = |name: &str| {
            head.get_str(name)
                .map_err(|_| StoreError::Internal(format!("idea {id}: no {name}")))
        };
        let head = head_from(
            id,
            field("project_id")?,
            field("author_id")?,
            field("status")?,
        )?;
        let project = self
            .projects_col()
            .find_one(doc! { "_id": head.project_id.as_str() })
            .projection(doc! { "version": 1 })
            .await?;
        let version = project.and_then(|p| match p.get("version") {
            Some(Bson::Int64(v)) => u64::try_from(*v).ok(),
            Some(Bson::Int32(v)) => u64::try_from(*v).ok(),
            _ => None,
        });
        Ok(version.map(|project_version| SupportCheck {
            head,
            project_version,
            seen: None,
        }))
    }

    async fn replace_idea(
        &self,
        idea: &Idea,
        expected: u64,
        index: Option<&IdeaIndex>,
    ) -> StoreResult<bool> {
        let mut fields = idea_document(idea, index)?;
        fields.remove("supports");
        fields.remove("_id");
        let filter = doc! { "_id": idea.id.as_str(), "version": as_i64(expected) };
        let before = match index {
            Some(_) => {
                self.ideas_col()
                    .find_one_and_update(filter, doc! { "$set": fields })
                    .await?
            }
            None => {
                let result = self
                    .ideas_col()
                    .update_one(filter, doc! { "$set": fields })
                    .await?;
                return Ok(result.matched_count == 1);
            }
        };
        let (Some(before), Some(index)) = (before, index) else {
            return Ok(false);
        };
        let old: Vec<u64> = terms_from(&before).iter().map(|(h, _)| *h).collect();
        self.add_terms(&idea.project_id, &old, -1).await?;
        self.add_terms(&idea.project_id, &index.term_hashes(), 1)
            .await?;
        Ok(true)
    }

    async fn ideas(&self, query: &IdeaQuery) -> StoreResult<Vec<Idea>> {
        let mut filter = doc! { "project_id": query.project_id.as_str() };
        one_of(
            &mut filter,
            "status",
            query.statuses.iter().map(|s| s.as_str()),
        );
        if let Some(topic) = &query.topic {
            filter.insert("topic", topic.as_str());
        }
        if let Some(district) = &query.district_id {
            filter.insert("district_id", district.as_str());
        }
        if let Some(author) = &query.author_id {
            filter.insert("author_id", author.as_str());
        }
        if query.shortlisted {
            filter.insert("shortlisted", true);
        }
        if query.with_outcome {
            filter.insert("outcome", doc! { "$ne": Bson::Null });
        }
        if !query.stems.is_empty() {
            let stems: Vec<&str> = query.stems.iter().map(String::as_str).collect();
            filter.insert("stems", doc! { "$all": stems });
        }
        let key = match query.sort {
            Sort::Newest => "created_at",
            Sort::Supports => "supports",
        };
        let after = query.after.as_ref().map(|(value, id)| {
            let value = match query.sort {
                Sort::Newest => Bson::DateTime(mongodb::bson::DateTime::from_millis(*value)),
                Sort::Supports => Bson::Int64(*value),
            };
            (value, id.to_string())
        });
        let filter = and(vec![filter, after_filter(key, after, true)]);
        let sort = doc! { key: -1, "_id": -1 };
        self.ideas_sorted(filter, sort, query.limit).await
    }

    async fn queue(
        &self,
        project: Option<&ProjectId>,
        after: Option<(i64, IdeaId)>,
        limit: usize,
    ) -> StoreResult<Vec<Idea>> {
        let mut queued = doc! { "queued_at": { "$gt": NEVER } };
        if let Some(project) = project {
            queued.insert("project_id", project.as_str());
        }
        let after = after.map(|(at, id)| {
            (
                Bson::DateTime(mongodb::bson::DateTime::from_millis(at)),
                id.to_string(),
            )
        });
        let filter = and(vec![queued, after_filter("queued_at", after, false)]);
        let sort = doc! { "queued_at": 1, "_id": 1 };
        self.ideas_sorted(filter, sort, limit).await
    }

    async fn queue_stats(&self, project: Option<&ProjectId>) -> StoreResult<QueueStats> {
        let mut filter = doc! { "queued_at": { "$gt": NEVER } };
        if let Some(project) = project {
            filter.insert("project_id", project.as_str());
        }
        let waiting = self.ideas_col().count_documents(filter.clone()).await?;
        let oldest = self
            .ideas_col()
            .find_one(filter)
            .sort(doc! { "queued_at": 1, "_id": 1 })
            .projection(doc! { "queued_at": 1 })
            .await?
            .and_then(|d| d.get_datetime("queued_at").ok().copied())
            .map(veche_core::storage::mongo::from_bson_time);
        Ok(QueueStats { waiting, oldest })
    }

    async fn candidates(
        &self,
        project: &ProjectId,
        fingerprint: &Fingerprint,
        limit: usize,
    ) -> StoreResult<Vec<Candidate>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let bands: Vec<i64> = fingerprint.bands.iter().map(|b| as_i64(*b)).collect();
        // Each branch names the project, so that each is one index's range.
        let filter = doc! {
            "status": { "$ne": "merged" },
            "$or": [
                { "project_id": project.as_str(), "exact": fingerprint.exact.as_str() },
                { "project_id": project.as_str(), "bands": { "$in": bands } },
            ],
        };
        let docs: Vec<Document> = self
            .ideas_col()
            .find(filter)
            .limit(as_i64(limit as u64))
            .projection(doc! { "_id": 1, "exact": 1, "terms": 1, "weights": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| {
                Some(Candidate {
                    id: IdeaId::from_trusted(d.get_str("_id").ok()?.to_string()),
                    fingerprint: Fingerprint {
                        exact: d.get_str("exact").unwrap_or_default().to_string(),
                        terms: terms_from(d),
                        bands: Vec::new(),
                    },
                })
            })
            .collect())
    }

    async fn ideas_by_id(&self, ids: &[IdeaId]) -> StoreResult<Vec<Idea>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let docs: Vec<Document> = self
            .ideas_col()
            .find(doc! { "_id": { "$in": ids } })
            .projection(without_index())
            .await?
            .try_collect()
            .await?;
        docs.into_iter().map(idea_from).collect()
    }

    async fn term_counts(&self, project: &ProjectId) -> StoreResult<TermCounts> {
        // The project's counts are the `_id`s beginning `PROJECT:` (an index range).
        let prefix = format!("^{}:", project.as_str());
        let docs: Vec<Document> = self
            .col("idea_terms")
            .find(doc! { "_id": { "$regex": prefix } })
            .await?
            .try_collect()
            .await?;
        let count_id = term_id(project, None);
        let mut out = TermCounts::default();
        for d in docs {
            let id = d.get_str("_id").unwrap_or_default();
            let n = match d.get("n") {
                Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
                Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
                _ => 0,
            };
            if id == count_id {
                out.ideas = n;
            } else if let Some(term) = id
                .rsplit(':')
                .next()
                .and_then(|h| u64::from_str_radix(h, 16).ok())
            {
                if n > 0 {
                    out.holding.insert(term, n);
                }
            }
        }
        Ok(out)
    }

    async fn mail_owed(&self, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<Idea>> {
        let filter = doc! { "mail_due.since": { "$lt": bson_time(before) } };
        let sort = doc! { "mail_due.since": 1 };
        self.ideas_sorted(filter, sort, limit).await
    }

    async fn mail_sent(&self, idea: &IdeaId, version: u64) -> StoreResult<()> {
        self.ideas_col()
            .update_one(
                doc! { "_id": idea.as_str(), "version": as_i64(version) },
                doc! { "$set": { "mail_due": Bson::Null } },
            )
            .await?;
        Ok(())
    }

    async fn support(
        &self,
        idea: &IdeaId,
        account: &AccountId,
        at: OffsetDateTime,
        participant_of: Option<&ProjectId>,
        _: Option<Seen>,
    ) -> StoreResult<Supported> {
        let inserted = duplicates_are_fine(
            self.col("idea_supports")
                .insert_one(doc! {
                    "_id": pair_id(idea.as_str(), account.as_str()),
                    "idea_id": idea.as_str(),
                    "account_id": account.as_str(),
                    "at": bson_time(at),
                })
                .await,
        )?;
        if let Some(project) = participant_of {
            self.participate(project, account).await?;
        }
        let supports = if inserted {
            self.recount_supports(idea).await?
        } else {
            self.supports_of(idea).await?
        };
        Ok(Supported {
            changed: inserted,
            supports,
        })
    }

    async fn withdraw(&self, idea: &IdeaId, account: &AccountId) -> StoreResult<Supported> {
        let removed = self
            .col("idea_supports")
            .delete_one(doc! { "_id": pair_id(idea.as_str(), account.as_str()) })
            .await?;
        let changed = removed.deleted_count == 1;
        let supports = if changed {
            self.recount_supports(idea).await?
        } else {
            self.supports_of(idea).await?
        };
        Ok(Supported { changed, supports })
    }

    async fn supported(
        &self,
        account: &AccountId,
        ideas: &[IdeaId],
    ) -> StoreResult<BTreeSet<IdeaId>> {
        if ideas.is_empty() {
            return Ok(BTreeSet::new());
        }
        let ids: Vec<&str> = ideas.iter().map(|i| i.as_str()).collect();
        let docs: Vec<Document> = self
            .col("idea_supports")
            .find(doc! { "account_id": account.as_str(), "idea_id": { "$in": ids } })
            .projection(doc! { "idea_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(ids_at(&docs, "idea_id", IdeaId::from_trusted))
    }

    async fn move_supports(&self, from: &IdeaId, into: &IdeaId) -> StoreResult<u64> {
        let col = self.col("idea_supports");
        let moving: Vec<Document> = col
            .find(doc! { "idea_id": from.as_str() })
            .await?
            .try_collect()
            .await?;
        let copies: Vec<Document> = moving
            .iter()
            .filter_map(|d| {
                let account = d.get_str("account_id").ok()?;
                let mut copy = d.clone();
                copy.insert("_id", pair_id(into.as_str(), account));
                copy.insert("idea_id", into.as_str());
                Some(copy)
            })
            .collect();
        insert_missing(&col, copies).await?;
        col.delete_many(doc! { "idea_id": from.as_str() }).await?;
        self.count_supports(from.as_str()).await?;
        self.count_supports(into.as_str()).await
    }

    async fn insert_comment(&self, comment: &Comment) -> StoreResult<()> {
        let mut document = to_stored(comment, COMMENT_TIMES)?;
        document.insert("awaiting", comment_awaits(comment));
        self.col("idea_comments").insert_one(document).await?;
        Ok(())
    }

    async fn comment(&self, id: &CommentId) -> StoreResult<Option<Comment>> {
        find_stored(&self.col("idea_comments"), id.as_str(), COMMENT_TIMES).await
    }

    async fn replace_comment(&self, comment: &Comment, expected: u64) -> StoreResult<bool> {
        let mut document = to_stored(comment, COMMENT_TIMES)?;
        document.insert("awaiting", comment_awaits(comment));
        replace_versioned(
            &self.col("idea_comments"),
            comment.id.as_str(),
            expected,
            document,
        )
        .await
    }

    async fn comments(
        &self,
        idea: &IdeaId,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>> {
        let filter = doc! { "idea_id": idea.as_str() };
        self.comments_page(filter, doc! { "_id": 1 }, after, limit)
            .await
    }

    async fn reported_comments(
        &self,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>> {
        let filter = doc! { "awaiting": true };
        self.comments_page(filter, doc! { "awaiting": 1, "_id": 1 }, after, limit)
            .await
    }

    async fn follow(&self, idea: &IdeaId, account: &AccountId, on: bool) -> StoreResult<bool> {
        let id = pair_id(idea.as_str(), account.as_str());
        let col = self.col("idea_follows");
        if on {
            duplicates_are_fine(
                col.insert_one(doc! {
                    "_id": id,
                    "idea_id": idea.as_str(),
                    "account_id": account.as_str(),
                })
                .await,
            )
        } else {
            Ok(col.delete_one(doc! { "_id": id }).await?.deleted_count == 1)
        }
    }

    async fn follows(&self, idea: &IdeaId, account: &AccountId) -> StoreResult<bool> {
        let found = self
            .col("idea_follows")
            .find_one(doc! { "_id": pair_id(idea.as_str(), account.as_str()) })
            .await?;
        Ok(found.is_some())
    }

    async fn followers(
        &self,
        idea: &IdeaId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        self.accounts_after("idea_follows", ("idea_id", idea.as_str()), after, limit)
            .await
    }

    async fn participate(&self, project: &ProjectId, account: &AccountId) -> StoreResult<()> {
        let document = doc! {
            "_id": pair_id(project.as_str(), account.as_str()),
            "project_id": project.as_str(),
            "account_id": account.as_str(),
        };
        insert_missing(&self.col("idea_participants"), vec![document]).await
    }

    async fn participants(
        &self,
        project: &ProjectId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>> {
        let key = ("project_id", project.as_str());
        self.accounts_after("idea_participants", key, after, limit)
            .await
    }

    async fn save_score(&self, score: &Score) -> StoreResult<()> {
        let mut document = to_stored(score, SCORE_TIMES)?;
        let id = pair_id(score.idea_id.as_str(), score.expert_id.as_str());
        document.insert("_id", id.as_str());
        self.col("idea_scores")
            .replace_one(doc! { "_id": id }, document)
            .upsert(true)
            .await?;
        Ok(())
    }

    async fn scores(&self, project: &ProjectId) -> StoreResult<Vec<Score>> {
        let filter = doc! { "project_id": project.as_str() };
        let sort = doc! { "_id": 1 };
        find_all_stored(&self.col("idea_scores"), filter, sort, None, SCORE_TIMES).await
    }

    async fn log_decision(
        &self,
        project: &ProjectId,
        moderator: &AccountId,
        entry: &Entry,
    ) -> StoreResult<()> {
        self.col("idea_decisions")
            .insert_one(doc! {
                "project_id": project.as_str(),
                "idea_id": entry.idea_id.as_str(),
                "moderator_id": moderator.as_str(),
                "action": entry.action.as_str(),
                "reason": entry.reason.map(Reason::as_str),
                "at": bson_time(entry.at),
                "day": day_of(entry.at),
            })
            .await?;
        Ok(())
    }

    async fn log_counts(&self, project: &ProjectId) -> StoreResult<Vec<Count>> {
        let pipeline = vec![
            doc! { "$match": { "project_id": project.as_str() } },
            doc! { "$group": {
                "_id": { "day": "$day", "action": "$action", "reason": "$reason" },
                "n": { "$sum": 1 },
            } },
        ];
        let groups: Vec<Document> = self
            .col("idea_decisions")
            .aggregate(pipeline)
            .await?
            .try_collect()
            .await?;
        let mut out = Vec::with_capacity(groups.len());
        for group in groups {
            let key = group.get_document("_id").map_err(StoreError::internal)?;
            let action = key.get_str("action").unwrap_or_default();
            out.push(Count {
                day: key.get_str("day").unwrap_or_default().to_string(),
                action: Action::parse(action).ok_or_else(|| {
                    StoreError::Internal(format!("a logged decision's action {action}"))
                })?,
                reason: key.get_str("reason").ok().and_then(Reason::parse),
                count: match group.get("n") {
                    Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
                    Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
                    _ => 0,
                },
            });
        }
        out.sort_by(super::log_order);
        Ok(out)
    }
}
