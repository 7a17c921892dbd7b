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
use happyhorse_conformance::simulator::{
    DeliveryEnd, Fault, MANUAL_CLOCK_START_UNIX_MS, ORIGINAL_URL_HEADER, Route, SimClock, SimConfig, SimProvider,
    Simulator, fake_video_bytes,
};
use serde_json::{Value, json};

const KEY: &str = "test-key";
const APIXO_SUBMIT: &str = "/api/v1/generateTask/happyHorse";
const MODELLIX_SUBMIT: &str = "/api/v1/alibaba/happyhorse-1.0-r2v/async";

// ---------------------------------------------------------------------------------------
// Documented examples, copied from the spec files' [[examples]] (verbatim from the docs).
// ---------------------------------------------------------------------------------------

const APIXO_EXAMPLES: [(&str, &str); 6] = [
    (
        "quickstart_text_to_video",
        r#"{
    "request_type": "async",
    "input": {
      "mode": "text-to-video",
      "prompt": "a cinematic rainy night in tokyo, slow dolly shot, reflective streets",
      "resolution": "720p",
      "ratio": "16:9",
      "duration": 5
    }
  }"#,
    ),
    (
        "text_to_video",
        r#"{
  "request_type": "async",
  "input": {
    "mode": "text-to-video",
    "prompt": "a cinematic rainy night in tokyo, slow dolly shot, reflective streets",
    "resolution": "1080p",
    "ratio": "16:9",
    "duration": 5,
    "watermark": false
  }
}"#,
    ),
    (
        "image_to_video",
        r#"{
  "request_type": "async",
  "input": {
    "mode": "image-to-video",
    "image_urls": [
      "https://example.com/first-frame.png"
    ],
    "prompt": "animate the scene with a gentle camera move",
    "resolution": "720p",
    "duration": 5,
    "watermark": false
  }
}"#,
    ),
    (
        "reference_to_video",
        r#"{
  "request_type": "async",
  "input": {
    "mode": "reference-to-video",
    "prompt": "keep the character style consistent across all references",
    "image_urls": [
      "https://example.com/ref-1.png",
      "https://example.com/ref-2.png"
    ],
    "resolution": "1080p",
    "ratio": "16:9",
    "duration": 6,
    "watermark": false
  }
}"#,
    ),
    (
        "video_edit",
        r#"{
  "request_type": "async",
  "input": {
    "mode": "video-edit",
    "video_urls": [
      "https://example.com/input.mp4"
    ],
    "image_urls": [
      "https://example.com/reference.png"
    ],
    "prompt": "change the scene to watercolor style",
    "resolution": "1080p",
    "audio_setting": "origin",
    "watermark": false
  }
}"#,
    ),
    (
        "callback_video_edit",
        r#"{
    "request_type": "callback",
    "callback_url": "https://your-server.com/webhooks/apixo",
    "input": {
      "mode": "video-edit",
      "video_urls": [
        "https://example.com/input.mp4"
      ],
      "image_urls": [
        "https://example.com/reference.png"
      ],
      "prompt": "change the scene to watercolor style",
      "resolution": "1080p",
      "audio_setting": "origin",
      "watermark": false
    }
  }"#,
    ),
];

const MODELLIX_EXAMPLE: &str = r#"{
  "reference_images": [
    "https://example.com/girl.jpg"
  ],
  "prompt": "A woman character1 wearing a red qipao, the camera moves smoothly"
}"#;

const MODELLIX_MISSING_PROMPT_ERROR: &str =
    r#"{"code": 400, "message": "Invalid parameters: parameter 'prompt' is required"}"#;

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
    Simulator::start(config).await.expect("simulator starts")
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

#[tokio::test]
async fn apixo_documented_examples_are_accepted_in_the_documented_shape() {
    let sim = start(polls(100)).await;
    for (n, (name, body)) in APIXO_EXAMPLES.iter().enumerate() {
        let answer = post(&sim, APIXO_SUBMIT, Some(KEY), body).await;
        let id = format!("task_{}", n + 1);
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

        let stored = sim.task(SimProvider::Apixo, &id).expect("stored");
        assert_eq!(stored.body, serde_json::from_str::<Value>(body).expect("example is JSON"));
        assert_eq!(stored.state, "processing");
        assert_eq!(stored.polls, 1);
    }
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 6);
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 0);
    assert_eq!(sim.requests(Route::Submit(SimProvider::Apixo)), 6);
    assert_eq!(sim.requests(Route::Status(SimProvider::Apixo)), 6);
}

#[tokio::test]
async fn modellix_documented_example_is_accepted_in_the_documented_shape() {
    let sim = start(polls(100)).await;
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), MODELLIX_EXAMPLE).await;
    assert_eq!(answer.status, 200);
    let expected = json!({
        "code": 0,
        "message": "success",
        "data": {
            "status": "pending",
            "task_id": "task-1",
            "model_id": "happyhorse-1.0-r2v",
            "get_result": {"method": "GET", "url": format!("{}/api/v1/tasks/task-1", sim.base_url())},
        },
    });
    assert_eq!(answer.json(), expected);
    let decoded = modellix::SubmitResponse::from_json_slice(&answer.body).expect("decodes");
    assert_eq!(decoded.data.task_id, "task-1");

    // get_result.url is where the task is queried.
    let url = answer.json()["data"]["get_result"]["url"].as_str().expect("url").to_owned();
    let status = send(http().get(url).bearer_auth(KEY)).await.expect("query");
    assert_eq!(
        status.json(),
        json!({"code": 0, "message": "success", "data": {"status": "pending", "task_id": "task-1", "model_id": "happyhorse-1.0-r2v"}})
    );
    assert_eq!(
        modellix::TaskResponse::from_json_slice(&status.body).expect("decodes").data.status,
        modellix::TaskStatus::Pending
    );

    // The documented error example, exactly.
    let missing =
        post(&sim, MODELLIX_SUBMIT, Some(KEY), r#"{"reference_images": ["https://example.com/girl.jpg"]}"#).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json(), serde_json::from_str::<Value>(MODELLIX_MISSING_PROMPT_ERROR).expect("JSON"));
    assert!(modellix::ErrorBody::from_json_slice(&missing.body).is_ok());
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 1);
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
            vec!["input.duration: must be an integer from 3 to 15 (got 16)"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "duration": 5.5}}),
            vec!["input.duration", "3 to 15", "5.5"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "reference-to-video", "prompt": "x", "image_urls": images}}),
            vec!["input.image_urls", "1 to 9", "got 10"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "reference-to-video", "prompt": "x", "image_urls": bad_images}}),
            vec!["input.image_urls[3]", "http://"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png", "https://a/2.png"]}}),
            vec!["input.image_urls", "exactly 1"],
        ),
        (json!({"input": {"mode": "text-to-video", "prompt": "x"}}), vec!["request_type", "required"]),
        (
            json!({"request_type": "callback", "callback_url": "http://example.com/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["callback_url", "https://"],
        ),
        (
            json!({"request_type": "callback", "callback_url": "https://localhost/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["callback_url", "localhost"],
        ),
        (
            json!({"request_type": "callback", "callback_url": "https://10.0.0.1/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["callback_url", "private"],
        ),
        (
            json!({"request_type": "callback", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["callback_url", "required"],
        ),
        (
            json!({"request_type": "async", "callback_url": "https://example.com/hook", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["callback_url"],
        ),
        (
            json!({"request_type": "async", "model": "x", "input": {"mode": "text-to-video", "prompt": "x"}}),
            vec!["model"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "seed": 1}}),
            vec!["input.seed"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png"], "ratio": "16:9"}}),
            vec!["input.ratio", "image-to-video"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://a/1.png"], "prompt": ""}}),
            vec!["input.prompt", "1 to 2500"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "a".repeat(2501)}}),
            vec!["input.prompt", "2500", "got 2501"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "resolution": "720P"}}),
            vec!["input.resolution", "720p"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "video-edit", "prompt": "x", "video_urls": ["https://a/v.mp4"], "duration": 5}}),
            vec!["input.duration", "video-edit"],
        ),
        (
            json!({"request_type": "async", "input": {"mode": "video-edit", "prompt": "x", "video_urls": ["https://a/v.mp4"], "audio_setting": "none"}}),
            vec!["input.audio_setting", "auto, origin"],
        ),
        (json!({"request_type": "async", "input": {"mode": "text-to-image", "prompt": "x"}}), vec!["input.mode"]),
        (json!({"request_type": "async", "input": {"mode": "text-to-video"}}), vec!["input.prompt", "required"]),
        (
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "x", "watermark": "false"}}),
            vec!["input.watermark", "boolean"],
        ),
        (json!([1, 2]), vec!["body", "object"]),
    ];
    for (body, needles) in &cases {
        let answer = post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await;
        assert_error(&answer, 400, needles);
        assert!(apixo::ErrorBody::from_json_slice(&answer.body).is_ok());
    }
    let answer = post(&sim, APIXO_SUBMIT, Some(KEY), "{\"request_type\": ").await;
    assert_error(&answer, 400, &["body", "JSON"]);

    // Several problems are all reported, each with its path.
    let answer = post(
        &sim,
        APIXO_SUBMIT,
        Some(KEY),
        &json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "", "duration": 2}}).to_string(),
    )
    .await;
    assert_error(&answer, 400, &["input.prompt", "; ", "input.duration"]);
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 0);

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

#[tokio::test]
async fn modellix_invalid_bodies_are_rejected_with_categories() {
    let sim = start(polls(100)).await;
    let images: Vec<String> = (0..10).map(|i| format!("https://example.com/{i}.png")).collect();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"prompt": "x"}), vec!["Invalid parameters: parameter 'reference_images' is required"]),
        (
            json!({"reference_images": images, "prompt": "x"}),
            vec!["Value out of range: parameter 'reference_images'", "1 to 9"],
        ),
        (json!({"reference_images": [], "prompt": "x"}), vec!["Value out of range: parameter 'reference_images'"]),
        (
            json!({"reference_images": ["ftp://example.com/a.png"], "prompt": "x"}),
            vec!["Invalid format: parameter 'reference_images[0]'", "^https?://"],
        ),
        (
            json!({"reference_images": "https://example.com/a.png", "prompt": "x"}),
            vec!["Invalid format", "'reference_images'"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": ""}),
            vec!["Value out of range: parameter 'prompt'"],
        ),
        (json!({"reference_images": ["https://a/1.png"], "prompt": 5}), vec!["Invalid format: parameter 'prompt'"]),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "resolution": "720p"}),
            vec!["Invalid parameters: parameter 'resolution'", "720P"],
        ),
        (json!({"reference_images": ["https://a/1.png"], "prompt": "x", "ratio": "21:9"}), vec!["parameter 'ratio'"]),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "duration": 16}),
            vec!["Value out of range: parameter 'duration' must be an integer from 3 to 15 (got 16)"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "duration": 5.5}),
            vec!["Invalid format: parameter 'duration'"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "seed": -1}),
            vec!["Value out of range: parameter 'seed'"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "seed": 2_147_483_648_u64}),
            vec!["parameter 'seed'", "2147483647"],
        ),
        (
            json!({"reference_images": ["https://a/1.png"], "prompt": "x", "negative_prompt": "y"}),
            vec!["'negative_prompt'"],
        ),
        (json!("x"), vec!["Invalid format"]),
    ];
    let categories = ["Invalid parameters: ", "Invalid format: ", "Value out of range: "];
    for (body, needles) in &cases {
        let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &body.to_string()).await;
        assert_error(&answer, 400, needles);
        let message = answer.message();
        assert!(categories.iter().any(|c| message.starts_with(c)), "{message}");
        assert!(modellix::ErrorBody::from_json_slice(&answer.body).is_ok());
    }
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), "not json").await;
    assert_error(&answer, 400, &["Invalid format"]);
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 0);

    let full = json!({"reference_images": images[..9], "prompt": "x", "resolution": "720P", "ratio": "3:4",
        "duration": 15, "seed": 2_147_483_647});
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some(KEY), &full.to_string()).await.status, 200);
}

#[tokio::test]
async fn modellix_over_long_prompt_is_truncated_and_accepted() {
    let sim = start(polls(100)).await;
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v(&"中".repeat(2501))).await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let task = sim.task(SimProvider::Modellix, "task-1").expect("stored");
    let prompt = task.body["prompt"].as_str().expect("prompt");
    assert_eq!(prompt.chars().count(), 2500);
    let weighted: usize = prompt.chars().map(|c| if ('\u{4E00}'..='\u{9FFF}').contains(&c) { 2 } else { 1 }).sum();
    assert_eq!(weighted, 5000);

    // 5000 non-Chinese characters are kept whole; 5001 lose the last.
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v(&"a".repeat(5000))).await;
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v(&"a".repeat(5001))).await;
    for id in ["task-2", "task-3"] {
        let task = sim.task(SimProvider::Modellix, id).expect("stored");
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
        assert_error(&answer, 400, &[&format!("Content-Type: must be application/json (got {got})")]);
        assert!(apixo::ErrorBody::from_json_slice(&answer.body).is_ok());
        let answer = send_as(MODELLIX_SUBMIT, content_type, r2v("x")).await.expect("answer");
        assert_error(
            &answer,
            400,
            &[&format!("Invalid format: header 'Content-Type' must be application/json (got {got})")],
        );
        assert!(modellix::ErrorBody::from_json_slice(&answer.body).is_ok());
    }
    assert_eq!(sim.tasks_created(SimProvider::Apixo) + sim.tasks_created(SimProvider::Modellix), 0);
    // Parameters and letter case do not matter.
    for ct in ["application/json; charset=utf-8", "Application/JSON"] {
        assert_eq!(send_as(APIXO_SUBMIT, Some(ct), t2v("x")).await.expect("answer").status, 200, "{ct}");
        assert_eq!(send_as(MODELLIX_SUBMIT, Some(ct), r2v("x")).await.expect("answer").status, 200, "{ct}");
    }
}

/// A method a path does not take is answered 405 with `Allow`, in the provider's error shape
/// (not an empty body).
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
            http().post(format!("{base}/api/v1/statusTask/happyHorse?taskId=task_1")),
            "GET",
            "method POST is not allowed",
        ),
        (
            http().get(format!("{base}{MODELLIX_SUBMIT}")),
            "POST",
            "Invalid parameters: method GET is not allowed on /api/v1/alibaba/happyhorse-1.0-r2v/async; use POST",
        ),
        (
            http().delete(format!("{base}/api/v1/tasks/task-1")),
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
            "input.foo: unknown field (allowed in mode image-to-video: mode, image_urls, prompt, resolution, duration, watermark)",
        ],
    );
    let body = json!({"request_type": "async", "input": {"foo": 1}});
    assert_error(
        &post(&sim, APIXO_SUBMIT, Some(KEY), &body.to_string()).await,
        400,
        &[
            "input.foo: unknown field (allowed: mode, prompt, image_urls, video_urls, resolution, ratio, duration, audio_setting, watermark)",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_or_wrong_keys_are_401_in_each_providers_shape() {
    let sim = start(SimConfig { api_keys: vec!["k1".to_owned()], ..polls(100) }).await;
    for key in [None, Some("wrong"), Some("")] {
        let answer = post(&sim, APIXO_SUBMIT, key, &t2v("x")).await;
        assert_error(&answer, 401, &["API key"]);
        let answer = get(&sim, "/api/v1/statusTask/happyHorse?taskId=task_1", key).await;
        assert_error(&answer, 401, &[]);
        let answer = post(&sim, MODELLIX_SUBMIT, key, &r2v("x")).await;
        assert_error(&answer, 401, &["Authentication failed: "]);
        let answer = get(&sim, "/api/v1/tasks/task-1", key).await;
        assert_error(&answer, 401, &["Authentication failed: "]);
    }
    let basic = send(http().post(format!("{}{APIXO_SUBMIT}", sim.base_url())).header("Authorization", "Basic k1"))
        .await
        .expect("answer");
    assert_eq!(basic.status, 401);
    assert_eq!(sim.tasks_created(SimProvider::Apixo) + sim.tasks_created(SimProvider::Modellix), 0);

    assert_eq!(post(&sim, APIXO_SUBMIT, Some("k1"), &t2v("x")).await.status, 200);
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some("k1"), &r2v("x")).await.status, 200);
    assert_eq!(sim.requests(Route::Submit(SimProvider::Apixo)), 5);
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
    let url = format!("{}/files/{id}/0.mp4", sim.base_url());
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
    let task = sim.task(SimProvider::Apixo, &id).expect("stored");
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
    assert_eq!(get(&sim, &format!("/files/{id}/1.mp4"), None).await.status, 404);
    assert_eq!(get(&sim, "/files/task_99/0.mp4", None).await.status, 404);
}

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
        assert_eq!(get(&sim, &format!("/files/{id}/0.mp4"), None).await.status, 404);
    }
    let first = apixo_status(&sim, "task_1").await.json();
    assert_eq!(first["data"]["failMsg"], "Prompt is invalid or rejected by provider");
}

#[tokio::test]
async fn tasks_finish_when_the_run_time_has_passed() {
    let sim = start(SimConfig { run_time: Duration::from_millis(60), ..polls(100) }).await;
    post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(apixo_status(&sim, "task_1").await.json()["data"]["state"], "processing");
    sim.clock().advance(Duration::from_millis(59));
    assert_eq!(apixo_status(&sim, "task_1").await.json()["data"]["state"], "processing");
    assert_eq!(sim.task(SimProvider::Modellix, "task-1").expect("stored").state, "pending");
    sim.clock().advance(Duration::from_millis(1));
    let v = apixo_status(&sim, "task_1").await.json();
    assert_eq!(v["data"]["state"], "success");
    assert_eq!(v["data"]["createTime"], MANUAL_CLOCK_START_UNIX_MS);
    assert_eq!(v["data"]["completeTime"], MANUAL_CLOCK_START_UNIX_MS + 60);
    assert_eq!(v["data"]["costTime"], 60);
    assert_eq!(sim.task(SimProvider::Modellix, "task-1").expect("stored").state, "success");
    assert_eq!(modellix_status(&sim, "task-1").await.json()["data"]["status"], "success");
}

#[tokio::test]
async fn modellix_task_succeeds_and_fails() {
    let sim = start(polls(1)).await;
    let body = json!({"reference_images": ["https://example.com/a.png"], "prompt": "x", "resolution": "720P"});
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &body.to_string()).await;
    assert_eq!(modellix_status(&sim, "task-1").await.json()["data"]["status"], "pending");
    let answer = modellix_status(&sim, "task-1").await;
    let url = format!("{}/files/task-1/0.mp4", sim.base_url());
    assert_eq!(
        answer.json(),
        json!({"code": 0, "message": "success", "data": {
            "status": "success", "task_id": "task-1", "model_id": "happyhorse-1.0-r2v",
            "result": {"resources": [{"url": url, "type": "video", "width": 1280, "height": 720, "format": "mp4"}]},
        }})
    );
    let decoded = modellix::TaskResponse::from_json_slice(&answer.body).expect("decodes");
    assert_eq!(decoded.data.status, modellix::TaskStatus::Success);
    let file = send(http().get(&url)).await.expect("download");
    assert_eq!(file.body, fake_video_bytes("task-1", 0, 1024));

    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("character1 sim:fail")).await;
    modellix_status(&sim, "task-2").await;
    let failed = modellix_status(&sim, "task-2").await.json();
    assert_eq!(
        failed,
        json!({"code": 0, "message": "success", "data": {"status": "failed", "task_id": "task-2", "model_id": "happyhorse-1.0-r2v"}})
    );
    assert_eq!(sim.task(SimProvider::Modellix, "task-2").expect("stored").state, "failed");
}

#[tokio::test]
async fn unknown_tasks_are_404() {
    let sim = start(polls(1)).await;
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(apixo_status(&sim, "task_1").await.json(), json!({"code": 404, "message": "task not found"}));
    // An APIXO status for a Modellix id is unknown too.
    assert_eq!(apixo_status(&sim, "task-1").await.status, 404);
    assert_error(&modellix_status(&sim, "task-9").await, 404, &["Invalid parameters: ", "task not found"]);
    // The query name is case-sensitive.
    assert_error(&get(&sim, "/api/v1/statusTask/happyHorse?taskid=task_1", Some(KEY)).await, 400, &["taskId"]);
    assert!(sim.task(SimProvider::Apixo, "task-1").is_none());
}

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn status_faults_answer_the_status_with_or_without_creating_the_task() {
    let sim = start(polls(100)).await;
    let route = Route::Submit(SimProvider::Apixo);
    sim.faults().push(route, Fault::Status { status: 503, retry_after: Some("2".to_owned()), create_task: false });
    sim.faults().push(route, Fault::Status { status: 500, retry_after: None, create_task: true });
    let first = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    assert_error(&first, 503, &[]);
    assert_eq!(first.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 0);
    let second = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    assert_error(&second, 500, &["Server error"]);
    assert!(second.headers.get("retry-after").is_none());
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 1);
    // Consumed: the next one is normal.
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.status, 200);
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 2);

    // Modellix status: 429 in Modellix's shape, no poll counted.
    post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    sim.faults().push(
        Route::Status(SimProvider::Modellix),
        Fault::Status { status: 429, retry_after: None, create_task: false },
    );
    assert_error(&modellix_status(&sim, "task-1").await, 429, &[": "]);
    assert_eq!(sim.task(SimProvider::Modellix, "task-1").expect("stored").polls, 0);
}

#[tokio::test]
async fn delay_fault_answers_normally_but_late() {
    let sim = start(polls(100)).await;
    post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    sim.faults().push(Route::Status(SimProvider::Apixo), Fault::Delay(Duration::from_millis(150)));
    let base = sim.base_url();
    let late = tokio::spawn(async move {
        send(http().get(format!("{base}/api/v1/statusTask/happyHorse?taskId=task_1")).bearer_auth(KEY)).await
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
    assert_eq!(apixo_status(&sim, "task_1").await.json()["data"]["state"], "processing");
    assert_eq!(sim.clock().sleepers(), 0);
}

#[tokio::test]
async fn drop_before_read_closes_before_any_request_is_recorded() {
    let sim = start(polls(100)).await;
    sim.faults().push(Route::AnyConnection, Fault::DropBeforeRead);
    assert!(try_post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.is_err());
    assert_eq!(sim.requests(Route::AnyConnection), 1);
    assert_eq!(sim.requests(Route::Submit(SimProvider::Apixo)), 0);
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 0);
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.status, 200);
    assert_eq!(sim.requests(Route::AnyConnection), 2);
    assert_eq!(sim.requests(Route::Submit(SimProvider::Apixo)), 1);
}

#[tokio::test]
async fn drop_after_read_creates_the_task_and_never_answers() {
    let sim = start(polls(100)).await;
    sim.faults().push(Route::Submit(SimProvider::Apixo), Fault::DropAfterRead);
    assert!(try_post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.is_err());
    assert_eq!(sim.requests(Route::Submit(SimProvider::Apixo)), 1);
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 1);

    // On status: the poll happens, the answer is lost.
    sim.faults().push(Route::Status(SimProvider::Apixo), Fault::DropAfterRead);
    assert!(try_get(&sim, "/api/v1/statusTask/happyHorse?taskId=task_1", Some(KEY)).await.is_err());
    assert_eq!(sim.task(SimProvider::Apixo, "task_1").expect("stored").polls, 1);
}

#[tokio::test]
async fn broken_bodies_still_create_the_task() {
    let sim = start(polls(100)).await;
    let submit = Route::Submit(SimProvider::Modellix);

    sim.faults().push(submit, Fault::MalformedJson);
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 1);

    sim.faults().push(submit, Fault::MissingTaskId);
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(answer.status, 200);
    let v = answer.json();
    assert_eq!((v["code"].clone(), v["message"].clone()), (json!(0), json!("success")));
    assert!(v["data"].get("task_id").is_none() && v["data"].get("get_result").is_none(), "{v}");
    assert!(modellix::SubmitResponse::from_json_slice(&answer.body).is_err());
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 2);

    sim.faults().push(submit, Fault::Oversize { bytes: 100_000 });
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.len() >= 100_000);
    assert_eq!(answer.json()["data"]["task_id"], "task-3");
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 3);

    // APIXO: the same faults, and on status.
    sim.faults().push(Route::Submit(SimProvider::Apixo), Fault::MissingTaskId);
    let answer = post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await;
    assert_eq!(answer.json(), json!({"code": 200, "message": "success", "data": {}}));
    assert_eq!(sim.tasks_created(SimProvider::Apixo), 1);
    sim.faults().push(Route::Status(SimProvider::Apixo), Fault::MalformedJson);
    sim.faults().push(Route::Status(SimProvider::Apixo), Fault::Oversize { bytes: 5000 });
    let answer = apixo_status(&sim, "task_1").await;
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());
    let answer = apixo_status(&sim, "task_1").await;
    assert!(answer.body.len() >= 5000);
    assert!(apixo::StatusResponse::from_json_slice(&answer.body).is_ok());
}

#[tokio::test]
async fn connection_faults_carry_to_the_first_request() {
    let sim = start(polls(100)).await;
    sim.faults()
        .push(Route::AnyConnection, Fault::Status { status: 429, retry_after: Some("1".into()), create_task: false });
    let answer = post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await;
    assert_error(&answer, 429, &[]);
    assert_eq!(sim.tasks_created(SimProvider::Modellix), 0);
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await.status, 200);
}

#[tokio::test]
async fn rate_faults_are_deterministic_for_a_seed() {
    async fn pattern(sim: &Simulator, n: usize) -> Vec<u16> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(get(sim, "/api/v1/tasks/task-0", Some(KEY)).await.status);
        }
        out
    }
    let route = Route::Status(SimProvider::Modellix);
    let fault = Fault::Status { status: 503, retry_after: None, create_task: false };
    let a = start(polls(100)).await;
    let b = start(polls(100)).await;
    for sim in [&a, &b] {
        sim.faults().seed(7);
        sim.faults().set_rate(route, fault.clone(), 300);
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
        {"route": "modellix.submit", "fault": {"kind": "status", "status": 402}, "times": 2},
        {"route": "apixo.submit", "fault": "drop_after_read"},
    ]);
    let ok = send(http().post(&faults).body(script.to_string())).await.expect("post");
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_error(&post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await, 402, &[]);
    assert!(try_post(&sim, APIXO_SUBMIT, Some(KEY), &t2v("x")).await.is_err());

    let bad =
        send(http().post(&faults).body(r#"{"route": "nowhere", "fault": "malformed_json"}"#)).await.expect("post");
    assert_error(&bad, 400, &["route"]);

    let deleted = send(http().delete(&faults)).await.expect("delete");
    assert_eq!(deleted.status, 200);
    assert_eq!(post(&sim, MODELLIX_SUBMIT, Some(KEY), &r2v("x")).await.status, 200);

    let stats = get(&sim, "/_sim/stats", None).await.json();
    assert_eq!(stats["tasks_created"], json!({"apixo": 1, "modellix": 1}));
    assert_eq!(stats["requests"]["modellix.submit"], 2);
    assert_eq!(stats["requests"]["apixo.submit"], 1);
    assert_eq!(stats["faults"]["queued"]["modellix.submit"], 0);
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
/// takes: every kind and route is named, and every example they show is accepted as is.
#[tokio::test]
async fn the_documented_fault_json_is_what_the_simulator_takes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let help = std::fs::read_to_string(root.join("xtask/src/simulate_help.txt")).expect("the help text");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("the README");
    let sim = start(polls(100)).await;
    let faults = format!("{}/_sim/faults", sim.base_url());
    for (name, text) in [("simulate --help", &help), ("README.md", &readme)] {
        for kind in happyhorse_conformance::simulator::FAULT_KINDS {
            assert!(text.contains(&format!("{{\"kind\": \"{kind}\"")), "{name} does not show the fault kind {kind}");
        }
        for route in Route::ALL {
            assert!(text.contains(route.name()), "{name} does not name the route {}", route.name());
        }
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
        let answer = send(client.get(format!("{}/api/v1/tasks/task-1", sim.base_url())).bearer_auth(KEY)).await;
        assert_eq!(answer.expect("answer").status, 404);
    }
    assert_eq!(sim.requests(Route::AnyConnection), 1);
    assert_eq!(sim.requests(Route::Status(SimProvider::Modellix)), 3);
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

#[tokio::test]
async fn callbacks_are_delivered_without_polling() {
    let (url, received) = receiver(200).await;
    let sim = start(callback_config(&url)).await;
    let body = APIXO_EXAMPLES[5].1;
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), body).await.status, 200);
    advance_when_waiting(&sim, Duration::from_millis(29)).await;
    assert_eq!(sim.callback_attempts(), [], "delivered before the run time");
    sim.clock().advance(Duration::from_millis(1));
    // Acknowledged with 200: the deliveries have ended, so nothing more can arrive.
    let delivery = soon("the delivery ends", sim.wait_for_callback_delivery("task_1")).await;
    assert_eq!((delivery.attempts, delivery.end), (1, DeliveryEnd::Acknowledged));

    let attempts = sim.callback_attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].task_id, "task_1");
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
    assert_eq!((v["code"].clone(), v["data"]["taskId"].clone()), (json!(200), json!("task_1")));
    assert_eq!(v["data"]["state"], "success");
    assert!(v["data"]["resultJson"].is_string());
    let decoded = apixo::StatusResponse::from_json_slice(payload).expect("decodes");
    assert_eq!(decoded.data.state, apixo::TaskState::Success);
    // Nobody polled.
    assert_eq!(sim.task(SimProvider::Apixo, "task_1").expect("stored").polls, 0);
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
    let delivery = soon("the deliveries end", sim.wait_for_callback_delivery("task_1")).await;
    assert_eq!((delivery.attempts, delivery.end), (4, DeliveryEnd::GaveUp));
    assert_eq!(sim.clock().sleepers(), 0, "something still waits to be sent");

    let attempts = sim.callback_attempts();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.status == Some(500) && a.url == url && a.task_id == "task_1"));
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
    let delivery = soon("the deliveries end", sim.wait_for_callback_delivery("task_1")).await;
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
    assert_eq!(post(&sim, APIXO_SUBMIT, Some(KEY), APIXO_EXAMPLES[5].1).await.status, 200);
    advance_when_waiting(&sim, Duration::from_millis(30)).await;
    let delivery = soon("the delivery ends", sim.wait_for_callback_delivery("task_1")).await;
    assert_eq!(delivery.attempts, 0);
    assert_eq!(delivery.url, "https://your-server.com/webhooks/apixo");
    let DeliveryEnd::Undeliverable { reason } = &delivery.end else { panic!("sent: {delivery:?}") };
    assert!(reason.contains("your-server.com is not a loopback address"), "{reason}");
    assert_eq!(sim.callback_attempts(), []);

    let stats = get(&sim, "/_sim/stats", None).await.json();
    assert_eq!(stats["callbacks_undeliverable"], 1);
    assert_eq!(stats["callback_deliveries"][0]["outcome"], "undeliverable");
    assert_eq!(stats["callback_deliveries"][0]["task_id"], "task_1");
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
    let delivery = soon("the delivery ends", sim.wait_for_callback_delivery("task_1")).await;
    assert!(matches!(delivery.end, DeliveryEnd::Undeliverable { .. }), "{delivery:?}");
    assert_eq!(delivery.url, "https://collector.example.net/hooks");
}

/// `cargo xtask simulate --help` and the README tell how to point an application at the
/// simulator with no code change: by each provider's base-URL variable, as the generated
/// client names it (a regression guard of the docs against the spec's `base_url_env`).
#[test]
fn the_documented_base_url_variables_are_the_clients() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let help = std::fs::read_to_string(root.join("xtask/src/simulate_help.txt")).expect("the help text");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("the README");
    for info in happyhorse_client::providers::ALL {
        let var = info.base_url_env.unwrap_or_else(|| panic!("{} names no base-URL variable", info.name));
        let origin = "http://127.0.0.1:8787";
        let path = url_path(info.base_url);
        let setting = format!("{var}={origin}{path}");
        for (name, text) in [("simulate --help", &help), ("README.md", &readme)] {
            assert!(text.contains(&setting), "{name} does not show `{setting}`");
        }
    }
}

/// The path of a URL without its trailing slash (`/api/v1`, or empty).
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or_else(String::new, |i| after_scheme[i..].trim_end_matches('/').to_owned())
}
