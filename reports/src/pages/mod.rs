//! The reports' pages. For now only the office's (moderators, officials, admins); the
//! residents' pages join them here.

pub mod office;

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;

use veche_core::platform::Platform;

use crate::service::Reports;

pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    office::routes(platform, reports)
}
