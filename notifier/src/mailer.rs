//! Sending: SMTP through lettre's pooled async transport, or `.eml` files in a folder when no
//! SMTP server is configured (a demo, or a town that collects mail another way).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls as SmtpTls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

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
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Directory(AsyncFileTransport<Tokio1Executor>),
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
                let tls = || {
                    TlsParameters::new(host.clone())
                        .map_err(|e| format!("TLS settings for {host}: {e}"))
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(*port)
                    .timeout(Some(*timeout))
                    .pool_config(
                        PoolConfig::new()
                            .max_size((*pool_size).max(1))
                            .idle_timeout(Duration::from_secs(60)),
                    );
                builder = match security {
                    Security::None => builder.tls(SmtpTls::None),
                    Security::StartTls => builder.tls(SmtpTls::Required(tls()?)),
                    Security::Tls => builder.tls(SmtpTls::Wrapper(tls()?)),
                };
                if let Some((user, password)) = credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Inner::Smtp(builder.build())
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
            Inner::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(redact(&e.to_string()))),
                Err(e) => Err(SendError::Transient(redact(&e.to_string()))),
            },
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
