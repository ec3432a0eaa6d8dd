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
