//! `cargo xtask docs-check`, run as the built program on the workspace: silent with exit 0
//! when the specs and the saved pages agree, the JSON form for tools, and a bad argument.
//! The drift cases themselves are in `codegen/tests/docs_drift.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn xtask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).current_dir(root()).output().expect("run xtask")
}

#[test]
fn agreeing_specs_and_pages_are_silent() {
    let out = xtask(&["docs-check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn json_for_tools() {
    let out = xtask(&["docs-check", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["clean"], serde_json::json!(true));
    assert_eq!(v["findings"], serde_json::json!([]));
    let specs: Vec<&str> = v["specs"].as_array().expect("specs").iter().filter_map(|s| s.as_str()).collect();
    for model in ["r2v", "t2v", "i2v"] {
        let file = format!("spec/modellix-happyhorse-1.0-{model}.toml");
        assert!(specs.contains(&file.as_str()), "{specs:?}");
    }
    for file in ["spec/apixo-happyhorse.toml", "spec/modellix.toml"] {
        assert!(specs.contains(&file), "{specs:?}");
    }
    // Four pages (APIXO, Modellix r2v, t2v, i2v) in two forms each, and FACTS.md.
    assert_eq!(v["copies"].as_array().map(Vec::len), Some(9));
}

#[test]
fn an_unknown_argument_is_named() {
    let out = xtask(&["docs-check", "--bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument `--bogus`"));
}
