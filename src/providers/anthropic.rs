//! Anthropic Messages API (`POST {base}/messages`).
//!
//! The system prompt is a top-level field rather than a message, `max_tokens` is required,
//! and there are no log-probabilities, so choices fall back to the sampled letter. Output
//! constraints are not sent: the Messages API has no grammar, and asking for tool use to get
//! JSON would change what is measured.

use super::common::{self, ApiKey};
use super::{ChatRequest, ChatResponse, Provider, ProviderError, SendFuture};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;
use std::time::Duration;

/// Where requests go without `--base-url`.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com/v1";
/// The environment variable the key is read from.
pub const KEY_VAR: &str = "ANTHROPIC_API_KEY";
/// The API version every request names (the stable Messages API version).
pub const API_VERSION: &str = "2023-06-01";

/// Settings of an Anthropic Messages API client.
#[derive(Clone, Debug)]
pub struct AnthropicConfig {
    /// The model asked.
    pub model: String,
    /// The API's base URL, without a trailing slash.
    pub base_url: String,
    /// Read from `ANTHROPIC_API_KEY` by [`AnthropicConfig::new`]; required to send.
    pub api_key: Option<ApiKey>,
    /// Safety-net timeout of the HTTP client; the retry wrapper's per-request timeout is the
    /// one that normally fires.
    pub http_timeout: Duration,
    /// Largest response body read, in bytes (`--max-response-bytes`).
    pub max_response_bytes: usize,
}

impl AnthropicConfig {
    /// The model at `base_url` (default `DEFAULT_BASE_URL`) with the key from the environment.
    pub fn new(model: impl Into<String>, base_url: Option<&str>) -> AnthropicConfig {
        AnthropicConfig {
            model: model.into(),
            base_url: base_url
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_string(),
            api_key: ApiKey::from_env(KEY_VAR),
            http_timeout: Duration::from_secs(600),
            max_response_bytes: super::body::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// An Anthropic Messages API client (no log-probabilities: choices get hard labels).
pub struct Anthropic {
    client: reqwest::Client,
    url: String,
    model: String,
    key: ApiKey,
    max_body: usize,
}

impl fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Anthropic")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Anthropic {
    /// Fails (fatally) when no key is configured: the API refuses every request without one,
    /// and saying so before the run starts is clearer than a 401 on the first request.
    pub fn new(cfg: AnthropicConfig) -> Result<Anthropic, ProviderError> {
        let key = cfg.api_key.ok_or_else(|| ProviderError::Fatal {
            message: format!("anthropic: no API key: set {KEY_VAR}"),
        })?;
        Ok(Anthropic {
            client: common::http_client(cfg.http_timeout)?,
            url: common::join_url(&cfg.base_url, "messages"),
            model: cfg.model,
            key,
            max_body: cfg.max_response_bytes,
        })
    }

    async fn send_once(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let request = self
            .client
            .post(&self.url)
            .header("x-api-key", self.key.expose())
            .header("anthropic-version", API_VERSION);
        let wire = common::Wire {
            provider: "anthropic",
            key: Some(&self.key),
            key_var: KEY_VAR,
            max_body: self.max_body,
            parse: parse_response,
        };
        common::send_json(wire, request, &self.request_body(req)).await
    }
}

/// The Messages API body: system messages joined into the top-level `system` field.
pub fn build_body(model: &str, req: &ChatRequest) -> Value {
    let system: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == "system")
        .map(|m| m.content.as_str())
        .collect();
    let messages: Vec<Value> = req
        .messages
        .iter()
        .filter(|m| m.role != "system")
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    let mut b = serde_json::Map::new();
    b.insert("model".into(), json!(model));
    b.insert("max_tokens".into(), json!(req.max_tokens.max(1)));
    b.insert("temperature".into(), json!(req.temperature));
    if !system.is_empty() {
        b.insert("system".into(), json!(system.join("\n\n")));
    }
    b.insert("messages".into(), Value::Array(messages));
    Value::Object(b)
}

#[derive(Deserialize)]
struct Wire {
    model: Option<String>,
    content: Vec<WireBlock>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireBlock {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

/// Parses a 2xx Messages body: the text blocks concatenated.
pub fn parse_response(bytes: &[u8]) -> Result<ChatResponse, super::BodyError> {
    let w: Wire = serde_json::from_slice(bytes)?;
    let text = w
        .content
        .iter()
        .filter(|b| b.kind == "text")
        .filter_map(|b| b.text.as_deref())
        .collect::<String>();
    Ok(ChatResponse {
        text,
        top_logprobs: None,
        tokens_in: w.usage.as_ref().and_then(|u| u.input_tokens),
        tokens_out: w.usage.as_ref().and_then(|u| u.output_tokens),
        model: w.model,
        system_fingerprint: None,
    })
}

impl Provider for Anthropic {
    fn name(&self) -> &str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn request_body(&self, req: &ChatRequest) -> Value {
        build_body(&self.model, req)
    }

    fn endpoint(&self) -> &str {
        &self.url
    }

    fn send<'a>(&'a self, req: &'a ChatRequest) -> SendFuture<'a> {
        Box::pin(self.send_once(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::Message;
    use crate::providers::RequestKind;

    #[test]
    fn system_is_top_level() {
        let req = ChatRequest {
            kind: RequestKind::Report,
            messages: vec![
                Message {
                    role: "system".into(),
                    content: "sys".into(),
                },
                Message {
                    role: "user".into(),
                    content: "u".into(),
                },
            ],
            max_tokens: 200,
            temperature: 0.0,
            top_logprobs: Some(5),
            constraint: None,
        };
        let b = build_body("claude-x", &req);
        assert_eq!(b["system"], json!("sys"));
        assert_eq!(b["messages"], json!([{"role": "user", "content": "u"}]));
        assert_eq!(b["max_tokens"], json!(200));
        assert!(b.get("logprobs").is_none());
    }

    #[test]
    fn parses_text_and_usage() {
        let r = parse_response(
            br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x-1","content":[{"type":"text","text":"{\"a\": 1}"}],
                "stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":7}}"#,
        )
        .unwrap();
        assert_eq!(r.text, "{\"a\": 1}");
        assert_eq!((r.tokens_in, r.tokens_out), (Some(12), Some(7)));
        assert_eq!(r.model.as_deref(), Some("claude-x-1"));
        assert!(r.top_logprobs.is_none());
    }

    #[test]
    fn missing_key_is_fatal_and_debug_redacts() {
        let mut cfg = AnthropicConfig::new("m", Some("http://127.0.0.1:1/v1"));
        cfg.api_key = None;
        assert!(matches!(
            Anthropic::new(cfg.clone()),
            Err(ProviderError::Fatal { .. })
        ));
        cfg.api_key = Some(ApiKey::new("sk-ant-topsecret-99"));
        let p = Anthropic::new(cfg).unwrap();
        assert!(!format!("{p:?}").contains("topsecret"));
    }
}
