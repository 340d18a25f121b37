//! The OpenAI chat completions wire format of the simulated server: the request fields a
//! client sends (`n`, `stream`, `max_tokens`, `logprobs`, ...), the JSON answer and the
//! server-sent events of `stream: true`, as the OpenAI SDKs read them.
//!
//! Temperature is accepted (0 to 2, as OpenAI checks) and does not change an answer: an
//! agent's choices carry the study's logistic choice noise at any temperature, and a
//! prompt's first answer is the same at 0 and at 1. `n > 1` draws the letter (and the report
//! noise) again for each further choice, so the choices of one request can differ.

use super::{SimAgent, SimReply};
use crate::prompts::Message;
use hyper::StatusCode;
use serde_json::{Value, json};

/// Most choices one request may ask for (OpenAI's own limit).
pub const MAX_N: u32 = 128;

/// The fields of a chat completions request body the server reads.
#[derive(Debug, serde::Deserialize)]
pub struct WireRequest {
    pub model: Option<String>,
    pub messages: Vec<Message>,
    #[serde(default)]
    pub logprobs: bool,
    pub top_logprobs: Option<u32>,
    pub n: Option<u32>,
    #[serde(default)]
    pub stream: bool,
    pub stream_options: Option<StreamOptions>,
    pub max_tokens: Option<u32>,
    pub max_completion_tokens: Option<u32>,
    pub temperature: Option<f64>,
}

/// `stream_options`: `include_usage` adds a last chunk with the usage.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StreamOptions {
    #[serde(default)]
    pub include_usage: bool,
}

/// A refused request: its status and message.
pub type Refusal = (StatusCode, String);

impl WireRequest {
    /// Reads and checks a body (bad JSON, `n` or `temperature` out of range are 400s).
    pub fn parse(body: &[u8]) -> Result<WireRequest, Refusal> {
        let r: WireRequest = serde_json::from_slice(body)
            .map_err(|e| bad_request(format!("invalid request body: {e}")))?;
        if let Some(n) = r.n
            && !(1..=MAX_N).contains(&n)
        {
            return Err(bad_request(format!("n: {n} is not in 1..={MAX_N}")));
        }
        if let Some(t) = r.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(bad_request(format!("temperature: {t} is not in 0..=2")));
        }
        Ok(r)
    }

    fn max_tokens(&self) -> Option<u32> {
        self.max_completion_tokens.or(self.max_tokens)
    }

    fn top(&self) -> Option<u32> {
        self.logprobs.then(|| self.top_logprobs.unwrap_or(1).max(1))
    }
}

fn bad_request(message: String) -> Refusal {
    (StatusCode::BAD_REQUEST, message)
}

/// One choice of an answer: the agent's reply, cut at `max_tokens`.
#[derive(Clone, Debug)]
pub struct WireChoice {
    pub reply: SimReply,
    pub finish_reason: &'static str,
}

/// Every choice of a request, in order.
pub fn answer(agent: &SimAgent, req: &WireRequest) -> Result<Vec<WireChoice>, Refusal> {
    (0..req.n.unwrap_or(1))
        .map(|i| {
            let reply = agent
                .respond_sample(&req.messages, req.top(), i)
                .map_err(|e| bad_request(e.to_string()))?;
            Ok(cut(reply, req.max_tokens()))
        })
        .collect()
}

/// A reply longer than `max_tokens` (at the agents' 4 characters a token) is cut there with
/// `finish_reason` "length"; a reply that used every allowed token ends with "length" too
/// (a one-token choice under `max_tokens: 1` stopped at its limit, as OpenAI reports it).
fn cut(mut reply: SimReply, max_tokens: Option<u32>) -> WireChoice {
    let Some(max) = max_tokens.map(u64::from) else {
        return WireChoice {
            reply,
            finish_reason: "stop",
        };
    };
    if reply.tokens_out > max {
        let keep: usize = usize::try_from(max.saturating_mul(4)).unwrap_or(usize::MAX);
        reply.text = reply.text.chars().take(keep).collect();
        reply.tokens_out = max;
    }
    let finish_reason = if reply.tokens_out >= max {
        "length"
    } else {
        "stop"
    };
    WireChoice {
        reply,
        finish_reason,
    }
}

/// Who answered: the fields every answer and chunk carries.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    pub id: &'a str,
    pub model: &'a str,
    pub fingerprint: &'a str,
    /// Unix seconds.
    pub created: u64,
}

/// This moment in Unix seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `logprobs` object of a reply's first token, or null.
fn logprobs_json(reply: &SimReply, asked: bool) -> Value {
    match (&reply.top_logprobs, asked) {
        (Some(top), true) => {
            let first = top.iter().find(|t| t.token == reply.text).or(top.first());
            let logprob = first.map(|t| t.logprob).unwrap_or(0.0);
            json!({"content": [{
                "token": reply.text,
                "logprob": logprob,
                "bytes": reply.text.as_bytes(),
                "top_logprobs": top.iter().map(|t| json!({"token": t.token, "logprob": t.logprob, "bytes": t.token.as_bytes()})).collect::<Vec<_>>(),
            }]})
        }
        _ => Value::Null,
    }
}

fn usage_json(choices: &[WireChoice]) -> Value {
    let prompt: u64 = choices.first().map_or(0, |c| c.reply.tokens_in);
    let completion: u64 = choices.iter().map(|c| c.reply.tokens_out).sum();
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    })
}

/// The `chat.completion` object.
pub fn completion_json(h: &Header, choices: &[WireChoice], logprobs: bool) -> Value {
    json!({
        "id": h.id,
        "object": "chat.completion",
        "created": h.created,
        "model": h.model,
        "system_fingerprint": h.fingerprint,
        "choices": choices.iter().enumerate().map(|(i, c)| json!({
            "index": i,
            "message": {"role": "assistant", "content": c.reply.text},
            "logprobs": logprobs_json(&c.reply, logprobs),
            "finish_reason": c.finish_reason,
        })).collect::<Vec<_>>(),
        "usage": usage_json(choices),
    })
}

/// The server-sent events of `stream: true`: per choice a first chunk with the role, the
/// content in pieces of about a token (the first piece carries the log-probabilities), a
/// chunk with the finish reason; then the usage when `include_usage` asked for it, and
/// `data: [DONE]`.
pub fn stream_body(h: &Header, choices: &[WireChoice], req: &WireRequest) -> String {
    let include_usage: bool = req.stream_options.as_ref().is_some_and(|o| o.include_usage);
    let chunk = |choices: Value| -> Value {
        let mut v = json!({
            "id": h.id,
            "object": "chat.completion.chunk",
            "created": h.created,
            "model": h.model,
            "system_fingerprint": h.fingerprint,
            "choices": choices,
        });
        if include_usage {
            v["usage"] = Value::Null;
        }
        v
    };
    let mut events: Vec<Value> = Vec::new();
    for (i, c) in choices.iter().enumerate() {
        let delta = |delta: Value, logprobs: Value, finish: Option<&str>| {
            chunk(
                json!([{"index": i, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]),
            )
        };
        events.push(delta(
            json!({"role": "assistant", "content": ""}),
            Value::Null,
            None,
        ));
        let chars: Vec<char> = c.reply.text.chars().collect();
        for (k, piece) in chars.chunks(4).enumerate() {
            let lp = if k == 0 {
                logprobs_json(&c.reply, req.logprobs)
            } else {
                Value::Null
            };
            let text: String = piece.iter().collect();
            events.push(delta(json!({"content": text}), lp, None));
        }
        events.push(delta(json!({}), Value::Null, Some(c.finish_reason)));
    }
    if include_usage {
        let mut last = chunk(json!([]));
        last["usage"] = usage_json(choices);
        events.push(last);
    }
    let mut out = String::new();
    for e in events {
        out.push_str("data: ");
        out.push_str(&e.to_string());
        out.push_str("\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}
