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
