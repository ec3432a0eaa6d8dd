//! The spec's errors: a list of `{code, description}` (`<errors><error>…`), with the HTTP
//! status the spec gives: 404 for what does not exist, 403 for a missing or wrong `api_key`,
//! 400 for any other request that cannot be served, and 429 (with `Retry-After`) over the
//! filing limit, which the spec does not know but every HTTP client does. The body's `code`
//! is the HTTP status; the `description` is meant for the person using the client, in the
//! request's language.

use http::header::{HeaderValue, RETRY_AFTER};
use http::StatusCode;
use warp::reply::Response;

use veche_core::web::i18n::{Catalog, Lang};
use veche_core::web::problem::Problem;

use super::xml::Doc;
use super::{respond, Format};
use crate::service::ReportError;

/// An error answer: its status and the descriptions of what went wrong.
#[derive(Debug)]
pub struct Open311Error {
    pub status: StatusCode,
    pub descriptions: Vec<String>,
    /// Seconds until a retry may succeed (429).
    pub retry_after: Option<u64>,
}

impl Open311Error {
    pub fn new(status: StatusCode, description: String) -> Open311Error {
        Open311Error {
            status,
            descriptions: vec![description],
            retry_after: None,
        }
    }

    pub fn bad_request(description: String) -> Open311Error {
        Open311Error::new(StatusCode::BAD_REQUEST, description)
    }

    pub fn not_found(description: String) -> Open311Error {
        Open311Error::new(StatusCode::NOT_FOUND, description)
    }

    pub fn forbidden(description: String) -> Open311Error {
        Open311Error::new(StatusCode::FORBIDDEN, description)
    }

    pub fn no_such_resource(catalog: &Catalog, lang: Lang) -> Open311Error {
        Open311Error::not_found(catalog.t(lang, "reports-open311-err-resource"))
    }

    /// A problem of the reports (or of core: a rate limit, a store failure) in the spec's
    /// terms: a refusal of the input is 400 with its text; 404 stays; 429 keeps its wait; a
    /// failure of the store is the spec's "general service error" (400), its cause logged
    /// where it happened and never sent.
    pub fn from_problem(problem: Problem, catalog: &Catalog, lang: Lang) -> Open311Error {
        let document = problem.to_json(catalog, lang);
        let text = |key: &str| document[key].as_str().unwrap_or_default().to_string();
        let description = match problem.field {
            Some(field) => format!("{}: {}", param_name(field), text("detail")),
            None => text("detail"),
        };
        let status = match problem.status {
            StatusCode::NOT_FOUND => StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS => StatusCode::TOO_MANY_REQUESTS,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        Open311Error {
            status,
            descriptions: vec![description],
            retry_after: problem.retry_after,
        }
    }

    /// A reports use case's refusal (see [`Open311Error::from_problem`]).
    pub fn from_service(error: ReportError, catalog: &Catalog, lang: Lang) -> Open311Error {
        Open311Error::from_problem(error.problem(), catalog, lang)
    }

    /// The error list in `format`.
    pub fn into_response(self, format: Format, lang: Lang) -> Response {
        let code = i64::from(self.status.as_u16());
        let doc = Doc::List(
            "error",
            self.descriptions
                .into_iter()
                .map(|d| {
                    Doc::Fields(vec![
                        ("code", Doc::Int(code)),
                        ("description", Doc::Text(d)),
                    ])
                })
                .collect(),
        );
        let mut response = respond(format, lang, self.status, "errors", &doc);
        if let Some(retry) = self.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry));
        }
        response
    }
}

/// The Open311 parameter a field of Veche's filing input is sent as.
fn param_name(field: &str) -> &str {
    match field {
        "category_id" => "service_code",
        "lon" => "long",
        "address" => "address_string",
        "photos" => "attribute[photos]",
        other => other,
    }
}
