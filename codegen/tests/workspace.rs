//! The checked-in generated code is fresh (the `cargo xtask codegen --check` of CI, as a
//! test), and every fact's quote is still in the saved copy of its doc.

use std::path::{Path, PathBuf};

use happyhorse_codegen::{output, sources};

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
fn every_quote_is_in_its_doc_copy() {
    let mut missing = Vec::new();
    for (path, name) in output::spec_files(&root()).unwrap_or_else(|e| panic!("{e}")) {
        missing.extend(sources::unquoted(&path, &name).unwrap_or_else(|e| panic!("{e}")));
    }
    let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
    assert!(missing.is_empty(), "{} quote(s) not found:\n{}", list.len(), list.join("\n"));
}

#[test]
fn a_changed_doc_is_noticed() {
    // A doc copy that lost a sentence: the facts quoting it are listed.
    let dir = std::env::temp_dir().join(format!("hh-quotes-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    let spec = std::fs::read_to_string(root().join("spec/modellix-happyhorse-1.0-r2v.toml")).unwrap();
    std::fs::write(dir.join("s.toml"), spec).unwrap();
    let page = std::fs::read_to_string(root().join("spec/docs/modellix-happyhorse-1.0-r2v.txt")).unwrap();
    std::fs::write(
        dir.join("docs/modellix-happyhorse-1.0-r2v.txt"),
        page.replace("Required range: 3 <= x <= 15", "Required range: 3 <= x <= 10"),
    )
    .unwrap();
    std::fs::copy(root().join("spec/docs/FACTS.md"), dir.join("docs/FACTS.md")).unwrap();
    let missing = sources::unquoted(&dir.join("s.toml"), "spec/s.toml").unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let paths: Vec<&str> = missing.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["types.SubmitRequest.fields[4].range.source"]);
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
