//! Uploads in the embedded SQLite store: one row a picture, its hash the key.

use async_trait::async_trait;
use rusqlite::OptionalExtension;

use super::{Upload, UploadStore};
use crate::error::StoreResult;
use crate::storage::Sqlite;

const MIGRATIONS: &[&str] = &["
CREATE TABLE uploads (
    hash TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
"];

pub struct SqliteUploads {
    db: Sqlite,
}

impl SqliteUploads {
    pub fn new(db: Sqlite) -> Self {
        SqliteUploads { db }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("uploads", MIGRATIONS).await
    }
}

#[async_trait]
impl UploadStore for SqliteUploads {
    async fn put(&self, upload: &Upload) -> StoreResult<()> {
        let u = upload.clone();
        self.db
            .execute(
                "INSERT OR IGNORE INTO uploads (hash, content_type, width, height, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    u.hash,
                    u.content_type,
                    i64::from(u.width),
                    i64::from(u.height),
                    u.bytes.to_vec(),
                    crate::clock::to_millis(u.created_at),
                ),
            )
            .await?;
        Ok(())
    }

    async fn get(&self, hash: &str) -> StoreResult<Option<Upload>> {
        let hash = hash.to_string();
        self.db
            .read(move |conn| {
                let row = conn
                    .query_row(
                        "SELECT content_type, width, height, bytes, created_at FROM uploads
                         WHERE hash = ?1",
                        [&hash],
                        |r| {
                            Ok(Upload {
                                hash: hash.clone(),
                                content_type: r.get(0)?,
                                width: r.get(1)?,
                                height: r.get(2)?,
                                bytes: bytes::Bytes::from(r.get::<_, Vec<u8>>(3)?),
                                created_at: crate::clock::from_millis(r.get(4)?),
                            })
                        },
                    )
                    .optional()?;
                Ok(row)
            })
            .await
    }
}
