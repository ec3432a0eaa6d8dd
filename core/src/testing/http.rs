//! A hand-written HTTP/1.1 client over a plain TCP connection, for tests that must send what a
//! well-behaved client library would not (half a body, a request and then a hang-up, a body
//! over the size limit on a kept-alive connection) or that want the answer byte for byte.
//!
//! One copy, shared through the `testing` feature (the black-box tests in `tests/` use it), so
//! that no test writes requests and parses answers by hand again.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The text of a request head: the request line, each header as given, and, when
/// `content_length` is given, a `Content-Length` header; ends with the blank line.
pub fn request_head(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    content_length: Option<usize>,
) -> String {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(length) = content_length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// A whole request: [`request_head`] with the `Content-Length` of `body`, then `body`.
pub fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = request_head(method, target, headers, Some(body.len()));
    text.push_str(body);
    text
}

/// Reads one response (head and `Content-Length` body) from a connection that may stay open;
/// `None` when the server closed the connection instead.
pub async fn read_response(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            let length: usize = header_in(&head, "content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while raw.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                raw.extend_from_slice(&buf[..n]);
            }
            let body = String::from_utf8_lossy(&raw[end + 4..end + 4 + length]).to_string();
            return Some((head, body));
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
}

/// The value of header `name` (any case) in a response head.
pub fn header_in(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}
