//! Modellix `happyhorse-1.0-r2v`, written from spec/docs/modellix-happyhorse-1.0-r2v.txt,
//! FACTS.md ("Modellix: querying a task") and the spec's recorded decisions:
//! `POST /api/v1/alibaba/happyhorse-1.0-r2v/async` (modellix-happyhorse-1.0-r2v.txt:8) and
//! `GET /api/v1/tasks/{task_id}` (FACTS.md:18).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::faults::SimProvider;
use super::flow::{self, Op, ProviderApi};
use super::http::ApiError;
use super::shared::Shared;
use super::state::{NewTask, Outcome, Phase, TaskView};
use super::validate::{as_integer, is_http_url, show, type_name};

/// The model id answered in `data.model_id`.
pub(crate) const MODEL_ID: &str = "happyhorse-1.0-r2v";

/// `POST /api/v1/alibaba/happyhorse-1.0-r2v/async`.
pub(crate) async fn submit(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::handle::<Modellix>(sim, Op::Submit, req).await
}

/// `GET /api/v1/tasks/{task_id}`.
pub(crate) async fn status(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::handle::<Modellix>(sim, Op::Status, req).await
}

/// Any other method on the submit path: 405 in this provider's error shape.
pub(crate) async fn submit_wrong_method(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::wrong_method::<Modellix>(sim, req, "POST").await
}

/// Any other method on the status path: 405 in this provider's error shape.
pub(crate) async fn status_wrong_method(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::wrong_method::<Modellix>(sim, req, "GET").await
}

/// The Modellix side of the request flow.
pub(crate) struct Modellix;

impl ProviderApi for Modellix {
    const PROVIDER: SimProvider = SimProvider::Modellix;
    // modellix-happyhorse-1.0-r2v.txt:131 "Response code, 0 indicates success".
    const SUCCESS_CODE: i64 = 0;

    fn status_message(status: u16) -> String {
        // FACTS.md:26-33: "<Category>: <detail>" and the status table.
        match status {
            400 => "Invalid parameters: bad request",
            401 => "Authentication failed: missing, invalid or expired API key",
            402 => "Insufficient balance: top up the account",
            404 => "Invalid parameters: task not found",
            429 => "Rate limit exceeded: rate or concurrency limit reached",
            500 => "Internal error: the server failed to process the request",
            503 => "Service unavailable: circuit open",
            _ => return format!("Simulated error: HTTP status {status}"),
        }
        .to_owned()
    }

    fn not_json(got: Option<&str>) -> ApiError {
        // The spec's decision on operations.submit: 400 "Invalid format: ..." (FACTS.md:26-27).
        let got = got.map_or_else(|| "none".to_owned(), |v| format!("{v:?}"));
        ApiError::new(400, format!("Invalid format: header 'Content-Type' must be application/json (got {got})"))
    }

    fn wrong_method(method: &str, path: &str, allow: &str) -> ApiError {
        ApiError::new(405, format!("Invalid parameters: method {method} is not allowed on {path}; use {allow}"))
    }

    fn too_large(limit: usize) -> ApiError {
        ApiError::new(400, format!("Value out of range: request body must be at most {limit} bytes"))
    }

    fn submit(sim: &Arc<Shared>, body: &[u8], base: &str) -> Result<Value, ApiError> {
        let (stored, failing) = validate(body).map_err(|problems| ApiError::new(400, problems.join("; ")))?;
        let outcome = if failing {
            Outcome::Failed { code: "failed".to_owned(), message: "simulated failure (sim:fail)".to_owned() }
        } else {
            Outcome::Success
        };
        let view = sim.tasks.create(
            SimProvider::Modellix,
            NewTask { body: stored, outcome, base: base.to_owned(), callback_url: None },
            &sim.config.clock,
        );
        // modellix-happyhorse-1.0-r2v.txt:19-31; get_result per FACTS.md:18-19.
        Ok(json!({
            "code": 0,
            "message": "success",
            "data": {
                "status": "pending",
                "task_id": view.id,
                "model_id": MODEL_ID,
                "get_result": { "method": "GET", "url": format!("{base}/api/v1/tasks/{}", view.id) },
            },
        }))
    }

    fn status_id(parts: &Parts) -> Result<String, ApiError> {
        match parts.uri.path().strip_prefix("/api/v1/tasks/") {
            Some(id) if !id.is_empty() && !id.contains('/') => Ok(id.to_owned()),
            _ => Err(ApiError::new(400, "Invalid parameters: parameter 'task_id' is required")),
        }
    }

    fn status_body(view: &TaskView, base: &str) -> Value {
        // FACTS.md:20-24.
        let mut data = Map::new();
        let status = match view.phase {
            Phase::Pending => "pending",
            Phase::Succeeded => "success",
            Phase::Failed { .. } => "failed",
        };
        data.insert("status".into(), json!(status));
        data.insert("task_id".into(), json!(view.id));
        data.insert("model_id".into(), json!(MODEL_ID));
        if view.phase == Phase::Succeeded {
            let (width, height) = dimensions(&view.body);
            data.insert(
                "result".into(),
                json!({ "resources": [{
                    "url": format!("{base}/files/{}/0.mp4", view.id),
                    "type": "video",
                    "width": width,
                    "height": height,
                    "format": "mp4",
                }] }),
            );
        }
        json!({ "code": 0, "message": "success", "data": data })
    }

    fn strip_task_id(answer: &mut Value) {
        if let Some(data) = answer.get_mut("data").and_then(Value::as_object_mut) {
            data.remove("task_id");
            // get_result's URL names the task too.
            data.remove("get_result");
        }
    }
}

/// Output size for the request's resolution (default 1080P, line 74) and ratio (default
/// 16:9, line 84); "scales to the nearest total pixels" (line 76).
fn dimensions(body: &Value) -> (u32, u32) {
    let p720 = body.get("resolution").and_then(Value::as_str) == Some("720P");
    let ratio = body.get("ratio").and_then(Value::as_str).unwrap_or("16:9");
    let (w, h) = match ratio {
        "9:16" => (1080, 1920),
        "1:1" => (1440, 1440),
        "4:3" => (1440, 1080),
        "3:4" => (1080, 1440),
        _ => (1920, 1080),
    };
    if p720 { (w * 2 / 3, h * 2 / 3) } else { (w, h) }
}

const FIELDS: [&str; 6] = ["reference_images", "prompt", "resolution", "ratio", "duration", "seed"];
// Lines 57 "Required array length: 1 - 9 elements".
const IMAGES: (usize, usize) = (1, 9);
// Line 63-65: 5000 weighted units, CJK ideographs count 2 (decision 1).
const PROMPT_MAX: usize = 5000;
// Lines 78-80.
const RESOLUTIONS: [&str; 2] = ["720P", "1080P"];
// Lines 87-92.
const RATIOS: [&str; 5] = ["16:9", "9:16", "1:1", "4:3", "3:4"];
// Line 113.
const DURATION: (i128, i128) = (3, 15);
// Line 119.
const SEED: (i128, i128) = (0, 2_147_483_647);

/// Weight of a character in the prompt length: 2 for a CJK ideograph, else 1 (decision 1:
/// U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+20000-3FFFF).
pub(crate) fn weight(c: char) -> usize {
    match u32::from(c) {
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x2_0000..=0x3_FFFF => 2,
        _ => 1,
    }
}

/// Weighted length of a prompt.
pub(crate) fn weighted_len(s: &str) -> usize {
    s.chars().map(weight).sum()
}

/// The longest prefix of `s` within `max` weighted units (line 63 "automatically truncated
/// if exceeded").
fn truncate(s: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += weight(c);
        if used > max {
            return &s[..i];
        }
    }
    s
}

/// Checks a submit body; returns the body to store (prompt truncated) and whether the
/// prompt carries the `sim:fail` marker.
fn validate(bytes: &[u8]) -> Result<(Value, bool), Vec<String>> {
    let mut body: Value = serde_json::from_slice(bytes)
        .map_err(|e| vec![format!("Invalid format: request body is not valid JSON ({e})")])?;
    let Some(top) = body.as_object_mut() else {
        return Err(vec![format!("Invalid format: request body must be a JSON object (got {})", type_name(&body))]);
    };
    let mut problems = Vec::new();
    for key in top.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        problems
            .push(format!("Invalid parameters: parameter '{key}' is not supported (allowed: {})", FIELDS.join(", ")));
    }

    // reference_images: lines 51-58.
    match top.get("reference_images") {
        None => problems.push("Invalid parameters: parameter 'reference_images' is required".to_owned()),
        Some(Value::Array(items)) => {
            if items.len() < IMAGES.0 || items.len() > IMAGES.1 {
                problems.push(format!(
                    "Value out of range: parameter 'reference_images' must contain {} to {} images (got {})",
                    IMAGES.0,
                    IMAGES.1,
                    items.len()
                ));
            }
            for (i, item) in items.iter().enumerate() {
                if !item.as_str().is_some_and(is_http_url) {
                    problems.push(format!(
                        "Invalid format: parameter 'reference_images[{i}]' must be a URL matching ^https?:// (got {})",
                        show(item)
                    ));
                }
            }
        }
        Some(other) => problems.push(format!(
            "Invalid format: parameter 'reference_images' must be an array of URLs (got {})",
            type_name(other)
        )),
    }

    // prompt: lines 59-65. The example error is FACTS.md:27.
    let mut failing = false;
    match top.get_mut("prompt") {
        None => problems.push("Invalid parameters: parameter 'prompt' is required".to_owned()),
        Some(Value::String(prompt)) => {
            if prompt.is_empty() {
                problems.push(format!(
                    "Value out of range: parameter 'prompt' must be 1 to {PROMPT_MAX} characters long (got 0)"
                ));
            } else if weighted_len(prompt) > PROMPT_MAX {
                // Not rejected: the server truncates (line 63).
                *prompt = truncate(prompt, PROMPT_MAX).to_owned();
            }
            failing = prompt.contains("sim:fail");
        }
        Some(other) => {
            problems.push(format!("Invalid format: parameter 'prompt' must be a string (got {})", type_name(other)))
        }
    }

    check_enum(top.get("resolution"), "resolution", &RESOLUTIONS, &mut problems);
    check_enum(top.get("ratio"), "ratio", &RATIOS, &mut problems);
    check_integer(top.get("duration"), "duration", DURATION, &mut problems);
    check_integer(top.get("seed"), "seed", SEED, &mut problems);

    if problems.is_empty() { Ok((body, failing)) } else { Err(problems) }
}

fn check_enum(value: Option<&Value>, name: &str, allowed: &[&str], problems: &mut Vec<String>) {
    let Some(value) = value else {
        return;
    };
    let category = match value.as_str() {
        Some(s) if allowed.contains(&s) => return,
        Some(_) => "Invalid parameters",
        None => "Invalid format",
    };
    problems.push(format!(
        "{category}: parameter '{name}' must be one of {} (got {})",
        allowed.join(", "),
        show(value)
    ));
}

fn check_integer(value: Option<&Value>, name: &str, (min, max): (i128, i128), problems: &mut Vec<String>) {
    let Some(value) = value else {
        return;
    };
    let category = match as_integer(value) {
        Some(n) if (min..=max).contains(&n) => return,
        Some(_) => "Value out of range",
        None => "Invalid format",
    };
    problems
        .push(format!("{category}: parameter '{name}' must be an integer from {min} to {max} (got {})", show(value)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_truncation() {
        assert_eq!(weighted_len("a中\u{20000}。"), 1 + 2 + 2 + 1);
        assert_eq!(truncate("ab中", 3), "ab");
        assert_eq!(truncate("ab中", 4), "ab中");
        let long = "中".repeat(2501);
        assert_eq!(weighted_len(truncate(&long, PROMPT_MAX)), PROMPT_MAX);
        let odd = format!("a{}", "中".repeat(2500));
        assert_eq!(weighted_len(truncate(&odd, PROMPT_MAX)), PROMPT_MAX - 1);
    }

    #[test]
    fn categories() {
        let err = validate(br#"{"reference_images": ["https://x/a.png"]}"#).unwrap_err();
        assert_eq!(err, vec!["Invalid parameters: parameter 'prompt' is required".to_owned()]);
        let err = validate(br#"{"reference_images": [], "prompt": "x", "duration": 5.5, "seed": -1}"#).unwrap_err();
        assert_eq!(err.len(), 3, "{err:?}");
        assert!(err[0].starts_with("Value out of range: parameter 'reference_images'"));
        assert!(err[1].starts_with("Invalid format: parameter 'duration'"));
        assert!(err[2].starts_with("Value out of range: parameter 'seed'"));
        // JSON does not tell 5.0 from 5: an integral number is an integer.
        assert!(validate(br#"{"reference_images": ["https://x/a.png"], "prompt": "x", "duration": 5.0}"#).is_ok());
    }

    #[test]
    fn dimensions_follow_request() {
        assert_eq!(dimensions(&json!({})), (1920, 1080));
        assert_eq!(dimensions(&json!({"resolution": "720P"})), (1280, 720));
        assert_eq!(dimensions(&json!({"resolution": "720P", "ratio": "9:16"})), (720, 1280));
    }
}
