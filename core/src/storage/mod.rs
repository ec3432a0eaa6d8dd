//! Storage handles. Each feature defines its store as a trait and implements it for both
//! handles; [`Backend`] is chosen once at start from the configuration.

pub mod journal;
pub mod mongo;
pub mod sqlite;

pub use journal::Journal;
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

/// A feature's store on `backend`, as its port's trait object: the SQLite or MongoDB adapter
/// type given (each with `new(handle)` and `migrate()`), built and its schema prepared
/// (idempotent). Expands to the body of an `async fn(&Backend) -> StoreResult<Arc<dyn Port>>`.
#[macro_export]
macro_rules! open_store {
    ($backend:expr, $sqlite:ty, $mongo:ty) => {
        match $backend {
            $crate::storage::Backend::Sqlite(db) => {
                let store = <$sqlite>::new(db.clone());
                store.migrate().await?;
                Ok(::std::sync::Arc::new(store))
            }
            $crate::storage::Backend::Mongo(db) => {
                let store = <$mongo>::new(db.clone());
                store.migrate().await?;
                Ok(::std::sync::Arc::new(store))
            }
        }
    };
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
