//! The ideal-observer scale: how many of its own choices the model's reports are worth.
//!
//! # Method
//! An *ideal observer* sees K of a context's choices, fits them with the scoring fit (MAP,
//! priors as in [`crate::estimation::fit()`]) and reports the learned weights (max |w| = 100).
//! It knows nothing but those K choices (and, with soft labels, their P(A)).
//!
//! For each scored context (learned and reported weights) with at least 2 K_max choices, and
//! for each of `splits` random splits of its trials: the trials are shuffled; the first
//! floor(n/2) are the observer's pool and the other ceil(n/2) are *held out*. The held-out
//! half is fitted with the scoring fit: these held-out learned weights are the reference for
//! both sides. The observer at K fits the first K trials of its pool (nested: the observer at
//! 10 sees the 5 of the observer at 5 and 5 more). Then, pooled over contexts like the main
//! score:
//! - `r_obs(K)`: Pearson r of the observer's weights against the held-out weights;
//! - `r_model`: Pearson r of the model's reports (mean of its valid reports, as in the main
//!   score) against the *same* held-out weights. It uses half of each context's choices, so
//!   it is lower than the headline r (which uses all of them) by the held-out fit's noise;
//!   the observer suffers the same attenuation, so the two are comparable.
//!
//! Both are means over the splits. K* is where the curve r_obs(K) (through r_obs(0) = 0:
//! an observer that has seen nothing has no information) first reaches `r_model`, linearly
//! interpolated between the computed K (1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50, up to
//! K_max, and K_max). K* = 0 when `r_model` <= 0; when the observer at K_max
//! is still below `r_model`, K* is beyond what the run's choices can show (`k_star` null,
//! `k_star_beyond` true).
//!
//! K_max = floor(m / 2) for m the median number of trials of the scored contexts, capped at
//! 50; contexts with fewer than 2 K_max trials are left out of the scale
//! (`n_contexts_left_out`).
//!
//! Intervals: `bootstrap_resamples` resamples draw contexts with replacement and, for each
//! drawn context, one of its splits at random (so both the contexts and the choices are
//! resampled); `ci` of each point and `r_model_ci` are expanded percentile intervals (as
//! `ci_bootstrap`, see [`super::bootstrap::expanded_alpha`]); `k_star_ci` is the expanded
//! percentile interval of K* over the resamples, a resample beyond K_max counting as
//! infinitely large (an upper bound beyond K_max is null).
//!
//! Assumptions: the observer's choices and the held-out choices are independent draws from
//! the same context's behaviour (the run's pairs are drawn independently); the model's report
//! may draw on anything (its training, its knowledge of similar personas), not only on its
//! choices, so K* is a scale, not a claim about how the report was made. With soft labels the
//! observer sees each choice's P(A), more than the letter. Randomness: the named streams
//! [`Stream::ObserverSplits`] (the splits) and [`Stream::ObserverBootstrap`] (the resampling)
//! of the scoring seed.

use super::bootstrap::{Distribution, bootstrap_with_par};
use super::context::ContextSummary;
use super::draw::index_below;
use super::input::ContextInput;
use super::quality::context_trials;
use super::stats::Moments;
use super::streams::Stream;
use crate::estimation::{FitOptions, Trial, fit_point, fit_point_from};
use crate::types::{N_ATTR, Weights};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The K shown in reports and in `observer.points`.
pub const SHOWN_KS: [usize; 4] = [5, 10, 20, 50];
/// The K at which the curve is computed for K* (those up to K_max, and K_max).
const CURVE_KS: [usize; 12] = [1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50];
/// Random splits of each context's trials.
pub const SPLITS: usize = 10;

/// The observer's r at one K, beside the model's r against the same held-out weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObserverPoint {
    /// Choices the observer is shown per context.
    pub k: usize,
    /// Observer's weights (fitted to K choices) vs the held-out learned weights.
    pub r_obs: Option<f64>,
    /// Expanded percentile interval over resampled contexts and splits.
    pub ci: Option<[f64; 2]>,
}

/// The ideal-observer scale of a run; see the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObserverScale {
    /// r_obs at K = 5, 10, 20, 50 (those up to `k_max`).
    pub points: Vec<ObserverPoint>,
    /// r_obs at every K computed (K* is interpolated on these).
    pub curve: Vec<ObserverPoint>,
    /// The model's reports vs the same held-out weights (half of each context's choices).
    pub r_model: Option<f64>,
    /// Its interval, over the same resamples as the observer's.
    pub r_model_ci: Option<[f64; 2]>,
    /// The K at which the observer matches `r_model`; null when beyond `k_max`.
    pub k_star: Option<f64>,
    /// True when the observer at `k_max` is still below `r_model`.
    pub k_star_beyond: bool,
    /// [lower, upper]; an upper bound beyond `k_max` is null.
    pub k_star_ci: [Option<f64>; 2],
    /// The largest K the run's choices allow (half the median context's trials, at most 50).
    pub k_max: usize,
    /// Contexts on the scale.
    pub n_contexts: usize,
    /// Scored contexts with fewer than 2 `k_max` trials, left out of the scale.
    pub n_contexts_left_out: usize,
    /// Random splits of each context's trials (shown and held out).
    pub splits: usize,
    /// Context resamples of the intervals.
    pub bootstrap_resamples: usize,
}

/// The ideal observer's weights from the choices it is shown: the scoring fit's slopes,
/// rescaled to max |w| = 100 (all zero when it has seen nothing).
pub fn observer_weights(trials: &[Trial]) -> Weights {
    let (_, slopes) = fit_point(trials, &FitOptions::default());
    Weights(slopes).rescaled_to_100()
}

/// One context's moments, split after split. Every side of a split (the observer at each
/// curve K, then the model) is paired with the same held-out weights, so the sums of that
/// side (n, sy, syy) are kept once per split: a split's row is [n, sy, syy, then sx, sxx,
/// sxy of each side]. A resample pools every side by adding rows, in draw order, field by
/// field: the same additions as pooling each side's [`Moments`] on its own.
struct ContextMoments {
    sums: Vec<f64>,
}

/// Fields of a split's row before the sides' own.
const SHARED: usize = 3;

/// The length of a split's row for `sides` sides.
fn row_len(sides: usize) -> usize {
    SHARED + 3 * sides
}

impl ContextMoments {
    fn row(&self, split: usize, len: usize) -> &[f64] {
        &self.sums[split * len..(split + 1) * len]
    }
}

/// Appends a split's row of `sides` (which share their y values).
fn push_split(sums: &mut Vec<f64>, sides: &[Moments]) {
    let first: &Moments = &sides[0];
    sums.extend([first.n, first.sy, first.syy]);
    for m in sides {
        debug_assert!(m.n == first.n && m.sy == first.sy && m.syy == first.syy);
        sums.extend([m.sx, m.sxx, m.sxy]);
    }
}

/// The sides' moments from a (pooled) row.
fn sides_of(row: &[f64]) -> Vec<Moments> {
    row[SHARED..]
        .chunks_exact(3)
        .map(|own: &[f64]| Moments {
            n: row[0],
            sx: own[0],
            sy: row[1],
            sxx: own[1],
            syy: row[2],
            sxy: own[2],
        })
        .collect()
}

/// The scoring fit's (intercept, slopes) started from `start` (the optimum is the same; a
/// start near it saves Newton steps).
fn params_from(trials: &[Trial], start: [f64; N_ATTR + 1]) -> [f64; N_ATTR + 1] {
    let (b0, slopes) = fit_point_from(trials, &FitOptions::default(), start);
    [b0, slopes[0], slopes[1], slopes[2], slopes[3], slopes[4]]
}

fn learned_of(params: &[f64; N_ATTR + 1]) -> Weights {
    Weights([params[1], params[2], params[3], params[4], params[5]]).rescaled_to_100()
}

fn context_moments(
    trials: &[Trial],
    full_fit: [f64; N_ATTR + 1],
    reported: &Weights,
    ks: &[usize],
    splits: usize,
    rng: &mut ChaCha8Rng,
) -> ContextMoments {
    let mut shuffled: Vec<Trial> = trials.to_vec();
    let mut sums: Vec<f64> = Vec::with_capacity(splits * row_len(ks.len() + 1));
    let mut sides: Vec<Moments> = Vec::with_capacity(ks.len() + 1);
    for _ in 0..splits {
        shuffled.shuffle(rng);
        let (pool, held) = shuffled.split_at(shuffled.len() / 2);
        let reference: Weights = learned_of(&params_from(held, full_fit));
        // Nested K: each fit starts from the previous K's optimum.
        let mut start: [f64; N_ATTR + 1] = [0.0; N_ATTR + 1];
        sides.clear();
        for &k in ks {
            start = params_from(&pool[..k], start);
            sides.push(Moments::of(&learned_of(&start).0, &reference.0));
        }
        sides.push(Moments::of(&reported.0, &reference.0));
        push_split(&mut sums, &sides);
    }
    ContextMoments { sums }
}

/// The curve through (0, 0) first reaching `target`: the interpolated K, or `None` when it
/// stays below it up to the last K.
fn crossing(ks: &[usize], rs: &[f64], target: f64) -> Option<f64> {
    if target <= 0.0 {
        return Some(0.0);
    }
    let (mut k0, mut r0): (f64, f64) = (0.0, 0.0);
    for (&k, &r) in ks.iter().zip(rs) {
        let k: f64 = k as f64;
        if r >= target {
            return Some(if r > r0 {
                k0 + (k - k0) * (target - r0) / (r - r0)
            } else {
                k0
            });
        }
        (k0, r0) = (k, r);
    }
    None
}

fn curve_ks(k_max: usize) -> Vec<usize> {
    let mut ks: Vec<usize> = CURVE_KS.iter().copied().filter(|&k| k <= k_max).collect();
    if ks.last() != Some(&k_max) {
        ks.push(k_max);
    }
    ks
}

/// The longest row: every curve K (at most all of `CURVE_KS` and K_max) and the model.
const MAX_ROW: usize = SHARED + 3 * (CURVE_KS.len() + 2);

/// The pooled moments of every side (the observer at each curve K, then the model) over the
/// drawn (context, split) cells, added in draw order: each field's sum is the one a pass over
/// the draws for that side alone would make, bit for bit. The totals live in a fixed-size
/// array (a growable one was read and written back in memory at every draw: this loop runs
/// once per drawn context of each of the 2,000 resamples).
fn pooled(
    per_context: &[ContextMoments],
    sides: usize,
    draws: impl Iterator<Item = (usize, usize)>,
) -> Vec<Moments> {
    let len: usize = row_len(sides);
    assert!(len <= MAX_ROW, "{sides} sides");
    let mut t: [f64; MAX_ROW] = [0.0; MAX_ROW];
    for (c, s) in draws {
        let row: &[f64] = per_context[c].row(s, len);
        for k in 0..len {
            t[k] += row[k];
        }
    }
    sides_of(&t[..len])
}

fn mean_r(per_split: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let rs: Vec<f64> = per_split.flatten().collect();
    (!rs.is_empty()).then(|| rs.iter().sum::<f64>() / rs.len() as f64)
}

/// The observer's r at each K, the model's r and K* over resamples of contexts and, within
/// each drawn context, one of its splits (in that order). A resample counts only when every
/// point and the model's r are defined; its K* is infinite when the curve does not reach
/// r_model.
fn resampled(
    per_context: &[ContextMoments],
    ks: &[usize],
    seed: u64,
    bootstrap_resamples: usize,
) -> Vec<Distribution> {
    let g: usize = per_context.len();
    let cells: usize = ks.len() + 1;
    let width: usize = ks.len() + 2;
    bootstrap_with_par(
        &mut Stream::ObserverBootstrap.rng(seed),
        g,
        bootstrap_resamples,
        width,
        |rng: &mut ChaCha8Rng, _| (index_below(rng, g), index_below(rng, SPLITS)),
        |draws: &[(usize, usize)]| -> Vec<Option<f64>> {
            let totals: Vec<Moments> = pooled(per_context, cells, draws.iter().copied());
            let rs: Option<Vec<f64>> = totals[..ks.len()].iter().map(Moments::r).collect();
            let rm: Option<f64> = totals[ks.len()].r();
            match (rs, rm) {
                (Some(rs), Some(rm)) => {
                    let k: f64 = crossing(ks, &rs, rm).unwrap_or(f64::INFINITY);
                    rs.into_iter().chain([rm, k]).map(Some).collect()
                }
                _ => vec![None; width],
            }
        },
    )
}

/// The ideal-observer scale of a scored run. `inputs` and `contexts` are the scoring input and
/// the summary's contexts (matched by position, as [`super::score`] makes them). `None` when
/// fewer than 3 contexts have reports and at least 2 choices.
pub fn ideal_observer(
    inputs: &[ContextInput],
    contexts: &[ContextSummary],
    seed: u64,
    use_soft_labels: bool,
    bootstrap_resamples: usize,
) -> Option<ObserverScale> {
    let trials: Vec<Vec<Trial>> = inputs
        .par_iter()
        .map(|c| context_trials(c, use_soft_labels))
        .collect();
    ideal_observer_with(&trials, contexts, seed, bootstrap_resamples)
}

/// [`ideal_observer`] given each context's trials ([`context_trials`], in the order of
/// `contexts`), for a caller that already built them to fit the contexts.
pub(crate) fn ideal_observer_with(
    all_trials: &[Vec<Trial>],
    contexts: &[ContextSummary],
    seed: u64,
    bootstrap_resamples: usize,
) -> Option<ObserverScale> {
    let scored: Vec<(usize, Weights)> = contexts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.learned.is_some() && c.n_trials >= 2)
        .filter_map(|(i, c)| Some((i, c.reported?)))
        .collect();
    let mut lengths: Vec<usize> = scored.iter().map(|(i, _)| contexts[*i].n_trials).collect();
    lengths.sort_unstable();
    let k_max: usize = (*lengths.get(lengths.len() / 2)? / 2).min(50);
    let used: Vec<(usize, Weights)> = scored
        .iter()
        .copied()
        .filter(|(i, _)| contexts[*i].n_trials >= 2 * k_max)
        .collect();
    let g: usize = used.len();
    if g < 3 || k_max == 0 {
        return None;
    }
    let ks: Vec<usize> = curve_ks(k_max);
    // One generator per context (keyed by its position), so contexts fit in parallel.
    let per_context: Vec<ContextMoments> = used
        .par_iter()
        .map(|(i, reported)| {
            let mut rng: ChaCha8Rng = Stream::ObserverSplits.rng(seed);
            rng.set_word_pos(*i as u128 * (1 << 40));
            let trials: &[Trial] = &all_trials[*i];
            let c: &ContextSummary = &contexts[*i];
            let full: [f64; N_ATTR + 1] = [
                c.intercept,
                c.slopes[0],
                c.slopes[1],
                c.slopes[2],
                c.slopes[3],
                c.slopes[4],
            ];
            context_moments(trials, full, reported, &ks, SPLITS, &mut rng)
        })
        .collect();

    // Each split's pooled moments over every context, for every side.
    let by_split: Vec<Vec<Moments>> = (0..SPLITS)
        .map(|s| pooled(&per_context, ks.len() + 1, (0..g).map(|c| (c, s))))
        .collect();
    let r_obs: Vec<Option<f64>> = (0..=ks.len())
        .map(|j| mean_r(by_split.iter().map(|t| t[j].r())))
        .collect();
    let r_model: Option<f64> = r_obs[ks.len()];
    let r_obs: &[Option<f64>] = &r_obs[..ks.len()];

    let boot: Vec<Distribution> = resampled(&per_context, &ks, seed, bootstrap_resamples);
    let (boot_obs, rest) = boot.split_at(ks.len());
    let (boot_model, boot_k) = (&rest[0], &rest[1]);
    let interval = |d: &Distribution| d.expanded_ci(0.95, g);
    let curve: Vec<ObserverPoint> = ks
        .iter()
        .enumerate()
        .map(|(j, &k)| ObserverPoint {
            k,
            r_obs: r_obs[j],
            ci: interval(&boot_obs[j]),
        })
        .collect();
    let points: Vec<ObserverPoint> = curve
        .iter()
        .filter(|p| SHOWN_KS.contains(&p.k))
        .cloned()
        .collect();
    let k_star: Option<f64> = match (r_model, r_obs.iter().copied().collect::<Option<Vec<f64>>>()) {
        (Some(rm), Some(rs)) => crossing(&ks, &rs, rm),
        _ => None,
    };
    let k_ci: Option<[f64; 2]> = interval(boot_k);
    let finite = |v: f64| v.is_finite().then_some(v);
    Some(ObserverScale {
        points,
        curve,
        r_model,
        r_model_ci: interval(boot_model),
        k_star,
        k_star_beyond: k_star.is_none() && r_model.is_some(),
        k_star_ci: [
            k_ci.and_then(|c| finite(c[0])),
            k_ci.and_then(|c| finite(c[1])),
        ],
        k_max,
        n_contexts: g,
        n_contexts_left_out: scored.len() - g,
        splits: SPLITS,
        bootstrap_resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_interpolates_from_the_origin() {
        let ks: [usize; 3] = [5, 10, 20];
        let rs: [f64; 3] = [0.2, 0.4, 0.6];
        assert_eq!(crossing(&ks, &rs, 0.1), Some(2.5));
        assert_eq!(crossing(&ks, &rs, 0.5), Some(15.0));
        assert_eq!(crossing(&ks, &rs, -0.1), Some(0.0));
        assert_eq!(crossing(&ks, &rs, 0.7), None);
    }

    /// Pooling rows gives, for every side, the bits of adding that side's moments alone in
    /// draw order.
    #[test]
    fn pooled_rows_give_each_sides_own_sums() {
        use rand::{Rng, SeedableRng};
        let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(30);
        for sides in [1, 5, CURVE_KS.len() + 1, CURVE_KS.len() + 2] {
            let per_side: Vec<Vec<Vec<Moments>>> = (0..20)
                .map(|_| {
                    (0..SPLITS)
                        .map(|_| {
                            let (n, sy, syy): (f64, f64, f64) = (5.0, rng.random(), rng.random());
                            (0..sides)
                                .map(|_| Moments {
                                    n,
                                    sx: rng.random_range(-300.0..300.0),
                                    sy,
                                    sxx: rng.random_range(0.0..5e4),
                                    syy,
                                    sxy: rng.random_range(-5e4..5e4),
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect();
            let per_context: Vec<ContextMoments> = per_side
                .iter()
                .map(|splits| {
                    let mut sums: Vec<f64> = Vec::new();
                    splits.iter().for_each(|m| push_split(&mut sums, m));
                    ContextMoments { sums }
                })
                .collect();
            let draws: Vec<(usize, usize)> = (0..500)
                .map(|_| (rng.random_range(0..20), rng.random_range(0..SPLITS)))
                .collect();
            let got: Vec<Moments> = pooled(&per_context, sides, draws.iter().copied());
            for (j, m) in got.iter().enumerate() {
                let mut want: Moments = Moments::default();
                draws
                    .iter()
                    .for_each(|&(c, s)| want.add(&per_side[c][s][j]));
                let bits = |m: &Moments| [m.n, m.sx, m.sy, m.sxx, m.syy, m.sxy].map(f64::to_bits);
                assert_eq!(bits(&want), bits(m), "side {j} of {sides}");
            }
        }
    }

    #[test]
    fn observer_weights_of_nothing_are_zero() {
        assert_eq!(observer_weights(&[]).0, [0.0; N_ATTR]);
    }
}
