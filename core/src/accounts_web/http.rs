//! The accounts JSON API under `/api/v1` (paths fixed by API.md).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use super::views::*;
use crate::accounts::mail;
use crate::accounts::model::{Account, AccountQuery, AccountState, DisplayName, Email, Role};
use crate::accounts::service::{self, AccountError, SignUpInput};
use crate::id::{AccountId, AuditId, OrganisationId, TokenId};
use crate::platform::{Ctx, Platform};
use crate::web::cursor::{decode_cursor, encode_cursor, parse_limit};
use crate::web::idempotency::{self, Outcome};
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::{self, CoreLimit, UndeclaredLimit};
use crate::web::respond;
use crate::web::{api_ctx, json_body, JSON_LIMIT};

type Body<T> = Result<T, Problem>;

fn finish(ctx: &Ctx, result: Result<Response, Problem>) -> Response {
    result.unwrap_or_else(|p| ctx.problem(p))
}

/// Every accounts API route.
pub fn routes(platform: Arc<Platform>) -> Result<BoxedFilter<(Response,)>, UndeclaredLimit> {
    let p = platform;
    let create_account = warp::path!("api" / "v1" / "accounts")
        .and(warp::post())
        .and(ratelimit::by_ip(p.limits.get(CoreLimit::SignupIp)?))
        .and(api_ctx(p.clone()))
        .and(idempotency::key())
        .and(json_body::<SignUpInput>(JSON_LIMIT))
        .then(create_account);
    let get_account = warp::path!("api" / "v1" / "accounts" / String)
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .then(get_account);
    let sign_in = warp::path!("api" / "v1" / "sessions")
        .and(warp::post())
        .and(ratelimit::by_ip(p.limits.get(CoreLimit::SigninIp)?))
        .and(api_ctx(p.clone()))
        .and(json_body::<SignInInput>(JSON_LIMIT))
        .then(sign_in);
    let sign_out = warp::path!("api" / "v1" / "sessions" / "current")
        .and(warp::delete())
        .and(api_ctx(p.clone()))
        .then(sign_out);
    let me = warp::path!("api" / "v1" / "me")
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .then(me);
    let update_me = warp::path!("api" / "v1" / "me")
        .and(warp::patch())
        .and(api_ctx(p.clone()))
        .and(json_body::<ProfileInput>(JSON_LIMIT))
        .then(update_me);
    let change_password = warp::path!("api" / "v1" / "me" / "password")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<PasswordInput>(JSON_LIMIT))
        .then(change_password);
    let resend_verification = warp::path!("api" / "v1" / "me" / "verification")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .then(resend_verification);
    let verify_email = warp::path!("api" / "v1" / "email-verifications")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<LinkTokenInput>(JSON_LIMIT))
        .then(verify_email);
    let request_reset = warp::path!("api" / "v1" / "password-resets")
        .and(warp::post())
        .and(ratelimit::by_ip(p.limits.get(CoreLimit::ResetIp)?))
        .and(api_ctx(p.clone()))
        .and(json_body::<PasswordResetInput>(JSON_LIMIT))
        .then(request_password_reset);
    let confirm_reset = warp::path!("api" / "v1" / "password-resets" / "confirm")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<PasswordResetConfirmInput>(JSON_LIMIT))
        .then(confirm_password_reset);
    let change_email = warp::path!("api" / "v1" / "me" / "email")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<EmailChangeInput>(JSON_LIMIT))
        .then(request_email_change);
    let confirm_email = warp::path!("api" / "v1" / "email-changes" / "confirm")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<LinkTokenInput>(JSON_LIMIT))
        .then(confirm_email_change);
    let list_tokens = warp::path!("api" / "v1" / "tokens")
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .then(list_tokens);
    let create_token = warp::path!("api" / "v1" / "tokens")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(idempotency::key())
        .and(json_body::<TokenInput>(JSON_LIMIT))
        .then(create_token);
    let delete_token = warp::path!("api" / "v1" / "tokens" / String)
        .and(warp::delete())
        .and(api_ctx(p.clone()))
        .then(delete_token);
    let districts = warp::path!("api" / "v1" / "districts")
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .then(districts);
    let admin_list = warp::path!("api" / "v1" / "admin" / "accounts")
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(admin_list_accounts);
    let admin_get = warp::path!("api" / "v1" / "admin" / "accounts" / String)
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .then(admin_get_account);
    let admin_roles = warp::path!("api" / "v1" / "admin" / "accounts" / String / "roles")
        .and(warp::put())
        .and(api_ctx(p.clone()))
        .and(json_body::<RolesInput>(JSON_LIMIT))
        .then(admin_set_roles);
    let block = warp::path!("api" / "v1" / "admin" / "accounts" / String / "block")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<ReasonInput>(JSON_LIMIT))
        .then(|id, ctx, body, _raw| admin_block(id, ctx, body, true));
    let unblock = warp::path!("api" / "v1" / "admin" / "accounts" / String / "unblock")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(json_body::<ReasonInput>(JSON_LIMIT))
        .then(|id, ctx, body, _raw| admin_block(id, ctx, body, false));
    let admin_orgs = warp::path!("api" / "v1" / "admin" / "organisations")
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .then(admin_list_organisations);
    let admin_create_org = warp::path!("api" / "v1" / "admin" / "organisations")
        .and(warp::post())
        .and(api_ctx(p.clone()))
        .and(idempotency::key())
        .and(json_body::<OrganisationInput>(JSON_LIMIT))
        .then(admin_create_organisation);
    let admin_audit = warp::path!("api" / "v1" / "admin" / "audit")
        .and(warp::get())
        .and(api_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(admin_audit);
    let routes: Vec<BoxedFilter<(Response,)>> = vec![
        create_account.boxed(),
        get_account.boxed(),
        sign_in.boxed(),
        sign_out.boxed(),
        me.boxed(),
        update_me.boxed(),
        change_password.boxed(),
        resend_verification.boxed(),
        verify_email.boxed(),
        request_reset.boxed(),
        confirm_reset.boxed(),
        change_email.boxed(),
        confirm_email.boxed(),
        list_tokens.boxed(),
        create_token.boxed(),
        delete_token.boxed(),
        districts.boxed(),
        admin_list.boxed(),
        admin_get.boxed(),
        admin_roles.boxed(),
        block.boxed(),
        unblock.boxed(),
        admin_orgs.boxed(),
        admin_create_org.boxed(),
        admin_audit.boxed(),
    ];
    Ok(crate::web::combine(routes))
}

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
    finish(&ctx, result)
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
        let account = ctx
            .platform
            .store
            .account(&id)
            .await?
            .ok_or_else(Problem::not_found)?;
        Ok(respond::json(StatusCode::OK, &AccountView::from(&account)))
    }
    .await;
    finish(&ctx, result)
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
    finish(&ctx, result)
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
        respond::add_cookie(
            &mut response,
            &respond::clear_cookie(crate::web::SESSION_COOKIE, ctx.platform.config.https()),
        );
        Ok(response)
    }
    .await;
    finish(&ctx, result)
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
    finish(&ctx, result)
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
    finish(&ctx, result)
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
        respond::add_cookie(
            &mut response,
            &respond::clear_cookie(crate::web::SESSION_COOKIE, ctx.platform.config.https()),
        );
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// The answer of the link-following routes: the account, shaped as `GET /api/v1/me` answers
/// (the CSRF token only when the caller is signed in to that account by a session cookie).
fn me_view(ctx: &Ctx, account: &Account) -> Me {
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

/// Sends the link that confirms your address again (the first one was lost or expired).
#[utoipa::path(post, path = "/api/v1/me/verification", tag = "accounts",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with the session cookie")),
    responses(
        (status = 202, description = "A new link is on its way to the account's address (valid 48 hours)", body = Accepted),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 409, description = "`already_verified`", body = ProblemDocument),
        (status = 429, description = "`rate_limited` (5 an hour per account)", body = ProblemDocument),
        (status = 503, description = "`unavailable`: the email could not be queued; retry", body = ProblemDocument),
    ),
    security(("session" = []), ("bearer" = [])))]
pub async fn resend_verification(ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        // Checked before the limit, so that a confirmed account does not use it up.
        if who.account.state != AccountState::Unverified {
            return Err(AccountError::AlreadyVerified.into());
        }
        ctx.platform
            .limits
            .check(CoreLimit::VerifyResend, who.account.id.as_str())?;
        mail::resend_verification(&ctx.platform, &who.account).await?;
        Ok(respond::json(StatusCode::ACCEPTED, &Accepted {}))
    }
    .await;
    finish(&ctx, result)
}

/// Confirms an address with the `token` of the emailed link; the account becomes active.
#[utoipa::path(post, path = "/api/v1/email-verifications", tag = "accounts",
    request_body = LinkTokenInput,
    responses(
        (status = 200, description = "Confirmed (also when it was already); the account as `GET /api/v1/me` shows it", body = Me),
        (status = 400, body = ProblemDocument),
        (status = 403, description = "`account_blocked`", body = ProblemDocument),
        (status = 410, description = "`link_invalid`: unknown, used or expired", body = ProblemDocument),
    ))]
pub async fn verify_email(ctx: Ctx, body: Body<LinkTokenInput>, _raw: Bytes) -> Response {
    let result = async {
        let input = body?;
        let account = mail::verify_email(&ctx.platform, &input.token).await?;
        Ok(respond::json(StatusCode::OK, &me_view(&ctx, &account)))
    }
    .await;
    finish(&ctx, result)
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
    ))]
pub async fn request_password_reset(
    ctx: Ctx,
    body: Body<PasswordResetInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let input = body?;
        let email = Email::parse(&input.email)?;
        ctx.platform
            .limits
            .check(CoreLimit::ResetEmail, email.as_str())?;
        mail::request_password_reset(&ctx.platform, email.as_str()).await?;
        Ok(respond::json(StatusCode::ACCEPTED, &Accepted {}))
    }
    .await;
    finish(&ctx, result)
}

/// Sets a new password with the `token` of a reset link. Every session of the account ends.
/// A refused password leaves the link usable.
#[utoipa::path(post, path = "/api/v1/password-resets/confirm", tag = "accounts",
    request_body = PasswordResetConfirmInput,
    responses(
        (status = 204, description = "Changed; sign in with the new password"),
        (status = 400, body = ProblemDocument),
        (status = 403, description = "`account_blocked`", body = ProblemDocument),
        (status = 410, description = "`link_invalid`: unknown, used or expired", body = ProblemDocument),
        (status = 422, description = "`validation_failed` (field `new_password`)", body = ProblemDocument),
    ))]
pub async fn confirm_password_reset(
    ctx: Ctx,
    body: Body<PasswordResetConfirmInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let input = body?;
        let account =
            mail::reset_password(&ctx.platform, &input.token, &input.new_password).await?;
        let mut response = respond::no_content();
        let own_session = ctx
            .principal
            .as_ref()
            .is_some_and(|p| p.account.id == account.id && p.session_hash().is_some());
        if own_session {
            // That session ended with the others.
            respond::add_cookie(
                &mut response,
                &respond::clear_cookie(crate::web::SESSION_COOKIE, ctx.platform.config.https()),
            );
        }
        Ok(response)
    }
    .await;
    finish(&ctx, result)
}

/// Starts a change of your address: a link (valid 24 hours) goes to the new address, and the
/// address changes when it is followed.
#[utoipa::path(post, path = "/api/v1/me/email", tag = "accounts", request_body = EmailChangeInput,
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with the session cookie")),
    responses(
        (status = 202, description = "A link is on its way to the new address", body = Accepted),
        (status = 400, body = ProblemDocument),
        (status = 401, body = ProblemDocument),
        (status = 403, description = "missing or wrong CSRF token", body = ProblemDocument),
        (status = 409, description = "`email_taken` (field `new_email`)", body = ProblemDocument),
        (status = 422, description = "`wrong_password`, `validation_failed` (field `new_email`: `invalid_email`, `unchanged`, …)", body = ProblemDocument),
        (status = 429, description = "`rate_limited`", body = ProblemDocument),
        (status = 503, body = ProblemDocument),
    ),
    security(("session" = []), ("bearer" = [])))]
pub async fn request_email_change(ctx: Ctx, body: Body<EmailChangeInput>, _raw: Bytes) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let input = body?;
        ctx.platform
            .limits
            .check(CoreLimit::PasswordAccount, who.account.id.as_str())?;
        let requested = mail::request_email_change(
            &ctx.platform,
            &who.account,
            &input.new_email,
            &input.current_password,
        )
        .await;
        match requested {
            Ok(()) => Ok(respond::json(StatusCode::ACCEPTED, &Accepted {})),
            Err(AccountError::EmailTaken) => {
                Err(Problem::conflict("email_taken").with("field", "new_email"))
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    finish(&ctx, result)
}

/// Confirms a new address with the `token` of the link sent to it; the address changes.
#[utoipa::path(post, path = "/api/v1/email-changes/confirm", tag = "accounts",
    request_body = LinkTokenInput,
    responses(
        (status = 200, description = "Changed; the account as `GET /api/v1/me` shows it", body = Me),
        (status = 400, body = ProblemDocument),
        (status = 403, description = "`account_blocked`", body = ProblemDocument),
        (status = 409, description = "`email_taken`: another account took the address meanwhile", body = ProblemDocument),
        (status = 410, description = "`link_invalid`: unknown, used or expired", body = ProblemDocument),
    ))]
pub async fn confirm_email_change(ctx: Ctx, body: Body<LinkTokenInput>, _raw: Bytes) -> Response {
    let result = async {
        let input = body?;
        let account = mail::confirm_email_change(&ctx.platform, &input.token).await?;
        Ok(respond::json(StatusCode::OK, &me_view(&ctx, &account)))
    }
    .await;
    finish(&ctx, result)
}

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = TokenList), (status = 401, body = ProblemDocument)))]
pub async fn list_tokens(ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let tokens = ctx.platform.store.tokens_of(&who.account.id).await?;
        Ok(respond::json(
            StatusCode::OK,
            &TokenList {
                items: tokens.iter().map(TokenView::from).collect(),
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// Creates an API token. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "A replay answers with `token: null`")),
    responses((status = 201, body = TokenCreated), (status = 401, body = ProblemDocument),
        (status = 422, description = "`validation_failed` (`too_many_tokens` at 20)", body = ProblemDocument),
        (status = 429, body = ProblemDocument)))]
pub async fn create_token(
    ctx: Ctx,
    key: Option<String>,
    body: Body<TokenInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?.clone();
        let input = body?;
        ctx.platform
            .limits
            .check(CoreLimit::TokensAccount, who.account.id.as_str())?;
        idempotency::once(&ctx, "tokens.create", key, &raw, || async {
            let (token, secret) =
                service::create_token(&ctx.platform, &who.account.id, &input.name).await?;
            let view = |secret: Option<String>| TokenCreated {
                id: token.id.to_string(),
                name: token.name.clone(),
                token: secret,
                created_at: token.created_at,
            };
            Ok(Outcome {
                status: StatusCode::CREATED,
                body: json!(view(Some(secret))),
                location: Some(format!("/api/v1/tokens/{}", token.id)),
                replay_body: Some(json!(view(None))),
            })
        })
        .await
    }
    .await;
    finish(&ctx, result)
}

/// Revokes one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub async fn delete_token(id: String, ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = TokenId::parse(&id).ok_or_else(Problem::not_found)?;
        service::revoke_token(&ctx.platform, &who.account.id, &id).await?;
        Ok(respond::no_content())
    }
    .await;
    finish(&ctx, result)
}

/// The districts and okrugs (public).
#[utoipa::path(get, path = "/api/v1/districts", tag = "districts",
    responses((status = 200, body = DistrictList)))]
pub async fn districts(ctx: Ctx) -> Response {
    let directory = ctx.platform.directory();
    let mut response = respond::json(
        StatusCode::OK,
        &DistrictList {
            okrugs: directory.okrugs.clone(),
            districts: directory.districts.clone(),
        },
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The filters of the admin's account list, from a query string.
pub fn account_query(query: &HashMap<String, String>) -> Result<AccountQuery, Problem> {
    let text = query
        .get("q")
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(Problem::bad_request("invalid_query").with("field", "q"));
    }
    let role = match query.get("role").map(String::as_str) {
        None | Some("") => None,
        Some(r) => Some(
            Role::parse(r)
                .ok_or_else(|| Problem::bad_request("invalid_role").with("field", "role"))?,
        ),
    };
    let state = match query.get("state").map(String::as_str) {
        None | Some("") => None,
        Some(s) => Some(
            AccountState::parse(s)
                .ok_or_else(|| Problem::bad_request("invalid_state").with("field", "state"))?,
        ),
    };
    let before = match query.get("cursor") {
        None => None,
        Some(c) => Some(
            AccountId::parse(&decode_cursor(c)?)
                .ok_or_else(|| Problem::bad_request("invalid_cursor").with("field", "cursor"))?,
        ),
    };
    Ok(AccountQuery {
        text,
        role,
        state,
        before,
        limit: parse_limit(query)?,
    })
}

/// Admin: accounts, newest first, filtered by `q` (email or name), `role`, `state`.
#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "admin",
    params(("q" = Option<String>, Query), ("role" = Option<String>, Query), ("state" = Option<String>, Query),
        ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = AccountPage), (status = 400, body = ProblemDocument),
        (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument)))]
pub async fn admin_list_accounts(ctx: Ctx, query: HashMap<String, String>) -> Response {
    let result = async {
        ctx.with_role(Role::Admin)?;
        let query = account_query(&query)?;
        let mut fetch = query.clone();
        fetch.limit = query.limit + 1;
        let mut accounts = ctx.platform.store.list_accounts(&fetch).await?;
        let next_cursor = if accounts.len() > query.limit {
            accounts.truncate(query.limit);
            accounts.last().map(|a| encode_cursor(a.id.as_str()))
        } else {
            None
        };
        Ok(respond::json(
            StatusCode::OK,
            &AccountPage {
                items: accounts.iter().map(AccountView::from).collect(),
                next_cursor,
            },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// Admin: one account.
#[utoipa::path(get, path = "/api/v1/admin/accounts/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument),
        (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub async fn admin_get_account(id: String, ctx: Ctx) -> Response {
    let result = async {
        ctx.with_role(Role::Admin)?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        let account = ctx
            .platform
            .store
            .account(&id)
            .await?
            .ok_or_else(Problem::not_found)?;
        Ok(respond::json(StatusCode::OK, &AccountView::from(&account)))
    }
    .await;
    finish(&ctx, result)
}

/// Admin: sets the roles of an account (resident is always kept; an official needs an
/// organisation). Audited.
#[utoipa::path(put, path = "/api/v1/admin/accounts/{id}/roles", tag = "admin", params(("id" = String, Path)),
    request_body = RolesInput,
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument),
        (status = 404, body = ProblemDocument), (status = 409, description = "`self_lockout`", body = ProblemDocument),
        (status = 422, description = "`organisation_required`, `unknown_organisation`", body = ProblemDocument)))]
pub async fn admin_set_roles(
    id: String,
    ctx: Ctx,
    body: Body<RolesInput>,
    _raw: Bytes,
) -> Response {
    let result = async {
        let admin = ctx.with_role(Role::Admin)?.account.clone();
        let input = body?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        let organisation = match input.organisation_id.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                OrganisationId::parse(raw)
                    .ok_or_else(|| Problem::from(AccountError::UnknownOrganisation))?,
            ),
        };
        let roles: BTreeSet<Role> = input.roles.into_iter().collect();
        let account = service::set_roles(
            &ctx.platform,
            &admin,
            &id,
            roles,
            organisation,
            input.reason.as_deref(),
        )
        .await?;
        Ok(respond::json(StatusCode::OK, &AccountView::from(&account)))
    }
    .await;
    finish(&ctx, result)
}

/// Admin: blocks (or unblocks) an account, with a reason. Audited.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/block", tag = "admin", params(("id" = String, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument),
        (status = 404, body = ProblemDocument), (status = 409, description = "`self_lockout`", body = ProblemDocument),
        (status = 422, description = "`reason_required`", body = ProblemDocument)))]
pub async fn admin_block(id: String, ctx: Ctx, body: Body<ReasonInput>, block: bool) -> Response {
    let result = async {
        let admin = ctx.with_role(Role::Admin)?.account.clone();
        let input = body?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        let account = if block {
            service::block(&ctx.platform, &admin, &id, Some(&input.reason)).await?
        } else {
            service::unblock(&ctx.platform, &admin, &id, Some(&input.reason)).await?
        };
        Ok(respond::json(StatusCode::OK, &AccountView::from(&account)))
    }
    .await;
    finish(&ctx, result)
}

/// Admin: lifts a block, with a reason. Audited.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/unblock", tag = "admin", params(("id" = String, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = AccountView), (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument),
        (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
#[allow(dead_code)]
fn admin_unblock_doc() {}

/// Admin: the organisations.
#[utoipa::path(get, path = "/api/v1/admin/organisations", tag = "admin",
    responses((status = 200, body = OrganisationList), (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument)))]
pub async fn admin_list_organisations(ctx: Ctx) -> Response {
    let result = async {
        ctx.with_role(Role::Admin)?;
        let items = ctx.platform.store.organisations().await?;
        Ok(respond::json(StatusCode::OK, &OrganisationList { items }))
    }
    .await;
    finish(&ctx, result)
}

/// Admin: creates an organisation. Audited.
#[utoipa::path(post, path = "/api/v1/admin/organisations", tag = "admin", request_body = OrganisationInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = crate::accounts::model::Organisation), (status = 401, body = ProblemDocument),
        (status = 403, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
pub async fn admin_create_organisation(
    ctx: Ctx,
    key: Option<String>,
    body: Body<OrganisationInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let admin = ctx.with_role(Role::Admin)?.account.clone();
        let input = body?;
        idempotency::once(&ctx, "organisations.create", key, &raw, || async {
            let organisation =
                service::create_organisation(&ctx.platform, &admin, &input.name).await?;
            Ok(Outcome::created(
                format!("/api/v1/admin/organisations/{}", organisation.id),
                json!(organisation),
            ))
        })
        .await
    }
    .await;
    finish(&ctx, result)
}

/// Admin: the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    params(("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = AuditPage), (status = 401, body = ProblemDocument), (status = 403, body = ProblemDocument)))]
pub async fn admin_audit(ctx: Ctx, query: HashMap<String, String>) -> Response {
    let result = async {
        ctx.with_role(Role::Admin)?;
        let limit = parse_limit(&query)?;
        let before = match query.get("cursor") {
            None => None,
            Some(c) => Some(
                AuditId::parse(&decode_cursor(c)?)
                    .ok_or_else(|| Problem::bad_request("invalid_cursor"))?,
            ),
        };
        let mut items = ctx
            .platform
            .store
            .list_audit(before.as_ref(), limit + 1)
            .await?;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|e| encode_cursor(e.id.as_str()))
        } else {
            None
        };
        Ok(respond::json(
            StatusCode::OK,
            &AuditPage { items, next_cursor },
        ))
    }
    .await;
    finish(&ctx, result)
}

/// The accounts part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create_account, get_account, sign_in, sign_out, me, update_me, change_password,
        resend_verification, verify_email, request_password_reset, confirm_password_reset,
        request_email_change, confirm_email_change, list_tokens, create_token, delete_token, districts, admin_list_accounts, admin_get_account,
        admin_set_roles, admin_block, admin_unblock_doc, admin_list_organisations,
        admin_create_organisation, admin_audit),
    components(schemas(ProblemDocument)),
    tags((name = "accounts", description = "Sign-up, sign-in, sessions, profile, address confirmation, password resets and API tokens"),
        (name = "districts", description = "Districts and okrugs"),
        (name = "admin", description = "Roles, blocks, organisations and the audit log (admins only)"))
)]
pub struct AccountsApi;
