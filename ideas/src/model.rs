//! Projects, their stages and audience, ideas and what moderators, residents and experts do
//! with them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId, OrganisationId};
use veche_core::string_id;

/// Instants are stored as integer milliseconds (MongoDB's adapter turns them into dates).
use time::serde::timestamp::milliseconds_i64 as millis;

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

veche_core::string_enum! {
    /// Where a project is in its life; which stage follows from the project's dates and the
    /// clock, so that a stage ends when its time is up whatever any page shows.
    #[derive(PartialOrd, Ord)]
    pub enum Stage {
        /// Not published yet (its organisers are still writing it).
        Draft = "draft",
        /// Published; proposals open later.
        Upcoming = "upcoming",
        /// Residents submit ideas.
        Proposals = "proposals",
        /// Residents support and discuss the approved ideas.
        Discussion = "discussion",
        /// Experts score the shortlisted ideas.
        Review = "review",
        /// The accepted ideas are announced and followed.
        Results = "results",
    }
}

/// When each stage begins; each after the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(with = "millis")]
    pub proposals: OffsetDateTime,
    #[serde(with = "millis")]
    pub discussion: OffsetDateTime,
    #[serde(with = "millis")]
    pub review: OffsetDateTime,
    #[serde(with = "millis")]
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
    #[serde(rename = "_id")]
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
    /// The last stage its participants were told had begun (see
    /// [`crate::rules::stage_to_announce`]).
    #[serde(default)]
    pub announced: Option<Stage>,
    pub created_by: AccountId,
    #[serde(with = "millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "millis")]
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

    /// The name of the topic coded `code`; empty when the project has no such topic.
    pub fn topic_name(&self, code: &str) -> String {
        self.topic(code).map(|t| t.name.clone()).unwrap_or_default()
    }
}

veche_core::string_enum! {
    /// What moderation made of an idea.
    pub enum Status {
        /// Waiting for a moderator.
        Pending = "pending",
        /// Sent back to the author for changes; pending again once edited.
        ChangesRequested = "changes_requested",
        /// Public: residents support and discuss it.
        Approved = "approved",
        Rejected = "rejected",
        /// Folded into another idea of the project (its author is credited there).
        Merged = "merged",
    }
}

veche_core::string_enum! {
    /// Why a moderator rejected an idea (the author is told, and the public log counts them).
    #[derive(PartialOrd, Ord)]
    pub enum Reason {
        /// Not about the project's subject.
        OffTopic = "off_topic",
        /// Not something the city decides (federal law, private property).
        NotCityMatter = "not_city_matter",
        /// Already done or already planned.
        AlreadyPlanned = "already_planned",
        /// Cannot be understood as a proposal.
        Unclear = "unclear",
        /// Insults, threats, personal data of others.
        Abusive = "abusive",
        /// Advertising or campaigning.
        Advertising = "advertising",
    }
}

/// An author's appeal against a rejection: one per idea, decided by another moderator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub text: String,
    #[serde(with = "millis")]
    pub filed_at: OffsetDateTime,
    /// Set once decided.
    pub decided_by: Option<AccountId>,
    #[serde(default, with = "millis::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Whether the rejection was overturned (the idea approved).
    pub upheld: Option<bool>,
}

impl Appeal {
    pub fn open(&self) -> bool {
        self.decided_at.is_none()
    }
}

veche_core::string_enum! {
    /// What became of an accepted idea, after the results.
    #[derive(PartialOrd, Ord)]
    pub enum Outcome {
        Accepted = "accepted",
        InWork = "in_work",
        Done = "done",
    }
}

veche_core::string_enum! {
    /// Which email an idea owes.
    pub enum Mail {
        /// Its authors hear of a moderator's decision (or of their appeal's).
        Decided = "decided",
        /// Its authors and followers hear of an outcome (accepted, in work, done).
        Outcome = "outcome",
    }
}

/// An email owed since a moment (see [`Idea::mail_due`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDue {
    pub mail: Mail,
    #[serde(with = "millis")]
    pub since: OffsetDateTime,
}

/// A dated note on an accepted idea's way to being done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    #[serde(with = "millis")]
    pub at: OffsetDateTime,
    pub outcome: Outcome,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Idea {
    #[serde(rename = "_id")]
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
    #[serde(default, with = "millis::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub appeal: Option<Appeal>,
    /// Since when it waits for a moderator (submitted, resubmitted after changes, or
    /// appealed); `None` while no moderator has anything to decide.
    #[serde(default, with = "millis::option")]
    pub queued_at: Option<OffsetDateTime>,
    /// Residents supporting it (kept by the store, once per resident).
    pub supports: u64,
    /// Put forward to the experts.
    pub shortlisted: bool,
    pub outcome: Option<Outcome>,
    pub updates: Vec<Update>,
    /// An email this idea's last change owes (its author told of a decision, its followers of
    /// an outcome), until it is queued for sending: written with the change, so that a crash
    /// between the change and the queueing loses no email (a sweep sends what is owed).
    #[serde(default)]
    pub mail_due: Option<MailDue>,
    #[serde(with = "millis")]
    pub created_at: OffsetDateTime,
    #[serde(with = "millis")]
    pub updated_at: OffsetDateTime,
    /// Raised by every change; a change names the version it was made on.
    pub version: u64,
}

/// What the rules on seeing and supporting an idea look at: its project, author and status
/// (read without the idea's text where that is all a request needs: a support).
#[derive(Clone, Debug, PartialEq)]
pub struct IdeaHead {
    pub id: IdeaId,
    pub project_id: ProjectId,
    pub author_id: AccountId,
    pub status: Status,
}

impl Idea {
    /// The idea's [`IdeaHead`].
    pub fn head(&self) -> IdeaHead {
        IdeaHead {
            id: self.id.clone(),
            project_id: self.project_id.clone(),
            author_id: self.author_id.clone(),
            status: self.status,
        }
    }

    /// Whether a moderator has it to decide: a new idea, or an appeal not yet decided.
    pub fn awaits_moderation(&self) -> bool {
        self.queued_at.is_some()
    }

    /// Everyone credited with the idea: its author first.
    pub fn credited(&self) -> impl Iterator<Item = &AccountId> {
        std::iter::once(&self.author_id).chain(self.coauthors.iter())
    }
}

/// A comment on an idea; replies go one level deep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    #[serde(rename = "_id")]
    pub id: CommentId,
    pub idea_id: IdeaId,
    pub author_id: AccountId,
    /// The comment this replies to (always a top-level one).
    pub parent: Option<CommentId>,
    pub text: String,
    #[serde(with = "millis")]
    pub created_at: OffsetDateTime,
    /// Residents who reported it as abusive.
    pub reports: BTreeSet<AccountId>,
    /// Hidden after enough reports, until a moderator decides.
    pub hidden: bool,
    /// A moderator looked at the reports: `Some(true)` kept, `Some(false)` removed.
    pub kept: Option<bool>,
    /// Raised by every change; a change names the version it was made on.
    pub version: u64,
}

/// One expert's scores of one idea.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub project_id: ProjectId,
    pub idea_id: IdeaId,
    pub expert_id: AccountId,
    /// Criterion code → 1 to 5, one per criterion of the project.
    pub marks: BTreeMap<String, u8>,
    pub note: String,
    #[serde(with = "millis")]
    pub at: OffsetDateTime,
}

impl Score {
    /// The mean of the marks.
    pub fn mean(&self) -> f64 {
        if self.marks.is_empty() {
            return 0.0;
        }
        self.marks.values().map(|m| f64::from(*m)).sum::<f64>() / self.marks.len() as f64
    }
}
