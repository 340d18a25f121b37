//! OpenAI chat completions (`POST {base}/chat/completions`), which also covers llama.cpp's
//! server, vLLM, Ollama, OpenRouter and the built-in `serve-sim` through `--base-url`.
//!
//! Output constraints are not part of the OpenAI API proper, and each server spells them
//! differently, so the [`ServerFlavour`] decides which fields a request carries; the exact
//! body (what [`Provider::request_body`] returns) therefore records whether a constraint
//! was really applied. OpenAI's reasoning models (o1, o3, o4, gpt-5) get their own budget
//! field and no sampling fields, by model name: see [`is_reasoning_model`].

use super::common::{self, ApiKey};
use super::{
    ChatRequest, ChatResponse, Constraint, Provider, ProviderError, SendFuture, TokenLogprob,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The environment variable the key is read from. The key is optional: local servers
/// (llama.cpp, vLLM, Ollama, serve-sim) usually need none, and no header is sent without it.
pub const KEY_VAR: &str = "OPENAI_API_KEY";

/// Which server dialect to speak for output constraints.
///
/// | flavour     | `Constraint::Letters`               | `Constraint::JsonReport`      |
/// |-------------|-------------------------------------|-------------------------------|
/// | `openai`    | not applied (no grammar in the API) | `response_format` json_schema |
/// | `llama-cpp` | `grammar: root ::= "A" \| "B"`      | `response_format` json_schema |
/// | `vllm`      | `guided_choice: ["A", "B"]`         | `response_format` json_schema |
/// | `plain`     | not applied                         | not applied                   |
///
/// `plain` is the safe choice for an unknown server: OpenAI-style servers may reject
/// unknown fields with 400. `auto` picks `openai` for api.openai.com and `plain` otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerFlavour {
    /// `openai` for api.openai.com, `plain` otherwise.
    Auto,
    /// OpenAI's own API.
    #[serde(rename = "openai")]
    OpenAi,
    /// A llama.cpp server (`llama-server`).
    LlamaCpp,
    /// A vLLM server.
    Vllm,
    /// Any other OpenAI-compatible server: no constraint fields sent.
    Plain,
}

impl ServerFlavour {
    /// `Auto` resolved against a base URL.
    pub fn resolve(self, base_url: &str) -> ServerFlavour {
        match self {
            ServerFlavour::Auto if base_url.contains("api.openai.com") => ServerFlavour::OpenAi,
            ServerFlavour::Auto => ServerFlavour::Plain,
            f => f,
        }
    }

    /// Whether requests in this flavour carry the given constraint.
    pub fn applies(self, c: &Constraint) -> bool {
        matches!(
            (self, c),
            (
                ServerFlavour::LlamaCpp | ServerFlavour::Vllm,
                Constraint::Letters
            ) | (
                ServerFlavour::OpenAi | ServerFlavour::LlamaCpp | ServerFlavour::Vllm,
                Constraint::JsonReport { .. }
            )
        )
    }
}

/// Settings of an OpenAI-compatible client.
#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    /// The model asked.
    pub model: String,
    /// The server's base URL (`.../v1`), without a trailing slash.
    pub base_url: String,
    /// Read from `OPENAI_API_KEY` by [`OpenAiConfig::new`]; `None` sends no auth header.
    pub api_key: Option<ApiKey>,
    /// The server's dialect for output constraints (`Auto` is resolved by [`OpenAi::new`]).
    pub flavour: ServerFlavour,
    /// Safety-net timeout of the HTTP client; the retry wrapper's per-request timeout is the
    /// one that normally fires.
    pub http_timeout: Duration,
    /// Largest response body read, in bytes (`--max-response-bytes`).
    pub max_response_bytes: usize,
}

impl OpenAiConfig {
    /// The model at `base_url` (default `DEFAULT_BASE_URL`) with the key from the environment.
    pub fn new(model: impl Into<String>, base_url: Option<&str>) -> OpenAiConfig {
        OpenAiConfig {
            model: model.into(),
            base_url: base_url
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_string(),
            api_key: ApiKey::from_env(KEY_VAR),
            flavour: ServerFlavour::Auto,
            http_timeout: Duration::from_secs(600),
            max_response_bytes: super::body::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// An OpenAI-compatible chat completions client.
pub struct OpenAi {
    client: reqwest::Client,
    base: String,
    url: String,
    /// `url` parsed once (parsing it per request was about 1% of a local run's CPU).
    parsed_url: Option<reqwest::Url>,
    model: String,
    key: Option<ApiKey>,
    flavour: ServerFlavour,
    max_body: usize,
}

impl fmt::Debug for OpenAi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAi")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("flavour", &self.flavour)
            .finish()
    }
}

impl OpenAi {
    /// A client of `cfg`'s server; fails only when the HTTP client cannot be built.
    pub fn new(cfg: OpenAiConfig) -> Result<OpenAi, ProviderError> {
        Ok(OpenAi {
            client: common::http_client(cfg.http_timeout)?,
            url: common::join_url(&cfg.base_url, "chat/completions"),
            parsed_url: reqwest::Url::parse(&common::join_url(&cfg.base_url, "chat/completions"))
                .ok(),
            base: cfg.base_url.clone(),
            flavour: cfg.flavour.resolve(&cfg.base_url),
            model: cfg.model,
            key: cfg.api_key,
            max_body: cfg.max_response_bytes,
        })
    }

    /// The flavour in use (never `Auto`).
    pub fn flavour(&self) -> ServerFlavour {
        self.flavour
    }

    /// Whether a key will be sent (for the manifest; the key itself is never exposed).
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    async fn send_once(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        // An unparsable URL is left to reqwest, which reports it on sending as before.
        let mut request = match &self.parsed_url {
            Some(u) => self.client.post(u.clone()),
            None => self.client.post(&self.url),
        };
        if let Some(k) = &self.key {
            request = request.bearer_auth(k.expose());
        }
        let wire = common::Wire {
            provider: "openai",
            key: self.key.as_ref(),
            key_var: KEY_VAR,
            max_body: self.max_body,
            parse: parse_response,
        };
        common::send_json(wire, request, &self.request_body(req)).await
    }
}

/// The JSON schema asked for with a report: exactly the five keys, numeric values.
pub fn report_schema(keys: &[String]) -> Value {
    let props: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| (k.clone(), json!({"type": "number"})))
        .collect();
    json!({
        "type": "object",
        "properties": props,
        "required": keys,
        "additionalProperties": false,
    })
}

/// Name prefixes of OpenAI's reasoning model families (o1, o3, o4, gpt-5), which take
/// `max_completion_tokens` instead of `max_tokens` and reject `logprobs`, `top_logprobs` and
/// `temperature`. See [`is_reasoning_model`].
pub const REASONING_MODEL_PREFIXES: &[&str] = &["o1", "o3", "o4", "gpt-5"];

/// Whether `model` belongs to a reasoning family: it starts with one of
/// [`REASONING_MODEL_PREFIXES`] and the prefix is not followed by a letter or digit, so
/// `o1`, `o3-mini`, `o4-mini-2025-04-16`, `gpt-5`, `gpt-5-nano` and `gpt-5.1` match, while
/// `gpt-4o`, `o10` or `gpt-50` do not. Case-sensitive, on the name as given (no `openai/`
/// routing prefix is stripped).
pub fn is_reasoning_model(model: &str) -> bool {
    REASONING_MODEL_PREFIXES.iter().any(|p| {
        model
            .strip_prefix(p)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
    })
}

/// The request body for a flavour (public so tests and batch files can build it directly).
///
/// For a reasoning model ([`is_reasoning_model`]), whatever the flavour, the answer budget is
/// sent as `max_completion_tokens` and neither `temperature` nor log-probabilities are asked
/// for (those models refuse them with 400), so choices fall back to the sampled letter, as
/// with Anthropic. That budget also covers the model's hidden reasoning tokens: a budget
/// as small as a choice's usually leaves no room for the visible answer.
pub fn build_body(model: &str, flavour: ServerFlavour, req: &ChatRequest) -> Value {
    let mut b = serde_json::Map::new();
    b.insert("model".into(), json!(model));
    b.insert("messages".into(), json!(req.messages));
    if is_reasoning_model(model) {
        b.insert("max_completion_tokens".into(), json!(req.max_tokens));
    } else {
        b.insert("max_tokens".into(), json!(req.max_tokens));
        b.insert("temperature".into(), json!(req.temperature));
        if let Some(n) = req.top_logprobs {
            b.insert("logprobs".into(), json!(true));
            b.insert("top_logprobs".into(), json!(n));
        }
    }
    if let Some(c) = &req.constraint
        && flavour.applies(c)
    {
        match c {
            Constraint::Letters if flavour == ServerFlavour::LlamaCpp => {
                b.insert("grammar".into(), json!("root ::= \"A\" | \"B\""));
            }
            Constraint::Letters => {
                b.insert("guided_choice".into(), json!(["A", "B"]));
            }
            Constraint::JsonReport { keys } => {
                b.insert(
                    "response_format".into(),
                    json!({
                        "type": "json_schema",
                        "json_schema": {"name": "weights_report", "strict": true, "schema": report_schema(keys)},
                    }),
                );
            }
        }
    }
    Value::Object(b)
}

#[derive(Deserialize)]
struct Wire {
    model: Option<String>,
    system_fingerprint: Option<String>,
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: Option<WireMessage>,
    /// Legacy completions shape, returned by some servers.
    text: Option<String>,
    logprobs: Option<WireLogprobs>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
struct WireLogprobs {
    content: Option<Vec<WireToken>>,
}

#[derive(Deserialize)]
struct WireToken {
    token: String,
    logprob: Option<f64>,
    top_logprobs: Option<Vec<WireTop>>,
}

#[derive(Deserialize)]
struct WireTop {
    token: String,
    logprob: Option<f64>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// Parses a 2xx chat completions body. A body without any choice is an error (retryable
/// upstream): some gateways answer 200 with an error object.
pub fn parse_response(bytes: &[u8]) -> Result<ChatResponse, super::BodyError> {
    let w: Wire = serde_json::from_slice(bytes)?;
    let c = w
        .choices
        .into_iter()
        .next()
        .ok_or(super::BodyError::NoChoices)?;
    let text = c
        .message
        .and_then(|m| m.content)
        .or(c.text)
        .unwrap_or_default();
    let top_logprobs = c
        .logprobs
        .and_then(|l| l.content)
        .and_then(|toks| toks.into_iter().next())
        .map(|t| {
            let list = match t.top_logprobs {
                Some(top) if !top.is_empty() => top,
                _ => vec![WireTop {
                    token: t.token,
                    logprob: t.logprob,
                }],
            };
            // JSON has no -inf; servers send null or a huge negative number for "impossible".
            list.into_iter()
                .map(|x| TokenLogprob {
                    token: x.token,
                    logprob: x.logprob.unwrap_or(f64::NEG_INFINITY),
                })
                .collect::<Vec<_>>()
        });
    Ok(ChatResponse {
        text,
        top_logprobs,
        tokens_in: w.usage.as_ref().and_then(|u| u.prompt_tokens),
        tokens_out: w.usage.as_ref().and_then(|u| u.completion_tokens),
        model: w.model,
        system_fingerprint: w.system_fingerprint,
    })
}

impl Provider for OpenAi {
    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn request_body(&self, req: &ChatRequest) -> Value {
        build_body(&self.model, self.flavour, req)
    }

    fn send<'a>(&'a self, req: &'a ChatRequest) -> SendFuture<'a> {
        Box::pin(self.send_once(req))
    }

    fn endpoint(&self) -> &str {
        &self.base
    }

    fn list_models(&self, timeout: Duration) -> super::ListFuture<'_> {
        Box::pin(async move {
            if self.key.is_none() && self.base.contains("api.openai.com") {
                return Err(super::preflight::PreflightError(format!(
                    "no key for the hosted OpenAI API ({}): set {KEY_VAR}, or pass --base-url for a local server",
                    self.base
                )));
            }
            let mut request = self.client.get(common::join_url(&self.base, "models"));
            if let Some(k) = &self.key {
                request = request.bearer_auth(k.expose());
            }
            super::preflight::fetch_listing(
                request,
                &self.base,
                timeout,
                self.key.as_ref(),
                KEY_VAR,
            )
            .await
        })
    }

    fn server_props(&self, timeout: Duration) -> super::PropsFuture<'_> {
        use super::props;
        Box::pin(async move {
            let mut request = self.client.get(props::props_url(&self.base));
            if let Some(k) = &self.key {
                request = request.bearer_auth(k.expose());
            }
            let resp = tokio::time::timeout(timeout, request.send())
                .await
                .ok()?
                .ok()?;
            if !resp.status().is_success() {
                return None;
            }
            let read = super::body::read_limited(resp, props::MAX_PROPS_BYTES);
            let body = tokio::time::timeout(timeout, read).await.ok()?.ok()?;
            props::identity(&serde_json::from_slice(&body).ok()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::Message;
    use crate::providers::RequestKind;

    fn req(constraint: Option<Constraint>, top: Option<u32>) -> ChatRequest {
        ChatRequest {
            kind: RequestKind::Choice,
            messages: vec![Message {
                role: "user".into(),
                content: "hi".into(),
            }],
            max_tokens: 1,
            temperature: 0.0,
            top_logprobs: top,
            constraint,
        }
    }

    #[test]
    fn bodies_per_flavour() {
        let b = build_body(
            "m",
            ServerFlavour::OpenAi,
            &req(Some(Constraint::Letters), Some(5)),
        );
        assert_eq!(b["logprobs"], json!(true));
        assert_eq!(b["top_logprobs"], json!(5));
        assert_eq!(b["max_tokens"], json!(1));
        assert!(b.get("grammar").is_none() && b.get("guided_choice").is_none());
        let b = build_body(
            "m",
            ServerFlavour::LlamaCpp,
            &req(Some(Constraint::Letters), None),
        );
        assert_eq!(b["grammar"], json!("root ::= \"A\" | \"B\""));
        assert!(b.get("logprobs").is_none());
        let b = build_body(
            "m",
            ServerFlavour::Vllm,
            &req(Some(Constraint::Letters), None),
        );
        assert_eq!(b["guided_choice"], json!(["A", "B"]));
        let keys = vec!["x".to_string(), "y".to_string()];
        let b = build_body(
            "m",
            ServerFlavour::OpenAi,
            &req(Some(Constraint::JsonReport { keys }), None),
        );
        assert_eq!(b["response_format"]["type"], json!("json_schema"));
        assert_eq!(
            b["response_format"]["json_schema"]["schema"]["required"],
            json!(["x", "y"])
        );
        let b = build_body(
            "m",
            ServerFlavour::Plain,
            &req(Some(Constraint::Letters), None),
        );
        assert_eq!(b.as_object().unwrap().len(), 4);
        assert_eq!(
            ServerFlavour::Auto.resolve("https://api.openai.com/v1"),
            ServerFlavour::OpenAi
        );
        assert_eq!(
            ServerFlavour::Auto.resolve("http://127.0.0.1:8080/v1"),
            ServerFlavour::Plain
        );
    }

    #[test]
    fn reasoning_models_get_max_completion_tokens_and_no_sampling_fields() {
        for model in [
            "o1",
            "o1-mini",
            "o3-mini-2025-01-31",
            "o4-mini",
            "gpt-5",
            "gpt-5-nano",
            "gpt-5.1",
        ] {
            assert!(is_reasoning_model(model), "{model}");
            for flavour in [ServerFlavour::OpenAi, ServerFlavour::Plain] {
                let b = build_body(model, flavour, &req(None, Some(5)));
                assert_eq!(b["max_completion_tokens"], json!(1), "{model}");
                for field in ["max_tokens", "temperature", "logprobs", "top_logprobs"] {
                    assert!(b.get(field).is_none(), "{model} {flavour:?}: {field}");
                }
                assert_eq!(b["model"], json!(model));
                assert_eq!(b["messages"], json!([{"role": "user", "content": "hi"}]));
            }
        }
        // Constraints are still applied as the flavour says.
        let keys = vec!["x".to_string()];
        let b = build_body(
            "o3",
            ServerFlavour::OpenAi,
            &req(Some(Constraint::JsonReport { keys }), None),
        );
        assert_eq!(b["response_format"]["type"], json!("json_schema"));
        for model in [
            "gpt-4o",
            "gpt-4.1-mini",
            "o10",
            "gpt-50",
            "omni",
            "faithful",
        ] {
            assert!(!is_reasoning_model(model), "{model}");
            let b = build_body(model, ServerFlavour::OpenAi, &req(None, Some(5)));
            assert_eq!(b["max_tokens"], json!(1), "{model}");
            assert_eq!(b["temperature"], json!(0.0), "{model}");
            assert_eq!(b["top_logprobs"], json!(5), "{model}");
            assert!(b.get("max_completion_tokens").is_none(), "{model}");
        }
    }

    #[test]
    fn parses_logprobs_usage_and_ids() {
        let body = br#"{"id":"c","object":"chat.completion","model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1",
            "choices":[{"index":0,"message":{"role":"assistant","content":"B"},
              "logprobs":{"content":[{"token":"B","logprob":-0.2,"bytes":[66],
                "top_logprobs":[{"token":"B","logprob":-0.2},{"token":"A","logprob":-1.7},{"token":" A","logprob":-9.0}]}]},
              "finish_reason":"stop"}],
            "usage":{"prompt_tokens":180,"completion_tokens":1,"total_tokens":181}}"#;
        let r = parse_response(body).unwrap();
        assert_eq!(r.text, "B");
        assert_eq!(r.model.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(r.system_fingerprint.as_deref(), Some("fp_1"));
        assert_eq!((r.tokens_in, r.tokens_out), (Some(180), Some(1)));
        assert_eq!(r.top_logprobs.as_ref().unwrap().len(), 3);
        let pa = r.p_a().unwrap();
        let (a, b) = ((-1.7f64).exp() + (-9.0f64).exp(), (-0.2f64).exp());
        assert!((pa - a / (a + b)).abs() < 1e-12);
        assert!(parse_response(br#"{"choices":[]}"#).is_err());
        assert!(parse_response(br#"{"choices":[{"message":{"content":"A"}}"#).is_err());
        let r = parse_response(br#"{"choices":[{"message":{"content":null}}]}"#).unwrap();
        assert_eq!(r.text, "");
        assert!(r.top_logprobs.is_none() && r.p_a().is_none());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let mut cfg = OpenAiConfig::new("m", Some("http://127.0.0.1:1/v1"));
        cfg.api_key = Some(ApiKey::new("sk-very-secret-000111"));
        let p = OpenAi::new(cfg.clone()).unwrap();
        assert!(!format!("{p:?}").contains("secret"));
        assert!(!format!("{cfg:?}").contains("secret"));
        assert!(
            !p.request_body(&req(None, None))
                .to_string()
                .contains("secret")
        );
    }
}
