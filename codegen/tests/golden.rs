//! The golden matrix: small synthetic specs under `tests/golden/<case>/`, one per API shape
//! the format describes (a path or a query task id, an envelope or none, a mode union
//! nested, at the root or flattened, string error codes, prices in a currency or in credits,
//! field aliases, data URIs, per-mode media, callback schedules, a provider file shared by
//! endpoint files), each with a tiny doc copy under `<case>/docs/`.
//!
//! - `generated_code_matches_the_checked_in_output` is a **regression guard**: it compares
//!   generated code (and the OpenAPI 3.1 export) with generated code checked in under
//!   `tests/golden/output/`, so an emitter change shows in review apart from the provider
//!   specs. It proves nothing about any provider. After an intended change, rewrite the
//!   outputs with `GOLDEN_UPDATE=1 cargo test -p happyhorse-codegen --test golden` and review
//!   the diff. `generated-client/tests/golden.rs` compiles every output and exercises it.
//! - `every_case_agrees_with_its_doc_copies` runs the docs check on each case: every anchor
//!   resolves in the case's doc copy, every value is in its doc fact, every doc fact is
//!   covered (the docs-check logic on shapes the real specs do not have).
//! - The other tests check, by hand, what the IR of each shape says.

use std::path::{Path, PathBuf};

use happyhorse_codegen::drift;
use happyhorse_codegen::ir::{CheckKind, Module, Phase, PriceUnit, TypeDef, Types};
use happyhorse_codegen::{openapi, output};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every case directory, by name.
fn cases() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cases = output::golden_cases(&root).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cases.is_empty(), "tests/golden holds the golden cases");
    cases.into_iter().map(|(name, _)| name).collect()
}

fn modules(case: &str) -> Vec<Module> {
    output::load_dir(&golden().join(case)).unwrap_or_else(|e| panic!("golden case {case}: {e}"))
}

fn module(case: &str) -> Module {
    let mut all = modules(case);
    assert_eq!(all.len(), 1, "golden case {case} holds one provider");
    all.remove(0)
}

/// The files a case generates, by their name under `output/`.
fn generated(case: &str) -> Vec<(String, String)> {
    let m = module(case);
    let files = output::generate(std::slice::from_ref(&m)).unwrap_or_else(|e| panic!("golden case {case}: {e}"));
    let code = files
        .into_iter()
        .find(|f| f.path.ends_with(&format!("/{}.rs", m.module)))
        .unwrap_or_else(|| panic!("golden case {case}: no module file generated"));
    let openapi = format!("{:#}\n", openapi::openapi(&m));
    vec![(format!("{case}.rs"), code.contents), (format!("{case}.openapi.json"), openapi)]
}

/// `output/mod.rs`: the list of every case's module (`pub mod <case>;`), with `ALL` and
/// `MODULES` as `generated-client/src/providers/mod.rs` has them for the real providers, so
/// the conformance harness holds a client for every golden case without Rust per case.
fn registry() -> (String, String) {
    let all: Vec<Module> = cases().iter().map(|c| module(c)).collect();
    for (case, m) in cases().iter().zip(&all) {
        assert_eq!(&m.module, case, "golden case {case}: its module is named after the case directory");
    }
    let files = output::generate(&all).unwrap_or_else(|e| panic!("golden registry: {e}"));
    let list = files.into_iter().find(|f| f.path.ends_with("/mod.rs")).expect("a module list is generated");
    ("mod.rs".to_owned(), list.contents)
}

#[test]
fn generated_code_matches_the_checked_in_output() {
    let update = std::env::var_os("GOLDEN_UPDATE").is_some_and(|v| v == "1");
    let out_dir = golden().join("output");
    let mut stale = Vec::new();
    let mut expected_files = Vec::new();
    let every: Vec<(String, String)> = cases().iter().flat_map(|c| generated(c)).chain([registry()]).collect();
    for (name, contents) in every {
        let path = out_dir.join(&name);
        expected_files.push(name.clone());
        if update {
            std::fs::create_dir_all(&out_dir).expect("create tests/golden/output");
            std::fs::write(&path, &contents).expect("write a golden output");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(old) if old == contents => {}
            Ok(_) => stale.push(format!("{name}: differs from the generator's output")),
            Err(_) => stale.push(format!("{name}: missing")),
        }
    }
    // No output of a case that is gone.
    for entry in std::fs::read_dir(&out_dir).expect("tests/golden/output exists").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !expected_files.contains(&name) {
            if update {
                std::fs::remove_file(entry.path()).expect("remove a stale golden output");
            } else {
                stale.push(format!("{name}: no golden case generates it"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "golden outputs are stale (regression guard; after an intended change run `GOLDEN_UPDATE=1 cargo test -p happyhorse-codegen --test golden` and review the diff):\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_golden_output_is_compiled_by_the_client_tests() {
    let harness =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-client/tests/golden.rs"))
            .expect("generated-client/tests/golden.rs exists");
    for case in cases() {
        let line = format!("#[path = \"../../codegen/tests/golden/output/{case}.rs\"]");
        assert!(
            harness.contains(&line),
            "generated-client/tests/golden.rs does not compile the case {case}: add `{line}`"
        );
    }
}

#[test]
fn every_case_agrees_with_its_doc_copies() {
    for case in cases() {
        let dir = golden().join(&case);
        let ms = modules(&case);
        let pages = drift::Pages::load(&dir, &ms).unwrap_or_else(|e| panic!("golden case {case}: {e}"));
        let report = drift::check(&ms, &pages);
        assert!(report.findings.is_empty(), "golden case {case}: docs check findings:\n{}", report.render_text());
    }
}

#[test]
fn no_envelope_string_errors_has_no_envelope_and_a_text_error_code() {
    let m = module("no_envelope_string_errors");
    assert!(m.envelope.is_none(), "plainvid.toml has no [envelope]");
    assert_eq!((m.errors.code.wire.as_str(), &m.errors.code.ty), ("error.code", &happyhorse_codegen::ir::Ty::String));
    let states = m.enum_def(&m.task.state_enum).expect("the state enum");
    let cancelled = states.values.iter().find(|v| v.wire == "cancelled").expect("cancelled is a state");
    assert_eq!(cancelled.phase, Some(Phase::Failed));
    assert!(cancelled.decision.is_some(), "the value's decision is kept");
    let row = m.statuses.iter().find(|s| s.status == 429).expect("429 row");
    assert_eq!(row.max_retries, Some(4));
    assert_eq!(row.decision.as_ref().map(|d| d.sets.clone()), Some(vec!["max_retries".to_owned()]));
    assert!(m.decisions.iter().any(|d| d.at == "http_statuses[429]"), "status-row decisions are in the catalogue");
}

#[test]
fn model_tag_credits_ids_keep_dotted_tags_inside_brackets() {
    let m = module("model_tag_credits");
    let u = m.modes.union.as_ref().expect("a mode union");
    assert!(u.field_path.is_empty(), "the request is the union");
    assert_eq!(u.wire, "model");
    let ids: Vec<&str> = m.constraints.iter().map(|c| c.id.as_str()).collect();
    for id in [
        "model_tag_credits.submit.model:tag",
        "model_tag_credits.submit[model=happyhorse-1.0-t2v].prompt:length",
        "model_tag_credits.submit[model=happyhorse-1.0-i2v].image:length",
        "model_tag_credits.submit[model=happyhorse-1.0-i2v].image:url",
    ] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    let path = m.constraints.iter().find(|c| c.id.ends_with("i2v].image:length")).map(|c| c.path.as_str());
    assert_eq!(path, Some("[model=happyhorse-1.0-i2v].image"));
    assert_eq!(m.billing.as_ref().map(|b| &b.unit), Some(&PriceUnit::Credits("credits".into())));
    assert_eq!(m.modes.modes.iter().map(|md| md.polling.first_poll_s).collect::<Vec<_>>(), [30, 40]);
}

#[test]
fn a_boundary_value_of_a_url_field_with_a_length_limit_meets_both_rules() {
    let m = module("model_tag_credits");
    let payload = m.struct_def("ImageToVideoVideoRequest").expect("the i2v payload");
    let image = payload.fields.iter().find(|f| f.wire == "image").expect("image");
    let max = image
        .checks
        .iter()
        .find_map(|c| match c.kind {
            CheckKind::Length { max, .. } => Some(max as u64),
            _ => None,
        })
        .expect("a length limit");
    let at = image.text_of_length(max, &m.counters).expect("a URL of exactly the limit");
    assert_eq!((at.chars().count() as u64, at.starts_with("https://example.com/")), (300, true));
    let past = image.text_of_length(max + 1, &m.counters).expect("one past");
    assert_eq!(past.chars().count(), 301);
    assert_eq!(image.text_of_length(5, &m.counters), None, "no URL is 5 characters long");
    // The media rules differ per model.
    let t2v = m.struct_def("TextToVideoVideoRequest").and_then(|s| s.fields.iter().find(|f| f.wire == "image"));
    let edges = (
        t2v.and_then(|f| f.media.as_ref()).and_then(|md| md.min_short_edge_px),
        image.media.as_ref().and_then(|md| md.min_short_edge_px),
    );
    assert_eq!(edges, (Some(256), Some(512)));
}

#[test]
fn flattened_model_aliases_has_a_flattened_mode_and_an_alias_constraint() {
    let m = module("flattened_model_aliases");
    let u = m.modes.union.as_ref().expect("a mode union");
    assert_eq!((u.field_path.as_slice(), u.wire.as_str()), (&["job".to_owned()][..], "model"));
    let alias = m.constraints.iter().find(|c| c.rule == "alias").expect("an alias constraint");
    assert_eq!(alias.id, "flattened_model_aliases.submit[model=edit].video:alias");
    let callbacks = m.callbacks.as_ref().expect("callbacks");
    assert!(callbacks.ack_any_2xx);
    assert_eq!((callbacks.retry_schedule_s.as_slice(), callbacks.max_redeliveries), (&[10, 60, 300][..], 3));
    let edit = m.union_def("Model").and_then(|u| u.variants.iter().find(|v| v.tag == "t2v")).expect("t2v");
    let video = edit.forbidden.iter().find(|f| f.wire == "video").expect("t2v forbids video");
    assert_eq!(video.aliases, ["video_url"], "an alias is forbidden with its field");
}

#[test]
fn query_id_mode_union_lint_reads_its_mode_fields() {
    let m = module("query_id_mode_union");
    let lint = &m.lints[0];
    assert_eq!(
        (lint.mode.as_deref(), lint.holder.as_str(), lint.text_wire.as_str()),
        (Some("ref"), "ReferenceInput", "input.prompt")
    );
    assert!(matches!(m.types.iter().find(|t| t.name() == "ReferenceInput"), Some(TypeDef::Struct(_))));
}

#[test]
fn the_openapi_export_describes_each_shape() {
    use serde_json::{Value, json};
    // Aliases: the other name is a property; never both; one of them when required.
    let doc = openapi::openapi(&module("flattened_model_aliases"));
    let edit = doc.pointer("/components/schemas/EditModel").expect("the edit payload");
    assert_eq!(edit.pointer("/properties/video_url/type"), Some(&json!("string")));
    let rules = edit["allOf"].as_array().expect("alias rules");
    assert!(rules.contains(&json!({"not": {"required": ["video", "video_url"]}})), "{rules:?}");
    assert!(rules.contains(&json!({"anyOf": [{"required": ["video"]}, {"required": ["video_url"]}]})), "{rules:?}");
    assert!(!edit["required"].as_array().unwrap().contains(&json!("video")), "either name satisfies `required`");
    // Any 2xx acknowledges a webhook, redelivered on a schedule.
    let hook = doc.pointer("/webhooks/task_result/post").expect("the webhook");
    assert!(hook.pointer("/responses/2XX").is_some(), "{hook}");
    assert_eq!(hook["x-retry-schedule-s"], json!([10, 60, 300]));
    // The 3.0 form carries the alias rules into each expanded variant of the closed object.
    let v30 = openapi::openapi_30(&module("flattened_model_aliases"));
    let expanded = v30.pointer("/components/schemas/CreateJobEdit").expect("CreateJob for model = edit");
    assert!(
        expanded["allOf"].as_array().is_some_and(|r| r.contains(&json!({"not": {"required": ["video", "video_url"]}})))
    );

    // Credits: the unit is credits, not a currency; media rules differ per model.
    let doc = openapi::openapi(&module("model_tag_credits"));
    let submit = doc.pointer("/paths/~1v1~1videos/post").expect("the submit operation");
    assert_eq!(submit.pointer("/x-billing/unit"), Some(&json!({"credits": "credits"})));
    let edge = |schema: &str| -> Value {
        doc.pointer(&format!("/components/schemas/{schema}/properties/image/x-media/min_short_edge_px"))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!((edge("TextToVideoVideoRequest"), edge("ImageToVideoVideoRequest")), (json!(256), json!(512)));
    // The model is the tag of the request union itself.
    let request = doc.pointer("/components/schemas/VideoRequest").expect("the request union");
    assert_eq!(request.pointer("/discriminator/propertyName"), Some(&json!("model")));

    // No envelope, text error codes: the error body's code is a string, nested.
    let doc = openapi::openapi(&module("no_envelope_string_errors"));
    assert_eq!(doc.pointer("/components/schemas/ErrorDetail/properties/code/type"), Some(&json!("string")));
    assert_eq!(doc.pointer("/components/schemas/Generation/properties/code"), None, "no envelope field");
}
