//! Optimistic locking over HTTP: a resource's version is its `ETag`; a change names the version
//! it was made on in `If-Match`, and a stale one is `409 version_conflict`.

use http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Filter;

use crate::web::problem::Problem;

/// The raw `If-Match` header, if any.
pub fn if_match() -> impl Filter<Extract = (Option<String>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("if-match")
}

/// The version in `If-Match` (`"3"` or `3`); `None` when the header is absent.
pub fn parse_if_match(raw: Option<&str>) -> Result<Option<u64>, Problem> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let raw = raw.trim();
    let bare = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    bare.parse::<u64>()
        .map(Some)
        .map_err(|_| Problem::bad_request("invalid_header").with("field", "If-Match"))
}

/// The version in `If-Match`, which this request must carry (else 428).
pub fn required_if_match(raw: Option<&str>) -> Result<u64, Problem> {
    parse_if_match(raw)?
        .ok_or_else(|| Problem::new(StatusCode::PRECONDITION_REQUIRED, "precondition_required"))
}

/// Sets the `ETag` of a response to `version`.
pub fn set_etag(response: &mut Response, version: u64) {
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_quoted_or_bare_and_garbage_is_refused() {
        assert_eq!(parse_if_match(None).ok(), Some(None));
        assert_eq!(parse_if_match(Some("\"3\"")).ok(), Some(Some(3)));
        assert_eq!(parse_if_match(Some(" 7 ")).ok(), Some(Some(7)));
        assert_eq!(
            parse_if_match(Some("W/\"3\"")).map_err(|p| p.code).err(),
            Some("invalid_header")
        );
        assert_eq!(
            required_if_match(None).map_err(|p| p.code).err(),
            Some("precondition_required")
        );
        let mut response = Response::new(Default::default());
        set_etag(&mut response, 12);
        assert_eq!(
            response
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok()),
            Some("\"12\"")
        );
    }
}
