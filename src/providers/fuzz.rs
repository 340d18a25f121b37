//! Fuzzing the readers of a server's answer body with proptest (the other readers of outside
//! input are fuzzed in tests/fuzz.rs): random bytes, a valid answer with random bytes spliced
//! in or one part replaced by any JSON value, the same as server-sent events or an HTML error
//! page. The property is that each is read or refused without a panic.

use super::ApiKey;
use super::anthropic::parse_response as parse_anthropic_response;
use super::openai::parse_response as parse_openai_response;
use super::sanitise::answer as sanitise_answer;
use crate::parsing::{parse_choice, parse_report};
use proptest::prelude::*;

/// Valid text with a random stretch replaced by random characters (JSON punctuation, digits,
/// letters, control and non-ASCII characters).
fn spliced(valid: &'static str) -> impl Strategy<Value = String> {
    (
        0..=valid.len(),
        0usize..12,
        "[\"{}\\[\\],:0-9a-zA-Z\\-.eE+ \n\t\\\\é\u{0}\u{7f}]{0,12}",
    )
        .prop_map(move |(at, cut, insert)| {
            let bytes = valid.as_bytes();
            let end = (at + cut).min(bytes.len());
            let mut out: Vec<u8> = bytes[..at].to_vec();
            out.extend_from_slice(insert.as_bytes());
            out.extend_from_slice(&bytes[end..]);
            String::from_utf8_lossy(&out).to_string()
        })
}

const CHAT: &str = r#"{"id":"x","object":"chat.completion","created":0,"model":"m","system_fingerprint":"b1","choices":[{"index":0,"message":{"role":"assistant","content":"A"},"logprobs":{"content":[{"token":"A","logprob":-0.1,"top_logprobs":[{"token":"A","logprob":-0.1},{"token":"Ｂ","logprob":-2.5},{"token":"A\u200b","logprob":-4.0}]}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}}"#;
const MESSAGE: &str = r#"{"id":"msg","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"{\"price\": 10}"}],"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":5}}"#;

/// Any JSON value, nested a few levels, with the field names a chat answer uses: what a
/// server may send in place of any part of an answer.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(|v| json!(v)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        "[AaBbＡ \u{200b}\u{1b}\r\n{}\"0-9]{0,6}".prop_map(Value::from),
    ];
    let key = prop::sample::select(vec![
        "choices",
        "message",
        "content",
        "text",
        "logprobs",
        "token",
        "logprob",
        "top_logprobs",
        "model",
        "usage",
        "type",
        "system_fingerprint",
        "x",
    ]);
    leaf.prop_recursive(3, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

/// Every JSON pointer in `v`.
fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            pointers(
                x,
                format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// A valid answer with one part (any field, array or the whole) replaced by any JSON value.
fn restructured(valid: &'static str) -> impl Strategy<Value = String> {
    (any::<prop::sample::Index>(), json_value()).prop_map(move |(pick, with)| {
        let mut doc: serde_json::Value = serde_json::from_str(valid).unwrap();
        let mut all: Vec<String> = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let at: &String = pick.get(&all);
        match doc.pointer_mut(at) {
            Some(slot) => *slot = with,
            None => doc = with,
        }
        doc.to_string()
    })
}

/// A server's answer body: random bytes, a valid answer spliced or restructured, the same
/// sent as server-sent events (`data: ...`), or as an HTML error page.
fn answer_body(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        spliced(valid).prop_map(String::into_bytes),
        restructured(valid).prop_map(String::into_bytes),
        restructured(valid).prop_map(|b| format!("data: {b}\n\ndata: [DONE]\n\n").into_bytes()),
        ".{0,40}".prop_map(|t| format!("<html><body>502 {t}</body></html>").into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// The bodies a server sends are read (OpenAI-compatible and Anthropic), sanitised and
    /// turned into P(A) without a panic: an answer, or an error that says what is wrong;
    /// P(A), when there is one, is a probability.
    #[test]
    fn server_answers_are_read_or_refused_without_panicking(
        chat in answer_body(CHAT), message in answer_body(MESSAGE),
    ) {
        let key = ApiKey::new("sk-fuzz0123456789abcdef");
        for r in [parse_openai_response(&chat), parse_anthropic_response(&message)] {
            match r {
                Ok(r) => {
                    let r = sanitise_answer(r, Some(&key));
                    if let Some(p) = r.p_a() {
                        prop_assert!((0.0..=1.0).contains(&p), "P(A) {p}");
                    }
                    let _ = parse_choice(&r.text);
                    let _ = parse_report(&r.text, &["price", "capacity", "boil_time", "noise", "warranty"]);
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
