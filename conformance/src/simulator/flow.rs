//! The path every provider request takes: count it, pick its fault, authenticate, judge and
//! answer it from the module's spec, then let the fault shape (or swallow) the answer.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, Request};
use axum::http::request::Parts;
use axum::response::Response;
use happyhorse_codegen::ir::{Module, Ty, Types};
use serde_json::{Map, Value, json};

use super::answers;
use super::callbacks;
use super::faults::Fault;
use super::http::{self, ApiError};
use super::judge;
use super::plan::IdIn;
use super::server::ConnHandle;
use super::shared::{Shared, Target};
use super::state::{NewTask, OTHER, Outcome};

/// Finds the route of a request and handles it; a path no module serves is 404, a method
/// its path does not take 405 in the module's error shape, with `Allow`.
pub(crate) async fn dispatch(sim: Arc<Shared>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let mut on_path: Vec<(usize, Vec<(String, String)>)> =
        sim.entries.iter().enumerate().filter_map(|(i, e)| e.path.matches(&path).map(|params| (i, params))).collect();
    // The most literal template wins (`/tasks/latest` over `/tasks/{id}`).
    on_path.sort_by_key(|(i, _)| std::cmp::Reverse(sim.entries[*i].path.literals()));
    let Some(best) = on_path.first().map(|(i, _)| sim.entries[*i].path.literals()) else {
        sim.stats.count(OTHER);
        return http::error(None, &ApiError::new(404, format!("no route for {} {path}", req.method())), None);
    };
    on_path.retain(|(i, _)| sim.entries[*i].path.literals() == best);
    let method = req.method().as_str().to_owned();
    match on_path.iter().find(|(i, _)| sim.entries[*i].method == method) {
        Some((i, params)) => {
            let params = params.clone();
            handle(sim.clone(), *i, params, req).await
        }
        None => {
            sim.stats.count(OTHER);
            let mut allow: Vec<&str> = on_path.iter().map(|(i, _)| sim.entries[*i].method.as_str()).collect();
            allow.dedup();
            let allow = allow.join(", ");
            let m = &sim.played[sim.entries[on_path[0].0].module].ir;
            let err = ApiError::new(405, format!("method {method} is not allowed on {path}; use {allow}"));
            let mut response = http::error(Some(m), &err, None);
            if let Ok(value) = axum::http::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(axum::http::header::ALLOW, value);
            }
            response
        }
    }
}

/// Handles one request on route `entry` (index into [`Shared::entries`]).
async fn handle(sim: Arc<Shared>, entry: usize, params: Vec<(String, String)>, req: Request) -> Response {
    let e = &sim.entries[entry];
    let (module, target) = (e.module, e.target);
    sim.stats.count(&e.route_name);
    let conn = req.extensions().get::<ConnHandle>().cloned();
    let fault = conn.as_ref().and_then(ConnHandle::take_carried).or_else(|| sim.faults.take(&e.route));
    let m = &sim.played[module].ir;

    // Faults that act before the request is processed.
    let fault = match fault {
        Some(Fault::Delay(delay)) => {
            sim.config.clock.sleep(delay).await;
            None
        }
        Some(Fault::DropBeforeRead) => return drop_connection(conn).await,
        Some(Fault::Status { status, retry_after, create_task: false }) => {
            return http::error(Some(m), &ApiError::status(m, status), retry_after.as_deref());
        }
        other => other,
    };

    let origin = http::origin(req.headers(), sim.addr);
    let (parts, body) = req.into_parts();
    let answer = if !http::authorized(&parts.headers, &m.auth, &sim.config.api_keys) {
        Err(ApiError::new(
            401,
            format!("missing or invalid API key ({}: {} <key>)", m.auth.header, bearer(&m.auth.scheme)),
        ))
    } else {
        match target {
            Target::Submit(i) => match check_media_type(&sim, module, i, &parts) {
                Err(err) => Err(err),
                Ok(()) => match http::read_body(body, sim.played[module].submits[i].body_limit).await {
                    Ok(bytes) => submit(&sim, module, i, &bytes, &origin),
                    Err(err) => Err(err),
                },
            },
            Target::Status => status(&sim, module, &parts, &params, &origin),
        }
    };

    match fault {
        None | Some(Fault::Delay(_)) | Some(Fault::DropBeforeRead) => respond(m, answer),
        Some(Fault::DropAfterRead) => drop_connection(conn).await,
        Some(Fault::Status { status, retry_after, .. }) => {
            http::error(Some(m), &ApiError::status(m, status), retry_after.as_deref())
        }
        Some(Fault::MalformedJson) => {
            let text = match &answer {
                Ok(v) => v.to_string(),
                Err(err) => err.body(Some(m)).to_string(),
            };
            http::json_text(200, malformed(&text))
        }
        Some(Fault::MissingTaskId) => {
            let body = match answer {
                Ok(mut body) => {
                    strip_task_id(m, target, &mut body);
                    body
                }
                Err(_) => bare_success(m, target),
            };
            http::json(200, &body)
        }
        Some(Fault::Oversize { bytes }) => {
            let (status, mut text) = match &answer {
                Ok(v) => (200, v.to_string()),
                Err(err) => (err.status, err.body(Some(m)).to_string()),
            };
            if text.len() < bytes {
                text.extend(std::iter::repeat_n(' ', bytes - text.len()));
            }
            http::json_text(status, text)
        }
    }
}

/// `Bearer` as the spec spells the scheme (`bearer`).
fn bearer(scheme: &str) -> String {
    let mut chars = scheme.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The spec's media type of the submit body: anything else is answered 400 in the error
/// shape (the decision each spec records on its submit operation).
fn check_media_type(sim: &Shared, module: usize, op: usize, parts: &Parts) -> Result<(), ApiError> {
    let Some(want) = &sim.played[module].submits[op].content_type else { return Ok(()) };
    http::media_type(&parts.headers, want).map_err(|got| {
        let got = got.map_or_else(|| "none".to_owned(), |v| format!("{v:?}"));
        let status = answers::invalid_request_status(&sim.played[module].ir);
        ApiError::new(status, format!("header 'Content-Type' must be {want} (got {got})"))
    })
}

/// Judges a submit body and creates the task: the answer, or the error.
fn submit(sim: &Arc<Shared>, module: usize, op: usize, bytes: &[u8], origin: &str) -> Result<Value, ApiError> {
    let played = &sim.played[module];
    let m = &played.ir;
    let submit = &played.submits[op];
    let body = judge::judge(m, submit.request.as_deref(), &submit.schema, bytes).map_err(|problems| {
        let text = problems.iter().map(judge::Problem::text).collect::<Vec<_>>().join("; ");
        ApiError::new(answers::invalid_request_status(m), text)
    })?;
    let callback_url = m
        .callbacks
        .as_ref()
        .and_then(|c| c.url_field.as_deref())
        .and_then(|f| body.get(f))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let is_callback = callback_url.is_some();
    let new = NewTask {
        operation: submit.key.clone(),
        outcome: planned_outcome(m, &body),
        body,
        origin: origin.to_owned(),
        callback_url,
    };
    let view = sim.tasks.create(module, played.name(), new, sim.lifecycle()).map_err(|full| ApiError {
        retry_after: Some(full.retry_after.as_secs_f64().ceil().max(1.0).to_string()),
        ..ApiError::new(429, full.detail())
    })?;
    if is_callback {
        callbacks::schedule(sim, module, view.id.clone());
    }
    Ok(answers::submitted(played, &view, origin))
}

/// The status answer of the task a query names.
fn status(
    sim: &Arc<Shared>,
    module: usize,
    parts: &Parts,
    params: &[(String, String)],
    origin: &str,
) -> Result<Value, ApiError> {
    let played = &sim.played[module];
    let (name, id) = match &played.status.id {
        IdIn::Path(name) => (name, params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())),
        IdIn::Query(name) => {
            let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri).map_err(|_| {
                ApiError::new(answers::invalid_request_status(&played.ir), "the query string is not valid")
            })?;
            (name, query.0.get(name).cloned())
        }
    };
    let id = id.filter(|id| !id.is_empty()).ok_or_else(|| {
        ApiError::new(answers::invalid_request_status(&played.ir), format!("parameter '{name}' is required"))
    })?;
    let looked = sim.tasks.poll(module, &id, sim.lifecycle()).ok_or_else(|| not_found(sim, module, &id))?;
    if looked.became_terminal {
        sim.on_terminal(&looked.view);
    }
    Ok(answers::status(played, &looked.view, origin))
}

/// The 404 of a status query for a task not stored: one the simulator created has expired
/// (its id names a task it created), any other id was never a task.
fn not_found(sim: &Shared, module: usize, id: &str) -> ApiError {
    let n = id.strip_prefix(sim.played[module].name()).and_then(|rest| rest.strip_prefix("-task-"));
    let created = n.and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n >= 1 && n <= sim.tasks.created(module));
    if created {
        let ttl = sim.config.task_ttl.as_secs_f64();
        ApiError::new(
            404,
            format!("task '{id}' expired: the simulator keeps a finished task for {ttl} s (task_ttl, --task-ttl)"),
        )
    } else {
        ApiError::new(404, format!("task '{id}' not found"))
    }
}

/// How a task ends, from markers in any string of its body:
///
/// - `sim:fail=<Code>` (or `sim:fail="<Fail Code>"` for codes with spaces), or `sim:fail`: it
///   fails with fail code `<Code>`, else the first value of the spec's fail-code enum; its
///   message is the spec's meaning of the code;
/// - `sim:state=<state>`: it ends in that state of the state enum, which must be one whose
///   phase is failed (`cancelled`), failing as above; another value is ignored.
///
/// Without a marker, the task succeeds.
pub(crate) fn planned_outcome(m: &Module, body: &Value) -> Outcome {
    let value_after = |marker: &str| -> Option<Option<String>> {
        let after = find_marker(body, marker)?;
        Some(after.strip_prefix('=').and_then(|rest| match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().map(str::to_owned),
            None => rest.split(char::is_whitespace).next().map(str::to_owned),
        }))
    };
    let state = value_after("sim:state").flatten().filter(|s| failed_state(m, s));
    let requested = match (value_after("sim:fail"), &state) {
        (Some(code), _) => code,
        (None, Some(_)) => None,
        (None, None) => return Outcome::Success,
    };
    let fail_enum = m.task.fail_code.as_ref().and_then(|f| match &f.ty {
        Ty::Enum(e) => m.enum_def(e),
        _ => None,
    });
    let code = m.task.fail_code.as_ref().map(|_| {
        requested
            .filter(|c| !c.is_empty())
            .or_else(|| fail_enum.and_then(|e| e.values.first()).map(|v| v.wire.clone()))
            .unwrap_or_else(|| "failed".to_owned())
    });
    let meaning = |code: &str| {
        fail_enum
            .and_then(|e| e.values.iter().find(|v| v.wire == code || v.aliases.iter().any(|a| a == code)))
            .and_then(|v| v.meaning.clone())
    };
    let message = m.task.fail_message.as_ref().map(|_| match &code {
        Some(code) => meaning(code).unwrap_or_else(|| format!("simulated failure ({code})")),
        None => "simulated failure (sim:fail)".to_owned(),
    });
    Outcome::Failed { code, message, state }
}

/// Whether `state` is a value of the state enum whose phase is failed.
fn failed_state(m: &Module, state: &str) -> bool {
    m.enum_def(&m.task.state_enum).is_some_and(|e| {
        e.values.iter().any(|v| v.wire == state && v.phase == Some(happyhorse_codegen::ir::Phase::Failed))
    })
}

/// The text after the first `marker` in any string of `v`.
fn find_marker(v: &Value, marker: &str) -> Option<String> {
    match v {
        Value::String(s) => s.find(marker).map(|i| s[i + marker.len()..].to_owned()),
        Value::Array(items) => items.iter().find_map(|x| find_marker(x, marker)),
        Value::Object(map) => map.values().find_map(|x| find_marker(x, marker)),
        _ => None,
    }
}

/// Removes the task id from an answer, and whatever else names it (the follow URL's object).
fn strip_task_id(m: &Module, target: Target, answer: &mut Value) {
    let t = &m.task;
    let id = if target == Target::Status { &t.status_id } else { &t.submit_id };
    let id = answers::wire(id);
    crate::boundary::set(answer, &id, None);
    if let (Some(follow), Target::Submit(_)) = (&t.follow, target) {
        let follow = answers::wire(follow);
        let shared = follow.iter().zip(&id).take_while(|(a, b)| a == b).count();
        crate::boundary::set(answer, &follow[..=shared.min(follow.len() - 1)], None);
    }
}

/// A success envelope without a task (the objects that would hold the id are empty).
fn bare_success(m: &Module, target: Target) -> Value {
    let mut out = Value::Object(Map::new());
    if let Some(e) = &m.envelope {
        set(&mut out, &e.code, json!(e.success_code));
        set(&mut out, &e.message, json!("success"));
    }
    let id = if target == Target::Status { &m.task.status_id } else { &m.task.submit_id };
    if let Some((_, parents)) = answers::wire(id).split_last() {
        let mut cur = &mut out;
        for p in parents {
            let Some(obj) = cur.as_object_mut() else { break };
            cur = obj.entry(p.clone()).or_insert_with(|| json!({}));
        }
    }
    out
}

fn set(v: &mut Value, dotted: &str, value: Value) {
    let keys: Vec<&str> = dotted.split('.').collect();
    let mut cur = v;
    for (i, k) in keys.iter().enumerate() {
        let Some(obj) = cur.as_object_mut() else { return };
        if i + 1 == keys.len() {
            obj.insert((*k).to_owned(), value);
            return;
        }
        cur = obj.entry((*k).to_owned()).or_insert_with(|| json!({}));
    }
}

fn respond(m: &Module, answer: Result<Value, ApiError>) -> Response {
    match answer {
        Ok(body) => http::json(200, &body),
        Err(err) => http::error(Some(m), &err, err.retry_after.as_deref()),
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
        None => {
            http::error(None, &ApiError::new(500, "simulator: connection drop requested outside the accept loop"), None)
        }
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

    #[test]
    fn the_marker_is_found_in_any_string() {
        let body = serde_json::json!({"a": 1, "input": {"prompt": "x sim:fail=Timeout y"}});
        assert_eq!(super::find_marker(&body, "sim:fail").as_deref(), Some("=Timeout y"));
        assert_eq!(super::find_marker(&serde_json::json!({"p": "x"}), "sim:fail"), None);
    }
}
