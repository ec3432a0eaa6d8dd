//! Every query the reports' MongoDB adapter sends has an index a real MongoDB would use for
//! it: its equality fields first (an `$in` of cells counts as equality), then its range or
//! sort fields in order. The query list below is the adapter's, written out; the test checks
//! the adapter's index table against it, and that the server holds every index after the
//! store is opened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "service/world.rs"]
#[allow(dead_code, unused_imports)]
mod world;

use std::future::Future;

use rusqlite::Params;
use veche_core::storage::{Backend, Sqlite};
use veche_core::testing::mongo::index_serves;
use veche_reports::store::mongo::INDEXES;

/// The MongoDB tests of this file one at a time: the round trips are counted from the
/// driver's command events, which every test of the process sees.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// (what, collection, equality fields, range or sort fields in order).
const QUERIES: &[(&str, &str, &[&str], &[&str])] = &[
    // Near a point: `cell` `$in` the few cells around it (at most 81 for the largest radius),
    // one index scan per cell; only the ids and places come back, which the index holds (a
    // covered query: no report read to be weighed). Then the nearest by `_id`.
    (
        "open reports near a point: the candidates' places",
        "reports",
        &["open", "cell"],
        &["place.lat", "place.lon", "_id"],
    ),
    (
        "open reports of a category near a point (duplicates): the candidates' places",
        "reports",
        &["open", "category_id", "cell"],
        &["place.lat", "place.lon", "_id"],
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
    let _alone = ONE_AT_A_TIME.lock().await;
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

/// Runs `check` on a fresh SQLite holding the reports' tables and indexes.
async fn on_reports_sqlite<Fut>(check: impl FnOnce(Sqlite) -> Fut)
where
    Fut: Future<Output = ()>,
{
    veche_core::testing::on_sqlite(|backend| async move {
        veche_reports::store::open(&backend).await.unwrap();
        let Backend::Sqlite(db) = backend else {
            unreachable!("on_sqlite gives SQLite")
        };
        check(db).await;
    })
    .await;
}

/// SQLite's plan for `sql` with `params`, its steps joined by ` | `.
async fn query_plan(db: &Sqlite, sql: String, params: impl Params + Send + 'static) -> String {
    let plan: Vec<String> = db
        .query_all(format!("EXPLAIN QUERY PLAN {sql}"), params, |row| {
            row.get::<_, String>(3)
        })
        .await
        .unwrap();
    plan.join(" | ")
}

/// Checks SQLite's plan of the candidates near a point (the adapter's query, written out:
/// `columns` read, `and` the conditions after the cells'), with and without a category: the
/// category's covering index alone answers it, and the plan holds each step of `also`.
async fn check_near_plans(columns: &'static str, and: &'static str, also: &'static [&str]) {
    on_reports_sqlite(|db| async move {
        for (category, index) in [
            ("", "reports_open_near"),
            (" AND category_id = 'pothole'", "reports_open_category_near"),
        ] {
            let sql = format!(
                "SELECT {columns} FROM reports
                 WHERE open = 1 AND cell IN (1, 2, 3){category}{and} LIMIT 20000"
            );
            let plan = query_plan(&db, sql, []).await;
            assert!(
                plan.contains(&format!("USING COVERING INDEX {index}"))
                    && also.iter().all(|step| plan.contains(step)),
                "{category}: {plan}"
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
    on_reports_sqlite(|db| async move {
        for (filter, organisation) in [
            ("organisation_id = ?2", Some("org")),
            ("organisation_id IS NOT NULL", None),
        ] {
            let sql = format!(
                "SELECT category_id, t_hours, COUNT(*), SUM(t_awaiting),
                    SUM(due IS NOT NULL AND due <= ?1), SUM(t_answered), SUM(t_on_time),
                    SUM(t_was_answered), SUM(t_reopened)
                 FROM reports INDEXED BY reports_tally WHERE {filter} GROUP BY 1, 2"
            );
            let mut args = vec![rusqlite::types::Value::Integer(0)];
            args.extend(organisation.map(|o| rusqlite::types::Value::Text(o.into())));
            let plan = query_plan(&db, sql, rusqlite::params_from_iter(args)).await;
            assert!(
                plan.contains("USING COVERING INDEX reports_tally"),
                "{filter}: {plan}"
            );
        }
    })
    .await;
}

/// On SQLite the candidates near a point (the adapter's query, written out) come from a
/// covering index alone, with and without a category: no report row is read to be weighed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_a_point_reads_only_a_covering_index_on_sqlite() {
    check_near_plans("id, lat, lon", "", &[]).await;
}

/// The adapter's query as it is sent since the candidates are narrowed to the circle's box:
/// each cell's index range is bounded by the box's latitudes, its longitudes are checked on
/// the index entries, and the rowid (in every entry) is what the nearest are read whole by.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_a_point_scans_only_the_box_s_latitudes_on_sqlite() {
    let the_box =
        "\n                 AND lat BETWEEN 55.73 AND 55.74 AND lon BETWEEN 37.58 AND 37.60";
    check_near_plans(
        "rowid, id, lat, lon",
        the_box,
        &["cell=? AND lat>? AND lat<?"],
    )
    .await;
}

/// Every command the MongoDB driver has completed so far in this process, by name (its
/// command events, which the store records per command).
fn commands() -> std::collections::BTreeMap<&'static str, u64> {
    const NAMES: &[&str] = &[
        "find",
        "getMore",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "aggregate",
        "count",
        "distinct",
        "createIndexes",
        "listIndexes",
        "killCursors",
        "drop",
    ];
    NAMES
        .iter()
        .map(|name| {
            let histogram =
                veche_core::metrics::STORE_LATENCY.with_label_values(&["mongodb", name]);
            (*name, histogram.get_sample_count())
        })
        .collect()
}

/// The round trips of the operations measured, a row each: what, how many, which commands.
#[derive(Default)]
struct Trips {
    rows: Vec<(&'static str, u64, String)>,
}

impl Trips {
    /// Runs `operation`, records its round trips as `what`, and gives its result.
    async fn count<T>(&mut self, what: &'static str, operation: impl Future<Output = T>) -> T {
        let before = commands();
        let out = operation.await;
        let after = commands();
        let mut total = 0;
        let mut which = Vec::new();
        for (name, n) in after {
            let sent = n - before.get(name).copied().unwrap_or(0);
            if sent > 0 {
                total += sent;
                which.push(format!("{sent} {name}"));
            }
        }
        self.rows.push((what, total, which.join(", ")));
        out
    }
}

/// A 1600 × 1200 photo at quality 90 (what a 2 MB phone photo is stored as, in size).
fn photo() -> bytes::Bytes {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let grain = (state % 12) as u32;
        image::Rgb([
            (x * 200 / 1600 + grain) as u8,
            (y * 200 / 1200 + grain) as u8,
            ((x + y) * 100 / 2800 + 60 + grain) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out.into()
}

/// The round trips of the reports' operations on MongoDB, counted from the driver's command
/// events (caches warm: categories, profiles and the calendar are read at most once a
/// minute). `cargo test -p veche-reports --test indexes -- --nocapture` prints them. The
/// notifications go to a recorder here; on a server they add the outbox's insert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_per_operation() {
    use world::*;
    let _alone = ONE_AT_A_TIME.lock().await;
    veche_core::testing::on_mongo("reports_round_trips", |backend| async move {
        let w = world(backend.clone()).await;
        let uploads = veche_core::web::uploads::open(&backend).await.unwrap();
        let mut trips = Trips::default();
        let note = NoteInput::default();
        // Open reports near the point, one of them overdue; the caches warmed.
        let routed = w.routed().await;
        let late = w.routed().await;
        let mut overdue = w.stored(&late.id).await;
        overdue.deadline = Some(clock::now() - Duration::days(1));
        w.replace(&overdue, overdue.version).await;
        // More open reports around than the server's default first batch (101 documents).
        let around: Vec<Report> = (0..150)
            .map(|i| {
                let mut r = Report {
                    id: ReportId::generate(),
                    ..routed.clone()
                };
                r.place.lat += f64::from(i) * 0.000_01;
                r
            })
            .collect();
        w.reports.store().import_reports(&around).await.unwrap();
        service::nearby(&w.reports, POINT, None, Some(500))
            .await
            .unwrap();

        let near = trips
            .count(
                "open reports within 500 m (152 there)",
                service::nearby(&w.reports, POINT, None, Some(500)),
            )
            .await;
        assert_eq!(near.unwrap().len(), 50, "the nearest 50 of 152");
        let near = trips
            .count(
                "open reports of a category near a point",
                service::nearby(&w.reports, POINT, Some(&w.pothole.id), None),
            )
            .await;
        assert!(near.unwrap().len() >= 2);
        for (what, overdue, listed, why) in [
            ("an organisation's overdue list", true, 1, "the overdue one"),
            ("an organisation's queue", false, 20, "a full page"),
        ] {
            let queue = service::queue(&w.reports, &w.official, &w.roads, overdue, None, 20);
            let page = trips.count(what, queue).await;
            assert_eq!(page.unwrap().reports.len(), listed, "{why}");
        }

        let hash = trips
            .count(
                "a photo uploaded (a new one; GridFS)",
                veche_core::web::uploads::accept(uploads.as_ref(), photo()),
            )
            .await;
        let input = ReportInput {
            photos: vec![hash.unwrap()],
            ..report_input(&w.pothole, POINT)
        };
        let filed = trips
            .count(
                "filing, naming the photo",
                service::file(&w.platform, &w.reports, &w.author, &input),
            )
            .await;
        let filed = filed.unwrap();

        let _ = trips
            .count(
                "accept (routed)",
                w.decide(&w.moderator, &filed.id, None, &accept()),
            )
            .await;
        let _ = trips
            .count("start", w.start(&w.official, &filed.id, None))
            .await;
        let _ = trips
            .count(
                "answer",
                w.answer(&w.official, &filed.id, None, &answer_input()),
            )
            .await;
        let done = trips
            .count(
                "dispute (reopened)",
                w.dispute(&w.author, &filed.id, None, &note),
            )
            .await;
        assert_eq!(done.unwrap().status, Status::Reopened);
        let input = RerouteInput {
            organisation_id: w.other_roads.to_string(),
            note: "Это мост".into(),
        };
        let _ = trips
            .count("reroute", w.reroute(&w.official, &routed.id, None, &input))
            .await;
        let answered = w.answered().await;
        let done = trips
            .count(
                "confirm (closed)",
                w.confirm(&w.author, &answered.id, None, &note),
            )
            .await;
        assert_eq!(done.unwrap().status, Status::Closed);
        let other = w.filed().await;
        let reject = DecisionInput {
            action: "reject".into(),
            reason: Some("unclear".into()),
            ..accept()
        };
        let done = trips
            .count("reject", w.decide(&w.moderator, &other.id, None, &reject))
            .await;
        assert_eq!(done.unwrap().status, Status::Rejected);

        println!("| operation | round trips | commands |\n|---|---:|---|");
        for (what, n, which) in &trips.rows {
            println!("| {what} | {n} | {which} |");
        }
        // A list is one query; open reports near a point two (the candidates' places from the
        // index, then the nearest whole; a category's duplicates also read the categories, for
        // the radius); a photo its GridFS files and its record; a filing the photo's record, the
        // categories and one insert; a transition the report, its write, the audit entry, the
        // email bookkeeping and the accounts it tells (officials, joiners, the head).
        for (what, n, _) in &trips.rows {
            let most = match *what {
                w if w.starts_with("a photo") => 12,
                w if w.starts_with("open reports within") => 2,
                "an organisation's overdue list" => 1,
                w if w.starts_with("open reports of a category") => 3,
                w if w.starts_with("an organisation") => 2,
                w if w.starts_with("filing") => 3,
                _ => 20,
            };
            assert!(*n >= 1 && *n <= most, "{what}: {n} round trips");
        }
    })
    .await;
}
