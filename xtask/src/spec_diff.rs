//! `cargo xtask spec-diff OLD NEW [--markdown | --json]`: what changing the specs from
//! OLD to NEW changes for users of `happyhorse-client`. OLD and NEW are each a directory
//! holding spec `*.toml` files (or a checkout whose `spec/` holds them) or a git ref of
//! this repository (its `spec/*.toml` are read with git at the workspace root). The work
//! is in `happyhorse_codegen::diff`.

use std::path::{Path, PathBuf};
use std::process::Command;

use happyhorse_codegen::diff::{self, Bump, Class, Version, render};
use happyhorse_codegen::output;

/// Exit status: nothing changed for users (documentation or provenance notes may be listed).
pub const NO_CHANGE: u8 = 0;
/// Exit status: at least one breaking change.
pub const BREAKING: u8 = 2;
/// Exit status: behaviour changes, none breaking.
pub const BEHAVIOUR: u8 = 3;
/// Exit status: additive changes only.
pub const ADDITIVE: u8 = 4;

enum Format {
    Text,
    Markdown,
    Json,
}

/// The report and the exit status.
pub fn run(root: &Path, args: &[String]) -> Result<(String, u8), String> {
    let mut format = Format::Text;
    let mut trees = Vec::new();
    for a in args {
        match a.as_str() {
            "--markdown" => format = Format::Markdown,
            "--json" => format = Format::Json,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}; expected --markdown or --json"));
            }
            tree => trees.push(tree.to_owned()),
        }
    }
    let [old, new] = trees.as_slice() else {
        return Err(format!("expected two trees, OLD and NEW (git refs or directories), got {}", trees.len()));
    };
    let (old_tree, new_tree) = (Tree::resolve(root, old)?, Tree::resolve(root, new)?);
    let (a, b) = (old_tree.modules(root)?, new_tree.modules(root)?);
    let d = diff::diff(&a, &b);
    let bump = Bump::new(&d, old_tree.version(root));
    let report = render::Report { old, new, bump: &bump, diff: &d };
    let text = match format {
        Format::Text => render::text(&report),
        Format::Markdown => render::markdown(&report),
        Format::Json => render::json(&report),
    };
    let code = match d.worst() {
        Some(Class::Breaking) => BREAKING,
        Some(Class::Behaviour) => BEHAVIOUR,
        Some(Class::Additive) => ADDITIVE,
        Some(Class::Docs) | None => NO_CHANGE,
    };
    Ok((text, code))
}

/// Where a tree's spec files come from.
enum Tree {
    /// A directory holding the spec files; the checkout root when there is one.
    Dir { spec: PathBuf, checkout: Option<PathBuf> },
    /// A commit of the repository at the workspace root.
    Git { name: String, commit: String },
}

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git (needed to read a ref): {e}"))?;
    if out.status.success() { Ok(out.stdout) } else { Err(String::from_utf8_lossy(&out.stderr).trim().to_owned()) }
}

impl Tree {
    /// A directory if `arg` names one, else a git ref.
    fn resolve(root: &Path, arg: &str) -> Result<Tree, String> {
        let dir = PathBuf::from(arg);
        if dir.is_dir() {
            let nested = dir.join(output::SPEC_DIR);
            return Ok(if nested.is_dir() {
                Tree::Dir { spec: nested, checkout: Some(dir) }
            } else {
                Tree::Dir { spec: dir, checkout: None }
            });
        }
        match git(root, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{arg}^{{commit}}")]) {
            Ok(out) => Ok(Tree::Git { name: arg.to_owned(), commit: String::from_utf8_lossy(&out).trim().to_owned() }),
            Err(_) => {
                Err(format!("`{arg}` is neither a directory nor a git ref of the repository at {}", root.display()))
            }
        }
    }

    /// The spec files, `(display name, text)`, sorted by name.
    fn files(&self, root: &Path) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        match self {
            Tree::Dir { spec, .. } => {
                let entries = std::fs::read_dir(spec).map_err(|e| format!("cannot list {}: {e}", spec.display()))?;
                for entry in entries {
                    let path = entry.map_err(|e| format!("cannot list {}: {e}", spec.display()))?.path();
                    if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
                        let text = std::fs::read_to_string(&path)
                            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                        out.push((path.display().to_string(), text));
                    }
                }
                if out.is_empty() {
                    return Err(format!("{} holds no spec files (*.toml)", spec.display()));
                }
            }
            Tree::Git { name, commit } => {
                let listing =
                    git(root, &["ls-tree", "-z", "--name-only", commit, "--", &format!("{}/", output::SPEC_DIR)])?;
                for path in listing.split(|b| *b == 0).map(|p| String::from_utf8_lossy(p).into_owned()) {
                    let Some(file) = path.strip_prefix(&format!("{}/", output::SPEC_DIR)) else { continue };
                    if !file.ends_with(".toml") || file.contains('/') {
                        continue;
                    }
                    let blob = git(root, &["cat-file", "blob", &format!("{commit}:{path}")])?;
                    let text = String::from_utf8(blob).map_err(|_| format!("{name}:{path} is not UTF-8"))?;
                    out.push((format!("{name}:{path}"), text));
                }
                if out.is_empty() {
                    return Err(format!("{name} has no spec files ({}/*.toml)", output::SPEC_DIR));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The tree's specs, lowered; every error of every file with `file:line:col`.
    fn modules(&self, root: &Path) -> Result<Vec<happyhorse_codegen::ir::Module>, String> {
        output::lower_texts(&self.files(root)?).map_err(|e| format!("the specs do not lower:\n{e}"))
    }

    /// The version of `happyhorse-client` this tree was released as: its
    /// `generated-client/Cargo.toml` when the tree has one, else the workspace's.
    fn version(&self, root: &Path) -> Option<Version> {
        const MANIFEST: &str = "generated-client/Cargo.toml";
        let own = match self {
            Tree::Dir { checkout: Some(c), .. } => std::fs::read_to_string(c.join(MANIFEST)).ok(),
            Tree::Dir { checkout: None, .. } => None,
            Tree::Git { commit, .. } => git(root, &["cat-file", "blob", &format!("{commit}:{MANIFEST}")])
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
        };
        let text = own.or_else(|| std::fs::read_to_string(root.join(MANIFEST)).ok())?;
        Version::from_cargo_toml(&text)
    }
}
