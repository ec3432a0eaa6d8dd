//! The list of polls, page by page, and drafts deleted by version.

use veche_core::accounts::model::Role;

use super::{poll_input, quick, Auth, Code, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_a_cursor_and_drafts_are_deleted_by_version() {
    let h = Harness::start(quick(), &[]).await;
    let official = h.user(&[Role::Official]).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let r = h
            .post(
                "/api/v1/polls",
                &[official.auth()],
                &poll_input(&format!("Опрос {n}")),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/polls?limit=2&cursor={c}"),
            None => "/api/v1/polls?limit=2".to_string(),
        };
        let r = h.get(&path, &[official.auth()]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, each once");
    let r = h.get("/api/v1/polls?cursor=%%%", &[]).await;
    assert_eq!(r.status, 400);
    let r = h.get("/api/v1/polls?limit=101", &[]).await;
    assert_eq!(r.code(), (400, "invalid_limit".into()));

    let path = format!("/api/v1/polls/{}", ids[0]);
    let r = h.send("DELETE", &path, &[official.auth()], None).await;
    assert_eq!(r.code(), (428, "precondition_required".into()));
    let r = h
        .send_if_match("DELETE", &path, official.auth(), "\"7\"", None)
        .await;
    assert_eq!(r.code(), (409, "version_conflict".into()));
    let r = h
        .send_if_match("DELETE", &path, official.auth(), "\"1\"", None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(h.get(&path, &[official.auth()]).await.status, 404);
}
