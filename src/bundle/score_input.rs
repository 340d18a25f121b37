//! From a bundle's raw samples to the scoring engine's input, and the summary.
//!
//! Only `samples.jsonl`, the manifest and the contexts (the benchmark version the manifest
//! names, checked by hash by the caller, or an imported bundle's own `contexts.jsonl`) are
//! read, so a bundle re-scores offline. Each sample keeps its parse status and raw soft label;
//! which choices count and whether soft labels are used is the scoring engine's rule
//! (documented in [`crate::scoring::summary`]), so a re-score never depends on the runner.

use super::parameters::{Experiment, run_contexts};
use super::sample::{Fields, KeyRef, KindKey, Parsed};
use super::{BundleContext, RunManifest};
use crate::benchmark::Benchmark;
use crate::parsing::{ChoiceStatus, ReportStatus};
use crate::scoring::{ChoiceObs, ContextInput, ReportObs, ScoreOptions, Summary, score};
use crate::types::{ContextId, N_ATTR};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde::de::IntoDeserializer;

pub use super::manifest::SCORING_SEED;

/// Where the contexts of a bundle come from.
#[derive(Clone, Copy, Debug)]
pub enum ContextTable<'a> {
    /// The benchmark version the run asked.
    Benchmark(&'a Benchmark),
    /// An imported bundle's own `contexts.jsonl`.
    Bundle(&'a [BundleContext]),
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreInputError {
    #[error("sample {0}: context {1} is not in the bundle's contexts")]
    UnknownContext(usize, ContextId),
    #[error("context {0}: needs five attributes, has {1}")]
    Attributes(ContextId, usize),
    #[error("sample {0}: unknown parse status {1:?}")]
    Status(usize, String),
    #[error("scoring: {0}")]
    Scoring(#[from] crate::scoring::ScoreError),
}

fn empty(
    id: ContextId,
    ranges: [(f64, f64); N_ATTR],
    target: Option<crate::types::Weights>,
) -> ContextInput {
    ContextInput {
        id,
        ranges,
        target,
        choices: Vec::new(),
        reports: Vec::new(),
    }
}

/// The scoring input: one entry per context of the run (in benchmark order), samples grouped.
pub fn context_inputs<S: Fields>(
    samples: &[S],
    manifest: &RunManifest,
    table: ContextTable<'_>,
) -> Result<Vec<ContextInput>, ScoreInputError> {
    // A bundle's own context list can hold contexts the run never asked (an import lists
    // every scenario of a release); only those with a sample belong to the run.
    let own_list: bool = matches!(table, ContextTable::Bundle(_));
    let mut out: Vec<ContextInput> = match table {
        ContextTable::Benchmark(b) => {
            let params = manifest.parameters.as_ref();
            let instilled: bool = params.is_some_and(|p| p.experiment == Experiment::Instilled);
            let list = match params {
                Some(p) => run_contexts(b, p),
                None => b.contexts.iter().collect(),
            };
            list.into_iter()
                .map(|c| {
                    empty(
                        c.id.clone(),
                        c.ranges(),
                        instilled.then(|| c.profile.weights()),
                    )
                })
                .collect()
        }
        ContextTable::Bundle(list) => list
            .iter()
            .map(|c| {
                if c.attributes.len() != N_ATTR {
                    return Err(ScoreInputError::Attributes(
                        c.id.clone(),
                        c.attributes.len(),
                    ));
                }
                Ok(empty(
                    c.id.clone(),
                    std::array::from_fn(|k| (c.attributes[k].min, c.attributes[k].max)),
                    c.target,
                ))
            })
            .collect::<Result<_, _>>()?,
    };
    let ids: Vec<ContextId> = out.iter().map(|c| c.id.clone()).collect();
    let pos: FxHashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for (i, s) in samples.iter().enumerate() {
        let k: KeyRef<'_> = s.key_ref();
        let Some(&p) = pos.get(k.context) else {
            return Err(ScoreInputError::UnknownContext(
                i + 1,
                ContextId(k.context.to_string()),
            ));
        };
        // The status name read as its JSON string would be, without copying it.
        let status_value = s.status().into_deserializer();
        let bad_status =
            |_: serde::de::value::Error| ScoreInputError::Status(i + 1, s.status().to_string());
        match k.kind {
            KindKey::Choice => {
                let status: ChoiceStatus =
                    ChoiceStatus::deserialize(status_value).map_err(bad_status)?;
                let choice = match s.parsed() {
                    Some(Parsed::Choice(c)) => Some(c),
                    _ => None,
                };
                out[p].choices.push(ChoiceObs {
                    pair: *s.options(),
                    p_a: s.p_a(),
                    choice,
                    status,
                });
            }
            KindKey::Report => {
                let status: ReportStatus =
                    ReportStatus::deserialize(status_value).map_err(bad_status)?;
                let weights = match s.parsed() {
                    Some(Parsed::Weights(w)) => Some(w),
                    _ => None,
                };
                out[p].reports.push(ReportObs {
                    status,
                    weights,
                    out_of_range: s.out_of_range().unwrap_or(false),
                });
            }
        }
    }
    if own_list {
        out.retain(|c| !c.choices.is_empty() || !c.reports.is_empty());
    }
    Ok(out)
}

/// The options every bundle is scored with (seeded, so summaries are reproducible).
pub fn score_options() -> ScoreOptions {
    ScoreOptions {
        seed: SCORING_SEED,
        ..ScoreOptions::default()
    }
}

/// Scores a bundle's samples: the typed summary.
pub fn summary<S: Fields>(
    samples: &[S],
    manifest: &RunManifest,
    table: ContextTable<'_>,
) -> Result<Summary, ScoreInputError> {
    let inputs: Vec<ContextInput> = context_inputs(samples, manifest, table)?;
    let mut s: Summary = score(&inputs, &score_options())?;
    if manifest.source == IMPORTED_CSV {
        s.unknown_invalid_report_rate(UNKNOWN_INVALID_RATE);
    }
    Ok(s)
}

/// The manifest source of a bundle imported from the study's CSV release.
pub const IMPORTED_CSV: &str = "import:csv";

/// Why an imported release's invalid-report rate is unknown.
pub const UNKNOWN_INVALID_RATE: &str = "imported data release: it lists only the reports it \
kept, so how many were invalid cannot be known";
