//! The error answers several handlers share, as response sets their `#[utoipa::path]`
//! annotations list in `responses(...)` beside their own, and the headers they share, as
//! parameter sets for `params(...)`. Each set is documentation only: the handlers build their
//! answers with `Problem`.

use utoipa::IntoResponses;

use veche_core::web::problem::ProblemDocument;

/// A poll only those who manage it reach: not signed in, not allowed, or no such poll.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(super) enum Managed {
    #[response(status = 401)]
    Unauthorized(ProblemDocument),
    #[response(status = 403, description = "`forbidden`")]
    Forbidden(ProblemDocument),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ProblemDocument),
}

/// A poll's results before they may be shown, or no such poll.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(super) enum Hidden {
    #[response(status = 403, description = "`results_hidden`")]
    ResultsHidden(ProblemDocument),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ProblemDocument),
}

/// What needs a sealed poll: [`Hidden`], or a poll not sealed yet.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(super) enum Unsealed {
    #[response(status = 403, description = "`results_hidden`")]
    ResultsHidden(ProblemDocument),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ProblemDocument),
    #[response(status = 409, description = "`not_sealed`")]
    NotSealed(ProblemDocument),
}

/// The header of a change authenticated by a session cookie.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub(super) struct Csrf {
    /// Required when authenticated by the session cookie
    #[param(rename = "X-CSRF-Token")]
    csrf: Option<String>,
}

/// The headers of a creation.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub(super) struct Create {
    /// The same key and body within 24 hours returns the first answer
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
    /// Required when authenticated by the session cookie
    #[param(rename = "X-CSRF-Token")]
    csrf: Option<String>,
}
