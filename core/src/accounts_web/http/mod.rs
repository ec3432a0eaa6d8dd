//! The accounts JSON API under `/api/v1` (paths fixed by API.md).

mod accounts;
mod admin;
mod links;
mod responses;
mod tokens;

use std::collections::HashMap;
use std::sync::Arc;

use http::StatusCode;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use super::views::*;
use crate::accounts::model::{AccountQuery, AccountState, Role};
use crate::accounts::service::SignUpInput;
use crate::id::AccountId;
use crate::platform::{Ctx, Platform};
use crate::web::cursor::{decode_cursor, parse_limit};
use crate::web::idempotency::{self};
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::{self, CoreLimit, UndeclaredLimit};
use crate::web::respond;
use crate::web::{api_ctx, json_body, JSON_LIMIT};

use accounts::*;
use admin::*;
use links::*;
use responses::*;
use tokens::*;

/// The account `id` as the API shows it, or 404.
async fn account_view(ctx: &Ctx, id: &AccountId) -> Result<Response, Problem> {
    let account = ctx
        .platform
        .store
        .account(id)
        .await?
        .ok_or_else(Problem::not_found)?;
    Ok(respond::json(StatusCode::OK, &AccountView::from(&account)))
}

type Body<T> = Result<T, Problem>;

/// Every accounts API route.
pub fn routes(platform: Arc<Platform>) -> Result<BoxedFilter<(Response,)>, UndeclaredLimit> {
    let p = platform;
    let get = || warp::get().and(api_ctx(p.clone()));
    let post = || warp::post().and(api_ctx(p.clone()));
    let query = warp::query::<HashMap<String, String>>;
    let create_account = warp::path!("api" / "v1" / "accounts")
        .and(warp::post())
        .and(ratelimit::by_ip(p.limits.get(CoreLimit::SignupIp)?))
        .and(api_ctx(p.clone()))
        .and(idempotency::key())
        .and(json_body::<SignUpInput>(JSON_LIMIT))
        .then(create_account);
    let get_account = warp::path!("api" / "v1" / "accounts" / String)
        .and(get())
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
    let me = warp::path!("api" / "v1" / "me").and(get()).then(me);
    let update_me = warp::path!("api" / "v1" / "me")
        .and(warp::patch())
        .and(api_ctx(p.clone()))
        .and(json_body::<ProfileInput>(JSON_LIMIT))
        .then(update_me);
    let change_password = warp::path!("api" / "v1" / "me" / "password")
        .and(post())
        .and(json_body::<PasswordInput>(JSON_LIMIT))
        .then(change_password);
    let resend_verification = warp::path!("api" / "v1" / "me" / "verification")
        .and(post())
        .then(resend_verification);
    let verify_email = warp::path!("api" / "v1" / "email-verifications")
        .and(post())
        .and(json_body::<LinkTokenInput>(JSON_LIMIT))
        .then(verify_email);
    let request_reset = warp::path!("api" / "v1" / "password-resets")
        .and(warp::post())
        .and(ratelimit::by_ip(p.limits.get(CoreLimit::ResetIp)?))
        .and(api_ctx(p.clone()))
        .and(json_body::<PasswordResetInput>(JSON_LIMIT))
        .then(request_password_reset);
    let confirm_reset = warp::path!("api" / "v1" / "password-resets" / "confirm")
        .and(post())
        .and(json_body::<PasswordResetConfirmInput>(JSON_LIMIT))
        .then(confirm_password_reset);
    let change_email = warp::path!("api" / "v1" / "me" / "email")
        .and(post())
        .and(json_body::<EmailChangeInput>(JSON_LIMIT))
        .then(request_email_change);
    let confirm_email = warp::path!("api" / "v1" / "email-changes" / "confirm")
        .and(post())
        .and(json_body::<LinkTokenInput>(JSON_LIMIT))
        .then(confirm_email_change);
    let list_tokens = warp::path!("api" / "v1" / "tokens")
        .and(get())
        .then(list_tokens);
    let create_token = warp::path!("api" / "v1" / "tokens")
        .and(post())
        .and(idempotency::key())
        .and(json_body::<TokenInput>(JSON_LIMIT))
        .then(create_token);
    let delete_token = warp::path!("api" / "v1" / "tokens" / String)
        .and(warp::delete())
        .and(api_ctx(p.clone()))
        .then(delete_token);
    let districts = warp::path!("api" / "v1" / "districts")
        .and(get())
        .then(districts);
    let admin_list = warp::path!("api" / "v1" / "admin" / "accounts")
        .and(get())
        .and(query())
        .then(admin_list_accounts);
    let admin_get = warp::path!("api" / "v1" / "admin" / "accounts" / String)
        .and(get())
        .then(admin_get_account);
    let admin_roles = warp::path!("api" / "v1" / "admin" / "accounts" / String / "roles")
        .and(warp::put())
        .and(api_ctx(p.clone()))
        .and(json_body::<RolesInput>(JSON_LIMIT))
        .then(admin_set_roles);
    let block = warp::path!("api" / "v1" / "admin" / "accounts" / String / "block")
        .and(post())
        .and(json_body::<ReasonInput>(JSON_LIMIT))
        .then(|id, ctx, body, _raw| admin_block(id, ctx, body, true));
    let unblock = warp::path!("api" / "v1" / "admin" / "accounts" / String / "unblock")
        .and(post())
        .and(json_body::<ReasonInput>(JSON_LIMIT))
        .then(|id, ctx, body, _raw| admin_block(id, ctx, body, false));
    let admin_orgs = warp::path!("api" / "v1" / "admin" / "organisations")
        .and(get())
        .then(admin_list_organisations);
    let admin_create_org = warp::path!("api" / "v1" / "admin" / "organisations")
        .and(post())
        .and(idempotency::key())
        .and(json_body::<OrganisationInput>(JSON_LIMIT))
        .then(admin_create_organisation);
    let admin_audit = warp::path!("api" / "v1" / "admin" / "audit")
        .and(get())
        .and(query())
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
