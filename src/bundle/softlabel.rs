//! Soft labels: P(A) from the first token's top log-probabilities.
//!
//! A hard letter throws away how close a decision was; the probability the model put on "A"
//! against "B" keeps it, which makes the behavioural fit need fewer trials. The computation is
//! [`crate::providers::ChatResponse::p_a`]; this module names it for the manifest.

/// Recorded in the run manifest so a reader knows how `p_a` was computed.
pub const METHOD: &str = "first-token top_logprobs; p(X) = sum of exp(logprob) over alternatives that the \
choice parser reads as X after folding full-width and zero-width characters (so \" A\", \"A\" and \"\u{ff21}\" \
all count); P(A) = p(A) / (p(A) + p(B)); null when neither letter is listed, when a logprob is above 0 \
(p_a_status invalid_logprobs), or when the answered letter has no mass while the other has some \
(p_a_status disagrees_with_answer); the sampled letter is used when null";

/// `p_a_status` of a choice whose log-probabilities hold a value above 0 or not a number.
pub const INVALID_LOGPROBS: &str = "invalid_logprobs";
/// `p_a_status` of a choice whose answered letter has no mass while the other letter has some.
pub const DISAGREES: &str = "disagrees_with_answer";

/// A choice's soft label, and why it has none when log-probabilities came back but cannot
/// be used: a value above 0 ([`INVALID_LOGPROBS`]), or a list that gives the answered
/// letter no mass at all ([`DISAGREES`]). Either way the sampled letter is used.
pub fn label(
    r: &crate::providers::ChatResponse,
    answer: Option<crate::types::Choice>,
) -> (Option<f64>, Option<&'static str>) {
    use crate::providers::LetterMass;
    use crate::types::Choice;
    match r.letter_mass() {
        LetterMass::Unknown => (None, None),
        LetterMass::Invalid => (None, Some(INVALID_LOGPROBS)),
        LetterMass::Mass { a, b } => {
            let disagrees: bool = match answer {
                Some(Choice::A) => a == 0.0,
                Some(Choice::B) => b == 0.0,
                None => false,
            };
            if disagrees {
                (None, Some(DISAGREES))
            } else {
                (Some(a / (a + b)), None)
            }
        }
    }
}

/// How many alternatives to ask for: enough that both letters nearly always appear.
pub const TOP_LOGPROBS: u32 = 20;
