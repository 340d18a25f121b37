//! `compare` with many runs: enough permutations that a true difference survives Holm's
//! correction over the whole family of pairs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::parsing::{ChoiceStatus, ReportStatus};
use selfinterp::probability::{logistic, standard_normal};
use selfinterp::scoring::{
    ChoiceObs, ContextInput, PairedOptions, ReportObs, ScoreOptions, Summary, score,
};
use selfinterp::scoring::{
    Distribution, Moments, RunComparison, bootstrap, compare_runs, paired_on_moments,
};
use selfinterp::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};

const RANGES: [(f64, f64); N_ATTR] = [(0.0, 1.0); N_ATTR];

/// 40 contexts whose choices are the same in every run (seed 1); the reports are the true
/// weights plus normal noise of sd `noise`, drawn from `seed`.
fn run(seed: u64, noise: f64) -> Summary {
    let mut world: ChaCha8Rng = ChaCha8Rng::seed_from_u64(1);
    let mut own: ChaCha8Rng = ChaCha8Rng::seed_from_u64(seed);
    let inputs: Vec<ContextInput> = (0..40)
        .map(|c| {
            let w: Weights = Weights(std::array::from_fn(|_| world.random_range(-100.0..100.0)))
                .rescaled_to_100();
            let choices: Vec<ChoiceObs> = (0..60)
                .map(|_| {
                    let pair = Pair {
                        a: Values(std::array::from_fn(|_| world.random_range(0.0..1.0))),
                        b: Values(std::array::from_fn(|_| world.random_range(0.0..1.0))),
                    };
                    let u: f64 = (0..N_ATTR)
                        .map(|k| w.0[k] * (pair.a.0[k] - pair.b.0[k]))
                        .sum::<f64>()
                        / 100.0;
                    let a: bool = world.random_range(0.0..1.0) < logistic(5.0 * u);
                    ChoiceObs {
                        pair,
                        p_a: None,
                        choice: Some(if a { Choice::A } else { Choice::B }),
                        status: ChoiceStatus::Exact,
                    }
                })
                .collect();
            let report: Weights = Weights(std::array::from_fn(|k| {
                w.0[k] + noise * standard_normal(&mut own)
            }));
            ContextInput {
                id: ContextId(format!("c{c:02}")),
                ranges: RANGES,
                target: None,
                choices,
                reports: vec![ReportObs {
                    status: ReportStatus::Valid,
                    weights: Some(report),
                    out_of_range: false,
                }],
            }
        })
        .collect();
    let opts = ScoreOptions {
        seed: 0,
        bootstrap_resamples: 200,
        null_permutations: 10,
        use_soft_labels: true,
    };
    score(&inputs, &opts).unwrap()
}

#[test]
fn a_true_difference_survives_holm_among_15_runs() {
    // One good reporter and 14 noisy ones on the same contexts: 105 pairs.
    let mut runs: Vec<(String, Summary)> = vec![("good".to_string(), run(100, 10.0))];
    for i in 0..14 {
        runs.push((format!("noisy{i}"), run(200 + i, 120.0)));
    }
    let out: RunComparison = compare_runs(&runs, &PairedOptions::default());
    assert_eq!(out.pairs.len(), 105);
    // Enough permutations that Holm's floor k / (1 + P) is far below 5%.
    assert_eq!(out.permutations, 42_000);
    for p in &out.pairs {
        // The interval's effective number of contexts is stated, never more than were shared,
        // and the note says so when it is fewer.
        let g: f64 = p.effective_contexts.unwrap();
        assert!((3.0..=40.0).contains(&g), "{p:?}");
        assert_eq!(p.note.contains("effective contexts"), g < 40.0, "{p:?}");
    }
    for p in out.pairs.iter().filter(|p| p.a == "good") {
        let d: f64 = p.difference.unwrap();
        assert!(d < -0.2, "{p:?}");
        assert!(p.p_holm.unwrap() < 0.05, "{} -> {}: {p:?}", p.a, p.b);
    }
}

/// One context of a clustered pair of runs: shared learned weights y, and each run's reports
/// with its own per-context slope and shift (so the five points of a context move together).
fn clustered_context(rng: &mut ChaCha8Rng) -> (Moments, Moments) {
    let y: [f64; N_ATTR] = std::array::from_fn(|_| 50.0 * standard_normal(rng));
    let mut run = |slope: f64| -> [f64; N_ATTR] {
        let s: f64 = slope + 0.5 * standard_normal(rng);
        let shift: f64 = 30.0 * standard_normal(rng);
        std::array::from_fn(|k| s * y[k] + shift + 40.0 * standard_normal(rng))
    };
    let (a, b) = (run(0.6), run(0.3));
    (Moments::of(&a, &y), Moments::of(&b, &y))
}

/// A clustered context (as [`clustered_context`]) whose first run reports on its own scale,
/// exp(sigma z) times the usual: the reports of a real model can differ in scale by a factor
/// of 60 between contexts (SmolLM2-135M), so a few contexts carry the pooled r.
fn heavy_context(rng: &mut ChaCha8Rng, sigma: f64) -> (Moments, Moments) {
    let y: [f64; N_ATTR] = std::array::from_fn(|_| 50.0 * standard_normal(rng));
    let scale: f64 = (sigma * standard_normal(rng)).exp();
    let mut run = |slope: f64, scale: f64| -> [f64; N_ATTR] {
        let s: f64 = slope + 0.5 * standard_normal(rng);
        let shift: f64 = 30.0 * standard_normal(rng);
        std::array::from_fn(|k| scale * (s * y[k] + shift + 40.0 * standard_normal(rng)))
    };
    let (a, b) = (run(0.6, scale), run(0.3, 1.0));
    (Moments::of(&a, &y), Moments::of(&b, &y))
}

/// Coverage of the true difference in pooled r at `contexts` contexts by `compare`'s paired
/// interval and by the expanded percentile interval for G equal contexts it replaced: a
/// population of 20,000 contexts from `make` gives the truth, each replication draws
/// `contexts` of them.
fn paired_coverage(
    replications: usize,
    contexts: usize,
    make: &dyn Fn(&mut ChaCha8Rng) -> (Moments, Moments),
) -> (f64, f64) {
    let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(20);
    let population: Vec<(Moments, Moments)> = (0..20_000).map(|_| make(&mut rng)).collect();
    let total = |pick: &dyn Fn(&(Moments, Moments)) -> Moments| {
        let mut t: Moments = Moments::default();
        population.iter().for_each(|p| t.add(&pick(p)));
        t.r().unwrap()
    };
    let truth: f64 = total(&|p| p.1) - total(&|p| p.0);
    let (mut covered, mut covered_before): (usize, usize) = (0, 0);
    for rep in 0..replications {
        let (ma, mb): (Vec<Moments>, Vec<Moments>) = (0..contexts)
            .map(|_| population[rng.random_range(0..population.len())])
            .unzip();
        let opts = PairedOptions {
            seed: rep as u64,
            permutations: 0,
            ..PairedOptions::default()
        };
        let covers = |ci: Option<[f64; 2]>| ci.is_some_and(|[lo, hi]| lo <= truth && truth <= hi);
        covered += usize::from(covers(paired_on_moments(&ma, &mb, &opts).ci_bootstrap));
        let d = difference_distribution(&ma, &mb, rep as u64, opts.bootstrap_resamples);
        covered_before += usize::from(covers(d.expanded_ci(0.95, contexts)));
    }
    let n: f64 = replications as f64;
    (covered as f64 / n, covered_before as f64 / n)
}

/// The paired bootstrap distribution of r_b - r_a, drawn from `seed` (for the intervals
/// `compare` no longer uses).
fn difference_distribution(
    ma: &[Moments],
    mb: &[Moments],
    seed: u64,
    resamples: usize,
) -> Distribution {
    let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(seed);
    bootstrap(&mut rng, ma.len(), resamples, |idx: &[usize]| {
        let sum = |m: &[Moments]| {
            let mut t: Moments = Moments::default();
            idx.iter().for_each(|&i| t.add(&m[i]));
            t.r()
        };
        sum(ma).zip(sum(mb)).map(|(x, y)| y - x)
    })
}

#[test]
fn paired_interval_covers_at_20_contexts() {
    let (c20, _) = paired_coverage(1000, 20, &clustered_context);
    eprintln!(
        "paired interval coverage at 20 contexts: {:.1}%",
        100.0 * c20
    );
    assert!(c20 >= 0.93, "coverage {c20}");
}

/// Contexts of unequal scale (lognormal, sigma 1.2): the expansion for 20 equal contexts
/// under-covers (about 91% in a Python check of the same design), the expansion for the
/// effective number of contexts with its jackknife-t hull does not (about 94%).
#[test]
fn paired_interval_covers_at_20_contexts_of_unequal_scale() {
    let (now, before) = paired_coverage(2000, 20, &|rng| heavy_context(rng, 1.2));
    eprintln!(
        "contexts of unequal scale, 20 contexts: compare's interval {:.1}%, expanded for 20 \
equal contexts {:.1}%",
        100.0 * now,
        100.0 * before
    );
    assert!(before < 0.925, "the old interval covered {before}");
    assert!(now >= 0.93, "coverage {now}");
}

#[test]
#[ignore = "a minute: coverage at 100 contexts, for docs/statistics.md"]
fn paired_interval_covers_at_100_contexts() {
    let (c, _) = paired_coverage(1000, 100, &clustered_context);
    eprintln!(
        "paired interval coverage at 100 contexts: {:.1}%",
        100.0 * c
    );
    assert!(c >= 0.93, "coverage {c}");
}

/// Per-context moments of (reported, learned) of a stored entry's summary, by context id.
fn stored_moments(entry: &str) -> std::collections::BTreeMap<String, Moments> {
    let path: String = format!("results/{entry}/summary.json");
    let text: String = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let s: Summary = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    s.contexts
        .iter()
        .filter_map(|c| Some((c.id.0.clone(), Moments::of(&c.reported?.0, &c.learned?.0))))
        .collect()
}

/// Coverage at `contexts` contexts of the plain percentile and of `compare`'s paired interval,
/// the truth being the difference in pooled r over all shared contexts of two stored runs and
/// each replication drawing `contexts` of them with replacement.
fn real_coverage(a: &str, b: &str, contexts: usize, replications: usize) -> [f64; 4] {
    let (ma, mb) = (stored_moments(a), stored_moments(b));
    let shared: Vec<(Moments, Moments)> = ma
        .iter()
        .filter_map(|(id, x)| Some((*x, *mb.get(id)?)))
        .collect();
    assert!(
        shared.len() >= 100,
        "{a} and {b} share {} contexts",
        shared.len()
    );
    let pooled = |pick: &dyn Fn(&(Moments, Moments)) -> Moments, idx: &[usize]| {
        let mut t: Moments = Moments::default();
        idx.iter().for_each(|&i| t.add(&pick(&shared[i])));
        t.r()
    };
    let all: Vec<usize> = (0..shared.len()).collect();
    let truth: f64 = pooled(&|p| p.1, &all).unwrap() - pooled(&|p| p.0, &all).unwrap();
    let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(27);
    let (mut plain, mut expanded, mut now): (usize, usize, usize) = (0, 0, 0);
    for rep in 0..replications {
        let pick: Vec<usize> = (0..contexts)
            .map(|_| rng.random_range(0..shared.len()))
            .collect();
        let (xa, xb): (Vec<Moments>, Vec<Moments>) = pick.iter().map(|&i| shared[i]).unzip();
        let opts = PairedOptions {
            seed: rep as u64,
            permutations: 0,
            ..PairedOptions::default()
        };
        let covers = |ci: Option<[f64; 2]>| ci.is_some_and(|[lo, hi]| lo <= truth && truth <= hi);
        now += usize::from(covers(paired_on_moments(&xa, &xb, &opts).ci_bootstrap));
        let d = difference_distribution(&xa, &xb, rep as u64, opts.bootstrap_resamples);
        plain += usize::from(covers(d.ci(0.95)));
        expanded += usize::from(covers(d.expanded_ci(0.95, contexts)));
    }
    let n: f64 = replications as f64;
    [truth, plain as f64 / n, expanded as f64 / n, now as f64 / n]
}

/// The coverage table of docs/statistics.md for differences, on the stored SmolLM2-135M
/// runs (real model) and the simulated faithful full run, which share their 100 contexts
/// (scripts/compare_coverage.sh runs it).
#[test]
#[ignore = "minutes: real-data coverage of compare's interval, for docs/statistics.md"]
fn paired_interval_coverage_on_stored_runs() {
    let pairs: [(&str, &str); 2] = [
        (
            "smollm2-135m-instruct-native-full",
            "smollm2-135m-instruct-native-100x20",
        ),
        (
            "smollm2-135m-instruct-native-full",
            "sim-faithful-native-full",
        ),
    ];
    for (a, b) in pairs {
        for contexts in [20, 50] {
            let [truth, plain, expanded, now] = real_coverage(a, b, contexts, 5000);
            println!(
                "{a} -> {b}: {contexts} contexts, truth {truth:.3}: plain percentile {:.1}%, \
expanded for {contexts} equal contexts {:.1}%, compare's interval (effective contexts) {:.1}%",
                100.0 * plain,
                100.0 * expanded,
                100.0 * now
            );
            // At 20 contexts, the quick preset's size, the interval must reach 93%; at 50 the
            // one context that carries most of the SmolLM2 run's pooled r is missing from
            // most resampled sets, and no interval of those sets can see it
            // (docs/statistics.md): measured, not promised, but never below the expansion
            // it replaced.
            if contexts == 20 {
                assert!(now >= 0.93, "{a} -> {b}: coverage {now}");
            }
            assert!(now >= expanded, "{a} -> {b}: {now} < {expanded}");
        }
    }
}
