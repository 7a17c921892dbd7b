//! `conformance`: the program behind `cargo xtask conformance` and `cargo xtask simulate`.
//!
//! ```text
//! conformance run [--cases N] [--seed S] [--junit FILE] [--examples DIR] [--schemathesis PROGRAM]
//! conformance simulate [--port N] [--host ADDR] [--callback-redirect URL] [--allow-remote-callbacks]
//!                      [--task-ttl SECONDS] [--max-tasks N]
//! conformance load [--connections N] [--seconds S] [--max-requests N] [--scenario status|submit|both]
//!                  [--module M] [--url URL] [--task-ttl SECONDS] [--max-tasks N] [--json]
//! ```
//!
//! It works on the checkout it is run in (found from the current directory), not the one it
//! was compiled in.

#![forbid(unsafe_code)]

use std::io::BufRead as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_conformance::runner::{self, RunOptions};
use happyhorse_conformance::simulator::{self, SimConfig, Simulator};
use happyhorse_conformance::suites::Options;

const USAGE: &str = "usage:
  conformance run [--cases N] [--seed S] [--junit FILE] [--examples DIR] [--schemathesis PROGRAM]
  conformance simulate [--port N] [--host ADDR] [--callback-redirect URL] [--allow-remote-callbacks]
                       [--task-ttl SECONDS] [--max-tasks N]
  conformance load [--connections N] [--seconds S] [--max-requests N] [--scenario status|submit|both]
                   [--module M] [--url URL] [--task-ttl SECONDS] [--max-tasks N] [--json]
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
        Some("load") => load(&args[1..]).await,
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
    let mut config = SimConfig {
        run_time: std::time::Duration::from_secs(5),
        log: true,
        // No fault here depends on one request per connection: connection faults close the
        // connection they are planned on (SimConfig::keep_alive).
        keep_alive: true,
        ..SimConfig::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--port" => port = number(flag, value(&mut it, flag)?, "a port number from 0 to 65535")?,
            "--task-ttl" => {
                let secs: u64 = number(flag, value(&mut it, flag)?, "a whole number of seconds from 1")?;
                if secs == 0 {
                    return Err("--task-ttl takes a whole number of seconds from 1 (got \"0\")".to_owned());
                }
                config.task_ttl = std::time::Duration::from_secs(secs);
            }
            "--max-tasks" => {
                config.max_tasks = number(flag, value(&mut it, flag)?, "a whole number of tasks from 1")?;
                if config.max_tasks == 0 {
                    return Err("--max-tasks takes a whole number of tasks from 1 (got \"0\")".to_owned());
                }
            }
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
        "  tasks: kept {} s after they finish, at most {} at once (--task-ttl, --max-tasks)",
        config.task_ttl.as_secs(),
        config.max_tasks
    );
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

/// What `load` measures against.
struct LoadSettings {
    limits: happyhorse_conformance::load::Limits,
    scenarios: Vec<&'static str>,
    module: Option<String>,
    url: Option<String>,
    sim_args: Vec<String>,
    json: bool,
}

fn load_settings(args: &[String]) -> Result<LoadSettings, String> {
    let mut s = LoadSettings {
        limits: happyhorse_conformance::load::Limits {
            connections: 32,
            duration: std::time::Duration::from_secs(10),
            max_requests: 1_000_000,
        },
        scenarios: vec!["status", "submit"],
        module: None,
        url: None,
        sim_args: Vec::new(),
        json: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--connections" => {
                s.limits.connections = number(flag, value(&mut it, flag)?, "a number of connections from 1 to 4096")?;
                if !(1..=4096).contains(&s.limits.connections) {
                    return Err("--connections takes a number of connections from 1 to 4096".to_owned());
                }
            }
            "--seconds" => {
                let secs: u64 = number(flag, value(&mut it, flag)?, "a whole number of seconds from 1 to 3600")?;
                if !(1..=3600).contains(&secs) {
                    return Err("--seconds takes a whole number of seconds from 1 to 3600".to_owned());
                }
                s.limits.duration = std::time::Duration::from_secs(secs);
            }
            "--max-requests" => {
                s.limits.max_requests = number(flag, value(&mut it, flag)?, "a whole number of requests from 1")?;
                if s.limits.max_requests == 0 {
                    return Err("--max-requests takes a whole number of requests from 1".to_owned());
                }
            }
            "--scenario" => {
                s.scenarios = match value(&mut it, flag)?.as_str() {
                    "status" => vec!["status"],
                    "submit" => vec!["submit"],
                    "both" => vec!["status", "submit"],
                    other => return Err(format!("--scenario takes status, submit or both (got {other:?})")),
                }
            }
            "--module" => s.module = Some(value(&mut it, flag)?.clone()),
            "--url" => s.url = Some(value(&mut it, flag)?.clone()),
            "--task-ttl" | "--max-tasks" => s.sim_args.extend([flag.clone(), value(&mut it, flag)?.clone()]),
            "--json" => s.json = true,
            other => return Err(format!("load: unknown argument {other:?}; `conformance --help` lists them")),
        }
    }
    // Submits at full speed keep about 6 s of tasks (a 5 s run, then 1 s): room for them,
    // so the run measures submits rather than refusals of a full store.
    for (flag, default) in [("--task-ttl", "1"), ("--max-tasks", "1000000")] {
        if s.url.is_none() && !s.sim_args.iter().any(|a| a == flag) {
            s.sim_args.extend([flag.to_owned(), default.to_owned()]);
        }
    }
    if s.url.is_some() && !s.sim_args.is_empty() {
        return Err("--task-ttl and --max-tasks configure the simulator `load` starts; not with --url".to_owned());
    }
    Ok(s)
}

/// A simulator `load` started: `conformance simulate` in a process of its own, so its memory
/// is measured alone.
struct Child {
    process: std::process::Child,
    addr: SocketAddr,
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn start_child(sim_args: &[String]) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut process = std::process::Command::new(exe)
        .args(["simulate", "--port", "0"])
        .args(sim_args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let stderr = process.stderr.take().ok_or("no stderr")?;
    let mut lines = std::io::BufReader::new(stderr).lines();
    // "simulator: 2 module(s) at http://127.0.0.1:PORT (...)"
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = first
        .split_once(" at http://")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|a| a.parse::<SocketAddr>().ok());
    // Keep draining what it prints, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    match addr {
        Some(addr) => Ok(Child { process, addr }),
        None => {
            let _ = process.kill();
            Err(format!("the simulator did not say where it listens: {first:?}"))
        }
    }
}

/// The task id in a submit answer, at the module's `task.submit_id` path.
fn task_id(m: &happyhorse_codegen::ir::Module, answer: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(answer).ok()?;
    let pointer = format!("/{}", m.task.submit_id.wire.replace('.', "/"));
    value.pointer(&pointer).and_then(|v| v.as_str().map(str::to_owned).or_else(|| Some(v.to_string())))
}

async fn load(args: &[String]) -> Result<bool, String> {
    use happyhorse_conformance::load;
    let settings = load_settings(args)?;
    let modules = happyhorse_codegen::output::load_all(&root()?).map_err(|e| e.to_string())?;
    let m = match &settings.module {
        Some(name) => modules.iter().find(|m| m.module == *name).ok_or_else(|| format!("no module {name:?}"))?,
        None => modules.first().ok_or("the specs define no module")?,
    };
    // `--url http://127.0.0.1:PORT/PATH`: the operations' paths go under PATH (empty for a
    // mock serving them under `/`); the simulator started here serves the documented ones.
    let url_base = match &settings.url {
        Some(url) => {
            let rest =
                url.strip_prefix("http://").ok_or_else(|| format!("--url takes http://IP:PORT (got {url:?})"))?;
            Some(rest.find('/').map_or("", |i| &rest[i..]).to_owned())
        }
        None => None,
    };
    let (submit, status) = load::targets(m, "load-test-key", url_base.as_deref())?;
    let mib = |b: Option<u64>| b.map_or_else(|| "n/a".to_owned(), |b| format!("{:.1} MiB", b as f64 / 1048576.0));
    let mut results = Vec::new();
    for scenario in &settings.scenarios {
        // Each scenario gets a simulator of its own, so its memory starts from scratch; the
        // task store's limits (--task-ttl, --max-tasks) apply to the submit scenario, while
        // the status scenario's task must outlive the run.
        let child = match &settings.url {
            Some(_) => None,
            None if *scenario == "submit" => Some(start_child(&settings.sim_args)?),
            None => Some(start_child(&[])?),
        };
        let addr = match (&settings.url, &child) {
            (Some(url), _) => {
                let hostport = url.strip_prefix("http://").ok_or("--url takes http://HOST:PORT")?.trim_end_matches('/');
                hostport.parse::<SocketAddr>().map_err(|_| format!("--url takes http://IP:PORT (got {url:?})"))?
            }
            (None, Some(c)) => c.addr,
            (None, None) => return Err("no target".to_owned()),
        };
        load::loopback_only(addr)?;
        let pid = child.as_ref().map(|c| c.process.id());
        let rss = move || pid.and_then(load::rss_bytes);
        let target = if *scenario == "status" {
            // A task to query: the simulator's must exist; another server's takes any id.
            let (code, answer) = load::once(addr, &submit).await?;
            let id = task_id(m, &answer);
            if settings.url.is_none() && (!(200..300).contains(&code) || id.is_none()) {
                return Err(format!(
                    "the simulator refused the documented request example ({code}): {}",
                    String::from_utf8_lossy(&answer)
                ));
            }
            status.with_id(&id.unwrap_or_else(|| "task-1".to_owned()))
        } else {
            submit.clone()
        };
        let before = rss();
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before.unwrap_or(0)));
        let sampler = {
            let peak = std::sync::Arc::clone(&peak);
            tokio::spawn(async move {
                loop {
                    if let Some(now) = rss() {
                        peak.fetch_max(now, std::sync::atomic::Ordering::Relaxed);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            })
        };
        eprintln!(
            "load: {} at {addr}, {} connections, up to {} s or {} requests",
            target.name,
            settings.limits.connections,
            settings.limits.duration.as_secs(),
            settings.limits.max_requests
        );
        let measured = load::drive(addr, &target, settings.limits).await?;
        sampler.abort();
        let after = rss();
        let peak = pid.map(|_| peak.load(std::sync::atomic::Ordering::Relaxed));
        println!("{scenario:<7} {}", measured.line());
        if pid.is_some() {
            println!(
                "        simulator memory (RSS): {} before, {} peak, {} after",
                mib(before),
                mib(peak),
                mib(after)
            );
        }
        drop(child);
        results.push(serde_json::json!({
            "scenario": scenario,
            "target": target.name,
            "requests": measured.requests,
            "ok": measured.ok,
            "errors": measured.errors,
            "not_2xx": measured.other_statuses.iter().map(|(s, n)| serde_json::json!([s, n])).collect::<Vec<_>>(),
            "seconds": measured.elapsed.as_secs_f64(),
            "per_second": measured.per_second(),
            "p50_ms": measured.p50.as_secs_f64() * 1000.0,
            "p99_ms": measured.p99.as_secs_f64() * 1000.0,
            "rss_before": before,
            "rss_peak": peak,
            "rss_after": after,
        }));
    }
    if settings.json {
        println!("{}", serde_json::Value::Array(results));
    }
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
