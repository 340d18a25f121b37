//! The Newton fit as it was written before [`super::fit`] learned to decide steps on an
//! approximate objective: one `ln_1p` per trial per evaluation. Kept for tests only, which
//! check that the fast fit gives the same bits on every field.

use super::fit::{Fit, FitOptions};
use super::linalg::{Mat, P, Vector, cholesky, inverse_diagonal, solve};
use super::trial::Trial;
use crate::types::{N_ATTR, Weights};

/// Objective, gradient and negative Hessian (lower triangle filled) at one point.
struct Eval {
    log_lik: f64,
    objective: f64,
    gradient: Vector,
    neg_hessian: Mat,
}

#[inline]
fn softplus(eta: f64) -> f64 {
    eta.max(0.0) + (-eta.abs()).exp().ln_1p()
}

/// Not `crate::probability::logistic` (the same formula): this file is the frozen oracle of
/// the fast fit, so nothing it computes may move when the shared helper does.
#[inline]
fn logistic(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e: f64 = eta.exp();
        e / (1.0 + e)
    }
}

fn prior_precision(opts: &FitOptions) -> Vector {
    let mut lam: Vector = [1.0 / (opts.slope_prior_sd * opts.slope_prior_sd); P];
    lam[0] = 1.0 / (opts.intercept_prior_sd * opts.intercept_prior_sd);
    lam
}

fn evaluate(trials: &[Trial], beta: &Vector, lam: &Vector) -> Eval {
    let mut log_lik: f64 = 0.0;
    let mut gradient: Vector = [0.0; P];
    let mut h: Mat = [[0.0; P]; P];
    for t in trials {
        if t.weight == 0.0 {
            continue;
        }
        let x: Vector = [1.0, t.diff[0], t.diff[1], t.diff[2], t.diff[3], t.diff[4]];
        let eta: f64 = (0..P).map(|j| beta[j] * x[j]).sum();
        let p: f64 = logistic(eta);
        log_lik += t.weight * (t.p_a * eta - softplus(eta));
        let r: f64 = t.weight * (t.p_a - p);
        let s: f64 = t.weight * p * (1.0 - p);
        for i in 0..P {
            gradient[i] += r * x[i];
            let sx: f64 = s * x[i];
            for j in 0..=i {
                h[i][j] += sx * x[j];
            }
        }
    }
    let mut penalty: f64 = 0.0;
    for i in 0..P {
        penalty += 0.5 * lam[i] * beta[i] * beta[i];
        gradient[i] -= lam[i] * beta[i];
        h[i][i] += lam[i];
    }
    Eval {
        log_lik,
        objective: log_lik - penalty,
        gradient,
        neg_hessian: h,
    }
}

/// Fit with explicit options.
pub(crate) fn fit_with(trials: &[Trial], opts: &FitOptions) -> Fit {
    debug_assert!(
        trials
            .iter()
            .all(|t| Trial::new(t.diff, t.p_a, t.weight).is_ok())
    );
    let lam: Vector = prior_precision(opts);
    let mut beta: Vector = [0.0; P];
    let mut ev: Eval = evaluate(trials, &beta, &lam);
    let mut converged: bool = false;
    let mut iterations: u32 = 0;
    while iterations < opts.max_iterations {
        iterations += 1;
        // The prior makes the negative Hessian positive definite; a failure here means
        // non-finite input.
        let Some(l) = cholesky(&ev.neg_hessian) else {
            break;
        };
        let step: Vector = solve(&l, &ev.gradient);
        let mut t: f64 = 1.0;
        let (cand, cand_ev) = loop {
            let cand: Vector = std::array::from_fn(|j| beta[j] + t * step[j]);
            let cand_ev: Eval = evaluate(trials, &cand, &lam);
            let tol_obj: f64 = 1e-12 * (1.0 + ev.objective.abs());
            if cand_ev.objective >= ev.objective - tol_obj || t < 1e-8 {
                break (cand, cand_ev);
            }
            t *= 0.5;
        };
        let moved: f64 = (0..P)
            .map(|j| (cand[j] - beta[j]).abs())
            .fold(0.0, f64::max);
        beta = cand;
        ev = cand_ev;
        let scale: f64 = 1.0 + beta.iter().fold(0.0_f64, |m, b| m.max(b.abs()));
        if moved <= opts.tolerance * scale {
            converged = true;
            break;
        }
    }
    let var: Vector = match cholesky(&ev.neg_hessian) {
        Some(l) => inverse_diagonal(&l),
        None => [f64::NAN; P],
    };
    let slopes: [f64; N_ATTR] = std::array::from_fn(|k| beta[k + 1]);
    Fit {
        intercept: beta[0],
        intercept_se: var[0].sqrt(),
        slopes,
        slope_se: std::array::from_fn(|k| var[k + 1].sqrt()),
        learned: Weights(slopes).rescaled_to_100(),
        converged,
        iterations,
        log_likelihood: ev.log_lik,
        log_posterior: ev.objective,
        n: trials.iter().filter(|t| t.weight > 0.0).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fit::{fit_point, fit_with as fast};
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn bits(f: &Fit) -> Vec<u64> {
        let mut v: Vec<u64> = vec![f.intercept.to_bits(), f.intercept_se.to_bits()];
        v.extend(
            f.slopes
                .iter()
                .chain(&f.slope_se)
                .chain(&f.learned.0)
                .map(|x| x.to_bits()),
        );
        v.extend([f.log_likelihood.to_bits(), f.log_posterior.to_bits()]);
        v.extend([u64::from(f.converged), u64::from(f.iterations), f.n as u64]);
        v
    }

    /// Random contexts of every kind the fit meets: hard and soft labels, weights 0, 1 and
    /// fractional, separated data, one letter only, large n (products of more than 1,000
    /// factors) and weak and strong signals.
    #[test]
    fn fast_fit_gives_the_reference_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(19);
        for case in 0..3000 {
            let n: usize = match case % 10 {
                0 => rng.random_range(0..4),
                9 => rng.random_range(1000..2600),
                _ => rng.random_range(4..200),
            };
            let scale: f64 = [0.0, 0.5, 3.0, 12.0, 60.0][case % 5];
            let w: [f64; 6] = std::array::from_fn(|_| rng.random_range(-scale..=scale));
            let trials: Vec<Trial> = (0..n)
                .map(|_| {
                    let diff: [f64; N_ATTR] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
                    let eta: f64 = w[0] + (0..N_ATTR).map(|k| w[k + 1] * diff[k]).sum::<f64>();
                    let p: f64 = 1.0 / (1.0 + (-eta).exp());
                    let p_a: f64 = match case % 3 {
                        0 => p,
                        1 => f64::from(u8::from(rng.random::<f64>() < p)),
                        _ => f64::from(u8::from(eta > 0.0)),
                    };
                    let weight: f64 = match case % 7 {
                        0 => [0.0, 1.0, 0.25, 2.0][rng.random_range(0..4)],
                        1 => rng.random_range(0.0..3.0),
                        _ => 1.0,
                    };
                    Trial { diff, p_a, weight }
                })
                .collect();
            let opts = FitOptions {
                slope_prior_sd: [1.0, 1.4, 0.3][case % 3],
                ..FitOptions::default()
            };
            let (old, new) = (fit_with(&trials, &opts), fast(&trials, &opts));
            assert_eq!(bits(&old), bits(&new), "case {case}: {old:?} vs {new:?}");
            let (b0, slopes) = fit_point(&trials, &opts);
            assert_eq!(
                (b0.to_bits(), slopes.map(f64::to_bits)),
                (old.intercept.to_bits(), old.slopes.map(f64::to_bits))
            );
        }
    }
}
