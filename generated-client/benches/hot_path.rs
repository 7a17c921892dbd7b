//! The client's hot path beside a hand-written serde baseline, in one criterion bench:
//! build an APIXO text-to-video request, validate it and serialize it into the bytes the
//! client sends; parse the documented status success answer (with its `resultJson`
//! string) into the typed status. The baseline does the same work with plain serde
//! derives and the same checks (prompt length in Unicode scalars 1..=2500, duration
//! 3..=15, each violation with its path), so the ratio is what the generated types cost
//! over structs a person would write for this one request.
//!
//! A benchmark, not a test: it asserts nothing about speed. Run with
//! `cargo bench -p happyhorse-client --bench hot_path`; `cargo xtask bench-compare` runs it
//! and prints the ratio.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use happyhorse_client::apixo;

/// The documented status success answer (APIXO page, "Poll for result", `Success response`).
const STATUS_SUCCESS: &[u8] = br#"{
  "code": 200,
  "message": "success",
  "data": {
    "taskId": "task_12345678",
    "state": "success",
    "resultJson": "{\"resultUrls\":[\"https://r2.apixo.ai/video.mp4\"]}",
    "createTime": 1767965610929,
    "completeTime": 1767965652317,
    "costTime": 41388
  }
}"#;

const PROMPT: &str = "A cinematic shot of a horse running across a misty meadow at sunrise";

/// The generated client: what `Client::submit` does before sending, and what
/// `Client::status` does with the answer.
mod generated {
    use super::*;

    pub fn request() -> Vec<u8> {
        let request = apixo::SubmitRequest::new(
            apixo::TextToVideoInput::new(PROMPT).with_resolution(apixo::Resolution::P720).with_duration(5),
        );
        request.validate().expect("the request is valid");
        happyhorse_client::runtime::provider::SubmitBody::body_bytes(&request)
    }

    pub fn parse(body: &[u8]) -> usize {
        let status = apixo::StatusResponse::from_json_slice(body).expect("the documented answer decodes");
        status.outputs().len()
    }
}

/// The baseline: serde derives, the same checks, the same answer.
mod baseline {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize)]
    struct Request {
        request_type: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        callback_url: Option<String>,
        input: Input,
    }

    #[derive(Serialize)]
    #[serde(tag = "mode", rename_all = "kebab-case")]
    enum Input {
        TextToVideo(TextToVideo),
    }

    #[derive(Serialize)]
    struct TextToVideo {
        prompt: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        resolution: Option<Resolution>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ratio: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        watermark: Option<bool>,
    }

    #[derive(Serialize, Clone, Copy)]
    enum Resolution {
        #[serde(rename = "720p")]
        P720,
    }

    /// A broken rule, with its path (the same information the generated violations carry).
    #[derive(Debug)]
    #[allow(dead_code)] // shown by `expect` when a check fails
    pub struct Violation {
        pub path: String,
        pub rule: &'static str,
        pub actual: String,
    }

    fn check(r: &Request) -> Result<(), Vec<Violation>> {
        let mut out = Vec::new();
        let Input::TextToVideo(t) = &r.input;
        let chars = t.prompt.chars().count();
        if !(1..=2500).contains(&chars) {
            out.push(Violation { path: "input.prompt".into(), rule: "length", actual: chars.to_string() });
        }
        if let Some(d) = t.duration
            && !(3..=15).contains(&d)
        {
            out.push(Violation { path: "input.duration".into(), rule: "range", actual: d.to_string() });
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    pub fn request() -> Vec<u8> {
        let request = Request {
            request_type: "async",
            callback_url: None,
            input: Input::TextToVideo(TextToVideo {
                prompt: super::PROMPT.to_owned(),
                resolution: Some(Resolution::P720),
                ratio: None,
                duration: Some(5),
                watermark: None,
            }),
        };
        check(&request).expect("the request is valid");
        serde_json::to_vec(&request).expect("serializes")
    }

    #[derive(Deserialize)]
    #[allow(dead_code)] // read by serde; the bench keeps what a caller would keep
    struct Status {
        code: i64,
        message: Option<String>,
        data: TaskData,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct TaskData {
        task_id: String,
        state: String,
        result_json: Option<String>,
        fail_code: Option<String>,
        fail_msg: Option<String>,
        create_time: Option<i64>,
        complete_time: Option<i64>,
        cost_time: Option<i64>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ResultPayload {
        result_urls: Vec<String>,
    }

    pub fn parse(body: &[u8]) -> usize {
        let status: Status = serde_json::from_slice(body).expect("the documented answer decodes");
        match (status.data.state.as_str(), status.data.result_json.as_deref()) {
            ("success", Some(s)) if !s.trim().is_empty() => {
                serde_json::from_str::<ResultPayload>(s).expect("resultJson decodes").result_urls.len()
            }
            _ => 0,
        }
    }
}

fn hot_path(c: &mut Criterion) {
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&generated::request()).expect("JSON"),
        serde_json::from_slice::<serde_json::Value>(&baseline::request()).expect("JSON"),
        "both sides send the same body"
    );
    assert_eq!(generated::parse(STATUS_SUCCESS), baseline::parse(STATUS_SUCCESS));
    let mut g = c.benchmark_group("hot_path");
    g.bench_function("generated/request", |b| b.iter(|| black_box(generated::request())));
    g.bench_function("baseline/request", |b| b.iter(|| black_box(baseline::request())));
    g.bench_function("generated/parse", |b| b.iter(|| black_box(generated::parse(black_box(STATUS_SUCCESS)))));
    g.bench_function("baseline/parse", |b| b.iter(|| black_box(baseline::parse(black_box(STATUS_SUCCESS)))));
    g.bench_function("generated/both", |b| {
        b.iter(|| black_box((generated::request(), generated::parse(black_box(STATUS_SUCCESS)))))
    });
    g.bench_function("baseline/both", |b| {
        b.iter(|| black_box((baseline::request(), baseline::parse(black_box(STATUS_SUCCESS)))))
    });
    g.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
