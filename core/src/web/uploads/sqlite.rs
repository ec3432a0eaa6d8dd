//! Uploads in the embedded store: the JPEGs on disk beside the database file (`media/` in the
//! data folder, see [`super::disk`]), one row an upload in `media` (its state, sides, size,
//! thumbnail). Files as sent wait in `quarantine/` beside `media/` (never served) while their
//! row says `processing`; a claim is the row's `claims` counted up and `next_at` moved to the
//! lease's end, in one write.
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
use super::{Claimed, Pending, Processed, Upload, UploadInfo, UploadState, UploadStore};
use crate::error::StoreResult;
use crate::storage::{as_i64, CachedStatements, Sqlite};

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
    "
ALTER TABLE media ADD COLUMN state TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE media ADD COLUMN picture_hash TEXT;
ALTER TABLE media ADD COLUMN reason TEXT;
ALTER TABLE media ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN next_at INTEGER;
CREATE INDEX media_waiting ON media (next_at) WHERE state = 'processing';
",
];

pub struct SqliteUploads {
    db: Sqlite,
    files: DiskBlobs,
    /// The files as sent, waiting to be processed: never served.
    quarantine: DiskBlobs,
}

/// A folder beside the database file: `media/` (the pictures), `quarantine/`.
fn folder(db: &Sqlite, name: &str) -> PathBuf {
    db.path()
        .parent()
        .map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
}

impl SqliteUploads {
    /// Writes a processed upload's picture and thumbnail to disk.
    async fn put_files(&self, upload: &Upload) -> StoreResult<()> {
        self.files
            .put(&upload.thumb.hash, upload.thumb.bytes.clone())
            .await?;
        self.files.put(&upload.hash, upload.bytes.clone()).await
    }

    pub fn new(db: Sqlite) -> Self {
        let files = DiskBlobs::new(folder(&db, "media"));
        let quarantine = DiskBlobs::with_extension(folder(&db, "quarantine"), "raw");
        SqliteUploads {
            db,
            files,
            quarantine,
        }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate("uploads", MIGRATIONS).await?;
        self.files.prepare()?;
        self.quarantine.prepare()?;
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
        state: UploadState::parse(&r.get::<_, String>(9)?).unwrap_or(UploadState::Dropped),
        picture_hash: r.get(10)?,
        reason: r.get(11)?,
    })
}

#[async_trait]
impl UploadStore for SqliteUploads {
    async fn put(&self, upload: &Upload) -> StoreResult<()> {
        // The files first: a row never names a file that is not there.
        self.put_files(upload).await?;
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
                    as_i64(i.size),
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
                         thumb_hash, thumb_width, thumb_height, state,
                         CASE WHEN state = 'ready' THEN COALESCE(picture_hash, hash) ELSE '' END,
                         reason
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

    async fn quarantine(&self, p: &Pending) -> StoreResult<()> {
        // The file first: a row never names a file that is not there.
        self.quarantine.put(&p.hash, p.bytes.clone()).await?;
        let created_at = crate::clock::to_millis(p.created_at);
        let inserted = self
            .db
            .execute(
                "INSERT OR IGNORE INTO media (hash, content_type, width, height, size, created_at,
                     thumb_hash, thumb_width, thumb_height, state, claims, next_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', 0, 0, 'processing', 0, ?6)",
                (
                    p.hash.clone(),
                    p.content_type.clone(),
                    i64::from(p.width),
                    i64::from(p.height),
                    as_i64(p.bytes.len()),
                    created_at,
                ),
            )
            .await?;
        // Sent twice at once, and the other one processed already: what was just written to
        // the quarantine is nobody's to delete but ours.
        if inserted == 0
            && self
                .info(&p.hash)
                .await?
                .is_some_and(|i| i.state != UploadState::Processing)
        {
            self.quarantine.remove(&p.hash).await?;
        }
        Ok(())
    }

    async fn claim(
        &self,
        now: time::OffsetDateTime,
        lease_until: time::OffsetDateTime,
    ) -> StoreResult<Option<Claimed>> {
        let (now, until) = (
            crate::clock::to_millis(now),
            crate::clock::to_millis(lease_until),
        );
        let claimed = self
            .db
            .write(move |conn| {
                let found: Option<(String, i64)> = conn
                    .prepare_cached(
                        "SELECT hash, claims FROM media
                         WHERE state = 'processing' AND next_at <= ?1
                         ORDER BY next_at LIMIT 1",
                    )?
                    .query_row([now], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let Some((hash, claims)) = found else {
                    return Ok(None);
                };
                conn.execute_cached(
                    "UPDATE media SET claims = claims + 1, next_at = ?2 WHERE hash = ?1",
                    (&hash, until),
                )?;
                Ok(Some((hash, claims + 1)))
            })
            .await?;
        let Some((hash, claim)) = claimed else {
            return Ok(None);
        };
        let raw = self.quarantine.get(&hash).await?;
        Ok(Some(Claimed { hash, claim, raw }))
    }

    async fn settle(&self, claimed: &Claimed, outcome: &Processed) -> StoreResult<bool> {
        let (hash, claim) = (claimed.hash.clone(), claimed.claim);
        let changed = match outcome {
            Processed::Ready(upload) => {
                // The files first: a ready row never names a file that is not there.
                self.put_files(upload).await?;
                let i = upload.info();
                self.db
                    .execute(
                        "UPDATE media SET state = 'ready', picture_hash = ?3, content_type = ?4,
                             width = ?5, height = ?6, size = ?7, thumb_hash = ?8,
                             thumb_width = ?9, thumb_height = ?10, next_at = NULL
                         WHERE hash = ?1 AND state = 'processing' AND claims = ?2",
                        (
                            hash,
                            claim,
                            i.hash,
                            i.content_type,
                            i64::from(i.width),
                            i64::from(i.height),
                            as_i64(i.size),
                            i.thumb_hash,
                            i64::from(i.thumb_width),
                            i64::from(i.thumb_height),
                        ),
                    )
                    .await?
            }
            Processed::Dropped(reason) => {
                self.db
                    .execute(
                        "UPDATE media SET state = 'dropped', reason = ?3, next_at = NULL
                         WHERE hash = ?1 AND state = 'processing' AND claims = ?2",
                        (hash, claim, reason.to_string()),
                    )
                    .await?
            }
        };
        if changed == 0 {
            return Ok(false);
        }
        self.quarantine.remove(&claimed.hash).await?;
        Ok(true)
    }

    async fn raw(&self, hash: &str) -> StoreResult<Option<Bytes>> {
        self.quarantine.get(hash).await
    }
}
