//! The ideal-observer scale (`observer` in `score --json`) on agents whose report quality is
//! known: the stored simulated runs (faithful, partial:0.5, confabulator) and in-process
//! agents, including one whose reports *are* an ideal observer's fit of 10 independent
//! choices, which the scale must place near K = 10.

use crate::support::{assert_ok, bin, score_json};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::estimation::Trial;
use selfinterp::parsing::{ChoiceStatus, ReportStatus};
use selfinterp::probability::logistic;
use selfinterp::scoring::{
    ChoiceObs, ContextInput, ObserverScale, ReportObs, ScoreOptions, Summary, assess,
    ideal_observer, observer_weights, score,
};
use selfinterp::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};
use serde_json::Value;
use std::path::PathBuf;

const RANGES: [(f64, f64); N_ATTR] = [
    (0.0, 10.0),
    (100.0, 500.0),
    (1.0, 5.0),
    (0.0, 0.5),
    (-20.0, 20.0),
];

fn stored(run: &str) -> Value {
    let dir: PathBuf = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(run);
    score_json(bin(), &[&dir])["observer"].clone()
}

#[test]
fn stored_simulated_agents_sit_where_their_reports_put_them() {
    // Faithful: its reports beat the observer that sees all the choices the scale can show.
    let f: Value = stored("sim-faithful-native-quick");
    assert_eq!(f["k_star_beyond"], true, "{f}");
    assert!(f["k_star"].is_null());
    let k_max: f64 = f["k_max"].as_f64().unwrap();
    // partial:0.5: in between, with an interval inside the scale.
    let p: Value = stored("sim-partial-native-quick");
    let k: f64 = p["k_star"].as_f64().unwrap();
    assert!(k > 1.0 && k < k_max, "{p}");
    assert!(p["k_star_ci"][0].as_f64().unwrap() > 0.0, "{p}");
    // Confabulator: worth no choice (its r is at chance), interval from 0.
    let c: Value = stored("sim-confabulator-native-quick");
    assert!(c["k_star"].as_f64().unwrap() < 1.0, "{c}");
    assert_eq!(c["k_star_ci"][0].as_f64().unwrap(), 0.0, "{c}");
    // The shown points are K = 5, 10 (the quick preset has 20 choices a context).
    let ks: Vec<u64> = f["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["k"].as_u64().unwrap())
        .collect();
    assert_eq!(ks, vec![5, 10]);
}

fn pair(rng: &mut ChaCha8Rng) -> Pair {
    let mut draw = || {
        Values(std::array::from_fn(|k| {
            rng.random_range(RANGES[k].0..RANGES[k].1)
        }))
    };
    Pair {
        a: draw(),
        b: draw(),
    }
}

/// A letter drawn from a logistic rule on weights `w` (scale 5 per 100).
fn choose(w: &Weights, pair: &Pair, rng: &mut ChaCha8Rng) -> Choice {
    let u: f64 = (0..N_ATTR)
        .map(|k| w.0[k] * (pair.a.0[k] - pair.b.0[k]) / (RANGES[k].1 - RANGES[k].0))
        .sum::<f64>()
        / 100.0;
    if rng.random_range(0.0..1.0) < logistic(5.0 * u) {
        Choice::A
    } else {
        Choice::B
    }
}

/// `contexts` contexts of `pairs` choices; reports from `report(true weights, rng)`.
fn run(
    seed: u64,
    contexts: usize,
    pairs: usize,
    report: &dyn Fn(&Weights, &mut ChaCha8Rng) -> Weights,
) -> Vec<ContextInput> {
    let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(seed);
    (0..contexts)
        .map(|c| {
            let w: Weights =
                Weights(std::array::from_fn(|_| rng.random_range(-100.0..100.0))).rescaled_to_100();
            let choices: Vec<ChoiceObs> = (0..pairs)
                .map(|_| {
                    let pair: Pair = pair(&mut rng);
                    let choice: Choice = choose(&w, &pair, &mut rng);
                    ChoiceObs {
                        pair,
                        p_a: None,
                        choice: Some(choice),
                        status: ChoiceStatus::Exact,
                    }
                })
                .collect();
            let r: Weights = report(&w, &mut rng);
            ContextInput {
                id: ContextId(format!("c{c:03}")),
                ranges: RANGES,
                target: None,
                choices,
                reports: vec![ReportObs {
                    status: ReportStatus::Valid,
                    weights: Some(r),
                    out_of_range: false,
                }],
            }
        })
        .collect()
}

/// The weights an ideal observer of `k` fresh choices (independent of the run's) reports.
fn observer_of_fresh_choices(w: &Weights, k: usize, rng: &mut ChaCha8Rng) -> Weights {
    let trials: Vec<Trial> = (0..k)
        .map(|_| {
            let p: Pair = pair(rng);
            let label: f64 = if choose(w, &p, rng) == Choice::A {
                1.0
            } else {
                0.0
            };
            Trial::from_pair(&p, &RANGES, label, 1.0).unwrap()
        })
        .collect();
    observer_weights(&trials)
}

fn scale(inputs: &[ContextInput]) -> ObserverScale {
    let opts = ScoreOptions {
        seed: 3,
        bootstrap_resamples: 1000,
        null_permutations: 20,
        use_soft_labels: true,
    };
    score(inputs, &opts).unwrap().observer.unwrap()
}

#[test]
fn a_reporter_that_is_an_observer_of_k_choices_is_worth_about_k() {
    for k in [5_usize, 20] {
        let inputs = run(11 + k as u64, 80, 100, &|w, rng| {
            observer_of_fresh_choices(w, k, rng)
        });
        let s: ObserverScale = scale(&inputs);
        let k_star: f64 = s.k_star.unwrap();
        let [lo, hi] = s.k_star_ci;
        eprintln!(
            "observer of {k}: K* {k_star:.1} [{lo:?}, {hi:?}], r_model {:?}",
            s.r_model
        );
        assert!(
            k_star > 0.6 * k as f64 && k_star < 1.6 * k as f64,
            "K* {k_star} for {k}"
        );
        assert!(
            lo.unwrap() <= k as f64 && hi.is_none_or(|h| h >= k as f64),
            "{lo:?} {hi:?}"
        );
        assert_eq!(s.k_max, 50);
    }
}

/// `score` fits the quality block and the observer scale on the trials it fitted the
/// contexts on; `assess` and `ideal_observer` alone derive them again from the inputs
/// (choices without a usable label left out, soft labels where given): the same figures.
#[test]
fn score_passes_its_trials_to_the_quality_and_observer_passes_unchanged() {
    let mut inputs: Vec<ContextInput> = run(9, 12, 60, &|w, _| *w);
    for (c, input) in inputs.iter_mut().enumerate() {
        for (i, obs) in input.choices.iter_mut().enumerate() {
            match (c + i) % 7 {
                0 => obs.choice = None,
                1 => obs.p_a = Some(((c * 13 + i) % 100) as f64 / 99.0),
                _ => {}
            }
        }
    }
    let opts = ScoreOptions {
        seed: 4,
        bootstrap_resamples: 200,
        null_permutations: 20,
        use_soft_labels: true,
    };
    let s: Summary = score(&inputs, &opts).unwrap();
    assert!(s.contexts.iter().all(|c| c.n_trials < c.n_choices));
    assert_eq!(s.quality, Some(assess(&inputs, &s.contexts, &opts)));
    let alone = ideal_observer(&inputs, &s.contexts, opts.seed, true, 200);
    assert!(alone.is_some());
    assert_eq!(s.observer, alone);
}

#[test]
fn faithful_beyond_the_scale_and_confabulator_at_zero() {
    let faithful = run(5, 60, 100, &|w, _| *w);
    let s: ObserverScale = scale(&faithful);
    assert!(s.k_star_beyond && s.k_star.is_none(), "{s:?}");
    assert!(s.r_model.unwrap() > s.curve.last().unwrap().r_obs.unwrap());
    let confabulator = run(6, 60, 100, &|_, rng| {
        Weights(std::array::from_fn(|_| rng.random_range(-100.0..100.0))).rescaled_to_100()
    });
    let s: ObserverScale = scale(&confabulator);
    assert!(s.k_star.unwrap() < 1.5, "{s:?}");
    assert_eq!(s.k_star_ci[0], Some(0.0));
    // The observer's curve rises with K (nested draws, mean over splits).
    let rs: Vec<f64> = s.curve.iter().map(|p| p.r_obs.unwrap()).collect();
    assert!(rs.windows(2).all(|w| w[1] > w[0] - 0.01), "{rs:?}");
}

/// When every resample's observer stays below the reports, both ends of K*'s interval lie
/// beyond `k_max` (null in the JSON). The sentence said "95% CI of K* – to more than 10",
/// a dash where the lower end should be; it now says where both ends are.
#[test]
fn an_interval_of_k_star_beyond_the_scale_reads_as_such() {
    let f: Value = stored("sim-faithful-native-quick");
    assert!(
        f["k_star_ci"][0].is_null() && f["k_star_ci"][1].is_null(),
        "{f}"
    );
    let dir: PathBuf =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results/sim-faithful-native-quick");
    let out = bin()
        .args(["report", dir.to_str().unwrap(), "--format", "md"])
        .output()
        .unwrap();
    assert_ok(&out);
    let md: String = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("95% CI of K\\* more than 10 at both ends"),
        "{md}"
    );
    assert!(!md.contains("K\\* – to"), "{md}");
}
