//! The conformance harness behind `cargo xtask conformance`.
//!
//! - [`simulator`]: plays every spec module over real HTTP on loopback, from its IR alone,
//!   with fault injection.
//! - [`oracle`]: hand-written, doc-derived cases (data files in `conformance/cases/`) citing
//!   the doc lines they come from; they never read the spec.
//! - [`harness`]: three judges of a request: the generated client, the exported JSON
//!   Schema run by the `jsonschema` crate, and the simulator (that schema plus generic code
//!   for the rules a schema cannot state, over HTTP); the README says which is independent
//!   of what.
//! - [`boundary`] and [`strategy`]: cases generated from the spec's constraints, decided
//!   by the judges.
//! - [`golden`]: the golden matrix's synthetic specs, played and judged like the providers'.
//! - [`suites`]: the oracle, boundary and property suites; [`coverage`]: the constraint
//!   coverage matrix; [`report`]: outcomes and JUnit XML; [`runner`]: runs it all.
//! - [`load`]: the bounded load driver behind `cargo xtask load` (speed is measured there,
//!   never asserted in a test).

#![forbid(unsafe_code)]

pub mod boundary;
pub mod coverage;
pub mod golden;
pub mod harness;
pub mod load;
pub mod oracle;
pub mod receiver;
pub mod report;
pub mod runner;
pub mod simulator;
pub mod strategy;
pub mod suites;

/// The golden matrix's generated clients: the checked-in outputs of
/// `codegen/tests/golden/output/`, listed (with `ALL` and `MODULES`) by the generated
/// `output/mod.rs`, compiled here so the harness has a client for every golden case. A new
/// case is picked up by regenerating the outputs ([`golden::UPDATE`]), with no Rust here.
// Generated code is formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
#[path = "../../codegen/tests/golden/output/mod.rs"]
pub mod golden_clients;

/// The README's Rust examples, compiled (and, where they need no server, run) as doc-tests
/// of this crate, which depends on `happyhorse-client` and tokio as an application does. They
/// live here rather than in `happyhorse-client`, which is vendored without the README.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
