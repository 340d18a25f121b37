//! `selfinterp run`: ask a model every request of the benchmark and write a run bundle.
//!
//! The raw arguments are turned once into a validated [`RunConfig`] (counts resolved against
//! the benchmark, presets applied, impossible values refused) before anything is sent.

use super::Cli;
use super::exit::{self, Failure};
use super::ranges;
use crate::benchmark::Benchmark;
use crate::benchmark::Split;
use crate::bundle::RunStatus;
use crate::bundle::parameters::{
    ConstrainMode, DesignParams, Experiment, Parameters, ProviderKind, Settings, eligible_contexts,
};
use crate::bundle::sample::Order;
use crate::bundle::softlabel;
use crate::bundle::subset::{Half, parse_contexts_file};
use crate::design::Criterion;
use crate::experiments::combine;
use crate::prompts::PROMPT_VERSION;
use crate::providers::openai::{DEFAULT_BASE_URL, ServerFlavour};
use crate::providers::{Constraint, Provider};
use crate::runner::config::{Preset, RunConfig, default_cache_root, preset_counts, shell_quote};
use crate::runner::{RunOutcome, execute};
use crate::types::ContextId;
use clap::Args;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    /// Model API
    #[arg(long, value_enum)]
    pub provider: ProviderKind,
    /// Model name (for --provider sim: the agent, e.g. faithful)
    #[arg(long)]
    pub model: String,
    /// API base URL (OpenAI-compatible servers: llama.cpp, vLLM, Ollama, ...)
    #[arg(long)]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub ask: AskArgs,
    /// Requests in flight at once [range: 1-10000]
    #[arg(long, default_value_t = 8, value_parser = ranges::concurrency)]
    pub concurrency: usize,
    /// Requests-per-minute limit [range: 1-1000000]
    #[arg(long, value_parser = ranges::rpm)]
    pub rpm: Option<u32>,
    /// Tokens-per-minute limit (prompt tokens estimated at 4 characters each, plus max tokens)
    /// [range: 1-1000000000]
    #[arg(long, value_parser = ranges::tpm)]
    pub tpm: Option<u32>,
    /// Per-attempt timeout in seconds [range: above 0, up to 86400]
    #[arg(long, default_value_t = 60.0, value_parser = ranges::timeout)]
    pub timeout: f64,
    /// Retries of a retryable failure (429, 5xx, timeout, reset) before it goes to errors.jsonl
    /// [range: 0-100]
    #[arg(long, default_value_t = 6, value_parser = ranges::retries)]
    pub max_retries: u32,
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
    #[arg(long, default_value_t = 0.25, value_parser = ranges::rate)]
    pub max_invalid_rate: f64,
    /// Seed of the simulated agents (as `serve-sim --seed`)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// What a run asks, shared with `batch export` so a batch file holds exactly a live run's
/// requests for the same options.
#[derive(Args, Debug, Clone)]
pub struct AskArgs {
    /// Which split to ask: native preferences, or instilled profiles (fine-tuned model)
    #[arg(long, value_enum)]
    pub experiment: Experiment,
    /// Frozen benchmark version: embedded in the binary, or under <root>/benchmark/
    #[arg(long, default_value = "v1")]
    pub benchmark: String,
    /// Counts preset (see below)
    #[arg(long, value_enum, default_value = "full")]
    pub preset: Preset,
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
    pub half: Option<Half>,
    /// Only the contexts listed in FILE (one id per line, `#` comments allowed)
    #[arg(long, value_name = "FILE")]
    pub contexts_file: Option<PathBuf>,
    /// Ask every pair in both orders (A/B as frozen and swapped) and report the position bias
    #[arg(long, overrides_with = "no_counterbalance")]
    pub counterbalance: bool,
    /// Ask every pair in the frozen order only (the study's design)
    #[arg(long, overrides_with = "counterbalance")]
    pub no_counterbalance: bool,
    /// Ask the server to constrain answers (the study did not)
    #[arg(long, value_enum, default_value = "none")]
    pub constrain: ConstrainMode,
    /// Do not ask for log-probabilities (use the sampled letter only)
    #[arg(long)]
    pub no_logprobs: bool,
    /// Which dialect of constraints an OpenAI-compatible server speaks (auto: OpenAI's for
    /// api.openai.com, none elsewhere). llama-cpp sends a GBNF grammar, vllm a guided choice.
    /// In `batch export` it is the dialect of the bodies (`--flavour` there before).
    #[arg(long, value_enum, default_value = "auto", alias = "flavour")]
    pub server_flavour: ServerFlavour,
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

/// `--design-batch` when not given.
pub const DEFAULT_DESIGN_BATCH: usize = 5;
/// `--design-candidates` when not given.
pub const DEFAULT_DESIGN_CANDIDATES: usize = 32;

/// The design options as parameters: `None` for the frozen pairs.
fn design(a: &AskArgs) -> Result<Option<DesignParams>, Failure> {
    let criterion: Criterion = match a.design {
        DesignArg::Random => {
            if a.design_batch.is_some() || a.design_candidates.is_some() || a.design_seed.is_some()
            {
                return Err(Failure::usage(
                    "--design-batch, --design-candidates and --design-seed apply to an adaptive design; add --design adaptive",
                ));
            }
            return Ok(None);
        }
        DesignArg::Adaptive => Criterion::DOptimal,
        DesignArg::Direction => Criterion::Direction,
        DesignArg::Boundary => Criterion::Boundary,
    };
    let batch: usize = a.design_batch.unwrap_or(DEFAULT_DESIGN_BATCH);
    let candidates: usize = a.design_candidates.unwrap_or(DEFAULT_DESIGN_CANDIDATES);
    if batch == 0 || candidates == 0 {
        return Err(Failure::usage(
            "--design-batch and --design-candidates must be at least 1",
        ));
    }
    Ok(Some(DesignParams {
        criterion,
        batch,
        candidates,
        seed: a.design_seed.unwrap_or(0),
    }))
}

/// Who is asked: the parts of the parameters that are not [`AskArgs`].
pub struct Asked<'a> {
    pub provider: ProviderKind,
    pub model: &'a str,
    pub base_url: Option<&'a str>,
    pub seed: u64,
}

/// The run's parameters: what is asked, validated against the benchmark.
pub fn parameters(
    cli: &Cli,
    who: &Asked<'_>,
    a: &AskArgs,
) -> Result<(Parameters, Benchmark), Failure> {
    let bench: Benchmark = Benchmark::load(&cli.benchmark_dir(), &a.benchmark)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let split = a.experiment.split();
    let (n_ctx, n_pairs, n_reports) = preset_counts(a.preset, &bench, split);
    let (half, context_ids) = subset(a, &bench)?;
    let eligible = eligible_contexts(&bench, split, half, context_ids.as_deref());
    let avail_ctx: usize = eligible.len();
    let avail_pairs: usize = eligible.iter().map(|c| c.pairs.len()).min().unwrap_or(0);
    let avail_reports: usize = eligible
        .iter()
        .map(|c| c.report_pairs.len())
        .min()
        .unwrap_or(0);
    // A preset's context count is a cap: a half or a file smaller than it is asked whole.
    let contexts: usize = a.contexts.unwrap_or(n_ctx.min(avail_ctx));
    let trials: usize = a.trials.unwrap_or(n_pairs);
    let reports: usize = a.reports.unwrap_or(n_reports);
    let over = |what: &str, n: usize, max: usize| {
        Failure::usage(format!(
            "--{what} {n}: benchmark {} has {max} for the {} split",
            a.benchmark,
            split.as_str()
        ))
    };
    if contexts == 0 || contexts > avail_ctx {
        return Err(over("contexts", contexts, avail_ctx));
    }
    if trials > avail_pairs {
        return Err(over("trials", trials, avail_pairs));
    }
    if reports > avail_reports {
        return Err(over("reports", reports, avail_reports));
    }
    if trials == 0 && reports == 0 {
        return Err(Failure::usage(
            "--trials and --reports are both 0: nothing to ask",
        ));
    }
    if who.provider == ProviderKind::Anthropic
        && matches!(a.constrain, ConstrainMode::Letters | ConstrainMode::Both)
    {
        return Err(Failure::usage(
            "--constrain letters: the Anthropic API has no grammar constraint",
        ));
    }
    let server_flavour = (a.server_flavour != ServerFlavour::Auto).then_some(a.server_flavour);
    if who.provider == ProviderKind::Openai {
        // A constraint the server would never see must not be recorded as applied.
        let resolved = a
            .server_flavour
            .resolve(who.base_url.unwrap_or(DEFAULT_BASE_URL));
        let wanted: &[(bool, Constraint, &str)] = &[
            (
                matches!(a.constrain, ConstrainMode::Letters | ConstrainMode::Both),
                Constraint::Letters,
                "letters",
            ),
            (
                matches!(a.constrain, ConstrainMode::Json | ConstrainMode::Both),
                Constraint::JsonReport { keys: Vec::new() },
                "json",
            ),
        ];
        for (on, c, name) in wanted {
            if *on && !resolved.applies(c) {
                return Err(Failure::usage(format!(
                    "--constrain {name}: server flavour {resolved:?} has no such constraint; pass --server-flavour llama-cpp or vllm for a local server"
                )));
            }
        }
    }
    let logprobs: bool = who.provider.has_logprobs() && !a.no_logprobs;
    let mut params = Parameters {
        provider: who.provider,
        model: who.model.to_string(),
        base_url: who.base_url.map(str::to_string),
        experiment: a.experiment,
        benchmark: a.benchmark.clone(),
        benchmark_sha256: bench.hash.clone(),
        prompt_version: PROMPT_VERSION.to_string(),
        contexts,
        half,
        context_ids,
        trials,
        reports,
        orders: vec![Order::Ab],
        temperature: 0.0,
        choice_max_tokens: 1,
        report_max_tokens: 300,
        top_logprobs: logprobs.then_some(softlabel::TOP_LOGPROBS),
        constrain: a.constrain,
        server_flavour,
        design: design(a)?,
        seed: who.seed,
    };
    if counterbalanced(a) {
        combine::counterbalance(&mut params);
    }
    Ok((params, bench))
}

/// Validates the arguments against the benchmark.
pub fn config(cli: &Cli, a: &RunArgs) -> Result<(RunConfig, Benchmark), Failure> {
    let who = Asked {
        provider: a.provider,
        model: &a.model,
        base_url: a.base_url.as_deref(),
        seed: a.seed,
    };
    if let Some(u) = who.base_url {
        crate::providers::common::check_base_url(u).map_err(Failure::usage)?;
    }
    let (params, bench) = parameters(cli, &who, &a.ask)?;
    if a.concurrency == 0 || a.concurrency > 10_000 {
        return Err(Failure::usage("--concurrency must be between 1 and 10000"));
    }
    if a.rpm == Some(0) || a.tpm == Some(0) {
        return Err(Failure::usage("--rpm and --tpm must be positive"));
    }
    if !(a.timeout.is_finite() && a.timeout > 0.0) {
        return Err(Failure::usage(
            "--timeout must be a positive number of seconds",
        ));
    }
    if !(0.0..=1.0).contains(&a.max_invalid_rate) {
        return Err(Failure::usage("--max-invalid-rate must be between 0 and 1"));
    }
    let settings = Settings {
        concurrency: a.concurrency,
        rpm: a.rpm,
        tpm: a.tpm,
        timeout_s: a.timeout,
        max_retries: a.max_retries,
        cache: !a.no_cache,
        max_invalid_rate: a.max_invalid_rate,
    };
    let cache_dir: Option<PathBuf> = if a.no_cache {
        None
    } else {
        a.cache_dir.clone().or_else(default_cache_root)
    };
    let cfg = RunConfig {
        params,
        settings,
        preset: a.ask.preset,
        out: a.out.clone().unwrap_or_else(|| default_out(a)),
        resume: a.resume,
        cache_dir,
        timeout: Duration::from_secs_f64(a.timeout),
        resume_command: resume_command(),
        server: None,
    };
    Ok((cfg, bench))
}

/// `runs/<model>-<experiment>-<preset>`, the model's name made safe for a path.
pub fn default_out(a: &RunArgs) -> PathBuf {
    let model: String = a
        .model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let preset: &str = match a.ask.preset {
        Preset::Quick => "quick",
        Preset::Full => "full",
    };
    PathBuf::from("runs").join(format!(
        "{model}-{}-{preset}",
        a.ask.experiment.split().as_str()
    ))
}

/// Whether pairs are asked in both orders: the flags when given, else the preset's default.
pub fn counterbalanced(a: &AskArgs) -> bool {
    if a.counterbalance || a.no_counterbalance {
        return a.counterbalance;
    }
    counterbalance_default(a.preset)
}

/// The preset's default for `--counterbalance`: off for both. `full` follows the study (one
/// order). For `quick` it was measured (`counterbalancing_measurement` in tests/runner.rs: a
/// faithful sim agent pushed towards "A" by 0 to 3 log-odds, quick's 20 contexts, 8 seeds):
/// asking its 20 pairs both ways keeps r(learned, true weights) flat as the bias grows (0.965
/// -> 0.959 with soft labels) where one order drops (0.946 -> 0.914), but the same number of
/// requests spent on 40 pairs in one order does better still at every bias (0.984 -> 0.970;
/// letters only 0.929 -> 0.880 against 0.908 -> 0.861), because the fitted intercept already
/// absorbs a constant lean. Doubling a smoke test's cost for less is no default; the flag is
/// there to measure the bias itself.
pub fn counterbalance_default(_preset: Preset) -> bool {
    false
}

/// `--half` and `--contexts-file`, checked against the split.
fn subset(
    a: &AskArgs,
    bench: &Benchmark,
) -> Result<(Option<Half>, Option<Vec<ContextId>>), Failure> {
    let split = a.experiment.split();
    if a.half.is_some() && split != Split::Instilled {
        return Err(Failure::usage(
            "--half: the halves are of the instilled split; use it with --experiment instilled",
        ));
    }
    let ids: Option<Vec<ContextId>> = match &a.contexts_file {
        None => None,
        Some(f) => {
            let text: String = std::fs::read_to_string(f)
                .map_err(|e| Failure::usage(format!("{}: cannot read: {e}", f.display())))?;
            let ids = parse_contexts_file(&text)
                .map_err(|e| Failure::usage(format!("{}: {e}", f.display())))?;
            let in_split: HashSet<&ContextId> = bench.split(split).map(|c| &c.id).collect();
            if let Some(bad) = ids.iter().find(|id| !in_split.contains(id)) {
                return Err(Failure::usage(format!(
                    "{}: context {bad} is not in the {} split of benchmark {}",
                    f.display(),
                    split.as_str(),
                    a.benchmark
                )));
            }
            Some(ids)
        }
    };
    if a.half.is_some()
        && ids.is_some()
        && eligible_contexts(bench, split, a.half, ids.as_deref()).is_empty()
    {
        return Err(Failure::usage(
            "--half and --contexts-file have no context in common",
        ));
    }
    Ok((a.half, ids))
}

/// This process's own command line with `--resume` added: what continues it after Ctrl-C.
fn resume_command() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".to_string());
    }
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The provider the configuration names. Keys come from the environment inside the providers
/// and never pass through here.
pub fn provider(cfg: &RunConfig, bench: &Benchmark) -> Result<Arc<dyn Provider>, Failure> {
    use crate::providers::anthropic::{Anthropic, AnthropicConfig};
    use crate::providers::openai::{OpenAi, OpenAiConfig};
    use crate::sim::SimProvider;
    let p = &cfg.params;
    let fatal =
        |e: crate::providers::ProviderError| Failure::new(exit::PROVIDER_FATAL, e.to_string());
    Ok(match p.provider {
        ProviderKind::Sim => {
            if p.base_url.is_some() {
                return Err(Failure::usage(
                    "--base-url: the sim provider answers in-process; for HTTP use `serve-sim` and --provider openai",
                ));
            }
            Arc::new(
                SimProvider::from_model(&p.model, &sim_seed(p.seed), bench)
                    .map_err(|e| Failure::usage(e.to_string()))?,
            )
        }
        ProviderKind::Openai => Arc::new(
            OpenAi::new({
                let mut c = OpenAiConfig::new(&p.model, p.base_url.as_deref());
                if let Some(f) = p.server_flavour {
                    c.flavour = f;
                }
                c
            })
            .map_err(fatal)?,
        ),
        ProviderKind::Anthropic => Arc::new(
            Anthropic::new(AnthropicConfig::new(&p.model, p.base_url.as_deref())).map_err(fatal)?,
        ),
    })
}

/// The simulated agents' seed string for `--seed N`.
pub fn sim_seed(seed: u64) -> String {
    seed.to_string()
}

pub fn run(cli: &Cli, a: &RunArgs) -> anyhow::Result<()> {
    let (mut cfg, bench) = config(cli, a)?;
    let provider: Arc<dyn Provider> = provider(&cfg, &bench)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // A dead or wrong endpoint is named before any bundle is written.
    let server = rt
        .block_on(crate::providers::preflight::preflight(
            provider.as_ref(),
            cfg.timeout,
        ))
        .map_err(|e| Failure::new(exit::PROVIDER_FATAL, e.to_string()))?;
    cfg.server = Some(server);
    // Which signal stopped the run: SIGINT (Ctrl-C) exits 130, SIGTERM 143.
    let signal = Arc::new(std::sync::atomic::AtomicI32::new(0));
    let outcome: RunOutcome = rt
        .block_on(async {
            let (tx, rx) = tokio::sync::watch::channel(false);
            let seen = Arc::clone(&signal);
            tokio::spawn(async move {
                let code: i32 = stop_signal().await;
                eprintln!("\ninterrupted: stopping, keeping completed samples");
                seen.store(code, std::sync::atomic::Ordering::SeqCst);
                let _ = tx.send(true);
            });
            execute(&cfg, &bench, provider, rx).await
        })
        .map_err(|e| match e {
            crate::runner::execute::RunError::Usage(m) => Failure::usage(m),
            other => Failure::usage(other.to_string()),
        })?;
    report(
        &cfg,
        &outcome,
        signal.load(std::sync::atomic::Ordering::SeqCst),
    )
}

/// Waits for SIGINT or SIGTERM and returns the exit code it calls for.
async fn stop_signal() -> i32 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => exit::INTERRUPTED,
                _ = term.recv() => exit::TERMINATED,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    exit::INTERRUPTED
}

/// The summary the run just wrote, if it can be read back.
fn read_summary(dir: &std::path::Path) -> Option<crate::scoring::Summary> {
    let text = std::fs::read_to_string(dir.join(crate::bundle::SUMMARY)).ok()?;
    serde_json::from_str::<crate::bundle::BundleSummary>(&text)
        .ok()
        .map(|s| s.score)
}

/// Prints the outcome and its headline, and maps it to the documented exit code.
fn report(cfg: &RunConfig, o: &RunOutcome, signal: i32) -> anyhow::Result<()> {
    let c = &o.counts;
    eprintln!(
        "{}: {} of {} requests answered ({} choices, {} invalid; {} reports, {} invalid; {} failed)",
        cfg.out.display(),
        c.samples,
        c.planned,
        c.choices,
        c.invalid_choices,
        c.reports,
        c.invalid_reports,
        c.errors
    );
    if let Some(e) = &o.score_error {
        eprintln!("warning: no summary.json: {e}");
    } else if let Some(s) = read_summary(&cfg.out) {
        print!("{}", crate::reports::terminal::run_headline(&s, &cfg.out));
    }
    match o.status {
        RunStatus::Interrupted => Err(Failure::new(
            if signal == 0 { exit::INTERRUPTED } else { signal },
            format!("interrupted; resume with:\n  {}", cfg.resume_command),
        )
        .into()),
        RunStatus::Failed => Err(Failure::new(
            exit::PROVIDER_FATAL,
            format!(
                "provider refused: {}",
                o.fatal.as_deref().unwrap_or("fatal error")
            ),
        )
        .into()),
        RunStatus::Incomplete if o.stopped_early.is_some() => Err(Failure::new(
            exit::INCOMPLETE,
            format!(
                "stopped early, {} of {} requests done: {}; completed samples are kept, continue with:\n  {}",
                c.samples,
                c.planned,
                o.stopped_early.as_deref().unwrap_or(""),
                cfg.resume_command
            ),
        )
        .into()),
        RunStatus::Incomplete => Err(Failure::new(
            exit::INCOMPLETE,
            format!(
                "{} request(s) failed after every retry (errors.jsonl); retry them with:\n  {}",
                c.errors, cfg.resume_command
            ),
        )
        .into()),
        RunStatus::Complete | RunStatus::Running => match &o.invalid_exceeded {
            Some(m) => Err(Failure::check(m.clone()).into()),
            None => Ok(()),
        },
    }
}
