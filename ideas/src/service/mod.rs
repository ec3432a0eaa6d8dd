//! The ideas' use cases. Each reads what it needs, asks [`crate::rules`] (pure), writes through
//! the store, and records what officials and moderators did in the audit log. Pages and the
//! API call these and nothing below them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::web::problem::Problem;

use crate::model::{Idea, IdeaId, Project, ProjectId};
use crate::rules::{self, Refused};
use crate::similar::Corpus;
use crate::store::IdeaStore;

mod discussion;
mod experts;
mod ideas;
mod mail;
mod moderation;
mod open_data;
mod projects;
mod stages;

pub use discussion::*;
pub use experts::*;
pub use ideas::*;
pub use mail::*;
pub use moderation::*;
pub use open_data::*;
pub use projects::*;
pub use stages::*;

/// The ideas' settings.
#[derive(Clone, Debug)]
pub struct IdeasConfig {
    /// The most candidates scored for one idea's likely duplicates.
    pub candidates: usize,
    /// The most likely duplicates shown beside an idea in the queue.
    pub suggestions: usize,
    /// How long an owed email waits before the sweep sends it (the request that made the
    /// change normally queues it at once).
    pub mail_grace: std::time::Duration,
    /// How long a project's term counts (what duplicate scores weigh terms by), and a queued
    /// idea's likely duplicates, are reused before they are read again: the counts move slowly
    /// and only shade the scores; a duplicate submitted meanwhile shows beside the idea after
    /// at most this long (and beside itself at once).
    pub corpus_ttl: std::time::Duration,
}

impl Default for IdeasConfig {
    fn default() -> Self {
        IdeasConfig {
            candidates: 200,
            suggestions: 5,
            mail_grace: std::time::Duration::from_secs(60),
            corpus_ttl: std::time::Duration::from_secs(60),
        }
    }
}

/// The ideas feature's state in a running Veche.
pub struct Ideas {
    /// Private to the crate: pages and the API go through the use cases.
    pub(crate) store: Arc<dyn IdeaStore>,
    pub config: IdeasConfig,
    /// Each project's term counts and when they were read.
    corpus: RwLock<HashMap<ProjectId, (Instant, Arc<Corpus>)>>,
    /// Each queued idea's likely duplicates (at the idea's version): ids, scores, exact or not.
    suggested: RwLock<HashMap<(IdeaId, u64), Found>>,
    /// Where ideas' pictures are kept (core's upload store); without it an idea takes none.
    uploads: Option<Arc<dyn veche_core::web::uploads::UploadStore>>,
    /// Participants this server recorded lately, so that a resident's tenth support writes
    /// nothing more.
    recorded: RwLock<std::collections::HashSet<(ProjectId, AccountId)>>,
    /// Projects as read for supports, each at its version.
    projects: RwLock<HashMap<ProjectId, Arc<Project>>>,
}

/// Likely duplicates found at an instant.
type Found = (Instant, Arc<Vec<Scored>>);

/// A likely duplicate as found: its id, its score, whether it is an exact copy.
pub(crate) type Scored = (IdeaId, f32, bool);

impl Ideas {
    pub fn new(store: Arc<dyn IdeaStore>, config: IdeasConfig) -> Ideas {
        Ideas {
            store,
            config,
            corpus: RwLock::new(HashMap::new()),
            suggested: RwLock::new(HashMap::new()),
            uploads: None,
            recorded: RwLock::new(std::collections::HashSet::new()),
            projects: RwLock::new(HashMap::new()),
        }
    }

    /// The project at `version`: the copy kept from an earlier support when it is at that
    /// version, else read now (and kept). Every support of a project needs the same project.
    pub(crate) async fn project_at(
        &self,
        id: &ProjectId,
        version: u64,
    ) -> IdeaResult<Arc<Project>> {
        let kept = self.projects.read().ok().and_then(|kept| {
            kept.get(id)
                .filter(|project| project.version == version)
                .cloned()
        });
        if let Some(project) = kept {
            return Ok(project);
        }
        let project = Arc::new(self.store.project(id).await?.ok_or(IdeaError::NotFound)?);
        if let Ok(mut kept) = self.projects.write() {
            if kept.len() >= 10_000 {
                kept.clear();
            }
            kept.insert(id.clone(), project.clone());
        }
        Ok(project)
    }

    /// Records that `account` took part in `project`, so that they hear when its stages begin.
    /// A failure is logged, not returned: what the resident did stands, and the cost is one
    /// email of news they may miss.
    pub(crate) async fn took_part(&self, project: &ProjectId, account: &AccountId) {
        if self.took_part_before(project, account) {
            return;
        }
        match self.store.participate(project, account).await {
            Ok(()) => self.has_taken_part(project, account),
            Err(e) => tracing::warn!(error = %e, project = %project, "recording a participant"),
        }
    }

    /// Whether this server recorded lately that the resident takes part in the project.
    pub(crate) fn took_part_before(&self, project: &ProjectId, account: &AccountId) -> bool {
        let key = (project.clone(), account.clone());
        self.recorded.read().is_ok_and(|seen| seen.contains(&key))
    }

    /// Remembers that the resident's taking part in the project is stored.
    pub(crate) fn has_taken_part(&self, project: &ProjectId, account: &AccountId) {
        if let Ok(mut seen) = self.recorded.write() {
            if seen.len() >= 100_000 {
                seen.clear();
            }
            seen.insert((project.clone(), account.clone()));
        }
    }

    /// Lets ideas carry a picture, kept in `uploads`.
    pub fn with_uploads(
        mut self,
        uploads: Arc<dyn veche_core::web::uploads::UploadStore>,
    ) -> Ideas {
        self.uploads = Some(uploads);
        self
    }

    /// The likely duplicates found for `idea` at its version less than `corpus_ttl` ago.
    pub(crate) fn suggested(&self, idea: &Idea) -> Option<Arc<Vec<Scored>>> {
        let cache = self.suggested.read().ok()?;
        let (at, found) = cache.get(&(idea.id.clone(), idea.version))?;
        (at.elapsed() < self.config.corpus_ttl).then(|| found.clone())
    }

    pub(crate) fn remember_suggested(&self, idea: &Idea, found: Arc<Vec<Scored>>) {
        if let Ok(mut cache) = self.suggested.write() {
            if cache.len() > 10_000 {
                cache.retain(|_, (at, _)| at.elapsed() < self.config.corpus_ttl);
                if cache.len() > 10_000 {
                    cache.clear();
                }
            }
            cache.insert((idea.id.clone(), idea.version), (Instant::now(), found));
        }
    }

    /// The project's term counts, read at most once per `corpus_ttl`.
    pub(crate) async fn corpus(&self, project: &ProjectId) -> IdeaResult<Arc<Corpus>> {
        if let Ok(cache) = self.corpus.read() {
            if let Some((at, corpus)) = cache.get(project) {
                if at.elapsed() < self.config.corpus_ttl {
                    return Ok(corpus.clone());
                }
            }
        }
        let counts = self.store.term_counts(project).await?;
        let corpus = Arc::new(Corpus {
            ideas: counts.ideas,
            holding: counts.holding,
        });
        if let Ok(mut cache) = self.corpus.write() {
            if cache.len() > 1000 {
                cache.clear();
            }
            cache.insert(project.clone(), (Instant::now(), corpus.clone()));
        }
        Ok(corpus)
    }

    /// The ideas store itself, for tests that inspect what is stored.
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Arc<dyn IdeaStore> {
        &self.store
    }
}

/// The ideas' refusal texts: `ideas-invalid-FIELD-CODE` (polls use the same field names with
/// other bounds: a poll's title is 3 to 200 characters, an idea's 5 to 140).
pub struct IdeasTexts;

impl veche_core::web::problem::RefusalTexts for IdeasTexts {
    const PREFIX: &'static str = "ideas";
}

/// What an ideas use case answers instead of its result (`problem()` makes it a problem
/// document).
pub type IdeaError = veche_core::web::problem::ServiceError<IdeasTexts>;

pub type IdeaResult<T> = Result<T, IdeaError>;

/// Takes one cell of a rate limit for the account (core's, for the pages and the API alike).
pub use veche_core::accounts::service::admit;

/// The project, for a viewer allowed to see it (404 otherwise: a draft is not announced).
pub(crate) async fn visible_project(
    ideas: &Ideas,
    viewer: Option<&Account>,
    id: &ProjectId,
) -> IdeaResult<Project> {
    let project = ideas.store.project(id).await?.ok_or(IdeaError::NotFound)?;
    if !rules::may_see_project(&project, viewer) {
        return Err(IdeaError::NotFound);
    }
    Ok(project)
}

/// The idea and its project, for a viewer allowed to see the idea (404 otherwise).
pub(crate) async fn visible_idea(
    ideas: &Ideas,
    viewer: Option<&Account>,
    id: &IdeaId,
) -> IdeaResult<(Idea, Project)> {
    let idea = ideas.store.idea(id).await?.ok_or(IdeaError::NotFound)?;
    let project = ideas
        .store
        .project(&idea.project_id)
        .await?
        .ok_or(IdeaError::NotFound)?;
    if !rules::may_see_idea(&idea.head(), &project, viewer) {
        return Err(IdeaError::NotFound);
    }
    Ok((idea, project))
}

/// Stores `next` if the idea is still at `expected`; someone else's change first is 409
/// `version_conflict` (two moderators deciding at once: one wins, the other is told).
pub(crate) async fn save_idea(
    ideas: &Ideas,
    next: &Idea,
    expected: u64,
    index: Option<&crate::store::IdeaIndex>,
) -> IdeaResult<()> {
    if ideas.store.replace_idea(next, expected, index).await? {
        Ok(())
    } else {
        Err(IdeaError::Conflict("version_conflict"))
    }
}

/// The version a change expects: the one the caller names, or the current one.
pub(crate) fn expected_version(current: u64, named: Option<u64>) -> IdeaResult<u64> {
    veche_core::web::problem::expected_version(current, named)
}

/// Now, at the store's millisecond precision.
pub(crate) fn now() -> time::OffsetDateTime {
    clock::now()
}
