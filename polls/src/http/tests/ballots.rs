//! The ballot route sheds load and limits rates before anything else.

use serde_json::json;

use veche_core::accounts::model::Role;

use super::{ballot_for, poll_input, quick, Auth, Code, Harness};
use crate::service::PollsConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ballots_are_shed_and_rate_limited() {
    let shedding = Harness::start(
        PollsConfig {
            max_in_flight: 0,
            ..quick()
        },
        &[],
    )
    .await;
    let anna = shedding.user(&[]).await;
    let r = shedding
        .post(
            "/api/v1/polls/01ANY/ballots",
            &[anna.auth()],
            &json!({"answers": []}),
        )
        .await;
    assert_eq!(r.code(), (503, "overloaded".into()));
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));

    let h = Harness::start(quick(), &[("ballot_account", "1/min")]).await;
    let official = h.user(&[Role::Official]).await;
    let anna = h.user(&[]).await;
    let r = h
        .post("/api/v1/polls", &[official.auth()], &poll_input("Парк"))
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/polls/{id}");
    h.send(
        "POST",
        &format!("{path}/schedule"),
        &[official.auth()],
        None,
    )
    .await;
    let poll = h.get(&path, &[]).await.json();
    let ballots = format!("{path}/ballots");
    let r = h
        .post(&ballots, &[anna.auth()], &ballot_for(&poll, 0))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = h
        .post(&ballots, &[anna.auth()], &ballot_for(&poll, 0))
        .await;
    assert_eq!(r.code(), (429, "rate_limited".into()));
    assert!(r.header("retry-after").is_some());
}
