//! Server-rendered pages: every page is its own askama template (auto-escaping), placed in the
//! shared layout (navigation, language switcher, sign-out form) by [`page`]. The layout takes
//! the page as [`Html`], which only a rendered template can be: there is no way to hand it a
//! string.

use std::collections::HashMap;

use askama::Template;
use http::StatusCode;
use warp::reply::Response;

use crate::web::auth::Identity;
use crate::web::html::Html;
use crate::web::i18n::{Lang, Tr};
use crate::web::problem::Problem;
use crate::web::respond;
use crate::web::show::to_signin;
use crate::web::{Ctx, Site, BROWSER_COOKIE};

/// An entry of the main navigation, as a feature declares it.
#[derive(Clone, Debug)]
pub struct NavItem<R> {
    pub href: &'static str,
    /// Catalog key of the label.
    pub label: &'static str,
    /// Shown only to principals holding this role (`None`: to everyone).
    pub role: Option<R>,
    /// Paths under which the entry is marked current (default: `href` itself).
    pub section: Option<&'static str>,
}

impl<R> NavItem<R> {
    pub fn new(href: &'static str, label: &'static str, role: Option<R>) -> NavItem<R> {
        NavItem {
            href,
            label,
            role,
            section: None,
        }
    }

    /// Marked current on every path under `section` (an admin area with several pages).
    pub fn section(mut self, section: &'static str) -> NavItem<R> {
        self.section = Some(section);
        self
    }
}

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
    body: Html,
    nav: Vec<NavLink>,
    user_name: Option<&'a str>,
    csrf: String,
    switch_lang: Lang,
    switch_href: String,
    lang_code: &'static str,
    flash: Option<String>,
}

/// The rendered page `body` inside the layout.
fn in_layout<S: Site>(
    ctx: &Ctx<S>,
    status: StatusCode,
    title: &str,
    body: Html,
    flash: Option<String>,
) -> Response {
    let tr = ctx.tr();
    let nav = nav_links(
        ctx.platform.nav(),
        tr,
        ctx.principal.as_ref(),
        &ctx.meta.path,
    );
    let layout = Layout {
        tr,
        title,
        body,
        nav,
        user_name: ctx.principal.as_ref().map(|p| p.display_name()),
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
    let mut response = match Html::render(&layout) {
        Ok(html) => respond::html(status, html),
        Err(e) => {
            tracing::error!(error = %e, "layout rendering");
            let mut bare = Response::new("500 Internal Server Error".into());
            *bare.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            bare
        }
    };
    response.headers_mut().insert(
        http::header::CONTENT_LANGUAGE,
        http::HeaderValue::from_static(ctx.lang.code()),
    );
    if let Some(fresh) = &ctx.new_browser_cookie {
        let cookie = respond::cookie(BROWSER_COOKIE, fresh, 400 * 86_400, ctx.platform.https());
        respond::add_cookie(&mut response, &cookie);
    }
    response
}

/// Renders a page template, then the layout around it. A template error is a 500 page.
pub fn page<S: Site, T: Template>(
    ctx: &Ctx<S>,
    status: StatusCode,
    title: &str,
    body: &T,
) -> Response {
    page_with_flash(ctx, status, title, body, None)
}

/// The confirmations a feature's redirects name by a code (`?done=CODE`), each with its
/// catalog key: a page shows only these, never text from the URL.
pub struct Flashes(pub &'static [(&'static str, &'static str)]);

impl Flashes {
    /// The confirmation `done` names, in the page's language (none for an unknown code).
    pub fn message(&self, tr: Tr<'_>, done: Option<&String>) -> Option<String> {
        let done = done?;
        self.0
            .iter()
            .find(|(code, _)| code == done)
            .map(|(_, key)| tr.t(key))
    }

    /// A page (200) with the confirmation its redirect named (`?done=`).
    pub fn page<S: Site, T: Template>(
        &self,
        ctx: &Ctx<S>,
        query: &HashMap<String, String>,
        title: &str,
        body: &T,
    ) -> Response {
        let flash = self.message(ctx.tr(), query.get("done"));
        page_with_flash(ctx, StatusCode::OK, title, body, flash)
    }
}

/// [`page`] with a confirmation message above the content.
pub fn page_with_flash<S: Site, T: Template>(
    ctx: &Ctx<S>,
    status: StatusCode,
    title: &str,
    body: &T,
    flash: Option<String>,
) -> Response {
    match Html::render(body) {
        Ok(html) => in_layout(ctx, status, title, html, flash),
        Err(e) => {
            tracing::error!(error = %e, "page rendering");
            error_page(ctx, Problem::internal())
        }
    }
}

fn nav_links<P: Identity>(
    items: &[NavItem<P::Role>],
    tr: Tr<'_>,
    principal: Option<&P>,
    path: &str,
) -> Vec<NavLink> {
    let mut links = vec![NavLink {
        href: "/",
        label: tr.t("nav-home"),
        current: path == "/",
    }];
    for item in items {
        let visible = match item.role {
            None => true,
            Some(role) => principal.is_some_and(|p| p.has_role(role)),
        };
        // An entry several roles reveal (officials' and admins') is shown once.
        if visible && links.iter().all(|l| l.href != item.href) {
            links.push(NavLink {
                href: item.href,
                label: tr.t(item.label),
                current: path.starts_with(item.section.unwrap_or(item.href)),
            });
        }
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
pub fn error_page<S: Site>(ctx: &Ctx<S>, problem: Problem) -> Response {
    let document = problem.to_json(ctx.platform.catalog(), ctx.lang);
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
    let html = Html::render(&body).unwrap_or_default();
    let mut response = in_layout(ctx, problem.status, &body.title, html, None);
    if let Some(retry) = problem.retry_after {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry));
    }
    response
}

/// A form's action that needs a signed-in visitor. Without one, the visitor signs in and
/// comes back to `back`; with one, `act` runs: its answer is the path to go to next (a
/// `303 See Other`), its refusal the error page.
pub async fn signed_in_action<S: Site>(
    ctx: &Ctx<S>,
    back: &str,
    act: impl AsyncFnOnce(&S::Principal) -> Result<String, Problem>,
) -> Response {
    let Some(who) = ctx.principal.as_ref() else {
        return to_signin(back);
    };
    match act(who).await {
        Ok(next) => respond::see_other(&next),
        Err(problem) => error_page(ctx, problem),
    }
}

/// An instant as pages show it: `2026-12-04 18:30 UTC`.
pub fn format_time(at: &time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.format(&format).unwrap_or_default()
}

/// The stylesheet, served at `/static/veche.css`.
pub const STYLESHEET: &str = include_str!("../../static/veche.css");
/// The one script: "use my location" on forms with a place (`data-locate`), served at
/// `/static/place.js`. Pages work without it.
pub const PLACE_SCRIPT: &str = include_str!("../../static/place.js");
