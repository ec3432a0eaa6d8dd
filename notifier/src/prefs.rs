//! Per-kind delivery preferences and one-click unsubscribe links.
//!
//! An unsubscribe link is `/unsubscribe/<account>/<kind>/<signature>`, the signature a keyed
//! blake3 MAC of the account and kind under the server's secret: it works without signing in
//! (mail providers POST to it, RFC 8058) and cannot be forged for another account or kind.

use veche_core::id::AccountId;
use veche_core::notify::KindSpec;
use veche_core::random;
use veche_core::web::problem::Invalid;
use veche_core::StoreResult;

use crate::model::{Delivery, Preferences, DIGEST_KIND};
use crate::outbox::Outbox;

const CONTEXT: &str = "veche unsubscribe v1";

pub fn signature(secret: &[u8; 32], account: &AccountId, kind: &str) -> String {
    random::mac(secret, CONTEXT, &format!("{account}\n{kind}"))
}

/// The path of the one-click unsubscribe link for an account and kind (or [`DIGEST_KIND`]).
pub fn unsubscribe_path(secret: &[u8; 32], account: &AccountId, kind: &str) -> String {
    format!(
        "/unsubscribe/{account}/{kind}/{}",
        signature(secret, account, kind)
    )
}

pub fn signature_ok(secret: &[u8; 32], account: &AccountId, kind: &str, presented: &str) -> bool {
    random::constant_time_eq(&signature(secret, account, kind), presented)
}

/// How a kind is delivered to a resident who never chose: off for an opt-in kind (the resident
/// must switch it on), at once for every other kind.
pub fn default_delivery(spec: &KindSpec) -> Delivery {
    if spec.opt_in {
        Delivery::Off
    } else {
        Delivery::Immediately
    }
}

/// How the resident with these stored preferences wants this kind delivered.
pub fn delivery(spec: &KindSpec, stored: &Preferences) -> Delivery {
    stored
        .get(spec.name)
        .copied()
        .unwrap_or_else(|| default_delivery(spec))
}

/// What a resident sees and sets: each optional kind with its delivery.
pub async fn preferences(
    outbox: &Outbox,
    account: &AccountId,
) -> StoreResult<Vec<(KindSpec, Delivery)>> {
    let stored = outbox.store.preferences(account).await?;
    Ok(outbox
        .optional_kinds()
        .into_iter()
        .map(|k| {
            let delivery = delivery(&k, &stored);
            (k, delivery)
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum PrefsError {
    #[error("invalid: {0}")]
    Invalid(Invalid),
    #[error(transparent)]
    Store(#[from] veche_core::StoreError),
}

/// Sets the deliveries given (kind → delivery); every pair is checked before any is stored.
pub async fn set_preferences(
    outbox: &Outbox,
    account: &AccountId,
    changes: &[(String, String)],
) -> Result<(), PrefsError> {
    let mut parsed = Vec::with_capacity(changes.len());
    for (kind, delivery) in changes {
        match outbox.kind(kind) {
            Some(spec) if !spec.essential => {}
            _ => return Err(PrefsError::Invalid(Invalid::new("kind", "unknown_kind"))),
        }
        let delivery = Delivery::parse(delivery).map_err(PrefsError::Invalid)?;
        parsed.push((kind.as_str(), delivery));
    }
    for (kind, delivery) in parsed {
        outbox.store.set_preference(account, kind, delivery).await?;
    }
    Ok(())
}

/// What one-click unsubscribe does: the kind is switched off; for the digest, every kind the
/// resident gets in the digest is switched off. Returns the kinds switched off.
pub async fn unsubscribe(
    outbox: &Outbox,
    account: &AccountId,
    kind: &str,
) -> Result<Vec<String>, PrefsError> {
    let kinds: Vec<String> = if kind == DIGEST_KIND {
        preferences(outbox, account)
            .await?
            .into_iter()
            .filter(|(_, d)| *d == Delivery::Digest)
            .map(|(k, _)| k.name.to_string())
            .collect()
    } else {
        match outbox.kind(kind) {
            Some(spec) if !spec.essential => vec![kind.to_string()],
            _ => return Err(PrefsError::Invalid(Invalid::new("kind", "unknown_kind"))),
        }
    };
    for k in &kinds {
        outbox
            .store
            .set_preference(account, k, Delivery::Off)
            .await?;
    }
    tracing::info!(account = %account, kind, "unsubscribed");
    Ok(kinds)
}
