//! Who is asking: a browser with a session cookie, or a program with a bearer token. The web
//! kit asks the platform, which asks [`authenticate`].

use std::sync::Arc;
use std::time::Duration;

use super::identity::{self, Resolved};
use super::model::{Account, AccountState, Role};
use super::Accounts;
use crate::clock;
use crate::id::AccountId;
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

/// Resolves the principal, from what this server resolved in the last minute when it can
/// (see [`super::identity`]), else from the store. A bearer token that does not resolve is a
/// 401 (`invalid_token`): a program should hear that its token is wrong. A session cookie that
/// does not resolve (expired, revoked, blocked account) just means signed out.
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
        return match bearer(accounts, &token_hash(token)).await? {
            Some(principal) => Ok(Some(principal)),
            None => Err(Problem::new(
                http::StatusCode::UNAUTHORIZED,
                "invalid_token",
            )),
        };
    }
    let Some(cookie) = session_cookie.filter(|c| !c.is_empty() && c.len() <= 128) else {
        return Ok(None);
    };
    session(accounts, token_hash(cookie)).await
}

/// The principal of the API token with this hash, if it resolves.
async fn bearer(accounts: &Accounts, hash: &str) -> Result<Option<Principal>, Problem> {
    let key = identity::token_key(hash);
    let now = clock::now();
    let resolved = match accounts.identities.get(&key) {
        Some(kept) => kept,
        None => {
            let Some(stored) = accounts.store.token_by_hash(hash).await? else {
                return Ok(None);
            };
            let Some(account) = active(accounts, &stored.account_id).await? else {
                return Ok(None);
            };
            let resolved = Resolved {
                account,
                via: Via::Token { id: stored.id },
                session: None,
                token_used: stored.last_used_at,
            };
            accounts.identities.put(key.clone(), resolved.clone(), now);
            Arc::new(resolved)
        }
    };
    if resolved.token_used.is_none_or(|at| now - at > TOUCH_EVERY) {
        // Bookkeeping: the request does not wait for it, and the uses of many tokens are
        // written together (a voting spike must not pay a write per request).
        accounts.record_token_use(hash, now);
        accounts.identities.update(
            &key,
            Resolved {
                token_used: Some(now),
                ..(*resolved).clone()
            },
        );
    }
    Ok(Some(principal(&resolved)))
}

/// The principal of the session with this cookie hash, if it is live.
async fn session(accounts: &Accounts, id_hash: String) -> Result<Option<Principal>, Problem> {
    let key = identity::session_key(&id_hash);
    let now = clock::now();
    // A kept session that is due for renewal (or looks expired) is read again: another server
    // may have renewed it since.
    if let Some(kept) = accounts.identities.get(&key) {
        let fresh = kept
            .session
            .as_ref()
            .is_some_and(|s| s.expires_at > now && now - s.last_seen_at <= RENEW_EVERY);
        if fresh {
            return Ok(Some(principal(&kept)));
        }
    }
    let Some(mut session) = accounts.store.session(&id_hash).await? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        accounts.store.delete_session(&id_hash).await?;
        accounts.identities.evict(&key, now);
        return Ok(None);
    }
    let Some(account) = active(accounts, &session.account_id).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at > RENEW_EVERY {
        let expires_at = accounts.config.session_expiry(session.created_at, now);
        accounts
            .store
            .renew_session(&id_hash, now, expires_at)
            .await?;
        session.last_seen_at = now;
        session.expires_at = expires_at;
    }
    let resolved = Resolved {
        account,
        via: Via::Session { id_hash },
        session: Some(session),
        token_used: None,
    };
    accounts.identities.put(key, resolved.clone(), now);
    Ok(Some(principal(&resolved)))
}

/// The account, unless it is gone or blocked.
async fn active(accounts: &Accounts, id: &AccountId) -> Result<Option<Account>, Problem> {
    Ok(accounts
        .store
        .account(id)
        .await?
        .filter(|a| a.state != AccountState::Blocked))
}

fn principal(resolved: &Resolved) -> Principal {
    Principal {
        account: resolved.account.clone(),
        via: resolved.via.clone(),
    }
}
