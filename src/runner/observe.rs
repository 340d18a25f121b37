//! `run --experiment observe --of DIR --examples K`: an observer run. It asks a model (or a
//! simulated agent) for the weights of another run's decision maker, each prompt showing K of
//! that run's choices in the context; it makes no choices of its own. [`resolve_observe`]
//! turns the request into an ordinary [`RunConfig`] whose parameters record what is observed
//! ([`ObserveParams`]), so the runner, resume and scoring treat it like any other run.

use super::config::RunConfig;
use super::request::{ConfigError, RunRequest, resolve};
use crate::benchmark::Benchmark;
use crate::benchmark::freeze::sha256_hex;
use crate::bundle::observe::{ObserveParams, ShownContext, draw_shown};
use crate::bundle::parameters::{Parameters, run_contexts};
use crate::bundle::{self, Bundle, BundleError};
use crate::types::ContextId;
use std::path::{Path, PathBuf};

/// Largest `--examples`: more shown choices than a prompt should carry.
pub const MAX_EXAMPLES: usize = 200;

/// What the observer is shown.
#[derive(Clone, Debug, PartialEq)]
pub struct ObserveRequest {
    /// The observed run's bundle.
    pub of: PathBuf,
    /// Choices shown per context.
    pub examples: usize,
    /// Seed of the draw of shown choices.
    pub seed: u64,
}

/// Why an observer run cannot be set up; every message names the option or the file.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("--of {}: {source}", dir.display())]
    Bundle { dir: PathBuf, source: BundleError },
    #[error("--of {}: {why}", dir.display())]
    NotObservable { dir: PathBuf, why: String },
    #[error("--examples {0}: must be between 1 and {MAX_EXAMPLES}")]
    Examples(usize),
    #[error(
        "--of {}: no context has --examples {k} valid choices plus 2 more to hold out (it asks {trials} per context)",
        dir.display()
    )]
    TooFewChoices {
        dir: PathBuf,
        k: usize,
        trials: usize,
    },
}

/// The observed run's parameters, refused when it is not a live run of a benchmark.
fn observed_parameters(b: &Bundle) -> Result<&Parameters, ObserveError> {
    let not = |why: &str| ObserveError::NotObservable {
        dir: b.dir.clone(),
        why: why.to_string(),
    };
    let p: &Parameters =
        b.manifest.parameters.as_ref().ok_or_else(|| {
            not("not a run of a benchmark (an import has no recorded parameters)")
        })?;
    if p.observe.is_some() {
        return Err(not(
            "is itself an observer run; observe the run it observed instead",
        ));
    }
    if p.trials == 0 {
        return Err(not("asks no choices"));
    }
    Ok(p)
}

/// The observer run's configuration: `req` (who is asked, how many reports, limits, output)
/// over the observed run's benchmark, experiment and contexts, with no choices and the shown
/// choices drawn and recorded.
pub fn resolve_observe(
    req: &RunRequest,
    o: &ObserveRequest,
    benchmark_dir: &Path,
) -> Result<(RunConfig, Benchmark), ObserveError> {
    if o.examples == 0 || o.examples > MAX_EXAMPLES {
        return Err(ObserveError::Examples(o.examples));
    }
    let observed: Bundle = bundle::read(&o.of).map_err(|source| ObserveError::Bundle {
        dir: o.of.clone(),
        source,
    })?;
    let p: &Parameters = observed_parameters(&observed)?;
    let mut r: RunRequest = req.clone();
    r.ask.experiment = p.experiment;
    r.ask.benchmark = p.benchmark.clone();
    r.ask.trials = Some(0);
    r.ask.half = None;
    r.ask.contexts = None;
    r.ask.contexts_file = None;
    r.ask.counterbalance = Some(false);
    r.ask.design = None;
    if r.out.is_none() {
        r.out = Some(default_out(req, &o.of, o.examples));
    }
    let (mut cfg, bench) = resolve(&r, benchmark_dir)?;
    if bench.hash != p.benchmark_sha256 {
        return Err(ObserveError::NotObservable {
            dir: o.of.clone(),
            why: format!(
                "was run on another file of benchmark {} (sha256 {}, this one {})",
                p.benchmark, p.benchmark_sha256, bench.hash
            ),
        });
    }
    let ids: Vec<ContextId> = run_contexts(&bench, p)
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let mut shown: Vec<ShownContext> = draw_shown(&observed.samples, &ids, o.examples, o.seed);
    // `--contexts`, else the preset's count (quick: 20), caps the contexts asked, as in any
    // run; before, only `--contexts` did and `--preset quick` asked every observed context.
    shown.truncate(req.ask.contexts.unwrap_or(cfg.params.contexts));
    if shown.is_empty() {
        return Err(ObserveError::TooFewChoices {
            dir: o.of.clone(),
            k: o.examples,
            trials: p.trials * p.orders.len(),
        });
    }
    let samples_sha256: String = std::fs::read(o.of.join(bundle::SAMPLES))
        .map(|b| sha256_hex(&b))
        .map_err(|e| ObserveError::NotObservable {
            dir: o.of.clone(),
            why: format!("{}: cannot read: {e}", bundle::SAMPLES),
        })?;
    let params: &mut Parameters = &mut cfg.params;
    params.context_ids = Some(shown.iter().map(|s| s.context.clone()).collect());
    params.contexts = shown.len();
    params.observe = Some(ObserveParams {
        of: o.of.display().to_string(),
        of_model: p.model.clone(),
        of_provider: p.provider.as_str().to_string(),
        of_samples_sha256: samples_sha256,
        examples: o.examples,
        seed: o.seed,
        shown,
    });
    Ok((cfg, bench))
}

/// `runs/<model>-observes-<observed dir name>-k<K>`, made safe for a path.
fn default_out(req: &RunRequest, of: &Path, k: usize) -> PathBuf {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let name: String = of
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".to_string());
    PathBuf::from("runs").join(format!(
        "{}-observes-{}-k{k}",
        safe(&req.who.model),
        safe(&name)
    ))
}
