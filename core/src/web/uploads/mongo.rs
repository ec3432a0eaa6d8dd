//! Uploads on MongoDB: the JPEGs in GridFS (bucket `media`: `media.files`, `media.chunks`),
//! each file named `{hash}.jpg`; one document a picture in `uploads`, its hash the `_id` (so
//! unique), with its sides, size and thumbnail.
//!
//! Putting the same picture from two servers at once may write its files twice; the one whose
//! `uploads` document lost the race deletes its own files (by their `_id`, never by name,
//! which would take the winner's too). A server stopped between its files and its document
//! leaves files no document names: never read, harmless.
//!
//! Files as sent wait in GridFS bucket `quarantine` (`{hash}.raw`, never served) while their
//! `uploads` document says `state: processing`. A worker claims one as the notifier claims an
//! email: by inserting `<id>:<claim number>` into `upload_claims`, whose unique `_id` lets one
//! claimant through (FerretDB runs `findOneAndUpdate` as a read and a write, so two workers
//! could both win that), then moving the document's `next_at` to the lease's end and counting
//! its `claims` up, conditioned on the count it read. Settling is conditioned on the claim's
//! number too, so a worker whose lease ran out records nothing.
//!
//! Pictures were kept inside their `uploads` document before (`bytes`): opening the store
//! moves each into GridFS with a thumbnail and then drops `bytes` from the document, a few at
//! a time; one an older server writes meanwhile is still served from its document.

use async_trait::async_trait;
use bytes::Bytes;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::gridfs::GridFsBucket;
use mongodb::options::GridFsBucketOptions;
use rand::seq::SliceRandom;

use super::{Claimed, Pending, Processed, Upload, UploadInfo, UploadState, UploadStore};
use crate::error::{StoreError, StoreResult};
use crate::storage::mongo::{bson_time, find_sorted, from_bson_time, pass_gate, Index};
use crate::storage::{as_i64, Mongo};

/// How many waiting uploads a claim looks at (each worker tries them in its own order).
const CLAIM_WINDOW: usize = 8;

/// How many old pictures are moved at once.
const MOVE_BATCH: i64 = 32;

pub struct MongoUploads {
    db: Mongo,
    bucket: GridFsBucket,
    /// The files as sent, waiting to be processed: never served.
    quarantine: GridFsBucket,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("upload document without a valid `{what}`"))
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("GridFS: {e}"))
}

fn file_name(hash: &str) -> String {
    format!("{hash}.jpg")
}

fn raw_name(hash: &str) -> String {
    format!("{hash}.raw")
}

async fn read_all(bucket: &GridFsBucket, name: String) -> StoreResult<Option<Bytes>> {
    let mut stream = match bucket.open_download_stream_by_name(name).await {
        Ok(stream) => stream,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.map_err(io_error)?;
    Ok(Some(Bytes::from(out)))
}

impl MongoUploads {
    pub fn new(db: Mongo) -> Self {
        let options = GridFsBucketOptions::builder()
            .bucket_name("media".to_string())
            .build();
        let bucket = db.db().gridfs_bucket(options);
        let quarantine = db.db().gridfs_bucket(
            GridFsBucketOptions::builder()
                .bucket_name("quarantine".to_string())
                .build(),
        );
        MongoUploads {
            db,
            bucket,
            quarantine,
        }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.db
            .ensure_indexes(&[
                Index::on("uploads", &["state", "next_at"]),
                Index::on("upload_claims", &["upload"]),
            ])
            .await?;
        while self.move_old_pictures().await? > 0 {}
        Ok(())
    }

    fn col(&self) -> mongodb::Collection<Document> {
        self.db.collection("uploads")
    }

    fn claims(&self) -> mongodb::Collection<Document> {
        self.db.collection("upload_claims")
    }

    /// Deletes the quarantine's files of `hash` and the claims' gates (best effort: what is
    /// left is never served).
    async fn forget_raw(&self, hash: &str) {
        let found: StoreResult<Vec<_>> = async {
            Ok(self
                .quarantine
                .find(doc! { "filename": raw_name(hash) })
                .await?
                .try_collect()
                .await?)
        }
        .await;
        match found {
            Ok(files) => {
                for file in files {
                    if let Err(e) = self.quarantine.delete(file.id).await {
                        tracing::warn!(error = %e, "deleting a processed upload's raw bytes");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "finding a processed upload's raw bytes"),
        }
        if let Err(e) = self.claims().delete_many(doc! { "upload": hash }).await {
            tracing::warn!(error = %e, "deleting an upload's claims");
        }
    }

    /// Writes one GridFS file; its `_id`.
    async fn write_file(&self, hash: &str, bytes: &[u8]) -> StoreResult<Bson> {
        let mut stream = self.bucket.open_upload_stream(file_name(hash)).await?;
        stream.write_all(bytes).await.map_err(io_error)?;
        stream.close().await.map_err(io_error)?;
        Ok(stream.id().clone())
    }

    /// Writes the picture's and the thumbnail's files; their `_id`s.
    async fn write_files(&self, upload: &Upload) -> StoreResult<Vec<Bson>> {
        let thumb = self
            .write_file(&upload.thumb.hash, &upload.thumb.bytes)
            .await?;
        let picture = match self.write_file(&upload.hash, &upload.bytes).await {
            Ok(id) => id,
            Err(e) => {
                self.delete_files(vec![thumb]).await;
                return Err(e);
            }
        };
        Ok(vec![picture, thumb])
    }

    /// Deletes files this server wrote and no document names (best effort: one left over
    /// is never read).
    async fn delete_files(&self, ids: Vec<Bson>) {
        for id in ids {
            if let Err(e) = self.bucket.delete(id).await {
                tracing::warn!(error = %e, "deleting an unused GridFS file");
            }
        }
    }

    /// Moves up to [`MOVE_BATCH`] pictures kept inside their documents to GridFS; how many.
    async fn move_old_pictures(&self) -> StoreResult<usize> {
        let old: Vec<Document> = self
            .col()
            .find(doc! { "bytes": { "$exists": true } })
            .limit(MOVE_BATCH)
            .await?
            .try_collect()
            .await?;
        for d in &old {
            let upload = super::with_thumb(old_upload(d)?).await?;
            let files = self.write_files(&upload).await?;
            let moved = self
                .col()
                .update_one(
                    doc! { "_id": &upload.hash, "bytes": { "$exists": true } },
                    doc! {
                        "$set": info_fields(&upload.info(), &files),
                        "$unset": { "bytes": "" },
                    },
                )
                .await?;
            if moved.modified_count == 0 {
                // Another server moved it meanwhile.
                self.delete_files(files).await;
            }
        }
        Ok(old.len())
    }

    /// The bytes of a picture an older server kept inside its document.
    async fn bytes_in_document(&self, hash: &str) -> StoreResult<Option<Bytes>> {
        let found = self
            .col()
            .find_one(doc! { "_id": hash, "bytes": { "$exists": true } })
            .projection(doc! { "bytes": 1 })
            .await?;
        Ok(found
            .and_then(|d| d.get_binary_generic("bytes").ok().cloned())
            .map(Bytes::from))
    }
}

/// The fields of an `uploads` document but its `_id`.
fn info_fields(i: &UploadInfo, files: &[Bson]) -> Document {
    doc! {
        "content_type": &i.content_type,
        "width": i64::from(i.width),
        "height": i64::from(i.height),
        "size": as_i64(i.size),
        "created_at": bson_time(i.created_at),
        "thumb": {
            "hash": &i.thumb_hash,
            "width": i64::from(i.thumb_width),
            "height": i64::from(i.thumb_height),
        },
        "files": files.to_vec(),
    }
}

fn side(d: &Document, name: &str) -> StoreResult<u32> {
    d.get_i64(name)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| corrupt(name))
}

/// A picture as an older server kept it (the bytes inside the document, no thumbnail).
fn old_upload(d: &Document) -> StoreResult<Upload> {
    Ok(super::kept_before(
        d.get_str("_id").map_err(|_| corrupt("_id"))?.to_string(),
        d.get_str("content_type")
            .map_err(|_| corrupt("content_type"))?
            .to_string(),
        (side(d, "width")?, side(d, "height")?),
        Bytes::from(
            d.get_binary_generic("bytes")
                .map_err(|_| corrupt("bytes"))?
                .clone(),
        ),
        from_bson_time(
            *d.get_datetime("created_at")
                .map_err(|_| corrupt("created_at"))?,
        ),
    ))
}

fn info_of(d: &Document) -> StoreResult<UploadInfo> {
    let hash = d.get_str("_id").map_err(|_| corrupt("_id"))?.to_string();
    let (width, height) = (side(d, "width")?, side(d, "height")?);
    // A document an older server wrote has no thumbnail yet: the picture stands in.
    let (thumb_hash, thumb_width, thumb_height) = match d.get_document("thumb") {
        Ok(t) => (
            t.get_str("hash")
                .map_err(|_| corrupt("thumb.hash"))?
                .to_string(),
            side(t, "width")?,
            side(t, "height")?,
        ),
        Err(_) => (hash.clone(), width, height),
    };
    let size = match d.get_i64("size") {
        Ok(size) => u64::try_from(size).map_err(|_| corrupt("size"))?,
        Err(_) => d.get_binary_generic("bytes").map_or(0, |b| b.len() as u64),
    };
    let state = match d.get_str("state") {
        Ok(raw) => UploadState::parse(raw).ok_or_else(|| corrupt("state"))?,
        Err(_) => UploadState::Ready,
    };
    let picture_hash = match (state, d.get_str("picture")) {
        (UploadState::Ready, Ok(picture)) => picture.to_string(),
        (UploadState::Ready, Err(_)) => hash.clone(),
        _ => String::new(),
    };
    Ok(UploadInfo {
        state,
        picture_hash,
        reason: d.get_str("reason").ok().map(str::to_string),
        hash,
        content_type: d
            .get_str("content_type")
            .map_err(|_| corrupt("content_type"))?
            .to_string(),
        width,
        height,
        size,
        created_at: from_bson_time(
            *d.get_datetime("created_at")
                .map_err(|_| corrupt("created_at"))?,
        ),
        thumb_hash,
        thumb_width,
        thumb_height,
    })
}

#[async_trait]
impl UploadStore for MongoUploads {
    async fn put(&self, upload: &Upload) -> StoreResult<()> {
        if self.info(&upload.hash).await?.is_some() {
            return Ok(());
        }
        let files = self.write_files(upload).await?;
        let mut document = doc! { "_id": &upload.hash };
        document.extend(info_fields(&upload.info(), &files));
        match self
            .col()
            .insert_one(document)
            .await
            .map_err(StoreError::from)
        {
            Ok(_) => Ok(()),
            // Content-addressed: the same picture was put meanwhile; ours are not needed.
            Err(StoreError::Conflict(_)) => {
                self.delete_files(files).await;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn info(&self, hash: &str) -> StoreResult<Option<UploadInfo>> {
        let found = self
            .col()
            .find_one(doc! { "_id": hash })
            .projection(doc! { "bytes": 0 })
            .await?;
        found.as_ref().map(info_of).transpose()
    }

    async fn bytes(&self, hash: &str) -> StoreResult<Option<Bytes>> {
        match read_all(&self.bucket, file_name(hash)).await? {
            Some(bytes) => Ok(Some(bytes)),
            None => self.bytes_in_document(hash).await,
        }
    }

    async fn quarantine(&self, p: &Pending) -> StoreResult<()> {
        // The file first: a document never names a file that is not there.
        let mut stream = self
            .quarantine
            .open_upload_stream(raw_name(&p.hash))
            .await?;
        stream.write_all(&p.bytes).await.map_err(io_error)?;
        stream.close().await.map_err(io_error)?;
        let file = stream.id().clone();
        let inserted = self
            .col()
            .insert_one(doc! {
                "_id": &p.hash,
                "state": UploadState::Processing.as_str(),
                "content_type": &p.content_type,
                "width": i64::from(p.width),
                "height": i64::from(p.height),
                "size": as_i64(p.bytes.len()),
                "created_at": bson_time(p.created_at),
                "thumb": { "hash": "", "width": 0_i64, "height": 0_i64 },
                "claims": 0_i64,
                "next_at": bson_time(p.created_at),
            })
            .await
            .map_err(StoreError::from);
        match inserted {
            Ok(_) => Ok(()),
            // The same file was sent meanwhile (its id is its hash): ours is not needed.
            Err(StoreError::Conflict(_)) => {
                if let Err(e) = self.quarantine.delete(file).await {
                    tracing::warn!(error = %e, "deleting an unused raw upload");
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn claim(
        &self,
        now: time::OffsetDateTime,
        lease_until: time::OffsetDateTime,
    ) -> StoreResult<Option<Claimed>> {
        let mut candidates = find_sorted(
            &self.col(),
            doc! { "state": UploadState::Processing.as_str(), "next_at": { "$lte": bson_time(now) } },
            doc! { "next_at": 1, "_id": 1 },
            Some(CLAIM_WINDOW),
        )
        .await?;
        candidates.shuffle(&mut rand::thread_rng());
        for candidate in candidates {
            let (Ok(hash), Ok(claims)) = (candidate.get_str("_id"), candidate.get_i64("claims"))
            else {
                continue;
            };
            let gate = doc! {
                "_id": format!("{hash}:{}", claims + 1),
                "upload": hash,
                "at": bson_time(now),
            };
            if !pass_gate(&self.claims(), gate).await? {
                continue;
            }
            let won = self
                .col()
                .update_one(
                    doc! { "_id": hash, "claims": claims, "state": UploadState::Processing.as_str() },
                    doc! {
                        "$set": { "next_at": bson_time(lease_until) },
                        "$inc": { "claims": 1_i64 },
                    },
                )
                .await?;
            if won.modified_count == 1 {
                return Ok(Some(Claimed {
                    hash: hash.to_string(),
                    claim: claims + 1,
                    raw: self.raw(hash).await?,
                }));
            }
        }
        Ok(None)
    }

    async fn settle(&self, claimed: &Claimed, outcome: &Processed) -> StoreResult<bool> {
        let held = doc! {
            "_id": &claimed.hash,
            "state": UploadState::Processing.as_str(),
            "claims": claimed.claim,
        };
        let (update, files) = match outcome {
            Processed::Ready(upload) => {
                let files = self.write_files(upload).await?;
                let mut set = info_fields(&upload.info(), &files);
                set.insert("state", UploadState::Ready.as_str());
                set.insert("picture", &upload.hash);
                // When it was sent stays.
                set.remove("created_at");
                (doc! { "$set": set, "$unset": { "next_at": "" } }, files)
            }
            Processed::Dropped(reason) => (
                doc! {
                    "$set": { "state": UploadState::Dropped.as_str(), "reason": *reason },
                    "$unset": { "next_at": "" },
                },
                Vec::new(),
            ),
        };
        let changed = self.col().update_one(held, update).await?;
        if changed.modified_count == 0 {
            self.delete_files(files).await;
            return Ok(false);
        }
        self.forget_raw(&claimed.hash).await;
        Ok(true)
    }

    async fn raw(&self, hash: &str) -> StoreResult<Option<Bytes>> {
        read_all(&self.quarantine, raw_name(hash)).await
    }
}

fn is_not_found(e: &mongodb::error::Error) -> bool {
    matches!(
        *e.kind,
        mongodb::error::ErrorKind::GridFs(mongodb::error::GridFsErrorKind::FileNotFound { .. })
    )
}
