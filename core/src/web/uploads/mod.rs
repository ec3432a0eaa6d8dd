//! Images residents attach (an idea's picture, a problem report's photos), checked by content
//! and kept by content.
//!
//! An upload is believed for nothing it says about itself: not its name, not its declared
//! type. A request does only the cheap checks ([`sniff`]): at most [`MAX_BYTES`]; a JPEG,
//! PNG or WebP by its signature; at most [`MAX_PIXELS`] by its header, before anything is
//! decoded. It then keeps the file as sent in a **quarantine** that is never served (the raw
//! bytes may carry a phone's GPS position) and answers at once with the upload's id: the
//! blake3 hash of the bytes sent, so the same file sent again is recognised without work.
//!
//! The decoding is background work ([`process`], run where background workers run: `veche
//! serve` with `VECHE_WORKER=on`, or `veche worker`): each upload waiting is claimed (on
//! MongoDB by a unique insert, so that of several servers one processes it), decoded (turned
//! upright as its EXIF orientation says), scaled down to at most [`MAX_SIDE`] pixels a side
//! and encoded again as a JPEG, with a thumbnail of at most [`THUMB_SIDE`] ([`check_image`]);
//! what is stored is those new JPEGs, so nothing of the original file survives: no EXIF, no
//! comments, no trailing payload. Then the raw bytes are deleted. A file whose body does not
//! decode is **dropped**: its record says so and why ([`UploadState::Dropped`]), for the pages
//! to tell whoever sent it. Until then an upload is [`UploadState::Processing`] and its
//! addresses answer 404.
//!
//! A new JPEG's blake3 hash is its file's name: the same picture is stored once. It is served
//! from `/media/{id}` (its thumbnail from `/media/{id}/thumb`), `id` the upload's, forever
//! (`immutable`); pictures kept before uploads were processed in the background have their
//! JPEG's hash as their id.
//!
//! Where the bytes live: on disk under the data folder for the embedded store
//! (`media/ab/abcdef….jpg`, written atomically; the quarantine in `quarantine/`), in GridFS
//! (buckets `media` and `quarantine`) on MongoDB; what is known of each upload (its state,
//! sides, size, thumbnail) beside the rest of the store (the `media` table, the `uploads`
//! collection). Pictures kept before, inside the table or collection itself, move to the new
//! place when the store opens.
//!
//! Forms that carry files use [`multipart_form`]: the same CSRF check as [`super::form`],
//! and a hard limit on the request's size ([`form_limit`]).

mod check;
mod disk;
mod form;
mod mongo;
pub mod process;
mod sample;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Filter;

pub use check::{
    check_image, sniff, thumb_of, Sniffed, CONTENT_TYPE, MAX_BYTES, MAX_INPUT_SIDE, MAX_PIXELS,
    MAX_SIDE, THUMB_SIDE,
};
pub use form::{body_limit, form_limit, multipart_form, Files, MAX_FILES, MAX_REQUEST_BYTES};
pub use sample::phone_photo;

use super::problem::{Invalid, Problem};
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

/// Where an upload is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadState {
    /// Its raw bytes wait in the quarantine for the background work: nothing is served yet.
    Processing,
    /// Its picture and thumbnail are kept and served.
    Ready,
    /// Its body did not decode (or could not be processed): dropped, with the reason.
    Dropped,
}

impl UploadState {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Processing => "processing",
            UploadState::Ready => "ready",
            UploadState::Dropped => "dropped",
        }
    }

    pub fn parse(raw: &str) -> Option<UploadState> {
        match raw {
            "processing" => Some(UploadState::Processing),
            "ready" => Some(UploadState::Ready),
            "dropped" => Some(UploadState::Dropped),
            _ => None,
        }
    }
}

/// What the store knows of an upload, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadInfo {
    /// The upload's id: the hash of the file sent (of the JPEG kept, for pictures kept
    /// before uploads were processed in the background).
    pub hash: String,
    pub state: UploadState,
    /// The kept JPEG's own hash, the name of its file (empty until it is [`UploadState::Ready`]).
    pub picture_hash: String,
    /// Why it was dropped (a refusal's code: `not_an_image`, `failed`).
    pub reason: Option<String>,
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
            state: UploadState::Ready,
            picture_hash: self.hash.clone(),
            reason: None,
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

/// A file sent and sniffed, to keep in the quarantine until it is processed.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The upload's id: the blake3 hash of `bytes`.
    pub hash: String,
    /// The type its signature says (`image/jpeg`, `image/png`, `image/webp`).
    pub content_type: String,
    /// Its sides, from its header.
    pub width: u32,
    pub height: u32,
    /// The file as sent.
    pub bytes: Bytes,
    pub created_at: time::OffsetDateTime,
}

/// An upload claimed for processing by this worker: its id, the claim's number, and its raw
/// bytes (none when the quarantine lost them).
#[derive(Clone, Debug)]
pub struct Claimed {
    pub hash: String,
    /// How many times it has been claimed, this claim included.
    pub claim: i64,
    pub raw: Option<Bytes>,
}

/// What processing an upload came to.
#[derive(Clone, Debug)]
pub enum Processed {
    /// The picture and its thumbnail, to keep.
    Ready(Upload),
    /// Dropped, and why (a refusal's code).
    Dropped(&'static str),
}

/// Where uploads are kept. Content-addressed: putting the same upload twice stores it once.
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Keeps the picture and its thumbnail (the bytes first, then what is known of them, so
    /// that what [`UploadStore::info`] finds can always be read), as ready under its own hash.
    async fn put(&self, upload: &Upload) -> StoreResult<()>;
    /// Keeps a file sent in the quarantine, durably (the bytes first, then its record,
    /// [`UploadState::Processing`]); nothing when its id is known already.
    async fn quarantine(&self, pending: &Pending) -> StoreResult<()>;
    /// Claims one upload waiting for processing whose last claim (if any) ended before `now`,
    /// until `lease_until`: of several workers claiming at once, one gets it.
    async fn claim(
        &self,
        now: time::OffsetDateTime,
        lease_until: time::OffsetDateTime,
    ) -> StoreResult<Option<Claimed>>;
    /// Records what processing `claimed` came to, if the claim still holds (`false` when
    /// another claim took it over): the picture's files and its record, or the drop; then the
    /// raw bytes are deleted.
    async fn settle(&self, claimed: &Claimed, outcome: &Processed) -> StoreResult<bool>;
    /// The raw bytes of an upload in the quarantine (the background work; tests). Never served.
    async fn raw(&self, hash: &str) -> StoreResult<Option<Bytes>>;
    /// What is known of the picture named `hash`, if it is kept.
    async fn info(&self, hash: &str) -> StoreResult<Option<UploadInfo>>;
    /// The bytes of a kept JPEG, a picture or a thumbnail, by its own hash.
    async fn bytes(&self, hash: &str) -> StoreResult<Option<Bytes>>;

    /// The picture named `hash` with its thumbnail, bytes and all.
    async fn get(&self, hash: &str) -> StoreResult<Option<Upload>> {
        let Some(info) = self.info(hash).await? else {
            return Ok(None);
        };
        if info.state != UploadState::Ready {
            return Ok(None);
        }
        let (Some(bytes), Some(thumb)) = (
            self.bytes(&info.picture_hash).await?,
            self.bytes(&info.thumb_hash).await?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Upload {
            hash: info.picture_hash,
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

/// Checks a sent file cheaply ([`sniff`]), keeps it in the quarantine and wakes the
/// background work; the upload's id, to refer to it by. The same file sent again answers the
/// same id without work; one that was dropped as unreadable is refused again.
pub async fn accept(store: &dyn UploadStore, raw: Bytes) -> Result<String, Problem> {
    accept_upload(store, raw).await.map(|(hash, _)| hash)
}

/// [`accept`], with the upload's state: [`UploadState::Processing`] for a new file,
/// [`UploadState::Ready`] for one sent before and processed.
pub async fn accept_upload(
    store: &dyn UploadStore,
    raw: Bytes,
) -> Result<(String, UploadState), Problem> {
    let sniffed = sniff(&raw).map_err(Problem::invalid)?;
    let hash = check::hash_of(&raw);
    if let Some(known) = store.info(&hash).await.map_err(Problem::from)? {
        return match known.state {
            UploadState::Dropped => Err(Problem::invalid(Invalid::new("image", "not_an_image"))),
            state => Ok((hash, state)),
        };
    }
    let content_type = match sniffed.format {
        image::ImageFormat::Png => "image/png",
        image::ImageFormat::WebP => "image/webp",
        _ => "image/jpeg",
    };
    store
        .quarantine(&Pending {
            hash: hash.clone(),
            content_type: content_type.to_string(),
            width: sniffed.width,
            height: sniffed.height,
            bytes: raw,
            created_at: crate::clock::now(),
        })
        .await
        .map_err(Problem::from)?;
    process::wake();
    Ok((hash, UploadState::Processing))
}

/// What `/media/{id}` serves.
enum Served {
    /// The kept JPEG of a ready upload (or its thumbnail); a JPEG named by its own hash when no
    /// upload has that id.
    Picture(Bytes),
    /// An upload still being processed: a placeholder picture, never cached, so that every
    /// page showing the photo (a card, a list, a feed) shows something until it is ready.
    Processing,
    /// Nothing: no such picture, or an upload dropped. The quarantine is never read.
    Nothing,
}

async fn served(store: &dyn UploadStore, id: &str, thumb: bool) -> StoreResult<Served> {
    if !is_hash(id) {
        return Ok(Served::Nothing);
    }
    let bytes = match store.info(id).await? {
        Some(info) => match info.state {
            UploadState::Ready => {
                let name = if thumb {
                    &info.thumb_hash
                } else {
                    &info.picture_hash
                };
                store.bytes(name).await?
            }
            UploadState::Processing => return Ok(Served::Processing),
            UploadState::Dropped => None,
        },
        None if thumb => None,
        None => store.bytes(id).await?,
    };
    Ok(bytes.map_or(Served::Nothing, Served::Picture))
}

/// The placeholder of a photo being processed: a grey 4:3 frame with an hourglass, no text
/// (it serves every language), as an SVG document.
pub const PROCESSING_PLACEHOLDER: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">"##,
    r##"<rect width="320" height="240" fill="#e8e9eb"/>"##,
    r##"<path d="M140 90h40v8l-14 22 14 22v8h-40v-8l14-22-14-22z" fill="none" stroke="#767d87" stroke-width="4" stroke-linejoin="round"/>"##,
    r##"<path d="M148 146h24l-12-14z" fill="#767d87"/></svg>"##
);
/// The content type of the placeholder.
pub const PLACEHOLDER_TYPE: &str = "image/svg+xml";

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
            media_response(served(store.as_ref(), &hash, false).await)
        });
    let thumb = warp::path!("media" / String / "thumb")
        .and(warp::get())
        .and(warp::any().map(move || store.clone()))
        .then(|hash: String, store: Arc<dyn UploadStore>| async move {
            media_response(served(store.as_ref(), &hash, true).await)
        });
    picture.or(thumb).unify()
}

fn media_response(found: StoreResult<Served>) -> Response {
    let (body, content_type, cache) = match found {
        Ok(Served::Picture(bytes)) => (bytes, CONTENT_TYPE, "public, max-age=31536000, immutable"),
        Ok(Served::Processing) => (
            Bytes::from_static(PROCESSING_PLACEHOLDER.as_bytes()),
            PLACEHOLDER_TYPE,
            "no-store",
        ),
        Ok(Served::Nothing) => return super::respond::status_only(StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::warn!(error = %e, "reading an upload");
            return super::respond::status_only(StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, cache),
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
