//! Fitting the pilot model: deconvolved per-context truths and noise levels from a pilot run.

use super::simulate::simulated_trial;
use super::{PilotContext, PilotModel, PlanError, eta};
use crate::estimation::{Fit, FitOptions, Trial, fit, fit_with};
use crate::scoring::input::ContextInput;
use crate::scoring::quality::{Quality, assess, context_trials};
use crate::scoring::streams::Stream;
use crate::scoring::summary::{ScoreOptions, Summary, score};
use crate::types::{N_ATTR, Weights};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Prior sd of the slopes when fitting the pilot's truth: weak, so the slopes are nearly
/// unbiased (the scoring prior normal(0, 1) shrinks strong preferences a lot); their
/// estimation variance is then removed by the shrinkage factor of [`pilot_model`].
pub const PILOT_SLOPE_PRIOR_SD: f64 = 10.0;

/// Random splits per pilot context for the slopes' noise variance.
const NOISE_SPLITS: usize = 10;

/// One pilot context before deconvolution.
struct Raw {
    intercept: f64,
    slopes: [f64; N_ATTR],
    slope_se: [f64; N_ATTR],
    centre: [f64; N_ATTR],
    k: usize,
    /// The context's usable trials (its design, re-used by the slope calibration).
    diffs: Vec<[f64; N_ATTR]>,
}

/// Mean and (population) variance of pooled values.
fn mean_var(v: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n: f64 = v.clone().count().max(1) as f64;
    let m: f64 = v.clone().sum::<f64>() / n;
    (m, v.map(|x| (x - m) * (x - m)).sum::<f64>() / n)
}

/// Per-context factors that give each context's slope vector a deconvolved norm, keeping its
/// direction. Method (empirical Bayes on squared norms): t_c = |b_c|^2 - sum_k se_ck^2 is
/// unbiased for the true squared norm under normal noise, with noise variance
/// 4 sum_k b_ck^2 se_ck^2 + 2 sum_k se_ck^4; the t_c are shrunk towards their mean by
/// lambda = 1 - mean noise variance / var(t), clamped to [0, 1] and at 0 from below. Only the
/// contexts' relative norms matter: the overall magnitude is set by [`calibrate_scale`].
/// `pooled_se2` replaces every squared standard error (soft labels). Returns the factors and
/// lambda.
fn norm_shrinkage(raws: &[Raw], pooled_se2: Option<f64>) -> (Vec<f64>, f64) {
    let se2 = |r: &Raw| -> [f64; N_ATTR] {
        pooled_se2.map_or_else(|| r.slope_se.map(|s| s * s), |v| [v; N_ATTR])
    };
    let t: Vec<f64> = raws
        .iter()
        .map(|r| {
            let e: [f64; N_ATTR] = se2(r);
            (0..N_ATTR).map(|k| r.slopes[k] * r.slopes[k] - e[k]).sum()
        })
        .collect();
    let noise: f64 = raws
        .iter()
        .map(|r| {
            let e: [f64; N_ATTR] = se2(r);
            (0..N_ATTR)
                .map(|k| 4.0 * r.slopes[k] * r.slopes[k] * e[k] + 2.0 * e[k] * e[k])
                .sum::<f64>()
        })
        .sum::<f64>()
        / raws.len().max(1) as f64;
    let (mu, var) = mean_var(t.iter().copied());
    // Noise alone (mean squared norm not above what the standard errors explain): every
    // context gets the same norm and the calibration decides how much signal is left.
    let (mu, lambda): (f64, f64) = if mu <= 0.0 {
        (1.0, 0.0)
    } else if var > 0.0 {
        (mu, (1.0 - noise / var).clamp(0.0, 1.0))
    } else {
        (mu, 0.0)
    };
    let factors: Vec<f64> = raws
        .iter()
        .zip(&t)
        .map(|(r, &tc)| {
            let norm: f64 = r.slopes.iter().map(|b| b * b).sum::<f64>().sqrt();
            let target: f64 = (mu + lambda * (tc - mu)).max(0.0).sqrt();
            if norm > 0.0 { target / norm } else { 0.0 }
        })
        .collect();
    (factors, lambda)
}

/// The squared logit residuals of a context's soft labels around its fit, and their number.
fn soft_residuals(c: &ContextInput, f: &Fit) -> (f64, usize) {
    let (mut ss, mut n) = (0.0_f64, 0_usize);
    for obs in &c.choices {
        let Some(p) = obs.p_a else { continue };
        let Ok(t) = Trial::from_pair(&obs.pair, &c.ranges, p, 1.0) else {
            continue;
        };
        let p: f64 = p.clamp(1e-4, 1.0 - 1e-4);
        let resid: f64 = (p / (1.0 - p)).ln() - eta(f.intercept, &f.slopes, &t.diff);
        ss += resid * resid;
        n += 1;
    }
    (ss, n)
}

/// The full-length slope noise of a context from [`NOISE_SPLITS`] random halves: the sum of
/// squared half differences / 4 and the number of slopes it covers.
fn split_noise(
    trials: &[Trial],
    weak: &FitOptions,
    rng: &mut ChaCha8Rng,
    idx: &mut Vec<usize>,
) -> (f64, f64) {
    let (mut ss, mut n) = (0.0_f64, 0.0_f64);
    for _ in 0..NOISE_SPLITS {
        idx.clear();
        idx.extend(0..trials.len());
        idx.shuffle(rng);
        let h: usize = trials.len() / 2;
        if h < 2 {
            break;
        }
        let a: Vec<Trial> = idx[..h].iter().map(|&i| trials[i]).collect();
        let b: Vec<Trial> = idx[h..2 * h].iter().map(|&i| trials[i]).collect();
        let (fa, fb) = (fit_with(&a, weak), fit_with(&b, weak));
        // Var(half a - half b) = 2 * (2 * full-length noise variance).
        ss += (0..N_ATTR)
            .map(|k| (fa.slopes[k] - fb.slopes[k]).powi(2) / 4.0)
            .sum::<f64>();
        n += N_ATTR as f64;
    }
    (ss, n)
}

/// The pilot contexts: each context's fit with its slopes normalised by `norm_factors`, and
/// a report centre correlated `true_r` with its learned weights (the reports' true spread:
/// their observed spread less the noise of the mean of k reports of sd `report_sd`).
fn pilot_contexts(
    raws: &[Raw],
    norm_factors: &[f64],
    report_sd: f64,
    true_r: f64,
) -> (Vec<PilotContext>, f64) {
    let learned: Vec<[f64; N_ATTR]> = raws
        .iter()
        .map(|r| Weights(r.slopes).rescaled_to_100().0)
        .collect();
    let (mb, vb) = mean_var(learned.iter().flatten().copied());
    let (mm, vm) = mean_var(raws.iter().flat_map(|r| r.centre));
    let inv_k: f64 = raws.iter().map(|r| 1.0 / r.k as f64).sum::<f64>() / raws.len() as f64;
    let sd_t: f64 = (vm - report_sd * report_sd * inv_k).max(0.01 * vm).sqrt();
    let cov: f64 = raws
        .iter()
        .zip(&learned)
        .flat_map(|(r, l)| (0..N_ATTR).map(move |k| (r.centre[k] - mm) * (l[k] - mb)))
        .sum::<f64>()
        / (raws.len() * N_ATTR) as f64;
    let beta: f64 = if vb > 0.0 { cov / vb } else { 0.0 };
    let resid: Vec<[f64; N_ATTR]> = raws
        .iter()
        .zip(&learned)
        .map(|(r, l)| std::array::from_fn(|k| r.centre[k] - mm - beta * (l[k] - mb)))
        .collect();
    let (_, vu) = mean_var(resid.iter().flatten().copied());
    let rho: f64 = if vb > 0.0 {
        true_r.clamp(-0.999, 0.999)
    } else {
        0.0
    };
    let zb = |x: f64| if vb > 0.0 { (x - mb) / vb.sqrt() } else { 0.0 };
    let zu = |x: f64| if vu > 0.0 { x / vu.sqrt() } else { 0.0 };
    let contexts: Vec<PilotContext> = raws
        .iter()
        .zip(&learned)
        .zip(&resid)
        .enumerate()
        .map(|(i, ((r, l), u))| PilotContext {
            intercept: r.intercept,
            slopes: r.slopes.map(|b| b * norm_factors[i]),
            report_centre: std::array::from_fn(|k| {
                mm + sd_t * (rho * zb(l[k]) + (1.0 - rho * rho).sqrt() * zu(u[k]))
            }),
        })
        .collect();
    (contexts, rho)
}

/// Fits the pilot model from scoring-engine inputs (`use_soft_labels` as in scoring), with
/// `true_r` the pilot's estimate of the noise-free correlation between learned and
/// reported weights (its disattenuated score; see `super::ceiling`).
///
/// Deconvolution, so that the pilot's own noise is not counted twice:
/// - slopes are fitted with a weak prior ([`PILOT_SLOPE_PRIOR_SD`]); each context keeps its
///   direction and its norm is deconvolved by empirical Bayes on squared norms
///   (`norm_shrinkage`; `slope_shrinkage` records its factor), so that noise does not
///   make some contexts look far stronger or weaker than they are (an earlier version shrank
///   each context by its own standard errors, which sent poorly measured contexts to zero
///   and made plans for faithful noisy agents 16-45% conservative). The noise variance is
///   the squared Laplace standard error with letters; with soft labels (where those
///   standard errors, computed as for Bernoulli trials, are far too large) it is pooled, as
///   mean((half a - half b)^2) / 4 over random half splits (with letters, small halves
///   nearly separate and make that estimate explode);
/// - report centres are rebuilt on the pooled (context, attribute) points as
///   mean + true_r * sd_T * z(B) + sqrt(1 - true_r^2) * sd_T * z(U), with B the noise-free
///   learned weights of the shrunk slopes, U the residual of the pilot's mean reports
///   regressed on B, z() standardisation, and sd_T^2 = var(mean reports) - report_sd^2 *
///   mean(1/k) the variance of the true report centres. The simulated truth then
///   correlates at `true_r`, with the pilot's spread of reports.
/// - finally the slopes' magnitude is calibrated by indirect inference (see
///   `calibrate_scale`), recorded as `slope_scale`.
pub fn pilot_model(
    inputs: &[ContextInput],
    use_soft_labels: bool,
    true_r: f64,
) -> Result<PilotModel, PlanError> {
    let weak: FitOptions = FitOptions {
        slope_prior_sd: PILOT_SLOPE_PRIOR_SD,
        ..FitOptions::default()
    };
    let mut raws: Vec<Raw> = Vec::new();
    let mut rng: ChaCha8Rng = Stream::PilotFit.rng(0);
    let mut idx: Vec<usize> = Vec::new();
    let (mut noise_ss, mut noise_n) = (0.0_f64, 0.0_f64);
    let (mut ss, mut df) = (0.0_f64, 0.0_f64);
    let (mut reports, mut valid) = (0usize, 0usize);
    let (mut choices, mut usable) = (0usize, 0usize);
    let (mut soft_ss, mut soft_n) = (0.0_f64, 0usize);
    let mut observed_ms: f64 = 0.0;
    for c in inputs {
        let trials: Vec<Trial> = context_trials(c, use_soft_labels);
        choices += c.choices.len();
        usable += trials.len();
        reports += c.reports.len();
        let reps: Vec<Weights> = c.reports.iter().filter_map(|r| r.valid_weights()).collect();
        valid += reps.len();
        if reps.is_empty() || trials.is_empty() {
            continue;
        }
        let centre: [f64; N_ATTR] =
            std::array::from_fn(|k| reps.iter().map(|w| w.0[k]).sum::<f64>() / reps.len() as f64);
        for w in &reps {
            ss += (0..N_ATTR)
                .map(|k| (w.0[k] - centre[k]).powi(2))
                .sum::<f64>();
        }
        df += ((reps.len() - 1) * N_ATTR) as f64;
        let f: Fit = fit_with(&trials, &weak);
        if use_soft_labels {
            let (rss, n) = soft_residuals(c, &f);
            (soft_ss, soft_n) = (soft_ss + rss, soft_n + n);
            let (nss, nn) = split_noise(&trials, &weak, &mut rng, &mut idx);
            (noise_ss, noise_n) = (noise_ss + nss, noise_n + nn);
        }
        observed_ms += fit(&trials).slopes.iter().map(|b| b * b).sum::<f64>();
        raws.push(Raw {
            intercept: f.intercept,
            slopes: f.slopes,
            slope_se: f.slope_se,
            centre,
            k: reps.len(),
            diffs: trials.iter().map(|t| t.diff).collect(),
        });
    }
    if raws.is_empty() {
        return Err(PlanError::NoUsableContext);
    }
    let report_sd: f64 = if df > 0.0 { (ss / df).sqrt() } else { 0.0 };
    let pooled_se2: Option<f64> = (soft_n > 0).then(|| noise_ss / noise_n.max(1.0));
    let (norm_factors, lambda) = norm_shrinkage(&raws, pooled_se2);
    let (mut contexts, rho) = pilot_contexts(&raws, &norm_factors, report_sd, true_r);
    let soft_logit_sd: Option<f64> = (soft_n > 0).then(|| (soft_ss / soft_n as f64).sqrt());
    let observed_ms: f64 = observed_ms / (raws.len() * N_ATTR) as f64;
    let designs: Vec<&[[f64; N_ATTR]]> = raws.iter().map(|r| r.diffs.as_slice()).collect();
    let slope_scale: f64 = calibrate_scale(&contexts, &designs, soft_logit_sd, observed_ms);
    for c in &mut contexts {
        c.slopes = c.slopes.map(|b| b * slope_scale);
    }
    // Per context that was asked (an imported pilot may list contexts it never asked).
    let with_choices: f64 = inputs
        .iter()
        .filter(|c| !c.choices.is_empty())
        .count()
        .max(1) as f64;
    let with_reports: f64 = inputs
        .iter()
        .filter(|c| !c.reports.is_empty())
        .count()
        .max(1) as f64;
    Ok(PilotModel {
        contexts,
        report_sd,
        report_valid_rate: valid as f64 / reports.max(1) as f64,
        choice_usable_rate: usable as f64 / choices.max(1) as f64,
        soft_logit_sd,
        slope_shrinkage: lambda,
        slope_scale,
        true_r: rho,
        pilot_pairs_per_context: choices as f64 / with_choices,
        pilot_reports_per_context: reports as f64 / with_reports,
    })
}

/// The pilot model of a pilot run: scores it, takes its disattenuated score as the true
/// correlation (the raw score when the ceiling is undefined, e.g. one report per context,
/// which makes the plan conservative), and fits [`pilot_model`].
pub fn fit_pilot(inputs: &[ContextInput], opts: &ScoreOptions) -> Result<PilotModel, PlanError> {
    let s: Summary = score(inputs, opts).map_err(|e| PlanError::Score(e.to_string()))?;
    let q: Quality = assess(inputs, &s.contexts, opts);
    let raw: Option<f64> = s.reports_vs_learned.as_ref().and_then(|c| c.r);
    let true_r: f64 = q
        .ceiling
        .corrected_r
        .or(raw)
        .ok_or(PlanError::NoUsableContext)?;
    pilot_model(inputs, opts.use_soft_labels, true_r)
}

/// Simulated pilots per evaluation of the slope calibration, and its bisection steps.
const CALIBRATION_REPLICATES: usize = 8;
const CALIBRATION_STEPS: usize = 24;

/// Indirect inference for the slopes' magnitude. The shrinkage of [`pilot_model`] is a
/// normal approximation that can miss in either direction (letters on few trials: the
/// weak-prior MLE is inflated and its Laplace standard errors are poor). So a common factor
/// s is chosen such that re-running the pilot's own design (each context's usable trial
/// differences, labels simulated from s times its shrunk slopes) and fitting it with the
/// scoring fit gives, on average over simulated pilots, the mean squared slope the real
/// pilot's scoring fits gave. The simulated statistic rises with s; bisection on log s in
/// [1e-3, 16] with common random numbers keeps it monotone. Returns 1 when there is nothing
/// to calibrate.
fn calibrate_scale(
    contexts: &[PilotContext],
    designs: &[&[[f64; N_ATTR]]],
    soft_logit_sd: Option<f64>,
    observed_ms: f64,
) -> f64 {
    let simulated_ms = |s: f64| -> f64 {
        let mut rng: ChaCha8Rng = Stream::PilotCalibration.rng(0);
        let mut total: f64 = 0.0;
        for _ in 0..CALIBRATION_REPLICATES {
            for (c, diffs) in contexts.iter().zip(designs) {
                let trials: Vec<Trial> = diffs
                    .iter()
                    .map(|&d| simulated_trial(c, s, soft_logit_sd, d, &mut rng))
                    .collect();
                total += fit(&trials).slopes.iter().map(|b| b * b).sum::<f64>();
            }
        }
        total / (CALIBRATION_REPLICATES * contexts.len() * N_ATTR) as f64
    };
    if observed_ms.is_nan()
        || observed_ms <= 0.0
        || contexts.iter().all(|c| c.slopes.iter().all(|&b| b == 0.0))
    {
        return 1.0;
    }
    let (mut lo, mut hi) = (1e-3_f64.ln(), 16.0_f64.ln());
    if simulated_ms(lo.exp()) >= observed_ms {
        return lo.exp();
    }
    if simulated_ms(hi.exp()) <= observed_ms {
        return hi.exp();
    }
    for _ in 0..CALIBRATION_STEPS {
        let mid: f64 = 0.5 * (lo + hi);
        if simulated_ms(mid.exp()) < observed_ms {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}
