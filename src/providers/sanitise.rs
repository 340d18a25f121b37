//! What a server says, made safe to keep and to print.
//!
//! - Every string of an answer (text, log-probability tokens, model id, fingerprint) passes
//!   the key redaction of error messages ([`super::common::redact`]) before the answer leaves
//!   the provider, so a key a server echoes in a successful answer reaches neither the
//!   cache, `samples.jsonl`, `timings.jsonl` nor the manifest.
//! - Strings a server says about itself (model id, fingerprint) and every message printed
//!   lose their control characters ([`printable`]): escape sequences, carriage returns,
//!   backspaces and bidirectional overrides would otherwise reach the terminal. The answer
//!   text keeps them (it is the measurement); it is escaped where it is shown.
//!
//! Both are checks first: a string with nothing to change is not copied (one substring search
//! per key form, which the hot path of a run can afford).

use super::ChatResponse;
use super::common::{ApiKey, redact_cow};
use std::borrow::Cow;

/// Whether a character must not reach a terminal: C0 and C1 controls, DEL, and the
/// bidirectional embedding, override and isolate characters (which reorder what follows).
pub fn unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` without control characters (see [`unprintable`]); borrowed when it has none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(unprintable) {
        Cow::Owned(text.chars().filter(|c| !unprintable(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

fn redact_in_place(s: &mut String, key: Option<&ApiKey>) {
    if let Cow::Owned(r) = redact_cow(s, key) {
        *s = r;
    }
}

fn identity(s: &mut Option<String>, key: Option<&ApiKey>) {
    if let Some(v) = s {
        redact_in_place(v, key);
        if let Cow::Owned(p) = printable(v) {
            *v = p;
        }
    }
}

/// `r` with the key (and anything shaped like a key) redacted from every string, and the
/// model id and fingerprint made printable.
pub fn answer(mut r: ChatResponse, key: Option<&ApiKey>) -> ChatResponse {
    redact_in_place(&mut r.text, key);
    if let Some(top) = &mut r.top_logprobs {
        for t in top {
            redact_in_place(&mut t.token, key);
        }
    }
    identity(&mut r.model, key);
    identity(&mut r.system_fingerprint, key);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::TokenLogprob;

    #[test]
    fn control_characters_and_bidi_overrides_are_stripped_and_clean_text_is_not_copied() {
        assert_eq!(
            printable("m\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{8}x\u{202e}y\u{85}"),
            "m]0;pwned[2Jxy"
        );
        assert!(matches!(printable("gpt-4o (é)"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_string_of_an_answer_is_redacted() {
        let key = ApiKey::new("sk-test-0123456789abcdefXYZ");
        let r = ChatResponse {
            text: "A sk-test-0123456789abcdefXYZ".into(),
            top_logprobs: Some(vec![TokenLogprob {
                token: "0123456789abcdefXYZ".into(),
                logprob: -1.0,
            }]),
            model: Some("m-sk-test-0123456789abcdefXYZ\u{1b}[2J".into()),
            system_fingerprint: Some("fp_89abcdefXYZ".into()),
            ..ChatResponse::default()
        };
        let out = answer(r, Some(&key));
        let all: String = serde_json::to_string(&out).unwrap();
        assert!(!all.contains("89abcdefXYZ"), "{all}");
        assert!(!all.contains('\u{1b}'), "{all}");
        assert!(out.text.starts_with("A "), "{}", out.text);
        // No key: only `sk-` shaped strings go.
        let r = ChatResponse {
            text: "A sk-proj-abcdefghijklmnop".into(),
            ..ChatResponse::default()
        };
        assert_eq!(answer(r, None).text, "A sk-[redacted]");
    }
}
