//! A command's `--json` answer as the tests read it: the exit checked (its stderr shown when
//! it failed), stdout parsed as one JSON value; `selfinterp score ... --json`, the summary
//! most stages' tests read; and a bundle's JSON-lines files read strictly.

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// The JSON value `o` printed on stdout; fails the test with its stderr unless it exited 0,
/// and with its stdout unless that is one JSON value.
pub fn json_of(o: &Output) -> Value {
    super::assert_ok(o);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

/// `score ARGS... --json` run by `c` (the binary with any flags of its own: [`super::bin`]
/// from the checkout, [`super::bin_at`] outside it, or with `--root`): the summary it printed,
/// read by [`json_of`].
pub fn score_json<S: AsRef<OsStr>>(mut c: Command, args: &[S]) -> Value {
    let o: Output = c.arg("score").args(args).arg("--json").output().unwrap();
    json_of(&o)
}

/// Every line of the JSON-lines file at `path` (a bundle's samples, timings or errors), each
/// parsed as a `T`; fails the test naming the file and line when one is not.
pub fn jsonl<T: DeserializeOwned>(path: &Path) -> Vec<T> {
    let text: String =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{} line {}: {e}", path.display(), i + 1))
        })
        .collect()
}
