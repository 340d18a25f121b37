//! Approximate token counts of fine-tuning examples: no tokenizer is bundled, so about four
//! characters a token plus a few per message, close enough to estimate a training bill.

use crate::prompts::Message;

/// Tokens added per message and per example by chat formatting (OpenAI's documented rule of
/// thumb).
const TOKENS_PER_MESSAGE: u64 = 4;
const TOKENS_PER_EXAMPLE: u64 = 3;

/// Approximate tokens of a text: one per four characters, rounded up.
pub fn approx_text_tokens(s: &str) -> u64 {
    (s.chars().count() as u64).div_ceil(4)
}

/// Approximate training tokens of one example's messages.
pub fn approx_message_tokens(messages: &[Message]) -> u64 {
    TOKENS_PER_EXAMPLE
        + messages
            .iter()
            .map(|m| TOKENS_PER_MESSAGE + approx_text_tokens(&m.content))
            .sum::<u64>()
}
