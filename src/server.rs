//! The HTTP server: accepts connections, gives each request an id, a client address and a
//! language, runs the routes, adds the security headers, records metrics and the access log,
//! and drains in-flight requests at shutdown.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderValue, Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use warp::reply::Response;

use crate::router::Router;

use veche_core::metrics;
use veche_core::web::i18n::Lang;
use veche_core::web::problem::Problem;
use veche_core::web::{cookie, RequestMeta, REQUEST};
use veche_core::Platform;

/// The largest request body any route accepts, but those that carry pictures (see
/// [`veche_core::web::uploads::body_limit`]); routes set smaller limits of their own.
pub const MAX_BODY: u64 = 1024 * 1024;

pub struct ServerOptions {
    pub trust_forwarded: bool,
    pub https: bool,
    pub grace: Duration,
}

/// Serves until `shutdown` is cancelled, then stops accepting and lets in-flight requests
/// finish (up to the grace period).
pub async fn serve(
    listener: TcpListener,
    router: Arc<Router>,
    platform: Arc<Platform>,
    options: ServerOptions,
    shutdown: CancellationToken,
) {
    let options = Arc::new(options);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let platform = platform.clone();
        let options = options.clone();
        let per_request = hyper::service::service_fn(move |request: Request<Incoming>| {
            // Each request runs as a task of its own: a client that hangs up does not cancel
            // its request halfway (a ballot is stored and counted, or never started; a store
            // driver is never interrupted mid-operation, which the MongoDB driver pays for
            // with a stalled connection pool). The connection waits for the task's answer.
            let task = tokio::spawn(handle(
                router.clone(),
                request,
                peer,
                platform.clone(),
                options.clone(),
            ));
            async move {
                match task.await {
                    Ok(answer) => answer,
                    Err(e) => {
                        tracing::error!(error = %e, "a request's task failed");
                        Ok(warp::Reply::into_response(
                            StatusCode::INTERNAL_SERVER_ERROR,
                        ))
                    }
                }
            }
        });
        let connection = auto::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), per_request)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(
        connections = graceful.count(),
        "shutting down: draining requests"
    );
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all requests finished"),
        _ = tokio::time::sleep(options.grace) => tracing::warn!("grace period over; closing the remaining connections"),
    }
}

fn request_id(request: &Request<Incoming>) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| ulid::Ulid::new().to_string())
}

fn client_ip(request: &Request<Incoming>, peer: SocketAddr, trust_forwarded: bool) -> IpAddr {
    if trust_forwarded {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.ip()
}

fn language(request: &Request<Incoming>) -> Lang {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    Lang::negotiate(
        cookie(header("cookie"), Lang::COOKIE),
        header("accept-language"),
    )
}

async fn handle(
    router: Arc<Router>,
    request: Request<Incoming>,
    peer: SocketAddr,
    platform: Arc<Platform>,
    options: Arc<ServerOptions>,
) -> Result<Response, Infallible> {
    let started = Instant::now();
    let _in_flight = InFlight::enter();
    let meta = RequestMeta {
        id: request_id(&request),
        client_ip: client_ip(&request, peer, options.trust_forwarded),
        lang: language(&request),
        path: request.uri().path().to_string(),
    };
    let method = request.method().clone();
    let span = tracing::info_span!("request", id = %meta.id, method = %method, path = %meta.path);
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let limit = veche_core::web::uploads::body_limit(header(http::header::CONTENT_TYPE), MAX_BODY);
    let too_large = header(http::header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit);
    let mut response = if too_large {
        Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            .into_response(&platform.catalog, meta.lang)
    } else {
        let future = async move { router.answer(request).await };
        match REQUEST
            .scope(meta.clone(), future)
            .instrument(span.clone())
            .await
        {
            Ok(response) => response,
            Err(never) => match never {},
        }
    };
    let status = response.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // Refused unread: hyper closes the connection after this answer, so say so, or a
        // keep-alive client sends its next request down a dead connection.
        response
            .headers_mut()
            .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    }
    security_headers(&mut response, &meta.id, options.https);
    let route = if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
        "unmatched".to_string()
    } else {
        metrics::route_label(&meta.path)
    };
    let elapsed = started.elapsed();
    metrics::HTTP_REQUESTS
        .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
        .inc();
    metrics::HTTP_LATENCY
        .with_label_values(&[route.as_str(), method.as_str()])
        .observe(elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            ms = elapsed.as_secs_f64() * 1000.0,
            "served"
        );
    });
    Ok(response)
}

/// Counts a request in `veche_http_requests_in_flight` for as long as it lives.
struct InFlight;

impl InFlight {
    fn enter() -> InFlight {
        metrics::HTTP_IN_FLIGHT.inc();
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::HTTP_IN_FLIGHT.dec();
    }
}

/// The headers every answer carries.
fn security_headers(response: &mut Response, request_id: &str, https: bool) {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
    let fixed = [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(self)",
        ),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        headers.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
