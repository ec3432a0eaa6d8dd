//! What servers must forget of resolved identities, on SQLite: one row per change, in the
//! order of `at` (indexed).

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::clock::{from_millis, to_millis};
use crate::error::StoreResult;
use crate::storage::CachedStatements;
use crate::store::RevocationStore;

#[async_trait]
impl RevocationStore for super::SqliteCoreStore {
    async fn insert_revocation(&self, key: &str, at: OffsetDateTime) -> StoreResult<()> {
        let key = key.to_string();
        self.db
            .write(move |conn| {
                conn.execute_cached(
                    "INSERT INTO identity_revocations (key, at) VALUES (?1, ?2)",
                    rusqlite::params![key, to_millis(at)],
                )?;
                Ok(())
            })
            .await
    }

    async fn revocations_since(
        &self,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(String, OffsetDateTime)>> {
        let sql = "SELECT key, at FROM identity_revocations WHERE at >= ?1 ORDER BY at, seq";
        self.db
            .query_all(sql, [to_millis(since)], |row| {
                Ok((row.get(0)?, from_millis(row.get(1)?)))
            })
            .await
    }

    async fn delete_revocations_before(&self, cutoff: OffsetDateTime) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM identity_revocations WHERE at < ?1",
                [to_millis(cutoff)],
            )
            .await
    }
}
