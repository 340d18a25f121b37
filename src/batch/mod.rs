//! Batch files: a run's requests as an OpenAI Batch API or Anthropic Message Batches file, and
//! the provider's results turned back into a run bundle.
//!
//! Batch endpoints cost half as much and have no rate limit to pace, which is what makes the
//! full protocol (tens of thousands of requests per model) affordable. The requests are the
//! runner's plan (`crate::bundle::plan::plan`) with the bodies the providers would send live
//! (the same `build_body` their [`crate::providers::Provider::request_body`] calls), so an
//! imported bundle holds the very samples a live run would, and `selfinterp run --resume` on it
//! asks whatever the batch missed.
//!
//! Custom ids read back to benchmark items: `<c|r>-<context>-<index>-<ab|ba>`, e.g.
//! `c-electric_kettle-12-ab` (context ids are snake_case, so the dashes are unambiguous; the
//! longest id fits Anthropic's 64-character limit).
//!
//! This file writes the request files; `import` reads the results back into a bundle.

use crate::benchmark::{Benchmark, FrozenContext};
use crate::bundle::parameters::{Parameters, run_contexts};
use crate::bundle::plan::{Task, plan};
use crate::bundle::sample::{KindKey, Order, SampleKey};
use crate::prompts::Prompt;
use crate::providers::openai::{OpenAi, OpenAiConfig, ServerFlavour};
use crate::providers::{ChatRequest, Provider, anthropic};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The OpenAI Batch API endpoint every line names (vLLM's batch runner reads it too).
pub const OPENAI_URL: &str = "/v1/chat/completions";
/// Anthropic's limit on a custom id's length.
pub const MAX_ID_LEN: usize = 64;

/// Why a batch file could not be written or its results imported.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The OpenAI client that builds the bodies could not be made.
    #[error("{0}")]
    Client(crate::providers::ProviderError),
    /// A request's custom id is over Anthropic's limit.
    #[error("custom id {id} is longer than Anthropic's {MAX_ID_LEN} characters")]
    IdTooLong {
        /// The id.
        id: String,
    },
    /// The output directory could not be created.
    #[error("{}: cannot create: {source}", dir.display())]
    Create {
        /// The directory.
        dir: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The import's directory holds a run asked with other parameters.
    #[error("{}: holds a run with other parameters; import into a new directory", dir.display())]
    OtherParameters {
        /// The directory.
        dir: std::path::PathBuf,
    },
    /// The bundle could not be read or written.
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    /// The samples could not be read or written.
    #[error(transparent)]
    Journal(#[from] crate::bundle::journal::JournalError),
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The batch manifest is not one.
    #[error("{}: not a batch manifest: {source}", path.display())]
    NotAManifest {
        /// The file.
        path: std::path::PathBuf,
        /// The JSON error, with its line.
        source: serde_json::Error,
    },
    /// Two different answers to one request.
    #[error("{0}; nothing imported")]
    Conflict(String),
    /// The benchmark the batch manifest names cannot be loaded or has changed.
    #[error(transparent)]
    Benchmark(#[from] crate::bundle::OpenError),
}

/// Which batch API a file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchFormat {
    /// `{custom_id, method, url, body}` per line (OpenAI Batch API, vLLM `run_batch`).
    Openai,
    /// `{custom_id, params}` per line (Anthropic Message Batches).
    Anthropic,
}

impl BatchFormat {
    /// The name `--format` takes and manifests record.
    pub fn as_str(&self) -> &'static str {
        match self {
            BatchFormat::Openai => "openai",
            BatchFormat::Anthropic => "anthropic",
        }
    }
}

/// The custom id of a request.
pub fn custom_id(key: &SampleKey) -> String {
    let kind = match key.kind {
        KindKey::Choice => "c",
        KindKey::Report => "r",
    };
    format!(
        "{kind}-{}-{}-{}",
        key.context,
        key.index,
        key.order.as_str()
    )
}

/// The item a custom id names; `None` for an id this tool did not write.
pub fn parse_custom_id(id: &str) -> Option<SampleKey> {
    let (kind, rest) = id.split_once('-')?;
    let (rest, order) = rest.rsplit_once('-')?;
    let (context, index) = rest.rsplit_once('-')?;
    let kind = match kind {
        "c" => KindKey::Choice,
        "r" => KindKey::Report,
        _ => return None,
    };
    let order = match order {
        "ab" => Order::Ab,
        "ba" => Order::Ba,
        _ => return None,
    };
    if context.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(SampleKey {
        kind,
        context: context.into(),
        index: index.parse().ok()?,
        order,
    })
}

/// The planned tasks of a run with these parameters.
pub fn planned_tasks(bench: &Benchmark, params: &Parameters) -> Vec<Task> {
    let contexts: Vec<Arc<FrozenContext>> = run_contexts(bench, params)
        .into_iter()
        .map(|c| Arc::new(c.clone()))
        .collect();
    plan(&contexts, params)
}

/// Builds the wire body of a request for a batch format.
pub struct BodyBuilder {
    format: BatchFormat,
    model: String,
    openai: Option<OpenAi>,
}

impl BodyBuilder {
    /// An OpenAI body uses the live client's own `request_body` (no key needed to build it);
    /// `flavour` decides which constraint fields are sent, as it does live.
    pub fn new(
        format: BatchFormat,
        params: &Parameters,
        flavour: ServerFlavour,
    ) -> Result<BodyBuilder, BatchError> {
        let openai = match format {
            BatchFormat::Openai => {
                let mut cfg = OpenAiConfig::new(params.model.clone(), params.base_url.as_deref());
                cfg.api_key = None;
                cfg.flavour = flavour;
                Some(OpenAi::new(cfg).map_err(BatchError::Client)?)
            }
            BatchFormat::Anthropic => None,
        };
        Ok(BodyBuilder {
            format,
            model: params.model.clone(),
            openai,
        })
    }

    /// The request body of `req`, exactly as the live provider would send it.
    pub fn body(&self, req: &ChatRequest) -> Value {
        match (&self.openai, self.format) {
            (Some(o), _) => o.request_body(req),
            // The Anthropic client refuses to exist without a key; its request_body is this.
            (None, _) => anthropic::build_body(&self.model, req),
        }
    }
}

/// One line of a batch request file.
pub fn request_line(format: BatchFormat, id: &str, body: Value) -> Value {
    match format {
        BatchFormat::Openai => {
            json!({"custom_id": id, "method": "POST", "url": OPENAI_URL, "body": body})
        }
        BatchFormat::Anthropic => json!({"custom_id": id, "params": body}),
    }
}

/// A batch request file's lines, in plan order, skipping keys already answered.
pub fn request_lines(
    tasks: &[Task],
    params: &Parameters,
    builder: &BodyBuilder,
    done: &BTreeSet<SampleKey>,
) -> Result<Vec<Value>, BatchError> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks.iter().filter(|t| !done.contains(&t.key)) {
        let id = custom_id(&t.key);
        if builder.format == BatchFormat::Anthropic && id.len() > MAX_ID_LEN {
            return Err(BatchError::IdTooLong { id });
        }
        let prompt: Prompt = t.prompt();
        out.push(request_line(
            builder.format,
            &id,
            builder.body(&t.request(&prompt, params)),
        ));
    }
    Ok(out)
}

/// Written beside a batch file: what a later `batch import` needs to rebuild the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchManifest {
    /// Which batch API the file is for.
    pub format: BatchFormat,
    /// The run's parameters, exactly as a live `selfinterp run` with the same options has them.
    pub parameters: Parameters,
    /// The server flavour the bodies were built for.
    pub flavour: ServerFlavour,
    /// Lines of the request file.
    pub requests: usize,
    /// Requests left out because the bundle named by `--skip-done` already had them.
    pub skipped_done: usize,
    /// The request file's name, beside the manifest.
    pub file: String,
    /// sha256 of the request file.
    pub sha256: String,
}

mod import;
pub use import::*;
