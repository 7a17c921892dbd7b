//! `cargo xtask openapi --openapi-version 3.0` states the same request rules as the 3.1
//! document, as far as 3.0 can: the request schema of each document, run by the independent
//! `jsonschema` crate (3.1 as JSON Schema 2020-12, 3.0 as draft 4, the dialect OpenAPI 3.0
//! builds on), gives the same verdict on every hand-written oracle request and on both
//! boundary cases of every constraint, including unknown fields and `callback_url` in async
//! mode. This checks the 3.0 conversion against the 3.1 export (generator against
//! generator), not the spec against the docs: that is the other suites' job.
//!
//! And when `cargo progenitor` is installed (optional: `cargo install cargo-progenitor`), a
//! client generated from each 3.0 document builds, and its request types keep the rules.

use std::path::{Path, PathBuf};
use std::process::Command;

use happyhorse_codegen::openapi;
use happyhorse_conformance::{boundary, harness};
use jsonschema::Draft;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A validator of the submit request body as `doc` states it.
fn request_validator(doc: &Value, request: &str, draft: Draft) -> jsonschema::Validator {
    let mut schema = doc.clone();
    schema["$ref"] = json!(format!("#/components/schemas/{request}"));
    jsonschema::options().with_draft(draft).build(&schema).unwrap_or_else(|e| panic!("{request}: {e}"))
}

#[test]
fn the_3_0_document_states_the_request_rules_of_the_3_1_document() {
    let subjects = harness::subjects(&root()).expect("the specs load");
    let cases = harness::cases(&root(), &subjects).expect("the case files load");
    for s in &subjects {
        let (mut accepted, mut rejected) = (0, 0);
        for op in &s.ir.submits {
            let request = op.request.clone().expect("a request type");
            let v31 = request_validator(&openapi::openapi(&s.ir), &request, Draft::Draft202012);
            let v30 = request_validator(&openapi::openapi_30(&s.ir), &request, Draft::Draft4);
            let mut bodies: Vec<(String, Value)> = cases
                .requests
                .iter()
                .filter(|c| c.module == s.name() && c.operation == op.key)
                .map(|c| (format!("oracle {} ({})", c.name, c.doc), c.body.clone()))
                .collect();
            bodies.extend(
                boundary::cases(&s.ir)
                    .into_iter()
                    .filter(|c| c.operation == op.key)
                    .map(|c| (format!("{} {}", c.constraint, c.label), c.body)),
            );
            for (name, body) in &bodies {
                let (a, b) = (v31.is_valid(body), v30.is_valid(body));
                assert_eq!(a, b, "{}/{}: {name}: 3.1 says {a}, 3.0 says {b}\n{body:#}", s.name(), op.key);
                if a { accepted += 1 } else { rejected += 1 }
            }
        }
        // Both verdicts occur, so the comparison cannot pass by accepting (or rejecting) all.
        assert!(accepted > 10 && rejected > 10, "{}: {accepted} accepted, {rejected} rejected", s.name());
    }
}

/// Every keyword of the 3.0 document exists in OpenAPI 3.0.
#[test]
fn the_3_0_document_uses_only_3_0_keywords() {
    fn walk(v: &Value, at: &str, bad: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let only_3_1 = [
                        "const",
                        "unevaluatedProperties",
                        "webhooks",
                        "if",
                        "then",
                        "$defs",
                        "contentMediaType",
                        "contentSchema",
                        "prefixItems",
                        "dependentRequired",
                    ];
                    if only_3_1.contains(&k.as_str()) {
                        bad.push(format!("{at}/{k}"));
                    }
                    if matches!(k.as_str(), "properties" | "schemas")
                        && let Some(props) = child.as_object()
                    {
                        bad.extend(
                            props
                                .iter()
                                .filter(|(_, p)| p.is_boolean())
                                .map(|(n, _)| format!("{at}/{k}/{n}: a boolean schema")),
                        );
                    }
                    if k == "$ref" && map.len() > 1 {
                        bad.push(format!("{at}: $ref with siblings"));
                    }
                    if k == "type" && child.is_array() {
                        bad.push(format!("{at}/type: a list of types"));
                    }
                    walk(child, &format!("{at}/{k}"), bad);
                }
            }
            Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| walk(x, &format!("{at}/{i}"), bad)),
            _ => {}
        }
    }
    for m in happyhorse_codegen::output::load_all(&root()).expect("the specs load") {
        let doc = openapi::openapi_30(&m);
        assert_eq!(doc["openapi"], "3.0.3");
        let mut bad = Vec::new();
        walk(&doc, "", &mut bad);
        assert!(bad.is_empty(), "{}: {bad:#?}", m.module);
    }
}

/// APIXO's "no callback_url in async" and "no extra fields" are in the 3.0 types
/// themselves, and the webhook is a callback of the submit operation.
#[test]
fn apixo_3_0_closes_each_delivery_mode_and_keeps_the_webhook() {
    let m = happyhorse_codegen::output::load_all(&root())
        .expect("the specs load")
        .into_iter()
        .find(|m| m.module == "apixo")
        .expect("apixo");
    let doc = openapi::openapi_30(&m);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["SubmitRequest"]["discriminator"]["propertyName"], "request_type");
    let sync = &schemas["SubmitRequestAsync"];
    assert_eq!(sync["additionalProperties"], false);
    assert_eq!(sync["properties"]["request_type"]["enum"], json!(["async"]));
    assert!(sync["properties"].get("callback_url").is_none(), "{sync:#}");
    let callback = &schemas["SubmitRequestCallback"];
    assert_eq!(callback["additionalProperties"], false);
    assert_eq!(callback["required"], json!(["request_type", "input", "callback_url"]));
    let hook = &doc["paths"]["/generateTask/happyHorse"]["post"]["callbacks"]["task_result"]["{$request.body#/callback_url}"]
        ["post"];
    assert_eq!(hook["operationId"], "apixo_callback");
    assert!(doc.get("webhooks").is_none());
}

/// `cargo progenitor`, when installed: `$CARGO_PROGENITOR`, or `cargo-progenitor` on `PATH`.
fn progenitor() -> Option<PathBuf> {
    let program = std::env::var_os("CARGO_PROGENITOR").map_or_else(|| PathBuf::from("cargo-progenitor"), PathBuf::from);
    let works = Command::new(&program).args(["progenitor", "--help"]).output().is_ok_and(|o| o.status.success());
    works.then_some(program)
}

#[test]
fn a_progenitor_client_builds_from_the_3_0_document() {
    let Some(program) = progenitor() else {
        eprintln!(
            "notice: cargo-progenitor is not installed; skipping the progenitor build (cargo install cargo-progenitor)"
        );
        return;
    };
    let work = std::env::temp_dir().join(format!("hh-progenitor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    for m in happyhorse_codegen::output::load_all(&root()).expect("the specs load") {
        let spec = work.join(format!("{}.openapi.json", m.module));
        std::fs::write(&spec, format!("{:#}\n", openapi::openapi_30(&m))).expect("write");
        let out = work.join(format!("{}-client", m.module));
        let name = format!("{}-progenitor", m.module);
        let generated = Command::new(&program)
            .args(["progenitor", "-i"])
            .arg(&spec)
            .arg("-o")
            .arg(&out)
            .args(["-n", &name, "-v", "0.1.0"])
            .output()
            .expect("cargo progenitor runs");
        assert!(generated.status.success(), "{}: {}", m.module, String::from_utf8_lossy(&generated.stderr));
        let built = Command::new(env!("CARGO"))
            .arg("build")
            .arg("--manifest-path")
            .arg(out.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", work.join("target"))
            .output()
            .expect("cargo build runs");
        assert!(built.status.success(), "{}: {}", m.module, String::from_utf8_lossy(&built.stderr));
        let source = std::fs::read_to_string(out.join("src/lib.rs")).expect("generated source");
        assert!(source.contains("deny_unknown_fields"), "{}: request types accept unknown fields", m.module);
        if m.module == "apixo" {
            // The async request type has no field a callback URL could go in.
            let start = source.find("pub struct SubmitRequestAsync {").expect("an async request type");
            let body = &source[start..start + source[start..].find("\n    }").expect("its end")];
            assert!(!body.lines().any(|l| l.trim_start().starts_with("pub callback_url")), "{body}");
            assert!(source.contains("pub struct SubmitRequestCallback {"), "a callback request type");
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}
