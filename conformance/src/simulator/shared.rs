//! State shared by the accept loop, every connection and every background job.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use tokio::runtime::Handle;
use tokio::sync::watch;

use super::callbacks::{self, CallbackLog};
use super::config::SimConfig;
use super::faults::{Faults, Route};
use super::plan::{PathTemplate, Played};
use super::state::{Lifecycle, Stats, TaskView, Tasks};

/// Which operation of a module a route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The submit operation with this index in [`Played::submits`].
    Submit(usize),
    /// The status query.
    Status,
}

/// One route the simulator answers on.
pub(crate) struct Entry {
    pub path: PathTemplate,
    pub method: String,
    /// Index into [`Shared::played`].
    pub module: usize,
    pub target: Target,
    pub route: Route,
    /// The route's name, as counted.
    pub route_name: String,
}

/// Everything a request handler or background job needs.
pub(crate) struct Shared {
    pub config: SimConfig,
    pub addr: SocketAddr,
    /// The modules played, in spec order.
    pub played: Vec<Played>,
    /// Every module's routes.
    pub entries: Vec<Entry>,
    pub faults: Faults,
    pub tasks: Tasks,
    pub stats: Stats,
    pub callbacks: CallbackLog,
    http: OnceLock<Option<reqwest::Client>>,
    shutdown: watch::Receiver<()>,
    runtime: Handle,
}

impl Shared {
    pub fn new(
        played: Vec<Played>,
        config: SimConfig,
        addr: SocketAddr,
        shutdown: watch::Receiver<()>,
        runtime: Handle,
    ) -> Self {
        let mut entries = Vec::new();
        for (module, p) in played.iter().enumerate() {
            for (i, op) in p.submits.iter().enumerate() {
                entries.push(Entry {
                    path: op.path.clone(),
                    method: op.method.clone(),
                    module,
                    target: Target::Submit(i),
                    route: Route::op(p.name(), &op.key),
                    route_name: Route::op(p.name(), &op.key).name(),
                });
            }
            entries.push(Entry {
                path: p.status.path.clone(),
                method: p.status.method.clone(),
                module,
                target: Target::Status,
                route: Route::op(p.name(), &p.status.key),
                route_name: Route::op(p.name(), &p.status.key).name(),
            });
        }
        let stats = Stats::new(entries.iter().map(|e| e.route.name()).chain([Route::AnyConnection.name()]));
        Shared {
            config,
            addr,
            played,
            entries,
            faults: Faults::default(),
            tasks: Tasks::default(),
            stats,
            callbacks: CallbackLog::default(),
            http: OnceLock::new(),
            shutdown,
            runtime,
        }
    }

    /// Every route: each module's operations, then [`Route::AnyConnection`].
    pub fn routes(&self) -> Vec<Route> {
        self.entries.iter().map(|e| e.route.clone()).chain([Route::AnyConnection]).collect()
    }

    /// The index of module `name`.
    pub fn module(&self, name: &str) -> Option<usize> {
        self.played.iter().position(|p| p.name() == name)
    }

    /// When tasks finish, for [`Tasks`] lookups.
    pub fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle {
            clock: &self.config.clock,
            polls_to_finish: self.config.polls_to_finish,
            run_time: self.config.run_time,
            task_ttl: self.config.task_ttl,
            max_tasks: self.config.max_tasks,
        }
    }

    /// Resolves when the simulator handle is dropped.
    pub fn shutdown(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.clone();
        async move {
            // Err: the sender (the Simulator handle) is gone.
            while rx.changed().await.is_ok() {}
        }
    }

    /// Runs `job` on the simulator's runtime until it ends or the simulator stops.
    pub fn spawn(&self, job: impl Future<Output = ()> + Send + 'static) {
        let stop = self.shutdown();
        self.runtime.spawn(async move {
            tokio::select! {
                () = job => {}
                () = stop => {}
            }
        });
    }

    /// The HTTP client that delivers callbacks (built on first use; `None` if it cannot be
    /// built, which each delivery attempt then records).
    pub fn http_client(&self) -> Option<reqwest::Client> {
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(callbacks::ACK_TIMEOUT)
                    .build()
                    .ok()
            })
            .clone()
    }

    /// Called by whoever made a task terminal: starts its callback deliveries, if it has a
    /// callback URL.
    pub fn on_terminal(self: &Arc<Self>, view: &TaskView) {
        if view.callback_url.is_some() {
            callbacks::start_delivery(self, view.clone());
        }
    }
}
