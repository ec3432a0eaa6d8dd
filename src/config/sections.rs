//! The polls', mail and SMTP sections, and the key and short-duration formats.

use super::*;

pub(super) fn parse_key(raw: &str) -> Option<[u8; 32]> {
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
pub(super) fn parse_short_duration(raw: &str) -> Option<Duration> {
    match raw.trim().strip_suffix("ms") {
        Some(ms) => ms.trim().parse::<u64>().ok().map(Duration::from_millis),
        None => parse_duration(raw).ok(),
    }
}

pub(super) fn polls_settings(
    args: &PollsArgs,
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

pub(super) fn mail_settings(
    args: &MailArgs,
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

pub(super) fn smtp_settings(
    args: &SmtpArgs,
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
