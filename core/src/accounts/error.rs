//! What can go wrong in the account rules, and how each is answered.

use http::StatusCode;
use serde_json::json;

use crate::error::StoreError;
use crate::web::problem::{Invalid, Problem};

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
