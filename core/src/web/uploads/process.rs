//! The background work of uploads: each file waiting in the quarantine is claimed, decoded,
//! encoded again without its metadata and thumbnailed ([`super::check_image`]), and settled:
//! kept and served, or dropped when its body does not decode. About 80 ms of one core for a
//! 12-megapixel phone JPEG, which is why no request does it.
//!
//! It runs where background workers run ([`spawn`], from core's own feature's
//! `Running::spawn_work`): in `veche serve` with `VECHE_WORKER=on` (the default) and in each
//! `veche worker`; every worker process runs one loop a core. A claim holds for [`LEASE`]: a
//! worker that dies midway leaves the upload to be claimed again after it; an upload claimed
//! [`MAX_CLAIMS`] times without being settled (a file that kills its worker) is dropped
//! (`failed`) rather than tried forever.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{check_image, Claimed, Processed, UploadStore};
use crate::error::{StoreError, StoreResult};

/// How long a claim holds before another worker may take the upload over.
pub const LEASE: Duration = Duration::from_secs(60);
/// How many claims an upload gets before it is dropped as `failed`.
pub const MAX_CLAIMS: i64 = 3;
/// The longest pause of an idle loop before it looks for uploads again (an upload accepted
/// in the same process wakes it at once).
pub const IDLE: Duration = Duration::from_secs(1);

/// Wakes this process's loops: an upload is waiting.
pub fn wake() {
    waiting().notify_one();
}

fn waiting() -> &'static tokio::sync::Notify {
    static WAITING: std::sync::OnceLock<tokio::sync::Notify> = std::sync::OnceLock::new();
    WAITING.get_or_init(tokio::sync::Notify::new)
}

/// One upload processed by this worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// The upload's id.
    pub hash: String,
    /// Kept (`None`), or dropped and why.
    pub dropped: Option<&'static str>,
    /// Whether its claim still held when it was settled (`false`: another worker had taken
    /// it over, and this result was not recorded).
    pub settled: bool,
}

/// Claims one waiting upload and processes it; `None` when none waits.
pub async fn process_one(store: &dyn UploadStore) -> StoreResult<Option<Done>> {
    let now = crate::clock::now();
    let Some(claimed) = store.claim(now, now + LEASE).await? else {
        return Ok(None);
    };
    let outcome = outcome_of(&claimed).await?;
    let settled = store.settle(&claimed, &outcome).await?;
    let dropped = match outcome {
        Processed::Ready(_) => None,
        Processed::Dropped(reason) => Some(reason),
    };
    if let Some(reason) = dropped {
        tracing::info!(upload = %claimed.hash, reason, settled, "an upload was dropped");
    }
    crate::metrics::UPLOADS_PROCESSED
        .with_label_values(&[if dropped.is_some() {
            "dropped"
        } else {
            "ready"
        }])
        .inc();
    Ok(Some(Done {
        hash: claimed.hash,
        dropped,
        settled,
    }))
}

/// Decodes and encodes the claimed file off the runtime's threads.
async fn outcome_of(claimed: &Claimed) -> StoreResult<Processed> {
    let Some(raw) = claimed.raw.clone() else {
        return Ok(Processed::Dropped("missing"));
    };
    if claimed.claim > MAX_CLAIMS {
        return Ok(Processed::Dropped("failed"));
    }
    match tokio::task::spawn_blocking(move || check_image(&raw)).await {
        Ok(Ok(upload)) => Ok(Processed::Ready(upload)),
        Ok(Err(invalid)) => Ok(Processed::Dropped(invalid.code)),
        // A decoder that panics on this file: the file's fault.
        Err(e) if e.is_panic() => Ok(Processed::Dropped("failed")),
        Err(e) => Err(StoreError::Internal(format!("processing an upload: {e}"))),
    }
}

/// Processes uploads until none waits; how many (tests, and a worker's start).
pub async fn drain(store: &dyn UploadStore) -> StoreResult<Vec<Done>> {
    let mut done = Vec::new();
    while let Some(one) = process_one(store).await? {
        done.push(one);
    }
    Ok(done)
}

/// Starts this process's loops, one a core, until `shutdown`.
pub fn spawn(store: Arc<dyn UploadStore>, shutdown: CancellationToken) {
    let loops = std::thread::available_parallelism().map_or(1, |n| n.get());
    for _ in 0..loops {
        tokio::spawn(run(store.clone(), shutdown.clone()));
    }
}

async fn run(store: Arc<dyn UploadStore>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        match process_one(store.as_ref()).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "processing uploads"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = waiting().notified() => {}
            _ = tokio::time::sleep(IDLE) => {}
        }
    }
}
