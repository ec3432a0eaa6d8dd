//! The emails ideas send: an author hears of a moderator's decision, authors and followers of
//! an outcome. A change that owes an email records the debt in the idea itself
//! ([`Idea::mail_due`]) in the same write; the email is queued right after, and the debt
//! cleared. A crash in between leaves the debt, which [`sweep_mail`] pays (the notifier's
//! idempotency key makes a second queueing of the same email a no-op).

use std::collections::{BTreeMap, BTreeSet};

use veche_core::accounts::model::Account;
use veche_core::id::AccountId;
use veche_core::notify::{KindSpec, Notification, NotifyError, Recipient};
use veche_core::platform::Platform;
use veche_core::storage::every_page;

use super::*;
use crate::model::{Mail, Status};

/// An author hears of a moderator's decision on their idea (or on their appeal).
pub const IDEA_DECIDED: KindSpec = KindSpec::optional("idea_decided");
/// Authors and followers hear that an idea was accepted, is in work, or is done.
pub const IDEA_OUTCOME: KindSpec = KindSpec::optional("idea_outcome");

/// The ideas' notification kinds.
pub const KINDS: &[KindSpec] = &[IDEA_DECIDED, IDEA_OUTCOME, super::IDEA_STAGE];

/// Followers read per page when an outcome is announced.
const FOLLOWERS_PAGE: usize = 500;

/// What the decision email says was decided.
fn decision_code(idea: &Idea) -> &'static str {
    match (&idea.appeal, idea.status) {
        (Some(appeal), _) if appeal.upheld == Some(true) => "appeal_granted",
        (Some(appeal), _) if appeal.upheld == Some(false) => "appeal_refused",
        (_, status) => status.as_str(),
    }
}

async fn recipients(ideas: &Ideas, idea: &Idea, mail: Mail) -> IdeaResult<Vec<AccountId>> {
    let mut out: BTreeSet<AccountId> = BTreeSet::new();
    match mail {
        Mail::Decided => {
            out.insert(idea.author_id.clone());
        }
        Mail::Outcome => {
            out.extend(idea.credited().cloned());
            let followers = every_page(FOLLOWERS_PAGE, |after, size| async move {
                ideas.store.followers(&idea.id, after.as_ref(), size).await
            })
            .await?;
            out.extend(followers);
        }
    }
    Ok(out.into_iter().collect())
}

fn notification(kind: &KindSpec, account: &Account, idea: &Idea) -> Notification {
    let mut data = BTreeMap::from([
        ("title".to_string(), idea.title.clone()),
        ("link".to_string(), format!("/ideas/{}", idea.id)),
        (
            "name".to_string(),
            account.display_name.as_str().to_string(),
        ),
        ("decision".to_string(), decision_code(idea).to_string()),
        (
            "reason".to_string(),
            idea.reason
                .map(|r| r.as_str())
                .unwrap_or("none")
                .to_string(),
        ),
        ("note".to_string(), idea.note.clone().unwrap_or_default()),
        (
            "outcome".to_string(),
            idea.outcome
                .map(|o| o.as_str())
                .unwrap_or("none")
                .to_string(),
        ),
    ]);
    if idea.status == Status::Merged {
        if let Some(into) = &idea.merged_into {
            data.insert("link".to_string(), format!("/ideas/{into}"));
        }
    }
    Notification {
        kind: kind.kind(),
        recipient: Recipient::account(account),
        locale: account.lang,
        data,
        idempotency_key: format!("{}:{}:{}:{}", kind.name, idea.id, idea.version, account.id),
    }
}

/// Queues the email the idea owes, to each recipient, then clears the debt.
pub async fn deliver(platform: &Platform, ideas: &Ideas, idea: &Idea) -> IdeaResult<()> {
    let Some(due) = idea.mail_due else {
        return Ok(());
    };
    let kind = match due.mail {
        Mail::Decided => &IDEA_DECIDED,
        Mail::Outcome => &IDEA_OUTCOME,
    };
    for id in recipients(ideas, idea, due.mail).await? {
        let Some(account) = platform.store.account(&id).await? else {
            continue;
        };
        match platform
            .notify
            .enqueue(notification(kind, &account, idea))
            .await
        {
            Ok(_) => {}
            Err(NotifyError::Store(e)) => return Err(IdeaError::Store(e)),
            Err(e) => {
                // A notification this code built was refused: a bug, logged, not a reason to
                // keep the debt forever.
                tracing::error!(error = %e, idea = %idea.id, "idea notification refused");
            }
        }
    }
    ideas.store.mail_sent(&idea.id, idea.version).await?;
    Ok(())
}

/// [`deliver`] right after a change; a failure leaves the debt to the sweep.
pub(crate) async fn deliver_or_leave(platform: &Platform, ideas: &Ideas, idea: &Idea) {
    if let Err(e) = deliver(platform, ideas, idea).await {
        tracing::warn!(error = %e, idea = %idea.id, "idea email left to the sweep");
    }
}

/// Pays the emails owed for longer than the grace period (finishing first any merge a crash
/// interrupted). Returns how many ideas it handled.
pub async fn sweep_mail(platform: &Platform, ideas: &Ideas) -> IdeaResult<usize> {
    let grace = time::Duration::try_from(ideas.config.mail_grace).unwrap_or(time::Duration::MINUTE);
    let owed = ideas.store.mail_owed(now() - grace, 100).await?;
    for idea in &owed {
        if let (Status::Merged, Some(into)) = (idea.status, &idea.merged_into) {
            finish_merge(ideas, idea, into).await?;
        }
        deliver(platform, ideas, idea).await?;
    }
    Ok(owed.len())
}
