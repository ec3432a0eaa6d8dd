//! A feature's page routes: [`Pages`] gives the filters a page or a form reads after its path
//! (the context, the feature's state, the query or the form), and [`crate::page_routes!`]
//! writes the route table, one line a route, as [`crate::api_routes!`] does for the API.

use std::collections::HashMap;
use std::sync::Arc;

use warp::{Filter, Rejection};

use crate::web::uploads::{form_limit, multipart_form, Files};
use crate::web::{form, page_ctx, with_state, Ctx, Form, Site};

/// The filters of a feature's pages, each after the route's path: a page (`get`), a form
/// (`post`) and a form with files (`with_files`, within the limit given to [`Pages::files`]).
pub struct Pages<S: Site, St> {
    platform: Arc<S>,
    state: St,
    files_limit: u64,
}

impl<S: Site, St: Clone + Send + Sync + 'static> Pages<S, St> {
    /// The pages of a feature whose handlers take `state`; a form with files takes one file.
    pub fn new(platform: Arc<S>, state: St) -> Pages<S, St> {
        Pages {
            platform,
            state,
            files_limit: form_limit(1),
        }
    }

    /// Forms with files of at most `limit` bytes (see [`form_limit`]).
    pub fn files(mut self, limit: u64) -> Pages<S, St> {
        self.files_limit = limit;
        self
    }

    /// A page: `(Ctx, state, query)`.
    pub fn get(
        &self,
    ) -> impl Filter<Extract = (Ctx<S>, St, HashMap<String, String>), Error = Rejection> + Clone
    {
        warp::get()
            .and(page_ctx(self.platform.clone()))
            .and(with_state(self.state.clone()))
            .and(warp::query::<HashMap<String, String>>())
    }

    /// A form: `(Ctx, Form, state)`, its CSRF token checked.
    pub fn post(&self) -> impl Filter<Extract = (Ctx<S>, Form, St), Error = Rejection> + Clone {
        warp::post()
            .and(form(self.platform.clone()))
            .and(with_state(self.state.clone()))
    }

    /// A form with files: `(Ctx, Form, Files, state)`, its CSRF token checked.
    pub fn with_files(
        &self,
    ) -> impl Filter<Extract = (Ctx<S>, Form, Files, St), Error = Rejection> + Clone {
        warp::post()
            .and(multipart_form(self.platform.clone(), self.files_limit))
            .and(with_state(self.state.clone()))
    }
}

/// A page route table, one line a route: `pages.filter(path segments) => handler`, where
/// `pages` is a [`Pages`], `filter` one of its filters (`get`, `post`, `with_files`) and the
/// segments those of `warp::path!`; the handler takes the path's parameters, then what the
/// filter yields. Gives the routes in the table's order, for [`crate::web::combine`]:
///
/// ```ignore
/// let routes = veche_core::page_routes![
///     pages.get("ideas" / String) => residents::idea_page,
///     pages.post("ideas" / String / "support") => residents::support_submit,
/// ];
/// ```
#[macro_export]
macro_rules! page_routes {
    ($($pages:ident . $filter:ident ($($path:tt)*) => $handler:path),* $(,)?) => {
        vec![$(::warp::Filter::boxed(::warp::Filter::then(
            ::warp::Filter::and(::warp::path!($($path)*), $pages.$filter()),
            $handler,
        ))),*]
    };
}
