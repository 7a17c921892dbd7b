//! Configuration of a [`Simulator`](super::Simulator).

use std::time::Duration;

use super::clock::SimClock;

/// How a [`Simulator`](super::Simulator) behaves. Build it with struct-update syntax from
/// [`SimConfig::default()`], e.g. `SimConfig { polls_to_finish: 0, ..SimConfig::default() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Accepted API keys (`Authorization: Bearer <key>`). Empty: any non-empty key is accepted.
    pub api_keys: Vec<String>,
    /// A task answers this many status queries as pending, then becomes terminal (unless
    /// [`run_time`](Self::run_time) passes first). Default 2.
    pub polls_to_finish: u32,
    /// Time (on [`clock`](Self::clock)) after which a task is terminal regardless of polls.
    /// Default 200 ms. Callback deliveries are scheduled on the same clock.
    pub run_time: Duration,
    /// Serve more than one request per connection (HTTP/1.1 keep-alive). Default `false`:
    /// one request per connection, so connection faults map to requests one to one; `cargo
    /// xtask simulate` and the conformance harness turn it on. With it on, an answer given while a fault on
    /// [`Route::AnyConnection`](super::Route::AnyConnection) is planned closes its
    /// connection, so the client's next request comes on a new connection that the fault
    /// can act on.
    pub keep_alive: bool,
    /// How long a task is kept after it became terminal; then a status query answers 404
    /// (saying it expired) and its memory is freed. Default 10 minutes.
    pub task_ttl: Duration,
    /// The most tasks kept at once. A submit while this many are kept and none has expired
    /// is answered 429 with `Retry-After` (when the oldest expires) and a message naming
    /// this limit, and creates nothing. Default 100,000 (about 200 MB of tasks).
    pub max_tasks: usize,
    /// Deliver callbacks to this URL instead of the request's callback URL, with the original
    /// in the `X-Sim-Callback-Url` header. Requests must carry callback URLs on public hosts,
    /// while test receivers listen on loopback.
    pub callback_redirect: Option<String>,
    /// Deliver callbacks to hosts other than loopback addresses. Default `false`: a local
    /// simulator sends nothing off the machine, so a callback whose target (the redirect, or
    /// else the request's `callback_url`) is not `localhost` or a loopback IP is not sent; it
    /// is reported in `/_sim/stats` (`callbacks.undeliverable`) and, with
    /// [`log`](Self::log), on stderr.
    pub remote_callbacks: bool,
    /// Delay before the first redelivery of a callback that was not acknowledged, when the
    /// spec gives no `retry_schedule_s`; it doubles for each further redelivery. Default 50 ms.
    pub callback_retry_base: Duration,
    /// Size in bytes of each fake result file served under `/files/`. Default 1024.
    pub result_bytes: usize,
    /// The clock task run times, slow answers and callback delays are measured on. Default:
    /// real time; tests use [`SimClock::manual`].
    pub clock: SimClock,
    /// Print notable events (callbacks not delivered) on stderr. Default `false`; the
    /// `simulate` command turns it on.
    pub log: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            api_keys: Vec::new(),
            polls_to_finish: 2,
            run_time: Duration::from_millis(200),
            keep_alive: false,
            task_ttl: Duration::from_secs(600),
            max_tasks: 100_000,
            callback_redirect: None,
            remote_callbacks: false,
            callback_retry_base: Duration::from_millis(50),
            result_bytes: 1024,
            clock: SimClock::real(),
            log: false,
        }
    }
}
