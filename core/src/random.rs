//! Secrets: random tokens and their blake3 hashes.
//!
//! Session ids, API tokens and one-time links are 256 random bits from the OS. Stores keep only
//! the blake3 hash, so a leaked database does not hand out working credentials.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

/// 256 random bits, URL-safe base64 (43 characters).
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The hex blake3 hash under which a secret token is stored and looked up.
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// A keyed hash (MAC) of `message` under the server's secret key; URL-safe base64.
pub fn mac(key: &[u8; 32], context: &str, message: &str) -> String {
    let mut hasher = blake3::Hasher::new_keyed(key);
    hasher.update(context.as_bytes());
    hasher.update(&[0]);
    hasher.update(message.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize().as_bytes())
}

/// Compares two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A readable random password for demo accounts and first admins: 20 characters from an
/// alphabet without look-alikes (~115 bits).
pub fn password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}
