//! Talking to the app under test over HTTP: with a cookie-jar client as a browser does (and
//! the CSRF header), with a bearer token as a program does ([`Api`]), and over a raw
//! connection ([`raw`], the hand-written HTTP/1.1 client of `veche_core::testing::http`).

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;

use super::TestApp;

pub use veche_core::testing::http as raw;

/// The problem document's `code`, asserting the content type.
pub async fn problem_code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.expect("problem json");
    (status, body["code"].as_str().unwrap_or("").to_string())
}

/// Asserts the answer is a problem document with this status and `code`.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) {
    assert_eq!(problem_code(response).await, (status, code.to_string()));
}

/// Sending a request built with reqwest, panicking when it cannot be sent.
#[allow(async_fn_in_trait)]
pub trait Fetch {
    async fn fetch(self) -> Response;
    /// Sends the request and reads the answer's body as JSON (whatever the status).
    async fn fetch_json(self) -> Value;
}

impl Fetch for reqwest::RequestBuilder {
    async fn fetch(self) -> Response {
        self.send().await.expect("request")
    }

    async fn fetch_json(self) -> Value {
        self.fetch().await.json().await.expect("json")
    }
}

/// Requests of a cookie-jar client (one browser, see [`TestApp::client`]).
impl TestApp {
    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("request")
    }

    /// The body of `path` as `client` gets it, whatever the status.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        self.get(client, path).await.text().await.expect("a body")
    }

    /// GET `path` (a photo's `/media/…` address) until it answers something else than 404 or
    /// the processing placeholder (an SVG), within 30 s: the upload was processed in the
    /// background. Its answer.
    pub async fn processed(&self, client: &Client, path: &str) -> Response {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let response = self.get(client, path).await;
            let placeholder = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t.as_bytes().starts_with(b"image/svg+xml"));
            if response.status() != StatusCode::NOT_FOUND && !placeholder {
                return response;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} answers {} ({}): the upload was not processed within 30 s",
                response.status(),
                if placeholder {
                    "the placeholder"
                } else {
                    "nothing"
                }
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// GET `path`, its body as JSON (whatever the status).
    pub async fn get_json(&self, client: &Client, path: &str) -> Value {
        self.get(client, path).await.json().await.expect("json")
    }

    /// A state-changing request of a signed-in session: with its CSRF token in `x-csrf-token`.
    pub async fn send_csrf(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        csrf: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = client
            .request(method, self.url(path))
            .header("x-csrf-token", csrf);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    pub async fn post_csrf(
        &self,
        client: &Client,
        path: &str,
        csrf: &str,
        body: &Value,
    ) -> Response {
        self.send_csrf(client, Method::POST, path, csrf, Some(body))
            .await
    }

    /// [`TestApp::post_csrf`] that must create something: asserts 201; the answer read whole.
    pub async fn create_csrf(
        &self,
        client: &Client,
        path: &str,
        csrf: &str,
        body: &Value,
    ) -> Reply {
        let reply = Reply::of(self.post_csrf(client, path, csrf, body).await).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "POST {path}: {}",
            reply.text
        );
        reply
    }

    /// POSTs `body` as it is, with the given content type.
    pub async fn post_raw(
        &self,
        client: &Client,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .fetch()
            .await
    }

    /// A form POST (`application/x-www-form-urlencoded`) of the fields.
    pub async fn post_form(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        client.post(self.url(path)).form(fields).fetch().await
    }

    /// A `multipart/form-data` POST of text fields and files, as [`multipart`] takes them.
    pub async fn post_multipart(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Response {
        let (content_type, body) = multipart(fields, files);
        self.post_raw(client, path, &content_type, body).await
    }
}

/// An answer read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub async fn of(response: Response) -> Reply {
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text))
    }

    /// Asserts the status, naming the body when it is not.
    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text);
    }

    /// Asserts the status (naming the body when it is not), then the body as JSON.
    #[track_caller]
    pub fn json_if(&self, status: StatusCode) -> Value {
        self.assert_status(status);
        self.json()
    }

    /// Status and problem code (asserting a problem document).
    pub fn code(&self) -> (u16, String) {
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "status {}: {}",
            self.status,
            self.text
        );
        let body = self.json();
        assert_eq!(body["status"], self.status.as_u16(), "{}", self.text);
        (
            self.status.as_u16(),
            body["code"].as_str().unwrap_or("").to_string(),
        )
    }
}

/// The item of the JSON array `list` whose `id` is `id`.
pub fn with_id<'v>(list: &'v Value, id: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {list}"))
}

/// A status and problem code, as [`Reply::code`] gives them.
pub fn problem(status: u16, code: &str) -> (u16, String) {
    (status, code.to_string())
}

/// A program's client of the JSON API: bearer tokens, no cookies, no redirects followed, a
/// connection pool large enough for the concurrency tests.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub client: Client,
}

impl<'a> Api<'a> {
    pub fn new(app: &'a TestApp) -> Api<'a> {
        Api {
            app,
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(2048)
                .build()
                .unwrap(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.client.request(method, self.app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Reply::of(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(Method::POST, path, token, Some(body), &[]).await
    }

    /// A POST without a body (schedule, unschedule, close).
    pub async fn act(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::POST, path, token, None, &[]).await
    }

    /// A PUT without a body (a support given).
    pub async fn put(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::PUT, path, token, None, &[]).await
    }

    /// A DELETE without a body (a support withdrawn).
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::DELETE, path, token, None, &[]).await
    }

    /// A request naming the version it changes (`If-Match`).
    pub async fn if_match(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        version: &str,
    ) -> Reply {
        self.send(method, path, Some(token), body, &[("if-match", version)])
            .await
    }

    /// Checks that the OpenAPI document holds each of the routes.
    pub async fn assert_documented(&self, paths: &[&str]) {
        let doc = self
            .get("/api/v1/openapi.json", None)
            .await
            .json_if(StatusCode::OK);
        for path in paths {
            assert!(
                doc["paths"][path].is_object(),
                "{path} missing from the OpenAPI document"
            );
        }
    }

    pub async fn raw_post(&self, path: &str, token: &str, content: &str) -> Reply {
        let response = self
            .client
            .post(self.app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(content.to_string())
            .send()
            .await
            .expect("request");
        Reply::of(response).await
    }
}

/// A `multipart/form-data` body of text fields and files (the field's name, the file's name,
/// its content type, its bytes); its `Content-Type`.
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "veche-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
