//! The polls' use cases: officials create, schedule, close and publish polls; residents vote;
//! sealing computes the root at close; recount repairs counters from the ballots.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use time::OffsetDateTime;
use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::platform::Platform;
use veche_core::web::i18n::Lang;
use veche_core::web::problem::Problem;
use veche_core::web::ratelimit::Limits;
use veche_core::StoreError;

use crate::model::{
    hex, Ballot, BallotId, Phase, PointsEntry, Poll, PollId, PollQuery, Receipt, SealSummary,
    Status,
};
use crate::rules::{self, BadBallot, BallotInput, Ineligible, PollInput, Refused};
use crate::store::{Cast, PollStore, Seal};
use crate::tally::Counters;
use crate::verify::{self, Entry, Step, BLOCK};

/// The polls' settings.
#[derive(Clone, Debug)]
pub struct PollsConfig {
    /// Past this many ballots being handled at once, new ones are answered 503 at once.
    pub max_in_flight: usize,
    /// How long after closing a poll is sealed (ballots sent just before the close finish).
    pub seal_grace: Duration,
    /// How long a poll read for voting is reused before it is read again.
    pub cache_ttl: Duration,
    /// How often the scheduler looks for polls to announce, seal and tell about.
    pub tick: Duration,
}

impl Default for PollsConfig {
    fn default() -> Self {
        PollsConfig {
            max_in_flight: 4096,
            seal_grace: Duration::from_secs(60),
            cache_ttl: Duration::from_secs(1),
            tick: Duration::from_secs(15),
        }
    }
}

/// Counts read for a poll: when, and at which version of the poll.
type CachedCounts = (Arc<Counters>, Instant, u64);

/// Which rendering of a poll's results: the poll, its status, the language and the format.
pub type RenderKey = (PollId, Status, Lang, &'static str);

/// A results document rendered from one read of the counts, reused while the counts and the
/// poll are the same (a spike of readers then costs one rendering a second, not one each).
struct Rendered {
    counts: Arc<Counters>,
    version: u64,
    at: Instant,
    body: Bytes,
}

/// The polls feature's state in a running Veche.
pub struct Polls {
    /// Private to the crate: pages and the API go through the use cases below.
    pub(crate) store: Arc<dyn PollStore>,
    pub config: PollsConfig,
    cache: RwLock<HashMap<PollId, (Arc<Poll>, Instant)>>,
    results: RwLock<HashMap<PollId, CachedCounts>>,
    rendered: RwLock<HashMap<RenderKey, Rendered>>,
    in_flight: AtomicUsize,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input: {0:?}")]
    Invalid(Refused),
    /// A change the poll's state does not allow (`code` says which).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("not eligible: {0:?}")]
    Ineligible(Ineligible),
    #[error("bad ballot: {0:?}")]
    BadBallot(BadBallot),
    #[error("already voted")]
    AlreadyVoted(Box<Ballot>),
    #[error("overloaded")]
    Overloaded,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type PollResult<T> = Result<T, PollError>;

/// Held while a ballot is handled; counts it in flight.
pub struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Polls {
    pub fn new(store: Arc<dyn PollStore>, config: PollsConfig) -> Polls {
        Polls {
            store,
            config,
            cache: RwLock::new(HashMap::new()),
            results: RwLock::new(HashMap::new()),
            rendered: RwLock::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Admits one more ballot, or refuses at once when too many are being handled (load
    /// shedding: a quick 503 with `Retry-After` beats a queue that ends in timeouts).
    pub fn admit(&self) -> PollResult<InFlight<'_>> {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(&self.in_flight);
        if before >= self.config.max_in_flight {
            crate::metrics::SHED.inc();
            return Err(PollError::Overloaded);
        }
        Ok(guard)
    }

    /// Admits a resident's ballot, the same for the page and the API: shed at once when too
    /// many are in flight, then one cell of the per-IP and of the per-account limit. The guard
    /// is held until the answer is built.
    pub fn admit_ballot(
        &self,
        limits: &Limits,
        ip: IpAddr,
        account: &AccountId,
    ) -> Result<InFlight<'_>, Problem> {
        let guard = self.admit().map_err(PollError::problem)?;
        limits.check_ip(crate::PollsLimit::BallotIp, ip)?;
        limits.check(crate::PollsLimit::BallotAccount, account.as_str())?;
        Ok(guard)
    }

    /// The polls store itself, for tests that inspect or damage what is stored.
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Arc<dyn PollStore> {
        &self.store
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// The poll, from a cache at most `cache_ttl` old (voting reads it on every ballot).
    pub async fn cached(&self, id: &PollId) -> PollResult<Arc<Poll>> {
        if let Ok(cache) = self.cache.read() {
            if let Some((poll, at)) = cache.get(id) {
                if at.elapsed() < self.config.cache_ttl {
                    return Ok(poll.clone());
                }
            }
        }
        self.refresh(id).await
    }

    async fn refresh(&self, id: &PollId) -> PollResult<Arc<Poll>> {
        let poll = Arc::new(self.store.poll(id).await?.ok_or(PollError::NotFound)?);
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(id.clone(), (poll.clone(), Instant::now()));
        }
        Ok(poll)
    }

    fn forget(&self, id: &PollId) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(id);
        }
        if let Ok(mut results) = self.results.write() {
            results.remove(id);
        }
        if let Ok(mut rendered) = self.rendered.write() {
            rendered.retain(|key, _| &key.0 != id);
        }
    }

    /// The results rendered by `render` from `counts` of `poll`, or the same rendering made
    /// earlier from the very same counts and poll version, at most `cache_ttl` ago (district
    /// names can change under a sealed poll's counts).
    pub fn rendered<E>(
        &self,
        key: RenderKey,
        poll: &Poll,
        counts: &Arc<Counters>,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Ok(rendered) = self.rendered.read() {
            if let Some(r) = rendered.get(&key) {
                if Arc::ptr_eq(&r.counts, counts)
                    && r.version == poll.version
                    && r.at.elapsed() < self.config.cache_ttl
                {
                    return Ok(r.body.clone());
                }
            }
        }
        let body = render()?;
        if let Ok(mut rendered) = self.rendered.write() {
            if rendered.len() > 10_000 {
                rendered.clear();
            }
            rendered.insert(
                key,
                Rendered {
                    counts: counts.clone(),
                    version: poll.version,
                    at: Instant::now(),
                    body: body.clone(),
                },
            );
        }
        Ok(body)
    }

    /// The counts to show: a sealed poll's final counts (kept), or the live counters read at
    /// most once a second per poll.
    pub async fn counts(&self, poll: &Poll) -> PollResult<Arc<Counters>> {
        let sealed = poll.seal.is_some();
        if let Ok(results) = self.results.read() {
            if let Some((counts, at, version)) = results.get(&poll.id) {
                if *version == poll.version && (sealed || at.elapsed() < self.config.cache_ttl) {
                    return Ok(counts.clone());
                }
            }
        }
        let counts = Arc::new(if sealed {
            self.store
                .seal(&poll.id)
                .await?
                .map(|s| s.counters)
                .ok_or_else(|| StoreError::Internal(format!("poll {} has no seal", poll.id)))?
        } else {
            self.store.counters(&poll.id).await?
        });
        if let Ok(mut results) = self.results.write() {
            if results.len() > 10_000 {
                results.clear();
            }
            results.insert(
                poll.id.clone(),
                (counts.clone(), Instant::now(), poll.version),
            );
        }
        Ok(counts)
    }
}

// ---- Officials: the poll's life ----

/// Creates a draft managed by the creator's organisation (an admin's draft has none: admins
/// manage it).
pub async fn create(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    input: &PollInput,
) -> PollResult<Poll> {
    if !rules::is_official(actor) {
        return Err(PollError::Forbidden);
    }
    let fields =
        rules::poll_fields(input, &[], &platform.directory()).map_err(PollError::Invalid)?;
    let now = clock::now();
    // An official's draft is their organisation's; an admin's is managed by admins.
    let organisation = if actor.has_role(veche_core::accounts::model::Role::Official) {
        actor.organisation_id.clone()
    } else {
        None
    };
    let poll = fields.into_draft(actor.id.clone(), organisation, now);
    polls.store.insert_poll(&poll).await?;
    audit(
        platform,
        actor,
        "poll.created",
        &poll,
        serde_json::json!({ "title": poll.title }),
    )
    .await?;
    Ok(poll)
}

/// The poll for someone who manages it: 404 when it does not exist or they may not see it,
/// 403 when they see it but may not manage it.
pub async fn managed(polls: &Polls, actor: &Account, id: &PollId) -> PollResult<Poll> {
    let poll = polls.store.poll(id).await?.ok_or(PollError::NotFound)?;
    if !rules::may_see_poll(&poll, Some(actor)) {
        return Err(PollError::NotFound);
    }
    if !rules::may_manage(actor, &poll) {
        return Err(PollError::Forbidden);
    }
    Ok(poll)
}

/// Stores `poll` (bumped to the next version) if nobody changed it since `expected`.
async fn save(polls: &Polls, mut poll: Poll, expected: u64) -> PollResult<Poll> {
    poll.version = expected + 1;
    poll.updated_at = clock::now();
    let stored = polls.store.replace_poll(&poll, expected).await?;
    polls.forget(&poll.id);
    if stored {
        Ok(poll)
    } else {
        Err(PollError::Conflict("version_conflict"))
    }
}

/// Replaces a poll's contents. The editor names the version it edited (`expected`): a stale
/// edit is 409 `version_conflict`. Closed polls are not edited; once the first ballot is in,
/// questions, audience and points are frozen (409 `questions_frozen`); an open poll keeps its
/// opening time.
pub async fn update(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
    input: &PollInput,
) -> PollResult<Poll> {
    let poll = managed(polls, actor, id).await?;
    if poll.version != expected {
        return Err(PollError::Conflict("version_conflict"));
    }
    let now = clock::now();
    let status = poll.status(now);
    if matches!(status, Status::Closed | Status::Published) {
        return Err(PollError::Conflict("poll_closed"));
    }
    let fields = rules::poll_fields(input, &poll.questions, &platform.directory())
        .map_err(PollError::Invalid)?;
    if poll.frozen
        && (fields.questions != poll.questions
            || fields.audience != poll.audience
            || fields.points != poll.points)
    {
        return Err(PollError::Conflict("questions_frozen"));
    }
    if status == Status::Open {
        if fields.opens_at != poll.opens_at {
            return Err(PollError::Conflict("already_open"));
        }
        if fields.closes_at.is_none_or(|c| c <= now) {
            return Err(PollError::Invalid(Refused {
                invalid: veche_core::web::problem::Invalid::new("closes_at", "in_the_past"),
                at: None,
            }));
        }
    }
    let mut next = poll.clone();
    next.title = fields.title;
    next.description = fields.description;
    next.questions = fields.questions;
    next.audience = fields.audience;
    next.opens_at = fields.opens_at;
    next.closes_at = fields.closes_at;
    next.points = fields.points;
    next.visibility = fields.visibility;
    if next.phase == Phase::Scheduled {
        rules::ready_to_schedule(&next, now).map_err(PollError::Invalid)?;
    }
    let saved = save(polls, next, expected).await?;
    audit(
        platform,
        actor,
        "poll.updated",
        &saved,
        serde_json::json!({ "version": saved.version }),
    )
    .await?;
    Ok(saved)
}

/// Draft → scheduled: it opens by itself at `opens_at`.
pub async fn schedule(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
) -> PollResult<Poll> {
    apply_plan(platform, polls, actor, id, expected, Plan::Schedule).await
}

/// Scheduled but not yet open → draft again.
pub async fn unschedule(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
) -> PollResult<Poll> {
    apply_plan(platform, polls, actor, id, expected, Plan::Unschedule).await
}

/// The two moves of a poll that has not opened: into the schedule and out of it.
#[derive(Clone, Copy)]
enum Plan {
    Schedule,
    Unschedule,
}

/// Makes `plan` for the managed poll `id` at version `expected`, and audits it.
async fn apply_plan(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
    plan: Plan,
) -> PollResult<Poll> {
    let poll = managed(polls, actor, id).await?;
    if poll.version != expected {
        return Err(PollError::Conflict("version_conflict"));
    }
    let now = clock::now();
    let (phase, action) = match plan {
        Plan::Schedule => {
            if poll.phase != Phase::Draft {
                return Err(PollError::Conflict("not_a_draft"));
            }
            rules::ready_to_schedule(&poll, now).map_err(PollError::Invalid)?;
            (Phase::Scheduled, "poll.scheduled")
        }
        Plan::Unschedule => {
            if poll.status(now) != Status::Scheduled {
                return Err(PollError::Conflict("not_scheduled"));
            }
            (Phase::Draft, "poll.unscheduled")
        }
    };
    let mut next = poll;
    next.phase = phase;
    let saved = save(polls, next, expected).await?;
    audit(platform, actor, action, &saved, serde_json::json!({})).await?;
    Ok(saved)
}

/// Deletes a draft.
pub async fn delete(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
) -> PollResult<()> {
    let poll = managed(polls, actor, id).await?;
    if poll.phase != Phase::Draft {
        return Err(PollError::Conflict("not_a_draft"));
    }
    if !polls.store.delete_draft(id, expected).await? {
        return Err(PollError::Conflict("version_conflict"));
    }
    polls.forget(id);
    audit(
        platform,
        actor,
        "poll.deleted",
        &poll,
        serde_json::json!({}),
    )
    .await?;
    Ok(())
}

/// Closes an open poll now (its closing time becomes now). It is sealed once the grace for
/// ballots in flight has passed.
pub async fn close(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    reason: Option<String>,
) -> PollResult<Poll> {
    loop {
        let poll = managed(polls, actor, id).await?;
        let now = clock::now();
        if poll.status(now) != Status::Open {
            return Err(PollError::Conflict("not_open"));
        }
        let expected = poll.version;
        let mut next = poll;
        next.closes_at = Some(now);
        match save(polls, next, expected).await {
            Ok(saved) => {
                audit_reason(
                    platform,
                    actor,
                    "poll.closed",
                    &saved,
                    reason,
                    serde_json::json!({}),
                )
                .await?;
                return Ok(saved);
            }
            // A ballot froze the questions meanwhile (that bumps the version): try again.
            Err(PollError::Conflict("version_conflict")) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Publishes a sealed poll with "what the city decided" (or updates that text later).
pub async fn publish(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    decision: &str,
) -> PollResult<Poll> {
    let text = decision.trim().replace("\r\n", "\n");
    let len = text.chars().count();
    if len == 0 || len > rules::DECISION_MAX {
        return Err(PollError::Invalid(Refused {
            invalid: veche_core::web::problem::Invalid::new(
                "decision",
                if len == 0 { "required" } else { "too_long" },
            ),
            at: None,
        }));
    }
    let mut poll = managed(polls, actor, id).await?;
    let now = clock::now();
    match poll.status(now) {
        Status::Closed if poll.seal.is_none() => {
            if !seal_due(&poll, now, polls.config.seal_grace) {
                return Err(PollError::Conflict("not_sealed_yet"));
            }
            seal(polls, id).await?;
            poll = managed(polls, actor, id).await?;
        }
        Status::Closed | Status::Published => {}
        _ => return Err(PollError::Conflict("not_closed")),
    }
    let expected = poll.version;
    let first = poll.phase != Phase::Published;
    let mut next = poll;
    next.phase = Phase::Published;
    next.decision = Some(text);
    next.decision_at = Some(now);
    let saved = save(polls, next, expected).await?;
    audit(
        platform,
        actor,
        if first {
            "poll.published"
        } else {
            "poll.decision_updated"
        },
        &saved,
        serde_json::json!({}),
    )
    .await?;
    Ok(saved)
}

async fn audit(
    platform: &Platform,
    actor: &Account,
    action: &str,
    poll: &Poll,
    details: serde_json::Value,
) -> PollResult<()> {
    audit_reason(platform, actor, action, poll, None, details).await
}

async fn audit_reason(
    platform: &Platform,
    actor: &Account,
    action: &str,
    poll: &Poll,
    reason: Option<String>,
    details: serde_json::Value,
) -> PollResult<()> {
    veche_core::accounts::service::audit(
        platform,
        &actor.id,
        action,
        format!("poll:{}", poll.id),
        reason,
        details,
    )
    .await
    .map_err(|e| match e {
        veche_core::accounts::service::AccountError::Store(s) => PollError::Store(s),
        other => PollError::Store(StoreError::internal(other)),
    })?;
    Ok(())
}

// ---- Residents: voting ----

/// A stored ballot and the poll it is in.
#[derive(Debug)]
pub struct Voted {
    pub ballot: Ballot,
    pub poll: Arc<Poll>,
}

/// Casts a resident's ballot. Checks, in order: the poll exists and is open (404, 409
/// `poll_not_open` / `poll_closed`), the resident is in the audience (403 with the reason),
/// the answers (422 with the rule). Then the store keeps one ballot per resident: a second one
/// is 409 `already_voted` with the first ballot's receipt.
pub async fn vote(
    platform: &Platform,
    polls: &Polls,
    voter: &Account,
    id: &PollId,
    input: &BallotInput,
) -> PollResult<Voted> {
    let mut poll = polls.cached(id).await?;
    if !rules::may_see_poll(&poll, Some(voter)) {
        return Err(PollError::NotFound);
    }
    let now = clock::now();
    match poll.status(now) {
        Status::Open => {}
        Status::Draft | Status::Scheduled => return Err(PollError::Conflict("poll_not_open")),
        Status::Closed | Status::Published => return Err(PollError::Conflict("poll_closed")),
    }
    let directory = platform.directory();
    let bracket =
        rules::eligibility(&poll, voter, &directory, now).map_err(PollError::Ineligible)?;
    rules::answers(&poll, input).map_err(PollError::BadBallot)?;
    if !poll.frozen {
        // Freeze the questions before the first ballot is checked against them; an edit that
        // began earlier fails on the bumped version. Then check again against what is stored.
        polls.store.freeze(id).await?;
        poll = polls.refresh(id).await?;
        if poll.status(now) != Status::Open {
            return Err(PollError::Conflict("poll_closed"));
        }
    }
    let answers = rules::answers(&poll, input).map_err(PollError::BadBallot)?;
    let ballot_id = BallotId::generate();
    let receipt = verify::receipt(poll.id.as_str(), ballot_id.as_str(), &answers);
    let ballot = Ballot {
        id: ballot_id,
        poll_id: poll.id.clone(),
        account_id: voter.id.clone(),
        answers,
        district_id: voter.district_id.clone(),
        age_bracket: bracket,
        receipt,
        points: poll.points,
        cast_at: now,
    };
    match polls.store.cast(&ballot).await? {
        Cast::Stored => {
            crate::metrics::BALLOTS.inc();
            Ok(Voted { ballot, poll })
        }
        Cast::AlreadyVoted(first) => Err(PollError::AlreadyVoted(first)),
    }
}

// ---- Sealing and recounting ----

pub fn seal_due(poll: &Poll, now: OffsetDateTime, grace: Duration) -> bool {
    poll.phase == Phase::Scheduled && poll.closes_at.is_some_and(|c| c + grace <= now)
}

/// How many ballots a pass over the ballots reads at a time.
const PAGE: usize = 5000;

/// A pass over a poll's ballots in receipt order, [`PAGE`] at a time (sealing, recounting).
#[derive(Default)]
struct BallotPages {
    after: Option<Receipt>,
    done: bool,
}

impl BallotPages {
    /// The next page; `None` once a short page has been read (the last, maybe empty).
    async fn next(&mut self, polls: &Polls, id: &PollId) -> PollResult<Option<Vec<Ballot>>> {
        if self.done {
            return Ok(None);
        }
        let page = polls
            .store
            .ballots_page(id, self.after.as_ref(), PAGE)
            .await?;
        self.done = page.len() < PAGE;
        self.after = page.last().map(|b| b.receipt.clone());
        Ok(Some(page))
    }
}

/// Seals a closed poll: one pass over its ballots in receipt order stores the tree's blocks,
/// computes the root and the exact counts, repairs the live counters if they drifted, stores
/// the seal and marks the poll sealed. Idempotent (sealing twice stores the same seal) and
/// safe to run on several servers at once.
pub async fn seal(polls: &Polls, id: &PollId) -> PollResult<Seal> {
    if let Some(existing) = polls.store.seal(id).await? {
        mark_sealed(polls, id, &existing).await?;
        return Ok(existing);
    }
    let poll = polls.store.poll(id).await?.ok_or(PollError::NotFound)?;
    if poll.status(clock::now()) != Status::Closed {
        return Err(PollError::Conflict("not_closed"));
    }
    let mut exact = Counters::default();
    let mut block: Vec<Entry> = Vec::with_capacity(BLOCK);
    let mut block_roots = Vec::new();
    let mut block_firsts = Vec::new();
    let mut ballots = 0u64;
    let mut pages = BallotPages::default();
    while let Some(page) = pages.next(polls, id).await? {
        for b in &page {
            exact.count(b);
            ballots += 1;
            block.push(Entry::of(b));
            if block.len() == BLOCK {
                flush_block(polls, id, &mut block, &mut block_roots, &mut block_firsts).await?;
            }
        }
    }
    if !block.is_empty() {
        flush_block(polls, id, &mut block, &mut block_roots, &mut block_firsts).await?;
    }
    let root = hex(&verify::root_of(block_roots.clone()));
    let live = polls.store.counters(id).await?;
    let drift = live.delta_to(&exact);
    if !drift.is_empty() {
        tracing::warn!(poll = %id, keys = drift.0.len(), "counters drifted from the ballots; repaired at sealing");
        polls.store.add_counters(id, &drift).await?;
    }
    let seal = Seal {
        poll_id: id.clone(),
        root,
        ballots,
        counters: exact,
        block_roots: block_roots.iter().map(|h| hex(h)).collect(),
        block_firsts,
        sealed_at: clock::now(),
    };
    polls.store.save_seal(&seal).await?;
    mark_sealed(polls, id, &seal).await?;
    tracing::info!(poll = %id, ballots, root = %seal.root, "poll sealed");
    Ok(seal)
}

async fn flush_block(
    polls: &Polls,
    id: &PollId,
    block: &mut Vec<Entry>,
    roots: &mut Vec<verify::Hash>,
    firsts: &mut Vec<Receipt>,
) -> PollResult<()> {
    let index = roots.len() as u32;
    polls.store.save_block(id, index, block).await?;
    roots.push(verify::block_root(block));
    if let Some(first) = block.first() {
        firsts.push(first.receipt.clone());
    }
    block.clear();
    Ok(())
}

async fn mark_sealed(polls: &Polls, id: &PollId, seal: &Seal) -> PollResult<()> {
    loop {
        let poll = polls.store.poll(id).await?.ok_or(PollError::NotFound)?;
        if poll.seal.is_some() {
            return Ok(());
        }
        let expected = poll.version;
        let mut next = poll;
        if next.phase == Phase::Scheduled {
            next.phase = Phase::Sealed;
        }
        next.seal = Some(SealSummary {
            root: seal.root.clone(),
            ballots: seal.ballots,
            sealed_at: seal.sealed_at,
        });
        match save(polls, next, expected).await {
            Ok(_) => return Ok(()),
            Err(PollError::Conflict("version_conflict")) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// What a recount found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recount {
    pub ballots: u64,
    /// What had to be added to the live counters to make them equal the ballots.
    pub drift: Counters,
    /// Whether the drift was written back.
    pub fixed: bool,
}

/// Recomputes a poll's counters from its ballots and reports (and, with `fix`, repairs) the
/// drift. The live counters are read before and after the pass over the ballots; if a ballot
/// was counted meanwhile, the pass is repeated (up to five times) so that a ballot in flight is
/// not taken for drift. A sealed poll's final counts are checked too.
pub async fn recount(polls: &Polls, id: &PollId, fix: bool) -> PollResult<Recount> {
    polls.store.poll(id).await?.ok_or(PollError::NotFound)?;
    for _ in 0..5 {
        let before = polls.store.counters(id).await?;
        let mut exact = Counters::default();
        let mut ballots = 0u64;
        let mut pages = BallotPages::default();
        while let Some(page) = pages.next(polls, id).await? {
            for b in &page {
                exact.count(b);
                ballots += 1;
            }
        }
        let after_pass = polls.store.counters(id).await?;
        if before != after_pass {
            continue;
        }
        let drift = before.delta_to(&exact);
        let fixed = fix && !drift.is_empty();
        if fixed {
            polls.store.add_counters(id, &drift).await?;
            polls.forget(id);
            tracing::warn!(poll = %id, keys = drift.0.len(), "counters repaired by a recount");
        }
        if let Some(seal) = polls.store.seal(id).await? {
            if seal.counters != exact {
                tracing::error!(poll = %id, "the sealed counts differ from the ballots");
                return Err(PollError::Conflict("seal_differs"));
            }
        }
        return Ok(Recount {
            ballots,
            drift,
            fixed,
        });
    }
    Err(PollError::Conflict("poll_busy"))
}

// ---- Reading ----

/// The inclusion proof of a receipt in a sealed poll.
#[derive(Clone, Debug)]
pub struct Proof {
    pub root: String,
    pub steps: Vec<Step>,
    /// The leaf the proof starts from (receipt, district, age bracket).
    pub entry: Entry,
    /// Whether the proof leads to the published root (checked here; anyone can redo it).
    pub included: bool,
}

/// The stored ballot with this receipt and, once the poll is sealed, its proof.
pub async fn receipt(
    polls: &Polls,
    poll: &Poll,
    receipt: &Receipt,
) -> PollResult<(Ballot, Option<Proof>)> {
    let ballot = polls
        .store
        .ballot_by_receipt(&poll.id, receipt)
        .await?
        .ok_or(PollError::NotFound)?;
    if poll.seal.is_none() {
        return Ok((ballot, None));
    }
    let seal = polls
        .store
        .seal(&poll.id)
        .await?
        .ok_or_else(|| StoreError::Internal(format!("poll {} has no seal", poll.id)))?;
    let blocks = verify::Blocks {
        roots: seal
            .block_roots
            .iter()
            .filter_map(|h| verify::parse_hash(h))
            .collect(),
        firsts: seal.block_firsts.clone(),
    };
    let index = blocks.block_of(receipt).ok_or(PollError::NotFound)?;
    let receipts = polls
        .store
        .block(&poll.id, index as u32)
        .await?
        .ok_or_else(|| StoreError::Internal(format!("poll {}: block {index} missing", poll.id)))?;
    let steps = blocks.proof(index, &receipts, receipt).ok_or_else(|| {
        StoreError::Internal(format!("poll {}: receipt not in its block", poll.id))
    })?;
    let entry = Entry::of(&ballot);
    let included = verify::check_proof(&entry, &steps, &seal.root);
    Ok((
        ballot,
        Some(Proof {
            root: seal.root,
            steps,
            entry,
            included,
        }),
    ))
}

/// One page of polls read from the store, newest first, without those the viewer may not see.
pub struct ListPage {
    /// The polls the viewer may see.
    pub polls: Vec<Poll>,
    /// The last poll read (seen or not): where the next page starts.
    pub last: Option<PollId>,
    /// Whether the store has nothing after this page.
    pub exhausted: bool,
}

/// Polls a viewer may see, newest first: for a resident, what is open, upcoming and finished;
/// managers also see their drafts. One read of `query.limit` polls from the store.
pub async fn list(
    polls: &Polls,
    viewer: Option<&Account>,
    query: &PollQuery,
) -> PollResult<ListPage> {
    let found = polls.store.list_polls(query).await?;
    let exhausted = found.len() < query.limit;
    let last = found.last().map(|p| p.id.clone());
    Ok(ListPage {
        polls: found
            .into_iter()
            .filter(|p| rules::may_see_poll(p, viewer))
            .collect(),
        last,
        exhausted,
    })
}

/// A resident's points: balance and a page of history.
pub async fn points(
    polls: &Polls,
    account: &AccountId,
    before: Option<(OffsetDateTime, PollId)>,
    limit: usize,
) -> PollResult<(u64, Vec<PointsEntry>)> {
    let balance = polls.store.points_balance(account).await?;
    let history = polls.store.points_history(account, before, limit).await?;
    Ok((balance, history))
}

/// A poll the viewer may see (drafts only their managers); `NotFound` for any other.
pub async fn visible(polls: &Polls, viewer: Option<&Account>, id: &PollId) -> PollResult<Poll> {
    match polls.store.poll(id).await? {
        Some(poll) if rules::may_see_poll(&poll, viewer) => Ok(poll),
        _ => Err(PollError::NotFound),
    }
}

/// Any poll by id, drafts included, for the operator's command line (no viewer to check).
pub async fn find(polls: &Polls, id: &PollId) -> PollResult<Poll> {
    polls.store.poll(id).await?.ok_or(PollError::NotFound)
}

/// Writes out what the store holds in memory (counters not yet added), before a tool exits.
pub async fn flush(polls: &Polls) -> PollResult<()> {
    Ok(polls.store.flush().await?)
}

/// The title of a poll a resident earned points in (`None` once the poll is deleted).
pub async fn title(polls: &Polls, id: &PollId) -> PollResult<Option<String>> {
    Ok(polls.store.poll(id).await?.map(|p| p.title))
}

/// A resident's points balance.
pub async fn balance(polls: &Polls, account: &AccountId) -> PollResult<u64> {
    Ok(polls.store.points_balance(account).await?)
}

/// Whether a ballot with this receipt is stored in the poll.
pub async fn receipt_exists(polls: &Polls, poll: &PollId, receipt: &Receipt) -> PollResult<bool> {
    Ok(polls
        .store
        .ballot_by_receipt(poll, receipt)
        .await?
        .is_some())
}

/// What a sealed poll published (`None` before the seal).
pub async fn published_seal(polls: &Polls, poll: &PollId) -> PollResult<Option<Seal>> {
    Ok(polls.store.seal(poll).await?)
}

/// Whether the viewer voted in the poll (for "results after voting").
pub async fn has_voted(
    polls: &Polls,
    poll: &PollId,
    viewer: Option<&Account>,
) -> PollResult<Option<Ballot>> {
    match viewer {
        Some(a) => Ok(polls.store.ballot_of(poll, &a.id).await?),
        None => Ok(None),
    }
}

impl PollError {
    /// The problem document for this error (API) — pages show the same title and detail.
    pub fn problem(self) -> veche_core::web::problem::Problem {
        use http::StatusCode;
        use veche_core::web::problem::Problem;
        match self {
            PollError::NotFound => Problem::not_found(),
            PollError::Forbidden => Problem::forbidden(),
            PollError::Invalid(refused) => {
                let mut p = Problem::invalid(refused.invalid);
                if let Some(at) = refused.at {
                    p = p.with("at", at);
                }
                p
            }
            PollError::Conflict(code) => Problem::conflict(code),
            PollError::Ineligible(why) => Problem::new(StatusCode::FORBIDDEN, why.code()),
            PollError::BadBallot(bad) => {
                let mut p = Problem::unprocessable(bad.code);
                if let Some(q) = bad.question {
                    p = p.with("question", q);
                }
                p
            }
            PollError::AlreadyVoted(first) => Problem::conflict("already_voted")
                .with("receipt", first.receipt.to_string())
                .with("ballot_id", first.id.to_string()),
            PollError::Overloaded => {
                let mut p = Problem::unavailable(1);
                p.code = "overloaded";
                p
            }
            PollError::Store(e) => e.into(),
        }
    }
}
