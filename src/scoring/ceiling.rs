//! The noise ceiling of the main score and the score corrected for attenuation.
//!
//! # Method
//! With behavioural reliability rel_b (pooled split-half, length-extrapolated; see
//! [`super::reliability`]) and report reliability rel_r (pooled, for the mean of k reports),
//! classical test theory bounds the observable correlation between the two measurements by
//! `noise_ceiling = sqrt(rel_b * rel_r)`: the r a perfectly accurate reporter would show
//! given this much noise in both measurements. The `corrected_r` is Spearman's correction
//! for attenuation (disattenuation), raw r / noise ceiling: an estimate of the correlation
//! between the true (noise-free) learned and reported weights. It is *not* the score; it is
//! shown beside it, labelled. It is left unclipped, so sampling error can put it above 1.
//!
//! Interval: over resamples that draw contexts with replacement, each recomputing the raw
//! pooled r, rel_b and rel_r from the drawn contexts' sufficient statistics, then the
//! corrected r twice: with rel_b (the Spearman-Brown estimate, which runs low and so makes
//! the corrected r run high) and with rel_b's length-extrapolated upper estimate (see
//! [`super::quality`]). The interval runs from the 2.5% quantile of the second to the 97.5%
//! quantile of the first, so it spans the behavioural reliability's length-model
//! uncertainty as well as the sampling of contexts. Resamples where any part is undefined or a
//! reliability is <= 0 are dropped and counted.
//!
//! Undefined (null) when either reliability is unavailable (e.g. fewer than two valid
//! reports in every context) or not positive.
//!
//! # Assumptions
//! Errors of the two measurements are independent of each other and of the true weights;
//! the reliabilities are estimated on the same contexts as the score. The correction is
//! unstable when the ceiling is small: see the behavioural-reliability flag in
//! [`super::quality`].

use super::bootstrap::{bootstrap_k, holding};
use super::comparison::BootstrapIntervals;
use super::reliability::{BehaviourMoments, ReportAgreement, spearman_brown};
use super::stats::Moments;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What one context contributes to the ceiling.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CeilingParts {
    /// Moments of (reported, learned) when the context enters the main score.
    pub score: Option<Moments>,
    /// Averaged split-half and quarter moments of its learned weights.
    pub behaviour: Option<BehaviourMoments>,
    /// Agreement of its valid reports (k >= 2).
    pub reports: Option<ReportAgreement>,
    /// Its valid reports (the score averages them when `score` is set).
    pub valid_reports: usize,
}

/// The ceiling figures; see the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ceiling {
    pub noise_ceiling: Option<f64>,
    /// Raw r / noise ceiling (disattenuated; not the score).
    pub corrected_r: Option<f64>,
    /// Percentile context-bootstrap interval of `corrected_r`.
    pub corrected_r_ci: Option<[f64; 2]>,
    /// Names the method, so the figure is never mistaken for the raw score.
    pub corrected_r_label: String,
    pub corrected_r_resamples: usize,
    pub corrected_r_undefined: usize,
}

/// Label of the corrected score.
pub const LABEL: &str = "disattenuated: raw r / sqrt(behavioural reliability * report reliability)";

#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    score: Moments,
    behaviour: BehaviourMoments,
    reports: Moments,
    agreeing_contexts: usize,
    /// Scored contexts and the sum of 1 / their valid reports (k's harmonic mean); the
    /// agreeing contexts' when none is scored.
    report_contexts: f64,
    inv_k: f64,
    agreeing_inv_k: f64,
}

impl Totals {
    fn add(&mut self, p: &CeilingParts) {
        if let Some(m) = &p.score {
            self.score.add(m);
        }
        if let Some(m) = &p.behaviour {
            self.behaviour.add(m);
        }
        if let Some(a) = &p.reports {
            self.reports.add(&a.moments);
            self.agreeing_contexts += 1;
            self.agreeing_inv_k += 1.0 / a.k as f64;
        }
        if p.score.is_some() && p.valid_reports > 0 {
            self.report_contexts += 1.0;
            self.inv_k += 1.0 / p.valid_reports as f64;
        }
    }

    /// (ceiling, corrected r), when both reliabilities are positive; with `upper`, the
    /// behavioural reliability's length-extrapolated (upper) estimate is used.
    fn corrected(&self, upper: bool) -> Option<(f64, Option<f64>)> {
        let e = self.behaviour.estimate()?;
        let rel_b: f64 = if upper {
            e.extrapolated.max(e.value)
        } else {
            e.value
        };
        if self.agreeing_contexts == 0 {
            return None;
        }
        // As the report reliability ([`super::reliability::pooled_report_reliability`]).
        let k: f64 = if self.report_contexts > 0.0 {
            self.report_contexts / self.inv_k
        } else {
            self.agreeing_contexts as f64 / self.agreeing_inv_k
        };
        let rel_r: f64 = spearman_brown(self.reports.r()?, k)?;
        if !(rel_b > 0.0 && rel_r > 0.0) {
            return None;
        }
        let ceiling: f64 = (rel_b * rel_r).sqrt();
        Some((ceiling, self.score.r().map(|r| r / ceiling)))
    }
}

/// Ceiling, corrected r and its context-bootstrap interval (`resamples` draws from `rng`).
pub fn ceiling(parts: &[CeilingParts], resamples: usize, rng: &mut ChaCha8Rng) -> Ceiling {
    let mut all: Totals = Totals::default();
    for p in parts {
        all.add(p);
    }
    let observed: Option<(f64, Option<f64>)> = all.corrected(false);
    let mut ci: Option<[f64; 2]> = None;
    let mut undefined: usize = 0;
    let mut done: usize = 0;
    if let Some((_, Some(_))) = observed {
        // Both corrected values of a resample, or neither (a resample counts as undefined
        // when either is).
        let [vals, lows] = bootstrap_k(rng, parts.len(), resamples, |idx: &[usize]| {
            let mut t: Totals = Totals::default();
            idx.iter().for_each(|&i| t.add(&parts[i]));
            match (t.corrected(false), t.corrected(true)) {
                (Some((_, Some(c))), Some((_, Some(c_low)))) => [Some(c), Some(c_low)],
                _ => [None, None],
            }
        });
        done = resamples;
        undefined = vals.undefined();
        ci = holding(
            lows.ci(0.95).zip(vals.ci(0.95)).map(|(l, v)| [l[0], v[1]]),
            observed.and_then(|(_, r)| r),
        );
    }
    Ceiling {
        noise_ceiling: observed.map(|(c, _)| c),
        corrected_r: observed.and_then(|(_, r)| r),
        corrected_r_ci: ci,
        corrected_r_label: LABEL.to_string(),
        corrected_r_resamples: done,
        corrected_r_undefined: undefined,
    }
}

/// A Spearman-Brown-mapped percentile interval of a pooled r (monotone, so the interval of
/// the projection is the projection of the interval).
pub fn projected_interval(b: &BootstrapIntervals, factor: f64) -> Option<[f64; 2]> {
    let [lo, hi] = b.percentile?;
    Some([spearman_brown(lo, factor)?, spearman_brown(hi, factor)?])
}
