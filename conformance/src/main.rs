//! `conformance`: the program behind `cargo xtask conformance` and `cargo xtask simulate`.
//!
//! ```text
//! conformance run [--cases N] [--seed S] [--junit FILE] [--examples DIR] [--schemathesis PROGRAM]
//! conformance simulate [--port N] [--host ADDR] [--callback-redirect URL] [--allow-remote-callbacks]
//! ```
//!
//! It works on the checkout it is run in (found from the current directory), not the one it
//! was compiled in.

#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_conformance::runner::{self, RunOptions};
use happyhorse_conformance::simulator::{self, SimConfig, Simulator};
use happyhorse_conformance::suites::Options;

const USAGE: &str = "usage:
  conformance run [--cases N] [--seed S] [--junit FILE] [--examples DIR] [--schemathesis PROGRAM]
  conformance simulate [--port N] [--host ADDR] [--callback-redirect URL] [--allow-remote-callbacks]
(`cargo xtask conformance` and `cargo xtask simulate` build and run it; `cargo xtask simulate --help` documents the simulator)";

/// The checkout this is run in.
fn root() -> Result<PathBuf, String> {
    let here = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    happyhorse_codegen::output::find_root(&here)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]).await,
        Some("simulate") => simulate(&args[1..]).await,
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(true)
        }
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
    it.next().ok_or_else(|| format!("{flag} needs a value"))
}

/// `value` as a number of type `T`, or an error quoting it.
fn number<T: std::str::FromStr>(flag: &str, value: &str, expected: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag} takes {expected} (got {value:?})"))
}

async fn run(args: &[String]) -> Result<bool, String> {
    let mut opts = RunOptions {
        root: root()?,
        suites: Options { progress: true, ..Options::default() },
        examples: None,
        schemathesis: None,
    };
    let mut junit: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--cases" => {
                let v = value(&mut it, flag)?;
                let expected = "a whole number of cases from 1 to 4294967295";
                opts.suites.cases = number(flag, v, expected)?;
                if opts.suites.cases == 0 {
                    return Err(format!("--cases takes {expected} (got {v:?})"));
                }
            }
            "--seed" => opts.suites.seed = number(flag, value(&mut it, flag)?, "a whole number")?,
            "--junit" => junit = Some(PathBuf::from(value(&mut it, flag)?)),
            "--examples" => opts.examples = Some(PathBuf::from(value(&mut it, flag)?)),
            "--schemathesis" => opts.schemathesis = Some(PathBuf::from(value(&mut it, flag)?)),
            other => return Err(format!("run: unknown argument {other:?}; `conformance --help` lists them")),
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
    println!("\nPer module (spec: a provider spec in spec/; golden/<case>: a synthetic spec of the golden matrix):\n");
    let names: Vec<String> = result.modules.iter().map(|(m, _)| m.clone()).collect();
    let width = names.iter().map(String::len).max().unwrap_or(6).max(6);
    let counts = result.report.by_module(&names);
    for ((module, group), (_, passed, failed)) in result.modules.iter().zip(counts) {
        let group_width = width + 7;
        println!("{module:<width$}  {group:<group_width$} {passed:>5} passed  {failed:>3} failed");
    }
    if let Some(path) = junit {
        std::fs::write(&path, result.report.junit()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("conformance: JUnit XML written to {}", path.display());
    }
    let uncovered = result.coverage.uncovered();
    if !uncovered.is_empty() {
        println!("\n{} constraint(s) or documented rule(s) not fully covered:", uncovered.len());
        for id in uncovered {
            println!("  {id}");
        }
    }
    let passed = result.passed();
    println!("\nconformance: {}", if passed { "PASSED" } else { "FAILED" });
    Ok(passed)
}

async fn simulate(args: &[String]) -> Result<bool, String> {
    let (mut host, mut port) = (IpAddr::from([127, 0, 0, 1]), 8787u16);
    let mut config = SimConfig { run_time: std::time::Duration::from_secs(5), log: true, ..SimConfig::default() };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--port" => port = number(flag, value(&mut it, flag)?, "a port number from 0 to 65535")?,
            "--host" => host = number(flag, value(&mut it, flag)?, "an IP address such as 127.0.0.1")?,
            "--callback-redirect" => config.callback_redirect = Some(value(&mut it, flag)?.clone()),
            "--allow-remote-callbacks" => config.remote_callbacks = true,
            other => return Err(format!("simulate: unknown argument {other:?}; `conformance --help` lists them")),
        }
    }
    if let Some(url) = &config.callback_redirect
        && let Some(why) = simulator::callback_target_problem(url, config.remote_callbacks)
    {
        return Err(format!("--callback-redirect {url:?}: {why}"));
    }
    let addr = SocketAddr::new(host, port);
    let modules = happyhorse_codegen::output::load_all(&root()?).map_err(|e| e.to_string())?;
    // Before anything is printed: whoever sees the first line may signal at once.
    let stop = stop_signals().map_err(|e| format!("cannot handle signals: {e}"))?;
    let sim =
        Simulator::bind(addr, modules, config.clone()).await.map_err(|e| format!("cannot serve on {addr}: {e}"))?;
    let base = sim.base_url();
    let served = sim.served();
    eprintln!("simulator: {} module(s) at {base} (any non-empty API key; Ctrl-C stops it)", served.len());
    for m in &served {
        let var = m.base_url_env.as_deref().map_or_else(String::new, |v| format!(" ({v})"));
        eprintln!("  {} ({}): base URL {}{var}", m.module, m.provider, m.base_url);
        for op in &m.operations {
            eprintln!("    {:<6} {:<48} route {}", op.method, op.path, op.route.name());
        }
    }
    eprintln!(
        "  control: GET {base}/_sim/stats, POST/DELETE {base}/_sim/faults; a request containing sim:fail fails its task"
    );
    match (&config.callback_redirect, config.remote_callbacks) {
        (Some(url), _) => eprintln!("  webhooks: delivered to {url}"),
        (None, false) => {
            eprintln!("  webhooks: delivered only to localhost/loopback callback URLs (--callback-redirect URL)")
        }
        (None, true) => eprintln!("  webhooks: delivered to the request's callback_url, on any host"),
    }
    let signal = stop.await;
    drop(sim);
    eprintln!("simulator: stopped ({signal})");
    Ok(true)
}

/// Installs the handlers of the signals that stop the simulator (SIGINT, and SIGTERM on
/// Unix) now, and resolves with the name of the first one received.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    })
}
