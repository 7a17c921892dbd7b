//! `cargo xtask simulate --help`, run as the built program: it lists every module and
//! operation the specs define, read from the specs (the text it is rendered from names no
//! module), with the route faults and stats use and the base-URL switch of each client.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn help() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["simulate", "--help"])
        .current_dir(root())
        .output()
        .expect("run xtask");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn every_module_and_operation_of_the_specs_is_listed() {
    let help = help();
    let modules = happyhorse_codegen::output::load_all(&root()).expect("the specs load");
    assert!(!modules.is_empty());
    for m in &modules {
        assert!(help.contains(&format!("  {} ({}): base URL http://127.0.0.1:8787", m.module, m.provider)), "{help}");
        for op in m.submits.iter().chain(std::iter::once(&m.status)) {
            let route = format!("route {}.{}", m.module, op.key);
            let line = help.lines().find(|l| l.ends_with(&route)).unwrap_or_else(|| panic!("no {route}:\n{help}"));
            assert!(line.contains(&op.path) && line.contains(&op.method), "{line}");
        }
        if let Some(p) = &m.status.id_param {
            let shown = if p.in_query { format!("?{}={{{}}}", p.name, p.name) } else { format!("{{{}}}", p.name) };
            assert!(help.contains(&shown), "the status id {shown} is not shown:\n{help}");
        }
        // The zero-code switch to the simulator, as the generated client reads it.
        if let Some(var) = &m.base_url_env {
            let after_scheme = m.base_url.split_once("://").map_or(m.base_url.as_str(), |(_, r)| r);
            let path = after_scheme.find('/').map_or("", |i| after_scheme[i..].trim_end_matches('/'));
            let setting = format!("{var}=http://127.0.0.1:8787{path}");
            assert!(help.contains(&setting), "no `{setting}`:\n{help}");
        }
    }
    // The example names a real route, and no placeholder is left.
    let first = format!("{}.{}", modules[0].module, modules[0].submits[0].key);
    assert!(help.contains(&format!(r#"-d '{{"route": "{first}", "#)), "{help}");
    for placeholder in ["{modules}", "{switch}", "{example_route}"] {
        assert!(!help.contains(placeholder), "{placeholder} left in:\n{help}");
    }
}

#[test]
fn the_help_text_names_no_module_itself() {
    let template = std::fs::read_to_string(root().join("xtask/src/simulate_help.txt")).expect("the template");
    for m in happyhorse_codegen::output::load_all(&root()).expect("the specs load") {
        assert!(!template.to_lowercase().contains(&m.module.to_lowercase()), "the template names {}", m.module);
        if let Some(var) = &m.base_url_env {
            assert!(!template.contains(var.as_str()), "the template names {var}");
        }
    }
}

/// `--help` after any command prints the usage (which documents every command's arguments)
/// and exits 0 before building or running anything: `load --help` once started a build and
/// a load run.
#[test]
fn help_after_any_command_prints_the_usage_and_runs_nothing() {
    for command in ["codegen", "docs-check", "spec-diff", "openapi", "conformance", "load", "bench-compare", "ci-proof"]
    {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args([command, "--help"])
            .current_dir(root())
            .output()
            .expect("run xtask");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command} --help: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.starts_with("usage: cargo xtask <command>"), "{command} --help: {stdout}");
        assert!(stdout.contains(&format!("  {command}")), "{command} is documented in the usage");
        assert!(out.stderr.is_empty(), "{command} --help ran something: {}", String::from_utf8_lossy(&out.stderr));
    }
}
