//! A poll's whole life through the API: created, edited, scheduled, voted in, closed, sealed,
//! exported, published, and the points it gave.

use serde_json::{json, Value};

use veche_core::accounts::model::Role;

use super::{ballot_for, poll_input, quick, Auth, Code, Harness};
use crate::export::{self, Published};
use crate::model::PollId;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_from_draft_to_published_results() {
    let h = Harness::start(quick(), &[]).await;
    let official = h.user(&[Role::Official]).await;
    let anna = h.user(&[]).await;
    let boris = h.user(&[]).await;
    let as_official = official.auth();
    let as_anna = anna.auth();

    // Creating: officials only, idempotent with a key.
    let input = poll_input("Парк «Дубки»");
    let r = h.post("/api/v1/polls", &[], &input).await;
    assert_eq!(r.code(), (401, "unauthorized".into()));
    let r = h.post("/api/v1/polls", &[as_anna], &input).await;
    assert_eq!(r.code(), (403, "forbidden".into()));
    let key = ("Idempotency-Key", "create-1");
    let r = h.post("/api/v1/polls", &[as_official, key], &input).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let poll = r.json();
    let id = poll["id"].as_str().unwrap().to_string();
    assert_eq!(r.header("location"), Some(format!("/api/v1/polls/{id}")));
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(poll["status"], "draft");
    let again = h.post("/api/v1/polls", &[as_official, key], &input).await;
    assert_eq!((again.status, again.json()["id"].clone()), (201, json!(id)));
    let bad = json!({"title": "x"});
    let r = h.post("/api/v1/polls", &[as_official], &bad).await;
    assert_eq!(r.code(), (422, "validation_failed".into()));
    assert_eq!(r.json()["field"], "title");
    let r = h
        .post(
            "/api/v1/polls",
            &[as_official],
            &json!({"title": "abc", "x": 1}),
        )
        .await;
    assert_eq!(r.code(), (400, "unknown_field".into()));

    // A draft is visible only to those who manage it.
    let path = format!("/api/v1/polls/{id}");
    assert_eq!(h.get(&path, &[as_anna]).await.status, 404);
    assert_eq!(h.get(&path, &[]).await.status, 404);
    let r = h.get(&path, &[as_official]).await;
    assert_eq!((r.status, r.header("etag")), (200, Some("\"1\"".into())));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = h.get("/api/v1/polls?status=draft", &[as_anna]).await;
    assert_eq!(r.json()["items"], json!([]));
    let r = h.get("/api/v1/polls?status=draft", &[as_official]).await;
    assert_eq!(r.json()["items"][0]["id"], json!(id));

    // Editing names the version.
    let mut edit = input.clone();
    edit["title"] = json!("Парк «Дубки» — что построить");
    edit["questions"] = poll["questions"].clone();
    for q in edit["questions"].as_array_mut().unwrap() {
        let q = q.as_object_mut().unwrap();
        q.remove("max_choices");
        if q["kind"] == "single" {
            q.remove("kind");
        }
    }
    let body = edit.to_string();
    let put = |auth, version| h.send_if_match("PUT", &path, auth, version, Some(&body));
    let r = h.send("PUT", &path, &[as_official], Some(&body)).await;
    assert_eq!(r.code(), (428, "precondition_required".into()));
    let r = put(as_official, "v1").await;
    assert_eq!(r.code(), (400, "invalid_header".into()));
    let r = put(as_official, "\"1\"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(r.json()["questions"], poll["questions"], "ids are kept");
    let r = put(as_official, "1").await;
    assert_eq!(r.code(), (409, "version_conflict".into()));
    let r = put(as_anna, "2").await;
    assert_eq!(r.status, 404, "a resident does not see the draft");

    // Scheduling with an opening time passed: open at once.
    let r = h
        .send("POST", &format!("{path}/schedule"), &[as_official], None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "open");
    let r = h
        .send("POST", &format!("{path}/unschedule"), &[as_official], None)
        .await;
    assert_eq!(r.code(), (409, "not_scheduled".into()));
    let r = h
        .send_if_match("DELETE", &path, as_official, "3", None)
        .await;
    assert_eq!(r.code(), (409, "not_a_draft".into()));

    // Listing.
    let r = h.get("/api/v1/polls", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let item = &r.json()["items"][0];
    assert_eq!(
        (
            item["id"].clone(),
            item["status"].clone(),
            item["voted"].clone()
        ),
        (json!(id), json!("open"), json!(false))
    );
    assert_eq!(item["city_wide"], true);
    assert_eq!(item["points"], 25);
    let r = h.get("/api/v1/polls?eligible=true", &[]).await;
    assert_eq!(r.status, 401);
    let r = h.get("/api/v1/polls?eligible=true", &[as_anna]).await;
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(1));
    let r = h.get("/api/v1/polls?status=closed", &[as_anna]).await;
    assert_eq!(r.json()["items"], json!([]));
    let r = h.get("/api/v1/polls?status=later", &[]).await;
    assert_eq!(r.code(), (400, "invalid_status".into()));
    let r = h.get("/api/v1/polls?organisation=mine", &[as_anna]).await;
    assert_eq!(r.status, 403);
    let r = h
        .get("/api/v1/polls?organisation=mine", &[as_official])
        .await;
    assert_eq!(r.json()["items"][0]["id"], json!(id));

    // Results after voting.
    let poll = h.get(&path, &[]).await.json();
    let results = format!("{path}/results");
    let r = h.get(&results, &[as_anna]).await;
    assert_eq!(r.code(), (403, "results_hidden".into()));
    assert_eq!(h.get(&results, &[as_official]).await.status, 200);
    let r = h.get(&format!("{path}/dashboard"), &[as_anna]).await;
    assert_eq!(r.code(), (403, "forbidden".into()));

    // Voting.
    let ballots = format!("{path}/ballots");
    let r = h.post(&ballots, &[], &ballot_for(&poll, 0)).await;
    assert_eq!(r.status, 401);
    let bad = json!({"answers": [{"question": "nope", "options": ["x"]}]});
    let r = h.post(&ballots, &[as_anna], &bad).await;
    assert_eq!(r.code(), (422, "unknown_question".into()));
    assert_eq!(r.json()["question"], "nope");
    let r = h.post(&ballots, &[as_anna], &json!({"answers": []})).await;
    assert_eq!(r.code(), (422, "missing_answer".into()));
    let r = h.post(&ballots, &[as_anna], &ballot_for(&poll, 0)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cast = r.json();
    let receipt = cast["receipt"].as_str().unwrap().to_string();
    let receipt_path = format!("/api/v1/polls/{id}/receipts/{receipt}");
    assert_eq!(r.header("location").as_deref(), Some(receipt_path.as_str()));
    assert_eq!(cast["receipt_url"], json!(receipt_path));
    assert_eq!(cast["points"], 25);
    let r = h.post(&ballots, &[as_anna], &ballot_for(&poll, 1)).await;
    assert_eq!(r.code(), (409, "already_voted".into()));
    assert_eq!(r.json()["receipt"], json!(receipt));
    let key = ("Idempotency-Key", "vote-1");
    let first = h
        .post(&ballots, &[boris.auth(), key], &ballot_for(&poll, 1))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let replay = h
        .post(&ballots, &[boris.auth(), key], &ballot_for(&poll, 1))
        .await;
    assert_eq!((replay.status, replay.json()), (201, first.json()));

    let r = h.get(&format!("{path}/ballot"), &[as_anna]).await;
    assert_eq!(
        (r.status, r.json()["receipt"].clone()),
        (200, json!(receipt))
    );
    let r = h.get(&format!("{path}/ballot"), &[as_official]).await;
    assert_eq!(r.status, 404);
    let r = h.get(&results, &[as_anna]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ballots"], 2);
    assert_eq!(r.json()["final"], false);
    let r = h.get("/api/v1/polls", &[as_anna]).await;
    assert_eq!(r.json()["items"][0]["voted"], true);

    let r = h.get(&receipt_path, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let view = r.json();
    assert_eq!(view["status"], "open");
    assert_eq!(
        (
            view["root"].clone(),
            view["proof"].clone(),
            view["included"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(view["ballot"]["district"], "45383000");
    let r = h
        .get(&format!("{path}/receipts/{}", "0".repeat(64)), &[])
        .await;
    assert_eq!(r.status, 404);
    let r = h.get(&format!("{path}/receipts/zz"), &[]).await;
    assert_eq!(r.status, 404);

    for tail in ["seal", "ballots.json", "ballots.csv"] {
        let r = h.get(&format!("{path}/{tail}"), &[]).await;
        assert_eq!(r.code(), (409, "not_sealed".into()), "{tail}");
    }
    let r = h.get(&format!("{path}/dashboard"), &[as_official]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ballots"], 2);

    // Closing, sealing.
    let close = format!("{path}/close");
    let r = h
        .post(&close, &[as_official], &json!({"reason": "я".repeat(1001)}))
        .await;
    assert_eq!(r.code(), (422, "validation_failed".into()));
    assert!(r.json()["detail"].as_str().unwrap().contains("1000"));
    let r = h
        .post(&close, &[as_official], &json!({"because": "x"}))
        .await;
    assert_eq!(r.code(), (400, "unknown_field".into()));
    let r = h.send("POST", &close, &[as_official], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "closed");
    let r = h
        .post(&ballots, &[as_official], &ballot_for(&poll, 0))
        .await;
    assert_eq!(r.code(), (409, "poll_closed".into()));
    crate::service::seal(&h.polls, &PollId::parse(&id).unwrap())
        .await
        .unwrap();

    let r = h.get(&format!("{path}/seal"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    let published: Published = serde_json::from_str(&r.body).unwrap();
    assert_eq!(published.ballots, 2);
    for (tail, content_type) in [
        ("ballots.json", "application/json"),
        ("ballots.csv", "text/csv; charset=utf-8"),
    ] {
        let r = h.get(&format!("{path}/{tail}"), &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type").as_deref(), Some(content_type));
        assert_eq!(
            r.header("content-disposition"),
            Some(format!("attachment; filename=\"poll-{id}-{tail}\""))
        );
        let parsed = export::parse(&r.body).unwrap();
        let verdict = export::check(&parsed, &published);
        assert!(verdict.ok(), "{tail}: {:?}", verdict.problems);
    }
    let r = h.get(&receipt_path, &[]).await;
    let view = r.json();
    assert_eq!(view["included"], true, "{}", r.body);
    assert_eq!(view["root"], json!(published.root));
    assert!(view["proof"].is_array());

    let r = h.get(&results, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["final"], true);
    let r = h.get(&format!("{path}/results.csv"), &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("group_kind,"), "{}", r.body);
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"poll-{id}-results.csv\""))
    );

    // Publishing.
    let publication = format!("{path}/publication");
    let r = h
        .post(&publication, &[as_official], &json!({"decision": " "}))
        .await;
    assert_eq!(r.code(), (422, "validation_failed".into()));
    let r = h
        .post(
            &publication,
            &[as_official],
            &json!({"decision": "Строим каток."}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "published");
    assert_eq!(r.json()["decision"], "Строим каток.");
    let r = h.get("/api/v1/polls?status=published", &[]).await;
    assert_eq!(r.json()["items"][0]["id"], json!(id));

    // Points.
    let r = h.get("/api/v1/me/points", &[as_anna]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let points = r.json();
    assert_eq!(points["balance"], 25);
    assert_eq!(points["items"][0]["title"], "Парк «Дубки» — что построить");
    assert_eq!(points["next_cursor"], Value::Null);
    assert_eq!(h.get("/api/v1/me/points", &[]).await.status, 401);
}
