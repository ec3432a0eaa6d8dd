//! Signing up, in and out; a forgotten password (the request and the reset page).

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use crate::accounts::mail;
use crate::accounts::model::Email;
use crate::accounts::service::{self, AccountError, SignUpInput};
use crate::platform::Ctx;
use crate::web::i18n::{Lang, Tr};
use crate::web::pages::{error_page, page, page_with_flash};
use crate::web::ratelimit::CoreLimit;
use crate::web::{respond, safe_next, Form};

use super::*;

#[derive(Template)]
#[template(path = "signup.html")]
pub(super) struct SignUpPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) lang: Lang,
    pub(super) input: &'a SignUpInput,
    pub(super) birth_year: String,
    pub(super) groups: Vec<DistrictGroup<'a>>,
    pub(super) errors: FieldErrors,
    pub(super) min_year: i32,
    pub(super) max_year: i32,
}

pub(super) fn signup_page(
    ctx: &Ctx,
    input: &SignUpInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let directory = ctx.platform.directory();
    let this_year = service::this_year();
    let body = SignUpPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        lang: ctx.lang,
        input,
        birth_year: if input.birth_year == 0 {
            String::new()
        } else {
            input.birth_year.to_string()
        },
        groups: district_groups(&directory),
        errors,
        min_year: 1900,
        max_year: this_year - crate::accounts::model::BirthYear::MIN_AGE,
    };
    page(ctx, status, &ctx.tr().t("signup-title"), &body)
}

pub(super) async fn signup_submit(ctx: Ctx, form: Form) -> Response {
    if let Err(problem) = ctx
        .platform
        .limits
        .check_ip(CoreLimit::SignupIp, ctx.meta.client_ip)
    {
        return error_page(&ctx, problem);
    }
    let birth_year = form.get("birth_year").trim();
    let input = SignUpInput {
        email: form.get("email").to_string(),
        password: form.get("password").to_string(),
        display_name: form.get("display_name").to_string(),
        district_id: form.get("district_id").to_string(),
        birth_year: if birth_year.is_empty() {
            0
        } else {
            birth_year.parse().unwrap_or(-1)
        },
    };
    let mut shown = input.clone();
    shown.password.clear();
    let parsed = input.parse(&ctx.platform.directory());
    let signup = match parsed {
        Ok(s) => s,
        Err(list) => {
            let errors = FieldErrors::from_invalid(ctx.tr(), &list);
            return signup_page(&ctx, &shown, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match service::sign_up(&ctx.platform, signup, ctx.lang).await {
        Ok(account) => with_new_session(&ctx, &account.id, "/profile?done=signed_up").await,
        Err(AccountError::EmailTaken) => {
            let errors = FieldErrors::one("email", ctx.tr().t("err-email_taken-detail"));
            signup_page(&ctx, &shown, errors, StatusCode::CONFLICT)
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
pub(super) struct SignInPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) email: &'a str,
    pub(super) next: &'a str,
    pub(super) error: Option<String>,
}

pub(super) fn signin_page(
    ctx: &Ctx,
    email: &str,
    next: &str,
    error: Option<String>,
    status: StatusCode,
    flash: Option<String>,
) -> Response {
    let body = SignInPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        email,
        next,
        error,
    };
    page_with_flash(ctx, status, &ctx.tr().t("signin-title"), &body, flash)
}

pub(super) async fn signin_submit(ctx: Ctx, form: Form) -> Response {
    let email = form.get("email").trim().to_string();
    let next = safe_next(form.get("next")).unwrap_or_default();
    let limits = &ctx.platform.limits;
    let limited = limits
        .check_ip(CoreLimit::SigninIp, ctx.meta.client_ip)
        .and_then(|_| limits.check(CoreLimit::SigninAccount, &email.to_lowercase()));
    if let Err(problem) = limited {
        let retry = problem.retry_after.unwrap_or(60);
        let message = ctx
            .tr()
            .t1("signin-rate-limited", "seconds", &retry.to_string());
        let mut response = signin_page(
            &ctx,
            &email,
            &next,
            Some(message),
            StatusCode::TOO_MANY_REQUESTS,
            None,
        );
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry));
        return response;
    }
    match service::check_credentials(&ctx.platform, &email, form.get("password")).await {
        Ok(account) => {
            let target = if next.is_empty() { "/" } else { next.as_str() };
            with_new_session(&ctx, &account.id, target).await
        }
        Err(AccountError::InvalidCredentials) => {
            let message = ctx.tr().t("err-invalid_credentials-detail");
            signin_page(
                &ctx,
                &email,
                &next,
                Some(message),
                StatusCode::UNAUTHORIZED,
                None,
            )
        }
        Err(AccountError::Blocked) => {
            let message = ctx.tr().t("err-account_blocked-detail");
            signin_page(
                &ctx,
                &email,
                &next,
                Some(message),
                StatusCode::FORBIDDEN,
                None,
            )
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

pub(super) async fn signout_submit(ctx: Ctx, _form: Form) -> Response {
    if let Some(hash) = ctx.principal.as_ref().and_then(|p| p.session_hash()) {
        if let Err(e) = service::end_session(&ctx.platform, hash).await {
            return error_page(&ctx, e.into());
        }
    }
    let mut response = respond::see_other("/");
    crate::accounts_web::clear_session_cookie(&ctx, &mut response);
    response
}

#[derive(Default)]
pub(super) struct ForgotState {
    pub(super) errors: FieldErrors,
    /// A refusal that is not about the field (too many requests).
    pub(super) error: Option<String>,
    pub(super) status: Option<StatusCode>,
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
pub(super) struct ForgotPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) email: &'a str,
    pub(super) errors: FieldErrors,
    pub(super) error: Option<String>,
}

pub(super) fn forgot_page(
    ctx: &Ctx,
    email: &str,
    state: ForgotState,
    flash: Option<String>,
) -> Response {
    let body = ForgotPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        email,
        errors: state.errors,
        error: state.error,
    };
    page_with_flash(
        ctx,
        state.status.unwrap_or(StatusCode::OK),
        &ctx.tr().t("forgot-title"),
        &body,
        flash,
    )
}

/// POST /forgot-password: sends a reset link if an account uses the address. The answer is
/// the same either way, so the form does not tell who has an account.
pub(super) async fn forgot_submit(ctx: Ctx, form: Form) -> Response {
    let raw = form.get("email").trim().to_string();
    let email = match Email::parse(&raw) {
        Ok(email) => email,
        Err(invalid) => {
            let state = ForgotState {
                errors: FieldErrors::from_invalid(ctx.tr(), &[invalid]),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            return forgot_page(&ctx, &raw, state, None);
        }
    };
    let limits = &ctx.platform.limits;
    let limited = limits
        .check_ip(CoreLimit::ResetIp, ctx.meta.client_ip)
        .and_then(|_| limits.check(CoreLimit::ResetEmail, email.as_str()));
    if let Err(problem) = limited {
        let message = ctx
            .tr()
            .t1("forgot-rate-limited", "minutes", &minutes(&problem));
        let state = ForgotState {
            error: Some(message),
            status: Some(StatusCode::TOO_MANY_REQUESTS),
            ..Default::default()
        };
        return with_retry_after(forgot_page(&ctx, &raw, state, None), &problem);
    }
    match mail::request_password_reset(&ctx.platform, email.as_str()).await {
        Ok(()) => respond::see_other("/forgot-password?done=reset_sent"),
        Err(e) => error_page(&ctx, e.into()),
    }
}

#[derive(Template)]
#[template(path = "reset_password.html")]
pub(super) struct ResetPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) token: &'a str,
    pub(super) errors: FieldErrors,
}

pub(super) fn reset_page(
    ctx: &Ctx,
    token: &str,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let body = ResetPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        token,
        errors,
    };
    no_referrer(page(ctx, status, &ctx.tr().t("reset-title"), &body))
}

/// POST /reset-password: sets the new password and uses up the link.
pub(super) async fn reset_submit(ctx: Ctx, form: Form) -> Response {
    let token = form.get("token");
    match mail::reset_password(&ctx.platform, token, form.get("new_password")).await {
        Ok(account) => {
            let mut response = respond::see_other("/signin?done=password_reset");
            let own_session = crate::accounts_web::by_own_session(&ctx, &account.id);
            if own_session {
                // Every session of the account ended, this browser's too.
                crate::accounts_web::clear_session_cookie(&ctx, &mut response);
            }
            response
        }
        Err(AccountError::Invalid(list)) => {
            let errors = FieldErrors::from_invalid(ctx.tr(), &list);
            reset_page(&ctx, token, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AccountError::LinkInvalid) => link_invalid_page(&ctx, LinkKind::PasswordReset),
        Err(e) => error_page(&ctx, e.into()),
    }
}
