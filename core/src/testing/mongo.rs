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

/// Whether an index of `fields` (in order) serves a query: its fields begin with the query's
/// equality fields (in any order), then its range or sort fields in order. What a real MongoDB
/// needs to answer the query from the index (the test server scans whatever the indexes, so
/// its timings say nothing of this).
pub fn index_serves(fields: &[&str], equal: &[&str], then: &[&str]) -> bool {
    if fields.len() < equal.len() + then.len() {
        return false;
    }
    let head: std::collections::BTreeSet<&str> = fields[..equal.len()].iter().copied().collect();
    let wanted: std::collections::BTreeSet<&str> = equal.iter().copied().collect();
    head == wanted && fields[equal.len()..equal.len() + then.len()] == *then
}

#[cfg(test)]
mod tests {
    use super::index_serves;

    #[test]
    fn an_index_serves_its_equality_prefix_then_its_order() {
        let index = ["project_id", "status", "created_at", "_id"];
        assert!(index_serves(
            &index,
            &["status", "project_id"],
            &["created_at"]
        ));
        assert!(index_serves(&index, &["project_id"], &[]));
        assert!(!index_serves(&index, &["status"], &["created_at"]));
        assert!(!index_serves(&index, &["project_id", "status"], &["_id"]));
        assert!(!index_serves(
            &index[..2],
            &["project_id", "status"],
            &["created_at"]
        ));
    }
}
