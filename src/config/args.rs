//! The settings as given: flags and environment variables (clap), and secrets that never print.

use super::*;

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
    /// How long a server keeps what a session or an API token resolved to (`0s`: not at all).
    /// Changes made on another server reach it within about a second anyway. [default: 60s]
    #[arg(long, env = "VECHE_IDENTITY_TTL", value_name = "DURATION")]
    pub identity_ttl: Option<String>,
    /// The Open311 `jurisdiction_id` this server answers for (e.g. `mos.ru`); requests naming
    /// another are refused. [default: any is accepted]
    #[arg(long, env = "VECHE_OPEN311_JURISDICTION", value_name = "ID")]
    pub open311_jurisdiction: Option<String>,
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
    /// How many `veche serve` processes share the store behind one address. Every rate limit
    /// is per server, so each server allows its configured budget divided by this (rounded
    /// down, at least 1): a resident whose requests are spread over the servers gets about the
    /// configured limit, not N times it (see docs/many-servers.md). [default: 1]
    #[arg(long, env = "VECHE_REPLICAS", value_name = "N")]
    pub replicas: Option<String>,
    /// Bearer token required to read /metrics (unset: /metrics is open; keep it internal).
    #[arg(
        long,
        env = "VECHE_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    #[command(flatten)]
    pub smtp: SmtpArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub polls: PollsArgs,
}

/// The SMTP server for outgoing email (the file's `[smtp]`).
#[derive(clap::Args, Clone, Debug, Default)]
#[command(next_help_heading = "SMTP")]
pub struct SmtpArgs {
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
}

/// The email queue and its delivery worker (the file's `[mail]`).
#[derive(clap::Args, Clone, Debug, Default)]
#[command(next_help_heading = "Mail queue")]
pub struct MailArgs {
    /// Run the background workers (email delivery, uploaded photos' processing) inside
    /// `veche serve` (`on`), or leave them to separate `veche worker` processes (`off`).
    /// [default: on]
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
}

/// The polls (the file's `[polls]`).
#[derive(clap::Args, Clone, Debug, Default)]
#[command(next_help_heading = "Polls")]
pub struct PollsArgs {
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
