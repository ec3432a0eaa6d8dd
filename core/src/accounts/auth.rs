//! Who is asking: a browser with a session cookie, or a program with a bearer token. The web
//! kit asks the platform, which asks [`authenticate`].

use std::time::Duration;

use super::model::{Account, AccountState, Role};
use super::Accounts;
use crate::clock;
use crate::random::token_hash;
use crate::web::auth::{Identity, Via};
use crate::web::problem::Problem;

/// A signed-in account and how it authenticated.
#[derive(Clone, Debug)]
pub struct Principal {
    pub account: Account,
    pub via: Via,
}

impl Principal {
    /// The session's key when signed in by cookie.
    pub fn session_hash(&self) -> Option<&str> {
        Identity::session_hash(self)
    }
}

impl Identity for Principal {
    type Role = Role;

    fn key(&self) -> String {
        format!("account:{}", self.account.id)
    }

    fn display_name(&self) -> &str {
        self.account.display_name.as_str()
    }

    fn has_role(&self, role: Role) -> bool {
        self.account.has_role(role)
    }

    fn via(&self) -> &Via {
        &self.via
    }
}

/// Renew a session's expiry at most this often, so a busy browser does not cost a write per
/// request.
const RENEW_EVERY: Duration = Duration::from_secs(300);
/// Record a token's last use at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Resolves the principal. A bearer token that does not resolve is a 401 (`invalid_token`): a
/// program should hear that its token is wrong. A session cookie that does not resolve (expired,
/// revoked, blocked account) just means signed out.
pub async fn authenticate(
    accounts: &Accounts,
    session_cookie: Option<&str>,
    authorization: Option<&str>,
) -> Result<Option<Principal>, Problem> {
    if let Some(header) = authorization {
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(|| Problem::new(http::StatusCode::UNAUTHORIZED, "invalid_token"))?;
        let invalid = || Problem::new(http::StatusCode::UNAUTHORIZED, "invalid_token");
        let stored = accounts
            .store
            .token_by_hash(&token_hash(token))
            .await?
            .ok_or_else(invalid)?;
        let account = accounts
            .store
            .account(&stored.account_id)
            .await?
            .filter(|a| a.state != AccountState::Blocked)
            .ok_or_else(invalid)?;
        let now = clock::now();
        if stored.last_used_at.is_none_or(|at| now - at > TOUCH_EVERY) {
            // Bookkeeping: the request does not wait for it, and the uses of many tokens are
            // written together (a voting spike must not pay a write per request).
            accounts.record_token_use(&stored.hash, now);
        }
        return Ok(Some(Principal {
            account,
            via: Via::Token { id: stored.id },
        }));
    }
    let Some(cookie) = session_cookie.filter(|c| !c.is_empty() && c.len() <= 128) else {
        return Ok(None);
    };
    let id_hash = token_hash(cookie);
    let Some(session) = accounts.store.session(&id_hash).await? else {
        return Ok(None);
    };
    let now = clock::now();
    if session.expires_at <= now {
        accounts.store.delete_session(&id_hash).await?;
        return Ok(None);
    }
    let Some(account) = accounts
        .store
        .account(&session.account_id)
        .await?
        .filter(|a| a.state != AccountState::Blocked)
    else {
        return Ok(None);
    };
    if now - session.last_seen_at > RENEW_EVERY {
        let expires_at = accounts.config.session_expiry(session.created_at, now);
        accounts
            .store
            .renew_session(&id_hash, now, expires_at)
            .await?;
    }
    Ok(Some(Principal {
        account,
        via: Via::Session { id_hash },
    }))
}
