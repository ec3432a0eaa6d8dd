//! The delivery worker.
//!
//! A round claims a batch of due jobs with a lease (a job whose worker dies becomes claimable
//! again when the lease ends), handles them concurrently, and records each outcome under its
//! lease. Handling a job: a digest is assembled; an address that bounced is skipped; an optional
//! kind follows the resident's preference (off → skipped, digest → held for the day's digest);
//! the per-recipient rate limit defers a flood; then the email is rendered and sent. A transient
//! failure is retried with exponential backoff and jitter; after `max_attempts`, or at a
//! permanent refusal, the job is dead-lettered (and a permanently refused address suppressed).
//!
//! SMTP has no exactly-once: between the server's `250` and the outbox recording "sent" lies a
//! window in which a crash makes the job be sent again after its lease ends. The outcome is
//! recorded the moment the server answers (one store write, measured by
//! `veche_mail_unrecorded_seconds`), and every attempt of a job carries the same `Message-ID`,
//! so a receiving system that deduplicates by it shows the email once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use rand::Rng;
use time::{OffsetDateTime, UtcOffset};
use tokio_util::sync::CancellationToken;
use veche_core::clock;
use veche_core::notify::Kind;
use veche_core::storage::as_i64;
use veche_core::web::ratelimit::Limiter;
use veche_core::{Platform, StoreResult};

use crate::mailer::{Mailer, SendError};
use crate::metrics;
use crate::model::{Delivery, Job, JobId, JobState, Outcome, Suppression, DIGEST_KIND};
use crate::outbox::Outbox;
use crate::prefs;
use crate::render::{self, Frame, Rendered};

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Attempts before a job is dead-lettered.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each next one, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claimed job stays the worker's. Far longer than a send may take (the SMTP
    /// timeout), so that only a dead worker's jobs are taken over.
    pub lease: Duration,
    /// Jobs claimed per round.
    pub batch: usize,
    /// Emails sent at once (and SMTP connections kept).
    pub concurrency: usize,
    /// The longest wait between rounds when idle (an enqueue in this process wakes it sooner).
    pub poll: Duration,
    /// The local hour after which the previous day's digest goes out.
    pub digest_hour: u8,
    /// The platform's local time (Moscow: +03:00), for digest days.
    pub utc_offset: UtcOffset,
    /// Finished jobs are forgotten after this long.
    pub keep_finished: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_attempts: 8,
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(300),
            batch: 64,
            concurrency: 8,
            poll: Duration::from_secs(1),
            digest_hour: 8,
            utc_offset: UtcOffset::from_hms(3, 0, 0).unwrap_or(UtcOffset::UTC),
            keep_finished: Duration::from_secs(30 * 86_400),
        }
    }
}

pub struct Worker {
    platform: Arc<Platform>,
    outbox: Arc<Outbox>,
    mailer: Arc<Mailer>,
    config: WorkerConfig,
    limiter: Arc<Limiter>,
    /// The domain of `Message-ID`s.
    host: String,
    backend: &'static str,
}

impl Worker {
    pub fn new(
        platform: Arc<Platform>,
        outbox: Arc<Outbox>,
        mailer: Arc<Mailer>,
        config: WorkerConfig,
    ) -> Result<Worker, veche_core::web::ratelimit::UndeclaredLimit> {
        let host = platform
            .config
            .public_url
            .host_str()
            .unwrap_or("veche.invalid")
            .to_string();
        Ok(Worker {
            limiter: platform.limits.get(crate::NotifierLimit::MailRecipient)?,
            backend: platform.backend.name(),
            platform,
            outbox,
            mailer,
            config,
            host,
        })
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Runs until `shutdown`: rounds while there is work, a wait (woken by enqueues in this
    /// process) when there is none, the digests and the clean-up every minute. A round under
    /// way when shutdown comes is finished, so no claimed job is left to its lease.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        tracing::info!(transport = self.mailer.describe(), "mail worker started");
        let wake = self.outbox.waker();
        let mut last_chores: Option<Instant> = None;
        let mut last_depth: Option<Instant> = None;
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            if last_chores.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                last_chores = Some(Instant::now());
                self.chores().await;
            }
            if last_depth.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
                last_depth = Some(Instant::now());
                self.refresh_depth().await;
            }
            let handled = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "mail worker round");
                    0
                }
            };
            if handled < self.config.batch {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(self.config.poll) => {}
                }
            }
        }
        tracing::info!("mail worker stopped");
    }

    async fn chores(&self) {
        let now = clock::now();
        if let Err(e) = self.schedule_digests(now).await {
            tracing::warn!(error = %e, "scheduling digests");
        }
        match self
            .outbox
            .store
            .purge(now - self.config.keep_finished)
            .await
        {
            Ok(n) if n > 0 => tracing::info!(removed = n, "finished mail jobs forgotten"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging the outbox"),
        }
    }

    async fn refresh_depth(&self) {
        if let Ok(counts) = self.outbox.store.counts().await {
            for (state, n) in counts {
                metrics::QUEUE_DEPTH
                    .with_label_values(&[state.as_str()])
                    .set(as_i64(n));
            }
        }
    }

    /// One round: claims up to a batch of due jobs and handles them. Returns how many.
    pub async fn round(&self) -> StoreResult<usize> {
        let lease = ulid::Ulid::new().to_string();
        let now = clock::now();
        let jobs = self
            .outbox
            .store
            .claim(&lease, now, now + self.config.lease, self.config.batch)
            .await?;
        let count = jobs.len();
        futures::stream::iter(jobs)
            .for_each_concurrent(self.config.concurrency.max(1), |job| {
                let lease = lease.clone();
                async move { self.handle(job, &lease).await }
            })
            .await;
        Ok(count)
    }

    /// Rounds until none finds a due job (tests and the benchmark use this).
    pub async fn drain(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            let n = self.round().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    async fn handle(&self, job: Job, lease: &str) {
        let kind = job.kind.to_string();
        let (outcome, sent_at) = self.attempt(&job).await;
        let label = match &outcome {
            Outcome::Sent { .. } => "sent",
            Outcome::Retry { .. } => "retried",
            Outcome::Defer { .. } => "deferred",
            Outcome::Dead { .. } => "dead",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Held { .. } => "held",
        };
        match &outcome {
            Outcome::Retry { error, next_at } => tracing::info!(
                job = %job.id, kind, attempt = job.attempts, %error, retry_at = %next_at, "mail will be retried"
            ),
            Outcome::Dead { error } => tracing::warn!(
                job = %job.id, kind, attempts = job.attempts, %error, "mail dead-lettered"
            ),
            Outcome::Sent { .. } => tracing::debug!(job = %job.id, kind, "mail sent"),
            _ => tracing::debug!(job = %job.id, kind, outcome = label, "mail handled"),
        }
        let recorded = self
            .outbox
            .store
            .finish(&job.id, lease, &outcome, clock::now())
            .await;
        if let Some(sent_at) = sent_at {
            metrics::UNRECORDED
                .with_label_values(&[self.backend])
                .observe(sent_at.elapsed().as_secs_f64());
        }
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = %job.id, "the lease ran out before the outcome was recorded")
            }
            Err(e) => tracing::error!(job = %job.id, error = %e, "recording a mail outcome"),
        }
        metrics::OUTCOMES.with_label_values(&[&kind, label]).inc();
    }

    /// Decides and, when it comes to that, sends. Returns the outcome and, for a sent email,
    /// the moment the server accepted it.
    async fn attempt(&self, job: &Job) -> (Outcome, Option<Instant>) {
        match self.prepare(job).await {
            Ok(Prepared::Send { message, essential }) => self.send(job, message, essential).await,
            Ok(Prepared::Done(outcome)) => (outcome, None),
            Err(e) => (self.retry_or_dead(job, format!("store: {e}")), None),
        }
    }

    async fn prepare(&self, job: &Job) -> StoreResult<Prepared> {
        let store = &self.outbox.store;
        if store.suppression(&job.recipient.email).await?.is_some() {
            return Ok(Prepared::Done(Outcome::Skipped {
                reason: "the address bounced".into(),
            }));
        }
        if job.is_digest() {
            return self.prepare_digest(job).await;
        }
        let Some(spec) = self.outbox.kind(job.kind.as_str()) else {
            return Ok(Prepared::Done(Outcome::Dead {
                error: format!("unknown kind {}", job.kind),
            }));
        };
        let mut unsubscribe = None;
        if !spec.essential {
            if let Some(account) = &job.recipient.account_id {
                let stored = store.preferences(account).await?;
                match prefs::delivery(&spec, &stored) {
                    Delivery::Off => {
                        return Ok(Prepared::Done(Outcome::Skipped {
                            reason: "switched off by the resident".into(),
                        }))
                    }
                    Delivery::Digest => {
                        return Ok(Prepared::Done(Outcome::Held {
                            day: self.local_day(job.created_at),
                        }))
                    }
                    Delivery::Immediately => {}
                }
                unsubscribe = Some(prefs::unsubscribe_path(
                    &self.platform.secret,
                    account,
                    spec.name,
                ));
            }
        }
        if let Err(wait) = self.limiter.check_wait(job.recipient.email.as_str()) {
            return Ok(Prepared::Done(Outcome::Defer {
                next_at: clock::now() + wait.max(Duration::from_secs(1)),
            }));
        }
        let frame = self.frame(unsubscribe.as_deref());
        let rendered = render::single(&frame, job);
        Ok(self.prepared(job, &frame, rendered, spec.essential))
    }

    async fn prepare_digest(&self, job: &Job) -> StoreResult<Prepared> {
        let (Some(account), Some(day)) = (&job.recipient.account_id, job.data.get("day")) else {
            return Ok(Prepared::Done(Outcome::Dead {
                error: "a digest without account or day".into(),
            }));
        };
        let store = &self.outbox.store;
        store.attach_held(account, day, &job.id).await?;
        let items = store.attached(&job.id).await?;
        if items.is_empty() {
            return Ok(Prepared::Done(Outcome::Skipped {
                reason: "nothing to send".into(),
            }));
        }
        let path = prefs::unsubscribe_path(&self.platform.secret, account, DIGEST_KIND);
        let frame = self.frame(Some(&path));
        let rendered = render::digest(&frame, job, &items);
        Ok(self.prepared(job, &frame, rendered, false))
    }

    /// The job's email ready to send, or dead when it could not be rendered or built.
    fn prepared(
        &self,
        job: &Job,
        frame: &Frame<'_>,
        rendered: Result<Rendered, String>,
        essential: bool,
    ) -> Prepared {
        let built = rendered.and_then(|r| self.message(job, r, frame.unsubscribe.as_deref()));
        match built {
            Ok(message) => Prepared::Send {
                message: Box::new(message),
                essential,
            },
            Err(error) => Prepared::Done(Outcome::Dead { error }),
        }
    }

    fn frame(&self, unsubscribe_path: Option<&str>) -> Frame<'_> {
        let base = &self.platform.config.public_url;
        Frame {
            catalog: &self.platform.catalog,
            base,
            unsubscribe: unsubscribe_path.map(|p| {
                base.join(p.trim_start_matches('/'))
                    .map(|u| u.to_string())
                    .unwrap_or_default()
            }),
        }
    }

    /// The email as sent: addresses and names encoded by lettre (a CR or LF cannot become a
    /// header), one `Message-ID` per job for every attempt, and for optional kinds the
    /// RFC 8058 one-click unsubscribe headers.
    fn message(
        &self,
        job: &Job,
        rendered: Rendered,
        unsubscribe: Option<&str>,
    ) -> Result<Message, String> {
        let address: Address = job
            .recipient
            .email
            .as_str()
            .parse()
            .map_err(|e| format!("the recipient address is not valid: {e}"))?;
        // Enqueue refuses control characters; a job that reached the store another way gets
        // them removed here as well, before lettre encodes the headers.
        let name = job.recipient.name.as_deref().map(no_controls);
        let to = Mailbox::new(name, address);
        let mut builder = Message::builder()
            .from(self.mailer.from().clone())
            .to(to)
            .subject(no_controls(&rendered.subject))
            .message_id(Some(format!("<{}@{}>", job.id, self.host)))
            .date_now()
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Veche-Kind"),
                job.kind.to_string(),
            ));
        if let Some(url) = unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| format!("building the message: {e}"))
    }

    async fn send(
        &self,
        job: &Job,
        message: Box<Message>,
        essential: bool,
    ) -> (Outcome, Option<Instant>) {
        let started = Instant::now();
        let result = self.mailer.send(*message).await;
        let elapsed = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                metrics::SEND_LATENCY
                    .with_label_values(&["ok"])
                    .observe(elapsed);
                (
                    Outcome::Sent {
                        at: clock::now(),
                        scrub: essential,
                    },
                    Some(Instant::now()),
                )
            }
            Err(SendError::Permanent(error)) => {
                metrics::SEND_LATENCY
                    .with_label_values(&["permanent"])
                    .observe(elapsed);
                let suppression = Suppression {
                    email: job.recipient.email.clone(),
                    reason: error.clone(),
                    at: clock::now(),
                };
                if let Err(e) = self.outbox.store.suppress(&suppression).await {
                    tracing::error!(error = %e, "suppressing a bounced address");
                }
                (Outcome::Dead { error }, None)
            }
            Err(SendError::Transient(error)) => {
                metrics::SEND_LATENCY
                    .with_label_values(&["transient"])
                    .observe(elapsed);
                (self.retry_or_dead(job, error), None)
            }
        }
    }

    fn retry_or_dead(&self, job: &Job, error: String) -> Outcome {
        if job.attempts >= self.config.max_attempts {
            Outcome::Dead { error }
        } else {
            Outcome::Retry {
                next_at: clock::now() + self.backoff(job.attempts),
                error,
            }
        }
    }

    /// `base · 2^(attempt-1)`, capped, with "equal jitter": a random point in its upper half,
    /// so that jobs failing together do not come back together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .config
            .backoff_base
            .saturating_mul(1_u32 << exp)
            .min(self.config.backoff_max);
        let half = full / 2;
        half + full.mul_f64(rand::thread_rng().gen_range(0.0..0.5))
    }

    /// The local day (`YYYY-MM-DD`) of a moment.
    pub fn local_day(&self, at: OffsetDateTime) -> String {
        at.to_offset(self.config.utc_offset).date().to_string()
    }

    /// The last day whose digest is due at `now`: yesterday once the digest hour has passed,
    /// the day before yesterday until then.
    pub fn due_through(&self, now: OffsetDateTime) -> String {
        let local = now.to_offset(self.config.utc_offset)
            - Duration::from_secs(u64::from(self.config.digest_hour) * 3600);
        (local.date().previous_day().unwrap_or(local.date())).to_string()
    }

    /// Makes the digest jobs due at `now`: one per account with held jobs of days up to
    /// [`Worker::due_through`]. Safe to repeat and to run in several workers at once: a digest's
    /// key is made from the account, the day and its first held job.
    pub async fn schedule_digests(&self, now: OffsetDateTime) -> StoreResult<usize> {
        let day = self.due_through(now);
        let store = &self.outbox.store;
        let held = store.held_through(&day, 10_000).await?;
        let mut first: BTreeMap<String, Job> = BTreeMap::new();
        for job in held {
            if let Some(account) = &job.recipient.account_id {
                first.entry(account.to_string()).or_insert(job);
            }
        }
        let mut made = 0;
        for (account, first_job) in first {
            let key = format!("digest:{account}:{day}:{}", first_job.id);
            let mut digest = Job::from_notification(
                veche_core::notify::Notification {
                    kind: Kind::from_trusted(DIGEST_KIND.into()),
                    recipient: first_job.recipient.clone(),
                    locale: first_job.locale,
                    data: BTreeMap::from([("day".to_string(), day.clone())]),
                    idempotency_key: key.clone(),
                },
                // Due at once (`now` may be a moment given by a test or a catch-up run).
                clock::now(),
            );
            digest.recipient.name = first_job.recipient.name.clone();
            let digest_id: JobId = if store.insert(&digest).await? {
                made += 1;
                digest.id.clone()
            } else {
                match store.job_by_key(&key).await? {
                    Some(existing) if existing.state == JobState::Queued => existing.id,
                    _ => continue,
                }
            };
            if let Some(account_id) = &first_job.recipient.account_id {
                store.attach_held(account_id, &day, &digest_id).await?;
            }
        }
        if made > 0 {
            self.outbox.waker().notify_one();
            tracing::info!(digests = made, day, "daily digests made");
        }
        Ok(made)
    }
}

fn no_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

enum Prepared {
    Send {
        message: Box<Message>,
        essential: bool,
    },
    Done(Outcome),
}
