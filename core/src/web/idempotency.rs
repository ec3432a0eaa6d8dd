//! `Idempotency-Key` on POSTs that create something: the same key and body within 24 hours
//! returns the first answer instead of acting twice; the same key with another body is 422.
//!
//! The key is claimed in the store (a unique key) before the handler runs, so two concurrent
//! requests with one key cannot both act: the second hears 409 `idempotency_in_progress`.
//! A claim whose request failed with a 5xx is released so the client can retry. A claim with no
//! answer after [`CLAIM_LEASE`] belongs to a request whose server died midway (`kill -9`, a lost
//! node): the next retry takes it over and acts, instead of hearing `idempotency_in_progress`
//! until the key expires a day later. What that request had stored before it died is met by the
//! feature's own rules on the retry (one ballot per resident: `already_voted` with the receipt;
//! one support per idea; one account per address).

use std::future::Future;

use http::StatusCode;
use warp::reply::Response;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::clock;
use crate::error::{StoreError, StoreResult};
use crate::web::auth::Identity;
use crate::web::problem::Problem;
use crate::web::{Ctx, Site};

/// A remembered answer to a request that carried an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq)]
pub struct IdempotencyRecord {
    /// blake3 of (who asked, the route, the key): one client's key never collides with another's.
    pub key_hash: String,
    /// blake3 of the request body: the same key with another body is refused (422).
    pub request_hash: String,
    /// `None` while the first request is still being handled.
    pub response: Option<StoredResponse>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

impl StoredResponse {
    /// The answer a store kept in nullable columns: none until both status and body are set.
    pub(crate) fn from_columns(
        status: Option<u16>,
        body: Option<String>,
        location: Option<String>,
    ) -> Option<StoredResponse> {
        match (status, body) {
            (Some(status), Some(body)) => Some(StoredResponse {
                status,
                body,
                location,
            }),
            _ => None,
        }
    }
}

/// Where claims and answers are kept: a unique key per claim, so two app servers agree.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims a key; `StoreError::Conflict` when it is already claimed.
    async fn reserve_idempotency(&self, record: &IdempotencyRecord) -> StoreResult<()>;
    async fn idempotency(&self, key_hash: &str) -> StoreResult<Option<IdempotencyRecord>>;
    async fn complete_idempotency(
        &self,
        key_hash: &str,
        response: &StoredResponse,
    ) -> StoreResult<()>;
    /// Gives a claim up (its request failed with a 5xx), so a retry may act.
    async fn release_idempotency(&self, key_hash: &str) -> StoreResult<()>;
    /// Takes over a claim that never got its answer: the unanswered claim `stale`, as read,
    /// becomes `claim` (its time). `false` when it was answered, released or taken over since
    /// it was read, so that of two retries at once only one acts.
    async fn take_over_idempotency(
        &self,
        stale: &IdempotencyRecord,
        claim: &IdempotencyRecord,
    ) -> StoreResult<bool>;
}

/// How long a claim may go unanswered before a retry takes it over: far longer than any request
/// runs (the slowest, a report with five photos, takes under a second), so a claim this old is
/// one whose server died.
pub const CLAIM_LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// The most characters a key may have.
pub const MAX_KEY_LEN: usize = 255;

/// A response the handler produced, in a form that can be stored and replayed.
pub struct Outcome {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub location: Option<String>,
    /// The body to store for replay when it differs from `body` (a secret shown once must not
    /// be stored: API tokens are replayed with the secret left out).
    pub replay_body: Option<serde_json::Value>,
}

impl Outcome {
    pub fn created(location: String, body: serde_json::Value) -> Outcome {
        Outcome {
            status: StatusCode::CREATED,
            body,
            location: Some(location),
            replay_body: None,
        }
    }

    fn into_response(self) -> Response {
        let mut response = crate::web::respond::json(self.status, &self.body);
        if let Some(location) = &self.location {
            if let Ok(v) = http::HeaderValue::from_str(location) {
                response.headers_mut().insert(http::header::LOCATION, v);
            }
        }
        response
    }
}

/// Runs `act` at most once per (caller, route, key). Without a key it simply runs.
pub async fn once<S: Site, F, Fut>(
    ctx: &Ctx<S>,
    route: &str,
    key: Option<String>,
    body: &[u8],
    act: F,
) -> Result<Response, Problem>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Outcome, Problem>>,
{
    let Some(key) = key else {
        return act().await.map(Outcome::into_response);
    };
    if key.is_empty() || key.len() > MAX_KEY_LEN || key.chars().any(|c| c.is_control()) {
        return Err(Problem::bad_request("invalid_idempotency_key"));
    }
    let caller = match &ctx.principal {
        Some(p) => p.key(),
        None => format!("ip:{}", ctx.meta.client_ip),
    };
    let key_hash = blake3::hash(format!("{caller}\0{route}\0{key}").as_bytes())
        .to_hex()
        .to_string();
    let request_hash = blake3::hash(body).to_hex().to_string();
    let store = ctx.platform.idempotency();
    let claim = IdempotencyRecord {
        key_hash: key_hash.clone(),
        request_hash: request_hash.clone(),
        response: None,
        created_at: clock::now(),
    };
    match store.reserve_idempotency(&claim).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            let existing = store.idempotency(&key_hash).await?;
            match existing {
                Some(r) if r.request_hash != request_hash => {
                    return Err(Problem::unprocessable("idempotency_key_reused"));
                }
                Some(IdempotencyRecord {
                    response: Some(stored),
                    ..
                }) => return Ok(replay(stored)),
                Some(stale) => {
                    let age = claim.created_at - stale.created_at;
                    let lease =
                        time::Duration::try_from(CLAIM_LEASE).unwrap_or(time::Duration::MINUTE);
                    if age < lease {
                        let left = (lease - age).whole_seconds().max(1) as u64;
                        return Err(in_progress(left));
                    }
                    if !store.take_over_idempotency(&stale, &claim).await? {
                        return Err(in_progress(1));
                    }
                    tracing::warn!(
                        route,
                        claimed_at = %stale.created_at,
                        "an unanswered idempotency claim taken over (its server stopped midway?)"
                    );
                }
                // Released (its request failed) between the claim and the read: try again.
                None => return Err(in_progress(1)),
            }
        }
        Err(e) => return Err(e.into()),
    }
    let result = act().await;
    let stored = match &result {
        Ok(outcome) => StoredResponse {
            status: outcome.status.as_u16(),
            body: outcome
                .replay_body
                .as_ref()
                .unwrap_or(&outcome.body)
                .to_string(),
            location: outcome.location.clone(),
        },
        Err(problem) if problem.status.is_server_error() => {
            store.release_idempotency(&key_hash).await?;
            return result.map(Outcome::into_response);
        }
        Err(problem) => StoredResponse {
            status: problem.status.as_u16(),
            body: problem
                .to_json(ctx.platform.catalog(), ctx.lang)
                .to_string(),
            location: None,
        },
    };
    store.complete_idempotency(&key_hash, &stored).await?;
    result.map(Outcome::into_response)
}

/// 409 `idempotency_in_progress`, with when to try again.
fn in_progress(retry_after: u64) -> Problem {
    let mut p = Problem::conflict("idempotency_in_progress");
    p.retry_after = Some(retry_after);
    p
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = Response::new(stored.body.into());
    *response.status_mut() = status;
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    headers.insert(
        "idempotent-replayed",
        http::HeaderValue::from_static("true"),
    );
    if let Some(location) = stored.location {
        if let Ok(v) = http::HeaderValue::from_str(&location) {
            headers.insert(http::header::LOCATION, v);
        }
    }
    response
}

/// The `Idempotency-Key` header, as a filter.
pub fn key() -> impl warp::Filter<Extract = (Option<String>,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("idempotency-key")
}
