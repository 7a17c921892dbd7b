//! Regression guards on the checked-in generated code: it is fresh (the `cargo xtask codegen
//! --check` of CI, as a test) and generation is deterministic. The specs are checked against
//! the docs in `docs_drift.rs`.

use std::path::{Path, PathBuf};

use happyhorse_codegen::output;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_code_is_fresh() {
    let root = root();
    let files = output::generate_workspace(&root).unwrap_or_else(|e| panic!("{e}"));
    let stale = output::check(&root, &files);
    let list: Vec<String> = stale.iter().map(ToString::to_string).collect();
    assert!(stale.is_empty(), "run `cargo xtask codegen`:\n{}", list.join("\n"));
}

#[test]
fn generation_is_deterministic() {
    let root = root();
    let a = output::generate_workspace(&root).unwrap_or_else(|e| panic!("{e}"));
    let b = output::generate_workspace(&root).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
}

#[test]
fn the_root_is_found_from_any_directory_inside_the_workspace() {
    let root = root().canonicalize().expect("the workspace exists");
    for start in [root.clone(), root.join("conformance/src/simulator"), root.join("spec/docs")] {
        assert_eq!(output::find_root(&start), Ok(root.clone()), "from {}", start.display());
    }
    let outside = std::env::temp_dir().join(format!("hh-no-workspace-{}", std::process::id()));
    std::fs::create_dir_all(&outside).expect("temp dir");
    let error = output::find_root(&outside).expect_err("no workspace in the temp dir");
    assert!(error.contains("run this inside a happyhorse checkout"), "{error}");
    let _ = std::fs::remove_dir_all(&outside);
}
