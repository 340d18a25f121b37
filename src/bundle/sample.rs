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
    /// As frozen: the benchmark's A first.
    Ab,
    /// Swapped: the benchmark's B shown as A.
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
    /// Choice or report.
    pub kind: KindKey,
    /// The context asked about.
    pub context: ContextId,
    /// Index into the context's `pairs` (choices) or `report_pairs` (reports).
    pub index: usize,
    /// The presentation order.
    pub order: Order,
}

/// [`RequestKind`] with an order (choices sort before reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindKey {
    /// A choice between two options.
    Choice,
    /// A report of the five weights.
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
/// Written untagged (`"A"`, `[1.0, ...]`), and read back the same way without buffering.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Parsed {
    /// A choice's letter.
    Choice(Choice),
    /// A valid report's five weights, in attribute order.
    Weights(Weights),
}

impl<'de> Deserialize<'de> for Parsed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Parsed, D::Error> {
        d.deserialize_any(ParsedVisitor)
    }
}

/// Reads [`Parsed`] from what its JSON is, accepting what `#[serde(untagged)]` accepted (a
/// letter, the letter as a one-entry map to null, exactly five numbers) without buffering
/// every value first: untagged copied each sample's `parsed` into a temporary tree to try the
/// variants in turn (tests below compare the two).
struct ParsedVisitor;

impl<'de> serde::de::Visitor<'de> for ParsedVisitor {
    type Value = Parsed;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a choice (\"A\" or \"B\") or five report weights")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Parsed, E> {
        Choice::deserialize(serde::de::value::StrDeserializer::<E>::new(v)).map(Parsed::Choice)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Parsed, A::Error> {
        let seq = serde::de::value::SeqAccessDeserializer::new(seq);
        Weights::deserialize(seq).map(Parsed::Weights)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Parsed, A::Error> {
        let map = serde::de::value::MapAccessDeserializer::new(map);
        Choice::deserialize(map).map(Parsed::Choice)
    }
}

/// One line of `samples.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Choice or report.
    pub kind: KindKey,
    /// The context asked about.
    pub context: ContextId,
    /// Index into the context's `pairs` (choices) or `report_pairs` (reports).
    pub index: usize,
    /// `ab` as frozen, `ba` swapped.
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
    /// Prompt tokens, as the provider counted them.
    pub tokens_in: Option<u64>,
    /// Completion tokens, as the provider counted them.
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

impl KeyRef<'_> {
    /// This key, owned.
    pub fn to_key(self) -> SampleKey {
        SampleKey {
            kind: self.kind,
            context: ContextId(self.context.to_string()),
            index: self.index,
            order: self.order,
        }
    }
}

/// What the plan check and the scoring input read of a sample: a [`Sample`], or the lean
/// reading `score` makes of one (`super::lean`), so that both are checked and scored by
/// the same code.
pub trait Fields: Sync {
    /// The request key, borrowed.
    fn key_ref(&self) -> KeyRef<'_>;
    /// The option values as shown.
    fn options(&self) -> &Pair;
    fn parsed(&self) -> Option<Parsed>;
    /// The parser's status name.
    fn status(&self) -> &str;
    fn p_a(&self) -> Option<f64>;
    fn out_of_range(&self) -> Option<bool>;
}

impl Fields for Sample {
    fn key_ref(&self) -> KeyRef<'_> {
        Sample::key_ref(self)
    }

    fn options(&self) -> &Pair {
        &self.options
    }

    fn parsed(&self) -> Option<Parsed> {
        self.parsed
    }

    fn status(&self) -> &str {
        &self.status
    }

    fn p_a(&self) -> Option<f64> {
        self.p_a
    }

    fn out_of_range(&self) -> Option<bool> {
        self.out_of_range
    }
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

    /// The request this sample answers.
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
    /// The request.
    #[serde(flatten)]
    pub key: SampleKey,
    /// Milliseconds from taking the request up to its answer (waits and retries included).
    pub latency_ms: u64,
    /// Attempts made (1 without a retry).
    pub attempts: u32,
    /// Whether the answer came from the response cache.
    pub cached: bool,
    /// The model id and fingerprint the server reported, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_model: Option<String>,
    /// The server's `system_fingerprint`, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
}

/// One line of `errors.jsonl`: a request that failed after every retry. A resume retries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// The request.
    #[serde(flatten)]
    pub key: SampleKey,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's error, in one line (keys redacted).
    pub error: String,
    /// When it failed (RFC 3339, UTC).
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derived reading [`Parsed`] had: the reference.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Untagged {
        Choice(Choice),
        Weights(Weights),
    }

    impl From<Untagged> for Parsed {
        fn from(u: Untagged) -> Parsed {
            match u {
                Untagged::Choice(c) => Parsed::Choice(c),
                Untagged::Weights(w) => Parsed::Weights(w),
            }
        }
    }

    #[test]
    fn parsed_reads_exactly_what_the_untagged_enum_read() {
        let inputs: &[&str] = &[
            r#""A""#,
            r#""B""#,
            r#""C""#,
            r#""a""#,
            r#""""#,
            r#""\u0041""#,
            "[1,2,3,4,5]",
            "[-100, 0.5, 1e2, 18446744073709551616, -0.0]",
            "[1,2,3,4]",
            "[1,2,3,4,5,6]",
            "[]",
            r#"["A"]"#,
            r#"[1,2,3,4,"5"]"#,
            "[1,2,3,4,1e400]",
            "[1,2,3,4,null]",
            r#"{"A":null}"#,
            r#"{"B":null}"#,
            r#"{"C":null}"#,
            r#"{"A":1}"#,
            r#"{"A":{}}"#,
            r#"{"A":null,"B":null}"#,
            "{}",
            "null",
            "true",
            "1",
        ];
        for text in inputs {
            let want: Option<Parsed> = serde_json::from_str::<Untagged>(text).ok().map(Into::into);
            let got: Option<Parsed> = serde_json::from_str::<Parsed>(text).ok();
            assert_eq!(got, want, "{text}");
        }
        // And inside a sample line, null included.
        for text in ["null", r#""A""#, "[1,2,3,4,5]", "7"] {
            let want = serde_json::from_str::<Option<Untagged>>(text).ok();
            let got = serde_json::from_str::<Option<Parsed>>(text).ok();
            assert_eq!(got, want.map(|u| u.map(Into::into)), "{text}");
        }
    }
}
