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

/// Parses and checks one spec file's text. `name` is how the file is named in messages.
pub fn lower_text(name: &str, text: &str) -> Result<ir::Module, SpecErrors> {
    lower_group(&[(name.to_owned(), text.to_owned())])
}

/// Parses and checks a provider file and its endpoint files, `(name, text)` with the
/// provider file first, as one module.
pub fn lower_group(files: &[(String, String)]) -> Result<ir::Module, SpecErrors> {
    let loaded = spec::parse_joined(files)?;
    let hashes: Vec<(String, String)> = files.iter().map(|(n, t)| (n.clone(), sha256_hex(t.as_bytes()))).collect();
    ir::lower(&loaded, &sha256_hex(loaded.source.text.as_bytes()), &hashes)
}

/// Reads, parses and checks a provider's spec file, with the endpoint files beside it
/// that name its module (`[endpoints.<name>] provider = "<module>"`). `name` is how the
/// file is named in messages.
pub fn lower_file(path: &Path, name: &str) -> Result<ir::Module, SpecErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError {
        file: name.to_owned(),
        line: 0,
        col: 0,
        path: String::new(),
        message: format!("cannot read the spec file: {e}"),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files = vec![(name.to_owned(), text)];
    for (other, other_name) in output::toml_files(dir).map_err(|e| SpecError {
        file: name.to_owned(),
        line: 0,
        col: 0,
        path: String::new(),
        message: e.to_string(),
    })? {
        if other_name == name || other == path {
            continue;
        }
        let Ok(t) = std::fs::read_to_string(&other) else { continue };
        if output::endpoint_provider(&t)
            .is_some_and(|p| Some(p.as_str()) == output::provider_module(&files[0].1).as_deref())
        {
            files.push((other_name, t));
        }
    }
    files[1..].sort();
    lower_group(&files)
}

/// The spec files a provider's module is generated from: the provider file and its
/// endpoint files, in the order they are joined.
pub fn group_paths(path: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let module = std::fs::read_to_string(path).ok().and_then(|t| output::provider_module(&t));
    let mut out = vec![path.to_path_buf()];
    let mut more: Vec<(std::path::PathBuf, String)> = output::toml_files(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|(p, n)| n != name && p != path)
        .filter(|(p, _)| {
            std::fs::read_to_string(p)
                .ok()
                .and_then(|t| output::endpoint_provider(&t))
                .is_some_and(|e| Some(e) == module)
        })
        .collect();
    more.sort_by(|a, b| a.1.cmp(&b.1));
    out.extend(more.into_iter().map(|(p, _)| p));
    out
}

/// The items of the module generated from a provider's spec files: what the proc-macro
/// expands to. `name` is how the provider file is named in messages.
pub fn module_tokens(path: &Path, name: &str) -> Result<proc_macro2::TokenStream, SpecErrors> {
    Ok(emit::module_items(&lower_file(path, name)?))
}
