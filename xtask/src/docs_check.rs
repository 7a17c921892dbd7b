//! `cargo xtask docs-check`: after replacing a doc copy in `spec/docs/` with the provider's
//! current page, lists every fact whose quoted words are no longer in it.

use std::path::Path;

use happyhorse_codegen::{output, sources};

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err(format!("docs-check: unexpected arguments {args:?}"));
    }
    let mut missing = Vec::new();
    let specs = output::spec_files(root).map_err(|e| e.to_string())?;
    for (path, name) in &specs {
        missing.extend(sources::unquoted(path, name).map_err(|e| e.to_string())?);
    }
    if missing.is_empty() {
        eprintln!("docs-check: every quoted fact of {} spec file(s) is in its doc copy", specs.len());
        return Ok(());
    }
    for m in &missing {
        eprintln!("{m}");
    }
    Err(format!(
        "{} fact(s) quote words their doc no longer has: re-read those sections and update the spec",
        missing.len()
    ))
}
