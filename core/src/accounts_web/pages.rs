//! The account pages: home, sign-up, sign-in, sign-out, profile (district, password, address,
//! API tokens), the pages the emailed links lead to (confirming an address, resetting a
//! password), the language switcher, and the admin's accounts, organisations and audit log.
//! Every form carries a CSRF token and works without JavaScript.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use super::http::account_query;
use crate::accounts::mail;
use crate::accounts::model::{
    Account, AccountState, ApiToken, DisplayName, Email, Invalid, Organisation, Role,
};
use crate::accounts::service::{self, AccountError, SignUpInput};
use crate::districts::Directory;
use crate::districts::{District, Okrug};
use crate::id::{AccountId, AuditId, OrganisationId, TokenId};
use crate::platform::{Ctx, Platform};
use crate::store::AuditEntry;
use crate::web::cursor::{decode_cursor, encode_cursor};
use crate::web::i18n::{Lang, Tr};
use crate::web::pages::{error_page, format_time, page, page_with_flash, STYLESHEET};
use crate::web::problem::Problem;
use crate::web::ratelimit::CoreLimit;
use crate::web::{form, page_ctx, respond, safe_next, Form};

/// Messages for the fields of a form that was refused, in the request's language.
#[derive(Default)]
pub struct FieldErrors {
    pub items: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn from_invalid(tr: Tr<'_>, list: &[Invalid]) -> FieldErrors {
        FieldErrors {
            items: list
                .iter()
                .map(|i| {
                    (
                        i.field.to_string(),
                        tr.t(&format!("invalid-{}-{}", i.field, i.code)),
                    )
                })
                .collect(),
        }
    }

    pub fn one(field: &str, message: String) -> FieldErrors {
        FieldErrors {
            items: vec![(field.to_string(), message)],
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The districts grouped by okrug, for `<select>` with `<optgroup>`.
pub struct DistrictGroup<'a> {
    pub okrug: &'a Okrug,
    pub districts: Vec<&'a District>,
}

pub fn district_groups(directory: &Directory) -> Vec<DistrictGroup<'_>> {
    directory
        .okrugs
        .iter()
        .map(|okrug| DistrictGroup {
            okrug,
            districts: directory
                .districts
                .iter()
                .filter(|d| d.okrug_id == okrug.id)
                .collect(),
        })
        .collect()
}

pub fn routes(platform: Arc<Platform>) -> BoxedFilter<(Response,)> {
    let p = platform;
    let home = warp::path::end()
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .map(|ctx: Ctx| home(&ctx));
    let css = warp::path!("static" / "veche.css")
        .and(warp::get())
        .map(|| {
            let mut response = Response::new(STYLESHEET.into());
            let headers = response.headers_mut();
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/css; charset=utf-8"),
            );
            headers.insert(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("public, max-age=3600"),
            );
            response
        });
    let lang = warp::path!("lang" / String)
        .and(warp::get())
        .and(warp::query::<HashMap<String, String>>())
        .and(page_ctx(p.clone()))
        .then(
            |code: String, query: HashMap<String, String>, ctx: Ctx| async move {
                switch_language(&ctx, &code, &query).await
            },
        );
    let signup_form = warp::path!("signup")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .map(|ctx: Ctx| {
            signup_page(
                &ctx,
                &SignUpInput::default(),
                FieldErrors::default(),
                StatusCode::OK,
            )
        });
    let signup = warp::path!("signup")
        .and(warp::post())
        .and(form(p.clone()))
        .then(signup_submit);
    let signin_form = warp::path!("signin")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .map(|ctx: Ctx, query: HashMap<String, String>| {
            let next = query
                .get("next")
                .and_then(|n| safe_next(n))
                .unwrap_or_default();
            let flash = query
                .get("done")
                .map(|d| ctx.tr().t(&format!("flash-{}", flash_key(d))));
            signin_page(&ctx, "", &next, None, StatusCode::OK, flash)
        });
    let signin = warp::path!("signin")
        .and(warp::post())
        .and(form(p.clone()))
        .then(signin_submit);
    let signout = warp::path!("signout")
        .and(warp::post())
        .and(form(p.clone()))
        .then(signout_submit);
    let profile = warp::path!("profile")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(|ctx: Ctx, query: HashMap<String, String>| async move {
            let flash = query
                .get("done")
                .map(|d| ctx.tr().t(&format!("flash-{}", flash_key(d))));
            profile_page(
                &ctx,
                ProfileState {
                    flash,
                    ..Default::default()
                },
            )
            .await
        });
    let profile_update = warp::path!("profile")
        .and(warp::post())
        .and(form(p.clone()))
        .then(profile_submit);
    let password = warp::path!("profile" / "password")
        .and(warp::post())
        .and(form(p.clone()))
        .then(password_submit);
    let verification = warp::path!("profile" / "verification")
        .and(warp::post())
        .and(form(p.clone()))
        .then(verification_submit);
    let email_change = warp::path!("profile" / "email")
        .and(warp::post())
        .and(form(p.clone()))
        .then(email_change_submit);
    let verify_email = warp::path!("verify-email")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(verify_email_page);
    let forgot_form = warp::path!("forgot-password")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .map(|ctx: Ctx, query: HashMap<String, String>| {
            let flash = query
                .get("done")
                .map(|d| ctx.tr().t(&format!("flash-{}", flash_key(d))));
            forgot_page(&ctx, "", ForgotState::default(), flash)
        });
    let forgot = warp::path!("forgot-password")
        .and(warp::post())
        .and(form(p.clone()))
        .then(forgot_submit);
    let reset_form = warp::path!("reset-password")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .map(|ctx: Ctx, query: HashMap<String, String>| {
            // Only shows the form: the link is used up when the new password is sent, so that
            // a mail scanner opening the link does not spend it.
            match query.get("token").filter(|t| !t.is_empty()) {
                Some(token) => reset_page(&ctx, token, FieldErrors::default(), StatusCode::OK),
                None => link_invalid_page(&ctx, LinkKind::PasswordReset),
            }
        });
    let reset = warp::path!("reset-password")
        .and(warp::post())
        .and(form(p.clone()))
        .then(reset_submit);
    let confirm_email = warp::path!("confirm-email")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(confirm_email_page);
    let token_create = warp::path!("profile" / "tokens")
        .and(warp::post())
        .and(form(p.clone()))
        .then(token_submit);
    let token_revoke = warp::path!("profile" / "tokens" / String / "revoke")
        .and(warp::post())
        .and(form(p.clone()))
        .then(token_revoke);
    let admin_accounts = warp::path!("admin" / "accounts")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(admin_accounts_page);
    let admin_account = warp::path!("admin" / "accounts" / String)
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .then(|id: String, ctx: Ctx| async move {
            admin_account_page(&ctx, &id, FieldErrors::default(), None).await
        });
    let admin_roles = warp::path!("admin" / "accounts" / String / "roles")
        .and(warp::post())
        .and(form(p.clone()))
        .then(admin_roles_submit);
    let admin_block = warp::path!("admin" / "accounts" / String / "block")
        .and(warp::post())
        .and(form(p.clone()))
        .then(|id, ctx, form| admin_block_submit(id, ctx, form, true));
    let admin_unblock = warp::path!("admin" / "accounts" / String / "unblock")
        .and(warp::post())
        .and(form(p.clone()))
        .then(|id, ctx, form| admin_block_submit(id, ctx, form, false));
    let admin_orgs = warp::path!("admin" / "organisations")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .then(|ctx: Ctx| async move {
            admin_organisations_page(&ctx, "", FieldErrors::default(), None).await
        });
    let admin_org_create = warp::path!("admin" / "organisations")
        .and(warp::post())
        .and(form(p.clone()))
        .then(admin_organisation_submit);
    let admin_audit = warp::path!("admin" / "audit")
        .and(warp::get())
        .and(page_ctx(p.clone()))
        .and(warp::query::<HashMap<String, String>>())
        .then(admin_audit_page);
    let routes: Vec<BoxedFilter<(Response,)>> = vec![
        home.boxed(),
        css.boxed(),
        lang.boxed(),
        signup_form.boxed(),
        signup.boxed(),
        signin_form.boxed(),
        signin.boxed(),
        signout.boxed(),
        profile.boxed(),
        profile_update.boxed(),
        password.boxed(),
        verification.boxed(),
        email_change.boxed(),
        verify_email.boxed(),
        forgot_form.boxed(),
        forgot.boxed(),
        reset_form.boxed(),
        reset.boxed(),
        confirm_email.boxed(),
        token_create.boxed(),
        token_revoke.boxed(),
        admin_accounts.boxed(),
        admin_account.boxed(),
        admin_roles.boxed(),
        admin_block.boxed(),
        admin_unblock.boxed(),
        admin_orgs.boxed(),
        admin_org_create.boxed(),
        admin_audit.boxed(),
    ];
    crate::web::combine(routes)
}

/// Flash messages are chosen by a known code in the redirect, never by text from the URL.
fn flash_key(code: &str) -> &'static str {
    match code {
        "signed_up" => "signed-up",
        "saved" => "saved",
        "password" => "password-changed",
        "token_revoked" => "token-revoked",
        "verification_sent" => "verification-sent",
        "already_verified" => "already-verified",
        "email_change_sent" => "email-change-sent",
        "reset_sent" => "reset-sent",
        "password_reset" => "password-reset",
        _ => "saved",
    }
}

/// Pages that need a signed-in account send others to sign in and come back.
fn to_signin(ctx: &Ctx) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(ctx.meta.path.as_bytes()).collect();
    respond::see_other(&format!("/signin?next={next}"))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    tr: Tr<'a>,
    account: Option<&'a Account>,
    district: Option<String>,
}

fn home(ctx: &Ctx) -> Response {
    let directory = ctx.platform.directory();
    let account = ctx.principal.as_ref().map(|p| &p.account);
    let district = account
        .and_then(|a| directory.district(a.district_id.as_str()))
        .map(|d| d.name(ctx.lang).to_string());
    page(
        ctx,
        StatusCode::OK,
        &ctx.tr().t("home-title"),
        &HomePage {
            tr: ctx.tr(),
            account,
            district,
        },
    )
}

/// Sets the language cookie and, when signed in, the account's language, so that its emails
/// follow the choice.
async fn switch_language(ctx: &Ctx, code: &str, query: &HashMap<String, String>) -> Response {
    let back = query
        .get("back")
        .and_then(|b| safe_next(b))
        .unwrap_or_else(|| "/".into());
    let Some(lang) = Lang::parse(code) else {
        return error_page(ctx, Problem::not_found());
    };
    if let Some(principal) = &ctx.principal {
        if let Err(e) = service::set_language(&ctx.platform, &principal.account, lang).await {
            // The pages switch anyway; the emails keep the old language until the next try.
            tracing::warn!(account = %principal.account.id, error = %e, "storing the language");
        }
    }
    let mut response = respond::see_other(&back);
    respond::add_cookie(
        &mut response,
        &respond::cookie(
            Lang::COOKIE,
            lang.code(),
            365 * 86_400,
            ctx.platform.config.https(),
        ),
    );
    response
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    lang: Lang,
    input: &'a SignUpInput,
    birth_year: String,
    groups: Vec<DistrictGroup<'a>>,
    errors: FieldErrors,
    min_year: i32,
    max_year: i32,
}

fn signup_page(
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

async fn signup_submit(ctx: Ctx, form: Form) -> Response {
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
        Ok(account) => match service::start_session(&ctx.platform, &account.id).await {
            Ok(secret) => {
                let mut response = respond::see_other("/profile?done=signed_up");
                respond::add_cookie(
                    &mut response,
                    &service::session_cookie(&ctx.platform, &secret),
                );
                response
            }
            Err(e) => error_page(&ctx, e.into()),
        },
        Err(AccountError::EmailTaken) => {
            let errors = FieldErrors::one("email", ctx.tr().t("err-email_taken-detail"));
            signup_page(&ctx, &shown, errors, StatusCode::CONFLICT)
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    email: &'a str,
    next: &'a str,
    error: Option<String>,
}

fn signin_page(
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

async fn signin_submit(ctx: Ctx, form: Form) -> Response {
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
        Ok(account) => match service::start_session(&ctx.platform, &account.id).await {
            Ok(secret) => {
                let target = if next.is_empty() {
                    "/".to_string()
                } else {
                    next
                };
                let mut response = respond::see_other(&target);
                respond::add_cookie(
                    &mut response,
                    &service::session_cookie(&ctx.platform, &secret),
                );
                response
            }
            Err(e) => error_page(&ctx, e.into()),
        },
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

async fn signout_submit(ctx: Ctx, _form: Form) -> Response {
    if let Some(hash) = ctx.principal.as_ref().and_then(|p| p.session_hash()) {
        if let Err(e) = service::end_session(&ctx.platform, hash).await {
            return error_page(&ctx, e.into());
        }
    }
    let mut response = respond::see_other("/");
    respond::add_cookie(
        &mut response,
        &respond::clear_cookie(crate::web::SESSION_COOKIE, ctx.platform.config.https()),
    );
    response
}

#[derive(Default)]
struct ProfileState {
    flash: Option<String>,
    errors: FieldErrors,
    new_token: Option<(String, String)>,
    status: Option<StatusCode>,
    /// Why the confirmation link was not sent again (shown in the unconfirmed-address notice).
    verify_error: Option<String>,
    /// The new address as typed, when the address-change form is shown again.
    new_email: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage<'a> {
    tr: Tr<'a>,
    csrf: String,
    lang: Lang,
    account: &'a Account,
    district_name: String,
    groups: Vec<DistrictGroup<'a>>,
    tokens: Vec<ApiToken>,
    new_token: Option<(String, String)>,
    errors: FieldErrors,
    unverified: bool,
    verify_error: Option<String>,
    new_email: String,
}

impl ProfilePage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format_time(at)
    }
}

async fn profile_page(ctx: &Ctx, state: ProfileState) -> Response {
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

async fn profile_submit(ctx: Ctx, form: Form) -> Response {
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
        let errors = FieldErrors::from_invalid(ctx.tr(), &errors);
        return profile_page(
            &ctx,
            ProfileState {
                errors,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            },
        )
        .await;
    }
    match service::update_profile(&ctx.platform, &principal.account, district, name).await {
        Ok(_) => respond::see_other("/profile?done=saved"),
        Err(e) => error_page(&ctx, e.into()),
    }
}

async fn password_submit(ctx: Ctx, form: Form) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(&ctx);
    };
    if let Err(p) = ctx
        .platform
        .limits
        .check(CoreLimit::PasswordAccount, principal.account.id.as_str())
    {
        return error_page(&ctx, p);
    }
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
            match service::start_session(&ctx.platform, &principal.account.id).await {
                Ok(secret) => {
                    let mut response = respond::see_other("/profile?done=password");
                    respond::add_cookie(
                        &mut response,
                        &service::session_cookie(&ctx.platform, &secret),
                    );
                    response
                }
                Err(e) => error_page(&ctx, e.into()),
            }
        }
        Err(AccountError::WrongPassword) => {
            let errors =
                FieldErrors::one("current_password", ctx.tr().t("err-wrong_password-detail"));
            profile_page(
                &ctx,
                ProfileState {
                    errors,
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    ..Default::default()
                },
            )
            .await
        }
        Err(AccountError::Invalid(list)) => {
            let errors = FieldErrors::from_invalid(ctx.tr(), &list);
            profile_page(
                &ctx,
                ProfileState {
                    errors,
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

/// A wait in whole minutes (at least one), for messages about rate limits.
fn minutes(problem: &Problem) -> String {
    problem
        .retry_after
        .unwrap_or(60)
        .div_ceil(60)
        .max(1)
        .to_string()
}

fn with_retry_after(mut response: Response, problem: &Problem) -> Response {
    if let Some(retry) = problem.retry_after {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry));
    }
    response
}

/// Pages reached by an emailed link carry its secret in the address: keep it out of the
/// `Referer` of anything the page loads or submits.
fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    response
}

/// POST /profile/verification: sends the address-confirmation link again.
async fn verification_submit(ctx: Ctx, _form: Form) -> Response {
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
async fn email_change_submit(ctx: Ctx, form: Form) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(&ctx);
    };
    if let Err(p) = ctx
        .platform
        .limits
        .check(CoreLimit::PasswordAccount, principal.account.id.as_str())
    {
        return error_page(&ctx, p);
    }
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

/// What an emailed link was for, to say on its result page how to get a fresh one.
#[derive(Clone, Copy)]
enum LinkKind {
    Verify,
    PasswordReset,
    EmailChange,
}

pub struct PageLink {
    pub href: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "link_result.html")]
struct LinkResultPage {
    ok: bool,
    heading: String,
    message: String,
    hint: Option<String>,
    links: Vec<PageLink>,
}

fn link_result(ctx: &Ctx, status: StatusCode, body: LinkResultPage) -> Response {
    let title = body.heading.clone();
    no_referrer(page(ctx, status, &title, &body))
}

/// The way on after a link was followed: the profile when signed in, else the sign-in page.
fn onward_links(ctx: &Ctx) -> Vec<PageLink> {
    let tr = ctx.tr();
    if ctx.principal.is_some() {
        vec![PageLink {
            href: "/profile",
            label: tr.t("home-profile-link"),
        }]
    } else {
        vec![PageLink {
            href: "/signin",
            label: tr.t("nav-signin"),
        }]
    }
}

/// 410: the link is unknown, used or expired; says where to ask for a new one.
fn link_invalid_page(ctx: &Ctx, kind: LinkKind) -> Response {
    let tr = ctx.tr();
    let (hint, links) = match kind {
        LinkKind::Verify => ("link-invalid-verify-hint", onward_links(ctx)),
        LinkKind::EmailChange => ("link-invalid-change-hint", onward_links(ctx)),
        LinkKind::PasswordReset => (
            "link-invalid-reset-hint",
            vec![PageLink {
                href: "/forgot-password",
                label: tr.t("link-invalid-reset-action"),
            }],
        ),
    };
    link_result(
        ctx,
        StatusCode::GONE,
        LinkResultPage {
            ok: false,
            heading: tr.t("err-link_invalid"),
            message: tr.t("err-link_invalid-detail"),
            hint: Some(tr.t(hint)),
            links,
        },
    )
}

/// GET /verify-email?token=…: confirms the address the link was sent to.
async fn verify_email_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
    let token = query.get("token").map(String::as_str).unwrap_or("");
    let tr = ctx.tr();
    let done = |message: &str| {
        link_result(
            &ctx,
            StatusCode::OK,
            LinkResultPage {
                ok: true,
                heading: tr.t("verify-done"),
                message: tr.t(message),
                hint: None,
                links: onward_links(&ctx),
            },
        )
    };
    match mail::verify_email(&ctx.platform, token).await {
        Ok(_) => done("verify-done-detail"),
        // A second click on the link, by a resident whose address is confirmed already.
        Err(AccountError::LinkInvalid)
            if ctx
                .principal
                .as_ref()
                .is_some_and(|p| p.account.state == AccountState::Active) =>
        {
            done("verify-already")
        }
        Err(AccountError::LinkInvalid) => link_invalid_page(&ctx, LinkKind::Verify),
        Err(e) => no_referrer(error_page(&ctx, e.into())),
    }
}

/// GET /confirm-email?token=…: changes the account's address to the one the link was sent to.
async fn confirm_email_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
    let token = query.get("token").map(String::as_str).unwrap_or("");
    let tr = ctx.tr();
    match mail::confirm_email_change(&ctx.platform, token).await {
        Ok(account) => link_result(
            &ctx,
            StatusCode::OK,
            LinkResultPage {
                ok: true,
                heading: tr.t("email-changed-title"),
                message: tr.t1("email-changed-detail", "email", account.email.as_str()),
                hint: None,
                links: onward_links(&ctx),
            },
        ),
        Err(AccountError::LinkInvalid) => link_invalid_page(&ctx, LinkKind::EmailChange),
        Err(AccountError::EmailTaken) => link_result(
            &ctx,
            StatusCode::CONFLICT,
            LinkResultPage {
                ok: false,
                heading: tr.t("err-email_taken"),
                message: tr.t("email-change-taken"),
                hint: None,
                links: onward_links(&ctx),
            },
        ),
        Err(e) => no_referrer(error_page(&ctx, e.into())),
    }
}

#[derive(Default)]
struct ForgotState {
    errors: FieldErrors,
    /// A refusal that is not about the field (too many requests).
    error: Option<String>,
    status: Option<StatusCode>,
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    email: &'a str,
    errors: FieldErrors,
    error: Option<String>,
}

fn forgot_page(ctx: &Ctx, email: &str, state: ForgotState, flash: Option<String>) -> Response {
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
async fn forgot_submit(ctx: Ctx, form: Form) -> Response {
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
struct ResetPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    token: &'a str,
    errors: FieldErrors,
}

fn reset_page(ctx: &Ctx, token: &str, errors: FieldErrors, status: StatusCode) -> Response {
    let body = ResetPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        token,
        errors,
    };
    no_referrer(page(ctx, status, &ctx.tr().t("reset-title"), &body))
}

/// POST /reset-password: sets the new password and uses up the link.
async fn reset_submit(ctx: Ctx, form: Form) -> Response {
    let token = form.get("token");
    match mail::reset_password(&ctx.platform, token, form.get("new_password")).await {
        Ok(account) => {
            let mut response = respond::see_other("/signin?done=password_reset");
            let own_session = ctx
                .principal
                .as_ref()
                .is_some_and(|p| p.account.id == account.id && p.session_hash().is_some());
            if own_session {
                // Every session of the account ended, this browser's too.
                respond::add_cookie(
                    &mut response,
                    &respond::clear_cookie(crate::web::SESSION_COOKIE, ctx.platform.config.https()),
                );
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

async fn token_submit(ctx: Ctx, form: Form) -> Response {
    let Some(principal) = ctx.principal.clone() else {
        return to_signin(&ctx);
    };
    if let Err(p) = ctx
        .platform
        .limits
        .check(CoreLimit::TokensAccount, principal.account.id.as_str())
    {
        return error_page(&ctx, p);
    }
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
            let errors = FieldErrors::from_invalid(ctx.tr(), &list);
            profile_page(
                &ctx,
                ProfileState {
                    errors,
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => error_page(&ctx, e.into()),
    }
}

async fn token_revoke(id: String, ctx: Ctx, _form: Form) -> Response {
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

/// The admin pages' gate: sign in first; then 403 for non-admins.
fn admin(ctx: &Ctx) -> Result<Account, Response> {
    match &ctx.principal {
        None => Err(to_signin(ctx)),
        Some(p) if p.account.has_role(Role::Admin) => Ok(p.account.clone()),
        Some(_) => Err(error_page(ctx, Problem::forbidden())),
    }
}

pub struct AccountRow {
    pub account: Account,
    pub district: String,
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AdminAccountsPage<'a> {
    tr: Tr<'a>,
    q: String,
    role: String,
    state: String,
    roles: [Role; 5],
    rows: Vec<AccountRow>,
    next_href: Option<String>,
}

async fn admin_accounts_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
    if let Err(response) = admin(&ctx) {
        return response;
    }
    let parsed = match account_query(&query) {
        Ok(q) => q,
        Err(p) => return error_page(&ctx, p),
    };
    let mut fetch = parsed.clone();
    fetch.limit = parsed.limit + 1;
    let mut accounts = match ctx.platform.store.list_accounts(&fetch).await {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, e.into()),
    };
    let next_href = if accounts.len() > parsed.limit {
        accounts.truncate(parsed.limit);
        accounts.last().map(|last| {
            let mut params = url::form_urlencoded::Serializer::new(String::new());
            for key in ["q", "role", "state"] {
                if let Some(v) = query.get(key).filter(|v| !v.is_empty()) {
                    params.append_pair(key, v);
                }
            }
            params.append_pair("cursor", &encode_cursor(last.id.as_str()));
            format!("/admin/accounts?{}", params.finish())
        })
    } else {
        None
    };
    let directory = ctx.platform.directory();
    let rows = accounts
        .into_iter()
        .map(|account| AccountRow {
            district: directory
                .district(account.district_id.as_str())
                .map(|d| d.name(ctx.lang).to_string())
                .unwrap_or_default(),
            account,
        })
        .collect();
    let body = AdminAccountsPage {
        tr: ctx.tr(),
        q: query.get("q").cloned().unwrap_or_default(),
        role: query.get("role").cloned().unwrap_or_default(),
        state: query.get("state").cloned().unwrap_or_default(),
        roles: Role::ALL,
        rows,
        next_href,
    };
    page(
        &ctx,
        StatusCode::OK,
        &ctx.tr().t("admin-accounts-title"),
        &body,
    )
}

#[derive(Template)]
#[template(path = "admin_account.html")]
struct AdminAccountPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    account: &'a Account,
    district: String,
    roles: [Role; 5],
    organisations: Vec<Organisation>,
    errors: FieldErrors,
    is_self: bool,
}

async fn admin_account_page(
    ctx: &Ctx,
    id: &str,
    errors: FieldErrors,
    flash: Option<String>,
) -> Response {
    let me = match admin(ctx) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let Some(id) = AccountId::parse(id) else {
        return error_page(ctx, Problem::not_found());
    };
    let (account, organisations) = match (
        ctx.platform.store.account(&id).await,
        ctx.platform.store.organisations().await,
    ) {
        (Ok(Some(a)), Ok(o)) => (a, o),
        (Ok(None), _) => return error_page(ctx, Problem::not_found()),
        (Err(e), _) | (_, Err(e)) => return error_page(ctx, e.into()),
    };
    let directory = ctx.platform.directory();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = AdminAccountPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        district: directory
            .district(account.district_id.as_str())
            .map(|d| d.name(ctx.lang).to_string())
            .unwrap_or_default(),
        is_self: me.id == account.id,
        account: &account,
        roles: Role::ALL,
        organisations,
        errors,
    };
    let title = account.display_name.to_string();
    page_with_flash(ctx, status, &title, &body, flash)
}

/// Turns a refused admin action into the account page with the message at the right field.
fn admin_error(ctx: &Ctx, err: AccountError) -> Result<FieldErrors, Response> {
    let tr = ctx.tr();
    Ok(match err {
        AccountError::Invalid(list) => FieldErrors::from_invalid(tr, &list),
        AccountError::OrganisationRequired => {
            FieldErrors::one("organisation_id", tr.t("err-organisation_required-detail"))
        }
        AccountError::UnknownOrganisation => {
            FieldErrors::one("organisation_id", tr.t("err-unknown_organisation-detail"))
        }
        AccountError::ReasonRequired => {
            FieldErrors::one("reason", tr.t("err-reason_required-detail"))
        }
        AccountError::SelfLockout => FieldErrors::one("roles", tr.t("err-self_lockout-detail")),
        other => return Err(error_page(ctx, other.into())),
    })
}

async fn admin_roles_submit(id: String, ctx: Ctx, form: Form) -> Response {
    let me = match admin(&ctx) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let Some(target) = AccountId::parse(&id) else {
        return error_page(&ctx, Problem::not_found());
    };
    let roles: BTreeSet<Role> = form
        .all("roles")
        .into_iter()
        .filter_map(Role::parse)
        .collect();
    let organisation = match form.get("organisation_id") {
        "" => None,
        raw => OrganisationId::parse(raw),
    };
    let reason = Some(form.get("reason")).filter(|r| !r.trim().is_empty());
    match service::set_roles(&ctx.platform, &me, &target, roles, organisation, reason).await {
        Ok(_) => {
            admin_account_page(
                &ctx,
                &id,
                FieldErrors::default(),
                Some(ctx.tr().t("flash-saved")),
            )
            .await
        }
        Err(e) => match admin_error(&ctx, e) {
            Ok(errors) => admin_account_page(&ctx, &id, errors, None).await,
            Err(response) => response,
        },
    }
}

async fn admin_block_submit(id: String, ctx: Ctx, form: Form, block: bool) -> Response {
    let me = match admin(&ctx) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let Some(target) = AccountId::parse(&id) else {
        return error_page(&ctx, Problem::not_found());
    };
    let reason = Some(form.get("reason"));
    let result = if block {
        service::block(&ctx.platform, &me, &target, reason).await
    } else {
        service::unblock(&ctx.platform, &me, &target, reason).await
    };
    match result {
        Ok(_) => {
            admin_account_page(
                &ctx,
                &id,
                FieldErrors::default(),
                Some(ctx.tr().t("flash-saved")),
            )
            .await
        }
        Err(e) => match admin_error(&ctx, e) {
            Ok(errors) => admin_account_page(&ctx, &id, errors, None).await,
            Err(response) => response,
        },
    }
}

#[derive(Template)]
#[template(path = "admin_organisations.html")]
struct AdminOrganisationsPage<'a> {
    tr: Tr<'a>,
    csrf: String,
    organisations: Vec<Organisation>,
    name: &'a str,
    errors: FieldErrors,
}

async fn admin_organisations_page(
    ctx: &Ctx,
    name: &str,
    errors: FieldErrors,
    flash: Option<String>,
) -> Response {
    if let Err(response) = admin(ctx) {
        return response;
    }
    let organisations = match ctx.platform.store.organisations().await {
        Ok(o) => o,
        Err(e) => return error_page(ctx, e.into()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = AdminOrganisationsPage {
        tr: ctx.tr(),
        csrf: ctx.csrf_token(),
        organisations,
        name,
        errors,
    };
    page_with_flash(
        ctx,
        status,
        &ctx.tr().t("admin-organisations-title"),
        &body,
        flash,
    )
}

async fn admin_organisation_submit(ctx: Ctx, form: Form) -> Response {
    let me = match admin(&ctx) {
        Ok(a) => a,
        Err(response) => return response,
    };
    match service::create_organisation(&ctx.platform, &me, form.get("name")).await {
        Ok(_) => {
            admin_organisations_page(
                &ctx,
                "",
                FieldErrors::default(),
                Some(ctx.tr().t("flash-saved")),
            )
            .await
        }
        Err(e) => match admin_error(&ctx, e) {
            Ok(errors) => admin_organisations_page(&ctx, form.get("name"), errors, None).await,
            Err(response) => response,
        },
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AdminAuditPage<'a> {
    tr: Tr<'a>,
    entries: Vec<AuditEntry>,
    next_href: Option<String>,
}

impl AdminAuditPage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format_time(at)
    }
}

async fn admin_audit_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
    if let Err(response) = admin(&ctx) {
        return response;
    }
    let before = match query.get("cursor").map(|c| decode_cursor(c)) {
        None => None,
        Some(Ok(raw)) => AuditId::parse(&raw),
        Some(Err(p)) => return error_page(&ctx, p),
    };
    const PAGE: usize = 50;
    let mut entries = match ctx
        .platform
        .store
        .list_audit(before.as_ref(), PAGE + 1)
        .await
    {
        Ok(e) => e,
        Err(e) => return error_page(&ctx, e.into()),
    };
    let next_href = if entries.len() > PAGE {
        entries.truncate(PAGE);
        entries
            .last()
            .map(|e| format!("/admin/audit?cursor={}", encode_cursor(e.id.as_str())))
    } else {
        None
    };
    let body = AdminAuditPage {
        tr: ctx.tr(),
        entries,
        next_href,
    };
    page(
        &ctx,
        StatusCode::OK,
        &ctx.tr().t("admin-audit-title"),
        &body,
    )
}
