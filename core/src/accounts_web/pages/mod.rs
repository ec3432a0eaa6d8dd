//! The account pages: home, sign-up, sign-in, sign-out, profile (district, password, address,
//! API tokens), the pages the emailed links lead to (confirming an address, resetting a
//! password), the language switcher, and the admin's accounts, organisations and audit log.
//! Every form carries a CSRF token and works without JavaScript.

mod admin;
mod links;
mod profile;
mod sign;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use http::StatusCode;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use crate::accounts::model::{Account, Invalid};
use crate::accounts::service::{self, SignUpInput};
use crate::districts::Directory;
use crate::districts::{District, Okrug};
use crate::id::AccountId;
use crate::platform::{Ctx, Platform};
use crate::web::i18n::{Lang, Tr};
use crate::web::pages::{error_page, page, PLACE_SCRIPT, STYLESHEET};
use crate::web::problem::Problem;
use crate::web::{form, page_ctx, respond, safe_next};

use admin::*;
use links::*;
use profile::*;
use sign::*;

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

    /// The status of a page showing these errors: 422 when there are any.
    pub fn status(&self) -> StatusCode {
        if self.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
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
    // A page: the request's Ctx. A form: Ctx and Form, CSRF checked.
    let get = || warp::get().and(page_ctx(p.clone()));
    let post = || warp::post().and(form(p.clone()));
    let query = warp::query::<HashMap<String, String>>;
    let home = warp::path::end().and(get()).map(|ctx: Ctx| home(&ctx));
    let asset = |body: &'static str, content_type: &'static str| {
        move || {
            let mut response = Response::new(body.into());
            respond::set_headers(
                &mut response,
                &[
                    (http::header::CONTENT_TYPE, content_type),
                    (http::header::CACHE_CONTROL, "public, max-age=3600"),
                ],
            );
            response
        }
    };
    let css = warp::path!("static" / "veche.css")
        .and(warp::get())
        .map(asset(STYLESHEET, "text/css; charset=utf-8"))
        .or(warp::path!("static" / "place.js")
            .and(warp::get())
            .map(asset(PLACE_SCRIPT, "text/javascript; charset=utf-8")))
        .unify();
    let lang = warp::path!("lang" / String)
        .and(warp::get())
        .and(query())
        .and(page_ctx(p.clone()))
        .then(
            |code: String, query: HashMap<String, String>, ctx: Ctx| async move {
                switch_language(&ctx, &code, &query).await
            },
        );
    let signup_form = warp::path!("signup").and(get()).map(|ctx: Ctx| {
        signup_page(
            &ctx,
            &SignUpInput::default(),
            FieldErrors::default(),
            StatusCode::OK,
        )
    });
    let signup = warp::path!("signup").and(post()).then(signup_submit);
    let signin_form = warp::path!("signin").and(get()).and(query()).map(
        |ctx: Ctx, query: HashMap<String, String>| {
            let next = query
                .get("next")
                .and_then(|n| safe_next(n))
                .unwrap_or_default();
            let flash = done_flash(&ctx, &query);
            signin_page(&ctx, "", &next, None, StatusCode::OK, flash)
        },
    );
    let signin = warp::path!("signin").and(post()).then(signin_submit);
    let signout = warp::path!("signout").and(post()).then(signout_submit);
    let profile = warp::path!("profile").and(get()).and(query()).then(
        |ctx: Ctx, query: HashMap<String, String>| async move {
            let flash = done_flash(&ctx, &query);
            profile_page(
                &ctx,
                ProfileState {
                    flash,
                    ..Default::default()
                },
            )
            .await
        },
    );
    let profile_update = warp::path!("profile").and(post()).then(profile_submit);
    let password = warp::path!("profile" / "password")
        .and(post())
        .then(password_submit);
    let verification = warp::path!("profile" / "verification")
        .and(post())
        .then(verification_submit);
    let email_change = warp::path!("profile" / "email")
        .and(post())
        .then(email_change_submit);
    let verify_email = warp::path!("verify-email")
        .and(get())
        .and(query())
        .then(verify_email_page);
    let forgot_form = warp::path!("forgot-password").and(get()).and(query()).map(
        |ctx: Ctx, query: HashMap<String, String>| {
            let flash = done_flash(&ctx, &query);
            forgot_page(&ctx, "", ForgotState::default(), flash)
        },
    );
    let forgot = warp::path!("forgot-password")
        .and(post())
        .then(forgot_submit);
    let reset_form = warp::path!("reset-password").and(get()).and(query()).map(
        |ctx: Ctx, query: HashMap<String, String>| {
            // Only shows the form: the link is used up when the new password is sent, so that
            // a mail scanner opening the link does not spend it.
            match query.get("token").filter(|t| !t.is_empty()) {
                Some(token) => reset_page(&ctx, token, FieldErrors::default(), StatusCode::OK),
                None => link_invalid_page(&ctx, LinkKind::PasswordReset),
            }
        },
    );
    let reset = warp::path!("reset-password").and(post()).then(reset_submit);
    let confirm_email = warp::path!("confirm-email")
        .and(get())
        .and(query())
        .then(confirm_email_page);
    let token_create = warp::path!("profile" / "tokens")
        .and(post())
        .then(token_submit);
    let token_revoke = warp::path!("profile" / "tokens" / String / "revoke")
        .and(post())
        .then(token_revoke);
    let admin_accounts = warp::path!("admin" / "accounts")
        .and(get())
        .and(query())
        .then(admin_accounts_page);
    let admin_account = warp::path!("admin" / "accounts" / String).and(get()).then(
        |id: String, ctx: Ctx| async move {
            admin_account_page(&ctx, &id, FieldErrors::default(), None).await
        },
    );
    let admin_roles = warp::path!("admin" / "accounts" / String / "roles")
        .and(post())
        .then(admin_roles_submit);
    let admin_block = warp::path!("admin" / "accounts" / String / "block")
        .and(post())
        .then(|id, ctx, form| admin_block_submit(id, ctx, form, true));
    let admin_unblock = warp::path!("admin" / "accounts" / String / "unblock")
        .and(post())
        .then(|id, ctx, form| admin_block_submit(id, ctx, form, false));
    let admin_orgs =
        warp::path!("admin" / "organisations")
            .and(get())
            .then(|ctx: Ctx| async move {
                admin_organisations_page(&ctx, "", FieldErrors::default(), None).await
            });
    let admin_org_create = warp::path!("admin" / "organisations")
        .and(post())
        .then(admin_organisation_submit);
    let admin_audit = warp::path!("admin" / "audit")
        .and(get())
        .and(query())
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

/// The flash message named by the `done` code of a redirect (see [`flash_key`]).
fn done_flash(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    query
        .get("done")
        .map(|d| ctx.tr().t(&format!("flash-{}", flash_key(d))))
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
/// Starts a session for `account` and sends the browser to `location` with its cookie.
async fn with_new_session(ctx: &Ctx, account: &AccountId, location: &str) -> Response {
    match service::start_session(&ctx.platform, account).await {
        Ok(secret) => {
            let mut response = respond::see_other(location);
            let cookie = service::session_cookie(&ctx.platform, &secret);
            respond::add_cookie(&mut response, &cookie);
            response
        }
        Err(e) => error_page(ctx, e.into()),
    }
}

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
