//! `spec-diff`: what a change of the spec files changes for users of the generated crate.
//!
//! Both trees are lowered through the checked IR ([`crate::output::lower_texts`]), so the
//! diff sees resolved facts (types, limits per mode, prices, formulas, polling, status
//! rows), not TOML text. Modules are matched by Rust module name and everything inside
//! by its key (see [`compare`]); file names, ordering and `source` provenance are not
//! changes for users (provenance differences are listed apart, as [`Note`]s).
//!
//! # Classification
//!
//! Each [`Change`] gets a [`Class`] from the point of view of code that uses
//! `happyhorse-client`:
//!
//! - **Breaking**: a Rust item removed or renamed (module, operation constant, type,
//!   field, variant, accessor, example constant, `_or_default()`/`truncate_*` helper), a
//!   field's type or presence changed (`T` ↔ `Option<T>`), a new required request field
//!   (`new()` takes it). Additions are breaking too when the generated item is exhaustive:
//!   today no generated enum or struct is `#[non_exhaustive]`, so a new enum value (request
//!   or response: `match`es without a wildcard stop compiling) and a new field (struct
//!   literals stop compiling) are breaking, as cargo-semver-checks would say
//!   (`enum_variant_added`, `constructible_struct_adds_field`). Each such change says
//!   which code it breaks ([`Reach`]); code that uses `new`/`with_*` and matches with a
//!   wildcard keeps compiling. The exhaustiveness is read from the emitted code
//!   ([`surface`]), so marking the generated types `#[non_exhaustive]` turns these into
//!   additive changes without touching this module.
//! - **Behaviour**: compiles, runs differently. Validation stricter (rejects values it
//!   accepted) or looser (accepts values it rejected) or both; a price, currency, formula
//!   or billing input minimum; the polling schedule; an HTTP status row added, removed, or
//!   its retry, `max_retries`, `rejected` (may a submit be sent again), meaning or action;
//!   a fail code's aliases or retry advice; a state's phase; a wire spelling (an enum
//!   value respelled with the same Rust name), path, method, base URL, key header or
//!   environment variable; a default the provider applies; media rules of the preflight.
//! - **Additive**: new things, nothing existing changes: a module, operation, type, price
//!   row, formula, billing, callbacks, lint, example, accessor or helper.
//! - **Documentation**: rustdoc only: doc texts, units, field examples, decisions, and the
//!   text of documented example payloads.
//!
//! The semver bump follows from the worst class ([`bump`]).

pub mod bump;
pub mod change;
mod compare;
pub mod render;
pub mod surface;

pub use bump::{Bump, Level, Version};
pub use change::{Change, Class, Note, Reach, SpecDiff};

use crate::ir::Module;

/// The semantic diff of two lowered spec trees.
pub fn diff(old: &[Module], new: &[Module]) -> SpecDiff {
    compare::modules(old, new)
}
