//! [`limit_enum!`](crate::limit_enum): a crate's rate limits as an enum, each variant with its
//! configuration name and default rate, implementing
//! [`LimitName`](crate::web::ratelimit::LimitName).

/// Declares a crate's limit type: an enum whose variants each name a limit
/// (`VECHE_RATE_<NAME>`) and its default rate (`COUNT/PERIOD`), with
/// [`LimitName`](crate::web::ratelimit::LimitName) implemented from that table.
///
/// ```
/// use veche_core::web::ratelimit::LimitName;
///
/// veche_core::limit_enum! {
///     /// Example limits.
///     pub enum ExampleLimit {
///         /// Sign-ins from one address.
///         SigninIp = ("example_signin_ip", "10/min"),
///         Upload = ("example_upload", "5/h"),
///     }
/// }
/// assert_eq!(ExampleLimit::ALL, &[ExampleLimit::SigninIp, ExampleLimit::Upload]);
/// assert_eq!(ExampleLimit::Upload.name(), "example_upload");
/// assert_eq!(ExampleLimit::SigninIp.default_rate(), "10/min");
/// ```
#[macro_export]
macro_rules! limit_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($limit:literal, $rate:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::web::ratelimit::LimitName for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];

            fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $limit ),+
                }
            }

            fn default_rate(self) -> &'static str {
                match self {
                    $( $name::$variant => $rate ),+
                }
            }
        }
    };
}
