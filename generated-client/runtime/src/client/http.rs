//! One HTTP exchange: send, read the body up to a size limit, and say what happened in
//! terms that matter for a paid submit: never sent, lost after sending, timed out, too
//! large, or an answer.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

use crate::clock::{Clock, First, race};

/// An answer with its body read in full.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The raw `Retry-After` header, if present and text.
    pub fn retry_after(&self) -> Option<&str> {
        self.headers.get(RETRY_AFTER).and_then(|v: &HeaderValue| v.to_str().ok())
    }
}

/// Why no (complete) answer arrived.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The connection was never made: the provider did not see the request.
    NotSent(String),
    /// The connection failed after the request may have been sent.
    Lost(String),
    /// No answer in time (the request may have been sent).
    TimedOut(String),
    /// The answer's body is over the limit.
    TooLarge { status: u16, limit: usize },
}

/// A reqwest error and its causes, as one line (reqwest's own message is terse).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn classify(e: &reqwest::Error) -> SendError {
    let msg = describe(e);
    if e.is_connect() {
        SendError::NotSent(msg)
    } else if e.is_timeout() {
        SendError::TimedOut(msg)
    } else {
        SendError::Lost(msg)
    }
}

/// Sends a request and reads the answer, at most `limit` body bytes, within `timeout` on
/// `clock` (the whole exchange, body included).
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    limit: usize,
    clock: &dyn Clock,
    timeout: Duration,
) -> Result<Answer, SendError> {
    match race(exchange_unbounded(request, limit), clock.timer(timeout)).await {
        First::Left(r) => r,
        First::Right(()) => Err(SendError::TimedOut(format!("no complete answer within {timeout:?}"))),
    }
}

async fn exchange_unbounded(request: reqwest::RequestBuilder, limit: usize) -> Result<Answer, SendError> {
    let mut response = request.send().await.map_err(|e| classify(&e))?;
    let status = response.status().as_u16();
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(SendError::TooLarge { status, limit });
    }
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(SendError::TooLarge { status, limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, headers, body })
}
