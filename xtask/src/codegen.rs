//! `cargo xtask codegen [--check]`.

use std::path::Path;

use happyhorse_codegen::output;

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        other => return Err(format!("codegen: unexpected arguments {other:?}; expected nothing or --check")),
    };
    let files = output::generate_workspace(root).map_err(|e| e.to_string())?;
    if check {
        let stale = output::check(root, &files);
        if stale.is_empty() {
            eprintln!("codegen: {} generated files are fresh", files.len());
            return Ok(());
        }
        let list: Vec<String> = stale.iter().map(|s| format!("  {s}")).collect();
        return Err(format!("{} generated file(s) are stale:\n{}", stale.len(), list.join("\n")));
    }
    let changed = output::write(root, &files).map_err(|e| format!("cannot write generated files: {e}"))?;
    if changed.is_empty() {
        eprintln!("codegen: {} generated files already fresh", files.len());
    } else {
        for c in &changed {
            eprintln!("codegen: wrote {c}");
        }
    }
    Ok(())
}
