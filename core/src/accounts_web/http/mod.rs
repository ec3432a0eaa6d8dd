//! The accounts JSON API under `/api/v1` (paths fixed by API.md).

mod accounts;
mod admin;
mod links;
mod responses;
mod tokens;

use std::collections::HashMap;
use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::path;
use warp::reply::Response;

use super::views::*;
use crate::accounts::model::{AccountQuery, AccountState, Role};
use crate::id::AccountId;
use crate::platform::{Ctx, Platform};
use crate::web::api::{Api, NoBody, Request};
use crate::web::cursor::{decode_cursor, parse_limit};
use crate::web::input::query_param;
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::by_ip;
use crate::web::ratelimit::CoreLimit::{ResetIp, SigninIp, SignupIp};
use crate::web::ratelimit::UndeclaredLimit;
use crate::web::respond;

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
    Ok(respond::ok(&AccountView::from(&account)))
}

/// An accounts API request with body `B`.
type Req<B = NoBody> = Request<Platform, (), B>;

/// Every accounts API route.
pub fn routes(platform: Arc<Platform>) -> Result<BoxedFilter<(Response,)>, UndeclaredLimit> {
    let api = Api::new(platform.clone(), ());
    // The routes a client's IP may call only so often.
    let limited = |name| Ok::<_, UndeclaredLimit>(api.guarded(by_ip(platform.limits.get(name)?)));
    let (signup, signin, reset) = (limited(SignupIp)?, limited(SigninIp)?, limited(ResetIp)?);
    Ok(crate::web::combine(vec![
        signup.post(path!("api" / "v1" / "accounts"), create_account),
        api.get(path!("api" / "v1" / "accounts" / String), get_account),
        signin.post(path!("api" / "v1" / "sessions"), sign_in),
        api.delete(path!("api" / "v1" / "sessions" / "current"), sign_out),
        api.get(path!("api" / "v1" / "me"), me),
        api.patch(path!("api" / "v1" / "me"), update_me),
        api.post(path!("api" / "v1" / "me" / "password"), change_password),
        api.post(
            path!("api" / "v1" / "me" / "verification"),
            resend_verification,
        ),
        api.post(path!("api" / "v1" / "email-verifications"), verify_email),
        reset.post(
            path!("api" / "v1" / "password-resets"),
            request_password_reset,
        ),
        api.post(
            path!("api" / "v1" / "password-resets" / "confirm"),
            confirm_password_reset,
        ),
        api.post(path!("api" / "v1" / "me" / "email"), request_email_change),
        api.post(
            path!("api" / "v1" / "email-changes" / "confirm"),
            confirm_email_change,
        ),
        api.get(path!("api" / "v1" / "tokens"), list_tokens),
        api.post(path!("api" / "v1" / "tokens"), create_token),
        api.delete(path!("api" / "v1" / "tokens" / String), delete_token),
        api.get(path!("api" / "v1" / "districts"), districts),
        api.get(
            path!("api" / "v1" / "admin" / "accounts"),
            admin_list_accounts,
        ),
        api.get(
            path!("api" / "v1" / "admin" / "accounts" / String),
            admin_get_account,
        ),
        api.put(
            path!("api" / "v1" / "admin" / "accounts" / String / "roles"),
            admin_set_roles,
        ),
        api.post(
            path!("api" / "v1" / "admin" / "accounts" / String / "block"),
            admin_block,
        ),
        api.post(
            path!("api" / "v1" / "admin" / "accounts" / String / "unblock"),
            admin_unblock,
        ),
        api.get(
            path!("api" / "v1" / "admin" / "organisations"),
            admin_list_organisations,
        ),
        api.post(
            path!("api" / "v1" / "admin" / "organisations"),
            admin_create_organisation,
        ),
        api.get(path!("api" / "v1" / "admin" / "audit"), admin_audit),
    ]))
}

/// The districts and okrugs (public).
#[utoipa::path(get, path = "/api/v1/districts", tag = "districts",
    responses((status = 200, body = DistrictList)),
    security(()))]
pub async fn districts(req: Req) -> Response {
    let directory = req.platform.directory();
    let mut response = respond::ok(&DistrictList {
        okrugs: directory.okrugs.clone(),
        districts: directory.districts.clone(),
    });
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
    let role = query_param(query, "role", Role::parse, "invalid_role")?;
    let state = query_param(query, "state", AccountState::parse, "invalid_state")?;
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
