//! `Settings::load`: the file, the environment and the flags into checked settings.

use super::*;

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
        let identity_ttl = setting(
            &mut errors,
            "VECHE_IDENTITY_TTL",
            pick(&args.identity_ttl, &file.identity_ttl),
            veche_core::accounts::identity::TTL,
            parse_duration,
        );
        if identity_ttl > Duration::from_secs(3600) {
            errors.push("VECHE_IDENTITY_TTL: at most 1h".into());
        }
        let open311_jurisdiction = pick(&args.open311_jurisdiction, &file.open311_jurisdiction);
        if let Some(id) = &open311_jurisdiction {
            let fits = |c: char| c.is_ascii_alphanumeric() || ".-_".contains(c);
            if id.is_empty() || id.len() > 100 || !id.chars().all(fits) {
                errors.push(format!(
                    "VECHE_OPEN311_JURISDICTION: {id:?} is not a jurisdiction id (letters, digits, `.`, `-`, `_`; at most 100)"
                ));
            }
        }
        let reports = veche_reports::ReportsConfig {
            open311_jurisdiction,
            ..veche_reports::ReportsConfig::default()
        };
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

        // Parsed as a whole number in 1..=1000, so the fallback is never used when it is set.
        let replicas = setting(
            &mut errors,
            "VECHE_REPLICAS",
            pick(&args.replicas, &file.replicas),
            1,
            whole_number(1, 1000),
        );
        let replicas = std::num::NonZeroU32::new(u32::try_from(replicas).unwrap_or(1))
            .unwrap_or(std::num::NonZeroU32::MIN);

        let metrics_token = pick(&args.metrics_token, &file.metrics_token).map(Secret::new);
        let smtp = smtp_settings(&args.smtp, &file.smtp, &public_url, &mut errors);
        let mail = mail_settings(&args.mail, &file.mail, &store, &mut errors);
        let polls = polls_settings(&args.polls, &file.polls, &mut errors);

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
                identity_ttl,
                shutdown_grace,
                trust_forwarded,
                rates,
                replicas,
                metrics_token,
                smtp,
                mail,
                polls,
                reports,
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
            identity_ttl: veche_core::accounts::identity::TTL,
            shutdown_grace: Duration::from_secs(10),
            trust_forwarded: false,
            rates: BTreeMap::new(),
            replicas: std::num::NonZeroU32::MIN,
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
            reports: veche_reports::ReportsConfig::default(),
            demo: false,
        }
    }
}
