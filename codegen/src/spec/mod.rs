//! Reading spec files: TOML text → [`model::SpecFile`], with positioned errors.

pub mod model;

use crate::error::{SourceText, SpecError};

/// The marker serde's `Spanned` adds to key paths; not a key a user wrote.
const SPANNED_MARKER: &str = ".$__serde_spanned_private_value";

/// A parsed spec file together with its text (for positions in later errors).
#[derive(Debug)]
pub struct Loaded {
    /// The file's text and display name.
    pub source: SourceText,
    /// The parsed tables.
    pub spec: model::SpecFile,
}

/// Parses spec text. `name` is used in error messages (`name:line:col`).
pub fn parse(name: &str, text: &str) -> Result<Loaded, SpecError> {
    parse_source(SourceText::new(name, text))
}

/// Parses a provider file and its endpoint files as one spec, each position in messages
/// naming the file that holds it. Endpoint files hold tables only (no top-level keys), so
/// that appended to the provider file they stay tables of their own.
pub fn parse_joined(files: &[(String, String)]) -> Result<Loaded, SpecError> {
    for (name, text) in files.iter().skip(1) {
        if let Some((line, key)) = first_top_level_key(text) {
            return Err(SpecError {
                file: name.clone(),
                line,
                col: 1,
                path: key.clone(),
                message: format!(
                    "top-level key `{key}` in an endpoint file; an endpoint file holds tables only (start it with [endpoints.<name>]), top-level keys belong to the provider file"
                ),
            });
        }
    }
    parse_source(SourceText::joined(files))
}

/// The first `key = value` line before any table header, with its line number.
fn first_top_level_key(text: &str) -> Option<(usize, String)> {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            return None;
        }
        return Some((i + 1, t.split('=').next().unwrap_or(t).trim().to_owned()));
    }
    None
}

/// For a table header defined twice (`[types.Resolution]` in a provider file and again in an
/// endpoint file): where it was first defined.
fn first_definition(source: &SourceText, at: usize) -> Option<String> {
    let text = &source.text;
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?.trim();
    if !(line.starts_with('[') && line.ends_with(']')) || line.starts_with("[[") {
        return None;
    }
    let mut offset = 0;
    for l in text[..line_start].split_inclusive('\n') {
        if l.trim() == line {
            let (row, col) = source.line_col(offset);
            return Some(format!("`{line}` is already defined at {}:{row}:{col}", source.file_of(offset)));
        }
        offset += l.len();
    }
    None
}

fn parse_source(source: SourceText) -> Result<Loaded, SpecError> {
    let text = source.text.clone();
    let text = text.as_str();
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let mut message = format!("invalid TOML: {}", e.message().trim());
        if let Some(first) = e.span().and_then(|span| first_definition(&source, span.start)) {
            message.push_str(&format!(": {first}"));
        }
        source.error(e.span(), "", message)
    })?;
    let spec = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string().replace(SPANNED_MARKER, "");
        let path = if path == "." { String::new() } else { path };
        let inner = e.into_inner();
        source.error(inner.span(), path, describe(inner.message()))
    })?;
    Ok(Loaded { source, spec })
}

/// Reads and parses a spec file from disk. `display` is the name for messages.
pub fn load(path: &std::path::Path, display: &str) -> Result<Loaded, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError {
        file: display.to_owned(),
        line: 0,
        col: 0,
        path: String::new(),
        message: format!("cannot read the spec file: {e}"),
    })?;
    parse(display, &text)
}

/// Rewords serde's messages where they would mislead a spec author.
fn describe(message: &str) -> String {
    let m = message.trim();
    if let Some(rest) = m.strip_prefix("unknown field ") {
        return format!("unknown key {rest}");
    }
    if let Some(rest) = m.strip_prefix("missing field ") {
        return format!("missing key {rest}");
    }
    m.to_owned()
}
