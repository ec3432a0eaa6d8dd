//! Every query the MongoDB adapter sends has an index a real MongoDB would use for it: its
//! equality fields first, then its range or sort fields in order. FerretDB (the test server)
//! scans whatever the indexes, so its timings say nothing of this; the query list below is the
//! adapter's, written out, and the test checks the adapter's index table against it and that
//! the server holds every index after the store is opened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use veche_core::storage::{Backend, Sqlite};
use veche_core::testing::mongo::index_serves;
use veche_ideas::store::mongo::INDEXES;

/// (what, collection, equality fields, range or sort fields in order).
const QUERIES: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "published projects, newest first",
        "idea_projects",
        &["published"],
        &["created_at", "_id"],
    ),
    (
        "all projects (officials), newest first",
        "idea_projects",
        &[],
        &["created_at", "_id"],
    ),
    (
        "a project's ideas of a status, newest first",
        "ideas",
        &["project_id", "status"],
        &["created_at", "_id"],
    ),
    (
        "a project's ideas of a status, most supported first",
        "ideas",
        &["project_id", "status"],
        &["supports", "_id"],
    ),
    (
        "a project's ideas of a topic",
        "ideas",
        &["project_id", "topic"],
        &["created_at", "_id"],
    ),
    (
        "an author's ideas",
        "ideas",
        &["author_id"],
        &["created_at", "_id"],
    ),
    (
        "search: the ideas holding a stem",
        "ideas",
        &["project_id", "stems"],
        &[],
    ),
    (
        "duplicates: the same exact key",
        "ideas",
        &["project_id", "exact"],
        &[],
    ),
    (
        "duplicates: a shared band key",
        "ideas",
        &["project_id", "bands"],
        &[],
    ),
    (
        "the queue of every project, oldest first",
        "ideas",
        &[],
        &["queued_at", "_id"],
    ),
    (
        "a project's queue, oldest first",
        "ideas",
        &["project_id"],
        &["queued_at", "_id"],
    ),
    (
        "emails owed, oldest first",
        "ideas",
        &[],
        &["mail_due.since"],
    ),
    (
        "the shortlist",
        "ideas",
        &["project_id", "shortlisted"],
        &[],
    ),
    ("the results", "ideas", &["project_id"], &["outcome"]),
    (
        "which of a page's ideas a resident supports",
        "idea_supports",
        &["account_id", "idea_id"],
        &[],
    ),
    (
        "an idea's supports (a merge, a recount)",
        "idea_supports",
        &["idea_id"],
        &[],
    ),
    (
        "an idea's comments in order",
        "idea_comments",
        &["idea_id"],
        &["_id"],
    ),
    (
        "reported comments in order",
        "idea_comments",
        &["awaiting"],
        &["_id"],
    ),
    (
        "an idea's followers in order",
        "idea_follows",
        &["idea_id"],
        &["account_id"],
    ),
    (
        "a project's participants in order (stage announcements)",
        "idea_participants",
        &["project_id"],
        &["account_id"],
    ),
    ("a project's scores", "idea_scores", &["project_id"], &[]),
    (
        "a project's decisions by day",
        "idea_decisions",
        &["project_id"],
        &["day"],
    ),
];

/// The index of `collection` serving a query, if any (see
/// [`veche_core::testing::mongo::index_serves`]).
fn serving(collection: &str, equal: &[&str], then: &[&str]) -> Option<&'static str> {
    INDEXES.iter().find_map(|(c, keys, name)| {
        let fields: Vec<&str> = keys.iter().map(|(f, _)| *f).collect();
        (*c == collection && index_serves(&fields, equal, then)).then_some(*name)
    })
}

#[test]
fn every_query_has_an_index() {
    for (what, collection, equal, then) in QUERIES {
        assert!(
            serving(collection, equal, then).is_some(),
            "{what}: no index on {collection} begins with {equal:?} then {then:?}"
        );
    }
    // The check can fail: a query on fields no index begins with is caught.
    assert!(serving("ideas", &["topic"], &["supports"]).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_holds_every_index_after_the_store_opens() {
    veche_core::testing::on_mongo("ideas_indexes", |backend| async move {
        veche_ideas::store::open(&backend).await.unwrap();
        let Backend::Mongo(db) = &backend else {
            unreachable!("on_mongo gives MongoDB")
        };
        for (collection, _, name) in INDEXES {
            let names: Vec<String> = db
                .collection::<mongodb::bson::Document>(collection)
                .list_index_names()
                .await
                .unwrap();
            assert!(
                names.iter().any(|n| n == name),
                "{collection}.{name}: {names:?}"
            );
        }
    })
    .await;
}

/// On SQLite, which of a page's ideas a resident supports (the adapter's query, written out)
/// seeks the supports' key once an idea: no index by account is kept, as every support would
/// write it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_resident_supports_seeks_the_key_on_sqlite() {
    on_ideas_sqlite(|db| async move {
        let plan = plan_of(
            &db,
            "SELECT idea_id FROM idea_supports WHERE account_id = ? AND idea_id IN (?, ?, ?)",
            &["a", "i1", "i2", "i3"],
        )
        .await;
        let plan = plan.join(" | ");
        assert!(
            plan.contains("USING PRIMARY KEY (idea_id=? AND account_id=?)"),
            "{plan}"
        );
        let indexes: Vec<String> = db
            .query_all(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'idea_supports'",
                [],
                |row| row.get::<_, String>(0),
            )
            .await
            .unwrap();
        assert!(
            indexes.iter().all(|n| n.starts_with("sqlite_autoindex")),
            "{indexes:?}"
        );
    })
    .await;
}

/// On SQLite, what a support reads (the idea's head, its project's version, the idea's count,
/// the resident's support and the journal's last line applied: the adapter's query written
/// out) is five key seeks in one statement: no scan of any table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_reads_five_keys_on_sqlite() {
    on_ideas_sqlite(|db| async move {
        let plan = plan_of(
            &db,
            "SELECT i.project_id, i.author_id, i.status, p.version, t.supports,
                    EXISTS (SELECT 1 FROM idea_supports WHERE idea_id = ?1 AND account_id = ?2),
                    l.applied
             FROM ideas i JOIN idea_projects p ON p.id = i.project_id
                  JOIN idea_tallies t ON t.idea_id = i.id, idea_support_log l
             WHERE i.id = ?1 AND l.id = 1",
            &["i1", "a1"],
        )
        .await;
        let searches: Vec<&String> = plan.iter().filter(|s| s.starts_with("SEARCH")).collect();
        assert_eq!(searches.len(), 5, "{plan:?}");
        assert!(!plan.iter().any(|s| s.starts_with("SCAN")), "{plan:?}");
        for (table, key) in [
            ("i USING INDEX sqlite_autoindex_ideas", "(id=?)"),
            ("p USING INDEX sqlite_autoindex_idea_projects", "(id=?)"),
            ("t USING PRIMARY KEY", "(idea_id=?)"),
            (
                "idea_supports USING PRIMARY KEY",
                "(idea_id=? AND account_id=?)",
            ),
            ("l USING INTEGER PRIMARY KEY", "(rowid=?)"),
        ] {
            assert!(
                searches
                    .iter()
                    .any(|s| s.contains(table) && s.contains(key)),
                "{table} {key}: {plan:?}"
            );
        }
    })
    .await;
}

/// On SQLite, a page of a project's ideas of a status (the adapter's queries written out) walks
/// an index in the page's order, the tallies' by supports and the ideas' by date, and seeks
/// the other table's key for each idea: no scan, no sort.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_ideas_walks_an_index_in_its_order_on_sqlite() {
    on_ideas_sqlite(|db| async move {
        for (sql, walked, sought) in [
            (
                "SELECT i.doc, t.supports FROM ideas i JOIN idea_tallies t ON t.idea_id = i.id
                 WHERE t.project_id = ? AND t.status IN (?) AND (t.supports, t.idea_id) < (?, ?)
                 ORDER BY t.supports DESC, t.idea_id DESC LIMIT ?",
                "t USING COVERING INDEX idea_tallies_supported",
                "i USING INDEX sqlite_autoindex_ideas",
            ),
            (
                "SELECT i.doc, t.supports FROM ideas i JOIN idea_tallies t ON t.idea_id = i.id
                 WHERE i.project_id = ? AND i.status IN (?) AND (i.created_at, i.id) < (?, ?)
                 ORDER BY i.created_at DESC, i.id DESC LIMIT ?",
                "i USING INDEX ideas_newest",
                "t USING PRIMARY KEY (idea_id=?)",
            ),
        ] {
            let plan = plan_of(&db, sql, &["p1", "approved", "3", "i1", "20"]).await;
            assert_eq!(plan.len(), 2, "{plan:?}");
            assert!(
                plan[0].starts_with("SEARCH") && plan[0].contains(walked),
                "{plan:?}"
            );
            assert!(
                plan[1].starts_with("SEARCH") && plan[1].contains(sought),
                "{plan:?}"
            );
        }
    })
    .await;
}

/// Runs `test` on a fresh SQLite store with the ideas' tables.
async fn on_ideas_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Sqlite) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    veche_core::testing::on_sqlite(|backend| async move {
        veche_ideas::store::open(&backend).await.unwrap();
        let Backend::Sqlite(db) = backend else {
            unreachable!("on_sqlite gives SQLite")
        };
        test(db).await
    })
    .await;
}

/// SQLite's plan for `sql` with `params`: one line a step.
async fn plan_of(db: &Sqlite, sql: &str, params: &[&str]) -> Vec<String> {
    let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    db.query_all(
        format!("EXPLAIN QUERY PLAN {sql}"),
        rusqlite::params_from_iter(params),
        |row| row.get::<_, String>(3),
    )
    .await
    .unwrap()
}
