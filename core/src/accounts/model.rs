//! Account domain types. Parse, don't validate: a value of these types is valid by construction,
//! so the service and the stores never re-check it.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::{AccountId, DistrictId, OrganisationId, TokenId};
pub use crate::web::problem::Invalid;

/// A normalised email address: trimmed, lower-cased, at most 254 characters, one `@`, a dotted
/// domain. Quoted local parts and IP-literal domains are refused: nobody signs up with them, and
/// they are where header-injection tricks live.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let bad = || Invalid::new("email", "invalid_email");
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Invalid::new("email", "required"));
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new("email", "too_long"));
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return Err(bad());
        }
        const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-.";
        if !local
            .chars()
            .all(|c| c.is_alphanumeric() || LOCAL_SPECIALS.contains(c))
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(bad());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(bad());
        }
        for label in &labels {
            if label.is_empty()
                || label.chars().count() > 63
                || label.starts_with('-')
                || label.ends_with('-')
                || !label.chars().all(|c| c.is_alphanumeric() || c == '-')
            {
                return Err(bad());
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(bad());
        }
        Ok(Email(email))
    }
}

crate::string_newtype!(Email);

/// `required` when `value` is empty, else `too_short` or `too_long` outside `min..=max`
/// characters.
fn check_length(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), Invalid> {
    let len = value.chars().count();
    let code = if len == 0 {
        "required"
    } else if len < min {
        "too_short"
    } else if len > max {
        "too_long"
    } else {
        return Ok(());
    };
    Err(Invalid::new(field, code))
}

/// The name other people see: 2 to 60 characters after trimming and collapsing runs of spaces,
/// at least one letter, no control characters (so never a line break in an email header).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MIN_LEN: usize = 2;
    pub const MAX_LEN: usize = 60;

    pub fn parse(raw: &str) -> Result<DisplayName, Invalid> {
        let field = "display_name";
        if raw.chars().any(|c| c.is_control()) {
            return Err(Invalid::new(field, "invalid_characters"));
        }
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        check_length(field, &name, Self::MIN_LEN, Self::MAX_LEN)?;
        if !name.chars().any(char::is_alphabetic) {
            return Err(Invalid::new(field, "needs_letter"));
        }
        // Invisible formatting characters (zero-width joiners, bidi overrides) make two names
        // look alike or reorder text around them.
        if name
            .chars()
            .any(|c| matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        {
            return Err(Invalid::new(field, "invalid_characters"));
        }
        Ok(DisplayName(name))
    }
}

crate::string_newtype!(DisplayName);

/// A password as typed: 10 to 128 characters, not blank, not one of the most common passwords.
/// Not trimmed: a trailing space is part of it. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Password, Invalid> {
        Self::parse_field(raw, "password")
    }

    pub fn parse_field(raw: &str, field: &'static str) -> Result<Password, Invalid> {
        check_length(field, raw, Self::MIN_LEN, Self::MAX_LEN)?;
        if raw.trim().is_empty() || raw.chars().all(|c| raw.starts_with(c)) {
            return Err(Invalid::new(field, "too_weak"));
        }
        let lower = raw.to_lowercase();
        if COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(Invalid::new(field, "too_weak"));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Passwords of 10+ characters that top the leaked-password lists.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "password12",
    "password123",
    "password1234",
    "0987654321",
    "iloveyou12",
    "abcdefghij",
    "йцукенгшщз",
    "1234554321",
    "1111111111a",
    "qwertyuiop123",
    "zaq12wsxcde3",
    "administrator",
];

/// Year of birth: at least 1900, and the person at least [`BirthYear::MIN_AGE`] this year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BirthYear(i32);

impl BirthYear {
    /// Active Citizen lets residents take part from the age of 14.
    pub const MIN_AGE: i32 = 14;

    pub fn parse(year: i64, this_year: i32) -> Result<BirthYear, Invalid> {
        if year < 1900 {
            return Err(Invalid::new("birth_year", "out_of_range"));
        }
        if year > i64::from(this_year - Self::MIN_AGE) {
            return Err(Invalid::new("birth_year", "too_young"));
        }
        Ok(BirthYear(year as i32))
    }

    pub fn value(self) -> i32 {
        self.0
    }

    pub fn from_trusted(year: i32) -> BirthYear {
        BirthYear(year)
    }
}

/// What an account may do. An account holds one or more roles; every account is a resident.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Moderator,
    /// Works for a responsible organisation; runs polls and answers reports.
    Official,
    /// Picks the best ideas in crowdsourcing projects.
    Expert,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Resident,
        Role::Moderator,
        Role::Official,
        Role::Expert,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Moderator => "moderator",
            Role::Official => "official",
            Role::Expert => "expert",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// The catalog key of the role's name (`role-resident`, …).
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Resident => "role-resident",
            Role::Moderator => "role-moderator",
            Role::Official => "role-official",
            Role::Expert => "role-expert",
            Role::Admin => "role-admin",
        }
    }
}

/// Unverified until the email address is confirmed; blocked by an admin (cannot sign in, all
/// sessions and tokens revoked).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Unverified,
    Active,
    Blocked,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Unverified => "unverified",
            AccountState::Active => "active",
            AccountState::Blocked => "blocked",
        }
    }

    /// The catalog key of the state's name (`state-active`, …).
    pub fn label_key(self) -> &'static str {
        match self {
            AccountState::Unverified => "state-unverified",
            AccountState::Active => "state-active",
            AccountState::Blocked => "state-blocked",
        }
    }

    pub fn parse(raw: &str) -> Option<AccountState> {
        [
            AccountState::Unverified,
            AccountState::Active,
            AccountState::Blocked,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// An account as stored. `password_hash` is an argon2id PHC string and leaves the service only
/// to be verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub id: AccountId,
    pub email: Email,
    pub display_name: DisplayName,
    pub district_id: DistrictId,
    pub birth_year: BirthYear,
    pub password_hash: String,
    pub roles: BTreeSet<Role>,
    /// Set for officials: the organisation they answer for.
    pub organisation_id: Option<OrganisationId>,
    pub state: AccountState,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Set, in the same write as the change, when the account owes an email that may not be in
    /// the outbox yet (the address check after sign-up); cleared once it is. See
    /// [`crate::notify`].
    pub mail_pending_since: Option<OffsetDateTime>,
    /// The language of the account's emails: the page language at sign-up, then the last one
    /// chosen with the switcher while signed in.
    pub lang: crate::web::i18n::Lang,
}

impl Account {
    /// A new account made at `now`: a new id, active, no organisation, no email owed, emails in
    /// Russian. Change any of these with `Account { …, ..Account::new(…) }`.
    pub fn new(
        email: Email,
        display_name: DisplayName,
        district_id: DistrictId,
        birth_year: BirthYear,
        password_hash: String,
        roles: BTreeSet<Role>,
        now: OffsetDateTime,
    ) -> Account {
        Account {
            id: AccountId::generate(),
            email,
            display_name,
            district_id,
            birth_year,
            password_hash,
            roles,
            organisation_id: None,
            state: AccountState::Active,
            created_at: now,
            updated_at: now,
            mail_pending_since: None,
            lang: crate::web::i18n::Lang::Ru,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The text that account search matches: lower-cased email and display name. Lower-cased
    /// here, not in SQL, because SQLite's `lower()` knows only ASCII and names are Cyrillic.
    pub fn search_text(&self) -> String {
        format!(
            "{} {}",
            self.email.as_str(),
            self.display_name.as_str().to_lowercase()
        )
    }
}

/// A signed-in browser. The cookie holds the random id; the store holds its blake3 hash.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: AccountId,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A bearer token for programs. The secret is shown once at creation; the store keeps its hash.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub account_id: AccountId,
    pub name: String,
    pub hash: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// What a link sent by email is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirms the address given at sign-up; the account becomes active.
    VerifyEmail,
    /// Sets a new password without the old one.
    PasswordReset,
    /// Confirms a new address (the link goes to the new address).
    EmailChange,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::EmailChange => "email_change",
        }
    }
    pub fn parse(raw: &str) -> Option<TokenPurpose> {
        match raw {
            "verify_email" => Some(TokenPurpose::VerifyEmail),
            "password_reset" => Some(TokenPurpose::PasswordReset),
            "email_change" => Some(TokenPurpose::EmailChange),
            _ => None,
        }
    }
}

/// A single-use token sent in a link. The link carries the secret; the store keeps its blake3
/// hash only, and taking the token deletes it.
#[derive(Clone, Debug, PartialEq)]
pub struct EmailToken {
    pub hash: String,
    pub account_id: AccountId,
    pub purpose: TokenPurpose,
    /// For [`TokenPurpose::EmailChange`]: the address being confirmed.
    pub new_email: Option<Email>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Filters for the admin's account list. Newest first; `before` is the cursor (an account id).
#[derive(Clone, Debug, Default)]
pub struct AccountQuery {
    /// Lower-cased text to find in the email or the display name.
    pub text: Option<String>,
    pub role: Option<Role>,
    pub state: Option<AccountState>,
    pub before: Option<AccountId>,
    pub limit: usize,
}

/// The name of an API token: 1 to 60 characters, no control characters.
pub fn parse_token_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Invalid::new("name", "required"));
    }
    if name.chars().count() > 60 {
        return Err(Invalid::new("name", "too_long"));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new("name", "invalid_characters"));
    }
    Ok(name.to_string())
}

/// A responsible organisation: an управа, a prefecture, a city department. Officials belong to one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Organisation {
    #[schema(value_type = String)]
    pub id: OrganisationId,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An organisation's name: 2 to 200 characters, no control characters.
pub fn parse_organisation_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Invalid::new("name", "required"));
    }
    if name.chars().count() < 2 {
        return Err(Invalid::new("name", "too_short"));
    }
    if name.chars().count() > 200 {
        return Err(Invalid::new("name", "too_long"));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Invalid::new("name", "invalid_characters"));
    }
    Ok(name)
}
