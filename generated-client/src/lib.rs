//! Typed, validated clients for the HappyHorse video model on APIXO and Modellix.
//!
//! The provider modules ([`apixo`], [`modellix`]) are generated from `spec/*.toml` by
//! `cargo xtask codegen` and checked in; do not edit them by hand. The [`runtime`] they
//! call into is hand-written and provider-agnostic.
//!
//! Requests are strict: `validate()` returns every broken rule at once, with its JSON
//! path, the rule, the limit and the actual value, and a raw JSON body can be checked with
//! `from_json_value`. Responses are lenient: unknown fields are ignored and unknown states
//! or codes are kept, not rejected.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Generated code names this crate by its absolute path so the same code also works when
// expanded by the proc-macro in another crate.
extern crate self as happyhorse_client;

// Generated code is formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
pub mod providers;
pub mod runtime;

pub use providers::*;
