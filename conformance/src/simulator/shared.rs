//! State shared by the accept loop, every connection and every background job.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use tokio::runtime::Handle;
use tokio::sync::watch;

use super::callbacks::{self, CallbackLog};
use super::config::SimConfig;
use super::faults::Faults;
use super::state::{Lifecycle, Stats, TaskView, Tasks};

/// Everything a request handler or background job needs.
pub(crate) struct Shared {
    pub config: SimConfig,
    pub addr: SocketAddr,
    pub faults: Faults,
    pub tasks: Tasks,
    pub stats: Stats,
    pub callbacks: CallbackLog,
    http: OnceLock<Option<reqwest::Client>>,
    shutdown: watch::Receiver<()>,
    runtime: Handle,
}

impl Shared {
    pub fn new(config: SimConfig, addr: SocketAddr, shutdown: watch::Receiver<()>, runtime: Handle) -> Self {
        Shared {
            config,
            addr,
            faults: Faults::default(),
            tasks: Tasks::default(),
            stats: Stats::default(),
            callbacks: CallbackLog::default(),
            http: OnceLock::new(),
            shutdown,
            runtime,
        }
    }

    /// When tasks finish, for [`Tasks`] lookups.
    pub fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle {
            clock: &self.config.clock,
            polls_to_finish: self.config.polls_to_finish,
            run_time: self.config.run_time,
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
