//! Error answers that several routes share, named once for their `#[utoipa::path]`
//! `responses(...)` (each lists the same statuses and descriptions it would list inline).

use utoipa::IntoResponses;

use crate::web::problem::ProblemDocument;

/// Following an emailed link (address confirmation, password reset, change of address).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum LinkErrors {
    #[response(status = 400)]
    BadRequest(ProblemDocument),
    #[response(status = 403, description = "`account_blocked`")]
    Blocked(ProblemDocument),
    #[response(status = 410, description = "`link_invalid`: unknown, used or expired")]
    LinkInvalid(ProblemDocument),
}

/// An admin route: not signed in, or not an admin.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum AdminErrors {
    #[response(status = 401)]
    Unauthorized(ProblemDocument),
    #[response(status = 403)]
    Forbidden(ProblemDocument),
}

/// An admin route about one account: as [`AdminErrors`], or no such account.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum AdminAccountErrors {
    #[response(status = 401)]
    Unauthorized(ProblemDocument),
    #[response(status = 403)]
    Forbidden(ProblemDocument),
    #[response(status = 404)]
    NotFound(ProblemDocument),
}
