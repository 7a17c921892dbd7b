//! Request field checks → JSON Schema keywords, and the checks no keyword can state.

use serde_json::{Map, Value, json};

use crate::ir::{CheckKind, CounterRef, Module, TypeDef, Usage};

const WEIGHTED: &str = "length is counted with a weighted rule; JSON Schema counts code points, so maxLength is only an upper bound (see x-weighted-length)";
const UTF16: &str = "length is counted in UTF-16 code units; JSON Schema counts code points, so maxLength is only an upper bound (see x-weighted-length)";
const BYTES: &str = "length is counted in UTF-8 bytes; JSON Schema counts code points, so maxLength is only an upper bound (see x-weighted-length)";
const DATA_URI: &str =
    "the decoded size and media type of a base64 data URI are not something JSON Schema can state (see x-data-uri)";
const PUBLIC_HOST: &str = "a public host (no credentials, not localhost, no loopback, private, link-local or unspecified IP literal) is not a pattern JSON Schema can state reliably (see x-public-host)";

/// Constraint ids (`Constraint::id` from `m.constraints`) that the JSON Schema cannot
/// express, with the reason (e.g. weighted length counting, a public-host rule), in the
/// order of `m.constraints`.
pub fn not_expressible(m: &crate::ir::Module) -> Vec<(String, &'static str)> {
    let mut found: Vec<(String, &'static str)> = Vec::new();
    for td in &m.types {
        let TypeDef::Struct(s) = td else { continue };
        if s.usage != Usage::Request {
            continue;
        }
        for f in &s.fields {
            for c in &f.checks {
                if let Some(reason) = reason(&c.kind) {
                    found.push((format!("{}:{}", f.id_base, c.kind.rule()), reason));
                }
            }
        }
    }
    m.constraints
        .iter()
        .filter_map(|c| found.iter().find(|(id, _)| *id == c.id).map(|(id, r)| (id.clone(), *r)))
        .collect()
}

fn reason(kind: &CheckKind) -> Option<&'static str> {
    match kind {
        CheckKind::Length { counter: CounterRef::Weighted(_), .. } => Some(WEIGHTED),
        CheckKind::Length { counter: CounterRef::Utf16Units, .. } => Some(UTF16),
        CheckKind::Length { counter: CounterRef::Bytes, .. } => Some(BYTES),
        CheckKind::PublicUrl => Some(PUBLIC_HOST),
        CheckKind::DataUri { .. } => Some(DATA_URI),
        _ => None,
    }
}

/// Adds the keywords of `checks` to a field's schema `s`. String checks (length, URL) go to
/// `items` when the field is an array.
pub(super) fn apply(s: &mut Map<String, Value>, checks: &[crate::ir::Check], m: &Module) {
    let mut inner = Map::new();
    for c in checks {
        match &c.kind {
            CheckKind::Items { min, max } => {
                put(s, "minItems", *min);
                put(s, "maxItems", *max);
            }
            CheckKind::Range { min, max } => {
                put(&mut inner, "minimum", *min);
                put(&mut inner, "maximum", *max);
            }
            CheckKind::Length { min, max, counter } => length(&mut inner, *min, *max, counter, m),
            CheckKind::Url { schemes, data } => {
                if let Some(p) = url_pattern(schemes, data) {
                    inner.insert("pattern".into(), p.into());
                }
            }
            CheckKind::DataUri { types, max_bytes } => {
                inner.insert("x-data-uri".into(), json!({ "types": types, "max_bytes": max_bytes }));
            }
            CheckKind::PublicUrl => {
                inner.insert("x-public-host".into(), true.into());
            }
        }
    }
    if inner.is_empty() {
        return;
    }
    let is_array = s.get("type").and_then(Value::as_str) == Some("array");
    match s.get_mut("items") {
        Some(Value::Object(items)) if is_array => items.extend(inner),
        _ => s.extend(inner),
    }
}

fn put(s: &mut Map<String, Value>, key: &str, value: Option<i64>) {
    if let Some(v) = value {
        s.insert(key.into(), v.into());
    }
}

/// `minLength`/`maxLength` in code points. Under another counter they are the bounds the
/// counted length implies (every code point weighs between `lo` and `hi` units), and the
/// exact rule is annotated as `x-weighted-length`.
fn length(s: &mut Map<String, Value>, min: Option<i64>, max: i64, counter: &CounterRef, m: &Module) {
    let (rule, weights) = match counter {
        CounterRef::UnicodeScalars => {
            put(s, "minLength", min);
            s.insert("maxLength".into(), max.into());
            return;
        }
        CounterRef::Utf16Units => ("utf16_units".to_owned(), Some((1, 2))),
        CounterRef::Bytes => ("bytes".to_owned(), Some((1, 4))),
        CounterRef::Weighted(name) => {
            let weights = m.counters.iter().find(|c| &c.name == name).map(|c| {
                let all = || std::iter::once(c.default_weight).chain(c.ranges.iter().map(|r| r.2));
                (all().min().unwrap_or(1), all().max().unwrap_or(1))
            });
            (name.clone(), weights)
        }
    };
    if let Some((lo, hi)) = weights {
        let (lo, hi) = (i64::from(lo), i64::from(hi));
        if lo >= 1 {
            s.insert("maxLength".into(), (max / lo).into());
        }
        if let Some(min) = min
            && hi >= 1
            && min > 0
        {
            s.insert("minLength".into(), ((min + hi - 1) / hi).into());
        }
    }
    let mut note = json!({ "rule": rule, "max": max });
    if let (Some(min), Some(obj)) = (min, note.as_object_mut()) {
        obj.insert("min".into(), min.into());
    }
    s.insert("x-weighted-length".into(), note);
}

/// `^https?://` for http and https, `^https://` for one scheme, `^(a|b)://` otherwise.
fn url_pattern(schemes: &[String], data: &[String]) -> Option<String> {
    let escape = |s: &str| -> String {
        s.chars()
            .flat_map(|c| {
                let special = !(c.is_ascii_alphanumeric() || c == '-');
                special.then_some('\\').into_iter().chain(std::iter::once(c))
            })
            .collect()
    };
    let mut sorted: Vec<&str> = schemes.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut alternatives: Vec<String> = match sorted.as_slice() {
        ["http", "https"] => vec!["https?://".into()],
        _ => sorted.iter().map(|s| format!("{}://", escape(s))).collect(),
    };
    alternatives.extend(data.iter().map(|t| format!("data:{}/", escape(t))));
    match alternatives.as_slice() {
        [] => None,
        [one] => Some(format!("^{one}")),
        _ if data.is_empty() && sorted.len() > 1 => {
            Some(format!("^({})://", sorted.iter().map(|s| escape(s)).collect::<Vec<_>>().join("|")))
        }
        all => Some(format!("^({})", all.join("|"))),
    }
}
