//! Reading: polls a viewer may see, receipts with their proofs, points, seals.

use super::*;

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
