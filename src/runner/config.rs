//! A run's settings, validated once from the raw command line.
//!
//! The recorded part ([`Parameters`], [`Settings`]) is the bundle's, in
//! [`crate::bundle::parameters`]; a [`RunConfig`] adds what only the live run needs.

use crate::benchmark::{Benchmark, Split};
use crate::bundle::parameters::{Parameters, Settings};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// 20 contexts, 20 pairs per context, 3 reports per context: a smoke test.
    Quick,
    /// The study's protocol: every context of the split, all its pairs (100 native, 50
    /// instilled), 10 reports per context.
    Full,
}

/// A validated run: everything the runner needs, nothing raw.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub params: Parameters,
    pub settings: Settings,
    pub preset: Preset,
    pub out: PathBuf,
    pub resume: bool,
    /// Response cache directory, `None` with `--no-cache`.
    pub cache_dir: Option<PathBuf>,
    pub timeout: Duration,
    /// The largest response body read, bytes (not a measurement setting: not recorded).
    pub max_response_bytes: usize,
    /// The command line that resumes this run, shell-quoted, printed on Ctrl-C.
    pub resume_command: String,
    /// Who answers, as the pre-flight check found it (part of the response cache key);
    /// `None` when no pre-flight was made (the endpoint alone is then used).
    pub server: Option<crate::providers::preflight::ServerIdentity>,
    /// `--max-cost`/`--max-requests` (not recorded as a setting: a resume may raise them).
    pub limits: super::spend::Limits,
}

/// Counts a preset implies for a split before overrides.
pub fn preset_counts(preset: Preset, bench: &Benchmark, split: Split) -> (usize, usize, usize) {
    let n_ctx: usize = bench.split(split).count();
    let max_pairs: usize = bench.split(split).map(|c| c.pairs.len()).min().unwrap_or(0);
    let max_reports: usize = bench
        .split(split)
        .map(|c| c.report_pairs.len())
        .min()
        .unwrap_or(0);
    match preset {
        Preset::Quick => (n_ctx.min(20), max_pairs.min(20), max_reports.min(3)),
        Preset::Full => (n_ctx, max_pairs, max_reports),
    }
}

/// Default response cache directory: `$SELFINTERP_CACHE` or `~/.cache/selfinterp`.
pub fn default_cache_root() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SELFINTERP_CACHE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("selfinterp"))
}

/// Quotes one argument for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    let safe: bool = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
