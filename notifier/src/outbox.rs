//! The port's implementation: [`Outbox::enqueue`] validates a notification, stores it as one job
//! per idempotency key and wakes the worker of this process (if it runs one).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use veche_core::clock;
use veche_core::notify::{Enqueued, KindSpec, Notification, Notify, NotifyError};
use veche_core::storage::Backend;
use veche_core::web::problem::Invalid;
use veche_core::StoreResult;

use crate::metrics;
use crate::model::{Delivery, Job};
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

#[async_trait]
impl Notify for Outbox {
    async fn enqueue(&self, notification: Notification) -> Result<Enqueued, NotifyError> {
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
            if spec.opt_in
                && prefs::delivery(&spec, &self.store.preferences(account).await?) == Delivery::Off
            {
                metrics::ENQUEUED
                    .with_label_values(&[&kind, "declined"])
                    .inc();
                return Ok(Enqueued::Declined);
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
