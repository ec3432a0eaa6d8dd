//! `POST /api/v1/uploads`: a signed-in resident's picture, checked by content and kept for the
//! background work to process; its id is what a feature's input names (an idea's `image`).
//! `GET /api/v1/uploads/{hash}`: where its processing stands.
//! Pages take pictures in their own forms (`multipart/form-data`); this is the same for API
//! clients.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;
use warp::reply::Response;

use crate::platform::Ctx;
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::CoreLimit;
use crate::web::respond;
use crate::web::uploads::{self, UploadStore};

/// What an upload answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadView {
    /// The picture's name: name it in an input (an idea's `image`).
    pub hash: String,
    /// Where it is served.
    pub url: String,
    /// Where its thumbnail (at most 320 pixels a side) is served.
    pub thumb_url: String,
    /// `processing` (until it is `ready`, both addresses answer a placeholder picture,
    /// `image/svg+xml`, not to be cached), `ready`, or `dropped` (its body did not decode:
    /// both addresses answer 404).
    pub status: &'static str,
}

impl UploadView {
    fn of(hash: String, state: uploads::UploadState) -> UploadView {
        UploadView {
            status: state.as_str(),
            url: uploads::url(&hash),
            thumb_url: uploads::thumb_url(&hash),
            hash,
        }
    }
}

/// Uploads a picture (the request body, `image/jpeg`, `image/png` or `image/webp`, up to 10 MB
/// and 50 megapixels, checked from its header at once). Only the pixels are kept: in the
/// background it is decoded, turned upright, scaled to at most 1600 pixels a side and stored as
/// a new JPEG without the original's metadata (no EXIF, no GPS position), with a thumbnail of
/// at most 320; the file sent is never served, and is deleted then. The same file uploaded
/// twice has one hash.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "accounts",
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = UploadView),
        (status = 401, description = "`unauthorized`", body = ProblemDocument),
        (status = 413, description = "`payload_too_large`", body = ProblemDocument),
        (status = 422, description = "`validation_failed` (`image`: `too_large`, `too_many_pixels`, `not_an_image`)", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument)))]
pub async fn upload(ctx: Ctx, store: Arc<dyn UploadStore>, body: Bytes) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        ctx.platform
            .limits
            .check(CoreLimit::Upload, who.account.id.as_str())?;
        let (hash, state) = uploads::accept_upload(store.as_ref(), body).await?;
        Ok(respond::json(
            StatusCode::CREATED,
            &UploadView::of(hash, state),
        ))
    }
    .await;
    ctx.finish(result)
}

/// Where an upload's processing stands (ask again while it is `processing`).
#[utoipa::path(get, path = "/api/v1/uploads/{hash}", tag = "accounts",
    params(("hash" = String, Path, description = "What the upload answered")),
    responses((status = 200, body = UploadView),
        (status = 401, description = "`unauthorized`", body = ProblemDocument),
        (status = 404, description = "`not_found`: no upload of that hash", body = ProblemDocument)))]
pub async fn upload_state(ctx: Ctx, store: Arc<dyn UploadStore>, hash: String) -> Response {
    let result = async {
        ctx.signed_in()?;
        if !uploads::is_hash(&hash) {
            return Err(Problem::not_found());
        }
        let info = store
            .info(&hash)
            .await
            .map_err(Problem::from)?
            .ok_or_else(Problem::not_found)?;
        Ok(respond::json(
            StatusCode::OK,
            &UploadView::of(hash, info.state),
        ))
    }
    .await;
    ctx.finish(result)
}

/// The upload's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload, upload_state), components(schemas(UploadView)))]
pub struct UploadsApi;
