//! The path every provider request takes: count it, pick its fault, authenticate, let the
//! provider answer, then let the fault shape (or swallow) the answer.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::Value;

use super::faults::{Fault, Route, SimProvider};
use super::http::{self, ApiError};
use super::server::ConnHandle;
use super::shared::Shared;
use super::state::StatKey;

/// Which endpoint of a provider a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Submit,
    Status,
}

/// What differs between the two providers.
pub(crate) trait ProviderApi {
    /// The provider.
    const PROVIDER: SimProvider;
    /// The `code` of a success envelope (APIXO 200, Modellix 0).
    const SUCCESS_CODE: i64;

    /// The error message for a bare HTTP status (401, 404, injected statuses).
    fn status_message(status: u16) -> String;

    /// The message for a body over the size limit.
    fn too_large(limit: usize) -> ApiError;

    /// The error for a submit whose `Content-Type` is not `application/json` (`got`: the
    /// header's value, if any), per the spec's recorded decision on the submit operation.
    fn not_json(got: Option<&str>) -> ApiError;

    /// The error for a request with a method the path does not take (`allow`: the one it
    /// takes).
    fn wrong_method(method: &str, path: &str, allow: &str) -> ApiError;

    /// Validates a submit body and creates the task: the success answer, or the error.
    fn submit(sim: &Arc<Shared>, body: &[u8], base: &str) -> Result<Value, ApiError>;

    /// The task id a status query asks for.
    fn status_id(parts: &Parts) -> Result<String, ApiError>;

    /// The status answer for a task.
    fn status_body(view: &super::state::TaskView, base: &str) -> Value;

    /// Removes the task id (and anything leading to it) from a success answer.
    fn strip_task_id(answer: &mut Value);

    /// An error for `status` in this provider's shape.
    fn error(status: u16) -> ApiError {
        ApiError::new(status, Self::status_message(status))
    }
}

/// Handles one submit or status request for provider `P`.
pub(crate) async fn handle<P: ProviderApi>(sim: Arc<Shared>, op: Op, req: Request) -> Response {
    let route = match op {
        Op::Submit => Route::Submit(P::PROVIDER),
        Op::Status => Route::Status(P::PROVIDER),
    };
    sim.stats.count(StatKey::Route(route));
    let conn = req.extensions().get::<ConnHandle>().cloned();
    let fault = conn.as_ref().and_then(ConnHandle::take_carried).or_else(|| sim.faults.take(route));

    // Faults that act before the request is processed.
    let fault = match fault {
        Some(Fault::Delay(delay)) => {
            sim.config.clock.sleep(delay).await;
            None
        }
        Some(Fault::DropBeforeRead) => return drop_connection(conn).await,
        Some(Fault::Status { status, retry_after, create_task: false }) => {
            return http::error(&P::error(status), retry_after.as_deref());
        }
        other => other,
    };

    let base = http::base_url(req.headers(), sim.addr);
    let (parts, body) = req.into_parts();
    let answer = if !http::authorized(&parts.headers, &sim.config.api_keys) {
        Err(P::error(401))
    } else {
        match op {
            Op::Submit => match http::json_media_type(&parts.headers) {
                Err(got) => Err(P::not_json(got.as_deref())),
                Ok(()) => match http::read_body(body, P::too_large).await {
                    Ok(bytes) => P::submit(&sim, &bytes, &base),
                    Err(err) => Err(err),
                },
            },
            Op::Status => status::<P>(&sim, &parts, &base),
        }
    };

    match fault {
        None | Some(Fault::Delay(_)) | Some(Fault::DropBeforeRead) => respond(answer),
        Some(Fault::DropAfterRead) => drop_connection(conn).await,
        Some(Fault::Status { status, retry_after, .. }) => http::error(&P::error(status), retry_after.as_deref()),
        Some(Fault::MalformedJson) => {
            let text = match &answer {
                Ok(v) => v.to_string(),
                Err(err) => err.body().to_string(),
            };
            http::json_text(200, malformed(&text))
        }
        Some(Fault::MissingTaskId) => {
            let mut body = answer
                .unwrap_or_else(|_| serde_json::json!({ "code": P::SUCCESS_CODE, "message": "success", "data": {} }));
            P::strip_task_id(&mut body);
            http::json(200, &body)
        }
        Some(Fault::Oversize { bytes }) => {
            let (status, mut text) = match &answer {
                Ok(v) => (200, v.to_string()),
                Err(err) => (err.status, err.body().to_string()),
            };
            if text.len() < bytes {
                text.extend(std::iter::repeat_n(' ', bytes - text.len()));
            }
            http::json_text(status, text)
        }
    }
}

/// Answers a request whose method the route does not take: 405 with `Allow`, in the
/// provider's error shape.
pub(crate) async fn wrong_method<P: ProviderApi>(sim: Arc<Shared>, req: Request, allow: &'static str) -> Response {
    sim.stats.count(StatKey::Other);
    let error = P::wrong_method(req.method().as_str(), req.uri().path(), allow);
    let mut response = http::error(&error, None);
    if let Ok(value) = axum::http::HeaderValue::from_str(allow) {
        response.headers_mut().insert(axum::http::header::ALLOW, value);
    }
    response
}

fn status<P: ProviderApi>(sim: &Arc<Shared>, parts: &Parts, base: &str) -> Result<Value, ApiError> {
    let id = P::status_id(parts)?;
    let looked = sim.tasks.poll(P::PROVIDER, &id, sim.lifecycle()).ok_or_else(|| P::error(404))?;
    if looked.became_terminal {
        sim.on_terminal(&looked.view);
    }
    Ok(P::status_body(&looked.view, base))
}

fn respond(answer: Result<Value, ApiError>) -> Response {
    match answer {
        Ok(body) => http::json(200, &body),
        Err(err) => http::error(&err, None),
    }
}

/// The first half of a JSON text: an unterminated object, never valid JSON.
fn malformed(text: &str) -> String {
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let half = &text[..cut];
    if half.is_empty() { "{".to_owned() } else { half.to_owned() }
}

/// Closes the request's connection without answering. The connection task drops this
/// handler when it sees the signal, so the pending future never completes.
async fn drop_connection(conn: Option<ConnHandle>) -> Response {
    match conn {
        Some(conn) => {
            conn.abort();
            std::future::pending::<Response>().await
        }
        // Served outside the simulator's accept loop: nothing to close, so fail loudly.
        None => http::error(&ApiError::new(500, "simulator: connection drop requested outside the accept loop"), None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn malformed_is_never_json() {
        for text in [r#"{"code":200}"#, "{}", r#"{"a":"ééééé"}"#] {
            assert!(serde_json::from_str::<serde_json::Value>(&super::malformed(text)).is_err());
        }
    }
}
