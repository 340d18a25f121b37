//! The simulated agents served as an OpenAI-compatible HTTP endpoint on loopback
//! (`selfinterp serve-sim`), so the HTTP path is tested end to end and other tools can be
//! pointed at an agent with known ground truth.
//!
//! Routes: `POST /v1/chat/completions` (also `/chat/completions`; JSON, or server-sent
//! events with `stream: true`), `GET /v1/models`, `GET /v1/models/{id}`, `GET /health`. As
//! OpenAI answers: a model other than the agent's is a 404 `model_not_found`, a known route
//! asked with the wrong method a 405, an unknown route a 404 ([`wire`] has the body format). Built on hyper's HTTP/1.1 connection driver with keep-alive: the server
//! does no more than parse JSON, look the context up and hash the prompt, so a loopback
//! client can push thousands of requests a second through it.

use super::SimAgent;
use super::wire::{self, Header, WireChoice, WireRequest};
use crate::loopback::{ServeError, Stop, Threads, serve_until_stopped};
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
    /// Completions answered, for their ids.
    completions: AtomicU64,
    /// When the server started (Unix seconds): the model's `created`.
    started: u64,
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
            completions: AtomicU64::new(0),
            started: wire::unix_now(),
        });
        let task = crate::loopback::serve(listener, state.clone(), handle);
        Ok(SimServer { addr, state, task })
    }

    /// The loopback address it listens on.
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

/// Serves `agent` on `addr` (loopback; port 0 for any free port) on `threads` worker threads
/// (one per core by default) until `stop` ends it; `ready` is given the running server first
/// (to print its base URL). Returns the chat requests it answered.
pub fn serve(
    agent: Arc<SimAgent>,
    addr: SocketAddr,
    threads: Option<usize>,
    stop: &Stop,
    ready: impl FnOnce(&SimServer) -> std::io::Result<()>,
) -> Result<u64, ServeError> {
    serve_until_stopped(
        Threads::Pool(threads),
        addr,
        |a: SocketAddr| SimServer::bind(agent, a),
        stop,
        ready,
        |s: SimServer| {
            let n: u64 = s.requests();
            s.shutdown();
            n
        },
    )
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

/// OpenAI's answer to a model it does not serve: 404 with code `model_not_found`.
pub fn model_not_found(model: &str) -> (StatusCode, Value) {
    let message = format!("The model `{model}` does not exist or you do not have access to it.");
    (
        StatusCode::NOT_FOUND,
        json!({"error": {"message": message, "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}),
    )
}

/// A known route asked with the wrong method: 405 with the method it takes in `Allow`.
fn wrong_method(method: &Method, path: &str, allow: &'static str) -> Response<Full<Bytes>> {
    let mut r = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &error_body(
            &format!("{method} is not allowed on {path}; use {allow}"),
            "invalid_request_error",
        ),
    );
    r.headers_mut()
        .insert("allow", hyper::header::HeaderValue::from_static(allow));
    r
}

async fn handle(
    st: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    let method = req.method().clone();
    let model_path: Option<&str> = path
        .strip_prefix("/v1/models/")
        .or_else(|| path.strip_prefix("/models/"));
    Ok(match (&method, path.as_str()) {
        (&Method::GET, "/health") => json_response(StatusCode::OK, &json!({"status": "ok"})),
        (&Method::GET, "/v1/models" | "/models") => json_response(
            StatusCode::OK,
            &json!({"object": "list", "data": [model_json(&st)]}),
        ),
        (&Method::GET, _) if model_path.is_some() => match model_path {
            Some(id) if id == st.model => json_response(StatusCode::OK, &model_json(&st)),
            _ => {
                let (status, body) = model_not_found(model_path.unwrap_or_default());
                json_response(status, &body)
            }
        },
        (&Method::POST, "/v1/chat/completions" | "/chat/completions") => {
            st.requests.fetch_add(1, Ordering::Relaxed);
            match req.into_body().collect().await {
                Ok(b) => serve_completion(&st, &b.to_bytes()),
                Err(e) => json_response(
                    StatusCode::BAD_REQUEST,
                    &error_body(&format!("cannot read body: {e}"), "invalid_request_error"),
                ),
            }
        }
        (_, "/v1/chat/completions" | "/chat/completions") => wrong_method(&method, &path, "POST"),
        (_, "/health" | "/v1/models" | "/models") => wrong_method(&method, &path, "GET"),
        (_, _) if model_path.is_some() => wrong_method(&method, &path, "GET"),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &error_body(&format!("no route for {path}"), "not_found"),
        ),
    })
}

fn model_json(st: &State) -> Value {
    json!({"id": st.model, "object": "model", "created": st.started, "owned_by": "selfinterp-sim"})
}

/// A chat completions request to this server: its model must be the agent's (or absent,
/// as some local clients send it), then the agent answers as JSON or as a stream.
fn serve_completion(st: &State, body: &[u8]) -> Response<Full<Bytes>> {
    let req: WireRequest = match WireRequest::parse(body) {
        Ok(r) => r,
        Err((status, msg)) => {
            return json_response(status, &error_body(&msg, "invalid_request_error"));
        }
    };
    if let Some(m) = &req.model
        && *m != st.model
    {
        let (status, body) = model_not_found(m);
        return json_response(status, &body);
    }
    let choices: Vec<WireChoice> = match wire::answer(&st.agent, &req) {
        Ok(c) => c,
        Err((status, msg)) => {
            return json_response(status, &error_body(&msg, "invalid_request_error"));
        }
    };
    let n: u64 = st.completions.fetch_add(1, Ordering::Relaxed);
    let id: String = format!("chatcmpl-sim-{n}");
    let h = Header {
        id: &id,
        model: &st.model,
        fingerprint: st.agent.fingerprint(),
        created: wire::unix_now(),
    };
    if !req.stream {
        return json_response(
            StatusCode::OK,
            &wire::completion_json(&h, &choices, req.logprobs),
        );
    }
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Full::new(Bytes::from(wire::stream_body(
            &h, &choices, &req,
        ))))
        .expect("valid response")
}

/// Answers one chat completions request body as an OpenAI-compatible JSON response, whatever
/// model it names (public so test mocks can serve a sim agent through their own transport).
pub fn chat_completion(agent: &SimAgent, body: &[u8]) -> Result<Value, (StatusCode, String)> {
    let req: WireRequest = WireRequest::parse(body)?;
    let choices: Vec<WireChoice> = wire::answer(agent, &req)?;
    let model: String = agent.name();
    let h = Header {
        id: "chatcmpl-sim",
        model: &model,
        fingerprint: agent.fingerprint(),
        created: wire::unix_now(),
    };
    Ok(wire::completion_json(&h, &choices, req.logprobs))
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
