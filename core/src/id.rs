//! Opaque identifiers. New ids are ULIDs: 128 bits, time-ordered, printed as 26 characters of
//! Crockford base32. Time order makes "newest first" lists and stable cursors cheap on both stores.

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
                $name(::ulid::Ulid::new().to_string())
            }
            /// Wraps an id read from a store or a URL. Ids are opaque: anything from 1 to 64
            /// characters of `[0-9A-Za-z_-]` is accepted; unknown ids simply find nothing.
            pub fn parse(raw: &str) -> Option<Self> {
                let ok = !raw.is_empty()
                    && raw.len() <= 64
                    && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                ok.then(|| $name(raw.to_string()))
            }
        }

        $crate::string_newtype!($name);
    };
}

/// For a newtype over a `String` that its own `parse` checks: `as_str`, `from_trusted` (no
/// check) and `Display`.
#[macro_export]
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
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
