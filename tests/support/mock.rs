//! A loopback mock of an OpenAI-compatible (and Anthropic Messages) server with fault
//! injection, for the provider, retry, resume and fault tests.
//!
//! It speaks just enough HTTP/1.1 by hand (keep-alive, `Content-Length` bodies) to control
//! the transport exactly: a reset is a real TCP RST (zero linger), a cut body is a
//! `Content-Length` promise the server breaks, a slow answer really stalls. A library server
//! would hide those.
//!
//! ```ignore
//! let srv = MockServer::builder()
//!     .fault_at(0, Fault::rate_limited(1))          // the first request gets 429, Retry-After: 1
//!     .fault_at(1, Fault::Reset)                    // the second a connection reset
//!     .fault_rate(0.1, Fault::Status(500))          // then 10% of requests a 500 (seeded)
//!     .first_attempt_fault(Fault::MalformedJson)    // or: every distinct body fails once
//!     .sim(agent)                                   // answer with a sim agent (default: "A")
//!     .start().await;
//! let base = srv.base_url();                        // http://127.0.0.1:PORT/v1
//! assert_eq!(srv.requests(), 2);
//! ```
//!
//! A test that needs other answers parameterises the stub with [`Responder::custom`] (any body
//! from the request), [`Responder::default_with_usage`] (the usual answers, other usage) and
//! [`completion`] (an OpenAI completion body).
//!
//! Request indices count requests in arrival order from 0 (every route). Faults are decided
//! in this order: `fault_at` for the index, then `first_attempt_fault` for a body not seen
//! before, then `fault_rate` draws (deterministic from the seed and the index).

use selfinterp::sim as sim_server;
use selfinterp::sim::SimAgent;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What goes wrong with one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 with this `Retry-After` header value (seconds or an HTTP-date), or none.
    RateLimited { retry_after: Option<String> },
    /// This status with an OpenAI-style error body naming it (500, 503, 529, 401, 404...).
    Status(u16),
    /// A status with a custom body (e.g. an error message that echoes a key).
    StatusBody(u16, String),
    /// Waits this long, then answers normally (past a client's timeout, it is a timeout).
    Slow(Duration),
    /// Closes the connection with a TCP reset, without answering.
    Reset,
    /// Closes the connection cleanly without answering.
    Close,
    /// Promises the full `Content-Length`, sends half the body, closes.
    CutBody,
    /// 200 with a complete HTTP body holding the first half of the JSON.
    TruncatedJson,
    /// 200 with a body that is not JSON (a proxy's HTML page).
    MalformedJson,
    /// 200 with a chunked body (no `Content-Length`) of this many bytes of junk, streamed in
    /// 64 KiB chunks until done or the client hangs up.
    Stream(u64),
    /// The normal answer with its text followed by this many spaces (a valid, huge answer).
    Padded(usize),
}

impl Fault {
    pub fn rate_limited(secs: u64) -> Fault {
        Fault::RateLimited {
            retry_after: Some(secs.to_string()),
        }
    }

    /// Every fault that should be retried, for table-driven tests.
    pub fn retryable_kinds() -> Vec<Fault> {
        vec![
            Fault::rate_limited(0),
            Fault::Status(500),
            Fault::Status(502),
            Fault::Status(503),
            Fault::Status(529),
            Fault::Slow(Duration::from_secs(5)),
            Fault::Reset,
            Fault::Close,
            Fault::CutBody,
            Fault::TruncatedJson,
            Fault::MalformedJson,
        ]
    }
}

/// How successful requests are answered.
#[derive(Clone)]
pub enum Responder {
    /// Choices: "A" with log-probabilities (A -0.105, B -2.303); reports: every key asked
    /// for (read from the prompt) with the value 50.
    Default,
    /// A simulated agent answers (ground truth known), through the same code as serve-sim.
    Sim(Arc<SimAgent>),
    /// Any OpenAI-style response body for the request body.
    Custom(Arc<dyn Fn(&Value) -> Value + Send + Sync>),
}

impl Responder {
    /// Answers every chat request with `f(request body)`: the stubs that tests parameterise.
    pub fn custom(f: impl Fn(&Value) -> Value + Send + Sync + 'static) -> Responder {
        Responder::Custom(Arc::new(f))
    }

    /// The default answers ([`default_text`], model `m`) with the usage `usage(body, text)`
    /// gives as (prompt, completion) tokens, or no usage at all.
    pub fn default_with_usage(
        usage: impl Fn(&Value, &str) -> Option<(u64, u64)> + Send + Sync + 'static,
    ) -> Responder {
        Responder::custom(move |body: &Value| {
            let text: String = default_text(&user_text(body));
            completion("m", &text, Value::Null, usage(body, &text))
        })
    }
}

/// An OpenAI chat completion of `model` answering `text`, with `logprobs` (`Value::Null` for
/// none) and `usage` as (prompt, completion) tokens, or without a usage field.
pub fn completion(model: &str, text: &str, logprobs: Value, usage: Option<(u64, u64)>) -> Value {
    let mut v: Value = json!({
        "id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
            "logprobs": logprobs, "finish_reason": "stop"}],
    });
    if let Some((p, c)) = usage {
        v["usage"] = json!({"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c});
    }
    v
}

/// One request as received, when recording is on.
#[derive(Clone, Debug)]
pub struct Received {
    pub index: u64,
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    pub fault: Option<Fault>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

pub struct MockBuilder {
    by_index: HashMap<u64, Fault>,
    rates: Vec<(f64, Fault)>,
    first_attempt: Option<Fault>,
    seed: u64,
    responder: Responder,
    latency: Duration,
    record: bool,
    model: String,
    port: u16,
    /// Fields added to the model's `GET /v1/models` entry, and the body of `GET /props`.
    listed: Value,
    props: Option<Value>,
}

impl MockBuilder {
    /// Listens on this loopback port (default: any free one), e.g. the port of a server just
    /// stopped, as a restarted server does.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Injects `fault` into the request with this arrival index (0-based).
    pub fn fault_at(mut self, index: u64, fault: Fault) -> Self {
        self.by_index.insert(index, fault);
        self
    }

    /// Injects `fault` into the requests at all these indices.
    pub fn faults_at(mut self, indices: impl IntoIterator<Item = u64>, fault: Fault) -> Self {
        for i in indices {
            self.by_index.insert(i, fault.clone());
        }
        self
    }

    /// Injects `fault` with probability `p` per request (seeded; several rates add up).
    pub fn fault_rate(mut self, p: f64, fault: Fault) -> Self {
        self.rates.push((p, fault));
        self
    }

    /// Injects `fault` the first time each distinct request body arrives: every request
    /// needs exactly one retry, whatever the order in which concurrent requests land.
    pub fn first_attempt_fault(mut self, fault: Fault) -> Self {
        self.first_attempt = Some(fault);
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn responder(mut self, r: Responder) -> Self {
        self.responder = r;
        self
    }

    pub fn sim(self, agent: Arc<SimAgent>) -> Self {
        self.responder(Responder::Sim(agent))
    }

    /// Added to every answer (simulates model latency).
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }

    /// Keeps every request (headers and body) for inspection; off by default for speed.
    pub fn record(mut self, on: bool) -> Self {
        self.record = on;
        self
    }

    /// Adds `fields` to the model's entry in `GET /v1/models` (as llama.cpp's `meta` or
    /// vLLM's `root`).
    pub fn listed(mut self, fields: Value) -> Self {
        self.listed = fields;
        self
    }

    /// Answers `GET /props` (llama.cpp) with `body`; without it that route is 404.
    pub fn props(mut self, body: Value) -> Self {
        self.props = Some(body);
        self
    }

    /// The model id the mock reports (default "mock-model").
    pub fn model(mut self, m: &str) -> Self {
        self.model = m.to_string();
        self
    }

    pub async fn start(self) -> MockServer {
        // A port just released by a stopped mock may take a moment to be free again.
        let mut tries: u32 = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if tries < 100 && self.port != 0 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("bind loopback port {}: {e}", self.port),
            }
        };
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            cfg: self,
            next: AtomicU64::new(0),
            faults: AtomicU64::new(0),
            ok: AtomicU64::new(0),
            seen: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
        });
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let _ = sock.set_nodelay(true);
                tokio::spawn(serve_connection(st.clone(), sock));
            }
        });
        MockServer { addr, state, task }
    }
}

struct State {
    cfg: MockBuilder,
    next: AtomicU64,
    faults: AtomicU64,
    ok: AtomicU64,
    seen: Mutex<HashMap<[u8; 32], u32>>,
    log: Mutex<Vec<Received>>,
}

/// A running mock. Stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    pub fn builder() -> MockBuilder {
        MockBuilder {
            by_index: HashMap::new(),
            rates: Vec::new(),
            first_attempt: None,
            seed: 0,
            responder: Responder::Default,
            latency: Duration::ZERO,
            record: false,
            model: "mock-model".into(),
            port: 0,
            listed: json!({}),
            props: None,
        }
    }

    /// A mock with no faults and the default responder.
    pub async fn start() -> MockServer {
        MockServer::builder().start().await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`: the base URL for both OpenAI and Anthropic clients.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Requests received (every route, faulted or not).
    pub fn requests(&self) -> u64 {
        self.state.next.load(Ordering::SeqCst)
    }

    /// Requests that got a fault.
    pub fn faults(&self) -> u64 {
        self.state.faults.load(Ordering::SeqCst)
    }

    /// Requests answered normally (slow ones included, even if the client gave up).
    pub fn answered(&self) -> u64 {
        self.state.ok.load(Ordering::SeqCst)
    }

    /// Distinct request bodies received, and how many times each arrived.
    pub fn body_counts(&self) -> Vec<u32> {
        self.state.seen.lock().unwrap().values().copied().collect()
    }

    /// Recorded requests (needs `.record(true)`), in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut v = self.state.log.lock().unwrap().clone();
        v.sort_by_key(|r| r.index);
        v
    }
}

fn splitmix(mut z: u64) -> f64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// Reads one request; `None` at a clean end of the connection or on garbage.
async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let start = head_end + 4;
    while buf.len() < start + len {
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[start..start + len].to_vec();
    buf.drain(..start + len);
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Status",
    }
}

async fn write_response(
    sock: &mut TcpStream,
    code: u16,
    extra: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {code} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        reason(code),
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    sock.write_all(&out).await
}

async fn serve_connection(st: Arc<State>, mut sock: TcpStream) {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut sock, &mut buf).await {
        let index = st.next.fetch_add(1, Ordering::SeqCst);
        let digest: [u8; 32] = Sha256::digest(&req.body).into();
        let times_seen = {
            let mut seen = st.seen.lock().unwrap();
            let n = seen.entry(digest).or_insert(0);
            *n += 1;
            *n
        };
        let cfg = &st.cfg;
        let fault = cfg
            .by_index
            .get(&index)
            .cloned()
            .or_else(|| {
                if times_seen == 1 {
                    cfg.first_attempt.clone()
                } else {
                    None
                }
            })
            .or_else(|| {
                let u = splitmix(cfg.seed ^ index.wrapping_mul(0x2545_f491_4f6c_dd1d));
                let mut acc = 0.0;
                cfg.rates
                    .iter()
                    .find(|(p, _)| {
                        acc += p;
                        u < acc
                    })
                    .map(|(_, f)| f.clone())
            });
        if cfg.record {
            st.log.lock().unwrap().push(Received {
                index,
                method: req.method.clone(),
                path: req.path.clone(),
                headers: req.headers.clone(),
                body: req.body.clone(),
                fault: fault.clone(),
            });
        }
        if fault.as_ref().is_some_and(|f| !matches!(f, Fault::Slow(_))) {
            st.faults.fetch_add(1, Ordering::SeqCst);
        }
        let (code, body) = answer(&st, &req);
        let r = match fault {
            None => {
                if !cfg.latency.is_zero() {
                    tokio::time::sleep(cfg.latency).await;
                }
                st.ok.fetch_add(1, Ordering::SeqCst);
                write_response(&mut sock, code, &[], &body).await
            }
            Some(Fault::Slow(d)) => {
                st.faults.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(d).await;
                st.ok.fetch_add(1, Ordering::SeqCst);
                write_response(&mut sock, code, &[], &body).await
            }
            Some(Fault::RateLimited { retry_after }) => {
                let extra: Vec<(&str, String)> = retry_after
                    .into_iter()
                    .map(|v| ("retry-after", v))
                    .collect();
                let b = json!({"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}});
                write_response(&mut sock, 429, &extra, b.to_string().as_bytes()).await
            }
            Some(Fault::Status(c)) => {
                let b = json!({"error": {"message": format!("injected status {c}"), "type": "mock_error"}});
                write_response(&mut sock, c, &[], b.to_string().as_bytes()).await
            }
            Some(Fault::StatusBody(c, b)) => write_response(&mut sock, c, &[], b.as_bytes()).await,
            Some(Fault::Reset) => {
                let _ = sock.set_zero_linger();
                return;
            }
            Some(Fault::Close) => {
                let _ = sock.shutdown().await;
                return;
            }
            Some(Fault::CutBody) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body[..body.len() / 2]).await;
                let _ = sock.shutdown().await;
                return;
            }
            Some(Fault::TruncatedJson) => {
                write_response(&mut sock, 200, &[], &body[..body.len() / 2]).await
            }
            Some(Fault::Stream(n)) => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk: Vec<u8> = {
                    let mut c = format!("{:x}\r\n", 65536).into_bytes();
                    c.extend(std::iter::repeat_n(b'x', 65536));
                    c.extend_from_slice(b"\r\n");
                    c
                };
                let mut sent: u64 = 0;
                while sent < n {
                    if sock.write_all(&chunk).await.is_err() {
                        return;
                    }
                    sent += 65536;
                }
                sock.write_all(b"0\r\n\r\n").await
            }
            Some(Fault::Padded(n)) => {
                let mut v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let text: String = v["choices"][0]["message"]["content"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                v["choices"][0]["message"]["content"] = json!(format!("{text}{}", " ".repeat(n)));
                write_response(&mut sock, 200, &[], v.to_string().as_bytes()).await
            }
            Some(Fault::MalformedJson) => {
                write_response(
                    &mut sock,
                    200,
                    &[],
                    b"<html><body>502 Bad Gateway</body></html>",
                )
                .await
            }
        };
        if r.is_err() {
            return;
        }
    }
}

/// The normal answer for a request: status and body.
fn answer(st: &State, req: &Request) -> (u16, Vec<u8>) {
    let path = req
        .path
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    let model = &st.cfg.model;
    match (req.method.as_str(), path) {
        ("GET", "/health") => (200, br#"{"status":"ok"}"#.to_vec()),
        ("GET", "/v1/models") => {
            let mut entry: Value = json!({"id": model, "object": "model"});
            for (k, v) in st.cfg.listed.as_object().into_iter().flatten() {
                entry[k] = v.clone();
            }
            (
                200,
                json!({"object": "list", "data": [entry]})
                    .to_string()
                    .into_bytes(),
            )
        }
        ("GET", "/props") if st.cfg.props.is_some() => {
            (200, st.cfg.props.as_ref().unwrap().to_string().into_bytes())
        }
        ("POST", "/v1/chat/completions") => match openai_answer(st, &req.body) {
            Ok(v) => (200, v.to_string().into_bytes()),
            Err((c, m)) => (
                c,
                sim_server::error_body(&m, "invalid_request_error")
                    .to_string()
                    .into_bytes(),
            ),
        },
        ("POST", "/v1/messages") => match anthropic_answer(st, &req.body) {
            Ok(v) => (200, v.to_string().into_bytes()),
            Err((c, m)) => (
                c,
                json!({"type": "error", "error": {"type": "invalid_request_error", "message": m}})
                    .to_string()
                    .into_bytes(),
            ),
        },
        _ => (
            404,
            sim_server::error_body(&format!("no route for {} {path}", req.method), "not_found")
                .to_string()
                .into_bytes(),
        ),
    }
}

/// The text of a request body's last user message.
pub fn user_text(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

/// The default answer text for a prompt: "A" for choices, 50 for every key of a report.
pub fn default_text(user: &str) -> String {
    if user.starts_with(selfinterp::prompts::REPORT_TAG) {
        let keys = user
            .split_once("keys are exactly ")
            .and_then(|(_, rest)| rest.split_once(" and whose"))
            .map(|(list, _)| {
                list.split(", ")
                    .map(|k| k.trim_matches('"').to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let m: serde_json::Map<String, Value> = keys.into_iter().map(|k| (k, json!(50))).collect();
        Value::Object(m).to_string()
    } else {
        "A".to_string()
    }
}

fn openai_answer(st: &State, body: &[u8]) -> Result<Value, (u16, String)> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| (400, format!("invalid JSON body: {e}")))?;
    match &st.cfg.responder {
        Responder::Sim(agent) => {
            sim_server::chat_completion(agent, body).map_err(|(s, m)| (s.as_u16(), m))
        }
        Responder::Custom(f) => Ok(f(&v)),
        Responder::Default => {
            let text = default_text(&user_text(&v));
            let lp = if v["logprobs"] == json!(true) && text == "A" {
                json!({"content": [{"token": "A", "logprob": -0.105, "top_logprobs": [
                    {"token": "A", "logprob": -0.105}, {"token": "B", "logprob": -2.303}]}]})
            } else {
                Value::Null
            };
            let mut v: Value = completion(&st.cfg.model, &text, lp, Some((100, 1)));
            v["system_fingerprint"] = json!("fp_mock");
            Ok(v)
        }
    }
}

fn anthropic_answer(st: &State, body: &[u8]) -> Result<Value, (u16, String)> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| (400, format!("invalid JSON body: {e}")))?;
    let text = match &st.cfg.responder {
        Responder::Sim(agent) => {
            let mut msgs = vec![selfinterp::prompts::Message {
                role: "system".into(),
                content: v["system"].as_str().unwrap_or("").to_string(),
            }];
            msgs.extend(
                serde_json::from_value::<Vec<selfinterp::prompts::Message>>(v["messages"].clone())
                    .map_err(|e| (400, e.to_string()))?,
            );
            agent
                .respond(&msgs, None)
                .map_err(|e| (400, e.to_string()))?
                .text
        }
        Responder::Custom(f) => f(&v)["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        Responder::Default => default_text(&user_text(&v)),
    };
    Ok(json!({
        "id": "msg_mock", "type": "message", "role": "assistant", "model": st.cfg.model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 100, "output_tokens": 1},
    }))
}
