//! Open311 GeoReport v2 under `/open311/v2`, on top of the reports service: what existing
//! Open311 clients (city apps, FixMyStreet-style front ends, analytics scripts) speak. Every
//! resource in `.json` and `.xml` (the suffix chooses; the XML is the spec's, the JSON its
//! Spark-convention mapping), errors as the spec's lists with its status codes (400, 403 for a
//! missing or wrong `api_key`, 404 for what does not exist, 429 over the filing limit).
//!
//! - [`discovery`]: `discovery.{fmt}`, the service discovery file.
//! - [`services`]: `services.{fmt}` (the active leaf categories; `group` is the parent) and
//!   `services/{code}.{fmt}` (the attributes Veche asks for: `photos`).
//! - [`requests`]: `POST requests.{fmt}` (filing, synchronous: `type` is `realtime`),
//!   `GET requests.{fmt}` with the spec's filters, `GET requests/{id}.{fmt}`.
//! - [`tokens`]: `GET tokens/{token}.{fmt}`: filing is synchronous, so a request's token is
//!   its id.
//! - [`keys`]: an admin issues an application's `api_key` (a core API token of the
//!   application's account), `POST /api/v1/open311-keys`.
//! - [`errors`]: the error lists; [`xml`]: one answer, written as XML or JSON.
//!
//! What the public sees is what the reports' public list shows: accepted reports only (never
//! a submitted or rejected one), never their author.

use std::sync::Arc;

use http::header::{HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_LANGUAGE, CONTENT_TYPE};
use http::StatusCode;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use veche_core::platform::Platform;
use veche_core::web::i18n::{Catalog, Lang, Tr};

use crate::service::Reports;

pub mod discovery;
pub mod errors;
pub mod keys;
pub mod requests;
pub mod services;
pub mod tokens;
pub mod xml;

use errors::Open311Error;
use xml::Doc;

/// Largest POST body (a description is at most 2,000 characters; the spec allows clients
/// 4,000).
const BODY_LIMIT: u64 = 64 * 1024;

/// The answer's format, from the resource's suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// `name.json` / `name.xml` as the name and its format; `None` for any other suffix.
    pub fn split(resource: &str) -> Option<(&str, Format)> {
        let (name, suffix) = resource.rsplit_once('.')?;
        let format = match suffix {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        (!name.is_empty()).then_some((name, format))
    }

    /// The format an error about `resource` is written in: XML when it asked for XML.
    fn of_path(path: &str) -> Format {
        if path.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }
}

/// What every Open311 handler works with.
pub struct Open311 {
    pub platform: Arc<Platform>,
    pub reports: Arc<Reports>,
    pub format: Format,
    pub lang: Lang,
    /// The query string's (GET) or the form's (POST) fields, in order.
    pub fields: Vec<(String, String)>,
}

impl Open311 {
    /// The first value of a field, trimmed; `None` when absent or empty (the spec: an empty
    /// parameter is no parameter).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn catalog(&self) -> &Catalog {
        &self.platform.catalog
    }

    pub fn t(&self, key: &str) -> String {
        self.tr().t(key)
    }

    /// The catalog's `key` with one argument, `name` = `value`.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.tr().t1(key, name, value)
    }

    fn tr(&self) -> Tr<'_> {
        Tr {
            catalog: &self.platform.catalog,
            lang: self.lang,
        }
    }

    /// `jurisdiction_id` is accepted everywhere; when the operator configured one, another
    /// value is 404 (the spec's "jurisdiction_id provided was not found").
    pub fn check_jurisdiction(&self) -> Result<(), Open311Error> {
        let ours = self.reports.config.open311_jurisdiction.as_deref();
        let given = self.field("jurisdiction_id");
        if jurisdiction_served(ours, given) {
            return Ok(());
        }
        let given = given.unwrap_or_default();
        Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            self.t1("reports-open311-err-jurisdiction", "given", given),
        ))
    }

    /// The answer: `root` holding `doc`, in the request's format, with `status`.
    pub fn answer(&self, status: StatusCode, root: &'static str, doc: &Doc) -> Response {
        respond(self.format, self.lang, status, root, doc)
    }
}

/// Whether a request naming `given` (or none) is served by an endpoint configured with `ours`
/// (or none: any).
fn jurisdiction_served(ours: Option<&str>, given: Option<&str>) -> bool {
    match (ours, given) {
        (Some(ours), Some(given)) => ours == given,
        _ => true,
    }
}

/// A response in `format` (UTF-8, as the spec's content types say).
fn respond(
    format: Format,
    lang: Lang,
    status: StatusCode,
    root: &'static str,
    doc: &Doc,
) -> Response {
    let (body, content_type) = match format {
        Format::Json => (
            doc.to_json().to_string().into_bytes(),
            "application/json; charset=utf-8",
        ),
        Format::Xml => (doc.to_xml(root), "text/xml; charset=utf-8"),
    };
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

/// A handler's result as the response: its answer, or its error list.
fn finish(format: Format, lang: Lang, result: Result<Response, Open311Error>) -> Response {
    match result {
        Ok(response) => response,
        Err(error) => error.into_response(format, lang),
    }
}

/// Public, read-only answers may be read by any web page (no credentials are involved:
/// reading needs no key).
fn cors(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// The query string's fields (none when there is no query string).
fn query() -> impl Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

fn lang() -> Lang {
    veche_core::web::current_meta().lang
}

/// A request's context from its fields (`raw`: a query string, or a form's body) for the
/// jurisdiction served; the error list when the fields cannot be read (the catalog's
/// `unreadable`) or another jurisdiction is asked for.
fn context(
    state: &(Arc<Platform>, Arc<Reports>),
    format: Format,
    raw: &[u8],
    unreadable: &str,
) -> Result<Open311, Open311Error> {
    let lang = lang();
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(raw)
        .map_err(|_| Open311Error::bad_request(state.0.catalog.t(lang, unreadable)))?;
    let o = Open311 {
        platform: state.0.clone(),
        reports: state.1.clone(),
        format,
        lang,
        fields,
    };
    o.check_jurisdiction()?;
    Ok(o)
}

/// A GET's answer in `format`, readable by any web page: `answer` given the context of the
/// query string `raw`.
async fn get_answer(
    state: &(Arc<Platform>, Arc<Reports>),
    format: Format,
    raw: &str,
    answer: impl AsyncFnOnce(&Open311) -> Result<Response, Open311Error>,
) -> Response {
    let result = async {
        let o = context(state, format, raw.as_bytes(), "reports-open311-err-query")?;
        answer(&o).await
    }
    .await;
    cors(finish(format, lang(), result))
}

/// `GET /open311/v2/{resource}.{fmt}`: discovery, the service list, the request list.
async fn get_top(
    resource: String,
    raw: String,
    state: (Arc<Platform>, Arc<Reports>),
) -> Result<Response, std::convert::Infallible> {
    let Some((name, format)) = Format::split(&resource) else {
        return Ok(not_found(&state.0, &resource));
    };
    let answer = async |o: &Open311| match name {
        "discovery" => discovery::discovery(o).await,
        "services" => services::list(o).await,
        "requests" => requests::list(o).await,
        _ => Err(Open311Error::no_such_resource(&o.platform.catalog, o.lang)),
    };
    Ok(get_answer(&state, format, &raw, answer).await)
}

/// `GET /open311/v2/{resource}/{id}.{fmt}`: a service definition, a request, a token.
async fn get_one(
    resource: String,
    id: String,
    raw: String,
    state: (Arc<Platform>, Arc<Reports>),
) -> Result<Response, std::convert::Infallible> {
    let Some((id, format)) = Format::split(&id) else {
        return Ok(not_found(&state.0, &id));
    };
    let answer = async |o: &Open311| match resource.as_str() {
        "services" => services::definition(o, id).await,
        "requests" => requests::one(o, id).await,
        "tokens" => tokens::token(o, id).await,
        _ => Err(Open311Error::no_such_resource(&o.platform.catalog, o.lang)),
    };
    Ok(get_answer(&state, format, &raw, answer).await)
}

/// `POST /open311/v2/requests.{fmt}`: files a report (form-encoded, with `api_key`).
async fn post_request(
    resource: String,
    body: bytes::Bytes,
    state: (Arc<Platform>, Arc<Reports>),
) -> Result<Response, std::convert::Infallible> {
    let Some(("requests", format)) = Format::split(&resource) else {
        return Ok(not_found(&state.0, &resource));
    };
    let result = async {
        let o = context(&state, format, &body, "reports-open311-err-form")?;
        requests::file(&o).await
    }
    .await;
    Ok(finish(format, lang(), result))
}

/// Any other path under `/open311/v2`: 404 as an error list.
fn not_found(platform: &Platform, path: &str) -> Response {
    let lang = lang();
    Open311Error::no_such_resource(&platform.catalog, lang)
        .into_response(Format::of_path(path), lang)
}

/// The Open311 routes; `feature.rs` joins them to the reports' own.
pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    let state = (platform.clone(), reports.clone());
    let with = move || veche_core::web::with_state(state.clone());
    let base = || warp::path("open311").and(warp::path("v2"));
    // A GET's end: no more path, its query string and the state.
    let get = || warp::path::end().and(warp::get()).and(query()).and(with());
    let top = base()
        .and(warp::path::param::<String>())
        .and(get())
        .and_then(get_top);
    let one = base()
        .and(warp::path::param::<String>())
        .and(warp::path::param::<String>())
        .and(get())
        .and_then(get_one);
    let post = base()
        .and(warp::path::param::<String>())
        .and(warp::path::end())
        .and(warp::post())
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::bytes())
        .and(with())
        .and_then(post_request);
    let keys = keys::routes(platform.clone(), reports);
    let rest = base()
        .and(warp::path::full())
        .map(move |path: warp::path::FullPath| not_found(&platform, path.as_str()));
    veche_core::web::combine(vec![
        top.boxed(),
        one.boxed(),
        post.boxed(),
        keys,
        rest.boxed(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_jurisdiction_is_the_only_one_served() {
        assert!(jurisdiction_served(None, None));
        assert!(jurisdiction_served(None, Some("sfgov.org")));
        assert!(jurisdiction_served(Some("veche.example"), None));
        assert!(jurisdiction_served(
            Some("veche.example"),
            Some("veche.example")
        ));
        assert!(!jurisdiction_served(
            Some("veche.example"),
            Some("sfgov.org")
        ));
    }

    #[test]
    fn the_suffix_chooses_the_format() {
        assert_eq!(
            Format::split("services.json"),
            Some(("services", Format::Json))
        );
        assert_eq!(Format::split("0123.xml"), Some(("0123", Format::Xml)));
        assert_eq!(Format::split("services.csv"), None);
        assert_eq!(Format::split(".json"), None);
        assert_eq!(Format::split("services"), None);
    }
}
