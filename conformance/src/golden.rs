//! The golden matrix (`codegen/tests/golden/<case>/`: one small synthetic spec per API shape
//! the spec format describes, each with its doc copies under `<case>/docs/`) as subjects of
//! the conformance run, played by the same simulator and judged by the same suites as the
//! provider specs, with no Rust per case: the cases are found on disk, their clients are the
//! checked-in golden outputs, listed by the generated `output/mod.rs` (see
//! [`crate::golden_clients`]), and their oracle cases are data files under
//! `conformance/cases/golden/<case>/`.

use std::path::{Path, PathBuf};

/// Where the golden cases are, under the workspace root.
pub use happyhorse_codegen::output::GOLDEN_DIR;

/// Every golden case of the workspace at `root`: `(case, directory)`, sorted by name. None
/// when the workspace has no golden matrix (a vendored copy without `codegen/tests`).
pub fn cases(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    happyhorse_codegen::output::golden_cases(root).map_err(|e| e.to_string())
}

/// How to refresh the golden outputs after a golden spec changed.
pub const UPDATE: &str = "GOLDEN_UPDATE=1 cargo test -p happyhorse-codegen --test golden";
