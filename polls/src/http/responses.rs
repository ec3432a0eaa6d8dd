//! The error answers several handlers share, as response sets their `#[utoipa::path]`
//! annotations list in `responses(...)` beside their own (the headers are core's
//! `web::responses` sets). Each set is documentation only: the handlers build their
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
