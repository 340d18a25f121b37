//! Append-only JSON Lines files that survive a kill at any byte.
//!
//! Each record is written with one `write_all` of the whole line including its newline, on an
//! unbuffered file, so a killed process leaves at worst one partial last line without a
//! newline. Reading sets that line aside (and reports how many bytes were good, so the writer
//! can cut it off before appending); a malformed line that ends in a newline, the last one
//! too, cannot come from a torn write: it is corruption and an error.

use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a JSON-lines file could not be read or written; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The file could not be opened, read, written or synced.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not the record it should be.
    #[error("{path}: line {line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The JSON error.
        message: String,
    },
}

/// What [`read`] found.
#[derive(Debug)]
pub struct ReadJournal<T> {
    pub records: Vec<T>,
    /// Bytes of complete, well-formed lines: the length to truncate the file to.
    pub good_len: u64,
    /// The line number of a partial last line (no newline: a write cut short), set aside.
    pub partial_line: Option<usize>,
}

/// Bytes read per block: each block's complete lines are parsed (in parallel) before the next
/// block is read into the same buffer, so the file is never held whole (a 48 MB journal read in
/// one piece cost more in page faults than its copy; docs/performance.md).
const BLOCK: usize = 4 << 20;

/// Reads a JSON Lines file; a missing file reads as empty.
pub fn read<T: DeserializeOwned + Send>(path: &Path) -> Result<ReadJournal<T>, JournalError> {
    let io = |source: std::io::Error| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file: File = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ReadJournal {
                records: Vec::new(),
                good_len: 0,
                partial_line: None,
            });
        }
        Err(source) => return Err(io(source)),
    };
    // A small file gets a buffer of its size (plus one byte, to see the end in one read).
    let len: u64 = file.metadata().map_err(io)?.len();
    let block: usize = usize::try_from(len).map_or(BLOCK, |n| n.saturating_add(1).min(BLOCK));
    read_from(file, path, block)
}

/// [`read`] from `src`, `block` bytes at a time (the buffer grows for a longer line).
fn read_from<T: DeserializeOwned + Send>(
    src: impl Read + Send,
    path: &Path,
    block: usize,
) -> Result<ReadJournal<T>, JournalError> {
    let (spans, mut parsed, total): Parsed<T> =
        parse_lines(src, block.max(1)).map_err(|source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let mut pos: usize = 0;
    let mut taken: usize = 0;
    let mut partial_line: Option<usize> = None;
    for (i, &(start, end)) in spans.iter().enumerate() {
        let line_no: usize = i + 1;
        let is_last: bool = end + 1 == total;
        match &parsed[i] {
            Ok(_) => {}
            Err(_) if is_last && start == end => {}
            Err(e) => {
                return Err(JournalError::Parse {
                    path: path.to_path_buf(),
                    line: line_no,
                    message: without_line(e),
                });
            }
        }
        pos = end + 1;
        taken = line_no;
    }
    if pos < total {
        // No newline after the last line: the write was cut short by a kill.
        partial_line = Some(spans.len() + 1);
    }
    // The lines read (an empty last line is the one error left among them), kept in place.
    parsed.truncate(taken);
    let records: Vec<T> = parsed.into_iter().filter_map(Result::ok).collect();
    Ok(ReadJournal {
        records,
        good_len: pos as u64,
        partial_line,
    })
}

/// Lines' spans (start, end before the newline; offsets in the file), their records parsed,
/// and the file's length ([`parse_lines`]).
type Parsed<T> = (
    Vec<(usize, usize)>,
    Vec<Result<T, serde_json::Error>>,
    usize,
);

/// Every newline-terminated line of `src`: its span and its record parsed, in file order; a
/// last line without a newline is left out. Read a block at a time; the complete lines of a
/// block are parsed in parallel, each on its own, so the results (and the first error) are
/// those of a line-by-line read, and the next block is read into a second buffer meanwhile.
fn parse_lines<T: DeserializeOwned + Send>(
    mut src: impl Read + Send,
    block: usize,
) -> std::io::Result<Parsed<T>> {
    let (mut buf, mut next): (Vec<u8>, Vec<u8>) = (vec![0; block], vec![0; block]);
    // buf[..filled] is the file from `offset` on; buf[..carried] holds no newline.
    let (mut filled, mut offset): (usize, usize) = (0, 0);
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut parsed: Vec<Result<T, serde_json::Error>> = Vec::new();
    let mut n: usize = read_some(&mut src, &mut buf)?;
    while n > 0 {
        let carried: usize = filled;
        filled += n;
        let first: usize = spans.len();
        let mut start: usize = 0;
        for end in memchr::memchr_iter(b'\n', &buf[carried..filled]) {
            spans.push((offset + start, offset + carried + end));
            start = carried + end + 1;
        }
        // The unfinished line moves to the front of the other buffer (grown when it would
        // fill it), and the next block is read in after it while this block is parsed.
        let tail: usize = filled - start;
        if next.len() <= tail {
            next.resize(2 * tail, 0);
        }
        next[..tail].copy_from_slice(&buf[start..filled]);
        let lines: &[u8] = &buf[..filled];
        let ((), read) = rayon::join(
            || {
                parsed.par_extend(
                    spans[first..]
                        .par_iter()
                        .with_min_len(256)
                        .map(|&(a, b)| serde_json::from_slice::<T>(&lines[a - offset..b - offset])),
                )
            },
            || read_some(&mut src, &mut next[tail..]),
        );
        n = read?;
        (filled, offset) = (tail, offset + start);
        std::mem::swap(&mut buf, &mut next);
    }
    Ok((spans, parsed, offset + filled))
}

/// One `read` into `buf`, again when interrupted; 0 at the end of the file.
fn read_some(src: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match src.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
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

/// Writes `bytes` to `path` atomically: a temporary file created exclusively in the same
/// directory (a fresh random name, `O_EXCL`, so a link planted there is never followed),
/// synced, then renamed over `path` (which replaces a link at `path`, never its target).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let io = |source: std::io::Error| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let dir: &Path = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp: tempfile::NamedTempFile = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(readable())
        .tempfile_in(dir)
        .map_err(|e| io(without_temp_path(e)))?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// serde_json's message without its position: each record is parsed alone, so its "line 1"
/// contradicts the file's line number the error is reported under; the column is kept.
fn without_line(e: &serde_json::Error) -> String {
    let text: String = e.to_string();
    let position: String = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(cause) => format!("{cause} (column {})", e.column()),
        None => text,
    }
}

/// tempfile's error without the random name of the temporary file it could not create: the
/// user asked to write `path`, which the error already names, and never sees that name.
fn without_temp_path(e: std::io::Error) -> std::io::Error {
    if e.get_ref().is_none() {
        return e;
    }
    let text: String = e.to_string();
    match text.split_once(" at path ") {
        Some((cause, _)) => std::io::Error::new(e.kind(), cause.to_string()),
        None => e,
    }
}

/// The mode `File::create` gives (0666 less the umask): tempfile's own default is 0600.
fn readable() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A line-by-line reader of the same rules: the reference.
    fn read_serially(bytes: &[u8]) -> Result<(Vec<serde_json::Value>, u64, bool), usize> {
        let mut records: Vec<serde_json::Value> = Vec::new();
        let (mut pos, mut line_no, mut dropped) = (0usize, 0usize, false);
        while pos < bytes.len() {
            line_no += 1;
            let Some(end) = bytes[pos..].iter().position(|&b| b == b'\n') else {
                dropped = true;
                break;
            };
            let end: usize = pos + end;
            let (line, is_last) = (&bytes[pos..end], end + 1 == bytes.len());
            match serde_json::from_slice(line) {
                Ok(r) => records.push(r),
                Err(_) if is_last && line.is_empty() => {}
                // A malformed line that ends in a newline is corruption, the last one too.
                Err(_) => return Err(line_no),
            }
            pos = end + 1;
        }
        Ok((records, pos as u64, dropped))
    }

    const PIECES: &[&str] = &[
        "{\"a\":1}\n",
        "[1,2]\n",
        "\"x\"\n",
        "\n",
        "{\"a\":\n",
        "{\"b\":[true,null]}",
        "nul",
    ];

    /// A reader that gives at most `step` bytes a read and is interrupted every other call.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
        calls: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(2) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n: usize = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn parallel_read_is_the_line_by_line_read(
            // Mostly good lines, so that a bad one can fall in any of the parallel chunks.
            picks in proptest::collection::vec(
                prop_oneof![300 => Just(0usize), 1 => 0..PIECES.len()], 0..3000,
            ),
            // Blocks shorter than a line and longer than the file; reads cut anywhere.
            block in 1usize..40_000,
            step in 1usize..5_000,
        ) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let dir = tempfile::tempdir().unwrap();
            let path: PathBuf = dir.path().join("j.jsonl");
            std::fs::write(&path, &text).unwrap();
            let trickle = Trickle { bytes: text.as_bytes(), step, calls: 0 };
            let reads = [
                read::<serde_json::Value>(&path),
                read_from::<serde_json::Value>(trickle, &path, block),
            ];
            for got in reads {
                match read_serially(text.as_bytes()) {
                    Ok((records, good_len, dropped)) => {
                        let r = got.unwrap();
                        prop_assert_eq!(r.records, records);
                        prop_assert_eq!(r.good_len, good_len);
                        prop_assert_eq!(r.partial_line.is_some(), dropped);
                    }
                    Err(line) => match got {
                        Err(JournalError::Parse { line: l, .. }) => prop_assert_eq!(l, line),
                        other => prop_assert!(false, "expected an error on line {line}: {other:?}"),
                    },
                }
            }
        }
    }

    /// A line cut mid-record is reported under the file's line number alone: serde_json's own
    /// "at line 1" (each record is parsed by itself) is left out, its column kept.
    #[test]
    fn a_damaged_line_names_the_files_line_not_serdes() {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("samples.jsonl");
        std::fs::write(&path, "{\"a\": 1}\n{\"a\": \n{\"a\": 3}\n").unwrap();
        let e: JournalError = read::<serde_json::Value>(&path).unwrap_err();
        let text: String = e.to_string();
        assert!(text.contains("samples.jsonl: line 2: "), "{text}");
        assert!(!text.contains("line 1"), "{text}");
        assert!(text.contains("(column "), "{text}");
    }

    /// A write that cannot create its temporary file names the file asked for, never the
    /// temporary file's random name.
    #[test]
    fn a_failed_atomic_write_does_not_name_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("gone").join("manifest.json");
        let e: JournalError = write_atomic(&path, b"{}").unwrap_err();
        let text: String = e.to_string();
        assert!(text.starts_with(&format!("{}: ", path.display())), "{text}");
        assert!(
            !text.contains(".manifest.json.") && !text.contains(" at path "),
            "{text}"
        );
        let JournalError::Io { source, .. } = e else {
            panic!("expected an io error: {text}")
        };
        assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    }
}
