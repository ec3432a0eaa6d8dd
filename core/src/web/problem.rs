//! Errors as HTTP answers: RFC 9457 problem documents for the API, a friendly page for browsers.
//!
//! A [`Problem`] carries a status and a stable snake_case code. Its title and detail come from
//! the message catalog in the request's language (`err-CODE` and, when given, a detail key), so
//! clients can translate by code and people read their own language. Internals never reach the
//! body: a store failure is logged with its cause and answered as a bare 500 or 503.

use std::fmt;

use http::StatusCode;
use serde_json::{json, Map, Value};

use crate::error::StoreError;
use crate::web::i18n::{Catalog, Lang};

/// Why an input was refused: a stable code (for clients and catalogs) and the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub code: &'static str,
}

impl Invalid {
    pub fn new(field: &'static str, code: &'static str) -> Self {
        Invalid { field, code }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

/// Where a feature's refusal texts are in the catalog: `PREFIX-invalid-FIELD-CODE`. Features
/// share field names with other bounds (a poll's title is 3 to 200 characters, an idea's 5 to
/// 140), so each reads its own.
pub trait RefusalTexts: Send + Sync + 'static {
    const PREFIX: &'static str;
}

/// What a feature's use case answers instead of its result, for features whose refusals are
/// these five (ideas, reports); `T` names the feature's refusal texts. One mapping to a
/// problem document ([`ServiceError::problem`]) serves the API and the pages.
#[derive(thiserror::Error)]
pub enum ServiceError<T: RefusalTexts> {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input: {0:?}")]
    Invalid(Invalid),
    /// Someone changed it first (`version_conflict`), or its state does not allow it (the code
    /// says which).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Never made (its second field has no value): ties the error to its feature's texts.
    #[doc(hidden)]
    #[error("unreachable")]
    Texts(std::marker::PhantomData<T>, std::convert::Infallible),
}

/// The version a change expects: the one the caller names (`version_conflict` when it is not
/// the current one), or the current one.
pub fn expected_version<T: RefusalTexts>(
    current: u64,
    named: Option<u64>,
) -> Result<u64, ServiceError<T>> {
    match named {
        Some(v) if v != current => Err(ServiceError::Conflict("version_conflict")),
        _ => Ok(current),
    }
}

impl<T: RefusalTexts> fmt::Debug for ServiceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::NotFound => f.write_str("NotFound"),
            ServiceError::Forbidden => f.write_str("Forbidden"),
            ServiceError::Invalid(i) => f.debug_tuple("Invalid").field(i).finish(),
            ServiceError::Conflict(c) => f.debug_tuple("Conflict").field(c).finish(),
            ServiceError::Store(e) => f.debug_tuple("Store").field(e).finish(),
            ServiceError::Texts(_, never) => match *never {},
        }
    }
}

impl<T: RefusalTexts> From<Invalid> for ServiceError<T> {
    fn from(refused: Invalid) -> Self {
        ServiceError::Invalid(refused)
    }
}

impl<T: RefusalTexts> ServiceError<T> {
    /// The problem document for this error (API); pages show the same title and detail. A
    /// refusal reads the feature's own text.
    pub fn problem(self) -> Problem {
        match self {
            ServiceError::NotFound => Problem::not_found(),
            ServiceError::Forbidden => Problem::forbidden(),
            ServiceError::Invalid(refused) => {
                let key = format!("{}-invalid-{}-{}", T::PREFIX, refused.field, refused.code);
                Problem::invalid(refused).with_detail(key)
            }
            ServiceError::Conflict(code) => Problem::conflict(code),
            ServiceError::Store(e) => e.into(),
            ServiceError::Texts(_, never) => match never {},
        }
    }
}

impl<T: RefusalTexts> From<ServiceError<T>> for Problem {
    fn from(e: ServiceError<T>) -> Problem {
        e.problem()
    }
}

/// Where problem `type` URIs point. Documentation of each code lives under it.
pub const TYPE_BASE: &str = "https://veche.example/problems/";

#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    /// Catalog key of the detail text; `err-CODE-detail` when absent (if the catalog has it).
    pub detail_key: Option<String>,
    /// The input field the problem concerns (validation errors).
    pub field: Option<&'static str>,
    /// Seconds until a retry may succeed (429, 503).
    pub retry_after: Option<u64>,
    /// Extra members for the client (e.g. `receipt`).
    pub extra: Map<String, Value>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str) -> Problem {
        Problem {
            status,
            code,
            detail_key: None,
            field: None,
            retry_after: None,
            extra: Map::new(),
        }
    }

    pub fn bad_request(code: &'static str) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, code)
    }
    pub fn unauthorized() -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized")
    }
    pub fn forbidden() -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden")
    }
    pub fn not_found() -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found")
    }
    pub fn conflict(code: &'static str) -> Problem {
        Problem::new(StatusCode::CONFLICT, code)
    }
    pub fn unprocessable(code: &'static str) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code)
    }
    pub fn internal() -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }
    pub fn unavailable(retry_after: u64) -> Problem {
        let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        p.retry_after = Some(retry_after);
        p
    }
    pub fn too_many_requests(retry_after: u64) -> Problem {
        let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        p.retry_after = Some(retry_after.max(1));
        p
    }

    /// A refused input: 422 `validation_failed` naming the field, with a field-specific detail
    /// (`invalid-FIELD-CODE` in the catalog).
    pub fn invalid(invalid: Invalid) -> Problem {
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        p.field = Some(invalid.field);
        p.detail_key = Some(format!("invalid-{}-{}", invalid.field, invalid.code));
        p.extra.insert("reason".into(), Value::from(invalid.code));
        p
    }

    pub fn with_detail(mut self, key: impl Into<String>) -> Problem {
        self.detail_key = Some(key.into());
        self
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Problem {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// The problem document in `lang`.
    pub fn to_json(&self, catalog: &Catalog, lang: Lang) -> Value {
        let title = catalog.t(lang, &format!("err-{}", self.code));
        let detail_key = self
            .detail_key
            .clone()
            .unwrap_or_else(|| format!("err-{}-detail", self.code));
        let detail = if catalog.has(&detail_key) {
            catalog.t(lang, &detail_key)
        } else {
            title.clone()
        };
        let mut body = json!({
            "type": format!("{TYPE_BASE}{}", self.code),
            "title": title,
            "status": self.status.as_u16(),
            "detail": detail,
            "code": self.code,
        });
        if let Some(object) = body.as_object_mut() {
            if let Some(field) = self.field {
                object.insert("field".into(), Value::from(field));
            }
            if let Some(retry) = self.retry_after {
                object.insert("retry_after".into(), Value::from(retry));
            }
            for (k, v) in &self.extra {
                object.insert(k.clone(), v.clone());
            }
        }
        body
    }

    /// The HTTP response: `application/problem+json`, with `Retry-After` when known.
    pub fn into_response(self, catalog: &Catalog, lang: Lang) -> warp::reply::Response {
        let body = self.to_json(catalog, lang).to_string();
        let mut response = warp::reply::Response::new(body.into());
        *response.status_mut() = self.status;
        crate::web::respond::set_headers(
            &mut response,
            &[
                (http::header::CONTENT_TYPE, "application/problem+json"),
                (http::header::CONTENT_LANGUAGE, lang.code()),
            ],
        );
        if let Some(retry) = self.retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry));
        }
        response
    }
}

impl From<Invalid> for Problem {
    fn from(invalid: Invalid) -> Problem {
        Problem::invalid(invalid)
    }
}

impl From<StoreError> for Problem {
    /// A store error that reaches the HTTP layer unhandled: unavailable → 503, anything else →
    /// 500. The cause is logged here, never sent. (Conflicts a handler expects are matched before.)
    fn from(err: StoreError) -> Problem {
        match err {
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "store unavailable");
                Problem::unavailable(5)
            }
            StoreError::NotFound => Problem::not_found(),
            other => {
                tracing::error!(error = %other, "store failure");
                Problem::internal()
            }
        }
    }
}

/// Lets a [`Problem`] travel as a warp rejection (from filters such as rate limits and auth).
#[derive(Debug)]
pub struct Rejected(pub Problem);

impl warp::reject::Reject for Rejected {}

impl Problem {
    pub fn reject(self) -> warp::Rejection {
        warp::reject::custom(Rejected(self))
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ProblemDocument {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// A stable snake_case code, e.g. `email_taken`, `invalid_credentials`, `rate_limited`.
    pub code: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Texts;

    impl RefusalTexts for Texts {
        const PREFIX: &'static str = "things";
    }

    #[test]
    fn a_service_error_is_its_problem_document() {
        let refused: ServiceError<Texts> = Invalid::new("title", "too_long").into();
        let problem = refused.problem();
        assert_eq!(
            (problem.status.as_u16(), problem.code),
            (422, "validation_failed")
        );
        assert_eq!(
            problem.detail_key.as_deref(),
            Some("things-invalid-title-too_long")
        );
        assert_eq!(problem.field, Some("title"));
        let conflict = Problem::from(ServiceError::<Texts>::Conflict("version_conflict"));
        assert_eq!(
            (conflict.status.as_u16(), conflict.code),
            (409, "version_conflict")
        );
        assert_eq!(
            ServiceError::<Texts>::NotFound.problem().status.as_u16(),
            404
        );
        assert_eq!(
            ServiceError::<Texts>::Forbidden.problem().status.as_u16(),
            403
        );
        let store = ServiceError::<Texts>::from(StoreError::Unavailable("down".into()));
        assert_eq!(store.problem().status.as_u16(), 503);
    }
}
