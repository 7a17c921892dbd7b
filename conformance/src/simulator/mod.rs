//! A simulator that plays any spec module over real HTTP on loopback, with no code per
//! provider or endpoint: everything it does comes from the modules' IR.
//!
//! - **Routes** ([`plan`]): each submit operation's method and path under the path of the
//!   documented base URL, and the status query with the task id in its path or query. A
//!   method a path does not take is answered 405 with `Allow`, in the module's error shape.
//!   A module whose paths another module (or the simulator itself) already uses is served
//!   under `/_sim/m/<module>`; [`Simulator::base_url_of`] says where each module is.
//! - **Authentication**: the `[auth]` header with the bearer key.
//! - **Requests** ([`judge`]): sent with the operation's content type (anything else is
//!   answered 400, each spec's recorded decision), judged by the operation's exported JSON
//!   Schema run by the `jsonschema` crate plus generic code for the rule kinds JSON Schema
//!   cannot state (counted lengths, public hosts, server truncation). It never calls the
//!   generated client's validator.
//! - **Answers** ([`answers`]): the envelope, the task id (and follow URL), states moving
//!   through the state enum's phases, fail codes from the fail-code enum, outputs pointing
//!   at result files served under `/files/`, errors in the spec's error shape with the
//!   documented statuses.
//! - **Lifecycle**: a task finishes after [`SimConfig::polls_to_finish`] pending answers or
//!   [`SimConfig::run_time`]; a request with `sim:fail` in any string fails its task
//!   (`sim:fail=<Code>` picks the fail code). Time is measured on [`SimConfig::clock`], which
//!   tests replace with a manual [`SimClock`].
//! - **Webhooks**: tasks whose request names a callback URL (the `[callbacks]` table's
//!   `url_field`) are delivered to it (or [`SimConfig::callback_redirect`]) with the table's
//!   method, acknowledgement status and redeliveries, only on this machine unless
//!   [`SimConfig::remote_callbacks`] is set.
//! - [`Faults`] inject error statuses, delays, dropped connections and broken bodies,
//!   one-shot or at a seeded rate, per [`Route`] (`<module>.<operation>`).
//!
//! Connections are HTTP/1.1, one request each unless [`SimConfig::keep_alive`] is set; the
//! listen backlog is [`LISTEN_BACKLOG`]. Tasks are kept for [`SimConfig::task_ttl`] after
//! they finish, at most [`SimConfig::max_tasks`] at once.
//!
//! Control endpoints: `GET /_sim/stats` answers tasks created per module, requests seen per
//! route, callback attempts and ended deliveries (including callbacks not sent because their
//! target is off this machine), and the fault plan; `POST /_sim/faults` takes
//! `{"route": "apixo.submit", "fault": {"kind": "status", "status": 503}, "per_mille": 250}`
//! (one entry or an array; without `per_mille` the fault is queued `times` times, default 1);
//! `DELETE /_sim/faults` clears every fault.

mod answers;
mod callbacks;
mod clock;
mod config;
mod control;
mod faults;
mod files;
mod flow;
mod http;
mod judge;
mod plan;
mod server;
mod shared;
mod state;
mod validate;

use std::net::SocketAddr;
use std::sync::Arc;

use happyhorse_codegen::ir::Module;
use serde_json::Value;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use answers::invalid_request_status;
pub use callbacks::{
    CallbackAttempt, CallbackDelivery, DeliveryEnd, ORIGINAL_URL_HEADER, acknowledges, callback_target_problem,
    redelivery_delay,
};
pub use clock::{MANUAL_CLOCK_START_UNIX_MS, SimClock};
pub use config::SimConfig;
pub use control::FAULT_KINDS;
pub use faults::{Fault, Faults, Route};
pub use files::fake_video_bytes;
pub use state::SimTask;

use plan::{IdIn, Played};
use shared::Shared;
use state::FILES_WITH_AUTHORIZATION;

/// A running simulator. The server runs on spawned tokio tasks and stops (with its
/// connections and callback deliveries) when this handle is dropped.
pub struct Simulator {
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
    // Dropping the sender is the stop signal.
    _stop: watch::Sender<()>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").field("addr", &self.shared.addr).finish_non_exhaustive()
    }
}

/// One operation a module serves, as [`Simulator::served`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedOperation {
    /// The route (what faults and stats name it).
    pub route: Route,
    /// HTTP method.
    pub method: String,
    /// Path relative to the module's base URL, with the task id as `{name}` or `?name=`.
    pub path: String,
}

/// A module as the simulator serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedModule {
    /// The module, `modellix`.
    pub module: String,
    /// The provider's name, `Modellix`.
    pub provider: String,
    /// The base URL a client of the module uses.
    pub base_url: String,
    /// The environment variable the generated client reads a base URL from, if any.
    pub base_url_env: Option<String>,
    /// The submit operations, then the status query.
    pub operations: Vec<ServedOperation>,
}

impl Simulator {
    /// Starts a simulator of `modules` on `127.0.0.1` with a free port.
    pub async fn start(modules: Vec<Module>, config: SimConfig) -> std::io::Result<Simulator> {
        Simulator::bind(SocketAddr::from(([127, 0, 0, 1], 0)), modules, config).await
    }

    /// Starts a simulator of `modules` listening on `addr`. A module it cannot play (a rule
    /// its generic checks do not know, a schema that does not compile) is an error naming it.
    pub async fn bind(addr: SocketAddr, modules: Vec<Module>, config: SimConfig) -> std::io::Result<Simulator> {
        let mut played: Vec<Played> = Vec::new();
        for m in modules {
            let taken: Vec<plan::PathTemplate> = played.iter().flat_map(Played::paths).collect();
            played.push(Played::new(m, &taken).map_err(std::io::Error::other)?);
        }
        let listener = listen(addr)?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        let shared = Arc::new(Shared::new(played, config, addr, stopped, tokio::runtime::Handle::current()));
        let accept = tokio::spawn(server::accept_loop(listener, Arc::clone(&shared)));
        Ok(Simulator { shared, accept, _stop: stop })
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://<addr>`: the origin every module is served on.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The base URL a client of `module` uses: the origin, the module's prefix (when its
    /// paths collide with another module's) and the path of its documented base URL.
    pub fn base_url_of(&self, module: &str) -> Option<String> {
        let origin = self.base_url();
        self.shared.played.iter().find(|p| p.name() == module).map(|p| p.base_url(&origin))
    }

    /// Every module with its base URL and operations.
    pub fn served(&self) -> Vec<ServedModule> {
        let origin = self.base_url();
        self.shared
            .played
            .iter()
            .map(|p| {
                let relative = |path: String| {
                    path.strip_prefix(&format!("{}{}", p.prefix, p.base_path)).map_or(path.clone(), str::to_owned)
                };
                let mut operations: Vec<ServedOperation> = p
                    .submits
                    .iter()
                    .map(|s| ServedOperation {
                        route: Route::op(p.name(), &s.key),
                        method: s.method.clone(),
                        path: relative(s.path.to_string()),
                    })
                    .collect();
                let status_path = match &p.status.id {
                    IdIn::Path(_) => p.status.path.to_string(),
                    IdIn::Query(name) => format!("{}?{name}={{{name}}}", p.status.path),
                };
                operations.push(ServedOperation {
                    route: Route::op(p.name(), &p.status.key),
                    method: p.status.method.clone(),
                    path: relative(status_path),
                });
                ServedModule {
                    module: p.name().to_owned(),
                    provider: p.ir.provider.clone(),
                    base_url: p.base_url(&origin),
                    base_url_env: p.ir.base_url_env.clone(),
                    operations,
                }
            })
            .collect()
    }

    /// Every route faults can be put on and requests are counted by: each module's
    /// operations, then [`Route::AnyConnection`].
    pub fn routes(&self) -> Vec<Route> {
        self.shared.routes()
    }

    /// The fault plan; changes apply to the next request.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Number of tasks created for `module` (including tasks whose answer a fault broke).
    pub fn tasks_created(&self, module: &str) -> u64 {
        self.shared.module(module).map_or(0, |i| self.shared.tasks.created(i))
    }

    /// Number of tasks kept now, of every module (at most [`SimConfig::max_tasks`]; tasks
    /// past [`SimConfig::task_ttl`] are removed on the next submit).
    pub fn tasks_stored(&self) -> usize {
        self.shared.tasks.stored()
    }

    /// Requests seen on `route`, whatever they were answered ([`Route::AnyConnection`]:
    /// connections accepted).
    pub fn requests(&self, route: &Route) -> u64 {
        self.shared.stats.get(&route.name())
    }

    /// Requests for result files that carried an `Authorization` header (a client should
    /// never send its API key to a result host).
    pub fn file_requests_with_authorization(&self) -> u64 {
        self.shared.stats.get(FILES_WITH_AUTHORIZATION)
    }

    /// The task `id` of `module`, as stored now (a task whose run time has passed is
    /// reported terminal).
    pub fn task(&self, module: &str, id: &str) -> Option<SimTask> {
        let index = self.shared.module(module)?;
        let looked = self.shared.tasks.get(index, id, self.shared.lifecycle())?;
        if looked.became_terminal {
            self.shared.on_terminal(&looked.view);
        }
        let view = looked.view;
        let state = answers::state_of(&self.shared.played[index].ir, &view.phase).unwrap_or_default();
        Some(SimTask {
            id: view.id,
            operation: view.operation,
            state,
            body: serde_json::from_str(&view.body).unwrap_or(Value::Null),
            polls: view.polls,
        })
    }

    /// Every callback delivery attempt so far, in the order they finished.
    pub fn callback_attempts(&self) -> Vec<CallbackAttempt> {
        self.shared.callbacks.all()
    }

    /// Every callback whose deliveries have ended (acknowledged, given up, or not sent).
    pub fn callback_deliveries(&self) -> Vec<CallbackDelivery> {
        self.shared.callbacks.ended()
    }

    /// Waits until at least `n` callback delivery attempts have finished; returns them all.
    pub async fn wait_for_callback_attempts(&self, n: usize) -> Vec<CallbackAttempt> {
        self.shared.callbacks.wait(|attempts, _| (attempts.len() >= n).then(|| attempts.to_vec())).await
    }

    /// Waits until the deliveries of task `task_id`'s callback have ended: after this, the
    /// simulator sends nothing more for it. Never resolves for a task without a callback.
    pub async fn wait_for_callback_delivery(&self, task_id: &str) -> CallbackDelivery {
        self.shared.callbacks.wait(|_, ended| ended.iter().find(|d| d.task_id == task_id).cloned()).await
    }

    /// The simulator's clock (a manual one is moved with [`SimClock::advance`]).
    pub fn clock(&self) -> &SimClock {
        &self.shared.config.clock
    }

    /// What `GET /_sim/stats` answers.
    pub fn stats(&self) -> serde_json::Value {
        control::stats_json(&self.shared)
    }
}

/// The listen backlog: room for a thousand clients connecting at once (the operating
/// system may cap it, at `net.core.somaxconn` on Linux).
pub const LISTEN_BACKLOG: u32 = 1024;

/// A listener on `addr` with a backlog of [`LISTEN_BACKLOG`] (tokio's `bind` uses 128).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // As std and tokio do on Unix: a restarted simulator can take its port at once.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
