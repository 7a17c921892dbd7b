//! The simulator's clock: real (tokio) time for the CLI and the conformance run, or a manual
//! clock that only moves when a test calls [`SimClock::advance`], so tests of task run times,
//! slow answers and callback redeliveries never wait on the wall clock.
//!
//! Everything in the simulator that depends on time goes through it: when a task is due
//! ([`SimConfig::run_time`](super::SimConfig::run_time)), the `createTime`/`completeTime`
//! values it reports, [`Fault::Delay`](super::Fault::Delay), and the callback schedule.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

/// Unix time (ms) at which a manual clock starts: 2026-01-01T00:00:00Z, so its timestamps
/// are deterministic.
pub const MANUAL_CLOCK_START_UNIX_MS: u64 = 1_767_225_600_000;

/// A clock for the simulator. Cloning shares the clock.
#[derive(Clone)]
pub struct SimClock {
    inner: Arc<Inner>,
}

struct Inner {
    kind: Kind,
    /// Unix time (ms) at the clock's start.
    unix_start_ms: u64,
    /// Sleeps in progress (manual clock).
    sleepers: watch::Sender<usize>,
}

enum Kind {
    Real { start: tokio::time::Instant },
    Manual { now: watch::Sender<Duration> },
}

impl std::fmt::Debug for SimClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner.kind {
            Kind::Real { .. } => f.write_str("SimClock::Real"),
            Kind::Manual { now } => write!(f, "SimClock::Manual({:?})", *now.borrow()),
        }
    }
}

/// Two handles are equal when they share one clock.
impl PartialEq for SimClock {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for SimClock {}

impl Default for SimClock {
    fn default() -> Self {
        SimClock::real()
    }
}

impl SimClock {
    /// Real time: tokio's clock (which a paused tokio runtime also controls).
    pub fn real() -> SimClock {
        let unix_start_ms =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
        SimClock::new(Kind::Real { start: tokio::time::Instant::now() }, unix_start_ms)
    }

    /// A clock that stands still until [`advance`](Self::advance) moves it. It starts at
    /// [`MANUAL_CLOCK_START_UNIX_MS`].
    pub fn manual() -> SimClock {
        SimClock::new(Kind::Manual { now: watch::Sender::new(Duration::ZERO) }, MANUAL_CLOCK_START_UNIX_MS)
    }

    fn new(kind: Kind, unix_start_ms: u64) -> SimClock {
        SimClock { inner: Arc::new(Inner { kind, unix_start_ms, sleepers: watch::Sender::new(0) }) }
    }

    /// Time since the clock started.
    pub fn elapsed(&self) -> Duration {
        match &self.inner.kind {
            Kind::Real { start } => start.elapsed(),
            Kind::Manual { now } => *now.borrow(),
        }
    }

    /// Milliseconds since the Unix epoch, as the providers report times.
    pub fn unix_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.inner.unix_start_ms.saturating_add(elapsed)
    }

    /// Waits until `duration` has passed on this clock. A manual clock's sleep is counted in
    /// [`SimClock::sleepers`] only once its end is fixed, so a test that sees it sleeping and
    /// then advances the clock always moves it towards that end.
    pub async fn sleep(&self, duration: Duration) {
        if duration.is_zero() {
            return;
        }
        match &self.inner.kind {
            Kind::Real { .. } => {
                let _sleeping = Sleeping::new(&self.inner.sleepers);
                tokio::time::sleep(duration).await;
            }
            Kind::Manual { now } => {
                let until = now.borrow().saturating_add(duration);
                let mut rx = now.subscribe();
                let _sleeping = Sleeping::new(&self.inner.sleepers);
                // Err only when the sender is gone, which this handle prevents.
                let _ = rx.wait_for(|t| *t >= until).await;
            }
        }
    }

    /// Moves a manual clock forward by `by`, waking the sleeps that are due. No effect on a
    /// real clock.
    pub fn advance(&self, by: Duration) {
        if let Kind::Manual { now } = &self.inner.kind {
            now.send_modify(|t| *t = t.saturating_add(by));
        }
    }

    /// Number of [`sleep`](Self::sleep) calls in progress.
    pub fn sleepers(&self) -> usize {
        *self.inner.sleepers.borrow()
    }

    /// Waits until at least `n` sleeps are in progress: with a manual clock, the moment the
    /// simulator is waiting for the clock to move.
    pub async fn wait_for_sleepers(&self, n: usize) {
        let mut rx = self.inner.sleepers.subscribe();
        let _ = rx.wait_for(|count| *count >= n).await;
    }
}

/// Counts a sleep while it is in progress (also when its future is dropped).
struct Sleeping<'a>(&'a watch::Sender<usize>);

impl<'a> Sleeping<'a> {
    fn new(counter: &'a watch::Sender<usize>) -> Self {
        counter.send_modify(|n| *n += 1);
        Sleeping(counter)
    }
}

impl Drop for Sleeping<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleeps_only_when_advanced_past_them() {
        let clock = SimClock::manual();
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep(Duration::from_millis(100)).await }
        });
        clock.wait_for_sleepers(1).await;
        clock.advance(Duration::from_millis(99));
        assert_eq!(clock.sleepers(), 1, "a sleep of 100 ms ended after 99 ms");
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_millis(1));
        sleeper.await.expect("the sleep ends");
        assert_eq!(clock.sleepers(), 0);
        assert_eq!(clock.elapsed(), Duration::from_millis(100));
        assert_eq!(clock.unix_ms(), MANUAL_CLOCK_START_UNIX_MS + 100);
    }
}
