//! What a user asks of a run ([`RunRequest`]), and the one place it is checked: [`resolve`]
//! turns it into a validated [`RunConfig`] against the benchmark and the provider's
//! capabilities, or a typed [`ConfigError`]. The command line, `study` and `batch export`
//! build a request and call it; nothing else decides a run's counts or refuses its options.

use crate::benchmark::{Benchmark, Split};
use crate::bundle::parameters::{
    ConstrainMode, DesignParams, Experiment, Parameters, ProviderKind, Settings, eligible_contexts,
};
use crate::bundle::sample::Order;
use crate::bundle::softlabel;
use crate::bundle::subset::{Half, parse_contexts_file};
use crate::design::Criterion;
use crate::limits::{self, RangeError};
use crate::prompts::PROMPT_VERSION;
use crate::providers::Constraint;
use crate::providers::openai::{DEFAULT_BASE_URL, ServerFlavour};
use crate::runner::budget::{Price, list_price};
use crate::runner::config::{Preset, RunConfig, default_cache_root, preset_counts};
use crate::runner::spend::Limits;
use crate::types::ContextId;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod error;
pub use error::ConfigError;

/// Default requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default per-attempt timeout, seconds.
pub const DEFAULT_TIMEOUT_S: f64 = 60.0;
/// Default retries of a retryable failure.
pub const DEFAULT_MAX_RETRIES: u32 = 6;
/// Default invalid-answer threshold.
pub const DEFAULT_MAX_INVALID_RATE: f64 = 0.25;
/// Default benchmark version.
pub const DEFAULT_BENCHMARK: &str = "v1";
/// Adaptive design: calls per context per round when not given.
pub const DEFAULT_DESIGN_BATCH: usize = 5;
/// Adaptive design: candidate pairs per pair picked when not given.
pub const DEFAULT_DESIGN_CANDIDATES: usize = 32;

/// What is asked, shared by a live run and `batch export` so a batch file holds exactly a live
/// run's requests for the same options. `None` counts come from the preset.
#[derive(Clone, Debug, PartialEq)]
pub struct AskRequest {
    /// Native or instilled preferences (`--experiment`).
    pub experiment: Experiment,
    /// The benchmark version (`--benchmark`, e.g. `v1`).
    pub benchmark: String,
    /// The counts' preset (`--preset`).
    pub preset: Preset,
    /// Choices per context (`--trials`).
    pub trials: Option<usize>,
    /// Reports per context (`--reports`).
    pub reports: Option<usize>,
    /// Contexts asked (`--contexts`).
    pub contexts: Option<usize>,
    /// One half of the instilled split (`--half`).
    pub half: Option<Half>,
    /// A file of context ids (one per line, `#` comments allowed).
    pub contexts_file: Option<PathBuf>,
    /// Ask every pair in both orders; `None` takes the preset's default.
    pub counterbalance: Option<bool>,
    /// Constrained decoding the server applies (`--constrain`).
    pub constrain: ConstrainMode,
    /// Ask for first-token log-probabilities when the provider has them.
    pub logprobs: bool,
    /// Which OpenAI-compatible server answers (`--server-flavour`).
    pub server_flavour: ServerFlavour,
    /// `None`: the benchmark's frozen pairs (the study's design); otherwise an adaptive
    /// design with this criterion.
    pub design: Option<Criterion>,
    /// Adaptive design: calls per context per round.
    pub design_batch: Option<usize>,
    /// Adaptive design: candidate pairs per pair picked.
    pub design_candidates: Option<usize>,
    /// Adaptive design: the seed of its candidate draws.
    pub design_seed: Option<u64>,
}

impl AskRequest {
    /// The defaults of `selfinterp run --experiment E`.
    pub fn new(experiment: Experiment) -> Self {
        AskRequest {
            experiment,
            benchmark: DEFAULT_BENCHMARK.to_string(),
            preset: Preset::Full,
            trials: None,
            reports: None,
            contexts: None,
            half: None,
            contexts_file: None,
            counterbalance: None,
            constrain: ConstrainMode::None,
            logprobs: true,
            server_flavour: ServerFlavour::Auto,
            design: None,
            design_batch: None,
            design_candidates: None,
            design_seed: None,
        }
    }
}

/// Who is asked: the parts of a run's parameters that are not an [`AskRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct Who {
    /// Who answers (`--provider`).
    pub provider: ProviderKind,
    /// The model's name, or the simulated agent's (`--model`).
    pub model: String,
    /// The server's base URL (`--base-url`); `None` is the provider's default.
    pub base_url: Option<String>,
    /// Seed of the simulated agents.
    pub seed: u64,
}

/// Everything a user asks of a live run, before any check.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRequest {
    /// Who is asked.
    pub who: Who,
    /// What is asked.
    pub ask: AskRequest,
    /// Requests in flight (`--concurrency`).
    pub concurrency: usize,
    /// Requests per minute at most (`--rpm`).
    pub rpm: Option<u32>,
    /// Tokens per minute at most (`--tpm`).
    pub tpm: Option<u32>,
    /// Per-attempt timeout, seconds (`--timeout`).
    pub timeout_s: f64,
    /// Retries of a retryable failure (`--max-retries`).
    pub max_retries: u32,
    /// The largest response body read, bytes (a larger answer is that request's error).
    pub max_response_bytes: usize,
    /// Bundle directory; `None` is [`RunRequest::default_out`].
    pub out: Option<PathBuf>,
    /// Continue the bundle already in `out` (`--resume`).
    pub resume: bool,
    /// Read and write the response cache.
    pub cache: bool,
    /// Cache directory; `None` is `$SELFINTERP_CACHE` or `~/.cache/selfinterp`.
    pub cache_dir: Option<PathBuf>,
    /// The largest share of invalid answers the run accepts (`--max-invalid-rate`).
    pub max_invalid_rate: f64,
    /// The command line that resumes the run, shown when it stops early (the caller knows it).
    pub resume_command: String,
    /// Stop before the run's cost reaches this many US dollars (needs a price).
    pub max_cost_usd: Option<f64>,
    /// Stop before this many requests have been asked live.
    pub max_requests: Option<u64>,
    /// The price the plan and `max_cost_usd` count at; `None` is the list price, if any.
    pub price: Option<crate::runner::budget::Price>,
}

impl RunRequest {
    /// The defaults of `selfinterp run --provider P --model M --experiment E`.
    pub fn new(provider: ProviderKind, model: &str, experiment: Experiment) -> Self {
        RunRequest {
            who: Who {
                provider,
                model: model.to_string(),
                base_url: None,
                seed: 0,
            },
            ask: AskRequest::new(experiment),
            concurrency: DEFAULT_CONCURRENCY,
            rpm: None,
            tpm: None,
            timeout_s: DEFAULT_TIMEOUT_S,
            max_retries: DEFAULT_MAX_RETRIES,
            max_response_bytes: crate::providers::body::DEFAULT_MAX_RESPONSE_BYTES,
            out: None,
            resume: false,
            cache: true,
            cache_dir: None,
            max_invalid_rate: DEFAULT_MAX_INVALID_RATE,
            resume_command: String::new(),
            max_cost_usd: None,
            max_requests: None,
            price: None,
        }
    }

    /// `runs/<model>-<experiment>-<preset>`, the model's name made safe for a path.
    pub fn default_out(&self) -> PathBuf {
        let model: String = self
            .who
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
        let preset: &str = match self.ask.preset {
            Preset::Quick => "quick",
            Preset::Full => "full",
        };
        PathBuf::from("runs").join(format!(
            "{model}-{}-{preset}",
            self.ask.experiment.split().as_str()
        ))
    }
}

fn range<T>(option: &'static str, r: Result<T, RangeError>) -> Result<T, ConfigError> {
    r.map_err(|source| ConfigError::Range { option, source })
}

/// Checks a live run's request against the benchmark (under `benchmark_dir`, or built in) and
/// the provider's capabilities: the one place a run's options are refused.
pub fn resolve(
    req: &RunRequest,
    benchmark_dir: &Path,
) -> Result<(RunConfig, Benchmark), ConfigError> {
    if let Some(u) = &req.who.base_url {
        crate::providers::common::check_base_url(u)?;
    }
    if req.who.provider == ProviderKind::Sim {
        // Named before the plan is printed, not when the provider is made.
        req.who.model.parse::<crate::sim::AgentKind>()?;
    }
    let (params, bench) = parameters(&req.who, &req.ask, benchmark_dir)?;
    if req.who.provider == ProviderKind::Sim && req.who.base_url.is_some() {
        return Err(ConfigError::SimBaseUrl);
    }
    range("concurrency", limits::CONCURRENCY.check(req.concurrency))?;
    if let Some(r) = req.rpm {
        range("rpm", limits::RPM.check(r))?;
    }
    if let Some(t) = req.tpm {
        range("tpm", limits::TPM.check(t))?;
    }
    range("timeout", limits::TIMEOUT_S.check(req.timeout_s))?;
    range("max-retries", limits::RETRIES.check(req.max_retries))?;
    range(
        "max-response-bytes",
        limits::RESPONSE_BYTES.check(req.max_response_bytes),
    )?;
    range("max-invalid-rate", limits::RATE.check(req.max_invalid_rate))?;
    let spend_limits: Limits = spend_limits(req, &params)?;
    let settings = Settings {
        concurrency: req.concurrency,
        rpm: req.rpm,
        tpm: req.tpm,
        timeout_s: req.timeout_s,
        max_retries: req.max_retries,
        cache: req.cache,
        max_invalid_rate: req.max_invalid_rate,
    };
    let cache_dir: Option<PathBuf> = if req.cache {
        req.cache_dir.clone().or_else(default_cache_root)
    } else {
        None
    };
    let cfg = RunConfig {
        params,
        settings,
        preset: req.ask.preset,
        out: req.out.clone().unwrap_or_else(|| req.default_out()),
        resume: req.resume,
        cache_dir,
        timeout: Duration::from_secs_f64(req.timeout_s),
        max_response_bytes: req.max_response_bytes,
        resume_command: req.resume_command.clone(),
        server: None,
        limits: spend_limits,
    };
    Ok((cfg, bench))
}

/// The parameters of a batch file for `who` and `ask`: a live run's, except that an adaptive
/// design (whose pairs depend on earlier answers) cannot be written up front.
pub fn batch_parameters(
    who: &Who,
    ask: &AskRequest,
    benchmark_dir: &Path,
) -> Result<(Parameters, Benchmark), ConfigError> {
    if ask.design.is_some() {
        return Err(ConfigError::AdaptiveBatch);
    }
    parameters(who, ask, benchmark_dir)
}

/// A run's recorded parameters: what is asked, validated against the benchmark and the
/// constraints the provider can apply.
pub fn parameters(
    who: &Who,
    a: &AskRequest,
    benchmark_dir: &Path,
) -> Result<(Parameters, Benchmark), ConfigError> {
    let bench: Benchmark = Benchmark::load(benchmark_dir, &a.benchmark)?;
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
    let over = |option: &'static str, what, asked: usize, available: usize| ConfigError::Over {
        option,
        what,
        asked,
        available,
        benchmark: a.benchmark.clone(),
        split: split.as_str(),
    };
    if contexts == 0 {
        return Err(ConfigError::NoContexts);
    }
    if contexts > avail_ctx {
        return Err(over("contexts", "contexts", contexts, avail_ctx));
    }
    if trials > avail_pairs {
        return Err(over("trials", "pairs per context", trials, avail_pairs));
    }
    if reports > avail_reports {
        return Err(over(
            "reports",
            "report pairs per context",
            reports,
            avail_reports,
        ));
    }
    if trials == 0 && reports == 0 {
        return Err(ConfigError::NothingToAsk);
    }
    check_constraints(who, a)?;
    let server_flavour = (a.server_flavour != ServerFlavour::Auto).then_some(a.server_flavour);
    let logprobs: bool = who.provider.has_logprobs() && a.logprobs;
    let mut params = Parameters {
        provider: who.provider,
        model: who.model.clone(),
        base_url: who.base_url.clone(),
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
        observe: None,
    };
    if counterbalanced(a) {
        params.orders = vec![Order::Ab, Order::Ba];
    }
    Ok((params, bench))
}

/// A constraint the server would never see must not be recorded as applied.
fn check_constraints(who: &Who, a: &AskRequest) -> Result<(), ConfigError> {
    let letters: bool = matches!(a.constrain, ConstrainMode::Letters | ConstrainMode::Both);
    let json: bool = matches!(a.constrain, ConstrainMode::Json | ConstrainMode::Both);
    if who.provider == ProviderKind::Anthropic && letters {
        return Err(ConfigError::AnthropicGrammar);
    }
    if who.provider == ProviderKind::Openai {
        let flavour = a
            .server_flavour
            .resolve(who.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL));
        let wanted: [(bool, Constraint, &'static str); 2] = [
            (letters, Constraint::Letters, "letters"),
            (json, Constraint::JsonReport { keys: Vec::new() }, "json"),
        ];
        for (on, c, constraint) in wanted {
            if on && !flavour.applies(&c) {
                return Err(ConfigError::Unconstrainable {
                    constraint,
                    flavour,
                });
            }
        }
    }
    Ok(())
}

/// The design options as parameters: `None` for the frozen pairs.
fn design(a: &AskRequest) -> Result<Option<DesignParams>, ConfigError> {
    let Some(criterion) = a.design else {
        if a.design_batch.is_some() || a.design_candidates.is_some() || a.design_seed.is_some() {
            return Err(ConfigError::DesignOptionsWithoutDesign);
        }
        return Ok(None);
    };
    let batch: usize = a.design_batch.unwrap_or(DEFAULT_DESIGN_BATCH);
    let candidates: usize = a.design_candidates.unwrap_or(DEFAULT_DESIGN_CANDIDATES);
    range("design-batch", limits::DESIGN_BATCH.check(batch))?;
    range(
        "design-candidates",
        limits::DESIGN_CANDIDATES.check(candidates),
    )?;
    Ok(Some(DesignParams {
        criterion,
        batch,
        candidates,
        seed: a.design_seed.unwrap_or(0),
    }))
}

/// Whether pairs are asked in both orders: as asked, else the preset's default.
pub fn counterbalanced(a: &AskRequest) -> bool {
    a.counterbalance
        .unwrap_or_else(|| counterbalance_default(a.preset))
}

/// The preset's default for `--counterbalance`: off for both. `full` follows the study (one
/// order). For `quick` it was measured (`counterbalancing_measurement` in tests/runner.rs: a
/// faithful sim agent pushed towards "A" by 0 to 3 log-odds, quick's 20 contexts, 8 seeds):
/// asking its 20 pairs both ways keeps r(learned, true weights) flat as the bias grows (0.965
/// -> 0.959 with soft labels) where one order drops (0.946 -> 0.914), but the same number of
/// requests spent on 40 pairs in one order does better still at every bias (0.984 -> 0.970;
/// letters only 0.929 -> 0.880 against 0.908 -> 0.861), because the fitted intercept already
/// absorbs a constant lean. Doubling a smoke test's cost for less is no default; the option is
/// there to measure the bias itself.
pub fn counterbalance_default(_preset: Preset) -> bool {
    false
}

/// `half` and `contexts_file`, checked against the split.
fn subset(
    a: &AskRequest,
    bench: &Benchmark,
) -> Result<(Option<Half>, Option<Vec<ContextId>>), ConfigError> {
    let split = a.experiment.split();
    if a.half.is_some() && split != Split::Instilled {
        return Err(ConfigError::HalfNeedsInstilled);
    }
    let ids: Option<Vec<ContextId>> = match &a.contexts_file {
        None => None,
        Some(f) => {
            let text: String =
                std::fs::read_to_string(f).map_err(|source| ConfigError::ContextsFileRead {
                    path: f.clone(),
                    source,
                })?;
            let ids = parse_contexts_file(&text).map_err(|source| ConfigError::ContextsFile {
                path: f.clone(),
                source,
            })?;
            let in_split: HashSet<&ContextId> = bench.split(split).map(|c| &c.id).collect();
            if let Some(bad) = ids.iter().find(|id| !in_split.contains(id)) {
                return Err(ConfigError::ContextNotInSplit {
                    path: f.clone(),
                    id: bad.clone(),
                    split: split.as_str(),
                    benchmark: a.benchmark.clone(),
                });
            }
            Some(ids)
        }
    };
    if a.half.is_some()
        && ids.is_some()
        && eligible_contexts(bench, split, a.half, ids.as_deref()).is_empty()
    {
        return Err(ConfigError::NoCommonContext);
    }
    Ok((a.half, ids))
}

/// `--max-cost`/`--max-requests` checked, with the price the cost is counted at.
fn spend_limits(req: &RunRequest, params: &Parameters) -> Result<Limits, ConfigError> {
    if let Some(c) = req.max_cost_usd {
        range("max-cost", limits::MAX_COST.check(c))?;
    }
    if let Some(n) = req.max_requests {
        range("max-requests", limits::MAX_REQUESTS.check(n))?;
    }
    let price: Option<Price> = req
        .price
        .clone()
        .or_else(|| list_price(params.provider, &params.model, params.base_url.as_deref()));
    if req.max_cost_usd.is_some() && price.is_none() {
        return Err(ConfigError::MaxCostWithoutPrice {
            provider: params.provider.as_str().to_string(),
            model: params.model.clone(),
        });
    }
    Ok(Limits {
        max_cost_usd: req.max_cost_usd,
        max_requests: req.max_requests,
        price,
    })
}
