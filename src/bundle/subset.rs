//! Which contexts of a split a run asks: all of them, one half of the instilled split, or the
//! ids of a file.
//!
//! The halves live here rather than with the fine-tuning exports because the runner must ask
//! an introspection-trained model exactly the half it was *not* trained on, and
//! `export introspection` must train on exactly the same ids: one definition serves both.

use crate::benchmark::{Benchmark, Split};
use crate::types::ContextId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One half of the instilled split, for introspection training on one half and testing on
/// the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// The first `n / 2` context ids, sorted.
    First,
    /// The rest.
    Second,
}

impl Half {
    /// The name `--half` takes and manifests record.
    pub fn as_str(&self) -> &'static str {
        match self {
            Half::First => "first",
            Half::Second => "second",
        }
    }

    /// The other half.
    pub fn other(&self) -> Half {
        match self {
            Half::First => Half::Second,
            Half::Second => Half::First,
        }
    }
}

/// The two halves of a split: its context ids sorted, the first `n / 2` and the rest (so the
/// second half is the larger by one when `n` is odd). Sorting by id, not by file order, keeps
/// the halves fixed however a version's file is laid out.
pub fn halves(bench: &Benchmark, split: Split) -> (Vec<ContextId>, Vec<ContextId>) {
    let mut ids: Vec<ContextId> = bench.split(split).map(|c| c.id.clone()).collect();
    ids.sort();
    let second = ids.split_off(ids.len() / 2);
    (ids, second)
}

/// The ids of one half of the instilled split.
pub fn half_ids(bench: &Benchmark, half: Half) -> Vec<ContextId> {
    let (first, second) = halves(bench, Split::Instilled);
    match half {
        Half::First => first,
        Half::Second => second,
    }
}

/// Why a contexts file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContextsFileError {
    #[error("line {line}: context {id} is listed twice")]
    Twice { line: usize, id: String },
    #[error("lists no context id")]
    Empty,
}

/// Reads a contexts file: one id per line; blank lines and `#` comments are skipped.
/// Duplicates are refused rather than merged, since they usually mean a file was pasted twice.
pub fn parse_contexts_file(text: &str) -> Result<Vec<ContextId>, ContextsFileError> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out: Vec<ContextId> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let id: &str = line.split('#').next().unwrap_or("").trim();
        if id.is_empty() {
            continue;
        }
        if !seen.insert(id) {
            return Err(ContextsFileError::Twice {
                line: i + 1,
                id: id.to_string(),
            });
        }
        out.push(ContextId(id.to_string()));
    }
    if out.is_empty() {
        return Err(ContextsFileError::Empty);
    }
    Ok(out)
}
