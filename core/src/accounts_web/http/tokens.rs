//! API tokens (`/api/v1/tokens`).

use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use crate::accounts::service::{self};
use crate::accounts_web::views::*;
use crate::id::TokenId;
use crate::web::idempotency::Outcome;
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::CoreLimit;
use crate::web::respond;

use super::*;

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = TokenList), (status = 401, body = ProblemDocument)))]
pub async fn list_tokens(req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let tokens = req.platform.store.tokens_of(&who.account.id).await?;
        Ok(respond::ok(&TokenList {
            items: tokens.iter().map(TokenView::from).collect(),
        }))
    })
    .await
}

/// Creates an API token. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "A replay answers with `token: null`")),
    responses((status = 201, body = TokenCreated), (status = 401, body = ProblemDocument),
        (status = 422, description = "`validation_failed` (`too_many_tokens` at 20)", body = ProblemDocument),
        (status = 429, body = ProblemDocument)))]
pub async fn create_token(req: Req<TokenInput>) -> Response {
    req.answer(async {
        let who = req.signed_in()?.clone();
        let input = req.input()?;
        req.platform
            .limits
            .check(CoreLimit::TokensAccount, who.account.id.as_str())?;
        req.once("tokens.create", || async {
            let (token, secret) =
                service::create_token(&req.platform, &who.account.id, &input.name).await?;
            let view = |secret: Option<String>| TokenCreated {
                id: token.id.to_string(),
                name: token.name.clone(),
                token: secret,
                created_at: token.created_at,
            };
            Ok(Outcome {
                status: StatusCode::CREATED,
                body: json!(view(Some(secret))),
                location: Some(format!("/api/v1/tokens/{}", token.id)),
                replay_body: Some(json!(view(None))),
            })
        })
        .await
    })
    .await
}

/// Revokes one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub async fn delete_token(id: String, req: Req) -> Response {
    req.answer(async {
        let who = req.signed_in()?;
        let id = TokenId::parse(&id).ok_or_else(Problem::not_found)?;
        service::revoke_token(&req.platform, &who.account.id, &id).await?;
        Ok(respond::no_content())
    })
    .await
}
