//! `manifest.json`: what was run, with what, by which harness, when, and how it stands.

use super::harness::Harness;
use super::parameters::{Parameters, Settings};
use super::sample::{KindKey, Sample};
use serde::{Deserialize, Serialize};

/// The seed of the scoring engine's bootstrap and permutations, recorded in every manifest.
pub const SCORING_SEED: u64 = 20_251_126;

/// Where the run's state stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// A session is asking (or died without finishing: `--resume` continues).
    Running,
    /// Every planned request has a sample.
    Complete,
    /// Some requests failed after every retry (see `errors.jsonl`); `--resume` retries them.
    Incomplete,
    /// Stopped by SIGINT or SIGTERM; `--resume` continues.
    Interrupted,
    /// Stopped by a fatal provider error.
    Failed,
}

/// What the server said about itself (every distinct value seen, sorted).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// The model ids the server said answered.
    pub model_ids: Vec<String>,
    /// The `system_fingerprint`s it gave.
    pub system_fingerprints: Vec<String>,
}

/// Whether choices carry soft labels, and how P(A) is read from log-probabilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SoftLabels {
    /// True when at least one choice sample has a P(A) from log-probabilities.
    pub used: bool,
    /// How P(A) is computed, in words (or why there is none, for an import).
    pub method: String,
}

/// How many requests a run planned, and the samples, errors, choices, reports (valid or not)
/// and soft labels it has.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Requests in the run's plan (choices and reports).
    pub planned: usize,
    /// Lines of `samples.jsonl`: requests answered.
    pub samples: usize,
    /// Requests that failed after every retry (`errors.jsonl`).
    pub errors: usize,
    /// Choice samples, parsed or not.
    pub choices: usize,
    /// Choice samples that did not parse.
    pub invalid_choices: usize,
    /// Report samples, parsed or not.
    pub reports: usize,
    /// Null where it is unknown: an imported data release lists only the reports it kept.
    pub invalid_reports: Option<usize>,
    /// An import's invalid reports among those the release kept (absent for runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reports_among_present: Option<usize>,
    /// Choice samples with a soft label (P(A) from log-probabilities).
    pub soft_labels: usize,
}

impl Counts {
    /// For a source that dropped its invalid reports before we saw them (an imported data
    /// release): how many were invalid is unknown, not the count among those kept, which
    /// moves to `invalid_reports_among_present`.
    pub fn unknown_invalid_reports(&mut self) {
        self.invalid_reports_among_present = self.invalid_reports.take();
    }

    /// `invalid_reports` in words: the number, or "unknown".
    pub fn invalid_reports_text(&self) -> String {
        self.invalid_reports
            .map_or_else(|| "unknown".to_string(), |n| n.to_string())
    }
}

/// Every seed a run's results depend on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seeds {
    /// The benchmark's public master seed (null for a privately drawn version or an import).
    pub benchmark: Option<String>,
    /// The simulated agents' seed.
    pub provider: u64,
    /// The seed of the scoring engine's bootstrap and permutations.
    pub scoring: u64,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// The bundle layout's version (`bundle::FORMAT`).
    pub format: u32,
    /// "run" for `selfinterp run`, "import:csv" for an imported data release.
    pub source: String,
    /// The harness that made the bundle: name, version, commit.
    pub harness: Harness,
    /// Who answered (`openai`, `anthropic`, `sim`, or an import's provider).
    pub provider: String,
    /// The model asked.
    pub model: String,
    /// The benchmark version; null for an import.
    pub benchmark: Option<String>,
    /// sha256 of the benchmark's `contexts.jsonl`, checked when the bundle is opened.
    pub benchmark_sha256: Option<String>,
    /// The prompts' wording version; null for an import.
    pub prompt_version: Option<String>,
    /// The constraint mode used ("none", "letters", "json", "both").
    pub constraint: String,
    /// What was asked (what determines the samples; `--resume` must match it); null for an
    /// import.
    pub parameters: Option<Parameters>,
    /// How it was asked (concurrency, rate limits, timeouts, cache; may change on resume).
    pub settings: Option<Settings>,
    /// The seeds.
    pub seeds: Seeds,
    /// Whether soft labels were used, and how.
    pub soft_labels: SoftLabels,
    /// What the server said about itself.
    pub server: ServerInfo,
    /// Where the run stands.
    pub status: RunStatus,
    /// When the first session began (RFC 3339, UTC).
    pub started_at: String,
    /// When the last session ended; null while running.
    pub finished_at: Option<String>,
    /// When each `--resume` began.
    #[serde(default)]
    pub resumed_at: Vec<String>,
    /// Requests planned, samples, errors, invalid answers.
    pub counts: Counts,
    /// Imported bundles: the source files and their sha256.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputFile>,
    /// The last session's re-check of the response cache, when the cache held answers for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_check: Option<CacheCheck>,
    /// A run under `--max-cost` or `--max-requests`: its limits and what it spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spending: Option<Spending>,
}

/// What a run asked live and what that cost, over every session of the bundle, with the last
/// session's limits (`runner::spend`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spending {
    pub max_cost_usd: Option<f64>,
    pub max_requests: Option<u64>,
    /// US dollars per million input and output tokens the cost is counted at, and their source.
    pub price_in_per_million: Option<f64>,
    pub price_out_per_million: Option<f64>,
    pub price_source: Option<String>,
    /// Requests answered live (answers from the response cache cost nothing).
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// `None` without a price.
    pub cost_usd: Option<f64>,
    /// Of `requests`, those whose provider reported no token usage: their tokens are the
    /// estimate (prompt characters / 4 + 8, answer characters / 4).
    pub estimated: u64,
    /// Why the run stopped at a limit, when it did.
    pub stopped: Option<String>,
}

/// Cached requests re-asked live before a run trusted the response cache
/// (`runner::recheck`): `trusted` false means every request of the session was asked live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheCheck {
    /// Requests re-asked, answers received and compared, answers that differed.
    pub asked: usize,
    /// Answers received and compared with the cache's.
    pub compared: usize,
    /// Of those, answers that differed.
    pub differed: usize,
    /// Whether the cache was used for the rest of the session.
    pub trusted: bool,
}

/// A source file of an imported bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// What the file held (`contexts`, `selections`, `reports`, `targets`, `batch_results`).
    pub role: String,
    /// The file as given on the command line.
    pub path: String,
    /// sha256 of its bytes.
    pub sha256: String,
}

/// The manifest of a new bundle of `params` (a live run, or a batch import of the same
/// requests), before any sample: status `running`, no counts yet.
pub fn new_manifest(
    source: &str,
    params: &Parameters,
    settings: Option<Settings>,
    bench: &crate::benchmark::Benchmark,
    started_at: String,
) -> RunManifest {
    RunManifest {
        format: super::FORMAT,
        source: source.to_string(),
        harness: super::harness::harness(),
        provider: params.provider.as_str().to_string(),
        model: params.model.clone(),
        benchmark: Some(params.benchmark.clone()),
        benchmark_sha256: Some(bench.hash.clone()),
        prompt_version: Some(params.prompt_version.clone()),
        constraint: serde_json::to_value(params.constrain)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        parameters: Some(params.clone()),
        settings,
        seeds: Seeds {
            benchmark: bench.manifest.seed.clone(),
            provider: params.seed,
            scoring: SCORING_SEED,
        },
        soft_labels: SoftLabels {
            used: false,
            method: super::softlabel::METHOD.to_string(),
        },
        server: ServerInfo::default(),
        status: RunStatus::Running,
        started_at,
        finished_at: None,
        resumed_at: Vec::new(),
        counts: Counts::default(),
        inputs: Vec::new(),
        cache_check: None,
        spending: None,
    }
}
/// Counts over a set of samples (for the manifest).
pub fn count(samples: &[Sample], planned: usize, errors: usize) -> Counts {
    let mut c: Counts = Counts {
        planned,
        samples: samples.len(),
        errors,
        invalid_reports: Some(0),
        ..Counts::default()
    };
    for s in samples {
        match s.kind {
            KindKey::Choice => {
                c.choices += 1;
                c.invalid_choices += usize::from(s.parsed.is_none());
                c.soft_labels += usize::from(s.p_a.is_some());
            }
            KindKey::Report => {
                c.reports += 1;
                c.invalid_reports = c
                    .invalid_reports
                    .map(|n| n + usize::from(s.parsed.is_none()));
            }
        }
    }
    c
}
