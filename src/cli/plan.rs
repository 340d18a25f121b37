//! `selfinterp plan --pilot DIR --target-width W`: how many pairs per context and how many
//! contexts a run needs for the main score's bootstrap interval to be W wide, simulated from
//! a pilot bundle (method: [`selfinterp::planner`]), with the cost in calls and tokens.

use super::Cli;
use super::exit::Failure;

use clap::Args;
use selfinterp::benchmark::Benchmark;
use selfinterp::bundle::sample::{KindKey, Sample};
use selfinterp::bundle::score_input::score_options;
use selfinterp::bundle::{Bundle, OpenBundle};
use selfinterp::planner::request::{DEFAULT_REPLICATES, PlanRequest};
use selfinterp::planner::{
    DEFAULT_PROMISE_RESAMPLES, Plan, PlanOptions, Prediction, plan_from_pilot,
};
use selfinterp::scoring::ContextInput;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// A small pilot run bundle (e.g. `run --preset quick`)
    #[arg(long)]
    pub pilot: PathBuf,
    /// Wanted width of the 95% context-bootstrap interval of the main score (e.g. 0.1)
    /// [range: above 0, up to 2; checked by the planner]
    #[arg(long)]
    pub target_width: f64,
    /// Candidate pairs per context, comma-separated [range: each 1-100000]
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = super::ranges::pairs,
        default_value = "10,20,30,50,75,100,150,200"
    )]
    pub pairs: Vec<usize>,
    /// Reports per context in the planned run [default: the pilot's] [range: 0-1000]
    #[arg(long, value_parser = super::ranges::reports)]
    pub reports: Option<usize>,
    /// Presentation orders per pair, 1 or 2 [default: the pilot's]
    #[arg(long, value_parser = super::ranges::orders)]
    pub orders: Option<usize>,
    /// Simulated runs per predicted width [range: 1-10000]
    #[arg(long, default_value_t = DEFAULT_REPLICATES, value_parser = super::ranges::replicates)]
    pub replicates: usize,
    /// Largest number of contexts considered [default: what the pilot's benchmark split holds,
    /// else 5000] [range: 1-1000000]
    #[arg(long, value_parser = super::ranges::contexts)]
    pub max_contexts: Option<usize>,
    /// Pilot resamples for the range of the recommended design's width (0 = no range)
    /// [range: 0-10000]
    #[arg(long, default_value_t = DEFAULT_PROMISE_RESAMPLES, value_parser = super::ranges::resamples)]
    pub promise_resamples: usize,
    /// Seed of the simulated runs behind each predicted width
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the plan as one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Average tokens (in + out) per choice call and per report call in the pilot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TokenCosts {
    pub per_choice: Option<f64>,
    pub per_report: Option<f64>,
}

fn token_costs(samples: &[Sample]) -> TokenCosts {
    let avg = |kind: KindKey| -> Option<f64> {
        let v: Vec<u64> = samples
            .iter()
            .filter(|s| s.kind == kind)
            .filter_map(|s| Some(s.tokens_in? + s.tokens_out.unwrap_or(0)))
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<u64>() as f64 / v.len() as f64)
    };
    TokenCosts {
        per_choice: avg(KindKey::Choice),
        per_report: avg(KindKey::Report),
    }
}

/// Tokens of a design from the pilot's averages; `None` when the pilot recorded none.
pub fn tokens(p: &Prediction, t: &TokenCosts) -> Option<f64> {
    let d = &p.design;
    let choice: f64 = t.per_choice? * (d.contexts * d.pairs * d.orders) as f64;
    let report: f64 = if d.reports > 0 {
        t.per_report? * (d.contexts * d.reports) as f64
    } else {
        0.0
    };
    Some(choice + report)
}

#[derive(Serialize)]
struct Output<'a> {
    plan: &'a Plan,
    tokens_per_call: TokenCosts,
    recommended_tokens: Option<f64>,
}

/// The library's request for what [`PlanArgs`] asks.
fn request(a: &PlanArgs) -> PlanRequest {
    PlanRequest {
        pairs: a.pairs.clone(),
        reports: a.reports,
        orders: a.orders,
        replicates: a.replicates,
        max_contexts: a.max_contexts,
        seed: a.seed,
        ..PlanRequest::new(a.target_width)
    }
}

pub fn run(cli: &Cli, a: &PlanArgs) -> anyhow::Result<()> {
    super::expect_bundle(&a.pilot)?;
    let opened: OpenBundle = super::score::open(cli, &a.pilot)?;
    let inputs: Vec<ContextInput> = opened.inputs()?;
    let (b, bench): (&Bundle, Option<&Benchmark>) = (&opened.bundle, opened.benchmark.as_ref());
    let params = b.manifest.parameters.as_ref();
    // A plan the benchmark cannot run is no plan: by default the search stops at the number
    // of contexts the pilot's experiment has in its benchmark.
    let split_size: Option<usize> = bench
        .zip(params)
        .map(|(bench, p)| bench.split(p.experiment.split()).count());
    let opts: PlanOptions = request(a).resolve(&inputs, params.map(|p| p.orders.len()), split_size);
    let max_contexts: usize = opts.max_contexts;
    let p: Plan = plan_from_pilot(
        &inputs,
        &score_options(),
        a.target_width,
        &opts,
        a.promise_resamples,
    )
    .map_err(|e| Failure::input(&e, format!("{}: {e}", a.pilot.display())))?;
    let model = &p.model;
    let t: TokenCosts = token_costs(&b.samples);
    if a.json {
        let out = Output {
            plan: &p,
            tokens_per_call: t,
            recommended_tokens: p.recommended.as_ref().and_then(|r| tokens(r, &t)),
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!(
        "pilot {}: {} usable contexts, report SD {:.1}, valid reports {:.1}%, usable choices {:.1}%{}",
        a.pilot.display(),
        model.contexts.len(),
        model.report_sd,
        100.0 * model.report_valid_rate,
        100.0 * model.choice_usable_rate,
        model
            .soft_logit_sd
            .map(|s| format!(", soft labels (logit residual SD {s:.2})"))
            .unwrap_or_default()
    );
    println!(
        "target: 95% context-bootstrap interval of reports-vs-learned r {:.3} wide, at most {max_contexts} contexts{}\n",
        a.target_width,
        if a.max_contexts.is_none() && split_size.is_some() {
            " (the benchmark's; --max-contexts to change)"
        } else {
            ""
        }
    );
    println!(
        "{:>6} {:>9} {:>8} {:>16} {:>10} {:>12}",
        "pairs", "contexts", "reports", "width (sd)", "calls", "tokens"
    );
    for c in &p.candidates {
        let tok: String = tokens(c, &t)
            .map(|x| format!("{x:.0}"))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:>6} {:>9} {:>8} {:>9.3} ({:.3}) {:>10} {:>12}{}",
            c.design.pairs,
            c.design.contexts,
            c.design.reports,
            c.width,
            c.width_sd,
            c.calls,
            tok,
            if c.feasible { "" } else { "  (not reached)" }
        );
    }
    if let (Some(r), Some([lo, hi])) = (&p.recommended, p.recommended_range) {
        println!(
            "\nthe recommended design's width: {:.3} promised, 80% range {lo:.3} to {hi:.3} \
             (pilot resampled {} times; a small pilot gives a rough promise)",
            r.width, a.promise_resamples
        );
    }
    match &p.recommended {
        Some(r) => println!(
            "\nrecommended: {} contexts x {} pairs x {} order(s) + {} reports = {} calls{}",
            r.design.contexts,
            r.design.pairs,
            r.design.orders,
            r.design.reports,
            r.calls,
            tokens(r, &t)
                .map(|x| format!(", ~{x:.0} tokens"))
                .unwrap_or_default()
        ),
        None => println!(
            "\nno candidate reached the target within {max_contexts} contexts; the narrowest is \
             shown above (--max-contexts to allow more)"
        ),
    }
    Ok(())
}
