//! Fault injection: one-shot faults queued per route, and rate-based faults drawn from a
//! seeded generator so a run is reproducible.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Where a fault applies, and what [`Simulator::requests`](super::Simulator::requests) counts.
///
/// The operations are those of the spec modules the simulator plays: its routes are named
/// `<module>.<operation key>` (`apixo.submit`, `modellix.r2v`, `modellix.status`), and
/// [`Simulator::routes`](super::Simulator::routes) lists them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// An operation (a submit or the status query) of a module.
    Operation {
        /// The module, `modellix`.
        module: String,
        /// The operation's key in the spec, `r2v` or `status`.
        operation: String,
    },
    /// Every accepted connection. [`Fault::DropBeforeRead`] closes it before anything is
    /// read and [`Fault::Delay`] delays serving it; any other fault is carried to the first
    /// provider request (submit or status) on that connection and acts as if queued there.
    AnyConnection,
}

/// The name of [`Route::AnyConnection`].
pub(crate) const CONNECTION: &str = "connection";

impl Route {
    /// The route of operation `operation` (its spec key) of module `module`.
    pub fn op(module: &str, operation: &str) -> Route {
        Route::Operation { module: module.to_owned(), operation: operation.to_owned() }
    }

    /// The route's name in `/_sim/stats` and `/_sim/faults`: `<module>.<operation>`, or
    /// `connection`.
    pub fn name(&self) -> String {
        match self {
            Route::Operation { module, operation } => format!("{module}.{operation}"),
            Route::AnyConnection => CONNECTION.to_owned(),
        }
    }

    /// A number derived from the name only, so a route's rate sequence does not depend on
    /// which other routes exist.
    fn seed_mix(&self) -> u64 {
        self.name().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }
}

/// What goes wrong with a request (or a connection).
///
/// Faults on a submit route that say "the task is created" create it only when the request
/// would have been accepted (valid key and body); the fault decides the answer either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this HTTP status with the provider's error body, and `Retry-After` when given.
    /// `create_task`: process the request first anyway (on submit, create and count the
    /// task; on status, count the poll); otherwise answer before authenticating or reading.
    Status {
        /// The HTTP status to answer.
        status: u16,
        /// Value of a `Retry-After` header (seconds or an HTTP date), if any.
        retry_after: Option<String>,
        /// Process the request before answering the error.
        create_task: bool,
    },
    /// Answer normally after this delay (a slow answer).
    Delay(Duration),
    /// Close the connection right after accepting it, before reading anything (meant for
    /// [`Route::AnyConnection`]). On a request route: close after the request head was read,
    /// without reading the body or processing the request.
    DropBeforeRead,
    /// Read and process the request (on submit, create the task), then close the connection
    /// without answering.
    DropAfterRead,
    /// Process the request (on submit, create the task), then answer 200 with a body that is
    /// not valid JSON.
    MalformedJson,
    /// Process the request (on submit, create the task), then answer 200 with the success
    /// envelope but no task id.
    MissingTaskId,
    /// Process the request (on submit, create the task), then answer normally with the body
    /// padded with trailing JSON whitespace to at least `bytes` bytes (still valid JSON).
    Oversize {
        /// Minimum size of the body in bytes.
        bytes: usize,
    },
}

#[derive(Debug)]
struct RateRule {
    route: Route,
    fault: Fault,
    per_mille: u32,
}

#[derive(Debug, Default)]
struct Inner {
    queued: HashMap<Route, VecDeque<Fault>>,
    rates: Vec<RateRule>,
    seed: u64,
    rngs: HashMap<Route, u64>,
}

impl Inner {
    fn plans(&self, route: &Route) -> bool {
        self.queued.get(route).is_some_and(|q| !q.is_empty()) || self.rates.iter().any(|r| r.route == *route)
    }
}

/// The simulator's fault plan. Shared by every connection; changes apply to the next request.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<Inner>,
    /// Whether anything is planned at all (most requests of a load run find nothing, without
    /// taking the lock).
    any: AtomicBool,
    /// Whether a fault on [`Route::AnyConnection`] is planned.
    on_connections: AtomicBool,
}

/// The plan under its lock; dropping it refreshes the flags read without the lock.
struct Guard<'a> {
    inner: MutexGuard<'a, Inner>,
    faults: &'a Faults,
}

impl std::ops::Deref for Guard<'_> {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl std::ops::DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        &mut self.inner
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let any = !self.inner.rates.is_empty() || self.inner.queued.values().any(|q| !q.is_empty());
        self.faults.any.store(any, Ordering::SeqCst);
        self.faults.on_connections.store(self.inner.plans(&Route::AnyConnection), Ordering::SeqCst);
    }
}

impl Faults {
    fn lock(&self) -> Guard<'_> {
        Guard { inner: self.inner.lock().unwrap_or_else(PoisonError::into_inner), faults: self }
    }

    /// Whether a fault on [`Route::AnyConnection`] is queued or rated.
    pub fn on_connections(&self) -> bool {
        self.on_connections.load(Ordering::SeqCst)
    }

    /// Queues a one-shot fault: the next request on `route` that has no earlier queued fault
    /// gets it (first in, first out per route).
    pub fn push(&self, route: Route, fault: Fault) {
        self.lock().queued.entry(route).or_default().push_back(fault);
    }

    /// Applies `fault` to `per_mille` out of 1000 requests on `route` (capped at 1000),
    /// chosen by a generator seeded with [`Faults::seed`], one draw per request on a route
    /// with rates. Setting the same fault again changes its rate; `0` removes it. Several
    /// faults on one route share the draw, so their rates add up.
    pub fn set_rate(&self, route: Route, fault: Fault, per_mille: u32) {
        let per_mille = per_mille.min(1000);
        let mut inner = self.lock();
        match inner.rates.iter().position(|r| r.route == route && r.fault == fault) {
            Some(i) if per_mille == 0 => {
                inner.rates.remove(i);
            }
            Some(i) => inner.rates[i].per_mille = per_mille,
            None if per_mille == 0 => {}
            None => inner.rates.push(RateRule { route, fault, per_mille }),
        }
    }

    /// Seeds the rate generator and restarts its sequence on every route: the same seed,
    /// rates and sequence of requests per route give the same faults.
    pub fn seed(&self, seed: u64) {
        let mut inner = self.lock();
        inner.seed = seed;
        inner.rngs.clear();
    }

    /// Removes every queued fault and every rate. The seed is kept.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.queued.clear();
        inner.rates.clear();
        inner.rngs.clear();
    }

    /// Number of one-shot faults still queued for `route`.
    pub fn queued(&self, route: &Route) -> usize {
        self.lock().queued.get(route).map_or(0, VecDeque::len)
    }

    /// The rates in force, as `(route, fault, per_mille)`.
    pub fn rates(&self) -> Vec<(Route, Fault, u32)> {
        self.lock().rates.iter().map(|r| (r.route.clone(), r.fault.clone(), r.per_mille)).collect()
    }

    /// The fault for the next request on `route`: a queued one first, else a rate draw.
    pub(crate) fn take(&self, route: &Route) -> Option<Fault> {
        if !self.any.load(Ordering::SeqCst) {
            return None;
        }
        let mut inner = self.lock();
        if let Some(fault) = inner.queued.get_mut(route).and_then(VecDeque::pop_front) {
            return Some(fault);
        }
        if !inner.rates.iter().any(|r| r.route == *route) {
            return None;
        }
        let seed = inner.seed;
        let mix = route.seed_mix();
        let state = inner.rngs.entry(route.clone()).or_insert_with(|| seed ^ mix.wrapping_mul(GOLDEN));
        let draw = (splitmix64(state) % 1000) as u32;
        let mut upto = 0u32;
        for rule in inner.rates.iter().filter(|r| r.route == *route) {
            upto = upto.saturating_add(rule.per_mille);
            if draw < upto {
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64: small, fast and fully deterministic.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
