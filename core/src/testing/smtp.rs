//! A real SMTP server on loopback for one test: `scripts/lib/smtp_sink.py` (aiosmtpd) on a free
//! port, delivering into its own Maildir, which the test reads and parses. Each test gets its own
//! server, so a test can stop it (an outage) and count exactly what it received.
//!
//! Recipients at `bounce.test` are refused permanently (550), at `tempfail.test` transiently
//! (451). Without Python's aiosmtpd the test is skipped with a note, except under `CI=true`,
//! where it fails (`scripts/test` installs it).

use std::io::Read;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

/// One received message, parsed.
#[derive(Clone, Debug)]
pub struct Received {
    pub raw: String,
    /// The envelope recipients (`RCPT TO`).
    pub envelope_to: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Received {
    /// The first header of this name (case-insensitive), unfolded and decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The first `http…` link in the text part containing `needle`.
    pub fn link_containing(&self, needle: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(needle))
            .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_string())
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib/smtp_sink.py")
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn free_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("no free port: {e}"),
    }
}

impl SmtpSink {
    /// Starts a server, or returns `None` (skip) when aiosmtpd is missing outside CI.
    pub fn start() -> Option<SmtpSink> {
        if !python_ready() {
            if super::in_ci() {
                panic!("CI=true but Python's aiosmtpd is missing (scripts/test installs it)");
            }
            eprintln!("note: Python's aiosmtpd is missing; skipping (scripts/test installs it)");
            return None;
        }
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("temporary folder: {e}"),
        };
        let mut sink = SmtpSink {
            port: free_port(),
            dir,
            child: None,
        };
        sink.resume();
        Some(sink)
    }

    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Starts the server again on the same port (after [`SmtpSink::stop`]) and waits until it
    /// greets.
    pub fn resume(&mut self) {
        if self.child.is_some() {
            return;
        }
        let child = Command::new("python3")
            .arg(script())
            .args(["--port", &self.port.to_string(), "--maildir"])
            .arg(self.maildir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn();
        match child {
            Ok(c) => self.child = Some(c),
            Err(e) => panic!("starting the SMTP sink: {e}"),
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut greeting = [0u8; 3];
                if stream.read_exact(&mut greeting).is_ok() && &greeting == b"220" {
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "the SMTP sink on port {} did not greet within 30 s",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (an outage) and waits until the port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            if Instant::now() > deadline {
                panic!("the SMTP sink on port {} still answers", self.port);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        read_maildir(&self.maildir())
    }

    /// Polls until at least `n` messages arrived (panics after `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        wait_for_in(&self.maildir(), n, timeout).await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls a Maildir until at least `n` messages arrived (panics after `timeout`).
pub async fn wait_for_in(maildir: &std::path::Path, n: usize, timeout: Duration) -> Vec<Received> {
    let deadline = Instant::now() + timeout;
    loop {
        let messages = read_maildir(maildir);
        if messages.len() >= n {
            return messages;
        }
        if Instant::now() > deadline {
            panic!(
                "expected {n} messages in {} within {timeout:?}, got {}",
                maildir.display(),
                messages.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Reads and parses every message in `maildir/new` (and `cur`), oldest file first.
pub fn read_maildir(maildir: &std::path::Path) -> Vec<Received> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(entries) = std::fs::read_dir(maildir.join(sub)) {
            for entry in entries.flatten() {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                files.push((modified, entry.path()));
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| std::fs::read(path).ok())
        .filter_map(|bytes| parse(&bytes))
        .collect()
}

pub fn parse(bytes: &[u8]) -> Option<Received> {
    let message = mail_parser::MessageParser::default().parse(bytes)?;
    let headers = message
        .headers()
        .iter()
        .map(|h| {
            let name = h.name().to_string();
            let raw = &bytes[h.offset_start() as usize..h.offset_end() as usize];
            let value = String::from_utf8_lossy(raw)
                .replace("\r\n", "")
                .replace('\n', "")
                .trim()
                .to_string();
            let decoded = match h.value() {
                mail_parser::HeaderValue::Text(t) => t.to_string(),
                _ => value,
            };
            (name, decoded)
        })
        .collect::<Vec<_>>();
    let envelope_to = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("X-Envelope-To"))
        .map(|(_, v)| v.clone())
        .collect();
    Some(Received {
        raw: String::from_utf8_lossy(bytes).into_owned(),
        envelope_to,
        subject: message.subject().unwrap_or_default().to_string(),
        text: message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        html: message
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        headers,
    })
}
