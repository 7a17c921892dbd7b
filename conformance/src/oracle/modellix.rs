//! Modellix HappyHorse 1.0 reference-to-video cases, from modellix-happyhorse-1.0-r2v.txt
//! and FACTS.md (task query and errors).

use happyhorse_client::runtime::TaskPhase;
use serde_json::{Value, json};

use super::{Expect, Expected, RequestCase, ResponseCase};

fn case(name: &'static str, doc: &'static str, body: Value, client: Expect) -> RequestCase {
    RequestCase { module: "modellix", name, doc, body, client, provider: None }
}

fn with(extra: Value) -> Value {
    let mut body = json!({"reference_images": ["https://example.com/girl.jpg"], "prompt": "A woman character1 wearing a red qipao"});
    if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    body
}

fn images(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("https://example.com/{i}.jpg")).collect()
}

/// Request bodies.
pub(super) fn requests() -> Vec<RequestCase> {
    use Expect::{Accept, Reject};
    let mut truncated_ascii = case(
        "prompt of 5001 characters",
        "modellix:63, 65 (5000, truncated); decision 2",
        with(json!({"prompt": "a".repeat(5001)})),
        Reject("prompt"),
    );
    truncated_ascii.provider = Some(Accept);
    let mut truncated_cjk = case(
        "prompt of 2501 Chinese characters",
        "modellix:63 (2500 Chinese, truncated); decisions 1, 2",
        with(json!({"prompt": "中".repeat(2501)})),
        Reject("prompt"),
    );
    truncated_cjk.provider = Some(Accept);
    vec![
        case(
            "documented submit body",
            "modellix:12-17",
            json!({"reference_images": ["https://example.com/girl.jpg"], "prompt": "A woman character1 wearing a red qipao, the camera moves smoothly"}),
            Accept,
        ),
        case("nine images", "modellix:57 (1 - 9)", with(json!({"reference_images": images(9)})), Accept),
        case("ten images", "modellix:57", with(json!({"reference_images": images(10)})), Reject("reference_images")),
        case("no images", "modellix:57", with(json!({"reference_images": []})), Reject("reference_images")),
        case("reference_images missing", "modellix:51-53 required", json!({"prompt": "p"}), Reject("reference_images")),
        case(
            "an http image URL",
            "modellix:55, 58 (HTTP/HTTPS, ^https?://)",
            with(json!({"reference_images": ["http://example.com/a.jpg"]})),
            Accept,
        ),
        case(
            "an image URL without a scheme",
            "modellix:58 ^https?://",
            with(json!({"reference_images": ["example.com/a.jpg"]})),
            Reject("reference_images[0]"),
        ),
        case(
            "prompt missing",
            "modellix:60-62 required",
            json!({"reference_images": ["https://example.com/a.jpg"]}),
            Reject("prompt"),
        ),
        case("empty prompt", "modellix:65 (1 - 5000)", with(json!({"prompt": ""})), Reject("prompt")),
        case("prompt of 5000 characters", "modellix:63, 65", with(json!({"prompt": "a".repeat(5000)})), Accept),
        case(
            "prompt of 2500 Chinese characters",
            "modellix:63 (2500 Chinese characters); decision 1",
            with(json!({"prompt": "中".repeat(2500)})),
            Accept,
        ),
        case(
            "CJK punctuation is not a Chinese character",
            "decision 1",
            with(json!({"prompt": "。".repeat(5000)})),
            Accept,
        ),
        truncated_ascii,
        truncated_cjk,
        case("resolution 720P", "modellix:79", with(json!({"resolution": "720P"})), Accept),
        case(
            "resolution spelled 720p",
            "modellix:78-80 (720P, 1080P)",
            with(json!({"resolution": "720p"})),
            Reject("resolution"),
        ),
        case("ratio 4:3", "modellix:90", with(json!({"ratio": "4:3"})), Accept),
        case("an undocumented ratio", "modellix:87-92", with(json!({"ratio": "2:1"})), Reject("ratio")),
        case("duration 3", "modellix:113", with(json!({"duration": 3})), Accept),
        case("duration 15", "modellix:113", with(json!({"duration": 15})), Accept),
        case("duration 2", "modellix:113", with(json!({"duration": 2})), Reject("duration")),
        case("duration 16", "modellix:113", with(json!({"duration": 16})), Reject("duration")),
        case("a fractional duration", "modellix:97 (an integer)", with(json!({"duration": 5.5})), Reject("duration")),
        case("seed 0", "modellix:119", with(json!({"seed": 0})), Accept),
        case("seed 2147483647", "modellix:119", with(json!({"seed": 2147483647})), Accept),
        case("seed -1", "modellix:119", with(json!({"seed": -1})), Reject("seed")),
        case("seed 2147483648", "modellix:119", with(json!({"seed": 2147483648u64})), Reject("seed")),
        case(
            "an undocumented field",
            "modellix:48-119",
            with(json!({"negative_prompt": "x"})),
            Reject("negative_prompt"),
        ),
    ]
}

/// Documented answers.
pub(super) fn responses() -> Vec<ResponseCase> {
    vec![
        ResponseCase {
            module: "modellix",
            name: "submit accepted",
            doc: "modellix:19-31",
            body: "{\n  \"code\": 0,\n  \"message\": \"success\",\n  \"data\": {\n    \"status\": \"pending\",\n    \"task_id\": \"task-abc123\",\n    \"model_id\": \"model-123\",\n    \"get_result\": {\n      \"method\": \"GET\",\n      \"url\": \"https://api.modellix.ai/api/v1/tasks/task-abc123\"\n    }\n  }\n}",
            expect: Expected::Submitted {
                task_id: "task-abc123",
                follow: Some("https://api.modellix.ai/api/v1/tasks/task-abc123"),
            },
        },
        ResponseCase {
            module: "modellix",
            name: "task pending",
            doc: "FACTS:20-22",
            body: r#"{"code": 0, "message": "success", "data": {"status": "pending", "task_id": "task-abc123", "model_id": "model-123"}}"#,
            expect: Expected::Status {
                task_id: "task-abc123",
                state: "pending",
                phase: TaskPhase::Pending,
                outputs: vec![],
                fail_code: None,
                fail_message: None,
                retry_may_help: false,
            },
        },
        ResponseCase {
            module: "modellix",
            name: "task succeeded",
            doc: "FACTS:20-25",
            body: r#"{"code": 0, "message": "success", "data": {"status": "success", "task_id": "task-abc123", "model_id": "model-123", "result": {"resources": [{"url": "https://cdn.example/v.mp4", "type": "video", "width": 1920, "height": 1080, "format": "mp4"}]}}}"#,
            expect: Expected::Status {
                task_id: "task-abc123",
                state: "success",
                phase: TaskPhase::Succeeded,
                outputs: vec!["https://cdn.example/v.mp4"],
                fail_code: None,
                fail_message: None,
                retry_may_help: false,
            },
        },
        ResponseCase {
            module: "modellix",
            name: "task failed",
            doc: "FACTS:22",
            body: r#"{"code": 0, "message": "success", "data": {"status": "failed", "task_id": "task-abc123"}}"#,
            expect: Expected::Status {
                task_id: "task-abc123",
                state: "failed",
                phase: TaskPhase::Failed,
                outputs: vec![],
                fail_code: None,
                fail_message: None,
                retry_may_help: false,
            },
        },
        ResponseCase {
            module: "modellix",
            name: "error envelope",
            doc: "FACTS:26-27",
            body: r#"{"code": 400, "message": "Invalid parameters: parameter 'prompt' is required"}"#,
            expect: Expected::Error {
                code: Some(400),
                message: Some("Invalid parameters: parameter 'prompt' is required"),
            },
        },
    ]
}
