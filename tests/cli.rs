//! The command line: admin tasks and configuration errors, run as the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::http::Fetch;
use common::{assert_contains_all, TestApp};
use serde_json::json;

fn veche(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    common::cli::veche(data_dir)
        .args(args)
        .output()
        .expect("run veche")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_admin_prints_a_password_that_signs_in_as_admin() {
    let dir = tempfile::tempdir().unwrap();
    let out = veche(
        dir.path(),
        &[
            "admin",
            "create-admin",
            "--email",
            "Chief@City.example",
            "--name",
            "Главный Админ",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let password = text.rsplit(": ").next().unwrap().trim().to_string();
    assert_eq!(password.len(), 20, "{text}");

    // Run again: the account is kept and the password unchanged.
    let again = veche(
        dir.path(),
        &["admin", "create-admin", "--email", "chief@city.example"],
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("password is unchanged"));

    let mut settings = veche::Settings::for_tests(dir.path());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let app = veche::build(settings).await.unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let base = format!("http://{}", app.addr);
    let signed_in = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "email": "chief@city.example", "password": password }))
        .fetch()
        .await;
    assert_eq!(signed_in.status(), 201);
    let list = client
        .get(format!("{base}/api/v1/admin/accounts"))
        .fetch()
        .await;
    assert_eq!(list.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_districts_loads_another_city() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("city.geojson");
    let geojson = json!({
        "type": "FeatureCollection",
        "features": [
            { "type": "Feature", "properties": { "NAME": "Центральный", "OKTMO": "11111111", "OKATO_AO": "1000", "NAME_AO": "Первый", "TYPE_MO": "Муниципальный округ" },
              "geometry": { "type": "Polygon", "coordinates": [[[10.0, 50.0], [11.0, 50.0], [11.0, 51.0], [10.0, 50.0]]] } },
            { "type": "Feature", "properties": { "NAME": "Заречный", "OKTMO": "22222222", "OKATO_AO": "1000", "NAME_AO": "Первый", "TYPE_MO": "Поселение" }, "geometry": null }
        ]
    });
    std::fs::write(&file, geojson.to_string()).unwrap();
    let out = veche(
        dir.path(),
        &[
            "admin",
            "import-districts",
            file.to_str().unwrap(),
            "--replace",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Imported 1 okrugs and 2 districts (1 with boundaries)"));

    let app = TestApp::spawn_in(dir.path()).await;
    let body = app.get_json(&app.client(), "/api/v1/districts").await;
    let names: Vec<&str> = body["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name_en"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Tsentralny", "Zarechny"]);

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"city\": 1}").unwrap();
    let out = veche(
        dir.path(),
        &["admin", "import-districts", broken.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a district list"));
    app.stop().await;
}

/// `veche serve --listen <listen>` on a fresh store with the settings in `env`, which must stop
/// it before it serves.
fn serve_with(listen: &str, env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = common::cli::veche(dir.path());
    command.envs(env.iter().copied());
    command
        .args(["serve", "--listen", listen])
        .output()
        .expect("run veche")
}

#[test]
fn bad_settings_stop_the_start_with_a_message_per_value() {
    let out = serve_with(
        "nowhere",
        &[
            ("VECHE_LOG_FORMAT", "yaml"),
            ("VECHE_RATE_SIGNUP_IP", "many"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_contains_all(
        &err,
        &["VECHE_LISTEN", "VECHE_LOG_FORMAT", "VECHE_RATE_SIGNUP_IP"],
        "the error",
    );
}

#[test]
fn an_unknown_rate_limit_name_stops_the_start_naming_it_and_the_known_ones() {
    let out = serve_with("127.0.0.1:0", &[("VECHE_RATE_BALOT_IP", "10/min")]);
    assert!(
        !out.status.success(),
        "a typo in a limit's name must not start a server"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown rate limit \"balot_ip\""), "{err}");
    // The message lists what exists, from every feature: core, the notifier, polls.
    assert_contains_all(
        &err,
        &["ballot_ip", "signin_ip", "mail_recipient"],
        "the error",
    );
}

#[test]
fn serve_help_documents_every_setting() {
    let out = Command::new(env!("CARGO_BIN_EXE_veche"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert_contains_all(
        &help,
        &[
            "VECHE_LISTEN",
            "VECHE_DATA_DIR",
            "VECHE_PUBLIC_URL",
            "MONGODB_URI",
            "MONGODB_URI_FILE",
            "VECHE_SECRET_KEY",
            "VECHE_SECRET_KEY_FILE",
            "VECHE_LOG_FORMAT",
            "VECHE_SMTP_HOST",
            "VECHE_SMTP_PASSWORD_FILE",
            "VECHE_RATE",
            "VECHE_CONFIG",
        ],
        "--help",
    );
}
