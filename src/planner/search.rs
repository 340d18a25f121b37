//! Searching for the cheapest design whose predicted width meets a target, and how far the
//! promise can be off because the pilot is small.

use super::pilot::fit_pilot;
use super::simulate::simulated_width;
use super::{Design, PilotModel, PlanError};
use crate::scoring::input::ContextInput;
use crate::scoring::stats::quantile_sorted;
use crate::scoring::streams::Stream;
use crate::scoring::summary::ScoreOptions;
use crate::types::ContextId;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Settings of [`plan`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Seeds the simulated runs.
    pub seed: u64,
    /// Candidate numbers of pairs per context.
    pub pairs: Vec<usize>,
    /// Presentation orders per pair (1 or 2).
    pub orders: usize,
    /// Reports per context.
    pub reports: usize,
    /// Simulated runs per predicted width.
    pub replicates: usize,
    /// Bootstrap resamples per simulated run.
    pub resamples: usize,
    /// Most rescalings of the number of contexts towards the target per candidate.
    pub max_iterations: usize,
    /// Fewest contexts a plan may use (default 30): with fewer, the context bootstrap rests
    /// on too few units, and the planner was measured optimistic there (designs at a
    /// 20-context floor achieved 10-25% wider intervals than promised).
    pub min_contexts: usize,
    /// Most contexts a plan may use (the benchmark split's size).
    pub max_contexts: usize,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            seed: 0,
            pairs: vec![10, 20, 30, 50, 75, 100, 150, 200],
            orders: 1,
            reports: 10,
            replicates: 24,
            resamples: 400,
            max_iterations: 5,
            min_contexts: 30,
            max_contexts: 5000,
        }
    }
}

/// The predicted width of one design.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The design predicted.
    pub design: Design,
    /// Mean width over the simulated runs.
    pub width: f64,
    /// SD of the width across simulated runs (how much one real run may differ).
    pub width_sd: f64,
    /// Model calls the design makes.
    pub calls: usize,
    /// The target width is met (false when `max_contexts` was not enough).
    pub feasible: bool,
}

/// Mean and SD of the width over `replicates` simulated runs of `d`.
pub fn predict(model: &PilotModel, d: &Design, o: &PlanOptions) -> Option<(f64, f64)> {
    let stream: Stream = Stream::PlanDesign {
        contexts: d.contexts,
        pairs: d.pairs,
        orders: d.orders,
    };
    let mut rng: ChaCha8Rng = stream.rng(o.seed);
    let ws: Vec<f64> = (0..o.replicates)
        .filter_map(|_| simulated_width(model, d, o.resamples, &mut rng))
        .collect();
    if ws.is_empty() {
        return None;
    }
    let mean: f64 = ws.iter().sum::<f64>() / ws.len() as f64;
    let var: f64 =
        ws.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (ws.len().max(2) - 1) as f64;
    Some((mean, var.sqrt()))
}

/// The result of [`plan`]: every candidate and the cheapest feasible one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The width asked for.
    pub target_width: f64,
    /// One prediction per candidate number of pairs.
    pub candidates: Vec<Prediction>,
    /// The feasible candidate with the fewest calls; `None` when none is feasible.
    pub recommended: Option<Prediction>,
    /// 80% range of the recommended design's width over pilot resamples
    /// ([`promise_range`]); `None` when not computed.
    pub recommended_range: Option<[f64; 2]>,
    /// The fitted pilot the predictions come from.
    pub model: PilotModel,
}

/// Contexts needed for `pairs` pairs per context, by the 1/sqrt(m) law, re-simulated.
fn contexts_for(
    model: &PilotModel,
    pairs: usize,
    target: f64,
    o: &PlanOptions,
) -> Option<Prediction> {
    let mut d = Design {
        contexts: model
            .contexts
            .len()
            .clamp(o.min_contexts.max(10), o.max_contexts),
        pairs,
        orders: o.orders,
        reports: o.reports,
    };
    let at = |d: Design, (w, sd): (f64, f64)| Prediction {
        design: d,
        width: w,
        width_sd: sd,
        calls: d.calls(),
        feasible: w <= target * 1.02,
    };
    let mut p: Prediction = at(d, predict(model, &d, o)?);
    // The simulated widths are noisy, so the search can oscillate around the target: keep
    // the smallest design that met it.
    let mut best: Option<Prediction> = p.feasible.then_some(p);
    for _ in 0..o.max_iterations {
        let next: usize = ((d.contexts as f64) * (p.width / target).powi(2)).ceil() as usize;
        let next: usize = next.clamp(o.min_contexts, o.max_contexts);
        if next == d.contexts {
            break;
        }
        d.contexts = next;
        p = at(d, predict(model, &d, o)?);
        if p.feasible && best.is_none_or(|b| p.design.contexts < b.design.contexts) {
            best = Some(p);
        }
    }
    Some(best.unwrap_or(p))
}

/// Plans a run with a context-bootstrap interval of width `target` (see the module docs).
pub fn plan(model: &PilotModel, target: f64, o: &PlanOptions) -> Result<Plan, PlanError> {
    if !(target > 0.0 && target <= 2.0) {
        return Err(PlanError::BadTarget(target));
    }
    let candidates: Vec<Prediction> = o
        .pairs
        .iter()
        .filter_map(|&n| contexts_for(model, n, target, o))
        .collect();
    let recommended: Option<Prediction> = candidates
        .iter()
        .filter(|p| p.feasible)
        .min_by_key(|p| p.calls)
        .copied();
    Ok(Plan {
        target_width: target,
        candidates,
        recommended,
        recommended_range: None,
        model: model.clone(),
    })
}

/// Pilot resamples behind a promise's range (see [`promise_range`]).
pub const DEFAULT_PROMISE_RESAMPLES: usize = 20;

/// Scoring settings for refitting resampled pilots: only point estimates are used, so the
/// intervals and null baselines are kept small.
fn resample_scoring(opts: &ScoreOptions) -> ScoreOptions {
    ScoreOptions {
        bootstrap_resamples: 50,
        null_permutations: 10,
        ..*opts
    }
}

/// How far a promise can be off because the pilot is small. Method: a context bootstrap of
/// the pilot: `resamples` times its contexts are drawn with replacement (as many as it
/// has), the pilot model is refitted to the resample exactly as [`fit_pilot`] fits the
/// pilot, and the width of design `d` is predicted again; the 10th and 90th percentiles
/// (linear interpolation) of those widths are an 80% range for the width a real run of `d`
/// will show. It measures the pilot's sampling error, which dominates the promise's error
/// (measured on simulated agents: the achieved width fell inside this range in 28 of 48
/// plans with 30-context pilots and 31 of 48 with 60, short of 80%); it does not measure
/// model misspecification.
/// `None` with fewer than 5 refits that gave a width.
pub fn promise_range(
    inputs: &[ContextInput],
    opts: &ScoreOptions,
    d: &Design,
    o: &PlanOptions,
    resamples: usize,
) -> Option<[f64; 2]> {
    let mut rng: ChaCha8Rng = Stream::PlanPromise.rng(o.seed);
    let scoring: ScoreOptions = resample_scoring(opts);
    let mut widths: Vec<f64> = (0..resamples)
        .filter_map(|_| {
            let sample: Vec<ContextInput> = (0..inputs.len())
                .map(|j| {
                    let mut c: ContextInput = inputs[rng.random_range(0..inputs.len())].clone();
                    c.id = ContextId(format!("{}#{j}", c.id.0));
                    c
                })
                .collect();
            let m: PilotModel = fit_pilot(&sample, &scoring).ok()?;
            predict(&m, d, o).map(|(w, _)| w)
        })
        .collect();
    if widths.len() < 5 {
        return None;
    }
    widths.sort_by(f64::total_cmp);
    Some([
        quantile_sorted(&widths, 0.1)?,
        quantile_sorted(&widths, 0.9)?,
    ])
}

/// Fits the pilot model ([`fit_pilot`]), plans ([`plan`]) and, unless `promise_resamples`
/// is 0, gives the recommended design's promise its range ([`promise_range`]).
pub fn plan_from_pilot(
    inputs: &[ContextInput],
    opts: &ScoreOptions,
    target: f64,
    o: &PlanOptions,
    promise_resamples: usize,
) -> Result<Plan, PlanError> {
    let model: PilotModel = fit_pilot(inputs, opts)?;
    let mut p: Plan = plan(&model, target, o)?;
    if promise_resamples > 0
        && let Some(r) = &p.recommended
    {
        p.recommended_range = promise_range(inputs, opts, &r.design, o, promise_resamples);
    }
    Ok(p)
}
