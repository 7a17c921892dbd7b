//! `cargo xtask openapi [--out DIR]`: writes the OpenAPI 3.1 document and the standalone
//! JSON Schema (draft 2020-12) of the request body of every module, generated from the IR.

use std::path::{Path, PathBuf};

use happyhorse_codegen::{openapi, output};

/// Where the files go without `--out`, relative to the workspace root.
const DEFAULT_OUT: &str = "target/openapi";

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let out = match args {
        [] => root.join(DEFAULT_OUT),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        other => return Err(format!("openapi: unexpected arguments {other:?}; expected nothing or --out DIR")),
    };
    let modules = output::load_all(root).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for m in &modules {
        for file in openapi::files(m) {
            let path = out.join(&file.path);
            std::fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("openapi: wrote {}", path.strip_prefix(root).unwrap_or(&path).display());
        }
    }
    Ok(())
}
