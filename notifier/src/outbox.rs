//! The port's implementation: [`Outbox::enqueue`] validates a notification, stores it as one job
//! per idempotency key and wakes the worker of this process (if it runs one).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::notify::{Enqueued, KindSpec, Notification, Notify, NotifyError};
use veche_core::storage::Backend;
use veche_core::web::problem::Invalid;
use veche_core::StoreResult;

use crate::metrics;
use crate::model::{Delivery, Job, Preferences};
use crate::prefs;
use crate::store::{self, OutboxStore};

pub struct Outbox {
    pub store: Arc<dyn OutboxStore>,
    kinds: BTreeMap<&'static str, KindSpec>,
    wake: Arc<tokio::sync::Notify>,
}

impl Outbox {
    /// Opens the outbox on the backend (preparing its schema) for the given kinds: every kind
    /// a feature may enqueue is listed here, so a typo is refused at enqueue, not at delivery.
    pub async fn open(backend: &Backend, kinds: &[&[KindSpec]]) -> StoreResult<Outbox> {
        Ok(Outbox::new(store::open(backend).await?, kinds))
    }

    pub fn new(store: Arc<dyn OutboxStore>, kinds: &[&[KindSpec]]) -> Outbox {
        Outbox {
            store,
            kinds: kinds
                .iter()
                .flat_map(|list| list.iter())
                .map(|k| (k.name, *k))
                .collect(),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub fn kind(&self, name: &str) -> Option<KindSpec> {
        self.kinds.get(name).copied()
    }

    /// The kinds a resident may choose how to receive (the non-essential ones), sorted.
    pub fn optional_kinds(&self) -> Vec<KindSpec> {
        self.kinds
            .values()
            .filter(|k| !k.essential)
            .copied()
            .collect()
    }

    /// Woken at every enqueue: the in-process worker waits on it between polls.
    pub fn waker(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }
}

impl Outbox {
    /// Enqueues one notification; `known` holds the recipient's preferences when the caller
    /// read them already (a batch), else they are read here when the kind needs them.
    async fn enqueue_one(
        &self,
        notification: Notification,
        known: Option<&Preferences>,
    ) -> Result<Enqueued, NotifyError> {
        notification.validate().map_err(NotifyError::Invalid)?;
        let Some(spec) = self.kind(notification.kind.as_str()) else {
            return Err(NotifyError::UnknownKind(notification.kind.to_string()));
        };
        let kind = notification.kind.to_string();
        if !spec.essential {
            let Some(account) = &notification.recipient.account_id else {
                // Preferences and unsubscribe links need the account.
                return Err(NotifyError::Invalid(Invalid::new(
                    "recipient.account_id",
                    "required",
                )));
            };
            // An opt-in kind is stored only for those who switched it on: a city-wide
            // announcement must not fill the outbox with jobs that would all be skipped. (Other
            // kinds are stored, and a resident's "off" is applied by the worker at delivery.)
            if spec.opt_in {
                let declined = match known {
                    Some(prefs) => prefs::delivery(&spec, prefs) == Delivery::Off,
                    None => {
                        prefs::delivery(&spec, &self.store.preferences(account).await?)
                            == Delivery::Off
                    }
                };
                if declined {
                    metrics::ENQUEUED
                        .with_label_values(&[&kind, "declined"])
                        .inc();
                    return Ok(Enqueued::Declined);
                }
            }
        }
        let job = Job::from_notification(notification, clock::now());
        let id = job.id.to_string();
        if self.store.insert(&job).await? {
            metrics::ENQUEUED
                .with_label_values(&[&kind, "queued"])
                .inc();
            self.wake.notify_one();
            Ok(Enqueued::Queued(id))
        } else {
            metrics::ENQUEUED
                .with_label_values(&[&kind, "duplicate"])
                .inc();
            Ok(Enqueued::Duplicate)
        }
    }
}

#[async_trait]
impl Notify for Outbox {
    async fn enqueue(&self, notification: Notification) -> Result<Enqueued, NotifyError> {
        self.enqueue_one(notification, None).await
    }

    /// One read of the preferences for every opt-in recipient of the batch, then one insert
    /// per notification that is stored (an opt-in announcement stores few).
    async fn enqueue_all(
        &self,
        notifications: Vec<Notification>,
    ) -> Result<Vec<Result<Enqueued, NotifyError>>, NotifyError> {
        let mut accounts: Vec<AccountId> = notifications
            .iter()
            .filter(|n| {
                self.kind(n.kind.as_str())
                    .is_some_and(|k| !k.essential && k.opt_in)
            })
            .filter_map(|n| n.recipient.account_id.clone())
            .collect();
        accounts.sort();
        accounts.dedup();
        let known = if accounts.is_empty() {
            HashMap::new()
        } else {
            self.store.preferences_of(&accounts).await?
        };
        let none = Preferences::new();
        let mut results = Vec::with_capacity(notifications.len());
        for notification in notifications {
            let prefs = match &notification.recipient.account_id {
                Some(account) if accounts.binary_search(account).is_ok() => {
                    Some(known.get(account).unwrap_or(&none))
                }
                _ => None,
            };
            results.push(self.enqueue_one(notification, prefs).await);
        }
        Ok(results)
    }
}
