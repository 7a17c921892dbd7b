//! The accept loop and connection serving: one hyper HTTP/1 connection per accepted socket,
//! the axum router as its service, and a per-connection abort signal so a handler can make
//! the connection close without any answer.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::faults::{CONNECTION, Fault, Route};
use super::shared::Shared;
use super::{control, files, flow};

/// A handle on the connection a request came in on, put in the request's extensions.
#[derive(Clone, Default)]
pub(crate) struct ConnHandle(Arc<ConnState>);

#[derive(Default)]
struct ConnState {
    abort: Notify,
    /// A [`Route::AnyConnection`] fault that acts on the first provider request.
    carried: Mutex<Option<Fault>>,
}

impl ConnHandle {
    fn with_fault(fault: Option<Fault>) -> Self {
        ConnHandle(Arc::new(ConnState { abort: Notify::new(), carried: Mutex::new(fault) }))
    }

    /// Closes the connection at once, without answering.
    pub fn abort(&self) {
        self.0.abort.notify_one();
    }

    /// The connection's carried fault, once.
    pub fn take_carried(&self) -> Option<Fault> {
        self.0.carried.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The control endpoints and the result files; every other request goes to the modules'
/// routes ([`flow::dispatch`]), which come from the specs.
pub(crate) fn router(sim: Arc<Shared>) -> Router {
    Router::new()
        .route("/files/{module}/{task_id}/{file}", get(files::get))
        .route("/_sim/stats", get(control::stats))
        .route("/_sim/faults", post(control::post_faults).delete(control::delete_faults))
        .fallback(|axum::extract::State(sim): axum::extract::State<Arc<Shared>>, req| flow::dispatch(sim, req))
        .with_state(sim)
}

/// Accepts connections until the simulator stops.
pub(crate) async fn accept_loop(listener: TcpListener, sim: Arc<Shared>) {
    let router = router(Arc::clone(&sim));
    let stop = sim.shutdown();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                // Out of file descriptors and the like: wait a little and go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            },
            () = &mut stop => return,
        };
        sim.stats.count(CONNECTION);
        // Answers go out in one write each; without this, Nagle's algorithm and delayed
        // acknowledgements hold back the next answer on a kept-alive connection.
        let _ = stream.set_nodelay(true);
        let (delay, carried) = match sim.faults.take(&Route::AnyConnection) {
            Some(Fault::DropBeforeRead) => {
                drop(stream);
                continue;
            }
            Some(Fault::Delay(delay)) => (Some(delay), None),
            other => (None, other),
        };
        let conn_sim = Arc::clone(&sim);
        let router = router.clone();
        sim.spawn(async move {
            if let Some(delay) = delay {
                conn_sim.config.clock.sleep(delay).await;
            }
            serve(stream, router, conn_sim, ConnHandle::with_fault(carried)).await;
        });
    }
}

/// Serves one connection until it ends or a handler aborts it. With keep-alive, an answer
/// given while a connection fault is planned closes the connection (`Connection: close`), so
/// the fault acts on the client's next connection.
async fn serve(stream: TcpStream, router: Router, sim: Arc<Shared>, conn: ConnHandle) {
    let tower = TowerToHyperService::new(router);
    let handle = conn.clone();
    let keep_alive = sim.config.keep_alive;
    let faults_of = Arc::clone(&sim);
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        let answer = tower.call(req);
        let sim = Arc::clone(&faults_of);
        async move {
            let mut response = answer.await?;
            if keep_alive && sim.faults.on_connections() {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let mut builder = http1::Builder::new();
    builder.keep_alive(keep_alive).timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(30));
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        // Errors are the client's doing (reset, garbage); nothing to report to anyone.
        _ = connection => {}
        () = conn.0.abort.notified() => {}
    }
}
