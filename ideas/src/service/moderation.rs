//! Moderators: the queue with each idea's likely duplicates, decisions (one or many at once),
//! merges, appeals; everyone: the public moderation log.

use std::collections::BTreeSet;

use veche_core::accounts::model::Account;
use veche_core::platform::Platform;

use super::*;
use crate::log::{Action, Entry, Summary};
use crate::model::{Reason, Status};
use crate::rules::{Decision, DecisionInput, BULK_MAX};
use crate::similar::{self, Fingerprint};
use crate::store::QueueStats;

/// An idea of the project that looks like the one being decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub idea: Idea,
    /// 1 for the same text, down to [`similar::LIKELY`].
    pub score: f32,
    /// The same words in the same order (the exact key).
    pub exact: bool,
    /// Whether the idea being decided may be merged into this one.
    pub merge_target: bool,
}

/// One idea of the queue with its likely duplicates.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub idea: Idea,
    pub duplicates: Vec<Suggestion>,
    /// An appeal against this moderator's own rejection: another moderator decides it.
    pub for_another: bool,
}

/// A page of the queue, its size and age, and the cursor of the next page.
#[derive(Clone, Debug)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub stats: QueueStats,
    pub next: Option<(i64, IdeaId)>,
}

fn require_moderator(account: &Account) -> IdeaResult<()> {
    if rules::is_moderator(account) {
        Ok(())
    } else {
        Err(IdeaError::Forbidden)
    }
}

/// The ideas waiting for a moderator, longest waiting first, each with its likely duplicates.
pub async fn queue(
    ideas: &Ideas,
    moderator: &Account,
    project: Option<&ProjectId>,
    after: Option<(i64, IdeaId)>,
    limit: usize,
) -> IdeaResult<QueuePage> {
    require_moderator(moderator)?;
    let limit = limit.clamp(1, 100);
    let mut waiting = ideas.store.queue(project, after, limit + 1).await?;
    let stats = ideas.store.queue_stats(project).await?;
    let next = if waiting.len() > limit {
        waiting.truncate(limit);
        waiting
            .last()
            .and_then(|i| Some((veche_core::clock::to_millis(i.queued_at?), i.id.clone())))
    } else {
        None
    };
    let mut items = Vec::with_capacity(waiting.len());
    for idea in waiting {
        let duplicates = duplicates(ideas, &idea, ideas.config.suggestions).await?;
        let for_another =
            idea.status == Status::Rejected && idea.decided_by.as_ref() == Some(&moderator.id);
        items.push(QueueItem {
            idea,
            duplicates,
            for_another,
        });
    }
    Ok(QueuePage { items, stats, next })
}

/// The idea's likely duplicates among its project's ideas, best first: candidates come from
/// the index (the same exact key, or shared band keys, the most shared first), only they are
/// scored (against the project's term counts, cached), and only the best are read whole.
pub async fn duplicates(ideas: &Ideas, idea: &Idea, limit: usize) -> IdeaResult<Vec<Suggestion>> {
    let scored = match ideas.suggested(idea) {
        Some(found) => found,
        None => {
            let found = std::sync::Arc::new(score_candidates(ideas, idea).await?);
            ideas.remember_suggested(idea, found.clone());
            found
        }
    };
    let ids: Vec<IdeaId> = scored
        .iter()
        .take(limit)
        .map(|(id, _, _)| id.clone())
        .collect();
    let found = ideas.store.ideas_by_id(&ids).await?;
    Ok(scored
        .iter()
        .take(limit)
        .filter_map(|(id, score, exact)| {
            let other = found.iter().find(|i| i.id == *id)?;
            Some(Suggestion {
                exact: *exact,
                merge_target: rules::merge_target(idea, other).is_ok(),
                idea: other.clone(),
                score: *score,
            })
        })
        .collect())
}

/// The most likely duplicates of `idea`, best first (at most [`SCORED_MAX`]).
async fn score_candidates(ideas: &Ideas, idea: &Idea) -> IdeaResult<Vec<super::Scored>> {
    let fingerprint = Fingerprint::of(&idea.title, &idea.body);
    let candidates: Vec<(IdeaId, Fingerprint)> = ideas
        .store
        .candidates(&idea.project_id, &fingerprint, ideas.config.candidates)
        .await?
        .into_iter()
        .filter(|c| c.id != idea.id)
        .map(|c| (c.id, c.fingerprint))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let corpus = ideas.corpus(&idea.project_id).await?;
    Ok(
        similar::rank(&fingerprint, &candidates, &corpus, SCORED_MAX)
            .into_iter()
            .map(|m| {
                let exact = candidates
                    .iter()
                    .any(|(id, fp)| *id == m.key && fp.exact == fingerprint.exact);
                (m.key, m.score, exact)
            })
            .collect(),
    )
}

/// The most likely duplicates kept for an idea (more than any page shows).
const SCORED_MAX: usize = 20;

/// A moderator's decision on one idea: approve, reject with a reason, send back for changes,
/// or merge into another idea. Of two moderators deciding one idea at once, one wins and the
/// other gets 409 `version_conflict`.
pub async fn decide(
    platform: &Platform,
    ideas: &Ideas,
    moderator: &Account,
    id: &IdeaId,
    expected: Option<u64>,
    input: &DecisionInput,
) -> IdeaResult<Idea> {
    require_moderator(moderator)?;
    let (action, reason, note) = rules::decision_parts(input)?;
    let idea = ideas.store.idea(id).await?.ok_or(IdeaError::NotFound)?;
    let expected = expected_version(idea.version, expected)?;
    let decision = match (action, reason) {
        ("approve", _) => Decision::Approve,
        ("reject", Some(reason)) => Decision::Reject { reason, note },
        ("send_back", _) => Decision::SendBack { note },
        ("merge", _) => {
            let into = input
                .into
                .as_deref()
                .and_then(|raw| IdeaId::parse(raw.trim()))
                .ok_or(Refused::new("into", "invalid"))?;
            let into = ideas
                .store
                .idea(&into)
                .await?
                .ok_or(Refused::new("into", "not_found"))?;
            Decision::Merge {
                into: Box::new(into),
            }
        }
        _ => return Err(Refused::new("action", "invalid").into()),
    };
    let now = now();
    let next = rules::decide(&idea, &decision, moderator, now)?;
    save_idea(ideas, &next, expected, None).await?;
    if let Decision::Merge { into } = &decision {
        finish_merge(ideas, &next, &into.id).await?;
    }
    let action = match decision {
        Decision::Approve => Action::Approved,
        Decision::Reject { .. } => Action::Rejected,
        Decision::SendBack { .. } => Action::SentBack,
        Decision::Merge { .. } => Action::Merged,
    };
    record(platform, ideas, moderator, &next, action, next.reason).await?;
    deliver_or_leave(platform, ideas, &next).await;
    Ok(next)
}

/// The decision in the log and the audit log.
async fn record(
    platform: &Platform,
    ideas: &Ideas,
    moderator: &Account,
    idea: &Idea,
    action: Action,
    reason: Option<Reason>,
) -> IdeaResult<()> {
    let entry = Entry {
        idea_id: idea.id.clone(),
        at: idea.updated_at,
        action,
        reason,
    };
    ideas
        .store
        .log_decision(&idea.project_id, &moderator.id, &entry)
        .await?;
    platform
        .audit(
            &moderator.id,
            &format!("idea.{}", action.as_str()),
            format!("idea:{}", idea.id),
            idea.note.clone(),
            serde_json::json!({
                "project": idea.project_id.as_str(),
                "reason": reason.map(Reason::as_str),
                "merged_into": idea.merged_into.as_ref().map(|i| i.as_str()),
            }),
        )
        .await?;
    Ok(())
}

/// After `merged` was merged into `into`: its authors credited on `into` and its supports
/// moved over, nobody counted twice. Idempotent: an interrupted merge is finished by running
/// it again (the owed-email sweep does, see [`super::sweep_mail`]).
pub(crate) async fn finish_merge(ideas: &Ideas, merged: &Idea, into: &IdeaId) -> IdeaResult<()> {
    for _ in 0..5 {
        let target = ideas.store.idea(into).await?.ok_or(IdeaError::NotFound)?;
        let credited: BTreeSet<_> = target.credited().cloned().collect();
        if merged.credited().all(|who| credited.contains(who)) {
            break;
        }
        let next = rules::merged_into(&target, merged, now());
        if ideas
            .store
            .replace_idea(&next, target.version, None)
            .await?
        {
            break;
        }
    }
    ideas.store.move_supports(&merged.id, into).await?;
    Ok(())
}

/// One idea's outcome in a bulk decision.
#[derive(Debug)]
pub struct BulkOutcome {
    pub id: IdeaId,
    pub result: IdeaResult<Idea>,
}

/// Approves or rejects (with one reason) up to [`BULK_MAX`] ideas, each at the version the
/// moderator saw; each idea is decided on its own and reported on its own.
pub async fn decide_many(
    platform: &Platform,
    ideas: &Ideas,
    moderator: &Account,
    items: &[(IdeaId, u64)],
    input: &DecisionInput,
) -> IdeaResult<Vec<BulkOutcome>> {
    require_moderator(moderator)?;
    if items.is_empty() {
        return Err(Refused::new("ideas", "required").into());
    }
    if items.len() > BULK_MAX {
        return Err(Refused::new("ideas", "too_many").into());
    }
    if !matches!(input.action.as_str(), "approve" | "reject") {
        return Err(Refused::new("action", "not_in_bulk").into());
    }
    rules::decision_parts(input)?;
    let mut out = Vec::with_capacity(items.len());
    for (id, version) in items {
        let result = decide(platform, ideas, moderator, id, Some(*version), input).await;
        out.push(BulkOutcome {
            id: id.clone(),
            result,
        });
    }
    Ok(out)
}

/// The author's appeal against a rejection (once per idea); it joins the queue, for a
/// moderator other than the one who rejected it.
pub async fn appeal(ideas: &Ideas, author: &Account, id: &IdeaId, text: &str) -> IdeaResult<Idea> {
    let (idea, _) = visible_idea(ideas, Some(author), id).await?;
    let next = rules::appeal(&idea, author, text, now())?;
    save_idea(ideas, &next, idea.version, None).await?;
    Ok(next)
}

/// Another moderator's decision on an appeal: `overturn` approves the idea.
pub async fn decide_appeal(
    platform: &Platform,
    ideas: &Ideas,
    moderator: &Account,
    id: &IdeaId,
    expected: Option<u64>,
    overturn: bool,
) -> IdeaResult<Idea> {
    require_moderator(moderator)?;
    let idea = ideas.store.idea(id).await?.ok_or(IdeaError::NotFound)?;
    let expected = expected_version(idea.version, expected)?;
    let next = rules::decide_appeal(&idea, moderator, overturn, now())?;
    save_idea(ideas, &next, expected, None).await?;
    let action = if overturn {
        Action::AppealGranted
    } else {
        Action::AppealRefused
    };
    record(platform, ideas, moderator, &next, action, None).await?;
    deliver_or_leave(platform, ideas, &next).await;
    Ok(next)
}

/// The public moderation log of a project (no personal data).
pub async fn moderation_log(
    ideas: &Ideas,
    viewer: Option<&Account>,
    project: &ProjectId,
) -> IdeaResult<Summary> {
    let project = visible_project(ideas, viewer, project).await?;
    let counts = ideas.store.log_counts(&project.id).await?;
    Ok(crate::log::summarise_counts(&counts))
}
