//! A webhook receiver on loopback for the harness: the simulator delivers APIXO callbacks
//! here (instead of the public URL in the request), and the receiver answers with scripted
//! statuses so redeliveries can be observed.
//!
//! Scripts are per callback URL (the URL the request named, which the simulator passes in its
//! `X-Sim-Callback-Url` header): every suite submits callback-mode tasks, and their
//! deliveries arrive while later suites run, so a shared script would be consumed by
//! whichever delivery came first.

use std::collections::{HashMap, VecDeque};
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
    /// Scripted answers per callback URL named in the request.
    answers: HashMap<String, VecDeque<u16>>,
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
                let original_url =
                    headers.get(crate::simulator::ORIGINAL_URL_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let scripted =
                    original_url.as_ref().and_then(|url| s.answers.get_mut(url)).and_then(VecDeque::pop_front);
                let answered = scripted.unwrap_or(200);
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

    /// Answers the next deliveries for `callback_url` (the URL the request named) with these
    /// statuses, then `200`. Deliveries for other URLs are answered `200`.
    pub fn script(&self, callback_url: &str, answers: &[u16]) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.answers.insert(callback_url.to_owned(), answers.iter().copied().collect());
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn deliver(receiver: &Receiver, callback_url: &str) -> u16 {
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let response = client
            .post(receiver.url())
            .header(crate::simulator::ORIGINAL_URL_HEADER, callback_url)
            .body("{}")
            .send()
            .await
            .expect("the receiver answers");
        response.status().as_u16()
    }

    /// The cause of a flaky callbacks suite: one shared script was consumed by deliveries of
    /// other suites' tasks. A script applies to its callback URL only.
    #[tokio::test]
    async fn scripted_answers_apply_only_to_their_callback_url() {
        let receiver = Receiver::start().await.expect("starts");
        receiver.script("https://hooks.example.com/mine", &[500, 503]);
        assert_eq!(deliver(&receiver, "https://hooks.example.com/other").await, 200);
        assert_eq!(deliver(&receiver, "https://hooks.example.com/mine").await, 500);
        assert_eq!(deliver(&receiver, "https://hooks.example.com/other").await, 200);
        assert_eq!(deliver(&receiver, "https://hooks.example.com/mine").await, 503);
        assert_eq!(deliver(&receiver, "https://hooks.example.com/mine").await, 200);
        let answered: Vec<(Option<String>, u16)> =
            receiver.received().into_iter().map(|r| (r.original_url, r.answered)).collect();
        assert_eq!(answered.len(), 5);
        assert_eq!(answered[1], (Some("https://hooks.example.com/mine".to_owned()), 500));
    }
}
