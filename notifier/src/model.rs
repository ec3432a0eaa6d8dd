//! The outbox's records: jobs (one email each, or one daily digest), delivery preferences and
//! suppressed addresses.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use veche_core::accounts::model::{Email, Invalid};
use veche_core::notify::{Kind, Notification, Recipient};
use veche_core::string_id;
use veche_core::web::i18n::Lang;

string_id!(
    /// An outbox job.
    JobId
);

/// The kind of a digest job (not a feature's kind: the notifier makes these itself).
pub const DIGEST_KIND: &str = "digest";

/// Where a job is in its life.
///
/// ```text
/// queued ──claim──▶ (queued, leased) ──▶ sent
///    ▲                    │  ├──▶ queued again later (transient failure, backoff)
///    │                    │  ├──▶ dead (attempts used up, or a permanent refusal)
///    └── admin retry ─────┘  ├──▶ held (the resident wants this kind in a daily digest)
///                            └──▶ skipped (switched off, or the address bounced)
/// held ──the day's digest is made──▶ digested (sent inside the digest job)
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Sent,
    Dead,
    Held,
    Digested,
    Skipped,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Sent,
        JobState::Dead,
        JobState::Held,
        JobState::Digested,
        JobState::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Sent => "sent",
            JobState::Dead => "dead",
            JobState::Held => "held",
            JobState::Digested => "digested",
            JobState::Skipped => "skipped",
        }
    }

    pub fn parse(raw: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// One email to send (or one digest to assemble and send).
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: JobId,
    /// The idempotency key: unique across the outbox.
    pub key: String,
    pub kind: Kind,
    pub recipient: Recipient,
    pub locale: Lang,
    pub data: BTreeMap<String, String>,
    pub state: JobState,
    /// Delivery attempts started (a claim counts one).
    pub attempts: u32,
    /// Not to be claimed before this moment: the backoff after a failure, or the end of the
    /// lease while a worker holds it.
    pub next_at: OffsetDateTime,
    /// The claim of the worker holding the job, while it does.
    pub lease: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    /// Why the last attempt failed, or why the job was skipped. Never holds the address.
    pub last_error: Option<String>,
    /// For held jobs: the day (`YYYY-MM-DD`, local time) whose digest they belong in.
    pub digest_day: Option<String>,
    /// For digested jobs: the digest job that carries them.
    pub digest_id: Option<JobId>,
}

impl Job {
    pub fn from_notification(n: Notification, now: OffsetDateTime) -> Job {
        Job {
            id: JobId::generate(),
            key: n.idempotency_key,
            kind: n.kind,
            recipient: n.recipient,
            locale: n.locale,
            data: n.data,
            state: JobState::Queued,
            attempts: 0,
            next_at: now,
            lease: None,
            created_at: now,
            updated_at: now,
            sent_at: None,
            last_error: None,
            digest_day: None,
            digest_id: None,
        }
    }

    pub fn is_digest(&self) -> bool {
        self.kind.as_str() == DIGEST_KIND
    }
}

/// How a worker ends its hold on a claimed job.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Delivered. `scrub` drops the template data (links carrying single-use secrets must not
    /// outlive the email in the store).
    Sent {
        at: OffsetDateTime,
        scrub: bool,
    },
    /// A transient failure: try again at `next_at`.
    Retry {
        next_at: OffsetDateTime,
        error: String,
    },
    /// Not tried (the recipient's rate limit): try again at `next_at`; the attempt is given back.
    Defer {
        next_at: OffsetDateTime,
    },
    Dead {
        error: String,
    },
    Skipped {
        reason: String,
    },
    Held {
        day: String,
    },
}

impl Outcome {
    pub fn state(&self) -> JobState {
        match self {
            Outcome::Sent { .. } => JobState::Sent,
            Outcome::Retry { .. } | Outcome::Defer { .. } => JobState::Queued,
            Outcome::Dead { .. } => JobState::Dead,
            Outcome::Skipped { .. } => JobState::Skipped,
            Outcome::Held { .. } => JobState::Held,
        }
    }
}

/// How a resident wants one kind of notification.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Immediately,
    Digest,
    Off,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Immediately, Delivery::Digest, Delivery::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Immediately => "immediately",
            Delivery::Digest => "digest",
            Delivery::Off => "off",
        }
    }

    pub fn parse(raw: &str) -> Result<Delivery, Invalid> {
        Delivery::ALL
            .into_iter()
            .find(|d| d.as_str() == raw)
            .ok_or(Invalid::new("delivery", "invalid_delivery"))
    }
}

/// An address that must not receive email any more (it bounced permanently).
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub email: Email,
    pub reason: String,
    pub at: OffsetDateTime,
}

/// The preferences of one account: kind → delivery (kinds not listed: their default,
/// [`crate::prefs::default_delivery`]: off for an opt-in kind, immediately for the others).
pub type Preferences = BTreeMap<String, Delivery>;
