//! Measurement quality on simulated agents with known noise: reliabilities against the truth
//! of the generating process, the corrected score against the true introspective accuracy,
//! goodness of fit, and the power planner's promise.

use crate::support::{assert_ok, bin, json_of, pearson, score_json};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::estimation::fit;
use selfinterp::parsing::{ChoiceStatus, ReportStatus};
use selfinterp::probability::{logistic, standard_normal};
use selfinterp::scoring::Moments;
use selfinterp::scoring::{ChoiceObs, ContextInput, ReportObs, ScoreOptions, Summary, score};
use selfinterp::scoring::{QualityFlag, assess, context_trials};
use selfinterp::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};

const RANGES: [(f64, f64); N_ATTR] = [
    (0.0, 1.0),
    (10.0, 20.0),
    (0.0, 100.0),
    (-5.0, 5.0),
    (1.0, 2.0),
];

/// c with E[logistic(c |Z|)] = 0.82 for a standard normal Z (numerical integration; the
/// simulated agents' scale, whose value a unit test of `sim` checks the same way): slopes of
/// sd(utility difference) / c agree with the weights about 82% of the time.
const AGREEMENT: f64 = 2.668_432;

/// A simulated agent with known truth: per context, the weights that drive its choices
/// and the centre of its reports (a mix of the truth and an unrelated draw).
pub struct Agent {
    pub truth: Vec<[f64; N_ATTR]>,
    pub report_centre: Vec<[f64; N_ATTR]>,
    /// Multiplies the sim's agreement scale: 1 gives ~82% agreement, 0 answers at random.
    pub signal: f64,
    /// SD of the per-report, per-attribute noise.
    pub report_sd: f64,
}

fn draw_weights(rng: &mut ChaCha8Rng) -> [f64; N_ATTR] {
    let w: [f64; N_ATTR] = std::array::from_fn(|_| rng.random_range(-100.0..100.0));
    Weights(w).rescaled_to_100().0
}

impl Agent {
    /// `mix` is the share of the truth in the report centre (1 = faithful).
    pub fn new(contexts: usize, mix: f64, signal: f64, report_sd: f64, seed: u64) -> Agent {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let truth: Vec<[f64; N_ATTR]> = (0..contexts).map(|_| draw_weights(&mut rng)).collect();
        let report_centre = truth
            .iter()
            .map(|t| {
                let u = draw_weights(&mut rng);
                Weights(std::array::from_fn(|k| mix * t[k] + (1.0 - mix) * u[k]))
                    .rescaled_to_100()
                    .0
            })
            .collect();
        Agent {
            truth,
            report_centre,
            signal,
            report_sd,
        }
    }

    /// The logistic slopes (on range-normalised differences) of a context with true weights `w`.
    pub fn slopes(&self, w: &[f64; N_ATTR]) -> [f64; N_ATTR] {
        let sd: f64 = (w.iter().map(|x| x * x).sum::<f64>() / 6.0).sqrt();
        w.map(|x| x * self.signal * AGREEMENT / sd)
    }

    fn p_a(&self, c: usize, pair: &Pair) -> f64 {
        let b = self.slopes(&self.truth[c]);
        let eta: f64 = (0..N_ATTR)
            .map(|k| b[k] * (pair.a.0[k] - pair.b.0[k]) / (RANGES[k].1 - RANGES[k].0))
            .sum();
        logistic(eta)
    }

    /// A fresh run: `pairs` choices (hard letters, or soft P(A) too) and `reports` reports
    /// per context.
    pub fn run(&self, pairs: usize, reports: usize, soft: bool, seed: u64) -> Vec<ContextInput> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..self.truth.len())
            .map(|c| {
                let choices = (0..pairs)
                    .map(|_| {
                        let v = |rng: &mut ChaCha8Rng| {
                            Values(std::array::from_fn(|k| {
                                rng.random_range(RANGES[k].0..RANGES[k].1)
                            }))
                        };
                        let pair = Pair {
                            a: v(&mut rng),
                            b: v(&mut rng),
                        };
                        let p: f64 = self.p_a(c, &pair);
                        let a: bool = rng.random::<f64>() < p;
                        ChoiceObs {
                            pair,
                            p_a: soft.then_some(p),
                            choice: Some(if a { Choice::A } else { Choice::B }),
                            status: ChoiceStatus::Exact,
                        }
                    })
                    .collect();
                let reports = (0..reports)
                    .map(|_| ReportObs {
                        status: ReportStatus::Valid,
                        weights: Some(Weights(std::array::from_fn(|k| {
                            self.report_centre[c][k] + self.report_sd * standard_normal(&mut rng)
                        }))),
                        out_of_range: false,
                    })
                    .collect();
                ContextInput {
                    id: ContextId(format!("c{c:03}")),
                    ranges: RANGES,
                    target: None,
                    choices,
                    reports,
                }
            })
            .collect()
    }

    /// Pooled variance of the report centres over (context, attribute) points.
    fn centre_variance(&self) -> f64 {
        let all: Vec<f64> = self.report_centre.iter().flatten().copied().collect();
        let m: f64 = all.iter().sum::<f64>() / all.len() as f64;
        all.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / all.len() as f64
    }

    /// True reliability of a single report and of the mean of k (from the generating process).
    pub fn true_report_reliability(&self, k: usize) -> (f64, f64) {
        let v: f64 = self.centre_variance();
        let s2: f64 = self.report_sd * self.report_sd;
        (v / (v + s2), v / (v + s2 / k as f64))
    }

    /// True introspective accuracy: pooled r between report centres and the true weights.
    pub fn true_accuracy(&self) -> f64 {
        let x: Vec<f64> = self.report_centre.iter().flatten().copied().collect();
        let y: Vec<f64> = self.truth.iter().flatten().copied().collect();
        pearson(&x, &y)
    }
}

fn learned(inputs: &[ContextInput], soft: bool) -> Vec<[f64; N_ATTR]> {
    inputs
        .iter()
        .map(|c| fit(&context_trials(c, soft)).learned.0)
        .collect()
}

fn pooled_r(a: &[[f64; N_ATTR]], b: &[[f64; N_ATTR]]) -> f64 {
    let mut m = Moments::default();
    for (x, y) in a.iter().zip(b) {
        m.add(&Moments::of(x, y));
    }
    m.r().unwrap()
}

/// Test-retest reliability of the learned weights: pooled r between the weights of two
/// independent runs of the same agent, averaged over `reps` pairs of runs.
pub(crate) fn true_behavioural_reliability(
    agent: &Agent,
    pairs: usize,
    soft: bool,
    reps: u64,
) -> f64 {
    (0..reps)
        .map(|i| {
            let a = learned(&agent.run(pairs, 0, soft, 1000 + 2 * i), soft);
            let b = learned(&agent.run(pairs, 0, soft, 1001 + 2 * i), soft);
            pooled_r(&a, &b)
        })
        .sum::<f64>()
        / reps as f64
}

fn opts() -> ScoreOptions {
    ScoreOptions {
        seed: 7,
        bootstrap_resamples: 500,
        null_permutations: 50,
        use_soft_labels: true,
    }
}

fn quality_of(
    inputs: &[ContextInput],
    o: &ScoreOptions,
) -> (Summary, selfinterp::scoring::Quality) {
    let s: Summary = score(inputs, o).unwrap();
    let q = assess(inputs, &s.contexts, o);
    (s, q)
}

/// Split-half (Spearman-Brown) reliability against test-retest reliability of the same
/// agent, at several noise levels, hard and soft labels. Measured (seeded): with letters the
/// estimate runs 0.00-0.05 below the truth (most at low signal: the max |b| rescaling), with
/// soft labels 0.01 below (0.03 before the half fits' prior was matched to the full fit's).
#[test]
fn behavioural_reliability_matches_test_retest_truth() {
    let cases: [(f64, usize, bool); 6] = [
        (1.0, 50, false),
        (0.5, 50, false),
        (1.0, 20, false),
        (0.25, 100, false),
        (0.15, 100, false),
        (0.3, 30, true),
    ];
    for (signal, pairs, soft) in cases {
        let agent = Agent::new(60, 1.0, signal, 10.0, 11);
        let truth: f64 = true_behavioural_reliability(&agent, pairs, soft, 6);
        let est: Vec<f64> = (0..4)
            .map(|i| {
                let mut o = opts();
                o.use_soft_labels = soft;
                let (_, q) = quality_of(&agent.run(pairs, 3, soft, 50 + i), &o);
                q.behavioural_reliability.value.unwrap()
            })
            .collect();
        let mean: f64 = est.iter().sum::<f64>() / est.len() as f64;
        eprintln!(
            "signal {signal} pairs {pairs} soft {soft}: test-retest {truth:.3}, split-half SB {mean:.3} ({est:.3?})"
        );
        assert!(
            (mean - truth).abs() < 0.06,
            "signal {signal} pairs {pairs}: {mean} vs {truth}"
        );
    }
}

/// Report reliability against the analytic truth var(centre) / (var(centre) + sd^2 / k).
#[test]
fn report_reliability_matches_the_generating_noise() {
    for (sd, k) in [(10.0, 10), (40.0, 3), (60.0, 5), (80.0, 2)] {
        let agent = Agent::new(80, 0.5, 1.0, sd, 21);
        let (t1, tk) = agent.true_report_reliability(k);
        let (_, q) = quality_of(&agent.run(10, k, false, 3), &opts());
        let r = &q.report_reliability;
        let (e1, ek) = (r.single_report_r.unwrap(), r.value.unwrap());
        let ci = r.ci.unwrap();
        eprintln!(
            "report sd {sd} k {k}: single {e1:.3} (truth {t1:.3}), mean of k {ek:.3} (truth {tk:.3}) ci {ci:.3?}"
        );
        assert!(
            (e1 - t1).abs() < 0.05 && (ek - tk).abs() < 0.05,
            "sd {sd} k {k}"
        );
        assert!(ci[0] <= ek && ek <= ci[1]);
        assert!((r.mean_reports.unwrap() - k as f64).abs() < 1e-9);
    }
}

/// With noisy behaviour and noisy reports the raw score is attenuated; the corrected score
/// recovers the agent's true introspective accuracy.
#[test]
fn corrected_score_recovers_true_accuracy() {
    for (mix, signal, pairs, sd, k) in [
        (1.0, 0.5, 30, 60.0, 3),
        (0.6, 1.0, 20, 50.0, 2),
        (0.8, 0.4, 50, 40.0, 5),
    ] {
        let agent = Agent::new(100, mix, signal, sd, 31);
        let truth: f64 = agent.true_accuracy();
        let (mut raw, mut corrected, mut covered) = (0.0, 0.0, 0);
        let reps: u64 = 4;
        for i in 0..reps {
            let (s, q) = quality_of(&agent.run(pairs, k, false, 70 + i), &opts());
            let c = q.ceiling.corrected_r.unwrap();
            let ci = q.ceiling.corrected_r_ci.unwrap();
            raw += s.reports_vs_learned.as_ref().unwrap().r.unwrap() / reps as f64;
            corrected += c / reps as f64;
            covered += usize::from(ci[0] <= truth && truth <= ci[1]);
            assert!(q.ceiling.noise_ceiling.unwrap() < 0.95);
        }
        eprintln!(
            "mix {mix} signal {signal} pairs {pairs} sd {sd} k {k}: truth {truth:.3}, raw {raw:.3}, corrected {corrected:.3}, truth covered {covered}/{reps}"
        );
        assert!(raw < truth - 0.1, "raw not attenuated");
        assert!(
            (corrected - truth).abs() < 0.06,
            "corrected {corrected} vs {truth}"
        );
        assert!(covered >= 3);
    }
}

/// A run whose choices ignore the options is flagged and not rankable; its contexts are
/// visible as at chance. A well measured run is ok.
#[test]
fn random_behaviour_is_flagged_and_contexts_at_chance_are_listed() {
    let random = Agent::new(40, 1.0, 0.0, 10.0, 41);
    let (_, q) = quality_of(&random.run(50, 3, false, 1), &opts());
    eprintln!(
        "random: rel_b {:?}, fit {:?}",
        q.behavioural_reliability.value,
        (
            q.fit.n_at_chance,
            q.fit.mean_mcfadden_r2,
            q.fit.mean_heldout_r2
        )
    );
    assert_eq!(q.flag, QualityFlag::UnreliableBehaviour);
    assert!(!q.rankable);
    assert!(q.fit.n_at_chance >= 30, "{}", q.fit.n_at_chance);
    let good = Agent::new(40, 1.0, 1.0, 10.0, 42);
    let (_, q) = quality_of(&good.run(100, 3, false, 1), &opts());
    eprintln!(
        "good: rel_b {:?}, fit {:?}",
        q.behavioural_reliability.value,
        (
            q.fit.n_at_chance,
            q.fit.mean_mcfadden_r2,
            q.fit.mean_heldout_r2,
            q.fit.mean_accuracy
        )
    );
    assert_eq!(q.flag, QualityFlag::Ok);
    assert!(q.rankable && q.fit.n_at_chance == 0);
    let c = &q.contexts[0].fit;
    assert!(c.mcfadden_r2.unwrap() > 0.2 && c.accuracy.unwrap() > c.accuracy_letter.unwrap());
    // Deterministic and serialisable.
    let again = quality_of(&good.run(100, 3, false, 1), &opts()).1;
    assert_eq!(
        serde_json::to_string(&q).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

/// Mean width of the score's 95% context-bootstrap interval over `reps` runs of `contexts`
/// fresh contexts each, from the agent population (mix, signal, report sd); run i's agent
/// has seed `base + i`, its answers `base + 100 + i`.
fn achieved_width(
    contexts: usize,
    (mix, signal, sd): (f64, f64, f64),
    pairs: usize,
    reports: usize,
    soft: bool,
    reps: u64,
    base: u64,
) -> f64 {
    (0..reps)
        .map(|i| {
            let inputs = Agent::new(contexts, mix, signal, sd, base + i).run(
                pairs,
                reports,
                soft,
                base + 100 + i,
            );
            let so = ScoreOptions {
                seed: i,
                bootstrap_resamples: 1000,
                null_permutations: 10,
                use_soft_labels: true,
            };
            let [lo, hi] = score(&inputs, &so)
                .unwrap()
                .reports_vs_learned
                .unwrap()
                .ci_bootstrap
                .unwrap();
            (hi - lo) / reps as f64
        })
        .sum()
}

/// Plans from a small pilot (`pilot_contexts` contexts x 30 pairs x 3 reports) of an agent, then runs the
/// planned design 12 times on fresh contexts of the same agent population (seeds from
/// `achieved_seed`): (promised width, mean interval width `score` reported).
#[allow(clippy::too_many_arguments)]
fn promise_and_achievement(
    mix: f64,
    signal: f64,
    sd: f64,
    soft: bool,
    target: f64,
    seed: u64,
    pilot_contexts: usize,
    achieved_seed: u64,
) -> (f64, [f64; 2], f64) {
    use selfinterp::planner::{PlanOptions, plan_from_pilot};
    let pilot_agent = Agent::new(pilot_contexts, mix, signal, sd, seed);
    let o = PlanOptions {
        pairs: vec![20, 50],
        reports: 3,
        replicates: 16,
        ..PlanOptions::default()
    };
    let pl = plan_from_pilot(&pilot_agent.run(30, 3, soft, 5), &opts(), target, &o, 20).unwrap();
    let model = &pl.model;
    let best = pl.recommended.expect("a design reaches the target");
    let range = pl.recommended_range.expect("the promise has a range");
    let d = best.design;
    let achieved: f64 = achieved_width(
        d.contexts,
        (mix, signal, sd),
        d.pairs,
        d.reports,
        soft,
        12,
        achieved_seed,
    );
    eprintln!(
        "agent mix {mix} signal {signal} report sd {sd} soft {soft}: slope scale {:.2}, pilot true r {:.3} (truth {:.3}), \
         planned {} contexts x {} pairs: promised {:.3} {range:.3?}, achieved {achieved:.3} (target {target})",
        model.slope_scale,
        model.true_r,
        pilot_agent.true_accuracy(),
        d.contexts,
        d.pairs,
        best.width
    );
    (best.width, range, achieved)
}

/// The planner's promise holds within 10% for a partially faithful agent at the study's
/// agreement level (measured: promised 0.101, achieved 0.106).
#[test]
fn planned_design_achieves_the_promised_width() {
    let (promised, _, achieved) = promise_and_achievement(0.6, 1.0, 20.0, false, 0.1, 51, 30, 600);
    assert!(
        (achieved - promised).abs() <= 0.1 * promised,
        "promised {promised} achieved {achieved}"
    );
}

/// The planner over 48 pilots per pilot size (4 agents x 12 pilots of 30 or 60 contexts x 30
/// pairs x 3 reports), each plan run 12 times on its own seeds, so the pilots are
/// independent replicates. Measured, promised / achieved width (median, range):
/// - 30-context pilots: partly faithful 0.94 (0.85-1.09), faithful agent with noisy choices
///   0.92 (0.80-1.17), weak introspector 0.93 (0.84-1.13), soft labels 0.91 (0.83-1.08);
///   27 of 48 within 10%; the achieved width inside the promise's 80% range in 28 of 48;
/// - 60-context pilots: 0.95 (0.79-1.08), 0.88 (0.75-1.02), 0.96 (0.90-1.10), 0.99
///   (0.74-1.14); 33 of 48 within 10%; inside the range in 31 of 48.
///
/// So the promise is optimistic by 5-10% in the median and its 80% range holds the achieved
/// width about 60% of the time. (Until this measurement every pilot of an agent was compared
/// with the same 12 achieved runs, one Monte Carlo draw per agent: 24 pilots gave 17 and 22
/// of 24 within 10% with the old Box-Muller draws, 14 and 20 with the new ones.) Given the
/// true model instead of a pilot the simulator is within 3% (test above), so the spread is
/// the pilot's. Asserted: every agent's median within 15% at both sizes, and at least 22
/// (30-context pilots) and 28 (60-context pilots) of 48 promises within 10%.
/// Slow (about eight minutes on a loaded two-core machine); run with `--ignored`.
#[test]
#[ignore]
fn planner_promises_over_many_pilots() {
    let cases: [(f64, f64, f64, bool, f64); 4] = [
        (0.6, 1.0, 20.0, false, 0.1),
        (1.0, 0.5, 40.0, false, 0.1),
        (0.3, 1.0, 30.0, false, 0.15),
        (0.6, 0.3, 20.0, true, 0.1),
    ];
    let mut failures: Vec<String> = Vec::new();
    for (pilot_contexts, min_within) in [(30, 22), (60, 28)] {
        let (mut within, mut inside, mut total) = (0, 0, 0);
        for (mix, signal, sd, soft, target) in cases {
            let mut ratios: Vec<f64> = Vec::new();
            for seed in 0..12u64 {
                let (p, r, a) = promise_and_achievement(
                    mix,
                    signal,
                    sd,
                    soft,
                    target,
                    300 + seed,
                    pilot_contexts,
                    // Each pilot's own achieved runs: the pilots are independent replicates.
                    10_000 + 1_000 * seed,
                );
                ratios.push(p / a);
                within += usize::from((p / a - 1.0).abs() <= 0.1);
                inside += usize::from(r[0] <= a && a <= r[1]);
                total += 1;
            }
            ratios.sort_by(f64::total_cmp);
            let median: f64 = 0.5 * (ratios[5] + ratios[6]);
            eprintln!(
                "{pilot_contexts}-context pilots, agent mix {mix} signal {signal} soft {soft}: \
                 promised/achieved {ratios:.3?}"
            );
            if (median - 1.0).abs() > 0.15 {
                failures.push(format!(
                    "{pilot_contexts}-context pilots, mix {mix} signal {signal}: {ratios:.3?}"
                ));
            }
        }
        eprintln!(
            "{pilot_contexts}-context pilots: within 10%: {within}/{total}; \
             achieved inside the 80% range: {inside}/{total}"
        );
        if within < min_within {
            failures.push(format!(
                "{pilot_contexts}-context pilots: {within} within 10%"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// `plan` end to end on a simulated pilot bundle: a recommended design with its cost, a
/// promise inside its 80% range, the target met; a bad target is a usage error (exit 2).
#[test]
fn plan_command_sizes_a_run_from_a_pilot_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let pilot = dir.path().join("pilot");
    let root = env!("CARGO_MANIFEST_DIR");
    let run = bin()
        .args([
            "--root",
            root,
            "run",
            "--provider",
            "sim",
            "--model",
            "partial",
        ])
        .args([
            "--experiment",
            "native",
            "--contexts",
            "30",
            "--trials",
            "30",
        ])
        .args(["--reports", "3", "--no-cache", "--out"])
        .arg(&pilot)
        .output()
        .unwrap();
    assert_ok(&run);
    let plan = |extra: &[&str]| {
        bin()
            .args(["--root", root, "plan", "--pilot"])
            .arg(&pilot)
            .args([
                "--pairs",
                "20,50",
                "--replicates",
                "4",
                "--promise-resamples",
                "6",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let v: serde_json::Value = json_of(&plan(&["--target-width", "0.2", "--json"]));
    let rec = &v["plan"]["recommended"];
    let width: f64 = rec["width"].as_f64().unwrap();
    assert!(width <= 0.2 * 1.02, "{rec}");
    let d = &rec["design"];
    let calls = d["contexts"].as_u64().unwrap()
        * (d["pairs"].as_u64().unwrap() * d["orders"].as_u64().unwrap()
            + d["reports"].as_u64().unwrap());
    assert_eq!(rec["calls"].as_u64().unwrap(), calls);
    assert_eq!(
        d["reports"].as_u64().unwrap(),
        3,
        "the pilot's reports by default"
    );
    let range = v["plan"]["recommended_range"].as_array().unwrap();
    let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
    assert!(lo < hi && lo > 0.0, "{range:?}");
    assert!(v["recommended_tokens"].as_f64().unwrap() > 0.0);
    let human = plan(&["--target-width", "0.2"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("recommended:") && text.contains("80% range"),
        "{text}"
    );
    let bad = plan(&["--target-width", "3"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("target width") && err.lines().count() == 1,
        "{err}"
    );
}

/// The planner's simulator itself, given the true model of an agent (its slopes and report
/// centres, no pilot), predicts the interval width real runs of that agent show (measured:
/// within 1-3% over 128 simulated and 48 achieved runs); so the planner's errors come from
/// estimating the model from a small pilot. Both sides are Monte Carlo means: 96 simulated
/// and 36 achieved runs put the ratio's standard error near 2%, well inside the 6% allowed
/// (with 32 and 12 it was near 4%, and a change of the normal draws alone moved case one
/// from inside to 7% off).
#[test]
fn simulator_with_the_true_model_predicts_the_achieved_width() {
    use selfinterp::planner::{Design, PilotContext, PilotModel, PlanOptions, predict};
    for (mix, signal, sd, soft, m) in [
        (1.0, 0.5, 40.0, false, 120usize),
        (0.6, 1.0, 20.0, false, 50),
        (0.6, 0.3, 20.0, true, 22),
    ] {
        let agent = Agent::new(400, mix, signal, sd, 999);
        let contexts: Vec<PilotContext> = agent
            .truth
            .iter()
            .zip(&agent.report_centre)
            .map(|(w, c)| PilotContext {
                intercept: 0.0,
                slopes: agent.slopes(w),
                report_centre: *c,
            })
            .collect();
        let model = PilotModel {
            contexts,
            report_sd: sd,
            report_valid_rate: 1.0,
            choice_usable_rate: 1.0,
            soft_logit_sd: soft.then_some(0.0),
            slope_shrinkage: 1.0,
            slope_scale: 1.0,
            true_r: agent.true_accuracy(),
            pilot_pairs_per_context: 0.0,
            pilot_reports_per_context: 0.0,
        };
        let d = Design {
            contexts: m,
            pairs: 20,
            orders: 1,
            reports: 3,
        };
        let o = PlanOptions {
            replicates: 96,
            ..PlanOptions::default()
        };
        let (predicted, _) = predict(&model, &d, &o).unwrap();
        let achieved: f64 = achieved_width(m, (mix, signal, sd), d.pairs, d.reports, soft, 36, 600);
        eprintln!(
            "mix {mix} signal {signal} soft {soft}, {m} contexts: predicted {predicted:.3}, achieved {achieved:.3}"
        );
        assert!(
            (predicted / achieved - 1.0).abs() < 0.06,
            "predicted {predicted} achieved {achieved}"
        );
    }
}

/// A corrected r beyond 1 is no correlation: `score`, the reports and the leaderboard's detail
/// page print it within [-1, 1] and say so, and the JSON keeps the raw value. The stored
/// faithful quick run's is 1.032 [0.996, 1.049]; it was printed so beside r.
#[test]
fn a_corrected_r_beyond_1_is_printed_at_the_ceiling_and_kept_raw_in_json() {
    let run: &str = "results/sim-faithful-native-quick";
    let v: serde_json::Value = score_json(bin(), &[run]);
    let raw: f64 = v["quality"]["corrected_r"].as_f64().unwrap();
    let hi: f64 = v["quality"]["corrected_r_ci"][1].as_f64().unwrap();
    assert!(raw > 1.0 && hi > 1.0, "{}", v["quality"]);
    let (raw3, hi3) = (format!("{raw:.3}"), format!("{hi:.3}"));
    let text = |args: &[&str]| -> String {
        let o = bin().args(args).output().unwrap();
        assert_ok(&o);
        String::from_utf8(o.stdout).unwrap()
    };
    let detail: String =
        std::fs::read_to_string("results/details/sim-faithful-native-quick.md").unwrap();
    for out in [
        text(&["score", run]),
        text(&["report", run, "--format", "md"]),
        text(&["report", run, "--format", "html"]),
        detail,
    ] {
        let lines: Vec<&str> = out.lines().filter(|l| l.contains("orrected")).collect();
        assert!(!lines.is_empty(), "{out}");
        for l in &lines {
            assert!(!l.contains(&raw3) && !l.contains(&hi3), "{l}");
        }
        assert!(
            lines.iter().any(|l| l.contains("1.000 at the ceiling")
                || l.contains("1.000 (at the ceiling)")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains(", 1.000] clamped to [-1, 1]")
                    || l.contains(", 1.000] (clamped to [-1, 1])")),
            "{lines:?}"
        );
        // One phrase, no parentheses inside parentheses: it read "1.000 (at the ceiling)
        // (95% CI [0.996, 1.000] (clamped to [-1, 1]))".
        for l in &lines {
            assert!(
                !l.contains(") (95% CI") && !l.contains("(clamped to [-1, 1]))"),
                "{l}"
            );
        }
    }
}
