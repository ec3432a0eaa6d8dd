use super::*;

fn load(args: SettingsArgs) -> Result<Settings, ConfigErrors> {
    Settings::load(&args, false, &BTreeMap::new())
}

/// What loading the arguments is refused with.
fn refusal(args: SettingsArgs) -> String {
    load(args).unwrap_err().to_string()
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
            smtp: SmtpArgs {
                smtp_port: Some("0".into()),
                smtp_username: Some("u".into()),
                ..Default::default()
            },
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
    let err = refusal(SettingsArgs {
        config: Some(path),
        ..Default::default()
    });
    assert!(err.contains("lisen"), "{err}");
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

#[test]
fn identity_ttl_and_open311_jurisdiction_are_read_and_checked() {
    let s = load(SettingsArgs {
        identity_ttl: Some("5m".into()),
        open311_jurisdiction: Some("mos.ru".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.identity_ttl, Duration::from_secs(300));
    assert_eq!(s.reports.open311_jurisdiction.as_deref(), Some("mos.ru"));
    assert_eq!(
        load(SettingsArgs::default()).unwrap().identity_ttl,
        Duration::from_secs(60)
    );
    let err = refusal(SettingsArgs {
        identity_ttl: Some("2h".into()),
        open311_jurisdiction: Some("mos ru/<x>".into()),
        ..Default::default()
    });
    assert!(err.contains("VECHE_IDENTITY_TTL"), "{err}");
    assert!(err.contains("VECHE_OPEN311_JURISDICTION"), "{err}");
}

#[test]
fn replicas_are_read_from_the_environment_and_checked() {
    use std::num::NonZeroU32;
    assert_eq!(
        load(SettingsArgs::default()).unwrap().replicas,
        NonZeroU32::MIN
    );
    let s = load(SettingsArgs {
        replicas: Some("3".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.replicas.get(), 3);
    for bad in ["0", "three", "-1", "1001", ""] {
        let err = refusal(SettingsArgs {
            replicas: Some(bad.into()),
            ..Default::default()
        });
        assert!(err.contains("VECHE_REPLICAS"), "{bad:?}: {err}");
        assert!(err.contains("from 1 to 1000"), "{bad:?}: {err}");
    }
}

/// The variable itself reaches the setting through clap's `env` (as `veche serve` reads it).
#[test]
fn the_replicas_variable_is_the_flag_s_environment() {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        settings: SettingsArgs,
    }
    let from_flag = Cli::try_parse_from(["veche", "--replicas", "4"]).unwrap();
    assert_eq!(from_flag.settings.replicas.as_deref(), Some("4"));
    let arg = <Cli as clap::CommandFactory>::command()
        .get_arguments()
        .find(|a| a.get_id() == "replicas")
        .map(|a| a.get_env().map(|e| e.to_os_string()))
        .unwrap();
    assert_eq!(arg.as_deref(), Some(std::ffi::OsStr::new("VECHE_REPLICAS")));
}
