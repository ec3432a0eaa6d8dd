//! Images residents attach (an idea's picture, a problem report's photo), checked by content
//! and kept by content.
//!
//! An upload is believed for nothing it says about itself: not its name, not its declared
//! type. [`check_image`] reads the bytes: a JPEG, PNG or WebP by its signature, decoded whole
//! within pixel and memory limits (a file that does not decode is refused), scaled down to at
//! most [`MAX_SIDE`] pixels a side and encoded again as a JPEG. What is stored is that new
//! JPEG, so nothing of the original file survives: no EXIF (a phone's GPS position), no
//! comments, no trailing payload. Its blake3 hash is its name: the same picture is stored once
//! and served from `/media/{hash}` forever (`immutable`).
//!
//! Forms that carry a file use [`multipart_form`]: the same CSRF check as [`super::form`],
//! and a hard limit on the request's size.

mod mongo;
mod sqlite;

use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Filter;

use super::problem::{Invalid, Problem};
use super::{page_ctx, Ctx, Form, Site};
use crate::error::StoreResult;
use crate::storage::Backend;

/// The largest file accepted before decoding.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// The longest side of a stored picture, in pixels.
pub const MAX_SIDE: u32 = 1600;
/// The largest picture decoded (either side), against decompression bombs.
const MAX_DECODED_SIDE: u32 = 12_000;
/// The most memory a decoder may take.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// The quality of the stored JPEG.
const JPEG_QUALITY: u8 = 85;

/// A stored picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The blake3 hash of `bytes`, 64 lowercase hex digits: its name.
    pub hash: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Bytes,
    pub created_at: time::OffsetDateTime,
}

/// Whether `raw` is the name of an upload (64 lowercase hex digits).
pub fn is_hash(raw: &str) -> bool {
    raw.len() == 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Reads `raw` as a picture and makes the upload to store: refused (`image` field) when it is
/// too large, not a JPEG, PNG or WebP by its content, or does not decode.
pub fn check_image(raw: &[u8]) -> Result<Upload, Invalid> {
    if raw.len() > MAX_BYTES {
        return Err(Invalid::new("image", "too_large"));
    }
    let format = image::guess_format(raw).map_err(|_| Invalid::new("image", "not_an_image"))?;
    if !matches!(
        format,
        image::ImageFormat::Jpeg | image::ImageFormat::Png | image::ImageFormat::WebP
    ) {
        return Err(Invalid::new("image", "not_an_image"));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(raw), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|_| Invalid::new("image", "not_an_image"))?;
    let scaled = if decoded.width() > MAX_SIDE || decoded.height() > MAX_SIDE {
        decoded.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        decoded
    };
    let rgb = scaled.to_rgb8();
    let mut out = Vec::with_capacity(raw.len().min(MAX_BYTES));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| Invalid::new("image", "not_an_image"))?;
    Ok(Upload {
        hash: blake3::hash(&out).to_hex().to_string(),
        content_type: "image/jpeg".to_string(),
        width: rgb.width(),
        height: rgb.height(),
        bytes: Bytes::from(out),
        created_at: crate::clock::now(),
    })
}

/// Where uploads are kept. Content-addressed: putting the same upload twice stores it once.
#[async_trait]
pub trait UploadStore: Send + Sync {
    async fn put(&self, upload: &Upload) -> StoreResult<()>;
    async fn get(&self, hash: &str) -> StoreResult<Option<Upload>>;
}

/// The upload store for a backend, its schema prepared (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn UploadStore>> {
    crate::open_store!(backend, sqlite::SqliteUploads, mongo::MongoUploads)
}

/// Checks a picture and keeps it; its hash, to refer to it by.
pub async fn accept(store: &dyn UploadStore, raw: Bytes) -> Result<String, Problem> {
    // Decoding and encoding a large picture takes tens of milliseconds of CPU: off the
    // request threads.
    let upload = tokio::task::spawn_blocking(move || check_image(&raw))
        .await
        .map_err(|_| Problem::internal())?
        .map_err(Problem::invalid)?;
    store.put(&upload).await.map_err(Problem::from)?;
    Ok(upload.hash)
}

/// A form sent as `multipart/form-data` with a valid `csrf` field, at most `limit` bytes: its
/// text fields (as [`Form`]) and its non-empty files by field name. A missing or wrong token
/// is a 403 and nothing is done.
pub fn multipart_form<S: Site>(
    platform: Arc<S>,
    limit: u64,
) -> impl warp::Filter<Extract = (Ctx<S>, Form, Files), Error = warp::Rejection> + Clone {
    page_ctx(platform)
        .and(warp::multipart::form().max_length(limit))
        .and_then(|ctx: Ctx<S>, data: warp::multipart::FormData| async move {
            let parts: Vec<(String, Option<String>, Bytes)> = data
                .and_then(|part| async move {
                    let name = part.name().to_string();
                    let filename = part.filename().map(str::to_string);
                    let bytes = part
                        .stream()
                        .try_fold(Vec::new(), |mut all, chunk| async move {
                            all.extend_from_slice(bytes::Buf::chunk(&chunk));
                            Ok(all)
                        })
                        .await?;
                    Ok((name, filename, Bytes::from(bytes)))
                })
                .try_collect()
                .await
                .map_err(|_| Problem::bad_request("invalid_form").reject())?;
            let mut form = Form::default();
            let mut files = Files::default();
            for (name, filename, bytes) in parts {
                match filename {
                    Some(_) if !bytes.is_empty() => files.0.push((name, bytes)),
                    Some(_) => {}
                    None => {
                        let text = String::from_utf8(bytes.to_vec())
                            .map_err(|_| Problem::bad_request("invalid_form").reject())?;
                        form.fields.push((name, text));
                    }
                }
            }
            super::check_csrf(&ctx, &form)?;
            Ok::<_, warp::Rejection>((ctx, form, files))
        })
        .untuple_one()
}

/// The files of a multipart form, by field name.
#[derive(Clone, Debug, Default)]
pub struct Files(Vec<(String, Bytes)>);

impl Files {
    /// The first non-empty file sent as `name`.
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    }
}

/// `GET /media/{hash}`: a stored picture, cached for good (its name is its content), never
/// sniffed as anything else, never run as a document.
pub fn routes(
    store: Arc<dyn UploadStore>,
) -> impl warp::Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("media" / String)
        .and(warp::get())
        .and(warp::any().map(move || store.clone()))
        .then(|hash: String, store: Arc<dyn UploadStore>| async move {
            let found = if is_hash(&hash) {
                store.get(&hash).await
            } else {
                Ok(None)
            };
            match found {
                Ok(Some(upload)) => media_response(upload),
                Ok(None) => super::respond::status_only(StatusCode::NOT_FOUND),
                Err(e) => {
                    tracing::warn!(error = %e, "reading an upload");
                    super::respond::status_only(StatusCode::SERVICE_UNAVAILABLE)
                }
            }
        })
}

fn media_response(upload: Upload) -> Response {
    let mut response = Response::new(upload.bytes.into());
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&upload.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    for (name, value) in [
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
