//! `cargo xtask conformance` and `cargo xtask simulate`: thin wrappers that check their
//! arguments, check that the generated code is fresh, build what the run needs (showing
//! cargo's progress) and start the `conformance` program, which holds the simulator and the
//! suites.
//!
//! Both build with one command, `cargo build --workspace --bins --examples`: the same
//! packages and dev-dependencies `cargo test --workspace` and `cargo run --example` resolve
//! features for, so switching between these commands rebuilds nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use happyhorse_codegen::output;
use serde_json::Value;

use crate::Failure;

/// The pinned Schemathesis version `.ci/run` installs.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// `cargo xtask simulate --help`, before the modules are filled in ([`simulate_help`]).
const SIMULATE_HELP: &str = include_str!("simulate_help.txt");

/// Where `cargo xtask simulate` listens by default.
const DEFAULT_ORIGIN: &str = "http://127.0.0.1:8787";

/// `cargo xtask simulate --help`: the options, then every module and operation the specs of
/// the checkout at `root` define (read from the specs, never written here), how a client
/// switches to the simulator, and the fault JSON.
pub fn simulate_help(root: &Path) -> String {
    let modules = match output::load_all(root) {
        Ok(m) => m,
        Err(e) => {
            let note = format!("  (the specs do not load, so the modules cannot be listed:\n{e})\n");
            return SIMULATE_HELP
                .replace("{modules}", &note)
                .replace("{switch}", "")
                .replace("{example_route}", "MODULE.OPERATION");
        }
    };
    let mut list = String::new();
    let mut switch = Vec::new();
    for m in &modules {
        let base_path = m.base_path();
        let env = m.base_url_env.as_deref().map_or_else(String::new, |v| format!("  (${v})"));
        list.push_str(&format!("  {} ({}): base URL {DEFAULT_ORIGIN}{base_path}{env}\n", m.module, m.provider));
        let mut rows: Vec<(String, String, String)> =
            m.submits.iter().map(|o| (o.method.clone(), o.path.clone(), format!("{}.{}", m.module, o.key))).collect();
        let status_path = match &m.status.id_param {
            Some(p) if p.in_query => format!("{}?{}={{{}}}", m.status.path, p.name, p.name),
            _ => m.status.path.clone(),
        };
        rows.push((m.status.method.clone(), status_path, format!("{}.{}", m.module, m.status.key)));
        let width = rows.iter().map(|(_, p, _)| p.len()).max().unwrap_or(0);
        for (method, path, route) in rows {
            list.push_str(&format!("    {method:<5} {path:<width$}  route {route}\n"));
        }
        if let Some(var) = &m.base_url_env {
            switch.push(format!("{var}={DEFAULT_ORIGIN}{base_path}"));
        }
    }
    list.push_str(
        "  (with the default --host and --port; a module whose paths another module already uses is\n   served under /_sim/m/MODULE: the simulator's first lines say where each module is)\n",
    );
    let example_route = modules
        .first()
        .and_then(|m| m.submits.first().map(|o| format!("{}.{}", m.module, o.key)))
        .unwrap_or_else(|| "MODULE.OPERATION".to_owned());
    SIMULATE_HELP
        .replace("{modules}", &list)
        .replace("{switch}", &format!("  {}", switch.join("  ")))
        .replace("{example_route}", &example_route)
}

/// Cargo, for a build as if typed in a shell. `cargo xtask` runs this program with the
/// variables cargo sets for the package it runs (`CARGO_MANIFEST_DIR=.../xtask`, ...). A
/// nested build must not inherit them: ring's build script reruns when `CARGO_MANIFEST_DIR`
/// changes, so ring, rustls, reqwest and the client were rebuilt on every switch between
/// `cargo xtask conformance` and `cargo test` or `cargo run --example`.
pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if set_by_cargo_run(key) {
            command.env_remove(key);
        }
    }
    command
}

/// The variables cargo sets for the program `cargo run` starts (about the package run).
fn set_by_cargo_run(key: &str) -> bool {
    key.starts_with("CARGO_PKG_")
        || key.starts_with("CARGO_MANIFEST_")
        || matches!(key, "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE")
}

/// True when running under CI (`CI` set to anything but empty, `0` or `false`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
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

/// The value after `flag`, or an error naming the flag.
fn value<'a>(it: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a String, String> {
    it.next().ok_or_else(|| format!("{flag} needs a value"))
}

/// `value` as a number of type `T`, or an error quoting it.
fn number<T: std::str::FromStr>(flag: &str, value: &str, expected: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag} takes {expected} (got {value:?})"))
}

/// The checked arguments of `conformance`, as the `conformance run` program takes them.
fn conformance_args(args: &[String]) -> Result<Vec<String>, String> {
    let mut pass = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--cases" => {
                let v = value(&mut it, flag)?;
                let cases: u32 = number(flag, v, "a whole number of cases from 1 to 4294967295")?;
                if cases == 0 {
                    return Err(format!("--cases takes a whole number of cases from 1 to 4294967295 (got {v:?})"));
                }
                pass.extend([flag.clone(), cases.to_string()]);
            }
            "--seed" => {
                let v = value(&mut it, flag)?;
                let seed: u64 = number(flag, v, "a whole number from 0 to 18446744073709551615")?;
                pass.extend([flag.clone(), seed.to_string()]);
            }
            "--junit" => {
                let v = value(&mut it, flag)?;
                let path = std::path::absolute(v).map_err(|e| format!("--junit {v:?}: {e}"))?;
                pass.extend([flag.clone(), path.display().to_string()]);
            }
            other => {
                return Err(format!(
                    "conformance: unknown argument {other:?}; it takes --cases N, --seed S, --junit FILE"
                ));
            }
        }
    }
    Ok(pass)
}

/// The checked arguments of `simulate`, passed on unchanged.
fn simulate_args(args: &[String]) -> Result<Vec<String>, String> {
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--port" => {
                let v = value(&mut it, flag)?;
                number::<u16>(flag, v, "a port number from 0 to 65535")?;
            }
            "--host" => {
                let v = value(&mut it, flag)?;
                number::<std::net::IpAddr>(flag, v, "an IP address such as 127.0.0.1")?;
            }
            "--callback-redirect" => {
                let v = value(&mut it, flag)?;
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    return Err(format!("--callback-redirect takes an http:// or https:// URL (got {v:?})"));
                }
            }
            "--allow-remote-callbacks" => {}
            "--task-ttl" => {
                let v = value(&mut it, flag)?;
                if number::<u64>(flag, v, "a whole number of seconds from 1")? == 0 {
                    return Err(format!("--task-ttl takes a whole number of seconds from 1 (got {v:?})"));
                }
            }
            "--max-tasks" => {
                let v = value(&mut it, flag)?;
                if number::<usize>(flag, v, "a whole number of tasks from 1")? == 0 {
                    return Err(format!("--max-tasks takes a whole number of tasks from 1 (got {v:?})"));
                }
            }
            other => {
                return Err(format!("simulate: unknown argument {other:?}; `cargo xtask simulate --help` lists them"));
            }
        }
    }
    Ok(args.to_vec())
}

/// What the build produced.
pub(crate) struct Built {
    /// The `conformance` program.
    pub program: PathBuf,
    /// Where the example programs are.
    examples: Option<PathBuf>,
}

/// Checks the generated code is fresh and builds every program of the workspace, with
/// cargo's progress on stderr; returns where the programs are. With `release`, builds only
/// the `conformance` program, optimised (`cargo build --release`: a first build takes a few
/// minutes, and the simulator then answers several times faster).
pub(crate) fn build(root: &Path, release: bool) -> Result<Built, String> {
    eprintln!("xtask: checking that the generated code is fresh");
    let files = output::generate_workspace(root).map_err(|e| e.to_string())?;
    let stale = output::check(root, &files);
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|s| format!("  {s}")).collect();
        return Err(format!("the generated code is stale; run `cargo xtask codegen`:\n{}", list.join("\n")));
    }
    let mut command = cargo();
    command.current_dir(root);
    if release {
        eprintln!("xtask: building the conformance program (release)");
        command.args(["build", "--release", "-p", "happyhorse-conformance", "--bin", "conformance"]);
    } else {
        eprintln!("xtask: building the conformance program and the examples");
        command.args(["build", "--workspace", "--bins", "--examples"]);
    }
    // The artifact messages (JSON, on stdout) say where each program is, whatever the
    // target directory; progress and diagnostics go to stderr as usual.
    let output = command
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build failed ({})", output.status));
    }
    let mut program = None;
    let mut examples = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else { continue };
        let Some(exe) = message.get("executable").and_then(Value::as_str) else { continue };
        let kinds = message.pointer("/target/kind").and_then(Value::as_array).cloned().unwrap_or_default();
        let name = message.pointer("/target/name").and_then(Value::as_str);
        let exe = PathBuf::from(exe);
        if kinds.iter().any(|k| k == "example") {
            examples = exe.parent().map(Path::to_owned);
        } else if name == Some("conformance") && kinds.iter().any(|k| k == "bin") {
            program = Some(exe);
        }
    }
    let program = program.ok_or("cargo built no `conformance` program")?;
    Ok(Built { program, examples })
}

/// The exit of a program that reports its own failures.
pub(crate) fn exit_of(status: ExitStatus) -> Result<(), Failure> {
    if status.success() {
        return Ok(());
    }
    // Killed by a signal: no code; the signal has said enough.
    let code = status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1));
    Err(Failure::Exit(code.max(1)))
}

pub fn conformance(root: &Path, args: &[String]) -> Result<(), Failure> {
    let mut pass = conformance_args(args)?;
    let schemathesis = schemathesis(root);
    if schemathesis.is_none() && in_ci() {
        return Err(Failure::Error(format!(
            "CI is set, and Schemathesis (the outside OpenAPI check) is not installed; CI must not skip it: python3 -m venv .venv && .venv/bin/pip install schemathesis=={SCHEMATHESIS_VERSION}"
        )));
    }
    let built = build(root, false)?;
    if let Some(dir) = built.examples {
        pass.extend(["--examples".into(), dir.display().to_string()]);
    }
    match schemathesis {
        Some(p) => pass.extend(["--schemathesis".into(), p.display().to_string()]),
        None => eprintln!(
            "xtask: Schemathesis is not installed, skipping the outside OpenAPI check (python3 -m venv .venv && .venv/bin/pip install schemathesis=={SCHEMATHESIS_VERSION})"
        ),
    }
    let status = Command::new(&built.program)
        .current_dir(root)
        .arg("run")
        .args(&pass)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", built.program.display()))?;
    exit_of(status)
}

pub fn simulate(root: &Path, args: &[String]) -> Result<(), Failure> {
    let release = args.iter().any(|a| a == "--release");
    let args: Vec<String> = args.iter().filter(|a| *a != "--release").cloned().collect();
    let pass = simulate_args(&args)?;
    let built = build(root, release)?;
    let mut command = Command::new(&built.program);
    command.current_dir(root).arg("simulate").args(&pass);
    run_in_place(command, &built.program)
}

/// Runs `command` as this process, so signals (Ctrl-C, SIGTERM) reach the simulator itself
/// and nothing is left holding its port.
#[cfg(unix)]
fn run_in_place(mut command: Command, program: &Path) -> Result<(), Failure> {
    use std::os::unix::process::CommandExt as _;
    // `exec` only returns on failure.
    let error = command.exec();
    Err(Failure::Error(format!("cannot run {}: {error}", program.display())))
}

/// Runs `command` and exits with its code (a console's Ctrl-C reaches both processes).
#[cfg(not(unix))]
fn run_in_place(mut command: Command, program: &Path) -> Result<(), Failure> {
    let status = command.status().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    exit_of(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn nested_builds_do_not_inherit_what_cargo_run_set_for_xtask() {
        for key in
            ["CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_PKG_NAME", "CARGO_CRATE_NAME", "CARGO_PRIMARY_PACKAGE"]
        {
            assert!(set_by_cargo_run(key), "{key}");
        }
        // What the user sets for every build is kept.
        for key in
            ["CARGO_TARGET_DIR", "CARGO_HOME", "CARGO_TERM_COLOR", "CARGO_INCREMENTAL", "CARGO_BUILD_JOBS", "CARGO"]
        {
            assert!(!set_by_cargo_run(key), "{key}");
        }
        // `cargo test` itself runs this test with CARGO_MANIFEST_DIR set.
        let removed: Vec<_> = cargo().get_envs().filter(|(_, v)| v.is_none()).map(|(k, _)| k.to_owned()).collect();
        assert!(removed.iter().any(|k| k == "CARGO_MANIFEST_DIR"), "{removed:?}");
    }

    #[test]
    fn conformance_arguments_are_checked_with_one_line_quoting_the_value() {
        let ok = conformance_args(&strings(&["--cases", "16", "--seed", "42"])).expect("valid");
        assert_eq!(ok, strings(&["--cases", "16", "--seed", "42"]));
        for (args, message) in [
            (&["--cases", "abc"][..], r#"--cases takes a whole number of cases from 1 to 4294967295 (got "abc")"#),
            (&["--cases", "0"][..], r#"--cases takes a whole number of cases from 1 to 4294967295 (got "0")"#),
            (&["--cases", "-3"][..], r#"--cases takes a whole number of cases from 1 to 4294967295 (got "-3")"#),
            (&["--seed", "x1"][..], r#"--seed takes a whole number from 0 to 18446744073709551615 (got "x1")"#),
            (&["--cases"][..], "--cases needs a value"),
            (
                &["--case", "3"][..],
                r#"conformance: unknown argument "--case"; it takes --cases N, --seed S, --junit FILE"#,
            ),
        ] {
            assert_eq!(conformance_args(&strings(args)), Err(message.to_owned()), "{args:?}");
            assert!(!message.contains('\n'));
        }
    }

    #[test]
    fn simulate_arguments_are_checked_with_one_line_quoting_the_value() {
        let args = strings(&[
            "--port",
            "0",
            "--host",
            "::1",
            "--callback-redirect",
            "http://127.0.0.1:9/h",
            "--task-ttl",
            "60",
            "--max-tasks",
            "1000",
        ]);
        assert_eq!(simulate_args(&args), Ok(args.clone()));
        for (args, message) in [
            (&["--port", "70000"][..], r#"--port takes a port number from 0 to 65535 (got "70000")"#),
            (&["--host", "localhost"][..], r#"--host takes an IP address such as 127.0.0.1 (got "localhost")"#),
            (
                &["--callback-redirect", "127.0.0.1:9"][..],
                r#"--callback-redirect takes an http:// or https:// URL (got "127.0.0.1:9")"#,
            ),
            (&["--task-ttl", "0"][..], r#"--task-ttl takes a whole number of seconds from 1 (got "0")"#),
            (&["--max-tasks", "-1"][..], r#"--max-tasks takes a whole number of tasks from 1 (got "-1")"#),
            (&["--verbose"][..], r#"simulate: unknown argument "--verbose"; `cargo xtask simulate --help` lists them"#),
        ] {
            assert_eq!(simulate_args(&strings(args)), Err(message.to_owned()), "{args:?}");
        }
    }
}
