//! Simulating a run of a design from the pilot model, and the interval width it gives.

use super::{Design, PilotContext, PilotModel, eta};
use crate::estimation::{Trial, fit};
use crate::probability::{logistic, standard_normal};
use crate::scoring::comparison::bootstrap_intervals;
use crate::scoring::stats::Moments;
use crate::types::N_ATTR;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One simulated answer of a context to a pair with differences `diff`.
pub(super) fn simulated_trial(
    c: &PilotContext,
    scale: f64,
    soft_logit_sd: Option<f64>,
    diff: [f64; N_ATTR],
    rng: &mut ChaCha8Rng,
) -> Trial {
    let e: f64 = c.intercept + scale * (eta(0.0, &c.slopes, &diff));
    let p_a: f64 = match soft_logit_sd {
        Some(sd) => logistic(e + sd * standard_normal(rng)),
        None => f64::from(u8::from(rng.random::<f64>() < logistic(e))),
    };
    Trial {
        diff,
        p_a,
        weight: 1.0,
    }
}

/// Simulates one context of a design: (learned weights, mean valid report) when both exist.
fn simulate_context(
    model: &PilotModel,
    c: &PilotContext,
    d: &Design,
    rng: &mut ChaCha8Rng,
) -> Option<([f64; N_ATTR], [f64; N_ATTR])> {
    let mut trials: Vec<Trial> = Vec::with_capacity(d.pairs * d.orders);
    for _ in 0..d.pairs {
        let diff: [f64; N_ATTR] =
            std::array::from_fn(|_| rng.random::<f64>() - rng.random::<f64>());
        for o in 0..d.orders {
            if rng.random::<f64>() >= model.choice_usable_rate {
                continue;
            }
            let sign: f64 = if o % 2 == 0 { 1.0 } else { -1.0 };
            let dd: [f64; N_ATTR] = diff.map(|x| sign * x);
            trials.push(simulated_trial(c, 1.0, model.soft_logit_sd, dd, rng));
        }
    }
    let mut sum: [f64; N_ATTR] = [0.0; N_ATTR];
    let mut n_valid: usize = 0;
    for _ in 0..d.reports {
        if rng.random::<f64>() >= model.report_valid_rate {
            continue;
        }
        n_valid += 1;
        for k in 0..N_ATTR {
            sum[k] += c.report_centre[k] + model.report_sd * standard_normal(rng);
        }
    }
    if trials.is_empty() || n_valid == 0 {
        return None;
    }
    Some((fit(&trials).learned.0, sum.map(|s| s / n_valid as f64)))
}

/// Width of the 95% context-bootstrap interval of one simulated run, `None` if undefined.
pub fn simulated_width(
    model: &PilotModel,
    d: &Design,
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> Option<f64> {
    let m: usize = model.contexts.len();
    let mut moments: Vec<Moments> = Vec::with_capacity(d.contexts);
    let mut total: Moments = Moments::default();
    for _ in 0..d.contexts {
        let c: &PilotContext = &model.contexts[rng.random_range(0..m)];
        if let Some((learned, reported)) = simulate_context(model, c, d, rng) {
            let mm: Moments = Moments::of(&reported, &learned);
            total.add(&mm);
            moments.push(mm);
        }
    }
    let r: f64 = total.r()?;
    let b = bootstrap_intervals(&moments, r, resamples, rng);
    let [lo, hi] = b.expanded.or(b.percentile)?;
    Some(hi - lo)
}
