//! Pair-selection designs (src/design): reproducibility of the adaptive design and the
//! efficiency measurement on simulated agents.

use selfinterp::benchmark::scaled_difference;
use selfinterp::benchmark::{FrozenContext, Split};
use selfinterp::design::{AdaptiveDesign, Criterion, Observation};
use selfinterp::sim::synthetic_contexts;
use selfinterp::sim::{
    Arm, CurvePoint, LabelModel, Setup, pairs_to_reach, pairs_to_width, precision_curve,
};

fn ctx() -> FrozenContext {
    synthetic_contexts("design", Split::Native, 1, 20, 0).remove(0)
}

fn observed(ctx: &FrozenContext, n: usize) -> Vec<Observation> {
    ctx.pairs
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, p)| Observation {
            pair: *p,
            p_a: if i % 7 == 3 {
                None
            } else {
                Some(f64::from(u8::from(i % 3 != 0)))
            },
        })
        .collect()
}

#[test]
fn next_batch_is_reproducible_and_keyed_on_calls_so_far() {
    let c = ctx();
    for crit in [
        Criterion::Random,
        Criterion::DOptimal,
        Criterion::Direction,
        Criterion::Boundary,
    ] {
        let d = AdaptiveDesign::with_criterion("s", crit);
        let obs = observed(&c, 12);
        let a = d.next_batch(&c, &obs, 5);
        assert_eq!(a.len(), 5, "{crit:?}");
        assert_eq!(
            a,
            d.next_batch(&c, &obs, 5),
            "{crit:?}: same inputs, same pairs"
        );
        assert_ne!(
            a,
            AdaptiveDesign::with_criterion("t", crit).next_batch(&c, &obs, 5),
            "{crit:?}: seed matters"
        );
        assert_ne!(
            a,
            d.next_batch(&c, &observed(&c, 13), 5),
            "{crit:?}: a new round draws a new pool"
        );
        let ranges = c.ranges();
        for p in &a {
            for k in 0..5 {
                for v in [p.a.0[k], p.b.0[k]] {
                    assert!(v >= ranges[k].0 - 1e-9 && v <= ranges[k].1 + 1e-9);
                }
            }
        }
        assert!(d.next_batch(&c, &obs, 0).is_empty());
    }
}

#[test]
fn random_design_is_the_head_of_the_pool_and_adaptive_picks_from_it() {
    let c = ctx();
    let obs = observed(&c, 10);
    let random = AdaptiveDesign::with_criterion("s", Criterion::Random);
    assert_eq!(random.next_batch(&c, &obs, 4), random.candidates(&c, 10, 4));
    let d = AdaptiveDesign::new("s");
    let pool = d.candidates(&c, 10, 4);
    assert_eq!(pool.len(), 4 * 32);
    let picks = d.next_batch(&c, &obs, 4);
    assert!(picks.iter().all(|p| pool.contains(p)));
    let mut uniq = picks.clone();
    uniq.dedup();
    assert_eq!(uniq.len(), 4, "no candidate picked twice");
}

#[test]
fn d_optimal_without_data_prefers_large_differences() {
    let c = ctx();
    let ranges = c.ranges();
    let norm = |pairs: &[selfinterp::types::Pair]| -> f64 {
        pairs
            .iter()
            .map(|p| {
                scaled_difference(p, &ranges)
                    .iter()
                    .map(|d| d * d)
                    .sum::<f64>()
            })
            .sum::<f64>()
            / pairs.len() as f64
    };
    let d = AdaptiveDesign::new("s");
    let picked = d.next_batch(&c, &[], 8);
    let pool = d.candidates(&c, 0, 8);
    assert!(
        norm(&picked) > 2.0 * norm(&pool),
        "{} vs {}",
        norm(&picked),
        norm(&pool)
    );
}

#[test]
fn criterion_names_parse() {
    assert_eq!(
        "adaptive".parse::<Criterion>().unwrap(),
        Criterion::DOptimal
    );
    assert_eq!("random".parse::<Criterion>().unwrap(), Criterion::Random);
    assert_eq!(
        "direction".parse::<Criterion>().unwrap(),
        Criterion::Direction
    );
    assert!("best".parse::<Criterion>().is_err());
}

fn point(pairs: usize, r: f64, w: f64) -> CurvePoint {
    CurvePoint {
        pairs,
        r_true: r,
        r_true_se: 0.0,
        ci_width: w,
        score_r: 0.5,
        agreement: 0.82,
    }
}

#[test]
fn crossings_interpolate() {
    let curve = [
        point(10, 0.8, 0.3),
        point(20, 0.9, 0.2),
        point(40, 0.95, 0.1),
    ];
    assert_eq!(pairs_to_reach(&curve, 0.7), Some(10.0));
    assert!((pairs_to_reach(&curve, 0.85).unwrap() - 15.0).abs() < 1e-9);
    assert!((pairs_to_reach(&curve, 0.94).unwrap() - 36.0).abs() < 1e-9);
    assert_eq!(pairs_to_reach(&curve, 0.99), None);
    assert!((pairs_to_width(&curve, 0.15).unwrap() - 30.0).abs() < 1e-9);
}

#[test]
fn simulated_efficiency_orders_the_arms() {
    let setup = Setup {
        contexts: 40,
        replicates: 2,
        bootstrap_resamples: 200,
        ..Setup::default()
    };
    let cps = [10, 20, 40];
    let curve = |labels, criterion| precision_curve(&setup, Arm { labels, criterion }, &cps);
    let hard = curve(LabelModel::Hard, Criterion::Random);
    // The study's choice noise: ~82% of letters follow the utility rule.
    assert!(
        (hard[2].agreement - 0.82).abs() < 0.03,
        "agreement {}",
        hard[2].agreement
    );
    // Precision grows with pairs.
    assert!(
        hard[0].r_true < hard[1].r_true && hard[1].r_true < hard[2].r_true,
        "{hard:?}"
    );
    // Soft labels carry more than letters; the exact ones most.
    let latent = curve(LabelModel::SoftLatent, Criterion::Random);
    let exact = curve(LabelModel::SoftExact, Criterion::Random);
    for i in 0..3 {
        assert!(
            latent[i].r_true > hard[i].r_true - 0.005,
            "{i}: {latent:?} {hard:?}"
        );
        assert!(exact[i].r_true > latent[i].r_true, "{i}");
    }
    // The adaptive design beats random pairs at equal calls.
    let dopt = curve(LabelModel::Hard, Criterion::DOptimal);
    for i in 0..3 {
        assert!(dopt[i].r_true > hard[i].r_true, "{i}: {dopt:?} {hard:?}");
    }
    // Same setup, same figures.
    assert_eq!(dopt, curve(LabelModel::Hard, Criterion::DOptimal));
}
