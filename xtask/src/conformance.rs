//! `cargo xtask conformance` and `cargo xtask simulate`: thin wrappers that check the
//! generated code is fresh, build what the run needs, and start the `conformance` program
//! (which holds the simulator and the suites).

use std::path::{Path, PathBuf};
use std::process::Command;

use happyhorse_codegen::output;

/// The pinned Schemathesis version `.ci/run` installs.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Schemathesis, if installed: `$SCHEMATHESIS`, `.venv/bin/schemathesis`, or on `PATH`.
fn schemathesis(root: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCHEMATHESIS") {
        // Schemathesis runs from a directory under target/, so a relative path is resolved here.
        let p = PathBuf::from(p);
        let resolved = if p.components().count() > 1 { std::path::absolute(&p).unwrap_or(p) } else { p };
        return Some(resolved);
    }
    let venv = root.join(".venv/bin/schemathesis");
    if venv.is_file() {
        return Some(venv);
    }
    let found = Command::new("schemathesis").arg("--version").output().is_ok_and(|o| o.status.success());
    found.then(|| PathBuf::from("schemathesis"))
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
}

pub fn conformance(root: &Path, args: &[String]) -> Result<(), String> {
    let mut pass = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--cases" | "--junit" | "--seed" => {
                let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let value = if flag == "--junit" {
                    std::path::absolute(value).map_err(|e| e.to_string())?.display().to_string()
                } else {
                    value.clone()
                };
                pass.extend([flag.clone(), value]);
            }
            other => {
                return Err(format!(
                    "conformance: unknown argument {other}; expected --cases N, --junit FILE, --seed S"
                ));
            }
        }
    }
    eprintln!("conformance: checking that the generated code is fresh");
    let files = output::generate_workspace(root).map_err(|e| e.to_string())?;
    let stale = output::check(root, &files);
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|s| format!("  {s}")).collect();
        return Err(format!("the generated code is stale; run `cargo xtask codegen`:\n{}", list.join("\n")));
    }
    eprintln!("conformance: building the example programs and the harness");
    run_checked(
        cargo().current_dir(root).args([
            "build",
            "--quiet",
            "-p",
            "happyhorse-client",
            "--examples",
            "-p",
            "happyhorse-conformance",
            "--bin",
            "conformance",
        ]),
        "cargo build",
    )?;
    let examples = target_dir(root).join("debug/examples");
    pass.extend(["--examples".into(), examples.display().to_string()]);
    match schemathesis(root) {
        Some(p) => pass.extend(["--schemathesis".into(), p.display().to_string()]),
        None => eprintln!(
            "conformance: Schemathesis is not installed, skipping the outside OpenAPI check (python3 -m venv .venv && .venv/bin/pip install schemathesis=={SCHEMATHESIS_VERSION})"
        ),
    }
    let program = target_dir(root).join("debug/conformance");
    run_checked(Command::new(program).current_dir(root).arg("run").args(&pass), "the conformance suite")
}

pub fn simulate(root: &Path, args: &[String]) -> Result<(), String> {
    run_checked(
        cargo()
            .current_dir(root)
            .args(["run", "--quiet", "-p", "happyhorse-conformance", "--bin", "conformance", "--", "simulate"])
            .args(args),
        "the simulator",
    )
}
