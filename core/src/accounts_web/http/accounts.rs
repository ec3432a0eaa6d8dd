//! Sign-up, sessions, the signed-in account (`/api/v1/accounts`, `/sessions`, `/me`).

use serde_json::json;
use warp::reply::Response;

use crate::accounts::model::{Account, DisplayName, Role};
use crate::accounts::service::{self, AccountError, SignUpInput};
use crate::accounts_web::views::*;
use crate::id::AccountId;
use crate::platform::Ctx;
use crate::web::idempotency::Outcome;
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::CoreLimit;
use crate::web::respond;

use super::*;

/// Sign up.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts",
    request_body = SignUpInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe (24 hours)")),
    responses(
        (status = 201, description = "Created; the account is unverified until its address is confirmed", body = AccountView),
        (status = 400, description = "`invalid_json`, `invalid_type`, `unknown_field`, `missing_field`", body = ProblemDocument),
        (status = 409, description = "`email_taken`, `idempotency_in_progress`", body = ProblemDocument),
        (status = 422, description = "`validation_failed` (with `field`, `reason`, `errors`), `idempotency_key_reused`", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument),
    ),
    security(()))]
pub async fn create_account(req: Req<SignUpInput>) -> Response {
    req.answer(async {
        let input = req.input()?;
        req.once("accounts.create", || async {
            let signup = input
                .parse(&req.platform.directory())
                .map_err(AccountError::Invalid)?;
            let account = service::sign_up(&req.platform, signup, req.lang).await?;
            tracing::info!(account = %account.id, "account created");
            Ok(Outcome::created(
                format!("/api/v1/accounts/{}", account.id),
                json!(AccountView::from(&account)),
            ))
        })
        .await
    })
    .await
}

/// An account: your own, or any for an admin (404 otherwise).
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub async fn get_account(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        if who.account.id != id && !who.account.has_role(Role::Admin) {
            return Err(Problem::not_found());
        }
        account_view(&req, &id).await
    })
    .await
}

/// Sign in: sets the `veche_session` cookie.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "accounts",
    request_body = SignInInput,
    responses(
        (status = 201, description = "Signed in; `Set-Cookie: veche_session=…`", body = Me),
        (status = 400, body = ProblemDocument),
        (status = 401, description = "`invalid_credentials` (the same for an unknown address and a wrong password)", body = ProblemDocument),
        (status = 403, description = "`account_blocked`", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument),
    ),
    security(()))]
pub async fn sign_in(req: Req<SignInInput>) -> Response {
    req.answer(async {
        let input = req.input()?;
        let email_key = input.email.trim().to_lowercase();
        req.platform
            .limits
            .check(CoreLimit::SigninAccount, &email_key)?;
        let account =
            service::check_credentials(&req.platform, &input.email, &input.password).await?;
        let secret = service::start_session(&req.platform, &account.id).await?;
        let csrf = crate::random::mac(
            &req.platform.secret,
            "csrf",
            &format!("session:{}", crate::random::token_hash(&secret)),
        );
        let mut response = respond::created(
            "/api/v1/sessions/current",
            &Me {
                account: AccountView::from(&account),
                csrf_token: Some(csrf),
            },
        );
        respond::add_cookie(
            &mut response,
            &service::session_cookie(&req.platform, &secret),
        );
        Ok(response)
    })
    .await
}

/// Sign out: ends the session of the cookie.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "accounts",
    params(("X-CSRF-Token" = String, Header)),
    responses((status = 204, description = "Signed out"), (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 422, description = "`no_session`: authenticated by a token", body = ProblemDocument)))]
pub async fn sign_out(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let hash = who
            .session_hash()
            .ok_or_else(|| Problem::unprocessable("no_session"))?;
        service::end_session(&req.platform, hash).await?;
        let mut response = respond::no_content();
        crate::accounts_web::clear_session_cookie(&req, &mut response);
        Ok(response)
    })
    .await
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, description = "`unauthorized`, `invalid_token`", body = ProblemDocument)))]
pub async fn me(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        Ok(respond::ok(&Me {
            account: AccountView::from(&who.account),
            csrf_token: who.session_hash().map(|_| req.csrf_token()),
        }))
    })
    .await
}

/// Changes your district or display name.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = ProfileInput,
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
pub async fn update_me(req: Req<ProfileInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        let directory = req.platform.directory();
        let district = input
            .district_id
            .as_deref()
            .map(|d| service::parse_district(&directory, d))
            .transpose()?;
        let name = input
            .display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose()?;
        let updated = service::update_profile(&req.platform, &who.account, district, name).await?;
        Ok(respond::ok(&AccountView::from(&updated)))
    })
    .await
}

/// Changes your password; every session of the account ends (sign in again).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordInput,
    responses((status = 204, description = "Changed; all sessions ended"), (status = 401, body = ProblemDocument),
        (status = 422, description = "`wrong_password`, `validation_failed`", body = ProblemDocument),
        (status = 429, body = ProblemDocument)))]
pub async fn change_password(req: Req<PasswordInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let input = req.input()?;
        req.platform
            .limits
            .check(CoreLimit::PasswordAccount, who.account.id.as_str())?;
        service::change_password(
            &req.platform,
            &who.account,
            &input.current_password,
            &input.new_password,
        )
        .await?;
        let mut response = respond::no_content();
        crate::accounts_web::clear_session_cookie(&req, &mut response);
        Ok(response)
    })
    .await
}

/// The answer of the link-following routes: the account, shaped as `GET /api/v1/me` answers
/// (the CSRF token only when the caller is signed in to that account by a session cookie).
pub(super) fn me_view(ctx: &Ctx, account: &Account) -> Me {
    let csrf_token = ctx
        .principal
        .as_ref()
        .filter(|p| p.account.id == account.id && p.session_hash().is_some())
        .map(|_| ctx.csrf_token());
    Me {
        account: AccountView::from(account),
        csrf_token,
    }
}
