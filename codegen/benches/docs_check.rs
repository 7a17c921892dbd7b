//! How long `cargo xtask docs-check` takes on the workspace's specs and pages: lowering both
//! spec files, reading every doc copy (text and markdown) into doc facts, resolving every
//! anchor, checking every value and the coverage of every doc fact. A benchmark, not a test:
//! it prints timings and asserts nothing.
//!
//! `cargo bench -p happyhorse-codegen --bench docs_check` (release), or in the debug build
//! xtask runs: `cargo bench -p happyhorse-codegen --bench docs_check --profile dev`.
//! `-- N` runs N iterations (default 20).

use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut times = Vec::with_capacity(n);
    let mut findings = 0;
    for _ in 0..n {
        let started = Instant::now();
        let report = happyhorse_codegen::drift::check_workspace(&root).expect("the workspace's specs lower");
        times.push(started.elapsed());
        findings = report.findings.len();
    }
    times.sort();
    let total: Duration = times.iter().sum();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "docs-check of the workspace ({profile} build, {n} runs, {findings} findings): min {:.1} ms, median {:.1} ms, mean {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[n / 2]),
        ms(total / n as u32),
        ms(times[n - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
