//! For the MongoDB-only tests that write and read documents straight through the driver (in the
//! form an older writer or a hand-made import would leave them).

use mongodb::bson::{Bson, Document};
use mongodb::Collection;
use time::OffsetDateTime;

use crate::storage::Backend;

/// The raw collections of a MongoDB backend, by name. Panics on another backend: the test is
/// MongoDB's only.
pub fn collections(backend: &Backend) -> impl Fn(&str) -> Collection<Document> + '_ {
    let Backend::Mongo(db) = backend else {
        panic!("a MongoDB test got {}", backend.name());
    };
    move |name| db.collection::<Document>(name)
}

/// The first document of `collection` that `filter` matches; panics when there is none.
pub async fn find_one(collection: &Collection<Document>, filter: Document) -> Document {
    match collection.find_one(filter.clone()).await {
        Ok(Some(found)) => found,
        Ok(None) => panic!("no document matches {filter}"),
        Err(e) => panic!("finding {filter}: {e}"),
    }
}

/// The instant in `field`, which must be a BSON date.
pub fn date(document: &Document, field: &str) -> OffsetDateTime {
    match document.get(field) {
        Some(Bson::DateTime(at)) => crate::clock::from_millis(at.timestamp_millis()),
        other => panic!("{field} is {other:?}, not a date"),
    }
}
