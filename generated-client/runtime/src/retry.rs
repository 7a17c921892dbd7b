//! When and how long to wait before trying again: exponential backoff with jitter, the
//! `Retry-After` header (seconds or an HTTP date), a bound on attempts and one deadline.

use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the client retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (the first one included). A status row of the docs may lower it
    /// (`max_retries`).
    pub max_attempts: u32,
    /// The first backoff.
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// All attempts and waits of one call end within this time.
    pub deadline: Duration,
    /// Randomise each backoff within its upper half (on by default), so many clients do
    /// not retry in step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The upper bound of the backoff before attempt `attempt + 1` (`attempt` >= 1):
    /// `initial * 2^(attempt-1)`, capped.
    pub fn backoff_cap(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }

    /// The backoff before attempt `attempt + 1`: the cap, or with jitter a value in
    /// `[cap/2, cap]`.
    pub fn backoff(&self, attempt: u32, rng: &Jitter) -> Duration {
        let cap = self.backoff_cap(attempt);
        if !self.jitter {
            return cap;
        }
        let half = cap / 2;
        let span = u64::try_from((cap - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(if span == 0 { 0 } else { rng.next() % (span + 1) })
    }
}

/// A small random source for jitter (splitmix64, seeded from the OS through std's
/// `RandomState`); not for anything that needs to be unpredictable.
#[derive(Debug)]
pub struct Jitter(Mutex<u64>);

impl Jitter {
    /// A randomly seeded source.
    pub fn new() -> Self {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x9e37_79b9_7f4a_7c15);
        Jitter(Mutex::new(h.finish()))
    }

    /// A source with a fixed seed (reproducible tests).
    pub fn seeded(seed: u64) -> Self {
        Jitter(Mutex::new(seed))
    }

    /// The next number.
    pub fn next(&self) -> u64 {
        let mut s = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter::new()
    }
}

/// The wait a `Retry-After` value asks for: delay-seconds, or an HTTP date (relative to
/// `now`; a date in the past means no wait). `None` when the value is neither.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an HTTP date in any of the three formats RFC 9110 requires recipients to accept:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT`,
/// `Sun Nov  6 08:49:37 1994`.
pub fn http_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        // IMF-fixdate
        [_, d, m, y, t, "GMT"] => (d.parse::<u32>().ok()?, *m, y.parse::<i64>().ok()?, *t),
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        [_, dmy, t, "GMT"] => {
            let mut it = dmy.split('-');
            let (d, m, y) = (it.next()?, it.next()?, it.next()?);
            let y: i64 = y.parse().ok()?;
            // Two-digit years: the RFC says to read them as the nearest past century year;
            // 70-99 → 19xx, else 20xx is the common, adequate reading.
            let y = if y < 100 { if y >= 70 { 1900 + y } else { 2000 + y } } else { y };
            (d.parse().ok()?, m, y, *t)
        }
        // asctime: Sun Nov  6 08:49:37 1994
        [_, m, d, t, y] => (d.parse().ok()?, *m, y.parse().ok()?, *t),
        _ => return None,
    };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let mut hms = time.split(':').map(|p| p.parse::<u32>().ok());
    let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || day == 0 || day > 31 || h > 23 || mi > 59 || se > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = u64::try_from(days).ok()? * 86_400 + u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(se);
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_within_the_upper_half() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
            jitter: false,
            ..RetryPolicy::default()
        };
        let caps: Vec<u128> = (1..=5).map(|a| p.backoff_cap(a).as_millis()).collect();
        assert_eq!(caps, [100, 200, 400, 700, 700]);
        let j = Jitter::seeded(7);
        let p = RetryPolicy { jitter: true, ..p };
        for attempt in 1..=5 {
            for _ in 0..50 {
                let b = p.backoff(attempt, &j);
                let cap = p.backoff_cap(attempt);
                assert!(b >= cap / 2 && b <= cap, "{b:?} outside [{:?}, {cap:?}]", cap / 2);
            }
        }
        assert_eq!(RetryPolicy::default().backoff_cap(200), Duration::from_secs(30));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Sun Nov  6 08:49:37 1994", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), Some(Duration::ZERO), "a past date means now");
        for bad in ["", "-1", "1.5", "soon", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"] {
            assert_eq!(retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(UNIX_EPOCH));
    }
}
