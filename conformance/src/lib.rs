//! The conformance harness behind `cargo xtask conformance`.
//!
//! - [`simulator`]: both providers over real HTTP on loopback, with fault injection.
//! - The oracle: hand-written, doc-derived cases citing the doc line they come from, and a
//!   second, independent validator (the exported JSON Schema run by the `jsonschema` crate).
//! - Property tests (proptest) relating the generated client, the schema and the simulator.
//! - A coverage matrix: every spec constraint must be exercised by an accepted boundary
//!   case, a rejected boundary case and a simulator case.

#![forbid(unsafe_code)]

pub mod simulator;
