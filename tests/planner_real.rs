//! The planner checked on real data: 30-context pilots drawn from the stored SmolLM2-135M
//! runs (results/), the width the planner predicts for the full run's design against the
//! width the full run actually shows. Slow (about a minute): run with
//! `cargo test --release --test integration planner_on_real_subsamples -- --ignored --nocapture`.
//! Figures are in docs/statistics.md and the README's planner paragraph.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use selfinterp::bundle::score_options;
use selfinterp::planner::{Design, PlanOptions, fit_pilot, predict};
use selfinterp::scoring::{ContextInput, ScoreOptions, Summary, score};
use std::path::Path;

/// Pilots per bundle and contexts per pilot.
const PILOTS: u64 = 12;
const PILOT_CONTEXTS: usize = 30;

#[test]
#[ignore]
fn planner_on_real_subsamples() {
    let opts: ScoreOptions = score_options();
    for dir in [
        "results/smollm2-135m-instruct-native-full",
        "results/smollm2-135m-instruct-native-100x20",
    ] {
        let opened = selfinterp::bundle::open(Path::new("."), Path::new(dir)).unwrap();
        let inputs: Vec<ContextInput> = opened.inputs().unwrap();
        let full: Summary = score(&inputs, &opts).unwrap();
        let rl = full.reports_vs_learned.as_ref().unwrap();
        let [lo, hi] = rl.ci_bootstrap.unwrap();
        let achieved: f64 = hi - lo;
        let params = opened.bundle.manifest.parameters.as_ref().unwrap();
        let design = Design {
            contexts: inputs.len(),
            pairs: params.trials,
            orders: params.orders.len(),
            reports: params.reports,
        };
        let full_corrected = full.quality.as_ref().unwrap().ceiling.corrected_r;
        let mut ratios: Vec<f64> = Vec::new();
        for s in 0..PILOTS {
            let mut rng = ChaCha8Rng::seed_from_u64(s);
            let mut idx: Vec<usize> = sample(&mut rng, inputs.len(), PILOT_CONTEXTS).into_vec();
            idx.sort_unstable();
            let pilot: Vec<ContextInput> = idx.iter().map(|&i| inputs[i].clone()).collect();
            let model = fit_pilot(&pilot, &opts).unwrap();
            let o = PlanOptions {
                seed: s,
                replicates: 12,
                ..PlanOptions::default()
            };
            let (w, sd) = predict(&model, &design, &o).unwrap();
            eprintln!(
                "  pilot {s}: pilot true r {:.3}, predicted width {w:.3} (sd {sd:.3}), achieved {achieved:.3}, ratio {:.3}",
                model.true_r,
                w / achieved
            );
            ratios.push(w / achieved);
        }
        ratios.sort_by(f64::total_cmp);
        let within: usize = ratios.iter().filter(|r| (*r - 1.0).abs() <= 0.1).count();
        let median: f64 = (ratios[ratios.len() / 2 - 1] + ratios[ratios.len() / 2]) / 2.0;
        eprintln!(
            "{dir}: design {design:?}, achieved width {achieved:.3} (r {:.3}, corrected {:?}); {PILOTS} pilots of {PILOT_CONTEXTS} contexts: predicted/achieved median {median:.3}, range {:.3}-{:.3}, within 10% in {within}",
            rl.r.unwrap(),
            full_corrected,
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}
