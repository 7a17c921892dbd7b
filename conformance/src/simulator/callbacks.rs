//! APIXO webhook deliveries (FACTS.md "APIXO: webhooks (callback mode)"): when a callback
//! task becomes terminal, POST the status-shaped payload to its `callback_url`; when the
//! receiver does not answer 200, redeliver up to 3 more times with growing delays.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use super::apixo;
use super::faults::SimProvider;
use super::shared::Shared;
use super::state::TaskView;

/// How long a receiver has to answer (FACTS.md:44 "answer HTTP 200 within 30 seconds").
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// Redeliveries after the first attempt (FACTS.md:45 "retries delivery up to 3 times").
pub(crate) const MAX_REDELIVERIES: u32 = 3;

/// Header carrying the request's `callback_url` when deliveries go to
/// [`SimConfig::callback_redirect`](super::SimConfig::callback_redirect).
pub const ORIGINAL_URL_HEADER: &str = "X-Sim-Callback-Url";

/// One attempt to deliver a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAttempt {
    /// The task the payload is about.
    pub task_id: String,
    /// The `callback_url` of the request.
    pub callback_url: String,
    /// The URL the payload was POSTed to: `callback_redirect` when set, else `callback_url`.
    pub url: String,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// Why no answer was received (connection refused, timeout, ...).
    pub error: Option<String>,
}

/// Every delivery attempt, in the order they finished.
#[derive(Debug, Default)]
pub(crate) struct CallbackLog {
    attempts: Mutex<Vec<CallbackAttempt>>,
}

impl CallbackLog {
    fn lock(&self) -> MutexGuard<'_, Vec<CallbackAttempt>> {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, attempt: CallbackAttempt) {
        self.lock().push(attempt);
    }

    pub fn all(&self) -> Vec<CallbackAttempt> {
        self.lock().clone()
    }
}

/// Makes the callback task `task_id` terminal once its run time has passed, without waiting
/// for a poll, and starts its deliveries (unless a poll made it terminal first).
pub(crate) fn schedule(sim: &Arc<Shared>, task_id: String) {
    let job_sim = Arc::clone(sim);
    sim.spawn(async move {
        let run_time = job_sim.config.run_time;
        tokio::time::sleep(run_time).await;
        loop {
            let Some(looked) = job_sim.tasks.get(SimProvider::Apixo, &task_id, run_time) else {
                return;
            };
            if looked.became_terminal {
                job_sim.on_terminal(&looked.view);
            }
            if looked.view.complete_ms.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
}

/// Starts delivering the final payload of `view` in the background.
pub(crate) fn start_delivery(sim: &Arc<Shared>, view: TaskView) {
    let job_sim = Arc::clone(sim);
    sim.spawn(deliver(job_sim, view));
}

async fn deliver(sim: Arc<Shared>, view: TaskView) {
    let Some(callback_url) = view.callback_url.clone() else {
        return;
    };
    let redirect = sim.config.callback_redirect.clone();
    let target = redirect.clone().unwrap_or_else(|| callback_url.clone());
    // The payload has the status response's shape (FACTS.md:41-43).
    let payload = apixo::status_body(&view, &view.base).to_string();
    let mut delay = sim.config.callback_retry_base;
    for attempt in 0..=MAX_REDELIVERIES {
        if attempt > 0 {
            // "growing delays" (FACTS.md:45-46): base, 2 x base, 4 x base.
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        let (status, error) = match sim.http_client() {
            None => (None, Some("cannot build the HTTP client".to_owned())),
            Some(client) => {
                let mut request = client.post(&target).header(CONTENT_TYPE, "application/json").body(payload.clone());
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
        // The receiver must answer 200 (FACTS.md:44).
        if status == Some(200) {
            return;
        }
    }
}
