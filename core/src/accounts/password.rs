//! Password hashing: argon2id on a blocking thread.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use super::error::{AccountError, AccountResult};
use super::model::Password;

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
pub(crate) static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .ok()
        .and_then(|a| a.hash_password(b"not a password of anyone", &salt).ok())
        .map(|h| h.to_string())
        .unwrap_or_default()
});
