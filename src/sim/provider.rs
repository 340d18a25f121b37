//! A simulated agent behind the [`Provider`] interface, answered in process (no HTTP).

use super::agent::{AgentKind, SimAgent};
use crate::benchmark::Benchmark;
use crate::providers::{ChatRequest, ChatResponse, Provider, ProviderError, SendFuture};
use std::sync::Arc;

/// A simulated agent behind the [`Provider`] interface, answered in-process (no HTTP).
#[derive(Clone, Debug)]
pub struct SimProvider {
    agent: Arc<SimAgent>,
    model: String,
}

impl SimProvider {
    /// `model` is what the run asked for (normally the agent's name).
    pub fn new(agent: Arc<SimAgent>, model: impl Into<String>) -> SimProvider {
        SimProvider {
            agent,
            model: model.into(),
        }
    }

    /// Parses the agent from the model name ("faithful", "partial:0.3", ...) over a benchmark.
    pub fn from_model(
        model: &str,
        seed: &str,
        bench: &Benchmark,
    ) -> Result<SimProvider, ProviderError> {
        let kind: AgentKind =
            model.parse().map_err(
                |e: crate::sim::agent::AgentNameError| ProviderError::Fatal {
                    message: e.to_string(),
                },
            )?;
        Ok(SimProvider::new(
            Arc::new(SimAgent::from_benchmark(kind, seed, bench)),
            model,
        ))
    }

    /// The agent that answers.
    pub fn agent(&self) -> &Arc<SimAgent> {
        &self.agent
    }

    /// The full response for a request, as the provider returns it.
    pub fn answer(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let r = self
            .agent
            .respond(&req.messages, req.top_logprobs)
            .map_err(|e| ProviderError::Fatal {
                message: e.to_string(),
            })?;
        Ok(ChatResponse {
            text: r.text,
            top_logprobs: r.top_logprobs,
            tokens_in: Some(r.tokens_in),
            tokens_out: Some(r.tokens_out),
            model: Some(self.agent.name()),
            system_fingerprint: Some(self.agent.fingerprint().to_string()),
        })
    }
}

impl Provider for SimProvider {
    fn name(&self) -> &str {
        "sim"
    }

    fn model(&self) -> &str {
        &self.model
    }

    /// The body an OpenAI-compatible server would get, so cache keys look like HTTP ones.
    fn request_body(&self, req: &ChatRequest) -> serde_json::Value {
        crate::providers::openai::build_body(
            &self.model,
            crate::providers::openai::ServerFlavour::Plain,
            req,
        )
    }

    fn send<'a>(&'a self, req: &'a ChatRequest) -> SendFuture<'a> {
        Box::pin(std::future::ready(self.answer(req)))
    }
}
