//! APIXO HappyHorse cases, from apixo-happyhorse.txt and FACTS.md (webhooks).

use happyhorse_client::runtime::TaskPhase;
use serde_json::{Value, json};

use super::{BillingCase, Expect, Expected, RequestCase, ResponseCase};

fn case(name: &'static str, doc: &'static str, body: Value, client: Expect) -> RequestCase {
    RequestCase { module: "apixo", name, doc, body, client, provider: None }
}

fn body(input: Value) -> Value {
    json!({"request_type": "async", "input": input})
}

fn urls(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("https://example.com/img-{i}.png")).collect()
}

/// Request bodies.
pub(super) fn requests() -> Vec<RequestCase> {
    use Expect::{Accept, Reject};
    let t2v = |extra: Value| {
        let mut input = json!({"mode": "text-to-video", "prompt": "a cinematic rainy night in tokyo"});
        merge(&mut input, extra);
        body(input)
    };
    let i2v = |extra: Value| {
        let mut input = json!({"mode": "image-to-video", "image_urls": ["https://example.com/first-frame.png"]});
        merge(&mut input, extra);
        body(input)
    };
    let r2v = |extra: Value| {
        let mut input = json!({"mode": "reference-to-video", "prompt": "keep the style", "image_urls": urls(2)});
        merge(&mut input, extra);
        body(input)
    };
    let edit = |extra: Value| {
        let mut input =
            json!({"mode": "video-edit", "prompt": "watercolor", "video_urls": ["https://example.com/input.mp4"]});
        merge(&mut input, extra);
        body(input)
    };
    let emoji_2500: String = "😀".repeat(2500);
    vec![
        // The documented bodies, verbatim.
        case(
            "quickstart",
            "apixo:42-50",
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "a cinematic rainy night in tokyo, slow dolly shot, reflective streets", "resolution": "720p", "ratio": "16:9", "duration": 5}}),
            Accept,
        ),
        case(
            "text-to-video example",
            "apixo:110-120",
            json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "a cinematic rainy night in tokyo, slow dolly shot, reflective streets", "resolution": "1080p", "ratio": "16:9", "duration": 5, "watermark": false}}),
            Accept,
        ),
        case(
            "image-to-video example",
            "apixo:124-136",
            json!({"request_type": "async", "input": {"mode": "image-to-video", "image_urls": ["https://example.com/first-frame.png"], "prompt": "animate the scene with a gentle camera move", "resolution": "720p", "duration": 5, "watermark": false}}),
            Accept,
        ),
        case(
            "reference-to-video example",
            "apixo:140-154",
            json!({"request_type": "async", "input": {"mode": "reference-to-video", "prompt": "keep the character style consistent across all references", "image_urls": ["https://example.com/ref-1.png", "https://example.com/ref-2.png"], "resolution": "1080p", "ratio": "16:9", "duration": 6, "watermark": false}}),
            Accept,
        ),
        case(
            "video edit example",
            "apixo:158-173",
            json!({"request_type": "async", "input": {"mode": "video-edit", "video_urls": ["https://example.com/input.mp4"], "image_urls": ["https://example.com/reference.png"], "prompt": "change the scene to watercolor style", "resolution": "1080p", "audio_setting": "origin", "watermark": false}}),
            Accept,
        ),
        case(
            "callback example",
            "apixo:239-253",
            json!({"request_type": "callback", "callback_url": "https://your-server.com/webhooks/apixo", "input": {"mode": "video-edit", "video_urls": ["https://example.com/input.mp4"], "image_urls": ["https://example.com/reference.png"], "prompt": "change the scene to watercolor style", "resolution": "1080p", "audio_setting": "origin", "watermark": false}}),
            Accept,
        ),
        // Prompt (apixo:15-16).
        case("image-to-video without a prompt", "apixo:15 optional for image-to-video", i2v(json!({})), Accept),
        case(
            "text-to-video without a prompt",
            "apixo:15 required for text-to-video",
            body(json!({"mode": "text-to-video"})),
            Reject("input.prompt"),
        ),
        case(
            "reference-to-video without a prompt",
            "apixo:15, 310",
            body(json!({"mode": "reference-to-video", "image_urls": urls(1)})),
            Reject("input.prompt"),
        ),
        case(
            "video-edit without a prompt",
            "apixo:15",
            body(json!({"mode": "video-edit", "video_urls": ["https://example.com/v.mp4"]})),
            Reject("input.prompt"),
        ),
        case("prompt of 2500 characters", "apixo:16", t2v(json!({"prompt": "a".repeat(2500)})), Accept),
        case(
            "prompt of 2500 astral characters",
            "apixo:16, decision 3 (scalar values)",
            t2v(json!({"prompt": emoji_2500})),
            Accept,
        ),
        case("prompt of 2501 characters", "apixo:16", t2v(json!({"prompt": "é".repeat(2501)})), Reject("input.prompt")),
        case("empty image-to-video prompt", "decision 7", i2v(json!({"prompt": ""})), Reject("input.prompt")),
        // Images and videos (apixo:17-18, 309-311).
        case(
            "image-to-video with two images",
            "apixo:17, 309",
            i2v(json!({"image_urls": urls(2)})),
            Reject("input.image_urls"),
        ),
        case(
            "image-to-video without images",
            "apixo:17",
            body(json!({"mode": "image-to-video"})),
            Reject("input.image_urls"),
        ),
        case("reference-to-video with nine images", "apixo:17", r2v(json!({"image_urls": urls(9)})), Accept),
        case(
            "reference-to-video with ten images",
            "apixo:17, 310",
            r2v(json!({"image_urls": urls(10)})),
            Reject("input.image_urls"),
        ),
        case(
            "reference-to-video with no images",
            "apixo:17",
            r2v(json!({"image_urls": []})),
            Reject("input.image_urls"),
        ),
        case("video-edit with five references", "apixo:17", edit(json!({"image_urls": urls(5)})), Accept),
        case("video-edit with no references", "apixo:17 (0-5)", edit(json!({"image_urls": []})), Accept),
        case(
            "video-edit with six references",
            "apixo:17, 311",
            edit(json!({"image_urls": urls(6)})),
            Reject("input.image_urls"),
        ),
        case(
            "video-edit with two videos",
            "apixo:18, 311",
            edit(json!({"video_urls": ["https://example.com/a.mp4", "https://example.com/b.mp4"]})),
            Reject("input.video_urls"),
        ),
        case(
            "video-edit without a video",
            "apixo:18",
            body(json!({"mode": "video-edit", "prompt": "p"})),
            Reject("input.video_urls"),
        ),
        case(
            "an image URL that is not http(s)",
            "apixo:308",
            r2v(json!({"image_urls": ["ftp://example.com/a.png"]})),
            Reject("input.image_urls[0]"),
        ),
        case(
            "videos only in video-edit",
            "apixo:18",
            t2v(json!({"video_urls": ["https://example.com/v.mp4"]})),
            Reject("input.video_urls"),
        ),
        // Ratio, resolution, duration, audio (apixo:19-22, 312-313).
        case("every ratio in text-to-video", "apixo:19", t2v(json!({"ratio": "3:4"})), Accept),
        case("ratio 9:16 in reference-to-video", "apixo:19", r2v(json!({"ratio": "9:16"})), Accept),
        case("ratio in image-to-video", "apixo:19, 312", i2v(json!({"ratio": "16:9"})), Reject("input.ratio")),
        case("ratio in video-edit", "apixo:312", edit(json!({"ratio": "1:1"})), Reject("input.ratio")),
        case("an undocumented ratio", "apixo:19", t2v(json!({"ratio": "21:9"})), Reject("input.ratio")),
        case("resolution 1080p", "apixo:20", t2v(json!({"resolution": "1080p"})), Accept),
        case(
            "resolution spelled 720P",
            "apixo:20 (720p, 1080p)",
            t2v(json!({"resolution": "720P"})),
            Reject("input.resolution"),
        ),
        case("duration 3", "apixo:21", t2v(json!({"duration": 3})), Accept),
        case("duration 15", "apixo:21", i2v(json!({"duration": 15})), Accept),
        case("duration 2", "apixo:21", t2v(json!({"duration": 2})), Reject("input.duration")),
        case("duration 16", "apixo:21", r2v(json!({"duration": 16})), Reject("input.duration")),
        case("duration in video-edit", "apixo:21, 313", edit(json!({"duration": 5})), Reject("input.duration")),
        case(
            "audio_setting auto in video-edit",
            "apixo:22, FACTS audio_setting",
            edit(json!({"audio_setting": "auto"})),
            Accept,
        ),
        case(
            "audio_setting outside video-edit",
            "apixo:22",
            t2v(json!({"audio_setting": "origin"})),
            Reject("input.audio_setting"),
        ),
        case(
            "an undocumented mode",
            "apixo:14",
            body(json!({"mode": "text-to-image", "prompt": "p"})),
            Reject("input.mode"),
        ),
        // request_type and callback_url (apixo:177-184).
        case(
            "request_type missing",
            "apixo:180 required, decision 6",
            json!({"input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("request_type"),
        ),
        case(
            "an undocumented request_type",
            "apixo:181",
            json!({"request_type": "sync", "input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("request_type"),
        ),
        case(
            "callback without callback_url",
            "apixo:184",
            json!({"request_type": "callback", "input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("callback_url"),
        ),
        case(
            "callback_url over http",
            "apixo:184 public HTTPS",
            json!({"request_type": "callback", "callback_url": "http://your-server.com/hook", "input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("callback_url"),
        ),
        case(
            "callback_url on loopback",
            "apixo:184 public",
            json!({"request_type": "callback", "callback_url": "https://127.0.0.1/hook", "input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("callback_url"),
        ),
        case(
            "callback_url on a private address",
            "apixo:184 public",
            json!({"request_type": "callback", "callback_url": "https://192.168.1.20/hook", "input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("callback_url"),
        ),
        case("input missing", "apixo:187 required", json!({"request_type": "async"}), Reject("input")),
        case(
            "an undocumented top-level field",
            "apixo:175-188 (request_type, callback_url, input)",
            json!({"request_type": "async", "model": "x", "input": {"mode": "text-to-video", "prompt": "p"}}),
            Reject("model"),
        ),
    ]
}

/// Adds `extra`'s keys to `target`.
fn merge(target: &mut Value, extra: Value) {
    if let (Some(t), Value::Object(e)) = (target.as_object_mut(), extra) {
        t.extend(e);
    }
}

/// Billing (apixo:257-269): per second, 720p $0.125 (market $0.1625), 1080p $0.225 (market
/// $0.2875); video-edit bills input + output seconds with the input capped at 15 s and the
/// output billed at the same capped duration.
pub(super) fn billing() -> Vec<BillingCase> {
    let b = |name, doc, input: Value, inputs: Vec<(&'static str, &'static str)>, expect| BillingCase {
        module: "apixo",
        name,
        doc,
        body: body(input),
        inputs,
        expect,
    };
    vec![
        b(
            "text-to-video 720p 5 s",
            "apixo:261, 265",
            json!({"mode": "text-to-video", "prompt": "p", "resolution": "720p", "duration": 5}),
            vec![],
            Ok(("0.625", "0.8125")),
        ),
        b(
            "text-to-video 1080p 15 s",
            "apixo:262, 265",
            json!({"mode": "text-to-video", "prompt": "p", "resolution": "1080p", "duration": 15}),
            vec![],
            Ok(("3.375", "4.3125")),
        ),
        b(
            "image-to-video 720p 3 s",
            "apixo:261, 266",
            json!({"mode": "image-to-video", "image_urls": ["https://example.com/a.png"], "resolution": "720p", "duration": 3}),
            vec![],
            Ok(("0.375", "0.4875")),
        ),
        b(
            "reference-to-video 1080p 6 s",
            "apixo:262, 267",
            json!({"mode": "reference-to-video", "prompt": "p", "image_urls": ["https://example.com/a.png"], "resolution": "1080p", "duration": 6}),
            vec![],
            Ok(("1.35", "1.725")),
        ),
        b(
            "video-edit 1080p 10 s input",
            "apixo:262, 268-269",
            json!({"mode": "video-edit", "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "resolution": "1080p"}),
            vec![("input_video_seconds", "10")],
            Ok(("4.5", "5.75")),
        ),
        b(
            "video-edit 720p 15 s input",
            "apixo:261, 269",
            json!({"mode": "video-edit", "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "resolution": "720p"}),
            vec![("input_video_seconds", "15")],
            Ok(("3.75", "4.875")),
        ),
        b(
            "video-edit 720p 60 s input is capped",
            "apixo:269 caps the billable input side at 15 seconds",
            json!({"mode": "video-edit", "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "resolution": "720p"}),
            vec![("input_video_seconds", "60")],
            Ok(("3.75", "4.875")),
        ),
        b(
            "video-edit 1080p 7.3 s input, exact",
            "apixo:269, decision 5 (no rounding)",
            json!({"mode": "video-edit", "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "resolution": "1080p"}),
            vec![("input_video_seconds", "7.3")],
            Ok(("3.285", "4.1975")),
        ),
        b(
            "no resolution, no guess",
            "apixo:259 resolution determines the price; decision 4",
            json!({"mode": "text-to-video", "prompt": "p", "duration": 5}),
            vec![],
            Err("input.resolution"),
        ),
        b(
            "no duration, no guess",
            "apixo:265; decision 4",
            json!({"mode": "text-to-video", "prompt": "p", "resolution": "720p"}),
            vec![],
            Err("input.duration"),
        ),
        b(
            "video-edit without the probed seconds",
            "apixo:269 the backend probes the input duration",
            json!({"mode": "video-edit", "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "resolution": "720p"}),
            vec![],
            Err("input_video_seconds"),
        ),
    ]
}

/// Documented answers, verbatim.
pub(super) fn responses() -> Vec<ResponseCase> {
    let status = |task_id, state, phase, outputs: Vec<&'static str>, fail_code, fail_message, retry_may_help| {
        Expected::Status { task_id, state, phase, outputs, fail_code, fail_message, retry_may_help }
    };
    vec![
        ResponseCase {
            module: "apixo",
            name: "submit accepted",
            doc: "apixo:53-59",
            body: "{\n  \"code\": 200,\n  \"message\": \"success\",\n  \"data\": {\n    \"taskId\": \"task_12345678\"\n  }\n}",
            expect: Expected::Submitted { task_id: "task_12345678", follow: None },
        },
        ResponseCase {
            module: "apixo",
            name: "processing",
            doc: "apixo:67-75",
            body: "{\n  \"code\": 200,\n  \"message\": \"success\",\n  \"data\": {\n    \"taskId\": \"task_12345678\",\n    \"state\": \"processing\",\n    \"createTime\": 1767965610929\n  }\n}",
            expect: status("task_12345678", "processing", TaskPhase::Pending, vec![], None, None, false),
        },
        ResponseCase {
            module: "apixo",
            name: "success",
            doc: "apixo:77-88, 102-104",
            body: "{\n  \"code\": 200,\n  \"message\": \"success\",\n  \"data\": {\n    \"taskId\": \"task_12345678\",\n    \"state\": \"success\",\n    \"resultJson\": \"{\\\"resultUrls\\\":[\\\"https://r2.apixo.ai/video.mp4\\\"]}\",\n    \"createTime\": 1767965610929,\n    \"completeTime\": 1767965652317,\n    \"costTime\": 41388\n  }\n}",
            expect: status(
                "task_12345678",
                "success",
                TaskPhase::Succeeded,
                vec!["https://r2.apixo.ai/video.mp4"],
                None,
                None,
                false,
            ),
        },
        ResponseCase {
            module: "apixo",
            name: "failed",
            doc: "apixo:90-101, 299",
            body: "{\n  \"code\": 200,\n  \"message\": \"success\",\n  \"data\": {\n    \"taskId\": \"task_12345678\",\n    \"state\": \"failed\",\n    \"failCode\": \"PromptInvalid\",\n    \"failMsg\": \"Prompt is invalid or rejected by provider\",\n    \"createTime\": 1767965610929,\n    \"completeTime\": 1767965620132\n  }\n}",
            expect: status(
                "task_12345678",
                "failed",
                TaskPhase::Failed,
                vec![],
                Some("PromptInvalid"),
                Some("Prompt is invalid or rejected by provider"),
                false,
            ),
        },
        ResponseCase {
            module: "apixo",
            name: "webhook with a code outside the table",
            doc: "FACTS:40-43, 47-48 (CONTENT_VIOLATION)",
            body: r#"{"code": 200, "message": "success", "data": {"taskId": "task_9", "state": "failed", "failCode": "CONTENT_VIOLATION", "failMsg": "blocked", "createTime": 1767965610929, "completeTime": 1767965620132}}"#,
            expect: status(
                "task_9",
                "failed",
                TaskPhase::Failed,
                vec![],
                Some("CONTENT_VIOLATION"),
                Some("blocked"),
                false,
            ),
        },
        ResponseCase {
            module: "apixo",
            name: "timeout alias",
            doc: "apixo:303 Timeout / Task TimeOut, retry",
            body: r#"{"code": 200, "data": {"taskId": "t", "state": "failed", "failCode": "Task TimeOut"}}"#,
            expect: status("t", "failed", TaskPhase::Failed, vec![], Some("Timeout"), None, true),
        },
        ResponseCase {
            module: "apixo",
            name: "sensitive content alias",
            doc: "apixo:300 SensitiveContent / SensitiveContentDetected",
            body: r#"{"code": 200, "data": {"taskId": "t", "state": "failed", "failCode": "SensitiveContentDetected"}}"#,
            expect: status("t", "failed", TaskPhase::Failed, vec![], Some("SensitiveContent"), None, false),
        },
    ]
}
