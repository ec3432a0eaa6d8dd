//! `GET /open311/v2/discovery.{fmt}`: the spec's service discovery file: where the endpoint
//! is, what it speaks, where a key comes from.

use http::StatusCode;
use warp::reply::Response;

use super::errors::Open311Error;
use super::xml::Doc;
use super::Open311;

/// The spec this endpoint implements.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// When this endpoint's definition (its resources, formats and attributes) last changed.
/// Categories change without it: clients read `services` again as they please.
pub const CHANGESET: &str = "2026-12-06T00:00:00Z";

/// The discovery file: one production endpoint, XML and JSON; `key_service` says how a key
/// is had (a resident makes an API token on their profile page; an application asks an admin).
pub async fn discovery(o: &Open311) -> Result<Response, Open311Error> {
    let base = &o.platform.config.public_url;
    let url = |path: &str| {
        base.join(path)
            .map_or_else(|_| base.to_string(), |u| u.to_string())
    };
    let key_service = o.t1("reports-open311-key-service", "profile", &url("profile"));
    let doc = Doc::Fields(vec![
        ("changeset", Doc::text(CHANGESET)),
        ("contact", Doc::text(url(""))),
        ("key_service", Doc::text(key_service)),
        (
            "endpoints",
            Doc::List(
                "endpoint",
                vec![Doc::Fields(vec![
                    ("specification", Doc::text(SPECIFICATION)),
                    ("url", Doc::text(url("open311/v2"))),
                    ("changeset", Doc::text(CHANGESET)),
                    ("type", Doc::text("production")),
                    (
                        "formats",
                        Doc::List(
                            "format",
                            vec![Doc::text("text/xml"), Doc::text("application/json")],
                        ),
                    ),
                ])],
            ),
        ),
    ]);
    Ok(o.answer(StatusCode::OK, "discovery", &doc))
}
