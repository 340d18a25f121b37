//! Measurement quality of a scored run: how reliable each measurement is, the noise ceiling
//! of the main score, the score corrected for attenuation, per-context goodness of fit, and
//! a flag for runs whose behaviour was not measured well enough to rank.
//!
//! # Method
//! - Trials follow the scoring rule of [`super::summary`] (soft P(A) when enabled and
//!   present, else the parsed letter).
//! - Behavioural reliability: split-half, [`super::reliability::splits_for`] seeded splits
//!   per context, Spearman-Brown projected ([`super::reliability`]); its interval runs from
//!   the lower 95% expanded percentile context-bootstrap quantile of that value to the upper
//!   one of the length-extrapolated estimate (see [`behaviour_interval`]). Pooled
//!   over the contexts the main score uses (choices and a valid report), since that is the
//!   noise that attenuates it; over every context with choices only when none is scored.
//! - Report reliability: pooled pairwise agreement of single reports, projected to the
//!   harmonic-mean number of valid reports ([`super::reliability`]); interval as above
//!   (the projection uses the observed harmonic mean).
//! - Ceiling and corrected r: [`super::ceiling`].
//! - Fit: [`super::fit_quality`].
//! - `flag`: `insufficient_data` when behavioural reliability is undefined (no context with
//!   [`super::reliability::MIN_TRIALS`] trials, or constant weights);
//!   `unreliable_behaviour` when it is below [`BEHAVIOUR_THRESHOLD`]; `unreliable_reports`
//!   when report reliability is below [`REPORT_THRESHOLD`]; else `ok`. `rankable` is false
//!   for the first two: the learned weights are then mostly noise, so a low score says
//!   nothing about introspection and the run must not be ranked as if it did. Noisy reports
//!   are the model's own failure to report consistently, so they do not block ranking.
//!
//! Why 0.5: at rel_b = 0.5 half of the learned weights' variance is noise, the ceiling is at
//! most 0.71, and the disattenuated score doubles the raw score's relative sampling error
//! compared with rel_b = 1; below it the corrected score is too unstable to be useful.
//!
//! All randomness is seeded from [`ScoreOptions::seed`] on streams separate from the
//! comparisons', so adding this block changes no existing figure.

use super::bootstrap::bootstrap_k;
use super::ceiling::{Ceiling, CeilingParts, ceiling, projected_interval};
use super::comparison::{BootstrapIntervals, bootstrap_intervals};
use super::context::ContextSummary;
use super::fit_quality::{FitOverview, FitQuality, fit_quality, overview};
use super::input::ContextInput;
use super::options::ScoreOptions;
use super::reliability::{
    BehaviourEstimate, BehaviourMoments, ReportAgreement, SplitHalf, pooled_report_reliability,
    report_agreement, split_half, split_orders, splits_for,
};
use super::stats::Moments;
use super::streams::Stream;
use crate::estimation::Trial;
use crate::types::{Choice, ContextId, Weights};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Behavioural reliability below this makes a run unrankable.
/// P(answer A) outside this interval means one letter dominates the choices: they follow
/// the position, not the options, so weights learned from them carry little signal.
pub const LETTER_BOUNDS: (f64, f64) = (0.1, 0.9);

pub const BEHAVIOUR_THRESHOLD: f64 = 0.5;
/// Report reliability below this is flagged (the run stays rankable).
pub const REPORT_THRESHOLD: f64 = 0.5;

/// Pooled split-half reliability of the learned weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BehaviouralReliability {
    /// Reliability of the full-length learned weights: the split-half r, Spearman-Brown
    /// projected (see [`super::reliability`]; runs low).
    pub value: Option<f64>,
    /// Context-bootstrap interval from `value`'s lower to `extrapolated`'s upper 95%
    /// expanded percentile quantile (see [`behaviour_interval`]).
    pub ci: Option<[f64; 2]>,
    /// The pooled split-half r before projection.
    pub split_half_r: Option<f64>,
    /// The pooled r of two quarters' learned weights.
    #[serde(default)]
    pub quarter_r: Option<f64>,
    /// The upper estimate: the halves extrapolated in length with the odds factor per
    /// doubling that the quarters show (see [`super::reliability::extrapolate`]).
    #[serde(default)]
    pub extrapolated: Option<f64>,
    /// That odds factor (Spearman-Brown's is 2).
    #[serde(default)]
    pub doubling_factor: Option<f64>,
    /// Random splits per context.
    pub splits: usize,
    pub n_contexts: usize,
    pub threshold: f64,
}

/// Pooled agreement of single reports and the reliability of their mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportReliability {
    /// Reliability of the mean of `mean_reports` reports.
    pub value: Option<f64>,
    pub ci: Option<[f64; 2]>,
    /// Pooled agreement of two single reports of the same context.
    pub single_report_r: Option<f64>,
    /// Harmonic mean of valid reports per scored context (a context with a single report
    /// counts as 1; the agreement `single_report_r` comes from contexts with two or more).
    pub mean_reports: Option<f64>,
    /// Contexts with two or more valid reports (those whose agreement is measured).
    pub n_contexts: usize,
    /// Scored contexts with a single valid report: no agreement to measure, but their one
    /// report is the score's, so they count in `mean_reports`.
    #[serde(default)]
    pub n_contexts_single_report: usize,
    pub threshold: f64,
}

/// Why a run may or may not be ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityFlag {
    /// Behaviour and reports reliable enough.
    Ok,
    /// Behavioural reliability is undefined: the run cannot be ranked.
    InsufficientData,
    /// Behavioural reliability below `BEHAVIOUR_THRESHOLD`: the run cannot be ranked.
    UnreliableBehaviour,
    /// Report reliability below `REPORT_THRESHOLD` (the run stays rankable).
    UnreliableReports,
}

/// One context's quality figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextQuality {
    pub id: ContextId,
    pub behavioural_reliability: Option<f64>,
    pub split_half_r: Option<f64>,
    pub report_reliability: Option<f64>,
    pub report_single_r: Option<f64>,
    #[serde(flatten)]
    pub fit: FitQuality,
}

/// The `quality` block of the summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Split-half reliability of the learned weights, over contexts.
    pub behavioural_reliability: BehaviouralReliability,
    /// Agreement between a context's reports, over contexts.
    pub report_reliability: ReportReliability,
    /// The noise ceiling of r and the corrected r.
    #[serde(flatten)]
    pub ceiling: Ceiling,
    /// Why the run may or may not be ranked.
    pub flag: QualityFlag,
    /// False when the score must not be ranked (see `flag`).
    pub rankable: bool,
    /// How well the fits predict held-out choices, and which contexts are at chance.
    pub fit: FitOverview,
    /// Each context's figures, in the summary's context order.
    pub contexts: Vec<ContextQuality>,
}

/// The trials the scoring engine fits for one context (same rule as `super::summary`);
/// observations that cannot form a trial are skipped (scoring rejects them first).
pub fn context_trials(c: &ContextInput, use_soft_labels: bool) -> Vec<Trial> {
    c.choices
        .iter()
        .filter_map(|obs| {
            let hard: Option<f64> = obs.choice.map(|ch| if ch == Choice::A { 1.0 } else { 0.0 });
            let soft: Option<f64> = if use_soft_labels { obs.p_a } else { None };
            Trial::from_pair(&obs.pair, &c.ranges, soft.or(hard)?, 1.0).ok()
        })
        .collect()
}

fn flag_of(rel_b: Option<f64>, rel_r: Option<f64>) -> QualityFlag {
    match (rel_b, rel_r) {
        (None, _) => QualityFlag::InsufficientData,
        (Some(b), _) if b < BEHAVIOUR_THRESHOLD => QualityFlag::UnreliableBehaviour,
        (_, Some(r)) if r < REPORT_THRESHOLD => QualityFlag::UnreliableReports,
        _ => QualityFlag::Ok,
    }
}

/// Interval of a pooled r over contexts, projected by Spearman-Brown with `factor`.
fn pooled_interval(
    moments: &[Moments],
    factor: f64,
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> Option<[f64; 2]> {
    let mut total: Moments = Moments::default();
    moments.iter().for_each(|m| total.add(m));
    let r: f64 = total.r()?;
    let b: BootstrapIntervals = bootstrap_intervals(moments, r, resamples, rng);
    projected_interval(&b, factor)
}

/// Interval of the pooled behavioural reliability over resamples of contexts: each resample
/// recomputes the Spearman-Brown estimate and the length-extrapolated one from the drawn
/// contexts' moments; the interval runs from the lower 95% expanded percentile quantile
/// ([`super::bootstrap::expanded_alpha`], as the main score's `ci_bootstrap`) of the first to the upper one of
/// the second. Why: the projection runs low (the truth lay above it in simulation, by up
/// to 0.08 at low signal), the extrapolation corrects part of that and can run high at
/// high signal, so the interval spans the uncertainty of the length model as well as the
/// sampling of contexts.
fn behaviour_interval(
    parts: &[BehaviourMoments],
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> Option<[f64; 2]> {
    let m: usize = parts.len();
    if m < 3 {
        return None;
    }
    let [low, high] = bootstrap_k(rng, m, resamples, |idx: &[usize]| {
        let mut t: BehaviourMoments = BehaviourMoments::default();
        idx.iter().for_each(|&i| t.add(&parts[i]));
        let e = t.estimate();
        [e.map(|e| e.value), e.map(|e| e.extrapolated.max(e.value))]
    });
    Some([low.expanded_ci(0.95, m)?[0], high.expanded_ci(0.95, m)?[1]])
}

/// One context's share of the pooled figures and its own quality figures.
fn context_quality(
    c: &ContextInput,
    s: &ContextSummary,
    trials: &[Trial],
    split: Option<SplitHalf>,
) -> (CeilingParts, ContextQuality) {
    let valid: Vec<Weights> = c.reports.iter().filter_map(|r| r.valid_weights()).collect();
    let agreement: Option<ReportAgreement> = report_agreement(&valid);
    let score: Option<Moments> = match (s.reported, s.learned) {
        (Some(rep), Some(learned)) => Some(Moments::of(&rep.0, &learned.0)),
        _ => None,
    };
    let parts: CeilingParts = CeilingParts {
        score,
        behaviour: split.as_ref().map(BehaviourMoments::of),
        reports: agreement,
        valid_reports: valid.len(),
    };
    let quality: ContextQuality = ContextQuality {
        id: c.id.clone(),
        behavioural_reliability: split.and_then(|x| x.reliability()),
        split_half_r: split.and_then(|x| x.half_r()),
        report_reliability: agreement.and_then(|a| a.reliability()),
        report_single_r: agreement.and_then(|a| a.single_r()),
        fit: fit_quality(s.intercept, &s.slopes, trials, split.as_ref()),
    };
    (parts, quality)
}

/// The quality block for scored contexts. `inputs` and `contexts` are in the same order
/// (as [`super::score`] produces them).
pub fn assess(
    inputs: &[ContextInput],
    contexts: &[ContextSummary],
    opts: &ScoreOptions,
) -> Quality {
    let all_trials: Vec<Vec<Trial>> = inputs
        .par_iter()
        .map(|c| context_trials(c, opts.use_soft_labels))
        .collect();
    assess_with(inputs, contexts, &all_trials, opts)
}

/// [`assess`] given each context's trials ([`context_trials`], in input order), for a
/// caller that already built them to fit the contexts.
pub(crate) fn assess_with(
    inputs: &[ContextInput],
    contexts: &[ContextSummary],
    all_trials: &[Vec<Trial>],
    opts: &ScoreOptions,
) -> Quality {
    // The splits are the costly part: fitted in parallel over contexts, each context from
    // the generator state it reaches in input order, so the figures do not depend on the
    // number of threads.
    let n_splits: usize = splits_for(all_trials.iter().filter(|t| !t.is_empty()).count());
    let mut rng: ChaCha8Rng = Stream::QualitySplits.rng(opts.seed);
    let orders: Vec<Vec<u32>> = all_trials
        .iter()
        .map(|t| split_orders(t.len(), n_splits, &mut rng))
        .collect();
    let splits: Vec<Option<SplitHalf>> = all_trials
        .par_iter()
        .zip(contexts.par_iter())
        .zip(orders.par_iter())
        .map(|((t, s), o)| {
            let full: [f64; 6] =
                std::array::from_fn(|j| if j == 0 { s.intercept } else { s.slopes[j - 1] });
            split_half(t, full, o)
        })
        .collect();
    let (mut parts, per_context): (Vec<CeilingParts>, Vec<ContextQuality>) = inputs
        .iter()
        .zip(contexts)
        .zip(all_trials)
        .zip(splits)
        .map(|(((c, s), trials), split)| context_quality(c, s, trials, split))
        .unzip();
    // Pooled over the contexts the main score uses (those with reports and choices); over
    // every context with choices only when none is scored (e.g. a choices-only pilot).
    if parts.iter().any(|p| p.score.is_some()) {
        for p in &mut parts {
            if p.score.is_none() {
                p.behaviour = None;
            }
        }
    }
    let behaviour_moments: Vec<BehaviourMoments> =
        parts.iter().filter_map(|p| p.behaviour).collect();
    let mut pooled_b: BehaviourMoments = BehaviourMoments::default();
    behaviour_moments.iter().for_each(|m| pooled_b.add(m));
    let estimate_b: Option<BehaviourEstimate> = pooled_b.estimate();
    let rel_b: Option<f64> = estimate_b.map(|e| e.value);
    let resamples: usize = opts.bootstrap_resamples;
    let ci_b: Option<[f64; 2]> = behaviour_interval(
        &behaviour_moments,
        resamples,
        &mut Stream::BehaviourInterval.rng(opts.seed),
    );

    let agreements: Vec<&ReportAgreement> =
        parts.iter().filter_map(|p| p.reports.as_ref()).collect();
    // The score averages every scored context's valid reports, one report included: the
    // reliability is that of means of the harmonic-mean count over those contexts.
    let scored_counts: Vec<usize> = parts
        .iter()
        .filter(|p| p.score.is_some())
        .map(|p| p.valid_reports)
        .collect();
    let single: usize = scored_counts.iter().filter(|&&k| k == 1).count();
    let pooled_r: Option<(f64, f64, f64)> = pooled_report_reliability(&agreements, &scored_counts);
    let report_moments: Vec<Moments> = agreements.iter().map(|a| a.moments).collect();
    let ci_r: Option<[f64; 2]> = pooled_r.and_then(|(_, k, _)| {
        pooled_interval(
            &report_moments,
            k,
            resamples,
            &mut Stream::ReportInterval.rng(opts.seed),
        )
    });
    let rel_r: Option<f64> = pooled_r.map(|(_, _, v)| v);
    let ceiling_block: Ceiling = ceiling(
        &parts,
        resamples,
        &mut Stream::CeilingInterval.rng(opts.seed),
    );
    let flag: QualityFlag = flag_of(rel_b, rel_r);
    let fits: Vec<(ContextId, FitQuality)> = per_context
        .iter()
        .map(|q| (q.id.clone(), q.fit.clone()))
        .collect();
    Quality {
        behavioural_reliability: BehaviouralReliability {
            value: rel_b,
            ci: ci_b,
            split_half_r: pooled_b.half.r(),
            quarter_r: estimate_b.map(|e| e.quarter_r),
            extrapolated: estimate_b.map(|e| e.extrapolated),
            doubling_factor: estimate_b.map(|e| e.doubling_factor),
            splits: n_splits,
            n_contexts: behaviour_moments.len(),
            threshold: BEHAVIOUR_THRESHOLD,
        },
        report_reliability: ReportReliability {
            value: rel_r,
            ci: ci_r,
            single_report_r: pooled_r.map(|(r1, _, _)| r1),
            mean_reports: pooled_r.map(|(_, k, _)| k),
            n_contexts: agreements.len(),
            n_contexts_single_report: single,
            threshold: REPORT_THRESHOLD,
        },
        ceiling: ceiling_block,
        flag,
        rankable: !matches!(
            flag,
            QualityFlag::InsufficientData | QualityFlag::UnreliableBehaviour
        ),
        fit: overview(&fits),
        contexts: per_context,
    }
}
