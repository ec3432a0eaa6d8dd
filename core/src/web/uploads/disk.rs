//! Pictures of the embedded store, on disk: one file a picture, named by its blake3 hash, in a
//! folder of the data folder (`media/ab/abcdef….jpg`, the first two hex digits a folder so that
//! no folder holds more than a few thousand files).
//!
//! A file is written whole or not at all: into `media/tmp/` first, synced, then renamed into
//! place (a rename within one file system is atomic) and its folder synced, so a crash leaves
//! either no file or the whole file under its name, never a part of one. What a crash leaves
//! in `media/tmp/` is removed at the next open. The same picture written twice is one file:
//! a name already there holds the same bytes (its name is their hash).

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::is_hash;
use crate::error::{StoreError, StoreResult};

/// The picture files under one folder.
#[derive(Clone, Debug)]
pub struct DiskBlobs {
    root: PathBuf,
    /// The files' extension: `jpg` for the pictures, `raw` for the quarantine's files as sent.
    extension: &'static str,
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("{what} {}: {e}", path.display()))
}

impl DiskBlobs {
    /// The files under `root` (see [`DiskBlobs::prepare`]).
    pub fn new(root: PathBuf) -> DiskBlobs {
        DiskBlobs {
            root,
            extension: "jpg",
        }
    }

    /// Files named `{hash}.{extension}` under `root` (the quarantine's are `raw`).
    pub fn with_extension(root: PathBuf, extension: &'static str) -> DiskBlobs {
        DiskBlobs { root, extension }
    }

    /// Creates the folder if needed and removes what a crash left half-written.
    pub fn prepare(&self) -> StoreResult<()> {
        let tmp = self.root.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| io_error("creating", &tmp, e))?;
        let entries = std::fs::read_dir(&tmp).map_err(|e| io_error("reading", &tmp, e))?;
        for entry in entries.flatten() {
            // Another process may be writing one right now: only what is an hour old goes.
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
            if stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// Where the picture named `hash` lives (`hash` is checked: 64 hex digits, no path).
    pub fn path_of(&self, hash: &str) -> Option<PathBuf> {
        is_hash(hash).then(|| {
            self.root
                .join(&hash[..2])
                .join(format!("{hash}.{}", self.extension))
        })
    }

    /// Keeps `bytes` under `hash` (the caller's hash of them), durably; nothing when it is
    /// already there.
    pub async fn put(&self, hash: &str, bytes: Bytes) -> StoreResult<()> {
        let Some(path) = self.path_of(hash) else {
            return Err(StoreError::Internal(format!("not a picture name: {hash}")));
        };
        let tmp = self.root.join("tmp");
        tokio::task::spawn_blocking(move || write_once(&path, &tmp, &bytes))
            .await
            .map_err(|e| StoreError::Internal(format!("writing a picture: {e}")))?
    }

    /// The bytes named `hash`, if kept.
    pub async fn get(&self, hash: &str) -> StoreResult<Option<Bytes>> {
        let Some(path) = self.path_of(hash) else {
            return Ok(None);
        };
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("reading", &path, e)),
        }
    }
}

impl DiskBlobs {
    /// Removes the file named `hash`, if there (its folder synced, so the removal lasts).
    pub async fn remove(&self, hash: &str) -> StoreResult<()> {
        let Some(path) = self.path_of(hash) else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_error("removing", &path, e)),
            }
            if let Some(folder) = path.parent() {
                std::fs::File::open(folder)
                    .and_then(|dir| dir.sync_all())
                    .map_err(|e| io_error("syncing", folder, e))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Internal(format!("removing a file: {e}")))?
    }
}

/// Writes `bytes` at `path` through a temporary file in `tmp`: synced, renamed, the folder
/// synced.
fn write_once(path: &Path, tmp: &Path, bytes: &[u8]) -> StoreResult<()> {
    if path.exists() {
        return Ok(());
    }
    let folder = path
        .parent()
        .ok_or_else(|| StoreError::Internal("a picture path without a folder".into()))?;
    std::fs::create_dir_all(folder).map_err(|e| io_error("creating", folder, e))?;
    let mut file = tempfile::Builder::new()
        .suffix(".part")
        .tempfile_in(tmp)
        .map_err(|e| io_error("creating a file in", tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| io_error("writing", file.path(), e))?;
    // Written whole and synced: now it may take its name (if another writer got there first,
    // the name holds the same bytes).
    file.persist(path)
        .map_err(|e| io_error("naming", path, e.error))?;
    std::fs::File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| io_error("syncing", folder, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_file_is_named_by_its_hash_written_once_and_no_part_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = DiskBlobs::new(dir.path().join("media"));
        blobs.prepare().unwrap();
        let bytes = Bytes::from_static(b"a picture's bytes");
        let hash = blake3::hash(&bytes).to_hex().to_string();
        blobs.put(&hash, bytes.clone()).await.unwrap();
        blobs.put(&hash, bytes.clone()).await.unwrap();
        let folder = dir.path().join("media").join(&hash[..2]);
        assert_eq!(files_in(&folder), vec![format!("{hash}.jpg")]);
        assert!(files_in(&dir.path().join("media").join("tmp")).is_empty());
        assert_eq!(blobs.get(&hash).await.unwrap(), Some(bytes));
        assert_eq!(blobs.get(&"0".repeat(64)).await.unwrap(), None);
        assert_eq!(blobs.get("../../veche.sqlite3").await.unwrap(), None);
        assert!(blobs.put("../x", Bytes::new()).await.is_err());
    }

    #[test]
    fn what_a_crash_left_half_written_is_removed_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = DiskBlobs::new(dir.path().to_path_buf());
        blobs.prepare().unwrap();
        let tmp = dir.path().join("tmp");
        let stale = std::fs::File::create(tmp.join("old.part")).unwrap();
        let two_hours = std::time::Duration::from_secs(7200);
        stale
            .set_modified(std::time::SystemTime::now() - two_hours)
            .unwrap();
        std::fs::File::create(tmp.join("being-written.part")).unwrap();
        blobs.prepare().unwrap();
        assert_eq!(files_in(&tmp), vec!["being-written.part".to_string()]);
    }
}
