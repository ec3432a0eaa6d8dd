//! The account rules: sign-up, sign-in, sessions, passwords, API tokens, and the admin's
//! roles, blocks and organisations. Handlers parse input and call these; these call the store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use http::StatusCode;
use serde_json::json;

use super::model::{
    parse_organisation_name, parse_token_name, Account, AccountState, ApiToken, BirthYear,
    DisplayName, Email, Invalid, Organisation, Password, Role, Session,
};
use crate::clock;
use crate::error::StoreError;
use crate::id::{AccountId, AuditId, DistrictId, OrganisationId, TokenId};
use crate::notify::{kinds, Notification, Recipient};
use crate::platform::{Directory, Platform};
use crate::random;
use crate::store::AuditEntry;
use crate::web::i18n::Lang;
use crate::web::problem::Problem;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<Invalid>),
    #[error("the email address is taken")]
    EmailTaken,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("the account is blocked")]
    Blocked,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("no such account")]
    NotFound,
    #[error("an official must belong to an organisation")]
    OrganisationRequired,
    #[error("no such organisation")]
    UnknownOrganisation,
    #[error("an admin cannot take away their own admin role or block themselves")]
    SelfLockout,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the link is unknown, used or expired")]
    LinkInvalid,
    #[error("the address is confirmed already")]
    AlreadyVerified,
    #[error("the email could not be queued: {0}")]
    Mail(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<Invalid> for AccountError {
    fn from(invalid: Invalid) -> Self {
        AccountError::Invalid(vec![invalid])
    }
}

impl From<AccountError> for Problem {
    fn from(err: AccountError) -> Problem {
        match err {
            AccountError::Invalid(list) => {
                let all: Vec<_> = list
                    .iter()
                    .map(|i| json!({ "field": i.field, "reason": i.code }))
                    .collect();
                match list.into_iter().next() {
                    Some(first) => Problem::invalid(first).with("errors", all),
                    None => Problem::unprocessable("validation_failed"),
                }
            }
            AccountError::EmailTaken => Problem::conflict("email_taken").with("field", "email"),
            AccountError::InvalidCredentials => {
                Problem::new(StatusCode::UNAUTHORIZED, "invalid_credentials")
            }
            AccountError::Blocked => Problem::new(StatusCode::FORBIDDEN, "account_blocked"),
            AccountError::WrongPassword => {
                Problem::unprocessable("wrong_password").with("field", "current_password")
            }
            AccountError::NotFound => Problem::not_found(),
            AccountError::OrganisationRequired => {
                Problem::unprocessable("organisation_required").with("field", "organisation_id")
            }
            AccountError::UnknownOrganisation => {
                Problem::unprocessable("unknown_organisation").with("field", "organisation_id")
            }
            AccountError::SelfLockout => Problem::conflict("self_lockout"),
            AccountError::ReasonRequired => {
                Problem::unprocessable("reason_required").with("field", "reason")
            }
            AccountError::LinkInvalid => Problem::new(StatusCode::GONE, "link_invalid"),
            AccountError::AlreadyVerified => Problem::conflict("already_verified"),
            AccountError::Mail(cause) => {
                tracing::error!(%cause, "enqueuing an email");
                Problem::unavailable(5)
            }
            AccountError::Store(e) => e.into(),
            AccountError::Hashing(cause) => {
                tracing::error!(%cause, "password hashing");
                Problem::internal()
            }
        }
    }
}

pub type AccountResult<T> = Result<T, AccountError>;

/// Argon2id with the OWASP minimum: m = 19456 KiB, t = 2, p = 1.
fn argon2() -> AccountResult<Argon2<'static>> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| AccountError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes on a blocking thread: ~20 ms of CPU that must not stall the async workers.
pub async fn hash_password(password: &Password) -> AccountResult<String> {
    let password = password.expose().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that an unknown address takes as
/// long as a wrong password and the two cannot be told apart by timing.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .ok()
        .and_then(|a| a.hash_password(b"not a password of anyone", &salt).ok())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Sign-up as submitted (API JSON or form), before parsing.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub district_id: String,
    pub birth_year: i64,
}

pub struct SignUp {
    pub email: Email,
    pub password: Password,
    pub display_name: DisplayName,
    pub district_id: DistrictId,
    pub birth_year: BirthYear,
}

pub fn this_year() -> i32 {
    clock::now().year()
}

impl SignUpInput {
    /// Every problem at once, so a form can mark all wrong fields in one round.
    pub fn parse(&self, directory: &Directory) -> Result<SignUp, Vec<Invalid>> {
        let mut errors = Vec::new();
        let email = Email::parse(&self.email).map_err(|e| errors.push(e)).ok();
        let password = Password::parse(&self.password)
            .map_err(|e| errors.push(e))
            .ok();
        let display_name = DisplayName::parse(&self.display_name)
            .map_err(|e| errors.push(e))
            .ok();
        let district_id = parse_district(directory, &self.district_id)
            .map_err(|e| errors.push(e))
            .ok();
        let birth_year = BirthYear::parse(self.birth_year, this_year())
            .map_err(|e| errors.push(e))
            .ok();
        if let (Some(email), Some(password)) = (&email, &password) {
            if password.expose().to_lowercase() == email.as_str() {
                errors.push(Invalid {
                    field: "password",
                    code: "same_as_email",
                });
            }
        }
        match (email, password, display_name, district_id, birth_year) {
            (
                Some(email),
                Some(password),
                Some(display_name),
                Some(district_id),
                Some(birth_year),
            ) if errors.is_empty() => Ok(SignUp {
                email,
                password,
                display_name,
                district_id,
                birth_year,
            }),
            _ => Err(errors),
        }
    }
}

pub fn parse_district(directory: &Directory, raw: &str) -> Result<DistrictId, Invalid> {
    if raw.trim().is_empty() {
        return Err(Invalid {
            field: "district_id",
            code: "required",
        });
    }
    directory
        .district(raw.trim())
        .map(|d| d.id.clone())
        .ok_or(Invalid {
            field: "district_id",
            code: "unknown_district",
        })
}

/// Creates a resident account (unverified until the address is confirmed) and sends the link
/// that confirms the address. The account records, in the same write, that it owes that email;
/// a crash before the email reaches the outbox is repaired by [`super::mail::relay_pending`].
pub async fn sign_up(platform: &Platform, input: SignUp, lang: Lang) -> AccountResult<Account> {
    let now = clock::now();
    let account = Account {
        id: AccountId::generate(),
        email: input.email,
        display_name: input.display_name,
        district_id: input.district_id,
        birth_year: input.birth_year,
        password_hash: hash_password(&input.password).await?,
        roles: BTreeSet::from([Role::Resident]),
        organisation_id: None,
        state: AccountState::Unverified,
        created_at: now,
        updated_at: now,
        mail_pending_since: Some(now),
        lang,
    };
    match platform.store.insert_account(&account).await {
        Ok(()) => {}
        Err(e) if e.is_conflict_on("email") => return Err(AccountError::EmailTaken),
        Err(e) => return Err(e.into()),
    }
    // The account stands; the email is owed. If this fails the sweep sends it.
    if let Err(e) = super::mail::settle_pending(platform, &account).await {
        tracing::warn!(account = %account.id, error = %e, "verification email left to the sweep");
    }
    Ok(account)
}

/// Checks the credentials. An unknown address and a wrong password give the same error after
/// the same work. A blocked account hears so only when the password was right.
pub async fn check_credentials(
    platform: &Platform,
    email: &str,
    password: &str,
) -> AccountResult<Account> {
    let found = match Email::parse(email) {
        Ok(email) => platform.store.account_by_email(email.as_str()).await?,
        Err(_) => None,
    };
    let password = if password.len() > 4 * Password::MAX_LEN {
        ""
    } else {
        password
    };
    let Some(account) = found else {
        verify_password(password, &DUMMY_HASH).await;
        return Err(AccountError::InvalidCredentials);
    };
    if !verify_password(password, &account.password_hash).await {
        return Err(AccountError::InvalidCredentials);
    }
    if account.state == AccountState::Blocked {
        return Err(AccountError::Blocked);
    }
    Ok(account)
}

/// Starts a session and returns the cookie value (shown to the browser only).
pub async fn start_session(platform: &Platform, account: &AccountId) -> AccountResult<String> {
    let secret = random::token();
    let now = clock::now();
    platform
        .store
        .insert_session(&Session {
            id_hash: random::token_hash(&secret),
            account_id: account.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: platform.config.session_expiry(now, now),
        })
        .await?;
    Ok(secret)
}

pub fn session_cookie(platform: &Platform, secret: &str) -> String {
    crate::web::respond::cookie(
        crate::web::SESSION_COOKIE,
        secret,
        platform.config.session_max.as_secs(),
        platform.config.https(),
    )
}

pub async fn end_session(platform: &Platform, id_hash: &str) -> AccountResult<()> {
    Ok(platform.store.delete_session(id_hash).await?)
}

/// Changes the password after checking the current one, and ends every session of the account.
pub async fn change_password(
    platform: &Platform,
    account: &Account,
    current: &str,
    new: &str,
) -> AccountResult<()> {
    let new = Password::parse_field(new, "new_password")?;
    if !verify_password(current, &account.password_hash).await {
        return Err(AccountError::WrongPassword);
    }
    if new.expose().to_lowercase() == account.email.as_str() {
        return Err(Invalid {
            field: "new_password",
            code: "same_as_email",
        }
        .into());
    }
    let mut updated = account.clone();
    updated.password_hash = hash_password(&new).await?;
    updated.updated_at = clock::now();
    platform.store.update_account(&updated).await?;
    let ended = platform.store.delete_sessions_of(&account.id).await?;
    tracing::info!(account = %account.id, sessions_ended = ended, "password changed");
    Ok(())
}

pub async fn set_language(platform: &Platform, account: &Account, lang: Lang) -> AccountResult<()> {
    if account.lang == lang {
        return Ok(());
    }
    let mut updated = account.clone();
    updated.lang = lang;
    updated.updated_at = clock::now();
    Ok(platform.store.update_account(&updated).await?)
}

/// Updates the profile fields a resident may change themselves.
pub async fn update_profile(
    platform: &Platform,
    account: &Account,
    district: Option<DistrictId>,
    display_name: Option<DisplayName>,
) -> AccountResult<Account> {
    let mut updated = account.clone();
    if let Some(district) = district {
        updated.district_id = district;
    }
    if let Some(name) = display_name {
        updated.display_name = name;
    }
    updated.updated_at = clock::now();
    platform.store.update_account(&updated).await?;
    Ok(updated)
}

/// The most API tokens one account may hold.
pub const MAX_TOKENS: usize = 20;

/// Creates an API token; the secret is returned once and stored only as its hash.
pub async fn create_token(
    platform: &Platform,
    account: &AccountId,
    name: &str,
) -> AccountResult<(ApiToken, String)> {
    let name = parse_token_name(name)?;
    if platform.store.tokens_of(account).await?.len() >= MAX_TOKENS {
        return Err(Invalid {
            field: "name",
            code: "too_many_tokens",
        }
        .into());
    }
    let secret = format!("vch_{}", random::token());
    let token = ApiToken {
        id: TokenId::generate(),
        account_id: account.clone(),
        name,
        hash: random::token_hash(&secret),
        created_at: clock::now(),
        last_used_at: None,
    };
    platform.store.insert_token(&token).await?;
    Ok((token, secret))
}

pub async fn revoke_token(
    platform: &Platform,
    account: &AccountId,
    id: &TokenId,
) -> AccountResult<()> {
    if platform.store.delete_token(account, id).await? {
        Ok(())
    } else {
        Err(AccountError::NotFound)
    }
}

/// Writes an audit entry: who did what to what, when, and why. Returns the entry's id (it
/// names the event, e.g. in the idempotency key of the email that tells about it).
pub async fn audit(
    platform: &Platform,
    actor: &AccountId,
    action: &str,
    target: String,
    reason: Option<String>,
    details: serde_json::Value,
) -> AccountResult<AuditId> {
    let id = AuditId::generate();
    platform
        .store
        .insert_audit(&AuditEntry {
            id: id.clone(),
            at: clock::now(),
            actor_id: actor.clone(),
            action: action.to_string(),
            target,
            reason,
            details,
        })
        .await?;
    Ok(id)
}

fn parse_reason(raw: Option<&str>, required: bool) -> AccountResult<Option<String>> {
    // Browsers send a textarea's line breaks as CR LF; keep them as plain LF.
    let normalised = raw.map(|r| r.replace("\r\n", "\n"));
    let reason = normalised
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match reason {
        None if required => Err(AccountError::ReasonRequired),
        Some(r) if r.chars().count() > 500 => Err(Invalid {
            field: "reason",
            code: "too_long",
        }
        .into()),
        Some(r) if r.chars().any(|c| c.is_control() && c != '\n') => Err(Invalid {
            field: "reason",
            code: "invalid_characters",
        }
        .into()),
        other => Ok(other.map(str::to_string)),
    }
}

/// Sets an account's roles (resident is always kept) and, for officials, their organisation.
/// When the roles or the organisation did change, the account hears of it by email (an
/// optional `roles_changed` notification, one per audit entry).
pub async fn set_roles(
    platform: &Platform,
    actor: &Account,
    target: &AccountId,
    roles: BTreeSet<Role>,
    organisation: Option<OrganisationId>,
    reason: Option<&str>,
) -> AccountResult<Account> {
    let reason = parse_reason(reason, false)?;
    let mut account = platform
        .store
        .account(target)
        .await?
        .ok_or(AccountError::NotFound)?;
    let mut roles = roles;
    roles.insert(Role::Resident);
    if account.id == actor.id && !roles.contains(&Role::Admin) {
        return Err(AccountError::SelfLockout);
    }
    let organisation = if roles.contains(&Role::Official) {
        let id = organisation.ok_or(AccountError::OrganisationRequired)?;
        platform
            .store
            .organisation(&id)
            .await?
            .ok_or(AccountError::UnknownOrganisation)?;
        Some(id)
    } else {
        None
    };
    let before = json!({
        "roles": account.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "organisation_id": account.organisation_id.as_ref().map(|o| o.to_string()),
    });
    let changed = account.roles != roles || account.organisation_id != organisation;
    account.roles = roles;
    account.organisation_id = organisation;
    account.updated_at = clock::now();
    platform.store.update_account(&account).await?;
    let after = json!({
        "roles": account.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "organisation_id": account.organisation_id.as_ref().map(|o| o.to_string()),
    });
    let entry = audit(
        platform,
        &actor.id,
        "account.roles_set",
        format!("account:{}", account.id),
        reason,
        json!({ "before": before, "after": after }),
    )
    .await?;
    // Nothing to tell when the admin saved the form unchanged, or to a blocked account that
    // cannot sign in to see its profile.
    if changed && account.state != AccountState::Blocked {
        let notification = roles_changed_notification(&account, &entry);
        if let Err(e) = platform.notify.enqueue(notification).await {
            // The roles are set and audited; a lost courtesy email must not undo that.
            tracing::warn!(account = %account.id, error = %e, "roles-changed email not queued");
        }
    }
    Ok(account)
}

/// The email telling a resident their roles changed (the audit entry names the event).
fn roles_changed_notification(account: &Account, entry: &AuditId) -> Notification {
    let name = account.display_name.as_str().to_string();
    let roles = account
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Notification {
        kind: kinds::ROLES_CHANGED.kind(),
        recipient: Recipient {
            account_id: Some(account.id.clone()),
            email: account.email.clone(),
            name: Some(name.clone()),
        },
        locale: account.lang,
        data: BTreeMap::from([
            ("name".to_string(), name),
            ("roles".to_string(), roles),
            ("link".to_string(), "/profile".to_string()),
        ]),
        idempotency_key: format!("roles_changed:{entry}"),
    }
}

/// Blocks an account: it cannot sign in, and its sessions and tokens end now.
pub async fn block(
    platform: &Platform,
    actor: &Account,
    target: &AccountId,
    reason: Option<&str>,
) -> AccountResult<Account> {
    let reason = parse_reason(reason, true)?;
    if &actor.id == target {
        return Err(AccountError::SelfLockout);
    }
    let mut account = platform
        .store
        .account(target)
        .await?
        .ok_or(AccountError::NotFound)?;
    let before = account.state;
    account.state = AccountState::Blocked;
    account.updated_at = clock::now();
    platform.store.update_account(&account).await?;
    let sessions = platform.store.delete_sessions_of(target).await?;
    let tokens = platform.store.delete_tokens_of(target).await?;
    audit(
        platform,
        &actor.id,
        "account.blocked",
        format!("account:{target}"),
        reason,
        json!({ "state_before": before.as_str(), "sessions_ended": sessions, "tokens_revoked": tokens }),
    )
    .await?;
    Ok(account)
}

/// Lifts a block; the account becomes active.
pub async fn unblock(
    platform: &Platform,
    actor: &Account,
    target: &AccountId,
    reason: Option<&str>,
) -> AccountResult<Account> {
    let reason = parse_reason(reason, true)?;
    let mut account = platform
        .store
        .account(target)
        .await?
        .ok_or(AccountError::NotFound)?;
    let before = account.state;
    account.state = AccountState::Active;
    account.updated_at = clock::now();
    platform.store.update_account(&account).await?;
    audit(
        platform,
        &actor.id,
        "account.unblocked",
        format!("account:{target}"),
        reason,
        json!({ "state_before": before.as_str() }),
    )
    .await?;
    Ok(account)
}

pub async fn create_organisation(
    platform: &Platform,
    actor: &Account,
    name: &str,
) -> AccountResult<Organisation> {
    let organisation = Organisation {
        id: OrganisationId::generate(),
        name: parse_organisation_name(name)?,
        created_at: clock::now(),
    };
    platform.store.insert_organisation(&organisation).await?;
    audit(
        platform,
        &actor.id,
        "organisation.created",
        format!("organisation:{}", organisation.id),
        None,
        json!({ "name": organisation.name }),
    )
    .await?;
    Ok(organisation)
}

/// Creates an active admin account with a random password, or makes an existing account an
/// admin (the password is then left as it is). Returns the account and the new password.
pub async fn create_admin(
    platform: &Arc<Platform>,
    email: &str,
    display_name: &str,
) -> AccountResult<(Account, Option<String>)> {
    let email = Email::parse(email)?;
    if let Some(mut existing) = platform.store.account_by_email(email.as_str()).await? {
        existing.roles.insert(Role::Admin);
        if existing.state == AccountState::Unverified {
            existing.state = AccountState::Active;
        }
        existing.updated_at = clock::now();
        platform.store.update_account(&existing).await?;
        return Ok((existing, None));
    }
    let directory = platform.directory();
    let district =
        directory
            .districts
            .first()
            .map(|d| d.id.clone())
            .ok_or(AccountError::Invalid(vec![Invalid {
                field: "district_id",
                code: "unknown_district",
            }]))?;
    let password = random::password();
    let now = clock::now();
    let account = Account {
        id: AccountId::generate(),
        email,
        display_name: DisplayName::parse(display_name)?,
        district_id: district,
        birth_year: BirthYear::from_trusted(1980),
        password_hash: hash_password(&Password::parse(&password)?).await?,
        roles: BTreeSet::from([Role::Resident, Role::Admin]),
        organisation_id: None,
        state: AccountState::Active,
        created_at: now,
        updated_at: now,
        mail_pending_since: None,
        lang: Lang::Ru,
    };
    platform.store.insert_account(&account).await.map_err(|e| {
        if e.is_conflict_on("email") {
            AccountError::EmailTaken
        } else {
            e.into()
        }
    })?;
    Ok((account, Some(password)))
}
