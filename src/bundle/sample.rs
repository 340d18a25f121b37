//! The records a run writes: one [`Sample`] per completed request, one [`Timing`] per
//! answered request, one [`ErrorRecord`] per request that failed after every retry.
//!
//! Samples hold only what is a pure function of the request and the model's answer, so a run
//! interrupted and resumed ends with the same bytes as an uninterrupted one. Latency, attempts
//! and cache hits vary from run to run and therefore live in `timings.jsonl`.

use crate::providers::{RequestKind, TokenLogprob};
use crate::types::{Choice, ContextId, Pair, Weights};
use serde::{Deserialize, Serialize};

/// Which way round a pair was shown: `ab` as frozen, `ba` swapped (position-bias control).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Ab,
    Ba,
}

impl Order {
    /// The name used in `samples.jsonl`, tables and custom ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Ab => "ab",
            Order::Ba => "ba",
        }
    }

    /// The pair as shown in this order.
    pub fn apply(self, pair: &Pair) -> Pair {
        match self {
            Order::Ab => *pair,
            Order::Ba => pair.swapped(),
        }
    }
}

/// Identifies one request of a run; a resumed run skips keys already in `samples.jsonl`.
/// Ordering is the canonical order of `samples.jsonl`: kind (choices first), context id,
/// index, order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SampleKey {
    pub kind: KindKey,
    pub context: ContextId,
    pub index: usize,
    pub order: Order,
}

/// [`RequestKind`] with an order (choices sort before reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindKey {
    Choice,
    Report,
}

impl KindKey {
    /// The name used in `samples.jsonl` and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            KindKey::Choice => "choice",
            KindKey::Report => "report",
        }
    }
}

impl From<RequestKind> for KindKey {
    fn from(k: RequestKind) -> Self {
        match k {
            RequestKind::Choice => KindKey::Choice,
            RequestKind::Report => KindKey::Report,
        }
    }
}

impl From<KindKey> for RequestKind {
    fn from(k: KindKey) -> Self {
        match k {
            KindKey::Choice => RequestKind::Choice,
            KindKey::Report => RequestKind::Report,
        }
    }
}

impl std::fmt::Display for SampleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} #{} {}",
            self.kind.as_str(),
            self.context,
            self.index,
            self.order.as_str()
        )
    }
}

/// What an answer parsed to: a letter for a choice, five numbers for a valid report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Parsed {
    Choice(Choice),
    Weights(Weights),
}

/// One line of `samples.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub kind: KindKey,
    pub context: ContextId,
    /// Index into the context's `pairs` (choices) or `report_pairs` (reports).
    pub index: usize,
    pub order: Order,
    /// sha256 of the exact prompt ([`crate::prompts::Prompt::sha256`]); null for imported
    /// data, whose prompts are not known.
    pub prompt_sha256: Option<String>,
    /// The option values as shown (already swapped when `order` is `ba`).
    pub options: Pair,
    /// The raw response text.
    pub response: String,
    /// The parsed value, null when the answer did not parse.
    pub parsed: Option<Parsed>,
    /// The parser's status name (`exact`, `invalid`, `valid`, `not_json`, ...).
    pub status: String,
    /// Reports only: a valid report with a value outside -100..100 (kept, not clipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_range: Option<bool>,
    /// Top log-probabilities of the first generated token, when the provider gave them.
    pub logprobs: Option<Vec<TokenLogprob>>,
    /// Choices only: P(A) renormalised over the "A" and "B" tokens (see `softlabel`).
    pub p_a: Option<f64>,
    /// Choices only: why `p_a` is null although log-probabilities came back
    /// (`invalid_logprobs`, `disagrees_with_answer`; see `softlabel::label`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_a_status: Option<String>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
}

/// A [`SampleKey`] borrowed from a sample: the same fields and the same order (kind, context,
/// index, order), without copying the context id, for sorting and looking up many samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyRef<'a> {
    pub kind: KindKey,
    pub context: &'a str,
    pub index: usize,
    pub order: Order,
}

impl SampleKey {
    /// This key, borrowed.
    pub fn as_ref(&self) -> KeyRef<'_> {
        KeyRef {
            kind: self.kind,
            context: self.context.as_str(),
            index: self.index,
            order: self.order,
        }
    }
}

impl Sample {
    /// The request key, borrowed ([`Sample::key`] without the copy).
    pub fn key_ref(&self) -> KeyRef<'_> {
        KeyRef {
            kind: self.kind,
            context: self.context.as_str(),
            index: self.index,
            order: self.order,
        }
    }

    pub fn key(&self) -> SampleKey {
        SampleKey {
            kind: self.kind,
            context: self.context.clone(),
            index: self.index,
            order: self.order,
        }
    }
}

/// One line of `timings.jsonl`: how a sample was obtained. Not part of the measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    #[serde(flatten)]
    pub key: SampleKey,
    pub latency_ms: u64,
    pub attempts: u32,
    pub cached: bool,
    /// The model id and fingerprint the server reported, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
}

/// One line of `errors.jsonl`: a request that failed after every retry. A resume retries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    #[serde(flatten)]
    pub key: SampleKey,
    pub attempts: u32,
    pub error: String,
    pub at: String,
}
