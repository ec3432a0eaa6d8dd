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

/// Counts token trees (for [`string_enum!`]'s `ALL`).
#[doc(hidden)]
#[macro_export]
macro_rules! __count {
    () => { 0usize };
    ($head:tt $($tail:tt)*) => { 1usize + $crate::__count!($($tail)*) };
}

/// Declares an enum whose values have stable names (in stores, URLs, forms and the API):
/// `ALL` (in order), `as_str` and `parse`, and serde names that are the same names. It derives
/// `Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize` (the caller's crate
/// depends on serde); further attributes pass through to the enum and its variants.
///
/// ```
/// veche_core::string_enum! {
///     #[derive(PartialOrd, Ord)]
///     pub enum Colour { Red = "red", DarkBlue = "dark_blue" }
/// }
/// assert_eq!(Colour::parse("dark_blue"), Some(Colour::DarkBlue));
/// assert_eq!(Colour::Red.as_str(), "red");
/// assert_eq!(Colour::ALL.len(), 2);
/// assert!(Colour::Red < Colour::DarkBlue);
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize,
        )]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; $crate::__count!($($variant)+)] = [$($name::$variant),+];

            /// The value's stable name (its serde name too).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The value with this name.
            pub fn parse(raw: &str) -> Option<$name> {
                match raw {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }
    };
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

#[cfg(test)]
mod monotonic {
    #[test]
    fn ids_made_in_one_millisecond_keep_their_order() {
        let ids: Vec<String> = (0..10_000).map(|_| super::next_ulid()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
