//! Position bias: how much the letter shown first, rather than the option, drives the choices.
//!
//! Samples keep the pair *as shown* and the letter *as answered*, in both orders, and the
//! scoring regresses P(answer A) on (shown A - shown B). For a `ba` sample that is B's values
//! in the A slot and the letter the model gave for them, so the slopes keep their sign with no
//! remapping, and a pull towards "A" lands in the intercept. Counterbalancing makes the
//! design exactly symmetric (each difference appears with both signs), so that intercept can
//! no longer lean on the slopes; this module reports it.

use super::sample::{KindKey, Order, Parsed, Sample};
use crate::scoring::Summary;
use crate::types::{Choice, ContextId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The position-bias figures of a run's choices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PositionBias {
    /// Fraction of parsed choices answering "A", over both orders.
    pub p_answer_a: Option<f64>,
    /// The same in the frozen order only, and in the swapped order only: with no position
    /// effect the two sum to 1, with a pure position effect both equal 1 (or 0).
    pub p_answer_a_ab: Option<f64>,
    pub p_answer_a_ba: Option<f64>,
    /// Pairs asked in both orders with both answers parsed.
    pub n_pairs: usize,
    /// Of those, the fraction choosing the same option both times (1 = no position effect).
    pub consistency: Option<f64>,
    /// Of those, the fraction answering "A" both times (picked by position, not by option).
    pub always_a: Option<f64>,
    pub always_b: Option<f64>,
    /// Mean over contexts of the fitted intercept (log-odds of answering "A" at equal
    /// utility); 0 means no position effect. Filled by [`with_intercept`].
    #[serde(default)]
    pub mean_intercept: Option<f64>,
}

fn frac(k: usize, n: usize) -> Option<f64> {
    (n > 0).then(|| k as f64 / n as f64)
}

/// The position bias of a run's choices; pairs count only when asked in both orders.
pub fn position_bias(samples: &[Sample]) -> PositionBias {
    let mut letters: BTreeMap<(ContextId, usize), [Option<Choice>; 2]> = BTreeMap::new();
    // (answered, answered A) per order.
    let mut per_order: [(usize, usize); 2] = [(0, 0); 2];
    for s in samples.iter().filter(|s| s.kind == KindKey::Choice) {
        if let Some(Parsed::Choice(c)) = s.parsed {
            let slot = usize::from(s.order == Order::Ba);
            per_order[slot].0 += 1;
            per_order[slot].1 += usize::from(c == Choice::A);
            letters.entry((s.context.clone(), s.index)).or_default()[slot] = Some(c);
        }
    }
    let both: Vec<(Choice, Choice)> = letters
        .values()
        .filter_map(|[x, y]| Some(((*x)?, (*y)?)))
        .collect();
    let m = both.len();
    let count = |f: &dyn Fn(&(Choice, Choice)) -> bool| both.iter().filter(|p| f(p)).count();
    let [(n_ab, a_ab), (n_ba, a_ba)] = per_order;
    PositionBias {
        p_answer_a: frac(a_ab + a_ba, n_ab + n_ba),
        p_answer_a_ab: frac(a_ab, n_ab),
        p_answer_a_ba: frac(a_ba, n_ba),
        n_pairs: m,
        // The same option both times means different letters, since the second order swaps them.
        consistency: frac(count(&|(x, y)| x != y), m),
        always_a: frac(count(&|p| *p == (Choice::A, Choice::A)), m),
        always_b: frac(count(&|p| *p == (Choice::B, Choice::B)), m),
        mean_intercept: None,
    }
}

/// Adds the mean fitted intercept of the contexts that had trials.
pub fn with_intercept(mut pb: PositionBias, summary: &Summary) -> PositionBias {
    let fitted: Vec<f64> = summary
        .contexts
        .iter()
        .filter(|c| c.n_trials > 0)
        .map(|c| c.intercept)
        .collect();
    pb.mean_intercept =
        (!fitted.is_empty()).then(|| fitted.iter().sum::<f64>() / fitted.len() as f64);
    pb
}

/// Whether any choice was asked swapped, i.e. the run was counterbalanced.
pub fn counterbalanced(samples: &[Sample]) -> bool {
    samples
        .iter()
        .any(|s| s.kind == KindKey::Choice && s.order == Order::Ba)
}
