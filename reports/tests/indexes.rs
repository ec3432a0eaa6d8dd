//! Every query the reports' MongoDB adapter sends has an index a real MongoDB would use for
//! it: its equality fields first (an `$in` of cells counts as equality), then its range or
//! sort fields in order. The query list below is the adapter's, written out; the test checks
//! the adapter's index table against it, and that the server holds every index after the
//! store is opened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use veche_core::storage::Backend;
use veche_core::testing::mongo::index_serves;
use veche_reports::store::mongo::INDEXES;

/// (what, collection, equality fields, range or sort fields in order).
const QUERIES: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "open reports near a point",
        "reports",
        &["cell", "open"],
        &[],
    ),
    (
        "open reports of a category near a point (duplicates)",
        "reports",
        &["cell", "open", "category_id"],
        &[],
    ),
    (
        "the public list, newest first",
        "reports",
        &["public"],
        &["created_at", "_id"],
    ),
    (
        "Open311: public reports made within a span (statuses, categories filtered in it)",
        "reports",
        &["public"],
        &["created_at", "_id"],
    ),
    (
        "a district's public list",
        "reports",
        &["district_id", "public"],
        &["created_at", "_id"],
    ),
    (
        "a category's public list",
        "reports",
        &["category_id", "public"],
        &["created_at", "_id"],
    ),
    (
        "reports of a status (moderation)",
        "reports",
        &["status"],
        &["created_at", "_id"],
    ),
    (
        "overdue reports, city-wide",
        "reports",
        &[],
        &["due", "_id"],
    ),
    (
        "a district's overdue reports",
        "reports",
        &["district_id"],
        &["due", "_id"],
    ),
    (
        "an organisation's queue and overdue list",
        "reports",
        &["organisation_id"],
        &["due", "_id"],
    ),
    (
        "an author's reports",
        "reports",
        &["author_id"],
        &["created_at", "_id"],
    ),
    (
        "the dashboard's grouping of an organisation's reports",
        "reports",
        &["organisation_id"],
        &[],
    ),
    (
        "the dashboard's overdue count of an organisation",
        "reports",
        &["organisation_id"],
        &["due"],
    ),
    ("deadline warnings due", "reports", &[], &["next_check"]),
    ("answered reports to close", "reports", &[], &["closes_at"]),
    ("emails owed", "reports", &[], &["mail_since"]),
    (
        "a report's joiners in order",
        "report_joins",
        &["report_id"],
        &["account_id"],
    ),
    (
        "a resident's joins, the latest first",
        "report_joins",
        &["account_id"],
        &["at", "report_id"],
    ),
];

fn served(collection: &str, equal: &[&str], then: &[&str]) -> bool {
    INDEXES
        .iter()
        .any(|i| i.collection == collection && index_serves(i.fields, equal, then))
}

#[test]
fn every_query_has_an_index() {
    for (what, collection, equal, then) in QUERIES {
        assert!(
            served(collection, equal, then),
            "{what}: no index on {collection} begins with {equal:?} then {then:?}"
        );
    }
    // The check can fail: a query on fields no index begins with is caught.
    assert!(!served("reports", &["category_id"], &["due"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_holds_every_index_after_the_store_opens() {
    veche_core::testing::on_mongo("reports_indexes", |backend| async move {
        veche_reports::store::open(&backend).await.unwrap();
        let Backend::Mongo(db) = &backend else {
            unreachable!("on_mongo gives MongoDB")
        };
        for index in INDEXES {
            let name: Vec<String> = index.fields.iter().map(|f| format!("{f}_1")).collect();
            let name = name.join("_");
            let names: Vec<String> = db
                .collection::<mongodb::bson::Document>(index.collection)
                .list_index_names()
                .await
                .unwrap();
            assert!(
                names.contains(&name),
                "{}.{name}: {names:?}",
                index.collection
            );
        }
    })
    .await;
}

/// On SQLite the dashboard's grouping (the adapter's query, written out) reads the covering
/// index `reports_tally` alone: the organisation's range of it (every organisation's, for
/// admins), never the table's rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_reads_only_its_covering_index_on_sqlite() {
    veche_core::testing::on_sqlite(|backend| async move {
        veche_reports::store::open(&backend).await.unwrap();
        let Backend::Sqlite(db) = &backend else {
            unreachable!("on_sqlite gives SQLite")
        };
        for (filter, organisation) in [
            ("organisation_id = ?2", Some("org")),
            ("organisation_id IS NOT NULL", None),
        ] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT category_id, t_hours, COUNT(*), SUM(t_awaiting),
                    SUM(due IS NOT NULL AND due <= ?1), SUM(t_answered), SUM(t_on_time),
                    SUM(t_was_answered), SUM(t_reopened)
                 FROM reports INDEXED BY reports_tally WHERE {filter} GROUP BY 1, 2"
            );
            let mut args = vec![rusqlite::types::Value::Integer(0)];
            args.extend(organisation.map(|o| rusqlite::types::Value::Text(o.into())));
            let plan: Vec<String> = db
                .query_all(sql, rusqlite::params_from_iter(args), |row| {
                    row.get::<_, String>(3)
                })
                .await
                .unwrap();
            let plan = plan.join(" | ");
            assert!(
                plan.contains("USING COVERING INDEX reports_tally"),
                "{filter}: {plan}"
            );
        }
    })
    .await;
}
