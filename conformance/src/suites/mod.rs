//! The suites `cargo xtask conformance` runs; each records one outcome per case.

pub mod batch;
pub mod boundaries;
pub mod callbacks;
pub mod faults;
pub mod lifecycle;
pub mod oracle;
pub mod properties;

use std::future::Future;
use std::time::{Duration, Instant};

use crate::report::Report;

/// How long one case may take. A case normally takes milliseconds; the limit turns a hang
/// (a simulator that never answers, a delivery that never comes) into a failure that says
/// what was awaited, instead of a silent stall.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one case under [`CASE_TIMEOUT`]; `what` says what the case was doing.
pub(crate) async fn within<T>(what: &str, case: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    match tokio::time::timeout(CASE_TIMEOUT, case).await {
        Ok(result) => result,
        Err(_) => Err(format!("timed out after {} s: {what}", CASE_TIMEOUT.as_secs())),
    }
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Cases per property test.
    pub cases: u32,
    /// Seed of the property tests (deterministic runs).
    pub seed: u64,
    /// Print each suite's progress on stderr.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { cases: 256, seed: 0x5eed_2026, progress: false }
    }
}

/// Shows a long case on stderr while it runs (when [`Options::progress`] is on): its name
/// when it starts, `ok` or `FAILED` and the time when it ends. Ends with [`Step::done`].
pub(crate) struct Step {
    show: bool,
    started: Instant,
}

impl Step {
    /// Starts showing a case of `suite`.
    pub fn start(opts: &Options, suite: &str, name: &str) -> Step {
        if opts.progress {
            use std::io::Write as _;
            eprint!("conformance:   {suite} / {name} ... ");
            let _ = std::io::stderr().flush();
        }
        Step { show: opts.progress, started: Instant::now() }
    }

    /// Records the case and ends its progress line.
    pub fn done(self, report: &mut Report, suite: &str, name: impl Into<String>, result: Result<(), String>) {
        if self.show {
            let verdict = if result.is_ok() { "ok" } else { "FAILED" };
            eprintln!("{verdict} ({:.2} s)", self.started.elapsed().as_secs_f64());
        }
        record(report, suite, name, self.started, result);
    }
}

/// Times a check and records it.
pub(crate) fn record(
    report: &mut Report,
    suite: &str,
    name: impl Into<String>,
    started: Instant,
    result: Result<(), String>,
) {
    report.push(suite, name, result.err(), started.elapsed());
}
