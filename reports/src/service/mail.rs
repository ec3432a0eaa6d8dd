//! The emails reports send: authors and joiners hear of every status change (the answer
//! included), officials of a report routed to them and of its deadline (at 80 % of the time
//! and at the deadline), an organisation's head of a disputed answer.
//!
//! A change that owes an email records the debt in the report itself ([`Report::mail_due`]) in
//! the same write; the email is queued right after, and the debt cleared. A crash in between
//! leaves the debt, which [`sweep_mail`] pays (the notifier's idempotency key makes a second
//! queueing of the same email a no-op).

use std::collections::{BTreeMap, BTreeSet};

use veche_core::accounts::model::Account;
use veche_core::id::{AccountId, OrganisationId};
use veche_core::notify::{KindSpec, Notification, NotifyError, Recipient};
use veche_core::platform::Platform;
use veche_core::storage::every_page;
use veche_core::web::i18n::Lang;

use super::*;
use crate::model::{Mail, MailDue};
use crate::rules::calendar::MOSCOW;

/// An author and joiners hear of a status change.
pub const REPORT_STATUS: KindSpec = KindSpec::optional("report_status");
/// Officials hear of a report routed to their organisation.
pub const REPORT_ROUTED: KindSpec = KindSpec::optional("report_routed");
/// Officials: 80 % of the time to a report's deadline has passed.
pub const REPORT_WARNING: KindSpec = KindSpec::optional("report_warning");
/// Officials: a report's deadline has come with no answer.
pub const REPORT_OVERDUE: KindSpec = KindSpec::optional("report_overdue");
/// An organisation's head: an answer was disputed.
pub const REPORT_DISPUTED: KindSpec = KindSpec::optional("report_disputed");

/// The reports' notification kinds.
pub const KINDS: &[KindSpec] = &[
    REPORT_STATUS,
    REPORT_ROUTED,
    REPORT_WARNING,
    REPORT_OVERDUE,
    REPORT_DISPUTED,
];

/// Joiners read per page when a status changes.
const JOINERS_PAGE: usize = 500;

fn kind(mail: Mail) -> &'static KindSpec {
    match mail {
        Mail::Status => &REPORT_STATUS,
        Mail::Routed => &REPORT_ROUTED,
        Mail::Warning => &REPORT_WARNING,
        Mail::Overdue => &REPORT_OVERDUE,
        Mail::Disputed => &REPORT_DISPUTED,
    }
}

/// Who receives a debt's email.
async fn recipients(
    platform: &Platform,
    reports: &Reports,
    report: &Report,
    due: &MailDue,
) -> ReportResult<Vec<AccountId>> {
    let mut out: BTreeSet<AccountId> = BTreeSet::new();
    match due.mail {
        Mail::Status => {
            out.insert(report.author_id.clone());
            let joiners = every_page(JOINERS_PAGE, |after, size| async move {
                reports
                    .store
                    .joiners(&report.id, after.as_ref(), size)
                    .await
            })
            .await?;
            out.extend(joiners);
        }
        Mail::Routed | Mail::Warning | Mail::Overdue | Mail::Disputed => {
            let Some(org) = &due.organisation_id else {
                return Ok(Vec::new());
            };
            let officials: Vec<AccountId> = officials(platform, org)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            // A dispute goes to the head (while one of its officials); an organisation
            // without one hears of it through all its officials.
            let head = match due.mail {
                Mail::Disputed => super::profile(reports, org)
                    .await
                    .ok()
                    .and_then(|p| p.head)
                    .filter(|h| officials.contains(h)),
                _ => None,
            };
            match head {
                Some(head) => {
                    out.insert(head);
                }
                None => out.extend(officials),
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn moscow_time(at: Option<time::OffsetDateTime>) -> String {
    let format = time::macros::format_description!("[day].[month].[year] [hour]:[minute]");
    at.and_then(|at| at.to_offset(MOSCOW).format(&format).ok())
        .unwrap_or_default()
}

/// What the email's texts read: the category's names (Russian, English) and the
/// organisation's (core's one name).
struct Names {
    category: Option<(String, String)>,
    organisation: String,
}

impl Names {
    fn category(&self, lang: Lang) -> String {
        match (&self.category, lang) {
            (Some((ru, _)), Lang::Ru) => ru.clone(),
            (Some((_, en)), Lang::En) => en.clone(),
            (None, _) => String::new(),
        }
    }
}

async fn names(
    platform: &Platform,
    reports: &Reports,
    report: &Report,
    org: Option<&OrganisationId>,
) -> ReportResult<Names> {
    let category = super::category(reports, &report.category_id)
        .await
        .ok()
        .map(|c| (c.name_ru, c.name_en));
    let organisation = match org {
        Some(org) => platform.store.organisation(org).await?.map(|o| o.name),
        None => None,
    };
    Ok(Names {
        category,
        organisation: organisation.unwrap_or_default(),
    })
}

fn notification(due: &MailDue, account: &Account, report: &Report, names: &Names) -> Notification {
    let kind = kind(due.mail);
    let lang = account.lang;
    let data = BTreeMap::from([
        ("link".to_string(), format!("/reports/{}", report.id)),
        (
            "name".to_string(),
            account.display_name.as_str().to_string(),
        ),
        ("status".to_string(), report.status.as_str().to_string()),
        ("category".to_string(), names.category(lang)),
        ("organisation".to_string(), names.organisation.clone()),
        ("deadline".to_string(), moscow_time(report.deadline)),
        (
            "address".to_string(),
            report.place.address.clone().unwrap_or_default(),
        ),
    ]);
    Notification {
        kind: kind.kind(),
        recipient: Recipient::account(account),
        locale: lang,
        data,
        idempotency_key: format!("{}:{}:{}:{}", kind.name, report.id, due.version, account.id),
    }
}

/// Queues the emails the report owes, to each recipient, then clears those debts.
pub async fn deliver(platform: &Platform, reports: &Reports, report: &Report) -> ReportResult<()> {
    let Some(last) = report.mail_due.iter().map(|m| m.version).max() else {
        return Ok(());
    };
    for due in &report.mail_due {
        let names = names(platform, reports, report, due.organisation_id.as_ref()).await?;
        for id in recipients(platform, reports, report, due).await? {
            let Some(account) = platform.store.account(&id).await? else {
                continue;
            };
            match platform
                .notify
                .enqueue(notification(due, &account, report, &names))
                .await
            {
                Ok(_) => {}
                Err(NotifyError::Store(e)) => return Err(ReportError::Store(e)),
                Err(e) => {
                    // A notification this code built was refused: a bug, logged, not a reason
                    // to keep the debt forever.
                    tracing::error!(error = %e, report = %report.id, "report notification refused");
                }
            }
        }
    }
    reports.store.mail_sent(&report.id, last).await?;
    Ok(())
}

/// [`deliver`] right after a change; a failure leaves the debt to the sweep.
pub(crate) async fn deliver_or_leave(platform: &Platform, reports: &Reports, report: &Report) {
    if let Err(e) = deliver(platform, reports, report).await {
        tracing::warn!(error = %e, report = %report.id, "report email left to the sweep");
    }
}

/// Pays the emails owed for longer than the grace period. Returns how many reports it
/// handled.
pub async fn sweep_mail(platform: &Platform, reports: &Reports) -> ReportResult<usize> {
    let grace =
        time::Duration::try_from(reports.config.mail_grace).unwrap_or(time::Duration::MINUTE);
    let owed = reports.store.mail_owed(now() - grace, 100).await?;
    for report in &owed {
        deliver(platform, reports, report).await?;
    }
    Ok(owed.len())
}
