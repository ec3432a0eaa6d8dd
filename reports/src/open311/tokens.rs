//! `GET /open311/v2/tokens/{token}.{fmt}`: the spec's way to learn a request's id when filing
//! was not synchronous. Veche files synchronously (every service's `type` is `realtime`), so
//! the POST answers the id and no token; a client that asks anyway with the id as the token
//! is answered the id, for any request the public may see.

use http::StatusCode;
use warp::reply::Response;

use super::errors::Open311Error;
use super::requests::public;
use super::xml::Doc;
use super::Open311;

pub async fn token(o: &Open311, token: &str) -> Result<Response, Open311Error> {
    let report = public(o, token).await?.ok_or_else(|| {
        Open311Error::not_found(o.t1("reports-open311-err-token-unknown", "token", token))
    })?;
    let doc = Doc::List(
        "request",
        vec![Doc::Fields(vec![
            ("service_request_id", Doc::text(report.id.as_str())),
            ("token", Doc::text(report.id.as_str())),
        ])],
    );
    Ok(o.answer(StatusCode::OK, "service_requests", &doc))
}
