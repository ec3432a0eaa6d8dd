//! Participants hear when a project's stage begins: supports open, the experts' review starts,
//! the results are out. Run by every server on a timer; each step is safe to repeat.
//!
//! A project records the last stage announced only after every email of it was queued, so a
//! crash midway repeats the announcement, and the notifier's idempotency key (project, stage,
//! account) drops what was queued already. Each resident's preferences (off, at once, in the
//! daily digest) apply in the notifier.

use veche_core::accounts::model::AccountState;
use veche_core::id::AccountId;
use veche_core::notify::{KindSpec, Notification, NotifyError, Recipient};
use veche_core::platform::Platform;

use super::*;
use crate::model::Stage;

/// A project a resident took part in has reached its next stage.
pub const IDEA_STAGE: KindSpec = KindSpec::optional("idea_stage");

/// Participants and projects read per page.
const PAGE: usize = 500;

/// Announces every published project's stage that began and was not announced yet. Returns
/// how many projects it announced.
pub async fn announce_stages(platform: &Platform, ideas: &Ideas) -> IdeaResult<usize> {
    let now = now();
    let mut announced = 0;
    let mut after = None;
    loop {
        let page = ideas.store.projects(false, after.clone(), PAGE).await?;
        for project in &page {
            if let Some(stage) = rules::stage_to_announce(project, now) {
                announce(platform, ideas, project, stage).await?;
                announced += 1;
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => {
                after = Some((clock::to_millis(last.created_at), last.id.clone()));
            }
            _ => return Ok(announced),
        }
    }
}

async fn announce(
    platform: &Platform,
    ideas: &Ideas,
    project: &Project,
    stage: Stage,
) -> IdeaResult<()> {
    let mut after: Option<AccountId> = None;
    let mut told = 0u64;
    loop {
        let page = ideas
            .store
            .participants(&project.id, after.as_ref(), PAGE)
            .await?;
        for id in &page {
            let Some(account) = platform.store.account(id).await? else {
                continue;
            };
            if account.state != AccountState::Active {
                continue;
            }
            let notification = Notification {
                kind: IDEA_STAGE.kind(),
                recipient: Recipient::account(&account),
                locale: account.lang,
                data: [
                    ("title", project.title.clone()),
                    ("link", format!("/ideas/projects/{}", project.id)),
                    ("name", account.display_name.as_str().to_string()),
                    ("stage", stage.as_str().to_string()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
                idempotency_key: format!(
                    "{}:{}:{}:{}",
                    IDEA_STAGE.name,
                    project.id,
                    stage.as_str(),
                    id
                ),
            };
            match platform.notify.enqueue(notification).await {
                Ok(_) => told += 1,
                Err(NotifyError::Store(e)) => return Err(IdeaError::Store(e)),
                Err(e) => {
                    tracing::error!(error = %e, project = %project.id, "stage notification refused");
                }
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.clone()),
            _ => break,
        }
    }
    let next = rules::announced(project, stage, now());
    // Someone changed the project meanwhile: the next pass announces again, and the keys drop
    // every email already queued.
    if ideas.store.replace_project(&next, project.version).await? {
        tracing::info!(project = %project.id, stage = stage.as_str(), residents = told, "stage announced");
    }
    Ok(())
}
