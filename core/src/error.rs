//! The one error type every store returns, whichever backend is behind it.

/// What went wrong in a store call, reduced to what callers can act on.
///
/// Both adapters map their native errors here: a duplicate key (MongoDB code 11000, an SQLite
/// unique or primary-key constraint) becomes [`StoreError::Conflict`]; a store that cannot be
/// reached becomes [`StoreError::Unavailable`] (HTTP 503 with `Retry-After`). Everything else is
/// [`StoreError::Internal`]: logged with its cause, answered as a bare 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key already holds this value. The string names the key (index or column), so a
    /// caller with several unique keys can tell which one clashed.
    #[error("duplicate key: {0}")]
    Conflict(String),
    /// The record the caller addressed does not exist.
    #[error("not found")]
    NotFound,
    /// The store cannot be reached or is overloaded right now; retrying later may succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug, corrupt data, a failed migration.
    #[error("store failure: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        StoreError::Internal(cause.to_string())
    }

    /// True when the clash is on the named key (matched as a substring of the index or column
    /// name the backend reported, e.g. `email` matches `accounts.email` and `email_1`).
    pub fn is_conflict_on(&self, key: &str) -> bool {
        matches!(self, StoreError::Conflict(k) if k.contains(key))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match &err {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(code, message) => match code.code {
                ErrorCode::ConstraintViolation
                    if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        || code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                {
                    // "UNIQUE constraint failed: accounts.email"
                    let key = message
                        .as_deref()
                        .and_then(|m| m.rsplit(": ").next())
                        .unwrap_or("unknown")
                        .to_string();
                    StoreError::Conflict(key)
                }
                ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::CannotOpen
                | ErrorCode::DiskFull
                | ErrorCode::SystemIoFailure
                | ErrorCode::OutOfMemory => StoreError::Unavailable(err.to_string()),
                _ => StoreError::Internal(err.to_string()),
            },
            _ => StoreError::Internal(err.to_string()),
        }
    }
}

impl From<mongodb::error::Error> for StoreError {
    fn from(err: mongodb::error::Error) -> Self {
        use mongodb::error::{ErrorKind, WriteFailure};
        const DUPLICATE_KEY: i32 = 11000;
        let duplicate = |message: &str| {
            // "E11000 duplicate key error collection: db.accounts index: email_1 dup key: ..."
            let key = message
                .split(" index: ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or("unknown");
            StoreError::Conflict(key.to_string())
        };
        // FerretDB reports some unique-index clashes as an internal error carrying SQLite's
        // "UNIQUE constraint failed: index 'db_collection_email_1'".
        let unique_violation = |message: &str| {
            message.find("UNIQUE constraint failed").map(|at| {
                let rest = &message[at..];
                let key = rest.split('\'').nth(1).unwrap_or("unknown").to_string();
                StoreError::Conflict(key)
            })
        };
        match err.kind.as_ref() {
            ErrorKind::Write(WriteFailure::WriteError(e)) if e.code != DUPLICATE_KEY => {
                unique_violation(&e.message)
                    .unwrap_or_else(|| StoreError::Internal(err.to_string()))
            }
            ErrorKind::Command(e)
                if e.code != DUPLICATE_KEY && e.message.contains("UNIQUE constraint failed") =>
            {
                unique_violation(&e.message)
                    .unwrap_or_else(|| StoreError::Internal(err.to_string()))
            }
            ErrorKind::Write(WriteFailure::WriteError(e)) if e.code == DUPLICATE_KEY => {
                duplicate(&e.message)
            }
            ErrorKind::Command(e) if e.code == DUPLICATE_KEY => duplicate(&e.message),
            ErrorKind::InsertMany(e) => match e
                .write_errors
                .as_ref()
                .and_then(|errors| errors.iter().find(|w| w.code == DUPLICATE_KEY))
            {
                Some(w) => duplicate(&w.message),
                None => StoreError::Internal(err.to_string()),
            },
            ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
            | ErrorKind::Shutdown => StoreError::Unavailable(err.to_string()),
            _ => StoreError::Internal(err.to_string()),
        }
    }
}

impl From<mongodb::bson::de::Error> for StoreError {
    fn from(err: mongodb::bson::de::Error) -> Self {
        StoreError::Internal(format!("bad document: {err}"))
    }
}

impl From<mongodb::bson::ser::Error> for StoreError {
    fn from(err: mongodb::bson::ser::Error) -> Self {
        StoreError::Internal(format!("unserialisable document: {err}"))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
