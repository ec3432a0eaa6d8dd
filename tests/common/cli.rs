//! The `veche` binary under test, run as a separate process.

use std::path::Path;
use std::process::{Command, Output};

/// `veche` on the store in `data_dir` (SQLite): no MongoDB from the test run's environment,
/// warnings only in its log. Add the arguments (and any other environment) and run it.
pub fn veche(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_veche"));
    command
        .env("VECHE_DATA_DIR", data_dir)
        .env("VECHE_LOG", "warn")
        .env_remove("MONGODB_URI")
        .env_remove("MONGODB_URI_FILE");
    command
}

/// A finished command: exit code and what it printed.
pub struct Run {
    pub code: Option<i32>,
    pub out: String,
    pub what: String,
}

impl Run {
    /// Runs `command` (given `args`, which also name it in messages) to the end.
    pub fn of(command: &mut Command, args: &[&str]) -> Run {
        let output: Output = command.args(args).output().expect("run veche");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        Run {
            code: output.status.code(),
            out: format!("{stdout}{stderr}"),
            what: format!("veche {}", args.join(" ")),
        }
    }

    pub fn exits(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "{}:\n{}", self.what, self.out);
        self
    }

    pub fn says(&self, text: &str) -> &Run {
        assert!(
            self.out.contains(text),
            "{} does not say {text:?}:\n{}",
            self.what,
            self.out
        );
        self
    }
}

/// `veche serve` on the store in `data_dir`, on a free loopback port, answering `/healthz`;
/// killed (SIGKILL) when dropped or by [`Served::kill`].
pub struct Served {
    child: std::process::Child,
    pub base: String,
}

impl Served {
    /// Starts the server with the extra `env`, and waits (30 s at the most) until it answers.
    pub async fn start(data_dir: &Path, env: &[(&str, &str)]) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut command = veche(data_dir);
        command
            .envs(env.iter().copied())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        let child = command.spawn().expect("start veche serve");
        let mut served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let client = reqwest::Client::new();
        let healthz = format!("{}/healthz", served.base);
        loop {
            if let Ok(r) = client.get(&healthz).send().await {
                if r.status().is_success() {
                    return served;
                }
            }
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!("veche serve ended before answering: {status}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "veche serve did not answer /healthz within 30 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Kills the server at once (SIGKILL: no shutdown, nothing flushed) and waits for it.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}
