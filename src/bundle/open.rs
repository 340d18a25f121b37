//! Opening a bundle for scoring: the one path every re-score takes (`score`, `report`,
//! `plan`, `validate`, the experiments' combinations).
//!
//! [`open`] reads the bundle, loads the benchmark version its manifest names and checks the
//! recorded sha256 against it ([`benchmark_of`]), and picks the contexts: an imported bundle's
//! own `contexts.jsonl`, else the benchmark's. The result, an [`OpenBundle`], gives the typed
//! scoring inputs ([`OpenBundle::inputs`]) and the typed `summary.json`
//! ([`OpenBundle::summary`]).

use super::score_input::{self, ContextTable, ScoreInputError};
use super::summary::BundleSummary;
use super::{Bundle, BundleError, RunManifest};
use crate::benchmark::{Benchmark, BenchmarkError};
use crate::scoring::ContextInput;
use std::path::{Path, PathBuf};

/// Why a bundle could not be opened for scoring.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The bundle's files could not be read or parsed.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The benchmark version the manifest names could not be loaded.
    #[error(transparent)]
    Benchmark(#[from] BenchmarkError),
    /// The benchmark on disk is not the one the bundle was run on.
    #[error(
        "{dir}: was made on benchmark {version} with sha256 {recorded}, but {path} now has {actual}"
    )]
    BenchmarkChanged {
        /// The bundle.
        dir: PathBuf,
        /// The benchmark version it names.
        version: String,
        /// The sha256 it recorded.
        recorded: String,
        /// The benchmark's file now.
        path: PathBuf,
        /// That file's sha256 now.
        actual: String,
    },
    /// A sample the run could not have produced (`super::check`).
    #[error(transparent)]
    Sample(#[from] super::check::SampleProblem),
    /// Neither the bundle's own contexts nor a benchmark to take them from.
    #[error("{dir}: the manifest names no benchmark and there is no contexts.jsonl")]
    NoContexts {
        /// The bundle.
        dir: PathBuf,
    },
    /// The samples do not fit the contexts (unknown context, bad status) or cannot be scored.
    #[error("{dir}: {source}")]
    Score {
        /// The bundle.
        dir: PathBuf,
        /// What does not fit.
        source: ScoreInputError,
    },
}

/// A bundle with the contexts it is scored against.
#[derive(Debug)]
pub struct OpenBundle {
    /// The bundle as read.
    pub bundle: Bundle,
    /// The benchmark the manifest names, hash-checked; `None` when the bundle carries its own
    /// contexts (an import), which are then used instead.
    pub benchmark: Option<Benchmark>,
}

/// Loads benchmark `version` from `benchmark_root` and checks it against the sha256 a bundle
/// (or a batch export) recorded, if any; `dir` names the recording bundle in the message.
/// The one place a recorded benchmark hash is checked.
pub fn load_benchmark(
    benchmark_root: &Path,
    version: &str,
    recorded: Option<&str>,
    dir: &Path,
) -> Result<Benchmark, OpenError> {
    let bench: Benchmark = Benchmark::load(benchmark_root, version)?;
    match recorded {
        Some(h) if h != bench.hash => Err(OpenError::BenchmarkChanged {
            dir: dir.to_path_buf(),
            version: version.to_string(),
            recorded: h.to_string(),
            path: benchmark_root.join(version),
            actual: bench.hash,
        }),
        _ => Ok(bench),
    }
}

/// The benchmark version `manifest` names, loaded from `benchmark_root` and checked against
/// the sha256 the bundle in `dir` recorded ([`load_benchmark`]). `None` when it names none.
pub fn benchmark_of(
    benchmark_root: &Path,
    manifest: &RunManifest,
    dir: &Path,
) -> Result<Option<Benchmark>, OpenError> {
    manifest
        .benchmark
        .as_deref()
        .map(|v| load_benchmark(benchmark_root, v, manifest.benchmark_sha256.as_deref(), dir))
        .transpose()
}

/// The scoring inputs of `bundle` against `bench`, already loaded (a study scores many
/// bundles of one benchmark): checked by hash, and the bundle's own contexts still win.
pub fn inputs_against(bundle: &Bundle, bench: &Benchmark) -> Result<Vec<ContextInput>, OpenError> {
    if let Some(h) = bundle
        .manifest
        .benchmark_sha256
        .as_deref()
        .filter(|h| *h != bench.hash)
    {
        return Err(OpenError::BenchmarkChanged {
            dir: bundle.dir.clone(),
            version: bench.manifest.version.clone(),
            recorded: h.to_string(),
            path: PathBuf::from(&bench.manifest.version),
            actual: bench.hash.clone(),
        });
    }
    bundle.check(Some(bench))?;
    let table =
        context_table(bundle.contexts.as_deref(), Some(bench)).expect("a benchmark is given");
    score_input::context_inputs(&bundle.samples, &bundle.manifest, table).map_err(|source| {
        OpenError::Score {
            dir: bundle.dir.clone(),
            source,
        }
    })
}

/// Reads the bundle in `dir` and opens it for scoring: its own contexts, or the benchmark its
/// manifest names (loaded and hash-checked); every sample is checked ([`Bundle::check`]). The
/// benchmark is loaded while the samples are read (both are large); it is used, and its errors
/// count, only where the bundle has no contexts of its own.
pub fn open(benchmark_root: &Path, dir: &Path) -> Result<OpenBundle, OpenError> {
    let manifest: RunManifest = super::read_manifest(dir)?;
    let (bundle, early) = rayon::join(
        || super::read(dir),
        || benchmark_of(benchmark_root, &manifest, dir),
    );
    let bundle: Bundle = bundle?;
    let same_benchmark: bool = bundle.manifest.benchmark == manifest.benchmark
        && bundle.manifest.benchmark_sha256 == manifest.benchmark_sha256;
    with_benchmark(benchmark_root, bundle, same_benchmark.then_some(early))
}

/// Opens a bundle already read: its own contexts, or the benchmark its manifest names
/// (loaded and hash-checked), `early` if it was loaded already. Fails when it has neither, or
/// when a sample is not one the run could have produced ([`Bundle::check`]: every re-score
/// checks every sample).
fn with_benchmark(
    benchmark_root: &Path,
    bundle: Bundle,
    early: Option<Result<Option<Benchmark>, OpenError>>,
) -> Result<OpenBundle, OpenError> {
    if bundle.contexts.is_some() {
        bundle.check(None)?;
        return Ok(OpenBundle {
            bundle,
            benchmark: None,
        });
    }
    let bench: Option<Benchmark> = match early {
        Some(loaded) => loaded?,
        None => benchmark_of(benchmark_root, &bundle.manifest, &bundle.dir)?,
    };
    match bench {
        Some(bench) => {
            bundle.check(Some(&bench))?;
            Ok(OpenBundle {
                bundle,
                benchmark: Some(bench),
            })
        }
        None => Err(OpenError::NoContexts { dir: bundle.dir }),
    }
}

/// The contexts of a bundle: its own when it carries them, else the benchmark's; `None`
/// with neither.
pub fn context_table<'a>(
    own: Option<&'a [super::BundleContext]>,
    bench: Option<&'a Benchmark>,
) -> Option<ContextTable<'a>> {
    match (own, bench) {
        (Some(c), _) => Some(ContextTable::Bundle(c)),
        (None, Some(b)) => Some(ContextTable::Benchmark(b)),
        (None, None) => None,
    }
}

impl OpenBundle {
    /// Where the contexts come from.
    pub fn table(&self) -> ContextTable<'_> {
        context_table(self.bundle.contexts.as_deref(), self.benchmark.as_ref())
            .expect("an open bundle has contexts or a benchmark")
    }

    fn score_error(&self, source: ScoreInputError) -> OpenError {
        OpenError::Score {
            dir: self.bundle.dir.clone(),
            source,
        }
    }

    /// The scoring engine's input: one entry per context of the run, samples grouped.
    /// An observer run's: the observed run's choices with the observer's reports.
    pub fn inputs(&self) -> Result<Vec<ContextInput>, OpenError> {
        let m: &RunManifest = &self.bundle.manifest;
        if let Some(o) = m.parameters.as_ref().and_then(|p| p.observe.as_ref()) {
            return super::observed::observer_inputs(
                &self.bundle.dir,
                &self.bundle.samples,
                m,
                o,
                self.table(),
            );
        }
        score_input::context_inputs(&self.bundle.samples, m, self.table())
            .map_err(|e| self.score_error(e))
    }

    /// A fresh score of the raw samples: what `summary.json` should hold.
    pub fn summary(&self) -> Result<BundleSummary, OpenError> {
        super::observed::summary_of(
            &self.bundle.dir,
            &self.bundle.samples,
            &self.bundle.manifest,
            self.table(),
        )
    }

    /// Whether this is an observer run (`run --experiment observe`).
    pub fn is_observer(&self) -> bool {
        self.bundle
            .manifest
            .parameters
            .as_ref()
            .is_some_and(|p| p.observe.is_some())
    }
}
