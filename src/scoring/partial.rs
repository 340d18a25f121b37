//! What the reports say beyond the target profile: the partial correlation of reported
//! with learned weights given the target weights (instilled runs).
//!
//! # Method
//! Over the pooled (context, attribute) points of contexts that have reported, learned and
//! target weights, with r_rl, r_rt, r_lt the pooled Pearson correlations:
//! r_rl.t = (r_rl - r_rt r_lt) / sqrt((1 - r_rt^2) (1 - r_lt^2)),
//! the correlation of reports and learned weights once the linear part each shares with the
//! target is removed. A model that only recites the profile it was trained on scores a high
//! raw r but a partial r near zero: its reports match behaviour only through the target.
//! - `ci_bootstrap`: 95% expanded percentile interval (as the main score's, see
//!   [`super::comparison`]) over resamples drawing contexts with replacement (each context's
//!   five points together); resamples where it is undefined are dropped and counted.
//! - `se`, `design_effect`, `n_clusters`: as for r ([`super::describe`]): context jackknife
//!   standard error, its variance over the point jackknife's.
//!
//! # Assumptions
//! Linear relations (a partial correlation removes only the linear part of the target);
//! contexts independent. Randomness: the named stream [`Stream::Partial`] of the scoring seed.

use super::bootstrap::{Distribution, bootstrap, holding};
use super::describe::jackknife_variance;
use super::streams::Stream;
use crate::types::N_ATTR;
use serde::{Deserialize, Serialize};

/// One context's three weight vectors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Triple {
    /// Mean reported weights.
    pub reported: [f64; N_ATTR],
    /// Learned weights.
    pub learned: [f64; N_ATTR],
    /// The instilled profile's weights.
    pub target: [f64; N_ATTR],
}

/// Sums of three variables and their cross-products (sufficient for the three r).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments3 {
    n: f64,
    s: [f64; 3],
    ss: [[f64; 3]; 3],
}

impl Moments3 {
    fn push(&mut self, v: [f64; 3]) {
        self.n += 1.0;
        for a in 0..3 {
            self.s[a] += v[a];
            for b in 0..3 {
                self.ss[a][b] += v[a] * v[b];
            }
        }
    }

    fn of(t: &Triple) -> Moments3 {
        let mut m: Moments3 = Moments3::default();
        for k in 0..N_ATTR {
            m.push([t.reported[k], t.learned[k], t.target[k]]);
        }
        m
    }

    fn add(&mut self, o: &Moments3, sign: f64) {
        self.n += sign * o.n;
        for a in 0..3 {
            self.s[a] += sign * o.s[a];
            for b in 0..3 {
                self.ss[a][b] += sign * o.ss[a][b];
            }
        }
    }

    fn cov(&self, a: usize, b: usize) -> f64 {
        self.ss[a][b] - self.s[a] * self.s[b] / self.n
    }

    /// The partial r of variables 0 and 1 given 2, or `None` when undefined.
    pub fn partial(&self) -> Option<f64> {
        if self.n < 4.0 {
            return None;
        }
        let v: [f64; 3] = [self.cov(0, 0), self.cov(1, 1), self.cov(2, 2)];
        let eps: f64 = 1e-12;
        if (0..3).any(|a| v[a] <= eps * self.ss[a][a].max(1e-300)) {
            return None;
        }
        let r = |a: usize, b: usize| self.cov(a, b) / (v[a] * v[b]).sqrt();
        let (r01, r02, r12) = (r(0, 1), r(0, 2), r(1, 2));
        let den: f64 = ((1.0 - r02 * r02) * (1.0 - r12 * r12)).sqrt();
        (den > 1e-12).then(|| ((r01 - r02 * r12) / den).clamp(-1.0, 1.0))
    }
}

/// The partial correlation's figures; see the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialCorrelation {
    pub r: Option<f64>,
    pub ci_bootstrap: Option<[f64; 2]>,
    pub se: Option<f64>,
    pub design_effect: Option<f64>,
    pub n: usize,
    pub n_clusters: usize,
    pub bootstrap_resamples: usize,
    pub bootstrap_undefined: usize,
}

fn loo_variance(parts: &[Moments3]) -> Option<f64> {
    let mut total: Moments3 = Moments3::default();
    parts.iter().for_each(|m| total.add(m, 1.0));
    let loo: Option<Vec<f64>> = parts
        .iter()
        .map(|m| {
            let mut t: Moments3 = total;
            t.add(m, -1.0);
            t.partial()
        })
        .collect();
    jackknife_variance(&loo?)
}

/// The partial correlation of reported and learned weights given the target, or `None`
/// without any context having all three.
pub fn partial_correlation(
    triples: &[Triple],
    seed: u64,
    resamples: usize,
) -> Option<PartialCorrelation> {
    if triples.is_empty() {
        return None;
    }
    let parts: Vec<Moments3> = triples.iter().map(Moments3::of).collect();
    let mut total: Moments3 = Moments3::default();
    parts.iter().for_each(|m| total.add(m, 1.0));
    let r: Option<f64> = total.partial();
    let mut ci: Option<[f64; 2]> = None;
    let mut undefined: usize = 0;
    if r.is_some() {
        let m: usize = parts.len();
        let vals: Distribution = bootstrap(
            &mut Stream::Partial.rng(seed),
            m,
            resamples,
            |idx: &[usize]| {
                let mut t: Moments3 = Moments3::default();
                idx.iter().for_each(|&i| t.add(&parts[i], 1.0));
                t.partial()
            },
        );
        undefined = vals.undefined();
        // The plain percentile interval below 3 contexts, where the expansion is undefined.
        ci = holding(vals.expanded_ci(0.95, m).or_else(|| vals.ci(0.95)), r);
    }
    let var_c: Option<f64> = loo_variance(&parts);
    let singles: Vec<Moments3> = triples
        .iter()
        .flat_map(|t| {
            (0..N_ATTR).map(move |k| {
                let mut m: Moments3 = Moments3::default();
                m.push([t.reported[k], t.learned[k], t.target[k]]);
                m
            })
        })
        .collect();
    let var_p: Option<f64> = loo_variance(&singles);
    Some(PartialCorrelation {
        r,
        ci_bootstrap: ci,
        se: var_c.map(f64::sqrt),
        design_effect: var_c
            .zip(var_p)
            .filter(|(_, p)| *p > 0.0)
            .map(|(c, p)| c / p),
        n: triples.len() * N_ATTR,
        n_clusters: triples.len(),
        bootstrap_resamples: resamples,
        bootstrap_undefined: undefined,
    })
}
