//! Configuration: a TOML file, then `VECHE_*` environment variables (and `*_FILE` for
//! secrets), then command-line flags, validated at start with one clear message per bad value.
//!
//! `veche serve --help` documents every setting with its environment variable.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use veche_core::storage::SyncMode;
use veche_core::web::ratelimit::RateSpec;

mod args;
mod load;
mod parse;
mod sections;

pub use args::*;
use parse::*;
use sections::*;

/// The notifier's settings.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// Run the worker inside `veche serve`.
    pub worker: bool,
    /// Where emails go when no SMTP host is set.
    pub dir: PathBuf,
    pub max_attempts: u32,
    pub backoff: Duration,
    pub backoff_max: Duration,
    pub lease: Duration,
    pub concurrency: usize,
    pub poll: Duration,
    pub digest_hour: u8,
    pub utc_offset: time::UtcOffset,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            worker: true,
            dir: PathBuf::from("./veche-data/mail"),
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(300),
            concurrency: 8,
            poll: Duration::from_secs(1),
            digest_hour: 8,
            utc_offset: time::UtcOffset::from_hms(3, 0, 0).unwrap_or(time::UtcOffset::UTC),
        }
    }
}

/// Parses `+03:00`, `-05:30`, `+3` or `Z`.
pub fn parse_utc_offset(raw: &str) -> Result<time::UtcOffset, String> {
    let raw = raw.trim();
    let bad = || format!("{raw:?} is not a UTC offset like +03:00");
    if raw == "Z" || raw == "UTC" {
        return Ok(time::UtcOffset::UTC);
    }
    let (sign, rest) = match raw.as_bytes().first() {
        Some(b'+') => (1, &raw[1..]),
        Some(b'-') => (-1, &raw[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    time::UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| bad())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub enum StoreSettings {
    Mongo { uri: Secret },
    Sqlite { dir: PathBuf, sync: SyncMode },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// `None`: no SMTP server configured (email stays queued until one is).
    pub host: Option<String>,
    pub port: u16,
    pub tls: SmtpTls,
    pub credentials: Option<(String, Secret)>,
    pub from: String,
}

/// Validated settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub public_url: url::Url,
    pub store: StoreSettings,
    pub secret_key: Option<[u8; 32]>,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub session_idle: Duration,
    pub session_max: Duration,
    /// How long resolved identities are kept (see `veche_core::accounts::identity`).
    pub identity_ttl: Duration,
    pub shutdown_grace: Duration,
    pub trust_forwarded: bool,
    /// The rate-limit overrides as configured: the deployment-wide budgets.
    pub rates: BTreeMap<String, RateSpec>,
    /// How many servers share the store (`VECHE_REPLICAS`): each divides every rate limit's
    /// budget by it ([`veche_core::web::ratelimit::RateSpec::per_replica`]).
    pub replicas: std::num::NonZeroU32,
    pub metrics_token: Option<Secret>,
    pub smtp: SmtpSettings,
    pub mail: MailSettings,
    pub polls: veche_polls::PollsConfig,
    pub reports: veche_reports::ReportsConfig,
    /// Seed one account of each role (random passwords printed at start) and demo content.
    pub demo: bool,
}

/// The same settings as read from a TOML file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    mongodb_uri: Option<String>,
    secret_key: Option<String>,
    log_format: Option<String>,
    log: Option<String>,
    sqlite_sync: Option<String>,
    session_idle: Option<String>,
    session_max: Option<String>,
    identity_ttl: Option<String>,
    open311_jurisdiction: Option<String>,
    shutdown_grace: Option<String>,
    trust_forwarded: Option<bool>,
    metrics_token: Option<String>,
    replicas: Option<String>,
    #[serde(default)]
    rate: BTreeMap<String, String>,
    #[serde(default)]
    smtp: FileSmtp,
    #[serde(default)]
    mail: FileMail,
    #[serde(default)]
    polls: FilePolls,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePolls {
    max_in_flight: Option<String>,
    seal_grace: Option<String>,
    tick: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMail {
    worker: Option<String>,
    dir: Option<PathBuf>,
    max_attempts: Option<String>,
    backoff: Option<String>,
    backoff_max: Option<String>,
    lease: Option<String>,
    concurrency: Option<String>,
    poll: Option<String>,
    digest_hour: Option<String>,
    utc_offset: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSmtp {
    host: Option<String>,
    port: Option<u16>,
    tls: Option<String>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
}

/// Every problem found, one line each, naming the setting.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "the configuration has {} problem(s):", self.0.len())?;
        for line in &self.0 {
            writeln!(f, "  - {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests;
