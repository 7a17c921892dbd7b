//! `cargo xtask openapi [--out DIR] [--openapi-version 3.1|3.0]`: writes the OpenAPI document
//! (3.1, or 3.0 for older tools) and the standalone JSON Schema (draft 2020-12) of the
//! request body of every module, generated from the IR.

use std::path::{Path, PathBuf};

use happyhorse_codegen::openapi::{self, Version};
use happyhorse_codegen::output;

/// Where the files go without `--out`, relative to the workspace root.
const DEFAULT_OUT: &str = "target/openapi";

/// The checked arguments: the output directory and the OpenAPI version.
fn args(root: &Path, args: &[String]) -> Result<(PathBuf, Version), String> {
    let (mut out, mut version) = (root.join(DEFAULT_OUT), Version::V3_1);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => out = PathBuf::from(value()?),
            "--openapi-version" => {
                version = match value()?.as_str() {
                    "3.1" | "3.1.0" => Version::V3_1,
                    "3.0" | "3.0.3" => Version::V3_0,
                    other => return Err(format!("--openapi-version takes 3.1 or 3.0 (got {other:?})")),
                }
            }
            other => {
                return Err(format!(
                    "openapi: unknown argument {other:?}; it takes --out DIR, --openapi-version 3.1|3.0"
                ));
            }
        }
    }
    Ok((out, version))
}

pub fn run(root: &Path, raw: &[String]) -> Result<(), String> {
    let (out, version) = args(root, raw)?;
    let modules = output::load_all(root).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for m in &modules {
        for file in openapi::files(m, version) {
            let path = out.join(&file.path);
            std::fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("openapi: wrote {}", path.strip_prefix(root).unwrap_or(&path).display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let root = Path::new("/r");
        let strings = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(args(root, &[]), Ok((root.join(DEFAULT_OUT), Version::V3_1)));
        assert_eq!(
            args(root, &strings(&["--openapi-version", "3.0", "--out", "o"])),
            Ok((PathBuf::from("o"), Version::V3_0))
        );
        assert_eq!(
            args(root, &strings(&["--openapi-version", "2.0"])),
            Err(r#"--openapi-version takes 3.1 or 3.0 (got "2.0")"#.to_owned())
        );
    }
}
