//! What happens to polls as time passes, on every app server (each step is idempotent, so
//! several servers may run it at once):
//!
//! - a poll that opened is announced to the residents of its audience who switched the
//!   `poll_opened` email on (one notification per resident and poll: the idempotency key);
//! - a poll whose closing time is past by the grace is sealed;
//! - a published poll's results are announced to its voters.
//!
//! A flag on the poll records that an announcement finished; it is set only after every
//! notification was enqueued, so a crash midway repeats the announcement and the idempotency
//! keys drop what was already enqueued.

use std::collections::BTreeSet;
use std::sync::Arc;

use veche_core::clock;
use veche_core::id::{AccountId, DistrictId};
use veche_core::notify::{Notification, Recipient};
use veche_core::platform::Platform;

use crate::model::{Phase, Poll, PollQuery, Status};
use crate::rules;
use crate::service::{self, PollError, PollResult, Polls};

/// Accounts read per page when announcing.
const PAGE: usize = 500;

/// Runs [`tick`] every `polls.config.tick` until shutdown.
pub fn spawn(platform: Arc<Platform>, polls: Arc<Polls>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(polls.config.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = platform.shutdown.cancelled() => {
                    if let Err(e) = polls.store.flush().await {
                        tracing::error!(error = %e, "writing ballot counts at shutdown");
                    }
                    break;
                }
                _ = interval.tick() => {
                    if let Err(e) = tick(&platform, &polls).await {
                        tracing::warn!(error = %e, "polls scheduler");
                    }
                }
            }
        }
    });
}

/// One pass: announce what opened, seal what closed, tell voters about published results.
/// Returns how many steps it took.
pub async fn tick(platform: &Platform, polls: &Polls) -> PollResult<usize> {
    let now = clock::now();
    let mut done = polls.store.repair(crate::store::STALE_AFTER).await? as usize;
    let scheduled = in_phase(polls, Phase::Scheduled).await?;
    for poll in scheduled {
        match poll.status(now) {
            Status::Open if !poll.announced => {
                announce_opening(platform, polls, &poll).await?;
                done += 1;
            }
            Status::Closed if service::seal_due(&poll, now, polls.config.seal_grace) => {
                service::seal(polls, &poll.id).await?;
                done += 1;
            }
            _ => {}
        }
    }
    let published = in_phase(polls, Phase::Published).await?;
    for poll in published.iter().filter(|p| !p.results_announced) {
        announce_results(platform, polls, poll).await?;
        done += 1;
    }
    Ok(done)
}

/// The polls in `phase` a pass looks at (the first thousand).
async fn in_phase(polls: &Polls, phase: Phase) -> PollResult<Vec<Poll>> {
    Ok(polls
        .store
        .list_polls(&PollQuery {
            phases: vec![phase],
            limit: 1000,
            ..PollQuery::default()
        })
        .await?)
}

fn link(poll: &Poll, tail: &str) -> String {
    format!("/polls/{}{tail}", poll.id)
}

fn notification(
    kind: &veche_core::notify::KindSpec,
    account: &veche_core::accounts::model::Account,
    poll: &Poll,
    link: String,
) -> Notification {
    Notification {
        kind: kind.kind(),
        recipient: Recipient::account(account),
        locale: account.lang,
        data: [
            ("title".to_string(), poll.title.clone()),
            ("link".to_string(), link),
            (
                "name".to_string(),
                account.display_name.as_str().to_string(),
            ),
        ]
        .into_iter()
        .collect(),
        idempotency_key: format!("{}:{}:{}", kind.name, poll.id, account.id),
    }
}

/// Enqueues a page's notifications in one batch (the outbox reads their recipients'
/// preferences in one round trip). A store failure stops the announcement (the next pass
/// repeats it, the idempotency keys drop what was enqueued); a notification refused as built
/// is logged: a bug, not a reason to stop the poll.
async fn enqueue(platform: &Platform, poll: &Poll, batch: Vec<Notification>) -> PollResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let results = platform.notify.enqueue_all(batch).await.map_err(refused)?;
    for result in results {
        if let Err(e) = result {
            if let veche_core::notify::NotifyError::Store(e) = e {
                return Err(PollError::Store(e));
            }
            tracing::error!(error = %e, poll = %poll.id, "poll notification refused");
        }
    }
    Ok(())
}

fn refused(e: veche_core::notify::NotifyError) -> PollError {
    match e {
        veche_core::notify::NotifyError::Store(e) => PollError::Store(e),
        other => PollError::Store(veche_core::StoreError::Internal(other.to_string())),
    }
}

/// The districts whose residents may vote (`None`: the whole city).
fn audience_districts(platform: &Platform, poll: &Poll) -> Option<Vec<DistrictId>> {
    if poll.audience.city_wide() {
        return None;
    }
    let directory = platform.directory();
    let mut districts: BTreeSet<DistrictId> = poll.audience.districts.clone();
    for d in &directory.districts {
        if poll.audience.okrugs.contains(&d.okrug_id) {
            districts.insert(d.id.clone());
        }
    }
    Some(districts.into_iter().collect())
}

async fn announce_opening(platform: &Platform, polls: &Polls, poll: &Poll) -> PollResult<()> {
    let districts = audience_districts(platform, poll).unwrap_or_default();
    let directory = platform.directory();
    let now = clock::now();
    let mut after: Option<AccountId> = None;
    let mut told = 0u64;
    loop {
        let page = platform
            .store
            .accounts_in_districts(&districts, after.as_ref(), PAGE)
            .await?;
        let batch: Vec<Notification> = page
            .iter()
            .filter(|account| rules::eligibility(poll, account, &directory, now).is_ok())
            .map(|account| notification(&crate::kinds::POLL_OPENED, account, poll, link(poll, "")))
            .collect();
        told += batch.len() as u64;
        enqueue(platform, poll, batch).await?;
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.id.clone()),
            _ => break,
        }
    }
    set_flag(polls, poll, |p| p.announced = true).await?;
    tracing::info!(poll = %poll.id, residents = told, "poll opening announced");
    Ok(())
}

async fn announce_results(platform: &Platform, polls: &Polls, poll: &Poll) -> PollResult<()> {
    let mut after: Option<AccountId> = None;
    let mut told = 0u64;
    loop {
        let voters = polls.store.voters(&poll.id, after.as_ref(), PAGE).await?;
        let mut batch = Vec::with_capacity(voters.len());
        for id in &voters {
            if let Some(account) = platform.store.account(id).await? {
                if account.state != veche_core::accounts::model::AccountState::Blocked {
                    batch.push(notification(
                        &crate::kinds::POLL_RESULTS,
                        &account,
                        poll,
                        link(poll, "/results"),
                    ));
                }
            }
        }
        told += batch.len() as u64;
        enqueue(platform, poll, batch).await?;
        match voters.last() {
            Some(last) if voters.len() == PAGE => after = Some(last.clone()),
            _ => break,
        }
    }
    set_flag(polls, poll, |p| p.results_announced = true).await?;
    tracing::info!(poll = %poll.id, voters = told, "poll results announced");
    Ok(())
}

/// Sets a flag on the latest version of the poll (an edit or a ballot may have bumped it).
async fn set_flag(polls: &Polls, poll: &Poll, set: impl Fn(&mut Poll)) -> PollResult<()> {
    for _ in 0..10 {
        let Some(mut current) = polls.store.poll(&poll.id).await? else {
            return Ok(());
        };
        let expected = current.version;
        set(&mut current);
        current.version = expected + 1;
        current.updated_at = clock::now();
        if polls.store.replace_poll(&current, expected).await? {
            return Ok(());
        }
    }
    Err(PollError::Conflict("version_conflict"))
}
