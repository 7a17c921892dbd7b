//! HTTP plumbing shared by the routes: JSON answers, the error envelope, bearer
//! authentication, the base URL a client used, and reading a request body.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// Largest request body the simulator reads.
pub(crate) const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// An error answer: both providers use `{"code": <HTTP status>, "message": "..."}`
/// (APIXO: the spec's decision for an undocumented error body; Modellix: FACTS.md:26).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }

    pub fn body(&self) -> Value {
        json!({ "code": self.status, "message": self.message })
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

/// The error envelope as a response, with `Retry-After` when given.
pub(crate) fn error(err: &ApiError, retry_after: Option<&str>) -> Response {
    let mut response = json(err.status, &err.body());
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// Whether the request carries `Authorization: Bearer <key>` with an accepted key
/// (apixo-happyhorse.txt:31-32; modellix-happyhorse-1.0-r2v.txt:46). An empty `keys`
/// accepts any non-empty key.
pub(crate) fn authorized(headers: &HeaderMap, keys: &[String]) -> bool {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, key)) = value.trim().split_once(' ') else {
        return false;
    };
    let key = key.trim();
    scheme.eq_ignore_ascii_case("bearer") && !key.is_empty() && (keys.is_empty() || keys.iter().any(|k| k == key))
}

/// `http://<Host header>`, the origin the client used, or the simulator's own address when
/// the header is missing or unusual.
pub(crate) fn base_url(headers: &HeaderMap, addr: SocketAddr) -> String {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).filter(|h| {
        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    });
    match host {
        Some(host) => format!("http://{host}"),
        None => format!("http://{addr}"),
    }
}

/// Whether the request says its body is JSON: `Content-Type: application/json`, parameters
/// (`; charset=utf-8`) and letter case aside. `Err` carries the header's value (`None`:
/// absent or not text).
pub(crate) fn json_media_type(headers: &HeaderMap) -> Result<(), Option<String>> {
    let value = headers.get(CONTENT_TYPE).map(|v| v.to_str().map(str::to_owned));
    match value {
        Some(Ok(v)) if v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")) => Ok(()),
        Some(Ok(v)) => Err(Some(v)),
        Some(Err(_)) | None => Err(None),
    }
}

/// Reads a whole request body, up to [`BODY_LIMIT`] bytes.
pub(crate) async fn read_body(body: Body, too_large: impl FnOnce(usize) -> ApiError) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| too_large(BODY_LIMIT))
}
