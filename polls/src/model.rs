//! Polls, their questions and audience, ballots, and the counters the results are read from.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId, OkrugId, OrganisationId};
use veche_core::string_id;

/// Instants are stored as integer milliseconds (MongoDB's adapter turns them into dates).
use time::serde::timestamp::milliseconds_i64 as millis;

string_id!(
    /// A poll.
    PollId
);
string_id!(
    /// A question of a poll (unique within the poll; kept when questions are reordered).
    QuestionId
);
string_id!(
    /// An option of a question (unique within the poll).
    OptionId
);

/// A ballot's public identifier: 128 random bits in hex. Random, not time-ordered, so that the
/// public export does not tell when anyone voted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BallotId(String);

impl BallotId {
    pub fn generate() -> BallotId {
        BallotId(hex(&rand::random::<[u8; 16]>()))
    }
    pub fn parse(raw: &str) -> Option<BallotId> {
        (raw.len() == 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| BallotId(raw.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_trusted(raw: String) -> BallotId {
        BallotId(raw)
    }
}

impl std::fmt::Display for BallotId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A receipt: the blake3 hash of a ballot (see [`crate::verify::receipt`]), 64 hex characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Receipt(String);

impl Receipt {
    pub fn parse(raw: &str) -> Option<Receipt> {
        let raw = raw.trim();
        (raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Receipt(raw.to_ascii_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_hash(hash: blake3::Hash) -> Receipt {
        Receipt(hash.to_hex().to_string())
    }
    pub fn from_trusted(raw: String) -> Receipt {
        Receipt(raw)
    }
    /// The 32 bytes of the hash.
    pub fn bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = self
                .0
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0);
        }
        out
    }
}

impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// How many options a resident may pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Choice {
    /// Exactly one option.
    Single,
    /// From one up to `max` options.
    Multiple { max: u8 },
}

impl Choice {
    pub fn max(self) -> usize {
        match self {
            Choice::Single => 1,
            Choice::Multiple { max } => usize::from(max),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollOption {
    pub id: OptionId,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub text: String,
    pub choice: Choice,
    /// A ballot without an answer to a required question is refused; an optional one may be
    /// skipped.
    pub required: bool,
    pub options: Vec<PollOption>,
}

impl Question {
    pub fn option(&self, id: &str) -> Option<&PollOption> {
        self.options.iter().find(|o| o.id.as_str() == id)
    }
}

/// Who may vote. No districts and no okrugs: the whole city.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub districts: BTreeSet<DistrictId>,
    pub okrugs: BTreeSet<OkrugId>,
    /// Only residents who confirmed their email address.
    pub verified_only: bool,
    /// Only residents at least this old (in whole years, counted by the year of birth).
    pub min_age: Option<u8>,
}

impl Audience {
    pub fn city_wide(&self) -> bool {
        self.districts.is_empty() && self.okrugs.is_empty()
    }

    /// Whether a resident of `district` (in `okrug`) is inside the audience's area.
    pub fn covers(&self, district: &DistrictId, okrug: Option<&OkrugId>) -> bool {
        self.city_wide()
            || self.districts.contains(district)
            || okrug.is_some_and(|o| self.okrugs.contains(o))
    }

    /// The district ids and the okrug ids, as the API reads and writes them.
    pub fn id_strings(&self) -> (Vec<String>, Vec<String>) {
        (
            self.districts.iter().map(|d| d.to_string()).collect(),
            self.okrugs.iter().map(|o| o.to_string()).collect(),
        )
    }
}

veche_core::string_enum! {
    /// Who sees the results, and when.
    #[derive(utoipa::ToSchema)]
    pub enum Visibility {
        /// Voters see the live results right after voting; everyone after the poll closes.
        AfterVoting = "after_voting",
        /// Everyone, once the poll has closed.
        AfterClose = "after_close",
        /// Officials and admins only (published results are public).
        OfficialsOnly = "officials_only",
    }
}

veche_core::string_enum! {
    /// The stored phase of a poll. The status people see also depends on the clock: a scheduled
    /// poll is open between its opening and closing times (see [`Poll::status`]).
    pub enum Phase {
        Draft = "draft",
        Scheduled = "scheduled",
        /// Closed and sealed: final counts and the Merkle root are stored.
        Sealed = "sealed",
        Published = "published",
    }
}

veche_core::string_enum! {
    /// Where a poll is in its life:
    ///
    /// ```text
    /// draft ──schedule──▶ scheduled ──opens_at──▶ open ──closes_at (or closed early)──▶ closed
    ///   ▲                    │                                                            │
    ///   └──── unschedule ────┘                               sealed (root computed) ◀─────┘
    ///                                                          │
    ///                                              published (what the city decided)
    /// ```
    #[derive(PartialOrd, Ord, utoipa::ToSchema)]
    pub enum Status {
        Draft = "draft",
        Scheduled = "scheduled",
        Open = "open",
        Closed = "closed",
        Published = "published",
    }
}

/// What sealing computed: the published root over every receipt, and how many ballots.
/// Stored in the poll's document as `seal_root`, `seal_ballots` and `sealed_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealSummary {
    #[serde(rename = "seal_root")]
    pub root: String,
    #[serde(rename = "seal_ballots")]
    pub ballots: u64,
    #[serde(with = "millis")]
    pub sealed_at: OffsetDateTime,
}

/// A poll, as both stores keep it (JSON in SQLite, BSON in MongoDB).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Poll {
    #[serde(rename = "_id")]
    pub id: PollId,
    pub title: String,
    pub description: String,
    pub questions: Vec<Question>,
    pub audience: Audience,
    #[serde(default, with = "millis::option")]
    pub opens_at: Option<OffsetDateTime>,
    #[serde(default, with = "millis::option")]
    pub closes_at: Option<OffsetDateTime>,
    /// Points credited to each voter.
    pub points: u32,
    pub visibility: Visibility,
    pub phase: Phase,
    /// "What the city decided", set at publication and updatable afterwards.
    pub decision: Option<String>,
    #[serde(default, with = "millis::option")]
    pub decision_at: Option<OffsetDateTime>,
    pub created_by: AccountId,
    /// The organisation whose officials manage the poll (`None`: admins only).
    pub organisation_id: Option<OrganisationId>,
    #[serde(with = "millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "millis")]
    pub updated_at: OffsetDateTime,
    /// Bumped by every edit; an edit names the version it started from (optimistic locking).
    pub version: u64,
    /// Set before the first ballot is validated; questions never change afterwards.
    pub frozen: bool,
    /// The residents of the audience were told the poll opened.
    pub announced: bool,
    /// The voters were told the results were published.
    pub results_announced: bool,
    /// Stored as the poll's own fields (absent, or null as older versions wrote them, until
    /// it is sealed).
    #[serde(flatten)]
    pub seal: Option<SealSummary>,
}

impl Poll {
    pub fn status(&self, now: OffsetDateTime) -> Status {
        match self.phase {
            Phase::Draft => Status::Draft,
            Phase::Sealed => Status::Closed,
            Phase::Published => Status::Published,
            Phase::Scheduled => match (self.opens_at, self.closes_at) {
                (Some(opens), _) if now < opens => Status::Scheduled,
                (_, Some(closes)) if now < closes => Status::Open,
                _ => Status::Closed,
            },
        }
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id.as_str() == id)
    }

    /// The question an option belongs to.
    pub fn question_of_option(&self, option: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.option(option).is_some())
    }
}

/// One question's answer on a ballot: the options chosen, sorted. Stored as `{q, o}` (a
/// million ballots carry it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    #[serde(rename = "q")]
    pub question: QuestionId,
    #[serde(rename = "o")]
    pub options: Vec<OptionId>,
}

veche_core::string_enum! {
    /// Age brackets of the breakdowns (age in whole years, by the year of birth).
    #[derive(PartialOrd, Ord, utoipa::ToSchema)]
    pub enum AgeBracket {
        Under18 = "under_18",
        From18To24 = "18_24",
        From25To34 = "25_34",
        From35To44 = "35_44",
        From45To54 = "45_54",
        From55To64 = "55_64",
        From65 = "65_plus",
    }
}

impl AgeBracket {
    pub fn of_age(age: i32) -> AgeBracket {
        match age {
            i32::MIN..=17 => AgeBracket::Under18,
            18..=24 => AgeBracket::From18To24,
            25..=34 => AgeBracket::From25To34,
            35..=44 => AgeBracket::From35To44,
            45..=54 => AgeBracket::From45To54,
            55..=64 => AgeBracket::From55To64,
            _ => AgeBracket::From65,
        }
    }
}

/// A stored ballot. The account is kept only to enforce one ballot per resident and to show the
/// resident their own ballot and points; it never leaves the store in an export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    #[serde(rename = "_id")]
    pub id: BallotId,
    pub poll_id: PollId,
    pub account_id: AccountId,
    /// In the poll's question order; questions skipped are absent.
    pub answers: Vec<Answer>,
    pub district_id: DistrictId,
    pub age_bracket: AgeBracket,
    pub receipt: Receipt,
    /// The poll's points at the time of voting.
    pub points: u32,
    #[serde(with = "millis")]
    pub cast_at: OffsetDateTime,
}

impl Ballot {
    /// Question id → the options chosen, as the API and the export show them.
    pub fn answer_map(&self) -> BTreeMap<String, Vec<String>> {
        self.answers
            .iter()
            .map(|a| {
                (
                    a.question.to_string(),
                    a.options.iter().map(|o| o.to_string()).collect(),
                )
            })
            .collect()
    }
}

/// A ballot as the public export holds it: no account, no time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicBallot {
    pub ballot_id: String,
    pub receipt: String,
    /// Question id → the options chosen.
    pub answers: BTreeMap<String, Vec<String>>,
    pub district: String,
    pub age_bracket: String,
}

impl From<&Ballot> for PublicBallot {
    fn from(b: &Ballot) -> Self {
        PublicBallot {
            ballot_id: b.id.to_string(),
            receipt: b.receipt.to_string(),
            answers: b.answer_map(),
            district: b.district_id.to_string(),
            age_bracket: b.age_bracket.as_str().to_string(),
        }
    }
}

/// One entry of a resident's points history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointsEntry {
    pub poll_id: PollId,
    pub points: u32,
    pub at: OffsetDateTime,
}

/// Which polls to list.
#[derive(Clone, Debug, Default)]
pub struct PollQuery {
    /// Only these phases (empty: all).
    pub phases: Vec<Phase>,
    /// Only polls managed by this organisation.
    pub organisation: Option<OrganisationId>,
    /// Older than this poll (the cursor).
    pub before: Option<PollId>,
    pub limit: usize,
}
