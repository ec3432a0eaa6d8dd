//! The polls' use cases: officials create, schedule, close and publish polls; residents vote;
//! sealing computes the root at close; recount repairs counters from the ballots.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use time::OffsetDateTime;
use veche_core::accounts::model::Account;
use veche_core::clock;
use veche_core::id::AccountId;
use veche_core::platform::Platform;
use veche_core::web::i18n::Lang;
use veche_core::web::problem::Problem;
use veche_core::web::ratelimit::Limits;
use veche_core::StoreError;

use crate::model::{
    hex, Ballot, BallotId, Phase, PointsEntry, Poll, PollId, PollQuery, Receipt, SealSummary,
    Status,
};
use crate::rules::{self, BadBallot, BallotInput, Ineligible, PollInput, Refused};
use crate::store::{Cast, PollStore, Seal};
use crate::tally::Counters;
use crate::verify::{self, Entry, Step, BLOCK};

mod lifecycle;
mod reading;
mod sealing;
mod voting;

pub use lifecycle::*;
pub use reading::*;
pub use sealing::*;
pub use voting::*;

/// The polls' settings.
#[derive(Clone, Debug)]
pub struct PollsConfig {
    /// Past this many ballots being handled at once, new ones are answered 503 at once.
    pub max_in_flight: usize,
    /// How long after closing a poll is sealed (ballots sent just before the close finish).
    pub seal_grace: Duration,
    /// How long a poll read for voting is reused before it is read again.
    pub cache_ttl: Duration,
    /// How often the scheduler looks for polls to announce, seal and tell about.
    pub tick: Duration,
}

impl Default for PollsConfig {
    fn default() -> Self {
        PollsConfig {
            max_in_flight: 4096,
            seal_grace: Duration::from_secs(60),
            cache_ttl: Duration::from_secs(1),
            tick: Duration::from_secs(15),
        }
    }
}

/// Counts read for a poll: when, and at which version of the poll.
type CachedCounts = (Arc<Counters>, Instant, u64);

/// Which rendering of a poll's results: the poll, its status, the language and the format.
pub type RenderKey = (PollId, Status, Lang, &'static str);

/// A results document rendered from one read of the counts, reused while the counts and the
/// poll are the same (a spike of readers then costs one rendering a second, not one each).
struct Rendered {
    counts: Arc<Counters>,
    version: u64,
    at: Instant,
    body: Bytes,
}

/// The polls feature's state in a running Veche.
pub struct Polls {
    /// Private to the crate: pages and the API go through the use cases below.
    pub(crate) store: Arc<dyn PollStore>,
    pub config: PollsConfig,
    cache: RwLock<HashMap<PollId, (Arc<Poll>, Instant)>>,
    /// The polls whose copy one request is reading again (see [`Polls::cached`]).
    refreshing: Mutex<HashSet<PollId>>,
    results: RwLock<HashMap<PollId, CachedCounts>>,
    rendered: RwLock<HashMap<RenderKey, Rendered>>,
    in_flight: AtomicUsize,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input: {0:?}")]
    Invalid(Refused),
    /// A change the poll's state does not allow (`code` says which).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("not eligible: {0:?}")]
    Ineligible(Ineligible),
    #[error("bad ballot: {0:?}")]
    BadBallot(BadBallot),
    #[error("already voted")]
    AlreadyVoted(Box<Ballot>),
    #[error("overloaded")]
    Overloaded,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type PollResult<T> = Result<T, PollError>;

/// Held while a ballot is handled; counts it in flight.
pub struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Polls {
    pub fn new(store: Arc<dyn PollStore>, config: PollsConfig) -> Polls {
        Polls {
            store,
            config,
            cache: RwLock::new(HashMap::new()),
            refreshing: Mutex::new(HashSet::new()),
            results: RwLock::new(HashMap::new()),
            rendered: RwLock::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Admits one more ballot, or refuses at once when too many are being handled (load
    /// shedding: a quick 503 with `Retry-After` beats a queue that ends in timeouts).
    pub fn admit(&self) -> PollResult<InFlight<'_>> {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(&self.in_flight);
        if before >= self.config.max_in_flight {
            crate::metrics::SHED.inc();
            return Err(PollError::Overloaded);
        }
        Ok(guard)
    }

    /// Admits a resident's ballot, the same for the page and the API: shed at once when too
    /// many are in flight, then one cell of the per-IP and of the per-account limit. The guard
    /// is held until the answer is built.
    pub fn admit_ballot(
        &self,
        limits: &Limits,
        ip: IpAddr,
        account: &AccountId,
    ) -> Result<InFlight<'_>, Problem> {
        let guard = self.admit().map_err(PollError::problem)?;
        limits.check_ip(crate::PollsLimit::BallotIp, ip)?;
        limits.check(crate::PollsLimit::BallotAccount, account.as_str())?;
        Ok(guard)
    }

    /// The polls store itself, for tests that inspect or damage what is stored.
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Arc<dyn PollStore> {
        &self.store
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// The poll, from a cache at most `cache_ttl` old (voting reads it on every ballot). When
    /// the copy is due, one request reads the poll again while the others go on with the copy
    /// (older than `cache_ttl` by at most that one read): a spike of ballots costs one read a
    /// `cache_ttl`, not one per request that arrives during the read.
    pub async fn cached(&self, id: &PollId) -> PollResult<Arc<Poll>> {
        let kept = match self.cache.read() {
            Ok(cache) => cache.get(id).cloned(),
            Err(poisoned) => poisoned.into_inner().get(id).cloned(),
        };
        let Some((poll, at)) = kept else {
            return self.refresh(id).await;
        };
        if at.elapsed() < self.config.cache_ttl {
            return Ok(poll);
        }
        match Refreshing::start(&self.refreshing, id) {
            Some(_reading) => self.refresh(id).await,
            None => Ok(poll),
        }
    }

    async fn refresh(&self, id: &PollId) -> PollResult<Arc<Poll>> {
        let poll = Arc::new(self.store.poll(id).await?.ok_or(PollError::NotFound)?);
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(id.clone(), (poll.clone(), Instant::now()));
        }
        Ok(poll)
    }

    fn forget(&self, id: &PollId) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(id);
        }
        if let Ok(mut results) = self.results.write() {
            results.remove(id);
        }
        if let Ok(mut rendered) = self.rendered.write() {
            rendered.retain(|key, _| &key.0 != id);
        }
    }

    /// The results rendered by `render` from `counts` of `poll`, or the same rendering made
    /// earlier from the very same counts and poll version, at most `cache_ttl` ago (district
    /// names can change under a sealed poll's counts).
    pub fn rendered<E>(
        &self,
        key: RenderKey,
        poll: &Poll,
        counts: &Arc<Counters>,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Ok(rendered) = self.rendered.read() {
            if let Some(r) = rendered.get(&key) {
                if Arc::ptr_eq(&r.counts, counts)
                    && r.version == poll.version
                    && r.at.elapsed() < self.config.cache_ttl
                {
                    return Ok(r.body.clone());
                }
            }
        }
        let body = render()?;
        if let Ok(mut rendered) = self.rendered.write() {
            if rendered.len() > 10_000 {
                rendered.clear();
            }
            rendered.insert(
                key,
                Rendered {
                    counts: counts.clone(),
                    version: poll.version,
                    at: Instant::now(),
                    body: body.clone(),
                },
            );
        }
        Ok(body)
    }

    /// The counts to show: a sealed poll's final counts (kept), or the live counters read at
    /// most once a second per poll.
    pub async fn counts(&self, poll: &Poll) -> PollResult<Arc<Counters>> {
        let sealed = poll.seal.is_some();
        if let Ok(results) = self.results.read() {
            if let Some((counts, at, version)) = results.get(&poll.id) {
                if *version == poll.version && (sealed || at.elapsed() < self.config.cache_ttl) {
                    return Ok(counts.clone());
                }
            }
        }
        let counts = Arc::new(if sealed {
            self.store
                .seal(&poll.id)
                .await?
                .map(|s| s.counters)
                .ok_or_else(|| StoreError::Internal(format!("poll {} has no seal", poll.id)))?
        } else {
            self.store.counters(&poll.id).await?
        });
        if let Ok(mut results) = self.results.write() {
            if results.len() > 10_000 {
                results.clear();
            }
            results.insert(
                poll.id.clone(),
                (counts.clone(), Instant::now(), poll.version),
            );
        }
        Ok(counts)
    }
}

impl PollError {
    /// The problem document for this error (API) — pages show the same title and detail.
    pub fn problem(self) -> veche_core::web::problem::Problem {
        use http::StatusCode;
        use veche_core::web::problem::Problem;
        match self {
            PollError::NotFound => Problem::not_found(),
            PollError::Forbidden => Problem::forbidden(),
            PollError::Invalid(refused) => {
                let mut p = Problem::invalid(refused.invalid);
                if let Some(at) = refused.at {
                    p = p.with("at", at);
                }
                p
            }
            PollError::Conflict(code) => Problem::conflict(code),
            PollError::Ineligible(why) => Problem::new(StatusCode::FORBIDDEN, why.code()),
            PollError::BadBallot(bad) => {
                let mut p = Problem::unprocessable(bad.code);
                if let Some(q) = bad.question {
                    p = p.with("question", q);
                }
                p
            }
            PollError::AlreadyVoted(first) => Problem::conflict("already_voted")
                .with("receipt", first.receipt.to_string())
                .with("ballot_id", first.id.to_string()),
            PollError::Overloaded => {
                let mut p = Problem::unavailable(1);
                p.code = "overloaded";
                p
            }
            PollError::Store(e) => e.into(),
        }
    }
}

/// A poll being read again for the cache, by the request that holds this; the mark goes when
/// it is dropped, also when that request goes away halfway.
struct Refreshing<'a> {
    set: &'a Mutex<HashSet<PollId>>,
    id: PollId,
}

impl<'a> Refreshing<'a> {
    /// Marks `id` as being read again, unless another request is at it.
    fn start(set: &'a Mutex<HashSet<PollId>>, id: &PollId) -> Option<Refreshing<'a>> {
        let mut marked = match set.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        marked.insert(id.clone()).then(|| Refreshing {
            set,
            id: id.clone(),
        })
    }
}

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        let mut marked = match self.set.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        marked.remove(&self.id);
    }
}
