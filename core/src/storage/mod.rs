//! Storage handles. Each feature defines its store as a trait and implements it for both
//! handles; [`Backend`] is chosen once at start from the configuration.

pub mod mongo;
pub mod sqlite;

pub use mongo::Mongo;
pub use sqlite::{CachedStatements, Sqlite, SyncMode};

use crate::error::StoreResult;

/// The storage backend a deployment runs on: MongoDB when `MONGODB_URI` is set, otherwise the
/// embedded SQLite store in the data folder.
#[derive(Clone, Debug)]
pub enum Backend {
    Mongo(Mongo),
    Sqlite(Sqlite),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Mongo(_) => "mongodb",
            Backend::Sqlite(_) => "sqlite",
        }
    }

    /// Proves the store answers (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        match self {
            Backend::Mongo(m) => m.ping().await,
            Backend::Sqlite(s) => s.ping().await,
        }
    }
}
