//! A simulator of both providers over real HTTP on loopback, written by hand from the
//! provider docs (spec/docs/) and the decisions recorded in the spec files, independent of
//! the generated client, so the conformance suite can compare the two.
//!
//! One server plays both providers at their own paths:
//!
//! | route | what |
//! | --- | --- |
//! | `POST /api/v1/generateTask/happyHorse` | APIXO submit |
//! | `GET /api/v1/statusTask/happyHorse?taskId=<id>` | APIXO status |
//! | `POST /api/v1/alibaba/happyhorse-1.0-r2v/async` | Modellix submit |
//! | `GET /api/v1/tasks/{task_id}` | Modellix task query |
//! | `GET /files/{task_id}/{n}.mp4` | result files (deterministic fake bytes) |
//! | `GET /_sim/stats`, `POST /_sim/faults`, `DELETE /_sim/faults` | control (below) |
//!
//! Provider routes require `Authorization: Bearer <key>`. Requests are validated the way each
//! provider documents, and answered in the documented shapes. Tasks finish after
//! [`SimConfig::polls_to_finish`] pending answers or [`SimConfig::run_time`]; a prompt with
//! `sim:fail` (APIXO: `sim:fail=<FailCode>`) makes the task fail. APIXO callback tasks are
//! delivered to their `callback_url` (or [`SimConfig::callback_redirect`]) with
//! redeliveries, only on this machine unless [`SimConfig::remote_callbacks`] is set. Time is
//! measured on [`SimConfig::clock`], which tests replace with a manual [`SimClock`]. [`Faults`] injects error statuses, delays, dropped connections and broken
//! bodies, one-shot or at a seeded rate.
//!
//! Control endpoints: `GET /_sim/stats` answers tasks created per provider, requests seen
//! per route, callback attempts and ended deliveries (including callbacks not sent because
//! their target is off this machine), and the fault plan; `POST /_sim/faults` takes
//! `{"route": "apixo.submit", "fault": {"kind": "status", "status": 503}, "per_mille": 250}`
//! (one entry or an array; without `per_mille` the fault is queued `times` times, default 1);
//! `DELETE /_sim/faults` clears every fault.

mod apixo;
mod callbacks;
mod clock;
mod config;
mod control;
mod faults;
mod files;
mod flow;
mod http;
mod modellix;
mod server;
mod shared;
mod state;
mod validate;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use callbacks::{CallbackAttempt, CallbackDelivery, DeliveryEnd, ORIGINAL_URL_HEADER, callback_target_problem};
pub use clock::{MANUAL_CLOCK_START_UNIX_MS, SimClock};
pub use config::SimConfig;
pub use control::FAULT_KINDS;
pub use faults::{Fault, Faults, Route, SimProvider};
pub use files::fake_video_bytes;
pub use state::SimTask;

use shared::Shared;
use state::{Phase, StatKey};

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

impl Simulator {
    /// Starts a simulator on `127.0.0.1` with a free port.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        Simulator::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts a simulator listening on `addr`.
    pub async fn bind(addr: SocketAddr, config: SimConfig) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        let shared = Arc::new(Shared::new(config, addr, stopped, tokio::runtime::Handle::current()));
        let accept = tokio::spawn(server::accept_loop(listener, Arc::clone(&shared)));
        Ok(Simulator { shared, accept, _stop: stop })
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://<addr>`: the base URL for both providers' clients (paths start with `/api/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The fault plan; changes apply to the next request.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Number of tasks created for `provider` (including tasks whose answer a fault broke).
    pub fn tasks_created(&self, provider: SimProvider) -> u64 {
        self.shared.tasks.created(provider)
    }

    /// Requests seen on `route`, whatever they were answered ([`Route::AnyConnection`]:
    /// connections accepted).
    pub fn requests(&self, route: Route) -> u64 {
        self.shared.stats.get(StatKey::Route(route))
    }

    /// Requests for result files that carried an `Authorization` header (a client should
    /// never send its API key to a result host).
    pub fn file_requests_with_authorization(&self) -> u64 {
        self.shared.stats.get(StatKey::FilesWithAuthorization)
    }

    /// The task `id` of `provider`, as stored now (a task whose run time has passed is
    /// reported terminal).
    pub fn task(&self, provider: SimProvider, id: &str) -> Option<SimTask> {
        let looked = self.shared.tasks.get(provider, id, self.shared.lifecycle())?;
        if looked.became_terminal {
            self.shared.on_terminal(&looked.view);
        }
        let view = looked.view;
        let state = match (&view.phase, provider) {
            (Phase::Pending, SimProvider::Apixo) => "processing",
            (Phase::Pending, SimProvider::Modellix) => "pending",
            (Phase::Succeeded, _) => "success",
            (Phase::Failed { .. }, _) => "failed",
        };
        Some(SimTask { id: view.id, state: state.to_owned(), body: view.body, polls: view.polls })
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

impl Drop for Simulator {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
