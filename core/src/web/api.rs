//! What every JSON API handler shares: one [`Request`] value (the context, the feature's state,
//! and what the request carried: method, `If-Match`, `Idempotency-Key`, query, JSON body, each
//! read when the handler asks for it), [`Request::answer`] (the handler's result, or its error
//! as the problem document), and [`Api`], a feature's route table, one route a line:
//!
//! ```ignore
//! let api = Api::new(platform, ideas).no_store();
//! api.put(warp::path!("api" / "v1" / "ideas" / String), ideas::edit_idea)
//! // async fn edit_idea(id: String, req: Request<Platform, Arc<Ideas>, IdeaInput>) -> Response
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures::{Stream, StreamExt};
use http::{header, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::web::idempotency::{self, Outcome};
use crate::web::precondition::{parse_if_match, required_if_match};
use crate::web::problem::Problem;
use crate::web::{api_ctx, is_json, json_body, parse_json, Ctx, Site, JSON_LIMIT};

/// A body as a route reads it, and the bytes it came in (what idempotency keys hash).
pub type Read<B> = (Result<B, Problem>, Bytes);

/// What a route reads as its body, of at most `limit` bytes: nothing ([`NoBody`]), a JSON
/// value (any `T: DeserializeOwned`, parsed strictly as [`json_body`] does), or an optional
/// one ([`Optional`]).
pub trait Body: Send + Sync + Sized + 'static {
    fn read(limit: u64) -> BoxedFilter<(Read<Self>,)>;
}

/// The body of a route that reads none.
pub struct NoBody;

impl Body for NoBody {
    fn read(_: u64) -> BoxedFilter<(Read<NoBody>,)> {
        warp::any().map(|| (Ok(NoBody), Bytes::new())).boxed()
    }
}

impl<T: DeserializeOwned + Send + Sync + 'static> Body for T {
    fn read(limit: u64) -> BoxedFilter<(Read<T>,)> {
        json_body::<T>(limit).map(|body, raw| (body, raw)).boxed()
    }
}

/// An optional JSON body: none at all (or only white space) is `None`.
pub struct Optional<T>(pub Option<T>);

impl<T: DeserializeOwned + Send + Sync + 'static> Body for Optional<T> {
    fn read(limit: u64) -> BoxedFilter<(Read<Optional<T>>,)> {
        warp::header::optional::<u64>("content-length")
            .and(warp::header::optional::<String>("content-type"))
            .and(warp::body::stream())
            .then(
                move |length: Option<u64>, content_type: Option<String>, body| async move {
                    if length.is_some_and(|n| n > limit) {
                        return (Err(too_large()), Bytes::new());
                    }
                    let bytes = match read_limited(body, limit).await {
                        Ok(bytes) => Bytes::from(bytes),
                        Err(problem) => return (Err(problem), Bytes::new()),
                    };
                    let parsed = if bytes.iter().all(u8::is_ascii_whitespace) {
                        Ok(Optional(None))
                    } else if !is_json(content_type.as_deref()) {
                        Err(Problem::new(
                            StatusCode::UNSUPPORTED_MEDIA_TYPE,
                            "unsupported_media_type",
                        ))
                    } else {
                        parse_json::<T>(&bytes).map(|value| Optional(Some(value)))
                    };
                    (parsed, bytes)
                },
            )
            .boxed()
    }
}

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
}

/// Reads a body of at most `limit` bytes, whether or not the client said its length.
async fn read_limited<S, B>(body: S, limit: u64) -> Result<Vec<u8>, Problem>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| Problem::bad_request("invalid_json"))?;
        if (out.len() + chunk.remaining()) as u64 > limit {
            return Err(too_large());
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            out.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    Ok(out)
}

/// One API request as its handler sees it: the context (by `Deref`), the feature's `state`,
/// and what the request carried, each checked when the handler asks for it (so a handler
/// decides the order of its refusals).
pub struct Request<S: Site, St, B = NoBody> {
    ctx: Ctx<S>,
    /// The feature's state (its service).
    pub state: St,
    method: Method,
    if_match: Option<HeaderValue>,
    key: Option<HeaderValue>,
    query: String,
    body: Result<B, Problem>,
    raw: Bytes,
    no_store: bool,
}

impl<S: Site, St, B> Deref for Request<S, St, B> {
    type Target = Ctx<S>;

    fn deref(&self) -> &Ctx<S> {
        &self.ctx
    }
}

impl<S: Site, St, B> Request<S, St, B> {
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The version in `If-Match`; `None` when the header is absent.
    pub fn version(&self) -> Result<Option<u64>, Problem> {
        parse_if_match(header_text(&self.if_match, invalid_if_match)?)
    }

    /// The version in `If-Match`, which this request must carry (else 428).
    pub fn required_version(&self) -> Result<u64, Problem> {
        required_if_match(header_text(&self.if_match, invalid_if_match)?)
    }

    /// The parsed body, or why it could not be read.
    pub fn input(&self) -> Result<&B, Problem> {
        self.body.as_ref().map_err(Clone::clone)
    }

    /// What a change to a versioned resource needs, checked in this order: the signed-in
    /// principal (401), the version in `If-Match` (400), the body (400, 415).
    pub fn change(&self) -> Result<(&S::Principal, Option<u64>, &B), Problem> {
        Ok((self.signed_in()?, self.version()?, self.input()?))
    }

    /// The query string's parameters (`invalid_query` when it cannot be read).
    pub fn query(&self) -> Result<HashMap<String, String>, Problem> {
        serde_urlencoded::from_str(&self.query).map_err(|_| Problem::bad_request("invalid_query"))
    }

    /// Runs `act` at most once per `Idempotency-Key` (see [`idempotency::once`]).
    pub async fn once<F, Fut>(&self, route: &str, act: F) -> Result<Response, Problem>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Outcome, Problem>>,
    {
        let key = header_text(&self.key, || {
            Problem::bad_request("invalid_idempotency_key")
        })?;
        idempotency::once(&self.ctx, route, key.map(str::to_string), &self.raw, act).await
    }

    /// The handler's answer, or its problem as this request's problem document; `no-store`
    /// when the routes said so and the handler set no `Cache-Control` itself.
    pub async fn answer(
        &self,
        handler: impl Future<Output = Result<Response, Problem>>,
    ) -> Response {
        let mut response = self.ctx.finish(handler.await);
        if self.no_store {
            response
                .headers_mut()
                .entry(header::CACHE_CONTROL)
                .or_insert(HeaderValue::from_static("no-store"));
        }
        response
    }
}

fn invalid_if_match() -> Problem {
    Problem::bad_request("invalid_header").with("field", "If-Match")
}

/// A header's text; `refused` when it is not visible ASCII.
fn header_text(
    value: &Option<HeaderValue>,
    refused: fn() -> Problem,
) -> Result<Option<&str>, Problem> {
    value
        .as_ref()
        .map(|v| v.to_str().map_err(|_| refused()))
        .transpose()
}

/// A header, if the request has it (never rejects: a handler that reads it judges it).
fn optional_header(
    name: &'static str,
) -> impl Filter<Extract = (Option<HeaderValue>,), Error = std::convert::Infallible> + Clone {
    warp::header::value(name)
        .map(Some)
        .or(warp::any().map(|| None))
        .unify()
}

/// The [`Request`] of an API route with a body `B` of at most `limit` bytes.
pub fn request<S: Site, St: Clone + Send + Sync + 'static, B: Body>(
    platform: Arc<S>,
    state: St,
    limit: u64,
    no_store: bool,
) -> impl Filter<Extract = (Request<S, St, B>,), Error = Rejection> + Clone {
    api_ctx(platform)
        .and(warp::method())
        .and(optional_header("if-match"))
        .and(optional_header("idempotency-key"))
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(B::read(limit))
        .map(
            move |ctx, method, if_match, key, query, (body, raw): Read<B>| Request {
                ctx,
                state: state.clone(),
                method,
                if_match,
                key,
                query,
                body,
                raw,
                no_store,
            },
        )
}

/// An API handler: an async function of the path's parameters (none, one or two) and the
/// request.
pub trait Handler<P, R>: Clone + Send + Sync + 'static {
    type Answer: Future<Output = Response> + Send + 'static;
    fn call(&self, params: P, request: R) -> Self::Answer;
}

/// The parameters a route's path yields: none, one or two segments.
pub trait Params: Send + Sized + 'static {
    /// `path`, then `rest` (method, guards, request), answered by `handler`.
    fn serve<R: Send + 'static, H: Handler<Self, R>>(
        path: impl Filter<Extract = Self, Error = Rejection> + Clone + Send + Sync + 'static,
        rest: BoxedFilter<(R,)>,
        handler: H,
    ) -> BoxedFilter<(Response,)>;
}

/// Implements [`Handler`] and [`Params`] for paths of `$n` string parameters.
macro_rules! arity {
    ($($p:ident),*) => {
        impl<F, A, R> Handler<($(arity!(@string $p),)*), R> for F
        where
            F: Fn($(arity!(@string $p),)* R) -> A + Clone + Send + Sync + 'static,
            A: Future<Output = Response> + Send + 'static,
        {
            type Answer = A;
            fn call(&self, ($($p,)*): ($(arity!(@string $p),)*), request: R) -> A {
                self($($p,)* request)
            }
        }

        impl Params for ($(arity!(@string $p),)*) {
            fn serve<R: Send + 'static, H: Handler<Self, R>>(
                path: impl Filter<Extract = Self, Error = Rejection> + Clone + Send + Sync + 'static,
                rest: BoxedFilter<(R,)>,
                handler: H,
            ) -> BoxedFilter<(Response,)> {
                path.and(rest)
                    .then(move |$($p: String,)* request: R| handler.call(($($p,)*), request))
                    .boxed()
            }
        }
    };
    (@string $p:ident) => { String };
}

arity!();
arity!(a);
arity!(a, b);

/// A feature's API routes: each reads its [`Request`] (with the feature's `state`) after its
/// path and method.
pub struct Api<S: Site, St> {
    platform: Arc<S>,
    state: St,
    guard: BoxedFilter<()>,
    limit: u64,
    no_store: bool,
}

impl<S: Site, St: Clone> Clone for Api<S, St> {
    fn clone(&self) -> Self {
        Api {
            platform: self.platform.clone(),
            state: self.state.clone(),
            guard: self.guard.clone(),
            limit: self.limit,
            no_store: self.no_store,
        }
    }
}

impl<S: Site, St: Clone + Send + Sync + 'static> Api<S, St> {
    /// Routes whose bodies may have [`JSON_LIMIT`] bytes, answers as their handlers set them.
    pub fn new(platform: Arc<S>, state: St) -> Api<S, St> {
        Api {
            platform,
            state,
            guard: warp::any().boxed(),
            limit: JSON_LIMIT,
            no_store: false,
        }
    }

    /// Every answer is `no-store` unless its handler set a `Cache-Control`.
    pub fn no_store(mut self) -> Api<S, St> {
        self.no_store = true;
        self
    }

    /// The same routes with bodies of at most `limit` bytes.
    pub fn limit(&self, limit: u64) -> Api<S, St> {
        Api {
            limit,
            ..self.clone()
        }
    }

    /// The same routes behind `guard` (a rate limit), checked after the method.
    pub fn guarded(
        &self,
        guard: impl Filter<Extract = (), Error = Rejection> + Clone + Send + Sync + 'static,
    ) -> Api<S, St> {
        Api {
            guard: guard.boxed(),
            ..self.clone()
        }
    }

    /// `method` on `path`, answered by `handler`.
    pub fn on<P: Params, B: Body, H: Handler<P, Request<S, St, B>>>(
        &self,
        method: impl Filter<Extract = (), Error = Rejection> + Clone + Send + Sync + 'static,
        path: impl Filter<Extract = P, Error = Rejection> + Clone + Send + Sync + 'static,
        handler: H,
    ) -> BoxedFilter<(Response,)> {
        let (platform, state) = (self.platform.clone(), self.state.clone());
        let request = request::<S, St, B>(platform, state, self.limit, self.no_store);
        let rest = method.and(self.guard.clone()).and(request).boxed();
        P::serve(path, rest, handler)
    }
}

/// A route table, one line a route: `builder.method(path segments) => handler`, where
/// `builder` is an [`Api`] (or one with another body limit or guard), `method` one of its
/// route builders and the segments those of `warp::path!`. Gives the routes in the table's
/// order, for [`crate::web::combine`]:
///
/// ```ignore
/// let routes = veche_core::api_routes![
///     api.get("api" / "v1" / "ideas" / String) => ideas::get_idea,
///     bulk.post("api" / "v1" / "moderation" / "ideas" / "decisions") => moderation::decide_many,
/// ];
/// ```
#[macro_export]
macro_rules! api_routes {
    ($($builder:ident . $method:ident ($($path:tt)*) => $handler:path),* $(,)?) => {
        vec![$($builder.$method(::warp::path!($($path)*), $handler)),*]
    };
}

/// The route builders of one method each.
macro_rules! methods {
    ($($name:ident: $method:expr),*) => {
        impl<S: Site, St: Clone + Send + Sync + 'static> Api<S, St> {
            $(
                #[doc = concat!("`", stringify!($name), "` on `path`, answered by `handler`.")]
                pub fn $name<P: Params, B: Body, H: Handler<P, Request<S, St, B>>>(
                    &self,
                    path: impl Filter<Extract = P, Error = Rejection> + Clone + Send + Sync + 'static,
                    handler: H,
                ) -> BoxedFilter<(Response,)> {
                    self.on($method, path, handler)
                }
            )*
        }
    };
}

methods!(get: warp::get(), post: warp::post(), put: warp::put(), patch: warp::patch(),
    delete: warp::delete(), put_or_delete: warp::put().or(warp::delete()).unify());
