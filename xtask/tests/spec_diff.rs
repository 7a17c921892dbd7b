//! `cargo xtask spec-diff OLD NEW`, run as the built program on real directories and git
//! refs: the exit status of each outcome, the three output formats, and the errors for
//! an unknown ref, a directory without spec files and a spec that does not lower.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec(name: &str) -> String {
    std::fs::read_to_string(root().join("spec").join(name)).expect("spec file")
}

const APIXO: &str = "apixo-happyhorse.toml";
const MODELLIX: &str = "modellix-happyhorse-1.0-r2v.toml";
const MODELLIX_P: &str = "modellix.toml";

/// A temporary directory, removed when dropped.
struct Tmp(PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Tmp {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

/// A fresh temporary directory holding `files`.
fn dir(name: &str, files: &[(&str, String)]) -> Tmp {
    let d = std::env::temp_dir().join(format!("hh-spec-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    for (f, text) in files {
        std::fs::write(d.join(f), text).expect("write spec");
    }
    Tmp(d)
}

fn both() -> Vec<(&'static str, String)> {
    vec![(APIXO, spec(APIXO)), (MODELLIX_P, spec(MODELLIX_P)), (MODELLIX, spec(MODELLIX))]
}

fn with(name: &'static str, text: String) -> Vec<(&'static str, String)> {
    both().into_iter().map(|(n, t)| if n == name { (n, text.clone()) } else { (n, t) }).collect()
}

fn replaced(name: &str, from: &str, to: &str) -> String {
    let text = spec(name);
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(["spec-diff"]).args(args).output().expect("run xtask")
}

fn out(o: &Output) -> (Option<i32>, String, String) {
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn p(d: &Path) -> &str {
    d.to_str().expect("utf-8 temp path")
}

#[test]
fn identical_directories_exit_0_with_no_change() {
    let (a, b) = (dir("same-a", &both()), dir("same-b", &both()));
    let (code, stdout, _) = out(&xtask(&[p(&a), p(&b)]));
    assert_eq!(code, Some(0));
    assert!(stdout.contains("no change for users"), "{stdout}");
}

#[test]
fn a_checkout_root_reads_its_spec_directory() {
    let spec_dir = root().join("spec");
    let (code, stdout, stderr) = out(&xtask(&[p(&root()), p(&spec_dir)]));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}

#[test]
fn breaking_change_exits_2_and_prints_markdown() {
    let edited = replaced(MODELLIX_P, "    { wire = \"3:4\", name = \"Portrait3x4\", doc = \"3:4 portrait.\" },\n", "");
    let (a, b) = (dir("brk-a", &both()), dir("brk-b", &with(MODELLIX_P, edited)));
    let (code, stdout, _) = out(&xtask(&[p(&a), p(&b), "--markdown"]));
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("#### Breaking"), "{stdout}");
    assert!(stdout.contains("Spec: `types.Ratio.values[3:4]`"), "{stdout}");
    assert!(stdout.contains("0.1.0 → **0.2.0**"), "{stdout}");
}

#[test]
fn behaviour_change_exits_3() {
    let edited = replaced(APIXO, "official = \"0.125\"", "official = \"0.15\"");
    let (a, b) = (dir("beh-a", &both()), dir("beh-b", &with(APIXO, edited)));
    let (code, stdout, _) = out(&xtask(&[p(&a), p(&b)]));
    assert_eq!(code, Some(3), "{stdout}");
    assert!(stdout.contains("Behaviour:\n  - apixo · official price of `720p`"), "{stdout}");
}

#[test]
fn additive_change_exits_4_and_json_lists_it() {
    let (a, b) = (dir("add-a", &[(APIXO, spec(APIXO))]), dir("add-b", &both()));
    let (code, stdout, _) = out(&xtask(&[p(&a), p(&b), "--json"]));
    assert_eq!(code, Some(4), "{stdout}");
    assert!(stdout.trim_start().starts_with('{'), "{stdout}");
    assert!(stdout.contains("\"additive\": 1"), "{stdout}");
    assert!(stdout.contains("\"key\": \"provider.module\""), "{stdout}");
    assert!(stdout.contains("\"level\": \"minor\""), "{stdout}");
}

#[test]
fn a_directory_without_spec_files_is_an_error() {
    let (a, empty) = (dir("none-a", &both()), dir("none-b", &[]));
    let (code, _, stderr) = out(&xtask(&[p(&a), p(&empty)]));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("holds no spec files"), "{stderr}");
}

#[test]
fn a_spec_that_does_not_lower_prints_its_position() {
    let broken = replaced(MODELLIX, "range = { min = 3, max = 15,", "range = { min = 16, max = 15,");
    let line = broken[..broken.find("range = { min = 16").expect("edit")].matches('\n').count() + 1;
    let (a, b) = (dir("bad-a", &both()), dir("bad-b", &with(MODELLIX, broken)));
    let (code, _, stderr) = out(&xtask(&[p(&a), p(&b)]));
    assert_eq!(code, Some(1));
    let at = format!("{}:{line}:", b.join(MODELLIX).display());
    assert!(stderr.contains(&at), "expected {at} in:\n{stderr}");
    assert!(stderr.contains("min (16) is greater than max (15)"), "{stderr}");
}

#[test]
fn an_unknown_ref_is_an_error() {
    let (code, _, stderr) = out(&xtask(&["no-such-ref-or-dir-x1", "HEAD"]));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("`no-such-ref-or-dir-x1` is neither a directory nor a git ref"), "{stderr}");
}

#[test]
fn the_same_git_ref_twice_exits_0() {
    // Reads spec/*.toml of HEAD through git (the repository is a git checkout in CI).
    let (code, stdout, stderr) = out(&xtask(&["HEAD", "HEAD", "--markdown"]));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("### Spec diff `HEAD` → `HEAD`"), "{stdout}");
}

#[test]
fn bad_arguments_are_errors() {
    assert_eq!(out(&xtask(&["HEAD"])).0, Some(1));
    let (code, _, stderr) = out(&xtask(&["HEAD", "HEAD", "--yaml"]));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("unknown option --yaml"), "{stderr}");
}
