//! Goodness of fit of one context's logistic model, so that a context answered at random
//! (or by position alone) is visible.
//!
//! # Method
//! With the MAP fit ([`crate::estimation::fit()`]) and the letter-only model (P(A) = the
//! weighted mean label, smoothed by half a trial towards 1/2; see
//! [`super::reliability::letter_only_p`]):
//! - `log_loss`, `log_loss_letter`: minus the weighted log-likelihood per unit of trial
//!   weight, in nats, in sample. With soft labels this is the cross-entropy, whose floor is
//!   the labels' own entropy, not 0.
//! - `mcfadden_r2` = 1 - LL_model / LL_letter (in sample; optimistic by about
//!   5 / (2 |LL_letter|) when the attributes carry no signal). `None` when LL_letter = 0.
//! - `heldout_r2`: the same ratio out of sample, from the split-half fits of
//!   [`super::reliability::split_half`] (fit on one half, evaluate on the other, both ways,
//!   every split): the share of the letter-only model's held-out log-loss that the attributes
//!   remove. Near 0 or negative means the attributes do not predict choices.
//! - `at_chance` = `heldout_r2 <= 0`: the context's choices are no better predicted from the
//!   options than from the letter alone.
//! - `accuracy`: share of trials whose label (rounded; soft labels of exactly 1/2 left out)
//!   matches the fitted model's more likely letter; `accuracy_letter` the same for the
//!   letter-only model (the majority letter).
//!
//! # Assumptions
//! As the fit: independent trials, a constant position bias, linear utilities.

use super::reliability::{SplitHalf, letter_log_likelihood, letter_only_p, log_likelihood};
use crate::estimation::Trial;
use crate::types::{ContextId, N_ATTR};
use serde::{Deserialize, Serialize};

/// One context's goodness of fit; see the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitQuality {
    pub log_loss: Option<f64>,
    pub log_loss_letter: Option<f64>,
    pub mcfadden_r2: Option<f64>,
    pub heldout_r2: Option<f64>,
    pub at_chance: Option<bool>,
    pub accuracy: Option<f64>,
    pub accuracy_letter: Option<f64>,
}

/// Goodness of fit of the model (`intercept`, `slopes`) fitted on `trials`, with held-out
/// figures from `split`.
pub fn fit_quality(
    intercept: f64,
    slopes: &[f64; N_ATTR],
    trials: &[Trial],
    split: Option<&SplitHalf>,
) -> FitQuality {
    let w: f64 = trials.iter().map(|t| t.weight).sum();
    if trials.is_empty() || w <= 0.0 {
        return FitQuality {
            log_loss: None,
            log_loss_letter: None,
            mcfadden_r2: None,
            heldout_r2: None,
            at_chance: None,
            accuracy: None,
            accuracy_letter: None,
        };
    }
    let ll: f64 = log_likelihood(intercept, slopes, trials);
    let p_letter: f64 = letter_only_p(trials);
    let ll_letter: f64 = letter_log_likelihood(p_letter, trials);
    let mcfadden: Option<f64> = (ll_letter < 0.0).then(|| 1.0 - ll / ll_letter);
    let heldout: Option<f64> = split
        .filter(|s| s.heldout_ll_letter < 0.0)
        .map(|s| 1.0 - s.heldout_ll_model / s.heldout_ll_letter);
    let (mut hit, mut hit_letter, mut judged) = (0.0_f64, 0.0_f64, 0.0_f64);
    for t in trials {
        if t.p_a == 0.5 {
            continue;
        }
        let actual_a: bool = t.p_a > 0.5;
        let eta: f64 = intercept + (0..N_ATTR).map(|k| slopes[k] * t.diff[k]).sum::<f64>();
        judged += t.weight;
        hit += t.weight * f64::from(u8::from((eta > 0.0) == actual_a));
        hit_letter += t.weight * f64::from(u8::from((p_letter > 0.5) == actual_a));
    }
    FitQuality {
        log_loss: Some(-ll / w),
        log_loss_letter: Some(-ll_letter / w),
        mcfadden_r2: mcfadden,
        heldout_r2: heldout,
        at_chance: heldout.map(|h| h <= 0.0),
        accuracy: (judged > 0.0).then(|| hit / judged),
        accuracy_letter: (judged > 0.0).then(|| hit_letter / judged),
    }
}

/// Run-level view of the per-context fits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitOverview {
    /// Contexts with at least one trial.
    pub n_contexts: usize,
    pub mean_mcfadden_r2: Option<f64>,
    pub mean_heldout_r2: Option<f64>,
    pub mean_accuracy: Option<f64>,
    /// Contexts whose choices the options predict no better than the letter alone.
    pub n_at_chance: usize,
    /// Their ids, in input order.
    pub at_chance: Vec<ContextId>,
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0_f64, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Means over contexts and the list of contexts at chance.
pub fn overview(per_context: &[(ContextId, FitQuality)]) -> FitOverview {
    let fitted: Vec<&(ContextId, FitQuality)> = per_context
        .iter()
        .filter(|(_, q)| q.log_loss.is_some())
        .collect();
    let at_chance: Vec<ContextId> = fitted
        .iter()
        .filter(|(_, q)| q.at_chance == Some(true))
        .map(|(id, _)| id.clone())
        .collect();
    FitOverview {
        n_contexts: fitted.len(),
        mean_mcfadden_r2: mean(fitted.iter().filter_map(|(_, q)| q.mcfadden_r2)),
        mean_heldout_r2: mean(fitted.iter().filter_map(|(_, q)| q.heldout_r2)),
        mean_accuracy: mean(fitted.iter().filter_map(|(_, q)| q.accuracy)),
        n_at_chance: at_chance.len(),
        at_chance,
    }
}
