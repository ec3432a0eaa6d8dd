//! The count of an idea's supports on MongoDB: set from the support documents, never `$inc`.

use mongodb::bson::{doc, Bson};
use veche_core::StoreResult;

use super::{as_i64, MongoIdeas};
use crate::model::IdeaId;

impl MongoIdeas {
    /// Sets an idea's `supports` to its support documents, after one was added or removed.
    ///
    /// Not `$inc`: the test server (FerretDB v1) runs `$inc` as a read and a write back, so
    /// supports of one idea arriving at once on several servers (or on one) lost increments
    /// (`tests/many_servers.rs` saw 17 counted of 24 stored). A count written by a writer that
    /// counted before another support landed can be stale, so each writer counts again after
    /// its write and writes again until the count it wrote is the count it sees: the last
    /// write is then checked by a count made after it, and the field settles on the truth once
    /// supports stop arriving. Bounded, since each round only repeats while others write.
    pub(super) async fn recount_supports(&self, idea: &IdeaId) -> StoreResult<u64> {
        let mut written = self.count_supports(idea.as_str()).await?;
        for _ in 0..8 {
            let now = self
                .col("idea_supports")
                .count_documents(doc! { "idea_id": idea.as_str() })
                .await?;
            if now == written {
                return Ok(written);
            }
            written = self.count_supports(idea.as_str()).await?;
        }
        Ok(written)
    }

    /// The idea's count of supports as stored (0 when there is no such idea).
    pub(super) async fn supports_of(&self, idea: &IdeaId) -> StoreResult<u64> {
        let found = self
            .ideas_col()
            .find_one(doc! { "_id": idea.as_str() })
            .projection(doc! { "supports": 1 })
            .await?;
        let supports = match found.as_ref().and_then(|d| d.get("supports")) {
            Some(Bson::Int64(n)) => *n,
            Some(Bson::Int32(n)) => i64::from(*n),
            _ => 0,
        };
        Ok(u64::try_from(supports).unwrap_or(0))
    }

    /// Counts the idea's support documents and writes the count in it.
    pub(super) async fn count_supports(&self, idea: &str) -> StoreResult<u64> {
        let n = self
            .col("idea_supports")
            .count_documents(doc! { "idea_id": idea })
            .await?;
        self.ideas_col()
            .update_one(
                doc! { "_id": idea },
                doc! { "$set": { "supports": as_i64(n) } },
            )
            .await?;
        Ok(n)
    }
}
