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

/// A count, a size, a limit or a version as the stores' signed integer (and the charts'): at
/// most `i64::MAX`, where a larger one could only be a bug.
pub fn as_i64(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// Every item of a list a store reads in pages in key order (a key set, not an offset):
/// `page(after, size)` answers up to `size` items after the key `after` (the first page with
/// `None`); a shorter page is the last. The store methods of this shape take the last item of
/// a page as the next page's key: followers, joiners, voters, participants.
pub async fn every_page<T, E, F, Fut>(size: usize, mut page: F) -> Result<Vec<T>, E>
where
    T: Clone,
    F: FnMut(Option<T>, usize) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, E>>,
{
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let items = page(after, size).await?;
        let full = items.len() == size;
        after = items.last().cloned();
        out.extend(items);
        if !full || after.is_none() {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::every_page;

    /// Keys 0..n in pages after a key, as a store answers them; counts the reads.
    async fn read_all(n: u32, size: usize) -> (Vec<u32>, usize) {
        let mut reads = 0;
        let all = every_page(size, |after: Option<u32>, size| {
            reads += 1;
            let from = after.map_or(0, |a| a + 1);
            let page: Vec<u32> = (from..n).take(size).collect();
            async move { Ok::<_, ()>(page) }
        })
        .await
        .unwrap_or_default();
        (all, reads)
    }

    #[tokio::test]
    async fn every_page_reads_each_item_once_and_stops_at_a_short_page() {
        assert_eq!(read_all(10, 3).await, ((0..10).collect(), 4));
        // A last page that is exactly full takes one more (empty) read to be sure.
        assert_eq!(read_all(9, 3).await, ((0..9).collect(), 4));
        assert_eq!(read_all(0, 3).await, (Vec::new(), 1));
        assert_eq!(read_all(2, 3).await, ((0..2).collect(), 1));
    }

    #[tokio::test]
    async fn every_page_stops_at_the_first_error() {
        let mut reads = 0;
        let got = every_page(2, |_: Option<u32>, _| {
            reads += 1;
            async { Err::<Vec<u32>, _>("down") }
        })
        .await;
        assert_eq!(got, Err("down"));
        assert_eq!(reads, 1);
    }
}
