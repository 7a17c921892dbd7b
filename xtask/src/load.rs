//! `cargo xtask load`: builds the `conformance` program (optimised with `--release`) and runs
//! its bounded load driver, which starts a simulator in a process of its own on loopback,
//! drives the status query and the submit of a module over kept-alive connections, and
//! prints requests per second, latency percentiles and the simulator's memory.

use std::path::Path;
use std::process::Command;

use crate::Failure;
use crate::conformance::{build, exit_of};

/// `cargo xtask load [--release] [ARGS]`: ARGS go to `conformance load`, which checks them.
pub fn run(root: &Path, args: &[String]) -> Result<(), Failure> {
    let release = args.iter().any(|a| a == "--release");
    let pass: Vec<&String> = args.iter().filter(|a| *a != "--release").collect();
    if let Some(url) = pass.iter().position(|a| *a == "--url").and_then(|i| pass.get(i + 1)) {
        // The driver checks this too; say it before building anything.
        let host = url.strip_prefix("http://").unwrap_or(url).split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "127.0.0.1" | "[" | "localhost") && !host.starts_with("127.") {
            return Err(Failure::Error(format!("--url {url}: the load driver only drives loopback addresses")));
        }
    }
    let built = build(root, release)?;
    let status = Command::new(&built.program)
        .current_dir(root)
        .arg("load")
        .args(pass)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", built.program.display()))?;
    exit_of(status)
}
