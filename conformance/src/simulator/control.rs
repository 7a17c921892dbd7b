//! Control endpoints for humans and external tools:
//!
//! - `GET /_sim/stats`: tasks created per module, tasks stored now, requests seen per route, callback
//!   attempts, ended callback deliveries (`outcome`: `acknowledged`, `gave_up` or
//!   `undeliverable`, with the `reason`), the number not sent because their target is off
//!   this machine (`callbacks_undeliverable`), and the fault plan.
//! - `POST /_sim/faults`: queue or rate faults. Body: one entry or an array of entries, each
//!   `{"route": "<route>", "fault": <fault>, "per_mille": <0-1000>?, "times": <n>?, "seed": <u64>?}`
//!   where `<route>` is `<module>.<operation>` (an operation of a module the simulator
//!   plays: `apixo.submit`, `modellix.r2v`, `modellix.status`) or `connection`, and
//!   `<fault>` is `"drop_before_read"`, `"drop_after_read"`, `"malformed_json"`,
//!   `"missing_task_id"`, or an object `{"kind": "status", "status": 503, "retry_after": "2",
//!   "create_task": false}`, `{"kind": "delay", "ms": 300}`, `{"kind": "oversize", "bytes":
//!   1048576}` (or `{"kind": "<name>"}` for the others). Without `per_mille` the fault is
//!   queued `times` times (default 1); with it, the rate is set. An entry may be only
//!   `{"seed": <u64>}`.
//! - `DELETE /_sim/faults`: remove every queued fault and rate.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::faults::{Fault, Route};
use super::http::{self, ApiError};
use super::shared::Shared;
use super::state::CONTROL;

/// Every fault kind `POST /_sim/faults` takes (`{"kind": "<kind>", ...}`).
pub const FAULT_KINDS: [&str; 7] =
    ["status", "delay", "drop_before_read", "drop_after_read", "malformed_json", "missing_task_id", "oversize"];

/// `GET /_sim/stats`.
pub(crate) async fn stats(State(sim): State<Arc<Shared>>) -> Response {
    sim.stats.count(CONTROL);
    http::json(200, &stats_json(&sim))
}

/// The body of `GET /_sim/stats`.
pub(crate) fn stats_json(sim: &Shared) -> Value {
    let tasks: Map<String, Value> =
        sim.played.iter().enumerate().map(|(i, p)| (p.name().to_owned(), json!(sim.tasks.created(i)))).collect();
    let requests: Map<String, Value> = sim.stats.all().into_iter().map(|(k, n)| (k, json!(n))).collect();
    let attempts: Vec<Value> = sim
        .callbacks
        .all()
        .into_iter()
        .map(|a| {
            json!({ "task_id": a.task_id, "callback_url": a.callback_url, "url": a.url,
                    "status": a.status, "error": a.error })
        })
        .collect();
    let deliveries: Vec<Value> = sim
        .callbacks
        .ended()
        .into_iter()
        .map(|d| {
            let reason = match &d.end {
                super::DeliveryEnd::Undeliverable { reason } => Some(reason.clone()),
                _ => None,
            };
            json!({ "task_id": d.task_id, "callback_url": d.callback_url, "url": d.url,
                    "attempts": d.attempts, "outcome": d.end.name(), "reason": reason })
        })
        .collect();
    let undeliverable = sim.callbacks.ended().iter().filter(|d| d.end.name() == "undeliverable").count();
    let queued: Map<String, Value> = sim.routes().iter().map(|r| (r.name(), json!(sim.faults.queued(r)))).collect();
    let rates: Vec<Value> = sim
        .faults
        .rates()
        .into_iter()
        .map(|(route, fault, per_mille)| {
            json!({ "route": route.name(), "fault": fault_json(&fault), "per_mille": per_mille })
        })
        .collect();
    json!({
        "tasks_created": tasks,
        "tasks_stored": sim.tasks.stored(),
        "requests": requests,
        "callback_attempts": attempts,
        "callback_deliveries": deliveries,
        "callbacks_undeliverable": undeliverable,
        "faults": { "queued": queued, "rates": rates },
    })
}

/// `POST /_sim/faults`.
pub(crate) async fn post_faults(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    sim.stats.count(CONTROL);
    let bad = |message: String| http::error(None, &ApiError::new(400, message), None);
    let bytes = match http::read_body(req.into_body(), http::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(err) => return http::error(None, &err, None),
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(body) => body,
        Err(e) => return bad(format!("body: is not valid JSON ({e})")),
    };
    let entries = match body {
        Value::Array(entries) => entries,
        one => vec![one],
    };
    // Check every entry before applying any, so a bad request changes nothing.
    let routes = sim.routes();
    let mut plan = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match parse_entry(entry, &routes) {
            Ok(p) => plan.push(p),
            Err(e) => return bad(format!("[{i}]{e}")),
        }
    }
    for entry in plan {
        if let Some(seed) = entry.seed {
            sim.faults.seed(seed);
        }
        match entry.action {
            Action::None => {}
            Action::Push { route, fault, times } => {
                (0..times).for_each(|_| sim.faults.push(route.clone(), fault.clone()))
            }
            Action::Rate { route, fault, per_mille } => sim.faults.set_rate(route, fault, per_mille),
        }
    }
    http::json(200, &json!({ "ok": true, "faults": stats_json(&sim)["faults"] }))
}

/// `DELETE /_sim/faults`.
pub(crate) async fn delete_faults(State(sim): State<Arc<Shared>>) -> Response {
    sim.stats.count(CONTROL);
    sim.faults.clear();
    http::json(200, &json!({ "ok": true }))
}

struct Entry {
    seed: Option<u64>,
    action: Action,
}

enum Action {
    None,
    Push { route: Route, fault: Fault, times: u64 },
    Rate { route: Route, fault: Fault, per_mille: u32 },
}

/// One entry of a `POST /_sim/faults` body; `routes` are the routes the simulator has.
fn parse_entry(entry: &Value, routes: &[Route]) -> Result<Entry, String> {
    let Some(obj) = entry.as_object() else {
        return Err(": must be an object".to_owned());
    };
    for key in obj.keys() {
        if !["route", "fault", "per_mille", "times", "seed"].contains(&key.as_str()) {
            return Err(format!(".{key}: unknown field"));
        }
    }
    let seed = match obj.get("seed") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or(".seed: must be an unsigned integer")?),
    };
    let action = match (obj.get("route"), obj.get("fault")) {
        (None, None) if seed.is_some() => Action::None,
        (Some(route), Some(fault)) => {
            let name = route.as_str().unwrap_or_default();
            let route = routes.iter().find(|r| r.name() == name).cloned().ok_or_else(|| {
                let names: Vec<String> = routes.iter().map(Route::name).collect();
                format!(".route: must be one of {} (got {route})", names.join(", "))
            })?;
            let fault = parse_fault(fault).map_err(|e| format!(".fault{e}"))?;
            match obj.get("per_mille") {
                Some(v) => {
                    let per_mille =
                        v.as_u64().filter(|n| *n <= 1000).ok_or(".per_mille: must be an integer from 0 to 1000")?;
                    Action::Rate { route, fault, per_mille: u32::try_from(per_mille).unwrap_or(1000) }
                }
                None => {
                    let times = match obj.get("times") {
                        None => 1,
                        Some(v) => {
                            v.as_u64().filter(|n| *n <= 10_000).ok_or(".times: must be an integer from 0 to 10000")?
                        }
                    };
                    Action::Push { route, fault, times }
                }
            }
        }
        _ => return Err(": needs both route and fault (or only seed)".to_owned()),
    };
    Ok(Entry { seed, action })
}

fn parse_fault(v: &Value) -> Result<Fault, String> {
    let (kind, obj) = match v {
        Value::String(kind) => (kind.as_str(), None),
        Value::Object(obj) => {
            (obj.get("kind").and_then(Value::as_str).ok_or(".kind: is required (a string)")?, Some(obj))
        }
        _ => return Err(": must be a string or an object".to_owned()),
    };
    let field = |name: &str| obj.and_then(|o| o.get(name));
    let number = |name: &str| -> Result<u64, String> {
        field(name).and_then(Value::as_u64).ok_or_else(|| format!(".{name}: is required (an unsigned integer)"))
    };
    Ok(match kind {
        "status" => Fault::Status {
            status: u16::try_from(number("status")?)
                .ok()
                .filter(|s| (100..=999).contains(s))
                .ok_or(".status: must be an HTTP status from 100 to 999")?,
            retry_after: match field("retry_after") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => return Err(".retry_after: must be a string or a number".to_owned()),
            },
            create_task: match field("create_task") {
                None => false,
                Some(v) => v.as_bool().ok_or(".create_task: must be a boolean")?,
            },
        },
        "delay" => Fault::Delay(Duration::from_millis(number("ms")?)),
        "drop_before_read" => Fault::DropBeforeRead,
        "drop_after_read" => Fault::DropAfterRead,
        "malformed_json" => Fault::MalformedJson,
        "missing_task_id" => Fault::MissingTaskId,
        "oversize" => Fault::Oversize { bytes: usize::try_from(number("bytes")?).map_err(|_| ".bytes: too large")? },
        other => return Err(format!(".kind: unknown fault {other:?} (valid kinds: {})", FAULT_KINDS.join(", "))),
    })
}

/// A fault as `POST /_sim/faults` accepts it.
fn fault_json(fault: &Fault) -> Value {
    match fault {
        Fault::Status { status, retry_after, create_task } => {
            json!({ "kind": "status", "status": status, "retry_after": retry_after, "create_task": create_task })
        }
        Fault::Delay(d) => json!({ "kind": "delay", "ms": u64::try_from(d.as_millis()).unwrap_or(u64::MAX) }),
        Fault::DropBeforeRead => json!({ "kind": "drop_before_read" }),
        Fault::DropAfterRead => json!({ "kind": "drop_after_read" }),
        Fault::MalformedJson => json!({ "kind": "malformed_json" }),
        Fault::MissingTaskId => json!({ "kind": "missing_task_id" }),
        Fault::Oversize { bytes } => json!({ "kind": "oversize", "bytes": bytes }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_round_trip() {
        for fault in [
            Fault::Status { status: 503, retry_after: Some("2".into()), create_task: true },
            Fault::Status { status: 429, retry_after: None, create_task: false },
            Fault::Delay(Duration::from_millis(300)),
            Fault::DropBeforeRead,
            Fault::DropAfterRead,
            Fault::MalformedJson,
            Fault::MissingTaskId,
            Fault::Oversize { bytes: 4096 },
        ] {
            assert_eq!(parse_fault(&fault_json(&fault)), Ok(fault));
        }
        assert_eq!(parse_fault(&json!("malformed_json")), Ok(Fault::MalformedJson));
        assert!(parse_fault(&json!({"kind": "status"})).is_err());
        let routes = [Route::op("apixo", "submit"), Route::AnyConnection];
        assert!(parse_entry(&json!({"route": "apixo.nope", "fault": "drop_after_read"}), &routes).is_err());
        assert!(parse_entry(&json!({"route": "apixo.submit", "fault": "drop_after_read"}), &routes).is_ok());
    }
}
