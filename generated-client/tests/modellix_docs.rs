//! The generated Modellix client against its doc (`spec/docs/modellix-happyhorse-1.0-r2v.txt`,
//! cited as `modellix:<line>`) and the linked pages restated in `spec/docs/FACTS.md`
//! (cited as `FACTS:<line>`). Values here are written from the docs, not from the spec: the
//! documented examples are read from the saved doc at the cited lines, and the expected
//! values are written by hand.

mod doc_copy;

use happyhorse_client::modellix::*;
use happyhorse_client::runtime::{Rule, TaskPhase, Violations};
use serde_json::json;

/// The documented JSON on lines `first..=last` of the Modellix doc copy.
fn doc(first: usize, last: usize) -> String {
    doc_copy::json("modellix-happyhorse-1.0-r2v.txt", first, last)
}

fn violations(body: serde_json::Value) -> Violations {
    ReferenceToVideoRequest::from_json_value(&body).expect_err("the body must be rejected")
}

fn rules(v: &Violations) -> Vec<(String, Rule)> {
    v.as_slice().iter().map(|v| (v.path.clone(), v.rule)).collect()
}

#[test]
fn documented_submit_body() {
    // modellix:12-17
    let req = ReferenceToVideoRequest::from_json_slice(doc(12, 17).as_bytes()).unwrap();
    assert_eq!(req.reference_images, ["https://example.com/girl.jpg"]);
    assert_eq!(req.prompt, "A woman character1 wearing a red qipao, the camera moves smoothly");
    assert_eq!((req.resolution, req.ratio, req.duration, req.seed), (None, None, None, None));
    assert!(req.lints().is_empty(), "character1 names the one image");
    let built = ReferenceToVideoRequest::new(
        ["https://example.com/girl.jpg"],
        "A woman character1 wearing a red qipao, the camera moves smoothly",
    );
    let doc: serde_json::Value = serde_json::from_str(&doc(12, 17)).unwrap();
    assert_eq!(serde_json::to_value(&built).unwrap(), doc);
}

#[test]
fn documented_defaults_apply_when_omitted() {
    // modellix:74 default 1080P, 83 default 16:9, 95 default 5.
    let req = ReferenceToVideoRequest::new(["https://example.com/a.jpg"], "p");
    assert_eq!(req.resolution_or_default(), Resolution::P1080);
    assert_eq!(req.ratio_or_default(), Ratio::Landscape16x9);
    assert_eq!(req.duration_or_default(), 5);
}

#[test]
fn documented_submit_response() {
    // modellix:19-31
    let r = SubmitResponse::from_json_slice(doc(19, 31).as_bytes()).unwrap();
    assert_eq!(r.envelope_code(), 0);
    assert_eq!(r.task_id(), "task-abc123");
    assert_eq!(r.data.status, Some(TaskStatus::Pending));
    assert_eq!(r.data.model_id.as_deref(), Some("model-123"));
    assert_eq!(r.follow_url(), Some("https://api.modellix.ai/api/v1/tasks/task-abc123"));
    assert_eq!(r.data.get_result.as_ref().and_then(|g| g.method.as_deref()), Some("GET"));
}

#[test]
fn task_query_result_resources() {
    // FACTS:20-24: data holds status, task_id, model_id and result.resources (url, type, ...).
    let body = json!({"code": 0, "message": "success", "data": {
        "status": "success", "task_id": "task-abc123", "model_id": "model-123",
        "result": {"resources": [{"url": "https://cdn.example/v.mp4", "type": "video", "width": 1920, "height": 1080, "format": "mp4"}]}}});
    let r = TaskResponse::from_json_value(&body).unwrap();
    assert_eq!(r.phase(), TaskPhase::Succeeded);
    let res = &r.result().unwrap().resources[0];
    assert_eq!(
        (res.url.as_str(), &res.type_, res.width, res.height),
        ("https://cdn.example/v.mp4", &ResourceType::Video, Some(1920), Some(1080))
    );
    // FACTS:22: pending keeps polling; an undocumented status is kept and keeps polling too.
    let pending = json!({"code": 0, "data": {"status": "pending", "task_id": "t"}});
    assert_eq!(TaskResponse::from_json_value(&pending).unwrap().phase(), TaskPhase::Pending);
    let odd = json!({"code": 0, "data": {"status": "running", "task_id": "t"}});
    assert_eq!(*TaskResponse::from_json_value(&odd).unwrap().state(), TaskStatus::Unknown("running".into()));
}

#[test]
fn error_envelope_splits_category_and_detail() {
    // FACTS:26-29: {"code": <status>, "message": "<Category>: <detail>"}
    // The example the facts give in words, as the JSON they describe.
    let documented = json!({"code": 400, "message": "Invalid parameters: parameter 'prompt' is required"});
    let e = ErrorBody::from_json_value(&documented).unwrap();
    assert_eq!(e.api_code(), Some(400));
    assert_eq!(e.category(), Some((ErrorCategory::InvalidParameters, "parameter 'prompt' is required")));
    let odd = ErrorBody::from_json_value(&json!({"code": 409, "message": "Conflict: busy"})).unwrap();
    assert_eq!(odd.category(), Some((ErrorCategory::Unknown("Conflict".into()), "busy")));
    assert_eq!(ErrorBody::from_json_value(&json!({"message": "no separator"})).unwrap().category(), None);
}

#[test]
fn status_table() {
    // FACTS:30-33
    assert_eq!(http_status(500).unwrap().max_retries, Some(3));
    assert!(http_status(402).unwrap().rejected);
    assert!(!http_status(503).unwrap().rejected);
    assert_eq!(HTTP_STATUSES.len(), 7);
}

#[test]
fn prompt_length_is_weighted_for_chinese_characters() {
    // modellix:63,65 and decision 1: ideographs weigh 2 against a limit of 5000.
    let img = ["https://example.com/a.jpg"];
    assert!(ReferenceToVideoRequest::new(img, "中".repeat(2500)).validate().is_ok());
    assert!(ReferenceToVideoRequest::new(img, "a".repeat(5000)).validate().is_ok());
    let v = ReferenceToVideoRequest::new(img, "中".repeat(2500) + "a").validate().unwrap_err();
    let v = v.find("prompt", Rule::Length).unwrap();
    assert_eq!(v.actual, "5001");
    // CJK punctuation is not an ideograph: 5000 of them fit.
    assert!(ReferenceToVideoRequest::new(img, "。".repeat(5000)).validate().is_ok());
    // An Extension B ideograph (plane 2) weighs 2.
    assert!(ReferenceToVideoRequest::new(img, "\u{20000}".repeat(2501)).validate().is_err());
}

#[test]
fn opt_in_truncation_mirrors_the_server() {
    // modellix:63 "automatically truncated if exceeded"; decision 2: reject unless asked.
    let mut req = ReferenceToVideoRequest::new(["https://example.com/a.jpg"], "a".repeat(4999) + "中文");
    assert!(req.validate().is_err());
    assert!(req.truncate_prompt_to_limit());
    assert_eq!(req.prompt, "a".repeat(4999));
    assert!(req.validate().is_ok());
    assert!(!req.truncate_prompt_to_limit());
}

#[test]
fn character_mentions_beyond_the_images_are_warnings() {
    // modellix:63 character1, character2 ... follow array order; decision 9: a lint.
    let req = ReferenceToVideoRequest::new(
        ["https://example.com/a.jpg"],
        "Character1 interacts with object character2 in the scene",
    );
    assert_eq!(req.validate(), Ok(()));
    let lints = req.lints();
    assert_eq!(lints.len(), 1);
    assert_eq!(lints[0].path, "prompt");
    assert!(lints[0].message.contains("character2"), "{}", lints[0].message);
}

#[test]
fn ranges_and_spellings() {
    // modellix:57 1-9 images; 58 ^https?://; 79-80 upper-case 720P/1080P; 113 3..=15; 119 seed range.
    let v = violations(
        json!({"reference_images": [], "prompt": "p", "resolution": "720p", "duration": 2, "seed": 2147483648u64}),
    );
    let mut got = rules(&v);
    got.sort();
    assert_eq!(
        got,
        [
            ("duration".to_owned(), Rule::Range),
            ("reference_images".to_owned(), Rule::Items),
            ("resolution".to_owned(), Rule::Enum),
            ("seed".to_owned(), Rule::Range),
        ]
    );
    let ok = json!({"reference_images": ["http://example.com/a.jpg"], "prompt": "p", "resolution": "720P", "duration": 15, "seed": 0});
    assert!(ReferenceToVideoRequest::from_json_value(&ok).is_ok());
    let v = violations(json!({"reference_images": ["example.com/a.jpg"], "prompt": "p"}));
    assert_eq!(rules(&v), [("reference_images[0]".to_owned(), Rule::Url)]);
}

#[test]
fn media_rules_are_recorded_for_a_preflight() {
    // modellix:55 JPEG/JPG/PNG/WEBP, short edge >= 400 px, <= 10MB; decision 10.
    let m = ReferenceToVideoRequest::REFERENCE_IMAGES_MEDIA;
    assert_eq!(
        (m.formats, m.min_short_edge_px, m.max_bytes),
        (&["jpeg", "jpg", "png", "webp"][..], Some(400), 10_000_000)
    );
}

#[test]
fn polling_has_a_recorded_default() {
    // Modellix documents no schedule (FACTS:22 only says keep polling); the spec decides.
    let p = ReferenceToVideoRequest::new(["https://example.com/a.jpg"], "p").polling();
    assert_eq!((p.first_poll.as_secs(), p.interval_min.as_secs()), (30, 10));
}
