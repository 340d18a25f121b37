//! Why a run request cannot be run ([`ConfigError`]): every message names the option it is
//! about.

use crate::benchmark::BenchmarkError;
use crate::limits::RangeError;
use crate::providers::openai::ServerFlavour;
use crate::types::ContextId;
use std::path::PathBuf;

/// Why a request cannot be run. Every message names the option it is about.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The benchmark version could not be loaded.
    #[error(transparent)]
    Benchmark(#[from] BenchmarkError),
    /// A numeric option is out of its range.
    #[error("--{option}: {source}")]
    Range {
        /// The option, without its dashes.
        option: &'static str,
        /// What its range is.
        source: RangeError,
    },
    /// A count asks more than the benchmark's split holds.
    #[error(
        "--{option} {asked}: benchmark {benchmark} has {available} {what} in the {split} split"
    )]
    Over {
        /// The option, without its dashes.
        option: &'static str,
        /// What it counts ("contexts", "pairs per context", ...).
        what: &'static str,
        /// The count asked for.
        asked: usize,
        /// What the split holds.
        available: usize,
        /// The benchmark version.
        benchmark: String,
        /// The split (`native` or `instilled`).
        split: &'static str,
    },
    /// `--contexts 0`.
    #[error("--contexts 0: a run needs at least one context")]
    NoContexts,
    /// Neither choices nor reports are asked.
    #[error("--trials and --reports are both 0: nothing to ask")]
    NothingToAsk,
    /// A grammar constraint was asked of Anthropic, which has none.
    #[error("--constrain letters: the Anthropic API has no grammar constraint")]
    AnthropicGrammar,
    #[error(
        "--constrain {constraint}: server flavour {} has no such constraint; pass --server-flavour llama-cpp or vllm for a local server", flavour_name(.flavour)
    )]
    /// The server flavour cannot enforce the constraint asked.
    Unconstrainable {
        /// The constraint asked (`--constrain`).
        constraint: &'static str,
        /// The server's flavour.
        flavour: ServerFlavour,
    },
    #[error(
        "--design-batch, --design-candidates and --design-seed apply to an adaptive design; add --design adaptive"
    )]
    /// A design option without `--design adaptive`.
    DesignOptionsWithoutDesign,
    #[error(
        "--design adaptive: a batch file holds every request up front, but an adaptive design picks each round's pairs from the answers to the previous round; use `selfinterp run --design adaptive`, or --design random here"
    )]
    /// An adaptive design asked of a batch file.
    AdaptiveBatch,
    #[error("--half: the halves are of the instilled split; use it with --experiment instilled")]
    /// `--half` without the instilled split.
    HalfNeedsInstilled,
    #[error("{}: cannot read: {source}", path.display())]
    /// The `--contexts-file` could not be read.
    ContextsFileRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    /// The `--contexts-file` is malformed.
    ContextsFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line.
        source: crate::bundle::subset::ContextsFileError,
    },
    #[error("{}: context {id} is not in the {split} split of benchmark {benchmark}", path.display())]
    /// The `--contexts-file` names a context the split does not hold.
    ContextNotInSplit {
        /// The file.
        path: PathBuf,
        /// The context it names.
        id: ContextId,
        /// The split asked.
        split: &'static str,
        /// The benchmark version.
        benchmark: String,
    },
    #[error("--half and --contexts-file have no context in common")]
    /// `--half` and `--contexts-file` leave no context to ask.
    NoCommonContext,
    /// The `--base-url` is not a usable URL.
    #[error(transparent)]
    BaseUrl(#[from] crate::providers::common::BaseUrlError),
    #[error(
        "--base-url: the sim provider answers in-process; for HTTP use `serve-sim` and --provider openai"
    )]
    /// `--base-url` with the in-process simulator.
    SimBaseUrl,
    #[error(
        "--max-cost: no list price for {provider} model {model} at this endpoint; give --price-in and --price-out (US dollars per million tokens)"
    )]
    /// `--max-cost` for a model without a list price and no `--price-in`/`--price-out`.
    MaxCostWithoutPrice {
        /// The provider.
        provider: String,
        /// The model.
        model: String,
    },
    /// `--model` names no simulated agent (`--provider sim`).
    #[error("--model: {0}")]
    SimAgent(#[from] crate::sim::agent::AgentNameError),
    /// The `provider/model` shortcut of `--model` could not be read.
    #[error(transparent)]
    Who(#[from] crate::runner::shortcut::ShortcutError),
}

/// A server flavour as `--server-flavour` spells it (`plain`, `llama-cpp`), for messages.
fn flavour_name(f: &ServerFlavour) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{f:?}"))
}
