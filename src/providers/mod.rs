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
    /// A letter, "A" or "B".
    Choice,
    /// A JSON object of five weights.
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
    JsonReport {
        /// The attribute names, in order.
        keys: Vec<String>,
    },
}

/// One chat request as the harness means it; providers turn it into their wire format.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    /// Choice or report (the parser and the cache key read it).
    pub kind: RequestKind,
    /// The prompt: system, then user.
    pub messages: Vec<Message>,
    /// Most completion tokens asked for.
    pub max_tokens: u32,
    /// Sampling temperature (0 in the study).
    pub temperature: f64,
    /// Ask for the top log-probabilities of the first generated token (choices).
    pub top_logprobs: Option<u32>,
    /// The output constraint asked of the server, if any.
    pub constraint: Option<Constraint>,
}

/// One alternative for the first generated token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenLogprob {
    /// The token's text, as the server gives it.
    pub token: String,
    /// Its natural log-probability (at most 0).
    pub logprob: f64,
}

/// A provider's answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The generated text (keys redacted, see `sanitise`).
    pub text: String,
    /// Top alternatives of the first generated token, when the provider gives them.
    pub top_logprobs: Option<Vec<TokenLogprob>>,
    /// Prompt tokens, as the server counted them.
    pub tokens_in: Option<u64>,
    /// Completion tokens, as the server counted them.
    pub tokens_out: Option<u64>,
    /// The model id the server says answered.
    pub model: Option<String>,
    /// The server's `system_fingerprint` (its build and configuration), when it gives one.
    pub system_fingerprint: Option<String>,
}

/// Why a request failed, classified for the retry policy.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Worth retrying: 429, 5xx, timeouts, resets, truncated or malformed bodies.
    #[error("{message}")]
    Retryable {
        /// What went wrong, in one line (keys redacted).
        message: String,
        /// How long the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// Never worth retrying: 401, 403, unknown model, bad request.
    #[error("{message}")]
    Fatal {
        /// What went wrong, in one line (keys redacted).
        message: String,
    },
    /// This answer is refused and not asked again (a body over the size limit); the request
    /// goes to `errors.jsonl` and the run goes on.
    #[error("{message}")]
    Rejected {
        /// Why the answer was refused.
        message: String,
    },
}

/// What [`Provider::send`] returns.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ChatResponse, ProviderError>> + Send + 'a>>;

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
    /// Where requests go (the base URL); part of the response cache key.
    fn endpoint(&self) -> &str {
        "in-process"
    }
    /// The server's list of the models it serves (`GET /models` entries), for the pre-flight
    /// check ([`preflight`]): `Ok(None)` when the server lists none; `Err` with one line when
    /// it cannot be reached or refuses the key.
    fn list_models(&self, timeout: Duration) -> ListFuture<'_> {
        let _ = timeout;
        Box::pin(std::future::ready(Ok(None)))
    }
    /// What the server says of its weights beyond the model list (llama.cpp's
    /// `GET /props`), for the cache key; `None` when it says nothing.
    fn server_props(&self, timeout: Duration) -> PropsFuture<'_> {
        let _ = timeout;
        Box::pin(std::future::ready(None))
    }
}

/// What [`Provider::server_props`] returns.
pub type PropsFuture<'a> = Pin<Box<dyn Future<Output = Option<serde_json::Value>> + Send + 'a>>;

/// What [`Provider::list_models`] returns.
pub type ListFuture<'a> = Pin<
    Box<
        dyn Future<Output = Result<Option<Vec<serde_json::Value>>, preflight::PreflightError>>
            + Send
            + 'a,
    >,
>;

/// Why a 2xx body is not a chat response (retryable upstream: `common::malformed`).
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Not JSON, or not the shape of a chat response.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// Some gateways answer 200 with an error object and no choice.
    #[error("no choices in the response")]
    NoChoices,
}

pub(crate) mod anthropic;
pub(crate) mod body;
pub(crate) mod common;
#[cfg(test)]
mod fuzz;
pub(crate) mod openai;
pub(crate) mod preflight;
pub(crate) mod props;
pub(crate) mod redact;
pub(crate) mod resilient;
pub(crate) mod sanitise;

pub use anthropic::{Anthropic, AnthropicConfig};
pub use common::redact;
pub use openai::{OpenAi, OpenAiConfig, ServerFlavour};
pub use preflight::preflight;
pub use resilient::{Policy, Resilient, SleepFn};

pub use common::ApiKey;

/// What the first token's top log-probabilities say about the two letters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LetterMass {
    /// No log-probabilities, or neither letter among them.
    Unknown,
    /// A log-probability above 0 or not a number: the list is not a distribution.
    Invalid,
    /// The probability mass on tokens read as "A" and as "B" (not both zero).
    Mass {
        /// Probability on tokens read as "A".
        a: f64,
        /// Probability on tokens read as "B".
        b: f64,
    },
}

impl ChatResponse {
    /// The mass on "A" and on "B" among the first token's top log-probabilities. Tokens are
    /// read as the answer parser reads answers, after folding full-width and zero-width
    /// characters ([`crate::parsing::letter_token`]): " A", "Ａ" and "A\u{200b}" count as
    /// "A". A letter missing from the list counts as zero mass, since its probability is
    /// below every listed one. A log-probability above 0 (or NaN) anywhere in the list makes
    /// it [`LetterMass::Invalid`].
    pub fn letter_mass(&self) -> LetterMass {
        let Some(top) = self.top_logprobs.as_ref() else {
            return LetterMass::Unknown;
        };
        let (mut a, mut b) = (0.0, 0.0);
        for t in top {
            if t.logprob.is_nan() || t.logprob > 0.0 {
                return LetterMass::Invalid;
            }
            match crate::parsing::letter_token(&t.token) {
                Some(crate::types::Choice::A) => a += t.logprob.exp(),
                Some(crate::types::Choice::B) => b += t.logprob.exp(),
                None => {}
            }
        }
        if a + b > 0.0 && (a + b).is_finite() {
            LetterMass::Mass { a, b }
        } else {
            LetterMass::Unknown
        }
    }

    /// P(A) = mass(A) / (mass(A) + mass(B)) ([`ChatResponse::letter_mass`]); `None` when the
    /// mass is unknown or invalid. This is the soft label the study's regression can use
    /// instead of the sampled letter (`bundle::softlabel` decides when it is used).
    pub fn p_a(&self) -> Option<f64> {
        match self.letter_mass() {
            LetterMass::Mass { a, b } => Some(a / (a + b)),
            LetterMass::Unknown | LetterMass::Invalid => None,
        }
    }
}
