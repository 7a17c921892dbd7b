//! The suites `cargo xtask conformance` runs; each records one outcome per case.

pub mod boundaries;
pub mod callbacks;
pub mod faults;
pub mod oracle;
pub mod properties;

use std::time::Instant;

use crate::report::Report;

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
