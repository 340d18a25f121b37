//! Reading an entry's files strictly, for `validate` and the leaderboard: each is opened
//! without following a symbolic link (`O_NOFOLLOW`, so a link to a file outside the entry or
//! to `/dev/zero` is never read), must be a regular file, and must be UTF-8. Any failure is an
//! error naming the cause (and the line of a bad byte), never a file silently skipped.

use std::io::Read;
use std::path::Path;

/// Why one file of an entry could not be read, in words (the file is named by the caller).
pub type ReadProblem = String;

/// The text of `dir/name`, read without following a link.
pub fn read_text(dir: &Path, name: &str) -> Result<String, ReadProblem> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(name);
    // O_NONBLOCK: opening a FIFO planted in an entry must not wait for a writer.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => {
                "is a symbolic link; an entry's files are read without following links".to_string()
            }
            _ => format!("cannot read: {e}"),
        })?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "is not a regular file ({}); an entry holds regular files only",
            kind(&meta.file_type())
        ));
    }
    let mut bytes: Vec<u8> = Vec::with_capacity(meta.len() as usize);
    (&file)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let at: usize = e.utf8_error().valid_up_to();
        let bytes: &[u8] = e.as_bytes();
        let line: usize = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        format!(
            "line {line}: not UTF-8 (byte 0x{:02x} at offset {at})",
            bytes[at]
        )
    })
}

/// What a non-regular directory entry is, in words.
pub fn kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a regular file"
    }
}
