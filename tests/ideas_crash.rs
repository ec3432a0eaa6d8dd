//! A support answered is a support kept: `veche serve` on the embedded store is killed with
//! SIGKILL as soon as it has answered a burst of supports (some of them still in its journal,
//! not yet in the tables), and started again; every support it answered is counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::cli::{veche, Run, Served};

const IDEAS: usize = 30;
const RESIDENTS: usize = 600;
/// Support limits out of the way: the burst is all one test's.
const RATE: (&str, &str) = ("VECHE_RATE", "idea_support=1000000/s");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supports_answered_before_a_kill_are_all_counted_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let tokens_out = dir.path().join("tokens");
    let (ideas_n, residents_n) = (IDEAS.to_string(), RESIDENTS.to_string());
    let args = [
        "ideas",
        "bench-seed",
        "--ideas",
        &ideas_n,
        "--residents",
        &residents_n,
        "--tokens-out",
        tokens_out.to_str().unwrap(),
    ];
    Run::of(&mut veche(dir.path()), &args).exits(0);
    let lines = |path: std::path::PathBuf| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines().map(str::to_string).collect()
    };
    let tokens = lines(tokens_out.clone());
    let ideas = lines(tokens_out.with_extension("ideas"));
    assert_eq!(tokens.len(), RESIDENTS);
    assert!(ideas.len() >= 10, "{ideas:?}");

    let server = Served::start(dir.path(), &[RATE]).await;
    let client = reqwest::Client::new();
    let url = |base: &str, idea: &str| format!("{base}/api/v1/ideas/{idea}/support");
    // Each resident supports one idea, all at once.
    let burst = tokens.iter().enumerate().map(|(n, token)| {
        let idea = ideas[n % ideas.len()].clone();
        let request = client
            .put(url(&server.base, &idea))
            .bearer_auth(token)
            .send();
        async move {
            let answer = request.await.unwrap();
            let status = answer.status();
            let body: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(status, 200, "{body}");
            (idea, body["supports"].as_u64().unwrap())
        }
    });
    let answered = futures::future::join_all(burst).await;
    server.kill();

    let mut sent: BTreeMap<String, u64> = BTreeMap::new();
    let mut highest: BTreeMap<String, u64> = BTreeMap::new();
    for (idea, count) in &answered {
        *sent.entry(idea.clone()).or_default() += 1;
        let top = highest.entry(idea.clone()).or_default();
        *top = (*top).max(*count);
    }
    // Each answer counted its own support among those before it.
    assert_eq!(sent, highest);

    let server = Served::start(dir.path(), &[RATE]).await;
    for (idea, supports) in &sent {
        let url = format!("{}/api/v1/ideas/{idea}", server.base);
        let answer = client
            .get(url)
            .bearer_auth(&tokens[0])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["supports"].as_u64(), Some(*supports), "{idea}: {body}");
    }
    // And the supports themselves, not only the counts: a second support is no new one.
    let again = client
        .put(url(&server.base, &ideas[0]))
        .bearer_auth(&tokens[0]);
    let again = again.send().await.unwrap();
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(
        body["supports"].as_u64(),
        sent.get(&ideas[0]).copied(),
        "{body}"
    );
}
