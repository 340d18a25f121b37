//! The accept loop shared by the two HTTP servers the tool runs itself: the simulated agents'
//! OpenAI-compatible server (`serve-sim`) and the report viewer (`view`). Both bind loopback
//! and answer small requests with one handler over shared state. [`serve_until_stopped`] is
//! the blocking form the commands use: it builds the runtime, binds, announces and serves
//! until Ctrl-C or a [`Stop`] handle ends it.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// Why a blocking server could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot start the server's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}{}", in_use_hint(source))]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot announce the server: {0}")]
    Announce(#[source] std::io::Error),
}

/// What to do about a port another process holds, for [`ServeError::Bind`].
fn in_use_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            "; another process holds the port: pass another --port, or --port 0 for a free one"
        }
        _ => "",
    }
}

/// The threads a blocking server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only (a viewer of a few pages).
    One,
    /// A worker pool: one per core, or the number given.
    Pool(Option<usize>),
}

/// What ends [`serve_until_stopped`]: `Stop::stop` from any thread and, for
/// [`Stop::on_ctrl_c`], also Ctrl-C (SIGINT).
#[derive(Clone, Debug)]
pub struct Stop {
    notify: Arc<Notify>,
    ctrl_c: bool,
}

impl Stop {
    /// Stopped only by `Stop::stop`.
    pub fn new() -> Stop {
        Stop {
            notify: Arc::new(Notify::new()),
            ctrl_c: false,
        }
    }

    /// Stopped by Ctrl-C as well (the commands).
    pub fn on_ctrl_c() -> Stop {
        Stop {
            ctrl_c: true,
            ..Stop::new()
        }
    }

    /// Ends the server; a stop before the server waits is kept, not lost. (The commands stop
    /// on Ctrl-C; the tests stop a server this way.)
    #[cfg(test)]
    pub fn stop(&self) {
        self.notify.notify_one();
    }

    async fn stopped(&self) {
        if self.ctrl_c {
            tokio::select! {
                _ = self.notify.notified() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        } else {
            self.notify.notified().await;
        }
    }
}

impl Default for Stop {
    fn default() -> Stop {
        Stop::new()
    }
}

/// Serves until stopped, blocking the calling thread: builds a runtime on `threads`, binds
/// `addr` with `bind`, calls `ready` with the running server (to print its URL), waits for
/// `stop`, and returns `finish` of the server (which shuts it down and may report on it).
/// Open keep-alive connections do not hold the return.
pub fn serve_until_stopped<S, B, T>(
    threads: Threads,
    addr: SocketAddr,
    bind: impl FnOnce(SocketAddr) -> B,
    stop: &Stop,
    ready: impl FnOnce(&S) -> std::io::Result<()>,
    finish: impl FnOnce(S) -> T,
) -> Result<T, ServeError>
where
    B: Future<Output = std::io::Result<S>>,
{
    let runtime: tokio::runtime::Runtime = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread(),
        Threads::Pool(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            if let Some(n) = n {
                b.worker_threads(n.max(1));
            }
            b
        }
    }
    .enable_all()
    .build()
    .map_err(ServeError::Runtime)?;
    let out: Result<T, ServeError> = runtime.block_on(async {
        let server: S = bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        ready(&server).map_err(ServeError::Announce)?;
        stop.stopped().await;
        Ok(finish(server))
    });
    runtime.shutdown_background();
    out
}

/// Serves HTTP/1.1 with keep-alive on `listener` until the returned task is aborted, calling
/// `handle(state, request)` for every request. An accept error (out of file descriptors and
/// the like) backs off briefly and keeps serving rather than ending the server.
pub fn serve<S, F, Fut>(
    listener: TcpListener,
    state: Arc<S>,
    handle: F,
) -> tokio::task::JoinHandle<()>
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let st = state.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| handle(st.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_serves_until_stopped_from_another_thread() {
        let stop: Stop = Stop::new();
        let remote: Stop = stop.clone();
        let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        let served = serve_until_stopped(
            Threads::One,
            addr,
            |a: SocketAddr| async move { TcpListener::bind(a).await },
            &stop,
            |l: &TcpListener| {
                let port: u16 = l.local_addr()?.port();
                std::thread::spawn(move || {
                    // The server is listening when `ready` runs.
                    std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                    remote.stop();
                });
                Ok(())
            },
            |l: TcpListener| l.local_addr().unwrap().port(),
        );
        assert!(served.unwrap() > 0);
    }

    #[test]
    fn a_port_in_use_is_a_bind_error_naming_the_address() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = taken.local_addr().unwrap();
        let err = serve_until_stopped(
            Threads::Pool(Some(1)),
            addr,
            |a: SocketAddr| async move { TcpListener::bind(a).await },
            &Stop::new(),
            |_: &TcpListener| Ok(()),
            |_| (),
        )
        .unwrap_err();
        assert!(matches!(err, ServeError::Bind { .. }), "{err:?}");
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
        assert!(
            err.to_string().contains("or --port 0 for a free one"),
            "{err}"
        );
    }
}
