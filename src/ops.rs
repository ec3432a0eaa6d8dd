//! Operations endpoints: `/healthz` (the process answers), `/readyz` (the store answers),
//! `/metrics` (Prometheus), and the OpenAPI document.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use veche_core::web::problem::Problem;
use veche_core::web::respond;
use veche_core::Platform;

use crate::config::Secret;

pub fn routes(
    platform: Arc<Platform>,
    metrics_token: Option<Secret>,
    document: utoipa::openapi::OpenApi,
) -> BoxedFilter<(Response,)> {
    let healthz = warp::path!("healthz").and(warp::get()).map(|| {
        let mut response = Response::new("ok\n".into());
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    });
    let ready_platform = platform.clone();
    let readyz = warp::path!("readyz").and(warp::get()).then(move || {
        let platform = ready_platform.clone();
        async move {
            let backend = platform.backend.name();
            match tokio::time::timeout(Duration::from_secs(3), platform.backend.ping()).await {
                Ok(Ok(())) => respond::json(
                    StatusCode::OK,
                    &serde_json::json!({ "status": "ready", "store": backend }),
                ),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "readiness: store unreachable");
                    Problem::unavailable(5)
                        .into_response(&platform.catalog, veche_core::web::current_meta().lang)
                }
                Err(_) => {
                    tracing::warn!("readiness: store ping timed out");
                    Problem::unavailable(5)
                        .into_response(&platform.catalog, veche_core::web::current_meta().lang)
                }
            }
        }
    });
    let metrics_platform = platform.clone();
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(warp::header::optional::<String>("authorization"))
        .map(move |authorization: Option<String>| {
            if let Some(token) = &metrics_token {
                let presented = authorization
                    .as_deref()
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .unwrap_or("");
                if !veche_core::random::constant_time_eq(presented, token.expose()) {
                    return Problem::unauthorized().into_response(
                        &metrics_platform.catalog,
                        veche_core::web::current_meta().lang,
                    );
                }
            }
            let mut response = Response::new(veche_core::metrics::render().into());
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        });
    // Behind an Arc: warp clones a `map` closure for every request that reaches
    // the filter, and a captured document would be deep-copied each time.
    let document = std::sync::Arc::new(document);
    let openapi = warp::path!("api" / "v1" / "openapi.json")
        .and(warp::get())
        .map(move || respond::json(StatusCode::OK, &*document));
    veche_core::web::combine(vec![
        healthz.boxed(),
        readyz.boxed(),
        metrics.boxed(),
        openapi.boxed(),
    ])
}
