//! The Rust side of `scripts/compare/fit.sh`: fits and scores the contexts in a JSON data
//! file written by `scripts/compare/fit.py`, times both (best of `--repeat` runs, excluding
//! process start and JSON parsing) and writes the estimates for comparison.
//!
//! Input: `[{"diff": [[d1..d5], ...], "p_a": [0/1, ...], "target": [w1..w5]}, ...]`.
//! Fitting: `estimation::fit` per context. Scoring: `scoring::score` with default options
//! (2,000 context-bootstrap resamples, 1,000 null permutations per comparison), each trial
//! entered as the pair A = d, B = 0 over ranges [0, 1] so that its normalised differences
//! are exactly d; targets are the simulated true weights (learned vs target comparison).
//!
//! Scoring is timed on every core (rayon's default pool) and on one thread, and the two
//! summaries are compared byte for byte.
//!
//! With `--summary PATH`, the whole summary is also written there (to show that a change
//! leaves it byte-identical: diff two of them).
//!
//! Usage: cargo run --release --example compare_fit -- DATA.json OUT.json [--repeat N]
//! [--summary PATH]
use selfinterp::estimation::{Fit, Trial, fit};
use selfinterp::parsing::ChoiceStatus;
use selfinterp::scoring::{ChoiceObs, ContextInput, ScoreOptions, score};
use selfinterp::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};
use std::time::Instant;

#[path = "../tests/support/fit_data.rs"]
mod fit_data;
use fit_data::FitContext;

/// CPU seconds used so far by this process, all threads (Linux: /proc/self/stat, 1/100 s
/// ticks); wall times mislead on a shared machine, CPU time does not.
fn cpu_seconds() -> f64 {
    let stat: String = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after: &str = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    if f.len() < 13 {
        return f64::NAN;
    }
    (f[11] + f[12]) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (data, out) = (&args[0], &args[1]);
    let repeat: usize = args
        .iter()
        .position(|a| a == "--repeat")
        .map_or(5, |i| args[i + 1].parse().unwrap());
    let ctxs: Vec<FitContext> = fit_data::read(data);
    let trials: Vec<Vec<Trial>> = ctxs.iter().map(FitContext::trials).collect();
    let inputs: Vec<ContextInput> = ctxs
        .iter()
        .enumerate()
        .map(|(i, c)| ContextInput {
            id: ContextId(format!("c{i:05}")),
            ranges: [(0.0, 1.0); N_ATTR],
            target: Some(Weights(c.target.expect("a context without \"target\""))),
            choices: c
                .diff
                .iter()
                .zip(&c.p_a)
                .map(|(d, y)| ChoiceObs {
                    pair: Pair {
                        a: Values(*d),
                        b: Values([0.0; N_ATTR]),
                    },
                    p_a: None,
                    choice: Some(if *y > 0.5 { Choice::A } else { Choice::B }),
                    status: ChoiceStatus::Exact,
                })
                .collect(),
            reports: Vec::new(),
        })
        .collect();
    let mut fit_s = f64::INFINITY;
    let mut fits: Vec<Fit> = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        fits = trials.iter().map(|t| fit(t)).collect();
        fit_s = fit_s.min(t.elapsed().as_secs_f64());
    }
    let mut score_s = f64::INFINITY;
    let mut summary = None;
    for _ in 0..repeat {
        let t = Instant::now();
        summary = Some(score(&inputs, &ScoreOptions::default()).unwrap());
        score_s = score_s.min(t.elapsed().as_secs_f64());
    }
    // The same scoring on one thread: its time, and whether its summary is byte-identical.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut score_1t = f64::INFINITY;
    let mut summary_1t = None;
    let cpu_start: f64 = cpu_seconds();
    for _ in 0..repeat {
        let t = Instant::now();
        summary_1t = Some(one.install(|| score(&inputs, &ScoreOptions::default()).unwrap()));
        score_1t = score_1t.min(t.elapsed().as_secs_f64());
    }
    let score_cpu: f64 = (cpu_seconds() - cpu_start) / repeat as f64;
    let identical: bool =
        serde_json::to_string(&summary).unwrap() == serde_json::to_string(&summary_1t).unwrap();
    let s = summary.unwrap();
    let lt = s.learned_vs_target.as_ref().unwrap();
    let params: Vec<[f64; 6]> = fits.iter().map(Fit::params).collect();
    let learned: Vec<Option<[f64; N_ATTR]>> =
        s.contexts.iter().map(|c| c.learned.map(|w| w.0)).collect();
    let result = serde_json::json!({
        "fit_seconds": fit_s, "score_seconds": score_s, "repeat": repeat,
        "score_seconds_1_thread": score_1t, "threads": rayon::current_num_threads(),
        "thread_count_identical": identical, "score_cpu_seconds": score_cpu,
        "params": params, "learned": learned,
        "r": lt.r, "ci_study": lt.ci_study, "ci_bootstrap": lt.ci_bootstrap,
    });
    std::fs::write(out, serde_json::to_string(&result).unwrap()).unwrap();
    if let Some(i) = args.iter().position(|a| a == "--summary") {
        std::fs::write(&args[i + 1], serde_json::to_string_pretty(&s).unwrap()).unwrap();
    }
}
