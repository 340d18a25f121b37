//! Soft labels: P(A) from the first token's top log-probabilities.
//!
//! A hard letter throws away how close a decision was; the probability the model put on "A"
//! against "B" keeps it, which makes the behavioural fit need fewer trials. The computation is
//! [`crate::providers::ChatResponse::p_a`]; this module names it for the manifest.

/// Recorded in the run manifest so a reader knows how `p_a` was computed.
pub const METHOD: &str = "first-token top_logprobs; p(X) = sum of exp(logprob) over alternatives whose \
whitespace-trimmed text is exactly X (so \" A\" and \"A\" both count); P(A) = p(A) / (p(A) + p(B)); \
null when neither letter is listed; the sampled letter is used when null";

/// How many alternatives to ask for: enough that both letters nearly always appear.
pub const TOP_LOGPROBS: u32 = 20;
