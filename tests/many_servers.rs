//! Many app servers on one store: three `veche serve` processes (the real binary, each on its
//! own loopback port, `VECHE_WORKER=off`, `VECHE_REPLICAS=3`) and one `veche worker`, all on one
//! fresh database of the MongoDB test server, sending email to a loopback SMTP server.
//!
//! Residents vote, support ideas and file reports through all three at once; one server is
//! killed with SIGKILL in the middle and started again on its port. A request whose connection
//! failed is "not acknowledged" and is retried on the next server with the same
//! `Idempotency-Key` (a ballot may then hear 409 `already_voted`: stored once). Afterwards:
//! every acknowledged write is stored exactly once, no resident voted twice, the sealed tally is
//! the number of stored ballots, each idea's supports are its stored supports, every email
//! arrived once (one `Message-ID` per notification), and a session made on one server works on
//! the others and its sign-out is honoured there within the bound of docs/many-servers.md.
//!
//! Skipped (like every MongoDB test) when no MongoDB URI is given outside CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::app::fresh_mongo_uri;
use common::fixtures::{open_project, poll_input, report_category, roads_agency, stored_idea};
use common::http::Api;
use common::{
    member, official_of, organisation, Store, TestApp, KHAMOVNIKI, KHAMOVNIKI_POINT, PASSWORD,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use veche::config::{Secret, StoreSettings};
use veche_core::accounts::model::Role;
use veche_core::id::AccountId;
use veche_core::testing::smtp::SmtpSink;

const SERVERS: usize = 3;
const RESIDENTS: usize = 24;
const SIGN_UPS: usize = 6;
const REPORTS_EACH: usize = 2;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One `veche` process of the test, killed when dropped.
struct Proc {
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment every process shares.
fn veche(uri: &str, port: u16, smtp: u16, public: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_veche"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MONGODB_URI", uri)
        .env("VECHE_LISTEN", format!("127.0.0.1:{port}"))
        .env("VECHE_PUBLIC_URL", public)
        .env("VECHE_LOG", "warn")
        .env("VECHE_WORKER", "off")
        .env("VECHE_REPLICAS", SERVERS.to_string())
        .env("VECHE_SMTP_HOST", "127.0.0.1")
        .env("VECHE_SMTP_PORT", smtp.to_string())
        .env("VECHE_SMTP_TLS", "none")
        .env("VECHE_MAIL_POLL", "100ms")
        .env("VECHE_POLLS_TICK", "200ms")
        .env("VECHE_POLLS_SEAL_GRACE", "0s")
        .env("VECHE_SHUTDOWN_GRACE", "1s")
        // Deployment-wide budgets, divided by VECHE_REPLICAS on each server.
        .env("VECHE_RATE_SIGNUP_IP", "300/h")
        .env("VECHE_RATE_SIGNIN_IP", "300/min")
        .env("VECHE_RATE_BALLOT_IP", "30000/min")
        .env("VECHE_RATE_BALLOT_ACCOUNT", "300/min")
        .env("VECHE_RATE_REPORT_FILE", "300/h")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    c
}

fn start(mut command: Command, what: &str) -> Proc {
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("starting {what}: {e}"));
    Proc { child }
}

/// Polls `/readyz` until 200, with a deadline.
async fn ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status() == StatusCode::OK {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{base} not ready within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An app in this process on the database at `uri`, its mail worker off.
async fn in_process(uri: &str) -> TestApp {
    let uri = uri.to_string();
    TestApp::spawn_with(Store::Sqlite, move |s| {
        s.store = StoreSettings::Mongo {
            uri: Secret::new(uri),
        };
        s.mail.worker = false;
    })
    .await
    .unwrap()
}

/// The outcome of a write as its client saw it.
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    /// 2xx (or 409 `already_voted` for a ballot): acknowledged, with the answer's body.
    Acked(Value),
    /// No answer ever came (connections failed, or the key stayed claimed by a killed server).
    Unknown,
}

#[derive(Default)]
struct Tally {
    attempts: AtomicUsize,
    acked: AtomicUsize,
    conn_errors: AtomicUsize,
    retried_elsewhere: AtomicUsize,
    in_progress: AtomicUsize,
}

/// Sends a write to server `first`, and on a connection error (or 5xx, or 409
/// `idempotency_in_progress`) to the next, with the same `Idempotency-Key`, a few rounds.
#[allow(clippy::too_many_arguments)]
async fn write(
    http: &reqwest::Client,
    bases: &[String],
    first: usize,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    key: &str,
    tally: &Tally,
) -> Seen {
    tally.attempts.fetch_add(1, Ordering::Relaxed);
    for attempt in 0..12 {
        let base = &bases[(first + attempt) % bases.len()];
        if attempt > 0 {
            tally.retried_elsewhere.fetch_add(1, Ordering::Relaxed);
        }
        let mut request = http
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .timeout(Duration::from_secs(10));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(_) => {
                tally.conn_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let status = response.status();
        let Ok(text) = response.text().await else {
            tally.conn_errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success()
            || (status == StatusCode::CONFLICT && value["code"] == "already_voted")
        {
            tally.acked.fetch_add(1, Ordering::Relaxed);
            return Seen::Acked(value);
        }
        if status == StatusCode::CONFLICT && value["code"] == "idempotency_in_progress" {
            tally.in_progress.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        panic!("{method} {base}{path}: {status} {text}");
    }
    Seen::Unknown
}

/// What one resident did: their ballot, supports and reports as the client saw them.
struct Done {
    account: AccountId,
    ballot: Seen,
    supports: Vec<(String, Seen)>,
    reports: Vec<Seen>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_and_a_worker_survive_a_kill_and_agree() {
    let Some(uri) = fresh_mongo_uri("many_servers") else {
        return;
    };
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let started = Instant::now();

    // ---- Fixtures, through an app in this process on the same database (then stopped) ----
    let setup = in_process(&uri).await;
    let api = Api::new(&setup);
    let roads = organisation(&setup, "Дороги ЦАО").await;
    let (head_id, _) = official_of(&setup, &roads, 1970).await;
    let (_, admin) = member(&setup, KHAMOVNIKI, 1970, true, &[Role::Admin], None).await;
    let official_org = organisation(&setup, "Управа района").await;
    let (_, official) = official_of(&setup, &official_org, 1975).await;
    let mut residents = Vec::new();
    for _ in 0..RESIDENTS {
        residents.push(member(&setup, KHAMOVNIKI, 1990, true, &[], None).await);
    }
    // Report categories (Дороги → Яма) and the roads agency serving Khamovniki.
    let parent = report_category(&api, &admin, None, ("Дороги", "Дороги"), false).await;
    let pothole = report_category(&api, &admin, parent["id"].as_str(), ("Яма", "Яма"), false).await
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    roads_agency(&api, &admin, &roads, &[KHAMOVNIKI], Some(&head_id)).await;
    // A project in its supports stage (the discussion began a minute ago), three approved ideas.
    let ideas = setup.ideas();
    let author = veche_core::testing::account("author@example.org", "Автор Идеи");
    let project = open_project(
        &ideas,
        &author,
        ("Парки района", ""),
        ("parks", "Парки"),
        time::Duration::days(1),
    )
    .await;
    let now = veche_core::clock::now();
    let moved = veche_ideas::model::Project {
        schedule: veche_ideas::model::Schedule {
            proposals: now - time::Duration::days(2),
            discussion: now - time::Duration::minutes(1),
            ..project.schedule
        },
        version: project.version + 1,
        ..project.clone()
    };
    assert!(ideas
        .store()
        .replace_project(&moved, project.version)
        .await
        .unwrap());
    let mut idea_ids = Vec::new();
    for (title, body) in [
        ("Каток в парке", "Залить каток в парке зимой для всех."),
        ("Скамейки у пруда", "Поставить скамейки вдоль пруда."),
        ("Фонари на аллее", "Осветить главную аллею парка."),
    ] {
        let idea = stored_idea(&ideas, &moved, &author, (title, body), now, true).await;
        idea_ids.push(idea.id.to_string());
    }
    // An open city-wide poll.
    let poll = api
        .post(
            "/api/v1/polls",
            Some(&official),
            &poll_input(
                "Парк «Дубки»",
                json!({}),
                "after_voting",
                time::Duration::minutes(-1),
            ),
        )
        .await
        .json_if(StatusCode::CREATED);
    let poll_id = poll["id"].as_str().unwrap().to_string();
    let scheduled = api
        .act(
            &format!("/api/v1/polls/{poll_id}/schedule"),
            Some(&official),
        )
        .await
        .json_if(StatusCode::OK);
    assert_eq!(scheduled["status"], "open");
    let question = poll["questions"][0]["id"].as_str().unwrap().to_string();
    let options: Vec<String> = poll["questions"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    setup.stop().await;
    eprintln!("fixtures ready after {:?}", started.elapsed());

    // ---- Three servers and a worker ----
    let ports: Vec<u16> = (0..SERVERS).map(|_| free_port()).collect();
    let bases: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    let public = format!("{}/", bases[0]);
    let serve = |i: usize| {
        let mut c = veche(&uri, ports[i], sink.port, &public);
        c.arg("serve");
        start(c, &format!("server {i}"))
    };
    let mut servers: Vec<Proc> = (0..SERVERS).map(serve).collect();
    let worker_port = free_port();
    let mut worker_cmd = veche(&uri, worker_port, sink.port, &public);
    worker_cmd.arg("worker");
    let _worker = start(worker_cmd, "the worker");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for base in bases
        .iter()
        .chain([&format!("http://127.0.0.1:{worker_port}")])
    {
        ready(&http, base).await;
    }
    eprintln!("servers ready after {:?}", started.elapsed());

    // ---- The load, through all three; server 1 killed and restarted in the middle ----
    let bases = Arc::new(bases);
    let tally = Arc::new(Tally::default());
    let mut load = Vec::new();
    for (n, (account, token)) in residents.iter().cloned().enumerate() {
        let (http, bases, tally) = (http.clone(), bases.clone(), tally.clone());
        let (poll_id, question, pothole) = (poll_id.clone(), question.clone(), pothole.clone());
        let option = options[n % options.len()].clone();
        let idea_ids = idea_ids.clone();
        load.push(tokio::spawn(async move {
            let mut reports = Vec::new();
            let mut supports = Vec::new();
            let mut ballot = Seen::Unknown;
            for step in 0..(1 + idea_ids.len() + REPORTS_EACH) {
                let first = n + step;
                let key = format!("r{n}-s{step}");
                if step == 0 {
                    let body = json!({"answers": [{"question": question, "options": [option]}]});
                    ballot = write(
                        &http,
                        &bases,
                        first,
                        reqwest::Method::POST,
                        &format!("/api/v1/polls/{poll_id}/ballots"),
                        &token,
                        Some(&body),
                        &key,
                        &tally,
                    )
                    .await;
                } else if step <= idea_ids.len() {
                    let idea = &idea_ids[step - 1];
                    let seen = write(
                        &http,
                        &bases,
                        first,
                        reqwest::Method::PUT,
                        &format!("/api/v1/ideas/{idea}/support"),
                        &token,
                        None,
                        &key,
                        &tally,
                    )
                    .await;
                    supports.push((idea.clone(), seen));
                } else {
                    let body = json!({ "category_id": pothole,
                        "lat": KHAMOVNIKI_POINT.0 + (n * 10 + step) as f64 * 1e-5, "lon": KHAMOVNIKI_POINT.1,
                        "address": "Плющиха, 10",
                        "description": format!("Яма посреди дороги, номер {n}-{step}") });
                    reports.push(
                        write(
                            &http,
                            &bases,
                            first,
                            reqwest::Method::POST,
                            "/api/v1/reports",
                            &token,
                            Some(&body),
                            &key,
                            &tally,
                        )
                        .await,
                    );
                }
            }
            Done {
                account,
                ballot,
                supports,
                reports,
            }
        }));
    }
    // Sign-ups through the three servers meanwhile: each owes one confirmation email.
    let signups: Vec<String> = (0..SIGN_UPS)
        .map(|i| format!("signup{i}@test.veche.example"))
        .collect();
    let signed_up = Arc::new(Mutex::new(Vec::new()));
    for (i, email) in signups.iter().cloned().enumerate() {
        let (http, bases, signed_up) = (http.clone(), bases.clone(), signed_up.clone());
        load.push(tokio::spawn(async move {
            let body = json!({ "email": email, "password": PASSWORD,
                "display_name": "Новый Житель", "district_id": KHAMOVNIKI, "birth_year": 1990 });
            for attempt in 0..12 {
                let base = &bases[(i + attempt) % bases.len()];
                match http
                    .post(format!("{base}/api/v1/accounts"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        signed_up.lock().unwrap().push(email.clone());
                        break;
                    }
                    // Stored by a server that died before answering: taken.
                    Ok(r) if r.status() == StatusCode::CONFLICT => break,
                    Ok(r) if r.status().is_server_error() => {}
                    Ok(r) => panic!("sign-up of {email}: {}", r.status()),
                    Err(_) => {}
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Done {
                account: AccountId::generate(),
                ballot: Seen::Unknown,
                supports: Vec::new(),
                reports: Vec::new(),
            }
        }));
    }
    // Kill server 1 once the load is under way, then start it again on its port.
    let total = RESIDENTS * (1 + idea_ids.len() + REPORTS_EACH);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tally.attempts.load(Ordering::Relaxed) < total / 4 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let at_kill = tally.attempts.load(Ordering::Relaxed);
    servers[1].child.kill().expect("SIGKILL server 1");
    let _ = servers[1].child.wait();
    eprintln!("killed server 1 (SIGKILL) after {at_kill} of {total} writes begun");
    servers[1] = serve(1);
    ready(&http, &bases[1]).await;
    eprintln!("server 1 ready again after {:?}", started.elapsed());
    let mut done = Vec::new();
    for task in load {
        done.push(task.await.expect("a client task"));
    }
    let done: Vec<Done> = done.into_iter().take(RESIDENTS).collect();
    eprintln!(
        "load over after {:?}: {} writes, {} acknowledged, {} connection errors, {} retries on another server, {} idempotency_in_progress",
        started.elapsed(),
        tally.attempts.load(Ordering::Relaxed),
        tally.acked.load(Ordering::Relaxed),
        tally.conn_errors.load(Ordering::Relaxed),
        tally.retried_elsewhere.load(Ordering::Relaxed),
        tally.in_progress.load(Ordering::Relaxed),
    );

    // ---- Sessions: made on A, used on B and C, ended on A and refused on B and C ----
    let signed_up = signed_up.lock().unwrap().clone();
    let messages = sink
        .wait_for(signed_up.len(), Duration::from_secs(20))
        .await;
    let someone = signed_up.first().expect("a sign-up acknowledged").clone();
    let mail = messages
        .iter()
        .find(|m| m.envelope_to == [someone.clone()])
        .expect("the confirmation email");
    let link = mail.link_containing("verify-email").expect("a link");
    let token = common::mail::token_of(&link);
    let verified = http
        .post(format!("{}/api/v1/email-verifications", bases[2]))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::OK, "verified on server 2");
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session: Value = {
        let r = browser
            .post(format!("{}/api/v1/sessions", bases[0]))
            .json(&json!({ "email": someone, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "signed in on server 0");
        r.json().await.unwrap()
    };
    let csrf = session["csrf_token"].as_str().unwrap().to_string();
    for base in bases.iter() {
        let me = browser
            .get(format!("{base}/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK, "the session on {base}");
    }
    let out = browser
        .delete(format!("{}/api/v1/sessions/current", bases[0]))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success(), "signed out: {}", out.status());
    let signed_out = Instant::now();
    // The kept identity goes within about a second (the revocations each server reads).
    for base in &bases[1..] {
        loop {
            let status = browser
                .get(format!("{base}/api/v1/me"))
                .send()
                .await
                .unwrap()
                .status();
            if status == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(
                signed_out.elapsed() < Duration::from_secs(5),
                "{base} still honours the ended session: {status}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    eprintln!(
        "sign-out on server 0 honoured by servers 1 and 2 within {:?}",
        signed_out.elapsed()
    );

    // ---- Close the poll and wait for its seal (which counts every ballot afresh) ----
    let closed = write(
        &http,
        &bases,
        2,
        reqwest::Method::POST,
        &format!("/api/v1/polls/{poll_id}/close"),
        &official,
        None,
        "close",
        &Tally::default(),
    )
    .await;
    assert!(matches!(closed, Seen::Acked(_)), "the poll closed");

    // ---- What the store holds (an app in this process on the same database, worker off) ----
    let check = in_process(&uri).await;
    let polls = check.polls();
    let pid = veche_polls::model::PollId::parse(&poll_id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let seal = loop {
        if let Some(seal) = polls.store().poll(&pid).await.unwrap().unwrap().seal {
            break seal;
        }
        assert!(Instant::now() < deadline, "the poll was not sealed in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut ballots = Vec::new();
    let mut after = None;
    loop {
        let page = polls
            .store()
            .ballots_page(&pid, after.as_ref(), 1000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.receipt.clone());
        ballots.extend(page);
    }
    let voters: BTreeSet<&AccountId> = ballots.iter().map(|b| &b.account_id).collect();
    assert_eq!(voters.len(), ballots.len(), "a resident voted twice");
    assert_eq!(
        seal.ballots,
        ballots.len() as u64,
        "the sealed tally is the stored ballots"
    );
    let counters = polls.store().counters(&pid).await.unwrap().ballots();
    assert!(
        counters <= ballots.len() as i64,
        "live counters ({counters}) count more than the ballots ({})",
        ballots.len()
    );
    let mut acked_ballots = 0;
    for d in &done {
        if let Seen::Acked(body) = &d.ballot {
            acked_ballots += 1;
            let stored = ballots.iter().find(|b| b.account_id == d.account);
            let stored = stored.unwrap_or_else(|| panic!("an acknowledged ballot is lost"));
            assert_eq!(body["receipt"].as_str(), Some(stored.receipt.as_str()));
        }
    }

    // Supports: each acknowledged one stored; each idea's count is its stored supports.
    let ideas = check.ideas();
    let mut acked_supports = 0;
    let mut stored_supports = 0;
    for idea in &idea_ids {
        let id = veche_ideas::model::IdeaId::parse(idea).unwrap();
        let mut supporters = 0;
        for d in &done {
            let yes = !ideas
                .store()
                .supported(&d.account, std::slice::from_ref(&id))
                .await
                .unwrap()
                .is_empty();
            let acked = d
                .supports
                .iter()
                .any(|(i, seen)| i == idea && matches!(seen, Seen::Acked(_)));
            assert!(!acked || yes, "an acknowledged support of {idea} is lost");
            acked_supports += usize::from(acked);
            supporters += usize::from(yes);
        }
        let stored = ideas.store().idea(&id).await.unwrap().unwrap();
        assert_eq!(
            stored.supports, supporters as u64,
            "idea {idea}: its count and its stored supports"
        );
        stored_supports += supporters;
    }

    // Reports: every acknowledged one stored once; none stored twice under one key.
    let reports = check.reports();
    let mut acked_reports = 0;
    let mut stored_reports = 0;
    for d in &done {
        let mine = reports
            .store()
            .by_author(&d.account, None, 100)
            .await
            .unwrap();
        let texts: BTreeSet<&str> = mine.iter().map(|r| r.description.as_str()).collect();
        assert_eq!(texts.len(), mine.len(), "a report stored twice");
        for seen in &d.reports {
            if let Seen::Acked(body) = seen {
                acked_reports += 1;
                let id = body["id"].as_str().unwrap();
                let n = mine.iter().filter(|r| r.id.as_str() == id).count();
                assert_eq!(n, 1, "acknowledged report {id} stored {n} times");
            }
        }
        assert!(mine.len() <= d.reports.len());
        stored_reports += mine.len();
    }

    // Email: every confirmation once, every Message-ID once.
    tokio::time::sleep(Duration::from_millis(1500)).await; // a late duplicate would show here
    let messages = sink.messages();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for m in &messages {
        let id = m.header("Message-ID").expect("a Message-ID").to_string();
        *by_id.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "emails sent twice: {twice:?}");
    let mut per_recipient: BTreeMap<(String, String), usize> = BTreeMap::new();
    for m in &messages {
        let kind = m.header("X-Veche-Kind").unwrap_or("").to_string();
        *per_recipient
            .entry((m.envelope_to.join(","), kind))
            .or_default() += 1;
    }
    for email in &signed_up {
        assert_eq!(
            per_recipient.get(&(email.clone(), "verify_email".to_string())),
            Some(&1),
            "the confirmation to {email}"
        );
    }
    assert!(
        per_recipient.values().all(|n| *n == 1),
        "one email per notification: {per_recipient:?}"
    );

    eprintln!(
        "stored: ballots {} (acknowledged {acked_ballots}, sealed tally {}, live counters {counters}); \
         supports {stored_supports} (acknowledged {acked_supports}); reports {stored_reports} \
         (acknowledged {acked_reports}); sign-ups acknowledged {}; emails {} with {} Message-IDs; \
         {:?} in all",
        ballots.len(),
        seal.ballots,
        signed_up.len(),
        messages.len(),
        by_id.len(),
        started.elapsed()
    );
    check.stop().await;
    drop(servers);
    if let Ok(db) = veche_core::storage::Mongo::connect(&uri).await {
        let _ = db.drop_database().await;
    }
}

/// A replica count of 0 or a word stops the start with a message naming the setting.
#[test]
fn a_bad_replica_count_stops_the_start() {
    for bad in ["0", "three"] {
        let dir = tempfile::tempdir().unwrap();
        let out = common::cli::veche(dir.path())
            .env("VECHE_REPLICAS", bad)
            .arg("serve")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "VECHE_REPLICAS={bad}");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("VECHE_REPLICAS") && text.contains("from 1 to 1000"),
            "{text}"
        );
    }
}
