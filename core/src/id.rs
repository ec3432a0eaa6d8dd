//! Opaque identifiers. New ids are ULIDs: 128 bits, time-ordered, printed as 26 characters of
//! Crockford base32. Time order makes "newest first" lists and stable cursors cheap on both stores.

/// A new ULID, after every ULID this process made before: ids made within one millisecond
/// keep the order they were made in (a plain ULID orders them at random), so "newest first"
/// lists and cursors agree with creation order.
pub fn next_ulid() -> String {
    use std::sync::Mutex;
    static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());
    let mut generator = match GENERATOR.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    // Fails only when 2^80 ids were made in one millisecond; a plain ULID then.
    generator
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new())
        .to_string()
}

/// Declares a string id newtype with parsing, display and serde.
#[macro_export]
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                $name($crate::id::next_ulid())
            }
            /// Wraps an id read from a store or a URL. Ids are opaque: anything from 1 to 64
            /// characters of `[0-9A-Za-z_-]` is accepted; unknown ids simply find nothing.
            pub fn parse(raw: &str) -> Option<Self> {
                let ok = !raw.is_empty()
                    && raw.len() <= 64
                    && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                ok.then(|| $name(raw.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// For values read back from our own stores.
            pub fn from_trusted(raw: String) -> Self {
                $name(raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// An account (a resident, moderator, official, expert or admin).
    AccountId
);
string_id!(
    /// A responsible organisation (управа, префектура, a city department).
    OrganisationId
);
string_id!(
    /// An API token (its id, not its secret).
    TokenId
);
string_id!(
    /// A district: for Moscow, its OKTMO code.
    DistrictId
);
string_id!(
    /// An okrug (a group of districts): for Moscow, its OKATO code.
    OkrugId
);
string_id!(
    /// An audit log entry.
    AuditId
);

#[cfg(test)]
mod monotonic {
    #[test]
    fn ids_made_in_one_millisecond_keep_their_order() {
        let ids: Vec<String> = (0..10_000).map(|_| super::next_ulid()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
