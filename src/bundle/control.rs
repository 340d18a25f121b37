//! The `--reports-from` control over two bundles: the choices of one scored against the
//! reports of the other ([`crate::scoring::control`]), after checking that both were run on
//! the same benchmark file and share at least one asked context. `score --reports-from`,
//! `compare --reports-from` and `study` call it.

use super::open::{OpenError, open};
use super::score_input::score_options;
use super::{Bundle, BundleSummary};
use crate::scoring::{ContextInput, ScoreError, Summary};
use crate::types::ContextId;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(
        "{} and {} were run on different benchmark files; the control compares the same contexts",
        choices.display(),
        reports.display()
    )]
    DifferentBenchmarks { choices: PathBuf, reports: PathBuf },
    #[error("{}: has no reports for any context of {}", reports.display(), choices.display())]
    NoSharedContexts { choices: PathBuf, reports: PathBuf },
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{}: {source}", dir.display())]
    Score {
        dir: PathBuf,
        #[source]
        source: ScoreError,
    },
}

/// The control's score on scoring inputs, with the scoring options every bundle is scored
/// with.
pub fn control(choices: &[ContextInput], reports: &[ContextInput]) -> Result<Summary, ScoreError> {
    crate::scoring::control::control(choices, reports, &score_options())
}

/// The control's summary: `choices`' learned weights (and targets) against `reports`'
/// reports, both bundles opened against the benchmarks under `benchmark_root`.
pub fn control_summary(
    benchmark_root: &Path,
    choices: &Bundle,
    reports: &Bundle,
) -> Result<BundleSummary, ControlError> {
    let (m, o) = (&choices.manifest, &reports.manifest);
    if m.benchmark_sha256.is_some()
        && o.benchmark_sha256.is_some()
        && m.benchmark_sha256 != o.benchmark_sha256
    {
        return Err(ControlError::DifferentBenchmarks {
            choices: choices.dir.clone(),
            reports: reports.dir.clone(),
        });
    }
    let c: Vec<ContextInput> = open(benchmark_root, &choices.dir)?.inputs()?;
    let r: Vec<ContextInput> = open(benchmark_root, &reports.dir)?.inputs()?;
    let asked: BTreeSet<&ContextId> = r
        .iter()
        .filter(|x| !x.reports.is_empty())
        .map(|x| &x.id)
        .collect();
    if !c.iter().any(|x| asked.contains(&x.id)) {
        return Err(ControlError::NoSharedContexts {
            choices: choices.dir.clone(),
            reports: reports.dir.clone(),
        });
    }
    let score: Summary = control(&c, &r).map_err(|source| ControlError::Score {
        dir: choices.dir.clone(),
        source,
    })?;
    Ok(BundleSummary {
        score,
        position_bias: None,
        privileged_access: None,
    })
}
