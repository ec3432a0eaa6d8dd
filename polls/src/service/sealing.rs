//! Sealing a closed poll (the Merkle root over its receipts) and recounting its counters
//! from the ballots.

use super::*;

// ---- Sealing and recounting ----

pub fn seal_due(poll: &Poll, now: OffsetDateTime, grace: Duration) -> bool {
    poll.phase == Phase::Scheduled && poll.closes_at.is_some_and(|c| c + grace <= now)
}

/// How many ballots a pass over the ballots reads at a time.
const PAGE: usize = 5000;

/// A pass over a poll's ballots in receipt order, [`PAGE`] at a time (sealing, recounting). It
/// counts every ballot it reads: after the pass, `exact` holds the poll's exact counts and
/// `ballots` how many there are.
#[derive(Default)]
struct BallotPages {
    after: Option<Receipt>,
    done: bool,
    exact: Counters,
    ballots: u64,
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
        for b in &page {
            self.exact.count(b);
        }
        self.ballots += page.len() as u64;
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
    let mut block: Vec<Entry> = Vec::with_capacity(BLOCK);
    let mut block_roots = Vec::new();
    let mut block_firsts = Vec::new();
    let mut pages = BallotPages::default();
    while let Some(page) = pages.next(polls, id).await? {
        for b in &page {
            block.push(Entry::of(b));
            if block.len() == BLOCK {
                flush_block(polls, id, &mut block, &mut block_roots, &mut block_firsts).await?;
            }
        }
    }
    if !block.is_empty() {
        flush_block(polls, id, &mut block, &mut block_roots, &mut block_firsts).await?;
    }
    let (exact, ballots) = (pages.exact, pages.ballots);
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
        let mut pages = BallotPages::default();
        while pages.next(polls, id).await?.is_some() {}
        let (exact, ballots) = (pages.exact, pages.ballots);
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
