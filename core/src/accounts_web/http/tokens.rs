//! API tokens (`/api/v1/tokens`).

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;
use warp::reply::Response;

use crate::accounts::service::{self};
use crate::accounts_web::views::*;
use crate::id::TokenId;
use crate::platform::Ctx;
use crate::web::idempotency::{self, Outcome};
use crate::web::problem::{Problem, ProblemDocument};
use crate::web::ratelimit::CoreLimit;
use crate::web::respond;

use super::*;

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = TokenList), (status = 401, body = ProblemDocument)))]
pub async fn list_tokens(ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let tokens = ctx.platform.store.tokens_of(&who.account.id).await?;
        Ok(respond::json(
            StatusCode::OK,
            &TokenList {
                items: tokens.iter().map(TokenView::from).collect(),
            },
        ))
    }
    .await;
    ctx.finish(result)
}

/// Creates an API token. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "A replay answers with `token: null`")),
    responses((status = 201, body = TokenCreated), (status = 401, body = ProblemDocument),
        (status = 422, description = "`validation_failed` (`too_many_tokens` at 20)", body = ProblemDocument),
        (status = 429, body = ProblemDocument)))]
pub async fn create_token(
    ctx: Ctx,
    key: Option<String>,
    body: Body<TokenInput>,
    raw: Bytes,
) -> Response {
    let result = async {
        let who = ctx.signed_in()?.clone();
        let input = body?;
        ctx.platform
            .limits
            .check(CoreLimit::TokensAccount, who.account.id.as_str())?;
        idempotency::once(&ctx, "tokens.create", key, &raw, || async {
            let (token, secret) =
                service::create_token(&ctx.platform, &who.account.id, &input.name).await?;
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
    }
    .await;
    ctx.finish(result)
}

/// Revokes one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
pub async fn delete_token(id: String, ctx: Ctx) -> Response {
    let result = async {
        let who = ctx.signed_in()?;
        let id = TokenId::parse(&id).ok_or_else(Problem::not_found)?;
        service::revoke_token(&ctx.platform, &who.account.id, &id).await?;
        Ok(respond::no_content())
    }
    .await;
    ctx.finish(result)
}
