//! A run's parameters as the manifest records them.
//!
//! [`Parameters`] are what determines the measurement: a resumed run must have the same ones,
//! and they are written in the manifest. [`Settings`] only change how fast or how robustly the
//! samples are collected, so they may differ between a run and its resume. The runner's
//! [`crate::runner::RunConfig`] holds both, validated.

use crate::benchmark::{Benchmark, FrozenContext, Split};
use crate::design::{AdaptiveDesign, Criterion};
use crate::providers::Constraint;
use crate::types::ContextId;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Who answers a run's requests (`--provider`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// An OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp, Ollama, ...).
    Openai,
    /// Anthropic's Messages API.
    Anthropic,
    /// A simulated agent with known weights, in process.
    Sim,
}

impl ProviderKind {
    /// The name `--provider` takes and manifests record.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Sim => "sim",
        }
    }
    /// Whether the API can return first-token log-probabilities (Anthropic's cannot).
    pub fn has_logprobs(&self) -> bool {
        !matches!(self, ProviderKind::Anthropic)
    }
}

/// Which preferences a run measures, and so which split of the benchmark it asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Experiment {
    /// The model's own preferences: the native split, no target weights.
    Native,
    /// A model fine-tuned on the benchmark's profiles: the instilled split, scored against them.
    Instilled,
}

impl Experiment {
    /// The benchmark split the experiment asks.
    pub fn split(&self) -> Split {
        match self {
            Experiment::Native => Split::Native,
            Experiment::Instilled => Split::Instilled,
        }
    }
}

/// How the server is asked to constrain answers. The study constrained nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstrainMode {
    /// Nothing constrained (the study's way).
    None,
    /// Choices limited to "A" or "B".
    Letters,
    /// Reports limited to a JSON object with the five attribute names.
    Json,
    /// Both of the above.
    Both,
}

impl ConstrainMode {
    /// The constraint of a choice request under this mode.
    pub fn choice(&self) -> Option<Constraint> {
        matches!(self, ConstrainMode::Letters | ConstrainMode::Both).then_some(Constraint::Letters)
    }
    /// The constraint of a report request on `ctx` under this mode.
    pub fn report(&self, ctx: &FrozenContext) -> Option<Constraint> {
        matches!(self, ConstrainMode::Json | ConstrainMode::Both).then(|| Constraint::JsonReport {
            keys: ctx.attributes.iter().map(|a| a.name.clone()).collect(),
        })
    }
}

/// What determines the samples. Must match exactly for `--resume`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// Who answers.
    pub provider: ProviderKind,
    /// The model asked.
    pub model: String,
    /// The server's base URL (`--base-url`); null for the provider's default.
    pub base_url: Option<String>,
    /// Which split is asked.
    pub experiment: Experiment,
    /// The benchmark version.
    pub benchmark: String,
    /// sha256 of the benchmark's `contexts.jsonl`.
    pub benchmark_sha256: String,
    /// The prompts' wording version.
    pub prompt_version: String,
    /// How many contexts are asked: the first `contexts` of the split (after `half` and
    /// `context_ids` narrow it), in benchmark file order.
    pub contexts: usize,
    /// Only this half of the instilled split (`--half`): an introspection-trained model is
    /// asked only the half it was not trained on. Absent (not null) when unset, so bundles
    /// made before the option existed keep their exact manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half: Option<super::subset::Half>,
    /// Only these contexts (`--contexts-file`), in the file's order; the ids themselves are
    /// recorded, not the file's path, so a resume notices an edited file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_ids: Option<Vec<ContextId>>,
    /// Choice pairs asked per context (`--trials`).
    pub trials: usize,
    /// Reports asked per context (`--reports`).
    pub reports: usize,
    /// Presentation orders asked per pair: `[ab]` as in the study, `[ab, ba]` with
    /// `--counterbalance` (every pair also asked swapped, the position-bias control).
    pub orders: Vec<super::sample::Order>,
    /// Sampling temperature (0 as in the study).
    pub temperature: f64,
    /// Most completion tokens of a choice request.
    pub choice_max_tokens: u32,
    /// Most completion tokens of a report request.
    pub report_max_tokens: u32,
    /// Alternatives requested for the first choice token; null when log-probabilities are off.
    pub top_logprobs: Option<u32>,
    /// Which answers the server is asked to constrain (`--constrain`).
    pub constrain: ConstrainMode,
    /// The constraint dialect of an OpenAI-compatible server (`--server-flavour`); absent
    /// means auto, so bundles made before the option existed keep their exact manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_flavour: Option<crate::providers::openai::ServerFlavour>,
    /// How each context's choice pairs are picked (`--design`); absent means the benchmark's
    /// frozen pairs (the study's design), so bundles made before the option existed keep
    /// their exact manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<DesignParams>,
    /// Seed of the simulated agents (ignored by real providers, recorded anyway).
    pub seed: u64,
    /// An observer run (`--experiment observe`): the run it observes and the choices it
    /// shows. Absent otherwise, so every other manifest keeps its exact bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observe: Option<super::observe::ObserveParams>,
}

/// An adaptive pair design (`--design adaptive`): each context's choices are asked in rounds
/// of `batch` calls whose pairs [`AdaptiveDesign::next_batch`] picks from the answers before
/// them (see [`super::rounds`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignParams {
    /// The selection criterion (`d_optimal` for `--design adaptive`).
    pub criterion: Criterion,
    /// Calls per round (`--design-batch`).
    pub batch: usize,
    /// Candidate pairs drawn per pair picked (`--design-candidates`).
    pub candidates: usize,
    /// The design's seed (`--design-seed`); the candidate streams are keyed on it and on
    /// the benchmark's hash.
    pub seed: u64,
}

impl DesignParams {
    /// The design of a run with these parameters.
    pub fn design(&self, p: &Parameters) -> AdaptiveDesign {
        let mut d = AdaptiveDesign::with_criterion(
            format!("{}/design/{}", p.benchmark_sha256, self.seed),
            self.criterion,
        );
        d.candidates_per_pick = self.candidates;
        d
    }
}

/// How the samples are collected. May change between a run and its resume.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Requests in flight at once (`--concurrency`).
    pub concurrency: usize,
    /// Requests per minute allowed (`--rpm`).
    pub rpm: Option<u32>,
    /// Tokens per minute allowed (`--tpm`).
    pub tpm: Option<u32>,
    /// Per-attempt timeout, seconds (`--timeout`).
    pub timeout_s: f64,
    /// Retries of a failed attempt (`--max-retries`).
    pub max_retries: u32,
    /// Whether the response cache was used (`--no-cache` turns it off).
    pub cache: bool,
    /// Share of invalid answers above which the run is flagged (`--max-invalid-rate`).
    pub max_invalid_rate: f64,
}

/// The contexts of the split that `half` and `context_ids` allow, in benchmark file order.
pub fn eligible_contexts<'a>(
    bench: &'a Benchmark,
    split: Split,
    half: Option<super::subset::Half>,
    context_ids: Option<&[ContextId]>,
) -> Vec<&'a FrozenContext> {
    let in_half: Option<HashSet<ContextId>> =
        half.map(|h| super::subset::half_ids(bench, h).into_iter().collect());
    let listed: Option<HashSet<&ContextId>> = context_ids.map(|ids| ids.iter().collect());
    bench
        .split(split)
        .filter(|c| in_half.as_ref().is_none_or(|s| s.contains(&c.id)))
        .filter(|c| listed.as_ref().is_none_or(|s| s.contains(&c.id)))
        .collect()
}

/// The contexts a run asks, in benchmark file order.
pub fn run_contexts<'a>(bench: &'a Benchmark, params: &Parameters) -> Vec<&'a FrozenContext> {
    let mut list = eligible_contexts(
        bench,
        params.experiment.split(),
        params.half,
        params.context_ids.as_deref(),
    );
    list.truncate(params.contexts);
    list
}
