//! The accept loop shared by the two HTTP servers the tool runs itself: the simulated agents'
//! OpenAI-compatible server (`serve-sim`) and the report viewer (`view`). Both bind loopback
//! and answer small requests with one handler over shared state.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

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
