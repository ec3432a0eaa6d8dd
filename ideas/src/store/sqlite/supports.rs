//! Supports through a journal: a support is answered once its line is in the journal beside the
//! database (core's [`Journal`]: one `write(2)`, as durable as a commit under
//! `synchronous=NORMAL`), and reaches the tables up to 50 ms later, in a batch with the
//! supports around it. The request does not wait for the writer thread, its commit or the
//! hand-offs to and from it: about half of what a support cost.
//!
//! What keeps this the same store as the direct write:
//! - **Once per resident.** A support is new only when neither the tables nor the supports still
//!   waiting (`claims`) hold it. The tables are read on the calling thread, with the number of
//!   the last line they hold in the same snapshot, so a waiting support already committed is
//!   not counted twice; and read again should a batch have left the waiting ones meanwhile
//!   (`generation`), so that no support passes between the two.
//! - **Counts.** The count answered is the idea's stored count plus its supports still waiting
//!   that the snapshot did not hold.
//! - **Every other method of the store settles first** ([`SupportLog::settle`]): while supports
//!   wait, it applies them before it reads or writes, so it sees the store as if each support
//!   had been written when answered (a withdrawal, a merge, a page's counts).
//! - **A crash.** The applied batch records its last line in `idea_support_log` in the same
//!   transaction. On the next start the journal's lines past it are applied before the store
//!   is used (`kill -9` loses no acknowledged support).
//! - **From memory.** Once a support has read an idea from the tables, the log keeps its head,
//!   its project's version and its count (`Known`), and a filter of every `(idea, resident)`
//!   the tables or the journal hold ([`SeenFilter`], built from the tables at the start). The
//!   next support of that idea by a resident the filter has never seen is answered without
//!   reading the tables. Every other write to an idea or a project (an edit, a moderation, a
//!   withdrawal, a merge, a support written straight to the tables) forgets what is known of
//!   it while it runs and once it is done ([`Changing`]), so that such a support reads again.
//!   Should the tables ever hold a support the filter said was new — another process writing
//!   this database, seen by `PRAGMA data_version` on the writer's connection — the log stops
//!   answering from memory.
//! - **One writer of a journal.** The journal is locked while open; a second store on the same
//!   database (another process, or a second open in this one) writes straight to the tables,
//!   as does a store under `VECHE_SQLITE_SYNC=full`, whose commits are fsynced and whose
//!   supports the journal would not match.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rusqlite::{params, Connection};
use tokio::sync::{watch, Notify};
use veche_core::storage::{as_i64, CachedStatements, Journal, Sqlite, SyncMode};
use veche_core::{StoreError, StoreResult};

use super::seen::SeenFilter;
use crate::model::IdeaHead;
use crate::store::{Seen, Supported};

/// The journal's file in the data folder.
pub(super) const JOURNAL: &str = "ideas-supports.journal";
/// How long the applier gathers supports before it writes them to the tables. Nobody waits on
/// it (a support is answered once journalled; every other method applies what waits before it
/// reads), and the longer it is, the more of their pages a batch's supports share: at random
/// over 50,000 ideas, 50 ms (some 2,500 supports a batch at full speed) cost the writer 7.4 µs
/// a support where 5 ms cost 9.9.
const WINDOW: Duration = Duration::from_millis(50);
/// How long the applier waits after a failed batch before it tries again.
const RETRY: Duration = Duration::from_secs(1);
/// The journal is rewritten, down to the lines not yet applied, once it is this long.
const REWRITE_BYTES: u64 = 1 << 20;
/// The most supports waiting for the tables; past it a support waits for the applier's next
/// batch, which holds callers to the writer's pace.
const MAX_WAITING: usize = 50_000;
/// Supports waiting that make the applier write at once, without its window: the writer is
/// behind. (A batch takes all that wait: the more it holds, the more of its pages it shares,
/// so a writer behind catches up.)
const BEHIND: usize = 16_384;
/// How often a support reads the table again because a batch was applied while it read.
const MAX_REREADS: usize = 8;
/// The most ideas (and projects) whose heads and counts are kept; past it they are forgotten
/// and read again.
const MAX_KNOWN: usize = 250_000;

/// The supports answered but not yet in the tables, and their journal.
pub(super) struct SupportLog {
    db: Sqlite,
    state: Mutex<State>,
    /// How many supports wait (`State::pending`'s length), read without the lock by every other
    /// method of the store.
    waiting: AtomicUsize,
    /// Held while a batch is applied: one batch at a time, in the journal's order.
    applying: tokio::sync::Mutex<()>,
    /// Wakes the applier when a support arrives to an empty queue (and when the log is dropped).
    wake: Arc<Notify>,
    /// How many batches were applied: what a support waits on when too many wait.
    applied: watch::Sender<u64>,
}

struct State {
    journal: Journal,
    next_seq: u64,
    /// Answered, not yet in the tables, in the journal's order.
    pending: VecDeque<Entry>,
    /// `(idea, account)` of each pending support, with its line's number.
    claims: HashMap<(String, String), u64>,
    /// The line numbers of the pending supports of each idea, in order.
    per_idea: HashMap<String, VecDeque<u64>>,
    /// Batches applied (sent on `SupportLog::applied` too, under this lock).
    batches: u64,
    /// Bumped whenever applied supports leave `pending`, and whenever a write of another kind
    /// starts or ends ([`Changing`]).
    generation: u64,
    known: Known,
    /// `PRAGMA data_version` on the writer's connection at the last batch: it changes only when
    /// another connection (another process) commits.
    data_version: Option<i64>,
}

/// What the log answers a support from without reading the tables.
struct Known {
    /// Each idea's head as the tables hold it.
    heads: HashMap<String, IdeaHead>,
    /// Each project's version.
    versions: HashMap<String, u64>,
    /// Each idea's supports: those in the tables and those waiting.
    counts: HashMap<String, u64>,
    /// Ideas and projects with a write of another kind under way (how many).
    changing_ideas: HashMap<String, usize>,
    changing_projects: HashMap<String, usize>,
    /// Ideas that supports were merged into: rows the filter was not given.
    merged_into: HashSet<String>,
    seen: SeenFilter,
    /// False once the tables held a support answered as new (see the module's text).
    trusted: bool,
}

impl Known {
    /// The idea's count when the resident's support of it is certainly new.
    fn count_if_new(&self, idea: &str, account: &str) -> Option<u64> {
        if !self.trusted
            || self.changing_ideas.contains_key(idea)
            || self.merged_into.contains(idea)
        {
            return None;
        }
        let count = *self.counts.get(idea)?;
        (!self.seen.may_hold(idea, account)).then_some(count)
    }

    fn learn_count(&mut self, idea: &str, count: u64) {
        if !self.trusted || self.changing_ideas.contains_key(idea) {
            return;
        }
        if self.counts.len() >= MAX_KNOWN && !self.counts.contains_key(idea) {
            self.counts.clear();
        }
        self.counts.insert(idea.to_string(), count);
    }

    fn forget(&mut self, ideas: &[String], projects: &[String]) {
        for idea in ideas {
            self.heads.remove(idea);
            self.counts.remove(idea);
        }
        for project in projects {
            self.versions.remove(project);
        }
    }

    fn distrust(&mut self) {
        if self.trusted {
            tracing::warn!(
                "another process writes the ideas' supports to this database: supports now read \
                 the tables"
            );
        }
        self.trusted = false;
        self.heads.clear();
        self.versions.clear();
        self.counts.clear();
    }
}

/// A write of another kind to ideas or projects, under way: what the log knows of them is
/// forgotten at its start and at its end (see [`SupportLog::changing`]).
pub(super) struct Changing<'a> {
    log: &'a SupportLog,
    ideas: Vec<String>,
    projects: Vec<String>,
}

impl Changing<'_> {
    fn mark(&self, starting: bool) {
        // A poisoned lock stops every support anyway.
        let Ok(mut state) = self.log.state.lock() else {
            return;
        };
        let known = &mut state.known;
        for (ids, changing) in [
            (&self.ideas, &mut known.changing_ideas),
            (&self.projects, &mut known.changing_projects),
        ] {
            for id in ids {
                if starting {
                    *changing.entry(id.clone()).or_default() += 1;
                } else if let Some(n) = changing.get_mut(id) {
                    *n -= 1;
                    if *n == 0 {
                        changing.remove(id);
                    }
                }
            }
        }
        known.forget(&self.ideas, &self.projects);
        // A support reading the tables across this write reads them again.
        state.generation += 1;
    }
}

impl Drop for Changing<'_> {
    fn drop(&mut self) {
        self.mark(false);
    }
}

/// A journal line: one support.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    seq: u64,
    idea: String,
    account: String,
    at: i64,
    /// The project the resident takes part in by this support, when not known to already.
    project: Option<String>,
}

/// A support as written to the tables.
#[derive(Clone, Copy)]
pub(super) struct SupportRow<'a> {
    pub idea: &'a str,
    pub account: &'a str,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub project: Option<&'a str>,
}

impl Entry {
    fn row(&self) -> SupportRow<'_> {
        SupportRow {
            idea: &self.idea,
            account: &self.account,
            at: self.at,
            project: self.project.as_deref(),
        }
    }

    fn line(&self) -> String {
        let project = self.project.as_deref().unwrap_or(NO_PROJECT);
        format!(
            "{} {} {} {} {project}",
            self.seq, self.idea, self.account, self.at
        )
    }

    fn parse(line: &str) -> Option<Entry> {
        let mut fields = line.split(' ');
        let seq = fields.next()?.parse().ok()?;
        let idea = fields.next()?;
        let account = fields.next()?;
        let at = fields.next()?.parse().ok()?;
        let project = fields.next()?;
        if fields.next().is_some() || !fits(idea) || !fits(account) || project.is_empty() {
            return None;
        }
        Some(Entry {
            seq,
            idea: idea.to_string(),
            account: account.to_string(),
            at,
            project: (project != NO_PROJECT).then(|| project.to_string()),
        })
    }
}

const NO_PROJECT: &str = "-";

/// Whether an id can stand in a journal line as a field of its own.
fn fits(id: &str) -> bool {
    !id.is_empty() && id != NO_PROJECT && !id.contains(char::is_whitespace)
}

/// What [`SupportLog::support`] did.
pub(super) enum Journaled {
    Done(Supported),
    /// Too many supports wait: ask again once the applier has applied more batches than this
    /// ([`SupportLog::batch_after`]).
    Full(u64),
    /// Not for the journal (an unknown idea, an id the journal cannot hold, a resident already
    /// supporting who must yet be recorded as taking part): write it straight to the tables,
    /// after [`SupportLog::settle`].
    Direct,
}

impl SupportLog {
    /// Opens the journal beside `db`, applies what an earlier run left in it, and starts the
    /// applier. `None`: supports are written straight to the tables (see the module's text).
    pub(super) async fn open(db: &Sqlite) -> StoreResult<Option<Arc<SupportLog>>> {
        if db.sync_mode() == SyncMode::Full {
            return Ok(None);
        }
        let Some(dir) = db.path().parent() else {
            return Ok(None);
        };
        let Some((mut journal, lines)) = Journal::open(dir, JOURNAL)? else {
            tracing::info!(
                "the ideas' supports journal is open elsewhere: supports go straight to the tables"
            );
            return Ok(None);
        };
        let mut entries = Vec::with_capacity(lines.len());
        for (n, line) in lines.iter().enumerate() {
            let entry = Entry::parse(line).ok_or_else(|| {
                StoreError::Internal(format!(
                    "line {} of {} is not a support: {line:?}",
                    n + 1,
                    dir.join(JOURNAL).display()
                ))
            })?;
            entries.push(entry);
        }
        let applied = applied_seq(db).await?;
        let last = entries.iter().map(|e| e.seq).fold(applied, u64::max);
        entries.retain(|e| e.seq > applied);
        if !entries.is_empty() {
            let count = entries.len();
            apply(db, entries).await?;
            tracing::info!(supports = count, "supports from the journal applied");
        }
        journal.rewrite([])?;
        // The writer's mark first, the filter's reading after it: whatever another connection
        // commits past the reading moves the mark.
        let data_version = db.write(data_version).await?;
        let seen = db.read(filter_from_tables).await?;
        tracing::info!(
            pairs = seen.pairs(),
            bytes = seen.bytes(),
            "supports filter built from the tables"
        );
        let wake = Arc::new(Notify::new());
        let log = Arc::new(SupportLog {
            db: db.clone(),
            state: Mutex::new(State {
                journal,
                next_seq: last + 1,
                pending: VecDeque::new(),
                claims: HashMap::new(),
                per_idea: HashMap::new(),
                batches: 0,
                generation: 0,
                known: Known {
                    heads: HashMap::new(),
                    versions: HashMap::new(),
                    counts: HashMap::new(),
                    changing_ideas: HashMap::new(),
                    changing_projects: HashMap::new(),
                    merged_into: HashSet::new(),
                    seen,
                    trusted: true,
                },
                data_version: Some(data_version),
            }),
            waiting: AtomicUsize::new(0),
            applying: tokio::sync::Mutex::new(()),
            wake: wake.clone(),
            applied: watch::Sender::new(0),
        });
        tokio::spawn(applier(Arc::downgrade(&log), wake));
        Ok(Some(log))
    }

    /// The resident supports the idea: answered from the table and the supports waiting, the
    /// support journalled when new. Runs on the calling thread (a point read, if any, and a
    /// write). `seen`: the store's reading in the resident's support check just before, if any
    /// (it is read here otherwise, and again should it be out of date).
    pub(super) fn support(
        &self,
        row: &SupportRow<'_>,
        seen: Option<Seen>,
    ) -> StoreResult<Journaled> {
        let SupportRow {
            idea,
            account,
            project,
            ..
        } = *row;
        if !fits(idea) || !fits(account) || !project.is_none_or(fits) {
            return Ok(Journaled::Direct);
        }
        let mut seen = seen;
        for _ in 0..MAX_REREADS {
            let seen = match seen.take() {
                Some(seen) => seen,
                None => {
                    let state = self.state()?;
                    if let Some(count) = state.known.count_if_new(idea, account) {
                        return self.journal(state, row, count);
                    }
                    drop(state);
                    match self.read(idea, account)? {
                        Some(seen) => seen,
                        None => return Ok(Journaled::Direct),
                    }
                }
            };
            let Seen {
                supports: stored,
                supported: exists,
                mark: applied,
                generation,
            } = seen;
            let mut state = self.state()?;
            if state.generation != generation {
                continue; // a batch left the waiting ones, or a write began, while it read
            }
            if state.known.changing_ideas.contains_key(idea) {
                // Another write to the idea is under way: after it, through the writer.
                return Ok(Journaled::Direct);
            }
            // The waiting supports the snapshot does not hold (committed since, or not yet).
            let waiting = state.per_idea.get(idea).map_or(0, |seqs| {
                seqs.len() - seqs.partition_point(|seq| *seq <= applied)
            });
            let count = stored + waiting as u64;
            let claimed = state
                .claims
                .get(&(idea.to_string(), account.to_string()))
                .is_some_and(|seq| *seq > applied);
            if exists || claimed {
                if project.is_some() {
                    return Ok(Journaled::Direct);
                }
                state.known.learn_count(idea, count);
                return Ok(Journaled::Done(Supported {
                    changed: false,
                    supports: count,
                }));
            }
            return self.journal(state, row, count);
        }
        Ok(Journaled::Direct)
    }

    /// Journals a new support of an idea that had `count` supports.
    fn journal(
        &self,
        mut state: MutexGuard<'_, State>,
        row: &SupportRow<'_>,
        count: u64,
    ) -> StoreResult<Journaled> {
        if state.pending.len() >= MAX_WAITING {
            return Ok(Journaled::Full(state.batches));
        }
        let entry = Entry {
            seq: state.next_seq,
            idea: row.idea.to_string(),
            account: row.account.to_string(),
            at: row.at,
            project: row.project.map(str::to_string),
        };
        state.journal.append(&entry.line())?;
        state.next_seq += 1;
        let was_empty = state.pending.is_empty();
        state.known.seen.insert(row.idea, row.account);
        state.known.learn_count(row.idea, count + 1);
        state
            .claims
            .insert((entry.idea.clone(), entry.account.clone()), entry.seq);
        let seqs = state.per_idea.entry(entry.idea.clone()).or_default();
        seqs.push_back(entry.seq);
        state.pending.push_back(entry);
        self.waiting.store(state.pending.len(), Ordering::Release);
        drop(state);
        if was_empty {
            self.wake.notify_one();
        }
        Ok(Journaled::Done(Supported {
            changed: true,
            supports: count + 1,
        }))
    }

    /// The idea's head and its project's version, when known (see the module's text).
    pub(super) fn known_head(&self, idea: &str) -> StoreResult<Option<(IdeaHead, u64)>> {
        let state = self.state()?;
        let known = &state.known;
        if !known.trusted {
            return Ok(None);
        }
        Ok(known.heads.get(idea).and_then(|head| {
            let version = known.versions.get(head.project_id.as_str())?;
            Some((head.clone(), *version))
        }))
    }

    /// Keeps the idea's head and its project's version, read from the tables at `generation`.
    pub(super) fn learn_head(
        &self,
        head: &IdeaHead,
        version: u64,
        generation: u64,
    ) -> StoreResult<()> {
        let mut state = self.state()?;
        if state.generation != generation {
            return Ok(()); // something moved while it was read
        }
        let (idea, project) = (head.id.as_str(), head.project_id.as_str());
        let known = &mut state.known;
        if !known.trusted
            || known.changing_ideas.contains_key(idea)
            || known.changing_projects.contains_key(project)
        {
            return Ok(());
        }
        if known.heads.len() >= MAX_KNOWN && !known.heads.contains_key(idea) {
            known.heads.clear();
            known.versions.clear();
        }
        known.heads.insert(idea.to_string(), head.clone());
        known.versions.insert(project.to_string(), version);
        Ok(())
    }

    /// Marks a write of another kind to these ideas and projects as under way, until the
    /// guard is dropped: what is known of them is forgotten (see the module's text).
    pub(super) fn changing(&self, ideas: &[&str], projects: &[&str]) -> Changing<'_> {
        let changing = Changing {
            log: self,
            ideas: ideas.iter().map(|i| i.to_string()).collect(),
            projects: projects.iter().map(|p| p.to_string()).collect(),
        };
        changing.mark(true);
        changing
    }

    /// A support about to be written straight to the tables (the filter must hold it first).
    pub(super) fn seen_directly(&self, idea: &str, account: &str) -> StoreResult<()> {
        self.state()?.known.seen.insert(idea, account);
        Ok(())
    }

    /// Supports are about to be merged into the idea: rows the filter is not given.
    pub(super) fn merging_into(&self, idea: &str) -> StoreResult<()> {
        self.state()?.known.merged_into.insert(idea.to_string());
        Ok(())
    }

    /// Returns once more than `batches` batches were applied. While supports wait (as they do
    /// when [`Journaled::Full`] says so), the applier goes on until none do.
    pub(super) async fn batch_after(&self, batches: u64) -> StoreResult<()> {
        let mut applied = self.applied.subscribe();
        let done = applied.wait_for(|n| *n > batches).await.map(|_| ());
        done.map_err(|_| StoreError::Internal("the supports' applier stopped".into()))
    }

    /// The generation to read the tables at (see [`Seen`]).
    pub(super) fn generation(&self) -> StoreResult<u64> {
        Ok(self.state()?.generation)
    }

    /// The idea's count, the resident's support and the last line applied, in one snapshot;
    /// `None` for an unknown idea.
    fn read(&self, idea: &str, account: &str) -> StoreResult<Option<Seen>> {
        let generation = self.generation()?;
        let sql = "SELECT t.supports, EXISTS (SELECT 1 FROM idea_supports
                       WHERE idea_id = ?1 AND account_id = ?2), l.applied
                   FROM idea_tallies t, idea_support_log l WHERE t.idea_id = ?1 AND l.id = 1";
        let row: Option<(i64, bool, i64)> = self.db.lookup_row(sql, [idea, account], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(row.map(|(supports, supported, applied)| Seen {
            supports: u64::try_from(supports).unwrap_or(0),
            supported,
            mark: u64::try_from(applied).unwrap_or(0),
            generation,
        }))
    }

    /// Applies the supports waiting, if any: afterwards the tables hold every support answered
    /// before the call.
    pub(super) async fn settle(&self) -> StoreResult<()> {
        if self.waiting.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        self.apply_pending().await
    }

    /// Applies the supports waiting, if any.
    async fn apply_pending(&self) -> StoreResult<()> {
        let _one_at_a_time = self.applying.lock().await;
        let batch: Vec<Entry> = self.state()?.pending.iter().cloned().collect();
        let Some(last) = batch.last().map(|e| e.seq) else {
            return Ok(());
        };
        let applied = apply(&self.db, batch).await?;
        let mut state = self.state()?;
        let foreign = state
            .data_version
            .is_some_and(|mark| mark != applied.data_version);
        if foreign || applied.not_new > 0 {
            state.known.distrust();
        }
        state.data_version = Some(applied.data_version);
        while state.pending.front().is_some_and(|e| e.seq <= last) {
            let Some(entry) = state.pending.pop_front() else {
                break;
            };
            if let Some(seqs) = state.per_idea.get_mut(&entry.idea) {
                seqs.pop_front();
                if seqs.is_empty() {
                    state.per_idea.remove(&entry.idea);
                }
            }
            state.claims.remove(&(entry.idea, entry.account));
        }
        state.generation += 1;
        state.batches += 1;
        self.applied.send_replace(state.batches);
        self.waiting.store(state.pending.len(), Ordering::Release);
        if state.journal.len() > REWRITE_BYTES {
            let lines: Vec<String> = state.pending.iter().map(Entry::line).collect();
            if let Err(e) = state.journal.rewrite(lines.iter().map(String::as_str)) {
                // The lines stay, applied or not: the next start skips those applied.
                tracing::warn!(error = %e, "the supports' journal could not be rewritten");
            }
        }
        Ok(())
    }

    fn state(&self) -> StoreResult<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| StoreError::Internal("the supports' journal lock is poisoned".into()))
    }
}

impl Drop for SupportLog {
    fn drop(&mut self) {
        // The applier finds the log gone and ends; what waited is in the journal, applied on
        // the next start.
        self.wake.notify_one();
    }
}

/// Applies the supports waiting 50 ms after the first arrives (at once when the
/// writer is behind), until none wait.
async fn applier(log: Weak<SupportLog>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        loop {
            // A batch's worth already waiting (the writer is behind): no window.
            let behind = log
                .upgrade()
                .is_some_and(|log| log.waiting.load(Ordering::Acquire) >= BEHIND);
            if !behind {
                tokio::time::sleep(WINDOW).await;
            }
            let Some(log) = log.upgrade() else {
                return;
            };
            if log.waiting.load(Ordering::Acquire) == 0 {
                // Applied meanwhile (a read settled them): hold the log no longer, so that a
                // store dropped now lets go of its journal at once.
                break;
            }
            match log.apply_pending().await {
                Ok(()) if log.waiting.load(Ordering::Acquire) == 0 => break,
                Ok(()) => {}
                Err(e) => {
                    tracing::error!(error = %e, "supports could not be applied; trying again");
                    drop(log);
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    }
}

/// The last journal line the tables hold.
async fn applied_seq(db: &Sqlite) -> StoreResult<u64> {
    let sql = "SELECT applied FROM idea_support_log WHERE id = 1";
    let applied: Option<i64> = db.query_optional(sql, [], |r| r.get(0)).await?;
    Ok(applied.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// What [`apply`] found.
struct Applied {
    /// Supports the tables held already.
    not_new: usize,
    /// The writer connection's `PRAGMA data_version` in the batch's transaction.
    data_version: i64,
}

/// Writes the supports to the tables as the direct write does, and the last one's line, in
/// one transaction.
async fn apply(db: &Sqlite, mut batch: Vec<Entry>) -> StoreResult<Applied> {
    let last = batch.last().map_or(0, |e| e.seq);
    // In the tables' order (ideas by id, a stable sort): each B-tree is walked forward rather
    // than at random, about a tenth less of the writer's time at random. A pair stands at most
    // once in a batch, so the order changes nothing else.
    batch.sort_by(|a, b| a.idea.cmp(&b.idea));
    db.write_rerunnable(move |conn| {
        let mut not_new = 0;
        for entry in &batch {
            if !write_support(conn, &entry.row())? {
                not_new += 1;
            }
        }
        conn.execute_cached(
            "UPDATE idea_support_log SET applied = ?1 WHERE id = 1 AND applied < ?1",
            [as_i64(last)],
        )?;
        Ok(Applied {
            not_new,
            data_version: data_version(conn)?,
        })
    })
    .await
}

/// `PRAGMA data_version` of the connection: moved by what other connections commit.
fn data_version(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// The filter of the supports the tables hold, sized for as many again.
fn filter_from_tables(conn: &Connection) -> StoreResult<SeenFilter> {
    let planned: f64 =
        conn.query_row("SELECT TOTAL(supports) FROM idea_tallies", [], |r| r.get(0))?;
    let mut filter = SeenFilter::with_room_for(planned as u64);
    let mut statement = conn.prepare("SELECT idea_id, account_id FROM idea_supports")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let text = |i| -> StoreResult<&str> {
            row.get_ref(i)?
                .as_str()
                .map_err(|e| StoreError::Internal(format!("idea_supports: {e}")))
        };
        filter.insert(text(0)?, text(1)?);
    }
    Ok(filter)
}

/// One support's rows: the support, the idea's count when it is new, the participation.
pub(super) fn write_support(conn: &Connection, entry: &SupportRow<'_>) -> StoreResult<bool> {
    let added = conn.execute_cached(
        "INSERT OR IGNORE INTO idea_supports (idea_id, account_id, at) VALUES (?1, ?2, ?3)",
        params![entry.idea, entry.account, entry.at],
    )?;
    if added == 1 {
        conn.execute_cached(
            "UPDATE idea_tallies SET supports = supports + 1 WHERE idea_id = ?1",
            [entry.idea],
        )?;
    }
    if let Some(project) = entry.project {
        conn.execute_cached(
            "INSERT OR IGNORE INTO idea_participants (project_id, account_id) VALUES (?1, ?2)",
            [project, entry.account],
        )?;
    }
    Ok(added == 1)
}
