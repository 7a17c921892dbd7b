//! `conformance`: the program behind `cargo xtask conformance` and `cargo xtask simulate`.
//!
//! ```text
//! conformance run [--cases N] [--seed S] [--junit FILE] [--examples DIR] [--schemathesis PROGRAM]
//! conformance simulate [--port N] [--host ADDR]
//! ```

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_conformance::runner::{self, RunOptions};
use happyhorse_conformance::simulator::{SimConfig, Simulator};
use happyhorse_conformance::suites::Options;

const USAGE: &str = "usage:
  conformance run [--cases N] [--seed S] [--junit FILE] [--examples DIR] [--schemathesis PROGRAM]
  conformance simulate [--port N] [--host ADDR]";

fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]).await,
        Some("simulate") => simulate(&args[1..]).await,
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn value<'a>(it: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a String, String> {
    it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
}

async fn run(args: &[String]) -> Result<bool, String> {
    let mut opts = RunOptions {
        root: root(),
        suites: Options { progress: true, ..Options::default() },
        examples: None,
        schemathesis: None,
    };
    let mut junit: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--cases" => opts.suites.cases = value(&mut it, flag)?.parse().map_err(|_| "--cases takes a number")?,
            "--seed" => opts.suites.seed = value(&mut it, flag)?.parse().map_err(|_| "--seed takes a number")?,
            "--junit" => junit = Some(PathBuf::from(value(&mut it, flag)?)),
            "--examples" => opts.examples = Some(PathBuf::from(value(&mut it, flag)?)),
            "--schemathesis" => opts.schemathesis = Some(PathBuf::from(value(&mut it, flag)?)),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let result = runner::run(&opts).await?;
    for f in result.report.failures() {
        eprintln!(
            "\nFAILED {} / {}\n  {}",
            f.suite,
            f.name,
            f.failure.as_deref().unwrap_or_default().replace('\n', "\n  ")
        );
    }
    println!("\nConstraint coverage (accepted boundary, rejected boundary, simulator):\n");
    print!("{}", result.coverage.render());
    println!();
    for (suite, passed, failed) in result.report.summary() {
        println!("{suite:<18} {passed:>5} passed  {failed:>3} failed");
    }
    if let Some(path) = junit {
        std::fs::write(&path, result.report.junit()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("conformance: JUnit XML written to {}", path.display());
    }
    let uncovered = result.coverage.uncovered();
    if !uncovered.is_empty() {
        println!("\n{} constraint(s) not fully covered:", uncovered.len());
        for id in uncovered {
            println!("  {id}");
        }
    }
    let passed = result.passed();
    println!("\nconformance: {}", if passed { "PASSED" } else { "FAILED" });
    Ok(passed)
}

async fn simulate(args: &[String]) -> Result<bool, String> {
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 8787u16);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--port" => port = value(&mut it, flag)?.parse().map_err(|_| "--port takes a number")?,
            "--host" => host = value(&mut it, flag)?.clone(),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let addr = format!("{host}:{port}").parse().map_err(|e| format!("invalid address {host}:{port}: {e}"))?;
    let config = SimConfig { run_time: std::time::Duration::from_secs(5), ..SimConfig::default() };
    let sim = Simulator::bind(addr, config).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let base = sim.base_url();
    eprintln!("simulator: both providers at {base} (any non-empty API key; Ctrl-C stops it)");
    eprintln!(
        "  APIXO:    base URL {base}/api/v1   (POST /generateTask/happyHorse, GET /statusTask/happyHorse?taskId=)"
    );
    eprintln!(
        "  Modellix: base URL {base}          (POST /api/v1/alibaba/happyhorse-1.0-r2v/async, GET /api/v1/tasks/{{task_id}})"
    );
    eprintln!(
        "  control:  GET {base}/_sim/stats, POST/DELETE {base}/_sim/faults; a prompt containing sim:fail fails the task"
    );
    let signal = sim.serve_until_signal().await.map_err(|e| e.to_string())?;
    eprintln!("simulator: stopped ({signal})");
    Ok(true)
}
