//! Descriptive figures of one comparison beyond r: calibration, agreement by attribute
//! position, rank agreement within a context, and the standard error and design effect of
//! the pooled r. All deterministic (no resampling), so each is checked against an
//! independent computation (scripts/reference/summary_stats_reference.py).
//!
//! # Method
//! Points are the (context, attribute) pairs (x, y) of [`super::comparison`]; for
//! reports vs learned, x is reported and y learned.
//! - `calibration`: the least-squares line x = intercept + slope * y over all points (the
//!   reported weight on the learned one). A perfect reporter has slope 1; reports shrunk
//!   towards zero have slope < 1 even when r is high. `slope_se` is the cluster-robust
//!   (sandwich) standard error with contexts as clusters and the CR1 small-sample factor
//!   G/(G-1) * (N-1)/(N-2) (statsmodels' `cov_type="cluster"`). `magnitude_ratio` is
//!   mean |x| / mean |y|.
//! - `by_position`: for each attribute position k (the order the prompt lists them), Pearson
//!   r of x_k and y_k across contexts. `None` with fewer than 3 contexts or no spread.
//! - `kendall_tau_mean`, `kendall_tau_sd`: Kendall's tau-b between x and y within each
//!   context (five points; ties handled by tau-b), then the mean and the sample sd
//!   (n - 1) over contexts where it is defined (`kendall_tau_contexts`).
//! - `se`: the leave-one-context-out jackknife standard error of the pooled r,
//!   sqrt((G-1)/G * sum_i (r_(i) - mean r_(.))^2) over the G contexts.
//!   `design_effect`: se^2 divided by the same jackknife variance computed leaving out one
//!   *point* at a time (as if the N points were independent). Values above 1 mean the
//!   points of a context move together, so the N points carry the information of about
//!   N / design_effect independent ones. `n_clusters` = G.
//! - `ci_fisher_jackknife`: tanh(atanh(r) +/- t_{G-1, 0.975} se_z), se_z the same context
//!   jackknife applied to atanh(r): a deterministic small-sample interval (coverage in
//!   [`super::comparison`]).
//!
//! # Assumptions
//! Contexts are independent of each other; points within a context need not be. The
//! calibration slope is a description (least squares of x on y), not a causal model; with
//! noisy y it is attenuated towards 0 like any regression slope on a noisy regressor.

use super::stats::{Moments, pearson};
use crate::types::N_ATTR;
use serde::{Deserialize, Serialize};

/// The least-squares line of x on y with a context-clustered standard error.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub slope: f64,
    /// Cluster-robust (CR1) standard error of the slope, contexts as clusters.
    pub slope_se: Option<f64>,
    pub intercept: f64,
    /// mean |x| / mean |y|.
    pub magnitude_ratio: Option<f64>,
}

/// The deterministic figures of [`describe`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Description {
    pub calibration: Option<Calibration>,
    pub by_position: Vec<Option<f64>>,
    pub kendall_tau_mean: Option<f64>,
    pub kendall_tau_sd: Option<f64>,
    pub kendall_tau_contexts: usize,
    pub se: Option<f64>,
    pub design_effect: Option<f64>,
    pub n_clusters: usize,
    /// tanh(atanh(r) +/- t_{G-1, 0.975} se_z), se_z the context jackknife se of atanh(r).
    pub ci_fisher_jackknife: Option<[f64; 2]>,
}

/// Kendall's tau-b of two short vectors; `None` when either is constant.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n: usize = x.len().min(y.len());
    let (mut s, mut tx, mut ty, mut pairs) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    for i in 0..n {
        for j in (i + 1)..n {
            let dx: f64 = x[i] - x[j];
            let dy: f64 = y[i] - y[j];
            pairs += 1.0;
            tx += f64::from(u8::from(dx == 0.0));
            ty += f64::from(u8::from(dy == 0.0));
            s += (dx * dy).signum() * f64::from(u8::from(dx != 0.0 && dy != 0.0));
        }
    }
    let den: f64 = ((pairs - tx) * (pairs - ty)).sqrt();
    (den > 0.0).then(|| s / den)
}

/// Jackknife variance of a statistic from its leave-one-out values.
pub fn jackknife_variance(loo: &[f64]) -> Option<f64> {
    let g: f64 = loo.len() as f64;
    if loo.len() < 2 {
        return None;
    }
    let mean: f64 = loo.iter().sum::<f64>() / g;
    Some((g - 1.0) / g * loo.iter().map(|t| (t - mean).powi(2)).sum::<f64>())
}

/// Leave-one-context-out pooled r for each context (`None` where undefined).
pub fn leave_one_out(moments: &[Moments]) -> Vec<Option<f64>> {
    let mut total: Moments = Moments::default();
    moments.iter().for_each(|m| total.add(m));
    moments
        .iter()
        .map(|m| {
            let mut t: Moments = total;
            t.sub(m);
            t.r()
        })
        .collect()
}

/// One context's two weight vectors, in attribute order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContextPoints {
    /// The first vector (e.g. learned weights).
    pub x: [f64; N_ATTR],
    /// The second (e.g. reported weights).
    pub y: [f64; N_ATTR],
}

/// Fisher-z jackknife interval of the pooled r: tanh(atanh(r) +/- t_{G-1, 0.975} se_z), se_z
/// the leave-one-context-out jackknife standard error of atanh(r).
pub fn fisher_jackknife_interval(moments: &[Moments]) -> Option<[f64; 2]> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let g: usize = moments.len();
    if g < 3 {
        return None;
    }
    let mut total: Moments = Moments::default();
    moments.iter().for_each(|m| total.add(m));
    let z: f64 = total.r()?.clamp(-0.999_999, 0.999_999).atanh();
    let loo: Option<Vec<f64>> = leave_one_out(moments)
        .into_iter()
        .map(|r| r.map(|r| r.clamp(-0.999_999, 0.999_999).atanh()))
        .collect();
    let se: f64 = jackknife_variance(&loo?)?.sqrt();
    let t: f64 = StudentsT::new(0.0, 1.0, g as f64 - 1.0)
        .ok()?
        .inverse_cdf(0.975);
    Some([(z - t * se).tanh(), (z + t * se).tanh()])
}

/// (se, design effect) of the pooled r: context jackknife, and its ratio to the point
/// jackknife's variance.
pub fn se_and_design_effect(points: &[ContextPoints]) -> (Option<f64>, Option<f64>) {
    let moments: Vec<Moments> = points.iter().map(|p| Moments::of(&p.x, &p.y)).collect();
    let loo: Option<Vec<f64>> = leave_one_out(&moments).into_iter().collect();
    let var_c: Option<f64> = loo.as_deref().and_then(jackknife_variance);
    let singles: Vec<Moments> = points
        .iter()
        .flat_map(|p| (0..N_ATTR).map(move |k| Moments::of(&p.x[k..=k], &p.y[k..=k])))
        .collect();
    let loo_p: Option<Vec<f64>> = leave_one_out(&singles).into_iter().collect();
    let var_p: Option<f64> = loo_p.as_deref().and_then(jackknife_variance);
    let deff: Option<f64> = match (var_c, var_p) {
        (Some(c), Some(p)) if p > 0.0 => Some(c / p),
        _ => None,
    };
    (var_c.map(f64::sqrt), deff)
}

/// Least squares of x on y with a CR1 cluster-robust slope standard error.
pub fn calibration(points: &[ContextPoints]) -> Option<Calibration> {
    let xs: Vec<f64> = points.iter().flat_map(|p| p.x).collect();
    let ys: Vec<f64> = points.iter().flat_map(|p| p.y).collect();
    let n: f64 = xs.len() as f64;
    if xs.len() < 3 {
        return None;
    }
    let my: f64 = ys.iter().sum::<f64>() / n;
    let mx: f64 = xs.iter().sum::<f64>() / n;
    let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    if syy <= 0.0 {
        return None;
    }
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope: f64 = sxy / syy;
    let intercept: f64 = mx - slope * my;
    // Sandwich: bread (D'D)^-1 with D = [1, y]; meat sum_g s_g s_g', s_g = sum_i D_i e_i.
    let g: f64 = points.len() as f64;
    let (s00, s01, s11) = (
        n,
        ys.iter().sum::<f64>(),
        ys.iter().map(|y| y * y).sum::<f64>(),
    );
    let det: f64 = s00 * s11 - s01 * s01;
    let inv: [[f64; 2]; 2] = [[s11 / det, -s01 / det], [-s01 / det, s00 / det]];
    let mut meat: [[f64; 2]; 2] = [[0.0; 2]; 2];
    for p in points {
        let mut sc: [f64; 2] = [0.0; 2];
        for k in 0..N_ATTR {
            let e: f64 = p.x[k] - intercept - slope * p.y[k];
            sc[0] += e;
            sc[1] += e * p.y[k];
        }
        for a in 0..2 {
            for b in 0..2 {
                meat[a][b] += sc[a] * sc[b];
            }
        }
    }
    // Row 1 of inv * meat * inv, column 1.
    let v11: f64 = (0..2)
        .flat_map(|a| (0..2).map(move |b| (a, b)))
        .map(|(a, b)| inv[1][a] * meat[a][b] * inv[b][1])
        .sum::<f64>();
    let slope_se: Option<f64> = (g >= 2.0 && n > 2.0)
        .then(|| (v11 * g / (g - 1.0) * (n - 1.0) / (n - 2.0)).sqrt())
        .filter(|s| s.is_finite());
    let mean_abs_y: f64 = ys.iter().map(|v| v.abs()).sum::<f64>() / n;
    let mean_abs_x: f64 = xs.iter().map(|v| v.abs()).sum::<f64>() / n;
    Some(Calibration {
        slope,
        slope_se,
        intercept,
        magnitude_ratio: (mean_abs_y > 0.0).then(|| mean_abs_x / mean_abs_y),
    })
}

/// Every figure of the module documentation for one comparison's points.
pub fn describe(points: &[ContextPoints]) -> Description {
    let by_position: Vec<Option<f64>> = (0..N_ATTR)
        .map(|k| {
            let x: Vec<f64> = points.iter().map(|p| p.x[k]).collect();
            let y: Vec<f64> = points.iter().map(|p| p.y[k]).collect();
            pearson(&x, &y)
        })
        .collect();
    let taus: Vec<f64> = points
        .iter()
        .filter_map(|p| kendall_tau_b(&p.x, &p.y))
        .collect();
    let t: f64 = taus.len() as f64;
    let tau_mean: Option<f64> = (!taus.is_empty()).then(|| taus.iter().sum::<f64>() / t);
    let tau_sd: Option<f64> = tau_mean
        .filter(|_| taus.len() >= 2)
        .map(|m| (taus.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (t - 1.0)).sqrt());
    let (se, design_effect) = se_and_design_effect(points);
    Description {
        calibration: calibration(points),
        by_position,
        kendall_tau_mean: tau_mean,
        kendall_tau_sd: tau_sd,
        kendall_tau_contexts: taus.len(),
        se,
        design_effect,
        n_clusters: points.len(),
        ci_fisher_jackknife: fisher_jackknife_interval(
            &points
                .iter()
                .map(|p| Moments::of(&p.x, &p.y))
                .collect::<Vec<Moments>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kendall_basics() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(kendall_tau_b(&x, &x), Some(1.0));
        assert_eq!(kendall_tau_b(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(kendall_tau_b(&x, &[1.0; 5]), None);
    }

    #[test]
    fn an_exact_line_has_its_slope_and_no_error() {
        let p: Vec<ContextPoints> = (0..4)
            .map(|c| {
                let y: [f64; N_ATTR] = std::array::from_fn(|k| (c * 5 + k) as f64 * 3.0 - 20.0);
                ContextPoints {
                    x: y.map(|v| 0.5 * v + 2.0),
                    y,
                }
            })
            .collect();
        let c = calibration(&p).unwrap();
        assert!((c.slope - 0.5).abs() < 1e-12 && (c.intercept - 2.0).abs() < 1e-9);
        assert!(c.slope_se.unwrap() < 1e-9);
    }
}
