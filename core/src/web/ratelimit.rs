//! Keyed rate limits (governor, GCRA), built from configuration and exposed as warp filters.
//!
//! Each crate declares its limits as a type ([`LimitName`]: an enum with a configuration name
//! and a default quota per variant, e.g. `signin_ip` = 20/min) and the application registers
//! every crate's type at start; configuration overrides a quota by name
//! (`VECHE_RATE_SIGNIN_IP=10/min`). Routes take their limiters at start ([`Limits::get`]): a
//! limit nobody registered, or an override for a name nobody declared, stops the start with a
//! message naming it; there is no limiter that silently lets everything through. Keys are
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

    /// One server's share of this budget when `replicas` servers enforce it each on their own
    /// (governor keeps its cells in memory): the count divided by `replicas`, rounded down so
    /// that the servers together never allow more than the budget, and at least 1 so that no
    /// limit becomes a wall. The period stays. `30/min` over 3 servers is `10/min` each;
    /// `10/min` over 3 is `3/min` each (9 in all); `2/h` over 3 is `1/h` each (3 in all: the
    /// minimum wins over the budget).
    pub fn per_replica(self, replicas: NonZeroU32) -> RateSpec {
        let share = (self.count.get() / replicas.get()).max(1);
        RateSpec {
            count: NonZeroU32::new(share).unwrap_or(NonZeroU32::MIN),
            period: self.period,
        }
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
    spec: RateSpec,
    inner: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(name: &'static str, spec: RateSpec) -> Limiter {
        Limiter {
            name,
            spec,
            inner: DefaultKeyedRateLimiter::keyed(spec.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one cell for `key`, or answers 429 with the wait in whole seconds.
    pub fn check(&self, key: &str) -> Result<(), Problem> {
        self.check_wait(key).map_err(|wait| {
            Problem::too_many_requests(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
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

/// A crate's rate limits: one type per crate (an enum), one variant per limit.
pub trait LimitName: Copy + Send + Sync + 'static {
    /// Every limit of the type: what registering the type declares.
    const ALL: &'static [Self];
    /// The configuration name (`VECHE_RATE_<NAME>`), snake_case and unique in the application.
    fn name(self) -> &'static str;
    /// The quota when configuration says nothing, as `COUNT/PERIOD`.
    fn default_rate(self) -> &'static str;
}

/// A declared limit, with its type forgotten: what the application collects from its crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    pub name: &'static str,
    pub default_rate: &'static str,
}

/// The declarations of one crate's limit type.
pub fn declare<L: LimitName>() -> Vec<Declared> {
    L::ALL
        .iter()
        .map(|l| Declared {
            name: l.name(),
            default_rate: l.default_rate(),
        })
        .collect()
}

/// Every limiter of the application, by name.
#[derive(Clone, Default)]
pub struct Limits {
    limiters: BTreeMap<&'static str, Arc<Limiter>>,
}

/// A limit a route asked for that no crate registered: a wiring mistake, caught at start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rate limit {name:?} is used but was not declared (register its crate's limits; declared: {known})")]
pub struct UndeclaredLimit {
    pub name: &'static str,
    pub known: String,
}

/// The limits the core crate uses (accounts: sign-in, sign-up, tokens, passwords, emails).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreLimit {
    SigninIp,
    SigninAccount,
    SignupIp,
    TokensAccount,
    PasswordAccount,
    /// Resending the address-confirmation link, per account: each one is an email.
    VerifyResend,
    /// Asking for a password-reset link, per client IP and per (normalised) address: enough
    /// for a resident who lost the first email, too few to flood someone's mailbox.
    ResetIp,
    ResetEmail,
    /// Pictures uploaded through the API, per account: each is decoded and encoded again.
    Upload,
}

impl LimitName for CoreLimit {
    const ALL: &'static [CoreLimit] = &[
        CoreLimit::SigninIp,
        CoreLimit::SigninAccount,
        CoreLimit::SignupIp,
        CoreLimit::TokensAccount,
        CoreLimit::PasswordAccount,
        CoreLimit::VerifyResend,
        CoreLimit::ResetIp,
        CoreLimit::ResetEmail,
        CoreLimit::Upload,
    ];

    fn name(self) -> &'static str {
        match self {
            CoreLimit::SigninIp => "signin_ip",
            CoreLimit::SigninAccount => "signin_account",
            CoreLimit::SignupIp => "signup_ip",
            CoreLimit::TokensAccount => "tokens_account",
            CoreLimit::PasswordAccount => "password_account",
            CoreLimit::VerifyResend => "verify_resend",
            CoreLimit::ResetIp => "reset_ip",
            CoreLimit::ResetEmail => "reset_email",
            CoreLimit::Upload => "upload",
        }
    }

    fn default_rate(self) -> &'static str {
        match self {
            CoreLimit::SigninIp => "20/min",
            CoreLimit::SigninAccount => "10/min",
            CoreLimit::SignupIp => "10/h",
            CoreLimit::TokensAccount => "20/h",
            CoreLimit::PasswordAccount => "10/h",
            CoreLimit::VerifyResend => "5/h",
            CoreLimit::ResetIp => "10/h",
            CoreLimit::ResetEmail => "3/h",
            CoreLimit::Upload => "30/h",
        }
    }
}

impl Limits {
    /// Builds limiters from declared defaults and configured overrides. A name declared twice,
    /// a bad default, or an override for a name nobody declared is refused, so a typo in
    /// configuration is caught at start.
    pub fn build(
        declared: &[Declared],
        overrides: &BTreeMap<String, RateSpec>,
    ) -> Result<Limits, String> {
        Self::build_for_replicas(declared, overrides, NonZeroU32::MIN)
    }

    /// [`Limits::build`] for one of `replicas` servers sharing a store: every budget (default
    /// or override) is this server's share of it ([`RateSpec::per_replica`]).
    pub fn build_for_replicas(
        declared: &[Declared],
        overrides: &BTreeMap<String, RateSpec>,
        replicas: NonZeroU32,
    ) -> Result<Limits, String> {
        let mut limiters = BTreeMap::new();
        for d in declared {
            let spec = match overrides.get(d.name) {
                Some(spec) => *spec,
                None => RateSpec::parse(d.default_rate)
                    .map_err(|e| format!("the default of rate limit {:?}: {e}", d.name))?,
            }
            .per_replica(replicas);
            if limiters
                .insert(d.name, Arc::new(Limiter::new(d.name, spec)))
                .is_some()
            {
                return Err(format!("rate limit {:?} is declared twice", d.name));
            }
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

    /// The limiter of `limit`. Called while routes and tasks are built, so an undeclared limit
    /// stops the start instead of going unlimited.
    pub fn get<L: LimitName>(&self, limit: L) -> Result<Arc<Limiter>, UndeclaredLimit> {
        self.limiters
            .get(limit.name())
            .cloned()
            .ok_or_else(|| UndeclaredLimit {
                name: limit.name(),
                known: self.limiters.keys().copied().collect::<Vec<_>>().join(", "),
            })
    }

    /// Takes one cell of `limit` for `key`, or answers 429. A limit nobody declared answers
    /// 500 (and logs): features check theirs at start ([`Limits::require`]), so this is a
    /// wiring mistake, and it fails closed.
    pub fn check<L: LimitName>(&self, limit: L, key: &str) -> Result<(), Problem> {
        match self.limiters.get(limit.name()) {
            Some(l) => l.check(key),
            None => {
                tracing::error!(name = limit.name(), "undeclared rate limit");
                Err(Problem::internal())
            }
        }
    }

    /// [`Limits::check`] keyed by the client's address.
    pub fn check_ip<L: LimitName>(&self, limit: L, ip: IpAddr) -> Result<(), Problem> {
        self.check(limit, &ip.to_string())
    }

    /// Every limit of `L` is declared: what a feature checks at start.
    pub fn require<L: LimitName>(&self) -> Result<(), UndeclaredLimit> {
        L::ALL.iter().try_for_each(|l| self.get(*l).map(drop))
    }

    /// The names and quotas in force, for `--help` and the start log.
    pub fn quotas(&self) -> Vec<(&'static str, RateSpec)> {
        self.limiters.values().map(|l| (l.name, l.spec)).collect()
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

    fn spec(raw: &str) -> RateSpec {
        RateSpec::parse(raw).unwrap()
    }

    fn n(v: u32) -> NonZeroU32 {
        NonZeroU32::new(v).unwrap()
    }

    #[test]
    fn a_budget_is_divided_among_the_replicas_rounded_down_at_least_one() {
        // One server: the budget as configured.
        assert_eq!(spec("30/min").per_replica(n(1)), spec("30/min"));
        // Evenly divided.
        assert_eq!(spec("30/min").per_replica(n(3)), spec("10/min"));
        assert_eq!(spec("600/min").per_replica(n(4)), spec("150/min"));
        // Rounded down: three servers together allow 9, never more than the budget of 10.
        assert_eq!(spec("10/min").per_replica(n(3)), spec("3/min"));
        assert_eq!(spec("20/h").per_replica(n(6)), spec("3/h"));
        // At least one per server, even when the budget is smaller than the replicas.
        assert_eq!(spec("2/h").per_replica(n(3)), spec("1/h"));
        assert_eq!(spec("1/day").per_replica(n(1000)), spec("1/day"));
        // The period stays.
        assert_eq!(
            spec("30/s").per_replica(n(3)).period,
            Duration::from_secs(1)
        );
    }

    #[test]
    fn limits_built_for_replicas_enforce_the_share_of_defaults_and_overrides() {
        let mut overrides = BTreeMap::new();
        overrides.insert("signin_ip".to_string(), spec("30/min"));
        let limits = Limits::build_for_replicas(&declare::<CoreLimit>(), &overrides, n(3)).unwrap();
        let quotas: BTreeMap<_, _> = limits.quotas().into_iter().collect();
        assert_eq!(quotas["signin_ip"], spec("10/min"), "an override divided");
        assert_eq!(
            quotas["signin_account"],
            spec("3/min"),
            "a default (10/min) divided"
        );
        assert_eq!(quotas["reset_email"], spec("1/h"), "3/h over 3");
        // Ten cells of signin_ip, then 429.
        for _ in 0..10 {
            assert!(limits.check(CoreLimit::SigninIp, "k").is_ok());
        }
        assert!(limits.check(CoreLimit::SigninIp, "k").is_err());
        // build is one replica.
        let one = Limits::build(&declare::<CoreLimit>(), &overrides).unwrap();
        let quotas: BTreeMap<_, _> = one.quotas().into_iter().collect();
        assert_eq!(quotas["signin_ip"], spec("30/min"));
    }

    #[test]
    fn unknown_overrides_are_refused() {
        let mut overrides = BTreeMap::new();
        overrides.insert("signin_iq".to_string(), RateSpec::parse("1/s").unwrap());
        let err = Limits::build(&declare::<CoreLimit>(), &overrides)
            .err()
            .unwrap();
        assert!(err.contains("signin_iq"));
        assert!(err.contains("signin_ip"));
    }

    #[derive(Clone, Copy)]
    enum Other {
        Thing,
    }

    impl LimitName for Other {
        const ALL: &'static [Other] = &[Other::Thing];
        fn name(self) -> &'static str {
            "thing"
        }
        fn default_rate(self) -> &'static str {
            "1/min"
        }
    }

    #[test]
    fn a_limit_nobody_registered_is_an_error_not_an_open_door() {
        let limits = Limits::build(&declare::<CoreLimit>(), &BTreeMap::new()).unwrap();
        assert!(limits.get(CoreLimit::SigninIp).is_ok());
        let err = limits.get(Other::Thing).err().unwrap();
        assert_eq!(err.name, "thing");
        assert!(err.to_string().contains("signin_ip"), "{err}");
        assert!(limits.require::<CoreLimit>().is_ok());
        assert_eq!(limits.require::<Other>().err().unwrap().name, "thing");
        // At request time an undeclared limit fails closed.
        let refused = limits.check(Other::Thing, "k").unwrap_err();
        assert_eq!(refused.status, http::StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_name_declared_twice_is_refused() {
        let mut declared = declare::<CoreLimit>();
        declared.push(Declared {
            name: "signin_ip",
            default_rate: "1/s",
        });
        let err = Limits::build(&declared, &BTreeMap::new()).err().unwrap();
        assert!(err.contains("declared twice"), "{err}");
    }

    #[test]
    fn every_core_limit_is_listed_once_with_a_valid_default() {
        let declared = declare::<CoreLimit>();
        let mut names: Vec<&str> = declared.iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CoreLimit::ALL.len());
        for d in &declared {
            assert!(RateSpec::parse(d.default_rate).is_ok(), "{}", d.name);
        }
    }
}
