//! What the API and the pages show of projects, ideas and comments, built from the model with
//! the viewer in mind: a moderator's note, an appeal and an author's identity reach only those
//! who may read them.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use veche_core::accounts::model::Account;

use crate::model::{Audience, Comment, Idea, Label, Outcome, Project, Stage, Status};
use crate::rules;
use crate::service::{QueueItem, Suggestion};

/// A topic or a criterion of a project.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LabelView {
    pub code: String,
    pub name: String,
}

impl From<&Label> for LabelView {
    fn from(l: &Label) -> Self {
        LabelView {
            code: l.code.clone(),
            name: l.name.clone(),
        }
    }
}

/// When each stage begins.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    #[serde(with = "time::serde::rfc3339")]
    pub proposals: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub discussion: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub review: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub results: OffsetDateTime,
}

/// A project as its readers see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub topics: Vec<LabelView>,
    /// What experts score each shortlisted idea on.
    pub criteria: Vec<LabelView>,
    /// `city`, `districts` or `invited`.
    pub audience: String,
    /// With `districts`: which.
    pub districts: Vec<String>,
    pub schedule: ScheduleView,
    /// Follows the clock: `draft`, `upcoming`, `proposals`, `discussion`, `review`, `results`.
    #[schema(value_type = String)]
    pub stage: Stage,
    pub published: bool,
    pub organisation_id: Option<String>,
    /// Shown to those who run the project.
    pub experts: Vec<String>,
    /// Edits name this version (`If-Match`).
    pub version: u64,
}

impl ProjectView {
    pub fn new(project: &Project, viewer: Option<&Account>, now: OffsetDateTime) -> ProjectView {
        let (audience, districts) = match &project.audience {
            Audience::City => ("city", Vec::new()),
            Audience::Districts { districts } => (
                "districts",
                districts.iter().map(|d| d.to_string()).collect(),
            ),
            Audience::Invited { .. } => ("invited", Vec::new()),
        };
        let manager = viewer.is_some_and(|v| rules::may_manage(v, project));
        ProjectView {
            id: project.id.to_string(),
            title: project.title.clone(),
            description: project.description.clone(),
            topics: project.topics.iter().map(LabelView::from).collect(),
            criteria: project.criteria.iter().map(LabelView::from).collect(),
            audience: audience.to_string(),
            districts,
            schedule: ScheduleView {
                proposals: project.schedule.proposals,
                discussion: project.schedule.discussion,
                review: project.schedule.review,
                results: project.schedule.results,
            },
            stage: project.stage(now),
            published: project.published,
            organisation_id: project.organisation_id.as_ref().map(|o| o.to_string()),
            experts: if manager {
                project.experts.iter().map(|e| e.to_string()).collect()
            } else {
                Vec::new()
            },
            version: project.version,
        }
    }
}

/// An appeal, for its author and moderators.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AppealView {
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub filed_at: OffsetDateTime,
    /// `None` while undecided; `true` when the idea was approved after all.
    pub upheld: Option<bool>,
}

/// A dated step of an accepted idea.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UpdateView {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[schema(value_type = String)]
    pub outcome: Outcome,
    pub text: String,
}

/// An idea as the viewer may see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IdeaView {
    pub id: String,
    pub project_id: String,
    pub title: String,
    pub body: String,
    pub topic: String,
    /// The picture's hash (served from `/media/{hash}`), if it has one.
    pub image: Option<String>,
    pub district_id: String,
    /// `pending`, `changes_requested`, `approved`, `rejected` or `merged`.
    #[schema(value_type = String)]
    pub status: Status,
    /// The rejection's reason code.
    pub reason: Option<String>,
    /// The moderator's note (its author and moderators only).
    pub note: Option<String>,
    pub merged_into: Option<String>,
    pub supports: u64,
    /// Whether the viewer supports it (`None` when not signed in).
    pub supported: Option<bool>,
    pub shortlisted: bool,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Outcome>,
    pub updates: Vec<UpdateView>,
    /// Its author and moderators only.
    pub appeal: Option<AppealView>,
    /// Whether the viewer wrote it (or is credited with it through a merge).
    pub mine: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Changes name this version (`If-Match`).
    pub version: u64,
}

impl IdeaView {
    pub fn new(idea: &Idea, viewer: Option<&Account>, supported: Option<bool>) -> IdeaView {
        let mine = viewer.is_some_and(|v| idea.credited().any(|c| *c == v.id));
        let private = viewer.is_some_and(|v| v.id == idea.author_id || rules::is_moderator(v));
        IdeaView {
            id: idea.id.to_string(),
            project_id: idea.project_id.to_string(),
            title: idea.title.clone(),
            image: idea.image.clone(),
            body: idea.body.clone(),
            topic: idea.topic.clone(),
            district_id: idea.district_id.to_string(),
            status: idea.status,
            reason: idea.reason.map(|r| r.as_str().to_string()),
            note: if private { idea.note.clone() } else { None },
            merged_into: idea.merged_into.as_ref().map(|i| i.to_string()),
            supports: idea.supports,
            supported,
            shortlisted: idea.shortlisted,
            outcome: idea.outcome,
            updates: idea
                .updates
                .iter()
                .map(|u| UpdateView {
                    at: u.at,
                    outcome: u.outcome,
                    text: u.text.clone(),
                })
                .collect(),
            appeal: if private {
                idea.appeal.as_ref().map(|a| AppealView {
                    text: a.text.clone(),
                    filed_at: a.filed_at,
                    upheld: a.upheld,
                })
            } else {
                None
            },
            mine,
            created_at: idea.created_at,
            version: idea.version,
        }
    }
}

/// A page of ideas.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IdeaList {
    pub items: Vec<IdeaView>,
    pub next_cursor: Option<String>,
}

/// A page of projects.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<ProjectView>,
    pub next_cursor: Option<String>,
}

/// A comment; a hidden or removed one keeps its place without its text.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: String,
    pub idea_id: String,
    /// The top-level comment this replies to.
    pub parent: Option<String>,
    pub text: String,
    pub hidden: bool,
    /// Reports so far (moderators only; 0 for others).
    pub reports: usize,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub mine: bool,
}

impl CommentView {
    pub fn new(comment: &Comment, viewer: Option<&Account>) -> CommentView {
        let moderator = viewer.is_some_and(rules::is_moderator);
        CommentView {
            id: comment.id.to_string(),
            idea_id: comment.idea_id.to_string(),
            parent: comment.parent.as_ref().map(|p| p.to_string()),
            text: comment.text.clone(),
            hidden: comment.hidden || comment.kept == Some(false),
            reports: if moderator { comment.reports.len() } else { 0 },
            created_at: comment.created_at,
            mine: viewer.is_some_and(|v| v.id == comment.author_id),
        }
    }
}

/// A page of comments.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CommentList {
    pub items: Vec<CommentView>,
    pub next_cursor: Option<String>,
}

/// An idea like the one in the queue.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    pub idea: IdeaView,
    /// From 0.36 (likely) to 1 (the same text).
    pub score: f32,
    pub exact: bool,
    /// Whether the queued idea may be merged into this one.
    pub merge_target: bool,
}

impl SuggestionView {
    pub fn new(s: &Suggestion, viewer: &Account) -> SuggestionView {
        SuggestionView {
            idea: IdeaView::new(&s.idea, Some(viewer), None),
            score: (s.score * 100.0).round() / 100.0,
            exact: s.exact,
            merge_target: s.merge_target,
        }
    }
}

/// An idea of the moderation queue.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QueueItemView {
    pub idea: IdeaView,
    /// Since when it waits.
    #[serde(with = "time::serde::rfc3339::option")]
    pub queued_at: Option<OffsetDateTime>,
    /// `review` a new idea, `appeal` an appeal against a rejection.
    pub kind: String,
    /// An appeal against the viewer's own rejection: for another moderator.
    pub for_another: bool,
    pub duplicates: Vec<SuggestionView>,
}

impl QueueItemView {
    pub fn new(item: &QueueItem, viewer: &Account) -> QueueItemView {
        QueueItemView {
            idea: IdeaView::new(&item.idea, Some(viewer), None),
            queued_at: item.idea.queued_at,
            kind: if item.idea.status == Status::Rejected {
                "appeal".into()
            } else {
                "review".into()
            },
            for_another: item.for_another,
            duplicates: item
                .duplicates
                .iter()
                .map(|s| SuggestionView::new(s, viewer))
                .collect(),
        }
    }
}

/// A page of the moderation queue, with its size and its oldest idea's wait.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct QueueList {
    pub items: Vec<QueueItemView>,
    pub next_cursor: Option<String>,
    pub waiting: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub oldest: Option<OffsetDateTime>,
    /// How long the oldest idea has waited, in seconds.
    pub oldest_age_seconds: Option<i64>,
}
