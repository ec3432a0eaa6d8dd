//! The admin's pages: accounts (roles, blocks), organisations, the audit log.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use crate::accounts::model::{Account, Organisation, Role};
use crate::accounts::service::{self, AccountError};
use crate::accounts_web::http::account_query;
use crate::id::{AccountId, AuditId, OrganisationId};
use crate::platform::Ctx;
use crate::store::AuditEntry;
use crate::web::cursor::{decode_cursor, split_page};
use crate::web::i18n::Tr;
use crate::web::pages::{error_page, format_time, page, page_with_flash};
use crate::web::problem::Problem;
use crate::web::Form;

use super::*;

/// The admin pages' gate: sign in first; then 403 for non-admins.
pub(super) fn admin(ctx: &Ctx) -> Result<Account, Response> {
    match &ctx.principal {
        None => Err(to_signin(ctx)),
        Some(p) if p.account.has_role(Role::Admin) => Ok(p.account.clone()),
        Some(_) => Err(error_page(ctx, Problem::forbidden())),
    }
}

/// The admin and the account `id` names, for the pages about one account; otherwise the answer
/// (to sign in, forbidden, or not found).
fn admin_and_account(ctx: &Ctx, id: &str) -> Result<(Account, AccountId), Response> {
    let me = admin(ctx)?;
    let id = AccountId::parse(id).ok_or_else(|| error_page(ctx, Problem::not_found()))?;
    Ok((me, id))
}

pub struct AccountRow {
    pub account: Account,
    pub district: String,
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
pub(super) struct AdminAccountsPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) q: String,
    pub(super) role: String,
    pub(super) state: String,
    pub(super) roles: [Role; 5],
    pub(super) rows: Vec<AccountRow>,
    pub(super) next_href: Option<String>,
}

pub(super) async fn admin_accounts_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
    if let Err(response) = admin(&ctx) {
        return response;
    }
    let parsed = match account_query(&query) {
        Ok(q) => q,
        Err(p) => return error_page(&ctx, p),
    };
    let mut fetch = parsed.clone();
    fetch.limit = parsed.limit + 1;
    let accounts = match ctx.platform.store.list_accounts(&fetch).await {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, e.into()),
    };
    let (accounts, next_cursor) = split_page(accounts, parsed.limit, |a| a.id.to_string());
    let next_href = next_cursor.map(|cursor| {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        for key in ["q", "role", "state"] {
            if let Some(v) = query.get(key).filter(|v| !v.is_empty()) {
                params.append_pair(key, v);
            }
        }
        params.append_pair("cursor", &cursor);
        format!("/admin/accounts?{}", params.finish())
    });
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
pub(super) struct AdminAccountPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) account: &'a Account,
    pub(super) district: String,
    pub(super) roles: [Role; 5],
    pub(super) organisations: Vec<Organisation>,
    pub(super) errors: FieldErrors,
    pub(super) is_self: bool,
}

pub(super) async fn admin_account_page(
    ctx: &Ctx,
    id: &str,
    errors: FieldErrors,
    flash: Option<String>,
) -> Response {
    let (me, id) = match admin_and_account(ctx, id) {
        Ok(found) => found,
        Err(response) => return response,
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
    let status = errors.status();
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
pub(super) fn admin_error(ctx: &Ctx, err: AccountError) -> Result<FieldErrors, Response> {
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

pub(super) async fn admin_roles_submit(id: String, ctx: Ctx, form: Form) -> Response {
    let (me, target) = match admin_and_account(&ctx, &id) {
        Ok(found) => found,
        Err(response) => return response,
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
    let result = service::set_roles(&ctx.platform, &me, &target, roles, organisation, reason).await;
    after_account_action(&ctx, &id, result).await
}

pub(super) async fn admin_block_submit(id: String, ctx: Ctx, form: Form, block: bool) -> Response {
    let (me, target) = match admin_and_account(&ctx, &id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let reason = Some(form.get("reason"));
    let result = service::set_blocked(&ctx.platform, &me, &target, reason, block).await;
    after_account_action(&ctx, &id, result).await
}

/// The account page after an admin action on it: saved, or the refusal at its field.
async fn after_account_action<T>(ctx: &Ctx, id: &str, result: Result<T, AccountError>) -> Response {
    match result {
        Ok(_) => {
            admin_account_page(
                ctx,
                id,
                FieldErrors::default(),
                Some(ctx.tr().t("flash-saved")),
            )
            .await
        }
        Err(e) => match admin_error(ctx, e) {
            Ok(errors) => admin_account_page(ctx, id, errors, None).await,
            Err(response) => response,
        },
    }
}

#[derive(Template)]
#[template(path = "admin_organisations.html")]
pub(super) struct AdminOrganisationsPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) csrf: String,
    pub(super) organisations: Vec<Organisation>,
    pub(super) name: &'a str,
    pub(super) errors: FieldErrors,
}

pub(super) async fn admin_organisations_page(
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
    let status = errors.status();
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

pub(super) async fn admin_organisation_submit(ctx: Ctx, form: Form) -> Response {
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
pub(super) struct AdminAuditPage<'a> {
    pub(super) tr: Tr<'a>,
    pub(super) entries: Vec<AuditEntry>,
    pub(super) next_href: Option<String>,
}

impl AdminAuditPage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format_time(at)
    }
}

pub(super) async fn admin_audit_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
    if let Err(response) = admin(&ctx) {
        return response;
    }
    let before = match query.get("cursor").map(|c| decode_cursor(c)) {
        None => None,
        Some(Ok(raw)) => AuditId::parse(&raw),
        Some(Err(p)) => return error_page(&ctx, p),
    };
    const PAGE: usize = 50;
    let entries = match ctx
        .platform
        .store
        .list_audit(before.as_ref(), PAGE + 1)
        .await
    {
        Ok(e) => e,
        Err(e) => return error_page(&ctx, e.into()),
    };
    let (entries, next_cursor) = split_page(entries, PAGE, |e| e.id.to_string());
    let next_href = next_cursor.map(|cursor| format!("/admin/audit?cursor={cursor}"));
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
