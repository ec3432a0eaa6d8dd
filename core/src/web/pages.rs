//! Server-rendered pages: every page is its own askama template (auto-escaping), placed in the
//! shared layout (navigation, language switcher, sign-out form) by [`render`].

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use crate::accounts::model::Role;
use crate::platform::Platform;
use crate::web::i18n::{Lang, Tr};
use crate::web::problem::Problem;
use crate::web::respond;
use crate::web::{Ctx, BROWSER_COOKIE};

pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "layout.html")]
struct Layout<'a> {
    tr: Tr<'a>,
    title: &'a str,
    body: &'a str,
    nav: Vec<NavLink>,
    user_name: Option<&'a str>,
    csrf: String,
    switch_lang: Lang,
    switch_href: String,
    lang_code: &'static str,
    flash: Option<String>,
}

/// The page `body` (already rendered by its own escaping template) inside the layout.
pub fn render(ctx: &Ctx, status: StatusCode, title: &str, body: &str) -> Response {
    render_with_flash(ctx, status, title, body, None)
}

pub fn render_with_flash(
    ctx: &Ctx,
    status: StatusCode,
    title: &str,
    body: &str,
    flash: Option<String>,
) -> Response {
    let tr = ctx.tr();
    let account = ctx.principal.as_ref().map(|p| &p.account);
    let nav = nav_links(&ctx.platform, tr, account.map(|a| &a.roles), &ctx.meta.path);
    let layout = Layout {
        tr,
        title,
        body,
        nav,
        user_name: account.map(|a| a.display_name.as_str()),
        csrf: ctx.csrf_token(),
        switch_lang: ctx.lang.other(),
        switch_href: format!(
            "/lang/{}?back={}",
            ctx.lang.other().code(),
            url::form_urlencoded::byte_serialize(ctx.meta.path.as_bytes()).collect::<String>()
        ),
        lang_code: ctx.lang.code(),
        flash,
    };
    let mut response = match layout.render() {
        Ok(html) => respond::html(status, html),
        Err(e) => {
            tracing::error!(error = %e, "layout rendering");
            respond::html(StatusCode::INTERNAL_SERVER_ERROR, "<h1>500</h1>".into())
        }
    };
    response.headers_mut().insert(
        http::header::CONTENT_LANGUAGE,
        http::HeaderValue::from_static(ctx.lang.code()),
    );
    if let Some(fresh) = &ctx.new_browser_cookie {
        let cookie = respond::cookie(
            BROWSER_COOKIE,
            fresh,
            400 * 86_400,
            ctx.platform.config.https(),
        );
        respond::add_cookie(&mut response, &cookie);
    }
    response
}

/// Renders a page template, then the layout around it. A template error is a 500 page.
pub fn page<T: Template>(ctx: &Ctx, status: StatusCode, title: &str, body: &T) -> Response {
    page_with_flash(ctx, status, title, body, None)
}

/// [`page`] with a confirmation message above the content.
pub fn page_with_flash<T: Template>(
    ctx: &Ctx,
    status: StatusCode,
    title: &str,
    body: &T,
    flash: Option<String>,
) -> Response {
    match body.render() {
        Ok(html) => render_with_flash(ctx, status, title, &html, flash),
        Err(e) => {
            tracing::error!(error = %e, "page rendering");
            error_page(ctx, Problem::internal())
        }
    }
}

fn nav_links(
    platform: &Platform,
    tr: Tr<'_>,
    roles: Option<&std::collections::BTreeSet<Role>>,
    path: &str,
) -> Vec<NavLink> {
    let mut links = vec![NavLink {
        href: "/",
        label: tr.t("nav-home"),
        current: path == "/",
    }];
    for item in &platform.nav {
        let visible = match item.role {
            None => true,
            Some(role) => roles.is_some_and(|r| r.contains(&role)),
        };
        if visible {
            links.push(NavLink {
                href: item.href,
                label: tr.t(item.label),
                current: path.starts_with(item.href),
            });
        }
    }
    if roles.is_some_and(|r| r.contains(&Role::Admin)) {
        links.push(NavLink {
            href: "/admin/accounts",
            label: tr.t("nav-admin"),
            current: path.starts_with("/admin"),
        });
    }
    links
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorBody<'a> {
    tr: Tr<'a>,
    status: u16,
    title: String,
    detail: String,
}

/// A friendly error page in the request's language.
pub fn error_page(ctx: &Ctx, problem: Problem) -> Response {
    let document = problem.to_json(&ctx.platform.catalog, ctx.lang);
    let text = |k: &str| {
        document
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let body = ErrorBody {
        tr: ctx.tr(),
        status: problem.status.as_u16(),
        title: text("title"),
        detail: text("detail"),
    };
    let html = body.render().unwrap_or_default();
    let mut response = render(ctx, problem.status, &body.title, &html);
    if let Some(retry) = problem.retry_after {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry));
    }
    response
}

/// The stylesheet, served at `/static/veche.css`.
pub const STYLESHEET: &str = include_str!("../../static/veche.css");
