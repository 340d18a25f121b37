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

pub(crate) mod check;
pub(crate) mod control;
pub(crate) mod finish;
pub(crate) mod harness;
pub(crate) mod journal;
pub(crate) mod lean;
pub(crate) mod lock;
pub(crate) mod manifest;
pub(crate) mod observe;
pub(crate) mod observed;
pub(crate) mod open;
pub(crate) mod parameters;
pub(crate) mod plan;
pub(crate) mod position;
pub(crate) mod rounds;
pub(crate) mod sample;
pub(crate) mod score_input;
pub(crate) mod softlabel;
pub(crate) mod subset;
pub(crate) mod summary;
pub(crate) mod time;

pub use journal::JournalError;
pub use lean::{Read as LeanRead, summary as lean_summary};
pub use parameters::{ConstrainMode, Experiment, ProviderKind, run_contexts};
pub use sample::{KindKey, Order, Parsed};
pub use score_input::{ContextTable, score_options};
pub use subset::Half;

pub use manifest::{
    CacheCheck, Counts, InputFile, RunManifest, RunStatus, Seeds, ServerInfo, SoftLabels, count,
    new_manifest,
};
pub use open::{OpenBundle, OpenError, open};
pub use parameters::{Parameters, Settings};
pub use sample::{ErrorRecord, Sample, SampleKey, Timing};
pub use summary::BundleSummary;

use crate::types::{ContextId, Weights};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Who was asked, with what, and how the run ended ([`RunManifest`]).
pub const MANIFEST: &str = "manifest.json";
/// One answered request a line ([`Sample`]): the measurement.
pub const SAMPLES: &str = "samples.jsonl";
/// How each sample was obtained ([`Timing`]): latency, attempts, cache.
pub const TIMINGS: &str = "timings.jsonl";
/// Requests that failed after every retry ([`ErrorRecord`]); a resume retries them.
pub const ERRORS: &str = "errors.jsonl";
/// The score of the samples ([`BundleSummary`]), re-derivable from them.
pub const SUMMARY: &str = "summary.json";
/// An imported bundle's own contexts ([`BundleContext`]).
pub const CONTEXTS: &str = "contexts.jsonl";
/// The layout of a bundle; bump when it changes.
pub const FORMAT: u32 = 1;

/// A context as an imported bundle carries it (a run bundle reads its benchmark instead).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleContext {
    /// The context's id.
    pub id: ContextId,
    /// The question asked.
    pub question: String,
    /// Its five attributes, in order.
    pub attributes: Vec<BundleAttribute>,
    /// Target weights (an instilled profile), when known.
    pub target: Option<Weights>,
}

/// An attribute of an imported context: its name and range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleAttribute {
    /// The attribute's name.
    pub name: String,
    /// Lowest value an option may take.
    pub min: f64,
    /// Highest value an option may take.
    pub max: f64,
}

/// Why a bundle could not be read or written; each names its file.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A JSON-lines file could not be read or written.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A sample does not belong to the run's plan, or repeats a request.
    #[error(transparent)]
    Sample(#[from] check::SampleProblem),
    /// A file is not what it should be.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line where there is one.
        message: String,
    },
    /// Another process holds the bundle's lock (`lock`).
    #[error(
        "{path}: another selfinterp process is writing this bundle; wait for it to finish or stop it"
    )]
    Locked {
        /// The bundle's lock file.
        path: PathBuf,
    },
    /// A file of the bundle exists but could not be read (or does not exist).
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A bundle as read back.
#[derive(Debug)]
pub struct Bundle {
    /// The bundle directory.
    pub dir: PathBuf,
    /// `manifest.json`: who was asked, with what, and how the run ended.
    pub manifest: RunManifest,
    /// `samples.jsonl`, in canonical order (by request key: kind, context, index, order).
    pub samples: Vec<Sample>,
    /// The line of `samples.jsonl` each of `samples` was read from (for error messages).
    pub lines: Vec<usize>,
    /// Imported bundles' own contexts.
    pub contexts: Option<Vec<BundleContext>>,
}

impl Bundle {
    /// Checks every sample against the run's plan and its contexts (`check`): the
    /// bundle's own `contexts.jsonl`, else `bench` (the benchmark the manifest names, its hash
    /// checked by the caller). Every command that reads a bundle's samples calls this.
    pub fn check(
        &self,
        bench: Option<&crate::benchmark::Benchmark>,
    ) -> Result<(), check::SampleProblem> {
        use check::Against;
        let against: Against<'_> = match (&self.contexts, bench) {
            (Some(c), _) => Against::Contexts(c),
            (None, Some(b)) => Against::Benchmark(b),
            (None, None) => return Ok(()),
        };
        check::check(
            &self.dir.join(SAMPLES),
            &self.samples,
            &self.lines,
            &self.manifest,
            against,
        )
    }
}

/// Reads `dir/manifest.json`; an unreadable or malformed file is an error naming it.
pub fn read_manifest(dir: &Path) -> Result<RunManifest, BundleError> {
    let path: PathBuf = dir.join(MANIFEST);
    let text: String = std::fs::read_to_string(&path).map_err(|source| BundleError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| BundleError::Invalid {
        path,
        message: e.to_string(),
    })
}

/// Writes `dir/manifest.json` (pretty, newline-terminated) atomically.
pub fn write_manifest(dir: &Path, m: &RunManifest) -> Result<(), BundleError> {
    let mut text: Vec<u8> = serde_json::to_vec_pretty(m).expect("manifest serialises");
    text.push(b'\n');
    Ok(journal::write_atomic(&dir.join(MANIFEST), &text)?)
}

/// Writes `summary.json` (pretty, newline-terminated) atomically.
pub fn write_summary(dir: &Path, summary: &BundleSummary) -> Result<(), BundleError> {
    Ok(journal::write_atomic(
        &dir.join(SUMMARY),
        &summary.to_bytes(),
    )?)
}

/// Sorts samples canonically and drops repeated keys (the first one is kept).
pub fn canonical(mut samples: Vec<Sample>) -> Vec<Sample> {
    samples.sort_by(|a, b| a.key_ref().cmp(&b.key_ref()));
    samples.dedup_by(|b, a| a.key_ref() == b.key_ref());
    samples
}

/// Rewrites `samples.jsonl` in canonical order, atomically.
pub fn write_samples(dir: &Path, samples: &[Sample]) -> Result<(), BundleError> {
    Ok(journal::write_atomic(
        &dir.join(SAMPLES),
        &journal::to_jsonl(samples),
    )?)
}

/// Reads a bundle: manifest, samples (a malformed line, the last one too, and a torn last
/// line are errors naming the line; two different answers to one request are refused),
/// imported contexts. Callers check the samples against the plan with [`Bundle::check`] once
/// they have the benchmark.
pub fn read(dir: &Path) -> Result<Bundle, BundleError> {
    let manifest: RunManifest = read_manifest(dir)?;
    let path: PathBuf = dir.join(SAMPLES);
    let read: journal::ReadJournal<Sample> = journal::read::<Sample>(&path)?;
    if let Some(line) = read.partial_line {
        return Err(BundleError::Invalid {
            path,
            message: format!(
                "line {line}: not terminated (a write cut short); `selfinterp run --resume` cuts it off"
            ),
        });
    }
    let in_file: Vec<Sample> = read.records;
    let file_lines: Vec<usize> = check::in_file_order(in_file.len());
    if let Some(p) = check::duplicates(&path, &in_file, &file_lines)
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
    if check::strictly_sorted(&samples) {
        let lines: Vec<usize> = check::in_file_order(samples.len());
        return (samples, lines); // already canonical, nothing repeated
    }
    let mut numbered: Vec<(usize, Sample)> = samples
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i + 1, s))
        .collect();
    // Borrowed keys: `sort_by_key(|s| s.key())` copied two context ids per comparison.
    numbered.sort_by(|(_, a), (_, b)| a.key_ref().cmp(&b.key_ref()));
    numbered.dedup_by(|b, a| a.1.key_ref() == b.1.key_ref());
    numbered.into_iter().map(|(l, s)| (s, l)).unzip()
}
