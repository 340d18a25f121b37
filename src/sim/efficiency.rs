//! Statistical efficiency of label kinds and pair designs, measured on simulated agents.
//!
//! # Method
//! One replicate: `contexts` synthetic native contexts
//! ([`crate::sim::synthetic_contexts`]) and a `partial:<report_mix>` simulated
//! agent over them ([`SimAgent`]; it chooses like `faithful`, with the choice noise tuned to
//! the study's ~82% agreement, and reports a mix of its true weights and unrelated ones, so
//! the main score lands near the study's r ~ 0.5). For every context and every call i the
//! agent's decision variable is eta_i = logit(P_agent(A)) = dU_i / tau and a latent noise
//! e_i ~ standard logistic is drawn from a stream keyed on (seed, context); the label is
//! - `hard`: the letter 1[eta_i + e_i > 0], i.e. a draw from P(A) = logistic(eta_i), the
//!   agent's own letter distribution (what one sampled/greedy letter carries);
//! - `soft_exact`: P(A) = logistic(eta_i), the agent's log-probabilities (best case: the
//!   model's probabilities are exactly the behavioural model's);
//! - `soft_latent`: P(A) = logistic(eta_i + e_i) (worst case consistent with 82% agreement:
//!   all of the letters' inconsistency is pair-specific noise that log-probabilities share,
//!   as with a temperature-0 model whose letter is the argmax).
//!
//! The same e_i, contexts, true weights and reports are used by every arm (common random
//! numbers), so differences between arms are paired. Pairs come from an
//! [`AdaptiveDesign`] with the arm's [`Criterion`] (`random` is the study's design) in
//! batches of `batch`, refitting before each batch. At each checkpoint n (pairs per
//! context) the run so far is scored with [`crate::scoring::score`] (soft labels used when
//! present, `bootstrap_resamples` context resamples):
//! - precision: pooled r between learned and true weights (`learned_vs_target.r`);
//! - the width of the main score's (reports vs learned) context-bootstrap interval.
//!
//! Each figure is the mean over `replicates`; `r_true_se` is its standard error across them.
//! Reports: `reports` valid reports per context, the agent's report centre plus normal
//! noise of sd [`REPORT_NOISE_SD`], as the sim agent does.
//!
//! # Assumptions
//! The agent's choices follow the fitted model exactly (linear-logistic utility), which
//! favours model-based adaptive designs; real models deviate, and the figures measured here
//! are upper bounds on what adaptivity saves. See [`crate::design::adaptive`] for the estimand caveat.

use super::{AgentKind, REPORT_NOISE_SD, SimAgent, synthetic_contexts};
use crate::benchmark::Split;
use crate::benchmark::rng::{Purpose, stream};
use crate::design::{AdaptiveDesign, Criterion, Observation};
use crate::parsing::{ChoiceStatus, ReportStatus};
use crate::probability::{logistic, standard_normal};
use crate::scoring::{ChoiceObs, ContextInput, ReportObs, ScoreOptions, score};
use crate::types::{Choice, Weights};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// What one choice call yields. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelModel {
    /// One letter per call, drawn from the agent's P(A).
    Hard,
    /// The agent's P(A) itself (its log-probabilities; best case).
    SoftExact,
    /// P(A) with the call's latent noise in it (worst case consistent with 82% agreement).
    SoftLatent,
}

impl LabelModel {
    /// The snake_case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelModel::Hard => "hard",
            LabelModel::SoftExact => "soft_exact",
            LabelModel::SoftLatent => "soft_latent",
        }
    }
}

/// One way of spending calls: a label kind and a pair design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arm {
    /// What each call yields.
    pub labels: LabelModel,
    /// How pairs are picked (`Random` is the study's design).
    pub criterion: Criterion,
}

impl Arm {
    /// `labels + design`, e.g. "hard + random", as tables print it.
    pub fn name(&self) -> String {
        let d = match self.criterion {
            Criterion::Random => "random",
            Criterion::DOptimal => "d-optimal",
            Criterion::Boundary => "boundary",
            Criterion::Direction => "direction",
        };
        format!("{} + {d}", self.labels.as_str())
    }
}

/// The simulated study. See the module documentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setup {
    /// Seeds the contexts, the agent and the noise of every replicate.
    pub seed: String,
    /// Synthetic native contexts per replicate.
    pub contexts: usize,
    /// Replicates each figure is the mean of.
    pub replicates: usize,
    /// Share of the true weights in the reports (partial agent), 0.4 gives r ~ 0.5.
    pub report_mix: f64,
    /// Valid reports per context.
    pub reports: usize,
    /// Pairs per design batch (refit between batches).
    pub batch: usize,
    /// Candidates drawn per pair an adaptive design picks.
    pub candidates_per_pick: usize,
    /// Context resamples of each score's bootstrap interval.
    pub bootstrap_resamples: usize,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            seed: "efficiency".into(),
            contexts: 100,
            replicates: 10,
            report_mix: 0.4,
            reports: 10,
            batch: 5,
            candidates_per_pick: 32,
            bootstrap_resamples: 1000,
        }
    }
}

/// Precision of one arm at one number of pairs per context (means over replicates).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Pairs per context at this checkpoint.
    pub pairs: usize,
    /// Pooled r between learned and true weights.
    pub r_true: f64,
    /// Standard error of `r_true` across the replicates.
    pub r_true_se: f64,
    /// Width of the reports-vs-learned context-bootstrap interval.
    pub ci_width: f64,
    /// The main score (reports vs learned r).
    pub score_r: f64,
    /// Share of letters agreeing with the agent's utility rule (its 1eta > 0).
    pub agreement: f64,
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// Precision of `arm` at each checkpoint (pairs per context, ascending, multiples of
/// `setup.batch`). See the module documentation for the method.
pub fn precision_curve(setup: &Setup, arm: Arm, checkpoints: &[usize]) -> Vec<CurvePoint> {
    assert!(
        checkpoints.windows(2).all(|w| w[0] < w[1]),
        "checkpoints must ascend"
    );
    let reps: Vec<Vec<(f64, f64, f64, f64)>> = (0..setup.replicates)
        .map(|rep| replicate(setup, arm, checkpoints, rep))
        .collect();
    (0..checkpoints.len())
        .map(|c| {
            let m = reps.len() as f64;
            let col = |f: fn(&(f64, f64, f64, f64)) -> f64| -> Vec<f64> {
                reps.iter().map(|r| f(&r[c])).collect()
            };
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let r: Vec<f64> = col(|t| t.0);
            let rm = mean(&r);
            let sd = if reps.len() > 1 {
                (r.iter().map(|x| (x - rm).powi(2)).sum::<f64>() / (m - 1.0)).sqrt()
            } else {
                f64::NAN
            };
            CurvePoint {
                pairs: checkpoints[c],
                r_true: rm,
                r_true_se: sd / m.sqrt(),
                ci_width: mean(&col(|t| t.1)),
                score_r: mean(&col(|t| t.2)),
                agreement: mean(&col(|t| t.3)),
            }
        })
        .collect()
}

/// One replicate: (r_true, ci_width, score_r, agreement) per checkpoint.
fn replicate(
    setup: &Setup,
    arm: Arm,
    checkpoints: &[usize],
    rep: usize,
) -> Vec<(f64, f64, f64, f64)> {
    let seed = format!("{}/{rep}", setup.seed);
    let ctxs = synthetic_contexts(&seed, Split::Native, setup.contexts, 0, 0);
    let agent = SimAgent::new(AgentKind::Partial(setup.report_mix), &seed, &ctxs);
    let mut design = AdaptiveDesign::with_criterion(seed.clone(), arm.criterion);
    design.candidates_per_pick = setup.candidates_per_pick;
    let max_n: usize = checkpoints.last().copied().unwrap_or(0);
    // inputs[c][i]: context i's input at checkpoint c.
    let mut inputs: Vec<Vec<ContextInput>> = vec![Vec::new(); checkpoints.len()];
    let (mut agree, mut calls) = (
        vec![0usize; checkpoints.len()],
        vec![0usize; checkpoints.len()],
    );
    for ctx in &ctxs {
        let truth: Weights = agent
            .true_weights(&ctx.id)
            .expect("agent knows its contexts");
        let centre: Weights = agent.report_weights(&ctx.id).expect("known context");
        let mut rrng = stream(&seed, &format!("{}/reports", ctx.id), Purpose::Runtime);
        let reports: Vec<ReportObs> = (0..setup.reports)
            .map(|_| ReportObs {
                status: ReportStatus::Valid,
                weights: Some(Weights(std::array::from_fn(|k| {
                    centre.0[k] + REPORT_NOISE_SD * standard_normal(&mut rrng)
                }))),
                out_of_range: false,
            })
            .collect();
        let mut erng = stream(&seed, &format!("{}/labels", ctx.id), Purpose::Runtime);
        let mut observed: Vec<Observation> = Vec::with_capacity(max_n);
        let mut choices: Vec<ChoiceObs> = Vec::with_capacity(max_n);
        let mut n_agree: usize = 0;
        let mut next_cp: usize = 0;
        while observed.len() < max_n {
            let k = setup.batch.min(max_n - observed.len());
            for pair in design.next_batch(ctx, &observed, k) {
                let eta: f64 = logit(agent.p_a(&ctx.id, &pair).expect("known context"));
                let u: f64 = erng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
                let e: f64 = (u / (1.0 - u)).ln();
                let letter_a: bool = eta + e > 0.0;
                n_agree += usize::from(letter_a == (eta > 0.0));
                let label: f64 = match arm.labels {
                    LabelModel::Hard => f64::from(u8::from(letter_a)),
                    LabelModel::SoftExact => logistic(eta),
                    LabelModel::SoftLatent => logistic(eta + e),
                };
                observed.push(Observation {
                    pair,
                    p_a: Some(label),
                });
                choices.push(ChoiceObs {
                    pair,
                    p_a: (arm.labels != LabelModel::Hard).then_some(label),
                    choice: Some(if letter_a { Choice::A } else { Choice::B }),
                    status: ChoiceStatus::Exact,
                });
            }
            while next_cp < checkpoints.len() && checkpoints[next_cp] <= observed.len() {
                let n = checkpoints[next_cp];
                inputs[next_cp].push(ContextInput {
                    id: ctx.id.clone(),
                    ranges: ctx.ranges(),
                    target: Some(truth),
                    choices: choices[..n].to_vec(),
                    reports: reports.clone(),
                });
                agree[next_cp] += n_agree;
                calls[next_cp] += observed.len();
                next_cp += 1;
            }
        }
    }
    let opts = ScoreOptions {
        seed: 1,
        bootstrap_resamples: setup.bootstrap_resamples,
        null_permutations: 0,
        use_soft_labels: true,
    };
    inputs
        .iter()
        .enumerate()
        .map(|(c, inp)| {
            let s = score(inp, &opts).expect("simulated inputs are valid");
            let lt = s
                .learned_vs_target
                .as_ref()
                .and_then(|c| c.r)
                .unwrap_or(f64::NAN);
            let rl = s.reports_vs_learned.as_ref();
            let width = rl
                .and_then(|c| c.ci_bootstrap)
                .map_or(f64::NAN, |[lo, hi]| hi - lo);
            let sr = rl.and_then(|c| c.r).unwrap_or(f64::NAN);
            (lt, width, sr, agree[c] as f64 / calls[c].max(1) as f64)
        })
        .collect()
}

/// Pairs per context at which a curve first reaches `r_target` (linear interpolation between
/// checkpoints), or `None` if it never does.
pub fn pairs_to_reach(curve: &[CurvePoint], r_target: f64) -> Option<f64> {
    crossing(curve, |p| p.r_true, |v| v >= r_target, r_target)
}

/// Pairs per context at which the score's interval first gets as narrow as `width`.
pub fn pairs_to_width(curve: &[CurvePoint], width: f64) -> Option<f64> {
    crossing(curve, |p| p.ci_width, |v| v <= width, width)
}

fn crossing(
    curve: &[CurvePoint],
    val: impl Fn(&CurvePoint) -> f64,
    ok: impl Fn(f64) -> bool,
    target: f64,
) -> Option<f64> {
    let i = curve.iter().position(|p| ok(val(p)))?;
    if i == 0 {
        return Some(curve[0].pairs as f64);
    }
    let (a, b) = (&curve[i - 1], &curve[i]);
    let (va, vb) = (val(a), val(b));
    let t = if (vb - va).abs() > 0.0 {
        ((target - va) / (vb - va)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Some(a.pairs as f64 + t * (b.pairs - a.pairs) as f64)
}

/// One row of the efficiency table: the calls an arm needs to match the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyRow {
    pub arm: Arm,
    pub name: String,
    pub curve: Vec<CurvePoint>,
    /// Pairs per context reaching the baseline's r with the true weights.
    pub pairs_for_r: Option<f64>,
    /// Pairs per context reaching the baseline's interval width.
    pub pairs_for_width: Option<f64>,
}

/// The baseline (hard labels, random pairs, `baseline_pairs` per context) and every arm's
/// calls to match it. `checkpoints` must include `baseline_pairs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyTable {
    pub setup: Setup,
    pub baseline_pairs: usize,
    pub baseline: CurvePoint,
    pub rows: Vec<EfficiencyRow>,
}

/// Measures every arm. The first arm is expected to be hard + random (the baseline).
pub fn efficiency_table(
    setup: &Setup,
    arms: &[Arm],
    checkpoints: &[usize],
    baseline_pairs: usize,
) -> EfficiencyTable {
    let base_curve = precision_curve(
        setup,
        Arm {
            labels: LabelModel::Hard,
            criterion: Criterion::Random,
        },
        checkpoints,
    );
    let baseline: CurvePoint = *base_curve
        .iter()
        .find(|p| p.pairs == baseline_pairs)
        .expect("checkpoints include the baseline's pairs");
    let rows = arms
        .iter()
        .map(|&arm| {
            let curve = if arm.labels == LabelModel::Hard && arm.criterion == Criterion::Random {
                base_curve.clone()
            } else {
                precision_curve(setup, arm, checkpoints)
            };
            EfficiencyRow {
                arm,
                name: arm.name(),
                pairs_for_r: pairs_to_reach(&curve, baseline.r_true),
                pairs_for_width: pairs_to_width(&curve, baseline.ci_width),
                curve,
            }
        })
        .collect();
    EfficiencyTable {
        setup: setup.clone(),
        baseline_pairs,
        baseline,
        rows,
    }
}

impl EfficiencyTable {
    /// A plain-text table: per arm, the pairs per context (and share of the baseline's
    /// calls) needed to match the baseline, then r_true at every checkpoint.
    pub fn render(&self) -> String {
        let b = &self.baseline;
        let mut s = format!(
            "baseline: hard labels, random pairs, {} pairs/context: r(learned, true) = {:.4} \
             (se {:.4}), score CI width = {:.4}, score r = {:.3}, letter agreement = {:.1}%\n\
             ({} contexts x {} replicates, batch {}, {} candidates per pick)\n\n",
            self.baseline_pairs,
            b.r_true,
            b.r_true_se,
            b.ci_width,
            b.score_r,
            100.0 * b.agreement,
            self.setup.contexts,
            self.setup.replicates,
            self.setup.batch,
            self.setup.candidates_per_pick,
        );
        let fmt = |v: Option<f64>| match v {
            Some(n) => format!("{n:6.1} ({:4.0}%)", 100.0 * n / self.baseline_pairs as f64),
            None => "  >max          ".to_string(),
        };
        s.push_str(&format!(
            "{:<26} {:>16} {:>16}",
            "arm", "pairs for r", "pairs for width"
        ));
        for p in &self.rows[0].curve {
            s.push_str(&format!(" {:>6}", format!("r@{}", p.pairs)));
        }
        s.push('\n');
        for row in &self.rows {
            s.push_str(&format!(
                "{:<26} {:>16} {:>16}",
                row.name,
                fmt(row.pairs_for_r),
                fmt(row.pairs_for_width)
            ));
            for p in &row.curve {
                s.push_str(&format!(" {:>6.3}", p.r_true));
            }
            s.push('\n');
        }
        s
    }
}

/// The arms the efficiency script reports, baseline first.
pub fn standard_arms() -> Vec<Arm> {
    let mut v = Vec::new();
    for labels in [
        LabelModel::Hard,
        LabelModel::SoftLatent,
        LabelModel::SoftExact,
    ] {
        for criterion in [
            Criterion::Random,
            Criterion::DOptimal,
            Criterion::Direction,
            Criterion::Boundary,
        ] {
            v.push(Arm { labels, criterion });
        }
    }
    v
}
