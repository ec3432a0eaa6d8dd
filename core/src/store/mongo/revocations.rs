//! What servers must forget of resolved identities, on MongoDB: one document per change,
//! found by `at` (index `at_1__id_1`).

use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId, DateTime};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::StoreResult;
use crate::storage::mongo::{bson_time, find_sorted, from_bson_time, Named};
use crate::store::RevocationStore;

const REVOCATIONS: Named<RevocationDoc> = Named::new("identity_revocations");

#[derive(Serialize, Deserialize)]
struct RevocationDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    key: String,
    at: DateTime,
}

#[async_trait]
impl RevocationStore for super::MongoCoreStore {
    async fn insert_revocation(&self, key: &str, at: OffsetDateTime) -> StoreResult<()> {
        REVOCATIONS
            .of(&self.db)
            .insert_one(RevocationDoc {
                id: ObjectId::new(),
                key: key.to_string(),
                at: bson_time(at),
            })
            .await?;
        Ok(())
    }

    async fn revocations_since(
        &self,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(String, OffsetDateTime)>> {
        let docs = find_sorted(
            &REVOCATIONS.of(&self.db),
            doc! { "at": { "$gte": bson_time(since) } },
            doc! { "at": 1, "_id": 1 },
            None,
        )
        .await?;
        Ok(docs
            .into_iter()
            .map(|d| (d.key, from_bson_time(d.at)))
            .collect())
    }

    async fn delete_revocations_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        Ok(REVOCATIONS
            .of(&self.db)
            .delete_many(doc! { "at": { "$lt": bson_time(cutoff) } })
            .await?
            .deleted_count)
    }
}
