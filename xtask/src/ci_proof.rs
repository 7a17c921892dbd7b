//! `cargo xtask ci-proof`: the proof that a new endpoint and a new provider are a spec file,
//! a doc copy and a case file, with no Rust change.
//!
//! It copies the workspace to a temporary directory (without `target/`, `.git` or `.venv`),
//! then adds, as a maintainer would:
//!
//! - a fourth Modellix model, `happyhorse-1.0-p2v`: an endpoint file joined to
//!   `spec/modellix.toml`, its doc copies and its case file, derived from the t2v ones by
//!   renaming (`t2v` → `p2v`, `TextToVideo` → `ProofToVideo`, `text_to_video` →
//!   `proof_to_video`);
//! - a new provider of another shape, `flatline`: the golden case
//!   `flattened_model_aliases` (answers without an envelope, text error codes, a model tag
//!   flattened at the top of the body, a field alias, webhooks acknowledged by any 2xx and
//!   redelivered on a schedule) moved into `spec/` as module `flatline`, with its doc copy
//!   in `spec/docs/` and its case files in `conformance/cases/flatline/`.
//!
//! In the copy it runs `cargo xtask codegen`, the build, the generated client's and the
//! generator's tests, `cargo xtask docs-check` and `cargo xtask conformance`, each of which
//! must pass, and checks that no hand-written Rust file changed (only
//! `generated-client/src/providers/` is regenerated) and that the new modules were generated.
//!
//! The copy builds in its own target directory, never the checkout's. To keep the proof
//! affordable on a small machine, that directory is first seeded with a copy of the
//! checkout's compiled registry dependencies (`target/debug/{deps,build,.fingerprint}`,
//! the workspace's own crates left out): cargo reuses them, as their sources and flags are
//! the same, and compiles the workspace's crates afresh.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::Failure;
use crate::conformance::cargo;

/// The fourth Modellix model's key.
const NEW_ENDPOINT: &str = "p2v";

/// The golden case moved into `spec/` as a new provider, and the module it becomes.
const NEW_PROVIDER: (&str, &str) = ("flattened_model_aliases", "flatline");

/// Directories of the checkout the copy leaves out (at the top level).
const LEFT_OUT: [&str; 4] = ["target", ".git", ".venv", "videos"];

pub fn run(root: &Path, args: &[String]) -> Result<(), Failure> {
    let keep = match args {
        [] => false,
        [flag] if flag == "--keep" => true,
        _ => return Err(Failure::Error("ci-proof takes no argument but --keep (keep the copy)".into())),
    };
    let started = Instant::now();
    let copy = std::env::temp_dir().join(format!("happyhorse-ci-proof-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    let outcome = prove(root, &copy);
    if keep || outcome.is_err() {
        eprintln!("ci-proof: the copy is kept at {}", copy.display());
    } else if let Err(e) = std::fs::remove_dir_all(&copy) {
        eprintln!("ci-proof: cannot remove {}: {e}", copy.display());
    }
    match &outcome {
        Ok(()) => eprintln!("ci-proof: PASSED in {:.0} s", started.elapsed().as_secs_f64()),
        Err(_) => eprintln!("ci-proof: FAILED after {:.0} s", started.elapsed().as_secs_f64()),
    }
    outcome
}

fn prove(root: &Path, copy: &Path) -> Result<(), Failure> {
    step("copy the workspace", || {
        copy_dir(root, copy, &|rel: &Path| LEFT_OUT.iter().any(|l| rel == Path::new(l)))
            .map_err(|e| format!("cannot copy {} to {}: {e}", root.display(), copy.display()))
    })?;
    step("seed the copy's target directory with the registry dependencies", || seed_target(root, copy))?;
    let hand_written = rust_sources(copy)?;
    step(&format!("add a Modellix endpoint `{NEW_ENDPOINT}` (spec, doc copies, case file)"), || add_endpoint(copy))?;
    step(&format!("add a provider `{}` (spec, doc copy, case files)", NEW_PROVIDER.1), || add_provider(copy))?;
    let schemathesis = root.join(".venv/bin/schemathesis");
    let in_copy = |args: &[&str]| {
        let mut command = cargo();
        command.current_dir(copy).args(args);
        // The copy's own target directory, whatever the caller's environment says.
        command.env_remove("CARGO_TARGET_DIR").env_remove("CARGO_BUILD_TARGET_DIR");
        if std::env::var_os("SCHEMATHESIS").is_none() && schemathesis.is_file() {
            command.env("SCHEMATHESIS", &schemathesis);
        }
        command
    };
    for (what, args) in [
        ("cargo xtask codegen", &["xtask", "codegen"][..]),
        ("build", &["build", "--workspace", "--bins", "--examples"][..]),
        (
            "the generated client's and the generator's tests",
            &["test", "-p", "happyhorse-client", "-p", "happyhorse-codegen", "--tests"][..],
        ),
        ("cargo xtask docs-check", &["xtask", "docs-check"][..]),
        ("cargo xtask conformance", &["xtask", "conformance", "--cases", "64"][..]),
    ] {
        step(what, || run_command(in_copy(args), what))?;
    }
    step("no hand-written Rust changed; the new modules were generated", || {
        let now = rust_sources(copy)?;
        let changed: Vec<&String> =
            now.iter().filter(|(p, h)| hand_written.get(*p) != Some(*h)).map(|(p, _)| p).collect();
        if !changed.is_empty() || now.len() != hand_written.len() {
            return Err(format!("Rust files outside generated-client/src/providers/ changed: {changed:?}"));
        }
        let providers = copy.join(happyhorse_codegen::output::PROVIDERS_DIR);
        let list = read(&providers.join("mod.rs"))?;
        let modellix = read(&providers.join("modellix.rs"))?;
        if !list.contains(&format!("pub mod {};", NEW_PROVIDER.1)) {
            return Err(format!("providers/mod.rs has no module `{}`", NEW_PROVIDER.1));
        }
        if !modellix.contains(&format!("happyhorse-1.0-{NEW_ENDPOINT}/async")) {
            return Err(format!("modellix.rs does not submit to happyhorse-1.0-{NEW_ENDPOINT}"));
        }
        Ok(())
    })?;
    Ok(())
}

/// Runs one step, showing its name and time.
fn step(what: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), Failure> {
    eprintln!("ci-proof: {what} ...");
    let started = Instant::now();
    let outcome = f();
    let secs = started.elapsed().as_secs_f64();
    match outcome {
        Ok(()) => {
            eprintln!("ci-proof: {what}: ok ({secs:.0} s)");
            Ok(())
        }
        Err(e) => Err(Failure::Error(format!("ci-proof: {what}: {e} ({secs:.0} s)"))),
    }
}

fn run_command(mut command: Command, what: &str) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Copies `from` into `to`, files and directories, leaving out what `skip` says (paths
/// relative to `from`); symbolic links are not followed. File times are kept.
fn copy_dir(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> std::io::Result<()> {
    fn walk(base: &Path, dir: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> std::io::Result<()> {
        std::fs::create_dir_all(to.join(dir.strip_prefix(base).unwrap_or(dir)))?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(base).unwrap_or(&path).to_owned();
            if skip(&rel) {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(base, &path, to, skip)?;
            } else if kind.is_file() {
                let target = to.join(&rel);
                std::fs::copy(&path, &target)?;
                let modified = entry.metadata()?.modified()?;
                std::fs::File::options().write(true).open(&target)?.set_modified(modified)?;
            }
        }
        Ok(())
    }
    walk(from, from, to, skip)
}

/// Copies the checkout's compiled registry dependencies into the copy's target directory:
/// the entries of `target/debug/{deps,build,.fingerprint}` that are not the workspace's own
/// packages or targets (found with `cargo metadata`). Nothing to copy is not an error.
fn seed_target(root: &Path, copy: &Path) -> Result<(), String> {
    let from = root.join("target/debug");
    if !from.is_dir() {
        eprintln!("ci-proof: {} does not exist; the copy builds everything", from.display());
        return Ok(());
    }
    let out = cargo()
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let meta: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut own: Vec<String> = Vec::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        own.extend(package["name"].as_str().map(str::to_owned));
        for target in package["targets"].as_array().into_iter().flatten() {
            own.extend(target["name"].as_str().map(|n| n.replace('-', "_")));
        }
    }
    let to = copy.join("target/debug");
    for dir in ["deps", "build", ".fingerprint"] {
        let skip = |rel: &Path| {
            // `<name>-<16 hex digits>[.ext]`, `lib<name>-...`: the workspace's are rebuilt.
            let Some(first) = rel.components().next().and_then(|c| c.as_os_str().to_str()) else { return false };
            let stem = first.split('.').next().unwrap_or(first);
            let name = stem.rsplit_once('-').map_or(stem, |(n, _)| n);
            let name = name.strip_prefix("lib").filter(|n| own.iter().any(|o| o == n)).unwrap_or(name);
            own.iter().any(|o| o == name)
        };
        let source = from.join(dir);
        if source.is_dir() {
            copy_dir(&source, &to.join(dir), &skip).map_err(|e| format!("cannot seed {}: {e}", to.display()))?;
        }
    }
    Ok(())
}

/// Every hand-written Rust file of the copy (not `target/`, not the generated providers)
/// with its contents.
fn rust_sources(copy: &Path) -> Result<BTreeMap<String, String>, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let rel = path.strip_prefix(base).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            if rel == "target" || rel == happyhorse_codegen::output::PROVIDERS_DIR {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out)?;
            } else if rel.ends_with(".rs") {
                out.insert(rel, std::fs::read_to_string(&path)?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(copy, copy, &mut out).map_err(|e| format!("cannot read the copy's Rust files: {e}"))?;
    Ok(out)
}

/// The fourth Modellix model: the t2v endpoint file, doc copies and case file, renamed.
fn add_endpoint(copy: &Path) -> Result<(), String> {
    let rename = |text: &str| {
        text.replace("t2v", NEW_ENDPOINT)
            .replace("TextToVideo", "ProofToVideo")
            .replace("text_to_video", "proof_to_video")
    };
    let spec = copy.join("spec");
    for (from, to) in [
        ("modellix-happyhorse-1.0-t2v.toml", format!("modellix-happyhorse-1.0-{NEW_ENDPOINT}.toml")),
        ("docs/modellix-happyhorse-1.0-t2v.txt", format!("docs/modellix-happyhorse-1.0-{NEW_ENDPOINT}.txt")),
        ("docs/modellix-happyhorse-1.0-t2v.md", format!("docs/modellix-happyhorse-1.0-{NEW_ENDPOINT}.md")),
    ] {
        write(&spec.join(to), &rename(&read(&spec.join(from))?))?;
    }
    let cases = copy.join("conformance/cases/modellix");
    write(&cases.join(format!("{NEW_ENDPOINT}.toml")), &rename(&read(&cases.join("t2v.toml"))?))
}

/// The new provider: a golden case's spec, doc copy and case files, moved into `spec/` and
/// `conformance/cases/` under its new module name.
fn add_provider(copy: &Path) -> Result<(), String> {
    let (case, module) = NEW_PROVIDER;
    let golden = copy.join("codegen/tests/golden").join(case);
    let spec = copy.join("spec");
    for entry in std::fs::read_dir(&golden).map_err(|e| format!("cannot list {}: {e}", golden.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(".toml") {
            let text = read(&path)?.replace(&format!("module = \"{case}\""), &format!("module = \"{module}\""));
            write(&spec.join(&name), &text)?;
        }
    }
    copy_dir(&golden.join("docs"), &spec.join("docs"), &|_| false)
        .map_err(|e| format!("cannot copy the doc copy: {e}"))?;
    let cases = copy.join("conformance/cases");
    copy_dir(&cases.join("golden").join(case), &cases.join(module), &|_| false)
        .map_err(|e| format!("cannot copy the case files: {e}"))
}
