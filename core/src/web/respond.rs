//! Building responses: JSON, HTML, redirects and cookies.

use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use warp::reply::Response;

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = match serde_json::to_string(value) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "response serialisation");
            return status_only(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `200 OK` with `value` as JSON.
pub fn ok<T: Serialize>(value: &T) -> Response {
    json(StatusCode::OK, value)
}

/// `201 Created` with a `Location` header.
pub fn created<T: Serialize>(location: &str, value: &T) -> Response {
    let mut response = json(StatusCode::CREATED, value);
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Sets headers whose values are fixed strings.
pub fn set_headers(response: &mut Response, headers: &[(header::HeaderName, &'static str)]) {
    let map = response.headers_mut();
    for (name, value) in headers {
        map.insert(name.clone(), HeaderValue::from_static(value));
    }
}

pub fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Default::default());
    *response.status_mut() = status;
    response
}

pub fn no_content() -> Response {
    status_only(StatusCode::NO_CONTENT)
}

/// An HTML response. Takes [`Html`](crate::web::Html), which only a rendered template can be.
pub fn html(status: StatusCode, body: crate::web::Html) -> Response {
    let mut response = Response::new(body.into_string().into());
    *response.status_mut() = status;
    set_headers(
        &mut response,
        &[
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Pages show private data: never from a shared cache.
            (header::CACHE_CONTROL, "no-store"),
        ],
    );
    response
}

/// `303 See Other`: where a form POST sends the browser next.
pub fn see_other(location: &str) -> Response {
    let mut response = status_only(StatusCode::SEE_OTHER);
    let location =
        HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    response.headers_mut().insert(header::LOCATION, location);
    response
}

/// Adds a `Set-Cookie` header.
pub fn add_cookie(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A cookie scripts cannot read, sent only to this site and only over TLS when deployed on it.
pub fn cookie(name: &str, value: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(name: &str, secure: bool) -> String {
    cookie(name, "", 0, secure)
}

/// A download: `body` as `content_type`, offered to save as `filename` (which the caller
/// builds from ids and fixed words, never from user text).
pub fn attachment(
    body: impl Into<bytes::Bytes>,
    content_type: &'static str,
    filename: &str,
) -> Response {
    let body: bytes::Bytes = body.into();
    let mut response = Response::new(body.into());
    mark_attachment(&mut response, content_type, filename);
    response
}

/// Makes `response` (a streamed one too) a download of `content_type` named `filename`.
pub fn mark_attachment(response: &mut Response, content_type: &'static str, filename: &str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
}
