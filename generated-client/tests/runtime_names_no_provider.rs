//! The hand-written runtime is provider-agnostic: provider facts reach it only through the
//! generated modules. No runtime source file names a provider of any spec.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn runtime_sources_name_no_provider() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The providers, as the generated modules name them (the model's name is also the
    // crate's, so the family is not searched for).
    let names: Vec<String> = happyhorse_client::providers::ALL.iter().map(|p| p.name.to_lowercase()).collect();
    assert!(names.len() >= 2, "{names:?}");
    let mut files = Vec::new();
    rust_files(&root.join("runtime/src"), &mut files);
    assert!(files.len() > 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
        for name in &names {
            assert!(!text.contains(name.as_str()), "{} names the provider {name:?}", file.display());
        }
    }
}
