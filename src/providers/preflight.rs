//! The pre-flight check of an endpoint, before a run's first request: a dead or wrong
//! endpoint is named in one line within seconds instead of every request retrying for its
//! whole budget. It also learns who answers ([`ServerIdentity`]), which is part of the
//! response cache key so one server's answers are never served for another's.
//!
//! Steps: the server's model list (`GET {base}/models`, OpenAI-compatible servers) says
//! whether it is reachable, accepts the key and serves the model (else the models it does
//! serve are listed); then one minimal chat request (one output token) gives the model id
//! and fingerprint the server reports. Rate limits and server errors at this stage do not
//! stop the run (the run's own retries handle them); an unreachable host, a refused key or
//! an unknown model do.

use super::{ChatRequest, ChatResponse, Provider, ProviderError, RequestKind};
use crate::prompts::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// Who answers a run, as far as the server says: part of the response cache key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerIdentity {
    /// The base URL asked ("in-process" for the simulated agents).
    pub endpoint: String,
    /// The server's model-list entry for the model, without its volatile `created` time
    /// (llama.cpp puts the weights' size and parameter count there).
    pub listing: Option<Value>,
    /// The model id and fingerprint of the answer to the pre-flight request.
    pub model_id: Option<String>,
    pub fingerprint: Option<String>,
    /// What llama.cpp's `GET /props` says of the weights (model path, a file hash), asked when
    /// the model list is llama.cpp's (`providers/props.rs`). Left out of the key when `None`, so
    /// other servers' keys, and the caches that hold them, are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<Value>,
}

impl ServerIdentity {
    /// Only the endpoint known (no pre-flight was made).
    pub fn endpoint_only(endpoint: &str) -> ServerIdentity {
        ServerIdentity {
            endpoint: endpoint.to_string(),
            ..ServerIdentity::default()
        }
    }
}

/// Largest model list read (`GET /models`); a longer one counts as no list.
pub const MAX_LISTING_BYTES: usize = 16 << 20;

/// Why the endpoint cannot serve the run, in one line.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PreflightError(pub String);

/// The short cause of a transport failure, from the error's chain of causes.
pub fn transport_reason(chain: &str) -> &'static str {
    let c: String = chain.to_lowercase();
    if c.contains("dns error")
        || c.contains("failed to lookup address")
        || c.contains("name or service not known")
        || c.contains("no address associated")
        || c.contains("name resolution")
    {
        "name not resolved"
    } else if c.contains("connection refused") {
        "connection refused"
    } else if c.contains("timed out") || c.contains("deadline") {
        "no answer (timed out)"
    } else if c.contains("certificate") || c.contains("tls") {
        "TLS handshake failed"
    } else if c.contains("reset") {
        "connection reset"
    } else {
        "cannot connect"
    }
}

fn chain_text(e: &reqwest::Error) -> String {
    let mut text: String = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    text
}

/// The host of a URL, for messages.
fn host(base: &str) -> String {
    reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| base.to_string())
}

/// `GET` a model list: `Ok(Some(entries))`, `Ok(None)` when the server has no such route or
/// is busy, `Err` when it cannot be reached or refuses the key.
pub async fn fetch_listing(
    request: reqwest::RequestBuilder,
    base: &str,
    timeout: Duration,
    key: Option<&super::ApiKey>,
    key_var: &str,
) -> Result<Option<Vec<Value>>, PreflightError> {
    let resp = match tokio::time::timeout(timeout, request.send()).await {
        Err(_) => {
            return Err(PreflightError(format!(
                "{base}: no answer within {}s",
                timeout.as_secs_f64()
            )));
        }
        Ok(Err(e)) => {
            let chain: String = chain_text(&e);
            let reason: &str = transport_reason(&chain);
            let what: String = match reason {
                "name not resolved" => format!("name not resolved ({})", host(base)),
                r => r.to_string(),
            };
            return Err(PreflightError(super::common::redact(
                &format!("{base}: {what}"),
                key,
            )));
        }
        Ok(Ok(r)) => r,
    };
    let status = resp.status();
    // A model list is read up to its own limit (hosted routers list hundreds of models).
    let body = tokio::time::timeout(timeout, super::body::read_limited(resp, MAX_LISTING_BYTES))
        .await
        .ok()
        .and_then(|b| b.ok())
        .unwrap_or_default();
    if matches!(status.as_u16(), 401 | 403) {
        let e = super::common::classify_status("server", status, &body, None, key, key_var);
        return Err(PreflightError(format!("{base}: {e}")));
    }
    if !status.is_success() {
        return Ok(None);
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let list = v
        .get("data")
        .or_else(|| v.get("models"))
        .and_then(Value::as_array);
    Ok(list.map(|l| l.to_vec()))
}

/// Whether a listed id names the requested model (Ollama lists `name:latest` for `name`).
fn listed_as(id: &str, model: &str) -> bool {
    id == model || id.strip_suffix(":latest") == Some(model)
}

/// The one-token request that asks the server who it is.
fn minimal_request() -> ChatRequest {
    ChatRequest {
        kind: RequestKind::Choice,
        messages: vec![Message {
            role: "user".into(),
            content: "Answer with the letter A.".into(),
        }],
        max_tokens: 1,
        temperature: 0.0,
        top_logprobs: None,
        constraint: None,
    }
}

/// A 404 from a base URL whose path has no `/v1` (`http://127.0.0.1:8080` for a server that
/// serves `/v1/chat/completions`) says to add it.
pub fn with_v1_hint(message: String, base: &str) -> String {
    let path: &str = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .split_once('/')
        .map_or("", |(_, path)| path);
    let has_v1: bool = path.split('/').any(|seg| seg == "v1");
    if message.contains("HTTP 404") && !has_v1 {
        let base: &str = base.trim_end_matches('/');
        format!("{message}; the base URL has no /v1: try --base-url {base}/v1")
    } else {
        message
    }
}

/// Checks the endpoint of `p` before a run; `timeout` bounds each of its two requests.
pub async fn preflight(
    p: &dyn Provider,
    timeout: Duration,
) -> Result<ServerIdentity, PreflightError> {
    let mut id = ServerIdentity::endpoint_only(p.endpoint());
    if p.name() == "sim" {
        return Ok(id);
    }
    let model: &str = p.model();
    if let Some(list) = p.list_models(timeout).await? {
        let ids: Vec<&str> = list
            .iter()
            .filter_map(|e| {
                e.get("id")
                    .or_else(|| e.get("name"))
                    .and_then(Value::as_str)
            })
            .collect();
        match list.iter().find(|e| {
            e.get("id")
                .or_else(|| e.get("name"))
                .and_then(Value::as_str)
                .is_some_and(|i| listed_as(i, model))
        }) {
            Some(entry) => {
                let mut e: Value = entry.clone();
                if let Some(o) = e.as_object_mut() {
                    o.remove("created");
                }
                if super::props::is_llama_cpp(&e) {
                    id.props = p.server_props(timeout).await;
                }
                id.listing = Some(e);
            }
            None if !ids.is_empty() => {
                let shown: Vec<&str> = ids.iter().take(20).copied().collect();
                let more: String = match ids.len().saturating_sub(shown.len()) {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                let served: String = shown.join(", ");
                return Err(PreflightError(format!(
                    "model {model:?} is not served by {}; it serves: {}{more}",
                    p.endpoint(),
                    super::sanitise::printable(&served)
                )));
            }
            None => {}
        }
    }
    let req: ChatRequest = minimal_request();
    let answer: Option<Result<ChatResponse, ProviderError>> =
        tokio::time::timeout(timeout, p.send(&req)).await.ok();
    match answer {
        None => {
            return Err(PreflightError(format!(
                "{}: no answer within {}s",
                p.endpoint(),
                timeout.as_secs_f64()
            )));
        }
        Some(Ok(r)) => {
            id.model_id = r.model;
            id.fingerprint = r.system_fingerprint;
        }
        Some(Err(ProviderError::Fatal { message })) => {
            // A refused key or an unknown model stops the run; a 400 may be this request's
            // own shape (e.g. a reasoning model's budget), so the run is left to show it.
            if ["HTTP 401", "HTTP 403", "HTTP 404"]
                .iter()
                .any(|c| message.contains(c))
            {
                return Err(PreflightError(with_v1_hint(message, p.endpoint())));
            }
        }
        // An over-size answer is left to the run, which records it per request.
        Some(Err(ProviderError::Rejected { .. })) => {}
        Some(Err(ProviderError::Retryable { message, .. })) => {
            if message.contains("cannot connect") {
                let reason: &str = transport_reason(&message);
                return Err(PreflightError(format!("{}: {reason}", p.endpoint())));
            }
        }
    }
    Ok(id)
}
