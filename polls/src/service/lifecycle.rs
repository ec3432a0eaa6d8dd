//! Officials: a poll's life (create, edit, schedule, unschedule, delete, close, publish) and
//! its audit entries.

use serde_json::{json, Value};
use veche_core::store::AuditEntry;

use super::*;

// ---- Officials: the poll's life ----

/// Creates a draft managed by the creator's organisation (an admin's draft has none: admins
/// manage it).
pub async fn create(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    input: &PollInput,
) -> PollResult<Poll> {
    if !rules::is_official(actor) {
        return Err(PollError::Forbidden);
    }
    let fields =
        rules::poll_fields(input, &[], &platform.directory()).map_err(PollError::Invalid)?;
    let now = clock::now();
    // An official's draft is their organisation's; an admin's is managed by admins.
    let organisation = if actor.has_role(veche_core::accounts::model::Role::Official) {
        actor.organisation_id.clone()
    } else {
        None
    };
    let poll = fields.into_draft(actor.id.clone(), organisation, now);
    polls.store.insert_poll(&poll).await?;
    AuditLog { platform, actor }
        .record("poll.created", &poll, json!({ "title": poll.title }))
        .await?;
    Ok(poll)
}

/// The poll for someone who manages it: 404 when it does not exist or they may not see it,
/// 403 when they see it but may not manage it.
pub async fn managed(polls: &Polls, actor: &Account, id: &PollId) -> PollResult<Poll> {
    let poll = polls.store.poll(id).await?.ok_or(PollError::NotFound)?;
    if !rules::may_see_poll(&poll, Some(actor)) {
        return Err(PollError::NotFound);
    }
    if !rules::may_manage(actor, &poll) {
        return Err(PollError::Forbidden);
    }
    Ok(poll)
}

/// Stores `poll` (bumped to the next version) if nobody changed it since `expected`.
pub(super) async fn save(polls: &Polls, mut poll: Poll, expected: u64) -> PollResult<Poll> {
    poll.version = expected + 1;
    poll.updated_at = clock::now();
    let stored = polls.store.replace_poll(&poll, expected).await?;
    polls.forget(&poll.id);
    if stored {
        Ok(poll)
    } else {
        Err(PollError::Conflict("version_conflict"))
    }
}

/// Replaces a poll's contents. The editor names the version it edited (`expected`): a stale
/// edit is 409 `version_conflict`. Closed polls are not edited; once the first ballot is in,
/// questions, audience and points are frozen (409 `questions_frozen`); an open poll keeps its
/// opening time.
pub async fn update(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
    input: &PollInput,
) -> PollResult<Poll> {
    let poll = managed(polls, actor, id).await?;
    if poll.version != expected {
        return Err(PollError::Conflict("version_conflict"));
    }
    let now = clock::now();
    let status = poll.status(now);
    if matches!(status, Status::Closed | Status::Published) {
        return Err(PollError::Conflict("poll_closed"));
    }
    let fields = rules::poll_fields(input, &poll.questions, &platform.directory())
        .map_err(PollError::Invalid)?;
    if poll.frozen
        && (fields.questions != poll.questions
            || fields.audience != poll.audience
            || fields.points != poll.points)
    {
        return Err(PollError::Conflict("questions_frozen"));
    }
    if status == Status::Open {
        if fields.opens_at != poll.opens_at {
            return Err(PollError::Conflict("already_open"));
        }
        if fields.closes_at.is_none_or(|c| c <= now) {
            return Err(PollError::Invalid(Refused {
                invalid: veche_core::web::problem::Invalid::new("closes_at", "in_the_past"),
                at: None,
            }));
        }
    }
    let mut next = poll.clone();
    next.title = fields.title;
    next.description = fields.description;
    next.questions = fields.questions;
    next.audience = fields.audience;
    next.opens_at = fields.opens_at;
    next.closes_at = fields.closes_at;
    next.points = fields.points;
    next.visibility = fields.visibility;
    if next.phase == Phase::Scheduled {
        rules::ready_to_schedule(&next, now).map_err(PollError::Invalid)?;
    }
    let saved = save(polls, next, expected).await?;
    AuditLog { platform, actor }
        .record("poll.updated", &saved, json!({ "version": saved.version }))
        .await?;
    Ok(saved)
}

/// The two moves of a poll that has not opened: into the schedule (draft → scheduled: it opens
/// by itself at `opens_at`) and out of it (scheduled but not yet open → draft again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Schedule,
    Unschedule,
}

/// Makes `plan` for the managed poll `id` at version `expected`, and audits it.
pub async fn apply_plan(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
    plan: Plan,
) -> PollResult<Poll> {
    let poll = managed(polls, actor, id).await?;
    if poll.version != expected {
        return Err(PollError::Conflict("version_conflict"));
    }
    let now = clock::now();
    let (phase, action) = match plan {
        Plan::Schedule => {
            if poll.phase != Phase::Draft {
                return Err(PollError::Conflict("not_a_draft"));
            }
            rules::ready_to_schedule(&poll, now).map_err(PollError::Invalid)?;
            (Phase::Scheduled, "poll.scheduled")
        }
        Plan::Unschedule => {
            if poll.status(now) != Status::Scheduled {
                return Err(PollError::Conflict("not_scheduled"));
            }
            (Phase::Draft, "poll.unscheduled")
        }
    };
    let mut next = poll;
    next.phase = phase;
    let saved = save(polls, next, expected).await?;
    AuditLog { platform, actor }
        .record(action, &saved, json!({}))
        .await?;
    Ok(saved)
}

/// Deletes a draft.
pub async fn delete(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    expected: u64,
) -> PollResult<()> {
    let poll = managed(polls, actor, id).await?;
    if poll.phase != Phase::Draft {
        return Err(PollError::Conflict("not_a_draft"));
    }
    if !polls.store.delete_draft(id, expected).await? {
        return Err(PollError::Conflict("version_conflict"));
    }
    polls.forget(id);
    AuditLog { platform, actor }
        .record("poll.deleted", &poll, json!({}))
        .await?;
    Ok(())
}

/// Closes an open poll now (its closing time becomes now). It is sealed once the grace for
/// ballots in flight has passed.
pub async fn close(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    reason: Option<String>,
) -> PollResult<Poll> {
    loop {
        let poll = managed(polls, actor, id).await?;
        let now = clock::now();
        if poll.status(now) != Status::Open {
            return Err(PollError::Conflict("not_open"));
        }
        let expected = poll.version;
        let mut next = poll;
        next.closes_at = Some(now);
        match save(polls, next, expected).await {
            Ok(saved) => {
                AuditLog { platform, actor }
                    .record_reason("poll.closed", &saved, reason, json!({}))
                    .await?;
                return Ok(saved);
            }
            // A ballot froze the questions meanwhile (that bumps the version): try again.
            Err(PollError::Conflict("version_conflict")) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Publishes a sealed poll with "what the city decided" (or updates that text later).
pub async fn publish(
    platform: &Platform,
    polls: &Polls,
    actor: &Account,
    id: &PollId,
    decision: &str,
) -> PollResult<Poll> {
    let text = decision.trim().replace("\r\n", "\n");
    let len = text.chars().count();
    if len == 0 || len > rules::DECISION_MAX {
        return Err(PollError::Invalid(Refused {
            invalid: veche_core::web::problem::Invalid::new(
                "decision",
                if len == 0 { "required" } else { "too_long" },
            ),
            at: None,
        }));
    }
    let mut poll = managed(polls, actor, id).await?;
    let now = clock::now();
    match poll.status(now) {
        Status::Closed if poll.seal.is_none() => {
            if !seal_due(&poll, now, polls.config.seal_grace) {
                return Err(PollError::Conflict("not_sealed_yet"));
            }
            seal(polls, id).await?;
            poll = managed(polls, actor, id).await?;
        }
        Status::Closed | Status::Published => {}
        _ => return Err(PollError::Conflict("not_closed")),
    }
    let expected = poll.version;
    let action = if poll.phase == Phase::Published {
        "poll.decision_updated"
    } else {
        "poll.published"
    };
    let mut next = poll;
    next.phase = Phase::Published;
    next.decision = Some(text);
    next.decision_at = Some(now);
    let saved = save(polls, next, expected).await?;
    AuditLog { platform, actor }
        .record(action, &saved, json!({}))
        .await?;
    Ok(saved)
}

/// The audit log as one account writes it.
struct AuditLog<'a> {
    platform: &'a Platform,
    actor: &'a Account,
}

impl AuditLog<'_> {
    /// Records `action` on `poll`, with `details`.
    async fn record(&self, action: &str, poll: &Poll, details: Value) -> PollResult<()> {
        self.record_reason(action, poll, None, details).await
    }

    /// Records `action` on `poll`, with the reason the actor gave and `details`.
    async fn record_reason(
        &self,
        action: &str,
        poll: &Poll,
        reason: Option<String>,
        details: Value,
    ) -> PollResult<()> {
        let target = format!("poll:{}", poll.id);
        let entry = AuditEntry::now(&self.actor.id, action, target, reason, details);
        self.platform.store.insert_audit(&entry).await?;
        Ok(())
    }
}
