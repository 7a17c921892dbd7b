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
    let mut out: Vec<String> = std::fs::read_dir(golden())
        .expect("tests/golden exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && e.file_name() != "output")
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
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

#[test]
fn generated_code_matches_the_checked_in_output() {
    let update = std::env::var_os("GOLDEN_UPDATE").is_some_and(|v| v == "1");
    let out_dir = golden().join("output");
    let mut stale = Vec::new();
    let mut expected_files = Vec::new();
    for case in cases() {
        for (name, contents) in generated(&case) {
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
#[ignore]
fn dump_inventory() {
    let case = std::env::var("CASE").unwrap();
    for e in std::fs::read_dir(golden().join(&case).join("docs")).unwrap() {
        let p = e.unwrap().path();
        let inv = happyhorse_doc_reader::read(
            &std::fs::read_to_string(&p).unwrap(),
            happyhorse_doc_reader::Form::of_path(&p),
        );
        for f in &inv.facts {
            println!("{}:{} [{}] {:?} :: {}", p.display(), f.line, f.section, f.kind, f.text);
        }
    }
}
