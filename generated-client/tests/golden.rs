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

// Each generated module is a library: the tests use part of it.
#![allow(dead_code)]

mod support;

#[path = "golden/shapes.rs"]
mod shapes;

#[path = "../../codegen/tests/golden/output/path_id_envelope.rs"]
mod path_id_envelope;

use happyhorse_client::runtime::Rule;

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
