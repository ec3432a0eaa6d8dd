//! Residents: voting.

use super::*;

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
