//! The provider a validated run configuration names. Keys come from the environment inside
//! the providers and never pass through here.

use crate::benchmark::Benchmark;
use crate::bundle::parameters::ProviderKind;
use crate::providers::anthropic::{Anthropic, AnthropicConfig};
use crate::providers::openai::{OpenAi, OpenAiConfig};
use crate::providers::{Provider, ProviderError};
use crate::runner::RunConfig;
use crate::sim::SimProvider;
use std::sync::Arc;

/// Why no provider could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The simulated agent named as the model does not exist (a usage error).
    #[error("{0}")]
    UnknownAgent(ProviderError),
    /// The API client could not be made (no key, a bad URL): the provider refuses for good.
    #[error("{0}")]
    Client(ProviderError),
}

/// The simulated agents' seed string for a run's seed (as `serve-sim --seed`).
pub fn sim_seed(seed: u64) -> String {
    seed.to_string()
}

/// The provider `cfg` names; `bench` gives the simulated agents their contexts.
pub fn provider(cfg: &RunConfig, bench: &Benchmark) -> Result<Arc<dyn Provider>, ConnectError> {
    let p = &cfg.params;
    Ok(match p.provider {
        ProviderKind::Sim => Arc::new(
            SimProvider::from_model(&p.model, &sim_seed(p.seed), bench)
                .map_err(ConnectError::UnknownAgent)?,
        ),
        ProviderKind::Openai => Arc::new(
            OpenAi::new({
                let mut c = OpenAiConfig::new(&p.model, p.base_url.as_deref());
                if let Some(f) = p.server_flavour {
                    c.flavour = f;
                }
                c.max_response_bytes = cfg.max_response_bytes;
                c
            })
            .map_err(ConnectError::Client)?,
        ),
        ProviderKind::Anthropic => Arc::new(
            Anthropic::new({
                let mut c = AnthropicConfig::new(&p.model, p.base_url.as_deref());
                c.max_response_bytes = cfg.max_response_bytes;
                c
            })
            .map_err(ConnectError::Client)?,
        ),
    })
}

/// The runtime a run's requests go through: one thread. The work per request (a prompt, a
/// JSON body, a parse, a journal line) takes microseconds, far below a model's answer time;
/// against a fast local server a second worker thread only added cross-thread wake-ups
/// (about 10% more CPU per request, docs/performance.md). Scoring has its own threads.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
