//! Time, injectable: the client reads the clock and sleeps only through a [`Clock`], so
//! tests of retries and waiting run instantly with a [`ManualClock`] and can assert every
//! delay.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
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
    /// A timeout: completes once `d` has passed on this clock, without itself moving the
    /// clock (a [`ManualClock`] fires it when the clock is advanced past it). The default
    /// is tokio's timer.
    fn timer(&self, d: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(d))
    }
}

/// Which of two futures finished first.
pub(crate) enum First<A, B> {
    /// The first one.
    Left(A),
    /// The second one.
    Right(B),
}

/// Runs two futures until one finishes (the first is polled first); the other is dropped.
pub(crate) async fn race<A: Future, B: Future>(a: A, b: B) -> First<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(First::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(First::Right(v));
        }
        Poll::Pending
    })
    .await
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
    /// Timers waiting for the clock to reach their time.
    timers: Vec<(Duration, Waker)>,
}

impl Manual {
    fn advance(&mut self, d: Duration) {
        self.elapsed += d;
        let now = self.elapsed;
        let (due, waiting): (Vec<_>, Vec<_>) = self.timers.drain(..).partition(|(at, _)| *at <= now);
        self.timers = waiting;
        for (_, w) in due {
            w.wake();
        }
    }
}

/// A [`ManualClock`] timer.
struct ManualTimer {
    state: Arc<Mutex<Manual>>,
    at: Duration,
}

impl Future for ManualTimer {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut m = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if m.elapsed >= self.at {
            return Poll::Ready(());
        }
        m.timers.push((self.at, cx.waker().clone()));
        Poll::Pending
    }
}

/// A clock for tests: `sleep` returns at once and advances the clock by the requested
/// time; every sleep is recorded. Timers (timeouts) fire only when the clock is moved past
/// them, by a sleep or by [`ManualClock::advance`], so a test decides when a timeout
/// happens. Clones share the same time.
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
            state: Arc::new(Mutex::new(Manual { elapsed: Duration::ZERO, sleeps: Vec::new(), timers: Vec::new() })),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Manual) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Moves the clock forward without recording a sleep (firing the timers it passes).
    pub fn advance(&self, d: Duration) {
        self.with(|m| m.advance(d));
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
            m.advance(d);
            m.sleeps.push(d);
        });
        // Yield once so a sleeping future is still a real suspension point.
        Box::pin(tokio::task::yield_now())
    }
    fn timer(&self, d: Duration) -> Sleep {
        let at = self.elapsed() + d;
        Box::pin(ManualTimer { state: self.state.clone(), at })
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

    #[tokio::test]
    async fn manual_timers_fire_only_when_the_clock_passes_them() {
        let c = ManualClock::default();
        let timer = c.timer(Duration::from_secs(5));
        let pending = race(timer, tokio::task::yield_now()).await;
        assert!(matches!(pending, First::Right(())), "not yet due");
        let timer = c.timer(Duration::from_secs(5));
        let waiter = tokio::spawn(timer);
        tokio::task::yield_now().await;
        c.advance(Duration::from_secs(4));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        c.advance(Duration::from_secs(1));
        waiter.await.unwrap();
        assert_eq!(c.sleeps(), [], "advancing is not a sleep");
    }
}
