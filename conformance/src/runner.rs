//! Runs every suite against one simulator and collects the report and the coverage matrix.
//! Optionally also runs the example programs (real processes) and Schemathesis.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::coverage::Coverage;
use crate::harness::{Harness, SIM_KEY};
use crate::report::Report;
use crate::suites::{self, Options, Step, record};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The workspace root (where `spec/` is).
    pub root: PathBuf,
    /// Property-test settings.
    pub suites: Options,
    /// Where the built example programs are (`target/debug/examples`); `None` skips them.
    pub examples: Option<PathBuf>,
    /// The Schemathesis program; `None` skips it.
    pub schemathesis: Option<PathBuf>,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Every case's outcome.
    pub report: Report,
    /// Constraint coverage.
    pub coverage: Coverage,
}

impl RunResult {
    /// True when every case passed and every constraint is covered.
    pub fn passed(&self) -> bool {
        self.report.failures().is_empty() && self.coverage.uncovered().is_empty()
    }
}

fn progress(opts: &RunOptions, report: &Report, suite: &str, started: Instant) {
    if !opts.suites.progress {
        return;
    }
    let (passed, failed) = report
        .outcomes
        .iter()
        .filter(|o| o.suite == suite)
        .fold((0, 0), |(p, f), o| if o.failure.is_some() { (p, f + 1) } else { (p + 1, f) });
    eprintln!(
        "conformance: {suite:<18} {passed:>4} passed, {failed} failed ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

/// Runs everything.
pub async fn run(opts: &RunOptions) -> Result<RunResult, String> {
    let h = Arc::new(Harness::start(&opts.root).await?);
    let mut report = Report::default();
    if opts.suites.progress {
        eprintln!(
            "conformance: simulator at {}, {} module(s), {} cases per property",
            h.sim.base_url(),
            h.subjects.len(),
            opts.suites.cases
        );
    }

    let t = Instant::now();
    suites::oracle::requests(&h, &mut report).await;
    progress(opts, &report, "oracle-requests", t);
    let t = Instant::now();
    suites::oracle::billing(&h, &mut report);
    progress(opts, &report, "oracle-billing", t);
    let t = Instant::now();
    suites::oracle::responses(&h, &mut report);
    progress(opts, &report, "oracle-responses", t);
    let t = Instant::now();
    suites::boundaries::run(&h, &mut report).await;
    progress(opts, &report, "boundaries", t);
    let t = Instant::now();
    suites::properties::run(&h, &mut report, &opts.suites).await;
    suites::faults::run(&h, &mut report, &opts.suites).await;
    progress(opts, &report, "properties", t);
    let t = Instant::now();
    suites::callbacks::run(&h, &mut report, &opts.suites).await;
    progress(opts, &report, "callbacks", t);
    if let Some(dir) = &opts.examples {
        let t = Instant::now();
        examples(&h, dir, &mut report).await;
        progress(opts, &report, "examples", t);
    }
    if let Some(program) = &opts.schemathesis {
        let t = Instant::now();
        schemathesis(&h, program, opts, &mut report).await;
        progress(opts, &report, "schemathesis", t);
    }
    let coverage = h.coverage.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    Ok(RunResult { report, coverage })
}

/// How long an example program may run against the simulator (normally well under a second).
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Examples Schemathesis generates per operation and phase: 250 took about 25 s for both
/// modules on a 2-core machine (1000: three minutes, and found nothing more); at 25 an
/// empty `taskId` accepted by the export but rejected by the simulator went unnoticed.
const SCHEMATHESIS_EXAMPLES: u32 = 250;

/// How long one Schemathesis run (one module) may take.
const SCHEMATHESIS_TIMEOUT: Duration = Duration::from_secs(600);

/// Runs a program to completion, its output captured, killing it when `limit` passes.
async fn run_program(mut command: Command, limit: Duration) -> Result<Output, String> {
    command.kill_on_drop(true).stdin(Stdio::null());
    let program = Path::new(command.as_std().get_program()).display().to_string();
    match tokio::time::timeout(limit, command.output()).await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(format!("cannot run {program}: {e}")),
        Err(_) => Err(format!("timed out after {} s: {program} did not finish and was stopped", limit.as_secs())),
    }
}

/// Runs `examples/<module>` against the simulator: submit, wait, download.
async fn examples(h: &Arc<Harness>, dir: &Path, report: &mut Report) {
    for s in &h.subjects {
        let started = Instant::now();
        let program = dir.join(s.name());
        let out_dir = std::env::temp_dir().join(format!("hh-example-{}-{}", s.name(), std::process::id()));
        let _ = std::fs::remove_dir_all(&out_dir);
        let base = h.client_base_url(s);
        let env = s.client.info().api_key_env;
        let mut help = Command::new(&program);
        help.arg("--help");
        let helped = match run_program(help, EXAMPLE_TIMEOUT).await {
            Ok(out) if out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("usage: ") => Ok(()),
            Ok(out) => Err(format!("`{} --help` exited with {} and printed no usage", program.display(), out.status)),
            Err(e) => Err(e),
        };
        record(report, "examples", format!("{}: --help prints the usage and exits 0", s.name()), started, helped);
        let started = Instant::now();
        let mut command = Command::new(&program);
        command.args(["--base-url", &base, "--out"]).arg(&out_dir).args(["--poll-every", "0"]).env(env, SIM_KEY);
        let outcome = match run_program(command, EXAMPLE_TIMEOUT).await {
            Ok(out) if out.status.success() => {
                let files = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
                if files > 0 {
                    Ok(())
                } else {
                    Err(format!("the example ran but downloaded nothing:\n{}", String::from_utf8_lossy(&out.stderr)))
                }
            }
            Ok(out) => Err(format!(
                "{} exited with {}:\n{}",
                program.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )),
            Err(e) => Err(format!("{e} (build it with `cargo build --workspace --examples`)")),
        };
        let _ = std::fs::remove_dir_all(&out_dir);
        record(report, "examples", format!("{}: submit, wait, download (real process)", s.name()), started, outcome);
    }
}

/// Runs Schemathesis with each exported OpenAPI document against the simulator: an outside
/// check that the simulator and the OpenAPI agree.
async fn schemathesis(h: &Arc<Harness>, program: &Path, opts: &RunOptions, report: &mut Report) {
    let root = opts.root.as_path();
    let dir = root.join("target/conformance/openapi");
    for s in &h.subjects {
        let name = format!("{}: OpenAPI vs simulator", s.name());
        let step = Step::start(&opts.suites, "schemathesis", &name);
        let file = dir.join(format!("{}.openapi.json", s.name()));
        let doc = happyhorse_codegen::openapi::openapi(&s.ir);
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, format!("{doc:#}\n")));
        let outcome = match written {
            Err(e) => Err(format!("cannot write {}: {e}", file.display())),
            Ok(()) => {
                let (program, file, url) = (program.to_owned(), file.clone(), h.client_base_url(s));
                // The fields whose rule the schema cannot state (see schemathesis_hooks.py).
                let public: Vec<String> =
                    s.ir.constraints
                        .iter()
                        .filter(|c| c.rule == "url_public")
                        .map(|c| crate::boundary::place(&c.path).json_path.join("."))
                        .collect();
                let hooks_dir = root.join("conformance");
                // Schemathesis keeps a cache in its working directory: keep it under target/.
                let work_dir = dir.clone();
                let mut command = Command::new(program);
                command
                    .current_dir(work_dir)
                    .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
                    .env("PYTHONPATH", hooks_dir)
                    .env("HH_PUBLIC_URL_FIELDS", public.join(","))
                    .arg("run")
                    .arg(&file)
                    .args(["--url", &url])
                    .args(["--header", &format!("Authorization: Bearer {SIM_KEY}")])
                    .args(["--checks", "all", "--seed", "20261121"])
                    .args(["--max-examples", &SCHEMATHESIS_EXAMPLES.to_string()])
                    .args(["--phases", "examples,coverage,fuzzing"])
                    .args(["--mode", "all", "--no-color"]);
                match run_program(command, SCHEMATHESIS_TIMEOUT).await {
                    Ok(out) if out.status.success() => Ok(()),
                    Ok(out) => Err(format!(
                        "schemathesis found problems:\n{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    )),
                    Err(e) => Err(e),
                }
            }
        };
        step.done(report, "schemathesis", name, outcome);
    }
}
