//! The pages the emailed links lead to: confirming an address, a new address.

use std::collections::HashMap;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use crate::accounts::mail;
use crate::accounts::model::AccountState;
use crate::accounts::service::AccountError;
use crate::platform::Ctx;
use crate::web::pages::{error_page, page};

use super::*;

/// What an emailed link was for, to say on its result page how to get a fresh one.
#[derive(Clone, Copy)]
pub(super) enum LinkKind {
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
pub(super) struct LinkResultPage {
    pub(super) ok: bool,
    pub(super) heading: String,
    pub(super) message: String,
    pub(super) hint: Option<String>,
    pub(super) links: Vec<PageLink>,
}

pub(super) fn link_result(ctx: &Ctx, status: StatusCode, body: LinkResultPage) -> Response {
    let title = body.heading.clone();
    no_referrer(page(ctx, status, &title, &body))
}

/// The way on after a link was followed: the profile when signed in, else the sign-in page.
pub(super) fn onward_links(ctx: &Ctx) -> Vec<PageLink> {
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
pub(super) fn link_invalid_page(ctx: &Ctx, kind: LinkKind) -> Response {
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
pub(super) async fn verify_email_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
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
pub(super) async fn confirm_email_page(ctx: Ctx, query: HashMap<String, String>) -> Response {
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
