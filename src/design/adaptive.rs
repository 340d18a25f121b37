//! Choosing the next option pairs of a context from its current fit.
//!
//! # Method
//! Candidates: for the batch that starts after `n` calls of context `c`, a pool of
//! `k * candidates_per_pick` pairs is drawn with [`draw_pair`] (uniform values, rounded for
//! display, exactly like the frozen pairs) from the stream
//! `benchmark::rng::stream(seed, "<c>/design@<n>", Purpose::Runtime)`. The pool therefore
//! depends only on (seed, context, calls so far), so a resumed run draws the same pool.
//!
//! Current fit: the MAP fit ([`crate::estimation::fit_with`], the same priors as scoring) of
//! the usable observations so far; with none, beta = 0 (the prior mean).
//!
//! Criteria:
//! - [`Criterion::Random`]: the first `k` candidates, i.e. the study's design (uniform
//!   random pairs), drawn from the same stream. Used as the baseline.
//! - [`Criterion::DOptimal`]: Bayesian sequential D-optimality. With x = (1, d) and
//!   H = sum_i p_i (1 - p_i) x_i x_i^T + diag(prior precisions) the posterior precision
//!   (negative Hessian of the log posterior) at the current estimate, adding a pair
//!   multiplies det H by 1 + p(1 - p) x^T H^-1 x (matrix determinant lemma). The batch is
//!   chosen greedily: pick the candidate with the largest gain, add p(1 - p) x x^T to H
//!   (p at the current estimate, no refit inside a batch), repeat `k` times without
//!   replacement. Ties go to the earlier candidate.
//! - [`Criterion::Direction`]: A-optimality for what the score uses, the *direction* of the
//!   slopes (the learned weights are the slopes rescaled to max |b| = 100). With C = H^-1
//!   and Q the projection onto the slope coordinates orthogonal to the current slopes
//!   (all slope coordinates while the slopes are zero), adding a pair of information weight
//!   w = p(1 - p) lowers trace(Q C Q) by w |Q C x|^2 / (1 + w x^T C x) (Sherman-Morrison);
//!   greedy as above, updating C after each pick.
//! - [`Criterion::Boundary`]: the `k` candidates with the smallest |b0 + b . d| at the
//!   current estimate (closest to the decision boundary, P(A) nearest 1/2).
//!
//! # Assumptions and caveats
//! The criteria assume the fitting model (linear-logistic in the range-normalised
//! differences, constant position bias) is right. If a model's choices depart from it, an
//! adaptive design weights the region it samples (near its boundary) more than uniform
//! random pairs do, so its learned weights estimate a slightly different quantity than the
//! study's; the run records the design so the two are never pooled silently. The gain uses
//! the hard-label Fisher information p(1 - p) also for soft labels (the quasi-likelihood
//! information of the fractional logit).

use crate::benchmark::FrozenContext;
use crate::benchmark::rng::{Purpose, stream};
use crate::benchmark::sampling::{draw_pair, scaled_difference};
use crate::estimation::{FitOptions, Trial, fit_with};
use crate::probability::logistic;
use crate::types::{N_ATTR, Pair};
use serde::{Deserialize, Serialize};

const P: usize = N_ATTR + 1;

/// How the next pairs are picked from the candidate pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Uniform random pairs (the study's design), from the same seeded stream.
    Random,
    /// Greedy Bayesian D-optimal: maximise the determinant of the posterior precision.
    DOptimal,
    /// Closest to the current decision boundary.
    Boundary,
    /// Greedy A-optimal for the direction of the slopes (what the rescaled weights measure).
    Direction,
}

/// A design name that is none of the criteria.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown design {0:?}; expected random, adaptive (d-optimal), direction or boundary")]
pub struct UnknownDesign(pub String);

impl std::str::FromStr for Criterion {
    type Err = UnknownDesign;
    fn from_str(s: &str) -> Result<Self, UnknownDesign> {
        match s {
            "random" => Ok(Criterion::Random),
            "d-optimal" | "d_optimal" | "adaptive" => Ok(Criterion::DOptimal),
            "boundary" => Ok(Criterion::Boundary),
            "direction" => Ok(Criterion::Direction),
            _ => Err(UnknownDesign(s.to_string())),
        }
    }
}

/// One answered choice of a context, as the design sees it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The pair as displayed.
    pub pair: Pair,
    /// The label: 1 for A, 0 for B, a soft P(A), or `None` when the answer was unusable
    /// (it still counts as a call for the candidate stream).
    pub p_a: Option<f64>,
}

/// A seeded, reproducible pair-selection design. See the module documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveDesign {
    /// The run's seed (e.g. the benchmark seed plus the run's design seed).
    pub seed: String,
    /// How the next pairs are picked ([`AdaptiveDesign::new`]: D-optimal).
    pub criterion: Criterion,
    /// Candidates drawn per pair to pick (pool = k * this). Default 32.
    pub candidates_per_pick: usize,
    /// Priors and iteration settings of the current fit (default: scoring's).
    pub fit_options: FitOptions,
}

impl AdaptiveDesign {
    /// D-optimal with 32 candidates per pick and scoring's priors.
    pub fn new(seed: impl Into<String>) -> AdaptiveDesign {
        AdaptiveDesign::with_criterion(seed, Criterion::DOptimal)
    }

    /// [`AdaptiveDesign::new`] with another criterion.
    pub fn with_criterion(seed: impl Into<String>, criterion: Criterion) -> AdaptiveDesign {
        AdaptiveDesign {
            seed: seed.into(),
            criterion,
            candidates_per_pick: 32,
            fit_options: FitOptions::default(),
        }
    }

    /// The candidate pool of the batch that starts after `asked` calls of `ctx`.
    pub fn candidates(&self, ctx: &FrozenContext, asked: usize, k: usize) -> Vec<Pair> {
        let ranges = ctx.ranges();
        let decimals: [u32; N_ATTR] = std::array::from_fn(|j| ctx.attributes[j].decimals);
        let mut rng = stream(
            &self.seed,
            &format!("{}/design@{asked}", ctx.id),
            Purpose::Runtime,
        );
        let per: usize = match self.criterion {
            Criterion::Random => 1,
            _ => self.candidates_per_pick.max(1),
        };
        (0..k * per)
            .map(|_| draw_pair(&mut rng, &ranges, &decimals))
            .collect()
    }

    /// The next `k` pairs to ask in `ctx`, given everything observed there so far (in the
    /// order asked). Deterministic in (seed, criterion, context, observations).
    pub fn next_batch(&self, ctx: &FrozenContext, observed: &[Observation], k: usize) -> Vec<Pair> {
        if k == 0 {
            return Vec::new();
        }
        let pool: Vec<Pair> = self.candidates(ctx, observed.len(), k);
        if self.criterion == Criterion::Random {
            return pool;
        }
        let ranges = ctx.ranges();
        let trials: Vec<Trial> = observed
            .iter()
            .filter_map(|o| {
                let y = o.p_a?;
                Trial::new(scaled_difference(&o.pair, &ranges), y, 1.0).ok()
            })
            .collect();
        let beta: [f64; P] = if trials.is_empty() {
            [0.0; P]
        } else {
            let f = fit_with(&trials, &self.fit_options);
            let mut b = [f.intercept; P];
            b[1..].copy_from_slice(&f.slopes);
            b
        };
        let xs: Vec<[f64; P]> = pool
            .iter()
            .map(|p| {
                let d = scaled_difference(p, &ranges);
                let mut x = [1.0; P];
                x[1..].copy_from_slice(&d);
                x
            })
            .collect();
        let picks: Vec<usize> = match self.criterion {
            Criterion::Boundary => {
                let mut idx: Vec<usize> = (0..xs.len()).collect();
                let eta = |i: usize| dot(&beta, &xs[i]).abs();
                idx.sort_by(|&i, &j| eta(i).total_cmp(&eta(j)).then(i.cmp(&j)));
                idx.truncate(k);
                idx
            }
            Criterion::Direction => {
                let h: [[f64; P]; P] = precision(&trials, &beta, &self.fit_options);
                greedy_direction(&xs, &beta, &h, k)
            }
            _ => {
                let mut h: [[f64; P]; P] = precision(&trials, &beta, &self.fit_options);
                greedy_d_optimal(&xs, &beta, &mut h, k)
            }
        };
        picks.into_iter().map(|i| pool[i]).collect()
    }
}

fn dot(a: &[f64; P], b: &[f64; P]) -> f64 {
    (0..P).map(|j| a[j] * b[j]).sum()
}

/// Posterior precision H at beta: sum_i w_i p_i (1 - p_i) x_i x_i^T + diag(prior precision).
fn precision(trials: &[Trial], beta: &[f64; P], opts: &FitOptions) -> [[f64; P]; P] {
    let mut h = [[0.0; P]; P];
    h[0][0] = 1.0 / (opts.intercept_prior_sd * opts.intercept_prior_sd);
    for (j, row) in h.iter_mut().enumerate().skip(1) {
        row[j] = 1.0 / (opts.slope_prior_sd * opts.slope_prior_sd);
    }
    for t in trials {
        let mut x = [1.0; P];
        x[1..].copy_from_slice(&t.diff);
        add_outer(&mut h, &x, t.weight * info_weight(beta, &x));
    }
    h
}

fn info_weight(beta: &[f64; P], x: &[f64; P]) -> f64 {
    let p = logistic(dot(beta, x));
    p * (1.0 - p)
}

fn add_outer(h: &mut [[f64; P]; P], x: &[f64; P], w: f64) {
    for i in 0..P {
        for j in 0..P {
            h[i][j] += w * x[i] * x[j];
        }
    }
}

/// Lower Cholesky factor of a symmetric positive-definite matrix.
fn cholesky(a: &[[f64; P]; P]) -> Option<[[f64; P]; P]> {
    let mut l = [[0.0; P]; P];
    for i in 0..P {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|m| l[i][m] * l[j][m]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

/// x^T H^-1 x = |L^-1 x|^2 by forward substitution.
fn quad_inv(l: &[[f64; P]; P], x: &[f64; P]) -> f64 {
    let mut z = [0.0; P];
    for i in 0..P {
        let s: f64 = x[i] - (0..i).map(|m| l[i][m] * z[m]).sum::<f64>();
        z[i] = s / l[i][i];
    }
    z.iter().map(|v| v * v).sum()
}

fn greedy_d_optimal(
    xs: &[[f64; P]],
    beta: &[f64; P],
    h: &mut [[f64; P]; P],
    k: usize,
) -> Vec<usize> {
    let w: Vec<f64> = xs.iter().map(|x| info_weight(beta, x)).collect();
    let mut taken = vec![false; xs.len()];
    let mut picks = Vec::with_capacity(k);
    for _ in 0..k.min(xs.len()) {
        let Some(l) = cholesky(h) else { break };
        let mut best: Option<(usize, f64)> = None;
        for (i, x) in xs.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let gain = w[i] * quad_inv(&l, x);
            if best.is_none_or(|(_, g)| gain > g) {
                best = Some((i, gain));
            }
        }
        let Some((i, _)) = best else { break };
        taken[i] = true;
        add_outer(h, &xs[i], w[i]);
        picks.push(i);
    }
    picks
}

/// H^-1 from its Cholesky factor (column by column).
fn inverse(h: &[[f64; P]; P]) -> Option<[[f64; P]; P]> {
    let l = cholesky(h)?;
    let mut c = [[0.0; P]; P];
    for col in 0..P {
        let mut z = [0.0; P];
        for i in 0..P {
            let e = if i == col { 1.0 } else { 0.0 };
            z[i] = (e - (0..i).map(|m| l[i][m] * z[m]).sum::<f64>()) / l[i][i];
        }
        for i in (0..P).rev() {
            c[i][col] = (z[i] - (i + 1..P).map(|m| l[m][i] * c[m][col]).sum::<f64>()) / l[i][i];
        }
    }
    Some(c)
}

fn greedy_direction(xs: &[[f64; P]], beta: &[f64; P], h: &[[f64; P]; P], k: usize) -> Vec<usize> {
    let Some(mut c) = inverse(h) else {
        return (0..k.min(xs.len())).collect();
    };
    let norm2: f64 = beta[1..].iter().map(|b| b * b).sum();
    // Q v: drop the intercept, project out the current slope direction.
    let project = |v: &[f64; P]| -> [f64; P] {
        let mut q = *v;
        q[0] = 0.0;
        if norm2 > 0.0 {
            let a: f64 = (1..P).map(|j| q[j] * beta[j]).sum::<f64>() / norm2;
            for j in 1..P {
                q[j] -= a * beta[j];
            }
        }
        q
    };
    let mul =
        |c: &[[f64; P]; P], x: &[f64; P]| -> [f64; P] { std::array::from_fn(|i| dot(&c[i], x)) };
    let w: Vec<f64> = xs.iter().map(|x| info_weight(beta, x)).collect();
    let mut taken = vec![false; xs.len()];
    let mut picks = Vec::with_capacity(k);
    for _ in 0..k.min(xs.len()) {
        let mut best: Option<(usize, f64)> = None;
        for (i, x) in xs.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let cx = mul(&c, x);
            let q = project(&cx);
            let gain = w[i] * q.iter().map(|v| v * v).sum::<f64>() / (1.0 + w[i] * dot(x, &cx));
            if best.is_none_or(|(_, g)| gain > g) {
                best = Some((i, gain));
            }
        }
        let Some((i, _)) = best else { break };
        taken[i] = true;
        let cx = mul(&c, &xs[i]);
        let denom = 1.0 + w[i] * dot(&xs[i], &cx);
        for a in 0..P {
            for b in 0..P {
                c[a][b] -= w[i] * cx[a] * cx[b] / denom;
            }
        }
        picks.push(i);
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_quad_matches_identity() {
        let mut h = [[0.0; P]; P];
        for (i, row) in h.iter_mut().enumerate() {
            row[i] = 4.0;
        }
        let l = cholesky(&h).unwrap();
        let x = [1.0, 2.0, 0.0, 0.0, 0.0, 2.0];
        assert!((quad_inv(&l, &x) - 9.0 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn inverse_inverts() {
        let mut h = [[0.5; P]; P];
        for (i, row) in h.iter_mut().enumerate() {
            row[i] += 2.0 + i as f64;
        }
        let c = inverse(&h).unwrap();
        for i in 0..P {
            for j in 0..P {
                let v: f64 = (0..P).map(|m| h[i][m] * c[m][j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }
}
