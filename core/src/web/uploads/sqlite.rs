//! Uploads in the embedded store: the JPEGs on disk beside the database file (`media/` in the
//! data folder, see [`super::disk`]), one row a picture in `media` (sides, size, thumbnail).
//!
//! Pictures were kept inside the database before (`uploads.bytes`): opening the store moves
//! each to disk with a thumbnail made for it and then deletes its old row, a few at a time;
//! a move cut short is finished by the next open (the file is written once, the row inserted
//! once, the old row deleted last).

use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;
use rusqlite::OptionalExtension;

use super::disk::DiskBlobs;
use super::{Upload, UploadInfo, UploadStore};
use crate::error::StoreResult;
use crate::storage::{CachedStatements, Sqlite};

const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE uploads (
    hash TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
",
    "
CREATE TABLE media (
    hash TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    thumb_hash TEXT NOT NULL,
    thumb_width INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL
) WITHOUT ROWID;
",
];

pub struct SqliteUploads {
    db: Sqlite,
    files: DiskBlobs,
}

/// The folder of the pictures: `media/` beside the database file.
fn media_folder(db: &Sqlite) -> PathBuf {
    db.path()
        .parent()
        .map_or_else(|| PathBuf::from("media"), |dir| dir.join("media"))
}

impl SqliteUploads {
    pub fn new(db: Sqlite) -> Self {
        let files = DiskBlobs::new(media_folder(&db));
        SqliteUploads { db, files }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("uploads", MIGRATIONS).await?;
        self.files.prepare()?;
        while self.move_old_pictures().await? > 0 {}
        Ok(())
    }

    /// Moves up to 32 pictures kept inside the database to disk; how many.
    async fn move_old_pictures(&self) -> StoreResult<usize> {
        let old: Vec<Upload> = self
            .db
            .query_all(
                "SELECT hash, content_type, width, height, bytes, created_at FROM uploads LIMIT 32",
                [],
                |r| {
                    Ok(super::kept_before(
                        r.get(0)?,
                        r.get(1)?,
                        (r.get(2)?, r.get(3)?),
                        Bytes::from(r.get::<_, Vec<u8>>(4)?),
                        crate::clock::from_millis(r.get(5)?),
                    ))
                },
            )
            .await?;
        let moved = old.len();
        for upload in old {
            let upload = super::with_thumb(upload).await?;
            self.put(&upload).await?;
            self.db
                .run("DELETE FROM uploads WHERE hash = ?1", [upload.hash])
                .await?;
        }
        Ok(moved)
    }
}

fn info_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadInfo> {
    Ok(UploadInfo {
        hash: r.get(0)?,
        content_type: r.get(1)?,
        width: r.get(2)?,
        height: r.get(3)?,
        size: r.get(4)?,
        created_at: crate::clock::from_millis(r.get(5)?),
        thumb_hash: r.get(6)?,
        thumb_width: r.get(7)?,
        thumb_height: r.get(8)?,
    })
}

#[async_trait]
impl UploadStore for SqliteUploads {
    async fn put(&self, upload: &Upload) -> StoreResult<()> {
        // The files first: a row never names a file that is not there.
        self.files
            .put(&upload.thumb.hash, upload.thumb.bytes.clone())
            .await?;
        self.files.put(&upload.hash, upload.bytes.clone()).await?;
        let i = upload.info();
        self.db
            .run(
                "INSERT OR IGNORE INTO media (hash, content_type, width, height, size, created_at,
                     thumb_hash, thumb_width, thumb_height)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                (
                    i.hash,
                    i.content_type,
                    i64::from(i.width),
                    i64::from(i.height),
                    i64::try_from(i.size).unwrap_or(i64::MAX),
                    crate::clock::to_millis(i.created_at),
                    i.thumb_hash,
                    i64::from(i.thumb_width),
                    i64::from(i.thumb_height),
                ),
            )
            .await
    }

    async fn info(&self, hash: &str) -> StoreResult<Option<UploadInfo>> {
        self.db.lookup(|conn| {
            Ok(conn
                .query_row_cached(
                    "SELECT hash, content_type, width, height, size, created_at,
                         thumb_hash, thumb_width, thumb_height
                     FROM media WHERE hash = ?1",
                    [hash],
                    info_row,
                )
                .optional()?)
        })
    }

    async fn bytes(&self, hash: &str) -> StoreResult<Option<Bytes>> {
        self.files.get(hash).await
    }
}
