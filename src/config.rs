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

/// A secret value (a password, a key, a URI with credentials). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The settings of `veche serve` and the admin tasks, as flags and environment variables.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SettingsArgs {
    /// A TOML file with any of the settings below (keys in snake_case, e.g. `listen`,
    /// `data_dir`, `[rate] signin_ip = "20/min"`, `[smtp] host = "…"`). Flags and environment
    /// variables override it.
    #[arg(long, env = "VECHE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "VECHE_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Folder of the embedded store (used when no MongoDB URI is set). [default: ./veche-data]
    #[arg(long, env = "VECHE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The address people open, used for links in emails; https makes cookies Secure.
    /// [default: http://LISTEN/]
    #[arg(long, env = "VECHE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// MongoDB connection string; when set, Veche stores everything in MongoDB instead of the
    /// embedded SQLite store. The database is the URI's path (default `veche`).
    #[arg(long, env = "MONGODB_URI", value_name = "URI", hide_env_values = true)]
    pub mongodb_uri: Option<String>,
    /// A file holding the MongoDB connection string (for secrets mounted as files).
    #[arg(long, env = "MONGODB_URI_FILE", value_name = "FILE")]
    pub mongodb_uri_file: Option<PathBuf>,
    /// 64 hex characters keying CSRF tokens and signed links. When unset, one is made at first
    /// start and kept in the store, shared by every server of the deployment.
    #[arg(
        long,
        env = "VECHE_SECRET_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// A file holding the secret key.
    #[arg(long, env = "VECHE_SECRET_KEY_FILE", value_name = "FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Log format: `text` or `json`. [default: text]
    #[arg(long, env = "VECHE_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Log filter in tracing's syntax, e.g. `info` or `info,veche_core=debug`. [default: info]
    #[arg(long, env = "VECHE_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// SQLite durability: `normal` (a committed write survives a crash of Veche) or `full`
    /// (also survives a power loss; an fsync per commit batch). [default: normal]
    #[arg(long, env = "VECHE_SQLITE_SYNC", value_name = "MODE")]
    pub sqlite_sync: Option<String>,
    /// A session ends after this long unused, e.g. `14d`, `12h`. [default: 14d]
    #[arg(long, env = "VECHE_SESSION_IDLE", value_name = "DURATION")]
    pub session_idle: Option<String>,
    /// A session ends this long after sign-in, however much it is used. [default: 60d]
    #[arg(long, env = "VECHE_SESSION_MAX", value_name = "DURATION")]
    pub session_max: Option<String>,
    /// How long in-flight requests may take to finish at shutdown. [default: 30s]
    #[arg(long, env = "VECHE_SHUTDOWN_GRACE", value_name = "DURATION")]
    pub shutdown_grace: Option<String>,
    /// Take the client address from the last `X-Forwarded-For` hop (only behind a proxy you
    /// run; otherwise clients could choose their rate-limit key). [default: false]
    #[arg(long, env = "VECHE_TRUST_FORWARDED", value_name = "BOOL")]
    pub trust_forwarded: Option<String>,
    /// Rate-limit overrides, `NAME=COUNT/PERIOD` separated by commas, e.g.
    /// `signin_ip=20/min,signup_ip=10/h`. Each limit can also be set alone as
    /// `VECHE_RATE_<NAME>` (e.g. `VECHE_RATE_SIGNIN_IP=20/min`). Limits: signin_ip,
    /// signin_account, signup_ip, tokens_account, password_account, verify_resend, reset_ip,
    /// reset_email, mail_recipient (emails to one address), unsubscribe_ip.
    #[arg(long, env = "VECHE_RATE", value_name = "LIST")]
    pub rate: Option<String>,
    /// Bearer token required to read /metrics (unset: /metrics is open; keep it internal).
    #[arg(
        long,
        env = "VECHE_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// SMTP server host for outgoing email.
    #[arg(long, env = "VECHE_SMTP_HOST", value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port. [default: 587 for starttls, 465 for tls, 25 for none]
    #[arg(long, env = "VECHE_SMTP_PORT", value_name = "PORT")]
    pub smtp_port: Option<String>,
    /// SMTP transport security: `starttls`, `tls` or `none`. [default: starttls]
    #[arg(long, env = "VECHE_SMTP_TLS", value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// SMTP user name (set together with the password).
    #[arg(long, env = "VECHE_SMTP_USERNAME", value_name = "USER")]
    pub smtp_username: Option<String>,
    /// SMTP password.
    #[arg(
        long,
        env = "VECHE_SMTP_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub smtp_password: Option<String>,
    /// A file holding the SMTP password.
    #[arg(long, env = "VECHE_SMTP_PASSWORD_FILE", value_name = "FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// The sender of Veche's email, e.g. `Вече <noreply@city.example>`. [default: noreply@HOST of the public URL]
    #[arg(long, env = "VECHE_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// Run the email delivery worker inside `veche serve` (`on`), or leave it to separate
    /// `veche worker` processes (`off`). [default: on]
    #[arg(long, env = "VECHE_WORKER", value_name = "on|off")]
    pub worker: Option<String>,
    /// With no SMTP host set, emails are written as .eml files into this folder.
    /// [default: DATA_DIR/mail]
    #[arg(long, env = "VECHE_MAIL_DIR", value_name = "DIR")]
    pub mail_dir: Option<PathBuf>,
    /// Delivery attempts before an email is dead-lettered. [default: 8]
    #[arg(long, env = "VECHE_MAIL_MAX_ATTEMPTS", value_name = "N")]
    pub mail_max_attempts: Option<String>,
    /// The wait after a first failed attempt; doubled after each next one (with jitter).
    /// [default: 30s]
    #[arg(long, env = "VECHE_MAIL_BACKOFF", value_name = "DURATION")]
    pub mail_backoff: Option<String>,
    /// The longest wait between attempts. [default: 1h]
    #[arg(long, env = "VECHE_MAIL_BACKOFF_MAX", value_name = "DURATION")]
    pub mail_backoff_max: Option<String>,
    /// How long a worker holds a claimed email before another may take it over. Keep it well
    /// above the SMTP timeout (60s). [default: 5m]
    #[arg(long, env = "VECHE_MAIL_LEASE", value_name = "DURATION")]
    pub mail_lease: Option<String>,
    /// Emails sent at once, and SMTP connections kept open. [default: 8]
    #[arg(long, env = "VECHE_MAIL_CONCURRENCY", value_name = "N")]
    pub mail_concurrency: Option<String>,
    /// The longest pause of an idle worker before it looks for due emails again. [default: 1s]
    #[arg(long, env = "VECHE_MAIL_POLL", value_name = "DURATION")]
    pub mail_poll: Option<String>,
    /// Local hour (0-23) after which the previous day's digests are sent. [default: 8]
    #[arg(long, env = "VECHE_DIGEST_HOUR", value_name = "HOUR")]
    pub digest_hour: Option<String>,
    /// The platform's local time as an offset from UTC, for digest days. [default: +03:00]
    #[arg(long, env = "VECHE_UTC_OFFSET", value_name = "+HH:MM")]
    pub utc_offset: Option<String>,
    /// Ballots handled at once before new ones are refused with 503 and Retry-After (load
    /// shedding instead of queueing into timeouts). [default: 4096]
    #[arg(long, env = "VECHE_POLLS_MAX_IN_FLIGHT", value_name = "N")]
    pub polls_max_in_flight: Option<String>,
    /// How long after a poll closes it is sealed (ballots sent just before the close still
    /// count). [default: 60s]
    #[arg(long, env = "VECHE_POLLS_SEAL_GRACE", value_name = "DURATION")]
    pub polls_seal_grace: Option<String>,
    /// How often polls are checked for opening, sealing and announcements. [default: 15s]
    #[arg(long, env = "VECHE_POLLS_TICK", value_name = "DURATION")]
    pub polls_tick: Option<String>,
}

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
    pub shutdown_grace: Duration,
    pub trust_forwarded: bool,
    pub rates: BTreeMap<String, RateSpec>,
    pub metrics_token: Option<Secret>,
    pub smtp: SmtpSettings,
    pub mail: MailSettings,
    pub polls: veche_polls::PollsConfig,
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
    shutdown_grace: Option<String>,
    trust_forwarded: Option<bool>,
    metrics_token: Option<String>,
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

/// Parses `30s`, `15m`/`15min`, `12h`, `14d` (a bare number is seconds).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration like 30s, 15m, 12h or 14d"))?;
    let seconds = match unit.trim() {
        "" | "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "{raw:?} is not a duration like 30s, 15m, 12h or 14d"
            ))
        }
    };
    Ok(Duration::from_secs(seconds))
}

fn read_secret_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A flag (or its environment variable) wins over the file.
fn pick(arg: &Option<String>, file: &Option<String>) -> Option<String> {
    arg.clone().or_else(|| file.clone())
}

/// A secret given as a flag, else read from the file named by `path` (its flag is
/// `path_setting`), else from the configuration file.
fn secret_setting(
    errors: &mut Vec<String>,
    path_setting: &str,
    arg: &Option<String>,
    path: &Option<PathBuf>,
    file: &Option<String>,
) -> Option<String> {
    match (arg, path) {
        (Some(value), _) => Some(value.clone()),
        (None, Some(path)) => read_secret_file(path)
            .map_err(|e| errors.push(format!("{path_setting}: {e}")))
            .ok(),
        (None, None) => file.clone(),
    }
}

/// A setting's value: `default` when it is unset, and when `parse` refuses it, which is an
/// error naming the setting (the load then fails, so that `default` is never used).
fn setting<T>(
    errors: &mut Vec<String>,
    name: &str,
    raw: Option<String>,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> T {
    match raw {
        None => default,
        Some(raw) => parse(&raw).unwrap_or_else(|e| {
            errors.push(format!("{name}: {e}"));
            default
        }),
    }
}

/// One of a few words, each option listing the words that choose it; `expected` says which
/// for a word not listed.
fn one_of<'a, T: Copy>(
    options: &'a [(&[&str], T)],
    expected: &'a str,
) -> impl FnOnce(&str) -> Result<T, String> + 'a {
    move |raw| match options.iter().find(|(words, _)| words.contains(&raw)) {
        Some((_, value)) => Ok(*value),
        None => Err(format!("{raw:?} is not {expected}")),
    }
}

/// A whole number in `min..=max`.
fn whole_number(min: u64, max: u64) -> impl FnOnce(&str) -> Result<u64, String> {
    move |raw| match raw.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{raw:?} is not a whole number from {min} to {max}")),
    }
}

/// A duration that may be in `ms` (tests use sub-second waits), zero only when `zero_ok`;
/// `examples` end the message for a bad one.
fn short_duration(
    zero_ok: bool,
    examples: &str,
) -> impl FnOnce(&str) -> Result<Duration, String> + '_ {
    move |raw| match parse_short_duration(raw) {
        Some(v) if zero_ok || !v.is_zero() => Ok(v),
        _ => Err(format!("{raw:?} is not a duration like {examples}")),
    }
}

impl Settings {
    /// Validates flags and environment (already merged by clap) over the optional file.
    /// `env` is the process environment, for the `VECHE_RATE_<NAME>` variables.
    pub fn load(
        args: &SettingsArgs,
        demo: bool,
        env: &BTreeMap<String, String>,
    ) -> Result<Settings, ConfigErrors> {
        let mut errors = Vec::new();
        let file = match &args.config {
            None => FileSettings::default(),
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
                    errors.push(format!("VECHE_CONFIG {}: {e}", path.display()));
                    FileSettings::default()
                }),
                Err(e) => {
                    errors.push(format!("VECHE_CONFIG: cannot read {}: {e}", path.display()));
                    FileSettings::default()
                }
            },
        };

        let listen_raw =
            pick(&args.listen, &file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_raw.parse::<SocketAddr>().unwrap_or_else(|_| {
            errors.push(format!(
                "VECHE_LISTEN: {listen_raw:?} is not an address like 127.0.0.1:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });

        let public_raw =
            pick(&args.public_url, &file.public_url).unwrap_or_else(|| format!("http://{listen}/"));
        let public_url = match url::Url::parse(&public_raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => u,
            _ => {
                errors.push(format!(
                    "VECHE_PUBLIC_URL: {public_raw:?} is not an http(s) URL"
                ));
                url::Url::parse("http://127.0.0.1:8080/").unwrap_or_else(|_| unreachable!())
            }
        };

        let mongodb_uri = secret_setting(
            &mut errors,
            "MONGODB_URI_FILE",
            &args.mongodb_uri,
            &args.mongodb_uri_file,
            &file.mongodb_uri,
        )
        .filter(|u| !u.trim().is_empty());
        let sync = setting(
            &mut errors,
            "VECHE_SQLITE_SYNC",
            pick(&args.sqlite_sync, &file.sqlite_sync),
            SyncMode::Normal,
            one_of(
                &[(&["normal"], SyncMode::Normal), (&["full"], SyncMode::Full)],
                "normal or full",
            ),
        );
        let store = match mongodb_uri {
            Some(uri) => {
                if !(uri.starts_with("mongodb://") || uri.starts_with("mongodb+srv://")) {
                    errors.push("MONGODB_URI: must start with mongodb:// or mongodb+srv://".into());
                }
                StoreSettings::Mongo {
                    uri: Secret::new(uri),
                }
            }
            None => StoreSettings::Sqlite {
                dir: args
                    .data_dir
                    .clone()
                    .or(file.data_dir.clone())
                    .unwrap_or_else(|| PathBuf::from("./veche-data")),
                sync,
            },
        };

        let secret_raw = secret_setting(
            &mut errors,
            "VECHE_SECRET_KEY_FILE",
            &args.secret_key,
            &args.secret_key_file,
            &file.secret_key,
        );
        let secret_key = secret_raw.and_then(|raw| match parse_key(&raw) {
            Some(key) => Some(key),
            None => {
                errors.push("VECHE_SECRET_KEY: must be 64 hex characters (32 bytes)".into());
                None
            }
        });

        let log_format = setting(
            &mut errors,
            "VECHE_LOG_FORMAT",
            pick(&args.log_format, &file.log_format),
            LogFormat::Text,
            one_of(
                &[(&["text"], LogFormat::Text), (&["json"], LogFormat::Json)],
                "text or json",
            ),
        );
        let log_filter = pick(&args.log, &file.log).unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            errors.push(format!("VECHE_LOG: {log_filter:?} is not a log filter"));
        }

        let session_idle = setting(
            &mut errors,
            "VECHE_SESSION_IDLE",
            pick(&args.session_idle, &file.session_idle),
            Duration::from_secs(14 * 86_400),
            parse_duration,
        );
        let session_max = setting(
            &mut errors,
            "VECHE_SESSION_MAX",
            pick(&args.session_max, &file.session_max),
            Duration::from_secs(60 * 86_400),
            parse_duration,
        );
        let shutdown_grace = setting(
            &mut errors,
            "VECHE_SHUTDOWN_GRACE",
            pick(&args.shutdown_grace, &file.shutdown_grace),
            Duration::from_secs(30),
            parse_duration,
        );
        if session_idle.is_zero() || session_max < session_idle {
            errors.push("VECHE_SESSION_IDLE / VECHE_SESSION_MAX: need 0 < idle <= max".into());
        }

        // A bad value fails the load, so the fallback only matters when there is none.
        let trust_forwarded = setting(
            &mut errors,
            "VECHE_TRUST_FORWARDED",
            args.trust_forwarded.clone(),
            file.trust_forwarded.unwrap_or(false),
            one_of(
                &[
                    (&["true", "1", "yes"], true),
                    (&["false", "0", "no"], false),
                ],
                "true or false",
            ),
        );

        let mut rate_entries: Vec<(String, String, String)> = file
            .rate
            .iter()
            .map(|(k, v)| (format!("[rate] {k}"), k.clone(), v.clone()))
            .collect();
        if let Some(list) = &args.rate {
            for item in list.split(',').filter(|s| !s.trim().is_empty()) {
                match item.split_once('=') {
                    Some((k, v)) => rate_entries.push((
                        "VECHE_RATE".into(),
                        k.trim().to_string(),
                        v.to_string(),
                    )),
                    None => errors.push(format!("VECHE_RATE: {item:?} is not NAME=COUNT/PERIOD")),
                }
            }
        }
        for (key, value) in env {
            if let Some(name) = key.strip_prefix("VECHE_RATE_") {
                rate_entries.push((key.clone(), name.to_ascii_lowercase(), value.clone()));
            }
        }
        let mut rates = BTreeMap::new();
        for (source, name, value) in rate_entries {
            match RateSpec::parse(&value) {
                Ok(spec) => {
                    rates.insert(name, spec);
                }
                Err(e) => errors.push(format!("{source}: {e}")),
            }
        }

        let metrics_token = pick(&args.metrics_token, &file.metrics_token).map(Secret::new);
        let smtp = smtp_settings(args, &file.smtp, &public_url, &mut errors);
        let mail = mail_settings(args, &file.mail, &store, &mut errors);
        let polls = polls_settings(args, &file.polls, &mut errors);

        if errors.is_empty() {
            Ok(Settings {
                listen,
                public_url,
                store,
                secret_key,
                log_format,
                log_filter,
                session_idle,
                session_max,
                shutdown_grace,
                trust_forwarded,
                rates,
                metrics_token,
                smtp,
                mail,
                polls,
                demo,
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// Settings for tests: port 0, the embedded store in `dir`, fast shutdown.
    pub fn for_tests(dir: &Path) -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: url::Url::parse("http://127.0.0.1/").unwrap_or_else(|_| unreachable!()),
            store: StoreSettings::Sqlite {
                dir: dir.to_path_buf(),
                sync: SyncMode::Normal,
            },
            secret_key: None,
            log_format: LogFormat::Text,
            log_filter: "warn".into(),
            session_idle: Duration::from_secs(14 * 86_400),
            session_max: Duration::from_secs(60 * 86_400),
            shutdown_grace: Duration::from_secs(10),
            trust_forwarded: false,
            rates: BTreeMap::new(),
            metrics_token: None,
            smtp: SmtpSettings {
                host: None,
                port: 25,
                tls: SmtpTls::None,
                credentials: None,
                from: "noreply@veche.example".into(),
            },
            mail: MailSettings {
                dir: dir.join("mail"),
                ..MailSettings::default()
            },
            polls: veche_polls::PollsConfig::default(),
            demo: false,
        }
    }
}

fn parse_key(raw: &str) -> Option<[u8; 32]> {
    let raw = raw.trim();
    if raw.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(raw.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

/// A duration that may be zero, in `ms` or the units of [`parse_duration`].
fn parse_short_duration(raw: &str) -> Option<Duration> {
    match raw.trim().strip_suffix("ms") {
        Some(ms) => ms.trim().parse::<u64>().ok().map(Duration::from_millis),
        None => parse_duration(raw).ok(),
    }
}

fn polls_settings(
    args: &SettingsArgs,
    file: &FilePolls,
    errors: &mut Vec<String>,
) -> veche_polls::PollsConfig {
    let d = veche_polls::PollsConfig::default();
    let max_in_flight = setting(
        errors,
        "VECHE_POLLS_MAX_IN_FLIGHT",
        pick(&args.polls_max_in_flight, &file.max_in_flight),
        d.max_in_flight as u64,
        whole_number(1, 1_000_000),
    ) as usize;
    let examples = "500ms, 30s or 5m";
    let seal_grace = setting(
        errors,
        "VECHE_POLLS_SEAL_GRACE",
        pick(&args.polls_seal_grace, &file.seal_grace),
        d.seal_grace,
        short_duration(true, examples),
    );
    let tick = setting(
        errors,
        "VECHE_POLLS_TICK",
        pick(&args.polls_tick, &file.tick),
        d.tick,
        short_duration(false, examples),
    );
    veche_polls::PollsConfig {
        max_in_flight,
        seal_grace,
        tick,
        ..d
    }
}

fn mail_settings(
    args: &SettingsArgs,
    file: &FileMail,
    store: &StoreSettings,
    errors: &mut Vec<String>,
) -> MailSettings {
    let d = MailSettings::default();
    let max_attempts = setting(
        errors,
        "VECHE_MAIL_MAX_ATTEMPTS",
        pick(&args.mail_max_attempts, &file.max_attempts),
        u64::from(d.max_attempts),
        whole_number(1, 100),
    ) as u32;
    let concurrency = setting(
        errors,
        "VECHE_MAIL_CONCURRENCY",
        pick(&args.mail_concurrency, &file.concurrency),
        d.concurrency as u64,
        whole_number(1, 256),
    ) as usize;
    let digest_hour = setting(
        errors,
        "VECHE_DIGEST_HOUR",
        pick(&args.digest_hour, &file.digest_hour),
        u64::from(d.digest_hour),
        whole_number(0, 23),
    ) as u8;
    // Tests use sub-second waits: `0` is refused, the unit may be `ms`.
    let mut duration = |name: &str, arg: &Option<String>, file: &Option<String>, default| {
        setting(
            errors,
            name,
            pick(arg, file),
            default,
            short_duration(false, "500ms, 30s or 1h"),
        )
    };
    let backoff = duration(
        "VECHE_MAIL_BACKOFF",
        &args.mail_backoff,
        &file.backoff,
        d.backoff,
    );
    let backoff_max = duration(
        "VECHE_MAIL_BACKOFF_MAX",
        &args.mail_backoff_max,
        &file.backoff_max,
        d.backoff_max,
    );
    let lease = duration("VECHE_MAIL_LEASE", &args.mail_lease, &file.lease, d.lease);
    let poll = duration("VECHE_MAIL_POLL", &args.mail_poll, &file.poll, d.poll);
    if backoff_max < backoff {
        errors.push(
            "VECHE_MAIL_BACKOFF / VECHE_MAIL_BACKOFF_MAX: need backoff <= backoff_max".into(),
        );
    }
    let worker = setting(
        errors,
        "VECHE_WORKER",
        pick(&args.worker, &file.worker),
        true,
        one_of(
            &[
                (&["on", "true", "1"], true),
                (&["off", "false", "0"], false),
            ],
            "on or off",
        ),
    );
    let utc_offset = setting(
        errors,
        "VECHE_UTC_OFFSET",
        pick(&args.utc_offset, &file.utc_offset),
        d.utc_offset,
        parse_utc_offset,
    );
    let dir = args
        .mail_dir
        .clone()
        .or(file.dir.clone())
        .unwrap_or_else(|| match store {
            StoreSettings::Sqlite { dir, .. } => dir.join("mail"),
            StoreSettings::Mongo { .. } => PathBuf::from("./veche-mail"),
        });
    MailSettings {
        worker,
        dir,
        max_attempts,
        backoff,
        backoff_max,
        lease,
        concurrency,
        poll,
        digest_hour,
        utc_offset,
    }
}

fn smtp_settings(
    args: &SettingsArgs,
    file: &FileSmtp,
    public_url: &url::Url,
    errors: &mut Vec<String>,
) -> SmtpSettings {
    let tls = setting(
        errors,
        "VECHE_SMTP_TLS",
        pick(&args.smtp_tls, &file.tls),
        SmtpTls::StartTls,
        one_of(
            &[
                (&["starttls"], SmtpTls::StartTls),
                (&["tls"], SmtpTls::Tls),
                (&["none"], SmtpTls::None),
            ],
            "starttls, tls or none",
        ),
    );
    let default_port = match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    };
    let port = match &args.smtp_port {
        Some(raw) => raw
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .unwrap_or_else(|| {
                errors.push(format!("VECHE_SMTP_PORT: {raw:?} is not a port number"));
                default_port
            }),
        None => file.port.unwrap_or(default_port),
    };
    let host = args
        .smtp_host
        .clone()
        .or(file.host.clone())
        .filter(|h| !h.trim().is_empty());
    if let Some(h) = &host {
        if h.contains(['/', ' ', '\r', '\n']) {
            errors.push(format!("VECHE_SMTP_HOST: {h:?} is not a host name"));
        }
    }
    let password = secret_setting(
        errors,
        "VECHE_SMTP_PASSWORD_FILE",
        &args.smtp_password,
        &args.smtp_password_file,
        &file.password,
    );
    let username = args.smtp_username.clone().or(file.username.clone());
    let credentials = match (username, password) {
        (Some(u), Some(p)) => Some((u, Secret::new(p))),
        (None, None) => None,
        _ => {
            errors.push("VECHE_SMTP_USERNAME / VECHE_SMTP_PASSWORD: set both or neither".into());
            None
        }
    };
    let from = args
        .smtp_from
        .clone()
        .or(file.from.clone())
        .unwrap_or_else(|| format!("noreply@{}", public_url.host_str().unwrap_or("localhost")));
    if from.contains(['\r', '\n']) || !from.contains('@') {
        errors.push(format!("VECHE_SMTP_FROM: {from:?} is not an email address"));
    }
    SmtpSettings {
        host,
        port,
        tls,
        credentials,
        from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(args: SettingsArgs) -> Result<Settings, ConfigErrors> {
        Settings::load(&args, false, &BTreeMap::new())
    }

    #[test]
    fn defaults_give_the_embedded_store_on_port_8080() {
        let s = load(SettingsArgs::default()).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(
            matches!(s.store, StoreSettings::Sqlite { ref dir, .. } if dir == Path::new("./veche-data"))
        );
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.session_idle, Duration::from_secs(14 * 86_400));
    }

    #[test]
    fn a_mongodb_uri_selects_mongodb_and_is_never_printed() {
        let s = load(SettingsArgs {
            mongodb_uri: Some("mongodb://user:hunter2@db:27017/veche".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(s.store, StoreSettings::Mongo { .. }));
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn every_bad_value_is_named() {
        let mut env = BTreeMap::new();
        env.insert("VECHE_RATE_SIGNIN_IP".to_string(), "lots".to_string());
        let err = Settings::load(
            &SettingsArgs {
                listen: Some("localhost".into()),
                public_url: Some("ftp://x".into()),
                log_format: Some("xml".into()),
                session_idle: Some("forever".into()),
                secret_key: Some("abc".into()),
                smtp_port: Some("0".into()),
                smtp_username: Some("u".into()),
                ..Default::default()
            },
            false,
            &env,
        )
        .unwrap_err();
        let text = err.to_string();
        for name in [
            "VECHE_LISTEN",
            "VECHE_PUBLIC_URL",
            "VECHE_LOG_FORMAT",
            "VECHE_SESSION_IDLE",
            "VECHE_SECRET_KEY",
            "VECHE_SMTP_PORT",
            "VECHE_SMTP_USERNAME",
            "VECHE_RATE_SIGNIN_IP",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }

    #[test]
    fn the_file_is_read_and_flags_override_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("veche.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/veche\"\n[rate]\nsignup_ip = \"3/h\"\n",
        )
        .unwrap();
        let s = load(SettingsArgs {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:9100".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.listen.port(), 9100);
        assert!(
            matches!(s.store, StoreSettings::Sqlite { ref dir, .. } if dir == Path::new("/srv/veche"))
        );
        assert_eq!(
            s.rates.get("signup_ip").map(|r| r.to_string()),
            Some("3/h".into())
        );
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = load(SettingsArgs {
            config: Some(path),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
    }

    #[test]
    fn secrets_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, format!("{}\n", "ab".repeat(32))).unwrap();
        let s = load(SettingsArgs {
            secret_key_file: Some(key),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.secret_key, Some([0xab; 32]));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(
            parse_duration("14d").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
        assert!(parse_duration("1w").is_err());
    }
}
