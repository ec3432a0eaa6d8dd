//! The emails an account needs: confirming the address after sign-up, resetting a forgotten
//! password, confirming a new address. Each carries a single-use link whose secret the store
//! keeps only as a blake3 hash; taking the token deletes it.

use std::collections::BTreeMap;
use std::time::Duration;

use super::model::{Account, AccountState, Email, EmailToken, Password, TokenPurpose};
use super::service::{hash_password, verify_password, AccountError, AccountResult};
use super::Accounts;
use crate::clock;
use crate::notify::{kinds, KindSpec, Notification, NotifyError, Recipient};
use crate::random;

/// How long each link works.
pub const VERIFY_TTL: Duration = Duration::from_secs(48 * 3600);
pub const RESET_TTL: Duration = Duration::from_secs(3600);
pub const CHANGE_TTL: Duration = Duration::from_secs(24 * 3600);

/// An owed email is left to the request that created it for this long before the sweep
/// sends it.
pub const RELAY_GRACE: Duration = Duration::from_secs(60);

impl From<NotifyError> for AccountError {
    fn from(err: NotifyError) -> Self {
        match err {
            NotifyError::Invalid(invalid) => AccountError::Invalid(vec![invalid]),
            NotifyError::Store(e) => AccountError::Store(e),
            other => AccountError::Mail(other.to_string()),
        }
    }
}

/// Makes a token, stores its hash, and returns the secret for the link.
async fn issue(
    accounts: &Accounts,
    account: &Account,
    purpose: TokenPurpose,
    new_email: Option<Email>,
    ttl: Duration,
) -> AccountResult<(String, String)> {
    let secret = random::token();
    let hash = random::token_hash(&secret);
    let now = clock::now();
    accounts
        .store
        .insert_email_token(&EmailToken {
            hash: hash.clone(),
            account_id: account.id.clone(),
            purpose,
            new_email,
            created_at: now,
            expires_at: now + ttl,
        })
        .await?;
    Ok((secret, hash))
}

fn notification(
    spec: KindSpec,
    account: &Account,
    to: Email,
    link: String,
    key: String,
    mut data: BTreeMap<String, String>,
) -> Notification {
    data.insert("link".into(), link);
    data.insert("name".into(), account.display_name.as_str().to_string());
    Notification {
        kind: spec.kind(),
        recipient: Recipient {
            account_id: Some(account.id.clone()),
            email: to,
            name: Some(account.display_name.as_str().to_string()),
        },
        locale: account.lang,
        data,
        idempotency_key: key,
    }
}

/// Sends the address-confirmation link; `event` tells this sending apart from others of the
/// same account (the sign-up's debt timestamp, or the moment of a resend).
async fn send_verification(
    accounts: &Accounts,
    account: &Account,
    event: i64,
) -> AccountResult<()> {
    let (secret, _) = issue(
        accounts,
        account,
        TokenPurpose::VerifyEmail,
        None,
        VERIFY_TTL,
    )
    .await?;
    accounts
        .notify
        .enqueue(notification(
            kinds::VERIFY_EMAIL,
            account,
            account.email.clone(),
            format!("/verify-email?token={secret}"),
            format!("verify_email:{}:{event}", account.id),
            BTreeMap::new(),
        ))
        .await?;
    Ok(())
}

/// Puts the email an account owes into the outbox and clears the debt. Safe to repeat: the
/// idempotency key is made from the debt, so a second run stores nothing new.
pub async fn settle_pending(accounts: &Accounts, account: &Account) -> AccountResult<()> {
    let Some(since) = account.mail_pending_since else {
        return Ok(());
    };
    if account.state == AccountState::Unverified {
        send_verification(accounts, account, clock::to_millis(since)).await?;
    }
    accounts
        .store
        .clear_pending_mail(&account.id, since)
        .await?;
    Ok(())
}

/// The sweep: settles the debts older than [`RELAY_GRACE`] (left by a crash between an account's
/// write and its enqueue). Returns how many it settled.
pub async fn relay_pending(accounts: &Accounts) -> AccountResult<usize> {
    let cutoff = clock::now() - RELAY_GRACE;
    let owed = accounts
        .store
        .accounts_with_pending_mail(cutoff, 100)
        .await?;
    let mut settled = 0;
    for account in &owed {
        match settle_pending(accounts, account).await {
            Ok(()) => settled += 1,
            Err(e) => tracing::warn!(account = %account.id, error = %e, "settling an owed email"),
        }
    }
    Ok(settled)
}

/// Sends a fresh confirmation link (the resident lost the first one).
pub async fn resend_verification(accounts: &Accounts, account: &Account) -> AccountResult<()> {
    if account.state != AccountState::Unverified {
        return Err(AccountError::AlreadyVerified);
    }
    send_verification(accounts, account, clock::now_millis()).await
}

/// Follows a confirmation link: the account becomes active.
pub async fn verify_email(accounts: &Accounts, secret: &str) -> AccountResult<Account> {
    let token = take(accounts, secret, TokenPurpose::VerifyEmail).await?;
    let mut account = accounts
        .store
        .account(&token.account_id)
        .await?
        .ok_or(AccountError::LinkInvalid)?;
    match account.state {
        AccountState::Blocked => return Err(AccountError::Blocked),
        AccountState::Active => return Ok(account),
        AccountState::Unverified => {}
    }
    account.state = AccountState::Active;
    account.updated_at = clock::now();
    accounts.update_account(&account).await?;
    accounts
        .store
        .delete_email_tokens_of(&account.id, TokenPurpose::VerifyEmail)
        .await?;
    tracing::info!(account = %account.id, "address confirmed");
    Ok(account)
}

async fn take(
    accounts: &Accounts,
    secret: &str,
    purpose: TokenPurpose,
) -> AccountResult<EmailToken> {
    // A secret is 43 characters of base64url; anything else cannot be one.
    if secret.is_empty() || secret.len() > 128 {
        return Err(AccountError::LinkInvalid);
    }
    accounts
        .store
        .take_email_token(&random::token_hash(secret), purpose, clock::now())
        .await?
        .ok_or(AccountError::LinkInvalid)
}

/// Sends a password-reset link if the address belongs to an account that may sign in. The
/// caller answers the same whether or not it does, so the form does not reveal who has an
/// account.
pub async fn request_password_reset(accounts: &Accounts, email: &str) -> AccountResult<()> {
    let email = Email::parse(email)?;
    let Some(account) = accounts.store.account_by_email(email.as_str()).await? else {
        tracing::info!("password reset asked for an unknown address");
        return Ok(());
    };
    if account.state == AccountState::Blocked {
        return Ok(());
    }
    let (secret, hash) = issue(
        accounts,
        &account,
        TokenPurpose::PasswordReset,
        None,
        RESET_TTL,
    )
    .await?;
    accounts
        .notify
        .enqueue(notification(
            kinds::PASSWORD_RESET,
            &account,
            account.email.clone(),
            format!("/reset-password?token={secret}"),
            format!("password_reset:{}:{}", account.id, &hash[..16]),
            BTreeMap::new(),
        ))
        .await?;
    Ok(())
}

/// Sets a new password from a reset link. The link is used up, every session of the account
/// ends, and an unconfirmed address counts as confirmed (the link proved it).
pub async fn reset_password(
    accounts: &Accounts,
    secret: &str,
    new_password: &str,
) -> AccountResult<Account> {
    // Check the password before using up the link, so a too-short one can be corrected.
    let password = Password::parse_field(new_password, "new_password")?;
    let token = take(accounts, secret, TokenPurpose::PasswordReset).await?;
    let mut account = link_holder(accounts, &token).await?;
    if password.expose().to_lowercase() == account.email.as_str() {
        // Put the link back: the resident will try another password.
        accounts.store.insert_email_token(&token).await?;
        return Err(super::model::Invalid::new("new_password", "same_as_email").into());
    }
    account.password_hash = hash_password(&password).await?;
    if account.state == AccountState::Unverified {
        account.state = AccountState::Active;
    }
    account.updated_at = clock::now();
    accounts.update_account(&account).await?;
    let ended = accounts.end_sessions_of(&account.id).await?;
    accounts
        .store
        .delete_email_tokens_of(&account.id, TokenPurpose::PasswordReset)
        .await?;
    tracing::info!(account = %account.id, sessions_ended = ended, "password reset");
    Ok(account)
}

/// Starts a change of address: checks the password and that the new address is free, then
/// sends a confirmation link to the new address. Nothing changes until it is followed.
pub async fn request_email_change(
    accounts: &Accounts,
    account: &Account,
    new_email: &str,
    password: &str,
) -> AccountResult<()> {
    let new_email =
        Email::parse(new_email).map_err(|e| super::model::Invalid::new("new_email", e.code))?;
    if !verify_password(password, &account.password_hash).await {
        return Err(AccountError::WrongPassword);
    }
    if new_email == account.email {
        return Err(super::model::Invalid::new("new_email", "unchanged").into());
    }
    if accounts
        .store
        .account_by_email(new_email.as_str())
        .await?
        .is_some()
    {
        return Err(AccountError::EmailTaken);
    }
    let (secret, hash) = issue(
        accounts,
        account,
        TokenPurpose::EmailChange,
        Some(new_email.clone()),
        CHANGE_TTL,
    )
    .await?;
    accounts
        .notify
        .enqueue(notification(
            kinds::EMAIL_CHANGE,
            account,
            new_email.clone(),
            format!("/confirm-email?token={secret}"),
            format!("email_change:{}:{}", account.id, &hash[..16]),
            BTreeMap::from([("new_email".to_string(), new_email.to_string())]),
        ))
        .await?;
    Ok(())
}

/// The account a link was made for; a blocked account may not use it.
async fn link_holder(accounts: &Accounts, token: &EmailToken) -> AccountResult<Account> {
    let account = accounts
        .store
        .account(&token.account_id)
        .await?
        .ok_or(AccountError::LinkInvalid)?;
    if account.state == AccountState::Blocked {
        return Err(AccountError::Blocked);
    }
    Ok(account)
}

/// Follows a confirmation link for a new address: the account's address changes.
pub async fn confirm_email_change(accounts: &Accounts, secret: &str) -> AccountResult<Account> {
    let token = take(accounts, secret, TokenPurpose::EmailChange).await?;
    let new_email = token.new_email.clone().ok_or(AccountError::LinkInvalid)?;
    let mut account = link_holder(accounts, &token).await?;
    account.email = new_email;
    if account.state == AccountState::Unverified {
        account.state = AccountState::Active;
    }
    account.updated_at = clock::now();
    match accounts.update_account(&account).await {
        Ok(()) => {}
        Err(e) if e.is_conflict_on("email") => return Err(AccountError::EmailTaken),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(account = %account.id, "address changed");
    Ok(account)
}
