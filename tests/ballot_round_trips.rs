//! What a ballot costs the MongoDB adapter in round trips, counted with the driver's command
//! monitoring: every command the driver sends is observed into
//! `veche_store_call_duration_seconds{backend="mongodb", op=<command name>}`. In the steady
//! state (residents the server resolved lately, a poll already frozen by its first ballot) a
//! ballot costs at most one write round trip, shared with the ballots sent at the same moment
//! (an `insert` of many documents), and no read of its own: the identity comes from memory
//! (`accounts::identity`), the poll from the service's cache (read again by one request a
//! second, not by every request that arrives meanwhile), the one-ballot rule from the unique
//! key. What remains runs on timers whatever the load: the poll's cache and the identity
//! revocations (a read a second each), the tallies' flush (a write at most every 100 ms) and
//! the tokens' last use (a write a second).
//!
//! MongoDB only, alone in its binary: the metric is the process's, so no other test may send
//! commands meanwhile.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::stream::{self, StreamExt};
use prometheus::core::Collector;
use reqwest::StatusCode;
use serde_json::{json, Value};

use common::app::unlimited;
use common::fixtures::poll_input;
use common::http::Api;
use common::{resident, Store, TestApp, KHAMOVNIKI};
use veche_core::accounts::model::Role;

const BALLOTS: usize = 1_000;

/// Commands sent to MongoDB so far, by name.
fn commands() -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for family in veche_core::metrics::STORE_LATENCY.collect() {
        for metric in family.get_metric() {
            let label = |name: &str| {
                metric
                    .get_label()
                    .iter()
                    .find(|l| l.name() == name)
                    .map(|l| l.value().to_string())
            };
            if label("backend").as_deref() == Some("mongodb") {
                let op = label("op").unwrap_or_default();
                *counts.entry(op).or_default() += metric.get_histogram().get_sample_count();
            }
        }
    }
    counts
}

fn since(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn ballot(poll: &Value) -> Value {
    let question = &poll["questions"][0];
    json!({"answers": [{"question": question["id"], "options": [question["options"][0]["id"]]}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ballot_costs_one_shared_write_and_no_read_on_mongodb() {
    // Identities kept longer than the default minute: on a busy machine the test server takes
    // more than a minute over a thousand residents.
    let Some(app) = TestApp::spawn_with(Store::Mongo, |settings| {
        unlimited(settings);
        settings.identity_ttl = std::time::Duration::from_secs(1800);
    })
    .await
    else {
        return;
    };
    let api = Api::new(&app);
    let official = resident(&app, KHAMOVNIKI, 1975, true, &[Role::Official])
        .await
        .1;
    let input = poll_input(
        "Парк «Дубки»",
        json!({}),
        "after_voting",
        time::Duration::minutes(-1),
    );
    let r = api.post("/api/v1/polls", Some(&official), &input).await;
    r.assert_status(StatusCode::CREATED);
    let poll = r.json();
    let path = format!("/api/v1/polls/{}", poll["id"].as_str().unwrap());
    let r = api.act(&format!("{path}/schedule"), Some(&official)).await;
    r.assert_status(StatusCode::OK);
    let poll = r.json();
    assert_eq!(poll["status"], "open");

    // The residents, each seen by the server once (they opened the app), and a first ballot
    // that freezes the poll.
    let voters: Vec<String> = stream::iter(0..=BALLOTS)
        .map(|_| async { resident(&app, KHAMOVNIKI, 1990, true, &[]).await.1 })
        .buffer_unordered(16)
        .collect()
        .await;
    stream::iter(&voters)
        .for_each_concurrent(16, |token| {
            let api = &api;
            async move {
                let r = api.get("/api/v1/me", Some(token)).await;
                r.assert_status(StatusCode::OK);
            }
        })
        .await;
    let ballots = format!("{path}/ballots");
    let r = api
        .post(&ballots, Some(&voters[BALLOTS]), &ballot(&poll))
        .await;
    r.assert_status(StatusCode::CREATED);
    // The scheduler announces the opening to the poll's residents in the background (a page
    // of accounts and one read of their preferences per 500); wait until it has, so that what
    // is counted below is the ballots'.
    let id = veche_polls::model::PollId::parse(poll["id"].as_str().unwrap()).unwrap();
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    while !veche_polls::service::find(&app.polls(), &id)
        .await
        .unwrap()
        .announced
    {
        assert!(Instant::now() < deadline, "the opening was not announced");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let before = commands();
    let started = Instant::now();
    stream::iter(&voters[..BALLOTS])
        .for_each_concurrent(32, |token| {
            let (api, ballots, body) = (&api, &ballots, ballot(&poll));
            async move {
                let r = api.post(ballots, Some(token), &body).await;
                r.assert_status(StatusCode::CREATED);
            }
        })
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let sent = since(&before, &commands());
    let count = |ops: &[&str]| {
        ops.iter()
            .map(|op| sent.get(*op).copied().unwrap_or(0))
            .sum::<u64>()
    };
    let inserts = count(&["insert"]);
    let reads = count(&["find", "aggregate", "count", "getMore", "distinct"]);
    let other_writes = count(&["update", "findAndModify", "delete"]);
    eprintln!(
        "{BALLOTS} ballots in {seconds:.1} s: {inserts} inserts ({:.1} ballots each), {reads} reads, {other_writes} other writes; by command: {sent:?}",
        BALLOTS as f64 / inserts.max(1) as f64
    );
    // At most one write round trip a ballot, shared: an insert carries every ballot queued
    // when it goes.
    assert!(inserts >= 1 && inserts <= BALLOTS as u64, "{sent:?}");
    // No read a ballot, and no other write: what remains runs on timers, so it grows with the
    // run's seconds, not with its ballots. Reads: the poll's cache (a second), the identity
    // revocations (a second), the tallies' check of other servers' shards. Writes: the
    // tallies' flush (at most every 100 ms), the tokens' last use (a second).
    let ticks = seconds.ceil() as u64 + 1;
    assert!(
        reads <= ticks * 3,
        "{reads} reads in {seconds:.1} s: {sent:?}"
    );
    assert!(
        other_writes <= ticks * 11,
        "{other_writes} other writes in {seconds:.1} s: {sent:?}"
    );
    // A thousand ballots at 32 at a time share their inserts.
    assert!(inserts * 4 <= BALLOTS as u64, "{sent:?}");
    assert!(
        sent.keys().all(|op| [
            "insert",
            "find",
            "aggregate",
            "count",
            "getMore",
            "update",
            "findAndModify"
        ]
        .contains(&op.as_str())),
        "{sent:?}"
    );
    app.stop().await;
}
