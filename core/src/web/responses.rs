//! Error answers that routes of every feature share, named once for their `#[utoipa::path]`
//! `responses(...)` beside each route's own. Documentation only: handlers answer with
//! [`crate::web::problem::Problem`].

use utoipa::IntoResponses;

use crate::web::problem::ProblemDocument;

/// A route for signed-in callers.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum SignedIn {
    #[response(status = 401, description = "`unauthorized`: not signed in")]
    Unauthorized(ProblemDocument),
}

/// A route about one resource the caller may not be allowed to act on.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Guarded {
    #[response(status = 401, description = "`unauthorized`: not signed in")]
    Unauthorized(ProblemDocument),
    #[response(status = 403, description = "`forbidden`; a missing CSRF token")]
    Forbidden(ProblemDocument),
    #[response(
        status = 404,
        description = "`not_found` (also what the caller may not see)"
    )]
    NotFound(ProblemDocument),
}

/// A change with a JSON body to a versioned resource: a malformed body, a stale version, a
/// refused value.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Change {
    #[response(
        status = 400,
        description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`, `invalid_header` (If-Match)"
    )]
    BadRequest(ProblemDocument),
    #[response(
        status = 409,
        description = "`version_conflict`: changed by someone else first"
    )]
    Conflict(ProblemDocument),
    #[response(status = 413, description = "`payload_too_large`")]
    TooLarge(ProblemDocument),
    #[response(
        status = 422,
        description = "`validation_failed` with `field` and `reason`"
    )]
    Invalid(ProblemDocument),
}

/// A rate-limited route.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Limited {
    #[response(status = 429, description = "`rate_limited`, with `Retry-After`")]
    TooMany(ProblemDocument),
}

/// The paging of a list (see [`crate::web::cursor`]), for `params(...)`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Paging {
    /// Items a page: 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The headers of a change authenticated by a session cookie, for `params(...)`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct CsrfHeader {
    /// Required when authenticated by the session cookie.
    #[param(rename = "X-CSRF-Token")]
    pub csrf: Option<String>,
}

/// The headers of a change to a versioned resource, for `params(...)`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct VersionHeaders {
    /// The version changed, as in the `ETag` (`"3"` or `3`; default: the current one).
    #[param(rename = "If-Match")]
    pub if_match: Option<String>,
    /// Required when authenticated by the session cookie.
    #[param(rename = "X-CSRF-Token")]
    pub csrf: Option<String>,
}

/// The headers of a creation, for `params(...)`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct CreateHeaders {
    /// The same key and body within 24 hours returns the first answer.
    #[param(rename = "Idempotency-Key")]
    pub idempotency_key: Option<String>,
    /// Required when authenticated by the session cookie.
    #[param(rename = "X-CSRF-Token")]
    pub csrf: Option<String>,
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::IntoParams;

    use super::*;

    #[test]
    fn the_header_sets_name_the_real_headers() {
        let names = |params: Vec<utoipa::openapi::path::Parameter>| {
            params
                .into_iter()
                .map(|p| {
                    assert!(matches!(p.parameter_in, ParameterIn::Header));
                    p.name
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(names(CsrfHeader::into_params(|| None)), ["X-CSRF-Token"]);
        assert_eq!(
            names(VersionHeaders::into_params(|| None)),
            ["If-Match", "X-CSRF-Token"]
        );
        assert_eq!(
            names(CreateHeaders::into_params(|| None)),
            ["Idempotency-Key", "X-CSRF-Token"]
        );
    }
}
