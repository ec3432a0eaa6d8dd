//! The ideas store: one trait, two adapters ([`sqlite`], [`mongo`]), one contract suite
//! (`ideas/tests/contract.rs`) run against both.
//!
//! What the store alone keeps true:
//! - one support per resident per idea (a unique key on (idea, account)), and an idea's
//!   support count that moves with its supports;
//! - a change to a project, an idea or a comment names the version it was made on, so that of
//!   two moderators deciding one idea at once exactly one wins;
//! - an idea is found by its exact key, its band keys and its search stems through indexes,
//!   never by reading every idea of a project.

pub mod mongo;
mod sqlite;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use veche_core::id::{AccountId, DistrictId};
use veche_core::storage::{as_i64, Backend};
use veche_core::{StoreError, StoreResult};

use crate::log::{Count, Entry};
use crate::model::{Comment, CommentId, Idea, IdeaHead, IdeaId, Project, ProjectId, Score, Status};
use crate::similar::Fingerprint;

/// What is kept beside an idea to find it: its duplicate fingerprint and its search stems.
#[derive(Clone, Debug, PartialEq)]
pub struct IdeaIndex {
    pub fingerprint: Fingerprint,
    /// [`crate::text::search_stems`] of its title and text.
    pub stems: BTreeSet<String>,
}

impl IdeaIndex {
    pub fn of(idea: &Idea) -> IdeaIndex {
        IdeaIndex {
            fingerprint: Fingerprint::of(&idea.title, &idea.body),
            stems: crate::text::search_stems(&format!("{} {}", idea.title, idea.body)),
        }
    }

    fn term_hashes(&self) -> Vec<u64> {
        self.fingerprint.terms.iter().map(|(h, _)| *h).collect()
    }
}

/// The order of an idea list; both newest or most supported first, ties by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Supports,
}

/// A page of a project's ideas.
#[derive(Clone, Debug, PartialEq)]
pub struct IdeaQuery {
    pub project_id: ProjectId,
    /// Any of these (all statuses when empty).
    pub statuses: Vec<Status>,
    pub topic: Option<String>,
    pub district_id: Option<DistrictId>,
    pub author_id: Option<AccountId>,
    /// Only the ideas put forward to the experts.
    pub shortlisted: bool,
    /// Only the ideas with an outcome (the results).
    pub with_outcome: bool,
    /// Search stems the idea must all hold ([`crate::text::search_stems`] of the query).
    pub stems: BTreeSet<String>,
    pub sort: Sort,
    /// The last idea of the previous page: its sort key (creation in milliseconds, or its
    /// supports) and its id.
    pub after: Option<(i64, IdeaId)>,
    pub limit: usize,
}

impl IdeaQuery {
    pub fn new(project_id: ProjectId, limit: usize) -> IdeaQuery {
        IdeaQuery {
            project_id,
            statuses: Vec::new(),
            topic: None,
            district_id: None,
            author_id: None,
            shortlisted: false,
            with_outcome: false,
            stems: BTreeSet::new(),
            sort: Sort::Newest,
            after: None,
            limit,
        }
    }

    /// The cursor after `idea` in this query's order.
    pub fn cursor_of(&self, idea: &Idea) -> (i64, IdeaId) {
        let key = match self.sort {
            Sort::Newest => veche_core::clock::to_millis(idea.created_at),
            Sort::Supports => as_i64(idea.supports),
        };
        (key, idea.id.clone())
    }
}

/// How long the moderation queue is and how long its oldest idea has waited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub waiting: u64,
    pub oldest: Option<OffsetDateTime>,
}

/// An idea that shares the exact key or a band key with the one being looked at: its id and
/// what scoring reads (the idea itself is read only for the few that score high).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: IdeaId,
    pub fingerprint: Fingerprint,
}

/// How many of a project's ideas hold each term, and how many ideas there are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermCounts {
    pub ideas: u64,
    pub holding: HashMap<u64, u64>,
}

/// What a support or its withdrawal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Supported {
    /// Whether it changed anything (a first support; a support withdrawn).
    pub changed: bool,
    /// The idea's count of supports after it.
    pub supports: u64,
}

/// What a support checks, read in one go: the idea's head, its project's version (the project
/// itself comes from the service's copy at that version), and what the store read of the
/// resident's support, so as to answer it without reading again.
#[derive(Clone, Debug, PartialEq)]
pub struct SupportCheck {
    pub head: IdeaHead,
    pub project_version: u64,
    /// Given back to [`IdeaStore::support`] (`None`: the store reads what it needs there).
    pub seen: Option<Seen>,
}

/// A store's reading of an idea for one resident's support, for its own use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The idea's stored count of supports.
    pub(crate) supports: u64,
    /// Whether the resident's support is stored.
    pub(crate) supported: bool,
    /// The store's mark of what the reading holds (SQLite: its journal's last line applied).
    pub(crate) mark: u64,
    /// The store's generation at the reading (SQLite: its batches of supports applied).
    pub(crate) generation: u64,
}

/// An idea's head from its stored fields (both adapters keep them as text beside the
/// document); a field that does not parse is the store's error.
pub(crate) fn head_from(
    id: &IdeaId,
    project: &str,
    author: &str,
    status: &str,
) -> StoreResult<IdeaHead> {
    let bad = |what: &str| StoreError::Internal(format!("idea {id}: bad {what}"));
    Ok(IdeaHead {
        id: id.clone(),
        project_id: ProjectId::parse(project).ok_or_else(|| bad("project_id"))?,
        author_id: AccountId::parse(author).ok_or_else(|| bad("author_id"))?,
        status: Status::parse(status).ok_or_else(|| bad("status"))?,
    })
}

#[async_trait]
pub trait IdeaStore: Send + Sync + 'static {
    // ---- Projects ----
    async fn insert_project(&self, project: &Project) -> StoreResult<()>;
    async fn project(&self, id: &ProjectId) -> StoreResult<Option<Project>>;
    /// Replaces the project when its stored version is `expected`; `false` otherwise.
    async fn replace_project(&self, project: &Project, expected: u64) -> StoreResult<bool>;
    /// Projects newest first after `after` (a creation instant in milliseconds and an id);
    /// only published ones unless `drafts`.
    async fn projects(
        &self,
        drafts: bool,
        after: Option<(i64, ProjectId)>,
        limit: usize,
    ) -> StoreResult<Vec<Project>>;

    // ---- Ideas ----
    /// Stores a new idea with its index, and counts its terms in its project.
    async fn insert_idea(&self, idea: &Idea, index: &IdeaIndex) -> StoreResult<()>;
    async fn idea(&self, id: &IdeaId) -> StoreResult<Option<Idea>>;
    /// What the resident's support (or its withdrawal) of the idea checks, without the idea's
    /// text (one point read on SQLite).
    async fn support_check(
        &self,
        id: &IdeaId,
        account: &AccountId,
    ) -> StoreResult<Option<SupportCheck>>;
    /// Replaces the idea (all but its support count, which only supports move) when its
    /// stored version is `expected`; `false` otherwise. `index` is the new index when the
    /// text changed (the old one is read and its terms uncounted).
    async fn replace_idea(
        &self,
        idea: &Idea,
        expected: u64,
        index: Option<&IdeaIndex>,
    ) -> StoreResult<bool>;
    async fn ideas(&self, query: &IdeaQuery) -> StoreResult<Vec<Idea>>;
    /// The ideas waiting for a moderator, longest waiting first, after `after`
    /// (`queued_at` in milliseconds and an id); of one project, or of all.
    async fn queue(
        &self,
        project: Option<&ProjectId>,
        after: Option<(i64, IdeaId)>,
        limit: usize,
    ) -> StoreResult<Vec<Idea>>;
    async fn queue_stats(&self, project: Option<&ProjectId>) -> StoreResult<QueueStats>;
    /// The project's ideas sharing `fingerprint`'s exact key or one of its band keys (at most
    /// `limit`; those sharing the most bands first where the store can tell), merged ones left
    /// out.
    async fn candidates(
        &self,
        project: &ProjectId,
        fingerprint: &Fingerprint,
        limit: usize,
    ) -> StoreResult<Vec<Candidate>>;
    /// The ideas with these ids (those that exist), in no particular order.
    async fn ideas_by_id(&self, ids: &[IdeaId]) -> StoreResult<Vec<Idea>>;
    /// How many of the project's ideas hold each term (every term), and how many ideas it has.
    async fn term_counts(&self, project: &ProjectId) -> StoreResult<TermCounts>;
    /// Ideas owing an email since before `before`, oldest debt first.
    async fn mail_owed(&self, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<Idea>>;
    /// The email the idea owed at `version` is queued: the debt is cleared (a newer change's
    /// debt, at a later version, stays). Changes nothing else, not even the version.
    async fn mail_sent(&self, idea: &IdeaId, version: u64) -> StoreResult<()>;

    // ---- Supports ----
    /// The resident supports the idea (`changed`: their first support of it), and with
    /// `participant_of`, takes part in that project (as [`IdeaStore::participate`]), in the
    /// same write; the idea's count of supports after it. `seen`: from the resident's
    /// [`IdeaStore::support_check`] just before, if any.
    async fn support(
        &self,
        idea: &IdeaId,
        account: &AccountId,
        at: OffsetDateTime,
        participant_of: Option<&ProjectId>,
        seen: Option<Seen>,
    ) -> StoreResult<Supported>;
    /// The resident withdraws their support (`changed`: they had supported the idea); the
    /// idea's count of supports after it.
    async fn withdraw(&self, idea: &IdeaId, account: &AccountId) -> StoreResult<Supported>;
    /// Which of `ideas` the resident supports.
    async fn supported(
        &self,
        account: &AccountId,
        ideas: &[IdeaId],
    ) -> StoreResult<BTreeSet<IdeaId>>;
    /// Writes to the tables what the store answered and holds back (SQLite: the supports in
    /// its journal; MongoDB holds nothing back).
    async fn flush(&self) -> StoreResult<()> {
        Ok(())
    }
    /// Moves the supports of `from` to `into`, a resident supporting both counted once, and
    /// sets both counts from the supports (idempotent: a merge interrupted half-way is
    /// finished by running it again). Returns `into`'s count.
    async fn move_supports(&self, from: &IdeaId, into: &IdeaId) -> StoreResult<u64>;

    // ---- Comments ----
    async fn insert_comment(&self, comment: &Comment) -> StoreResult<()>;
    async fn comment(&self, id: &CommentId) -> StoreResult<Option<Comment>>;
    async fn replace_comment(&self, comment: &Comment, expected: u64) -> StoreResult<bool>;
    /// An idea's comments oldest first after `after` (a comment id).
    async fn comments(
        &self,
        idea: &IdeaId,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>>;
    /// Reported comments no moderator has looked at yet, oldest first.
    async fn reported_comments(
        &self,
        after: Option<&CommentId>,
        limit: usize,
    ) -> StoreResult<Vec<Comment>>;

    // ---- Follows ----
    /// Starts or stops following; `true` when that changed something.
    async fn follow(&self, idea: &IdeaId, account: &AccountId, on: bool) -> StoreResult<bool>;
    async fn follows(&self, idea: &IdeaId, account: &AccountId) -> StoreResult<bool>;
    /// The idea's followers in account order after `after`.
    async fn followers(
        &self,
        idea: &IdeaId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>>;

    // ---- Participants ----
    /// Records that the resident took part in the project (proposed, supported, commented on
    /// or followed an idea): they hear when its stages begin. Idempotent.
    async fn participate(&self, project: &ProjectId, account: &AccountId) -> StoreResult<()>;
    /// The project's participants in account order after `after`.
    async fn participants(
        &self,
        project: &ProjectId,
        after: Option<&AccountId>,
        limit: usize,
    ) -> StoreResult<Vec<AccountId>>;

    // ---- Experts ----
    /// Stores an expert's scores of an idea, replacing their earlier ones.
    async fn save_score(&self, score: &Score) -> StoreResult<()>;
    async fn scores(&self, project: &ProjectId) -> StoreResult<Vec<Score>>;

    // ---- The moderation log ----
    async fn log_decision(
        &self,
        project: &ProjectId,
        moderator: &AccountId,
        entry: &Entry,
    ) -> StoreResult<()>;
    /// The project's decisions counted by day, action and reason.
    async fn log_counts(&self, project: &ProjectId) -> StoreResult<Vec<Count>>;
}

/// Builds the ideas store for a backend and prepares its schema (idempotent).
pub async fn open(backend: &Backend) -> StoreResult<Arc<dyn IdeaStore>> {
    veche_core::open_store!(backend, sqlite::SqliteIdeas, mongo::MongoIdeas)
}

/// Whether a comment waits for a moderator: reported, and not looked at yet.
fn comment_awaits(comment: &Comment) -> bool {
    !comment.reports.is_empty() && comment.kept.is_none()
}

/// The order of the log's counts: by day, then action, then reason.
fn log_order(a: &Count, b: &Count) -> std::cmp::Ordering {
    (&a.day, a.action, a.reason).cmp(&(&b.day, b.action, b.reason))
}
