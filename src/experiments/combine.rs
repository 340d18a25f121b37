//! Combining runs the way the study did, with no new model calls: the control (one model's
//! choices scored against another model's reports), introspection training pooled over two
//! held-out halves, and the position-bias control.

use super::finetune::Half;
use crate::benchmark::Benchmark;
use crate::bundle::Bundle;
use crate::bundle::parameters::Parameters;
use crate::bundle::sample::Order;
use crate::bundle::score_input::{ContextTable, ScoreInputError, context_inputs, score_options};
use crate::scoring::{
    ContextInput, PairedComparison, PairedOptions, Summary, paired_comparison, score,
};
use crate::types::ContextId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The scoring input of a bundle: its own contexts when imported, else the benchmark.
pub fn bundle_inputs(
    bundle: &Bundle,
    bench: Option<&Benchmark>,
) -> Result<Vec<ContextInput>, ScoreInputError> {
    let table = match (&bundle.contexts, bench) {
        (Some(c), _) => ContextTable::Bundle(c),
        (None, Some(b)) => ContextTable::Benchmark(b),
        (None, None) => ContextTable::Bundle(&[]),
    };
    context_inputs(&bundle.samples, &bundle.manifest, table)
}

/// `choices` with every context's reports replaced by those of the same context in
/// `reports` (none when that run did not ask it). Targets and choices stay `choices`'.
pub fn with_reports_from(choices: &[ContextInput], reports: &[ContextInput]) -> Vec<ContextInput> {
    let by_id: HashMap<&ContextId, &ContextInput> = reports.iter().map(|c| (&c.id, c)).collect();
    choices
        .iter()
        .map(|c| ContextInput {
            reports: by_id
                .get(&c.id)
                .map(|r| r.reports.clone())
                .unwrap_or_default(),
            ..c.clone()
        })
        .collect()
}

/// The control: the fine-tuned model's learned weights against the base model's reports.
/// If the reports track the instilled behaviour only because the base model shares its
/// priors, this scores as high as the real thing; the study found r near 0.
pub fn control(
    choices: &[ContextInput],
    reports: &[ContextInput],
) -> Result<Summary, crate::scoring::ScoreError> {
    score(&with_reports_from(choices, reports), &score_options())
}

/// Keeps the contexts whose id is in `ids`, in input order.
pub fn restrict(inputs: &[ContextInput], ids: &BTreeSet<ContextId>) -> Vec<ContextInput> {
    inputs
        .iter()
        .filter(|c| ids.contains(&c.id))
        .cloned()
        .collect()
}

/// Introspection training tested on held-out halves: the model trained on the first half is
/// scored on the second half's contexts and vice versa, the two pooled into one run (each
/// context appears once, from the model that never saw its answer). Ordered as `reference`
/// orders its contexts, so the resampling matches a paired comparison against it.
pub fn pooled_halves(
    trained_first: &[ContextInput],
    trained_second: &[ContextInput],
    halves: &(Vec<ContextId>, Vec<ContextId>),
    order: &[ContextId],
) -> Vec<ContextInput> {
    let first: BTreeSet<ContextId> = halves.0.iter().cloned().collect();
    let second: BTreeSet<ContextId> = halves.1.iter().cloned().collect();
    let mut by_id: HashMap<ContextId, ContextInput> = HashMap::new();
    for c in restrict(trained_first, &second)
        .into_iter()
        .chain(restrict(trained_second, &first))
    {
        by_id.insert(c.id.clone(), c);
    }
    order.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// The pooled held-out score and its paired effect against the untrained (instilled-only)
/// model on the same contexts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    pub summary: Summary,
    /// `a` = untrained, `b` = trained: `difference` is the gain in reports-vs-learned r.
    pub versus_untrained: PairedComparison,
}

pub fn held_out(
    untrained: &[ContextInput],
    trained_first: &[ContextInput],
    trained_second: &[ContextInput],
    halves: &(Vec<ContextId>, Vec<ContextId>),
) -> Result<HeldOut, crate::scoring::ScoreError> {
    let order: Vec<ContextId> = untrained.iter().map(|c| c.id.clone()).collect();
    let pooled = pooled_halves(trained_first, trained_second, halves, &order);
    let summary = score(&pooled, &score_options())?;
    let base = score(untrained, &score_options())?;
    Ok(HeldOut {
        versus_untrained: paired(&base, &summary),
        summary,
    })
}

/// The paired comparison of reports-vs-learned r between two scored conditions.
pub fn paired(a: &Summary, b: &Summary) -> PairedComparison {
    paired_comparison(
        a,
        b,
        &PairedOptions {
            seed: score_options().seed,
            ..PairedOptions::default()
        },
    )
}

/// Which half of the instilled split a trained model must be tested on: the other one.
pub fn test_half(trained_on: Half) -> Half {
    trained_on.other()
}

/// Asks every pair in both orders (A/B as frozen, then swapped): the position-bias control.
pub fn counterbalance(params: &mut Parameters) {
    params.orders = vec![Order::Ab, Order::Ba];
}

/// Position bias lives with the runner, which writes it into a counterbalanced run's summary.
pub use crate::bundle::position::{PositionBias, position_bias};
