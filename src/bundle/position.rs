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

/// Parsed choices and how many of them answered "A", per presentation order; only the orders
/// that occur, in order (`ab`, then `ba`). The one count the summary's block and the reports
/// both use.
pub fn order_counts(samples: &[Sample]) -> BTreeMap<Order, (usize, usize)> {
    let mut by: BTreeMap<Order, (usize, usize)> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.kind == KindKey::Choice) {
        if let Some(Parsed::Choice(c)) = s.parsed {
            let e = by.entry(s.order).or_default();
            e.0 += 1;
            e.1 += usize::from(c == Choice::A);
        }
    }
    by
}

/// The fitted intercepts (log-odds of "A" at equal utility) of the contexts that had trials.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Intercepts {
    /// One per fitted context, in summary order.
    pub values: Vec<f64>,
    /// Contexts whose intercept is more than 1.96 standard errors above 0 (favour "A") and
    /// below it (favour "B").
    pub favouring_a: usize,
    pub favouring_b: usize,
}

impl Intercepts {
    /// Their mean; `None` when no context was fitted.
    pub fn mean(&self) -> Option<f64> {
        let v: &[f64] = &self.values;
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }
}

/// The intercepts of a summary's fitted contexts.
pub fn intercepts(summary: &Summary) -> Intercepts {
    let fitted: Vec<&crate::scoring::ContextSummary> =
        summary.contexts.iter().filter(|c| c.n_trials > 0).collect();
    let significant = |sign: f64| {
        fitted
            .iter()
            .filter(|c| c.intercept_se > 0.0 && sign * c.intercept / c.intercept_se > 1.96)
            .count()
    };
    Intercepts {
        values: fitted.iter().map(|c| c.intercept).collect(),
        favouring_a: significant(1.0),
        favouring_b: significant(-1.0),
    }
}

/// The position bias of a run's choices; pairs count only when asked in both orders.
pub fn position_bias(samples: &[Sample]) -> PositionBias {
    let mut letters: BTreeMap<(ContextId, usize), [Option<Choice>; 2]> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.kind == KindKey::Choice) {
        if let Some(Parsed::Choice(c)) = s.parsed {
            let slot = usize::from(s.order == Order::Ba);
            letters.entry((s.context.clone(), s.index)).or_default()[slot] = Some(c);
        }
    }
    // (answered, answered A) per order.
    let counts = order_counts(samples);
    let per_order: [(usize, usize); 2] =
        [Order::Ab, Order::Ba].map(|o| counts.get(&o).copied().unwrap_or((0, 0)));
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
    pb.mean_intercept = intercepts(summary).mean();
    pb
}

/// Whether any choice was asked swapped, i.e. the run was counterbalanced.
pub fn counterbalanced(samples: &[Sample]) -> bool {
    samples
        .iter()
        .any(|s| s.kind == KindKey::Choice && s.order == Order::Ba)
}
