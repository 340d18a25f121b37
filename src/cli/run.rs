//! `selfinterp run`: ask a model every request of the benchmark and write a run bundle.
//!
//! The raw arguments are turned once into a validated [`RunConfig`] (counts resolved against
//! the benchmark, presets applied, impossible values refused) before anything is sent.

use super::Cli;
use super::exit::{Exit, Failure};
use super::progress::BarReporter;
use super::ranges;
use super::values::{ConstrainArg, ExperimentArg, FlavourArg, HalfArg, PresetArg, ProviderArg};
use clap::Args;
use selfinterp::benchmark::Benchmark;
use selfinterp::bundle::parameters::Experiment;
use selfinterp::design::Criterion;
use selfinterp::providers::body::DEFAULT_MAX_RESPONSE_BYTES;
use selfinterp::runner::config::{RunConfig, shell_quote};
use selfinterp::runner::observe::{ObserveRequest, resolve_observe};
use selfinterp::runner::request::{
    AskRequest, DEFAULT_CONCURRENCY, DEFAULT_MAX_INVALID_RATE, DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S, RunRequest, Who, resolve,
};
use selfinterp::runner::shortcut::resolve_who;
use selfinterp::runner::{ConfigError, Ending, Finished, RunOutcome, Session};
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
#[command(after_help = "Presets:
  quick  20 contexts, 20 pairs per context, 3 reports per context (smoke tests, slow local models)
  full   the study's protocol: every context of the split, all its pairs (100 native, 50 instilled),
         10 reports per context
--contexts, --trials and --reports override the preset's counts; --half and --contexts-file
narrow the split first (--contexts then takes the first N of what is left).
--counterbalance asks every pair twice, as frozen (ab) and swapped (ba): twice the choice
requests, and the summary gains a position_bias block.
--design adaptive asks each context's --trials choices in rounds of --design-batch, each round's
pairs picked from a seeded candidate pool where the fit of the answers so far is most uncertain
(instead of the frozen pairs). It is recorded in the manifest; `batch export` cannot do it.

The bundle in --out: manifest.json, samples.jsonl, timings.jsonl, errors.jsonl, summary.json.
A run killed at any point continues with the same command plus --resume.")]
pub struct RunArgs {
    /// Model API (may be left out when --model is openai/MODEL or anthropic/MODEL; vLLM,
    /// Ollama and llama.cpp are --provider openai with their --base-url)
    #[arg(long, value_enum)]
    pub provider: Option<ProviderArg>,
    /// Model name (for --provider sim: the agent, e.g. faithful); openai/MODEL or
    /// anthropic/MODEL names the provider too
    #[arg(long)]
    pub model: String,
    /// API base URL (OpenAI-compatible servers: llama.cpp, vLLM, Ollama, ...)
    #[arg(long)]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub ask: AskArgs,
    /// Requests in flight at once [range: 1-10000]
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_parser = ranges::concurrency)]
    pub concurrency: usize,
    /// Requests-per-minute limit [range: 1-1000000]
    #[arg(long, value_parser = ranges::rpm)]
    pub rpm: Option<u32>,
    /// Tokens-per-minute limit (prompt tokens estimated at 4 characters each, plus max tokens)
    /// [range: 1-1000000000]
    #[arg(long, value_parser = ranges::tpm)]
    pub tpm: Option<u32>,
    /// Per-attempt timeout in seconds [range: above 0, up to 86400]
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_S, value_parser = ranges::timeout)]
    pub timeout: f64,
    /// Retries of a retryable failure (429, 5xx, timeout, reset) before it goes to errors.jsonl
    /// [range: 0-100]
    #[arg(long, default_value_t = DEFAULT_MAX_RETRIES, value_parser = ranges::retries)]
    pub max_retries: u32,
    /// Largest response body read, in bytes; a larger answer is that request's error in
    /// errors.jsonl [range: 1024-1073741824]
    #[arg(long, default_value_t = DEFAULT_MAX_RESPONSE_BYTES, value_parser = ranges::response_bytes)]
    pub max_response_bytes: usize,
    /// Bundle directory [default: runs/<model>-<experiment>-<preset>]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run in --out, skipping completed requests (parameters must match)
    #[arg(long)]
    pub resume: bool,
    /// Do not read or write the response cache
    #[arg(long)]
    pub no_cache: bool,
    /// Response cache directory [default: $SELFINTERP_CACHE or ~/.cache/selfinterp]
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Exit with code 1 when the invalid rate of choices or of reports is above this
    /// [range: 0-1]
    #[arg(long, default_value_t = DEFAULT_MAX_INVALID_RATE, value_parser = ranges::rate)]
    pub max_invalid_rate: f64,
    /// Seed of the simulated agents (as `serve-sim --seed`); with --experiment observe also
    /// the seed of the draw of shown choices
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the outcome as one JSON object on stdout (out, status, counts, headline,
    /// score_error)
    #[arg(long)]
    pub json: bool,
    /// --experiment observe: the run bundle whose choices the observer is shown
    #[arg(long, value_name = "DIR")]
    pub of: Option<PathBuf>,
    /// --experiment observe: choices shown per context [range: 1-200]
    #[arg(long, value_name = "K")]
    pub examples: Option<usize>,
    /// Print the plan (requests, estimated tokens and cost) and stop: nothing is sent
    #[arg(long)]
    pub dry_run: bool,
    /// Start a hosted run without --preset without asking (the full protocol)
    #[arg(long)]
    pub yes: bool,
    /// Stop before the run's cost would pass this many US dollars, counted from the tokens the
    /// provider reports; a request not yet answered counts at 1.4 times its estimated prompt
    /// (exit 4; --resume with a higher limit continues) [range: above 0, up to 1000000]
    #[arg(long, value_name = "USD", value_parser = ranges::max_cost)]
    pub max_cost: Option<f64>,
    /// Stop before more than N requests have been asked live (exit 4; --resume with a higher
    /// limit continues) [range: 1-1000000000]
    #[arg(long, value_name = "N", value_parser = ranges::max_requests)]
    pub max_requests: Option<u64>,
    /// Price of input tokens for the plan's cost, US dollars per million [range: 0-1000000]
    #[arg(long, requires = "price_out", value_parser = ranges::price)]
    pub price_in: Option<f64>,
    /// Price of output tokens for the plan's cost, US dollars per million [range: 0-1000000]
    #[arg(long, requires = "price_in", value_parser = ranges::price)]
    pub price_out: Option<f64>,
}

/// What a run asks, shared with `batch export` so a batch file holds exactly a live run's
/// requests for the same options.
#[derive(Args, Debug, Clone)]
pub struct AskArgs {
    /// Which split to ask: native preferences, or instilled profiles (fine-tuned model)
    #[arg(long, value_enum)]
    pub experiment: ExperimentArg,
    /// Frozen benchmark version: embedded in the binary, or under <root>/benchmark/
    #[arg(long, default_value = "v1")]
    pub benchmark: String,
    /// Counts preset (see below) [default: full; a hosted API asks first]
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,
    /// Choice trials per context (overrides the preset)
    #[arg(long)]
    pub trials: Option<usize>,
    /// Reports per context (overrides the preset)
    #[arg(long)]
    pub reports: Option<usize>,
    /// Number of contexts, taken in benchmark order (overrides the preset)
    #[arg(long)]
    pub contexts: Option<usize>,
    /// Only this half of the instilled split (the halves of `export introspection`): test an
    /// introspection-trained model on the half it was not trained on
    #[arg(long, value_enum)]
    pub half: Option<HalfArg>,
    /// Only the contexts listed in FILE (one id per line, `#` comments allowed)
    #[arg(long, value_name = "FILE")]
    pub contexts_file: Option<PathBuf>,
    /// Ask every pair in both orders (A/B as frozen and swapped) and report the position bias
    /// [default: off]
    #[arg(long, overrides_with = "no_counterbalance")]
    pub counterbalance: bool,
    /// Ask every pair in the frozen order only (the study's design) [default]
    #[arg(long, overrides_with = "counterbalance")]
    pub no_counterbalance: bool,
    /// Ask the server to constrain answers (the study did not)
    #[arg(long, value_enum, default_value = "none")]
    pub constrain: ConstrainArg,
    /// Do not ask for log-probabilities (use the sampled letter only)
    #[arg(long)]
    pub no_logprobs: bool,
    /// Which dialect of constraints an OpenAI-compatible server speaks (auto: OpenAI's for
    /// api.openai.com, none elsewhere). llama-cpp sends a GBNF grammar, vllm a guided choice.
    /// In `batch export` it is the dialect of the bodies.
    #[arg(long, value_enum, default_value = "auto", alias = "flavour")]
    pub server_flavour: FlavourArg,
    /// How each context's choice pairs are picked: random asks the benchmark's frozen
    /// (uniformly random) pairs, as the study did; adaptive asks them in rounds, each round's
    /// pairs chosen where the current fit is most uncertain (Bayesian D-optimal)
    #[arg(long, value_enum, default_value = "random")]
    pub design: DesignArg,
    /// Adaptive design: calls per context per round [default: 5] [range: 1-1000]
    #[arg(long, value_name = "N", value_parser = ranges::design_batch)]
    pub design_batch: Option<usize>,
    /// Adaptive design: candidate pairs drawn per pair picked [default: 32] [range: 1-4096]
    #[arg(long, value_name = "N", value_parser = ranges::design_candidates)]
    pub design_candidates: Option<usize>,
    /// Adaptive design: seed of the candidate pairs [default: 0]
    #[arg(long, value_name = "N")]
    pub design_seed: Option<u64>,
}

/// `--design`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DesignArg {
    /// The benchmark's frozen pairs (the study's design)
    Random,
    /// Bayesian D-optimal rounds
    Adaptive,
    /// A-optimal for the direction of the slopes (what the rescaled weights measure)
    Direction,
    /// Pairs closest to the current decision boundary
    Boundary,
}

/// The library's request for what [`AskArgs`] asks.
pub fn ask_request(a: &AskArgs) -> AskRequest {
    AskRequest {
        // `observe` takes the observed run's experiment (runner::observe).
        experiment: a.experiment.experiment().unwrap_or(Experiment::Native),
        benchmark: a.benchmark.clone(),
        preset: a.preset.unwrap_or(PresetArg::Full).into(),
        trials: a.trials,
        reports: a.reports,
        contexts: a.contexts,
        half: a.half.map(Into::into),
        contexts_file: a.contexts_file.clone(),
        counterbalance: (a.counterbalance || a.no_counterbalance).then_some(a.counterbalance),
        constrain: a.constrain.into(),
        logprobs: !a.no_logprobs,
        server_flavour: a.server_flavour.into(),
        design: match a.design {
            DesignArg::Random => None,
            DesignArg::Adaptive => Some(Criterion::DOptimal),
            DesignArg::Direction => Some(Criterion::Direction),
            DesignArg::Boundary => Some(Criterion::Boundary),
        },
        design_batch: a.design_batch,
        design_candidates: a.design_candidates,
        design_seed: a.design_seed,
    }
}

/// The library's request for what [`RunArgs`] asks (the provider and model as
/// [`resolve_who`] tells them); the resume command is this process's.
pub fn request(a: &RunArgs) -> Result<RunRequest, ConfigError> {
    let (provider, model) =
        resolve_who(a.provider.map(Into::into), &a.model, a.base_url.as_deref())?;
    Ok(RunRequest {
        who: Who {
            provider,
            model,
            base_url: a.base_url.clone(),
            seed: a.seed,
        },
        ask: ask_request(&a.ask),
        concurrency: a.concurrency,
        rpm: a.rpm,
        tpm: a.tpm,
        timeout_s: a.timeout,
        max_retries: a.max_retries,
        max_response_bytes: a.max_response_bytes,
        out: a.out.clone(),
        resume: a.resume,
        cache: !a.no_cache,
        cache_dir: a.cache_dir.clone(),
        max_invalid_rate: a.max_invalid_rate,
        resume_command: resume_command(),
        max_cost_usd: a.max_cost,
        max_requests: a.max_requests,
        price: super::run_plan::given_price(a),
    })
}

/// Validates the arguments against the benchmark (the library's [`resolve`]).
pub fn config(cli: &Cli, a: &RunArgs) -> Result<(RunConfig, Benchmark), Failure> {
    let observe: bool = a.ask.experiment == ExperimentArg::Observe;
    match (observe, &a.of, a.examples) {
        (true, Some(of), Some(examples)) => {
            super::expect_bundle(of)?;
            let o = ObserveRequest {
                of: of.clone(),
                examples,
                seed: a.seed,
            };
            Ok(resolve_observe(&request(a)?, &o, &cli.benchmark_dir())?)
        }
        (true, _, _) => Err(Failure::usage(
            "--experiment observe needs --of DIR (the observed run) and --examples K",
        )),
        (false, None, None) => Ok(resolve(&request(a)?, &cli.benchmark_dir())?),
        (false, _, _) => Err(Failure::usage(
            "--of and --examples apply to --experiment observe",
        )),
    }
}

/// This process's own command line with `--resume` added: what continues it after Ctrl-C.
pub fn resume_command() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".to_string());
    }
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(cli: &Cli, a: &RunArgs) -> anyhow::Result<()> {
    let (cfg, bench) = config(cli, a)?;
    // An --out that cannot take this run is named before the plan, not after it.
    selfinterp::runner::execute::check_out(&cfg)?;
    if !super::run_plan::announce(a, &cfg, &bench)? {
        return Ok(());
    }
    super::run_plan::confirm(a, &cfg)?;
    let session = Session::from_config(cfg, bench)?;
    let finished: Finished = session.run(&mut BarReporter::default(), |_| {
        eprintln!("\ninterrupted: stopping, keeping completed samples")
    })?;
    report(&finished, a.json)
}

/// `run --json`: the bundle, its status and counts, and the headline (null when not scored).
fn outcome_json(cfg: &RunConfig, o: &RunOutcome) -> serde_json::Value {
    let headline = o
        .summary
        .as_ref()
        .map(|s| selfinterp::reports::terminal::run_headline_json(s, &cfg.out));
    serde_json::json!({
        "out": cfg.out.display().to_string(),
        "status": o.status,
        "counts": o.counts,
        "headline": headline,
        "score_error": o.score_error,
    })
}

/// Prints the outcome and its headline, and maps its ending to the documented exit code.
fn report(f: &Finished, json: bool) -> anyhow::Result<()> {
    let (cfg, o) = (&f.config, &f.outcome);
    let c = &o.counts;
    eprintln!(
        "{}: {} of {} requests answered ({} choices, {} invalid; {} reports, {} invalid; {} failed)",
        cfg.out.display(),
        c.samples,
        c.planned,
        c.choices,
        c.invalid_choices,
        c.reports,
        c.invalid_reports_text(),
        c.errors
    );
    if json {
        println!("{}", outcome_json(cfg, o));
    }
    if let Some(e) = &o.score_error {
        eprintln!("warning: no summary.json: {e}");
    } else if let (Some(s), false) = (&o.summary, json) {
        print!(
            "{}",
            selfinterp::reports::terminal::run_headline(s, &cfg.out)
        );
    }
    Ok(ending(f)?)
}

/// The documented exit of a finished run, with what to do next: one exhaustive `match`, the
/// same for `run` and `study`.
pub fn ending(f: &Finished) -> Result<(), Failure> {
    let (cfg, o) = (&f.config, &f.outcome);
    let c = &o.counts;
    let interrupted = || format!("interrupted; resume with:\n  {}", cfg.resume_command);
    match f.ending() {
        Ending::Complete => Ok(()),
        Ending::OverInvalidThreshold => Err(Failure::check(
            o.invalid_exceeded.clone().unwrap_or_default(),
        )),
        Ending::ProviderRefused => Err(Failure::new(
            Exit::ProviderFatal,
            format!(
                "provider refused: {}",
                o.fatal.as_deref().unwrap_or("fatal error")
            ),
        )),
        Ending::StoppedEarly => Err(Failure::new(
            Exit::Incomplete,
            format!(
                "stopped early, {} of {} requests done: {}; completed samples are kept, continue with:\n  {}",
                c.samples,
                c.planned,
                o.stopped_early.as_deref().unwrap_or(""),
                cfg.resume_command
            ),
        )),
        Ending::Incomplete => Err(Failure::new(
            Exit::Incomplete,
            format!(
                "{} request(s) failed after every retry (errors.jsonl); retry them with:\n  {}",
                c.errors, cfg.resume_command
            ),
        )),
        Ending::Interrupted => Err(Failure::new(Exit::Interrupted, interrupted())),
        Ending::Terminated => Err(Failure::new(Exit::Terminated, interrupted())),
    }
}
