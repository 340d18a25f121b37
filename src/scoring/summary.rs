//! Scoring a run: per-context fits and reports, then the three comparisons.
//!
//! # Method
//! For each context:
//! - Trials: each choice with a usable label becomes a [`Trial`] of weight 1 with
//!   d_k = (A_k - B_k) / (max_k - min_k). The label is the soft P(A) when
//!   `use_soft_labels` is on and the observation has one (even if the text answer was
//!   invalid: the log-probabilities still carry the preference), else 1/0 for a parsed A/B.
//!   Choices with neither are left out of the fit.
//! - Learned weights: the MAP fit ([`crate::estimation::fit()`]) rescaled to max |b| = 100.
//! - Reported weights: the mean of the valid reports; invalid reports are counted, never
//!   zeroed. Out-of-range values are kept (and counted).
//!
//! A context enters a comparison only when both sides exist: learned weights need at least
//! one trial, reported weights at least one valid report, target weights a profile.
//! `choice_agreement` is pooled over all parsed choices of contexts with a profile, against
//! the rule "choose the option with the higher U = sum_k w_k (v_k - min_k)/(max_k - min_k)";
//! exact utility ties are left out. `p_answer_a` is the fraction of parsed choices that are A.
//!
//! Output is deterministic: the same inputs and options give byte-identical JSON. Contexts
//! keep their input order, which the resampling depends on.

use super::comparison::{CompareOptions, Comparison, ContextPoints, compare};
use super::input::ContextInput;
use super::missingness::{InfluentialContext, Missingness, influence, missingness};
use super::observer::{ObserverScale, ideal_observer_with};
use super::partial::{PartialCorrelation, Triple, partial_correlation};
use super::stats::pearson;
use super::streams::Stream;
use crate::estimation::{Fit, Trial, TrialError, check_ranges, fit};
use crate::parsing::{ChoiceStatus, ReportStatus};
use crate::types::{Choice, ContextId, N_ATTR, Weights};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use super::context::ContextSummary;
pub use super::options::ScoreOptions;

/// Why a run could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// Two inputs have the same context id.
    #[error("context {0} appears more than once")]
    DuplicateContext(ContextId),
    /// A choice cannot enter the fit.
    #[error("context {context}, choice {index}: {source}")]
    BadChoice {
        /// The context.
        context: ContextId,
        /// The choice's position in the context's input.
        index: usize,
        /// What is wrong with it.
        source: TrialError,
    },
    /// A context's attribute ranges cannot normalise its values.
    #[error("context {context}: {source}")]
    BadRange {
        /// The context.
        context: ContextId,
        /// What is wrong with its ranges.
        source: TrialError,
    },
}

/// The result of [`score`]; serializes to the JSON of `selfinterp score --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The main score: mean reported weights against the weights learned from the choices.
    pub reports_vs_learned: Option<Comparison>,
    /// Learned weights against the instilled profile (instilled runs): did training take.
    pub learned_vs_target: Option<Comparison>,
    /// Reported weights against the instilled profile (instilled runs).
    pub reports_vs_target: Option<Comparison>,
    /// Share of parsed choices of contexts with a profile that pick the option of higher
    /// utility under it (exact ties left out).
    pub choice_agreement: Option<f64>,
    /// Share of reports that did not parse; `None` without reports.
    pub invalid_report_rate: Option<f64>,
    /// Share of parsed choices that are "A" (position bias: 0.5 is none).
    pub p_answer_a: Option<f64>,
    /// Contexts scored.
    pub n_contexts: usize,
    /// Choices asked, parsed or not.
    pub n_choices: usize,
    /// Choices whose text parsed to A or B.
    pub n_choices_valid: usize,
    /// Reports asked, parsed or not.
    pub n_reports: usize,
    /// Reports that parsed.
    pub n_reports_valid: usize,
    /// Valid reports with a value outside -100..100 (kept, not clipped).
    pub n_reports_out_of_range: usize,
    /// Every choice status with its count (zeros included), keyed by snake_case name.
    pub choice_status_counts: BTreeMap<String, usize>,
    /// Every report status with its count (zeros included), keyed by snake_case name.
    pub report_status_counts: BTreeMap<String, usize>,
    /// The settings this summary was computed with.
    pub options: ScoreOptions,
    /// Each context's fit, weights and r, in input order.
    pub contexts: Vec<ContextSummary>,
    /// Measurement quality: reliabilities, noise ceiling, corrected r, fit (see
    /// `super::quality`). Absent from summaries written before it existed.
    #[serde(default)]
    pub quality: Option<super::quality::Quality>,
    /// Reports vs learned weights given the target (`super::partial`); instilled runs.
    #[serde(default)]
    pub partial_reports_learned_given_target: Option<PartialCorrelation>,
    /// Contexts left out, out-of-range treatments (`super::missingness`).
    #[serde(default)]
    pub missingness: Option<Missingness>,
    /// The contexts whose removal moves the main score most (leave-one-context-out).
    #[serde(default)]
    pub influence: Vec<InfluentialContext>,
    /// The ideal-observer scale (`super::observer`): how many choices the reports are worth.
    #[serde(default)]
    pub observer: Option<ObserverScale>,
}

impl Summary {
    /// For a source that dropped its invalid reports before we saw them: the invalid-report
    /// rate is unknown (null, with `reason` under `missingness`), not 0. The rate among the
    /// reports present moves to `missingness.invalid_report_rate_among_present`.
    pub fn unknown_invalid_report_rate(&mut self, reason: &str) {
        let present: Option<f64> = self.invalid_report_rate.take();
        let m: &mut Missingness = self.missingness.get_or_insert_with(Missingness::default);
        m.invalid_report_rate_reason = Some(reason.to_string());
        m.invalid_report_rate_among_present = present;
    }
}

/// Which pair of weight vectors a comparison uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    /// Mean reports against learned weights (the main score).
    ReportsVsLearned,
    /// Learned weights against the instilled profile.
    LearnedVsTarget,
    /// Mean reports against the instilled profile.
    ReportsVsTarget,
}

impl ComparisonKind {
    /// The (x, y) weights of this comparison for one scored context, when both exist.
    pub fn points(self, c: &ContextSummary) -> Option<ContextPoints> {
        let learned: Option<Weights> = c.learned;
        let (x, y) = match self {
            ComparisonKind::ReportsVsLearned => (c.reported?, learned?),
            ComparisonKind::LearnedVsTarget => (learned?, c.target?),
            ComparisonKind::ReportsVsTarget => (c.reported?, c.target?),
        };
        Some(ContextPoints { x: x.0, y: y.0 })
    }
}

/// Utility difference U(A) - U(B) under profile weights `w`.
fn utility_difference(trial_diff: &[f64; N_ATTR], w: &Weights) -> f64 {
    (0..N_ATTR).map(|k| w.0[k] * trial_diff[k]).sum()
}

#[derive(Default)]
struct Counts {
    agree: usize,
    judged: usize,
}

/// What one context adds to the run's totals (added up in input order by [`score`]).
#[derive(Default)]
struct Tally {
    choice_status: BTreeMap<&'static str, usize>,
    report_status: BTreeMap<&'static str, usize>,
    agreement: Counts,
    answers_a: [usize; 2],
    out_of_range: usize,
}

/// One context's summary, its share of the run's totals, and the trials it was fitted on
/// (the quality and observer passes fit parts of the same trials).
type Scored = (ContextSummary, Tally, Vec<Trial>);

fn score_context(c: &ContextInput, opts: &ScoreOptions) -> Result<Scored, ScoreError> {
    let mut tally: Tally = Tally::default();
    check_ranges(&c.ranges).map_err(|source| ScoreError::BadRange {
        context: c.id.clone(),
        source,
    })?;
    let mut trials: Vec<Trial> = Vec::with_capacity(c.choices.len());
    let mut local: Counts = Counts {
        agree: 0,
        judged: 0,
    };
    for (index, obs) in c.choices.iter().enumerate() {
        *tally.choice_status.entry(obs.status.as_str()).or_default() += 1;
        let bad = |source: TrialError| ScoreError::BadChoice {
            context: c.id.clone(),
            index,
            source,
        };
        let hard: Option<f64> = obs.choice.map(|ch| if ch == Choice::A { 1.0 } else { 0.0 });
        let soft: Option<f64> = if opts.use_soft_labels { obs.p_a } else { None };
        let Some(label) = soft.or(hard) else { continue };
        let trial: Trial = Trial::from_pair(&obs.pair, &c.ranges, label, 1.0).map_err(bad)?;
        if let Some(ch) = obs.choice {
            tally.answers_a[usize::from(ch == Choice::A)] += 1;
            if let Some(w) = &c.target {
                let du: f64 = utility_difference(&trial.diff, w);
                if du != 0.0 {
                    local.judged += 1;
                    local.agree += usize::from((ch == Choice::A) == (du > 0.0));
                }
            }
        }
        trials.push(trial);
    }
    let f: Fit = fit(&trials);

    let mut sum: [f64; N_ATTR] = [0.0; N_ATTR];
    let mut n_valid: usize = 0;
    for r in &c.reports {
        *tally.report_status.entry(r.status().as_str()).or_default() += 1;
        if let Some(w) = r.valid_weights() {
            n_valid += 1;
            tally.out_of_range += usize::from(r.out_of_range);
            for (total, v) in sum.iter_mut().zip(w.0) {
                *total += v;
            }
        }
    }
    let reported: Option<Weights> = (n_valid > 0).then(|| Weights(sum.map(|s| s / n_valid as f64)));
    let per_context_r: Option<f64> = match (reported, trials.is_empty()) {
        (Some(rep), false) => pearson(&rep.0, &f.learned.0),
        _ => None,
    };
    let summary = ContextSummary {
        id: c.id.clone(),
        learned: (!trials.is_empty()).then_some(f.learned),
        reported,
        target: c.target,
        n_choices: c.choices.len(),
        n_trials: trials.len(),
        n_reports: c.reports.len(),
        n_reports_valid: n_valid,
        intercept: f.intercept,
        intercept_se: f.intercept_se,
        slopes: f.slopes,
        slope_se: f.slope_se,
        converged: f.converged,
        per_context_r,
        choice_agreement: (local.judged > 0).then(|| local.agree as f64 / local.judged as f64),
    };
    tally.agreement = local;
    Ok((summary, tally, trials))
}

/// Compute one comparison over scored contexts, or `None` if no context has both sides.
pub fn comparison_of(
    contexts: &[ContextSummary],
    kind: ComparisonKind,
    opts: &ScoreOptions,
) -> Option<Comparison> {
    let points: Vec<ContextPoints> = contexts.iter().filter_map(|c| kind.points(c)).collect();
    if points.is_empty() {
        return None;
    }
    let copts = CompareOptions {
        seed: opts.seed,
        stream: Stream::Comparison(kind),
        bootstrap_resamples: opts.bootstrap_resamples,
        null_permutations: opts.null_permutations,
    };
    Some(compare(&points, &copts))
}

/// The three comparisons, the quality block, the partial correlation and the observer
/// scale of scored contexts.
type Figures = (
    (Option<Comparison>, Option<Comparison>),
    (
        Option<Comparison>,
        (
            super::quality::Quality,
            (Option<PartialCorrelation>, Option<ObserverScale>),
        ),
    ),
);

fn figures(
    inputs: &[ContextInput],
    contexts: &[ContextSummary],
    trials: &[Vec<Trial>],
    triples: &[Triple],
    opts: &ScoreOptions,
) -> Figures {
    // The comparisons, the quality block and the partial correlation each draw from their
    // own seeded stream, so they run side by side with the same results on any number of
    // threads.
    let compare_kind = |kind: ComparisonKind| comparison_of(contexts, kind, opts);
    rayon::join(
        || {
            rayon::join(
                || compare_kind(ComparisonKind::ReportsVsLearned),
                || compare_kind(ComparisonKind::LearnedVsTarget),
            )
        },
        || {
            rayon::join(
                || compare_kind(ComparisonKind::ReportsVsTarget),
                || {
                    rayon::join(
                        || super::quality::assess_with(inputs, contexts, trials, opts),
                        || {
                            rayon::join(
                                || {
                                    partial_correlation(
                                        triples,
                                        opts.seed,
                                        opts.bootstrap_resamples,
                                    )
                                },
                                || {
                                    ideal_observer_with(
                                        trials,
                                        contexts,
                                        opts.seed,
                                        opts.bootstrap_resamples,
                                    )
                                },
                            )
                        },
                    )
                },
            )
        },
    )
}

/// Score a run. See the module documentation for the method.
pub fn score(inputs: &[ContextInput], opts: &ScoreOptions) -> Result<Summary, ScoreError> {
    let mut seen: BTreeSet<&ContextId> = BTreeSet::new();
    let mut choice_counts: BTreeMap<String, usize> = ChoiceStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    let mut report_counts: BTreeMap<String, usize> = ReportStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    let mut agreement: Counts = Counts {
        agree: 0,
        judged: 0,
    };
    let mut answers_a: [usize; 2] = [0, 0];
    // Contexts are fitted in parallel; their totals are added in input order, and the first
    // problem in input order is the one reported, as a sequential pass would.
    let scored: Vec<Result<Scored, ScoreError>> =
        inputs.par_iter().map(|c| score_context(c, opts)).collect();
    let mut contexts: Vec<ContextSummary> = Vec::with_capacity(inputs.len());
    let mut trials: Vec<Vec<Trial>> = Vec::with_capacity(inputs.len());
    let mut out_of_range: usize = 0;
    for (c, result) in inputs.iter().zip(scored) {
        if !seen.insert(&c.id) {
            return Err(ScoreError::DuplicateContext(c.id.clone()));
        }
        let (s, tally, context_trials) = result?;
        for (status, n) in tally.choice_status {
            *choice_counts.entry(status.to_string()).or_default() += n;
        }
        for (status, n) in tally.report_status {
            *report_counts.entry(status.to_string()).or_default() += n;
        }
        agreement.agree += tally.agreement.agree;
        agreement.judged += tally.agreement.judged;
        answers_a[0] += tally.answers_a[0];
        answers_a[1] += tally.answers_a[1];
        out_of_range += tally.out_of_range;
        contexts.push(s);
        trials.push(context_trials);
    }
    let n_reports: usize = contexts.iter().map(|c| c.n_reports).sum();
    let n_reports_valid: usize = contexts.iter().map(|c| c.n_reports_valid).sum();
    let n_choices_valid: usize = answers_a[0] + answers_a[1];
    let triples: Vec<Triple> = contexts
        .iter()
        .filter(|c| c.n_trials > 0)
        .filter_map(|c| {
            Some(Triple {
                reported: c.reported?.0,
                learned: c.learned?.0,
                target: c.target?.0,
            })
        })
        .collect();
    let (
        (reports_vs_learned, learned_vs_target),
        (reports_vs_target, (quality, (partial, observer))),
    ) = figures(inputs, &contexts, &trials, &triples, opts);
    Ok(Summary {
        reports_vs_learned,
        learned_vs_target,
        reports_vs_target,
        choice_agreement: (agreement.judged > 0)
            .then(|| agreement.agree as f64 / agreement.judged as f64),
        invalid_report_rate: (n_reports > 0)
            .then(|| (n_reports - n_reports_valid) as f64 / n_reports as f64),
        p_answer_a: (n_choices_valid > 0).then(|| answers_a[1] as f64 / n_choices_valid as f64),
        n_contexts: contexts.len(),
        n_choices: contexts.iter().map(|c| c.n_choices).sum(),
        n_choices_valid,
        n_reports,
        n_reports_valid,
        n_reports_out_of_range: out_of_range,
        choice_status_counts: choice_counts,
        report_status_counts: report_counts,
        options: *opts,
        quality: Some(quality),
        partial_reports_learned_given_target: partial,
        missingness: Some(missingness(inputs, &contexts)),
        influence: influence(&contexts),
        observer,
        contexts,
    })
}
