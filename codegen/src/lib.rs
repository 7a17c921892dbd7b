//! The HappyHorse client generator: spec files (`spec/*.toml`) → checked IR → Rust code.
//!
//! One library does the work; `cargo xtask codegen` and the proc-macro in
//! `codegen/macros` are thin front-ends over [`module_tokens`] and [`output::generate`], so they cannot disagree.
//!
//! The flow is load ([`spec`]) → lower and check ([`ir::lower()`]) → emit with
//! `quote!` ([`emit`]) → format with prettyplease ([`output`]).

#![forbid(unsafe_code)]

pub mod diff;
pub mod drift;
pub mod emit;
pub mod error;
pub mod ir;
pub mod openapi;
pub mod output;
pub mod spec;

use std::path::Path;

pub use error::{SpecError, SpecErrors};

/// How a spec file is named in headers, docs and messages: its directory's name and its
/// file name, `spec/apixo-happyhorse.toml`, whichever front-end (xtask or proc-macro) and
/// working directory loaded it, so both produce the same output.
pub fn display_name(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    match path.parent().and_then(Path::file_name) {
        Some(dir) => format!("{}/{file}", dir.to_string_lossy()),
        None => file,
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses and checks spec text. `name` is how the file is named in messages and headers.
pub fn lower_text(name: &str, text: &str) -> Result<ir::Module, SpecErrors> {
    let loaded = spec::parse(name, text)?;
    ir::lower(&loaded, &sha256_hex(text.as_bytes()))
}

/// Reads, parses and checks a spec file. `name` is how the file is named in messages.
pub fn lower_file(path: &Path, name: &str) -> Result<ir::Module, SpecErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError {
        file: name.to_owned(),
        line: 0,
        col: 0,
        path: String::new(),
        message: format!("cannot read the spec file: {e}"),
    })?;
    lower_text(name, &text)
}

/// The items of the module generated from one spec file: what the proc-macro expands to.
/// `name` is how the file is named in messages.
pub fn module_tokens(path: &Path, name: &str) -> Result<proc_macro2::TokenStream, SpecErrors> {
    Ok(emit::module_items(&lower_file(path, name)?))
}
