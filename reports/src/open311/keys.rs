//! Application keys. An Open311 `api_key` is a core API token (`vch_…`): a resident's own, made
//! on their profile page or with `POST /api/v1/tokens`, or one an admin issues for an
//! application (a city app, a partner's front end) with `POST /api/v1/open311-keys`. The
//! application has an account of its own (it signs up like anyone; its email hears of its
//! reports as an author does); the admin names it and the application, and core makes the
//! token (shown once, kept as its hash) with the name `Open311: <application>`. No secret is
//! kept anywhere else. The key is revoked as any token is: by its account
//! (`DELETE /api/v1/tokens/{id}`) or by an admin blocking the account. Filing with it takes
//! the account's cell of the filing rate limit, as the API's filing does.

use std::sync::Arc;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::filters::BoxedFilter;
use warp::path;
use warp::reply::Response;

use veche_core::accounts::model::{AccountState, Role};
use veche_core::id::AccountId;
use veche_core::platform::Platform;
use veche_core::web::api::{Api, Request};
use veche_core::web::idempotency::Outcome;
use veche_core::web::problem::{Invalid, Problem, ProblemDocument};
use veche_core::web::responses::{CreateHeaders, Guarded};

use crate::service::{ReportError, Reports};

/// What an admin sends to issue an application's key.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    /// The application's account (it signed up like anyone).
    pub account_id: String,
    /// The application's name (1 to 50 characters): the token is named `Open311: <name>`.
    pub application: String,
}

/// An issued key: `api_key` is the secret, in this answer only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyIssued {
    /// The core API token's id (what revoking it names).
    pub token_id: String,
    pub account_id: String,
    pub name: String,
    /// Null when an idempotent retry replays the issue (the secret is never stored).
    pub api_key: Option<String>,
}

type Req<B> = Request<Platform, Arc<Reports>, B>;

/// Issues an Open311 key for an application's account (admins). Audited.
#[utoipa::path(post, path = "/api/v1/open311-keys", tag = "reports",
    request_body = KeyInput,
    params(CreateHeaders),
    responses((status = 201, description = "The key, shown once", body = KeyIssued), Guarded,
        (status = 404, description = "`not_found`: no such account", body = ProblemDocument),
        (status = 422, description = "`validation_failed`: `application`, `account_id` (`blocked`, `too_many_tokens`)", body = ProblemDocument)))]
pub async fn issue_key(req: Req<KeyInput>) -> Response {
    req.answer(async {
        let admin = req.with_role(Role::Admin)?.account.clone();
        let input = req.input()?;
        let application = input.application.trim();
        if application.is_empty() || application.chars().count() > 50 {
            return Err(ReportError::Invalid(Invalid::new("application", "length")).problem());
        }
        let id = AccountId::parse(input.account_id.trim()).ok_or_else(Problem::not_found)?;
        let account = req
            .platform
            .store
            .account(&id)
            .await?
            .ok_or_else(Problem::not_found)?;
        if account.state == AccountState::Blocked {
            return Err(ReportError::Invalid(Invalid::new("account_id", "blocked")).problem());
        }
        req.once("open311.key", || async {
            let name = format!("Open311: {application}");
            let (token, secret) =
                veche_core::accounts::service::create_token(&req.platform, &account.id, &name)
                    .await?;
            req.platform
                .audit(
                    &admin.id,
                    "open311.key_issued",
                    format!("account:{}", account.id),
                    None,
                    json!({ "token_id": token.id.to_string(), "application": application }),
                )
                .await?;
            let issued = |api_key: Option<String>| KeyIssued {
                token_id: token.id.to_string(),
                account_id: account.id.to_string(),
                name: token.name.clone(),
                api_key,
            };
            Ok(Outcome {
                status: StatusCode::CREATED,
                body: json!(issued(Some(secret))),
                location: None,
                replay_body: Some(json!(issued(None))),
            })
        })
        .await
    })
    .await
}

/// The admin route (JSON API conventions: problem documents, CSRF for a cookie session).
pub fn routes(platform: Arc<Platform>, reports: Arc<Reports>) -> BoxedFilter<(Response,)> {
    let api = Api::new(platform, reports).no_store().limit(4 * 1024);
    api.post(path!("api" / "v1" / "open311-keys"), issue_key)
}
