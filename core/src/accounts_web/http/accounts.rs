//! Sign-up, sessions, the signed-in account (`/api/v1/accounts`, `/sessions`, `/me`).

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use crate::accounts::model::{Account, DisplayName, Role};
use crate::accounts::service::{self, AccountError, SignUpInput};
use crate::accounts_web::views::*;
use crate::id::AccountId;
use crate::platform::Ctx;
use crate::web::idempotency::{self, Outcome};
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
    ))]
pub async fn create_account(
    ctx: Ctx,
    key: Option<String>,
    body: Body<SignUpInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let input = body?;
        idempotency::once(&ctx, "accounts.create", key, &raw, || async {
            let signup = input
                .parse(&ctx.platform.directory())
                .map_err(AccountError::Invalid)?;
            let account = service::sign_up(&ctx.platform, signup, ctx.lang).await?;
            tracing::info!(account = %account.id, "account created");
            Ok(Outcome::created(
                format!("/api/v1/accounts/{}", account.id),
                json!(AccountView::from(&account)),
            ))
        })
        .await
    }
    .await;
    ctx.finish(result)
}

/// An account: your own, or any for an admin (404 otherwise).
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub async fn get_account(id: String, ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        if who.account.id != id && !who.account.has_role(Role::Admin) {
            return Err(Problem::not_found());
        }
        account_view(&ctx, &id).await
    }
    .await;
    ctx.finish(result)
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
    ))]
pub async fn sign_in(ctx: Ctx, body: Body<SignInInput>, _raw: Bytes) -> Response {
    let result = async {
        let input = body?;
        let email_key = input.email.trim().to_lowercase();
        ctx.platform
            .limits
            .check(CoreLimit::SigninAccount, &email_key)?;
        let account =
            service::check_credentials(&ctx.platform, &input.email, &input.password).await?;
        let secret = service::start_session(&ctx.platform, &account.id).await?;
        let csrf = crate::random::mac(
            &ctx.platform.secret,
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
            &service::session_cookie(&ctx.platform, &secret),
        );
        Ok(response)
    }
    .await;
    ctx.finish(result)
}

/// Sign out: ends the session of the cookie.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "accounts",
    params(("X-CSRF-Token" = String, Header)),
    responses((status = 204, description = "Signed out"), (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 422, description = "`no_session`: authenticated by a token", body = ProblemDocument)))]
pub async fn sign_out(ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let hash = who
            .session_hash()
            .ok_or_else(|| Problem::unprocessable("no_session"))?;
        service::end_session(&ctx.platform, hash).await?;
        let mut response = respond::no_content();
        crate::accounts_web::clear_session_cookie(&ctx, &mut response);
        Ok(response)
    }
    .await;
    ctx.finish(result)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, description = "`unauthorized`, `invalid_token`", body = ProblemDocument)),
    security(("session" = []), ("bearer" = [])))]
pub async fn me(ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        Ok(respond::json(
            StatusCode::OK,
            &Me {
                account: AccountView::from(&who.account),
                csrf_token: who.session_hash().map(|_| ctx.csrf_token()),
            },
        ))
    }
    .await;
    ctx.finish(result)
}

/// Changes your district or display name.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = ProfileInput,
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
pub async fn update_me(ctx: Ctx, body: Body<ProfileInput>, _raw: Bytes) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        let directory = ctx.platform.directory();
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
        let updated = service::update_profile(&ctx.platform, &who.account, district, name).await?;
        Ok(respond::json(StatusCode::OK, &AccountView::from(&updated)))
    }
    .await;
    ctx.finish(result)
}

/// Changes your password; every session of the account ends (sign in again).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordInput,
    responses((status = 204, description = "Changed; all sessions ended"), (status = 401, body = ProblemDocument),
        (status = 422, description = "`wrong_password`, `validation_failed`", body = ProblemDocument),
        (status = 429, body = ProblemDocument)))]
pub async fn change_password(ctx: Ctx, body: Body<PasswordInput>, _raw: Bytes) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        ctx.platform
            .limits
            .check(CoreLimit::PasswordAccount, who.account.id.as_str())?;
        service::change_password(
            &ctx.platform,
            &who.account,
            &input.current_password,
            &input.new_password,
        )
        .await?;
        let mut response = respond::no_content();
        crate::accounts_web::clear_session_cookie(&ctx, &mut response);
        Ok(response)
    }
    .await;
    ctx.finish(result)
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
