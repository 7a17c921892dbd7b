//! The generated Modellix client's text-to-video and image-to-video operations against the
//! facts given for their pages, restated in `spec/docs/modellix-happyhorse-1.0-t2v.txt`
//! (cited `t2v:<line>`) and `spec/docs/modellix-happyhorse-1.0-i2v.txt` (cited `i2v:<line>`).
//! The documented example bodies are read from those copies; expected values are written by
//! hand from them, never taken from the spec.

mod doc_copy;

use happyhorse_client::modellix::*;
use happyhorse_client::runtime::{MediaSource, Rule, Violations};
use serde_json::json;

fn rules(v: &Violations) -> Vec<(String, Rule)> {
    let mut got: Vec<(String, Rule)> = v.as_slice().iter().map(|v| (v.path.clone(), v.rule)).collect();
    got.sort();
    got
}

/// A PNG header of `w` x `h` pixels: enough for the preflight to read format and size.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v
}

#[test]
fn one_client_submits_all_three_models() {
    // r2v, t2v (t2v:2-7) and i2v (i2v:2-7) are three endpoints of one provider.
    // At least these three: a maintainer may add a model by an endpoint file (as
    // `cargo xtask ci-proof` does), which must not break this test.
    let keys: Vec<&str> = SUBMITS.iter().map(|e| e.key).collect();
    for key in ["i2v", "r2v", "t2v"] {
        assert!(keys.contains(&key), "no `{key}` among {keys:?}");
    }
    let path = |k: &str| SUBMITS.iter().find(|e| e.key == k).map(|e| e.path);
    assert_eq!(path("t2v"), Some("/api/v1/alibaba/happyhorse-1.0-t2v/async"));
    assert_eq!(path("i2v"), Some("/api/v1/alibaba/happyhorse-1.0-i2v/async"));
    let t2v = Request::from(TextToVideoRequest::new("p"));
    let i2v = Request::from(ImageToVideoRequest::new("https://example.com/first.jpg"));
    assert_eq!((t2v.operation(), i2v.operation()), ("t2v", "i2v"));
}

#[test]
fn documented_text_to_video_body() {
    // t2v:11-13
    let text = doc_copy::json("modellix-happyhorse-1.0-t2v.txt", 11, 13);
    let req = TextToVideoRequest::from_json_slice(text.as_bytes()).unwrap();
    assert_eq!(req.prompt, "A miniature city made of cardboard and bottle caps comes to life at night.");
    assert_eq!((req.resolution, req.ratio, req.duration, req.seed), (None, None, None, None));
    // t2v:27 default 1080P, 36 default 16:9, 48 default 5.
    assert_eq!(req.resolution_or_default(), Resolution::P1080);
    assert_eq!(req.ratio_or_default(), Ratio::Landscape16x9);
    assert_eq!(req.duration_or_default(), 5);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&req).unwrap(), doc);
    // The same body is not an i2v body: the raw reader checks it against the operation named.
    let v = Request::from_json_for("i2v", &doc).unwrap_err();
    assert_eq!(rules(&v), [("first_frame_image".to_owned(), Rule::Required)]);
    assert!(Request::from_json_for("t2v", &doc).is_ok());
}

#[test]
fn text_to_video_limits() {
    // t2v:20 required, 22-24 1-5000 weighted; 31-33 720P|1080P; 40-45 five ratios; 52 3-15; 58 seed.
    let v = TextToVideoRequest::from_json_value(
        &json!({"prompt": "", "resolution": "4K", "ratio": "21:9", "duration": 16, "seed": -1}),
    )
    .unwrap_err();
    assert_eq!(
        rules(&v),
        [
            ("duration".to_owned(), Rule::Range),
            ("prompt".to_owned(), Rule::Length),
            ("ratio".to_owned(), Rule::Enum),
            ("resolution".to_owned(), Rule::Enum),
            ("seed".to_owned(), Rule::Range),
        ]
    );
    let v = TextToVideoRequest::from_json_value(&json!({})).unwrap_err();
    assert_eq!(rules(&v), [("prompt".to_owned(), Rule::Required)]);
    assert!(TextToVideoRequest::new("中".repeat(2500)).validate().is_ok());
    assert!(TextToVideoRequest::new("中".repeat(2500) + "a").validate().is_err());
    for ratio in ["16:9", "9:16", "1:1", "4:3", "3:4"] {
        assert!(TextToVideoRequest::from_json_value(&json!({"prompt": "p", "ratio": ratio})).is_ok(), "{ratio}");
    }
    let mut long = TextToVideoRequest::new("a".repeat(5001));
    assert!(long.truncate_prompt_to_limit(), "t2v:22 automatically truncated if exceeded");
    assert_eq!(long.prompt.len(), 5000);
}

#[test]
fn documented_image_to_video_body() {
    // i2v:11-13
    let text = doc_copy::json("modellix-happyhorse-1.0-i2v.txt", 11, 13);
    let req = ImageToVideoRequest::from_json_slice(text.as_bytes()).unwrap();
    assert_eq!(req.first_frame_image.as_str(), "https://example.com/first.jpg");
    assert!(!req.first_frame_image.is_data());
    assert_eq!((&req.prompt, req.resolution, req.duration, req.seed), (&None, None, None, None));
    assert_eq!(req.resolution_or_default(), Resolution::P1080);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(ImageToVideoRequest::new("https://example.com/first.jpg")).unwrap(), doc);
}

#[test]
fn the_first_frame_is_one_url_or_one_data_uri() {
    // i2v:18-24: a single string, required, pattern ^(https?://|data:image/).
    let data = MediaSource::data("image/png", &png(640, 480));
    assert!(data.as_str().starts_with("data:image/png;base64,"));
    assert!(ImageToVideoRequest::new(data).validate().is_ok());
    assert!(ImageToVideoRequest::new("http://example.com/a.png").validate().is_ok());
    let bad = |body: serde_json::Value| rules(&ImageToVideoRequest::from_json_value(&body).unwrap_err());
    assert_eq!(
        bad(json!({"first_frame_image": ["https://example.com/a.png"]})),
        [("first_frame_image".to_owned(), Rule::Type)],
        "an array is not a single string"
    );
    assert_eq!(
        bad(json!({"first_frame_image": "ftp://example.com/a.png"})),
        [("first_frame_image".to_owned(), Rule::Url)]
    );
    // A data URI of another media type breaks the pattern and the data URI rule.
    assert_eq!(
        bad(json!({"first_frame_image": "data:text/plain;base64,AAAA"})),
        [("first_frame_image".to_owned(), Rule::Url), ("first_frame_image".to_owned(), Rule::DataUri)]
    );
    assert_eq!(
        bad(json!({"first_frame_image": "data:image/png;base64,not base64!"})),
        [("first_frame_image".to_owned(), Rule::DataUri)]
    );
    // i2v:33 there is no ratio field.
    assert_eq!(
        bad(json!({"first_frame_image": "https://example.com/a.png", "ratio": "16:9"})),
        [("ratio".to_owned(), Rule::UnknownField)]
    );
}

#[test]
fn a_data_uri_is_limited_to_10mb_of_decoded_bytes() {
    // i2v:22 `File size: <= 10MB`, read as 10,000,000 bytes (decision 10).
    let at_limit = MediaSource::data("image/jpeg", &vec![0u8; 10_000_000]);
    assert!(ImageToVideoRequest::new(at_limit).validate().is_ok());
    let over = MediaSource::data("image/jpeg", &vec![0u8; 10_000_001]);
    let v = ImageToVideoRequest::new(over).validate().unwrap_err();
    let v = v.find("first_frame_image", Rule::DataUri).expect("data_uri violation");
    assert_eq!(v.actual, "10000001 decoded bytes");
    assert_eq!(v.limit, "a base64 data URI (data:image/...;base64,) of at most 10000000 decoded bytes");
    assert_eq!(v.constraint, "modellix.i2v.first_frame_image:data_uri");
    // The violation quotes no 13 MB of base64.
    assert!(v.to_string().len() < 400, "{}", v.to_string().len());
}

#[test]
fn image_rules_for_the_preflight() {
    // i2v:22 JPEG/JPG/PNG/WEBP; width and height >= 300 pixels; 1:2.5 to 2.5:1; <= 10MB.
    let m = ImageToVideoRequest::FIRST_FRAME_IMAGE_MEDIA;
    assert_eq!(m.formats, ["jpeg", "jpg", "png", "webp"]);
    assert_eq!((m.min_short_edge_px, m.min_width_px, m.min_height_px), (None, Some(300), Some(300)));
    assert_eq!(m.max_bytes, 10_000_000);
    let aspect = m.aspect.expect("an aspect range");
    assert_eq!((aspect.min_text, aspect.max_text), ("1:2.5", "2.5:1"));
    // Both ends are allowed (decision 10: "from ... to" names both ends).
    for (w, h, ok) in [(300, 750, true), (750, 300, true), (300, 751, false), (751, 300, false), (500, 500, true)] {
        assert_eq!(aspect.contains(w, h), ok, "{w}x{h}");
    }
}

#[tokio::test]
async fn the_preflight_decodes_a_data_uri_instead_of_fetching_it() {
    // i2v:22: a 299-pixel-wide frame and a 1:3 frame break the pixel and aspect rules.
    let narrow = ImageToVideoRequest::new(MediaSource::data("image/png", &png(299, 600)));
    let v = narrow.preflight_media().await.unwrap_err();
    let limits: Vec<&str> = v.as_slice().iter().map(|v| v.limit.as_str()).collect();
    assert_eq!(limits, ["a width of at least 300 px"]);
    let tall = ImageToVideoRequest::new(MediaSource::data("image/png", &png(300, 900)));
    let v = tall.preflight_media().await.unwrap_err();
    assert_eq!(v.as_slice()[0].limit, "an aspect ratio (width:height) from 1:2.5 to 2.5:1");
    assert_eq!(v.as_slice()[0].actual, "300x900");
    let gif = ImageToVideoRequest::new(MediaSource::data("image/gif", b"GIF89a\x2c\x01\x2c\x01"));
    let v = gif.preflight_media().await.unwrap_err();
    assert_eq!(v.as_slice()[0].actual, "an unknown format");
    let fine = ImageToVideoRequest::new(MediaSource::data("image/png", &png(1280, 720)));
    assert_eq!(fine.preflight_media().await, Ok(()));
}

#[test]
fn image_to_video_optional_prompt_and_limits() {
    // i2v:25-28 prompt optional, <= 5000 weighted, truncated; 35-37 resolution; 44 3-15; 50 seed.
    let ok = json!({"first_frame_image": "https://example.com/a.png", "prompt": "", "resolution": "720P", "duration": 3, "seed": 2147483647});
    assert!(ImageToVideoRequest::from_json_value(&ok).is_ok(), "no minimum length is documented");
    let req = ImageToVideoRequest::new("https://example.com/a.png").with_prompt("中".repeat(2501));
    assert_eq!(rules(&req.validate().unwrap_err()), [("prompt".to_owned(), Rule::Length)]);
    let v = ImageToVideoRequest::from_json_value(
        &json!({"first_frame_image": "https://example.com/a.png", "duration": 2, "seed": 2147483648u64}),
    )
    .unwrap_err();
    assert_eq!(rules(&v), [("duration".to_owned(), Rule::Range), ("seed".to_owned(), Rule::Range)]);
}
