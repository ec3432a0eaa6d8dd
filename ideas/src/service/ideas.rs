//! Residents: submit and edit ideas, read and search them, support and follow them.

use std::collections::BTreeSet;

use veche_core::accounts::model::Account;
use veche_core::id::DistrictId;

use super::*;
use crate::model::Status;
use crate::rules::IdeaInput;
use crate::store::{IdeaIndex, IdeaQuery, Sort};

/// The most ideas one list page holds.
pub const PAGE_MAX: usize = 100;

/// Submits an idea during the proposals stage; it waits for a moderator.
pub async fn submit(
    ideas: &Ideas,
    author: &Account,
    project: &ProjectId,
    input: &IdeaInput,
) -> IdeaResult<Idea> {
    let project = visible_project(ideas, Some(author), project).await?;
    let now = now();
    rules::may_submit(&project, author, now)?;
    let fields = rules::idea_fields(input, &project)?;
    let image = stored_image(ideas, input).await?;
    let idea = Idea {
        image,
        ..rules::new_idea(&project, author, fields, now)
    };
    ideas
        .store
        .insert_idea(&idea, &IdeaIndex::of(&idea))
        .await?;
    ideas.took_part(&project.id, &author.id).await;
    Ok(idea)
}

/// The author's edit, until a moderator decides (or after the idea was sent back).
pub async fn edit(
    ideas: &Ideas,
    author: &Account,
    id: &IdeaId,
    expected: Option<u64>,
    input: &IdeaInput,
) -> IdeaResult<Idea> {
    let (idea, project) = visible_idea(ideas, Some(author), id).await?;
    let expected = expected_version(idea.version, expected)?;
    let now = now();
    rules::may_edit(&idea, &project, author, now)?;
    let fields = rules::idea_fields(input, &project)?;
    let image = stored_image(ideas, input).await?;
    let next = Idea {
        image,
        ..rules::edited(&idea, fields, now)
    };
    save_idea(ideas, &next, expected, Some(&IdeaIndex::of(&next))).await?;
    Ok(next)
}

/// The picture an input names, if any: it must be one already uploaded ([`accept_image`], or
/// `POST /api/v1/uploads`), kept or still being processed, and not dropped as unreadable.
async fn stored_image(ideas: &Ideas, input: &IdeaInput) -> IdeaResult<Option<String>> {
    let Some(hash) = rules::image_ref(input)? else {
        return Ok(None);
    };
    let kept = match &ideas.uploads {
        Some(uploads) => uploads
            .info(&hash)
            .await?
            .is_some_and(|i| i.state != veche_core::web::uploads::UploadState::Dropped),
        None => false,
    };
    if !kept {
        return Err(Refused::new("image", "unknown_image").into());
    }
    Ok(Some(hash))
}

/// Checks a picture a resident sent with the idea form (by its content, from its header: see
/// [`veche_core::web::uploads::accept`]) and keeps it for the background work; its hash, for
/// [`IdeaInput::image`].
pub async fn accept_image(ideas: &Ideas, raw: bytes::Bytes) -> Result<String, Problem> {
    let Some(uploads) = &ideas.uploads else {
        return Err(IdeaError::from(Refused::new("image", "unknown_image")).problem());
    };
    veche_core::web::uploads::accept(uploads.as_ref(), raw).await
}

/// An idea and its project, for a viewer allowed to see it.
pub async fn idea(
    ideas: &Ideas,
    viewer: Option<&Account>,
    id: &IdeaId,
) -> IdeaResult<(Idea, Project)> {
    visible_idea(ideas, viewer, id).await
}

/// What a list of ideas asks for.
#[derive(Clone, Debug, Default)]
pub struct ListRequest {
    /// Approved ideas when `None`; other statuses for moderators, those who run the project,
    /// and authors listing their own (`mine`).
    pub status: Option<Status>,
    pub topic: Option<String>,
    pub district: Option<DistrictId>,
    /// Words to find («велодорожки» finds «велодорожку»).
    pub words: String,
    /// Most supported first instead of newest.
    pub by_supports: bool,
    /// Only the viewer's own ideas.
    pub mine: bool,
    pub after: Option<(i64, IdeaId)>,
    pub limit: usize,
}

/// One page of a list and the cursor of the next (`None` on the last page).
#[derive(Clone, Debug)]
pub struct IdeaPage {
    pub ideas: Vec<Idea>,
    pub next: Option<(i64, IdeaId)>,
    /// Which of the page's ideas the viewer supports.
    pub supported: BTreeSet<IdeaId>,
}

/// A page of a project's ideas as the viewer may see them.
pub async fn list(
    ideas: &Ideas,
    viewer: Option<&Account>,
    project: &ProjectId,
    request: &ListRequest,
) -> IdeaResult<IdeaPage> {
    let project = visible_project(ideas, viewer, project).await?;
    let limit = request.limit.clamp(1, PAGE_MAX);
    // One more than the page: whether there is a next page is known without a second read.
    let mut query = IdeaQuery::new(project.id.clone(), limit + 1);
    let sees_all = viewer.is_some_and(|v| rules::is_moderator(v) || rules::may_manage(v, &project));
    if request.mine {
        let viewer = viewer.ok_or(IdeaError::Forbidden)?;
        query.author_id = Some(viewer.id.clone());
        query.statuses = request.status.into_iter().collect();
    } else {
        let status = request.status.unwrap_or(Status::Approved);
        let public = matches!(status, Status::Approved | Status::Merged);
        if !public && !sees_all {
            return Err(IdeaError::Forbidden);
        }
        query.statuses = vec![status];
    }
    query.topic = request.topic.clone().filter(|t| !t.is_empty());
    query.district_id = request.district.clone();
    query.stems = crate::text::search_stems(&request.words);
    query.sort = if request.by_supports {
        Sort::Supports
    } else {
        Sort::Newest
    };
    query.after = request.after.clone();
    let mut found = ideas.store.ideas(&query).await?;
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(|i| query.cursor_of(i))
    } else {
        None
    };
    let supported = match viewer {
        Some(v) => {
            let ids: Vec<IdeaId> = found.iter().map(|i| i.id.clone()).collect();
            ideas.store.supported(&v.id, &ids).await?
        }
        None => BTreeSet::new(),
    };
    Ok(IdeaPage {
        ideas: found,
        next,
        supported,
    })
}

/// Supports an idea (`on`) or withdraws the support, during discussion; once per resident,
/// whatever the number of tries. Returns the idea's count after.
pub async fn support(ideas: &Ideas, account: &Account, id: &IdeaId, on: bool) -> IdeaResult<u64> {
    // As `visible_idea`, with the idea's head only (not its text) and the project kept from an
    // earlier support at its stored version.
    let check = ideas
        .store
        .support_check(id, &account.id)
        .await?
        .ok_or(IdeaError::NotFound)?;
    let idea = check.head;
    let project = ideas
        .project_at(&idea.project_id, check.project_version)
        .await?;
    if !rules::may_see_idea(&idea, &project, Some(account)) {
        return Err(IdeaError::NotFound);
    }
    let now = now();
    rules::may_support(&idea, &project, account, now)?;
    let done = if on {
        // The resident takes part in the project in the same write, unless known to already.
        let new_participant = !ideas.took_part_before(&project.id, &account.id);
        let done = ideas
            .store
            .support(
                &idea.id,
                &account.id,
                now,
                new_participant.then_some(&project.id),
                check.seen,
            )
            .await?;
        if new_participant {
            ideas.has_taken_part(&project.id, &account.id);
        }
        done
    } else {
        ideas.store.withdraw(&idea.id, &account.id).await?
    };
    Ok(done.supports)
}

/// Whether the resident supports the idea.
pub async fn supports(ideas: &Ideas, account: &Account, id: &IdeaId) -> IdeaResult<bool> {
    let found = ideas
        .store
        .supported(&account.id, std::slice::from_ref(id))
        .await?;
    Ok(found.contains(id))
}

/// Follows an idea (`on`: hear of its outcome) or stops following it.
pub async fn follow(ideas: &Ideas, account: &Account, id: &IdeaId, on: bool) -> IdeaResult<()> {
    let (idea, project) = visible_idea(ideas, Some(account), id).await?;
    ideas.store.follow(&idea.id, &account.id, on).await?;
    if on {
        ideas.took_part(&project.id, &account.id).await;
    }
    Ok(())
}

/// Whether the resident follows the idea.
pub async fn follows(ideas: &Ideas, account: &Account, id: &IdeaId) -> IdeaResult<bool> {
    Ok(ideas.store.follows(id, &account.id).await?)
}
