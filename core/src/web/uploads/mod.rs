//! Images residents attach (an idea's picture, a problem report's photos), checked by content
//! and kept by content.
//!
//! An upload is believed for nothing it says about itself: not its name, not its declared
//! type. [`check_image`] reads the bytes: at most [`MAX_BYTES`]; a JPEG, PNG or WebP by its
//! signature; at most [`MAX_PIXELS`] by its header, before anything is decoded; decoded
//! (turned upright as its EXIF orientation says), scaled down to at most [`MAX_SIDE`] pixels
//! a side and encoded again as a JPEG, with a thumbnail of at most [`THUMB_SIDE`]. What is stored is those new JPEGs, so nothing of the original file
//! survives: no EXIF (a phone's GPS position), no comments, no trailing payload. A JPEG's
//! blake3 hash is its name: the same picture is stored once and served from `/media/{hash}`
//! (its thumbnail from `/media/{hash}/thumb`) forever (`immutable`).
//!
//! Where the bytes live: on disk under the data folder for the embedded store
//! (`media/ab/abcdef….jpg`, written atomically), in GridFS (bucket `media`) on
//! MongoDB; what is known of each picture (size, sides, thumbnail) beside the rest of the
//! store (the `media` table, the `uploads` collection). Pictures kept before, inside the
//! table or collection itself, move to the new place when the store opens.
//!
//! Forms that carry files use [`multipart_form`]: the same CSRF check as [`super::form`],
//! and a hard limit on the request's size ([`form_limit`]).

mod check;
mod disk;
mod form;
mod mongo;
mod sample;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Filter;

pub use check::{
    check_image, thumb_of, CONTENT_TYPE, MAX_BYTES, MAX_INPUT_SIDE, MAX_PIXELS, MAX_SIDE,
    THUMB_SIDE,
};
pub use form::{body_limit, form_limit, multipart_form, Files, MAX_FILES, MAX_REQUEST_BYTES};
pub use sample::phone_photo;

use super::problem::Problem;
use crate::error::StoreResult;
use crate::storage::Backend;

/// A checked picture, ready to keep: the picture and its thumbnail, each a JPEG named by its
/// hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The blake3 hash of `bytes`, 64 lowercase hex digits: its name.
    pub hash: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Bytes,
    pub created_at: time::OffsetDateTime,
    pub thumb: Thumb,
}

/// A picture's thumbnail: a JPEG of at most [`THUMB_SIDE`] a side, named by its own hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumb {
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Bytes,
}

/// What the store knows of a kept picture, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadInfo {
    pub hash: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// The picture's length in bytes.
    pub size: u64,
    pub created_at: time::OffsetDateTime,
    /// The thumbnail's own hash and sides.
    pub thumb_hash: String,
    pub thumb_width: u32,
    pub thumb_height: u32,
}

impl Upload {
    /// What the store keeps of this upload besides its bytes.
    pub fn info(&self) -> UploadInfo {
        UploadInfo {
            hash: self.hash.clone(),
            content_type: self.content_type.clone(),
            width: self.width,
            height: self.height,
            size: self.bytes.len() as u64,
            created_at: self.created_at,
            thumb_hash: self.thumb.hash.clone(),
            thumb_width: self.thumb.width,
            thumb_height: self.thumb.height,
        }
    }
}

/// Whether `raw` is the name of an upload (64 lowercase hex digits).
pub fn is_hash(raw: &str) -> bool {
    raw.len() == 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a picture is served.
pub fn url(hash: &str) -> String {
    format!("/media/{hash}")
}

/// Where a picture's thumbnail is served.
pub fn thumb_url(hash: &str) -> String {
    format!("/media/{hash}/thumb")
}

/// Where uploads are kept. Content-addressed: putting the same upload twice stores it once.
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Keeps the picture and its thumbnail (the bytes first, then what is known of them, so
    /// that what [`UploadStore::info`] finds can always be read).
    async fn put(&self, upload: &Upload) -> StoreResult<()>;
    /// What is known of the picture named `hash`, if it is kept.
    async fn info(&self, hash: &str) -> StoreResult<Option<UploadInfo>>;
    /// The bytes of a kept JPEG, a picture or a thumbnail, by its own hash.
    async fn bytes(&self, hash: &str) -> StoreResult<Option<Bytes>>;

    /// The picture named `hash` with its thumbnail, bytes and all.
    async fn get(&self, hash: &str) -> StoreResult<Option<Upload>> {
        let Some(info) = self.info(hash).await? else {
            return Ok(None);
        };
        let (Some(bytes), Some(thumb)) = (
            self.bytes(&info.hash).await?,
            self.bytes(&info.thumb_hash).await?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Upload {
            hash: info.hash,
            content_type: info.content_type,
            width: info.width,
            height: info.height,
            bytes,
            created_at: info.created_at,
            thumb: Thumb {
                hash: info.thumb_hash,
                width: info.thumb_width,
                height: info.thumb_height,
                bytes: thumb,
            },
        }))
    }
}

/// The upload store for a backend, its schema prepared and pictures kept the old way moved
/// (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn UploadStore>> {
    crate::open_store!(backend, sqlite::SqliteUploads, mongo::MongoUploads)
}

/// A picture kept before thumbnails were made, as read from where it was (its thumbnail
/// still to make: [`with_thumb`]).
fn kept_before(
    hash: String,
    content_type: String,
    (width, height): (u32, u32),
    bytes: Bytes,
    created_at: time::OffsetDateTime,
) -> Upload {
    Upload {
        thumb: Thumb {
            hash: hash.clone(),
            width,
            height,
            bytes: bytes.clone(),
        },
        hash,
        content_type,
        width,
        height,
        bytes,
        created_at,
    }
}

/// `upload` with a thumbnail made from its picture; one that cannot be made (the picture
/// does not decode) is the picture itself, which is still served.
async fn with_thumb(upload: Upload) -> StoreResult<Upload> {
    let bytes = upload.bytes.clone();
    let made = tokio::task::spawn_blocking(move || thumb_of(&bytes))
        .await
        .map_err(|e| crate::error::StoreError::Internal(format!("making a thumbnail: {e}")))?;
    Ok(match made {
        Ok(thumb) => Upload { thumb, ..upload },
        Err(_) => upload,
    })
}

/// At most this many pictures are decoded at once, one a core: a burst of uploads queues
/// here instead of holding a decoded picture each in memory.
fn checking() -> &'static tokio::sync::Semaphore {
    static CHECKING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    CHECKING.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// How many files sent recently [`accept`] remembers the outcome of.
const RECENT: usize = 4096;

/// The files sent recently, by the blake3 hash of their bytes, with the hash of the picture
/// kept for each: the same file sent again (a form sent twice, a retry, the same photo in
/// several reports) is not decoded again. Checking is a pure function of the bytes, so the
/// answer is the same; the store is still asked whether it keeps the picture.
fn recent() -> &'static std::sync::Mutex<std::collections::HashMap<[u8; 32], String>> {
    static RECENT_FILES: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<[u8; 32], String>>,
    > = std::sync::OnceLock::new();
    RECENT_FILES.get_or_init(Default::default)
}

/// Checks a picture and keeps it; its hash, to refer to it by.
pub async fn accept(store: &dyn UploadStore, raw: Bytes) -> Result<String, Problem> {
    let sent = *blake3::hash(&raw).as_bytes();
    let known = recent().lock().ok().and_then(|r| r.get(&sent).cloned());
    if let Some(hash) = known {
        if store.info(&hash).await.map_err(Problem::from)?.is_some() {
            return Ok(hash);
        }
    }
    let permit = checking()
        .acquire()
        .await
        .map_err(|_| Problem::internal())?;
    // Decoding and encoding a photo takes tens of milliseconds of CPU: off the request threads.
    let upload = tokio::task::spawn_blocking(move || check_image(&raw))
        .await
        .map_err(|_| Problem::internal())?
        .map_err(Problem::invalid)?;
    drop(permit);
    store.put(&upload).await.map_err(Problem::from)?;
    if let Ok(mut recent) = recent().lock() {
        // Forgetting them all now and then is enough: a miss costs one check.
        if recent.len() >= RECENT {
            recent.clear();
        }
        recent.insert(sent, upload.hash.clone());
    }
    Ok(upload.hash)
}

/// `GET /media/{hash}` and `GET /media/{hash}/thumb`: a stored picture and its thumbnail,
/// cached for good (a name is its content), never sniffed as anything else, never run as a
/// document.
pub fn routes(
    store: Arc<dyn UploadStore>,
) -> impl warp::Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    let picture_store = store.clone();
    let picture = warp::path!("media" / String)
        .and(warp::get())
        .and(warp::any().map(move || picture_store.clone()))
        .then(|hash: String, store: Arc<dyn UploadStore>| async move {
            let found = if is_hash(&hash) {
                store.bytes(&hash).await
            } else {
                Ok(None)
            };
            media_response(found)
        });
    let thumb = warp::path!("media" / String / "thumb")
        .and(warp::get())
        .and(warp::any().map(move || store.clone()))
        .then(|hash: String, store: Arc<dyn UploadStore>| async move {
            let found = async {
                if !is_hash(&hash) {
                    return Ok(None);
                }
                match store.info(&hash).await? {
                    Some(info) => store.bytes(&info.thumb_hash).await,
                    None => Ok(None),
                }
            };
            media_response(found.await)
        });
    picture.or(thumb).unify()
}

fn media_response(found: StoreResult<Option<Bytes>>) -> Response {
    let bytes = match found {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return super::respond::status_only(StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::warn!(error = %e, "reading an upload");
            return super::respond::status_only(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, CONTENT_TYPE),
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests;
