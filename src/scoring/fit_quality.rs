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
//!   remove. Near 0 or negative means the attributes do not predict choices. The half fits
//!   are the reliability's (prior widened so that it weighs against a half's data as the
//!   scoring prior does against all of a context's); until this version they were refitted
//!   with the scoring prior itself, which shrinks a half more than the full fit is shrunk and
//!   gave lower values (the stored simulated faithful agent, full preset: mean 0.33 with the
//!   scoring prior, 0.38 now; quick preset 0.13 and 0.18).
//! - `lr_p_value`: test of the five slopes against the letter-only model, from
//!   LR = 2 (LL_max - LL_letter_mle), LL_max the largest in-sample log-likelihood the
//!   unpenalised model reaches (see below), LL_letter_mle that of the unsmoothed letter-only
//!   MLE (0 when every label is the same letter); p = 1 when LR <= 0.
//!   LL_max is the log-likelihood of a fit with nearly flat priors (sd [`TEST_PRIOR_SD`] on
//!   every coefficient, started from the MAP fit), or of the MAP fit when that is higher.
//!   Why not the MAP fit's own: the scoring prior (sd 1 per full range) shrinks the slopes
//!   of a context with few choices far below what its data support, so a context whose
//!   choices the options predict perfectly (linearly separable: the MLE runs off to
//!   infinity and LL_max to 0) was called at chance. The stored simulated faithful agent,
//!   quick preset (20 soft-labelled choices per context), had 5 of 20 contexts "at chance"
//!   with the MAP likelihood while the fit predicted 90-100% of their choices (the letter
//!   alone about 55%) and their within-context r was 0.95-0.99.
//!   Hard letters: likelihood-ratio test, p = P(F(5, n - 6) >= LR / 5), n the trial weight.
//!   The usual chi-square reference (5 df) is asymptotic, and with LL_max it is too liberal
//!   at a context's size: on contexts answered at random it called 16% of 2,000 contexts of
//!   20 letters fitted and 6.2% of 2,000 of 100 letters; LR / 5 on F(5, n - 6), the same
//!   degrees of freedom as the soft-label test below, 7.2% and 5.1% (an independent
//!   simulation in Python, option differences uniform minus uniform, fits with the same flat
//!   prior; scripts/reference/at_chance_calibration.py). Soft labels (P(A) from
//!   log-probabilities): a soft label's log-likelihood is a cross-entropy, not a Bernoulli
//!   draw's, so the chi-square scale does not apply (a context predicted perfectly gave
//!   p = 0.5 with it); the quasi-likelihood F test is used instead, F = (LR / 5) /
//!   (D / (n - 6)) on F(5, n - 6), D the residual deviance 2 (LL_saturated - LL_max) with
//!   LL_saturated the labels' own entropy.
//! - `at_chance` = `lr_p_value > 0.05`: the options do not predict the context's choices
//!   significantly better than the letter alone, at a stated 5% error rate.
//!   Measured on a simulated agent answering at random: 5.3% of 300 contexts called fitted
//!   with 100 letters per context and 5.3% with 20 (binomial sd 1.3 points; with the MAP
//!   fit's likelihood and the chi-square reference it was 4.3% at 100 letters); soft labels
//!   unrelated to the options, 20 per context, 3.7% (0 of 300 with the MAP likelihood); a
//!   weak signal (signal 0.35 of the simulator's scale) is detected in 93% of 100 contexts
//!   of 100 letters (91% before) and in 100% with 20 soft labels (96% before)
//!   (tests/statistics.rs, `at_chance_has_its_stated_error_rate_and_detects_a_weak_signal`).
//!   The earlier rule, `heldout_r2 <= 0`, counted a context whose attributes explain 0.1% of
//!   held-out log-loss as fitted and had no stated error rate.
//! - `accuracy`: share of trials whose label (rounded; soft labels of exactly 1/2 left out)
//!   matches the fitted model's more likely letter; `accuracy_letter` the same for the
//!   letter-only model (the majority letter).
//!
//! # Assumptions
//! As the fit: independent trials, a constant position bias, linear utilities. The F
//! reference of the hard-letter test is a small-sample approximation (measured above); the
//! soft-label F test assumes the soft labels scatter around the model with a constant
//! dispersion (quasi-binomial).

use super::reliability::{SplitHalf, letter_log_likelihood, letter_only_p, log_likelihood};
use crate::estimation::{FitOptions, Trial, fit_point_from};
use crate::types::{ContextId, N_ATTR};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// One context's goodness of fit; see the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitQuality {
    pub log_loss: Option<f64>,
    pub log_loss_letter: Option<f64>,
    pub mcfadden_r2: Option<f64>,
    pub heldout_r2: Option<f64>,
    pub at_chance: Option<bool>,
    /// p-value of the likelihood-ratio test of the slopes (see the module documentation).
    #[serde(default)]
    pub lr_p_value: Option<f64>,
    pub accuracy: Option<f64>,
    pub accuracy_letter: Option<f64>,
}

/// Significance level of the at-chance test.
pub const AT_CHANCE_LEVEL: f64 = 0.05;

/// Prior sd of every coefficient in the fit whose log-likelihood the at-chance test uses:
/// flat enough that a penalty of b^2 / (2 * 100^2) costs under 0.2 of log-likelihood up to
/// |b| = 60 per full range (a logit change of 60 is a certainty), yet keeps the optimum
/// finite on separable data.
pub const TEST_PRIOR_SD: f64 = 100.0;

/// The largest log-likelihood of the unpenalised model on `trials` that a fit finds: that of
/// a fit with nearly flat priors started from the MAP fit (`intercept`, `slopes`), or the
/// MAP fit's own (`ll_map`) when higher. See the module documentation.
pub fn max_log_likelihood(
    intercept: f64,
    slopes: &[f64; N_ATTR],
    trials: &[Trial],
    ll_map: f64,
) -> f64 {
    let opts: FitOptions = FitOptions {
        slope_prior_sd: TEST_PRIOR_SD,
        intercept_prior_sd: TEST_PRIOR_SD,
        ..FitOptions::default()
    };
    let mut start: [f64; N_ATTR + 1] = [intercept; N_ATTR + 1];
    start[1..].copy_from_slice(slopes);
    let (b0, b) = fit_point_from(trials, &opts, start);
    let ll: f64 = log_likelihood(b0, &b, trials);
    if ll.is_finite() {
        ll.max(ll_map)
    } else {
        ll_map
    }
}

/// p-value of the test of the five slopes: the model's log-likelihood `ll` against the
/// unsmoothed letter-only MLE on `trials`. Hard 0/1 labels: likelihood-ratio test, LR / 5 on
/// F(5, n - 6) (n the trial weight). Soft labels (any label strictly between 0 and 1): quasi-likelihood F test,
/// F = (LR / 5) / (D / (n - 6)) on F(5, n - 6), D the model's residual deviance, because a
/// soft label's log-likelihood is a cross-entropy whose scale is not a Bernoulli draw's.
pub fn lr_p_value(ll: f64, trials: &[Trial]) -> f64 {
    let w: f64 = trials.iter().map(|t| t.weight).sum();
    let p: f64 = trials.iter().map(|t| t.weight * t.p_a).sum::<f64>() / w;
    // x ln y with 0 ln 0 = 0, so a one-letter context has LL_letter = 0.
    let xlogy = |x: f64, y: f64| if x > 0.0 { x * y.ln() } else { 0.0 };
    let ll_letter: f64 = trials
        .iter()
        .map(|t| t.weight * (xlogy(t.p_a, p) + xlogy(1.0 - t.p_a, 1.0 - p)))
        .sum();
    let lr: f64 = 2.0 * (ll - ll_letter);
    if lr <= 0.0 {
        return 1.0;
    }
    let df: f64 = N_ATTR as f64;
    let resid_df: f64 = w - df - 1.0;
    if resid_df < 1.0 {
        return 1.0;
    }
    let soft: bool = trials.iter().any(|t| t.p_a > 0.0 && t.p_a < 1.0);
    if !soft {
        // LR / 5 on F(5, n - 6): the chi-square's small-sample version (see the module doc).
        return match FisherSnedecor::new(df, resid_df) {
            Ok(dist) => (1.0 - dist.cdf(lr / df)).clamp(0.0, 1.0),
            Err(_) => 1.0,
        };
    }
    // Saturated log-likelihood of soft labels: their own entropy.
    let ll_saturated: f64 = trials
        .iter()
        .map(|t| t.weight * (xlogy(t.p_a, t.p_a) + xlogy(1.0 - t.p_a, 1.0 - t.p_a)))
        .sum();
    let deviance: f64 = (2.0 * (ll_saturated - ll)).max(0.0);
    if deviance <= 0.0 {
        return 0.0;
    }
    let f: f64 = (lr / df) / (deviance / resid_df);
    match FisherSnedecor::new(df, resid_df) {
        Ok(dist) => (1.0 - dist.cdf(f)).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
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
            lr_p_value: None,
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
    let lr_p: f64 = lr_p_value(max_log_likelihood(intercept, slopes, trials, ll), trials);
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
        at_chance: Some(lr_p > AT_CHANCE_LEVEL),
        lr_p_value: Some(lr_p),
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
    /// The letter-only model's accuracy (the majority letter), to read `mean_accuracy` by.
    #[serde(default)]
    pub mean_accuracy_letter: Option<f64>,
    /// Contexts whose choices the options do not predict significantly better than the
    /// letter alone (likelihood-ratio test at 5%).
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
        mean_accuracy_letter: mean(fitted.iter().filter_map(|(_, q)| q.accuracy_letter)),
        n_at_chance: at_chance.len(),
        at_chance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimation::fit;

    /// 20 choices that follow the options exactly (each the option with the higher utility
    /// under fixed weights: linearly separable), between options a third of each range
    /// apart at most, as a faithful agent's quick-preset context.
    fn separable() -> Vec<Trial> {
        let w: [f64; N_ATTR] = [1.0, -0.8, 0.4, 0.3, -0.9];
        // A fixed, irregular design in [-1, 1] (a Weyl sequence), not a random draw.
        (0..20)
            .map(|i| {
                let diff: [f64; N_ATTR] = std::array::from_fn(|k| {
                    let x: f64 = (i as f64 + 1.0) * [0.618, 0.414, 0.732, 0.236, 0.162][k];
                    (2.0 * (x - x.floor()) - 1.0) / 3.0
                });
                let u: f64 = (0..N_ATTR).map(|k| w[k] * diff[k]).sum();
                Trial::new(diff, if u > 0.0 { 1.0 } else { 0.0 }, 1.0).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_context_whose_choices_the_options_predict_perfectly_is_not_at_chance() {
        let trials: Vec<Trial> = separable();
        let f = fit(&trials);
        let q: FitQuality = fit_quality(f.intercept, &f.slopes, &trials, None);
        // With the MAP likelihood the scoring prior's shrinkage left this at p > 0.05.
        assert!(lr_p_value(f.log_likelihood, &trials) > AT_CHANCE_LEVEL);
        assert_eq!(q.at_chance, Some(false), "{q:?}");
        assert!(q.lr_p_value.unwrap() < 0.01, "{q:?}");
        // The supremum of the likelihood of separable data is 1: LL_max is close to 0.
        let ll: f64 = max_log_likelihood(f.intercept, &f.slopes, &trials, f.log_likelihood);
        assert!(ll > -1.0 && ll > f.log_likelihood, "{ll}");
    }

    #[test]
    fn a_context_answering_one_letter_stays_at_chance() {
        let mut trials: Vec<Trial> = separable();
        trials.iter_mut().for_each(|t| t.p_a = 1.0);
        let f = fit(&trials);
        let q: FitQuality = fit_quality(f.intercept, &f.slopes, &trials, None);
        assert_eq!(q.at_chance, Some(true), "{q:?}");
        assert_eq!(q.lr_p_value, Some(1.0));
    }
}
