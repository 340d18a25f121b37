//! MAP logistic regression for one context.
//!
//! # Method
//! Parameters beta = (b0, b1..b5). With x_i = (1, diff_i) and eta_i = beta . x_i, the
//! objective maximised is the log posterior (up to a constant)
//!
//! ```text
//! f(beta) = sum_i w_i [ y_i eta_i - log(1 + exp(eta_i)) ] - b0^2 / (2 * 2.5^2) - sum_k b_k^2 / 2
//! ```
//!
//! where y_i in [0, 1] is the label (1 = A, 0 = B, or a soft P(A)) and w_i the trial weight.
//! With soft labels the data term is the expected log-likelihood (cross-entropy), whose
//! maximiser is the standard fractional-response logit estimate.
//!
//! f is strictly concave (the Gaussian prior adds a positive-definite term to the negative
//! Hessian H = X^T diag(w p (1 - p)) X + diag(1/2.5^2, 1, 1, 1, 1, 1)), so the maximum exists,
//! is unique and finite even for perfectly separated data or a context where every answer
//! is the same letter. Newton's method is used from beta = 0, solving H step = gradient by a
//! 6x6 Cholesky factorisation, with step halving whenever a full step would lower f.
//! Convergence: the accepted step's largest component is below `tolerance * (1 + max|beta|)`.
//!
//! # Standard errors
//! `slope_se` and `intercept_se` are the square roots of the diagonal of H^{-1} at the
//! optimum: the Laplace approximation to the posterior standard deviations (they include
//! the prior's contribution, so they never exceed the prior sds).
//!
//! # Assumptions
//! Trials are independent given the context; the position bias is a constant intercept;
//! utilities are linear in the range-normalised attribute values (the study's model).

use super::linalg::{Mat, P, Vector, cholesky, inverse_diagonal, solve};
use super::trial::Trial;
use crate::probability::logistic_from;
use crate::types::{N_ATTR, Weights};

/// Prior sd of each slope (the study's normal(0, 1)).
pub const SLOPE_PRIOR_SD: f64 = 1.0;
/// Prior sd of the intercept (a weak normal(0, 2.5)).
pub const INTERCEPT_PRIOR_SD: f64 = 2.5;

/// Settings of the Newton iteration and the priors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitOptions {
    /// Newton steps before giving up (the fit is then marked not converged).
    pub max_iterations: u32,
    /// Relative step size at which the iteration stops.
    pub tolerance: f64,
    /// Prior sd of each slope ([`SLOPE_PRIOR_SD`]).
    pub slope_prior_sd: f64,
    /// Prior sd of the intercept ([`INTERCEPT_PRIOR_SD`]).
    pub intercept_prior_sd: f64,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            max_iterations: 100,
            tolerance: 1e-10,
            slope_prior_sd: SLOPE_PRIOR_SD,
            intercept_prior_sd: INTERCEPT_PRIOR_SD,
        }
    }
}

/// The result of fitting one context.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// b0: log-odds of answering A when the options are equal (position bias).
    pub intercept: f64,
    /// The intercept's standard error (from the curvature at the optimum, prior included).
    pub intercept_se: f64,
    /// Raw slopes b1..b5 in attribute order (log-odds per full range of difference).
    pub slopes: [f64; N_ATTR],
    /// The slopes' standard errors, in the same order and units.
    pub slope_se: [f64; N_ATTR],
    /// The slopes rescaled so that the largest |b| is 100 (all zero stays zero).
    pub learned: Weights,
    /// Whether the iteration met its tolerance within `max_iterations`.
    pub converged: bool,
    /// Newton iterations taken.
    pub iterations: u32,
    /// Weighted data log-likelihood at the optimum (without the prior).
    pub log_likelihood: f64,
    /// The maximised objective: log-likelihood plus log prior, without normalising constants.
    pub log_posterior: f64,
    /// Number of trials with positive weight.
    pub n: usize,
}

impl Fit {
    /// (b0, b1..b5): the parameter vector in the order reference fitters report it.
    pub fn params(&self) -> [f64; N_ATTR + 1] {
        let mut p = [self.intercept; N_ATTR + 1];
        p[1..].copy_from_slice(&self.slopes);
        p
    }
}

/// The objective at one point, as the Newton iteration needs it.
///
/// Why approximate: summing one `ln_1p` per trial was 40% of the fit's time, yet the value
/// only decides whether a step is accepted. `approx` adds the trials' log terms as the log of
/// a product (one `ln` per 1,000 trials) and `err` bounds its distance from the per-trial
/// sum that [`exact_objective`] computes. A step is decided on `approx` only when the bound
/// makes the decision certain; otherwise both points are evaluated exactly. The iterates are
/// therefore exactly those of the per-trial sum (bit for bit; tested against the plain
/// implementation in `reference`).
#[derive(Clone, Copy)]
struct Objective {
    approx: f64,
    err: f64,
    /// The exact (per-trial sum) objective, once computed.
    exact: Option<f64>,
}

#[inline]
fn softplus(eta: f64) -> f64 {
    eta.max(0.0) + (-eta.abs()).exp().ln_1p()
}

fn prior_precision(opts: &FitOptions) -> Vector {
    let mut lam: Vector = [1.0 / (opts.slope_prior_sd * opts.slope_prior_sd); P];
    lam[0] = 1.0 / (opts.intercept_prior_sd * opts.intercept_prior_sd);
    lam
}

#[inline]
fn regressors(t: &Trial) -> Vector {
    [1.0, t.diff[0], t.diff[1], t.diff[2], t.diff[3], t.diff[4]]
}

#[inline]
fn linear_predictor(beta: &Vector, x: &Vector) -> f64 {
    (0..P).map(|j| beta[j] * x[j]).sum()
}

fn penalty(beta: &Vector, lam: &Vector) -> f64 {
    let mut penalty: f64 = 0.0;
    for i in 0..P {
        penalty += 0.5 * lam[i] * beta[i] * beta[i];
    }
    penalty
}

/// Weighted log-likelihood summed trial by trial, and the objective (log-likelihood minus
/// the prior's penalty): the values reported in [`Fit`].
fn exact_objective(trials: &[Trial], beta: &Vector, lam: &Vector) -> (f64, f64) {
    let mut log_lik: f64 = 0.0;
    for t in trials {
        if t.weight == 0.0 {
            continue;
        }
        let eta: f64 = linear_predictor(beta, &regressors(t));
        log_lik += t.weight * (t.p_a * eta - softplus(eta));
    }
    (log_lik, log_lik - penalty(beta, lam))
}

/// Trials whose `1 + exp(-|eta|)` factors are multiplied before one `ln` (each factor is at
/// most 2, so the product stays below 2^1000).
const PRODUCT_RUN: u32 = 1000;

/// Gradient and Hessian terms of one trial: r = w (y - p) and s = w p (1 - p).
type Terms = [f64; 2];

/// The (approximate) objective at `beta`, leaving each trial's gradient and Hessian terms in
/// `terms` for [`derivatives`]. Split in two because the derivatives are needed only at an
/// accepted point that is not the last (or at the last one for standard errors), and because
/// the `exp` call here, in the same loop as the 27 derivative sums, forced those out of
/// registers.
fn objective_at(
    trials: &[Trial],
    beta: &Vector,
    lam: &Vector,
    terms: &mut Vec<Terms>,
) -> Objective {
    let mut linear: f64 = 0.0;
    let mut logs: f64 = 0.0;
    let mut product: f64 = 1.0;
    let mut run: u32 = 0;
    let mut magnitude: f64 = 0.0;
    let mut n: f64 = 0.0;
    terms.clear();
    for t in trials {
        if t.weight == 0.0 {
            terms.push([0.0; 2]);
            continue;
        }
        let eta: f64 = linear_predictor(beta, &regressors(t));
        let e: f64 = (-eta.abs()).exp();
        let p: f64 = logistic_from(eta, e);
        linear += t.weight * (t.p_a * eta - eta.max(0.0));
        if t.weight == 1.0 {
            product *= 1.0 + e;
            run += 1;
            if run == PRODUCT_RUN {
                logs += product.ln();
                product = 1.0;
                run = 0;
            }
        } else {
            logs += t.weight * e.ln_1p();
        }
        magnitude += t.weight * (2.0 * eta.abs() + 1.0);
        n += 1.0;
        terms.push([t.weight * (t.p_a - p), t.weight * p * (1.0 - p)]);
    }
    let pen: f64 = penalty(beta, lam);
    let logs: f64 = logs + product.ln();
    let approx: f64 = linear - logs - pen;
    // Both sums see the same eta and exp(-|eta|). Each term is off by a few roundings of its
    // parts (|parts| <= w (2 |eta| + 1)), and a sum of n terms of one sign (every term of
    // `linear`, of `logs` and of the per-trial log-likelihood is) by n roundings of its
    // total; the product adds two roundings per factor. Doubled for safety.
    let err: f64 = f64::EPSILON
        * (6.0 * magnitude + n * (linear.abs() + logs.abs() + approx.abs() + pen + 4.0));
    Objective {
        approx,
        err,
        exact: None,
    }
}

/// Gradient and negative Hessian (lower triangle filled) at `beta` from the `terms` that
/// [`objective_at`] left for the same point: each sum adds the same products in the same
/// order as a one-pass evaluation would.
fn derivatives(trials: &[Trial], terms: &[Terms], beta: &Vector, lam: &Vector) -> (Vector, Mat) {
    let mut gradient: Vector = [0.0; P];
    let mut h: Mat = [[0.0; P]; P];
    for (t, &[r, s]) in trials.iter().zip(terms.iter()) {
        if t.weight == 0.0 {
            continue;
        }
        let x: Vector = regressors(t);
        for i in 0..P {
            gradient[i] += r * x[i];
            let sx: f64 = s * x[i];
            for j in 0..=i {
                h[i][j] += sx * x[j];
            }
        }
    }
    for i in 0..P {
        gradient[i] -= lam[i] * beta[i];
        h[i][i] += lam[i];
    }
    (gradient, h)
}

/// Whether a step from the current point to a candidate is accepted: the candidate's
/// objective is at least the current one less a relative 1e-12, decided as on the exact
/// values.
fn accept(
    trials: &[Trial],
    lam: &Vector,
    (beta, cur): (&Vector, &mut Objective),
    (cand, next): (&Vector, &mut Objective),
) -> bool {
    let rule = |c: f64, n: f64| n >= c - 1e-12 * (1.0 + c.abs());
    if let (Some(c), Some(n)) = (cur.exact, next.exact) {
        return rule(c, n);
    }
    let margin: f64 = next.approx - cur.approx + 1e-12 * (1.0 + cur.approx.abs());
    let slack: f64 = 2.0 * (cur.err + next.err) + 1e-12 * cur.err;
    if margin > slack {
        return true;
    }
    if margin < -slack {
        return false;
    }
    let c: f64 = *cur
        .exact
        .get_or_insert_with(|| exact_objective(trials, beta, lam).1);
    let n: f64 = *next
        .exact
        .get_or_insert_with(|| exact_objective(trials, cand, lam).1);
    rule(c, n)
}

/// The convergence rule: a step from `from` to `to` moved no coefficient by more than
/// `tolerance` times (1 + the largest |coefficient| at `to`).
fn settled(from: &Vector, to: &Vector, tolerance: f64) -> bool {
    let moved: f64 = (0..P).map(|j| (to[j] - from[j]).abs()).fold(0.0, f64::max);
    let scale: f64 = 1.0 + to.iter().fold(0.0_f64, |m, b| m.max(b.abs()));
    moved <= tolerance * scale
}

/// The Newton iteration of [`fit_with`]: (beta, negative Hessian at beta when `hessian` is
/// asked for or the iteration did not converge, converged, iterations).
fn newton(
    trials: &[Trial],
    opts: &FitOptions,
    lam: &Vector,
    hessian: bool,
    start: Vector,
) -> (Vector, Option<Mat>, bool, u32) {
    let mut beta: Vector = start;
    let mut terms: Vec<Terms> = Vec::with_capacity(trials.len());
    let mut objective: Objective = objective_at(trials, &beta, lam, &mut terms);
    let (mut gradient, mut neg_hessian) = derivatives(trials, &terms, &beta, lam);
    let mut converged: bool = false;
    let mut iterations: u32 = 0;
    while iterations < opts.max_iterations {
        iterations += 1;
        // The prior makes the negative Hessian positive definite; a failure here means
        // non-finite input.
        let Some(l) = cholesky(&neg_hessian) else {
            break;
        };
        let step: Vector = solve(&l, &gradient);
        // Without a Hessian to return, a full step already within the tolerance ends the
        // iteration without evaluating the objective there: evaluated, it would be accepted
        // (near the optimum a Newton step raises the objective, and the acceptance rule
        // allows a relative 1e-12 of rounding) and end the iteration at the same point.
        // This saves one of the three to five objective passes of a warm-started part fit.
        if !hessian {
            let full: Vector = std::array::from_fn(|j| beta[j] + step[j]);
            if settled(&beta, &full, opts.tolerance) {
                beta = full;
                converged = true;
                break;
            }
        }
        let mut t: f64 = 1.0;
        // The last candidate evaluated is the accepted one: `terms` hold its terms.
        let (cand, cand_objective) = loop {
            let cand: Vector = std::array::from_fn(|j| beta[j] + t * step[j]);
            let mut next: Objective = objective_at(trials, &cand, lam, &mut terms);
            if t < 1e-8 || accept(trials, lam, (&beta, &mut objective), (&cand, &mut next)) {
                break (cand, next);
            }
            t *= 0.5;
        };
        let done: bool = settled(&beta, &cand, opts.tolerance);
        beta = cand;
        objective = cand_objective;
        if done {
            converged = true;
            break;
        }
        (gradient, neg_hessian) = derivatives(trials, &terms, &beta, lam);
    }
    let final_hessian: Option<Mat> = match (converged, hessian) {
        (false, _) => Some(neg_hessian),
        (true, true) => Some(derivatives(trials, &terms, &beta, lam).1),
        (true, false) => None,
    };
    (beta, final_hessian, converged, iterations)
}

/// Fit with the default options (priors normal(0, 1) on slopes, normal(0, 2.5) on the
/// intercept). See the module documentation for the method.
///
/// Trials must satisfy [`Trial::new`]'s checks (finite diffs, label in [0, 1], weight >= 0).
pub fn fit(trials: &[Trial]) -> Fit {
    fit_with(trials, &FitOptions::default())
}

/// Fit with explicit options.
pub fn fit_with(trials: &[Trial], opts: &FitOptions) -> Fit {
    debug_assert!(
        trials
            .iter()
            .all(|t| Trial::new(t.diff, t.p_a, t.weight).is_ok())
    );
    let lam: Vector = prior_precision(opts);
    let (beta, neg_hessian, converged, iterations) = newton(trials, opts, &lam, true, [0.0; P]);
    let var: Vector = match neg_hessian.as_ref().and_then(cholesky) {
        Some(l) => inverse_diagonal(&l),
        None => [f64::NAN; P],
    };
    let (log_lik, objective) = exact_objective(trials, &beta, &lam);
    let slopes: [f64; N_ATTR] = std::array::from_fn(|k| beta[k + 1]);
    Fit {
        intercept: beta[0],
        intercept_se: var[0].sqrt(),
        slopes,
        slope_se: std::array::from_fn(|k| var[k + 1].sqrt()),
        learned: Weights(slopes).rescaled_to_100(),
        converged,
        iterations,
        log_likelihood: log_lik,
        log_posterior: objective,
        n: trials.iter().filter(|t| t.weight > 0.0).count(),
    }
}

/// The point estimate alone (intercept, slopes), as [`fit_with`] computes it, without the
/// standard errors and the final log-likelihood: for callers that fit many resamples.
pub fn fit_point(trials: &[Trial], opts: &FitOptions) -> (f64, [f64; N_ATTR]) {
    let lam: Vector = prior_precision(opts);
    let (beta, _, _, _) = newton(trials, opts, &lam, false, [0.0; P]);
    (beta[0], std::array::from_fn(|k| beta[k + 1]))
}

/// [`fit_point`] with Newton's method started from `start` = (b0, b1..b5) instead of 0: for
/// resamples of a context already fitted, whose optimum is near the full fit's (a few steps
/// instead of about six). The objective is strictly concave, so the optimum is the same; the
/// iterates stop at a slightly different point within the tolerance (differences near 1e-12).
pub fn fit_point_from(
    trials: &[Trial],
    opts: &FitOptions,
    start: [f64; N_ATTR + 1],
) -> (f64, [f64; N_ATTR]) {
    let lam: Vector = prior_precision(opts);
    let start: Vector = if start.iter().all(|x| x.is_finite()) {
        start
    } else {
        [0.0; P]
    };
    let (beta, _, _, _) = newton(trials, opts, &lam, false, start);
    (beta[0], std::array::from_fn(|k| beta[k + 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(diff: [f64; 5], p_a: f64) -> Trial {
        Trial {
            diff,
            p_a,
            weight: 1.0,
        }
    }

    #[test]
    fn no_trials_gives_the_prior() {
        let f: Fit = fit(&[]);
        assert!(f.converged);
        assert_eq!(f.slopes, [0.0; 5]);
        assert_eq!(f.learned, Weights([0.0; 5]));
        assert!((f.intercept_se - 2.5).abs() < 1e-12);
        assert!(f.slope_se.iter().all(|s| (s - 1.0).abs() < 1e-12));
    }

    #[test]
    fn separated_and_same_letter_stay_finite() {
        let mut sep: Vec<Trial> = Vec::new();
        let mut same: Vec<Trial> = Vec::new();
        for i in 0..60 {
            let d: f64 = (i as f64 - 29.5) / 30.0;
            let diff = [d, -d * 0.5, 0.3 * d, 0.0, d * d];
            sep.push(trial(diff, if d > 0.0 { 1.0 } else { 0.0 }));
            same.push(trial(diff, 1.0));
        }
        for f in [fit(&sep), fit(&same)] {
            assert!(f.converged, "{f:?}");
            assert!(f.intercept.is_finite() && f.slopes.iter().all(|b| b.is_finite()));
            assert!(f.slope_se.iter().all(|s| s.is_finite() && *s > 0.0));
        }
        assert!(fit(&same).intercept > 1.0);
        assert!((fit(&sep).learned.0[0] - 100.0).abs() < 1e-9);
    }
}
