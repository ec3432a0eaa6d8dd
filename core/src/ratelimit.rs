//! Keyed rate limits (governor, GCRA), built from configuration and exposed as warp filters.
//!
//! Each limiter has a name (`signin_ip`, `signup_ip`, …), a default quota declared by the code
//! that uses it, and an override from configuration (`VECHE_RATE_SIGNIN_IP=10/min`). Keys are
//! client IPs or account ids. Over the limit: 429 with `Retry-After`. Keys not seen for a while
//! are pruned on a timer so memory stays bounded under a spray of addresses.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use tokio_util::sync::CancellationToken;
use warp::Filter;

use crate::web::problem::Problem;
use crate::web::RequestMeta;

/// A quota as configured: `COUNT/PERIOD` with PERIOD one of `s`, `min`, `h`, `day`; the burst
/// equals COUNT (that many at once, then one every PERIOD/COUNT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSpec {
    pub count: NonZeroU32,
    pub period: Duration,
}

impl RateSpec {
    pub fn parse(raw: &str) -> Result<RateSpec, String> {
        let (count, period) = raw
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{raw:?} is not COUNT/PERIOD (e.g. 10/min)"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{raw:?}: the count must be a whole number"))?;
        let count = NonZeroU32::new(count)
            .ok_or_else(|| format!("{raw:?}: the count must be at least 1"))?;
        let period = match period.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            "day" | "d" => Duration::from_secs(86_400),
            other => {
                return Err(format!(
                    "{raw:?}: unknown period {other:?} (use s, min, h or day)"
                ))
            }
        };
        Ok(RateSpec { count, period })
    }

    fn quota(self) -> Quota {
        let per_cell = self.period / self.count.get();
        Quota::with_period(per_cell.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(self.count))
            .allow_burst(self.count)
    }
}

impl std::fmt::Display for RateSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let period = match self.period.as_secs() {
            1 => "s",
            60 => "min",
            3600 => "h",
            _ => "day",
        };
        write!(f, "{}/{}", self.count, period)
    }
}

pub struct Limiter {
    name: &'static str,
    inner: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(name: &'static str, spec: RateSpec) -> Limiter {
        Limiter {
            name,
            inner: DefaultKeyedRateLimiter::keyed(spec.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one cell for `key`, or answers 429 with the wait in whole seconds.
    pub fn check(&self, key: &str) -> Result<(), Problem> {
        match self.inner.check_key(&key.to_string()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                crate::metrics::RATE_LIMITED
                    .with_label_values(&[self.name])
                    .inc();
                let wait = not_until.wait_time_from(self.clock.now());
                Err(Problem::too_many_requests(
                    wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                ))
            }
        }
    }

    /// Like [`Limiter::check`], for background work: how long to wait when over the limit.
    pub fn check_wait(&self, key: &str) -> Result<(), Duration> {
        match self.inner.check_key(&key.to_string()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                crate::metrics::RATE_LIMITED
                    .with_label_values(&[self.name])
                    .inc();
                Err(not_until.wait_time_from(self.clock.now()))
            }
        }
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Problem> {
        self.check(&ip.to_string())
    }

    fn prune(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Every limiter of the application, by name.
#[derive(Clone, Default)]
pub struct Limits {
    limiters: BTreeMap<&'static str, Arc<Limiter>>,
}

/// The limiters the core crate uses, with their defaults.
pub const CORE_LIMITS: &[(&str, &str)] = &[
    ("signin_ip", "20/min"),
    ("signin_account", "10/min"),
    ("signup_ip", "10/h"),
    ("tokens_account", "20/h"),
    ("password_account", "10/h"),
    // Resending the address-confirmation link, per account: each one is an email.
    ("verify_resend", "5/h"),
    // Asking for a password-reset link, per client IP and per (normalised) address: enough for
    // a resident who lost the first email, too few to flood someone's mailbox.
    ("reset_ip", "10/h"),
    ("reset_email", "3/h"),
];

impl Limits {
    /// Builds limiters from declared defaults and configured overrides. An override for a name
    /// nobody declared is refused, so a typo in configuration is caught at start.
    pub fn build(
        declared: &[(&'static str, &'static str)],
        overrides: &BTreeMap<String, RateSpec>,
    ) -> Result<Limits, String> {
        let mut limiters = BTreeMap::new();
        for (name, default) in declared {
            let spec = match overrides.get(*name) {
                Some(spec) => *spec,
                None => RateSpec::parse(default)?,
            };
            limiters.insert(*name, Arc::new(Limiter::new(name, spec)));
        }
        if let Some(unknown) = overrides
            .keys()
            .find(|k| !limiters.contains_key(k.as_str()))
        {
            let known: Vec<&str> = limiters.keys().copied().collect();
            return Err(format!(
                "unknown rate limit {unknown:?}; known limits: {}",
                known.join(", ")
            ));
        }
        Ok(Limits { limiters })
    }

    /// The named limiter. Names are compile-time constants declared in `build`; asking for an
    /// undeclared one is a bug, answered with a limiter that never limits and an error log.
    pub fn get(&self, name: &'static str) -> Arc<Limiter> {
        match self.limiters.get(name) {
            Some(l) => l.clone(),
            None => {
                tracing::error!(name, "undeclared rate limiter");
                Arc::new(Limiter::new(
                    name,
                    RateSpec {
                        count: NonZeroU32::MAX,
                        period: Duration::from_secs(1),
                    },
                ))
            }
        }
    }

    /// Prunes stale keys every minute until `shutdown`.
    pub fn spawn_pruner(&self, shutdown: CancellationToken) {
        let limiters: Vec<Arc<Limiter>> = self.limiters.values().cloned().collect();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tick.tick() => limiters.iter().for_each(|l| l.prune()),
                }
            }
        });
    }
}

/// A filter that takes one cell of `limiter` for the client's IP, rejecting with 429.
pub fn by_ip(limiter: Arc<Limiter>) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    crate::web::meta()
        .and_then(move |meta: RequestMeta| {
            let limiter = limiter.clone();
            async move { limiter.check_ip(meta.client_ip).map_err(Problem::reject) }
        })
        .untuple_one()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_refuse_nonsense() {
        let spec = RateSpec::parse("10/min").unwrap();
        assert_eq!(spec.count.get(), 10);
        assert_eq!(spec.period, Duration::from_secs(60));
        assert_eq!(spec.to_string(), "10/min");
        assert!(RateSpec::parse("0/min").is_err());
        assert!(RateSpec::parse("ten/min").is_err());
        assert!(RateSpec::parse("10/fortnight").is_err());
        assert!(RateSpec::parse("10").is_err());
    }

    #[test]
    fn the_burst_passes_then_the_next_is_refused_with_a_wait() {
        let limiter = Limiter::new("t", RateSpec::parse("3/min").unwrap());
        for _ in 0..3 {
            assert!(limiter.check("k").is_ok());
        }
        let refused = limiter.check("k").unwrap_err();
        assert_eq!(refused.status, http::StatusCode::TOO_MANY_REQUESTS);
        let wait = refused.retry_after.unwrap();
        assert!((1..=20).contains(&wait), "wait {wait}");
        // Other keys are not affected.
        assert!(limiter.check("other").is_ok());
    }

    #[test]
    fn unknown_overrides_are_refused() {
        let mut overrides = BTreeMap::new();
        overrides.insert("signin_iq".to_string(), RateSpec::parse("1/s").unwrap());
        let err = Limits::build(CORE_LIMITS, &overrides).err().unwrap();
        assert!(err.contains("signin_iq"));
        assert!(err.contains("signin_ip"));
    }
}
