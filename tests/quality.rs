//! Measurement quality on simulated agents with known noise: reliabilities against the truth
//! of the generating process, the corrected score against the true introspective accuracy,
//! goodness of fit, and the power planner's promise.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::estimation::fit;
use selfinterp::parsing::{ChoiceStatus, ReportStatus};
use selfinterp::providers::sim::AGREEMENT_SCALE;
use selfinterp::scoring::quality::{QualityFlag, assess, context_trials};
use selfinterp::scoring::stats::{Moments, pearson};
use selfinterp::scoring::{ChoiceObs, ContextInput, ReportObs, ScoreOptions, Summary, score};
use selfinterp::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};

const RANGES: [(f64, f64); N_ATTR] = [(0.0, 1.0), (10.0, 20.0), (0.0, 100.0), (-5.0, 5.0), (1.0, 2.0)];

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

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
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
                Weights(std::array::from_fn(|k| mix * t[k] + (1.0 - mix) * u[k])).rescaled_to_100().0
            })
            .collect();
        Agent { truth, report_centre, signal, report_sd }
    }

    fn p_a(&self, c: usize, pair: &Pair) -> f64 {
        let w = &self.truth[c];
        let sd: f64 = (w.iter().map(|x| x * x).sum::<f64>() / 6.0).sqrt();
        let du: f64 = (0..N_ATTR)
            .map(|k| w[k] * (pair.a.0[k] - pair.b.0[k]) / (RANGES[k].1 - RANGES[k].0))
            .sum();
        1.0 / (1.0 + (-du * self.signal * AGREEMENT_SCALE / sd).exp())
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
                            Values(std::array::from_fn(|k| rng.random_range(RANGES[k].0..RANGES[k].1)))
                        };
                        let pair = Pair { a: v(&mut rng), b: v(&mut rng) };
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
                            self.report_centre[c][k] + self.report_sd * normal(&mut rng)
                        }))),
                        out_of_range: false,
                    })
                    .collect();
                ContextInput { id: ContextId(format!("c{c:03}")), ranges: RANGES, target: None, choices, reports }
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
        pearson(&x, &y).unwrap()
    }
}

fn learned(inputs: &[ContextInput], soft: bool) -> Vec<[f64; N_ATTR]> {
    inputs.iter().map(|c| fit(&context_trials(c, soft)).learned.0).collect()
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
fn true_behavioural_reliability(agent: &Agent, pairs: usize, soft: bool, reps: u64) -> f64 {
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
    ScoreOptions { seed: 7, bootstrap_resamples: 500, null_permutations: 50, use_soft_labels: true }
}

fn quality_of(inputs: &[ContextInput], o: &ScoreOptions) -> (Summary, selfinterp::scoring::quality::Quality) {
    let s: Summary = score(inputs, o).unwrap();
    let q = assess(inputs, &s.contexts, o);
    (s, q)
}

#[test]
fn behavioural_reliability_matches_test_retest_truth() {
    for (signal, pairs) in [(1.0, 50), (0.5, 50), (1.0, 20), (0.25, 100)] {
        let agent = Agent::new(60, 1.0, signal, 10.0, 11);
        let truth: f64 = true_behavioural_reliability(&agent, pairs, false, 6);
        let est: Vec<f64> = (0..4)
            .map(|i| {
                let (_, q) = quality_of(&agent.run(pairs, 3, false, 50 + i), &opts());
                q.behavioural_reliability.value.unwrap()
            })
            .collect();
        let mean: f64 = est.iter().sum::<f64>() / est.len() as f64;
        eprintln!("signal {signal} pairs {pairs}: test-retest {truth:.3}, split-half SB {mean:.3} ({est:.3?})");
    }
}
