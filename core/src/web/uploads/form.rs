//! Forms that carry files: [`multipart_form`] reads a `multipart/form-data` request within a
//! hard limit and checks its CSRF token like [`crate::web::form`].

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use warp::Filter;

use super::MAX_BYTES;
use crate::web::problem::Problem;
use crate::web::{page_ctx, Ctx, Form, Site};

/// The room a form's text fields take beside its files.
const TEXT_BYTES: u64 = 1024 * 1024;
/// The most files a form takes (a problem report's photos).
pub const MAX_FILES: u64 = 5;
/// The largest request any form with files may send: [`MAX_FILES`] files at their limit and
/// the text. The server's own limit on every request is at least this.
pub const MAX_REQUEST_BYTES: u64 = form_limit(MAX_FILES);

/// The largest body a request may send as its `Content-Type` says, before any route reads
/// it: a form with files ([`MAX_REQUEST_BYTES`]) or a picture sent whole ([`MAX_BYTES`]);
/// anything else `otherwise`. The route that takes the request holds it to its own limit.
pub fn body_limit(content_type: Option<&str>, otherwise: u64) -> u64 {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("multipart/form-data") => MAX_REQUEST_BYTES.max(otherwise),
        Some("image/jpeg" | "image/png" | "image/webp") => (MAX_BYTES as u64).max(otherwise),
        _ => otherwise,
    }
}

/// The limit of a form carrying up to `files` files of [`MAX_BYTES`] each, and its text: the
/// `limit` to give [`multipart_form`].
pub const fn form_limit(files: u64) -> u64 {
    files * MAX_BYTES as u64 + TEXT_BYTES
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
                            // A file past the limit is refused whole (`too_large`) when it is
                            // checked: what follows its first byte too many is not kept.
                            if all.len() <= MAX_BYTES {
                                let chunk = bytes::Buf::chunk(&chunk);
                                let room = (MAX_BYTES + 1 - all.len()).min(chunk.len());
                                all.extend_from_slice(&chunk[..room]);
                            }
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
            crate::web::check_csrf(&ctx, &form)?;
            Ok::<_, warp::Rejection>((ctx, form, files))
        })
        .untuple_one()
}

/// The files of a multipart form, by field name.
#[derive(Clone, Debug, Default)]
pub struct Files(Vec<(String, Bytes)>);

impl Files {
    /// The first non-empty file sent as `name`.
    pub fn get<'a>(&'a self, name: &'a str) -> Option<&'a Bytes> {
        self.all(name).next()
    }

    /// Every non-empty file sent as `name`, in the form's order (a field that takes several:
    /// `<input type="file" name="photos" multiple>`).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, b)| b)
    }
}
