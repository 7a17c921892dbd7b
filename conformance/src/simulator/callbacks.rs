//! Webhook deliveries, as a module's `[callbacks]` table says: when a task whose request
//! named a callback URL (the request key `url_field`) becomes terminal, send the payload
//! (the `payload` type, built like a status answer) with the table's method; when the
//! receiver does not acknowledge within `ack_within_s` (the table's `ack_status`, or any 2xx
//! where `ack_status = "2xx"`), redeliver up to `max_redeliveries` more times, after the
//! delays of `retry_schedule_s` when the docs give them (else growing delays of the
//! simulator's choosing).

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use tokio::sync::watch;

use happyhorse_codegen::ir::Callbacks;

use super::answers;
use super::shared::Shared;
use super::state::TaskView;

/// The longest any receiver is given to answer: the HTTP client's own limit. Each delivery
/// is given its module's `ack_within_s` (at most this).
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(300);

/// Header carrying the request's `callback_url` when deliveries go to
/// [`SimConfig::callback_redirect`](super::SimConfig::callback_redirect).
pub const ORIGINAL_URL_HEADER: &str = "X-Sim-Callback-Url";

/// One attempt to deliver a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAttempt {
    /// The task the payload is about.
    pub task_id: String,
    /// The callback URL of the request.
    pub callback_url: String,
    /// The URL the payload was sent to: `callback_redirect` when set, else `callback_url`.
    pub url: String,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// Why no answer was received (connection refused, timeout, ...).
    pub error: Option<String>,
}

/// How the deliveries of one task's callback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryEnd {
    /// The receiver answered the documented status.
    Acknowledged,
    /// No documented answer after the first attempt and every redelivery.
    GaveUp,
    /// Nothing was sent: the target is not on this machine and
    /// [`SimConfig::remote_callbacks`](super::SimConfig::remote_callbacks) is off.
    Undeliverable {
        /// Why, in words.
        reason: String,
    },
}

impl DeliveryEnd {
    /// `acknowledged`, `gave_up` or `undeliverable`, as `/_sim/stats` reports it.
    pub fn name(&self) -> &'static str {
        match self {
            DeliveryEnd::Acknowledged => "acknowledged",
            DeliveryEnd::GaveUp => "gave_up",
            DeliveryEnd::Undeliverable { .. } => "undeliverable",
        }
    }
}

/// The deliveries of one task's callback, once they have ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackDelivery {
    /// The task the payload is about.
    pub task_id: String,
    /// The callback URL of the request.
    pub callback_url: String,
    /// Where the payload was (or would have been) sent.
    pub url: String,
    /// Number of attempts made (0 when undeliverable).
    pub attempts: usize,
    /// How it ended.
    pub end: DeliveryEnd,
}

#[derive(Debug, Default)]
struct Log {
    attempts: Vec<CallbackAttempt>,
    ended: Vec<CallbackDelivery>,
}

/// Every delivery attempt, in the order they finished, and every ended delivery. Waiters are
/// woken on each change.
#[derive(Debug)]
pub(crate) struct CallbackLog {
    log: Mutex<Log>,
    changed: watch::Sender<u64>,
}

impl Default for CallbackLog {
    fn default() -> Self {
        CallbackLog { log: Mutex::default(), changed: watch::Sender::new(0) }
    }
}

impl CallbackLog {
    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, attempt: CallbackAttempt) {
        self.lock().attempts.push(attempt);
        self.changed.send_modify(|n| *n += 1);
    }

    fn end(&self, delivery: CallbackDelivery) {
        self.lock().ended.push(delivery);
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn all(&self) -> Vec<CallbackAttempt> {
        self.lock().attempts.clone()
    }

    pub fn ended(&self) -> Vec<CallbackDelivery> {
        self.lock().ended.clone()
    }

    /// Waits until `done` holds for the log, and returns what it returned.
    pub async fn wait<T>(&self, mut done: impl FnMut(&[CallbackAttempt], &[CallbackDelivery]) -> Option<T>) -> T {
        let mut rx = self.changed.subscribe();
        loop {
            {
                let log = self.lock();
                if let Some(out) = done(&log.attempts, &log.ended) {
                    return out;
                }
            }
            // Err only when the sender is gone, which `self` prevents.
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Makes the callback task `task_id` of module `module` (index) terminal once its run time
/// has passed, without waiting for a poll, and starts its deliveries (unless a poll made it
/// terminal first).
pub(crate) fn schedule(sim: &Arc<Shared>, module: usize, task_id: String) {
    let job_sim = Arc::clone(sim);
    sim.spawn(async move {
        job_sim.config.clock.sleep(job_sim.config.run_time).await;
        loop {
            let Some(looked) = job_sim.tasks.get(module, &task_id, job_sim.lifecycle()) else {
                return;
            };
            if looked.became_terminal {
                job_sim.on_terminal(&looked.view);
            }
            if looked.view.complete_ms.is_some() {
                return;
            }
            job_sim.config.clock.sleep(Duration::from_millis(1)).await;
        }
    });
}

/// Starts delivering the final payload of `view` in the background.
pub(crate) fn start_delivery(sim: &Arc<Shared>, view: TaskView) {
    let job_sim = Arc::clone(sim);
    sim.spawn(deliver(job_sim, view));
}

/// Why the simulator will not POST to `url`, or `None` when it may: unless remote callbacks
/// are allowed, only `localhost` and loopback IP addresses are, so nothing leaves the machine.
pub fn callback_target_problem(url: &str, remote_allowed: bool) -> Option<String> {
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        Ok(u) => return Some(format!("{url} is not an http(s) URL (scheme {})", u.scheme())),
        Err(e) => return Some(format!("{url} is not a URL ({e})")),
    };
    if remote_allowed {
        return None;
    }
    // The URL parser has normalised IP literals (`127.1` is `127.0.0.1`, IPv6 is bracketed).
    let host = parsed.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let local = bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    (!local).then(|| {
        format!(
            "{host} is not a loopback address and the simulator sends nothing off this machine; redirect callbacks to a local receiver (--callback-redirect URL) or allow other hosts (--allow-remote-callbacks)"
        )
    })
}

async fn deliver(sim: Arc<Shared>, view: TaskView) {
    let Some(callback_url) = view.callback_url.clone() else {
        return;
    };
    let redirect = sim.config.callback_redirect.clone();
    let target = redirect.clone().unwrap_or_else(|| callback_url.clone());
    let ended = |attempts: usize, end: DeliveryEnd| CallbackDelivery {
        task_id: view.id.clone(),
        callback_url: callback_url.clone(),
        url: target.clone(),
        attempts,
        end,
    };
    if let Some(reason) = callback_target_problem(&target, sim.config.remote_callbacks) {
        if sim.config.log {
            eprintln!("simulator: the callback of task {} was not sent to {target}: {reason}", view.id);
        }
        sim.callbacks.end(ended(0, DeliveryEnd::Undeliverable { reason }));
        return;
    }
    let played = &sim.played[view.module];
    let Some(rules) = &played.ir.callbacks else { return };
    let payload = answers::callback(played, &view, &view.origin).to_string();
    let method = reqwest::Method::from_bytes(rules.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let ack_within = Duration::from_secs(u64::from(rules.ack_within_s)).min(ACK_TIMEOUT);
    for attempt in 0..=rules.max_redeliveries {
        if attempt > 0 {
            sim.config.clock.sleep(redelivery_delay(rules, &sim.config, attempt)).await;
        }
        let (status, error) = match sim.http_client() {
            None => (None, Some("cannot build the HTTP client".to_owned())),
            Some(client) => {
                let mut request = client
                    .request(method.clone(), &target)
                    .timeout(ack_within)
                    .header(CONTENT_TYPE, "application/json")
                    .body(payload.clone());
                if redirect.is_some() {
                    request = request.header(ORIGINAL_URL_HEADER, &callback_url);
                }
                match request.send().await {
                    Ok(response) => (Some(response.status().as_u16()), None),
                    Err(err) => (None, Some(err.to_string())),
                }
            }
        };
        sim.callbacks.record(CallbackAttempt {
            task_id: view.id.clone(),
            callback_url: callback_url.clone(),
            url: target.clone(),
            status,
            error,
        });
        if status.is_some_and(|s| acknowledges(rules, s)) {
            sim.callbacks.end(ended(attempt as usize + 1, DeliveryEnd::Acknowledged));
            return;
        }
    }
    sim.callbacks.end(ended(rules.max_redeliveries as usize + 1, DeliveryEnd::GaveUp));
}

/// Whether a receiver's answer `status` acknowledges a delivery: the spec's `ack_status`, or
/// any 2xx where the spec says any 2xx does.
pub fn acknowledges(rules: &Callbacks, status: u16) -> bool {
    status == rules.ack_status || (rules.ack_any_2xx && (200..300).contains(&status))
}

/// How long the simulator waits before redelivery `n` (1 for the first): the spec's
/// `retry_schedule_s[n - 1]` when the docs give a schedule; otherwise its own choice,
/// [`SimConfig::callback_retry_base`](super::SimConfig::callback_retry_base) doubling each
/// time.
pub fn redelivery_delay(rules: &Callbacks, config: &super::SimConfig, n: u32) -> Duration {
    let index = usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX);
    match rules.retry_schedule_s.get(index) {
        Some(secs) => Duration::from_secs(u64::from(*secs)),
        None => config.callback_retry_base.saturating_mul(1u32 << n.saturating_sub(1).min(16)),
    }
}

#[cfg(test)]
mod tests {
    use super::callback_target_problem;

    #[test]
    fn only_loopback_targets_unless_remote_callbacks_are_allowed() {
        for local in ["http://127.0.0.1:9/hook", "https://127.8.9.10/x", "http://[::1]:80/", "http://localhost:1/h"] {
            assert_eq!(callback_target_problem(local, false), None, "{local}");
        }
        for remote in ["https://your-server.com/webhooks/apixo", "https://8.8.8.8/x", "http://[2001:db8::1]/"] {
            let why = callback_target_problem(remote, false).expect("refused");
            assert!(why.contains("not a loopback address"), "{why}");
            assert_eq!(callback_target_problem(remote, true), None, "{remote}");
        }
        assert!(callback_target_problem("ftp://127.0.0.1/x", true).is_some_and(|w| w.contains("scheme ftp")));
    }
}
