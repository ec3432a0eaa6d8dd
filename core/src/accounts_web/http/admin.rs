//! The admin's API: accounts, roles, blocks, organisations, the audit log.

use std::collections::BTreeSet;

use serde_json::json;
use warp::reply::Response;

use crate::accounts::model::Role;
use crate::accounts::service::{self, AccountError};
use crate::accounts_web::views::*;
use crate::id::{AccountId, AuditId, OrganisationId};
use crate::web::cursor::{decode_cursor, parse_limit, split_page};
use crate::web::idempotency::Outcome;
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::respond;

use super::*;
use crate::web::responses::Paging;

/// Admin: accounts, newest first, filtered by `q` (email or name), `role`, `state`.
#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "admin",
    params(("q" = Option<String>, Query), ("role" = Option<String>, Query), ("state" = Option<String>, Query),
        Paging),
    responses((status = 200, body = AccountPage), (status = 400, body = ProblemDocument),
        AdminErrors))]
pub async fn admin_list_accounts(req: Req) -> Response {
    req.answer(async {
        req.with_role(Role::Admin)?;
        let query = account_query(&req.query()?)?;
        let mut fetch = query.clone();
        fetch.limit = query.limit + 1;
        let accounts = req.platform.store.list_accounts(&fetch).await?;
        let (accounts, next_cursor) = split_page(accounts, query.limit, |a| a.id.to_string());
        Ok(respond::ok(&AccountPage {
            items: accounts.iter().map(AccountView::from).collect(),
            next_cursor,
        }))
    })
    .await
}

/// Admin: one account.
#[utoipa::path(get, path = "/api/v1/admin/accounts/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = AccountView), AdminAccountErrors))]
pub async fn admin_get_account(id: String, req: Req) -> Response {
    req.answer(async {
        req.with_role(Role::Admin)?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        account_view(&req, &id).await
    })
    .await
}

/// Admin: sets the roles of an account (resident is always kept; an official needs an
/// organisation). Audited.
#[utoipa::path(put, path = "/api/v1/admin/accounts/{id}/roles", tag = "admin", params(("id" = String, Path)),
    request_body = RolesInput,
    responses((status = 200, body = AccountView), AdminAccountErrors,
        (status = 409, description = "`self_lockout`", body = ProblemDocument),
        (status = 422, description = "`organisation_required`, `unknown_organisation`", body = ProblemDocument)))]
pub async fn admin_set_roles(id: String, req: Req<RolesInput>) -> Response {
    req.answer(async {
        let admin = req.with_role(Role::Admin)?.account.clone();
        let input = req.input()?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        let organisation = match input.organisation_id.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                OrganisationId::parse(raw)
                    .ok_or_else(|| Problem::from(AccountError::UnknownOrganisation))?,
            ),
        };
        let roles: BTreeSet<Role> = input.roles.iter().copied().collect();
        let account = service::set_roles(
            &req.platform,
            &admin,
            &id,
            roles,
            organisation,
            input.reason.as_deref(),
        )
        .await?;
        Ok(respond::ok(&AccountView::from(&account)))
    })
    .await
}

/// Admin: blocks (or unblocks) an account, with a reason. Audited.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/block", tag = "admin", params(("id" = String, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = AccountView), AdminAccountErrors,
        (status = 409, description = "`self_lockout`", body = ProblemDocument),
        (status = 422, description = "`reason_required`", body = ProblemDocument)))]
pub async fn admin_block(id: String, req: Req<ReasonInput>) -> Response {
    set_blocked(id, req, true).await
}

/// Admin: lifts a block (documented by [`admin_unblock_doc`]).
pub async fn admin_unblock(id: String, req: Req<ReasonInput>) -> Response {
    set_blocked(id, req, false).await
}

async fn set_blocked(id: String, req: Req<ReasonInput>, block: bool) -> Response {
    req.answer(async {
        let admin = req.with_role(Role::Admin)?.account.clone();
        let input = req.input()?;
        let id = AccountId::parse(&id).ok_or_else(Problem::not_found)?;
        let account =
            service::set_blocked(&req.platform, &admin, &id, Some(&input.reason), block).await?;
        Ok(respond::ok(&AccountView::from(&account)))
    })
    .await
}

/// Admin: lifts a block, with a reason. Audited.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/unblock", tag = "admin", params(("id" = String, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = AccountView), AdminAccountErrors,
        (status = 422, body = ProblemDocument)))]
#[allow(dead_code)]
pub(super) fn admin_unblock_doc() {}

/// Admin: the organisations.
#[utoipa::path(get, path = "/api/v1/admin/organisations", tag = "admin",
    responses((status = 200, body = OrganisationList), AdminErrors))]
pub async fn admin_list_organisations(req: Req) -> Response {
    req.answer(async {
        req.with_role(Role::Admin)?;
        let items = req.platform.store.organisations().await?;
        Ok(respond::ok(&OrganisationList { items }))
    })
    .await
}

/// Admin: creates an organisation. Audited.
#[utoipa::path(post, path = "/api/v1/admin/organisations", tag = "admin", request_body = OrganisationInput,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = crate::accounts::model::Organisation), AdminErrors,
        (status = 422, body = ProblemDocument)))]
pub async fn admin_create_organisation(req: Req<OrganisationInput>) -> Response {
    req.answer(async {
        let admin = req.with_role(Role::Admin)?.account.clone();
        let input = req.input()?;
        req.once("organisations.create", || async {
            let organisation =
                service::create_organisation(&req.platform, &admin, &input.name).await?;
            Ok(Outcome::created(
                format!("/api/v1/admin/organisations/{}", organisation.id),
                json!(organisation),
            ))
        })
        .await
    })
    .await
}

/// Admin: the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    params(Paging),
    responses((status = 200, body = AuditPage), AdminErrors))]
pub async fn admin_audit(req: Req) -> Response {
    req.answer(async {
        req.with_role(Role::Admin)?;
        let query = req.query()?;
        let limit = parse_limit(&query)?;
        let before = match query.get("cursor") {
            None => None,
            Some(c) => Some(
                AuditId::parse(&decode_cursor(c)?)
                    .ok_or_else(|| Problem::bad_request("invalid_cursor"))?,
            ),
        };
        let items = req
            .platform
            .store
            .list_audit(before.as_ref(), limit + 1)
            .await?;
        let (items, next_cursor) = split_page(items, limit, |e| e.id.to_string());
        Ok(respond::ok(&AuditPage { items, next_cursor }))
    })
    .await
}
