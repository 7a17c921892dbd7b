//! Generated files: tokens formatted with prettyplease under a "generated, do not edit"
//! header naming the spec and its hash, written or compared with what is checked in.
//!
//! After the rust-analyzer pattern: the output is checked in, `cargo xtask codegen
//! --check` (and a `#[test]`) fail when it is stale, and the header tells whether the
//! spec or the generator changed.

use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

use crate::error::SpecErrors;
use crate::ir::Module;

/// Where the generated provider modules live, relative to the workspace root.
pub const PROVIDERS_DIR: &str = "generated-client/src/providers";

/// Where the spec files live, relative to the workspace root.
pub const SPEC_DIR: &str = "spec";

/// Where the golden matrix lives, relative to the workspace root: one directory per case
/// (a small synthetic spec and its doc copies), beside `output/` (the generated outputs).
pub const GOLDEN_DIR: &str = "codegen/tests/golden";

/// Every golden case of the workspace at `root`: `(case, directory)`, sorted by name; empty
/// when the workspace has no golden matrix (a vendored copy without `codegen/tests`).
pub fn golden_cases(root: &Path) -> Result<Vec<(String, PathBuf)>, GenerateError> {
    let dir = root.join(GOLDEN_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let cannot_list = |e: std::io::Error| GenerateError::Io(format!("cannot list {}: {e}", dir.display()));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(cannot_list)? {
        let entry = entry.map_err(cannot_list)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && name != "output" {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The workspace root found at run time: the nearest directory, from `start` upwards, that
/// holds a `Cargo.toml` with a `[workspace]` table and a [`SPEC_DIR`] directory. Commands use
/// it rather than the directory they were compiled in, so a binary built in one checkout
/// (a shared target directory) never acts on another.
pub fn find_root(start: &Path) -> Result<PathBuf, String> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let is_workspace =
            std::fs::read_to_string(&manifest).is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"));
        if is_workspace && dir.join(SPEC_DIR).is_dir() {
            return Ok(dir.to_owned());
        }
    }
    Err(format!(
        "no workspace here: neither {} nor a directory above it has a Cargo.toml with [workspace] and a {SPEC_DIR}/ directory; run this inside a happyhorse checkout",
        start.display()
    ))
}

/// One file the generator produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root, with `/` separators.
    pub path: String,
    /// The complete contents.
    pub contents: String,
}

/// Why generation failed.
#[derive(Debug)]
pub enum GenerateError {
    /// A spec file is invalid.
    Spec(SpecErrors),
    /// Reading the spec directory failed.
    Io(String),
    /// The generator produced tokens that are not valid Rust: a bug in the generator.
    Internal(String),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::Spec(e) => write!(f, "{e}"),
            GenerateError::Io(e) => write!(f, "{e}"),
            GenerateError::Internal(e) => write!(f, "internal generator error (please report): {e}"),
        }
    }
}

impl std::error::Error for GenerateError {}

impl From<SpecErrors> for GenerateError {
    fn from(e: SpecErrors) -> Self {
        GenerateError::Spec(e)
    }
}

/// Every `*.toml` file of a directory, sorted by name: `(path, display name)`.
pub fn toml_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, GenerateError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| GenerateError::Io(format!("cannot list {}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| GenerateError::Io(format!("cannot list {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") {
            let path = entry.path();
            let display = crate::display_name(&path);
            out.push((path, display));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// The provider spec files of a workspace (those with a `[provider]` table), sorted:
/// `(absolute path, display name)`. Each is lowered with its endpoint files.
pub fn spec_files(root: &Path) -> Result<Vec<(PathBuf, String)>, GenerateError> {
    Ok(toml_files(&root.join(SPEC_DIR))?
        .into_iter()
        .filter(|(p, _)| std::fs::read_to_string(p).map_or(true, |t| endpoint_provider(&t).is_none()))
        .collect())
}

/// The module a provider file declares (`[provider] module`), if the text is one.
pub fn provider_module(text: &str) -> Option<String> {
    role(text).module
}

/// The provider module an endpoint file belongs to (`[endpoints.<name>] provider`), if the
/// text is one (and has no `[provider]` table of its own).
pub fn endpoint_provider(text: &str) -> Option<String> {
    role(text).endpoint_of
}

/// What a spec file is, from one parse: a provider file declaring `module`, or an endpoint
/// file of the provider module `endpoint_of` (neither when it is neither, or unparsable).
#[derive(Debug, Default)]
struct Role {
    module: Option<String>,
    endpoint_of: Option<String>,
}

fn role(text: &str) -> Role {
    let Ok(t) = text.parse::<toml::Table>() else { return Role::default() };
    let module = t.get("provider").and_then(|p| p.get("module")?.as_str().map(str::to_owned));
    let endpoint_of = if t.contains_key("provider") {
        None
    } else {
        t.get("endpoints")
            .and_then(|e| e.as_table()?.values().find_map(|e| e.get("provider")?.as_str().map(str::to_owned)))
    };
    Role { module, endpoint_of }
}

/// Loads and checks every spec file of the workspace; all errors of all files together.
pub fn load_all(root: &Path) -> Result<Vec<Module>, GenerateError> {
    load_dir(&root.join(SPEC_DIR))
}

/// Loads and checks every spec file of a directory, each provider file with its endpoint
/// files; all errors of all files together.
pub fn load_dir(dir: &Path) -> Result<Vec<Module>, GenerateError> {
    let mut files = Vec::new();
    for (path, name) in toml_files(dir)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| GenerateError::Io(format!("cannot read {}: {e}", path.display())))?;
        files.push((name, text));
    }
    Ok(lower_texts(&files)?)
}

/// Lowers spec texts given as `(display name, text)`, as [`load_all`] lowers files: each
/// provider file with the endpoint files that name its module; all errors of all texts
/// together; module names unique; an endpoint file without its provider is an error.
pub fn lower_texts(files: &[(String, String)]) -> Result<Vec<Module>, SpecErrors> {
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    let (groups, mut orphans) = group(files);
    errors.append(&mut orphans);
    for g in groups {
        match crate::lower_group(&g) {
            Ok(m) => modules.push(m),
            Err(e) => errors.extend(e.0),
        }
    }
    unique_modules(&modules, &mut errors);
    if errors.is_empty() { Ok(modules) } else { Err(SpecErrors(errors)) }
}

/// A provider file and its endpoint files, as `(display name, text)`.
type Group = Vec<(String, String)>;

/// Provider files, each with the endpoint files that name its module (sorted by name), and
/// an error for every endpoint file whose provider is not there.
fn group(files: &[(String, String)]) -> (Vec<Group>, Vec<crate::error::SpecError>) {
    // Each provider file with its module (each file is parsed once here).
    let mut groups: Vec<(Option<String>, Group)> = Vec::new();
    let mut endpoints = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in files {
        let role = role(text);
        match role.endpoint_of {
            Some(p) => endpoints.push((p, name, text)),
            None => {
                // A second provider file of one module: an error where it names the module.
                let module = role.module;
                if let Some(first) =
                    groups.iter().find(|(m, _)| module.is_some() && *m == module).map(|(_, g)| g[0].0.clone())
                {
                    let (line, col) = module_position(text);
                    errors.push(crate::error::SpecError {
                        file: name.clone(),
                        line,
                        col,
                        path: "provider.module".into(),
                        message: format!(
                            "module `{}` is also generated from {first}; module names must be unique",
                            module.unwrap_or_default()
                        ),
                    });
                    continue;
                }
                groups.push((module, vec![(name.clone(), text.clone())]));
            }
        }
    }
    // A module declared twice is not lowered: which of its files is meant is unknown.
    let duplicated: Vec<String> =
        errors.iter().filter_map(|e| e.message.split('`').nth(1).map(str::to_owned)).collect();
    groups.retain(|(m, _)| m.as_ref().is_none_or(|m| !duplicated.contains(m)));
    for (provider, name, text) in endpoints {
        if duplicated.contains(&provider) {
            continue;
        }
        match groups.iter_mut().find(|(m, _)| m.as_deref() == Some(provider.as_str())) {
            Some((_, g)) => g.push((name.clone(), text.clone())),
            None => {
                let known: Vec<String> = groups.iter().filter_map(|(m, _)| m.clone()).collect();
                let line = text.lines().position(|l| l.trim_start().starts_with("provider")).map_or(0, |i| i + 1);
                errors.push(crate::error::SpecError {
                    file: name.clone(),
                    line,
                    col: usize::from(line > 0),
                    path: "endpoints.provider".into(),
                    message: format!(
                        "no provider file declares module `{provider}`; expected one of: {}",
                        known.join(", ")
                    ),
                });
            }
        }
    }
    let mut groups: Vec<Group> = groups.into_iter().map(|(_, g)| g).collect();
    for g in &mut groups {
        g[1..].sort();
    }
    (groups, errors)
}

/// Line and column of the value of `module = ` in a provider file's `[provider]` table.
fn module_position(text: &str) -> (usize, usize) {
    let mut in_provider = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            in_provider = t.starts_with("[provider]");
        } else if in_provider && t.starts_with("module") {
            let col = line.find('"').map_or(1, |c| line[..c].chars().count() + 1);
            return (i + 1, col);
        }
    }
    (0, 0)
}

/// An error for every module whose name an earlier module already has.
fn unique_modules(modules: &[Module], errors: &mut Vec<crate::error::SpecError>) {
    for (i, m) in modules.iter().enumerate() {
        if let Some(other) = modules[..i].iter().find(|o| o.module == m.module) {
            errors.push(crate::error::SpecError {
                file: m.spec_file.clone(),
                line: m.module_at.0,
                col: m.module_at.1,
                path: "provider.module".into(),
                message: format!(
                    "module `{}` is also generated from {}; module names must be unique",
                    m.module, other.spec_file
                ),
            });
        }
    }
}

/// Formats tokens as a Rust file.
pub fn format(tokens: TokenStream, what: &str) -> Result<String, GenerateError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| GenerateError::Internal(format!("{what}: {e}")))?;
    Ok(space_items(&prettyplease::unparse(&file)))
}

/// Puts a blank line between consecutive items, which prettyplease does not. Works on
/// whole lines: an item starts after a line that closes the previous one (`}` or `;`)
/// at the same indentation. String literals never span lines in the output (prettyplease
/// escapes newlines), so no literal is touched.
fn space_items(src: &str) -> String {
    const STARTS: [&str; 12] =
        ["///", "//!", "#[", "pub ", "pub(", "fn ", "impl", "const ", "static ", "mod ", "enum ", "struct "];
    let mut out = String::with_capacity(src.len() + src.len() / 16);
    let mut prev: Option<&str> = None;
    for line in src.lines() {
        if let Some(p) = prev {
            let indent = |l: &str| l.len() - l.trim_start().len();
            let (pt, lt) = (p.trim(), line.trim_start());
            let closes = !pt.starts_with("//") && (pt == "}" || pt.ends_with(';'));
            if closes && indent(p) == indent(line) && STARTS.iter().any(|s| lt.starts_with(s)) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        prev = Some(line);
    }
    out
}

/// The header line carrying a spec's hash; `--check` reads it back.
pub fn hash_line(spec_file: &str, sha: &str) -> String {
    format!("// spec {spec_file} sha256 {sha}")
}

fn header(specs: &[(&str, &str)]) -> String {
    let mut h = String::from(
        "// @generated by happyhorse-codegen. Do not edit: edit the spec and run `cargo xtask codegen`.\n",
    );
    for (file, sha) in specs {
        h.push_str(&hash_line(file, sha));
        h.push('\n');
    }
    h.push('\n');
    h
}

/// Generates every file from the given modules.
pub fn generate(modules: &[Module]) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = Vec::new();
    for m in modules {
        let body = format(crate::emit::module_items(m), &m.spec_file)?;
        files.push(GeneratedFile {
            path: format!("{PROVIDERS_DIR}/{}.rs", m.module),
            contents: format!(
                "{}{body}",
                header(&m.spec_files.iter().map(|(f, h)| (f.as_str(), h.as_str())).collect::<Vec<_>>())
            ),
        });
    }
    let list = crate::emit::providers_items(modules);
    let inner = quote::quote! {
        //! The generated provider modules, one per spec file. Generated by
        //! `cargo xtask codegen`; do not edit.
        #list
    };
    let body = format(inner, "providers/mod.rs")?;
    let specs: Vec<(&str, &str)> =
        modules.iter().flat_map(|m| m.spec_files.iter().map(|(f, h)| (f.as_str(), h.as_str()))).collect();
    files
        .push(GeneratedFile { path: format!("{PROVIDERS_DIR}/mod.rs"), contents: format!("{}{body}", header(&specs)) });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Loads the workspace's specs and generates every file.
pub fn generate_workspace(root: &Path) -> Result<Vec<GeneratedFile>, GenerateError> {
    generate(&load_all(root)?)
}

/// A checked-in file that does not match the generator's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Path relative to the workspace root.
    pub path: String,
    /// Why: missing, not generated any more, spec changed, or generator changed.
    pub reason: String,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Compares generated files with the workspace; empty when everything is fresh.
pub fn check(root: &Path, files: &[GeneratedFile]) -> Vec<Stale> {
    let mut stale = Vec::new();
    for f in files {
        match std::fs::read_to_string(root.join(&f.path)) {
            Err(_) => stale.push(Stale { path: f.path.clone(), reason: "missing".into() }),
            Ok(old) if old == f.contents => {}
            Ok(old) => {
                let new_hashes: Vec<&str> = f.contents.lines().filter(|l| l.starts_with("// spec ")).collect();
                let old_hashes: Vec<&str> = old.lines().filter(|l| l.starts_with("// spec ")).collect();
                let reason = if new_hashes != old_hashes {
                    "stale: the spec changed since it was generated (run `cargo xtask codegen`)".to_owned()
                } else {
                    "stale: the spec is unchanged but the generator's output changed, or the file was edited by hand (run `cargo xtask codegen`)".to_owned()
                };
                stale.push(Stale { path: f.path.clone(), reason });
            }
        }
    }
    for extra in orphans(root, files) {
        stale.push(Stale {
            path: extra,
            reason: "not generated from any spec file any more (run `cargo xtask codegen` to remove it)".into(),
        });
    }
    stale
}

/// `.rs` files in the providers directory that the generator does not produce.
fn orphans(root: &Path, files: &[GeneratedFile]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(PROVIDERS_DIR)) else { return Vec::new() };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| format!("{PROVIDERS_DIR}/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".rs") && !files.iter().any(|f| f.path == *p))
        .collect();
    out.sort();
    out
}

/// Writes the files that differ and removes orphans; returns the paths changed.
pub fn write(root: &Path, files: &[GeneratedFile]) -> std::io::Result<Vec<String>> {
    let mut changed = Vec::new();
    for f in files {
        let path = root.join(&f.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &f.contents)?;
        changed.push(f.path.clone());
    }
    for extra in orphans(root, files) {
        std::fs::remove_file(root.join(&extra))?;
        changed.push(extra);
    }
    Ok(changed)
}
