//! Sending: SMTP through lettre's pooled async transport, or `.eml` files in a folder when no
//! SMTP server is configured (a demo, or a town that collects mail another way).

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Mutex;
use std::time::Instant;

use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (a relay on the same host or a private network; the tests).
    None,
    /// Plain connection upgraded with STARTTLS, required (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Clone, Debug)]
pub enum Transport {
    Smtp {
        host: String,
        port: u16,
        security: Security,
        /// User name and password.
        credentials: Option<(String, String)>,
        /// Connections kept open to the server (and so emails sent at once).
        pool_size: u32,
        /// For each SMTP command.
        timeout: Duration,
    },
    /// Each email becomes `<folder>/<uuid>.eml`.
    Directory(PathBuf),
}

impl Transport {
    /// For the start-up log: where emails go, without credentials.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp {
                host,
                port,
                security,
                credentials,
                ..
            } => format!(
                "smtp://{host}:{port} ({}{})",
                match security {
                    Security::None => "plain",
                    Security::StartTls => "STARTTLS",
                    Security::Tls => "TLS",
                },
                if credentials.is_some() {
                    ", with a password"
                } else {
                    ""
                }
            ),
            Transport::Directory(dir) => format!("the folder {}", dir.display()),
        }
    }
}

/// Why a send failed, with any address in the server's answer blanked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The server refused for good (5xx): retrying will not help.
    Permanent(String),
    /// Anything else: a 4xx, a timeout, a refused or broken connection.
    Transient(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Permanent(e) => write!(f, "permanent: {e}"),
            SendError::Transient(e) => write!(f, "transient: {e}"),
        }
    }
}

enum Inner {
    Smtp(Box<SmtpPool>),
    Directory(AsyncFileTransport<Tokio1Executor>),
}

/// Pooled SMTP connections made with lettre's async client.
///
/// lettre's own pooled transport does not set `TCP_NODELAY`: it writes a message and then the
/// closing `.` in two writes, and Nagle's algorithm holds the second until the server's delayed
/// ACK (40 ms on Linux), which capped delivery at ~150 emails/s on loopback. Here plain and
/// STARTTLS connections are opened on a socket with `TCP_NODELAY`; implicit TLS uses lettre's
/// connect. A connection idle for a while is checked with `NOOP` before reuse.
struct SmtpPool {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    timeout: Duration,
    tls: Option<TlsParameters>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    slots: tokio::sync::Semaphore,
}

/// A pooled connection unused for longer than this is checked with `NOOP` first.
const CHECK_AFTER: Duration = Duration::from_secs(5);
/// ... and one unused for longer than this is closed (servers drop idle clients).
const IDLE_MAX: Duration = Duration::from_secs(60);

fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent(redact(&e.to_string()))
    } else {
        SendError::Transient(redact(&e.to_string()))
    }
}

impl SmtpPool {
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let mut conn = match (self.security, &self.tls) {
            (Security::Tls, Some(tls)) => AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(self.timeout),
                &self.hello,
                Some(tls.clone()),
                None,
            )
            .await
            .map_err(classify)?,
            _ => {
                let tcp = tokio::time::timeout(
                    self.timeout,
                    tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                .map_err(|_| SendError::Transient("connection timed out".into()))?
                .map_err(|e| SendError::Transient(format!("connection: {e}")))?;
                tcp.set_nodelay(true)
                    .map_err(|e| SendError::Transient(format!("connection: {e}")))?;
                let mut conn =
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                        .await
                        .map_err(classify)?;
                if let (Security::StartTls, Some(tls)) = (self.security, &self.tls) {
                    conn.starttls(tls.clone(), &self.hello)
                        .await
                        .map_err(classify)?;
                }
                conn
            }
        };
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(classify)?;
        }
        Ok(conn)
    }

    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            let Some((mut conn, since)) = pooled else {
                return self.connect().await;
            };
            let idle = since.elapsed();
            if conn.has_broken() || idle > IDLE_MAX {
                conn.abort().await;
                continue;
            }
            if idle > CHECK_AFTER && !conn.test_connected().await {
                conn.abort().await;
                continue;
            }
            return Ok(conn);
        }
    }

    async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), SendError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| SendError::Transient("the mailer is closed".into()))?;
        let mut conn = self.checkout().await?;
        // One deadline for the whole transaction, so a server that stops answering cannot hold
        // a job past its lease.
        let sent = tokio::time::timeout(self.timeout, conn.send(envelope, bytes)).await;
        match sent {
            Ok(Ok(_)) => {
                if let Ok(mut idle) = self.idle.lock() {
                    idle.push((conn, Instant::now()));
                }
                Ok(())
            }
            Ok(Err(e)) => {
                conn.abort().await;
                Err(classify(e))
            }
            Err(_) => {
                conn.abort().await;
                Err(SendError::Transient(
                    "the SMTP server did not answer in time".into(),
                ))
            }
        }
    }
}

pub struct Mailer {
    inner: Inner,
    from: Mailbox,
    description: String,
}

impl Mailer {
    /// `from` is a mailbox such as `Вече <noreply@veche.example>`.
    pub fn new(transport: &Transport, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("the sender address {from:?} is not valid: {e}"))?;
        let inner = match transport {
            Transport::Smtp {
                host,
                port,
                security,
                credentials,
                pool_size,
                timeout,
            } => {
                let tls = match security {
                    Security::None => None,
                    Security::StartTls | Security::Tls => Some(
                        TlsParameters::new(host.clone())
                            .map_err(|e| format!("TLS settings for {host}: {e}"))?,
                    ),
                };
                Inner::Smtp(Box::new(SmtpPool {
                    host: host.clone(),
                    port: *port,
                    security: *security,
                    credentials: credentials
                        .as_ref()
                        .map(|(user, password)| Credentials::new(user.clone(), password.clone())),
                    timeout: *timeout,
                    tls,
                    hello: ClientId::default(),
                    idle: Mutex::new(Vec::new()),
                    slots: tokio::sync::Semaphore::new((*pool_size).max(1) as usize),
                }))
            }
            Transport::Directory(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the mail folder {}: {e}", dir.display()))?;
                Inner::Directory(AsyncFileTransport::new(dir))
            }
        };
        Ok(Mailer {
            inner,
            from,
            description: transport.describe(),
        })
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Sends one message; returns once the server accepted it (`250` after the data).
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match &self.inner {
            Inner::Smtp(pool) => pool.send(message.envelope(), &message.formatted()).await,
            Inner::Directory(files) => files
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Transient(e.to_string())),
        }
    }
}

/// Blanks out anything that looks like an email address: server answers often quote the
/// recipient, and recipients' addresses stay out of logs and stored errors.
pub fn redact(text: &str) -> String {
    text.split_inclusive(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ',' | ';' | '(' | ')')
    })
    .map(|piece| {
        let (word, sep) = match piece.char_indices().last() {
            Some((i, c)) if c.is_whitespace() || "<>\"',;()".contains(c) => piece.split_at(i),
            _ => (piece, ""),
        };
        if word.contains('@') {
            format!("[address]{sep}")
        } else {
            piece.to_string()
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_blanked_out_of_errors() {
        let text = "permanent error (550): 5.1.1 <anna@example.org>: Recipient address rejected";
        let out = redact(text);
        assert!(!out.contains("anna"), "{out}");
        assert!(
            out.contains("<[address]>: Recipient address rejected"),
            "{out}"
        );
        assert_eq!(redact("connection refused"), "connection refused");
        assert_eq!(redact("to bob@x.org"), "to [address]");
    }
}
