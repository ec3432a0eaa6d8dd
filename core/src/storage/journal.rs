//! An append-only journal of text lines beside the embedded store's file: a write that must be
//! durable before it is answered, and is applied to the tables later in batches.
//!
//! A line is appended with one `write(2)` before its caller is answered, so it survives
//! `kill -9` of the process, as a commit under `synchronous=NORMAL` does (the page cache keeps
//! it; only a power loss may take the last lines, as it may take the last commits). Its owner
//! applies the lines to the tables, records in the same transaction the last line it applied,
//! and [`Journal::rewrite`]s the journal down to the lines not yet applied. On the next start
//! [`Journal::open`] gives back every complete line, and the owner applies again those past its
//! record.
//!
//! One handle a journal: [`Journal::open`] takes a lock (a file of its own beside it, held
//! while the handle lives), and a second opener, in this process or another, gets `None` and
//! must write straight to the tables instead.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{StoreError, StoreResult};

/// An open journal, holding its lock.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// The journal's length in bytes: where the next line starts.
    len: u64,
    /// Held (locked) for as long as the journal is open.
    _lock: File,
}

impl Journal {
    /// Opens (creating if needed) the journal `name` in `dir`, with the complete lines it holds,
    /// oldest first; `None` when another handle has it open. A last line that its writer did
    /// not finish (no line end: it was never acknowledged) is left out and cut off.
    pub fn open(dir: &Path, name: &str) -> StoreResult<Option<(Journal, Vec<String>)>> {
        let path = dir.join(name);
        let lock_path = dir.join(format!("{name}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| cannot("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(cannot("lock", &lock_path, e)),
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| cannot("open", &path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| cannot("read", &path, e))?;
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let text = std::str::from_utf8(&bytes[..complete]).map_err(|e| {
            StoreError::Internal(format!("the journal {} is not text: {e}", path.display()))
        })?;
        let lines = text.lines().map(str::to_string).collect();
        let mut journal = Journal {
            path,
            file,
            len: bytes.len() as u64,
            _lock: lock,
        };
        if complete < bytes.len() {
            tracing::warn!(
                journal = %journal.path.display(),
                bytes = bytes.len() - complete,
                "the journal's last line was never finished (never acknowledged): cut off"
            );
            journal.cut(complete as u64)?;
        }
        Ok(Some((journal, lines)))
    }

    /// Appends `line` (which holds no line end) with one write. When the write fails, the
    /// journal is cut back to where it was, and the error says so: nothing was appended.
    pub fn append(&mut self, line: &str) -> StoreResult<()> {
        debug_assert!(!line.contains('\n'));
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        match self.file.write_all(&bytes) {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                let failed = cannot("write", &self.path, e);
                // A part of the line may have reached the file: take it back, so that the next
                // line starts on a line of its own.
                self.cut(self.len)?;
                Err(failed)
            }
        }
    }

    /// The journal's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Replaces the journal's lines with `lines` (those not yet applied): written to a file
    /// beside it, then renamed over it, so that a crash leaves one or the other whole.
    pub fn rewrite<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) -> StoreResult<()> {
        let next = self.path.with_extension("next");
        let mut text = String::new();
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(&next, &text).map_err(|e| cannot("write", &next, e))?;
        std::fs::rename(&next, &self.path).map_err(|e| cannot("rename", &next, e))?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| cannot("open", &self.path, e))?;
        self.len = text.len() as u64;
        Ok(())
    }

    fn cut(&mut self, len: u64) -> StoreResult<()> {
        self.file
            .set_len(len)
            .map_err(|e| cannot("cut", &self.path, e))?;
        self.len = len;
        Ok(())
    }
}

fn cannot(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot {what} the journal {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn lines_appended_are_read_back_in_order_on_the_next_open() {
        let dir = dir();
        let (mut journal, lines) = Journal::open(dir.path(), "j").unwrap().unwrap();
        assert!(lines.is_empty());
        journal.append("1 a").unwrap();
        journal.append("2 b c").unwrap();
        assert_eq!(journal.len(), 10);
        drop(journal);
        let (journal, lines) = Journal::open(dir.path(), "j").unwrap().unwrap();
        assert_eq!(lines, ["1 a", "2 b c"]);
        assert_eq!(journal.len(), 10);
    }

    #[test]
    fn a_second_handle_is_refused_while_the_first_lives() {
        let dir = dir();
        let first = Journal::open(dir.path(), "j").unwrap();
        assert!(first.is_some());
        assert!(Journal::open(dir.path(), "j").unwrap().is_none());
        drop(first);
        assert!(Journal::open(dir.path(), "j").unwrap().is_some());
    }

    #[test]
    fn an_unfinished_last_line_is_cut_off_and_the_next_line_starts_clean() {
        let dir = dir();
        std::fs::write(dir.path().join("j"), "1 a\n2 b\n3 unfin").unwrap();
        let (mut journal, lines) = Journal::open(dir.path(), "j").unwrap().unwrap();
        assert_eq!(lines, ["1 a", "2 b"]);
        journal.append("3 c").unwrap();
        drop(journal);
        let text = std::fs::read_to_string(dir.path().join("j")).unwrap();
        assert_eq!(text, "1 a\n2 b\n3 c\n");
    }

    #[test]
    fn a_rewrite_keeps_only_the_lines_given_and_appends_after_them() {
        let dir = dir();
        let (mut journal, _) = Journal::open(dir.path(), "j").unwrap().unwrap();
        for line in ["1 a", "2 b", "3 c"] {
            journal.append(line).unwrap();
        }
        journal.rewrite(["3 c"]).unwrap();
        assert_eq!(journal.len(), 4);
        journal.append("4 d").unwrap();
        drop(journal);
        let (_, lines) = Journal::open(dir.path(), "j").unwrap().unwrap();
        assert_eq!(lines, ["3 c", "4 d"]);
        assert!(!dir.path().join("j.next").exists());
    }

    #[test]
    fn a_journal_that_is_not_text_is_an_error_naming_it() {
        let dir = dir();
        std::fs::write(dir.path().join("j"), b"1 \xff\n").unwrap();
        let err = Journal::open(dir.path(), "j").unwrap_err();
        assert!(err.to_string().contains("is not text"), "{err}");
    }
}
