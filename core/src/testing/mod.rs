//! The contract-test harness: a store test is written once, as an async function taking a
//! [`Backend`], and [`contract_tests!`](crate::contract_tests) runs it on both adapters.
//!
//! Each SQLite run gets a fresh temporary folder. Each MongoDB run gets its own freshly named
//! database on the server at `MONGODB_URI`, dropped afterwards (also when the test fails). Without
//! `MONGODB_URI` the MongoDB half is skipped with a note, except under `CI=true`, where it fails:
//! CI must exercise both stores.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use futures::FutureExt;

use crate::accounts::model::{Account, BirthYear, DisplayName, Email, Role};
use crate::id::DistrictId;
use crate::storage::{Backend, Mongo, Sqlite, SyncMode};

/// True when running under CI (`CI=true`), where a missing test server is an error.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The MongoDB URI for tests, or `None` (skip) — panics under CI when it is missing.
pub fn mongodb_uri() -> Option<String> {
    match std::env::var("MONGODB_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri),
        _ if in_ci() => panic!("CI=true but MONGODB_URI is not set: the MongoDB half of the tests cannot be skipped in CI"),
        _ => {
            eprintln!("note: MONGODB_URI is not set; skipping the MongoDB run (scripts/test starts a server)");
            None
        }
    }
}

/// A fresh, unique database name for one test.
pub fn fresh_database_name(test: &str) -> String {
    let short: String = test
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect();
    format!(
        "t_{}_{}",
        short,
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

/// An active resident (born 1980, of district 45374000, speaking Russian) with the given address
/// and display name, a new id and a password hash that matches no password: for the tests that
/// put accounts straight into a store. Change any field with `Account { …, ..account(…) }`.
pub fn account(address: &str, display_name: &str) -> Account {
    let now = crate::clock::now();
    Account::new(
        Email::parse(address).unwrap_or_else(|e| panic!("{address}: {e:?}")),
        DisplayName::parse(display_name).unwrap_or_else(|e| panic!("{display_name}: {e:?}")),
        DistrictId::from_trusted("45374000".into()),
        BirthYear::from_trusted(1980),
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
        std::collections::BTreeSet::from([Role::Resident]),
        now,
    )
}

/// Every file under the folder `dir` (recursively) whose name ends in `.{extension}` (any file
/// for `None`), sorted: for the tests that read a crate's sources or templates. Panics when a
/// folder cannot be read.
pub fn files_under(dir: &Path, extension: Option<&str>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if extension.is_none_or(|ext| path.extension().is_some_and(|e| e == ext)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Runs `test` on a fresh SQLite store.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temporary folder: {e}"),
    };
    let db = match Sqlite::open(dir.path(), SyncMode::Normal) {
        Ok(db) => db,
        Err(e) => panic!("opening SQLite: {e}"),
    };
    test(Backend::Sqlite(db)).await;
}

/// Runs `test` on a fresh MongoDB database, dropping it afterwards even if the test panics.
pub async fn on_mongo<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(uri) = mongodb_uri() else {
        return;
    };
    let server = match Mongo::connect(&uri).await {
        Ok(m) => m,
        Err(e) => panic!("connecting to {uri}: {e}"),
    };
    let db = server.with_database(&fresh_database_name(name));
    let outcome = AssertUnwindSafe(test(Backend::Mongo(db.clone())))
        .catch_unwind()
        .await;
    if let Err(e) = db.drop_database().await {
        eprintln!("warning: could not drop the test database: {e}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Declares, for each named `async fn(Backend)`, one test on SQLite and one on MongoDB:
///
/// ```ignore
/// async fn accounts_round_trip(backend: Backend) { … }
/// veche_core::contract_tests!(accounts_round_trip, sessions_expire);
/// // or, with tests that only MongoDB runs:
/// veche_core::contract_tests!(accounts_round_trip; mongo_only: old_documents_migrate);
/// ```
#[macro_export]
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        $crate::contract_tests!($($name),*; mongo_only:);
    };
    // Tests of what only MongoDB has (its migrations) join the MongoDB half alone.
    ($($name:ident),* $(,)?; mongo_only: $($mongo_only:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::testing::on_sqlite(super::$name).await;
                }
            )*
        }
        mod mongo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::testing::on_mongo(stringify!($name), super::$name).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $mongo_only() {
                    $crate::testing::on_mongo(stringify!($mongo_only), super::$mongo_only).await;
                }
            )*
        }
    };
}

pub mod http;
pub mod mongo;
pub mod notify;
pub mod server;
pub mod smtp;

/// The string literals that follow `opener` in `sources`, except where `skip` (given the text
/// before the opener) passes one over: the catalog keys pages and templates name, for a test
/// that each is in the catalogs. The opener holds the literal's opening quote and may hold its
/// start (`t("`, or `"polls-`, whose `polls-` is part of the key).
pub fn keys_named(
    sources: &[&str],
    opener: &str,
    skip: impl Fn(&str) -> bool,
) -> std::collections::BTreeSet<String> {
    let start = opener.rfind('"').map_or(0, |quote| quote + 1);
    let mut keys = std::collections::BTreeSet::new();
    for text in sources {
        for (at, _) in text.match_indices(opener) {
            if skip(&text[..at]) {
                continue;
            }
            let rest = &text[at + start..];
            if let Some(end) = rest.find('"') {
                keys.insert(rest[..end].to_string());
            }
        }
    }
    keys
}
