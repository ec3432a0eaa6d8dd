//! The web kit every page and API route uses: the request context, authentication filters,
//! CSRF, body parsing with limits, JSON and HTML responses, idempotency keys, pagination, rate
//! limits, i18n, and the page layout.
//!
//! The kit stands on the kernel alone. It knows nothing of accounts: the application's state
//! implements [`Site`], which resolves who is asking into its own principal type
//! ([`auth::Identity`]) and hands the kit its catalog, secret and navigation.

pub mod api;
pub mod auth;
pub mod chart;
pub mod csv;
pub mod cursor;
pub mod html;
pub mod i18n;
pub mod idempotency;
pub mod input;
mod limit_enum;
pub mod map;
pub mod page_routes;
pub mod pages;
pub mod precondition;
pub mod problem;
pub mod ratelimit;
pub mod respond;
pub mod responses;
pub mod show;
pub mod uploads;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use warp::Filter;

use auth::Identity;
pub use html::Html;
use i18n::{Catalog, Lang, Tr};
use idempotency::IdempotencyStore;
use pages::NavItem;
use problem::Problem;

/// A boxed future, as [`Site::authenticate`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The role type of a site's principals.
pub type RoleOf<S> = <<S as Site>::Principal as Identity>::Role;

/// What the web kit needs of the application it serves. The application's shared state
/// implements it once; every route's [`Ctx`] carries it.
pub trait Site: Send + Sync + Sized + 'static {
    type Principal: Identity;

    /// Every message of every crate.
    fn catalog(&self) -> &Catalog;
    /// Keys CSRF tokens.
    fn secret(&self) -> &[u8; 32];
    /// Whether people reach the site over https (cookies get `Secure`).
    fn https(&self) -> bool;
    /// The main navigation, in order.
    fn nav(&self) -> &[NavItem<RoleOf<Self>>];
    /// Where idempotency claims are kept.
    fn idempotency(&self) -> &dyn IdempotencyStore;
    /// Resolves a session cookie or an `Authorization` header. A bearer token that does not
    /// resolve is an error (a program should hear its token is wrong); a session that does not
    /// resolve just means signed out.
    fn authenticate<'a>(
        &'a self,
        session_cookie: Option<&'a str>,
        authorization: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<Self::Principal>, Problem>>;
}

/// What the HTTP server learns about a request before any route sees it. Set by the server
/// for the duration of the request (a task-local), read by filters through [`meta`].
#[derive(Clone, Debug)]
pub struct RequestMeta {
    /// Echoed in the `X-Request-Id` header and on every log line of the request.
    pub id: String,
    pub client_ip: IpAddr,
    pub lang: Lang,
    pub path: String,
}

tokio::task_local! {
    pub static REQUEST: RequestMeta;
}

/// The current request's metadata (a neutral default outside a request, e.g. in unit tests).
pub fn current_meta() -> RequestMeta {
    REQUEST
        .try_with(|m| m.clone())
        .unwrap_or_else(|_| RequestMeta {
            id: "-".into(),
            client_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            lang: Lang::Ru,
            path: "/".into(),
        })
}

pub fn meta() -> impl Filter<Extract = (RequestMeta,), Error = std::convert::Infallible> + Clone {
    warp::any().map(current_meta)
}

/// Cookie names. `veche_session` is fixed by API.md.
pub const SESSION_COOKIE: &str = "veche_session";
/// A random per-browser value that anonymous forms' CSRF tokens are bound to.
pub const BROWSER_COOKIE: &str = "veche_browser";

/// Largest JSON body any core route accepts. Features set their own per route.
pub const JSON_LIMIT: u64 = 16 * 1024;
/// Largest form body any core page accepts.
pub const FORM_LIMIT: u64 = 16 * 1024;

/// What the CSRF tokens of a session are bound to.
fn session_binding(session_hash: &str) -> String {
    format!("session:{session_hash}")
}

/// The CSRF token the pages of the session stored under `session_hash` carry: what a signed-in
/// browser's forms send. For tools that make sessions outside a request (the load benchmark).
pub fn session_csrf_token(secret: &[u8; 32], session_hash: &str) -> String {
    crate::random::mac(secret, "csrf", &session_binding(session_hash))
}

/// Everything a handler needs to know about the request it serves.
pub struct Ctx<S: Site> {
    /// The application's shared state.
    pub platform: Arc<S>,
    pub meta: RequestMeta,
    pub lang: Lang,
    pub principal: Option<S::Principal>,
    /// The value CSRF tokens are bound to: the session hash when signed in by cookie, else the
    /// browser cookie.
    csrf_binding: Option<String>,
    /// A browser cookie made for this request, to be set on the response.
    pub new_browser_cookie: Option<String>,
}

impl<S: Site> Clone for Ctx<S> {
    fn clone(&self) -> Self {
        Ctx {
            platform: self.platform.clone(),
            meta: self.meta.clone(),
            lang: self.lang,
            principal: self.principal.clone(),
            csrf_binding: self.csrf_binding.clone(),
            new_browser_cookie: self.new_browser_cookie.clone(),
        }
    }
}

impl<S: Site> Ctx<S> {
    /// A context with no principal (for error pages rendered outside any route).
    pub fn bare(platform: Arc<S>, meta: RequestMeta) -> Ctx<S> {
        Ctx {
            lang: meta.lang,
            platform,
            meta,
            principal: None,
            csrf_binding: None,
            new_browser_cookie: None,
        }
    }

    pub fn tr(&self) -> Tr<'_> {
        Tr {
            catalog: self.platform.catalog(),
            lang: self.lang,
        }
    }

    /// The CSRF token for forms and the `X-CSRF-Token` header: a MAC of the binding under the
    /// server's secret, so it cannot be forged or carried to another browser or session.
    pub fn csrf_token(&self) -> String {
        match &self.csrf_binding {
            Some(binding) => crate::random::mac(self.platform.secret(), "csrf", binding),
            None => String::new(),
        }
    }

    pub fn csrf_ok(&self, presented: &str) -> bool {
        self.csrf_binding.is_some()
            && !presented.is_empty()
            && crate::random::constant_time_eq(presented, &self.csrf_token())
    }

    /// The signed-in principal, or 401.
    pub fn signed_in(&self) -> Result<&S::Principal, Problem> {
        self.principal.as_ref().ok_or_else(Problem::unauthorized)
    }

    /// The signed-in principal holding `role`, or 401 / 403.
    pub fn with_role(&self, role: RoleOf<S>) -> Result<&S::Principal, Problem> {
        let principal = self.signed_in()?;
        if principal.has_role(role) {
            Ok(principal)
        } else {
            Err(Problem::forbidden())
        }
    }

    pub fn problem(&self, problem: Problem) -> warp::reply::Response {
        problem.into_response(self.platform.catalog(), self.lang)
    }

    /// An API handler's answer: the response, or the problem as this request's problem
    /// document.
    pub fn finish(&self, result: Result<warp::reply::Response, Problem>) -> warp::reply::Response {
        result.unwrap_or_else(|p| self.problem(p))
    }
}

/// Reads one cookie from the `Cookie` header.
pub fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The request context for pages: never rejects; a bad session cookie just means signed out.
pub fn page_ctx<S: Site>(
    platform: Arc<S>,
) -> impl Filter<Extract = (Ctx<S>,), Error = warp::Rejection> + Clone {
    build_ctx(platform, false)
}

/// The request context for the JSON API: a bad bearer token is 401, and a state-changing
/// request authenticated by the session cookie must carry `X-CSRF-Token` (else 403).
pub fn api_ctx<S: Site>(
    platform: Arc<S>,
) -> impl Filter<Extract = (Ctx<S>,), Error = warp::Rejection> + Clone {
    build_ctx(platform, true)
}

fn build_ctx<S: Site>(
    platform: Arc<S>,
    api: bool,
) -> impl Filter<Extract = (Ctx<S>,), Error = warp::Rejection> + Clone {
    meta()
        .and(warp::method())
        .and(warp::header::optional::<String>("cookie"))
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::header::optional::<String>("x-csrf-token"))
        .and_then(
            move |meta: RequestMeta,
                  method: http::Method,
                  cookies: Option<String>,
                  authorization: Option<String>,
                  csrf_header: Option<String>| {
                let platform = platform.clone();
                async move {
                    let lang = meta.lang;
                    let fail = |p: Problem| p.reject();
                    let principal = platform
                        .authenticate(
                            cookie(cookies.as_deref(), SESSION_COOKIE),
                            authorization.as_deref(),
                        )
                        .await
                        .map_err(fail)?;
                    let browser = cookie(cookies.as_deref(), BROWSER_COOKIE)
                        .filter(|v| {
                            v.len() == 43
                                && v.bytes()
                                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                        })
                        .map(str::to_string);
                    let (csrf_binding, new_browser_cookie) =
                        match principal.as_ref().and_then(|p| p.session_hash()) {
                            Some(hash) => (Some(session_binding(hash)), None),
                            None => match browser {
                                Some(b) => (Some(format!("browser:{b}")), None),
                                None if !api => {
                                    let fresh = crate::random::token();
                                    (Some(format!("browser:{fresh}")), Some(fresh))
                                }
                                None => (None, None),
                            },
                        };
                    let ctx = Ctx {
                        platform,
                        meta,
                        lang,
                        principal,
                        csrf_binding,
                        new_browser_cookie,
                    };
                    let unsafe_method = !matches!(
                        method,
                        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
                    );
                    let by_cookie = ctx
                        .principal
                        .as_ref()
                        .is_some_and(|p| p.session_hash().is_some());
                    if api
                        && unsafe_method
                        && by_cookie
                        && !ctx.csrf_ok(csrf_header.as_deref().unwrap_or(""))
                    {
                        return Err(fail(
                            Problem::forbidden()
                                .with_detail("err-csrf_failed-detail")
                                .with("reason", "csrf_failed"),
                        ));
                    }
                    Ok::<Ctx<S>, warp::Rejection>(ctx)
                }
            },
        )
}

/// A JSON body of at most `limit` bytes, parsed strictly: unknown fields and values of the wrong
/// type (an object where a string belongs, as in `{"$ne": ""}`) are a 400, answered by the
/// handler (the parse result is passed on, not rejected).
pub fn json_body<T: DeserializeOwned + Send>(
    limit: u64,
) -> impl Filter<Extract = (Result<T, Problem>, bytes::Bytes), Error = warp::Rejection> + Clone {
    warp::body::content_length_limit(limit)
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::bytes())
        .map(|content_type: Option<String>, body: bytes::Bytes| {
            let parsed = if !is_json(content_type.as_deref()) {
                Err(Problem::new(
                    http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                ))
            } else {
                parse_json::<T>(&body)
            };
            (parsed, body)
        })
        .untuple_one()
}

/// Whether a `Content-Type` names JSON (`application/json` or `…+json`).
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| {
            let c = c.trim().to_ascii_lowercase();
            c == "application/json" || c.ends_with("+json")
        })
}

/// Strict JSON parsing with problem codes: `unknown_field`, `invalid_json`, `invalid_type`.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice::<T>(body).map_err(|e| {
        let message = e.to_string();
        let (code, field) = if message.starts_with("unknown field") {
            ("unknown_field", quoted(&message))
        } else if message.starts_with("missing field") {
            ("missing_field", quoted(&message))
        } else if e.is_syntax() || e.is_eof() {
            ("invalid_json", None)
        } else {
            ("invalid_type", None)
        };
        let mut problem = Problem::bad_request(code);
        if let Some(field) = field {
            problem = problem.with("field", field);
        }
        problem
    })
}

/// The first backquoted name in a serde error message ("unknown field `x`, expected …").
fn quoted(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// A URL-encoded form with a valid `csrf` field. Yields the context and the fields (in order).
/// A missing or wrong token is a 403 page and nothing is done.
pub fn form<S: Site>(
    platform: Arc<S>,
) -> impl Filter<Extract = (Ctx<S>, Form), Error = warp::Rejection> + Clone {
    page_ctx(platform)
        .and(warp::body::content_length_limit(FORM_LIMIT))
        .and(warp::body::bytes())
        .and_then(|ctx: Ctx<S>, body: bytes::Bytes| async move {
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| Problem::bad_request("invalid_form").reject())?;
            let form = Form { fields };
            check_csrf(&ctx, &form)?;
            Ok::<_, warp::Rejection>((ctx, form))
        })
        .untuple_one()
}

/// A filter that hands each request a clone of `value` (a feature's service, for its routes).
pub fn with_state<T: Clone + Send + Sync + 'static>(
    value: T,
) -> impl Filter<Extract = (T,), Error = std::convert::Infallible> + Clone {
    warp::any().map(move || value.clone())
}

/// A form's `csrf` field checked against the request: a 403 when missing or wrong (the form
/// does nothing).
pub(crate) fn check_csrf<S: Site>(ctx: &Ctx<S>, form: &Form) -> Result<(), warp::Rejection> {
    if ctx.csrf_ok(form.get("csrf")) {
        return Ok(());
    }
    tracing::warn!("form without a valid CSRF token refused");
    Err(Problem::forbidden()
        .with_detail("err-csrf_failed-detail")
        .with("reason", "csrf_failed")
        .reject())
}

/// The fields of a submitted form.
#[derive(Clone, Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of `name` (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A local path safe to redirect to after sign-in: starts with one `/`, no scheme, no host.
pub fn safe_next(raw: &str) -> Option<String> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && !raw.chars().any(|c| c.is_control() || c == '\\')
        && raw.len() <= 512;
    ok.then(|| raw.to_string())
}

/// Joins boxed routes into one. Boxing each route first keeps the filter types small: a long
/// `.or()` chain of unboxed warp filters makes rustc's type checking explode.
pub fn combine(
    routes: Vec<warp::filters::BoxedFilter<(warp::reply::Response,)>>,
) -> warp::filters::BoxedFilter<(warp::reply::Response,)> {
    let mut iter = routes.into_iter();
    let first = match iter.next() {
        Some(first) => first,
        None => {
            return warp::any()
                .and_then(|| async { Err::<warp::reply::Response, _>(warp::reject::not_found()) })
                .boxed()
        }
    };
    iter.fold(first, |acc, route| acc.or(route).unify().boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let header = Some("a=1; veche_session=abc; veche_session_x=no");
        assert_eq!(cookie(header, "veche_session"), Some("abc"));
        assert_eq!(cookie(header, "b"), None);
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/profile"), Some("/profile".into()));
        assert_eq!(safe_next("//evil.example/"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example/"), None);
        assert_eq!(safe_next("/a\nb"), None);
    }

    #[test]
    fn operator_payloads_are_type_errors() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct SignIn {
            email: String,
            password: String,
        }
        let p = parse_json::<SignIn>(br#"{"email": {"$ne": ""}, "password": "x"}"#).unwrap_err();
        assert_eq!((p.status.as_u16(), p.code), (400, "invalid_type"));
        let p =
            parse_json::<SignIn>(br#"{"email": "a", "password": "x", "admin": true}"#).unwrap_err();
        assert_eq!(p.code, "unknown_field");
        assert_eq!(p.extra.get("field").and_then(|v| v.as_str()), Some("admin"));
        let p = parse_json::<SignIn>(br#"{"email": "a""#).unwrap_err();
        assert_eq!(p.code, "invalid_json");
    }
}
