//! Teams vendor this crate: a copy of `generated-client/` outside the workspace must build
//! on its own (no workspace inheritance, no path dependency on the generator). The copy
//! gets the workspace's `Cargo.lock` so it resolves the versions already downloaded, and
//! builds offline into its own target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

#[test]
fn builds_when_copied_out_of_the_workspace() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.parent().unwrap();
    let copy = std::env::temp_dir().join(format!("happyhorse-client-standalone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    // The whole crate directory, as a team vendors it (the manifest names its tests and
    // benches).
    copy_dir(crate_dir, &copy);
    std::fs::copy(workspace.join("Cargo.lock"), copy.join("Cargo.lock")).unwrap();

    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from).join("standalone");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    let _ = std::fs::remove_dir_all(&copy);
    assert!(
        out.status.success(),
        "the copied crate does not build on its own:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
