//! `veche polls …` run as the real binary against a store prepared in-process: recount (drift
//! found, fixed, gone), seal, export and verify-export (with tampered copies), verify-receipt.
//! On SQLite, and on the MongoDB test server when `MONGODB_URI` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::cli::{self, Run};
use common::fixtures::{rfc3339, two_questions};
use common::http::Api;
use common::{resident, Store, TestApp, KHAMOVNIKI, MITINO};
use reqwest::StatusCode;
use serde_json::{json, Value};
use veche::config::StoreSettings;
use veche_core::accounts::model::Role;
use veche_polls::model::{Ballot, PollId, Receipt};
use veche_polls::tally::{self, Counters};
use veche_polls::Polls;

/// The app, and how a separate `veche` process reaches the same store.
struct Rig {
    app: TestApp,
    /// The polls, kept after the server stops (the store stays open here).
    polls: Arc<Polls>,
    /// `VECHE_DATA_DIR` of the command (the store itself on SQLite).
    data: tempfile::TempDir,
    /// `MONGODB_URI` of the command, on MongoDB.
    mongo: Option<String>,
}

impl Rig {
    async fn start(store: Store) -> Option<Rig> {
        let data = tempfile::tempdir().unwrap();
        let mut seen: Option<StoreSettings> = None;
        let app = match store {
            Store::Sqlite => TestApp::spawn_in(data.path()).await,
            Store::Mongo => {
                TestApp::spawn_with(Store::Mongo, |s| seen = Some(s.store.clone())).await?
            }
        };
        let mongo = match seen {
            Some(StoreSettings::Mongo { uri }) => Some(uri.expose().to_string()),
            _ => None,
        };
        let polls = app.polls().clone();
        Some(Rig {
            app,
            polls,
            data,
            mongo,
        })
    }

    /// Writes the counts this process holds and stops the server (the store stays open here).
    async fn stop_server(&mut self) {
        self.polls.store().flush().await.unwrap();
        self.app.app.take().unwrap().stop().await;
    }

    /// Runs `veche ARGS` on the same store.
    fn veche(&self, args: &[&str]) -> Run {
        let mut command = cli::veche(self.data.path());
        if let Some(uri) = &self.mongo {
            command.env("MONGODB_URI", uri);
        }
        Run::of(&mut command, args)
    }

    /// Runs `veche ARGS` with no store at all (an empty data folder, no MongoDB).
    fn veche_offline(&self, args: &[&str]) -> Run {
        let empty = tempfile::tempdir().unwrap();
        Run::of(&mut cli::veche(empty.path()), args)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.data.path().join(name)
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let r = Api::new(&self.app)
            .send(method, path, Some(token), body, &[])
            .await;
        (
            r.status,
            serde_json::from_str(&r.text).unwrap_or(Value::String(r.text)),
        )
    }

    async fn post(&self, path: &str, token: &str, body: Option<&Value>) -> Value {
        let (status, body) = self.request(reqwest::Method::POST, path, token, body).await;
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    /// An open city-wide poll: a required question (Каток, Сцену) and an optional one allowing
    /// two of three options.
    async fn open_poll(&self, official: &str) -> Value {
        let now = veche_core::clock::now();
        let input = json!({
            "title": "Парк «Дубки»",
            "questions": two_questions(),
            "opens_at": rfc3339(now - time::Duration::minutes(1)),
            "closes_at": rfc3339(now + time::Duration::days(7)),
        });
        let poll = self.post("/api/v1/polls", official, Some(&input)).await;
        let poll = self
            .post(
                &format!("/api/v1/polls/{}/schedule", poll["id"].as_str().unwrap()),
                official,
                None,
            )
            .await;
        assert_eq!(poll["status"], "open");
        poll
    }

    /// A resident of `district` votes: option `first` of the first question and, when given,
    /// options of the second. Returns the receipt.
    async fn vote(&self, poll: &Value, district: &str, first: usize, second: &[usize]) -> String {
        let (_, token) = resident(&self.app, district, 1990, true, &[]).await;
        let q = |i: usize| poll["questions"][i].clone();
        let mut answers =
            vec![json!({"question": q(0)["id"], "options": [q(0)["options"][first]["id"]]})];
        if !second.is_empty() {
            let options: Vec<Value> = second
                .iter()
                .map(|o| q(1)["options"][*o]["id"].clone())
                .collect();
            answers.push(json!({"question": q(1)["id"], "options": options}));
        }
        let cast = self
            .post(
                &format!("/api/v1/polls/{}/ballots", poll["id"].as_str().unwrap()),
                &token,
                Some(&json!({ "answers": answers })),
            )
            .await;
        cast["receipt"].as_str().unwrap().to_string()
    }

    async fn ballots(&self, poll: &PollId) -> Vec<Ballot> {
        self.polls
            .store()
            .ballots_page(poll, None, 10_000)
            .await
            .unwrap()
    }

    async fn finish(self) {
        self.app.stop().await;
    }
}

fn id_of(poll: &Value) -> PollId {
    PollId::parse(poll["id"].as_str().unwrap()).unwrap()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

// ---- Recount and seal ----

async fn recount_reports_drift_fixes_it_and_then_finds_none(store: Store) {
    let Some(mut rig) = Rig::start(store).await else {
        return;
    };
    let (_, official) = resident(&rig.app, KHAMOVNIKI, 1975, true, &[Role::Official]).await;
    let poll = rig.open_poll(&official).await;
    let id = id_of(&poll);
    let receipt = rig.vote(&poll, KHAMOVNIKI, 0, &[0, 2]).await;
    rig.vote(&poll, KHAMOVNIKI, 0, &[]).await;
    rig.vote(&poll, MITINO, 1, &[1]).await;
    let a = poll["questions"][0]["options"][0]["id"].as_str().unwrap();
    let b = poll["questions"][0]["options"][1]["id"].as_str().unwrap();
    // Damage the counters: one ballot and one vote lost, two votes counted that never were.
    let mut damage = Counters::default();
    damage.add("n", -1);
    damage.add(&format!("o|{a}"), -1);
    damage.add(&format!("do|{MITINO}|{b}"), 2);
    rig.polls.store().add_counters(&id, &damage).await.unwrap();
    // A second poll, closed, for `polls seal`.
    let closed = rig.open_poll(&official).await;
    rig.vote(&closed, MITINO, 1, &[]).await;
    rig.post(
        &format!("/api/v1/polls/{}/close", closed["id"].as_str().unwrap()),
        &official,
        None,
    )
    .await;
    rig.stop_server().await;

    let poll_arg = id.as_str();
    rig.veche(&["polls", "recount", poll_arg])
        .exits(1)
        .says("3 ballots")
        .says("3 counter(s) drifted")
        .says("  n: +1\n")
        .says(&format!("  o|{a}: +1\n"))
        .says(&format!("  do|{MITINO}|{b}: -2\n"))
        .says("Not fixed");
    let damaged = rig.polls.store().counters(&id).await.unwrap();
    assert_eq!(
        damaged.ballots(),
        2,
        "a recount without --fix changes nothing"
    );
    rig.veche(&["polls", "recount", poll_arg, "--fix"])
        .exits(0)
        .says("  n: +1\n")
        .says("Fixed: the counters now equal the ballots.");
    rig.veche(&["polls", "recount", poll_arg])
        .exits(0)
        .says("3 ballots")
        .says("no drift");
    let ballots = rig.ballots(&id).await;
    assert_eq!(ballots.len(), 3);
    let counters = rig.polls.store().counters(&id).await.unwrap();
    assert_eq!(counters, tally::recount(&ballots));
    assert_eq!(counters.get(&format!("do|{MITINO}|{b}")), 1);

    rig.veche(&["polls", "recount", &PollId::generate().to_string()])
        .exits(1)
        .says("no such poll");

    // The receipt of an open poll: its hash checks, its proof comes at the close.
    rig.veche(&["polls", "verify-receipt", poll_arg, &receipt])
        .exits(0)
        .says("✓ The receipt is the hash of the ballot's answers.")
        .says("not sealed yet");

    // Sealing from the command line: only a closed poll.
    rig.veche(&["polls", "seal", poll_arg])
        .exits(1)
        .says("not_closed");
    let run = rig.veche(&["polls", "seal", closed["id"].as_str().unwrap()]);
    run.exits(0).says("sealed: 1 ballots, root ");
    let seal = rig
        .polls
        .store()
        .seal(&id_of(&closed))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seal.ballots, 1);
    run.says(&seal.root);
    rig.finish().await;
}

// ---- Export and verify-export ----

/// Copies a JSON export with `change` applied to it.
fn tampered_json(original: &Path, to: &Path, change: impl FnOnce(&mut Value)) {
    let mut export: Value =
        serde_json::from_str(&std::fs::read_to_string(original).unwrap()).unwrap();
    change(&mut export);
    std::fs::write(to, export.to_string()).unwrap();
}

/// Copies a CSV export with `change` applied to its lines (the header first).
fn tampered_csv(original: &Path, to: &Path, change: impl FnOnce(&mut Vec<Vec<String>>)) {
    let text = std::fs::read_to_string(original).unwrap();
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    change(&mut rows);
    let lines: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
}

/// `veche polls export` of `poll` into `file` as `format`: it says so, and the file names none
/// of `accounts`. Returns the text written.
fn export_to(rig: &Rig, poll: &str, format: &str, file: &Path, accounts: &[String]) -> String {
    rig.veche(&[
        "polls",
        "export",
        poll,
        "--format",
        format,
        "--out",
        path_str(file),
    ])
    .exits(0)
    .says("Wrote 6 ballots");
    let text = std::fs::read_to_string(file).unwrap();
    for account in accounts {
        assert!(
            !text.contains(account.as_str()),
            "the export names {account}"
        );
    }
    text
}

/// `veche polls verify-export FILE --published SEAL` with no store at all.
fn verify_against(rig: &Rig, file: &Path, seal: &Path) -> Run {
    rig.veche_offline(&[
        "polls",
        "verify-export",
        path_str(file),
        "--published",
        path_str(seal),
    ])
}

/// `veche polls verify-export FILE` against the store.
fn verify_export(rig: &Rig, file: &Path) -> Run {
    rig.veche(&["polls", "verify-export", path_str(file)])
}

/// The export in `file` checks out (`✓`, exit 0), against the store and against the published
/// seal alone; returns the run against the store.
fn verifies(rig: &Rig, file: &Path, seal: &Path) -> Run {
    let run = verify_export(rig, file);
    run.exits(0).says("✓");
    verify_against(rig, file, seal).exits(0).says("✓");
    run
}

/// The other of the two districts of the tests.
fn other_district(district: &str) -> &'static str {
    if district == KHAMOVNIKI {
        MITINO
    } else {
        KHAMOVNIKI
    }
}

fn fresh_ballot_id() -> String {
    veche_polls::model::BallotId::generate().to_string()
}

/// The receipt of a ballot with this id and these answers (question → options).
fn receipt_for(poll: &str, ballot_id: &str, answers: &[(String, Vec<String>)]) -> String {
    veche_polls::verify::receipt_of_pairs(
        poll,
        ballot_id,
        answers
            .iter()
            .map(|(q, os)| (q.as_str(), os.iter().map(String::as_str).collect())),
    )
    .to_string()
}

async fn exports_verify_and_tampered_copies_fail(store: Store) {
    let Some(mut rig) = Rig::start(store).await else {
        return;
    };
    let (official_id, official) =
        resident(&rig.app, KHAMOVNIKI, 1975, true, &[Role::Official]).await;
    let poll = rig.open_poll(&official).await;
    let id = id_of(&poll);
    let poll_arg = id.as_str().to_string();
    let receipt = rig.vote(&poll, KHAMOVNIKI, 0, &[0, 2]).await;
    rig.vote(&poll, KHAMOVNIKI, 0, &[]).await;
    rig.vote(&poll, KHAMOVNIKI, 1, &[1]).await;
    rig.vote(&poll, MITINO, 1, &[]).await;
    rig.vote(&poll, MITINO, 1, &[0, 1]).await;
    rig.vote(&poll, MITINO, 0, &[]).await;
    rig.post(&format!("/api/v1/polls/{poll_arg}/close"), &official, None)
        .await;
    veche_polls::service::seal(&rig.polls, &id).await.unwrap();
    let (status, published) = rig
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/polls/{poll_arg}/seal"),
            &official,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["ballots"], 6);
    let seal_file = rig.file("seal.json");
    std::fs::write(&seal_file, published.to_string()).unwrap();
    let accounts: Vec<String> = rig
        .ballots(&id)
        .await
        .iter()
        .map(|b| b.account_id.to_string())
        .chain([official_id.to_string()])
        .collect();
    rig.stop_server().await;

    // JSON.
    let json_file = rig.file("ballots.json");
    let text = export_to(&rig, &poll_arg, "json", &json_file, &accounts);
    assert!(!text.contains('@'));
    let export: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(export["ballots"].as_array().unwrap().len(), 6);
    verifies(&rig, &json_file, &seal_file)
        .says("6 ballots")
        .says("✓ Every receipt, the root and every count match");

    let copy = rig.file("tampered.json");
    tampered_json(&json_file, &copy, |e| {
        e["ballots"].as_array_mut().unwrap().pop();
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("✗")
        .says("5 ballots in the export, 6 published")
        .says("the Merkle root of the export is");
    verify_against(&rig, &copy, &seal_file)
        .exits(1)
        .says("5 ballots in the export, 6 published");

    tampered_json(&json_file, &copy, |e| {
        let poll_id = e["poll_id"].as_str().unwrap().to_string();
        let ballots = e["ballots"].as_array_mut().unwrap();
        let mut extra = ballots[0].clone();
        let ballot_id = fresh_ballot_id();
        let answers: Vec<(String, Vec<String>)> = extra["answers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(q, os)| {
                (
                    q.clone(),
                    os.as_array()
                        .unwrap()
                        .iter()
                        .map(|o| o.as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect();
        extra["receipt"] = json!(receipt_for(&poll_id, &ballot_id, &answers));
        extra["ballot_id"] = json!(ballot_id);
        ballots.push(extra);
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("7 ballots in the export, 6 published")
        .says("the Merkle root of the export is")
        .says("count(s) differ from the published results");

    let (q0, a, b) = (
        poll["questions"][0]["id"].as_str().unwrap().to_string(),
        poll["questions"][0]["options"][0]["id"]
            .as_str()
            .unwrap()
            .to_string(),
        poll["questions"][0]["options"][1]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let mut changed_id = String::new();
    tampered_json(&json_file, &copy, |e| {
        let ballot = &mut e["ballots"][0];
        changed_id = ballot["ballot_id"].as_str().unwrap().to_string();
        let now = ballot["answers"][&q0][0].clone();
        ballot["answers"][&q0] = if now == json!(a) {
            json!([b])
        } else {
            json!([a])
        };
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("1 ballot(s) do not match their receipt")
        .says(&changed_id)
        .says("count(s) differ");

    tampered_json(&json_file, &copy, |e| {
        let ballot = &mut e["ballots"][0];
        let moved = other_district(ballot["district"].as_str().unwrap());
        ballot["district"] = json!(moved);
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("the Merkle root of the export is")
        .says("count(s) differ from the published results: do|");

    // CSV.
    let csv_file = rig.file("ballots.csv");
    let text = export_to(&rig, &poll_arg, "csv", &csv_file, &accounts);
    assert!(
        text.starts_with("poll_id,ballot_id,receipt,district,age_bracket,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 7, "{text}");
    verifies(&rig, &csv_file, &seal_file);

    let copy = rig.file("tampered.csv");
    tampered_csv(&csv_file, &copy, |rows| {
        rows.pop();
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("5 ballots in the export, 6 published");

    tampered_csv(&csv_file, &copy, |rows| {
        let header = rows[0].clone();
        let mut extra = rows[1].clone();
        let ballot_id = fresh_ballot_id();
        let answers: Vec<(String, Vec<String>)> = header[5..]
            .iter()
            .zip(&extra[5..])
            .filter(|(_, cell)| !cell.is_empty())
            .map(|(q, cell)| (q.clone(), cell.split(';').map(str::to_string).collect()))
            .collect();
        extra[2] = receipt_for(&extra[0], &ballot_id, &answers);
        extra[1] = ballot_id;
        rows.push(extra);
    });
    verify_against(&rig, &copy, &seal_file)
        .exits(1)
        .says("7 ballots in the export, 6 published")
        .says("count(s) differ");

    let mut changed_id = String::new();
    tampered_csv(&csv_file, &copy, |rows| {
        let column = rows[0].iter().position(|c| *c == q0).unwrap();
        let row = &mut rows[1];
        changed_id = row[1].clone();
        row[column] = if row[column] == a {
            b.clone()
        } else {
            a.clone()
        };
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("1 ballot(s) do not match their receipt")
        .says(&changed_id);

    tampered_csv(&csv_file, &copy, |rows| {
        let row = &mut rows[1];
        row[3] = other_district(&row[3]).to_string();
    });
    verify_export(&rig, &copy)
        .exits(1)
        .says("the Merkle root of the export is")
        .says("count(s) differ from the published results: do|");

    // Receipts.
    rig.veche(&["polls", "verify-receipt", &poll_arg, &receipt])
        .exits(0)
        .says("✓ The receipt is the hash of the ballot's answers.")
        .says("✓ The proof leads to the published root")
        .says("the ballot is counted")
        .says(published["root"].as_str().unwrap());
    let unknown = "ab".repeat(32);
    assert!(Receipt::parse(&unknown).is_some());
    rig.veche(&["polls", "verify-receipt", &poll_arg, &unknown])
        .exits(1)
        .says("✗ No ballot");
    rig.veche(&["polls", "verify-receipt", &poll_arg, "not-a-receipt"])
        .exits(1)
        .says("64 hexadecimal characters");
    rig.finish().await;
}

for_both_stores!(
    recount_reports_drift_fixes_it_and_then_finds_none,
    exports_verify_and_tampered_copies_fail,
);
