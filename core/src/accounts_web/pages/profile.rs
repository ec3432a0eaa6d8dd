//! The profile: district and name, password, address confirmation and change, API tokens.

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use crate::accounts::mail;
use crate::accounts::model::{Account, AccountState, ApiToken, DisplayName};
use crate::accounts::service::{self, AccountError};
use crate::id::TokenId;
use crate::platform::{Ctx, Principal};
use crate::web::i18n::{Lang, Tr};
use crate::web::pages::{error_page, format_time, page_with_flash};
use crate::web::problem::Problem;
use crate::web::ratelimit::CoreLimit;
use crate::web::{respond, Form};

use super::*;

#[derive(Default)]
pub(super) struct ProfileState {
    pub(super) flash: Option<String>,
    pub(super) errors: FieldErrors,
    pub(super) new_token: Option<(String, String)>,
    pub(super) status: Option<StatusCode>,
    /// Why the confirmation link was not sent again (shown in the unconfirmed-address notice).
    pub(super) verify_error: Option<String>,
    /// The new address as typed, when the address-change form is shown again.
    pub(super) new_email: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
pub(super) struct ProfilePage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) lang: Lang,
    pub(super) account: &'a Account,
    pub(super) district_name: String,
    pub(super) groups: Vec<DistrictGroup<'a>>,
    pub(super) tokens: Vec<ApiToken>,
    pub(super) new_token: Option<(String, String)>,
    pub(super) errors: FieldErrors,
    pub(super) unverified: bool,
    pub(super) verify_error: Option<String>,
    pub(super) new_email: String,
}

impl ProfilePage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format_time(at)
    }
}

pub(super) async fn profile_page(ctx: &Ctx, state: ProfileState) -> Response {
    let Some(principal) = &ctx.principal else {
        return to_signin(ctx);
    };
    let tokens = match ctx.platform.store.tokens_of(&principal.account.id).await {
        Ok(t) => t,
        Err(e) => return error_page(ctx, e.into()),
    };
    let directory = ctx.platform.directory();
    let body = ProfilePage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        lang: ctx.lang,
        account: &principal.account,
        district_name: directory
            .district(principal.account.district_id.as_str())
            .map(|d| d.name(ctx.lang).to_string())
            .unwrap_or_default(),
        groups: district_groups(&directory),
        tokens,
        new_token: state.new_token,
        errors: state.errors,
        unverified: principal.account.state == AccountState::Unverified,
        verify_error: state.verify_error,
        new_email: state.new_email,
    };
    page_with_flash(
        ctx,
        state.status.unwrap_or(StatusCode::OK),
        &ctx.tr().t("profile-title"),
        &body,
        state.flash,
    )
}

/// The signed-in principal, when `limit` allows them another try; else the answer to give.
fn limited_principal(ctx: &Ctx, limit: CoreLimit) -> Result<Principal, Response> {
    let Some(principal) = ctx.principal.clone() else {
        return Err(to_signin(ctx));
    };
    let id = principal.account.id.as_str();
    match ctx.platform.limits.check(limit, id) {
        Ok(()) => Ok(principal),
        Err(p) => Err(error_page(ctx, p)),
    }
}

/// The profile again, with the form's problems (422).
async fn profile_with_errors(ctx: &Ctx, errors: FieldErrors) -> Response {
    profile_page(
        ctx,
        ProfileState {
            errors,
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            ..Default::default()
        },
    )
    .await
}

pub(super) async fn profile_submit(ctx: Ctx, form: Form) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(&ctx);
    };
    let directory = ctx.platform.directory();
    let mut errors = Vec::new();
    let district = service::parse_district(&directory, form.get("district_id"))
        .map_err(|e| errors.push(e))
        .ok();
    let name = DisplayName::parse(form.get("display_name"))
        .map_err(|e| errors.push(e))
        .ok();
    if !errors.is_empty() {
        return profile_with_errors(&ctx, FieldErrors::from_invalid(ctx.tr(), &errors)).await;
    }
    match service::update_profile(&ctx.platform, &principal.account, district, name).await {
        Ok(_) => respond::see_other("/profile?done=saved"),
        Err(e) => error_page(&ctx, e.into()),
    }
}

pub(super) async fn password_submit(ctx: Ctx, form: Form) -> Response {
    let principal = match limited_principal(&ctx, CoreLimit::PasswordAccount) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let result = service::change_password(
        &ctx.platform,
        &principal.account,
        form.get("current_password"),
        form.get("new_password"),
    )
    .await;
    match result {
        Ok(()) => {
            // Every session ended, this one too; this browser gets a fresh one.
            with_new_session(&ctx, &principal.account.id, "/profile?done=password").await
        }
        Err(AccountError::WrongPassword) => {
            let errors =
                FieldErrors::one("current_password", ctx.tr().t("err-wrong_password-detail"));
            profile_with_errors(&ctx, errors).await
        }
        Err(AccountError::Invalid(list)) => {
            profile_with_errors(&ctx, FieldErrors::from_invalid(ctx.tr(), &list)).await
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

/// POST /profile/verification: sends the address-confirmation link again.
pub(super) async fn verification_submit(ctx: Ctx, _form: Form) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(&ctx);
    };
    if principal.account.state != AccountState::Unverified {
        return respond::see_other("/profile?done=already_verified");
    }
    if let Err(problem) = ctx
        .platform
        .limits
        .check(CoreLimit::VerifyResend, principal.account.id.as_str())
    {
        let message = ctx
            .tr()
            .t1("profile-verify-rate-limited", "minutes", &minutes(&problem));
        let response = profile_page(
            &ctx,
            ProfileState {
                verify_error: Some(message),
                status: Some(StatusCode::TOO_MANY_REQUESTS),
                ..Default::default()
            },
        )
        .await;
        return with_retry_after(response, &problem);
    }
    match mail::resend_verification(&ctx.platform, &principal.account).await {
        Ok(()) => respond::see_other("/profile?done=verification_sent"),
        Err(AccountError::AlreadyVerified) => respond::see_other("/profile?done=already_verified"),
        Err(e) => error_page(&ctx, e.into()),
    }
}

/// POST /profile/email: starts a change of address (a link goes to the new one).
pub(super) async fn email_change_submit(ctx: Ctx, form: Form) -> Response {
    let principal = match limited_principal(&ctx, CoreLimit::PasswordAccount) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let new_email = form.get("new_email").trim().to_string();
    let result = mail::request_email_change(
        &ctx.platform,
        &principal.account,
        &new_email,
        form.get("current_password"),
    )
    .await;
    let tr = ctx.tr();
    let (errors, status) = match result {
        Ok(()) => return respond::see_other("/profile?done=email_change_sent"),
        Err(AccountError::WrongPassword) => (
            FieldErrors::one("email_current_password", tr.t("err-wrong_password-detail")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AccountError::EmailTaken) => (
            FieldErrors::one("new_email", tr.t("invalid-new_email-taken")),
            StatusCode::CONFLICT,
        ),
        Err(AccountError::Invalid(list)) => (
            FieldErrors::from_invalid(tr, &list),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return error_page(&ctx, e.into()),
    };
    profile_page(
        &ctx,
        ProfileState {
            errors,
            status: Some(status),
            new_email,
            ..Default::default()
        },
    )
    .await
}

pub(super) async fn token_submit(ctx: Ctx, form: Form) -> Response {
    let principal = match limited_principal(&ctx, CoreLimit::TokensAccount) {
        Ok(p) => p,
        Err(response) => return response,
    };
    match service::create_token(&ctx.platform, &principal.account.id, form.get("name")).await {
        // The secret is shown on this page, once: no redirect that would lose it.
        Ok((token, secret)) => {
            profile_page(
                &ctx,
                ProfileState {
                    new_token: Some((token.name, secret)),
                    status: Some(StatusCode::CREATED),
                    ..Default::default()
                },
            )
            .await
        }
        Err(AccountError::Invalid(list)) => {
            profile_with_errors(&ctx, FieldErrors::from_invalid(ctx.tr(), &list)).await
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

pub(super) async fn token_revoke(id: String, ctx: Ctx, _form: Form) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(&ctx);
    };
    let Some(id) = TokenId::parse(&id) else {
        return error_page(&ctx, Problem::not_found());
    };
    match service::revoke_token(&ctx.platform, &principal.account.id, &id).await {
        Ok(()) => respond::see_other("/profile?done=token_revoked"),
        Err(e) => error_page(&ctx, e.into()),
    }
}
