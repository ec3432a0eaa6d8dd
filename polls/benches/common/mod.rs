//! What the benchmarks share: ballots of made-up residents.

use rand::Rng;
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId};
use veche_polls::model::{AgeBracket, Answer, Ballot, BallotId, Poll};
use veche_polls::verify;

/// The ballot of `account_id` in `poll`, cast at `at`: a random option of the poll's first
/// question, from a random district and age bracket, with its receipt.
pub fn random_ballot(
    poll: &Poll,
    account_id: AccountId,
    at: OffsetDateTime,
    districts: &[DistrictId],
    rng: &mut impl Rng,
) -> Ballot {
    let q = &poll.questions[0];
    let answers = vec![Answer {
        question: q.id.clone(),
        options: vec![q.options[rng.gen_range(0..q.options.len())].id.clone()],
    }];
    let id = BallotId::generate();
    let receipt = verify::receipt(poll.id.as_str(), id.as_str(), &answers);
    Ballot {
        id,
        poll_id: poll.id.clone(),
        account_id,
        answers,
        district_id: districts[rng.gen_range(0..districts.len())].clone(),
        age_bracket: AgeBracket::ALL[rng.gen_range(1..AgeBracket::ALL.len())],
        receipt,
        points: poll.points,
        cast_at: at,
    }
}
