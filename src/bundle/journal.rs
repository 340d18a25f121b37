//! Append-only JSON Lines files that survive a kill at any byte.
//!
//! Each record is written with one `write_all` of the whole line including its newline, on an
//! unbuffered file, so a killed process leaves at worst one partial last line without a
//! newline. Reading drops that line (and reports how many bytes were good, so the writer can
//! cut it off before appending); any other malformed line is corruption and an error.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// What [`read`] found.
#[derive(Debug)]
pub struct ReadJournal<T> {
    pub records: Vec<T>,
    /// Bytes of complete, well-formed lines: the length to truncate the file to.
    pub good_len: u64,
    /// True when a partial last line was dropped.
    pub dropped_partial: bool,
}

/// Reads a JSON Lines file; a missing file reads as empty.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<ReadJournal<T>, JournalError> {
    let bytes: Vec<u8> = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(JournalError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut records: Vec<T> = Vec::new();
    let mut pos: usize = 0;
    let mut line_no: usize = 0;
    let mut dropped_partial: bool = false;
    while pos < bytes.len() {
        line_no += 1;
        let end: Option<usize> = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| pos + i);
        let Some(end) = end else {
            // No newline: the write was cut short by a kill.
            dropped_partial = true;
            break;
        };
        let line: &[u8] = &bytes[pos..end];
        let is_last: bool = end + 1 == bytes.len();
        match serde_json::from_slice::<T>(line) {
            Ok(r) => records.push(r),
            Err(_) if is_last && line.is_empty() => {}
            Err(e) if is_last => {
                // A complete but garbled last line can only come from a torn write: drop it too.
                tracing::warn!(
                    "{}: dropping malformed last line {line_no}: {e}",
                    path.display()
                );
                dropped_partial = true;
                break;
            }
            Err(e) => {
                return Err(JournalError::Parse {
                    path: path.to_path_buf(),
                    line: line_no,
                    message: e.to_string(),
                });
            }
        }
        pos = end + 1;
    }
    Ok(ReadJournal {
        records,
        good_len: pos as u64,
        dropped_partial,
    })
}

/// An open journal that appends one record per call.
pub struct Appender {
    file: File,
    path: PathBuf,
    line: Vec<u8>,
}

impl Appender {
    /// Opens `path` for appending, first cutting it to `keep_len` bytes (drops a torn line).
    pub fn open(path: &Path, keep_len: u64) -> Result<Appender, JournalError> {
        let io = |source: std::io::Error| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file: File = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if file.metadata().map_err(io)?.len() > keep_len {
            file.set_len(keep_len).map_err(io)?;
        }
        Ok(Appender {
            file,
            path: path.to_path_buf(),
            line: Vec::with_capacity(4096),
        })
    }

    /// Writes one record as one line, in one write, unbuffered.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), JournalError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record).expect("records serialise");
        self.line.push(b'\n');
        self.file
            .write_all(&self.line)
            .map_err(|source| JournalError::Io {
                path: self.path.clone(),
                source,
            })
    }

    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.file.sync_data().map_err(|source| JournalError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced, renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let io = |source: std::io::Error| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp: PathBuf = path.with_file_name(format!(".{name}.tmp"));
    {
        let mut f: File = File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Serialises records as JSON Lines text.
pub fn to_jsonl<T: Serialize>(records: &[T]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for r in records {
        serde_json::to_writer(&mut out, r).expect("records serialise");
        out.push(b'\n');
    }
    out
}
