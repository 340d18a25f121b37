//! A run's settings, validated once from the raw command line.
//!
//! The recorded part ([`Parameters`], [`Settings`]) is the bundle's, in
//! [`crate::bundle::parameters`]; a [`RunConfig`] adds what only the live run needs.

use crate::benchmark::{Benchmark, Split};
use crate::bundle::parameters::{Parameters, Settings};
use crate::providers::preflight::ServerIdentity;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Counts of a run before overrides (`--preset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// 20 contexts, 20 pairs per context, 3 reports per context: a smoke test.
    Quick,
    /// The study's protocol: every context of the split, all its pairs (100 native, 50
    /// instilled), 10 reports per context.
    Full,
}

/// A validated run: everything the runner needs, nothing raw. Made only by
/// [`resolve`](super::resolve) (its fields are read through accessors); a change after
/// resolution is a method that names it: [`RunConfig::with_server`] (the identity the
/// pre-flight reads), [`RunConfig::resumed`], [`RunConfig::without_rpm_limit`].
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub(crate) params: Parameters,
    pub(crate) settings: Settings,
    pub(crate) preset: Preset,
    pub(crate) out: PathBuf,
    pub(crate) resume: bool,
    /// Response cache directory, `None` with `--no-cache`.
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) timeout: Duration,
    /// The largest response body read, bytes (not a measurement setting: not recorded).
    pub(crate) max_response_bytes: usize,
    /// The command line that resumes this run, shell-quoted, printed on Ctrl-C.
    pub(crate) resume_command: String,
    /// Who answers, as the pre-flight check found it (part of the response cache key);
    /// `None` when no pre-flight was made (the endpoint alone is then used).
    pub(crate) server: Option<ServerIdentity>,
    /// `--max-cost`/`--max-requests` (not recorded as a setting: a resume may raise them).
    pub(crate) limits: super::spend::Limits,
}

impl RunConfig {
    /// What the run records in its bundle: provider, model, experiment, counts, seeds.
    pub fn params(&self) -> &Parameters {
        &self.params
    }

    /// The recorded settings that do not change what is measured (limits, retries).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The preset the counts came from.
    pub fn preset(&self) -> Preset {
        self.preset
    }

    /// The bundle directory the run writes.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Whether the run continues a bundle already there.
    pub fn resume(&self) -> bool {
        self.resume
    }

    /// The response cache directory, `None` with `--no-cache`.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache_dir.as_deref()
    }

    /// The time one request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The largest response body read, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The command line that resumes this run, shell-quoted.
    pub fn resume_command(&self) -> &str {
        &self.resume_command
    }

    /// Who answers, as the pre-flight check found it; `None` when no pre-flight was made.
    pub fn server(&self) -> Option<&ServerIdentity> {
        self.server.as_ref()
    }

    /// The same run continuing its bundle: what resolving the same request with `resume` set
    /// gives (`resume` changes nothing else in the resolution).
    pub fn resumed(mut self) -> RunConfig {
        self.resume = true;
        self
    }

    /// The same run with no requests-per-minute limit (`Settings::rpm`): what a test runs to
    /// fill a throttled request's bundle quickly.
    pub fn without_rpm_limit(mut self) -> RunConfig {
        self.settings.rpm = None;
        self
    }

    /// `--max-cost` and `--max-requests`, the run's spending limits.
    pub fn limits(&self) -> &super::spend::Limits {
        &self.limits
    }

    /// This configuration with the server's identity a pre-flight check read (it becomes part
    /// of every response-cache key).
    pub fn with_server(mut self, server: ServerIdentity) -> RunConfig {
        self.server = Some(server);
        self
    }
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

/// The preset whose counts a run's are ("quick", "full"), else "custom" (a subset, an
/// override or a design). Manifests record the counts, not the flag, so reports and tables
/// read it back from them against the benchmark (`bench`) the run names.
///
/// An observer run asks no pairs and only the observed contexts with enough choices to show
/// (recorded as its chosen contexts), so it is read by its reports per context and by asking
/// at most the preset's contexts.
pub fn preset_of(p: &Parameters, bench: Option<&Benchmark>) -> &'static str {
    let Some(bench) = bench else {
        return "custom";
    };
    let observer: bool = p.observe.is_some();
    if !observer && (p.half.is_some() || p.context_ids.is_some() || p.design.is_some()) {
        return "custom";
    }
    let split = p.experiment.split();
    let matches = |preset: Preset| {
        let (contexts, trials, reports) = preset_counts(preset, bench, split);
        if observer {
            p.trials == 0 && p.reports == reports && p.contexts <= contexts
        } else {
            (p.contexts, p.trials, p.reports) == (contexts, trials, reports)
        }
    };
    if matches(Preset::Quick) {
        "quick"
    } else if matches(Preset::Full) {
        "full"
    } else {
        "custom"
    }
}
