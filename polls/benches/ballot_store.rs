//! The durable write of a ballot on the embedded store, without HTTP: what the polls store
//! costs per ballot, and SQLite's floor beneath it.
//!
//! `cargo bench -p veche-polls --bench ballot_store`:
//! 1. **the store**: `PollStore::cast` from 64 concurrent tasks (a tokio runtime of two
//!    threads, as the server has on this machine) into a poll already holding `prefill`
//!    ballots, through core's group-commit writer. CPU per ballot for the whole process and
//!    for the writer thread alone, the batch the writer committed on average, and the bytes
//!    written (WAL and checkpoints).
//! 2. **the floor**: the same file and schema, one thread inserting in transactions of the
//!    server's average batch (13), with the same SQL, then taking away what the store adds,
//!    one part at a time: the savepoint each job runs in, the counters, the checkpoints during
//!    the run, the two secondary indexes. The last rows are what SQLite costs to insert a row
//!    into one random-key B-tree durably on this machine: no ballot can cost less on this store.
//!
//! `cargo test --all-targets` runs this too, without `--bench`, on small sizes only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};
use veche_core::clock;
use veche_core::id::{AccountId, DistrictId};
use veche_core::storage::sqlite::{Sqlite, SyncMode};
use veche_core::storage::Backend;
use veche_polls::model::{Ballot, Poll};
use veche_polls::store::Cast;
use veche_polls::tally;

mod common;
use common::random_ballot;

/// The process's (or one thread's) CPU time in seconds, from `/proc` (Linux).
fn cpu_seconds(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // After the command name in parentheses: state is field 3; utime and stime are 14 and 15.
    let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<f64>().ok());
    match (ticks(14), ticks(15)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

/// The `/proc` stat file of the thread named `name` in this process.
fn thread_stat(name: &str) -> Option<String> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    tasks.flatten().find_map(|t| {
        let comm = std::fs::read_to_string(t.path().join("comm")).ok()?;
        (comm.trim() == name).then(|| t.path().join("stat").display().to_string())
    })
}

/// Bytes this process has written to storage so far (`/proc/self/io`).
fn written_bytes() -> f64 {
    std::fs::read_to_string("/proc/self/io")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("write_bytes: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// `n` ballots in `poll` of residents numbered from `first`, in random order.
fn ballots(
    poll: &Poll,
    first: usize,
    n: usize,
    districts: &[DistrictId],
    rng: &mut impl Rng,
) -> Vec<Ballot> {
    let now = clock::now();
    let mut all: Vec<Ballot> = (first..first + n)
        .map(|i| {
            // Time-ordered ids, as real accounts have, hashed into a random order: a
            // resident's place in the (poll, account) key is unrelated to when they vote.
            let account = AccountId::from_trusted(format!(
                "{}",
                blake3::hash(format!("bench-{i}").as_bytes())
            ));
            random_ballot(poll, account, now, districts, rng)
        })
        .collect();
    all.shuffle(rng);
    all
}

/// One row of the floor: `ballots` inserted by one thread in transactions of `batch`.
struct Floor {
    savepoints: bool,
    counters: bool,
    /// SQLite's automatic checkpoint (every 1,000 WAL pages) during the run; without it, the
    /// run only appends to the WAL (its checkpoint is left to after the run, uncounted).
    checkpoints: bool,
}

fn floor(conn: &Connection, ballots: &[Ballot], batch: usize, how: &Floor) -> (f64, f64) {
    let stat = "/proc/thread-self/stat";
    let pages = if how.checkpoints { 1000 } else { 0 };
    conn.pragma_update(None, "wal_autocheckpoint", pages)
        .unwrap();
    let (cpu0, io0) = (cpu_seconds(stat), written_bytes());
    for chunk in ballots.chunks(batch) {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        for b in chunk {
            if how.savepoints {
                conn.prepare_cached("SAVEPOINT job")
                    .unwrap()
                    .execute([])
                    .unwrap();
            }
            let answers = format!(
                r#"[{{"question":"{}","options":["{}"]}}]"#,
                b.answers[0].question, b.answers[0].options[0]
            );
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO ballots (id, poll_id, account_id, answers, district_id, \
                     age_bracket, receipt, points, cast_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                     ON CONFLICT (poll_id, account_id) DO NOTHING",
                )
                .unwrap()
                .execute(params![
                    b.id.as_str(),
                    b.poll_id.as_str(),
                    b.account_id.as_str(),
                    answers,
                    b.district_id.as_str(),
                    b.age_bracket.as_str(),
                    b.receipt.as_str(),
                    i64::from(b.points),
                    0i64,
                ])
                .unwrap();
            assert_eq!(inserted, 1);
            if how.counters {
                let mut bump = conn
                    .prepare_cached(
                        "INSERT INTO poll_counters (poll_id, key, n) VALUES (?1, ?2, 1) \
                         ON CONFLICT (poll_id, key) DO UPDATE SET n = n + excluded.n",
                    )
                    .unwrap();
                for key in tally::keys(b) {
                    bump.execute(params![b.poll_id.as_str(), key]).unwrap();
                }
            }
            if how.savepoints {
                conn.prepare_cached("RELEASE job")
                    .unwrap()
                    .execute([])
                    .unwrap();
            }
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    let n = ballots.len() as f64;
    let measured = (
        (cpu_seconds(stat) - cpu0) / n * 1e6,
        (written_bytes() - io0) / n / 1024.0,
    );
    conn.pragma_update(None, "wal_autocheckpoint", 1000)
        .unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    measured
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) small sizes only.
    let full = std::env::args().any(|a| a == "--bench");
    let (prefill, cast, floor_n) = if full {
        (500_000, 100_000, 100_000)
    } else {
        (2_000, 500, 500)
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_206);
    let districts: Vec<DistrictId> = veche_core::districts::moscow()
        .unwrap()
        .districts
        .iter()
        .map(|d| d.id.clone())
        .collect();
    let poll = veche_polls::demo::open_poll(4, clock::now());
    let dir = tempfile::tempdir().unwrap();
    println!(
        "the durable write of a ballot ({} mode): {prefill} ballots already in the poll, {cast} cast",
        if full { "bench" } else { "smoke" }
    );

    // 1. The store, as the server drives it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let batch = runtime.block_on(async {
        let db = Sqlite::open(dir.path(), SyncMode::Normal).unwrap();
        let store = veche_polls::store::open(&Backend::Sqlite(db)).await.unwrap();
        let mut stored = 0;
        for chunk in ballots(&poll, 0, prefill, &districts, &mut rng).chunks(20_000) {
            stored += store.import_ballots(chunk).await.unwrap();
        }
        assert_eq!(stored, prefill as u64);
        let writer = thread_stat("sqlite-writer").expect("the writer thread");
        let casts = ballots(&poll, prefill, cast, &districts, &mut rng);
        let store: Arc<dyn veche_polls::store::PollStore> = store;
        let batches = veche_core::metrics::STORE_BATCH.with_label_values(&["sqlite"]);
        let (jobs0, commits0) = (batches.get_sample_sum(), batches.get_sample_count());
        let (cpu0, writer0, io0) = (
            cpu_seconds("/proc/self/stat"),
            cpu_seconds(&writer),
            written_bytes(),
        );
        let started = Instant::now();
        let queue = Arc::new(std::sync::Mutex::new(casts));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (store, queue) = (store.clone(), queue.clone());
                tokio::spawn(async move {
                    loop {
                        let next = queue.lock().unwrap().pop();
                        let Some(b) = next else { break };
                        assert!(matches!(store.cast(&b).await.unwrap(), Cast::Stored));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let took = started.elapsed().as_secs_f64();
        let n = cast as f64;
        let (cpu, writer_cpu) = (
            (cpu_seconds("/proc/self/stat") - cpu0) / n * 1e6,
            (cpu_seconds(&writer) - writer0) / n * 1e6,
        );
        let avg = (batches.get_sample_sum() - jobs0)
            / (batches.get_sample_count() - commits0).max(1) as f64;
        println!(
            "store, 64 tasks:     {:>8.0} ballots/s; CPU {cpu:.1} µs per ballot ({writer_cpu:.1} µs of it the writer thread); {:.1} KiB written per ballot; {avg:.1} ballots per commit",
            n / took,
            (written_bytes() - io0) / n / 1024.0,
        );
        avg
    });
    drop(runtime);

    // 2. The floor: the same file, one thread, transactions of 13 ballots (what the server
    // commits on average at 64 connections, BENCHMARKS.md), of the store run's average batch
    // above, and of 512 (the most the writer commits at once).
    let store_batch = (batch.round() as usize).max(1);
    let batch = 13;
    let conn = Connection::open(dir.path().join("veche.sqlite3")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.pragma_update(None, "temp_store", "MEMORY").unwrap();
    conn.pragma_update(None, "mmap_size", 1i64 << 30).unwrap();
    let mut next = prefill + cast;
    let mut run = |label: &str, batch: usize, how: Floor, rng: &mut rand::rngs::StdRng| {
        let some = ballots(&poll, next, floor_n, &districts, rng);
        next += floor_n;
        let (cpu, kib) = floor(&conn, &some, batch, &how);
        println!("floor, {label:<44} {cpu:>6.1} µs CPU per ballot, {kib:>5.1} KiB written");
    };
    let store_like = || Floor {
        savepoints: true,
        counters: true,
        checkpoints: true,
    };
    run(
        &format!("as the store (savepoints, counters), {batch}:"),
        batch,
        store_like(),
        &mut rng,
    );
    run(
        &format!("as the store, {store_batch} (the store run's):"),
        store_batch,
        store_like(),
        &mut rng,
    );
    run(
        "as the store, in transactions of 512:",
        512,
        store_like(),
        &mut rng,
    );
    let no_savepoints = || Floor {
        savepoints: false,
        counters: true,
        checkpoints: true,
    };
    run(
        &format!("without savepoints, {batch}:"),
        batch,
        no_savepoints(),
        &mut rng,
    );
    let bare = || Floor {
        savepoints: false,
        counters: false,
        checkpoints: true,
    };
    run(
        &format!("without savepoints nor counters, {batch}:"),
        batch,
        bare(),
        &mut rng,
    );
    let appends = Floor {
        checkpoints: false,
        ..bare()
    };
    run(
        &format!("… nor checkpoints during the run, {batch}:"),
        batch,
        appends,
        &mut rng,
    );
    conn.execute_batch("DROP INDEX ballots_receipt; DROP INDEX ballots_account;")
        .unwrap();
    run(
        &format!("one B-tree (the key only), {batch}:"),
        batch,
        bare(),
        &mut rng,
    );
    run("one B-tree, in transactions of 512:", 512, bare(), &mut rng);
    let appends = Floor {
        checkpoints: false,
        ..bare()
    };
    run(
        &format!("one B-tree, no checkpoints, {batch}:"),
        batch,
        appends,
        &mut rng,
    );
}
