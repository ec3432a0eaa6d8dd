//! The embedded store: SQLite in WAL mode, one writer thread with group commit, a pool of readers.
//!
//! Every write runs on one dedicated thread that owns the only writing connection. The thread
//! takes all the write jobs waiting in its queue (up to [`MAX_BATCH`]), runs each inside its own
//! savepoint of one transaction, commits once, and only then answers the callers. A job that
//! fails rolls back to its savepoint without touching its neighbours. A job that can run again
//! from the start ([`Sqlite::write_rerunnable`]) runs without a savepoint, which spares SQLite a
//! copy of every page it changes; should one fail, the batch is rolled back and those jobs run
//! again, each in its savepoint. One commit for a batch of
//! concurrent writes is what lets the embedded store keep up with a voting spike: the fsync cost
//! is paid once per batch, not once per ballot. A caller is answered only after its transaction
//! committed, so an acknowledged write survives `kill -9` of the process (WAL, `synchronous=NORMAL`
//! keeps committed transactions across an application crash; only a power loss may lose the last
//! few, which `VECHE_SQLITE_SYNC=full` closes at the cost of an fsync per batch).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::error::{StoreError, StoreResult};

/// The most write jobs committed together. Large enough to absorb a spike, small enough that
/// one batch's transaction stays short and the readers' WAL does not grow without bound.
const MAX_BATCH: usize = 512;
/// Queue depth before writers wait (back-pressure on callers instead of unbounded memory).
const QUEUE_DEPTH: usize = 8192;
/// Point-read connections kept open (one per runtime thread is enough; more are opened and
/// closed when a thread is preempted mid-read).
const LOOKUP_CONNECTIONS: usize = 16;
/// The database file is read through a memory map up to this size: a page missing from a
/// connection's own cache is then a memory access, not a `pread` (the connections share the
/// OS page cache either way). This is the most SQLite allows unless built otherwise
/// (`SQLITE_MAX_MMAP_SIZE`, 2 GiB less 64 KiB); a larger file is read through the map as far
/// as it reaches and with `pread` beyond.
const MMAP_BYTES: i64 = 0x7fff_0000;
/// The writer connection's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 64 * 1024;
/// Statements kept prepared per connection (every statement of every store fits).
const STATEMENT_CACHE: usize = 256;

/// How many reads run at once, each on its own connection, kept open for the next read: two
/// per core, at least four. More would only queue on the cores and push connections (and
/// their statement caches) out; a read waits for a free connection instead.
fn reader_count() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).clamp(4, 32))
}

/// How hard the writer syncs to disk. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    Normal,
    Full,
}

type BoxedJob = Box<dyn WriteJob + Send>;

/// A handle to the embedded store. Cheap to clone; the writer thread stops when the last
/// handle is dropped.
#[derive(Clone)]
pub struct Sqlite {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    sync: SyncMode,
    jobs: mpsc::Sender<BoxedJob>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per reader connection.
    reading: Semaphore,
    /// Connections for point reads on the runtime's threads (at most one per thread is busy).
    lookups: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Sqlite {
    /// Opens (creating if needed) the database file `veche.sqlite3` in `dir`.
    pub fn open(dir: &Path, sync: SyncMode) -> StoreResult<Sqlite> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create data folder {}: {e}", dir.display()))
        })?;
        let path = dir.join("veche.sqlite3");
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(
            None,
            "synchronous",
            match sync {
                SyncMode::Normal => "NORMAL",
                SyncMode::Full => "FULL",
            },
        )?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        // Each write job runs in a savepoint: its statement journal stays in memory.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // A batch of writes at random places dirties a page or more per row; past the default
        // 2 MiB cache they spill to the WAL in the middle of the transaction and are read back.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Sqlite {
            inner: Arc::new(Inner {
                path,
                sync,
                jobs: tx,
                readers: Mutex::new(Vec::new()),
                reading: Semaphore::new(reader_count()),
                lookups: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How hard the writer syncs to disk (a journal beside the store must not promise less).
    pub fn sync_mode(&self) -> SyncMode {
        self.inner.sync
    }

    /// Runs `f` on the writer connection inside a transaction shared with other concurrent
    /// writes, and answers after the commit. If `f` fails, its own changes are rolled back.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.submit(|queued, reply| Job {
            queued,
            work: Once(Some(f)),
            outcome: None,
            reply: Some(reply),
        })
        .await
    }

    /// [`Sqlite::write`] for work that can run again from the start: an `Fn` whose only effects
    /// are on the connection (the hot writes: a ballot, a support). It runs without a savepoint
    /// of its own, so SQLite does not copy each page before the job changes it. If it fails,
    /// the whole batch is rolled back and run again with every job in its own savepoint, so
    /// that its failure still undoes only its own changes; failing is then the slow path, for
    /// errors of the store, not for a refusal the caller expects.
    pub async fn write_rerunnable<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: Fn(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.submit(|queued, reply| Job {
            queued,
            work: Again(f),
            outcome: None,
            reply: Some(reply),
        })
        .await
    }

    /// Hands the job `make` builds (from when it was queued and where to answer) to the
    /// writer thread, and waits for its answer after the commit.
    async fn submit<T, J>(
        &self,
        make: impl FnOnce(std::time::Instant, oneshot::Sender<StoreResult<T>>) -> J,
    ) -> StoreResult<T>
    where
        J: WriteJob + Send + 'static,
    {
        let started = std::time::Instant::now();
        let (reply, answer) = oneshot::channel();
        self.inner
            .jobs
            .send(Box::new(make(started, reply)))
            .await
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        let result = answer
            .await
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        crate::metrics::STORE_LATENCY
            .with_label_values(&["sqlite", "write"])
            .observe(started.elapsed().as_secs_f64());
        result
    }

    /// Runs one statement through [`Sqlite::write`] and answers how many rows it changed.
    /// `params` are owned (a tuple or an array), since the statement runs on the writer thread.
    pub async fn execute<P>(&self, sql: &'static str, params: P) -> StoreResult<u64>
    where
        P: Params + Send + 'static,
    {
        self.write(move |conn| Ok(conn.execute_cached(sql, params)? as u64))
            .await
    }

    /// Runs one statement through [`Sqlite::write`] whose count of changed rows says nothing
    /// (an insert: a clashing key is [`StoreError::Conflict`]).
    pub async fn run<P>(&self, sql: &'static str, params: P) -> StoreResult<()>
    where
        P: Params + Send + 'static,
    {
        self.execute(sql, params).await.map(|_| ())
    }

    /// The row `sql` finds by a key, if any, read by `from_row` (a point read, through
    /// [`Sqlite::lookup`]).
    pub fn lookup_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        from_row: FromRow<T>,
    ) -> StoreResult<Option<T>> {
        self.lookup(|conn| Ok(conn.query_row_cached(sql, params, from_row).optional()?))
    }

    /// The row `sql` finds, if any, read by `from_row` (through [`Sqlite::read`]).
    pub async fn query_optional<T, P>(
        &self,
        sql: impl AsRef<str> + Send + 'static,
        params: P,
        from_row: FromRow<T>,
    ) -> StoreResult<Option<T>>
    where
        P: Params + Send + 'static,
        T: Send + 'static,
    {
        self.read(move |conn| {
            let row = conn.query_row_cached(sql.as_ref(), params, from_row);
            Ok(row.optional()?)
        })
        .await
    }

    /// The JSON document in the first column of the row `sql` finds, if any, decoded (`what`
    /// names it in the error; see [`from_json`]).
    pub async fn query_json<T, P>(
        &self,
        sql: impl AsRef<str> + Send + 'static,
        params: P,
        what: &str,
    ) -> StoreResult<Option<T>>
    where
        P: Params + Send + 'static,
        T: DeserializeOwned,
    {
        let text = self.query_optional(sql, params, text_row).await?;
        text.map(|text| from_json(what, &text)).transpose()
    }

    /// The JSON documents in the first column of every row `sql` finds, in its order, decoded
    /// (`what` names them in the error; see [`from_json`]).
    pub async fn query_json_all<T: DeserializeOwned>(
        &self,
        sql: impl AsRef<str> + Send + 'static,
        params: impl Params + Send + 'static,
        what: &str,
    ) -> StoreResult<Vec<T>> {
        let texts = self.query_all(sql, params, text_row).await?;
        texts.iter().map(|text| from_json(what, text)).collect()
    }

    /// Every row `sql` finds, in its order, read by `from_row` (through [`Sqlite::read`]).
    pub async fn query_all<T: Send + 'static>(
        &self,
        sql: impl AsRef<str> + Send + 'static,
        params: impl Params + Send + 'static,
        from_row: FromRow<T>,
    ) -> StoreResult<Vec<T>> {
        self.read(move |conn| {
            // Kept prepared on the connection (up to `STATEMENT_CACHE`, least recently used
            // first out): most reads are the same few statements.
            let mut stmt = conn.prepare_cached(sql.as_ref())?;
            let rows = stmt.query_map(params, from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// Runs `f` on a read-only connection from the pool, on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        let started = std::time::Instant::now();
        let permit = self
            .inner
            .reading
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("the SQLite readers are closed".into()))?;
        let result = tokio::task::spawn_blocking(move || {
            let conn = match inner.readers.lock().ok().and_then(|mut pool| pool.pop()) {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            // A connection whose read panicked is dropped with the thread's unwinding; the
            // permit (held by the caller) bounds the pool either way.
            if let Ok(mut pool) = inner.readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Internal(format!("reader task failed: {e}")))?;
        drop(permit);
        crate::metrics::STORE_LATENCY
            .with_label_values(&["sqlite", "read"])
            .observe(started.elapsed().as_secs_f64());
        result
    }

    /// Runs a point read — one row found through a unique index, a few microseconds on a warm
    /// cache — on the calling thread. Handing such a read to the blocking pool costs more
    /// than the read (a thread wake-up each way), and a bearer-authenticated request makes
    /// two. Only for reads bounded by a key: anything that scans goes through [`Self::read`].
    /// WAL readers do not wait for the writer, so the thread is not held up by writes.
    pub fn lookup<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T>,
    {
        let started = std::time::Instant::now();
        let conn = match self
            .inner
            .lookups
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
        {
            Some(conn) => conn,
            None => open_reader(&self.inner.path)?,
        };
        let result = f(&conn);
        if let Ok(mut pool) = self.inner.lookups.lock() {
            if pool.len() < LOOKUP_CONNECTIONS {
                pool.push(conn);
            }
        }
        crate::metrics::STORE_LATENCY
            .with_label_values(&["sqlite", "lookup"])
            .observe(started.elapsed().as_secs_f64());
        result
    }

    /// Applies the migrations of `component` that have not been applied yet, in order.
    /// Idempotent: each applied step is recorded in `schema_migrations`. Steps are append-only:
    /// never edit a step that has shipped, add a new one.
    pub async fn migrate(
        &self,
        component: &'static str,
        steps: &'static [&'static str],
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    component TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    applied_at INTEGER NOT NULL,
                    PRIMARY KEY (component, version))",
            )?;
            let applied: i64 = conn.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?1",
                [component],
                |row| row.get(0),
            )?;
            for (index, step) in steps.iter().enumerate() {
                let version = index as i64 + 1;
                if version <= applied {
                    continue;
                }
                conn.execute_batch(step).map_err(|e| {
                    StoreError::Internal(format!("migration {component} #{version} failed: {e}"))
                })?;
                conn.execute(
                    "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?1, ?2, ?3)",
                    rusqlite::params![component, version, crate::clock::now_millis()],
                )?;
            }
            Ok(())
        })
        .await
    }

    /// A trivial read that proves the file can be opened and queried (`/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
}

fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    Ok(conn)
}

/// Reads a value from a row of a query's result.
pub type FromRow<T> = fn(&Row<'_>) -> rusqlite::Result<T>;

/// Reads a row's first column as text (a stored JSON document, say).
pub fn text_row(row: &Row<'_>) -> rusqlite::Result<String> {
    row.get(0)
}

/// A record as the JSON text stored in a `doc` column.
pub fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("encoding: {e}")))
}

/// A stored JSON text read back; `what` names it in the error ("a stored poll does not
/// decode").
pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("a stored {what} does not decode: {e}")))
}

/// Reads a row's first two columns, as a pair (a [`FromRow`] for `key, value` queries).
pub fn pair_row<A: FromSql, B: FromSql>(row: &Row<'_>) -> rusqlite::Result<(A, B)> {
    Ok((row.get(0)?, row.get(1)?))
}

/// `query_row` and `execute` through the connection's statement cache: parsing and planning
/// a statement costs more than running most of ours, and every store runs the same few
/// statements over and over.
pub trait CachedStatements {
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;

    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl CachedStatements for Connection {
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// A unit of work for the writer thread: run inside a savepoint (unless it can run again),
/// then learn whether the batch committed.
trait WriteJob {
    /// Runs the work; true when it succeeded (its savepoint is released), false when it
    /// failed (its savepoint is rolled back).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Whether the work can run again from the start ([`Sqlite::write_rerunnable`]).
    fn rerunnable(&self) -> bool {
        false
    }
    /// When the caller handed the job over.
    fn queued(&self) -> std::time::Instant;
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>);
}

/// A write job: its work, its outcome once run, and where to answer.
struct Job<W, T> {
    queued: std::time::Instant,
    work: W,
    outcome: Option<StoreResult<T>>,
    reply: Option<oneshot::Sender<StoreResult<T>>>,
}

/// The work of a job: run once ([`Once`], for [`Sqlite::write`]) or as often as the batch
/// needs ([`Again`], for [`Sqlite::write_rerunnable`]).
trait Work<T> {
    const RERUNNABLE: bool;
    /// Runs the work; `None` when a run-once work already ran.
    fn call(&mut self, conn: &Connection) -> Option<StoreResult<T>>;
}

struct Once<F>(Option<F>);

impl<T, F: FnOnce(&Connection) -> StoreResult<T>> Work<T> for Once<F> {
    const RERUNNABLE: bool = false;
    fn call(&mut self, conn: &Connection) -> Option<StoreResult<T>> {
        self.0.take().map(|work| work(conn))
    }
}

struct Again<F>(F);

impl<T, F: Fn(&Connection) -> StoreResult<T>> Work<T> for Again<F> {
    const RERUNNABLE: bool = true;
    fn call(&mut self, conn: &Connection) -> Option<StoreResult<T>> {
        Some((self.0)(conn))
    }
}

impl<W: Work<T>, T> WriteJob for Job<W, T> {
    fn run(&mut self, conn: &Connection) -> bool {
        let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| self.work.call(conn))) {
            Ok(Some(outcome)) => outcome,
            Ok(None) => return false,
            Err(_) => Err(StoreError::Internal("a write job panicked".into())),
        };
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn rerunnable(&self) -> bool {
        W::RERUNNABLE
    }

    fn queued(&self) -> std::time::Instant {
        self.queued
    }

    fn finish(mut self: Box<Self>, commit: Result<(), &StoreError>) {
        let answer = answer(commit, self.outcome.take());
        if let Some(reply) = self.reply.take() {
            // The caller may have gone away (request cancelled); the write stands regardless.
            let _ = reply.send(answer);
        }
    }
}

/// What a job's caller hears: its outcome once the batch committed, the commit's failure
/// otherwise.
fn answer<T>(commit: Result<(), &StoreError>, outcome: Option<StoreResult<T>>) -> StoreResult<T> {
    match (commit, outcome) {
        (Ok(()), Some(outcome)) => outcome,
        (Ok(()), None) => Err(StoreError::Internal("write job did not run".into())),
        (Err(e), _) => Err(match e {
            StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
            other => StoreError::Internal(format!("commit failed: {other}")),
        }),
    }
}

fn writer_loop(conn: Connection, mut jobs: mpsc::Receiver<BoxedJob>) {
    let batch_size = crate::metrics::STORE_BATCH.with_label_values(&["sqlite"]);
    let queue_time = crate::metrics::SQLITE_WRITER.with_label_values(&["queue"]);
    let batch_time = crate::metrics::SQLITE_WRITER.with_label_values(&["batch"]);
    let mut batch: Vec<BoxedJob> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        batch_size.observe(batch.len() as f64);
        let started = std::time::Instant::now();
        for job in &batch {
            queue_time.observe(
                started
                    .saturating_duration_since(job.queued())
                    .as_secs_f64(),
            );
        }
        let result = run_batch(&conn, &mut batch);
        batch_time.observe(started.elapsed().as_secs_f64());
        if result.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for job in batch.drain(..) {
            job.finish(result.as_ref().map(|_| ()));
        }
    }
}

/// Runs a batch in one transaction: the jobs that can run again first, without savepoints
/// (the callers are concurrent, so their order is the writer's to choose); should one of them
/// fail, the transaction is rolled back and they run again, each in its savepoint. Then the
/// other jobs, each in its savepoint.
fn run_batch(conn: &Connection, batch: &mut [BoxedJob]) -> StoreResult<()> {
    conn.execute_cached("BEGIN IMMEDIATE", [])?;
    let all_ran = batch
        .iter_mut()
        .filter(|job| job.rerunnable())
        .all(|job| job.run(conn));
    if !all_ran {
        // A failed statement may have ended the transaction already (SQLITE_FULL does).
        let _ = conn.execute_batch("ROLLBACK");
        conn.execute_cached("BEGIN IMMEDIATE", [])?;
        for job in batch.iter_mut().filter(|job| job.rerunnable()) {
            run_in_savepoint(conn, job)?;
        }
    }
    for job in batch.iter_mut().filter(|job| !job.rerunnable()) {
        run_in_savepoint(conn, job)?;
    }
    conn.execute_cached("COMMIT", [])?;
    Ok(())
}

fn run_in_savepoint(conn: &Connection, job: &mut BoxedJob) -> StoreResult<()> {
    conn.execute_cached("SAVEPOINT job", [])?;
    if job.run(conn) {
        conn.execute_cached("RELEASE job", [])?;
    } else {
        conn.execute_cached("ROLLBACK TO job", [])?;
        conn.execute_cached("RELEASE job", [])?;
    }
    Ok(())
}
