//! The provider simulator over real HTTP: documented examples, validation, auth, task
//! lifecycles, fault injection, callbacks and result files.
//!
//! Time is the simulator's manual clock: nothing here waits on the wall clock. A test moves
//! the clock with `advance` and waits for events (a sleep started, a delivery ended), each
//! under a generous timeout that only a hang reaches.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use happyhorse_client::{apixo, modellix};
use happyhorse_codegen::ir::{ExampleKind, Module};
use happyhorse_conformance::simulator::{
    DeliveryEnd, Fault, MANUAL_CLOCK_START_UNIX_MS, ORIGINAL_URL_HEADER, Route, SimClock, SimConfig, Simulator,
    fake_video_bytes,
};
use serde_json::{Value, json};

const KEY: &str = "test-key";
// apixo-happyhorse.txt:27-30 (base URL https://api.apixo.ai/api/v1).
const APIXO_SUBMIT: &str = "/api/v1/generateTask/happyHorse";
// modellix-happyhorse-1.0-r2v.txt:8; FACTS.md:18, 34.
const MODELLIX_SUBMIT: &str = "/api/v1/alibaba/happyhorse-1.0-r2v/async";

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every module of the workspace's specs, as the simulator plays them.
fn modules() -> Vec<Module> {
    happyhorse_codegen::output::load_all(&root()).expect("the specs load")
}

fn module(name: &str) -> Module {
    modules().into_iter().find(|m| m.module == name).expect("the module")
}

/// The documented examples of `module` of `kind` (the spec's `[[examples]]`, verbatim from
/// the docs): `(name, operation, JSON text)`.
fn documented(module_name: &str, kind: ExampleKind) -> Vec<(String, String, String)> {
    module(module_name).examples.into_iter().filter(|e| e.kind == kind).map(|e| (e.name, e.operation, e.json)).collect()
}

fn apixo_submit() -> Route {
    Route::op("apixo", "submit")
}

fn apixo_status_route() -> Route {
    Route::op("apixo", "status")
}

fn modellix_submit() -> Route {
    Route::op("modellix", "r2v")
}

fn modellix_status_route() -> Route {
    Route::op("modellix", "status")
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// One answer: status, headers, raw body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or_default().to_owned()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

async fn send(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(Answer { status, headers, body })
}

async fn post(sim: &Simulator, path: &str, key: Option<&str>, body: &str) -> Answer {
    try_post(sim, path, key, body).await.expect("request failed")
}

async fn try_post(sim: &Simulator, path: &str, key: Option<&str>, body: &str) -> Result<Answer, reqwest::Error> {
    let mut request = http()
        .post(format!("{}{path}", sim.base_url()))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    send(request).await
}

async fn get(sim: &Simulator, path: &str, key: Option<&str>) -> Answer {
    try_get(sim, path, key).await.expect("request failed")
}

async fn try_get(sim: &Simulator, path: &str, key: Option<&str>) -> Result<Answer, reqwest::Error> {
    let mut request = http().get(format!("{}{path}", sim.base_url()));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    send(request).await
}

async fn apixo_status(sim: &Simulator, id: &str) -> Answer {
    get(sim, &format!("/api/v1/statusTask/happyHorse?taskId={id}"), Some(KEY)).await
}

async fn modellix_status(sim: &Simulator, id: &str) -> Answer {
    get(sim, &format!("/api/v1/tasks/{id}"), Some(KEY)).await
}

async fn start(config: SimConfig) -> Simulator {
    Simulator::start(modules(), config).await.expect("simulator starts")
}

/// Tasks stay pending until polled `polls` times: the manual clock never moves by itself.
fn polls(polls: u32) -> SimConfig {
    SimConfig { polls_to_finish: polls, clock: SimClock::manual(), ..SimConfig::default() }
}

/// Awaits an event the test is sure will come; a hang fails with `what` instead of stalling.
async fn soon<T>(what: &str, event: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), event).await.unwrap_or_else(|_| panic!("never happened: {what}"))
}

fn t2v(prompt: &str) -> String {
    json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": prompt}}).to_string()
}

fn r2v(prompt: &str) -> String {
    json!({"reference_images": ["https://example.com/a.png"], "prompt": prompt}).to_string()
}

fn assert_error(answer: &Answer, status: u16, needles: &[&str]) {
    let body = answer.json();
    assert_eq!(answer.status, status, "{body}");
    assert_eq!(body["code"], json!(status), "{body}");
    let message = body["message"].as_str().expect("message is a string");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Documented examples
// ---------------------------------------------------------------------------------------

/// Every documented APIXO request is accepted; the submit answer is the documented one
/// (apixo-happyhorse.txt:53-59) with this task's id, and a first status query answers the
/// documented processing shape (apixo-happyhorse.txt:67-75).
#[tokio::test]
async fn apixo_documented_examples_are_accepted_in_the_documented_shape() {
    let sim = start(polls(100)).await;
    let requests = documented("apixo", ExampleKind::Request);
    assert!(requests.len() >= 6, "{requests:?}");
    for (n, (name, _, body)) in requests.iter().enumerate() {
        let answer = post(&sim, APIXO_SUBMIT, Some(KEY), body).await;
        let id = format!("apixo-task-{}", n + 1);
        assert_eq!(answer.status, 200, "{name}: {}", String::from_utf8_lossy(&answer.body));
        assert_eq!(answer.json(), json!({"code": 200, "message": "success", "data": {"taskId": id}}), "{name}");
        assert_eq!(apixo::SubmitResponse::from_json_slice(&answer.body).expect("decodes").data.task_id, id);

        let status = apixo_status(&sim, &id).await;
        assert_eq!(status.status, 200);
        let v = status.json();
        assert_eq!(v["code"], 200);
        assert_eq!(v["message"], "success");
        assert_eq!(v["data"]["taskId"], json!(id));
        assert_eq!(v["data"]["state"], "processing");
        assert!(v["data"]["createTime"].is_u64());
        assert_eq!(v["data"].as_object().map(|d| d.len()), Some(3), "{v}");
        let decoded = apixo::StatusResponse::from_json_slice(&status.body).expect("decodes");
        assert_eq!(decoded.data.state, apixo::TaskState::Processing);

        let stored = sim.task("apixo", &id).expect("stored");
        assert_eq!(stored.body, serde_json::from_str::<Value>(body).expect("example is JSON"));
        assert_eq!((stored.state.as_str(), stored.operation.as_str()), ("processing", "submit"));
        assert_eq!(stored.polls, 1);
    }
    assert_eq!(sim.tasks_created("apixo"), requests.len() as u64);
    assert_eq!(sim.tasks_created("modellix"), 0);
    assert_eq!(sim.requests(&apixo_submit()), requests.len() as u64);
    assert_eq!(sim.requests(&apixo_status_route()), requests.len() as u64);
}

/// The documented Modellix request is accepted and answered with the documented submit
/// answer (modellix-happyhorse-1.0-r2v.txt:19-31), this task's id and query URL put in;
/// `get_result.url` queries the task (FACTS.md:18-22); a body without a prompt gets exactly
/// the documented error (FACTS.md:26-27).
#[tokio::test]
async fn modellix_documented_example_is_accepted_in_the_documented_shape() {
    let sim = start(polls(100)).await;
    let (_, _, request) =
        documented("modellix", ExampleKind::Request).into_iter().find(|(_, op, _)| op == "r2v").expect("a request");
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &request).await;
    assert_eq!(answer.status, 200);
    let (_, _, accepted) = documented("modellix", ExampleKind::Response).into_iter().next().expect("the answer");
    let mut expected: Value = serde_json::from_str(&accepted).expect("JSON");
    expected["data"]["task_id"] = json!("modellix-task-1");
    expected["data"]["get_result"]["url"] = json!(format!("{}/api/v1/tasks/modellix-task-1", sim.base_url()));
    assert_eq!(answer.json(), expected);
    let decoded = modellix::SubmitResponse::from_json_slice(&answer.body).expect("decodes");
    assert_eq!(decoded.data.task_id, "modellix-task-1");

    // get_result.url is where the task is queried.
    let url = answer.json()["data"]["get_result"]["url"].as_str().expect("url").to_owned();
    let status = send(http().get(url).bearer_auth(KEY)).await.expect("query");
    assert_eq!(
        status.json(),
        json!({"code": 0, "message": "success", "data": {"status": "pending", "task_id": "modellix-task-1"}})
    );
    assert_eq!(
        modellix::TaskResponse::from_json_slice(&status.body).expect("decodes").data.status,
        modellix::TaskStatus::Pending
    );

    // The documented error example, exactly.
    let (_, _, error) = documented("modellix", ExampleKind::Error).into_iter().next().expect("the error");
    let missing =
        post(&sim, MODELLIX_SUBMIT, Some(KEY), r#"{"reference_images": ["https://example.com/girl.jpg"]}"#).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json(), serde_json::from_str::<Value>(&error).expect("JSON"));
    assert!(modellix::ErrorBody::from_json_slice(&missing.body).is_ok());
    assert_eq!(sim.tasks_created("modellix"), 1);
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn apixo_invalid_bodies_are_rejected_naming_the_field() {
    let sim = start(polls(100)).await;
    let images: Vec<String> = (0..10).map(|i| format!("https://example.com/{i}.png")).collect();
    let mut bad_images = images[..4].to_vec();
    bad_images[3] = "ftp://example.com/3.png".to_owned();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "duration": 16}}),
            vec!["parameter 'input.duration' must be at most 15 (got 16)"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "duration": 5.5}}),
            vec!["'input.duration'", "integer", "5.5"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "reference-to-video", "prompt": "x", "image_urls": images}}),
            vec!["'input.image_urls' must have at most 9 items (got 10)"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "reference-to-video", "prompt": "x", "image_urls": bad_images}}),
            vec!["'input.image_urls[3]'", "^https?://", "ftp://example.com/3.png"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png", "https://a/2.png"]}}),
            vec!["'input.image_urls' must have at most 1 item (got 2)"],
        ),
        (json!({"input": {"mode": "text-to-video", "prompt": "x"}}), vec!["parameter 'request_type' is required"]),
        (
            json!({"request_type": "callback", "callback_url": "http://example.com/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["'callback_url'", "^https://"],
        ),
        (
            json!({"request_type": "callback", "callback_url": "https://localhost/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["'callback_url'", "public host", "localhost"],
        ),
        (
            json!({"request_type": "callback", "callback_url": "https://10.0.0.1/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["'callback_url'", "public host", "private"],
        ),
        (
            json!({"request_type": "callback", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["parameter 'callback_url' is required"],
        ),
        (
            json!({"request_type": "async", "callback_url": "https://example.com/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["parameter 'callback_url' is not allowed here"],
        ),
        (
            json!({"request_type": "async", "model": "x", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["parameter 'model' is not a documented parameter here (allowed: request_type, input)"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "seed": 1}}),
            vec!["'input.seed' is not a documented parameter here"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png"], "ratio": "16:9"}}),
            vec![
                "'input.ratio' is not a documented parameter here (allowed: mode, prompt, image_urls, resolution, duration, watermark)",
            ],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png"], "prompt": ""}}),
            vec!["'input.prompt' must be at least 1 character long (got 0)"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "a".repeat(2501)}}),
            vec!["'input.prompt' must be at most 2500 characters long (got 2501)"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "resolution": "720P"}}),
            vec!["'input.resolution' must be one of 720p, 1080p (got \"720P\")"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "video-edit", "prompt": "x", "video_urls": ["https://a/v.mp4"], "duration": 5}}),
            vec!["'input.duration' is not a documented parameter here"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "video-edit", "prompt": "x", "video_urls": ["https://a/v.mp4"], "audio_setting": "none"}}),
            vec!["'input.audio_setting' must be one of auto, origin (got \"none\")"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-image", "prompt": "x"}}),
            vec!["'input.mode' must be one of text-to-video, image-to-video, reference-to-video, video-edit"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video"}}),
            vec!["parameter 'input.prompt' is required"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "watermark": "false"}}),
            vec!["'input.watermark' must be of type boolean"],
        ),
        (json!([1, 2]), vec!["request body must be of type object"]),
    ];
    for (body, needles) in &cases {
        let answer = post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await;
        assert_error(&answer, 400, needles);
        assert!(apixo::ErrorBody::from_json_slice(&answer.body).is_ok());
    }
    let answer = post(&sim, APIXO_SUBMIT, Some(KEY), "{\"request_type\": ").await;
    assert_error(&answer, 400, &["request body is not valid JSON"]);

    // Several problems are all reported, each with its path.
    let answer = post(
        &sim,
        APIXO_SUBMIT,
        Some(KEY),
        &json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "", "duration": 2}}).to_string(),
    )
    .await;
    assert_error(&answer, 400, &["'input.prompt'", "; ", "'input.duration'"]);
    assert_eq!(sim.tasks_created("apixo"), 0);

    // Boundaries that are accepted: 2500 astral-plane characters count 2500 (decision 3).
    for body in [
        t2v(&"\u{1F600}".repeat(2500)),
        json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "duration": 3}}).to_string(),
        json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "duration": 15}}).to_string(),
        json!({"request_type": "async", "input": {"mode": "reference-to-video", "prompt": "x", "image_urls": images[..9]}})
            .to_string(),
        json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["http://a/1.png"]}}).to_string(),
        json!({"request_type": "async", "input": {"mode": "video-edit", "prompt": "x", "video_urls": ["https://a/v.mp4"], "image_urls": []}})
            .to_string(),
    ] {
        let answer = post(&sim, APIXO_SUBMIT, Some(KEY), &body).await;
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    }
}

/// Modellix errors are `<Category>: <detail>` (FACTS.md:26-29); the simulator uses the
/// category of the documented 400 error (`Invalid parameters`, FACTS.md:27) for every
/// rejected body, and names each parameter as the documented message does.
#[tokio::test]
async fn modellix_invalid_bodies_are_rejected_with_categories() {
    let sim = start(polls(100)).await;
    let images: Vec<String> = (0..10).map(|i| format!("https://example.com/{i}.png")).collect();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"prompt": "x"}), vec!["parameter 'reference_images' is required"]),
        (
            json!({"reference_images": images, "prompt": "x"}),
            vec!["'reference_images' must have at most 9 items (got 10)"],
        ),
        (json!({"reference_images": [], "prompt": "x"}), vec!["'reference_images' must have at least 1 item (got 0)"]),
        (
            json!({"reference_images": ["ftp://example.com/a.png"], "prompt": "x"}),
            vec!["parameter 'reference_images[0]' must match ^https?://"],
        ),
        (
            json!({"reference_images": "https://example.com/a.png", "prompt": "x"}),
            vec!["'reference_images' must be of type array"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": ""}),
            vec!["'prompt' must be at least 1 character long (got 0)"],
        ),
        (json!({"reference_images": ["https://a/1.png"], "prompt": 5}), vec!["'prompt' must be of type string"]),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "resolution": "720p"}),
            vec!["'resolution' must be one of 720P, 1080P (got \"720p\")"],
        ),
        (json!({"reference_images": ["https://a/1.png"], "prompt": "x", "ratio": "21:9"}), vec!["parameter 'ratio'"]),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "duration": 16}),
            vec!["parameter 'duration' must be at most 15 (got 16)"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "duration": 5.5}),
            vec!["'duration' must be of type integer"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "seed": -1}),
            vec!["'seed' must be at least 0"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "seed": 2_147_483_648_u64}),
            vec!["'seed' must be at most 2147483647"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "negative_prompt": "y"}),
            vec![
                "'negative_prompt' is not a documented parameter here (allowed: reference_images, prompt, resolution, ratio, duration, seed)",
            ],
        ),
        (json!("x"), vec!["request body must be of type object"]),
    ];
    for (body, needles) in &cases {
        let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &body.to_string()).await;
        assert_error(&answer, 400, needles);
        let message = answer.message();
        assert!(message.starts_with("Invalid parameters: "), "{message}");
        assert!(modellix::ErrorBody::from_json_slice(&answer.body).is_ok());
    }
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), "not json").await;
    assert_error(&answer, 400, &["Invalid parameters: request body is not valid JSON"]);
    assert_eq!(sim.tasks_created("modellix"), 0);

    let full = json!({"reference_images": images[..9], "prompt": "x", "resolution": "720P", "ratio": "3:4",
        "duration": 15, "seed": 2_147_483_647});
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some(KEY), &full.to_string()).await.status, 200);
}

#[tokio::test]
async fn modellix_over_long_prompt_is_truncated_and_accepted() {
    let sim = start(polls(100)).await;
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v(&"中".repeat(2501))).await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let task = sim.task("modellix", "modellix-task-1").expect("stored");
    let prompt = task.body["prompt"].as_str().expect("prompt");
    assert_eq!(prompt.chars().count(), 2500);
    let weighted: usize = prompt.chars().map(|c| if ('\u{4E00}'..='\u{9FFF}').contains(&c) { 2 } else { 1 }).sum();
    assert_eq!(weighted, 5000);

    // 5000 non-Chinese characters are kept whole; 5001 lose the last.
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v(&"a".repeat(5000))).await;
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v(&"a".repeat(5001))).await;
    for id in ["modellix-task-2", "modellix-task-3"] {
        let task = sim.task("modellix", id).expect("stored");
        assert_eq!(task.body["prompt"].as_str().map(str::len), Some(5000));
    }
}

/// The spec's decision on `operations.submit`: a body that is not sent as
/// `application/json` is answered 400 in the provider's error shape, and creates nothing.
#[tokio::test]
async fn submits_not_sent_as_json_are_400_in_each_providers_shape() {
    let sim = start(polls(100)).await;
    let send_as = |path: &'static str, content_type: Option<&'static str>, body: String| {
        let mut request = http().post(format!("{}{path}", sim.base_url())).bearer_auth(KEY).body(body);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        send(request)
    };
    for (content_type, got) in [(Some("text/plain"), "\"text/plain\""), (None, "none")] {
        let answer = send_as(APIXO_SUBMIT, content_type, t2v("x")).await.expect("answer");
        assert_error(&answer, 400, &[&format!("header 'Content-Type' must be application/json (got {got})")]);
        assert!(apixo::ErrorBody::from_json_slice(&answer.body).is_ok());
        let answer = send_as(MODELLIX_SUBMIT, content_type, r2v("x")).await.expect("answer");
        assert_error(
            &answer,
            400,
            &[&format!("Invalid parameters: header 'Content-Type' must be application/json (got {got})")],
        );
        assert!(modellix::ErrorBody::from_json_slice(&answer.body).is_ok());
    }
    assert_eq!(sim.tasks_created("apixo") + sim.tasks_created("modellix"), 0);
    // Parameters and letter case do not matter.
    for ct in ["application/json; charset=utf-8", "Application/JSON"] {
        assert_eq!(send_as(APIXO_SUBMIT, Some(ct), t2v("x")).await.expect("answer").status, 200, "{ct}");
        assert_eq!(send_as(MODELLIX_SUBMIT, Some(ct), r2v("x")).await.expect("answer").status, 200, "{ct}");
    }
}

/// A method a path does not take is answered 405 with `Allow`, in the provider's error shape
/// (not an empty body; Modellix's undocumented 405 takes its first category).
#[tokio::test]
async fn wrong_methods_are_405_in_each_providers_shape() {
    let sim = start(polls(100)).await;
    let base = sim.base_url();
    let cases = [
        (
            http().get(format!("{base}{APIXO_SUBMIT}")),
            "POST",
            "method GET is not allowed on /api/v1/generateTask/happyHorse; use POST",
        ),
        (
            http().post(format!("{base}/api/v1/statusTask/happyHorse?taskId=apixo-task-1")),
            "GET",
            "method POST is not allowed",
        ),
        (
            http().get(format!("{base}{MODELLIX_SUBMIT}")),
            "POST",
            "Invalid parameters: method GET is not allowed on /api/v1/alibaba/happyhorse-1.0-r2v/async; use POST",
        ),
        (
            http().delete(format!("{base}/api/v1/tasks/modellix-task-1")),
            "GET",
            "Invalid parameters: method DELETE is not allowed",
        ),
    ];
    for (i, (request, allow, message)) in cases.into_iter().enumerate() {
        let answer = send(request.bearer_auth(KEY)).await.expect("answer");
        assert_error(&answer, 405, &[message]);
        assert_eq!(answer.headers.get("allow").and_then(|v| v.to_str().ok()), Some(allow));
        let decodes = if i < 2 {
            apixo::ErrorBody::from_json_slice(&answer.body).is_ok()
        } else {
            modellix::ErrorBody::from_json_slice(&answer.body).is_ok()
        };
        assert!(decodes, "{}", String::from_utf8_lossy(&answer.body));
    }
}

#[tokio::test]
async fn unknown_input_fields_list_the_allowed_ones() {
    let sim = start(polls(100)).await;
    let body = json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png"], "foo": 1}});
    assert_error(
        &post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await,
        400,
        &[
            "parameter 'input.foo' is not a documented parameter here (allowed: mode, prompt, image_urls, resolution, duration, watermark)",
        ],
    );
    let body = json!({"request_type": "async", "input": {"foo": 1}});
    assert_error(
        &post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await,
        400,
        &[
            "parameter 'input.mode' is required",
            "parameter 'input.foo' is not a documented parameter here (allowed: mode, prompt, resolution, ratio, duration, watermark, image_urls, video_urls, audio_setting)",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------

/// A missing, wrong or non-bearer key is 401 in each provider's error shape; Modellix's
/// message is `<Category>: <detail>` with the status table's meaning of 401 as the
/// category (FACTS.md:30-31, "401 bad/missing/expired key"), as no error example shows one.
#[tokio::test]
async fn missing_or_wrong_keys_are_401_in_each_providers_shape() {
    let sim = start(SimConfig { api_keys: vec!["k1".to_owned()], ..polls(100) }).await;
    for key in [None, Some("wrong"), Some("")] {
        let answer = post(&sim, APIXO_SUBMIT, key, &t2v("x")).await;
        assert_error(&answer, 401, &["missing or invalid API key (Authorization: Bearer <key>)"]);
        let answer = get(&sim, "/api/v1/statusTask/happyHorse?taskId=apixo-task-1", key).await;
        assert_error(&answer, 401, &["API key"]);
        let answer = post(&sim, MODELLIX_SUBMIT, key, &r2v("x")).await;
        assert_error(&answer, 401, &["Bad/missing/expired key: missing or invalid API key"]);
        assert!(modellix::ErrorBody::from_json_slice(&answer.body).is_ok());
        let answer = get(&sim, "/api/v1/tasks/modellix-task-1", key).await;
        assert_error(&answer, 401, &["Bad/missing/expired key: "]);
    }
    let basic = send(http().post(format!("{}{APIXO_SUBMIT}", sim.base_url())).header("Authorization", "Basic k1"))
        .await
        .expect("answer");
    assert_eq!(basic.status, 401);
    assert_eq!(sim.tasks_created("apixo") + sim.tasks_created("modellix"), 0);

    assert_eq!(post(&sim, APIXO_SUBMIT, Some("k1"), &t2v("x")).await.status, 200);
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some("k1"), &r2v("x")).await.status, 200);
    assert_eq!(sim.requests(&apixo_submit()), 5);
}

// ---------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn apixo_task_succeeds_after_the_configured_polls() {
    let sim = start(polls(2)).await;
    let id = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("a cat")).await.json()["data"]["taskId"].clone();
    let id = id.as_str().expect("id").to_owned();
    for _ in 0..2 {
        assert_eq!(apixo_status(&sim, &id).await.json()["data"]["state"], "processing");
    }
    let answer = apixo_status(&sim, &id).await;
    let v = answer.json();
    let data = &v["data"];
    assert_eq!(data["state"], "success", "{v}");
    let result_json = data["resultJson"].as_str().expect("resultJson is a JSON string");
    let url = format!("{}/files/apixo/{id}/0.mp4", sim.base_url());
    assert_eq!(serde_json::from_str::<Value>(result_json).expect("JSON inside"), json!({"resultUrls": [url]}));
    let (create, complete, cost) = (
        data["createTime"].as_u64().expect("u64"),
        data["completeTime"].as_u64().expect("u64"),
        data["costTime"].as_u64(),
    );
    assert!(complete >= create);
    assert_eq!(cost, Some(complete - create));
    assert!(data.get("failCode").is_none());

    let decoded = apixo::StatusResponse::from_json_slice(&answer.body).expect("decodes");
    assert_eq!(decoded.data.state, apixo::TaskState::Success);
    assert_eq!(decoded.data.result_json.expect("decoded resultJson").result_urls, vec![url.clone()]);

    // Terminal answers stay terminal.
    assert_eq!(apixo_status(&sim, &id).await.json()["data"]["state"], "success");
    let task = sim.task("apixo", &id).expect("stored");
    assert_eq!((task.state.as_str(), task.polls), ("success", 4));

    // The result file: deterministic bytes, no key needed.
    let file = send(http().get(&url)).await.expect("download");
    assert_eq!(file.status, 200);
    assert_eq!(file.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("video/mp4"));
    assert_eq!(file.body, fake_video_bytes(&id, 0, 1024));
    assert_eq!(sim.file_requests_with_authorization(), 0);
    let with_key = send(http().get(&url).bearer_auth(KEY)).await.expect("download");
    assert_eq!(with_key.status, 200);
    assert_eq!(sim.file_requests_with_authorization(), 1);
    assert_eq!(get(&sim, &format!("/files/apixo/{id}/1.mp4"), None).await.status, 404);
    assert_eq!(get(&sim, "/files/apixo/apixo-task-99/0.mp4", None).await.status, 404);
    assert_eq!(get(&sim, &format!("/files/modellix/{id}/0.mp4"), None).await.status, 404);
}

/// `sim:fail` fails the task with the first code of the fail-code table, `sim:fail=<Code>`
/// with that code (apixo-happyhorse.txt:296-304).
#[tokio::test]
async fn apixo_task_fails_with_the_marker_code() {
    let sim = start(polls(0)).await;
    for (prompt, code) in [
        ("a cat sim:fail", "PromptInvalid"),
        ("a cat sim:fail=SensitiveContent please", "SensitiveContent"),
        ("sim:fail=\"Unknown error\"", "Unknown error"),
    ] {
        let id = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v(prompt)).await.json()["data"]["taskId"].clone();
        let id = id.as_str().expect("id").to_owned();
        let answer = apixo_status(&sim, &id).await;
        let v = answer.json();
        assert_eq!(v["code"], 200);
        assert_eq!(v["data"]["state"], "failed", "{v}");
        assert_eq!(v["data"]["failCode"], code);
        assert!(v["data"]["failMsg"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(v["data"]["completeTime"].is_u64());
        assert!(v["data"].get("resultJson").is_none());
        let decoded = apixo::StatusResponse::from_json_slice(&answer.body).expect("decodes");
        assert_eq!(decoded.data.state, apixo::TaskState::Failed);
        assert_eq!(get(&sim, &format!("/files/apixo/{id}/0.mp4"), None).await.status, 404);
    }
    // The message is the meaning of the code in the fail-code table (apixo-happyhorse.txt:299).
    let first = apixo_status(&sim, "apixo-task-1").await.json();
    assert_eq!(first["data"]["failMsg"], "Prompt was invalid or rejected by the provider");
}

#[tokio::test]
async fn tasks_finish_when_the_run_time_has_passed() {
    let sim = start(SimConfig { run_time: Duration::from_millis(60), ..polls(100) }).await;
    post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(apixo_status(&sim, "apixo-task-1").await.json()["data"]["state"], "processing");
    sim.clock().advance(Duration::from_millis(59));
    assert_eq!(apixo_status(&sim, "apixo-task-1").await.json()["data"]["state"], "processing");
    assert_eq!(sim.task("modellix", "modellix-task-1").expect("stored").state, "pending");
    sim.clock().advance(Duration::from_millis(1));
    let v = apixo_status(&sim, "apixo-task-1").await.json();
    assert_eq!(v["data"]["state"], "success");
    assert_eq!(v["data"]["createTime"], MANUAL_CLOCK_START_UNIX_MS);
    assert_eq!(v["data"]["completeTime"], MANUAL_CLOCK_START_UNIX_MS + 60);
    assert_eq!(v["data"]["costTime"], 60);
    assert_eq!(sim.task("modellix", "modellix-task-1").expect("stored").state, "success");
    assert_eq!(modellix_status(&sim, "modellix-task-1").await.json()["data"]["status"], "success");
}

#[tokio::test]
async fn modellix_task_succeeds_and_fails() {
    let sim = start(polls(1)).await;
    let body = json!({"reference_images": ["https://example.com/a.png"], "prompt": "x", "resolution": "720P"});
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &body.to_string()).await;
    assert_eq!(modellix_status(&sim, "modellix-task-1").await.json()["data"]["status"], "pending");
    let answer = modellix_status(&sim, "modellix-task-1").await;
    let url = format!("{}/files/modellix/modellix-task-1/0.mp4", sim.base_url());
    // FACTS.md:20-24: data holds status, task_id and, once finished successfully, result with
    // resources, each with url and type (a video).
    assert_eq!(
        answer.json(),
        json!({"code": 0, "message": "success", "data": {
            "status": "success", "task_id": "modellix-task-1",
            "result": {"resources": [{"url": url, "type": "video"}]},
        }})
    );
    let decoded = modellix::TaskResponse::from_json_slice(&answer.body).expect("decodes");
    assert_eq!(decoded.data.status, modellix::TaskStatus::Success);
    let file = send(http().get(&url)).await.expect("download");
    assert_eq!(file.body, fake_video_bytes("modellix-task-1", 0, 1024));

    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("character1 sim:fail")).await;
    modellix_status(&sim, "modellix-task-2").await;
    let failed = modellix_status(&sim, "modellix-task-2").await.json();
    assert_eq!(
        failed,
        json!({"code": 0, "message": "success", "data": {"status": "failed", "task_id": "modellix-task-2"}})
    );
    assert_eq!(sim.task("modellix", "modellix-task-2").expect("stored").state, "failed");
}

#[tokio::test]
async fn unknown_tasks_are_404() {
    let sim = start(polls(1)).await;
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(
        apixo_status(&sim, "apixo-task-1").await.json(),
        json!({"code": 404, "message": "task 'apixo-task-1' not found"})
    );
    // An APIXO status for a Modellix id is unknown too.
    assert_eq!(apixo_status(&sim, "modellix-task-1").await.status, 404);
    // FACTS.md:31: 404 task/model not found.
    assert_error(
        &modellix_status(&sim, "modellix-task-9").await,
        404,
        &["Task/model not found: task 'modellix-task-9' not found"],
    );
    // The query name is case-sensitive.
    assert_error(
        &get(&sim, "/api/v1/statusTask/happyHorse?taskid=apixo-task-1", Some(KEY)).await,
        400,
        &["parameter 'taskId' is required"],
    );
    assert!(sim.task("apixo", "modellix-task-1").is_none());
}

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn status_faults_answer_the_status_with_or_without_creating_the_task() {
    let sim = start(polls(100)).await;
    let route = apixo_submit();
    sim.faults()
        .push(route.clone(), Fault::Status { status: 503, retry_after: Some("2".to_owned()), create_task: false });
    sim.faults().push(route, Fault::Status { status: 500, retry_after: None, create_task: true });
    let first = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    assert_error(&first, 503, &[]);
    assert_eq!(first.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    assert_eq!(sim.tasks_created("apixo"), 0);
    let second = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    assert_error(&second, 500, &["Server error"]);
    assert!(second.headers.get("retry-after").is_none());
    assert_eq!(sim.tasks_created("apixo"), 1);
    // Consumed: the next one is normal.
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.status, 200);
    assert_eq!(sim.tasks_created("apixo"), 2);

    // Modellix status: 429 in Modellix's shape, no poll counted.
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    sim.faults().push(modellix_status_route(), Fault::Status { status: 429, retry_after: None, create_task: false });
    // FACTS.md:32: 429 rate or concurrency limit.
    assert_error(&modellix_status(&sim, "modellix-task-1").await, 429, &["Rate or concurrency limit: "]);
    assert_eq!(sim.task("modellix", "modellix-task-1").expect("stored").polls, 0);
}

#[tokio::test]
async fn delay_fault_answers_normally_but_late() {
    let sim = start(polls(100)).await;
    post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    sim.faults().push(apixo_status_route(), Fault::Delay(Duration::from_millis(150)));
    let base = sim.base_url();
    let late = tokio::spawn(async move {
        send(http().get(format!("{base}/api/v1/statusTask/happyHorse?taskId=apixo-task-1")).bearer_auth(KEY)).await
    });
    // The request is held until the clock has moved 150 ms.
    soon("the delayed answer waits for the clock", sim.clock().wait_for_sleepers(1)).await;
    sim.clock().advance(Duration::from_millis(149));
    assert_eq!(sim.clock().sleepers(), 1, "answered before 150 ms had passed");
    assert!(!late.is_finished());
    sim.clock().advance(Duration::from_millis(1));
    let answer = soon("the delayed answer", late).await.expect("joined").expect("answered");
    assert_eq!(answer.json()["data"]["state"], "processing");
    // The fault was one-shot: the next answer needs no clock movement at all.
    assert_eq!(apixo_status(&sim, "apixo-task-1").await.json()["data"]["state"], "processing");
    assert_eq!(sim.clock().sleepers(), 0);
}

#[tokio::test]
async fn drop_before_read_closes_before_any_request_is_recorded() {
    let sim = start(polls(100)).await;
    sim.faults().push(Route::AnyConnection, Fault::DropBeforeRead);
    assert!(try_post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.is_err());
    assert_eq!(sim.requests(&Route::AnyConnection), 1);
    assert_eq!(sim.requests(&apixo_submit()), 0);
    assert_eq!(sim.tasks_created("apixo"), 0);
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.status, 200);
    assert_eq!(sim.requests(&Route::AnyConnection), 2);
    assert_eq!(sim.requests(&apixo_submit()), 1);
}

#[tokio::test]
async fn drop_after_read_creates_the_task_and_never_answers() {
    let sim = start(polls(100)).await;
    sim.faults().push(apixo_submit(), Fault::DropAfterRead);
    assert!(try_post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.is_err());
    assert_eq!(sim.requests(&apixo_submit()), 1);
    assert_eq!(sim.tasks_created("apixo"), 1);

    // On status: the poll happens, the answer is lost.
    sim.faults().push(apixo_status_route(), Fault::DropAfterRead);
    assert!(try_get(&sim, "/api/v1/statusTask/happyHorse?taskId=apixo-task-1", Some(KEY)).await.is_err());
    assert_eq!(sim.task("apixo", "apixo-task-1").expect("stored").polls, 1);
}

#[tokio::test]
async fn broken_bodies_still_create_the_task() {
    let sim = start(polls(100)).await;
    let submit = modellix_submit();

    sim.faults().push(submit.clone(), Fault::MalformedJson);
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());
    assert_eq!(sim.tasks_created("modellix"), 1);

    sim.faults().push(submit.clone(), Fault::MissingTaskId);
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(answer.status, 200);
    let v = answer.json();
    assert_eq!((v["code"].clone(), v["message"].clone()), (json!(0), json!("success")));
    assert!(v["data"].get("task_id").is_none() && v["data"].get("get_result").is_none(), "{v}");
    assert!(modellix::SubmitResponse::from_json_slice(&answer.body).is_err());
    assert_eq!(sim.tasks_created("modellix"), 2);

    sim.faults().push(submit, Fault::Oversize { bytes: 100_000 });
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.len() >= 100_000);
    assert_eq!(answer.json()["data"]["task_id"], "modellix-task-3");
    assert_eq!(sim.tasks_created("modellix"), 3);

    // APIXO: the same faults, and on status.
    sim.faults().push(apixo_submit(), Fault::MissingTaskId);
    let answer = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    assert_eq!(answer.json(), json!({"code": 200, "message": "success", "data": {}}));
    assert_eq!(sim.tasks_created("apixo"), 1);
    sim.faults().push(apixo_status_route(), Fault::MalformedJson);
    sim.faults().push(apixo_status_route(), Fault::Oversize { bytes: 5000 });
    let answer = apixo_status(&sim, "apixo-task-1").await;
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());
    let answer = apixo_status(&sim, "apixo-task-1").await;
    assert!(answer.body.len() >= 5000);
    assert!(apixo::StatusResponse::from_json_slice(&answer.body).is_ok());
}

#[tokio::test]
async fn connection_faults_carry_to_the_first_request() {
    let sim = start(polls(100)).await;
    sim.faults()
        .push(Route::AnyConnection, Fault::Status { status: 429, retry_after: Some("1".into()), create_task: false });
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_error(&answer, 429, &["Rate or concurrency limit: "]);
    assert_eq!(sim.tasks_created("modellix"), 0);
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await.status, 200);
}

#[tokio::test]
async fn rate_faults_are_deterministic_for_a_seed() {
    async fn pattern(sim: &Simulator, n: usize) -> Vec<u16> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(get(sim, "/api/v1/tasks/modellix-task-0", Some(KEY)).await.status);
        }
        out
    }
    let route = modellix_status_route();
    let fault = Fault::Status { status: 503, retry_after: None, create_task: false };
    let a = start(polls(100)).await;
    let b = start(polls(100)).await;
    for sim in [&a, &b] {
        sim.faults().seed(7);
        sim.faults().set_rate(route.clone(), fault.clone(), 300);
    }
    let first = pattern(&a, 40).await;
    assert_eq!(first, pattern(&b, 40).await);
    assert!(first.iter().all(|s| *s == 503 || *s == 404));
    let hits = first.iter().filter(|s| **s == 503).count();
    assert!((4..=24).contains(&hits), "{hits} of 40 at 30%");
    // Re-seeding restarts the sequence; another seed gives another one.
    a.faults().seed(7);
    assert_eq!(pattern(&a, 40).await, first);
    a.faults().seed(8);
    assert_ne!(pattern(&a, 40).await, first);
    // Rate 0 removes it; clear removes everything.
    a.faults().set_rate(route, fault, 0);
    assert!(pattern(&a, 10).await.iter().all(|s| *s == 404));
    b.faults().clear();
    assert!(pattern(&b, 10).await.iter().all(|s| *s == 404));
}

#[tokio::test]
async fn control_endpoints_script_faults_and_report_stats() {
    let sim = start(polls(100)).await;
    let faults = format!("{}/_sim/faults", sim.base_url());
    let script = json!([
        {"route": "modellix.r2v", "fault": {"kind": "status", "status": 402}, "times": 2},
        {"route": "apixo.submit", "fault": "drop_after_read"},
    ]);
    let ok = send(http().post(&faults).body(script.to_string())).await.expect("post");
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_error(&post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await, 402, &["Insufficient balance: "]);
    assert!(try_post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.is_err());

    let bad =
        send(http().post(&faults).body(r#"{"route": "nowhere", "fault": "malformed_json"}"#)).await.expect("post");
    assert_error(
        &bad,
        400,
        &[
            "route: must be one of apixo.submit, apixo.status, modellix.i2v, modellix.r2v, modellix.t2v, modellix.status, connection",
        ],
    );

    let deleted = send(http().delete(&faults)).await.expect("delete");
    assert_eq!(deleted.status, 200);
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await.status, 200);

    let stats = get(&sim, "/_sim/stats", None).await.json();
    assert_eq!(stats["tasks_created"], json!({"apixo": 1, "modellix": 1}));
    assert_eq!(stats["requests"]["modellix.r2v"], 2);
    assert_eq!(stats["requests"]["apixo.submit"], 1);
    assert_eq!(stats["faults"]["queued"]["modellix.r2v"], 0);
    // Every route of every module is listed, from the specs.
    let routes: Vec<String> = sim.routes().iter().map(Route::name).collect();
    assert_eq!(
        routes,
        [
            "apixo.submit",
            "apixo.status",
            "modellix.i2v",
            "modellix.r2v",
            "modellix.t2v",
            "modellix.status",
            "connection"
        ]
    );
    for route in &routes {
        assert!(stats["requests"].get(route).is_some() && stats["faults"]["queued"].get(route).is_some(), "{route}");
    }
    assert_eq!(stats, {
        let mut now = sim.stats();
        // The stats request itself was counted after the answer was built.
        now["requests"]["control"] = stats["requests"]["control"].clone();
        now
    });
}

#[tokio::test]
async fn an_unknown_fault_kind_lists_the_valid_ones() {
    let sim = start(polls(100)).await;
    let faults = format!("{}/_sim/faults", sim.base_url());
    let bad = send(http().post(&faults).body(r#"{"route": "apixo.submit", "fault": {"kind": "slow"}}"#)).await;
    assert_error(
        &bad.expect("answer"),
        400,
        &[
            "[0].fault.kind: unknown fault \"slow\" (valid kinds: status, delay, drop_before_read, drop_after_read, malformed_json, missing_task_id, oversize)",
        ],
    );
}

/// `cargo xtask simulate --help` and the README document the fault JSON the simulator
/// takes: every kind is named, routes are `<module>.<operation>` or `connection`, and every
/// example they show is accepted as is. (That the help lists every route of the specs is
/// tested on the rendered help, in xtask/tests/simulate_help.rs.)
#[tokio::test]
async fn the_documented_fault_json_is_what_the_simulator_takes() {
    let root = root();
    let first_route = Route::op("apixo", "submit").name();
    let help = std::fs::read_to_string(root.join("xtask/src/simulate_help.txt"))
        .expect("the help text")
        .replace("{example_route}", &first_route);
    let readme = std::fs::read_to_string(root.join("README.md")).expect("the README");
    let sim = start(polls(100)).await;
    let faults = format!("{}/_sim/faults", sim.base_url());
    for (name, text) in [("simulate --help", &help), ("README.md", &readme)] {
        for kind in happyhorse_conformance::simulator::FAULT_KINDS {
            assert!(text.contains(&format!("{{\"kind\": \"{kind}\"")), "{name} does not show the fault kind {kind}");
        }
        assert!(text.contains("connection"), "{name} does not name the route connection");
        assert!(text.contains("MODULE.OPERATION") || text.contains("<module>.<operation>"), "{name}: route syntax");
        // Each fault example, alone on its line, posted for a route; and each curl body.
        let faults_shown: Vec<&str> =
            text.lines().map(str::trim).filter(|l| l.starts_with("{\"kind\": ") && l.ends_with('}')).collect();
        assert!(faults_shown.len() >= happyhorse_conformance::simulator::FAULT_KINDS.len(), "{name}");
        for fault in faults_shown {
            let entry = format!(r#"{{"route": "apixo.status", "fault": {fault}}}"#);
            let answer = send(http().post(&faults).body(entry.clone())).await.expect("answer");
            assert_eq!(answer.status, 200, "{name}: {entry}: {}", String::from_utf8_lossy(&answer.body));
        }
        let bodies: Vec<&str> =
            text.lines().filter_map(|l| l.split_once(" -d '").map(|(_, b)| b.trim_end_matches('\''))).collect();
        assert!(!bodies.is_empty(), "{name} shows no curl example");
        for body in bodies {
            let answer = send(http().post(&faults).body(body.to_owned())).await.expect("answer");
            assert_eq!(answer.status, 200, "{name}: {body}: {}", String::from_utf8_lossy(&answer.body));
        }
    }
}

#[tokio::test]
async fn keep_alive_serves_several_requests_per_connection() {
    let sim = start(SimConfig { keep_alive: true, ..polls(100) }).await;
    let client = http();
    for _ in 0..3 {
        let answer =
            send(client.get(format!("{}/api/v1/tasks/modellix-task-1", sim.base_url())).bearer_auth(KEY)).await;
        assert_eq!(answer.expect("answer").status, 404);
    }
    assert_eq!(sim.requests(&Route::AnyConnection), 1);
    assert_eq!(sim.requests(&modellix_status_route()), 3);
}

/// One HTTP/1.1 connection to the simulator, driven by hand (a pooling client could open
/// another connection at any time).
async fn connection(sim: &Simulator) -> hyper::client::conn::http1::SendRequest<axum::body::Body> {
    let stream = tokio::net::TcpStream::connect(sim.addr()).await.expect("connect");
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    sender
}

/// A status query on `conn`: the status and the `Connection` header.
async fn status_on(
    sim: &Simulator,
    conn: &mut hyper::client::conn::http1::SendRequest<axum::body::Body>,
) -> (u16, Option<String>) {
    let request = axum::http::Request::get("/api/v1/tasks/modellix-task-1")
        .header("host", sim.addr().to_string())
        .header("authorization", format!("Bearer {KEY}"))
        .body(axum::body::Body::empty())
        .expect("request");
    conn.ready().await.expect("the connection is open");
    let response = conn.send_request(request).await.expect("answer");
    let header = response.headers().get("connection").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (response.status().as_u16(), header)
}

#[tokio::test]
async fn with_keep_alive_a_planned_connection_fault_closes_the_connection_so_it_acts_on_the_next() {
    let sim = start(SimConfig { keep_alive: true, ..polls(100) }).await;
    let mut first = connection(&sim).await;
    assert_eq!(status_on(&sim, &mut first).await, (404, None), "kept alive");
    sim.faults().push(Route::AnyConnection, Fault::Status { status: 503, retry_after: None, create_task: false });
    // The connection predates the fault: answered normally, then closed.
    assert_eq!(status_on(&sim, &mut first).await, (404, Some("close".to_owned())));
    assert!(first.ready().await.is_err(), "the first connection was closed");
    // The fault acts on the next connection; then, with no fault planned, it is kept alive.
    let mut second = connection(&sim).await;
    assert_eq!(status_on(&sim, &mut second).await, (503, None));
    assert_eq!(status_on(&sim, &mut second).await, (404, None));
    assert_eq!(sim.requests(&Route::AnyConnection), 2);
    assert_eq!(sim.requests(&modellix_status_route()), 4, "every request is counted on its route, faulted or not");
}

/// The task store is bounded (a simulator decision, not a doc fact): a task expires
/// `task_ttl` after it finished, and at most `max_tasks` are kept.
#[tokio::test]
async fn finished_tasks_expire_after_the_ttl_and_their_status_says_so() {
    let config = SimConfig { run_time: Duration::from_secs(5), task_ttl: Duration::from_secs(60), ..polls(1) };
    let sim = start(config).await;
    let first = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("a")).await.json()["data"]["taskId"].clone();
    assert_eq!(first, "apixo-task-1");
    // Finished by its run time (5 s), kept for 60 s more.
    sim.clock().advance(Duration::from_secs(64));
    assert_eq!(apixo_status(&sim, "apixo-task-1").await.json()["data"]["state"], "success");
    sim.clock().advance(Duration::from_secs(1));
    let expired = apixo_status(&sim, "apixo-task-1").await;
    assert_eq!(expired.status, 404);
    assert!(expired.message().contains("expired") && expired.message().contains("60 s"), "{}", expired.message());
    assert_eq!(sim.tasks_stored(), 1, "freed by the next submit");
    // A task finished early by polls expires 60 s after that poll.
    post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("b")).await;
    assert_eq!(sim.tasks_stored(), 1);
    apixo_status(&sim, "apixo-task-2").await;
    assert_eq!(apixo_status(&sim, "apixo-task-2").await.json()["data"]["state"], "success");
    sim.clock().advance(Duration::from_secs(60));
    assert_eq!(apixo_status(&sim, "apixo-task-2").await.status, 404);
    // An id the simulator never gave is not found, not expired.
    let unknown = apixo_status(&sim, "apixo-task-99").await;
    assert_eq!(unknown.status, 404);
    assert!(!unknown.message().contains("expired"), "{}", unknown.message());
}

#[tokio::test]
async fn a_full_task_store_refuses_a_submit_with_429_naming_the_limit() {
    let config =
        SimConfig { run_time: Duration::from_secs(5), task_ttl: Duration::from_secs(10), max_tasks: 2, ..polls(100) };
    let sim = start(config).await;
    for prompt in ["a", "b"] {
        assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &t2v(prompt)).await.status, 200);
    }
    let full = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("c")).await;
    assert_eq!(full.status, 429);
    assert!(full.message().contains("at most 2 tasks") && full.message().contains("--max-tasks"), "{}", full.message());
    // The oldest task expires 5 s (run time) + 10 s (TTL) after it was created.
    assert_eq!(full.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("15"));
    assert_eq!(sim.tasks_created("apixo"), 2, "nothing created");
    sim.clock().advance(Duration::from_secs(15));
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("d")).await.status, 200);
    assert_eq!(sim.tasks_stored(), 1, "both expired tasks were freed");
}

// ---------------------------------------------------------------------------------------
// Callbacks
// ---------------------------------------------------------------------------------------

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A local webhook receiver answering `status`; returns its URL and what it received.
async fn receiver(status: u16) -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let received: Received = Arc::default();
    let store = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let store = Arc::clone(&store);
            async move {
                store.lock().expect("lock").push((headers, body));
                StatusCode::from_u16(status).expect("status")
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (url, received)
}

fn callback_config(redirect: &str) -> SimConfig {
    SimConfig {
        polls_to_finish: 100,
        run_time: Duration::from_millis(30),
        callback_redirect: Some(redirect.to_owned()),
        callback_retry_base: Duration::from_millis(10),
        clock: SimClock::manual(),
        ..SimConfig::default()
    }
}

/// Moves the clock by `by` once the simulator waits for it (the task's run time, or the
/// delay before a redelivery). The caller makes sure the previous wait has ended (e.g. by
/// waiting for the attempt that follows it), so this sees the next one.
async fn advance_when_waiting(sim: &Simulator, by: Duration) {
    soon("the simulator waits for the clock", sim.clock().wait_for_sleepers(1)).await;
    sim.clock().advance(by);
}

/// The documented callback request of APIXO (apixo-happyhorse.txt:239-253).
fn callback_example() -> String {
    documented("apixo", ExampleKind::Request)
        .into_iter()
        .find(|(_, _, body)| body.contains("\"callback\""))
        .map(|(_, _, body)| body)
        .expect("a documented callback request")
}

#[tokio::test]
async fn callbacks_are_delivered_without_polling() {
    let (url, received) = receiver(200).await;
    let sim = start(callback_config(&url)).await;
    let body = callback_example();
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &body).await.status, 200);
    advance_when_waiting(&sim, Duration::from_millis(29)).await;
    assert_eq!(sim.callback_attempts(), [], "delivered before the run time");
    sim.clock().advance(Duration::from_millis(1));
    // Acknowledged with 200: the deliveries have ended, so nothing more can arrive.
    let delivery = soon("the delivery ends", sim.wait_for_callback_delivery("apixo-task-1")).await;
    assert_eq!((delivery.attempts, delivery.end), (1, DeliveryEnd::Acknowledged));

    let attempts = sim.callback_attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].task_id, "apixo-task-1");
    assert_eq!(attempts[0].url, url);
    assert_eq!(attempts[0].callback_url, "https://your-server.com/webhooks/apixo");
    assert_eq!((attempts[0].status, attempts[0].error.as_deref()), (Some(200), None));

    let received = received.lock().expect("lock").clone();
    assert_eq!(received.len(), 1);
    let (headers, payload) = &received[0];
    assert_eq!(
        headers.get(ORIGINAL_URL_HEADER).and_then(|v| v.to_str().ok()),
        Some("https://your-server.com/webhooks/apixo")
    );
    let v: Value = serde_json::from_slice(payload).expect("JSON payload");
    assert_eq!((v["code"].clone(), v["data"]["taskId"].clone()), (json!(200), json!("apixo-task-1")));
    assert_eq!(v["data"]["state"], "success");
    assert!(v["data"]["resultJson"].is_string());
    let decoded = apixo::StatusResponse::from_json_slice(payload).expect("decodes");
    assert_eq!(decoded.data.state, apixo::TaskState::Success);
    // Nobody polled.
    assert_eq!(sim.task("apixo", "apixo-task-1").expect("stored").polls, 0);
}

#[tokio::test]
async fn callbacks_are_redelivered_up_to_three_more_times_with_growing_delays() {
    let (url, received) = receiver(500).await;
    let sim = start(callback_config(&url)).await;
    let body = json!({"request_type": "callback", "callback_url": "https://hooks.example.com/apixo",
        "input": {"mode": "text-to-video", "prompt": "x sim:fail=Timeout"}});
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await.status, 200);
    advance_when_waiting(&sim, Duration::from_millis(30)).await;
    soon("the first delivery", sim.wait_for_callback_attempts(1)).await;
    // Redeliveries after 10, 20 and 40 ms (base, 2 x base, 4 x base), each one only when its
    // whole delay has passed.
    for (n, delay) in [(2, 10), (3, 20), (4, 40)] {
        advance_when_waiting(&sim, Duration::from_millis(delay - 1)).await;
        assert_eq!(sim.callback_attempts().len(), n - 1, "redelivery {n} came early");
        sim.clock().advance(Duration::from_millis(1));
        soon("a redelivery", sim.wait_for_callback_attempts(n)).await;
    }
    // Given up: after this the simulator sends nothing more for the task.
    let delivery = soon("the deliveries end", sim.wait_for_callback_delivery("apixo-task-1")).await;
    assert_eq!((delivery.attempts, delivery.end), (4, DeliveryEnd::GaveUp));
    assert_eq!(sim.clock().sleepers(), 0, "something still waits to be sent");

    let attempts = sim.callback_attempts();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.status == Some(500) && a.url == url && a.task_id == "apixo-task-1"));
    let received = received.lock().expect("lock").clone();
    assert_eq!(received.len(), 4);
    for (_, payload) in &received {
        let v: Value = serde_json::from_slice(payload).expect("JSON payload");
        assert_eq!(v["data"]["state"], "failed");
        assert_eq!(v["data"]["failCode"], "Timeout");
    }
}

#[tokio::test]
async fn callback_to_a_dead_receiver_records_errors() {
    // Bind and drop: nothing listens there any more.
    let dead = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        format!("http://{}/hook", listener.local_addr().expect("addr"))
    };
    let sim = start(callback_config(&dead)).await;
    let body = json!({"request_type": "callback", "callback_url": "https://hooks.example.com/apixo",
        "input": {"mode": "text-to-video", "prompt": "x"}});
    post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await;
    // Each attempt ends before the next delay starts: wait for it before moving the clock on.
    for (n, delay) in [(1, 30), (2, 10), (3, 20), (4, 40)] {
        advance_when_waiting(&sim, Duration::from_millis(delay)).await;
        soon("an attempt", sim.wait_for_callback_attempts(n)).await;
    }
    let delivery = soon("the deliveries end", sim.wait_for_callback_delivery("apixo-task-1")).await;
    assert_eq!((delivery.attempts, delivery.end), (4, DeliveryEnd::GaveUp));
    let attempts = sim.callback_attempts();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.status.is_none() && a.error.is_some()));
}

/// A local simulator sends nothing off the machine: the docs' own example names a third-party
/// host, so without a redirect (or explicit permission) the callback is reported, not sent.
#[tokio::test]
async fn callbacks_to_other_hosts_are_reported_not_sent() {
    let sim = start(SimConfig { callback_redirect: None, ..callback_config("") }).await;
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &callback_example()).await.status, 200);
    advance_when_waiting(&sim, Duration::from_millis(30)).await;
    let delivery = soon("the delivery ends", sim.wait_for_callback_delivery("apixo-task-1")).await;
    assert_eq!(delivery.attempts, 0);
    assert_eq!(delivery.url, "https://your-server.com/webhooks/apixo");
    let DeliveryEnd::Undeliverable { reason } = &delivery.end else { panic!("sent: {delivery:?}") };
    assert!(reason.contains("your-server.com is not a loopback address"), "{reason}");
    assert_eq!(sim.callback_attempts(), []);

    let stats = get(&sim, "/_sim/stats", None).await.json();
    assert_eq!(stats["callbacks_undeliverable"], 1);
    assert_eq!(stats["callback_deliveries"][0]["outcome"], "undeliverable");
    assert_eq!(stats["callback_deliveries"][0]["task_id"], "apixo-task-1");
    assert_eq!(stats["callback_deliveries"][0]["reason"], json!(reason));
}

/// A redirect to another machine is refused the same way.
#[tokio::test]
async fn a_redirect_off_the_machine_is_not_followed() {
    let sim = start(callback_config("https://collector.example.net/hooks")).await;
    let body = json!({"request_type": "callback", "callback_url": "https://hooks.example.com/apixo",
        "input": {"mode": "text-to-video", "prompt": "x"}});
    post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await;
    advance_when_waiting(&sim, Duration::from_millis(30)).await;
    let delivery = soon("the delivery ends", sim.wait_for_callback_delivery("apixo-task-1")).await;
    assert!(matches!(delivery.end, DeliveryEnd::Undeliverable { .. }), "{delivery:?}");
    assert_eq!(delivery.url, "https://collector.example.net/hooks");
}

/// The README tells how to point an application at the simulator with no code change: by
/// each provider's base-URL variable, as the generated client names it (a regression guard
/// of the docs against the spec's `base_url_env`; the rendered `cargo xtask simulate --help`
/// is checked in xtask/tests/simulate_help.rs).
#[test]
fn the_documented_base_url_variables_are_the_clients() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("the README");
    for info in happyhorse_client::providers::ALL {
        let var = info.base_url_env.unwrap_or_else(|| panic!("{} names no base-URL variable", info.name));
        let origin = "http://127.0.0.1:8787";
        let path = url_path(info.base_url);
        let setting = format!("{var}={origin}{path}");
        assert!(readme.contains(&setting), "README.md does not show `{setting}`");
    }
}

/// The path of a URL without its trailing slash (`/api/v1`, or empty).
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or_else(String::new, |i| after_scheme[i..].trim_end_matches('/').to_owned())
}
