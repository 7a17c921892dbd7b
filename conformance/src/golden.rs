//! The golden matrix (`codegen/tests/golden/<case>/`: one small synthetic spec per API shape
//! the spec format describes, each with its doc copies under `<case>/docs/`) as subjects of
//! the conformance run, played by the same simulator and judged by the same suites as the
//! provider specs, with no Rust per case: the cases are found on disk, their clients are the
//! checked-in golden outputs, listed by the generated `output/mod.rs` (see
//! [`crate::golden_clients`]), and their oracle cases are data files under
//! `conformance/cases/golden/<case>/`.

use std::path::{Path, PathBuf};

/// Where the golden cases are, under the workspace root.
pub const GOLDEN_DIR: &str = "codegen/tests/golden";

/// The directory of generated outputs inside [`GOLDEN_DIR`] (not a case).
const OUTPUT: &str = "output";

/// Every golden case of the workspace at `root`: `(case, directory)`, sorted by name. None
/// when the workspace has no golden matrix (a vendored copy without `codegen/tests`).
pub fn cases(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let dir = root.join(GOLDEN_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && name != OUTPUT {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// How to refresh the golden outputs after a golden spec changed.
pub const UPDATE: &str = "GOLDEN_UPDATE=1 cargo test -p happyhorse-codegen --test golden";
