//! A notification port that keeps what it is given, for tests that check who is told what.

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::notify::{Enqueued, Notification, Notify, NotifyError};

/// Records every notification; a second one with a key already seen is a duplicate, as the
/// notifier's outbox answers.
#[derive(Default)]
pub struct Recorder {
    sent: Mutex<Vec<Notification>>,
    keys: Mutex<BTreeSet<String>>,
}

impl Recorder {
    /// Every notification stored so far (duplicates left out), oldest first.
    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The stored notifications of one kind.
    pub fn of_kind(&self, kind: &str) -> Vec<Notification> {
        self.sent()
            .into_iter()
            .filter(|n| n.kind.as_str() == kind)
            .collect()
    }
}

#[async_trait::async_trait]
impl Notify for Recorder {
    async fn enqueue(&self, notification: Notification) -> Result<Enqueued, NotifyError> {
        notification.validate().map_err(NotifyError::Invalid)?;
        let new = self
            .keys
            .lock()
            .map(|mut keys| keys.insert(notification.idempotency_key.clone()))
            .unwrap_or(false);
        if !new {
            return Ok(Enqueued::Duplicate);
        }
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(notification);
        }
        Ok(Enqueued::Queued(format!("recorded-{}", self.sent().len())))
    }
}
