//! What arrives by email: address confirmation, password resets, a change of address.

use http::StatusCode;
use warp::reply::Response;

use crate::accounts::mail;
use crate::accounts::model::{AccountState, Email};
use crate::accounts::service::AccountError;
use crate::accounts_web::views::*;
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::CoreLimit;
use crate::web::respond;
use crate::web::responses::CsrfHeader;

use super::*;

/// 202 Accepted: the email is on its way.
fn accepted() -> Response {
    respond::json(StatusCode::ACCEPTED, &Accepted {})
}

/// Sends the link that confirms your address again (the first one was lost or expired).
#[utoipa::path(post, path = "/api/v1/me/verification", tag = "accounts",
    params(CsrfHeader),
    responses(
        (status = 202, description = "A new link is on its way to the account's address (valid 48 hours)", body = Accepted),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 409, description = "`already_verified`", body = ProblemDocument),
        (status = 429, description = "`rate_limited` (5 an hour per account)", body = ProblemDocument),
        (status = 503, description = "`unavailable`: the email could not be queued; retry", body = ProblemDocument),
    ))]
pub async fn resend_verification(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        // Checked before the limit, so that a confirmed account does not use it up.
        if who.account.state != AccountState::Unverified {
            return Err(AccountError::AlreadyVerified.into());
        }
        req.platform
            .limits
            .check(CoreLimit::VerifyResend, who.account.id.as_str())?;
        mail::resend_verification(&req.platform, &who.account).await?;
        Ok(accepted())
    })
    .await
}

/// Confirms an address with the `token` of the emailed link; the account becomes active.
#[utoipa::path(post, path = "/api/v1/email-verifications", tag = "accounts",
    request_body = LinkTokenInput,
    responses(
        (status = 200, description = "Confirmed (also when it was already); the account as `GET /api/v1/me` shows it", body = Me),
        LinkErrors,
    ),
    security(()))]
pub async fn verify_email(req: Req<LinkTokenInput>) -> Response {
    use_link(AccountLink::Verification, req).await
}

/// The emailed links whose use answers with the account.
enum AccountLink {
    Verification,
    EmailChange,
}

/// Uses the token of an emailed link; answers the account as `GET /api/v1/me` shows it.
async fn use_link(link: AccountLink, req: Req<LinkTokenInput>) -> Response {
    req.answer(async {
        let token = &req.input()?.token;
        let account = match link {
            AccountLink::Verification => mail::verify_email(&req.platform, token).await?,
            AccountLink::EmailChange => mail::confirm_email_change(&req.platform, token).await?,
        };
        Ok(respond::ok(&me_view(&req, &account)))
    })
    .await
}

/// Asks for a password-reset link (valid 1 hour). The answer is the same whether or not an
/// account uses the address.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "accounts",
    request_body = PasswordResetInput,
    responses(
        (status = 202, description = "If an account uses the address, a link is on its way", body = Accepted),
        (status = 400, body = ProblemDocument),
        (status = 422, description = "`validation_failed`: not an email address", body = ProblemDocument),
        (status = 429, description = "`rate_limited` (10 an hour per client, 3 an hour per address)", body = ProblemDocument),
        (status = 503, body = ProblemDocument),
    ),
    security(()))]
pub async fn request_password_reset(req: Req<PasswordResetInput>) -> Response {
    req.answer(async {
        let input = req.input()?;
        let email = Email::parse(&input.email)?;
        req.platform
            .limits
            .check(CoreLimit::ResetEmail, email.as_str())?;
        mail::request_password_reset(&req.platform, email.as_str()).await?;
        Ok(accepted())
    })
    .await
}

/// Sets a new password with the `token` of a reset link. Every session of the account ends.
/// A refused password leaves the link usable.
#[utoipa::path(post, path = "/api/v1/password-resets/confirm", tag = "accounts",
    request_body = PasswordResetConfirmInput,
    responses(
        (status = 204, description = "Changed; sign in with the new password"),
        LinkErrors,
        (status = 422, description = "`validation_failed` (field `new_password`)", body = ProblemDocument),
    ),
    security(()))]
pub async fn confirm_password_reset(req: Req<PasswordResetConfirmInput>) -> Response {
    req.answer(async {
        let input = req.input()?;
        let account =
            mail::reset_password(&req.platform, &input.token, &input.new_password).await?;
        let mut response = respond::no_content();
        let own_session = crate::accounts_web::by_own_session(&req, &account.id);
        if own_session {
            // That session ended with the others.
            crate::accounts_web::clear_session_cookie(&req, &mut response);
        }
        Ok(response)
    })
    .await
}

/// Starts a change of your address: a link (valid 24 hours) goes to the new address, and the
/// address changes when it is followed.
#[utoipa::path(post, path = "/api/v1/me/email", tag = "accounts", request_body = EmailChangeInput,
    params(CsrfHeader),
    responses(
        (status = 202, description = "A link is on its way to the new address", body = Accepted),
        (status = 400, body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 409, description = "`email_taken` (field `new_email`)", body = ProblemDocument),
        (status = 422, description = "`wrong_password`, `validation_failed` (field `new_email`: `invalid_email`, `unchanged`, …)", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument),
        (status = 503, body = ProblemDocument),
    ))]
pub async fn request_email_change(req: Req<EmailChangeInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        req.platform
            .limits
            .check(CoreLimit::PasswordAccount, who.account.id.as_str())?;
        let requested = mail::request_email_change(
            &req.platform,
            &who.account,
            &input.new_email,
            &input.current_password,
        )
        .await;
        match requested {
            Ok(()) => Ok(accepted()),
            Err(AccountError::EmailTaken) => {
                Err(Problem::conflict("email_taken").with("field", "new_email"))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Confirms a new address with the `token` of the link sent to it; the address changes.
#[utoipa::path(post, path = "/api/v1/email-changes/confirm", tag = "accounts",
    request_body = LinkTokenInput,
    responses(
        (status = 200, description = "Changed; the account as `GET /api/v1/me` shows it", body = Me),
        LinkErrors,
        (status = 409, description = "`email_taken`: another account took the address meanwhile", body = ProblemDocument),
    ),
    security(()))]
pub async fn confirm_email_change(req: Req<LinkTokenInput>) -> Response {
    use_link(AccountLink::EmailChange, req).await
}
