//! Agreement between two sets of per-context weights (e.g. reported vs learned).
//!
//! # Method
//! The points are all (context, attribute) pairs: up to 5 per context, pooled.
//! - `r`: pooled Pearson r (the study's main score).
//! - `ci_study`: the study's interval r +/- z_{0.975} sqrt((1 - r^2) / (n - 2)), kept for
//!   comparison. It treats the n points as independent, which they are not (the five points
//!   of a context share a model, a prompt and a rescaling); it is not the interval of r
//!   either (its half-width is the t statistic's standard error), so it can be too narrow or
//!   too wide. Measured width against `ci_bootstrap` on the project's stored runs: the
//!   SmolLM2-135M full-protocol run 0.175 vs 0.178 (ratio 0.99), its 100x20 run 0.175 vs
//!   0.151 (1.16); simulated quick runs 0.90 (no signal) to 4.4 (faithful, r 0.96: its
//!   (1 - r^2) form ignores that r near 1 varies little). In clustered simulation it covered
//!   87.9-99.7% at 20 contexts (tests/scoring.rs).
//! - `ci_bootstrap`: the 95% *expanded* percentile interval of the pooled r over resamples
//!   that draw *contexts* with replacement (the unit of independence), keeping each
//!   context's five points together: the alpha'/2 and 1 - alpha'/2 quantiles (type 7) with
//!   alpha'/2 = Phi(-sqrt(G/(G-1)) t_{G-1, 0.975}) for G contexts ([`super::bootstrap::expanded_alpha`];
//!   Hesterberg 2015), which corrects the plain percentile interval's narrowness at few
//!   contexts and tends to it as G grows (quantiles 2.31%/97.69% at G = 100, 1.59%/98.41% at
//!   G = 20). Resamples where r is undefined are dropped (counted in
//!   `bootstrap_undefined`). Why: measured coverage of a nominal 95% at the quick preset's
//!   20 contexts (1,000 replications each of four clustering scenarios,
//!   `interval_coverage_at_20_and_100_contexts` in tests/scoring.rs): plain percentile
//!   91.0-91.9%, expanded 93.3-93.8%; at 100 contexts plain 93.2-94.5%, expanded
//!   93.8-94.8%. The Fisher-z jackknife interval ([`super::describe`],
//!   `ci_fisher_jackknife`) covered 93.7-94.7% at 20 and 94.1-95.0% at 100.
//! - `ci_bootstrap_bca`: the bias-corrected and accelerated (BCa; Efron 1987) interval from
//!   the same resamples: z0 = Phi^-1(share of resampled r below the observed r, ties counted
//!   half), acceleration from the leave-one-context-out jackknife; it falls back to the
//!   percentile interval when z0 or the acceleration is undefined.
//!   Measured coverage of a nominal 95% on clustered simulated data (100 contexts x 5,
//!   2,000 replications, `scripts/bootstrap_coverage.sh`, before the expansion): plain
//!   percentile 93.6-94.7%, BCa 93.5-94.0%, the study's interval 94.4% without and 87.2%
//!   with strong within-context clustering; at 20 contexts BCa 90.4-92.6%.
//! - `null`: chance level. Each permutation pairs every context's x with the y of a
//!   *different* context (a uniformly random cyclic permutation, Sattolo's algorithm) and
//!   recomputes the pooled r; the mean and the 2.5%/97.5% quantiles are reported.
//! - `spearman`: Spearman's rho over the pooled points (ties get average ranks).
//! - `mean_context_r`: the mean of the within-context r over contexts where it is defined.
//! - `sign_agreement`: fraction of points with sign(x) == sign(y) (zero is its own sign), over
//!   the contexts where both sides have a top attribute (below): all-zero weights state no
//!   direction, so they can neither agree nor disagree on one (`None` when no context counts).
//! - `top_attribute_agreement`: fraction of contexts whose largest-|w| attribute is the same
//!   for x and y (first index on ties), among the contexts where both sides have one: a side
//!   whose weights are all zero (an agent with no measurable preference) has no top attribute,
//!   so its context is left out (`None` when every context is).
//! - `mae`: mean |x - y| over points (both on the -100..100 scale).
//! - `calibration`, `by_position`, `kendall_tau_mean`, `kendall_tau_sd`, `se`,
//!   `design_effect`, `n_clusters`: deterministic descriptions, see [`super::describe`].
//!
//! All randomness comes from the comparison's named stream of `seed`
//! ([`super::streams::Stream::Comparison`]), resampled by [`super::bootstrap`].

use super::bootstrap::{Distribution, bootstrap, holding};
pub use super::describe::{ContextPoints, fisher_jackknife_interval};
use super::describe::{Description, describe};
use super::draw::index_below;
use super::stats::{Moments, Sums, pearson, spearman, top_index};
use super::streams::Stream;
use crate::types::N_ATTR;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Resampling settings for [`compare`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompareOptions {
    /// The score's seed.
    pub seed: u64,
    /// The comparison's own random stream (its bootstrap, then its null).
    pub stream: Stream,
    /// Context-bootstrap resamples.
    pub bootstrap_resamples: usize,
    /// Permutations of the null baseline.
    pub null_permutations: usize,
}

/// Chance level of r: pooled r with contexts mismatched at random.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NullBaseline {
    /// Mean r over the permutations: the chance level.
    pub mean: Option<f64>,
    /// [2.5%, 97.5%] quantiles.
    pub range: Option<[f64; 2]>,
    /// Permutations drawn.
    pub permutations: usize,
}

/// One comparison's figures; see the module documentation for definitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Pooled Pearson r over the (context, attribute) points: the main figure.
    pub r: Option<f64>,
    /// The study's interval, r ± z sqrt((1 - r²) / (n - 2)), kept for comparison.
    pub ci_study: Option<[f64; 2]>,
    /// Expanded percentile context-bootstrap interval.
    pub ci_bootstrap: Option<[f64; 2]>,
    /// BCa context-bootstrap interval (same resamples).
    pub ci_bootstrap_bca: Option<[f64; 2]>,
    /// Number of (context, attribute) points.
    pub n: usize,
    /// Contexts with both sides (the bootstrap's unit).
    pub n_contexts: usize,
    /// Chance level: r with contexts mismatched at random.
    pub null: NullBaseline,
    /// Spearman's rho over the pooled points.
    pub spearman: Option<f64>,
    /// Mean of the within-context r, over contexts where it is defined.
    pub mean_context_r: Option<f64>,
    /// Share of points whose two weights have the same sign, in the contexts where both sides
    /// have a direction (see the module's list).
    pub sign_agreement: Option<f64>,
    /// Share of contexts whose largest-|w| attribute is the same on both sides.
    pub top_attribute_agreement: Option<f64>,
    /// Mean |x - y| over the points (weights on the -100..100 scale).
    pub mae: Option<f64>,
    /// Context resamples drawn for the intervals.
    pub bootstrap_resamples: usize,
    /// Of those, resamples where r was undefined (dropped).
    pub bootstrap_undefined: usize,
    /// Calibration, by-position r, Kendall's tau, se and design effect
    /// ([`super::describe`]); absent (defaults) in summaries written before them.
    #[serde(flatten)]
    pub description: Description,
}

/// The level of every interval of a comparison.
const LEVEL: f64 = 0.95;

/// The study's interval for r with n points: r +/- z_{0.975} sqrt((1 - r^2) / (n - 2)).
pub fn study_interval(r: f64, n: usize) -> Option<[f64; 2]> {
    if n < 3 {
        return None;
    }
    let z: f64 = Normal::standard().inverse_cdf(0.975);
    let half: f64 = z * ((1.0 - r * r) / (n as f64 - 2.0)).sqrt();
    Some([r - half, r + half])
}

/// An interval for a correlation, clamped to [-1, 1]: the study's formula r ± 1.96 se can
/// pass 1 for r near 1 (0.954 over 100 points gives [0.894, 1.013]), and no r lies beyond.
pub fn clamp_r(v: Option<[f64; 2]>) -> Option<[f64; 2]> {
    v.map(|[lo, hi]| [lo.clamp(-1.0, 1.0), hi.clamp(-1.0, 1.0)])
}

/// Context-bootstrap intervals of pooled r.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BootstrapIntervals {
    pub bca: Option<[f64; 2]>,
    pub percentile: Option<[f64; 2]>,
    /// Expanded percentile interval (see [`super::bootstrap::expanded_alpha`]), same resamples.
    pub expanded: Option<[f64; 2]>,
    /// Resamples where r was undefined (dropped).
    pub undefined: usize,
}

/// Jackknife acceleration from leave-one-context-out estimates:
/// a = sum (m - t_i)^3 / (6 (sum (m - t_i)^2)^1.5), m the mean of the t_i.
fn acceleration(moments: &[Moments]) -> Option<f64> {
    let mut total: Moments = Moments::default();
    for m in moments {
        total.add(m);
    }
    let mut jack: Vec<f64> = Vec::with_capacity(moments.len());
    for m in moments {
        let mut t: Moments = total;
        t.sub(m);
        jack.push(t.r()?);
    }
    let mean: f64 = jack.iter().sum::<f64>() / jack.len() as f64;
    let num: f64 = jack.iter().map(|t| (mean - t).powi(3)).sum();
    let den: f64 = jack
        .iter()
        .map(|t| (mean - t).powi(2))
        .sum::<f64>()
        .powf(1.5);
    if den > 0.0 {
        Some(num / (6.0 * den))
    } else {
        None
    }
}

/// BCa and percentile 95% intervals of pooled r from `resamples` context-bootstrap resamples.
/// `observed` is the pooled r of all contexts.
pub fn bootstrap_intervals(
    moments: &[Moments],
    observed: f64,
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> BootstrapIntervals {
    let m: usize = moments.len();
    let rs: Distribution = bootstrap(rng, m, resamples, |idx: &[usize]| {
        let mut total: Moments = Moments::default();
        idx.iter().for_each(|&i| total.add(&moments[i]));
        total.r()
    });
    let percentile: Option<[f64; 2]> = rs.ci(LEVEL);
    let bca: Option<[f64; 2]> = bca_interval(&rs, observed, moments);
    BootstrapIntervals {
        bca: bca.or(percentile),
        percentile,
        expanded: rs.expanded_ci(LEVEL, m),
        undefined: rs.undefined(),
    }
}

/// The BCa interval of the resampled r: z0 from the share below `observed` (ties half),
/// the acceleration from the leave-one-context-out jackknife; `None` when either is
/// undefined.
fn bca_interval(rs: &Distribution, observed: f64, moments: &[Moments]) -> Option<[f64; 2]> {
    let v: &[f64] = rs.values();
    let normal: Normal = Normal::standard();
    let below: f64 = v.iter().filter(|r| **r < observed).count() as f64;
    let ties: f64 = v.iter().filter(|r| **r == observed).count() as f64;
    let share: f64 = (below + 0.5 * ties) / v.len().max(1) as f64;
    if !(share > 0.0 && share < 1.0) {
        return None;
    }
    let z0: f64 = normal.inverse_cdf(share);
    let a: f64 = acceleration(moments)?;
    let adjust = |alpha: f64| -> f64 {
        let z: f64 = normal.inverse_cdf(alpha);
        normal.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)))
    };
    rs.between(adjust(0.025), adjust(0.975))
}

/// A uniformly random cyclic permutation of 0..m (no fixed points when m >= 2), Sattolo's
/// algorithm, into a reused buffer (the null draws a thousand of them).
fn sattolo_into(m: usize, rng: &mut ChaCha8Rng, p: &mut Vec<usize>) {
    p.clear();
    p.extend(0..m);
    for i in (1..m).rev() {
        let j: usize = index_below(rng, i);
        p.swap(i, j);
    }
}

fn null_baseline(
    points: &[ContextPoints],
    permutations: usize,
    rng: &mut ChaCha8Rng,
) -> NullBaseline {
    let m: usize = points.len();
    let mut rs: Vec<f64> = Vec::with_capacity(permutations);
    if m >= 2 {
        // A mismatched pair's moments are its x's own sums, its y's own sums and the cross
        // sum: the first two are computed once per context, only the cross sum per pair.
        let own: Vec<(Sums, Sums)> = points
            .iter()
            .map(|p| (Sums::of(&p.x), Sums::of(&p.y)))
            .collect();
        let mut p: Vec<usize> = Vec::with_capacity(m);
        for _ in 0..permutations {
            sattolo_into(m, rng, &mut p);
            let mut total: Moments = Moments::default();
            for (i, &j) in p.iter().enumerate() {
                let mut sxy: f64 = 0.0;
                for (a, b) in points[i].x.iter().zip(&points[j].y) {
                    sxy += a * b;
                }
                total.add(&Moments::from_sums(&own[i].0, &own[j].1, sxy));
            }
            if let Some(r) = total.r() {
                rs.push(r);
            }
        }
    }
    let rs: Distribution = Distribution::new(rs, 0);
    NullBaseline {
        mean: rs.mean(),
        range: rs.ci(LEVEL),
        permutations: rs.values().len(),
    }
}

/// -1, 0 or 1 (`f64::signum` gives 1 for +0.0, so it is not used).
fn sign(v: f64) -> i8 {
    if v > 0.0 {
        1
    } else if v < 0.0 {
        -1
    } else {
        0
    }
}

/// Whether weights have a largest-|w| attribute at all (all zero: none).
fn has_top(w: &[f64]) -> bool {
    w.iter().any(|v| *v != 0.0)
}

fn fraction(hits: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| hits as f64 / total as f64)
}

/// Compute every figure of one comparison. Deterministic given `opts`.
pub fn compare(points: &[ContextPoints], opts: &CompareOptions) -> Comparison {
    let xs: Vec<f64> = points.iter().flat_map(|p| p.x).collect();
    let ys: Vec<f64> = points.iter().flat_map(|p| p.y).collect();
    let n: usize = xs.len();
    let r: Option<f64> = pearson(&xs, &ys);
    let moments: Vec<Moments> = points.iter().map(|p| Moments::of(&p.x, &p.y)).collect();
    let mut rng: ChaCha8Rng = opts.stream.rng(opts.seed);
    let boot: BootstrapIntervals = match r {
        Some(r) => bootstrap_intervals(&moments, r, opts.bootstrap_resamples, &mut rng),
        None => BootstrapIntervals {
            bca: None,
            percentile: None,
            expanded: None,
            undefined: 0,
        },
    };
    let null: NullBaseline = null_baseline(points, opts.null_permutations, &mut rng);
    let context_rs: Vec<f64> = points.iter().filter_map(|p| pearson(&p.x, &p.y)).collect();
    let ranked: Vec<&ContextPoints> = points
        .iter()
        .filter(|p| has_top(&p.x) && has_top(&p.y))
        .collect();
    let signs: usize = ranked
        .iter()
        .flat_map(|p| p.x.iter().zip(&p.y))
        .filter(|(a, b)| sign(**a) == sign(**b))
        .count();
    let tops: usize = ranked
        .iter()
        .filter(|p| top_index(&p.x) == top_index(&p.y))
        .count();
    let mae: Option<f64> =
        (n > 0).then(|| xs.iter().zip(&ys).map(|(a, b)| (a - b).abs()).sum::<f64>() / n as f64);
    Comparison {
        r,
        ci_study: r.and_then(|r| study_interval(r, n)),
        ci_bootstrap: holding(boot.expanded.or(boot.percentile), r),
        ci_bootstrap_bca: holding(boot.bca, r),
        n,
        n_contexts: points.len(),
        null,
        spearman: spearman(&xs, &ys),
        mean_context_r: (!context_rs.is_empty())
            .then(|| context_rs.iter().sum::<f64>() / context_rs.len() as f64),
        sign_agreement: fraction(signs, ranked.len() * N_ATTR),
        top_attribute_agreement: fraction(tops, ranked.len()),
        mae,
        bootstrap_resamples: opts.bootstrap_resamples,
        bootstrap_undefined: boot.undefined,
        description: describe(points),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> CompareOptions {
        CompareOptions {
            seed: 1,
            stream: Stream::Comparison(crate::scoring::summary::ComparisonKind::ReportsVsLearned),
            bootstrap_resamples: 20,
            null_permutations: 20,
        }
    }

    /// An agent with no measurable preference has all-zero learned weights: it has no top
    /// attribute, so it cannot agree or disagree on one (the random agent's report read "same
    /// top attribute 25.0%": the reports whose top was the first attribute, the one a tie of
    /// zeros picks).
    #[test]
    fn contexts_without_a_top_attribute_are_left_out_of_its_agreement() {
        let flat = |y: [f64; N_ATTR]| ContextPoints {
            x: [0.0; N_ATTR],
            y,
        };
        let all_flat: Vec<ContextPoints> = vec![
            flat([100.0, 10.0, 0.0, -5.0, 3.0]),
            flat([-20.0, 100.0, 0.0, 5.0, 3.0]),
            flat([100.0, -40.0, 2.0, 5.0, 3.0]),
        ];
        assert_eq!(compare(&all_flat, &options()).top_attribute_agreement, None);
        assert_eq!(compare(&all_flat, &options()).sign_agreement, None);
        let mut mixed: Vec<ContextPoints> = all_flat;
        mixed.push(ContextPoints {
            x: [10.0, 100.0, 0.0, 5.0, 3.0],
            y: [-20.0, 100.0, 0.0, 5.0, 3.0],
        });
        mixed.push(ContextPoints {
            x: [100.0, 10.0, 0.0, 5.0, 3.0],
            y: [-20.0, 100.0, 0.0, 5.0, 3.0],
        });
        assert_eq!(
            compare(&mixed, &options()).top_attribute_agreement,
            Some(0.5)
        );
        // Only the two contexts with a direction on both sides count: 8 of their 10 points
        // share a sign (each first attribute does not; 0 against 0 does).
        assert_eq!(compare(&mixed, &options()).sign_agreement, Some(0.8));
    }
}
