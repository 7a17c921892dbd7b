//! HTTP plumbing shared by the routes: JSON answers, error answers in a module's error
//! shape, authentication as the spec states it, the origin a client used, and reading a
//! request body.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_TYPE, HOST, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use happyhorse_codegen::ir::{Auth, Module};
use serde_json::{Value, json};

use super::answers;

/// Largest request body the simulator reads, beyond room for documented data URIs.
pub(crate) const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// An error answer: the HTTP status and what went wrong (the detail of the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub detail: String,
    /// The `Retry-After` header's value, if any.
    pub retry_after: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into(), retry_after: None }
    }

    /// The body in module `m`'s error shape; without a module (a path no module serves),
    /// `{"code": <status>, "message": <detail>}`.
    pub fn body(&self, m: Option<&Module>) -> Value {
        match m {
            Some(m) => answers::error(m, self.status, &self.detail),
            None => json!({ "code": self.status, "message": self.detail }),
        }
    }

    /// An HTTP status alone (an injected fault), in `m`'s shape: the status table's meaning
    /// when documented (as the category, where the spec declares categories).
    pub fn status(m: &Module, status: u16) -> ApiError {
        let meaning = m.statuses.iter().find(|r| r.status == status).map(|r| r.meaning.clone());
        let detail = match meaning {
            Some(meaning) if m.errors.category.is_none() => meaning,
            _ => format!("simulated HTTP status {status}"),
        };
        ApiError::new(status, detail)
    }
}

/// A response with `status` and a JSON body given as text.
pub(crate) fn json_text(status: u16, text: String) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A response with `status` and `value` as its JSON body.
pub(crate) fn json(status: u16, value: &Value) -> Response {
    json_text(status, value.to_string())
}

/// The error as a response in `m`'s shape, with `Retry-After` when given.
pub(crate) fn error(m: Option<&Module>, err: &ApiError, retry_after: Option<&str>) -> Response {
    let mut response = json(err.status, &err.body(m));
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// Whether the request carries the key as the spec's `[auth]` says (`<header>: Bearer
/// <key>`, the only scheme there is) with an accepted key. An empty `keys` accepts any
/// non-empty key.
pub(crate) fn authorized(headers: &HeaderMap, auth: &Auth, keys: &[String]) -> bool {
    let Some(value) = headers.get(auth.header.as_str()).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, key)) = value.trim().split_once(' ') else {
        return false;
    };
    let key = key.trim();
    scheme.eq_ignore_ascii_case(&auth.scheme) && !key.is_empty() && (keys.is_empty() || keys.iter().any(|k| k == key))
}

/// `http://<Host header>`, the origin the client used, or the simulator's own address when
/// the header is missing or unusual.
pub(crate) fn origin(headers: &HeaderMap, addr: SocketAddr) -> String {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).filter(|h| {
        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    });
    match host {
        Some(host) => format!("http://{host}"),
        None => format!("http://{addr}"),
    }
}

/// Whether the request says its body is of media type `want`, parameters (`; charset=utf-8`)
/// and letter case aside. `Err` carries the header's value (`None`: absent or not text).
pub(crate) fn media_type(headers: &HeaderMap, want: &str) -> Result<(), Option<String>> {
    let value = headers.get(CONTENT_TYPE).map(|v| v.to_str().map(str::to_owned));
    match value {
        Some(Ok(v)) if v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case(want)) => Ok(()),
        Some(Ok(v)) => Err(Some(v)),
        Some(Err(_)) | None => Err(None),
    }
}

/// Reads a whole request body, up to `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::new(400, format!("request body must be at most {limit} bytes")))
}
