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
