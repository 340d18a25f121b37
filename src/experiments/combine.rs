//! Combining runs the way the study did, with no new model calls: introspection training
//! pooled over two held-out halves, and the position-bias control. The control (one model's
//! choices scored against another model's reports) is scored in `scoring::control`.

use super::finetune::Half;
use crate::bundle::score_input::score_options;
use crate::scoring::{
    ContextInput, PairedComparison, PairedOptions, Summary, paired_comparison, score,
};
use crate::types::ContextId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The control lives beside the rest of scoring; re-exported here for the study's callers.
pub use crate::bundle::control::control;
pub use crate::scoring::control::with_reports_from;

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

/// Position bias lives with the runner, which writes it into a counterbalanced run's summary.
pub use crate::bundle::position::position_bias;
