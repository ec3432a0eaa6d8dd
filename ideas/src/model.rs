//! Projects, their stages and audience, ideas and what moderators, residents and experts do
//! with them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::string_id;

string_id!(
    /// A crowdsourcing project.
    ProjectId
);
string_id!(
    /// An idea.
    IdeaId
);
string_id!(
    /// A comment on an idea.
    CommentId
);

/// A code-and-name pair a project defines: a topic of its ideas, a criterion of its experts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Short and stable (`[a-z0-9_]`, up to 32): what ideas and scores refer to.
    pub code: String,
    pub name: String,
}

/// Who may take part in a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// Every resident.
    City,
    /// Residents of these districts.
    Districts { districts: BTreeSet<DistrictId> },
    /// These accounts only.
    Invited { accounts: BTreeSet<AccountId> },
}

/// Where a project is in its life; which stage follows from the project's dates and the
/// clock, so that a stage ends when its time is up whatever any page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not published yet (its organisers are still writing it).
    Draft,
    /// Published; proposals open later.
    Upcoming,
    /// Residents submit ideas.
    Proposals,
    /// Residents support and discuss the approved ideas.
    Discussion,
    /// Experts score the shortlisted ideas.
    Review,
    /// The accepted ideas are announced and followed.
    Results,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Draft,
        Stage::Upcoming,
        Stage::Proposals,
        Stage::Discussion,
        Stage::Review,
        Stage::Results,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Draft => "draft",
            Stage::Upcoming => "upcoming",
            Stage::Proposals => "proposals",
            Stage::Discussion => "discussion",
            Stage::Review => "review",
            Stage::Results => "results",
        }
    }

    pub fn parse(raw: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// When each stage begins; each after the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(with = "time::serde::rfc3339")]
    pub proposals: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub discussion: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub review: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub results: OffsetDateTime,
}

impl Schedule {
    /// The stage at `now` of a published project.
    pub fn stage_at(&self, now: OffsetDateTime) -> Stage {
        if now >= self.results {
            Stage::Results
        } else if now >= self.review {
            Stage::Review
        } else if now >= self.discussion {
            Stage::Discussion
        } else if now >= self.proposals {
            Stage::Proposals
        } else {
            Stage::Upcoming
        }
    }

    /// When `stage` begins (`None` for the stages no date starts).
    pub fn begins(&self, stage: Stage) -> Option<OffsetDateTime> {
        match stage {
            Stage::Draft | Stage::Upcoming => None,
            Stage::Proposals => Some(self.proposals),
            Stage::Discussion => Some(self.discussion),
            Stage::Review => Some(self.review),
            Stage::Results => Some(self.results),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub title: String,
    pub description: String,
    pub topics: Vec<Label>,
    /// What experts score each shortlisted idea on, 1 to 5 each.
    pub criteria: Vec<Label>,
    pub audience: Audience,
    pub schedule: Schedule,
    /// The organisation running it (its officials manage it; admins manage all).
    pub organisation_id: Option<OrganisationId>,
    /// The experts of this project (the expert role is given per project).
    pub experts: BTreeSet<AccountId>,
    pub published: bool,
    pub created_by: AccountId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Raised by every change; a change names the version it was made on.
    pub version: u64,
}

impl Project {
    pub fn stage(&self, now: OffsetDateTime) -> Stage {
        if self.published {
            self.schedule.stage_at(now)
        } else {
            Stage::Draft
        }
    }

    pub fn topic(&self, code: &str) -> Option<&Label> {
        self.topics.iter().find(|t| t.code == code)
    }
}

/// What moderation made of an idea.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for a moderator.
    Pending,
    /// Sent back to the author for changes; pending again once edited.
    ChangesRequested,
    /// Public: residents support and discuss it.
    Approved,
    Rejected,
    /// Folded into another idea of the project (its author is credited there).
    Merged,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::ChangesRequested,
        Status::Approved,
        Status::Rejected,
        Status::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::ChangesRequested => "changes_requested",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Merged => "merged",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// Why a moderator rejected an idea (the author is told, and the public log counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not about the project's subject.
    OffTopic,
    /// Not something the city decides (federal law, private property).
    NotCityMatter,
    /// Already done or already planned.
    AlreadyPlanned,
    /// Cannot be understood as a proposal.
    Unclear,
    /// Insults, threats, personal data of others.
    Abusive,
    /// Advertising or campaigning.
    Advertising,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::OffTopic,
        Reason::NotCityMatter,
        Reason::AlreadyPlanned,
        Reason::Unclear,
        Reason::Abusive,
        Reason::Advertising,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::OffTopic => "off_topic",
            Reason::NotCityMatter => "not_city_matter",
            Reason::AlreadyPlanned => "already_planned",
            Reason::Unclear => "unclear",
            Reason::Abusive => "abusive",
            Reason::Advertising => "advertising",
        }
    }

    pub fn parse(raw: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// An author's appeal against a rejection: one per idea, decided by another moderator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub text: String,
    pub filed_at: OffsetDateTime,
    /// Set once decided.
    pub decided_by: Option<AccountId>,
    pub decided_at: Option<OffsetDateTime>,
    /// Whether the rejection was overturned (the idea approved).
    pub upheld: Option<bool>,
}

impl Appeal {
    pub fn open(&self) -> bool {
        self.decided_at.is_none()
    }
}

/// What became of an accepted idea, after the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    InWork,
    Done,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Accepted, Outcome::InWork, Outcome::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::InWork => "in_work",
            Outcome::Done => "done",
        }
    }

    pub fn parse(raw: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == raw)
    }
}

/// A dated note on an accepted idea's way to being done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    pub at: OffsetDateTime,
    pub outcome: Outcome,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Idea {
    pub id: IdeaId,
    pub project_id: ProjectId,
    pub author_id: AccountId,
    /// Authors of ideas merged into this one, credited with it.
    pub coauthors: Vec<AccountId>,
    pub title: String,
    pub body: String,
    /// A topic code of the project.
    pub topic: String,
    /// The author's district when they submitted it.
    pub district_id: DistrictId,
    /// The content hash of the idea's image, if it has one.
    pub image: Option<String>,
    pub status: Status,
    /// Set when rejected.
    pub reason: Option<Reason>,
    /// The moderator's note to the author (a rejection's or a send-back's).
    pub note: Option<String>,
    /// Set when merged.
    pub merged_into: Option<IdeaId>,
    /// The moderator of the last decision.
    pub decided_by: Option<AccountId>,
    pub decided_at: Option<OffsetDateTime>,
    pub appeal: Option<Appeal>,
    /// Residents supporting it (kept by the store, once per resident).
    pub supports: u64,
    /// Put forward to the experts.
    pub shortlisted: bool,
    pub outcome: Option<Outcome>,
    pub updates: Vec<Update>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Raised by every change; a change names the version it was made on.
    pub version: u64,
}

impl Idea {
    /// Whether a moderator has it to decide: a new idea, or an appeal not yet decided.
    pub fn awaits_moderation(&self) -> bool {
        self.status == Status::Pending || self.appeal.as_ref().is_some_and(Appeal::open)
    }

    /// Everyone credited with the idea: its author first.
    pub fn credited(&self) -> impl Iterator<Item = &AccountId> {
        std::iter::once(&self.author_id).chain(self.coauthors.iter())
    }
}

/// A comment on an idea; replies go one level deep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub idea_id: IdeaId,
    pub author_id: AccountId,
    /// The comment this replies to (always a top-level one).
    pub parent: Option<CommentId>,
    pub text: String,
    pub created_at: OffsetDateTime,
    /// Residents who reported it as abusive.
    pub reports: BTreeSet<AccountId>,
    /// Hidden after enough reports, until a moderator decides.
    pub hidden: bool,
    /// A moderator looked at the reports: `Some(true)` kept, `Some(false)` removed.
    pub kept: Option<bool>,
}

/// One expert's scores of one idea.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub idea_id: IdeaId,
    pub expert_id: AccountId,
    /// (criterion code, 1 to 5), one per criterion of the project.
    pub marks: Vec<(String, u8)>,
    pub note: String,
    pub at: OffsetDateTime,
}

impl Score {
    /// The mean of the marks.
    pub fn mean(&self) -> f64 {
        if self.marks.is_empty() {
            return 0.0;
        }
        self.marks.iter().map(|(_, m)| f64::from(*m)).sum::<f64>() / self.marks.len() as f64
    }
}
