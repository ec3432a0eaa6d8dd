//! Every route of the application, with a shortcut past warp's chain.
//!
//! The parts' routes (ops, then each feature's) are boxed filters joined by `or`, tried one
//! after the other: a request for the last feature's path pays for every filter before it
//! (a 404 after the whole chain cost five times a `/healthz`). So the router remembers, for
//! each path's first segments (`ideas`, or `api/v1/ideas` under `/api`), which part answered
//! last, and tries that part first: when it rejects the request (another part's path under
//! the same segments), the whole chain runs as before. Which part answers a request is the
//! same either way, as the parts' paths do not overlap: the first that matches in the chain is
//! the only one that matches.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::RwLock;

use http::Request;
use hyper::body::Incoming;
use tower_service::Service;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Rejection};

/// Remembered first segments at the most (what no part answers is not remembered).
const KEYS_MAX: usize = 512;
/// A key longer than this is not remembered.
const KEY_LEN_MAX: usize = 64;

tokio::task_local! {
    /// Which part answered the request this task serves.
    static ANSWERED: std::cell::Cell<Option<usize>>;
}

type Routes = BoxedFilter<(Response,)>;

pub struct Router {
    /// Every part in order, then the recovery: never rejects.
    full: Routes,
    /// Part `i` first, then `full`.
    shortcuts: Vec<Routes>,
    learned: RwLock<HashMap<String, usize>>,
}

impl Router {
    /// `parts` in the order the chain tries them; `recover` answers what none answered.
    ///
    /// A shortcut falls back on the chain only when its part has no route for the path
    /// (warp's not-found rejection, met before a body is read). Any other refusal of the part
    /// (a CSRF check, a method, a body too large) is answered there, by `recover`, as the
    /// chain would answer it: the request's body may have been read already.
    pub fn new<R, Fut>(parts: Vec<Routes>, recover: R) -> Router
    where
        R: Fn(Rejection) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, Infallible>> + Send + 'static,
    {
        let marked: Vec<Routes> = parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                part.map(move |response: Response| {
                    let _ = ANSWERED.try_with(|a| a.set(Some(i)));
                    response
                })
                .boxed()
            })
            .collect();
        let full = veche_core::web::combine(marked.clone())
            .recover(recover.clone())
            .unify()
            .boxed();
        let shortcuts = marked
            .into_iter()
            .map(|part| {
                let recover = recover.clone();
                part.recover(move |rejection: Rejection| {
                    let recover = recover.clone();
                    async move {
                        if rejection.is_not_found() {
                            return Err(rejection);
                        }
                        match recover(rejection).await {
                            Ok(response) => Ok(response),
                            Err(never) => match never {},
                        }
                    }
                })
                .unify()
                .or(full.clone())
                .unify()
                .boxed()
            })
            .collect();
        Router {
            full,
            shortcuts,
            learned: RwLock::new(HashMap::new()),
        }
    }

    /// Routes only the chain (a router without shortcuts; the workers' health routes).
    pub fn plain(routes: Routes) -> Router {
        Router {
            full: routes,
            shortcuts: Vec::new(),
            learned: RwLock::new(HashMap::new()),
        }
    }

    /// Answers `request`: through the part that answered its first segments last time, else
    /// through the whole chain; and remembers which part answered.
    pub async fn answer(&self, request: Request<Incoming>) -> Result<Response, Infallible> {
        let key = key(request.uri().path());
        let known = key.as_deref().and_then(|k| {
            self.learned
                .read()
                .ok()
                .and_then(|learned| learned.get(k).copied())
        });
        let routes = known
            .and_then(|i| self.shortcuts.get(i))
            .unwrap_or(&self.full);
        let mut service = warp::service(routes.clone());
        let (response, answered) = ANSWERED
            .scope(std::cell::Cell::new(None), async move {
                let response = service.call(request).await;
                (response, ANSWERED.with(|a| a.get()))
            })
            .await;
        if let (Some(key), Some(answered)) = (key, answered) {
            if known != Some(answered) {
                if let Ok(mut learned) = self.learned.write() {
                    if learned.len() < KEYS_MAX || learned.contains_key(&key) {
                        learned.insert(key, answered);
                    }
                }
            }
        }
        response
    }
}

/// What the router remembers a path by: its first segment, or its first three under `/api`
/// (`api/v1/ideas`); none for a path too long to be one of ours.
fn key(path: &str) -> Option<String> {
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next()?;
    let key = if first == "api" {
        let version = segments.next().unwrap_or_default();
        let resource = segments.next().unwrap_or_default();
        format!("api/{version}/{resource}")
    } else {
        first.to_string()
    };
    (key.len() <= KEY_LEN_MAX).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn a_path_is_remembered_by_its_first_segments() {
        assert_eq!(
            key("/api/v1/ideas/01J/support").as_deref(),
            Some("api/v1/ideas")
        );
        assert_eq!(key("/api/v1/me").as_deref(), Some("api/v1/me"));
        assert_eq!(key("/api").as_deref(), Some("api//"));
        assert_eq!(key("/reports/new/map.svg").as_deref(), Some("reports"));
        assert_eq!(key("/").as_deref(), Some(""));
        assert_eq!(key(&format!("/{}", "a".repeat(65))), None);
    }
}
