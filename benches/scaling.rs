//! How the estimation and scoring cost grows: fitting 1 to 10,000 contexts x 100 trials
//! (benches/fit.rs times the 1,000-context case alone; this group puts the whole curve in
//! one run so the ratios between sizes are meaningful on a shared machine), the full
//! `scoring::score` of 100 contexts (2,000 context-bootstrap resamples and 1,000 null
//! permutations per comparison), and rendering a report of a full run bundle.
//! Run: `cargo bench --bench scaling`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfinterp::benchmark::Split;
use selfinterp::estimation::{Fit, fit};
use selfinterp::parsing::{ChoiceStatus, ReportStatus};
use selfinterp::scoring::{ChoiceObs, ContextInput, ReportObs, ScoreOptions, score};
use selfinterp::sim::{AgentKind, SimAgent, synthetic_contexts};
use selfinterp::types::{Choice, Weights};
use std::hint::black_box;
use std::path::Path;

#[path = "support/config.rs"]
mod config;
use config::config;
#[path = "support/simulate.rs"]
mod simulate;
use simulate::simulate;

fn bench_fit_scaling(c: &mut Criterion) {
    let all = simulate(10_000, 100);
    let mut g = c.benchmark_group("fit_scaling");
    for n in [1usize, 10, 100, 1_000, 10_000] {
        let data = &all[..n];
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000 {
            g.sample_size(10);
        }
        g.bench_with_input(
            BenchmarkId::new("contexts x 100 trials", n),
            &data,
            |b, d| b.iter(|| d.iter().map(|t| fit(black_box(t))).collect::<Vec<Fit>>()),
        );
    }
    g.finish();
}

/// 100 contexts of a faithful sim agent: 100 hard choices with log-probabilities, 10 reports.
pub fn score_inputs(contexts: usize) -> Vec<ContextInput> {
    let ctxs = synthetic_contexts("bench", Split::Instilled, contexts, 100, 0);
    let agent = SimAgent::new(AgentKind::Faithful, "bench", &ctxs);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    ctxs.iter()
        .map(|ctx| {
            let w = agent.report_weights(&ctx.id).unwrap();
            ContextInput {
                id: ctx.id.clone(),
                ranges: ctx.ranges(),
                target: Some(ctx.profile.weights()),
                choices: ctx
                    .pairs
                    .iter()
                    .map(|pair| {
                        let p = agent.p_a(&ctx.id, pair).unwrap();
                        let a = rng.random::<f64>() < p;
                        ChoiceObs {
                            pair: *pair,
                            p_a: Some(p),
                            choice: Some(if a { Choice::A } else { Choice::B }),
                            status: ChoiceStatus::Exact,
                        }
                    })
                    .collect(),
                reports: (0..10)
                    .map(|_| ReportObs {
                        status: ReportStatus::Valid,
                        weights: Some(Weights(std::array::from_fn(|k| {
                            w.0[k] + rng.random_range(-8.0..8.0)
                        }))),
                        out_of_range: false,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn bench_score(c: &mut Criterion) {
    let inputs = score_inputs(100);
    let mut g = c.benchmark_group("score");
    g.sample_size(10);
    g.bench_function(
        "score 100 contexts (fits + 3 comparisons, 2,000 bootstrap, 1,000 null)",
        |b| b.iter(|| score(black_box(&inputs), &ScoreOptions::default()).unwrap()),
    );
    let fits_only = ScoreOptions {
        bootstrap_resamples: 0,
        null_permutations: 0,
        ..ScoreOptions::default()
    };
    g.bench_function(
        "score 100 contexts, no resampling (fits and point figures)",
        |b| b.iter(|| score(black_box(&inputs), &fits_only).unwrap()),
    );
    g.finish();
}

fn bench_report(c: &mut Criterion) {
    let dir = Path::new("results/sim-faithful-native-full");
    let scored = match selfinterp::reports::load(Path::new("benchmark"), dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("skipping report rendering: {}: {e}", dir.display());
            return;
        }
    };
    let opts = selfinterp::reports::ReportOptions::default();
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function("load + re-score a full native bundle", |b| {
        b.iter(|| selfinterp::reports::load(Path::new("benchmark"), black_box(dir)).unwrap())
    });
    for format in [
        selfinterp::reports::Format::Md,
        selfinterp::reports::Format::Html,
    ] {
        let exporter = selfinterp::reports::exporter(format);
        g.bench_function(format!("build + render {}", exporter.extension()), |b| {
            b.iter(|| exporter.render(&selfinterp::reports::build(black_box(&scored), &opts)))
        });
    }
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = bench_fit_scaling, bench_score, bench_report }
criterion_main!(benches);
