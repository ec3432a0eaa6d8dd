//! Residents discuss approved ideas: comments with one level of replies, reports of abusive
//! comments (three hide one until a moderator decides), and the moderators' decision.

use veche_core::accounts::model::Account;
use veche_core::platform::Platform;

use super::*;
use crate::model::{Comment, CommentId};
use crate::rules::CommentInput;

/// The most comments one page holds.
pub const COMMENTS_MAX: usize = 200;

/// A comment on an idea, or a reply to one of its top-level comments.
pub async fn comment(
    ideas: &Ideas,
    author: &Account,
    id: &IdeaId,
    input: &CommentInput,
) -> IdeaResult<Comment> {
    let (idea, project) = visible_idea(ideas, Some(author), id).await?;
    let parent = match input
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(raw) => {
            let parent = CommentId::parse(raw).ok_or(Refused::new("parent", "invalid"))?;
            Some(
                ideas
                    .store
                    .comment(&parent)
                    .await?
                    .ok_or(Refused::new("parent", "not_found"))?,
            )
        }
        None => None,
    };
    let now = now();
    rules::may_comment(&idea, &project, author, parent.as_ref(), now)?;
    let comment = rules::new_comment(&idea, author, input, parent.as_ref(), now)?;
    ideas.store.insert_comment(&comment).await?;
    ideas.took_part(&project.id, &author.id).await;
    Ok(comment)
}

/// A page of an idea's comments, oldest first, for a viewer who may see the idea. Hidden and
/// removed comments are in the page (a thread keeps its shape); their text is for moderators.
pub async fn comments(
    ideas: &Ideas,
    viewer: Option<&Account>,
    id: &IdeaId,
    after: Option<&CommentId>,
    limit: usize,
) -> IdeaResult<Vec<Comment>> {
    let (idea, _) = visible_idea(ideas, viewer, id).await?;
    let page = ideas
        .store
        .comments(&idea.id, after, limit.clamp(1, COMMENTS_MAX))
        .await?;
    let moderator = viewer.is_some_and(rules::is_moderator);
    Ok(page
        .into_iter()
        .map(|c| {
            if moderator || !(c.hidden || c.kept == Some(false)) {
                c
            } else {
                Comment {
                    text: String::new(),
                    ..c
                }
            }
        })
        .collect())
}

/// A resident's report of an abusive comment: once per resident; enough reports hide it.
pub async fn report(ideas: &Ideas, reporter: &Account, id: &CommentId) -> IdeaResult<Comment> {
    for _ in 0..5 {
        let comment = ideas.store.comment(id).await?.ok_or(IdeaError::NotFound)?;
        visible_idea(ideas, Some(reporter), &comment.idea_id).await?;
        let next = rules::reported(&comment, &reporter.id)?;
        if ideas.store.replace_comment(&next, comment.version).await? {
            return Ok(next);
        }
    }
    Err(IdeaError::Conflict("version_conflict"))
}

/// A moderator keeps a reported comment (shown again, reports or not) or removes it.
pub async fn moderate_comment(
    platform: &Platform,
    ideas: &Ideas,
    moderator: &Account,
    id: &CommentId,
    keep: bool,
) -> IdeaResult<Comment> {
    if !rules::is_moderator(moderator) {
        return Err(IdeaError::Forbidden);
    }
    let comment = ideas.store.comment(id).await?.ok_or(IdeaError::NotFound)?;
    let next = Comment {
        kept: Some(keep),
        hidden: !keep,
        version: comment.version + 1,
        ..comment.clone()
    };
    if !ideas.store.replace_comment(&next, comment.version).await? {
        return Err(IdeaError::Conflict("version_conflict"));
    }
    platform.audit(&moderator.id,
        if keep {
            "idea_comment.kept"
        } else {
            "idea_comment.removed"
        },
        format!("idea_comment:{}", comment.id),
        None,
        serde_json::json!({ "idea": comment.idea_id.as_str(), "reports": comment.reports.len() }),
    )
    .await?;
    Ok(next)
}

/// Reported comments no moderator has looked at yet, oldest first.
pub async fn reported_comments(
    ideas: &Ideas,
    moderator: &Account,
    after: Option<&CommentId>,
    limit: usize,
) -> IdeaResult<Vec<Comment>> {
    if !rules::is_moderator(moderator) {
        return Err(IdeaError::Forbidden);
    }
    Ok(ideas
        .store
        .reported_comments(after, limit.clamp(1, COMMENTS_MAX))
        .await?)
}
