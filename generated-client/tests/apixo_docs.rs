//! The generated APIXO client against its doc (`spec/docs/apixo-happyhorse.txt`, cited as
//! `apixo:<line>`; the linked webhooks page as restated in `spec/docs/FACTS.md`). Values
//! here are written from the doc, not taken from the spec: the documented examples are read
//! from the saved doc at the cited lines, and the expected values are written by hand.

mod doc_copy;

use happyhorse_client::apixo::*;
use happyhorse_client::runtime::{BillingError, Decimal, Rule, TaskPhase, UnixMillis, Violations};
use serde_json::json;

/// The documented JSON on lines `first..=last` of the APIXO doc copy.
fn doc(first: usize, last: usize) -> String {
    doc_copy::json("apixo-happyhorse.txt", first, last)
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn violations(body: serde_json::Value) -> Violations {
    SubmitRequest::from_json_value(&body).expect_err("the body must be rejected")
}

fn rules(v: &Violations) -> Vec<(String, Rule)> {
    v.as_slice().iter().map(|v| (v.path.clone(), v.rule)).collect()
}

// ---- Documented requests parse to the documented values -------------------------------

#[test]
fn quickstart_request_is_text_to_video_720p_16x9_5s() {
    // apixo:42-51
    let req = SubmitRequest::from_json_slice(doc(42, 51).as_bytes()).unwrap();
    assert_eq!(req.delivery, Delivery::Async);
    let Input::TextToVideo(input) = &req.input else { panic!("expected text-to-video, got {:?}", req.input) };
    assert_eq!(input.prompt, "a cinematic rainy night in tokyo, slow dolly shot, reflective streets");
    assert_eq!(input.resolution, Some(Resolution::P720));
    assert_eq!(input.ratio, Some(Ratio::Landscape16x9));
    assert_eq!(input.duration, Some(5));
    assert_eq!(input.watermark, None);
    // The same request built with the typed API serialises to the documented JSON.
    let built = SubmitRequest::new(
        TextToVideoInput::new("a cinematic rainy night in tokyo, slow dolly shot, reflective streets")
            .with_resolution(Resolution::P720)
            .with_ratio(Ratio::Landscape16x9)
            .with_duration(5),
    );
    let doc: serde_json::Value = serde_json::from_str(&doc(42, 51)).unwrap();
    assert_eq!(serde_json::to_value(&built).unwrap(), doc);
}

#[test]
fn image_to_video_request_has_exactly_one_first_frame() {
    // apixo:124-136
    let req = SubmitRequest::from_json_slice(doc(124, 136).as_bytes()).unwrap();
    let Input::ImageToVideo(input) = &req.input else { panic!("expected image-to-video") };
    assert_eq!(input.image_urls, ["https://example.com/first-frame.png"]);
    assert_eq!(input.prompt.as_deref(), Some("animate the scene with a gentle camera move"));
    assert_eq!((input.resolution, input.duration, input.watermark), (Some(Resolution::P720), Some(5), Some(false)));
}

#[test]
fn reference_to_video_request_has_two_references() {
    // apixo:140-154
    let req = SubmitRequest::from_json_slice(doc(140, 154).as_bytes()).unwrap();
    let Input::ReferenceToVideo(input) = &req.input else { panic!("expected reference-to-video") };
    assert_eq!(input.image_urls, ["https://example.com/ref-1.png", "https://example.com/ref-2.png"]);
    assert_eq!(
        (input.resolution, input.ratio, input.duration),
        (Some(Resolution::P1080), Some(Ratio::Landscape16x9), Some(6))
    );
}

#[test]
fn video_edit_request_keeps_the_original_audio() {
    // apixo:158-173
    let req = SubmitRequest::from_json_slice(doc(158, 173).as_bytes()).unwrap();
    let Input::VideoEdit(input) = &req.input else { panic!("expected video-edit") };
    assert_eq!(input.video_urls, ["https://example.com/input.mp4"]);
    assert_eq!(input.image_urls.as_deref(), Some(&["https://example.com/reference.png".to_owned()][..]));
    assert_eq!(input.audio_setting, Some(AudioSetting::Origin));
    assert_eq!(input.prompt, "change the scene to watercolor style");
}

#[test]
fn callback_request_carries_the_callback_url() {
    // apixo:238-254
    let req = SubmitRequest::from_json_slice(doc(238, 254).as_bytes()).unwrap();
    let Delivery::Callback(cb) = &req.delivery else { panic!("expected callback delivery") };
    assert_eq!(cb.callback_url, "https://your-server.com/webhooks/apixo");
    assert_eq!(req.mode(), "video-edit");
}

// ---- Documented responses parse to the documented values ------------------------------

#[test]
fn submit_response_gives_the_task_id() {
    // apixo:53-59
    let r = SubmitResponse::from_json_slice(doc(53, 59).as_bytes()).unwrap();
    assert_eq!(r.task_id(), "task_12345678");
    assert_eq!(r.envelope_code(), 200);
    assert_eq!(r.envelope_message(), Some("success"));
}

#[test]
fn processing_response_is_pending() {
    // apixo:67-75
    let r = StatusResponse::from_json_slice(doc(67, 75).as_bytes()).unwrap();
    assert_eq!(r.task_id(), "task_12345678");
    assert_eq!(*r.state(), TaskState::Processing);
    assert_eq!(r.phase(), TaskPhase::Pending);
    assert_eq!(r.data.create_time, Some(UnixMillis(1_767_965_610_929)));
    assert_eq!((r.data.complete_time, r.result()), (None, None));
}

#[test]
fn success_response_decodes_result_json_into_urls() {
    // apixo:77-88 and 102-104: resultJson is a JSON string holding resultUrls.
    let r = StatusResponse::from_json_slice(doc(77, 88).as_bytes()).unwrap();
    assert_eq!(r.phase(), TaskPhase::Succeeded);
    assert_eq!(r.result().unwrap().result_urls, ["https://r2.apixo.ai/video.mp4"]);
    assert_eq!(r.data.complete_time, Some(UnixMillis(1_767_965_652_317)));
    assert_eq!(r.data.cost_time.map(|c| c.to_duration().as_millis()), Some(41_388));
}

#[test]
fn failed_response_carries_fail_code_and_message() {
    // apixo:90-101 and 299: PromptInvalid, rewrite the prompt (a retry as is cannot help).
    let r = StatusResponse::from_json_slice(doc(90, 101).as_bytes()).unwrap();
    assert_eq!(r.phase(), TaskPhase::Failed);
    assert_eq!(r.fail_code(), Some(&FailCode::PromptInvalid));
    assert_eq!(r.fail_message(), Some("Prompt is invalid or rejected by provider"));
    assert!(!FailCode::PromptInvalid.retry_may_help());
    assert_eq!(FailCode::PromptInvalid.action(), Some("Rewrite the prompt with clearer, policy-safe instructions"));
}

#[test]
fn fail_code_aliases_fold_and_unknown_codes_are_kept() {
    // apixo:300-304 list aliases; FACTS.md (webhooks) shows CONTENT_VIOLATION outside the table.
    for (wire, code, retry) in [
        ("SensitiveContentDetected", FailCode::SensitiveContent, false),
        ("BadRequest", FailCode::MissingParameter, false),
        ("RateLimitExceeded", FailCode::RateLimited, true),
        ("Task TimeOut", FailCode::Timeout, true),
        ("Unknown error", FailCode::UnknownError, true),
    ] {
        let parsed = FailCode::from_wire(wire);
        assert_eq!(parsed, code, "{wire}");
        assert_eq!(parsed.retry_may_help(), retry, "{wire}");
    }
    let other = FailCode::from_wire("CONTENT_VIOLATION");
    assert_eq!(other, FailCode::Other("CONTENT_VIOLATION".into()));
    assert!(!other.retry_may_help() && !other.is_documented());
}

#[test]
fn unknown_states_are_kept_and_keep_the_waiter_polling() {
    let body = json!({"code": 200, "data": {"taskId": "t", "state": "queued", "extra": 1}});
    let r = StatusResponse::from_json_value(&body).unwrap();
    assert_eq!(*r.state(), TaskState::Unknown("queued".into()));
    assert_eq!(r.phase(), TaskPhase::Pending);
}

#[test]
fn a_malformed_result_json_is_a_typed_error() {
    let body = json!({"code": 200, "data": {"taskId": "t", "state": "success", "resultJson": "{\"resultUrls\": "}});
    let e = StatusResponse::from_json_value(&body).unwrap_err();
    assert_eq!(e.path, "data.resultJson");
    assert!(e.message.starts_with("the string is not valid JSON"), "{e}");
}

#[test]
fn webhook_payload_parses_like_a_status_response() {
    // FACTS.md, APIXO webhooks: the payload has the shape of the status response.
    let r = parse_callback(doc(77, 88).as_bytes()).unwrap();
    assert_eq!(r.task_id(), "task_12345678");
    assert_eq!((CALLBACKS.ack_status, CALLBACKS.max_redeliveries, CALLBACKS.ack_within.as_secs()), (200, 3, 30));
}

// ---- Status table and polling ----------------------------------------------------------

#[test]
fn status_table_rows() {
    // apixo:287-294
    let codes: Vec<u16> = HTTP_STATUSES.iter().map(|s| s.status).collect();
    assert_eq!(codes, [400, 401, 402, 403, 429, 500, 502, 504]);
    let rate = http_status(429).unwrap();
    assert!(rate.rejected && rate.retry == happyhorse_client::runtime::RetryAdvice::Backoff);
    assert!(!http_status(500).unwrap().rejected, "a 500 does not prove the task was not created");
    assert!(http_status(503).is_none());
}

#[test]
fn polling_guidance_per_mode() {
    // apixo:275-278
    let secs = |mode: &str| {
        let p = POLLING.iter().find(|p| p.mode == mode).unwrap();
        (p.first_poll.as_secs(), p.interval_min.as_secs(), p.interval_max.as_secs())
    };
    assert_eq!(secs("text-to-video"), (30, 10, 10));
    assert_eq!(secs("image-to-video"), (30, 10, 10));
    assert_eq!(secs("reference-to-video"), (45, 10, 15));
    assert_eq!(secs("video-edit"), (60, 10, 15));
    let req = SubmitRequest::new(VideoEditInput::new("p", ["https://example.com/in.mp4"]));
    assert_eq!(req.polling().first_poll.as_secs(), 60);
}

// ---- Billing (apixo:259-269) ---------------------------------------------------------

#[test]
fn per_second_billing_at_official_and_market_prices() {
    let req = SubmitRequest::new(TextToVideoInput::new("p").with_resolution(Resolution::P720).with_duration(5));
    let est = req.estimate_cost(&BillingInputs::default()).unwrap();
    // 5 s x $0.125 and 5 s x $0.1625
    assert_eq!((est.official.amount, est.market_reference.amount), (d("0.625"), d("0.8125")));
    assert_eq!(est.official.currency(), Some("USD"));
    let req = SubmitRequest::new(
        ReferenceToVideoInput::new("p", ["https://example.com/a.png"])
            .with_resolution(Resolution::P1080)
            .with_duration(15),
    );
    let est = req.estimate_cost(&BillingInputs::default()).unwrap();
    // 15 s x $0.225 and 15 s x $0.2875
    assert_eq!((est.official.amount, est.market_reference.amount), (d("3.375"), d("4.3125")));
}

#[test]
fn video_edit_bills_input_plus_output_with_the_input_capped_at_15_seconds() {
    let req =
        SubmitRequest::new(VideoEditInput::new("p", ["https://example.com/in.mp4"]).with_resolution(Resolution::P1080));
    let at = |secs: &str| {
        req.estimate_cost(&BillingInputs::default().with_input_video_seconds(d(secs))).unwrap().official.amount
    };
    // (7.3 + 7.3) x 0.225, exact: rounding of probed seconds is not documented (decision 5).
    assert_eq!(at("7.3"), d("3.285"));
    // Capped: (15 + 15) x 0.225 for any input of 15 s or more.
    assert_eq!(at("15"), d("6.75"));
    assert_eq!(at("40"), d("6.75"));
}

#[test]
fn fractional_probed_seconds_give_an_upper_bound_so_a_budget_never_under_estimates() {
    // apixo:268-269: "(input video seconds + output video seconds) * unitPrice", the input
    // side capped at 15 s; the doc does not say how a fractional probed duration is billed
    // (FACTS.md ambiguity 5). Expected amounts are computed here by hand.
    let req =
        SubmitRequest::new(VideoEditInput::new("p", ["https://example.com/in.mp4"]).with_resolution(Resolution::P720));
    let est = |secs: &str| req.estimate_cost(&BillingInputs::default().with_input_video_seconds(d(secs))).unwrap();
    // 7.2 s: exact (7.2 + 7.2) x 0.125 = 1.8; rounded up to 8 s: (8 + 8) x 0.125 = 2.
    let e = est("7.2");
    assert_eq!(e.official.amount, d("1.8"));
    let bound = e.upper_bound.expect("a fractional input has an upper bound");
    assert_eq!((bound.official.amount, bound.market_reference.amount), (d("2"), d("2.6")));
    assert_eq!(e.at_most_official().amount, d("2"));
    assert!(bound.assumption.contains("input_video_seconds"), "{}", bound.assumption);
    // 15.4 s: capped at 15 either way: (15 + 15) x 0.125 = 3.75.
    let e = est("15.4");
    assert_eq!(e.official.amount, d("3.75"));
    assert_eq!(e.at_most_official().amount, d("3.75"));
    assert_eq!(e.upper_bound.map(|b| b.official.amount), Some(d("3.75")));
    // Whole seconds: the bound equals the exact amount.
    assert_eq!(est("7").at_most_official().amount, est("7").official.amount);
    // Modes billed on the requested (integer) duration have no bound.
    let t2v = SubmitRequest::new(TextToVideoInput::new("p").with_resolution(Resolution::P720).with_duration(5));
    assert_eq!(t2v.estimate_cost(&BillingInputs::default()).unwrap().upper_bound, None);
}

#[test]
fn billing_never_guesses_a_missing_input() {
    // Decision 4: no default resolution or duration.
    let no_resolution = SubmitRequest::new(TextToVideoInput::new("p").with_duration(5));
    assert_eq!(
        no_resolution.estimate_cost(&BillingInputs::default()),
        Err(BillingError::MissingInput { name: "input.resolution" })
    );
    let no_duration = SubmitRequest::new(TextToVideoInput::new("p").with_resolution(Resolution::P720));
    assert_eq!(
        no_duration.estimate_cost(&BillingInputs::default()),
        Err(BillingError::MissingInput { name: "input.duration" })
    );
    let edit =
        SubmitRequest::new(VideoEditInput::new("p", ["https://example.com/in.mp4"]).with_resolution(Resolution::P720));
    assert_eq!(
        edit.estimate_cost(&BillingInputs::default()),
        Err(BillingError::MissingInput { name: "input_video_seconds" })
    );
    let negative = BillingInputs::default().with_input_video_seconds(d("-1"));
    assert!(matches!(edit.estimate_cost(&negative), Err(BillingError::InvalidInput { .. })));
}

// ---- Validation and the recorded decisions ----------------------------------------------

#[test]
fn prompt_length_counts_unicode_scalar_values() {
    // apixo:16 "Up to 2500 characters"; decision 3: scalar values, so an astral emoji is 1.
    let ok = SubmitRequest::new(TextToVideoInput::new("😀".repeat(2500)));
    assert_eq!(ok.validate(), Ok(()));
    let too_long = SubmitRequest::new(TextToVideoInput::new("é".repeat(2501)));
    let v = too_long.validate().unwrap_err();
    let v = v.find("input.prompt", Rule::Length).unwrap();
    assert_eq!((v.limit.as_str(), v.actual.as_str()), ("1..=2500 Unicode scalar values", "2501"));
}

#[test]
fn an_empty_image_to_video_prompt_is_rejected_and_none_is_omitted() {
    // Decision 7.
    let none = SubmitRequest::new(ImageToVideoInput::new(["https://example.com/a.png"]));
    assert_eq!(none.validate(), Ok(()));
    assert!(none.to_json_value()["input"].get("prompt").is_none());
    let empty = SubmitRequest::new(ImageToVideoInput::new(["https://example.com/a.png"]).with_prompt(""));
    assert!(empty.validate().unwrap_err().find("input.prompt", Rule::Length).is_some());
}

#[test]
fn fields_a_mode_does_not_allow_are_rejected_with_their_path() {
    // apixo:312-313: ratio only with text- and reference-to-video; duration not in video-edit.
    let v = violations(json!({"request_type": "async", "input": {
        "mode": "image-to-video", "image_urls": ["https://example.com/a.png"], "ratio": "16:9"}}));
    assert_eq!(rules(&v), [("input.ratio".to_owned(), Rule::Forbidden)]);
    let v = violations(json!({"request_type": "async", "input": {
        "mode": "video-edit", "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "duration": 5}}));
    assert_eq!(rules(&v), [("input.duration".to_owned(), Rule::Forbidden)]);
    assert_eq!(v.as_slice()[0].constraint, "apixo.submit.input[mode=video-edit].duration:forbidden");
}

#[test]
fn every_violation_is_reported_at_once() {
    let v =
        violations(json!({"request_type": "callback", "callback_url": "http://127.0.0.1/hook", "colour": 1, "input": {
        "mode": "reference-to-video", "prompt": "", "duration": 16, "resolution": "4k",
        "image_urls": ["ftp://example.com/a.png", "https://example.com/b.png", "https://example.com/c.png",
                       "https://example.com/d.png", "https://example.com/e.png", "https://example.com/f.png",
                       "https://example.com/g.png", "https://example.com/h.png", "https://example.com/i.png",
                       "https://example.com/j.png"]}}));
    let mut got = rules(&v);
    got.sort();
    let mut want = vec![
        ("callback_url".to_owned(), Rule::Url),
        ("callback_url".to_owned(), Rule::UrlPublic),
        ("colour".to_owned(), Rule::UnknownField),
        ("input.duration".to_owned(), Rule::Range),
        ("input.image_urls".to_owned(), Rule::Items),
        ("input.image_urls[0]".to_owned(), Rule::Url),
        ("input.prompt".to_owned(), Rule::Length),
        ("input.resolution".to_owned(), Rule::Enum),
    ];
    want.sort();
    assert_eq!(got, want, "{v}");
}

#[test]
fn request_type_is_required_in_a_raw_body_and_defaults_to_async_when_built() {
    // Decision 6: always sent; a raw body without it is rejected.
    let v = violations(json!({"input": {"mode": "text-to-video", "prompt": "p"}}));
    assert_eq!(rules(&v), [("request_type".to_owned(), Rule::Required)]);
    let built = SubmitRequest::new(TextToVideoInput::new("p"));
    assert_eq!(built.to_json_value()["request_type"], "async");
}

#[test]
fn callback_url_must_be_public_https_and_only_with_callback() {
    // apixo:184 "Required when request_type is callback. Must be a public HTTPS URL".
    let v = violations(json!({"request_type": "callback", "input": {"mode": "text-to-video", "prompt": "p"}}));
    assert_eq!(rules(&v), [("callback_url".to_owned(), Rule::Required)]);
    for bad in
        ["http://example.com/hook", "https://localhost/hook", "https://10.0.0.7/hook", "https://user@example.com/hook"]
    {
        let req = SubmitRequest::new(TextToVideoInput::new("p"))
            .with_delivery(Delivery::Callback(CallbackDelivery::new(bad)));
        assert!(req.validate().is_err(), "{bad} must be rejected");
    }
    let v = violations(
        json!({"request_type": "async", "callback_url": "https://example.com/h", "input": {"mode": "text-to-video", "prompt": "p"}}),
    );
    assert_eq!(rules(&v), [("callback_url".to_owned(), Rule::Forbidden)]);
}

#[test]
fn item_counts_per_mode() {
    // apixo:17-18: exactly 1 for image-to-video, 1-9 for reference-to-video, 0-5 for video-edit.
    let url = |i: usize| format!("https://example.com/{i}.png");
    let urls = |n: usize| (0..n).map(url).collect::<Vec<_>>();
    assert!(SubmitRequest::new(ImageToVideoInput::new(urls(2))).validate().is_err());
    assert!(SubmitRequest::new(ReferenceToVideoInput::new("p", urls(9))).validate().is_ok());
    assert!(SubmitRequest::new(ReferenceToVideoInput::new("p", urls(10))).validate().is_err());
    assert!(SubmitRequest::new(ReferenceToVideoInput::new("p", urls(0))).validate().is_err());
    let edit =
        |n: usize| SubmitRequest::new(VideoEditInput::new("p", ["https://example.com/v.mp4"]).with_image_urls(urls(n)));
    assert!(edit(0).validate().is_ok() && edit(5).validate().is_ok());
    assert!(edit(6).validate().is_err());
}
