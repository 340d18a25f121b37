//! The viewer's HTTP server: loopback only, read only, GET only. Same shape as the simulated
//! agents' server (hyper's HTTP/1.1 driver on tokio), with everything rendered at start-up.
//!
//! Only requests whose `Host` is loopback by name (`localhost`, `127.0.0.1`, `[::1]`, any
//! port) are answered; any other is refused with 421, so a page on another site cannot read the
//! samples by pointing its own name at 127.0.0.1 (DNS rebinding).
//!
//! Routes: `/` (index), `/b/NAME/report`, `/b/NAME/samples`, `/b/NAME/data.js`,
//! `/b/NAME/prompt/I`, `/static/view.js`, `/static/view.css`, `/health`.

use super::{ViewBundle, page};
use crate::loopback::{ServeError, Stop, Threads, serve_until_stopped};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A running viewer. [`ViewServer::shutdown`] stops it.
pub struct ViewServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

struct State {
    bundles: Vec<ViewBundle>,
    index: String,
}

impl ViewServer {
    /// Binds `addr` (port 0 for any free port) and serves `bundles` on the current runtime.
    pub async fn bind(bundles: Vec<ViewBundle>, addr: SocketAddr) -> std::io::Result<ViewServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            index: page::index(&bundles),
            bundles,
        });
        let task = crate::loopback::serve(listener, state, handle);
        Ok(ViewServer { addr, task })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn shutdown(self) {
        self.task.abort();
    }
}

/// Serves `bundles` on `addr` (loopback; port 0 for any free port) on the calling thread until
/// `stop` ends it; `ready` is given the running server first (to print its URL).
pub fn serve(
    bundles: Vec<ViewBundle>,
    addr: SocketAddr,
    stop: &Stop,
    ready: impl FnOnce(&ViewServer) -> std::io::Result<()>,
) -> Result<(), ServeError> {
    serve_until_stopped(
        Threads::One,
        addr,
        |a: SocketAddr| ViewServer::bind(bundles, a),
        stop,
        ready,
        ViewServer::shutdown,
    )
}

fn respond(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store");
    // The report page carries its own policy (it inlines its style); the rest use the viewer's.
    if content_type.starts_with("text/html") {
        r = r.header("content-security-policy", page::CSP);
    }
    r.body(Full::new(body.into())).expect("valid response")
}

fn not_found(what: &str) -> Response<Full<Bytes>> {
    respond(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        format!("not found: {what}\n"),
    )
}

const HTML: &str = "text/html; charset=utf-8";

/// Whether a `Host` header value names this machine's loopback (with or without a port).
pub fn loopback_host(host: &str) -> bool {
    let name: &str = match host.rsplit_once(':') {
        // `[::1]:8080` and `127.0.0.1:8080`; a bare `[::1]` has its last colon inside brackets.
        Some((name, port)) if !port.contains(']') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "[::1]"
    )
}

async fn handle(
    st: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let host: Option<&str> = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok());
    if !host.is_some_and(loopback_host) {
        return Ok(respond(
            StatusCode::MISDIRECTED_REQUEST,
            "text/plain; charset=utf-8",
            "the viewer answers only Host: localhost, 127.0.0.1 or [::1]\n",
        ));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "the viewer is read only\n",
        ));
    }
    let path: String = req.uri().path().to_string();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    Ok(match parts.as_slice() {
        [""] => respond(StatusCode::OK, HTML, st.index.clone()),
        ["health"] => respond(StatusCode::OK, "text/plain", "ok\n"),
        ["static", "view.js"] => respond(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            page::SAMPLES_JS,
        ),
        ["static", "view.css"] => respond(StatusCode::OK, "text/css; charset=utf-8", page::CSS),
        ["b", name, rest @ ..] => match st.bundles.iter().find(|b| b.name == *name) {
            None => not_found(&path),
            Some(b) => match rest {
                [] | ["samples"] => respond(StatusCode::OK, HTML, page::samples(b)),
                ["report"] => Response::builder()
                    .status(StatusCode::OK)
                    .header("content-type", HTML)
                    .header("x-content-type-options", "nosniff")
                    .body(Full::new(Bytes::from(b.report_html.clone())))
                    .expect("valid response"),
                ["data.js"] => respond(
                    StatusCode::OK,
                    "text/javascript; charset=utf-8",
                    b.data_js.clone(),
                ),
                ["prompt", i] => match i.parse::<usize>().ok().and_then(|i| b.prompt(i)) {
                    Some(v) => respond(
                        StatusCode::OK,
                        "application/json",
                        serde_json::to_vec(&v).expect("serialises"),
                    ),
                    None => not_found(&path),
                },
                _ => not_found(&path),
            },
        },
        _ => not_found(&path),
    })
}
