//! The simulated agents served as an OpenAI-compatible HTTP endpoint on loopback
//! (`selfinterp serve-sim`), so the HTTP path is tested end to end and other tools can be
//! pointed at an agent with known ground truth.
//!
//! Routes: `POST /v1/chat/completions` (also `/chat/completions`), `GET /v1/models`,
//! `GET /health`. Built on hyper's HTTP/1.1 connection driver with keep-alive: the server
//! does no more than parse JSON, look the context up and hash the prompt, so a loopback
//! client can push thousands of requests a second through it.

use super::{SimAgent, SimReply};
use crate::prompts::Message;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpListener;

/// A running server. Dropping it leaves the server running; call [`SimServer::shutdown`].
pub struct SimServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

struct State {
    agent: Arc<SimAgent>,
    model: String,
    requests: AtomicU64,
}

impl SimServer {
    /// Binds `addr` (use port 0 for any free port) and serves on the current tokio runtime.
    pub async fn bind(agent: Arc<SimAgent>, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            model: agent.name(),
            agent,
            requests: AtomicU64::new(0),
        });
        let task = crate::loopback::serve(listener, state.clone(), handle);
        Ok(SimServer { addr, state, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give an OpenAI client: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Chat completion requests answered so far (including rejected ones).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Stops accepting connections (open keep-alive connections finish on their own).
    pub fn shutdown(self) {
        self.task.abort();
    }
}

fn json_response(status: StatusCode, v: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::to_vec(v).expect("serialises"),
        )))
        .expect("valid response")
}

/// An OpenAI-style error body.
pub fn error_body(message: &str, kind: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
}

async fn handle(
    st: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    let method = req.method().clone();
    Ok(match (method, path.as_str()) {
        (Method::GET, "/health") => json_response(StatusCode::OK, &json!({"status": "ok"})),
        (Method::GET, "/v1/models" | "/models") => json_response(
            StatusCode::OK,
            &json!({"object": "list", "data": [{"id": st.model, "object": "model", "created": 0, "owned_by": "selfinterp-sim"}]}),
        ),
        (Method::POST, "/v1/chat/completions" | "/chat/completions") => {
            st.requests.fetch_add(1, Ordering::Relaxed);
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    return Ok(json_response(
                        StatusCode::BAD_REQUEST,
                        &error_body(&format!("cannot read body: {e}"), "invalid_request_error"),
                    ));
                }
            };
            match chat_completion(&st.agent, &body) {
                Ok(v) => json_response(StatusCode::OK, &v),
                Err((status, msg)) => {
                    json_response(status, &error_body(&msg, "invalid_request_error"))
                }
            }
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &error_body(&format!("no route for {path}"), "not_found"),
        ),
    })
}

/// Answers one chat completions request body as an OpenAI-compatible JSON response
/// (public so test mocks can serve a sim agent through their own transport).
pub fn chat_completion(agent: &SimAgent, body: &[u8]) -> Result<Value, (StatusCode, String)> {
    #[derive(serde::Deserialize)]
    struct Body {
        messages: Vec<Message>,
        #[serde(default)]
        logprobs: bool,
        top_logprobs: Option<u32>,
    }
    let b: Body = serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {e}"),
        )
    })?;
    let top = if b.logprobs {
        Some(b.top_logprobs.unwrap_or(1).max(1))
    } else {
        None
    };
    let reply = agent
        .respond(&b.messages, top)
        .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    Ok(openai_json(
        &reply,
        &agent.name(),
        agent.fingerprint(),
        b.logprobs,
    ))
}

/// The OpenAI chat completion JSON for a reply.
pub fn openai_json(reply: &SimReply, model: &str, fingerprint: &str, logprobs: bool) -> Value {
    let lp = match (&reply.top_logprobs, logprobs) {
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
    };
    json!({
        "id": "chatcmpl-sim",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "system_fingerprint": fingerprint,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": reply.text},
            "logprobs": lp,
            "finish_reason": if reply.kind == crate::providers::RequestKind::Choice { "length" } else { "stop" },
        }],
        "usage": {
            "prompt_tokens": reply.tokens_in,
            "completion_tokens": reply.tokens_out,
            "total_tokens": reply.tokens_in + reply.tokens_out,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmark::Split;
    use crate::prompts::choice_prompt;
    use crate::providers::openai::{OpenAi, OpenAiConfig};
    use crate::providers::{ChatRequest, Provider, RequestKind};
    use crate::sim::{AgentKind, synthetic_contexts};

    #[tokio::test]
    async fn serves_the_agent_over_http() {
        let cs = synthetic_contexts("srv", Split::Native, 3, 5, 1);
        let agent = Arc::new(SimAgent::new(AgentKind::Faithful, "s", &cs));
        let srv = SimServer::bind(agent.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let mut cfg = OpenAiConfig::new("faithful", Some(&srv.base_url()));
        cfg.api_key = None;
        let client = OpenAi::new(cfg).unwrap();
        let p = choice_prompt(&cs[0], &cs[0].pairs[0]);
        let req = ChatRequest {
            kind: RequestKind::Choice,
            messages: p.messages(),
            max_tokens: 1,
            temperature: 0.0,
            top_logprobs: Some(5),
            constraint: None,
        };
        let r = client.send(&req).await.unwrap();
        let direct = agent.respond(&p.messages(), Some(5)).unwrap();
        assert_eq!(r.text, direct.text);
        assert!((r.p_a().unwrap() - direct.p_a.unwrap()).abs() < 1e-12);
        assert_eq!(r.model.as_deref(), Some("faithful"));
        assert_eq!(r.system_fingerprint.as_deref(), Some(agent.fingerprint()));
        assert_eq!(r.tokens_out, Some(1));
        assert_eq!(srv.requests(), 1);
        srv.shutdown();
    }
}
