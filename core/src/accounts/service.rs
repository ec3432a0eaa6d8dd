//! The account rules: sign-up, sign-in, sessions, passwords, API tokens, and the admin's
//! roles, blocks and organisations. Handlers parse input and call these; these call the store.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

pub use super::error::{AccountError, AccountResult};
use super::model::{
    parse_organisation_name, parse_token_name, Account, AccountState, ApiToken, BirthYear,
    DisplayName, Email, Invalid, Organisation, Password, Role, Session,
};
use super::password::DUMMY_HASH;
pub use super::password::{hash_password, verify_password};
use super::Accounts;
use crate::clock;
use crate::districts::Directory;
use crate::id::{AccountId, AuditId, DistrictId, OrganisationId, TokenId};
use crate::notify::{kinds, Notification, Recipient};
use crate::random;
use crate::store::AuditEntry;
use crate::web::i18n::Lang;
use crate::web::problem::Problem;
use crate::web::ratelimit::{LimitName, Limits};

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
pub async fn sign_up(accounts: &Accounts, input: SignUp, lang: Lang) -> AccountResult<Account> {
    let now = clock::now();
    let account = Account {
        state: AccountState::Unverified,
        mail_pending_since: Some(now),
        lang,
        ..Account::new(
            input.email,
            input.display_name,
            input.district_id,
            input.birth_year,
            hash_password(&input.password).await?,
            BTreeSet::from([Role::Resident]),
            now,
        )
    };
    match accounts.store.insert_account(&account).await {
        Ok(()) => {}
        Err(e) if e.is_conflict_on("email") => return Err(AccountError::EmailTaken),
        Err(e) => return Err(e.into()),
    }
    // The account stands; the email is owed. If this fails the sweep sends it.
    if let Err(e) = super::mail::settle_pending(accounts, &account).await {
        tracing::warn!(account = %account.id, error = %e, "verification email left to the sweep");
    }
    Ok(account)
}

/// Checks the credentials. An unknown address and a wrong password give the same error after
/// the same work. A blocked account hears so only when the password was right.
pub async fn check_credentials(
    accounts: &Accounts,
    email: &str,
    password: &str,
) -> AccountResult<Account> {
    let found = match Email::parse(email) {
        Ok(email) => accounts.store.account_by_email(email.as_str()).await?,
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
pub async fn start_session(accounts: &Accounts, account: &AccountId) -> AccountResult<String> {
    let secret = random::token();
    let now = clock::now();
    accounts
        .store
        .insert_session(&Session {
            id_hash: random::token_hash(&secret),
            account_id: account.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: accounts.config.session_expiry(now, now),
        })
        .await?;
    Ok(secret)
}

pub fn session_cookie(accounts: &Accounts, secret: &str) -> String {
    crate::web::respond::cookie(
        crate::web::SESSION_COOKIE,
        secret,
        accounts.config.session_max.as_secs(),
        accounts.config.https(),
    )
}

pub async fn end_session(accounts: &Accounts, id_hash: &str) -> AccountResult<()> {
    accounts.store.delete_session(id_hash).await?;
    accounts
        .forget(&super::identity::session_key(id_hash))
        .await?;
    Ok(())
}

/// The account as stored now: a change of one field writes the whole record, so it starts from
/// the store, not from the signed-in principal's copy (kept up to a minute, see
/// [`super::identity`]), which could carry back what another request changed meanwhile.
async fn stored(accounts: &Accounts, id: &AccountId) -> AccountResult<Account> {
    accounts
        .store
        .account(id)
        .await?
        .ok_or(AccountError::NotFound)
}

/// Changes the password after checking the current one, and ends every session of the account.
pub async fn change_password(
    accounts: &Accounts,
    account: &Account,
    current: &str,
    new: &str,
) -> AccountResult<()> {
    let new = Password::parse_field(new, "new_password")?;
    let mut updated = stored(accounts, &account.id).await?;
    if !verify_password(current, &updated.password_hash).await {
        return Err(AccountError::WrongPassword);
    }
    if new.expose().to_lowercase() == account.email.as_str() {
        return Err(Invalid {
            field: "new_password",
            code: "same_as_email",
        }
        .into());
    }
    updated.password_hash = hash_password(&new).await?;
    updated.updated_at = clock::now();
    accounts.update_account(&updated).await?;
    let ended = accounts.end_sessions_of(&account.id).await?;
    tracing::info!(account = %account.id, sessions_ended = ended, "password changed");
    Ok(())
}

pub async fn set_language(accounts: &Accounts, account: &Account, lang: Lang) -> AccountResult<()> {
    if account.lang == lang {
        return Ok(());
    }
    let mut updated = stored(accounts, &account.id).await?;
    updated.lang = lang;
    updated.updated_at = clock::now();
    Ok(accounts.update_account(&updated).await?)
}

/// Updates the profile fields a resident may change themselves.
pub async fn update_profile(
    accounts: &Accounts,
    account: &Account,
    district: Option<DistrictId>,
    display_name: Option<DisplayName>,
) -> AccountResult<Account> {
    let mut updated = stored(accounts, &account.id).await?;
    if let Some(district) = district {
        updated.district_id = district;
    }
    if let Some(name) = display_name {
        updated.display_name = name;
    }
    updated.updated_at = clock::now();
    accounts.update_account(&updated).await?;
    Ok(updated)
}

/// The most API tokens one account may hold.
pub const MAX_TOKENS: usize = 20;

/// Creates an API token; the secret is returned once and stored only as its hash.
pub async fn create_token(
    accounts: &Accounts,
    account: &AccountId,
    name: &str,
) -> AccountResult<(ApiToken, String)> {
    let name = parse_token_name(name)?;
    if accounts.store.tokens_of(account).await?.len() >= MAX_TOKENS {
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
    accounts.store.insert_token(&token).await?;
    Ok((token, secret))
}

pub async fn revoke_token(
    accounts: &Accounts,
    account: &AccountId,
    id: &TokenId,
) -> AccountResult<()> {
    if accounts.store.delete_token(account, id).await? {
        // By account: an entry is kept by the token's hash, which the id does not give.
        accounts
            .forget(&super::identity::account_key(account))
            .await?;
        Ok(())
    } else {
        Err(AccountError::NotFound)
    }
}

/// Writes an audit entry: who did what to what, when, and why. Returns the entry's id (it
/// names the event, e.g. in the idempotency key of the email that tells about it).
pub async fn audit(
    accounts: &Accounts,
    actor: &AccountId,
    action: &str,
    target: String,
    reason: Option<String>,
    details: serde_json::Value,
) -> AccountResult<AuditId> {
    let id = AuditId::generate();
    accounts
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
    accounts: &Accounts,
    actor: &Account,
    target: &AccountId,
    roles: BTreeSet<Role>,
    organisation: Option<OrganisationId>,
    reason: Option<&str>,
) -> AccountResult<Account> {
    let reason = parse_reason(reason, false)?;
    let mut account = accounts
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
        accounts
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
    accounts.update_account(&account).await?;
    let after = json!({
        "roles": account.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "organisation_id": account.organisation_id.as_ref().map(|o| o.to_string()),
    });
    let entry = audit(
        accounts,
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
        if let Err(e) = accounts.notify.enqueue(notification).await {
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

/// Blocks an account (`blocked`): it cannot sign in, and its sessions and tokens end now; or
/// lifts its block: the account becomes active. Audited, with a reason.
pub async fn set_blocked(
    accounts: &Accounts,
    actor: &Account,
    target: &AccountId,
    reason: Option<&str>,
    blocked: bool,
) -> AccountResult<Account> {
    let reason = parse_reason(reason, true)?;
    if blocked && &actor.id == target {
        return Err(AccountError::SelfLockout);
    }
    let state = if blocked {
        AccountState::Blocked
    } else {
        AccountState::Active
    };
    let mut account = accounts
        .store
        .account(target)
        .await?
        .ok_or(AccountError::NotFound)?;
    let before = account.state;
    account.state = state;
    account.updated_at = clock::now();
    accounts.update_account(&account).await?;
    let mut details = json!({ "state_before": before.as_str() });
    let action = if blocked {
        details["sessions_ended"] = json!(accounts.end_sessions_of(target).await?);
        details["tokens_revoked"] = json!(accounts.delete_tokens_of(target).await?);
        "account.blocked"
    } else {
        "account.unblocked"
    };
    audit(
        accounts,
        &actor.id,
        action,
        format!("account:{target}"),
        reason,
        details,
    )
    .await?;
    Ok(account)
}

pub async fn create_organisation(
    accounts: &Accounts,
    actor: &Account,
    name: &str,
) -> AccountResult<Organisation> {
    let organisation = Organisation {
        id: OrganisationId::generate(),
        name: parse_organisation_name(name)?,
        created_at: clock::now(),
    };
    accounts.store.insert_organisation(&organisation).await?;
    audit(
        accounts,
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
    accounts: &Accounts,
    email: &str,
    display_name: &str,
) -> AccountResult<(Account, Option<String>)> {
    let email = Email::parse(email)?;
    if let Some(mut existing) = accounts.store.account_by_email(email.as_str()).await? {
        existing.roles.insert(Role::Admin);
        if existing.state == AccountState::Unverified {
            existing.state = AccountState::Active;
        }
        existing.updated_at = clock::now();
        accounts.update_account(&existing).await?;
        return Ok((existing, None));
    }
    let directory = accounts.directory();
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
    let account = Account::new(
        email,
        DisplayName::parse(display_name)?,
        district,
        BirthYear::from_trusted(1980),
        hash_password(&Password::parse(&password)?).await?,
        BTreeSet::from([Role::Resident, Role::Admin]),
        now,
    );
    accounts.store.insert_account(&account).await.map_err(|e| {
        if e.is_conflict_on("email") {
            AccountError::EmailTaken
        } else {
            e.into()
        }
    })?;
    Ok((account, Some(password)))
}

/// The names to credit these accounts by in public (the authors of an accepted idea): an
/// account that is blocked, unverified or gone is left out, so a page shows it as "a
/// resident". One store read per distinct account.
pub async fn display_names(
    accounts: &Accounts,
    ids: &[AccountId],
) -> Result<BTreeMap<AccountId, String>, crate::error::StoreError> {
    let wanted: BTreeSet<&AccountId> = ids.iter().collect();
    let mut names = BTreeMap::new();
    for id in wanted {
        if let Some(account) = accounts.store.account(id).await? {
            if account.state == AccountState::Active {
                names.insert(id.clone(), account.display_name.as_str().to_string());
            }
        }
    }
    Ok(names)
}

/// Takes one cell of a rate limit for the account: the same for a feature's pages and API.
pub fn admit<L: LimitName>(limits: &Limits, limit: L, account: &Account) -> Result<(), Problem> {
    limits.check(limit, account.id.as_str())
}
