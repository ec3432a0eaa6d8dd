//! The notification port: how a feature asks for an email without knowing how it is sent.
//!
//! A feature builds a [`Notification`] and calls [`Notify::enqueue`]. The notifier crate
//! implements the port with a durable outbox (one job per idempotency key, on the same store as
//! the domain data) and a delivery worker; the binary wires the two together.
//!
//! **Never lose the email of a committed change.** The outbox and the domain document are two
//! writes, and MongoDB gives no transaction across them. So a feature whose change owes an email
//! records that debt *inside the changed document* (one atomic write), enqueues, and then clears
//! the debt. A sweep re-enqueues debts older than a minute (a crash between the write and the
//! enqueue). The idempotency key makes the second enqueue of the same event a no-op, so the sweep
//! may race the request path safely. Sign-up does this with `Account::mail_pending_since`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::accounts::model::Email;
use crate::error::StoreError;
use crate::id::AccountId;
use crate::web::i18n::Lang;
use crate::web::problem::Invalid;

/// A kind of notification: `[a-z][a-z0-9_]{0,39}`. Its texts are the catalog messages
/// `mail-<kind>-subject`, `-body`, `-action` and `-digest`; its template variables come from
/// [`Notification::data`].
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Kind(String);

impl Kind {
    pub fn parse(raw: &str) -> Result<Kind, Invalid> {
        let mut chars = raw.chars();
        let ok = raw.len() <= 40
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Kind(raw.to_string()))
        } else {
            Err(Invalid::new("kind", "invalid_kind"))
        }
    }
}

crate::string_newtype!(Kind);

/// What the notifier must know of a kind. Each feature lists its kinds; the binary hands every
/// list to the notifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindSpec {
    pub name: &'static str,
    /// Essential emails (confirming an address, resetting a password) are about the account
    /// itself: always sent at once, never put in a digest, never switched off, and so they carry
    /// no unsubscribe link. Every other kind follows the resident's preference.
    pub essential: bool,
    /// An opt-in kind is off until the resident switches it on (a newsletter-like email such
    /// as "a new poll opened in your district"); other optional kinds are on (`immediately`)
    /// until switched off. Meaningless for an essential kind (always sent).
    pub opt_in: bool,
}

impl KindSpec {
    /// An essential kind: always sent at once.
    pub const fn essential(name: &'static str) -> KindSpec {
        KindSpec {
            name,
            essential: true,
            opt_in: false,
        }
    }

    /// An optional kind that is on until the resident switches it off.
    pub const fn optional(name: &'static str) -> KindSpec {
        KindSpec {
            name,
            essential: false,
            opt_in: false,
        }
    }

    /// An optional kind that is off until the resident switches it on.
    pub const fn opt_in(name: &'static str) -> KindSpec {
        KindSpec {
            name,
            essential: false,
            opt_in: true,
        }
    }

    pub fn kind(&self) -> Kind {
        Kind(self.name.to_string())
    }
}

/// Who receives the email.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recipient {
    /// The account, when the address belongs to one (preferences and unsubscribe need it; an
    /// address being confirmed does not belong to the account yet).
    pub account_id: Option<AccountId>,
    pub email: Email,
    /// Shown in the `To:` header; `None` for the bare address.
    pub name: Option<String>,
}

impl Recipient {
    /// An account's own address, under its display name.
    pub fn account(account: &crate::accounts::model::Account) -> Recipient {
        Recipient {
            account_id: Some(account.id.clone()),
            email: account.email.clone(),
            name: Some(account.display_name.as_str().to_string()),
        }
    }
}

/// One email a feature asks for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notification {
    pub kind: Kind,
    pub recipient: Recipient,
    pub locale: Lang,
    /// Template variables. `link` is the path (under the public URL) of the item the email is
    /// about; every email links back to it.
    pub data: BTreeMap<String, String>,
    /// One email per event: enqueuing the same key again stores nothing new. Make it from the
    /// event, e.g. `report_answered:<report id>:<answer id>`.
    pub idempotency_key: String,
}

impl Notification {
    pub const MAX_KEY_LEN: usize = 200;
    pub const MAX_NAME_CHARS: usize = 120;
    pub const MAX_VALUE_CHARS: usize = 2000;
    pub const MAX_FIELDS: usize = 32;

    /// Checks what every notification must satisfy wherever it comes from: no control characters
    /// in anything that may reach a header (CR/LF would let a value forge headers), sizes within
    /// bounds, a link that is a path on this site.
    pub fn validate(&self) -> Result<(), Invalid> {
        let key = &self.idempotency_key;
        if key.is_empty() || key.len() > Self::MAX_KEY_LEN {
            return Err(Invalid::new("idempotency_key", "invalid_length"));
        }
        if key.chars().any(char::is_control) {
            return Err(Invalid::new("idempotency_key", "invalid_characters"));
        }
        if let Some(name) = &self.recipient.name {
            if name.chars().count() > Self::MAX_NAME_CHARS {
                return Err(Invalid::new("recipient.name", "too_long"));
            }
            if name.chars().any(char::is_control) {
                return Err(Invalid::new("recipient.name", "invalid_characters"));
            }
        }
        // The address was parsed into an `Email` (no spaces, no control characters), but a
        // trusted value read back from a store is checked again here.
        Email::parse(self.recipient.email.as_str())
            .map_err(|_| Invalid::new("recipient.email", "invalid_email"))?;
        if self.data.len() > Self::MAX_FIELDS {
            return Err(Invalid::new("data", "too_many_fields"));
        }
        for (name, value) in &self.data {
            if Kind::parse(name).is_err() {
                return Err(Invalid::new("data", "invalid_field_name"));
            }
            if value.chars().count() > Self::MAX_VALUE_CHARS {
                return Err(Invalid::new("data", "too_long"));
            }
            // Values end up in subjects: no line breaks or other control characters.
            if value.chars().any(char::is_control) {
                return Err(Invalid::new("data", "invalid_characters"));
            }
        }
        if let Some(link) = self.data.get("link") {
            if !link.starts_with('/') || link.starts_with("//") {
                return Err(Invalid::new("data", "invalid_link"));
            }
        }
        Ok(())
    }
}

/// What enqueuing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job, with its id.
    Queued(String),
    /// A job with this idempotency key exists already; nothing was stored.
    Duplicate,
    /// The resident does not want this kind (switched off, or an opt-in kind never switched
    /// on): nothing was stored.
    Declined,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("invalid notification: {0:?}")]
    Invalid(Invalid),
    #[error("unknown kind of notification: {0}")]
    UnknownKind(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The port. Implemented by the notifier's outbox.
#[async_trait]
pub trait Notify: Send + Sync + 'static {
    /// Stores the notification for delivery (once per idempotency key) and returns at once;
    /// sending happens in the worker, never inside the request. An opt-in kind the resident has
    /// not switched on is not stored ([`Enqueued::Declined`]).
    async fn enqueue(&self, notification: Notification) -> Result<Enqueued, NotifyError>;

    /// Enqueues many notifications at once (an announcement to a page of residents), one
    /// result each, in order; `Err` when the batch as a whole could not be looked at (the
    /// store). The outbox reads the preferences of all their recipients in one round trip
    /// instead of one each; the default enqueues them one by one.
    async fn enqueue_all(
        &self,
        notifications: Vec<Notification>,
    ) -> Result<Vec<Result<Enqueued, NotifyError>>, NotifyError> {
        let mut results = Vec::with_capacity(notifications.len());
        for notification in notifications {
            results.push(self.enqueue(notification).await);
        }
        Ok(results)
    }
}

/// The account kinds, defined here because accounts live in core.
pub mod kinds {
    use super::KindSpec;

    pub const VERIFY_EMAIL: KindSpec = KindSpec::essential("verify_email");
    pub const PASSWORD_RESET: KindSpec = KindSpec::essential("password_reset");
    pub const EMAIL_CHANGE: KindSpec = KindSpec::essential("email_change");
    /// An admin changed the account's roles (a new moderator learns where to start).
    pub const ROLES_CHANGED: KindSpec = KindSpec::optional("roles_changed");

    pub const ACCOUNT: &[KindSpec] = &[VERIFY_EMAIL, PASSWORD_RESET, EMAIL_CHANGE, ROLES_CHANGED];
}
