//! Graceful shutdown: a request in flight when the shutdown starts still gets its answer, and
//! new connections are refused. Its own test binary, so the in-flight gauge it watches counts
//! only its own requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::http::raw;
use common::{TestApp, KHAMOVNIKI, PASSWORD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Polls `check` every 20 ms until it is true, or panics after `limit`.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn in_flight() -> i64 {
    veche_core::metrics::HTTP_IN_FLIGHT.get()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_flight_request_finishes_after_shutdown_begins() {
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let body = serde_json::json!({
        "email": "late@example.org", "password": PASSWORD, "display_name": "Поздний Житель",
        "district_id": KHAMOVNIKI, "birth_year": 1990
    })
    .to_string();
    // Send the headers and half of the body: the server is now handling the request,
    // waiting for the rest.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let head = raw::request_head(
        "POST",
        "/api/v1/accounts",
        &[("Host", &addr), ("Content-Type", "application/json")],
        Some(body.len()),
    );
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    eventually(
        "the request to be in flight",
        Duration::from_secs(10),
        || async { in_flight() >= 1 },
    )
    .await;

    let token = app.app.as_ref().unwrap().shutdown_token();
    token.cancel();
    // New connections are refused once the listener is closed.
    eventually("the listener to close", Duration::from_secs(10), || {
        let addr = addr.clone();
        async move { TcpStream::connect(&addr).await.is_err() }
    })
    .await;

    // The request in flight completes.
    stream.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("the answer arrives")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.contains("late@example.org"), "{answer}");
    let stored = app
        .platform()
        .store
        .account_by_email("late@example.org")
        .await
        .unwrap();
    assert!(stored.is_some(), "the account was stored");
    app.stop().await;
}
