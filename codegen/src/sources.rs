//! Checks that every fact's `source.quote` still appears in the saved copy of its doc, so
//! that replacing a doc copy with a newer version shows which facts to re-check. The
//! comparison collapses whitespace (the copies are text extracted from HTML, where table
//! cells and line breaks are not stable).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::SpecError;

/// A quote that its doc copy does not contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unquoted {
    /// The spec file, `spec/apixo-happyhorse.toml`.
    pub spec: String,
    /// Key path of the source table, `types.Input.fields[0].source`.
    pub path: String,
    /// The doc key and its copy's path relative to the spec directory.
    pub doc: String,
    /// The quote.
    pub quote: String,
}

impl std::fmt::Display for Unquoted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: the quote {:?} is not in {}", self.spec, self.path, self.quote, self.doc)
    }
}

/// Whitespace runs collapsed to one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every `source` table of the spec whose quote is missing from its doc copy.
pub fn unquoted(spec_path: &Path, display: &str) -> Result<Vec<Unquoted>, SpecError> {
    let err = |message: String| SpecError { file: display.to_owned(), line: 0, col: 0, path: String::new(), message };
    let text = std::fs::read_to_string(spec_path).map_err(|e| err(format!("cannot read the spec file: {e}")))?;
    let value: toml::Table = text.parse().map_err(|e| err(format!("invalid TOML: {e}")))?;
    let dir = spec_path.parent().unwrap_or(Path::new("."));
    let mut copies: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut main = String::new();
    for (key, d) in value.get("docs").and_then(toml::Value::as_table).into_iter().flatten() {
        let copy = d.get("copy").and_then(toml::Value::as_str).unwrap_or_default();
        let body =
            std::fs::read_to_string(dir.join(copy)).map_err(|e| err(format!("docs.{key}: cannot read {copy}: {e}")))?;
        if d.get("origin").and_then(toml::Value::as_str) == Some("main") {
            main = key.clone();
        }
        copies.insert(key.clone(), (copy.to_owned(), squash(&body)));
    }
    let mut out = Vec::new();
    walk(&toml::Value::Table(value), String::new(), &mut |path, table| {
        let Some(quote) = table.get("quote").and_then(toml::Value::as_str) else { return };
        let doc = table.get("doc").and_then(toml::Value::as_str).unwrap_or(&main);
        let found = copies.get(doc).is_some_and(|(_, body)| body.contains(&squash(quote)));
        if !found {
            let copy = copies.get(doc).map_or("an unknown doc", |(c, _)| c.as_str());
            out.push(Unquoted {
                spec: display.to_owned(),
                path: path.to_owned(),
                doc: format!("`{doc}` ({copy})"),
                quote: quote.to_owned(),
            });
        }
    });
    Ok(out)
}

/// Calls `f` on every table with its key path.
fn walk(v: &toml::Value, path: String, f: &mut impl FnMut(&str, &toml::Table)) {
    match v {
        toml::Value::Table(t) => {
            f(&path, t);
            for (k, child) in t {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(child, p, f);
            }
        }
        toml::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}
