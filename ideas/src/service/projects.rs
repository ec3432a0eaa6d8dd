//! Officials and admins: a project's life (create, edit, publish, experts); everyone: the
//! projects they may see.

use std::collections::BTreeSet;

use veche_core::accounts::model::{Account, Role};
use veche_core::id::AccountId;
use veche_core::platform::Platform;

use super::*;
use crate::rules::ProjectInput;

/// Creates a draft project run by the creator's organisation (officials and admins).
pub async fn create_project(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    input: &ProjectInput,
) -> IdeaResult<Project> {
    if !(actor.has_role(Role::Official) || actor.has_role(Role::Admin)) {
        return Err(IdeaError::Forbidden);
    }
    let fields = rules::project_fields(input, &platform.directory())?;
    let project = rules::new_project(fields, actor, now());
    ideas.store.insert_project(&project).await?;
    let details = serde_json::json!({ "title": project.title });
    audit_project(platform, actor, "idea_project.created", &project, details).await?;
    Ok(project)
}

/// The project for someone who runs it: 404 when they may not see it, 403 when they see it
/// but do not run it.
pub async fn managed_project(
    ideas: &Ideas,
    actor: &Account,
    id: &ProjectId,
) -> IdeaResult<Project> {
    let project = visible_project(ideas, Some(actor), id).await?;
    if !rules::may_manage(actor, &project) {
        return Err(IdeaError::Forbidden);
    }
    Ok(project)
}

async fn save_project(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    mut next: Project,
    expected: u64,
    action: &str,
) -> IdeaResult<Project> {
    next.version = expected + 1;
    next.updated_at = now();
    if !ideas.store.replace_project(&next, expected).await? {
        return Err(IdeaError::Conflict("version_conflict"));
    }
    let details = serde_json::json!({ "version": next.version });
    audit_project(platform, actor, action, &next, details).await?;
    Ok(next)
}

/// Records what `actor` did to `project` in the audit log.
async fn audit_project(
    platform: &Platform,
    actor: &Account,
    action: &str,
    project: &Project,
    details: serde_json::Value,
) -> IdeaResult<()> {
    let target = format!("idea_project:{}", project.id);
    Ok(platform
        .audit(&actor.id, action, target, None, details)
        .await?)
}

/// Changes a project `actor` runs, at the version they expect: `change` makes the next project
/// from the current one (or refuses), and it is stored unless someone changed the project
/// meanwhile, and audited as `action`.
async fn change_project(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    id: &ProjectId,
    expected: Option<u64>,
    action: &str,
    change: impl FnOnce(Project) -> IdeaResult<Project>,
) -> IdeaResult<Project> {
    let project = managed_project(ideas, actor, id).await?;
    let expected = expected_version(project.version, expected)?;
    let next = change(project)?;
    save_project(platform, ideas, actor, next, expected, action).await
}

/// Replaces what a project says, until its proposals open.
pub async fn update_project(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    id: &ProjectId,
    expected: Option<u64>,
    input: &ProjectInput,
) -> IdeaResult<Project> {
    let action = "idea_project.updated";
    change_project(platform, ideas, actor, id, expected, action, |project| {
        rules::may_edit_project(&project, now())?;
        let fields = rules::project_fields(input, &platform.directory())?;
        Ok(Project {
            title: fields.title,
            description: fields.description,
            topics: fields.topics,
            criteria: fields.criteria,
            audience: fields.audience,
            schedule: fields.schedule,
            ..project
        })
    })
    .await
}

/// Publishes a draft: residents see it, and its stages follow the clock from now on.
pub async fn publish_project(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    id: &ProjectId,
    expected: Option<u64>,
) -> IdeaResult<Project> {
    let action = "idea_project.published";
    change_project(platform, ideas, actor, id, expected, action, |project| {
        if project.published {
            return Err(IdeaError::Conflict("already_published"));
        }
        Ok(Project {
            published: true,
            ..project
        })
    })
    .await
}

/// Sets the project's experts: accounts holding the expert role.
pub async fn set_experts(
    platform: &Platform,
    ideas: &Ideas,
    actor: &Account,
    id: &ProjectId,
    expected: Option<u64>,
    experts: &[AccountId],
) -> IdeaResult<Project> {
    let project = managed_project(ideas, actor, id).await?;
    let expected = expected_version(project.version, expected)?;
    if experts.len() > 100 {
        return Err(IdeaError::Invalid(Refused::new("experts", "too_many")));
    }
    let mut chosen = BTreeSet::new();
    for id in experts {
        let account = platform
            .store
            .account(id)
            .await?
            .ok_or(IdeaError::Invalid(Refused::new(
                "experts",
                "unknown_account",
            )))?;
        if !account.has_role(Role::Expert) {
            return Err(IdeaError::Invalid(Refused::new("experts", "not_an_expert")));
        }
        chosen.insert(account.id);
    }
    let next = Project {
        experts: chosen,
        ..project
    };
    save_project(
        platform,
        ideas,
        actor,
        next,
        expected,
        "idea_project.experts_set",
    )
    .await
}

/// A project the viewer may see.
pub async fn project(
    ideas: &Ideas,
    viewer: Option<&Account>,
    id: &ProjectId,
) -> IdeaResult<Project> {
    visible_project(ideas, viewer, id).await
}

/// A page of the projects the viewer may see, newest first, and the cursor of the next page.
/// Drafts appear to those who run them.
pub async fn projects(
    ideas: &Ideas,
    viewer: Option<&Account>,
    after: Option<(i64, ProjectId)>,
    limit: usize,
) -> IdeaResult<(Vec<Project>, Option<(i64, ProjectId)>)> {
    let drafts = viewer.is_some_and(|v| v.has_role(Role::Official) || v.has_role(Role::Admin));
    let limit = limit.max(1);
    let mut page = ideas.store.projects(drafts, after, limit + 1).await?;
    let next = if page.len() > limit {
        page.truncate(limit);
        page.last()
            .map(|p| (veche_core::clock::to_millis(p.created_at), p.id.clone()))
    } else {
        None
    };
    let visible = page
        .into_iter()
        .filter(|p| rules::may_see_project(p, viewer))
        .collect();
    Ok((visible, next))
}
