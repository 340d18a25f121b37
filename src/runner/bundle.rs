//! The run bundle: a directory holding everything needed to re-score a run offline.
//!
//! | file            | content                                                                 |
//! |-----------------|-------------------------------------------------------------------------|
//! | `manifest.json` | [`RunManifest`]: what was run, with what, by which harness, when         |
//! | `samples.jsonl` | one [`Sample`] per completed request; canonical order once complete    |
//! | `timings.jsonl` | one [`Timing`] per answered request (latency, attempts, cache hit)      |
//! | `errors.jsonl`  | one [`ErrorRecord`] per request that failed after every retry          |
//! | `summary.json`  | the scoring engine's summary of `samples.jsonl`                          |
//! | `contexts.jsonl`| imported bundles only: the contexts the samples refer to ([`BundleContext`]) |
//!
//! `samples.jsonl` and `summary.json` are pure functions of the parameters and the model's
//! answers: a run killed and resumed ends with the same bytes as one never interrupted.

use super::config::{Parameters, Settings};
use super::journal::{self, JournalError};
use super::sample::Sample;
use crate::types::{ContextId, Weights};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const SAMPLES: &str = "samples.jsonl";
pub const TIMINGS: &str = "timings.jsonl";
pub const ERRORS: &str = "errors.jsonl";
pub const SUMMARY: &str = "summary.json";
pub const CONTEXTS: &str = "contexts.jsonl";
/// The layout of a bundle; bump when it changes.
pub const FORMAT: u32 = 1;

/// Where the run's state stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Every planned request has a sample.
    Complete,
    /// Some requests failed after every retry (see `errors.jsonl`); `--resume` retries them.
    Incomplete,
    Interrupted,
    /// Stopped by a fatal provider error.
    Failed,
}

/// The program that made the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Harness {
    pub name: String,
    pub version: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
}

/// What the server said about itself (every distinct value seen, sorted).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub model_ids: Vec<String>,
    pub system_fingerprints: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SoftLabels {
    /// True when at least one choice sample has a P(A) from log-probabilities.
    pub used: bool,
    pub method: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub planned: usize,
    pub samples: usize,
    pub errors: usize,
    pub choices: usize,
    pub invalid_choices: usize,
    pub reports: usize,
    pub invalid_reports: usize,
    pub soft_labels: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seeds {
    /// The benchmark's public master seed (null for a privately drawn version or an import).
    pub benchmark: Option<String>,
    /// The simulated agents' seed.
    pub provider: u64,
    /// The seed of the scoring engine's bootstrap and permutations.
    pub scoring: u64,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    pub format: u32,
    /// "run" for `selfinterp run`, "import:csv" for an imported data release.
    pub source: String,
    pub harness: Harness,
    pub provider: String,
    pub model: String,
    pub benchmark: Option<String>,
    pub benchmark_sha256: Option<String>,
    pub prompt_version: Option<String>,
    /// The constraint mode used ("none", "letters", "json", "both").
    pub constraint: String,
    pub parameters: Option<Parameters>,
    pub settings: Option<Settings>,
    pub seeds: Seeds,
    pub soft_labels: SoftLabels,
    pub server: ServerInfo,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// When each `--resume` began.
    #[serde(default)]
    pub resumed_at: Vec<String>,
    pub counts: Counts,
    /// Imported bundles: the source files and their sha256.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputFile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    pub role: String,
    pub path: String,
    pub sha256: String,
}

/// A context as an imported bundle carries it (a run bundle reads its benchmark instead).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleContext {
    pub id: ContextId,
    pub question: String,
    pub attributes: Vec<BundleAttribute>,
    /// Target weights (an instilled profile), when known.
    pub target: Option<Weights>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleAttribute {
    pub name: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Sample(#[from] super::check::SampleProblem),
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// A bundle as read back.
#[derive(Debug)]
pub struct Bundle {
    pub dir: PathBuf,
    pub manifest: RunManifest,
    pub samples: Vec<Sample>,
    /// The line of `samples.jsonl` each of `samples` was read from (for error messages).
    pub lines: Vec<usize>,
    /// Imported bundles' own contexts.
    pub contexts: Option<Vec<BundleContext>>,
}

impl Bundle {
    /// Checks every sample against the run's plan and its contexts ([`super::check`]): the
    /// bundle's own `contexts.jsonl`, else `bench` (the benchmark the manifest names, its hash
    /// checked by the caller). Every command that reads a bundle's samples calls this.
    pub fn check(
        &self,
        bench: Option<&crate::benchmark::Benchmark>,
    ) -> Result<(), super::check::SampleProblem> {
        use super::check::Against;
        let against: Against<'_> = match (&self.contexts, bench) {
            (Some(c), _) => Against::Contexts(c),
            (None, Some(b)) => Against::Benchmark(b),
            (None, None) => return Ok(()),
        };
        super::check::check(
            &self.dir.join(SAMPLES),
            &self.samples,
            &self.lines,
            &self.manifest,
            against,
        )
    }
}

pub fn read_manifest(dir: &Path) -> Result<RunManifest, BundleError> {
    let path: PathBuf = dir.join(MANIFEST);
    let text: String = std::fs::read_to_string(&path).map_err(|e| BundleError::Invalid {
        path: path.clone(),
        message: format!("cannot read: {e}"),
    })?;
    serde_json::from_str(&text).map_err(|e| BundleError::Invalid {
        path,
        message: e.to_string(),
    })
}

pub fn write_manifest(dir: &Path, m: &RunManifest) -> Result<(), BundleError> {
    let mut text: Vec<u8> = serde_json::to_vec_pretty(m).expect("manifest serialises");
    text.push(b'\n');
    Ok(journal::write_atomic(&dir.join(MANIFEST), &text)?)
}

/// Writes `summary.json` (pretty, newline-terminated) atomically.
pub fn write_summary<T: Serialize>(dir: &Path, summary: &T) -> Result<(), BundleError> {
    let mut text: Vec<u8> = serde_json::to_vec_pretty(summary).expect("summary serialises");
    text.push(b'\n');
    Ok(journal::write_atomic(&dir.join(SUMMARY), &text)?)
}

/// Sorts samples canonically and drops repeated keys (the first one is kept).
pub fn canonical(mut samples: Vec<Sample>) -> Vec<Sample> {
    samples.sort_by_key(|s| s.key());
    samples.dedup_by(|b, a| a.key() == b.key());
    samples
}

/// Rewrites `samples.jsonl` in canonical order, atomically.
pub fn write_samples(dir: &Path, samples: &[Sample]) -> Result<(), BundleError> {
    Ok(journal::write_atomic(
        &dir.join(SAMPLES),
        &journal::to_jsonl(samples),
    )?)
}

/// The manifest of a new bundle of `params` (a live run, or a batch import of the same
/// requests), before any sample: status `running`, no counts yet.
pub fn new_manifest(
    source: &str,
    params: &Parameters,
    settings: Option<Settings>,
    bench: &crate::benchmark::Benchmark,
    started_at: String,
) -> RunManifest {
    RunManifest {
        format: FORMAT,
        source: source.to_string(),
        harness: super::harness::harness(),
        provider: params.provider.as_str().to_string(),
        model: params.model.clone(),
        benchmark: Some(params.benchmark.clone()),
        benchmark_sha256: Some(bench.hash.clone()),
        prompt_version: Some(params.prompt_version.clone()),
        constraint: serde_json::to_value(params.constrain)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        parameters: Some(params.clone()),
        settings,
        seeds: Seeds {
            benchmark: bench.manifest.seed.clone(),
            provider: params.seed,
            scoring: super::score_input::SCORING_SEED,
        },
        soft_labels: SoftLabels {
            used: false,
            method: super::softlabel::METHOD.to_string(),
        },
        server: ServerInfo::default(),
        status: RunStatus::Running,
        started_at,
        finished_at: None,
        resumed_at: Vec::new(),
        counts: Counts::default(),
        inputs: Vec::new(),
    }
}

/// Reads a bundle: manifest, samples (a torn last line is dropped; two different answers to
/// one request are refused), imported contexts. Callers check the samples against the plan
/// with [`Bundle::check`] once they have the benchmark.
pub fn read(dir: &Path) -> Result<Bundle, BundleError> {
    let manifest: RunManifest = read_manifest(dir)?;
    let path: PathBuf = dir.join(SAMPLES);
    let in_file: Vec<Sample> = journal::read::<Sample>(&path)?.records;
    let file_lines: Vec<usize> = super::check::in_file_order(in_file.len());
    if let Some(p) = super::check::duplicates(&path, &in_file, &file_lines)
        .into_iter()
        .next()
    {
        return Err(p.into());
    }
    let (samples, lines): (Vec<Sample>, Vec<usize>) = canonical_with_lines(in_file);
    let cpath: PathBuf = dir.join(CONTEXTS);
    let contexts: Option<Vec<BundleContext>> = if cpath.exists() {
        Some(journal::read::<BundleContext>(&cpath)?.records)
    } else {
        None
    };
    Ok(Bundle {
        dir: dir.to_path_buf(),
        manifest,
        samples,
        lines,
        contexts,
    })
}

/// [`canonical`], keeping each sample's line (records in file order, line `i + 1`).
pub fn canonical_with_lines(samples: Vec<Sample>) -> (Vec<Sample>, Vec<usize>) {
    let mut numbered: Vec<(usize, Sample)> = samples
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i + 1, s))
        .collect();
    numbered.sort_by_key(|(_, s)| s.key());
    numbered.dedup_by(|b, a| a.1.key() == b.1.key());
    numbered.into_iter().map(|(l, s)| (s, l)).unzip()
}

/// Counts over a set of samples (for the manifest).
pub fn count(samples: &[Sample], planned: usize, errors: usize) -> Counts {
    use super::sample::KindKey;
    let mut c: Counts = Counts {
        planned,
        samples: samples.len(),
        errors,
        ..Counts::default()
    };
    for s in samples {
        match s.kind {
            KindKey::Choice => {
                c.choices += 1;
                c.invalid_choices += usize::from(s.parsed.is_none());
                c.soft_labels += usize::from(s.p_a.is_some());
            }
            KindKey::Report => {
                c.reports += 1;
                c.invalid_reports += usize::from(s.parsed.is_none());
            }
        }
    }
    c
}
