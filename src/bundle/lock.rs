//! One writer per bundle: the process that writes a bundle holds an exclusive lock on its
//! directory (`flock`, released by the kernel when the process ends, even on `kill -9`, so a
//! lock is never stale). A second writer is refused at once instead of waiting.
//!
//! The guard also keeps a run's manifest honest: dropped while its manifest still says
//! "running" (the run stopped on an error such as a full disk), it marks the run failed.

use super::{BundleError, RunStatus};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// An exclusive lock on a bundle directory, held until dropped.
#[derive(Debug)]
pub struct BundleLock {
    dir: PathBuf,
    _file: File,
    /// Set while the manifest says "running" on this process's behalf.
    running: bool,
}

/// Locks `dir` (which must exist) for writing, or says who holds it.
pub fn acquire(dir: &Path) -> Result<BundleLock, BundleError> {
    let io = |source: std::io::Error| BundleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let file: File = File::open(dir).map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(BundleLock {
            dir: dir.to_path_buf(),
            _file: file,
            running: false,
        }),
        Err(TryLockError::WouldBlock) => Err(BundleError::Locked {
            path: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}

impl BundleLock {
    /// The manifest now says "running": mark it failed if this lock is dropped before
    /// [`BundleLock::finished`].
    pub fn running(&mut self) {
        self.running = true;
    }

    /// The manifest has its final status.
    pub fn finished(&mut self) {
        self.running = false;
    }
}

impl Drop for BundleLock {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        let Ok(mut m) = super::read_manifest(&self.dir) else {
            return;
        };
        if m.status != RunStatus::Running {
            return;
        }
        m.status = RunStatus::Failed;
        m.finished_at =
            Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        if super::write_manifest(&self.dir, &m).is_err() {
            // No room for a temporary copy (a full disk): the manifest is small, and rewriting
            // it in place needs no more space than it already has.
            let mut text: Vec<u8> = serde_json::to_vec_pretty(&m).expect("manifest serialises");
            text.push(b'\n');
            let _ = std::fs::write(self.dir.join(super::MANIFEST), &text);
        }
    }
}
