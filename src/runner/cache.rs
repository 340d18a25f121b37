//! A content-addressed cache of successful responses, so a rerun costs no calls.
//!
//! The key is the sha256 of who answers ([`ServerIdentity`]: the endpoint, the server's
//! model-list entry for the model, the model id and fingerprint it reported at the
//! pre-flight), the provider's name, the model and the exact request body
//! ([`crate::providers::Provider::request_body`]), which holds no secret; the value is the
//! [`ChatResponse`]. So two servers with the same model name never share answers, and a
//! server whose weights or build changed under the same name misses the cache.
//!
//! Storage: one append-only log per cache directory, `<root>/responses/answers.log`, one line
//! per answer (`<64 hex key> <response JSON>\n`), and an in-memory index (key to byte range)
//! read when the cache is opened. Writing a file per answer cost the runner four times its
//! other work in kernel time (docs/performance.md); a line appended costs a few cheap calls.
//!
//! - **Concurrent writers** (tasks of one run, or several runs sharing a cache) append under a
//!   lock (a mutex in the process, `flock` between processes), each line in one write.
//! - **A killed writer** leaves at worst one partial last line. Readers ignore a last line
//!   without its newline (it may also be another process's write in progress) and skip any
//!   malformed line; the next writer, under the lock, first ends a partial line with a newline
//!   so that its own line stays whole. An entry that does not read back is a miss.
//! - **Durability**: lines are not synced one by one (the cache only saves calls; the run's
//!   samples are in its own journal). [`ResponseCache::sync`] syncs the log once when a run
//!   ends; a machine crash before that may lose the latest entries, never the samples.
//! - **Old caches** (one file per answer, `<root>/responses/<2 hex>/<key>.json`) are moved into
//!   the log the first time a cache directory is opened, under the lock; their files are then
//!   removed.

use crate::providers::ChatResponse;
use crate::providers::preflight::ServerIdentity;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The log's file name inside `<root>/responses`.
pub const LOG_FILE: &str = "answers.log";

/// Hex digits of a key.
const KEY_HEX: usize = 64;

/// What the key hashes, serialised in this field order.
#[derive(serde::Serialize)]
struct KeyMaterial<'a> {
    server: &'a ServerIdentity,
    provider: &'a str,
    model: &'a str,
    body: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    salt: Option<&'a str>,
}

/// Where an entry's line is in the log (without its newline).
#[derive(Clone, Copy, Debug)]
struct Loc {
    offset: u64,
    len: u32,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Opened for reading and appending; `None` when the log can be neither opened nor created.
    file: Option<File>,
    writable: bool,
    index: RwLock<HashMap<[u8; 32], Loc>>,
    /// Serialises this process's appends (`flock` alone does not: it is per open file).
    write: Mutex<()>,
    /// One warning per cache for failed writes, not one per answer.
    warned: AtomicBool,
}

/// A shared handle to one cache directory's log and index.
#[derive(Clone, Debug)]
pub struct ResponseCache {
    inner: Arc<Inner>,
}

impl ResponseCache {
    /// Opens the cache under `root/responses`, creating it, moving an old one-file-per-answer
    /// cache into the log, and reading the index. Never fails: a cache that cannot be read or
    /// written only costs calls (with one warning).
    pub fn new(root: &Path) -> ResponseCache {
        let dir: PathBuf = root.join("responses");
        let path: PathBuf = dir.join(LOG_FILE);
        let _ = std::fs::create_dir_all(&dir);
        let (file, writable): (Option<File>, bool) = match OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
        {
            Ok(f) => (Some(f), true),
            Err(e) => {
                tracing::warn!(
                    "response cache {}: {e}; answers will not be saved",
                    path.display()
                );
                (File::open(&path).ok(), false)
            }
        };
        if writable && let Some(f) = &file {
            migrate(&dir, f);
        }
        let index: HashMap<[u8; 32], Loc> = file.as_ref().map(load_index).unwrap_or_default();
        ResponseCache {
            inner: Arc::new(Inner {
                path,
                file,
                writable,
                index: RwLock::new(index),
                write: Mutex::new(()),
                warned: AtomicBool::new(false),
            }),
        }
    }

    /// `salt` separates answers the body does not determine (the simulated agents' seed).
    pub fn key(
        server: &ServerIdentity,
        provider: &str,
        model: &str,
        body: &Value,
        salt: Option<&str>,
    ) -> String {
        // Streamed into the hash without copying the body; the bytes are those of the JSON
        // object {"server", "provider", "model", "body"[, "salt"]} in that order, as before.
        let material = KeyMaterial {
            server,
            provider,
            model,
            body,
            salt,
        };
        let mut hasher: Sha256 = Sha256::new();
        serde_json::to_writer(&mut hasher, &material).expect("json serialises");
        hex::encode(hasher.finalize())
    }

    /// The number of answers the index holds.
    pub fn len(&self) -> usize {
        self.inner.index.read().expect("index lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cached response, if any. An entry that does not read back counts as a miss.
    pub fn get(&self, key: &str) -> Option<ChatResponse> {
        let k: [u8; 32] = key_bytes(key.as_bytes())?;
        let loc: Loc = *self.inner.index.read().expect("index lock").get(&k)?;
        let file: &File = self.inner.file.as_ref()?;
        let mut line: Vec<u8> = vec![0; loc.len as usize];
        file.read_exact_at(&mut line, loc.offset).ok()?;
        parse_line(&line).filter(|(lk, _)| *lk == k).map(|(_, r)| r)
    }

    /// Stores a response; failures only cost a future call, so they are logged and ignored.
    pub fn put(&self, key: &str, resp: &ChatResponse) {
        let Some(k) = key_bytes(key.as_bytes()) else {
            return;
        };
        let mut line: Vec<u8> = Vec::with_capacity(512);
        line.extend_from_slice(key.as_bytes());
        line.push(b' ');
        // Compact JSON never holds a raw newline (one in a string is escaped).
        serde_json::to_writer(&mut line, resp).expect("response serialises");
        line.push(b'\n');
        match self.append(&line) {
            Ok(offset) => {
                let loc = Loc {
                    offset,
                    len: (line.len() - 1) as u32,
                };
                self.inner.index.write().expect("index lock").insert(k, loc);
            }
            Err(e) => self.warn_once(&e),
        }
    }

    /// Syncs the log to disk (once per run: entries are not synced one by one).
    pub fn sync(&self) {
        if self.inner.writable
            && let Some(f) = &self.inner.file
            && let Err(e) = f.sync_data()
        {
            self.warn_once(&e);
        }
    }

    /// Appends one line under both locks; returns the offset it starts at.
    fn append(&self, line: &[u8]) -> std::io::Result<u64> {
        let file: &File = match (&self.inner.file, self.inner.writable) {
            (Some(f), true) => f,
            _ => return Err(std::io::Error::other("not writable")),
        };
        let _in_process = self.inner.write.lock().expect("write lock");
        file.lock()?;
        let result = append_locked(file, line);
        let unlocked = file.unlock();
        let offset: u64 = result?;
        unlocked?;
        Ok(offset)
    }

    fn warn_once(&self, e: &std::io::Error) {
        if !self.inner.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "response cache {}: {e}; answers are not being saved",
                self.inner.path.display()
            );
        }
    }
}

/// Appends `line` (which ends with a newline) at the end of `file`, whose `flock` the caller
/// holds; a partial last line left by a killed writer is first ended so `line` stays whole.
fn append_locked(file: &File, line: &[u8]) -> std::io::Result<u64> {
    let size: u64 = file.metadata()?.len();
    let mut torn: bool = false;
    if size > 0 {
        let mut last: [u8; 1] = [0];
        file.read_exact_at(&mut last, size - 1)?;
        torn = last[0] != b'\n';
    }
    let mut w: &File = file;
    if torn {
        let mut whole: Vec<u8> = Vec::with_capacity(line.len() + 1);
        whole.push(b'\n');
        whole.extend_from_slice(line);
        w.write_all(&whole)?;
        Ok(size + 1)
    } else {
        w.write_all(line)?;
        Ok(size)
    }
}

/// The 32 bytes of a 64-digit lower-case hex key.
fn key_bytes(hex_key: &[u8]) -> Option<[u8; 32]> {
    if hex_key.len() != KEY_HEX {
        return None;
    }
    let mut k: [u8; 32] = [0; 32];
    hex::decode_to_slice(hex_key, &mut k).ok()?;
    Some(k)
}

/// A log line (without its newline): its key and response, if well formed.
fn parse_line(line: &[u8]) -> Option<([u8; 32], ChatResponse)> {
    if line.len() <= KEY_HEX || line[KEY_HEX] != b' ' {
        return None;
    }
    let k: [u8; 32] = key_bytes(&line[..KEY_HEX])?;
    let r: ChatResponse = serde_json::from_slice(&line[KEY_HEX + 1..]).ok()?;
    Some((k, r))
}

/// Reads the log's keys and line positions. Lines are not parsed here (a bad one is a miss
/// when asked); a last line without its newline is left out; a later line for a key wins.
fn load_index(file: &File) -> HashMap<[u8; 32], Loc> {
    let mut index: HashMap<[u8; 32], Loc> = HashMap::new();
    // From the start: appending (the move of an old cache) leaves the offset at the end.
    let mut f: &File = file;
    if let Err(e) = f.seek(SeekFrom::Start(0)) {
        tracing::warn!("response cache: cannot read the log: {e}");
        return index;
    }
    let mut reader = BufReader::with_capacity(1 << 20, f);
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut offset: u64 = 0;
    loop {
        line.clear();
        let n: usize = match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("response cache: stopped reading the log: {e}");
                break;
            }
        };
        if line.last() != Some(&b'\n') {
            break;
        }
        let body: &[u8] = &line[..n - 1];
        if body.len() > KEY_HEX
            && body[KEY_HEX] == b' '
            && let Some(k) = key_bytes(&body[..KEY_HEX])
            && let Ok(len) = u32::try_from(body.len())
        {
            index.insert(k, Loc { offset, len });
        }
        offset += n as u64;
    }
    index
}

/// Moves an old one-file-per-answer cache (`<dir>/<2 hex>/<key>.json`) into the log, under
/// the log's lock so two runs starting together do not both move it. Answers that do not
/// read, or are empty, are dropped; files that are not answers (`.tmp*`) are left alone.
fn migrate(dir: &Path, file: &File) {
    let legacy = |name: &str| name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let subdirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| legacy(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    if subdirs.is_empty() {
        return;
    }
    if let Err(e) = file.lock() {
        tracing::warn!("response cache {}: {e}", dir.display());
        return;
    }
    let (moved, dropped) = migrate_locked(&subdirs, file);
    let _ = file.unlock();
    tracing::info!(
        "response cache {}: moved {moved} answers into {LOG_FILE} ({dropped} unreadable or empty dropped)",
        dir.display()
    );
}

fn migrate_locked(subdirs: &[PathBuf], file: &File) -> (usize, usize) {
    let (mut moved, mut dropped) = (0usize, 0usize);
    let mut batch: Vec<u8> = Vec::new();
    let mut done: Vec<PathBuf> = Vec::new();
    for sub in subdirs {
        let Ok(rd) = std::fs::read_dir(sub) else {
            continue;
        };
        for e in rd.flatten() {
            let p: PathBuf = e.path();
            let name: String = e.file_name().to_string_lossy().to_string();
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            let answer: Option<ChatResponse> = std::fs::read(&p)
                .ok()
                .and_then(|b| serde_json::from_slice::<ChatResponse>(&b).ok())
                .filter(|r| !r.text.trim().is_empty());
            match (key_bytes(stem.as_bytes()), answer) {
                (Some(_), Some(r)) => {
                    batch.extend_from_slice(stem.as_bytes());
                    batch.push(b' ');
                    serde_json::to_writer(&mut batch, &r).expect("response serialises");
                    batch.push(b'\n');
                    moved += 1;
                }
                _ => dropped += 1,
            }
            done.push(p);
        }
    }
    // The answers are on disk before their files go.
    let written = append_locked(file, &batch).and_then(|_| file.sync_data());
    if let Err(e) = written {
        tracing::warn!("response cache: could not move the old cache: {e}");
        return (0, 0);
    }
    for p in &done {
        let _ = std::fs::remove_file(p);
    }
    for sub in subdirs {
        let _ = std::fs::remove_dir(sub);
    }
    (moved, dropped)
}

#[cfg(test)]
mod tests;
