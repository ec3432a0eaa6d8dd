//! The rules, as pure functions: what a poll may hold, who may vote, what a ballot must say.
//! [`crate::service`] applies them against the store.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use veche_core::accounts::model::{Account, AccountState, Invalid, Role};
use veche_core::districts::Directory;
use veche_core::id::{AccountId, DistrictId, OkrugId, OrganisationId};

use crate::model::{
    AgeBracket, Answer, Audience, Choice, OptionId, Phase, Poll, PollId, PollOption, Question,
    QuestionId, Status, Visibility,
};

pub const TITLE_MIN: usize = 3;
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const QUESTIONS_MAX: usize = 50;
pub const QUESTION_MAX: usize = 500;
pub const OPTIONS_MIN: usize = 2;
pub const OPTIONS_MAX: usize = 20;
pub const OPTION_MAX: usize = 200;
pub const AREAS_MAX: usize = 300;
pub const POINTS_MAX: u32 = 1000;
pub const POINTS_DEFAULT: u32 = 20;
pub const DECISION_MAX: usize = 10_000;
/// The longest a poll may run.
pub const LONGEST: time::Duration = time::Duration::days(366);

/// A poll as an official writes it (create, or replace a draft's contents).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PollInput {
    #[schema(example = "Благоустройство парка «Дубки»")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub questions: Vec<QuestionInput>,
    #[serde(default)]
    pub audience: AudienceInput,
    /// RFC 3339; required to schedule.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub opens_at: Option<OffsetDateTime>,
    /// RFC 3339; required to schedule; after `opens_at`, at most a year later.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closes_at: Option<OffsetDateTime>,
    /// Points credited to each voter, 0–1000 (default 20).
    #[serde(default)]
    pub points: Option<u32>,
    /// `after_voting` (default), `after_close` or `officials_only`.
    #[serde(default)]
    pub results_visibility: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// Keep an existing question's id (reordering keeps ids); absent for a new question.
    #[serde(default)]
    pub id: Option<String>,
    pub text: String,
    /// `single` (default) or `multiple`.
    #[serde(default)]
    pub kind: Option<String>,
    /// For `multiple`: the most options a resident may pick (2 up to the number of options;
    /// default: all of them).
    #[serde(default)]
    pub max_choices: Option<u8>,
    /// Default true.
    #[serde(default)]
    pub required: Option<bool>,
    pub options: Vec<OptionInput>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionInput {
    #[serde(default)]
    pub id: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceInput {
    /// District ids (OKTMO codes for Moscow). With `okrugs`, empty means the whole city.
    #[serde(default)]
    pub districts: Vec<String>,
    #[serde(default)]
    pub okrugs: Vec<String>,
    #[serde(default)]
    pub verified_only: bool,
    /// In whole years, 1–120.
    #[serde(default)]
    pub min_age: Option<u8>,
}

impl From<&Audience> for AudienceInput {
    /// The audience as the API writes it (and shows it: [`crate::views::AudienceView`]).
    fn from(audience: &Audience) -> AudienceInput {
        let (districts, okrugs) = audience.id_strings();
        AudienceInput {
            districts,
            okrugs,
            verified_only: audience.verified_only,
            min_age: audience.min_age,
        }
    }
}

/// A refused input and where it is (`questions[2].options[0]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub invalid: Invalid,
    pub at: Option<String>,
}

impl Refused {
    fn new(field: &'static str, code: &'static str) -> Refused {
        Refused {
            invalid: Invalid::new(field, code),
            at: None,
        }
    }
    fn at(mut self, at: String) -> Refused {
        self.at = Some(at);
        self
    }
}

/// Free text, trimmed and bounded ([`veche_core::web::input::clean_text`]).
fn clean_text(
    raw: &str,
    field: &'static str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, Refused> {
    veche_core::web::input::clean_text(raw, field, min, max, multiline)
        .map_err(|invalid| Refused { invalid, at: None })
}

/// The parts of a poll an input sets.
#[derive(Clone, Debug, PartialEq)]
pub struct PollFields {
    pub title: String,
    pub description: String,
    pub questions: Vec<Question>,
    pub audience: Audience,
    pub opens_at: Option<OffsetDateTime>,
    pub closes_at: Option<OffsetDateTime>,
    pub points: u32,
    pub visibility: Visibility,
}

impl PollFields {
    /// A new draft poll of these fields, managed by `organisation` (`None`: admins only).
    pub fn into_draft(
        self,
        created_by: AccountId,
        organisation: Option<OrganisationId>,
        now: OffsetDateTime,
    ) -> Poll {
        Poll {
            id: PollId::generate(),
            title: self.title,
            description: self.description,
            questions: self.questions,
            audience: self.audience,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            points: self.points,
            visibility: self.visibility,
            phase: Phase::Draft,
            decision: None,
            decision_at: None,
            created_by,
            organisation_id: organisation,
            created_at: now,
            updated_at: now,
            version: 1,
            frozen: false,
            announced: false,
            results_announced: false,
            seal: None,
        }
    }
}

/// Checks an input. Ids given must be ids the poll already has (`existing`); new questions and
/// options get fresh ids.
pub fn poll_fields(
    input: &PollInput,
    existing: &[Question],
    directory: &Directory,
) -> Result<PollFields, Refused> {
    let title = clean_text(&input.title, "title", TITLE_MIN, TITLE_MAX, false)?;
    let description = clean_text(&input.description, "description", 0, DESCRIPTION_MAX, true)?;
    if input.questions.len() > QUESTIONS_MAX {
        return Err(Refused::new("questions", "too_many"));
    }
    let mut seen_questions = BTreeSet::new();
    let mut seen_options = BTreeSet::new();
    let mut questions = Vec::with_capacity(input.questions.len());
    for (qi, q) in input.questions.iter().enumerate() {
        let at = |rest: &str| format!("questions[{qi}]{rest}");
        let prior = match &q.id {
            Some(id) => {
                let prior = existing
                    .iter()
                    .find(|e| e.id.as_str() == id)
                    .ok_or_else(|| Refused::new("question_id", "unknown_id").at(at(".id")))?;
                if !seen_questions.insert(id.clone()) {
                    return Err(Refused::new("question_id", "duplicate_id").at(at(".id")));
                }
                Some(prior)
            }
            None => None,
        };
        let text = clean_text(&q.text, "question_text", 1, QUESTION_MAX, true)
            .map_err(|r| r.at(at(".text")))?;
        if q.options.len() < OPTIONS_MIN {
            return Err(Refused::new("options", "too_few").at(at(".options")));
        }
        if q.options.len() > OPTIONS_MAX {
            return Err(Refused::new("options", "too_many").at(at(".options")));
        }
        let mut texts = BTreeSet::new();
        let mut options = Vec::with_capacity(q.options.len());
        for (oi, o) in q.options.iter().enumerate() {
            let at = || at(&format!(".options[{oi}]"));
            let id = match &o.id {
                Some(id) => {
                    let known = prior.is_some_and(|p| p.option(id).is_some());
                    if !known {
                        return Err(Refused::new("option_id", "unknown_id").at(at()));
                    }
                    OptionId::from_trusted(id.clone())
                }
                None => OptionId::generate(),
            };
            if !seen_options.insert(id.to_string()) {
                return Err(Refused::new("option_id", "duplicate_id").at(at()));
            }
            let text =
                clean_text(&o.text, "option_text", 1, OPTION_MAX, false).map_err(|r| r.at(at()))?;
            if !texts.insert(text.to_lowercase()) {
                return Err(Refused::new("option_text", "duplicate_option").at(at()));
            }
            options.push(PollOption { id, text });
        }
        let choice = match q.kind.as_deref().unwrap_or("single") {
            "single" => {
                if q.max_choices.is_some_and(|m| m != 1) {
                    return Err(Refused::new("max_choices", "single_choice").at(at(".max_choices")));
                }
                Choice::Single
            }
            "multiple" => {
                let max = q.max_choices.unwrap_or(options.len() as u8);
                if usize::from(max) < 2 || usize::from(max) > options.len() {
                    return Err(Refused::new("max_choices", "out_of_range").at(at(".max_choices")));
                }
                Choice::Multiple { max }
            }
            _ => return Err(Refused::new("kind", "invalid_kind").at(at(".kind"))),
        };
        questions.push(Question {
            id: prior
                .map(|p| p.id.clone())
                .unwrap_or_else(QuestionId::generate),
            text,
            choice,
            required: q.required.unwrap_or(true),
            options,
        });
    }
    let audience = audience(&input.audience, directory)?;
    if let (Some(opens), Some(closes)) = (input.opens_at, input.closes_at) {
        if closes <= opens {
            return Err(Refused::new("closes_at", "before_opening"));
        }
        if closes - opens > LONGEST {
            return Err(Refused::new("closes_at", "too_long"));
        }
    }
    let points = input.points.unwrap_or(POINTS_DEFAULT);
    if points > POINTS_MAX {
        return Err(Refused::new("points", "out_of_range"));
    }
    let visibility = match &input.results_visibility {
        None => Visibility::AfterVoting,
        Some(raw) => Visibility::parse(raw)
            .ok_or_else(|| Refused::new("results_visibility", "invalid_visibility"))?,
    };
    Ok(PollFields {
        title,
        description,
        questions,
        audience,
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        points,
        visibility,
    })
}

fn audience(input: &AudienceInput, directory: &Directory) -> Result<Audience, Refused> {
    if input.districts.len() + input.okrugs.len() > AREAS_MAX {
        return Err(Refused::new("audience", "too_many"));
    }
    let mut districts = BTreeSet::new();
    for (i, d) in input.districts.iter().enumerate() {
        if directory.district(d).is_none() {
            return Err(Refused::new("districts", "unknown_district")
                .at(format!("audience.districts[{i}]")));
        }
        districts.insert(DistrictId::from_trusted(d.clone()));
    }
    let mut okrugs = BTreeSet::new();
    for (i, o) in input.okrugs.iter().enumerate() {
        if directory.okrug(o).is_none() {
            return Err(Refused::new("okrugs", "unknown_okrug").at(format!("audience.okrugs[{i}]")));
        }
        okrugs.insert(OkrugId::from_trusted(o.clone()));
    }
    if input.min_age.is_some_and(|a| a == 0 || a > 120) {
        return Err(Refused::new("min_age", "out_of_range"));
    }
    Ok(Audience {
        districts,
        okrugs,
        verified_only: input.verified_only,
        min_age: input.min_age,
    })
}

/// What a poll needs before it can be scheduled.
pub fn ready_to_schedule(poll: &Poll, now: OffsetDateTime) -> Result<(), Refused> {
    if poll.questions.is_empty() {
        return Err(Refused::new("questions", "required"));
    }
    let (Some(_), Some(closes)) = (poll.opens_at, poll.closes_at) else {
        return Err(Refused::new("opens_at", "schedule_required"));
    };
    if closes <= now {
        return Err(Refused::new("closes_at", "in_the_past"));
    }
    Ok(())
}

/// Whether the account may manage (edit, schedule, close, publish) the poll: an admin, or an
/// official of the poll's organisation.
pub fn may_manage(account: &Account, poll: &Poll) -> bool {
    account.has_role(Role::Admin)
        || (account.has_role(Role::Official)
            && poll.organisation_id.is_some()
            && account.organisation_id == poll.organisation_id)
}

/// Whether the account may read any poll's results and dashboard at any time.
pub fn is_official(account: &Account) -> bool {
    account.has_role(Role::Admin) || account.has_role(Role::Official)
}

/// Why a resident may not vote in a poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ineligible {
    /// Lives outside the poll's districts and okrugs.
    NotInAudience,
    /// Younger than the poll's minimum age.
    TooYoung,
    /// Has not confirmed their email address, and the poll is for verified residents.
    NotVerified,
}

impl Ineligible {
    pub fn code(self) -> &'static str {
        match self {
            Ineligible::NotInAudience => "not_in_audience",
            Ineligible::TooYoung => "too_young",
            Ineligible::NotVerified => "not_verified",
        }
    }
}

/// The age counted by the year of birth.
pub fn age(account: &Account, now: OffsetDateTime) -> i32 {
    now.year() - account.birth_year.value()
}

pub fn eligibility(
    poll: &Poll,
    account: &Account,
    directory: &Directory,
    now: OffsetDateTime,
) -> Result<AgeBracket, Ineligible> {
    let okrug = directory
        .district(account.district_id.as_str())
        .map(|d| &d.okrug_id);
    if !poll.audience.covers(&account.district_id, okrug) {
        return Err(Ineligible::NotInAudience);
    }
    let age = age(account, now);
    if poll
        .audience
        .min_age
        .is_some_and(|min| age < i32::from(min))
    {
        return Err(Ineligible::TooYoung);
    }
    if poll.audience.verified_only && account.state != AccountState::Active {
        return Err(Ineligible::NotVerified);
    }
    Ok(AgeBracket::of_age(age))
}

/// A resident's answers as submitted: question id → option ids.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotInput {
    pub answers: Vec<AnswerInput>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub question: String,
    pub options: Vec<String>,
}

/// Why a ballot was refused; `question` names the question concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadBallot {
    pub code: &'static str,
    pub question: Option<String>,
}

impl BadBallot {
    fn new(code: &'static str, question: Option<&str>) -> BadBallot {
        BadBallot {
            code,
            question: question.map(str::to_string),
        }
    }
}

/// Checks the answers against the poll's questions and puts them in canonical form (the poll's
/// question order, options sorted). Every rule has its own code:
/// `unknown_question`, `duplicate_answer`, `empty_answer`, `unknown_option` (an option of another
/// question or another poll), `duplicate_option`, `too_many_choices`, `missing_answer`.
pub fn answers(poll: &Poll, input: &BallotInput) -> Result<Vec<Answer>, BadBallot> {
    if input.answers.len() > poll.questions.len() {
        // Only possible with unknown or repeated questions: find which below, but never loop
        // over a huge list.
        if input.answers.len() > QUESTIONS_MAX * 2 {
            return Err(BadBallot::new("too_many_answers", None));
        }
    }
    let mut by_question: BTreeMap<&str, Vec<OptionId>> = BTreeMap::new();
    for a in &input.answers {
        let q = a.question.as_str();
        let Some(question) = poll.question(q) else {
            return Err(BadBallot::new("unknown_question", Some(q)));
        };
        if by_question.contains_key(q) {
            return Err(BadBallot::new("duplicate_answer", Some(q)));
        }
        if a.options.is_empty() {
            return Err(BadBallot::new("empty_answer", Some(q)));
        }
        if a.options.len() > OPTIONS_MAX {
            return Err(BadBallot::new("too_many_choices", Some(q)));
        }
        let mut chosen = BTreeSet::new();
        for o in &a.options {
            if question.option(o).is_none() {
                return Err(BadBallot::new("unknown_option", Some(q)));
            }
            if !chosen.insert(o.as_str()) {
                return Err(BadBallot::new("duplicate_option", Some(q)));
            }
        }
        if chosen.len() > question.choice.max() {
            return Err(BadBallot::new("too_many_choices", Some(q)));
        }
        by_question.insert(
            q,
            chosen
                .into_iter()
                .map(|o| OptionId::from_trusted(o.to_string()))
                .collect(),
        );
    }
    let mut out = Vec::with_capacity(by_question.len());
    for question in &poll.questions {
        match by_question.remove(question.id.as_str()) {
            Some(options) => out.push(Answer {
                question: question.id.clone(),
                options,
            }),
            None if question.required => {
                return Err(BadBallot::new("missing_answer", Some(question.id.as_str())))
            }
            None => {}
        }
    }
    if out.is_empty() {
        return Err(BadBallot::new("empty_ballot", None));
    }
    Ok(out)
}

/// Who sees a poll's results now.
pub fn may_see_results(
    poll: &Poll,
    viewer: Option<&Account>,
    voted: bool,
    now: OffsetDateTime,
) -> bool {
    if viewer.is_some_and(is_official) {
        return matches!(
            poll.status(now),
            Status::Open | Status::Closed | Status::Published
        );
    }
    match poll.status(now) {
        Status::Published => true,
        Status::Closed => poll.visibility != Visibility::OfficialsOnly,
        Status::Open => poll.visibility == Visibility::AfterVoting && voted,
        Status::Draft | Status::Scheduled => false,
    }
}

/// Whether someone may see the poll at all: drafts only their managers; everything else
/// everyone.
pub fn may_see_poll(poll: &Poll, viewer: Option<&Account>) -> bool {
    poll.phase != crate::model::Phase::Draft || viewer.is_some_and(|a| may_manage(a, poll))
}

impl PollInput {
    /// The input that would recreate `poll` as it is (ids kept): the editor changes one part of
    /// it and submits the whole.
    pub fn from_poll(poll: &Poll) -> PollInput {
        PollInput {
            title: poll.title.clone(),
            description: poll.description.clone(),
            questions: poll
                .questions
                .iter()
                .map(|q| QuestionInput {
                    id: Some(q.id.to_string()),
                    text: q.text.clone(),
                    kind: Some(
                        match q.choice {
                            Choice::Single => "single",
                            Choice::Multiple { .. } => "multiple",
                        }
                        .to_string(),
                    ),
                    max_choices: match q.choice {
                        Choice::Single => None,
                        Choice::Multiple { max } => Some(max),
                    },
                    required: Some(q.required),
                    options: q
                        .options
                        .iter()
                        .map(|o| OptionInput {
                            id: Some(o.id.to_string()),
                            text: o.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
            audience: AudienceInput::from(&poll.audience),
            opens_at: poll.opens_at,
            closes_at: poll.closes_at,
            points: Some(poll.points),
            results_visibility: Some(poll.visibility.as_str().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Phase;
    use veche_core::accounts::model::{BirthYear, DisplayName, Email};
    use veche_core::districts::{District, DistrictKind, Okrug};
    use veche_core::id::{AccountId, OrganisationId};

    fn directory() -> Directory {
        let okrug = |id: &str| Okrug {
            id: OkrugId::from_trusted(id.into()),
            abbrev: id.into(),
            name_ru: id.into(),
            name_en: id.into(),
        };
        let district = |id: &str, okrug: &str| District {
            id: DistrictId::from_trusted(id.into()),
            okrug_id: OkrugId::from_trusted(okrug.into()),
            name_ru: id.into(),
            name_en: id.into(),
            kind: DistrictKind::MunicipalDistrict,
        };
        Directory {
            okrugs: vec![okrug("o1"), okrug("o2")],
            districts: vec![
                district("d1", "o1"),
                district("d2", "o1"),
                district("d3", "o2"),
            ],
        }
    }

    fn account(district: &str, born: i32, state: AccountState) -> Account {
        let now = veche_core::clock::now();
        Account {
            id: AccountId::generate(),
            email: Email::from_trusted("a@example.org".into()),
            display_name: DisplayName::from_trusted("A".into()),
            district_id: DistrictId::from_trusted(district.into()),
            birth_year: BirthYear::from_trusted(born),
            password_hash: String::new(),
            roles: [Role::Resident].into_iter().collect(),
            organisation_id: None,
            state,
            created_at: now,
            updated_at: now,
            mail_pending_since: None,
            lang: veche_core::web::i18n::Lang::Ru,
        }
    }

    fn input() -> PollInput {
        PollInput {
            title: "Парк".into(),
            questions: vec![
                QuestionInput {
                    text: "Что построить?".into(),
                    options: vec![
                        OptionInput {
                            id: None,
                            text: "Каток".into(),
                        },
                        OptionInput {
                            id: None,
                            text: "Сцену".into(),
                        },
                    ],
                    ..Default::default()
                },
                QuestionInput {
                    text: "Что ещё?".into(),
                    kind: Some("multiple".into()),
                    max_choices: Some(2),
                    required: Some(false),
                    options: ["A", "B", "C"]
                        .iter()
                        .map(|t| OptionInput {
                            id: None,
                            text: t.to_string(),
                        })
                        .collect(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    fn poll(fields: PollFields) -> Poll {
        let now = veche_core::clock::now();
        Poll {
            opens_at: Some(now - time::Duration::hours(1)),
            closes_at: Some(now + time::Duration::hours(1)),
            phase: Phase::Scheduled,
            ..fields.into_draft(AccountId::generate(), Some(OrganisationId::generate()), now)
        }
    }

    fn ballot(poll: &Poll, answers: &[(usize, &[usize])]) -> BallotInput {
        BallotInput {
            answers: answers
                .iter()
                .map(|(q, opts)| AnswerInput {
                    question: poll.questions[*q].id.to_string(),
                    options: opts
                        .iter()
                        .map(|o| poll.questions[*q].options[*o].id.to_string())
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_good_input_makes_a_poll_and_bad_ones_name_their_field() {
        let dir = directory();
        let fields = poll_fields(&input(), &[], &dir).unwrap_or_else(|r| panic!("{r:?}"));
        assert_eq!(fields.questions.len(), 2);
        assert_eq!(fields.points, POINTS_DEFAULT);
        assert_eq!(fields.questions[1].choice, Choice::Multiple { max: 2 });

        let refused = |i: PollInput| {
            poll_fields(&i, &[], &dir)
                .err()
                .map(|r| (r.invalid.field, r.invalid.code, r.at))
        };
        let mut i = input();
        i.title = "  ".into();
        assert_eq!(refused(i), Some(("title", "required", None)));
        let mut i = input();
        i.questions[0].options.pop();
        assert_eq!(
            refused(i),
            Some(("options", "too_few", Some("questions[0].options".into())))
        );
        let mut i = input();
        i.questions[0].options[1].text = "каток".into();
        assert_eq!(refused(i).map(|r| r.1), Some("duplicate_option"));
        let mut i = input();
        i.questions[1].max_choices = Some(4);
        assert_eq!(refused(i).map(|r| r.1), Some("out_of_range"));
        let mut i = input();
        i.questions[0].options[0].id = Some("nope".into());
        assert_eq!(refused(i).map(|r| r.1), Some("unknown_id"));
        let mut i = input();
        i.audience.districts = vec!["d9".into()];
        assert_eq!(refused(i).map(|r| r.1), Some("unknown_district"));
        let mut i = input();
        let now = veche_core::clock::now();
        i.opens_at = Some(now);
        i.closes_at = Some(now - time::Duration::hours(1));
        assert_eq!(refused(i).map(|r| r.1), Some("before_opening"));
        let mut i = input();
        i.results_visibility = Some("everyone".into());
        assert_eq!(refused(i).map(|r| r.1), Some("invalid_visibility"));
        let mut i = input();
        i.points = Some(5000);
        assert_eq!(refused(i).map(|r| r.0), Some("points"));
    }

    #[test]
    fn ids_are_kept_when_questions_are_reordered() {
        let dir = directory();
        let first = poll_fields(&input(), &[], &dir).unwrap_or_else(|r| panic!("{r:?}"));
        let mut again = input();
        again.questions.reverse();
        for (q, prior) in again.questions.iter_mut().zip(first.questions.iter().rev()) {
            q.id = Some(prior.id.to_string());
            for (o, p) in q.options.iter_mut().zip(&prior.options) {
                o.id = Some(p.id.to_string());
            }
        }
        let second =
            poll_fields(&again, &first.questions, &dir).unwrap_or_else(|r| panic!("{r:?}"));
        assert_eq!(second.questions[0], first.questions[1]);
        assert_eq!(second.questions[1], first.questions[0]);
    }

    #[test]
    fn eligibility_checks_area_age_and_verification() {
        let dir = directory();
        let mut fields = poll_fields(&input(), &[], &dir).unwrap_or_else(|r| panic!("{r:?}"));
        fields
            .audience
            .districts
            .insert(DistrictId::from_trusted("d1".into()));
        fields
            .audience
            .okrugs
            .insert(OkrugId::from_trusted("o2".into()));
        fields.audience.min_age = Some(18);
        fields.audience.verified_only = true;
        let p = poll(fields);
        let now = veche_core::clock::now();
        let year = now.year();
        let ok = |d: &str, born: i32, s| eligibility(&p, &account(d, born, s), &dir, now);
        for (district, age, state, want) in [
            ("d1", 30, AccountState::Active, Ok(AgeBracket::From25To34)),
            ("d3", 70, AccountState::Active, Ok(AgeBracket::From65)),
            (
                "d2",
                30,
                AccountState::Active,
                Err(Ineligible::NotInAudience),
            ),
            ("d1", 17, AccountState::Active, Err(Ineligible::TooYoung)),
            (
                "d1",
                30,
                AccountState::Unverified,
                Err(Ineligible::NotVerified),
            ),
        ] {
            assert_eq!(
                ok(district, year - age, state),
                want,
                "{district}, aged {age}, {state:?}"
            );
        }
    }

    #[test]
    fn ballots_are_checked_rule_by_rule() {
        let dir = directory();
        let p = poll(poll_fields(&input(), &[], &dir).unwrap_or_else(|r| panic!("{r:?}")));
        let code = |b: BallotInput| answers(&p, &b).err().map(|e| e.code);
        // Each ballot: (question index, option indices) pairs.
        type Picks<'a> = &'a [(usize, &'a [usize])];
        let cases: [(Picks, Option<&str>); 7] = [
            (&[(0, &[1])], None),
            (&[(1, &[0, 2]), (0, &[0])], None),
            (&[(1, &[0])], Some("missing_answer")),
            (&[(0, &[0, 1])], Some("too_many_choices")),
            (&[(0, &[0]), (1, &[0, 1, 2])], Some("too_many_choices")),
            (&[(0, &[0]), (0, &[1])], Some("duplicate_answer")),
            (&[(0, &[0]), (1, &[1, 1])], Some("duplicate_option")),
        ];
        for (picks, want) in cases {
            assert_eq!(code(ballot(&p, picks)), want, "{picks:?}");
        }
        let mut b = ballot(&p, &[(0, &[0])]);
        b.answers[0].options = vec![p.questions[1].options[0].id.to_string()];
        assert_eq!(code(b), Some("unknown_option"));
        let mut b = ballot(&p, &[(0, &[0])]);
        b.answers[0].question = "elsewhere".into();
        assert_eq!(code(b), Some("unknown_question"));
        let mut b = ballot(&p, &[(0, &[0])]);
        b.answers[0].options.clear();
        assert_eq!(code(b), Some("empty_answer"));
        // Canonical order: the poll's question order, options sorted.
        let a = answers(&p, &ballot(&p, &[(1, &[2, 0]), (0, &[1])])).unwrap_or_default();
        assert_eq!(a[0].question, p.questions[0].id);
        assert!(a[1].options.windows(2).all(|w| w[0] < w[1]));
    }
}
