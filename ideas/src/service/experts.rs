//! The project's experts and organisers: the shortlist, the experts' scores, the ranking with
//! the experts' agreement, and after the results each accepted idea's way to being done.

use veche_core::accounts::model::Account;
use veche_core::platform::Platform;

use super::*;
use crate::model::{Outcome, Score, Status};
use crate::rules::{Ranked, ScoreInput};
use crate::store::IdeaQuery;

/// The most ideas a shortlist or a results page reads at once.
const SHORTLIST_MAX: usize = 1000;

/// Stores `next` if the idea is still at `expected` (see [`save_idea`]) and records what
/// `actor` did to it, `action`, in the audit log.
async fn save_audited(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    next: &Idea,
    expected: u64,
    action: &str,
    details: serde_json::Value,
) -> IdeaResult<()> {
    save_idea(ideas, next, expected, None).await?;
    let target = format!("idea:{}", next.id);
    Ok(platform
        .audit(&actor.id, action, target, None, details)
        .await?)
}

/// Puts an approved idea forward to the experts (`on`) or takes it back.
pub async fn shortlist(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    id: &IdeaId,
    expected: Option<u64>,
    on: bool,
) -> IdeaResult<Idea> {
    let (idea, project) = visible_idea(ideas, Some(actor), id).await?;
    let expected = expected_version(idea.version, expected)?;
    let next = rules::shortlisted(&idea, &project, actor, on, now())?;
    let action = if on {
        "idea.shortlisted"
    } else {
        "idea.unshortlisted"
    };
    let details = serde_json::json!({ "project": project.id.as_str() });
    save_audited(platform, ideas, actor, &next, expected, action, details).await?;
    Ok(next)
}

/// An expert's scores of a shortlisted idea (replacing their earlier ones).
pub async fn score(
    ideas: &Ideas,
    expert: &Account,
    id: &IdeaId,
    input: &ScoreInput,
) -> IdeaResult<Score> {
    let (idea, project) = visible_idea(ideas, Some(expert), id).await?;
    let score = rules::score(&idea, &project, expert, input, now())?;
    ideas.store.save_score(&score).await?;
    Ok(score)
}

/// The experts' view of a project: the shortlisted ideas ranked by score then supports, and
/// how much the experts agree (Kendall's W).
#[derive(Clone, Debug)]
pub struct Ranking {
    pub ranked: Vec<Ranked>,
    pub ideas: Vec<Idea>,
    pub agreement: Option<f64>,
    pub scores: Vec<Score>,
}

/// The ranking, for the project's experts and those who run it.
pub async fn ranking(ideas: &Ideas, viewer: &Account, project: &ProjectId) -> IdeaResult<Ranking> {
    let project = visible_project(ideas, Some(viewer), project).await?;
    if !(project.experts.contains(&viewer.id) || rules::may_manage(viewer, &project)) {
        return Err(IdeaError::Forbidden);
    }
    let query = IdeaQuery {
        statuses: vec![Status::Approved],
        shortlisted: true,
        ..IdeaQuery::new(project.id.clone(), SHORTLIST_MAX)
    };
    let shortlisted = ideas.store.ideas(&query).await?;
    let scores = ideas.store.scores(&project.id).await?;
    Ok(Ranking {
        ranked: rules::ranking(&shortlisted, &scores),
        agreement: rules::agreement(&scores),
        ideas: shortlisted,
        scores,
    })
}

/// Moves an approved idea to its next outcome after the results, with a note for residents;
/// its authors and followers hear of it.
pub async fn advance(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    id: &IdeaId,
    expected: Option<u64>,
    outcome: Outcome,
    text: &str,
) -> IdeaResult<Idea> {
    let (idea, project) = visible_idea(ideas, Some(actor), id).await?;
    if !rules::may_manage(actor, &project) {
        return Err(IdeaError::Forbidden);
    }
    let expected = expected_version(idea.version, expected)?;
    let next = rules::advance(&idea, &project, outcome, text, now())?;
    let details =
        serde_json::json!({ "project": project.id.as_str(), "outcome": outcome.as_str() });
    let action = "idea.outcome";
    save_audited(platform, ideas, actor, &next, expected, action, details).await?;
    deliver_or_leave(platform, ideas, &next).await;
    Ok(next)
}

/// The project's results: the ideas with an outcome, newest first, their authors credited.
pub async fn results(
    ideas: &Ideas,
    viewer: Option<&Account>,
    project: &ProjectId,
) -> IdeaResult<Vec<Idea>> {
    let project = visible_project(ideas, viewer, project).await?;
    let query = IdeaQuery {
        statuses: vec![Status::Approved],
        with_outcome: true,
        ..IdeaQuery::new(project.id.clone(), SHORTLIST_MAX)
    };
    Ok(ideas.store.ideas(&query).await?)
}
