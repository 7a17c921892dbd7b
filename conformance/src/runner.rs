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
use crate::simulator::{Fault, Route};
use crate::suites::{self, Options, Step, record};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The workspace root (where `spec/` is).
    pub root: PathBuf,
    /// Property-test settings.
    pub suites: Options,
    /// Where the built example program is (`target/debug/examples`); `None` skips it.
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
    /// Every module run, with its group (`spec`, `golden/<case>`), in run order.
    pub modules: Vec<(String, String)>,
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
        let golden = h.subjects.iter().filter(|s| s.is_golden()).count();
        eprintln!(
            "conformance: simulator at {}, {} module(s): {} from spec/, {golden} golden case(s) from {}; {} cases per property",
            h.sim.base_url(),
            h.subjects.len(),
            h.subjects.len() - golden,
            crate::golden::GOLDEN_DIR,
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
    suites::lifecycle::run(&h, &mut report).await;
    progress(opts, &report, suites::lifecycle::SUITE, t);
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
    let modules = h.subjects.iter().map(|s| (s.name().to_owned(), s.group.label())).collect();
    Ok(RunResult { report, coverage, modules })
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

/// The one example program, `cargo run --example happyhorse -- --module <module>/<operation>`.
pub const EXAMPLE: &str = "happyhorse";

/// Runs the example program against the simulator as real processes: `--help` lists every
/// provider module and submit operation; for every submit operation of every provider module
/// (not the golden cases), submit, wait
/// (every poll shown), download with `--base-url`, and the same with the base URL taken from
/// the module's base-URL variable (the zero-code switch) and `-v`, with one status answer
/// turned into a 503 that the client's tracing must show being retried; and per module, an
/// unusable value of that variable, refused with a message naming it, before anything is
/// sent.
async fn examples(h: &Arc<Harness>, dir: &Path, report: &mut Report) {
    let program = dir.join(EXAMPLE);
    let started = Instant::now();
    if !program.is_file() {
        let why = format!(
            "the example program is not built at {}: `cargo xtask conformance` builds it (`cargo build --workspace --bins --examples`) and passes its directory",
            program.display()
        );
        record(report, "examples", format!("{EXAMPLE}: the program is built"), started, Err(why));
        return;
    }
    let example = |info: &happyhorse_client::runtime::ProviderInfo, args: &[&str]| {
        let mut command = Command::new(&program);
        command.args(args).env(info.api_key_env, SIM_KEY);
        // Should the program ever miss the simulator (a base URL not read), its https
        // request goes to a dead loopback proxy, not off the machine; the simulator's
        // URLs are plain http and never proxied.
        for var in ["HTTPS_PROXY", "https_proxy"] {
            command.env(var, "http://127.0.0.1:9");
        }
        for var in ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"] {
            command.env_remove(var);
        }
        for other in happyhorse_client::providers::ALL {
            if let Some(var) = other.base_url_env {
                command.env_remove(var);
            }
        }
        command
    };
    // The example program runs the provider modules (`providers::MODULES`): the golden
    // cases are synthetic specs with no program of theirs.
    let providers: Vec<&crate::harness::Subject> = h.subjects.iter().filter(|s| !s.is_golden()).collect();
    let every: Vec<String> = providers.iter().flat_map(|s| s.operations().into_iter().map(|op| s.label(&op))).collect();
    let first = providers.first().map(|s| s.client.info());
    let helped = match first {
        None => Ok(()),
        Some(info) => match run_program(example(info, &["--help"]), EXAMPLE_TIMEOUT).await {
            Ok(out) if out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("usage: ") => {
                let usage = String::from_utf8_lossy(&out.stdout);
                let missing: Vec<&String> = every.iter().filter(|l| !usage.contains(l.as_str())).collect();
                if missing.is_empty() { Ok(()) } else { Err(format!("the usage does not list {missing:?}:\n{usage}")) }
            }
            Ok(out) => Err(format!("`{} --help` exited with {} and printed no usage", program.display(), out.status)),
            Err(e) => Err(e),
        },
    };
    let name = format!("{EXAMPLE}: --help prints the usage, listing every module and operation, and exits 0");
    record(report, "examples", name, started, helped);

    for s in providers {
        let info = s.client.info();
        let base = h.client_base_url(s);
        let status_route = Route::op(s.name(), &s.ir.status.key);
        for op in s.operations() {
            let label = s.label(&op);
            let started = Instant::now();
            let command = example(info, &["--module", &label, "--base-url", &base, "--poll-every", "0"]);
            let outcome = run_example(command, &program, &format!("{}-{op}-flag", s.name()), &[]).await;
            let name = format!("{label}: submit, wait showing each poll, download (real process)");
            record(report, "examples", name, started, outcome);

            let Some(var) = info.base_url_env else { continue };
            let started = Instant::now();
            let fault = Fault::Status { status: 503, retry_after: Some("0".into()), create_task: false };
            h.sim.faults().push(status_route.clone(), fault);
            let mut command = example(info, &["--module", &label, "--poll-every", "0", "-v"]);
            command.env(var, &base);
            let outcome =
                run_example(command, &program, &format!("{}-{op}-env", s.name()), &["status=503", "retrying"]).await;
            h.sim.faults().clear();
            let name = format!("{label}: {var} alone points it at the simulator; -v shows a 503 retried");
            record(report, "examples", name, started, outcome);
        }

        let Some(var) = info.base_url_env else { continue };
        let started = Instant::now();
        let submits: Vec<Route> = s.operations().iter().map(|op| Route::op(s.name(), op)).collect();
        let sent = || submits.iter().map(|r| h.sim.requests(r)).sum::<u64>();
        let sent_before = sent();
        let Some(first_op) = s.operations().into_iter().next() else { continue };
        let mut command = example(info, &["--module", &s.label(&first_op)]);
        command.env(var, "htp//127.0.0.1");
        let quoted = format!("the environment variable {var}=\"htp//127.0.0.1\" is not a usable base URL");
        let outcome = match run_program(command, EXAMPLE_TIMEOUT).await {
            Ok(out) if out.status.code() == Some(1) && String::from_utf8_lossy(&out.stderr).contains(&quoted) => {
                if sent() == sent_before {
                    Ok(())
                } else {
                    Err("a submit reached the simulator although the base URL was refused".to_owned())
                }
            }
            Ok(out) => Err(format!(
                "expected exit status 1 and `{quoted}`, got {}:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )),
            Err(e) => Err(e),
        };
        let name = format!("{}: an unusable {var} is refused, naming it and its value", s.name());
        record(report, "examples", name, started, outcome);
    }
}

/// Runs an example that should submit, wait and download into a fresh directory: it must
/// exit 0, save a file, show the terminal poll on stderr, and print each of `expect` there.
async fn run_example(mut command: Command, program: &Path, tag: &str, expect: &[&str]) -> Result<(), String> {
    let out_dir = std::env::temp_dir().join(format!("hh-example-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    command.arg("--out").arg(&out_dir);
    let outcome = match run_program(command, EXAMPLE_TIMEOUT).await {
        Ok(out) if out.status.success() => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let files = std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0);
            let missing: Vec<&str> =
                ["poll 1: ", "(succeeded)"].iter().chain(expect).copied().filter(|e| !stderr.contains(e)).collect();
            if files == 0 {
                Err(format!("the example ran but downloaded nothing:\n{stderr}"))
            } else if !missing.is_empty() {
                Err(format!("the example's stderr lacks {missing:?}:\n{stderr}"))
            } else {
                Ok(())
            }
        }
        Ok(out) => {
            Err(format!("{} exited with {}:\n{}", program.display(), out.status, String::from_utf8_lossy(&out.stderr)))
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_dir_all(&out_dir);
    outcome
}

/// Runs Schemathesis with each exported OpenAPI document against the simulator: an outside
/// check that the simulator and the OpenAPI agree.
/// The constraint paths of the request fields with a data URI rule, with its media types.
fn data_uri_fields(ir: &happyhorse_codegen::ir::Module) -> Vec<(String, Vec<String>)> {
    use happyhorse_codegen::ir::{CheckKind, TypeDef};
    let mut out = Vec::new();
    for c in ir.constraints.iter().filter(|c| c.rule == "data_uri") {
        let types = ir.types.iter().find_map(|t| match t {
            TypeDef::Struct(s) => s.fields.iter().find_map(|f| {
                f.checks.iter().find_map(|k| match &k.kind {
                    CheckKind::DataUri { types, .. } if format!("{}:data_uri", f.id_base) == c.id => {
                        Some(types.clone())
                    }
                    _ => None,
                })
            }),
            _ => None,
        });
        out.push((c.path.clone(), types.unwrap_or_default()));
    }
    out
}

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
                // Fields that also take data URIs: `path=type|type`.
                let data: Vec<String> = data_uri_fields(&s.ir)
                    .into_iter()
                    .map(|(id_path, types)| {
                        format!("{}={}", crate::boundary::place(&id_path).json_path.join("."), types.join("|"))
                    })
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
                    .env("HH_DATA_URI_FIELDS", data.join(","))
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
