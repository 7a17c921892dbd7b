//! A webhook receiver on loopback for the harness: the simulator delivers APIXO callbacks
//! here (instead of the public URL in the request), and the receiver answers with scripted
//! statuses so redeliveries can be observed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};

/// One delivery received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The body.
    pub body: Vec<u8>,
    /// The URL the request named (the simulator's `X-Sim-Callback-Url` header).
    pub original_url: Option<String>,
    /// The status answered.
    pub answered: u16,
}

#[derive(Default)]
struct State {
    answers: VecDeque<u16>,
    received: Vec<Received>,
}

/// The receiver; stops when dropped.
pub struct Receiver {
    url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1 answering `200` unless scripted otherwise.
    pub async fn start() -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/webhooks", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let shared = shared.clone();
            async move {
                let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
                let answered = s.answers.pop_front().unwrap_or(200);
                let original_url =
                    headers.get(crate::simulator::ORIGINAL_URL_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
                s.received.push(Received { body: body.to_vec(), original_url, answered });
                StatusCode::from_u16(answered).unwrap_or(StatusCode::OK)
            }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { url, state, task })
    }

    /// Where to deliver.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answers the next deliveries with these statuses (then `200`).
    pub fn script(&self, answers: &[u16]) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).answers = answers.iter().copied().collect();
    }

    /// Every delivery so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).received.clone()
    }

    /// Forgets the deliveries so far.
    pub fn clear(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).received.clear();
    }
}
