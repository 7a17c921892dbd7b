//! Time, injectable: the client reads the clock and sleeps only through a [`Clock`], so
//! tests of retries and waiting run instantly with a [`ManualClock`] and can assert every
//! delay.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A boxed sleep.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The time source and sleeper used by the client.
pub trait Clock: Send + Sync {
    /// Monotonic now.
    fn now(&self) -> Instant;
    /// Wall-clock now (to read HTTP dates in `Retry-After`).
    fn wall(&self) -> SystemTime;
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> Sleep;
}

/// Real time and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, d: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(d))
    }
}

#[derive(Debug)]
struct Manual {
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

/// A clock for tests: `sleep` returns at once and advances the clock by the requested
/// time; every sleep is recorded. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    start: Instant,
    wall_start: SystemTime,
    state: Arc<Mutex<Manual>>,
}

impl ManualClock {
    /// A clock starting now, with wall time `wall_start`.
    pub fn new(wall_start: SystemTime) -> Self {
        ManualClock {
            start: Instant::now(),
            wall_start,
            state: Arc::new(Mutex::new(Manual { elapsed: Duration::ZERO, sleeps: Vec::new() })),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Manual) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Moves the clock forward without recording a sleep.
    pub fn advance(&self, d: Duration) {
        self.with(|m| m.elapsed += d);
    }

    /// Time passed since the clock was made.
    pub fn elapsed(&self) -> Duration {
        self.with(|m| m.elapsed)
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.with(|m| m.sleeps.clone())
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_965_610))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }
    fn wall(&self) -> SystemTime {
        self.wall_start + self.elapsed()
    }
    fn sleep(&self, d: Duration) -> Sleep {
        self.with(|m| {
            m.elapsed += d;
            m.sleeps.push(d);
        });
        // Yield once so a sleeping future is still a real suspension point.
        Box::pin(tokio::task::yield_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_advances_on_sleep_and_records_it() {
        let c = ManualClock::default();
        let t0 = c.now();
        c.sleep(Duration::from_secs(30)).await;
        c.sleep(Duration::from_secs(10)).await;
        assert_eq!(c.now() - t0, Duration::from_secs(40));
        assert_eq!(c.sleeps(), [Duration::from_secs(30), Duration::from_secs(10)]);
        let shared = c.clone();
        shared.advance(Duration::from_secs(1));
        assert_eq!(c.elapsed(), Duration::from_secs(41));
    }
}
