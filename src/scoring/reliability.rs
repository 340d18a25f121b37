//! Reliability of the two measurements: learned weights (split-half) and reports
//! (agreement between a context's individual reports).
//!
//! # Behavioural reliability: method
//! For one context with n usable trials, `splits` times ([`splits_for`]): shuffle the trials
//! (seeded), cut them into halves of floor(n/2) and ceil(n/2), fit each half with the
//! scoring fit but its prior widened so that prior and data weigh as in the full fit
//! ([`half_options`]), and take the two halves' learned weights (max |b| = 100). Also cut
//! the same shuffle into four quarters of floor(n/4) trials and fit them the same way
//! (prior widened by n / quarter). Every part's fit starts from the context's full fit
//! (Newton's method then needs a few steps instead of about six) and stops at a relative
//! step of 1e-6 (a learned weight moves by less than 1e-4 on the 0..100 scale).
//! The five (half 1, half 2) points of every split, and the (quarter 1, quarter 2) and
//! (quarter 3, quarter 4) points, are accumulated as [`Moments`] and averaged over splits,
//! so one context contributes one averaged set of sufficient statistics of each kind:
//! - per context, the split-half r is Pearson's r of those averaged moments (the five
//!   attributes, every split pooled), and the reliability of the full-length weights is the
//!   Spearman-Brown projection to twice the length, 2 r / (1 + r);
//! - pooled, the moments of all contexts are added (as the main score pools its
//!   (context, attribute) points) and the same projection is applied: the reported value,
//!   the reliability that attenuates the pooled score ([`BehaviourMoments::estimate`]);
//! - the length-extrapolated upper estimate ([`extrapolate`]): the pooled halves' odds
//!   r / (1 - r) multiplied by the factor the quarters-to-halves step shows,
//!   odds(r_h) / odds(r_q), kept within [2, 4] (2 is Spearman-Brown's factor). The
//!   reported interval ([`super::quality`]) reaches up to it.
//!
//! Why: measured against test-retest truth (independent runs of simulated agents,
//! tests/statistics.rs), the split-half r matches the test-retest r of half-length runs
//! (within 0.005-0.03), but the learned weights gain reliability faster with length than a
//! linear measure (odds factors 2.2-2.9 per doubling instead of 2: the rescaling to
//! max |b| = 100 divides by a maximum that noise inflates more at short length), so the
//! Spearman-Brown value runs low, by 0.00-0.08 (most at low signal and few trials). The
//! extrapolation removes part of that (-0.05 to +0.025) but is noisier and can overshoot at
//! high signal, so it bounds the interval rather than replacing the value.
//!
//! The same half fits give held-out log-likelihoods (fit on one half, evaluate on the other,
//! both ways), used by [`super::fit_quality`].
//!
//! Splits are fewer when contexts are many: the pooled value's split-to-split Monte Carlo
//! error depends on splits x contexts (see [`splits_for`] and docs/statistics.md).
//!
//! # Report reliability: method
//! For one context with k >= 2 valid reports: the moments of every ordered pair (i, j),
//! i != j, of its reports (five points each), averaged over pairs. Per context, r of these
//! moments is the (pooled-over-pairs) agreement of two single reports; pooled over contexts
//! it is the single-report reliability r1 on the scale of the pooled score. The score uses
//! the mean of a context's k valid reports, whose reliability is k r1 / (1 + (k - 1) r1)
//! (Spearman-Brown); pooled, k is the harmonic mean of the valid-report counts of every
//! context the score averages (the error variance of a mean goes as 1/k). A context with a
//! single valid report gives no agreement to measure (r1 comes from contexts with two or
//! more) but its report is in the score, so it counts in k as 1; leaving it out made the
//! reliability too high (`n_contexts_single_report` says how many there are).
//!
//! # Assumptions
//! Classical test theory: an observed weight is a true weight plus error independent of it,
//! halves (and reports) are parallel measurements. For the learned weights the error does
//! not shrink as 1/length (see above), which is what the extrapolation allows for; its
//! odds-per-doubling model is itself an approximation, checked only in simulation. A low
//! reliability makes the corrected score too high: for a faithful agent it can exceed 1,
//! and its interval ([`super::ceiling`]) therefore also uses the upper estimate. Reports at
//! temperature 0 that vary only with the option pair shown measure that variation; a
//! systematic error shared by all of a context's reports is not noise and is (rightly) not
//! removed.
//! Reliabilities are reported unclipped, but a negative split-half (or single-report) r is
//! not projected: it is reported as it is ([`spearman_brown`]).

use super::stats::Moments;
use crate::estimation::{FitOptions, Trial, fit_point_from};
use crate::types::{N_ATTR, Weights};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Random splits per context: enough that the pooled estimate's split-to-split Monte Carlo
/// error is small (see [`splits_for`]).
pub const SPLIT_BUDGET: usize = 2000;
/// Fewest and most random splits per context.
pub const MIN_SPLITS: usize = 2;
pub const MAX_SPLITS: usize = 50;

/// Random splits per context for a run of `contexts` contexts with trials:
/// ceil(`SPLIT_BUDGET` / contexts), within [`MIN_SPLITS`, `MAX_SPLITS`]. The pooled
/// estimate averages over contexts as well as splits, so its Monte Carlo error depends on
/// splits x contexts (measured in docs/statistics.md).
pub fn splits_for(contexts: usize) -> usize {
    SPLIT_BUDGET
        .div_ceil(contexts.max(1))
        .clamp(MIN_SPLITS, MAX_SPLITS)
}

/// Fewest usable trials for a split-half estimate (two per quarter).
pub const MIN_TRIALS: usize = 8;

/// Spearman-Brown: the reliability of a measurement `factor` times as long as one with
/// reliability `r`. A negative `r` is returned as it is: parts that disagree have no
/// meaningful projection (doubling would pass -1 at r = -1/3 and diverge at -1/2), and
/// leaving it keeps the estimate continuous and increasing in r. `None` when `r` is not
/// finite or the projection is undefined (denominator <= 0).
pub fn spearman_brown(r: f64, factor: f64) -> Option<f64> {
    if !r.is_finite() {
        return None;
    }
    if r < 0.0 {
        return Some(r);
    }
    let den: f64 = 1.0 + (factor - 1.0) * r;
    (den > 0.0).then(|| factor * r / den)
}

/// What the splits of one context give.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitHalf {
    /// Moments of (half 1, half 2) learned weights, averaged over splits.
    pub moments: Moments,
    /// Moments of (quarter 1, quarter 2) and (quarter 3, quarter 4) learned weights,
    /// averaged over both pairs and all splits.
    pub quarter_moments: Moments,
    /// Splits done.
    pub splits: usize,
    /// Summed over splits and both directions: held-out weighted log-likelihood of the
    /// half fit, and of the letter-only model fitted on the same half.
    pub heldout_ll_model: f64,
    pub heldout_ll_letter: f64,
    /// Summed held-out trial weight (for per-trial averages).
    pub heldout_weight: f64,
}

impl SplitHalf {
    /// The split-half r (not projected).
    pub fn half_r(&self) -> Option<f64> {
        self.moments.r()
    }

    /// Spearman-Brown projected reliability of the full-length learned weights.
    pub fn reliability(&self) -> Option<f64> {
        self.half_r().and_then(|r| spearman_brown(r, 2.0))
    }
}

/// Weighted log-likelihood of the logistic model (intercept, slopes) on `trials`.
pub fn log_likelihood(intercept: f64, slopes: &[f64; N_ATTR], trials: &[Trial]) -> f64 {
    trials
        .iter()
        .map(|t| {
            let eta: f64 = intercept + (0..N_ATTR).map(|k| slopes[k] * t.diff[k]).sum::<f64>();
            // log p = -softplus(-eta), log(1 - p) = -softplus(eta).
            let sp = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
            t.weight * (-t.p_a * sp(-eta) - (1.0 - t.p_a) * sp(eta))
        })
        .sum()
}

/// The letter-only model's P(A) fitted on `trials`: the weighted mean label, smoothed by
/// half a trial towards 1/2 so that it stays strictly inside (0, 1).
pub fn letter_only_p(trials: &[Trial]) -> f64 {
    let w: f64 = trials.iter().map(|t| t.weight).sum();
    let y: f64 = trials.iter().map(|t| t.weight * t.p_a).sum();
    (y + 0.5) / (w + 1.0)
}

/// Log-likelihood of the letter-only model with P(A) = `p` on `trials`.
pub fn letter_log_likelihood(p: f64, trials: &[Trial]) -> f64 {
    trials
        .iter()
        .map(|t| t.weight * (t.p_a * p.ln() + (1.0 - t.p_a) * (1.0 - p).ln()))
        .sum()
}

/// Fit settings for a half of `half` of a context's `n` trials: the scoring prior with its
/// precision scaled by half / n (sds by sqrt(n / half)), so that prior and data weigh the
/// same in the half fit as in the full fit. In the normal approximation the half fit is then
/// the full-length estimator's shrinkage applied to a half-length estimate, i.e. a parallel
/// form of the full fit with n / half times its error variance, as the Spearman-Brown
/// projection assumes. (Halves fitted with the full-length prior are shrunk more than the
/// full fit, which made the projection undershoot at small n.)
pub fn half_options(n: usize, half: usize) -> FitOptions {
    let d: FitOptions = FitOptions::default();
    let f: f64 = (n as f64 / half.max(1) as f64).sqrt();
    FitOptions {
        slope_prior_sd: d.slope_prior_sd * f,
        intercept_prior_sd: d.intercept_prior_sd * f,
        ..d
    }
}

/// Fits of one context's parts start from its full fit (intercept, slopes): the parts'
/// optima are near it, so Newton's method needs a few steps instead of about six. The
/// iteration stops at the tolerance below, which moves a learned weight (0..100 scale) by
/// less than 1e-4: far below the split-to-split Monte Carlo error of any figure built on
/// these fits.
const PART_TOLERANCE: f64 = 1e-6;

fn part_options(n: usize, part: usize) -> FitOptions {
    FitOptions {
        tolerance: PART_TOLERANCE,
        ..half_options(n, part)
    }
}

/// The trial orders of a context's `splits` random splits, one after another (`splits` x
/// `n` indices; empty with fewer than [`MIN_TRIALS`] trials): each is the previous one
/// shuffled again. Drawn for every context in input order, before the contexts' fits run
/// in parallel, so the results do not depend on the number of threads.
pub fn split_orders(n: usize, splits: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    if n < MIN_TRIALS || splits == 0 {
        return Vec::new();
    }
    let mut idx: Vec<u32> = (0..n as u32).collect();
    let mut orders: Vec<u32> = Vec::with_capacity(splits * n);
    for _ in 0..splits {
        idx.shuffle(rng);
        orders.extend_from_slice(&idx);
    }
    orders
}

/// Split-half analysis of one context's trials, its parts' fits warm-started from `start`,
/// the context's full fit (b0, b1..b5), one split per trial order in `orders`
/// ([`split_orders`]); `None` with fewer than [`MIN_TRIALS`] trials or no order.
pub fn split_half(trials: &[Trial], start: [f64; N_ATTR + 1], orders: &[u32]) -> Option<SplitHalf> {
    let n: usize = trials.len();
    if n < MIN_TRIALS || orders.len() < n {
        return None;
    }
    let splits: usize = orders.len() / n;
    let mut total: Moments = Moments::default();
    let mut quarters: Moments = Moments::default();
    let (mut ll_model, mut ll_letter, mut weight) = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut half_a: Vec<Trial> = Vec::with_capacity(n / 2 + 1);
    let mut half_b: Vec<Trial> = Vec::with_capacity(n / 2 + 1);
    let mut part: Vec<Trial> = Vec::with_capacity(n / 4 + 1);
    let q: usize = n / 4;
    let learned = |(_, slopes): (f64, [f64; N_ATTR])| Weights(slopes).rescaled_to_100();
    for idx in orders.chunks_exact(n) {
        half_a.clear();
        half_b.clear();
        half_a.extend(idx[..n / 2].iter().map(|&i| trials[i as usize]));
        half_b.extend(idx[n / 2..].iter().map(|&i| trials[i as usize]));
        let fa_wide = fit_point_from(&half_a, &part_options(n, half_a.len()), start);
        let fb_wide = fit_point_from(&half_b, &part_options(n, half_b.len()), start);
        total.add(&Moments::of(&learned(fa_wide).0, &learned(fb_wide).0));
        // Quarters: the first two and the last two of four disjoint parts of q trials.
        let mut quarter = |from: usize| -> Weights {
            part.clear();
            part.extend(idx[from..from + q].iter().map(|&i| trials[i as usize]));
            learned(fit_point_from(&part, &part_options(n, q), start))
        };
        for (i, j) in [(0, q), (2 * q, 3 * q)] {
            let (a, b): (Weights, Weights) = (quarter(i), quarter(j));
            quarters.add(&Moments::of(&a.0, &b.0));
        }
        // Held-out prediction is judged with the same half fits (their prior weighs against
        // the half's data as the scoring prior does against all of a context's).
        let (fa, fb) = (fa_wide, fb_wide);
        for (f, train, test) in [(&fa, &half_a, &half_b), (&fb, &half_b, &half_a)] {
            ll_model += log_likelihood(f.0, &f.1, test);
            ll_letter += letter_log_likelihood(letter_only_p(train), test);
            weight += test.iter().map(|t| t.weight).sum::<f64>();
        }
    }
    Some(SplitHalf {
        moments: scaled(&total, 1.0 / splits as f64),
        quarter_moments: scaled(&quarters, 1.0 / (2 * splits) as f64),
        splits,
        heldout_ll_model: ll_model,
        heldout_ll_letter: ll_letter,
        heldout_weight: weight,
    })
}

/// A context's (or a pool of contexts') split-half and quarter moments.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BehaviourMoments {
    pub half: Moments,
    pub quarter: Moments,
}

/// The pooled behavioural reliability and the parts it is made of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BehaviourEstimate {
    /// Pearson r of the two halves' learned weights.
    pub half_r: f64,
    /// Pearson r of two quarters' learned weights.
    pub quarter_r: f64,
    /// The estimate: Spearman-Brown from the halves, 2 r_h / (1 + r_h) (runs low).
    pub value: f64,
    /// The odds factor per doubling of length that the quarters-to-halves step shows
    /// (Spearman-Brown: 2), within its bounds.
    pub doubling_factor: f64,
    /// The halves extrapolated with that factor (see [`extrapolate`]): the upper estimate
    /// of the interval.
    pub extrapolated: f64,
}

impl BehaviourMoments {
    pub fn of(s: &SplitHalf) -> BehaviourMoments {
        BehaviourMoments {
            half: s.moments,
            quarter: s.quarter_moments,
        }
    }

    pub fn add(&mut self, o: &BehaviourMoments) {
        self.half.add(&o.half);
        self.quarter.add(&o.quarter);
    }

    /// The pooled reliability of these moments and its length-extrapolated upper estimate;
    /// `None` when either r is undefined.
    pub fn estimate(&self) -> Option<BehaviourEstimate> {
        let half_r: f64 = self.half.r()?;
        let quarter_r: f64 = self.quarter.r()?;
        let value: f64 = spearman_brown(half_r, 2.0)?;
        let (factor, extrapolated): (f64, f64) = extrapolate(half_r, quarter_r);
        Some(BehaviourEstimate {
            half_r,
            quarter_r,
            value,
            doubling_factor: factor,
            extrapolated,
        })
    }
}

/// Bounds of the odds factor per doubling of length (see [`extrapolate`]).
pub const MIN_DOUBLING_FACTOR: f64 = 2.0;
pub const MAX_DOUBLING_FACTOR: f64 = 4.0;

/// Reliability at twice the halves' length from the halves' r and the quarters' r:
/// (doubling factor, reliability). The odds r / (1 - r) are multiplied by the factor the
/// quarters-to-halves step shows, odds(r_h) / odds(r_q), kept within
/// [[`MIN_DOUBLING_FACTOR`], [`MAX_DOUBLING_FACTOR`]]; Spearman-Brown is the factor 2. A
/// negative or zero half r is returned as it is (no projection, as [`spearman_brown`]).
pub fn extrapolate(half_r: f64, quarter_r: f64) -> (f64, f64) {
    if half_r <= 0.0 {
        return (MIN_DOUBLING_FACTOR, half_r);
    }
    if half_r >= 1.0 {
        return (MIN_DOUBLING_FACTOR, 1.0);
    }
    let odds = |r: f64| r / (1.0 - r);
    let factor: f64 = if quarter_r <= 0.0 {
        MAX_DOUBLING_FACTOR
    } else if quarter_r >= 1.0 {
        MIN_DOUBLING_FACTOR
    } else {
        (odds(half_r) / odds(quarter_r)).clamp(MIN_DOUBLING_FACTOR, MAX_DOUBLING_FACTOR)
    };
    let o: f64 = factor * odds(half_r);
    (factor, o / (1.0 + o))
}

/// Moments multiplied by a constant (an average of moments).
pub(crate) fn scaled(m: &Moments, c: f64) -> Moments {
    Moments {
        n: m.n * c,
        sx: m.sx * c,
        sy: m.sy * c,
        sxx: m.sxx * c,
        syy: m.syy * c,
        sxy: m.sxy * c,
    }
}

/// Agreement between one context's valid reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportAgreement {
    /// Moments of every ordered pair of distinct reports, averaged over pairs.
    pub moments: Moments,
    /// Valid reports (k >= 2).
    pub k: usize,
}

impl ReportAgreement {
    /// Agreement of two single reports (r of the averaged pair moments).
    pub fn single_r(&self) -> Option<f64> {
        self.moments.r()
    }

    /// Reliability of the mean of the k reports (Spearman-Brown).
    pub fn reliability(&self) -> Option<f64> {
        self.single_r()
            .and_then(|r| spearman_brown(r, self.k as f64))
    }
}

/// Pairwise agreement of a context's valid reports; `None` with fewer than two.
pub fn report_agreement(reports: &[Weights]) -> Option<ReportAgreement> {
    let k: usize = reports.len();
    if k < 2 {
        return None;
    }
    let mut total: Moments = Moments::default();
    for (i, a) in reports.iter().enumerate() {
        for (j, b) in reports.iter().enumerate() {
            if i != j {
                total.add(&Moments::of(&a.0, &b.0));
            }
        }
    }
    Some(ReportAgreement {
        moments: scaled(&total, 1.0 / (k * (k - 1)) as f64),
        k,
    })
}

/// Pooled report reliability over contexts: (single-report r1, harmonic mean k, reliability
/// of the mean of k reports). r1 pools the `agreements` (contexts with two or more valid
/// reports); k is the harmonic mean of `counts`, the valid reports of every context the
/// score averages (a context with one report counts as 1), or of the agreeing contexts'
/// counts when `counts` is empty. `None` when no context has two valid reports or r1 is
/// undefined.
pub fn pooled_report_reliability(
    agreements: &[&ReportAgreement],
    counts: &[usize],
) -> Option<(f64, f64, f64)> {
    if agreements.is_empty() {
        return None;
    }
    let mut total: Moments = Moments::default();
    agreements.iter().for_each(|a| total.add(&a.moments));
    let ks: Vec<usize> = if counts.iter().any(|&k| k > 0) {
        counts.iter().copied().filter(|&k| k > 0).collect()
    } else {
        agreements.iter().map(|a| a.k).collect()
    };
    let k_h: f64 = harmonic_mean(&ks);
    let r1: f64 = total.r()?;
    Some((r1, k_h, spearman_brown(r1, k_h)?))
}

/// Harmonic mean of positive counts.
pub fn harmonic_mean(ks: &[usize]) -> f64 {
    ks.len() as f64 / ks.iter().map(|&k| 1.0 / k as f64).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_brown_basics() {
        assert!((spearman_brown(0.5, 2.0).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(spearman_brown(1.0, 10.0), Some(1.0));
        assert_eq!(spearman_brown(0.0, 3.0), Some(0.0));
        // Negative agreement is not projected (the formula would give -7.5 for r = -0.79).
        assert_eq!(spearman_brown(-0.79, 2.0), Some(-0.79));
        assert_eq!(spearman_brown(-1.0, 2.0), Some(-1.0));
        assert_eq!(spearman_brown(f64::NAN, 2.0), None);
    }

    #[test]
    fn half_fits_keep_the_full_fits_prior_to_data_ratio() {
        let d = FitOptions::default();
        let h = half_options(20, 10);
        assert!((h.slope_prior_sd - d.slope_prior_sd * 2f64.sqrt()).abs() < 1e-12);
        assert!((h.intercept_prior_sd - d.intercept_prior_sd * 2f64.sqrt()).abs() < 1e-12);
        assert!(
            (half_options(21, 11).slope_prior_sd.powi(2) * 11.0 / 21.0 - d.slope_prior_sd.powi(2))
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn extrapolation_is_spearman_brown_for_a_linear_measure_and_bounded() {
        let odds = |r: f64| r / (1.0 - r);
        // Quarters at the Spearman-Brown relation to the halves: factor 2, the projection.
        let (q, h) = (0.3_f64, 2.0 * 0.3 / 1.3);
        let (f, v) = extrapolate(h, q);
        assert!((f - 2.0).abs() < 1e-12 && (v - spearman_brown(h, 2.0).unwrap()).abs() < 1e-12);
        // Faster growth than Spearman-Brown is followed: odds x 3.
        let (f, v) = extrapolate(0.5, 0.25);
        assert!((f - 3.0).abs() < 1e-12 && (odds(v) - 3.0).abs() < 1e-12);
        // Slower growth is not (factor 2), nor is a factor above 4 (or a quarter r <= 0).
        assert_eq!(extrapolate(0.5, 0.45).0, MIN_DOUBLING_FACTOR);
        assert_eq!(extrapolate(0.5, 0.05).0, MAX_DOUBLING_FACTOR);
        assert_eq!(extrapolate(0.5, -0.1).0, MAX_DOUBLING_FACTOR);
        // A non-positive half r is not projected; a perfect one stays 1.
        assert_eq!(extrapolate(-0.2, 0.1).1, -0.2);
        assert_eq!(extrapolate(1.0, 0.9).1, 1.0);
    }

    #[test]
    fn split_counts_follow_the_budget() {
        assert_eq!(splits_for(0), MAX_SPLITS);
        assert_eq!(splits_for(20), MAX_SPLITS);
        assert_eq!(
            splits_for(100),
            SPLIT_BUDGET.div_ceil(100).clamp(MIN_SPLITS, MAX_SPLITS)
        );
        assert_eq!(splits_for(100_000), MIN_SPLITS);
    }

    #[test]
    fn identical_reports_are_perfectly_reliable() {
        let w = Weights([10.0, -20.0, 100.0, 5.0, 0.0]);
        let a = report_agreement(&[w, w, w]).unwrap();
        assert!((a.single_r().unwrap() - 1.0).abs() < 1e-12);
        assert!(report_agreement(&[w]).is_none());
    }
}
