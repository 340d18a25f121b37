//! Model providers: one chat request in, one response out, with errors classified.
//!
//! The runner only sees [`Provider`]; retries, rate limits and caching wrap it. Keys come
//! from the environment and are never stored in any value that is logged or serialised.

use crate::prompts::Message;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// What kind of answer a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Choice,
    Report,
}

/// How the server is asked to constrain its output, if at all. Recorded in the run manifest,
/// since a constraint changes what is measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// Only "A" or "B" (a grammar or guided choice).
    Letters,
    /// A JSON object with exactly these numeric keys.
    JsonReport { keys: Vec<String> },
}

/// One chat request as the harness means it; providers turn it into their wire format.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub kind: RequestKind,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: f64,
    /// Ask for the top log-probabilities of the first generated token (choices).
    pub top_logprobs: Option<u32>,
    pub constraint: Option<Constraint>,
}

/// One alternative for the first generated token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenLogprob {
    pub token: String,
    pub logprob: f64,
}

/// A provider's answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    pub text: String,
    /// Top alternatives of the first generated token, when the provider gives them.
    pub top_logprobs: Option<Vec<TokenLogprob>>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    /// The model id the server says answered.
    pub model: Option<String>,
    pub system_fingerprint: Option<String>,
}

/// Why a request failed, classified for the retry policy.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Worth retrying: 429, 5xx, timeouts, resets, truncated or malformed bodies.
    #[error("{message}")]
    Retryable { message: String, retry_after: Option<Duration> },
    /// Never worth retrying: 401, 403, unknown model, bad request.
    #[error("{message}")]
    Fatal { message: String },
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<ChatResponse, ProviderError>> + Send + 'a>>;

/// A model endpoint.
pub trait Provider: Send + Sync {
    /// "openai", "anthropic" or "sim".
    fn name(&self) -> &str;
    /// The model name requested.
    fn model(&self) -> &str;
    /// The exact JSON body that would be sent (cache key, batch files). Holds no secret.
    fn request_body(&self, req: &ChatRequest) -> serde_json::Value;
    /// Sends one request once (no retries here).
    fn send<'a>(&'a self, req: &'a ChatRequest) -> SendFuture<'a>;
}
