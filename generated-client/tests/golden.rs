//! The golden matrix, compiled: every output of `codegen/tests/golden` (one small synthetic
//! spec per API shape) is included here as a module, so a generator change that emits code
//! which does not compile fails here, apart from the provider specs. Each module is then
//! exercised lightly (a request built, validated and written; a documented example read).
//! These modules are synthetic: what they assert is what their own small specs and doc
//! copies say, not any provider's behaviour.
//!
//! The runtime behaviour each shape needs (no envelope, string error codes, credits,
//! aliases, a `cancelled` state, callback acknowledgement and schedules) is tested over
//! real HTTP on loopback in `golden/shapes.rs`, against these same modules.

// Each generated module is a library: the tests use part of it. Generated code is formatted
// by the generator (prettyplease), not by rustfmt (`#[rustfmt::skip]` on each module).
#![allow(dead_code)]

mod support;

#[path = "golden/shapes.rs"]
mod shapes;

#[path = "../../codegen/tests/golden/output/flattened_model_aliases.rs"]
#[rustfmt::skip]
mod flattened_model_aliases;
#[path = "../../codegen/tests/golden/output/model_tag_credits.rs"]
#[rustfmt::skip]
mod model_tag_credits;
#[path = "../../codegen/tests/golden/output/no_envelope_string_errors.rs"]
#[rustfmt::skip]
mod no_envelope_string_errors;
#[path = "../../codegen/tests/golden/output/path_id_envelope.rs"]
#[rustfmt::skip]
mod path_id_envelope;
#[path = "../../codegen/tests/golden/output/query_id_mode_union.rs"]
#[rustfmt::skip]
mod query_id_mode_union;
#[path = "../../codegen/tests/golden/output/shared_provider.rs"]
#[rustfmt::skip]
mod shared_provider;

use happyhorse_client::runtime::provider::ErrorAnswer;
use happyhorse_client::runtime::{Decimal, ErrorCode, PriceUnit, Rule, TaskPhase};

/// Reads a documented request example, validates it and writes it back unchanged.
macro_rules! round_trip {
    ($ty:ty, $json:expr) => {{
        let doc: serde_json::Value = serde_json::from_str($json).expect("the example is JSON");
        let value = <$ty>::from_json_value(&doc).unwrap_or_else(|e| panic!("the example is rejected: {e}"));
        assert_eq!(value.validate(), Ok(()));
        assert_eq!(value.to_json_value(), doc);
        value
    }};
}

#[test]
fn path_id_envelope_builds_validates_and_reads_its_examples() {
    use path_id_envelope as m;
    round_trip!(m::CreateVideo, m::examples::CREATE_REQUEST);
    let req = m::CreateVideo::new("a boat")
        .with_first_frame(happyhorse_client::runtime::MediaSource::data("image/png", &[0u8; 8]))
        .with_duration(11);
    let v = req.validate().unwrap_err();
    assert!(v.find("duration", Rule::Range).is_some(), "{v}");
    let done = m::Envelope::from_json_slice(m::examples::FINISHED.as_bytes()).unwrap();
    assert_eq!(done.outputs().len(), 1);
    assert_eq!(m::STATUS.id_param, Some(happyhorse_client::runtime::IdParam::Path("id")));
}

#[test]
fn no_envelope_string_errors_reads_plain_answers_and_text_error_codes() {
    use no_envelope_string_errors as m;
    round_trip!(m::GenerationRequest, m::examples::CREATE_REQUEST);
    assert_eq!(m::PROVIDER.envelope, None, "the case's answers have no envelope");
    let done = m::Generation::from_json_slice(m::examples::COMPLETED.as_bytes()).unwrap();
    assert_eq!((done.phase(), done.outputs().len()), (TaskPhase::Succeeded, 1));
    let cancelled = m::Generation::from_json_slice(m::examples::CANCELLED.as_bytes()).unwrap();
    assert_eq!(cancelled.phase(), TaskPhase::Failed, "plainvid.toml: cancelled has phase = \"failed\"");
    let e = m::ErrorAnswer::from_json_slice(m::examples::INVALID_REQUEST.as_bytes()).unwrap();
    assert_eq!(e.error_code(), Some(ErrorCode::Text("invalid_request".into())));
    assert_eq!((ErrorAnswer::api_code(&e), e.api_message()), (None, Some("prompt is required")));
    let limited = m::HTTP_STATUSES.iter().find(|r| r.status == 429).unwrap();
    assert_eq!(limited.max_retries, Some(4), "set by the row's decision");
}

#[test]
fn query_id_mode_union_prices_in_usd_and_lints_one_mode() {
    use query_id_mode_union as m;
    round_trip!(m::TaskRequest, m::examples::TEXT_TO_VIDEO);
    let reference = round_trip!(m::TaskRequest, m::examples::REFERENCE_TO_VIDEO);
    assert!(reference.lints().is_empty(), "image1 and image2 name the two images");
    let three = m::TaskRequest::new(m::ReferenceInput::new(
        "image3 dancing",
        ["https://example.com/a.png"],
        m::Resolution::P720,
    ));
    let lints = three.lints();
    assert_eq!(lints.len(), 1, "{lints:?}");
    assert_eq!((lints[0].id, lints[0].path.as_str()), ("image-reference-out-of-range", "input.prompt"));
    let cost = reference.estimate_cost(&m::BillingInputs::default()).unwrap();
    // (6 + 2) s * 0.20 USD/s.
    assert_eq!((cost.official.amount, cost.official.currency()), ("1.6".parse::<Decimal>().unwrap(), Some("USD")));
    let no_duration = m::TaskRequest::new(m::TextToVideoInput::new("waves", m::Resolution::P720));
    assert!(
        no_duration.estimate_cost(&m::BillingInputs::default()).unwrap_err().to_string().contains("input.duration")
    );
    assert_eq!(m::Mode::from_tag("ref").map(|md| md.polling().first_poll.as_secs()), Some(40));
    assert!(m::CALLBACKS.acknowledges(200) && !m::CALLBACKS.acknowledges(204), "nestly: answer 200");
    assert_eq!((m::CALLBACKS.max_redeliveries, m::CALLBACKS.retry_schedule.len()), (2, 0));
    let failed = m::StatusAnswer::from_json_slice(m::examples::FAILED.as_bytes()).unwrap();
    assert!(failed.fail_code().is_some_and(|c| c.retry_may_help()), "BUSY: retry later");
}

#[test]
fn model_tag_credits_selects_the_model_at_the_top_and_prices_in_credits() {
    use model_tag_credits as m;
    let t2v = round_trip!(m::VideoRequest, m::examples::TEXT_TO_VIDEO);
    let i2v = round_trip!(m::VideoRequest, m::examples::IMAGE_TO_VIDEO);
    assert_eq!((t2v.mode(), i2v.mode()), ("happyhorse-1.0-t2v", "happyhorse-1.0-i2v"));
    assert_eq!(i2v.polling().first_poll.as_secs(), 40);
    let cost = i2v.estimate_cost(&m::BillingInputs::default()).unwrap();
    // (4 + 1) s * 8 credits/s at 1080p.
    assert_eq!(cost.official.amount, Decimal::from_i64(40));
    assert_eq!((cost.official.unit, cost.official.currency()), (PriceUnit::Credits("credits"), None));
    assert_eq!(cost.official.to_string(), "40 credits");
    // A constraint id whose mode tag has dots.
    let bad = m::VideoRequest::from(m::TextToVideoVideoRequest::new("", 5, m::Resolution::P720));
    let v = bad.validate().unwrap_err();
    let length = v.find("prompt", Rule::Length).expect("an empty prompt breaks its length rule");
    assert_eq!(length.constraint, "model_tag_credits.submit[model=happyhorse-1.0-t2v].prompt:length");
    // A URL field with a length limit: 301 characters that are a valid URL break the length only.
    let long = format!("https://example.com/{}", "a".repeat(281));
    assert_eq!(long.len(), 301);
    let v =
        m::VideoRequest::from(m::ImageToVideoVideoRequest::new(long, 5, m::Resolution::P720)).validate().unwrap_err();
    assert_eq!(v.as_slice().iter().map(|x| x.rule).collect::<Vec<_>>(), [Rule::Length]);
    // Media rules per model.
    assert_eq!(m::TextToVideoVideoRequest::IMAGE_MEDIA.min_short_edge_px, Some(256));
    assert_eq!(m::ImageToVideoVideoRequest::IMAGE_MEDIA.min_short_edge_px, Some(512));
}

#[test]
fn flattened_model_aliases_reads_either_name_and_writes_one() {
    use flattened_model_aliases as m;
    let doc: serde_json::Value = serde_json::from_str(m::examples::EDIT_JOB).unwrap();
    let job = m::CreateJob::from_json_value(&doc).unwrap();
    assert_eq!(job.mode(), "edit");
    let written = job.to_json_value();
    assert_eq!(written["video"], "https://example.com/in.mp4", "the client writes the field's name");
    assert!(written.get("video_url").is_none());
    let both = serde_json::json!({"model": "edit", "prompt": "p", "video": "https://a.example/1.mp4", "video_url": "https://a.example/2.mp4"});
    let v = m::CreateJob::from_json_value(&both).unwrap_err();
    let alias = v.find("video_url", Rule::Alias).expect("both names is one violation");
    assert_eq!(alias.constraint, "flattened_model_aliases.submit[model=edit].video:alias");
    assert!(alias.actual.contains("`video`") && alias.actual.contains("`video_url`"), "{alias}");
    let t2v_with_video = serde_json::json!({"model": "t2v", "prompt": "p", "video_url": "https://a.example/1.mp4"});
    let v = m::CreateJob::from_json_value(&t2v_with_video).unwrap_err();
    assert!(v.find("video_url", Rule::Forbidden).is_some(), "{v}");
    assert!(m::CALLBACKS.ack_any_2xx && m::CALLBACKS.acknowledges(204));
    assert_eq!(m::CALLBACKS.max_redeliveries, 3);
    assert_eq!(m::CALLBACKS.redelivery_delay(2).map(|d| d.as_secs()), Some(60));
}

#[test]
fn shared_provider_submits_each_endpoint_through_one_request_enum() {
    use shared_provider as m;
    let fast = round_trip!(m::FastRequest, m::examples::FAST_JOB);
    round_trip!(m::ProRequest, m::examples::PRO_JOB);
    assert_eq!(fast.quality_or_default(), m::Quality::Draft);
    let request = m::Request::from(fast);
    assert_eq!((request.operation(), request.mode()), ("fast", "fast"));
    let created = m::Job::from_json_slice(m::examples::CREATED.as_bytes()).unwrap();
    assert_eq!(created.follow_url(), Some("https://api.sharely.example/v1/jobs/j-7"));
    assert_eq!(m::SUBMITS.iter().map(|e| e.path).collect::<Vec<_>>(), ["/v1/fast/jobs", "/v1/pro/jobs"]);
}
