//! `cargo xtask bench-compare`: ours against the anchors, measured in the same run, printed
//! as a markdown table. Optional and never in CI. The anchors are installed from the
//! registries into `target/bench-compare/`: Prism (`@stoplight/prism-cli`, npm), Schemathesis
//! (PyPI, the version `.ci/run` pins; an existing `.venv` is reused) and `cargo-progenitor`
//! (crates.io). A step whose anchor cannot be installed or run is reported as `skipped: why`;
//! the other steps still run.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use happyhorse_codegen::output;
use serde_json::Value;

use crate::Failure;
use crate::conformance::{SCHEMATHESIS_VERSION, build, cargo};

/// The Prism release the numbers were measured with.
const PRISM: &str = "@stoplight/prism-cli@5.14.2";
/// The progenitor release compared with.
const PROGENITOR_VERSION: &str = "0.15.1";
/// Examples per operation and phase Schemathesis generates.
const SCHEMATHESIS_EXAMPLES: &str = "100";
/// Where the anchors and the outputs go, relative to the workspace root.
const CACHE: &str = "target/bench-compare";

struct Options {
    seconds: u64,
    connections: u32,
    cases: u32,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options { seconds: 10, connections: 32, cases: 256 };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seconds" => o.seconds = value?.parse().map_err(|_| "--seconds takes a whole number of seconds")?,
            "--connections" => {
                o.connections = value?.parse().map_err(|_| "--connections takes a number of connections")?
            }
            "--cases" => o.cases = value?.parse().map_err(|_| "--cases takes a number of cases")?,
            other => {
                return Err(format!(
                    "bench-compare: unknown argument {other:?}; it takes --seconds S, --connections N, --cases N"
                ));
            }
        }
    }
    if o.seconds == 0 || o.connections == 0 || o.cases == 0 {
        return Err("bench-compare: --seconds, --connections and --cases take numbers from 1".to_owned());
    }
    Ok(o)
}

/// One row of the table: what, ours, the anchor, the ratio, the budget.
struct Row {
    what: String,
    ours: String,
    anchor: String,
    ratio: String,
    budget: &'static str,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), Failure> {
    let o = options(args)?;
    let cache = root.join(CACHE);
    std::fs::create_dir_all(&cache).map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let program = build(root, true)?.program;
    let modules = output::load_all(root).map_err(|e| e.to_string())?;
    let first = modules.first().ok_or_else(|| "the specs define no module".to_owned())?.module.clone();
    let openapi_dir = cache.join("openapi");
    let export = ["--out", &openapi_dir.display().to_string(), "--openapi-version", "3.0"].map(str::to_owned);
    crate::openapi::run(root, &export)?;

    let mut rows = Vec::new();
    eprintln!("bench-compare: the simulator under load ({first})");
    let ours = load(&program, root, &o, &["--task-ttl", "1"], None);
    eprintln!("bench-compare: Prism mocking the OpenAPI 3.0 export of {first}");
    let prism = prism(root, &cache, &openapi_dir.join(format!("{first}.openapi.json")))
        .and_then(|(_child, port)| load(&program, root, &o, &[], Some(&format!("http://127.0.0.1:{port}"))));
    for (scenario, what, budget) in [
        (
            "status",
            format!("simulator GET status ({first}), {} connections, {} s", o.connections, o.seconds),
            "≥ 10×, p99 ≤ 5 ms",
        ),
        ("submit", format!("simulator POST submit ({first}), valid body"), "≥ 10×"),
    ] {
        let pick = |r: &Result<Vec<Value>, String>| -> Result<(f64, f64, String), String> {
            let all = r.as_ref().map_err(Clone::clone)?;
            let m = all.iter().find(|m| m["scenario"] == scenario).ok_or("no result")?;
            let per_second = m["per_second"].as_f64().unwrap_or(0.0);
            let p99 = m["p99_ms"].as_f64().unwrap_or(0.0);
            let not_ok = m["requests"].as_u64().unwrap_or(0).saturating_sub(m["ok"].as_u64().unwrap_or(0));
            let note = if not_ok > 0 { format!(", {not_ok} not 2xx") } else { String::new() };
            Ok((per_second, p99, format!("{per_second:.0} req/s, p99 {p99:.1} ms{note}")))
        };
        rows.push(row(what, pick(&ours), pick(&prism).map(|(r, p, t)| (r, p, format!("Prism 5.14.2: {t}"))), budget));
    }

    eprintln!("bench-compare: property cases per second (the conformance property suite)");
    let ours_cases = property_cases(&program, root, o.cases, &modules);
    eprintln!("bench-compare: Schemathesis {SCHEMATHESIS_VERSION} against the simulator");
    let theirs = schemathesis(root, &cache, &program, &openapi_dir, &modules);
    rows.push(row(
        "property cases per second (HTTP against the simulator)".to_owned(),
        ours_cases.map(|(n, s)| (n as f64 / s, 0.0, format!("{:.0} ({n} cases in {s:.1} s, release)", n as f64 / s))),
        theirs.map(|(n, s)| {
            (
                n as f64 / s,
                0.0,
                format!("Schemathesis {SCHEMATHESIS_VERSION}: {:.0} ({n} cases in {s:.1} s)", n as f64 / s),
            )
        }),
        "≥ 10×",
    ));

    eprintln!("bench-compare: progenitor {PROGENITOR_VERSION} on the OpenAPI 3.0 export");
    let progenitor = progenitor_crate(root, &cache, &openapi_dir, &modules);
    let ours_lines = generated_lines(&root.join("generated-client/src/providers"));
    let their_lines = progenitor.as_ref().map_err(Clone::clone).and_then(|dir| generated_lines(&dir.join("src")));
    rows.push(inverse_row(
        "generated lines for both APIs".to_owned(),
        ours_lines.map(|n| (n as f64, format!("{n}"))),
        their_lines.map(|n| (n as f64, format!("progenitor {PROGENITOR_VERSION}: {n}"))),
        "≤ 1.0×",
    ));
    let ours_check =
        check_after_touch(root, &root.join("generated-client/src/lib.rs"), &["-p", "happyhorse-client"], None);
    let their_check = progenitor.and_then(|dir| {
        let target = cache.join("progenitor-target");
        check_after_touch(&dir, &dir.join("src/lib.rs"), &[], Some(&target))
    });
    rows.push(inverse_row(
        "`cargo check` of the client crate after touching lib.rs, deps built".to_owned(),
        ours_check.map(|s| (s, format!("{s:.2} s"))),
        their_check.map(|s| (s, format!("progenitor's crate: {s:.2} s"))),
        "≤ 0.5×",
    ));

    println!("| what | ours | anchor (same run) | ratio | budget |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} | {} |", r.what, r.ours, r.anchor, r.ratio, r.budget);
    }
    println!(
        "\nMeasured with `cargo xtask bench-compare --seconds {} --connections {} --cases {}` on {} CPU(s).",
        o.seconds,
        o.connections,
        o.cases,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    Ok(())
}

/// A row where more is better (ours / theirs).
fn row(
    what: String,
    ours: Result<(f64, f64, String), String>,
    theirs: Result<(f64, f64, String), String>,
    budget: &'static str,
) -> Row {
    let ratio = match (&ours, &theirs) {
        (Ok((a, _, _)), Ok((b, _, _))) if *b > 0.0 => format!("{:.1}×", a / b),
        _ => "–".to_owned(),
    };
    Row { what, ours: text(ours.map(|(_, _, t)| t)), anchor: text(theirs.map(|(_, _, t)| t)), ratio, budget }
}

/// A row where less is better (ours / theirs, as a fraction).
fn inverse_row(
    what: String,
    ours: Result<(f64, String), String>,
    theirs: Result<(f64, String), String>,
    budget: &'static str,
) -> Row {
    let ratio = match (&ours, &theirs) {
        (Ok((a, _)), Ok((b, _))) if *b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".to_owned(),
    };
    Row { what, ours: text(ours.map(|(_, t)| t)), anchor: text(theirs.map(|(_, t)| t)), ratio, budget }
}

fn text(r: Result<String, String>) -> String {
    r.unwrap_or_else(|why| format!("skipped: {}", why.replace('|', "/").replace('\n', " ")))
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `conformance load --json` with `extra` arguments: the JSON results.
fn load(program: &Path, root: &Path, o: &Options, extra: &[&str], url: Option<&str>) -> Result<Vec<Value>, String> {
    let mut command = Command::new(program);
    command.current_dir(root).arg("load").arg("--json");
    command.args(["--seconds", &o.seconds.to_string(), "--connections", &o.connections.to_string()]);
    command.args(extra);
    if let Some(url) = url {
        command.args(["--url", url]);
    }
    let out = command.stderr(Stdio::inherit()).output().map_err(|e| format!("cannot run the load driver: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{}", stdout.lines().filter(|l| !l.starts_with('[')).map(|l| format!("{l}\n")).collect::<String>());
    if !out.status.success() {
        return Err(format!("the load driver failed ({})", out.status));
    }
    let json = stdout.lines().rev().find(|l| l.starts_with('[')).ok_or("the load driver printed no results")?;
    serde_json::from_str::<Vec<Value>>(json).map_err(|e| format!("the load driver's results are not JSON: {e}"))
}

/// A free loopback port (free when asked; the anchor takes it right after).
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Waits until something accepts connections on the port.
fn wait_for_port(port: u16, child: &mut Child, within: Duration) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < within {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("it exited ({status}) before listening"));
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listened on port {port} within {} s", within.as_secs()))
}

/// Installs Prism with npm (once) and starts it mocking `spec` on a free loopback port.
fn prism(root: &Path, cache: &Path, spec: &Path) -> Result<(Running, u16), String> {
    let dir = cache.join("prism");
    let bin = dir.join("node_modules/.bin/prism");
    if !bin.is_file() {
        let npm = Command::new("npm").arg("--version").output();
        if !npm.is_ok_and(|o| o.status.success()) {
            return Err("npm is not installed (Debian: apt-get install nodejs npm)".to_owned());
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        eprintln!("bench-compare: npm install {PRISM}");
        let status = Command::new("npm")
            .args(["install", "--prefix"])
            .arg(&dir)
            .args(["--no-audit", "--no-fund", "--loglevel=error", PRISM])
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !status.success() || !bin.is_file() {
            return Err(format!("npm install {PRISM} failed ({status}); no network?"));
        }
    }
    let port = free_port()?;
    let log = std::fs::File::create(cache.join("prism.log")).map_err(|e| e.to_string())?;
    let child = Command::new(&bin)
        // Request logging off (its default logs every request), so Prism shows its best.
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), "--verboseLevel", "error"])
        .arg(spec)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start Prism: {e}"))?;
    let mut running = Running(child);
    wait_for_port(port, &mut running.0, Duration::from_secs(60)).map_err(|e| format!("Prism: {e}"))?;
    Ok((running, port))
}

/// The conformance property suite in the release build: property cases sent to the
/// simulator (properties 1 and 2 of each provider operation, `cases` each) and their time.
fn property_cases(
    program: &Path,
    root: &Path,
    cases: u32,
    modules: &[happyhorse_codegen::ir::Module],
) -> Result<(u64, f64), String> {
    let out = Command::new(program)
        .current_dir(root)
        .args(["run", "--cases", &cases.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run the conformance suites: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (mut n, mut seconds) = (0u64, 0.0f64);
    for line in stderr.lines() {
        // "conformance:   properties / apixo/submit: 1. valid requests ... ok (1.6 s)"
        let Some(rest) = line.trim_start_matches("conformance:").trim().strip_prefix("properties / ") else { continue };
        let Some((label, step)) = rest.split_once(": ") else { continue };
        let provider = label.split('/').next().is_some_and(|m| modules.iter().any(|x| x.module == m));
        let http = step.starts_with("1. ") || step.starts_with("2. ");
        let time = step.rsplit_once("ok (").and_then(|(_, t)| t.trim_end_matches(" s)").parse::<f64>().ok());
        if let (true, true, Some(t)) = (provider && label.contains('/'), http, time) {
            n += u64::from(cases);
            seconds += t;
        }
    }
    if n == 0 {
        return Err(format!("the conformance run printed no property timings ({})", out.status));
    }
    Ok((n, seconds))
}

/// Schemathesis: the pinned version from `$SCHEMATHESIS`, `.venv`, or installed into the
/// cache; run against a simulator for each provider module. Cases generated and their time.
fn schemathesis(
    root: &Path,
    cache: &Path,
    program: &Path,
    openapi_dir: &Path,
    modules: &[happyhorse_codegen::ir::Module],
) -> Result<(u64, f64), String> {
    let bin = match std::env::var_os("SCHEMATHESIS").map(PathBuf::from) {
        Some(p) => p,
        None if root.join(".venv/bin/schemathesis").is_file() => root.join(".venv/bin/schemathesis"),
        None => {
            let venv = cache.join("venv");
            let bin = venv.join("bin/schemathesis");
            if !bin.is_file() {
                let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).status();
                if !made.is_ok_and(|s| s.success()) {
                    return Err("python3 -m venv failed (is python3 installed?)".to_owned());
                }
                let pip = Command::new(venv.join("bin/pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check"])
                    .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}"))
                    .status();
                if !pip.is_ok_and(|s| s.success()) {
                    return Err(format!("pip install schemathesis=={SCHEMATHESIS_VERSION} failed; no network?"));
                }
            }
            bin
        }
    };
    let (_sim, origin) = simulator(program, root)?;
    let work = cache.join("schemathesis");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let (mut n, mut seconds) = (0u64, 0.0f64);
    for m in modules {
        let base = m.base_path();
        let out = Command::new(&bin)
            .current_dir(&work)
            .arg("run")
            .arg(openapi_dir.join(format!("{}.openapi.json", m.module)))
            .args(["--url", &format!("{origin}{base}"), "--header", "Authorization: Bearer bench-key"])
            .args(["--checks", "all", "--seed", "20261121", "--max-examples", SCHEMATHESIS_EXAMPLES])
            .args(["--phases", "examples,coverage,fuzzing", "--mode", "all", "--no-color"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        // "  512 generated, ..." and "=== 2 failures in 7.47s ===" (or "passed in").
        let generated = stdout
            .lines()
            .find_map(|l| l.trim().split_once(" generated").and_then(|(k, _)| k.trim().parse::<u64>().ok()));
        let secs = stdout
            .lines()
            .rev()
            .find_map(|l| l.split_once(" in ").and_then(|(_, t)| t.split('s').next()?.trim().parse::<f64>().ok()));
        match (generated, secs) {
            (Some(g), Some(s)) => {
                eprintln!("bench-compare: Schemathesis on {}: {g} cases in {s:.1} s", m.module);
                n += g;
                seconds += s;
            }
            _ => return Err(format!("cannot read Schemathesis's summary for {}", m.module)),
        }
    }
    Ok((n, seconds))
}

/// The path of a base URL without its trailing slash (`/api/v1`, or empty).
/// `conformance simulate --port 0` (release): the process and its origin.
fn simulator(program: &Path, root: &Path) -> Result<(Running, String), String> {
    let mut child = Command::new(program)
        .current_dir(root)
        .args(["simulate", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let running = Running(child);
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    std::thread::spawn(move || lines.for_each(drop));
    let origin = first
        .split_once(" at ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .filter(|o| o.starts_with("http://"))
        .ok_or_else(|| format!("the simulator did not say where it listens: {first:?}"))?;
    Ok((running, origin.to_owned()))
}

/// Installs `cargo-progenitor` (once) and generates one crate holding a client of every
/// module's OpenAPI 3.0 export (a module each); returns its directory.
fn progenitor_crate(
    root: &Path,
    cache: &Path,
    openapi_dir: &Path,
    modules: &[happyhorse_codegen::ir::Module],
) -> Result<PathBuf, String> {
    let install = cache.join("cargo");
    let bin = install.join("bin/cargo-progenitor");
    if !bin.is_file() {
        eprintln!("bench-compare: cargo install cargo-progenitor {PROGENITOR_VERSION} (a few minutes, once)");
        let status = cargo()
            .current_dir(root)
            .args(["install", "--locked", "--quiet", "cargo-progenitor", "--version", PROGENITOR_VERSION, "--root"])
            .arg(&install)
            .status()
            .map_err(|e| format!("cannot run cargo install: {e}"))?;
        if !status.success() || !bin.is_file() {
            return Err(format!("cargo install cargo-progenitor {PROGENITOR_VERSION} failed ({status}); no network?"));
        }
    }
    let generated = cache.join("progenitor-generated");
    let combined = cache.join("progenitor");
    let _ = std::fs::remove_dir_all(&generated);
    std::fs::create_dir_all(combined.join("src")).map_err(|e| e.to_string())?;
    let mut lib = String::from("//! progenitor's clients of every module, one module each (bench-compare).\n");
    let mut manifest = None;
    for m in modules {
        let out = generated.join(&m.module);
        let status = Command::new(&bin)
            .arg("progenitor")
            .arg("-i")
            .arg(openapi_dir.join(format!("{}.openapi.json", m.module)))
            .arg("-o")
            .arg(&out)
            .args(["-n", &format!("{}-progenitor", m.module), "-v", "0.1.0"])
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run cargo-progenitor: {e}"))?;
        if !status.success() {
            return Err(format!("cargo-progenitor failed on {} ({status})", m.module));
        }
        let code = std::fs::read_to_string(out.join("src/lib.rs")).map_err(|e| e.to_string())?;
        std::fs::write(combined.join(format!("src/{}.rs", m.module)), code).map_err(|e| e.to_string())?;
        lib.push_str(&format!("pub mod {};\n", m.module));
        if manifest.is_none() {
            manifest = std::fs::read_to_string(out.join("Cargo.toml")).ok();
        }
    }
    let manifest = manifest.ok_or("cargo-progenitor wrote no Cargo.toml")?;
    // One package outside this workspace, named for the comparison.
    let mut toml = String::new();
    for line in manifest.lines() {
        if line.starts_with("name = ") && !toml.contains("name = ") {
            toml.push_str("name = \"progenitor-clients\"\n");
        } else {
            toml.push_str(line);
            toml.push('\n');
        }
    }
    toml.push_str("\n[workspace]\n");
    std::fs::write(combined.join("Cargo.toml"), toml).map_err(|e| e.to_string())?;
    std::fs::write(combined.join("src/lib.rs"), lib).map_err(|e| e.to_string())?;
    Ok(combined)
}

/// Lines of the `.rs` files in `dir` (`mod.rs` included).
fn generated_lines(dir: &Path) -> Result<u64, String> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            n += std::fs::read_to_string(&path).map_err(|e| e.to_string())?.lines().count() as u64;
        }
    }
    Ok(n)
}

/// `cargo check` in `dir` once (dependencies), then again after touching `touch`: the second
/// one's wall time, the best of three.
fn check_after_touch(dir: &Path, touch: &Path, args: &[&str], target: Option<&Path>) -> Result<f64, String> {
    let check = || -> Result<f64, String> {
        let mut command = cargo();
        command.current_dir(dir).args(["check", "--quiet"]).args(args).stdout(Stdio::null());
        if let Some(t) = target {
            command.env("CARGO_TARGET_DIR", t);
        }
        let started = Instant::now();
        let status = command.status().map_err(|e| format!("cannot run cargo check: {e}"))?;
        if !status.success() {
            return Err(format!("cargo check failed in {} ({status})", dir.display()));
        }
        Ok(started.elapsed().as_secs_f64())
    };
    check()?;
    let mut best = f64::MAX;
    for _ in 0..3 {
        std::fs::File::options()
            .write(true)
            .open(touch)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()))
            .map_err(|e| format!("cannot touch {}: {e}", touch.display()))?;
        best = best.min(check()?);
    }
    Ok(best)
}
