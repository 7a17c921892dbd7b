//! APIXO `happyHorse`, written from spec/docs/apixo-happyhorse.txt, FACTS.md and the spec's
//! recorded decisions: `POST /api/v1/generateTask/happyHorse` and
//! `GET /api/v1/statusTask/happyHorse?taskId=<id>` (apixo-happyhorse.txt:26-30).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::callbacks;
use super::faults::SimProvider;
use super::flow::{self, Op, ProviderApi};
use super::http::ApiError;
use super::shared::Shared;
use super::state::{NewTask, Outcome, Phase, TaskView};
use super::validate::{as_integer, is_http_url, public_https_problem, show, type_name};

/// `POST /api/v1/generateTask/happyHorse`.
pub(crate) async fn submit(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::handle::<Apixo>(sim, Op::Submit, req).await
}

/// `GET /api/v1/statusTask/happyHorse?taskId=<id>`.
pub(crate) async fn status(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::handle::<Apixo>(sim, Op::Status, req).await
}

/// Any other method on the submit path: 405 in this provider's error shape.
pub(crate) async fn submit_wrong_method(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::wrong_method::<Apixo>(sim, req, "POST").await
}

/// Any other method on the status path: 405 in this provider's error shape.
pub(crate) async fn status_wrong_method(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    flow::wrong_method::<Apixo>(sim, req, "GET").await
}

/// The APIXO side of the request flow.
pub(crate) struct Apixo;

impl ProviderApi for Apixo {
    const PROVIDER: SimProvider = SimProvider::Apixo;
    // apixo-happyhorse.txt:197 "200 means the task was accepted."
    const SUCCESS_CODE: i64 = 200;

    fn status_message(status: u16) -> String {
        // apixo-happyhorse.txt:286-294 (the HTTP errors table).
        match status {
            400 => "Invalid request body, mode, parameter, media URL shape, or provider rejection",
            401 => "Missing or invalid API key",
            402 => "Insufficient balance or quota",
            403 => "Key or route cannot access the model",
            404 => "task not found",
            429 => "Rate limit or concurrency limit reached",
            500 => "Server error",
            502 => "Upstream provider error",
            504 => "Upstream timeout",
            _ => return format!("simulated HTTP status {status}"),
        }
        .to_owned()
    }

    fn too_large(limit: usize) -> ApiError {
        ApiError::new(400, format!("body: must be at most {limit} bytes"))
    }

    fn not_json(got: Option<&str>) -> ApiError {
        // The spec's decision on operations.submit: 400 in the error envelope.
        let got = got.map_or_else(|| "none".to_owned(), |v| format!("{v:?}"));
        ApiError::new(400, format!("Content-Type: must be application/json (got {got})"))
    }

    fn wrong_method(method: &str, path: &str, allow: &str) -> ApiError {
        ApiError::new(405, format!("method {method} is not allowed on {path}; use {allow}"))
    }

    fn submit(sim: &Arc<Shared>, body: &[u8], base: &str) -> Result<Value, ApiError> {
        let accepted = validate(body).map_err(|problems| ApiError::new(400, problems.join("; ")))?;
        let is_callback = accepted.callback_url.is_some();
        let view = sim.tasks.create(
            SimProvider::Apixo,
            NewTask {
                outcome: planned_outcome(accepted.prompt.as_deref()),
                body: accepted.body,
                base: base.to_owned(),
                callback_url: accepted.callback_url,
            },
            &sim.config.clock,
        );
        if is_callback {
            callbacks::schedule(sim, view.id.clone());
        }
        // apixo-happyhorse.txt:53-59.
        Ok(json!({ "code": 200, "message": "success", "data": { "taskId": view.id } }))
    }

    fn status_id(parts: &Parts) -> Result<String, ApiError> {
        // apixo-happyhorse.txt:30 "?taskId={taskId}"; the name is case-sensitive.
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|_| ApiError::new(400, "taskId: the query string is not valid"))?;
        match query.0.get("taskId") {
            Some(id) if !id.is_empty() => Ok(id.clone()),
            Some(_) => Err(ApiError::new(400, "taskId: must not be empty")),
            None => Err(ApiError::new(400, "taskId: is required (query parameter ?taskId=<id>)")),
        }
    }

    fn status_body(view: &TaskView, base: &str) -> Value {
        status_body(view, base)
    }

    fn strip_task_id(answer: &mut Value) {
        if let Some(data) = answer.get_mut("data").and_then(Value::as_object_mut) {
            data.remove("taskId");
        }
    }
}

/// The status answer, also the callback payload (apixo-happyhorse.txt:66-101, 205-230;
/// FACTS.md:41-43).
pub(crate) fn status_body(view: &TaskView, base: &str) -> Value {
    let mut data = Map::new();
    data.insert("taskId".into(), json!(view.id));
    match &view.phase {
        Phase::Pending => {
            data.insert("state".into(), json!("processing"));
        }
        Phase::Succeeded => {
            data.insert("state".into(), json!("success"));
            // apixo-happyhorse.txt:83, 215: a JSON *string* holding {"resultUrls": [...]}.
            let result = json!({ "resultUrls": [format!("{base}/files/{}/0.mp4", view.id)] });
            data.insert("resultJson".into(), json!(result.to_string()));
        }
        Phase::Failed { code, message } => {
            data.insert("state".into(), json!("failed"));
            data.insert("failCode".into(), json!(code));
            data.insert("failMsg".into(), json!(message));
        }
    }
    data.insert("createTime".into(), json!(view.create_ms));
    if let Some(complete) = view.complete_ms {
        data.insert("completeTime".into(), json!(complete));
        // apixo-happyhorse.txt:230 "Present after successful completion".
        if view.phase == Phase::Succeeded {
            data.insert("costTime".into(), json!(complete.saturating_sub(view.create_ms)));
        }
    }
    json!({ "code": 200, "message": "success", "data": data })
}

/// How a task whose prompt carries `sim:fail` ends: `sim:fail=<FailCode>` (or
/// `sim:fail="<Fail Code>"` for codes with spaces) fails with that code, `sim:fail` alone
/// with `PromptInvalid`.
fn planned_outcome(prompt: Option<&str>) -> Outcome {
    const MARKER: &str = "sim:fail";
    let Some(at) = prompt.and_then(|p| p.find(MARKER).map(|i| &p[i + MARKER.len()..])) else {
        return Outcome::Success;
    };
    let code = at.strip_prefix('=').and_then(|rest| match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => rest.split(char::is_whitespace).next(),
    });
    let code = code.filter(|c| !c.is_empty()).unwrap_or("PromptInvalid").to_owned();
    let message = fail_message(&code);
    Outcome::Failed { code, message }
}

/// `failMsg` for a fail code (apixo-happyhorse.txt:97, 298-304).
fn fail_message(code: &str) -> String {
    match code {
        "PromptInvalid" => "Prompt is invalid or rejected by provider",
        "SensitiveContent" | "SensitiveContentDetected" => "Prompt, input media, or output failed safety checks",
        "MissingParameter" | "BadRequest" => "Required mode-specific fields are missing or malformed",
        "RateLimited" | "RateLimitExceeded" => "Provider or APIXO rate limit was reached",
        "Timeout" | "Task TimeOut" => "The provider did not finish in time",
        "Unknown error" => "Upstream failure could not be mapped to a known category",
        other => return format!("simulated failure: {other}"),
    }
    .to_owned()
}

/// A request that passed every check.
struct Accepted {
    body: Value,
    prompt: Option<String>,
    callback_url: Option<String>,
}

const TOP_FIELDS: [&str; 3] = ["request_type", "callback_url", "input"];
// apixo-happyhorse.txt:181.
const REQUEST_TYPES: [&str; 2] = ["async", "callback"];
// apixo-happyhorse.txt:14.
const MODES: [&str; 4] = ["text-to-video", "image-to-video", "reference-to-video", "video-edit"];
// apixo-happyhorse.txt:20.
const RESOLUTIONS: [&str; 2] = ["720p", "1080p"];
// apixo-happyhorse.txt:19.
const RATIOS: [&str; 5] = ["16:9", "9:16", "1:1", "4:3", "3:4"];
// FACTS.md:50-55.
const AUDIO_SETTINGS: [&str; 2] = ["auto", "origin"];
// apixo-happyhorse.txt:16 "Up to 2500 characters" (Unicode scalar values: decision 3).
const PROMPT_MAX: usize = 2500;
// apixo-happyhorse.txt:21.
const DURATION: (i128, i128) = (3, 15);

/// Every field any mode knows, in the order problems are reported.
const INPUT_FIELDS: [&str; 9] =
    ["mode", "prompt", "image_urls", "video_urls", "resolution", "ratio", "duration", "audio_setting", "watermark"];

/// Whether a field must or may be present in a mode.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
}

/// The fields a mode allows (anything else is rejected), with item limits for URL lists.
fn mode_fields(mode: &str) -> &'static [(&'static str, Presence)] {
    use Presence::{Optional, Required};
    match mode {
        // apixo-happyhorse.txt:15, 19-21; 110-120.
        "text-to-video" => &[
            ("prompt", Required),
            ("resolution", Optional),
            ("ratio", Optional),
            ("duration", Optional),
            ("watermark", Optional),
        ],
        // apixo-happyhorse.txt:15, 17, 309, 312-313; 124-136.
        "image-to-video" => &[
            ("image_urls", Required),
            ("prompt", Optional),
            ("resolution", Optional),
            ("duration", Optional),
            ("watermark", Optional),
        ],
        // apixo-happyhorse.txt:15, 17, 310; 140-154.
        "reference-to-video" => &[
            ("prompt", Required),
            ("image_urls", Required),
            ("resolution", Optional),
            ("ratio", Optional),
            ("duration", Optional),
            ("watermark", Optional),
        ],
        // apixo-happyhorse.txt:15, 17-18, 22, 311-313; 158-173.
        "video-edit" => &[
            ("prompt", Required),
            ("video_urls", Required),
            ("image_urls", Optional),
            ("resolution", Optional),
            ("audio_setting", Optional),
            ("watermark", Optional),
        ],
        _ => &[],
    }
}

/// Item count limits of a URL list in a mode (apixo-happyhorse.txt:17-18).
fn items_limit(mode: &str, field: &str) -> (usize, usize) {
    match (mode, field) {
        ("image-to-video", "image_urls") | (_, "video_urls") => (1, 1),
        ("reference-to-video", "image_urls") => (1, 9),
        _ => (0, 5),
    }
}

fn validate(bytes: &[u8]) -> Result<Accepted, Vec<String>> {
    let body: Value = serde_json::from_slice(bytes).map_err(|e| vec![format!("body: is not valid JSON ({e})")])?;
    let Some(top) = body.as_object() else {
        return Err(vec![format!("body: must be a JSON object (got {})", type_name(&body))]);
    };
    let mut problems = Vec::new();
    for key in top.keys().filter(|k| !TOP_FIELDS.contains(&k.as_str())) {
        problems.push(format!("{key}: unknown field (allowed: {})", TOP_FIELDS.join(", ")));
    }

    // request_type: required even though documented with a default (decision 6).
    let request_type = match top.get("request_type") {
        None => {
            problems.push(format!("request_type: is required (one of {})", REQUEST_TYPES.join(", ")));
            None
        }
        Some(Value::String(s)) if REQUEST_TYPES.contains(&s.as_str()) => Some(s.as_str()),
        Some(other) => {
            problems.push(format!("request_type: must be one of {} (got {})", REQUEST_TYPES.join(", "), show(other)));
            None
        }
    };

    // callback_url: apixo-happyhorse.txt:182-184.
    let callback_url = match (top.get("callback_url"), request_type) {
        (Some(_), Some("async")) => {
            problems.push("callback_url: is only allowed when request_type is callback".to_owned());
            None
        }
        (None, Some("callback")) => {
            problems.push("callback_url: is required when request_type is callback".to_owned());
            None
        }
        (None, _) => None,
        (Some(Value::String(url)), _) => match public_https_problem(url) {
            None => Some(url.clone()),
            Some(why) => {
                problems.push(format!("callback_url: must be a public HTTPS URL: {why} (got {})", show(&json!(url))));
                None
            }
        },
        (Some(other), _) => {
            problems.push(format!("callback_url: must be a public HTTPS URL string (got {})", type_name(other)));
            None
        }
    };

    let mut prompt = None;
    match top.get("input") {
        None => problems.push("input: is required".to_owned()),
        Some(Value::Object(input)) => prompt = check_input(input, &mut problems),
        Some(other) => problems.push(format!("input: must be a JSON object (got {})", type_name(other))),
    }

    if problems.is_empty() { Ok(Accepted { body, prompt, callback_url }) } else { Err(problems) }
}

/// Checks `input`; returns its prompt.
fn check_input(input: &Map<String, Value>, problems: &mut Vec<String>) -> Option<String> {
    let mode = match input.get("mode") {
        None => {
            problems.push(format!("input.mode: is required (one of {})", MODES.join(", ")));
            None
        }
        Some(Value::String(m)) if MODES.contains(&m.as_str()) => Some(m.as_str()),
        Some(other) => {
            problems.push(format!("input.mode: must be one of {} (got {})", MODES.join(", "), show(other)));
            None
        }
    };
    let allowed = mode.map(mode_fields).unwrap_or_default();
    let allowed_names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
    for key in input.keys().filter(|k| !INPUT_FIELDS.contains(&k.as_str())) {
        // Like the top level, say what is allowed: the mode's fields once the mode is known.
        let listed = match mode {
            Some(mode) => format!(" in mode {mode}: mode, {}", allowed_names.join(", ")),
            None => format!(": {}", INPUT_FIELDS.join(", ")),
        };
        problems.push(format!("input.{key}: unknown field (allowed{listed})"));
    }
    let mode = mode?;
    for field in INPUT_FIELDS.iter().skip(1) {
        let value = input.get(*field);
        match (allowed.iter().find(|(name, _)| name == field), value) {
            (None, Some(_)) => problems.push(format!(
                "input.{field}: not allowed in mode {mode} (allowed: mode, {})",
                allowed_names.join(", ")
            )),
            (Some((_, Presence::Required)), None) => {
                problems.push(format!("input.{field}: is required in mode {mode}"))
            }
            (Some(_), Some(value)) => check_field(mode, field, value, problems),
            _ => {}
        }
    }
    input.get("prompt").and_then(Value::as_str).map(str::to_owned)
}

fn check_field(mode: &str, field: &str, value: &Value, problems: &mut Vec<String>) {
    let path = format!("input.{field}");
    match field {
        "prompt" => match value {
            Value::String(s) => {
                let len = s.chars().count();
                // Empty is rejected even where the prompt is optional (decision 7).
                if len == 0 || len > PROMPT_MAX {
                    problems.push(format!("{path}: must be 1 to {PROMPT_MAX} characters long (got {len})"));
                }
            }
            other => problems
                .push(format!("{path}: must be a string of 1 to {PROMPT_MAX} characters (got {})", type_name(other))),
        },
        "image_urls" | "video_urls" => check_urls(mode, field, value, problems),
        "resolution" => check_enum(&path, &RESOLUTIONS, value, problems),
        "ratio" => check_enum(&path, &RATIOS, value, problems),
        "audio_setting" => check_enum(&path, &AUDIO_SETTINGS, value, problems),
        "duration" => match as_integer(value) {
            Some(n) if (DURATION.0..=DURATION.1).contains(&n) => {}
            _ => problems.push(format!(
                "{path}: must be an integer from {} to {} (got {})",
                DURATION.0,
                DURATION.1,
                show(value)
            )),
        },
        "watermark" if !value.is_boolean() => {
            problems.push(format!("{path}: must be a boolean (got {})", show(value)));
        }
        _ => {}
    }
}

fn check_urls(mode: &str, field: &str, value: &Value, problems: &mut Vec<String>) {
    let (min, max) = items_limit(mode, field);
    let count = if min == max { format!("exactly {min}") } else { format!("{min} to {max}") };
    let Some(items) = value.as_array() else {
        problems.push(format!("input.{field}: must be an array of {count} URLs (got {})", type_name(value)));
        return;
    };
    if items.len() < min || items.len() > max {
        problems.push(format!("input.{field}: must contain {count} URLs in mode {mode} (got {})", items.len()));
    }
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(url) if is_http_url(url) => {}
            other => problems.push(format!(
                "input.{field}[{i}]: must be a URL starting with http:// or https:// (got {})",
                show(other)
            )),
        }
    }
}

fn check_enum(path: &str, allowed: &[&str], value: &Value, problems: &mut Vec<String>) {
    if !value.as_str().is_some_and(|s| allowed.contains(&s)) {
        problems.push(format!("{path}: must be one of {} (got {})", allowed.join(", "), show(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: Value) -> Vec<String> {
        match validate(body.to_string().as_bytes()) {
            Ok(_) => Vec::new(),
            Err(p) => p,
        }
    }

    #[test]
    fn mode_rules() {
        let ok =
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["http://x/a.png"]}});
        assert!(problems(ok).is_empty());
        let p = problems(json!({"request_type": "async", "input": {"mode": "image-to-video",
            "image_urls": ["https://x/a.png"], "ratio": "16:9", "prompt": ""}}));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].starts_with("input.prompt: must be 1 to 2500"), "{p:?}");
        assert!(p[1].starts_with("input.ratio: not allowed in mode image-to-video"), "{p:?}");
        let p = problems(json!({"request_type": "async", "input": {"mode": "video-edit", "prompt": "x",
            "video_urls": ["https://x/v.mp4"], "image_urls": ["a", "b", "c", "d", "e", "https://f"]}}));
        assert!(p.iter().any(|m| m.contains("input.image_urls: must contain 0 to 5 URLs")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("input.image_urls[4]:")), "{p:?}");
        assert!(!p.iter().any(|m| m.starts_with("input.image_urls[5]:")), "{p:?}");
    }

    #[test]
    fn fail_marker() {
        assert_eq!(planned_outcome(Some("a cat")), Outcome::Success);
        assert_eq!(planned_outcome(None), Outcome::Success);
        let Outcome::Failed { code, .. } = planned_outcome(Some("x sim:fail y")) else { panic!() };
        assert_eq!(code, "PromptInvalid");
        let Outcome::Failed { code, .. } = planned_outcome(Some("x sim:fail=Timeout y")) else { panic!() };
        assert_eq!(code, "Timeout");
        let Outcome::Failed { code, .. } = planned_outcome(Some("sim:fail=\"Unknown error\"")) else { panic!() };
        assert_eq!(code, "Unknown error");
    }
}
