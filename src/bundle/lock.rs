//! One writer per bundle: the process that writes a bundle holds an exclusive lock on its
//! directory (`flock`, released by the kernel when the process ends, even on `kill -9`, so a
//! lock is never stale). A second writer is refused within half a second instead of waiting for the run to end.
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

/// How long a lock that is held is tried again before the writer is refused. A lock released
/// by this process can stay held for a moment: a child process that another thread is
/// starting shares the lock's file until it execs (the file is close-on-exec), which under
/// load was long enough to refuse a resume made right after a run in the same process.
/// Another writer holds it for its whole run, far longer than this.
const RELEASE_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Locks `dir` (which must exist) for writing, or says who holds it.
pub fn acquire(dir: &Path) -> Result<BundleLock, BundleError> {
    let io = |source: std::io::Error| BundleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let file: File = File::open(dir).map_err(io)?;
    let deadline = std::time::Instant::now() + RELEASE_GRACE;
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Ok(BundleLock {
                    dir: dir.to_path_buf(),
                    _file: file,
                    running: false,
                });
            }
            Err(TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(BundleError::Locked {
                    path: dir.to_path_buf(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
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
        m.finished_at = Some(super::time::now_rfc3339());
        if super::write_manifest(&self.dir, &m).is_err() {
            // No room for a temporary copy (a full disk): the manifest is small, and rewriting
            // it in place needs no more space than it already has.
            let mut text: Vec<u8> = serde_json::to_vec_pretty(&m).expect("manifest serialises");
            text.push(b'\n');
            let _ = std::fs::write(self.dir.join(super::MANIFEST), &text);
        }
    }
}
