//! Who is asking, as the web kit sees it. The kit does not know what an account is: the
//! application's [`Site`](crate::web::Site) resolves a session cookie or a bearer token into
//! its own principal type, which tells the kit only what pages, CSRF and idempotency need.

use crate::id::TokenId;

/// How a request authenticated.
#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    /// The browser's session; the hash is the session's key in the store.
    Session {
        id_hash: String,
    },
    Token {
        id: TokenId,
    },
}

/// What the web kit needs of a signed-in principal.
pub trait Identity: Clone + Send + Sync + 'static {
    /// The roles routes and navigation entries may require.
    type Role: Copy + Eq + Send + Sync + 'static;

    /// A stable key of the principal (idempotency keys are scoped by it).
    fn key(&self) -> String;
    /// The name the layout greets.
    fn display_name(&self) -> &str;
    fn has_role(&self, role: Self::Role) -> bool;
    fn via(&self) -> &Via;

    /// The session's key when signed in by cookie (CSRF tokens are bound to it).
    fn session_hash(&self) -> Option<&str> {
        match self.via() {
            Via::Session { id_hash } => Some(id_hash),
            Via::Token { .. } => None,
        }
    }
}
