//! Boundary cases for every request constraint of a spec: for each constraint id, bodies
//! that sit exactly on its limits (and must be accepted) and bodies one step past them
//! (and must be rejected at the constraint's path), for the submit operation the constraint
//! belongs to. The cases are derived from the spec (they test the generator and the
//! simulator, not the spec); the judges that decide them are the generated validator, the
//! JSON Schema run by the `jsonschema` crate, and the simulator (that schema plus its
//! generic rules, over HTTP).

use std::collections::BTreeMap;

use happyhorse_codegen::ir::{CheckKind, Constraint, CounterRef, Field, Module, Ty, TypeDef, Types};
use serde_json::{Map, Value, json};

/// One boundary case.
#[derive(Debug, Clone)]
pub struct BoundaryCase {
    /// The constraint it exercises.
    pub constraint: String,
    /// The submit operation whose body it is (its spec key).
    pub operation: String,
    /// What the case does, for reports.
    pub label: String,
    /// The body.
    pub body: Value,
    /// `None`: must be accepted. `Some(path)`: must be rejected with a violation of this
    /// constraint at this JSON path.
    pub reject_at: Option<String>,
    /// The provider documents that it truncates (rather than rejects) this value.
    pub provider_truncates: bool,
}

/// Union tag choices: JSON object path (`""` for the root, `input`) → (tag key, tag value).
pub type Choices = BTreeMap<String, (String, String)>;

/// A parsed constraint path: the union choices it implies and the JSON path of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Tag choices.
    pub choices: Choices,
    /// JSON path without choices, `input.image_urls`.
    pub json_path: Vec<String>,
}

/// Parses `input[mode=video-edit].image_urls` or `[request_type=callback].callback_url`.
pub fn place(path: &str) -> Place {
    let mut choices = Choices::new();
    let mut json_path: Vec<String> = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        if end > 0 {
            json_path.push(rest[..end].to_owned());
        }
        rest = &rest[end..];
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').unwrap_or(r.len());
            if let Some((k, v)) = r[..close].split_once('=') {
                choices.insert(json_path.join("."), (k.to_owned(), v.to_owned()));
            }
            rest = r.get(close + 1..).unwrap_or("");
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Place { choices, json_path }
}

/// A valid value for a field, satisfying its checks.
pub fn sample(m: &Module, f: &Field, choices: &Choices, path: &str) -> Value {
    let url = f.checks.iter().find_map(|c| match &c.kind {
        CheckKind::Url { schemes, .. } => Some(schemes.first().cloned().unwrap_or_else(|| "https".into())),
        _ => None,
    });
    let public = f.checks.iter().any(|c| c.kind == CheckKind::PublicUrl);
    let url_value = |i: usize| match &url {
        Some(s) if public => format!("{s}://hooks.example.com/hook-{i}"),
        Some(s) => format!("{s}://example.com/asset-{i}.png"),
        None => format!("value-{i}"),
    };
    match &f.ty {
        Ty::String | Ty::Media => {
            if url.is_some() {
                return json!(url_value(0));
            }
            let min = f
                .checks
                .iter()
                .find_map(|c| match &c.kind {
                    CheckKind::Length { min, .. } => *min,
                    _ => None,
                })
                .unwrap_or(1)
                .max(1);
            json!("p".repeat(min as usize))
        }
        Ty::Integer => {
            let (min, max) = range(f);
            json!(min.or(max).unwrap_or(1))
        }
        Ty::Boolean => json!(false),
        Ty::Enum(e) => m.enum_def(e).and_then(|e| e.values.first()).map_or(Value::Null, |v| json!(v.wire)),
        Ty::Array(inner) => {
            let (min, max) = items(f);
            let n = min.unwrap_or(1).max(1).min(max.unwrap_or(i64::MAX)).max(0) as usize;
            let elements: Vec<Value> = (0..n)
                .map(|i| match inner.as_ref() {
                    Ty::String | Ty::Media => json!(url_value(i)),
                    Ty::Integer => json!(1),
                    _ => Value::Null,
                })
                .collect();
            Value::Array(elements)
        }
        Ty::Struct(s) => minimal_struct(m, s, choices, path),
        Ty::Union(u) => {
            let mut obj = Map::new();
            fill_union(m, u, choices, path, &mut obj);
            Value::Object(obj)
        }
        Ty::UnixMillis | Ty::Millis => json!(0),
        Ty::Json(_) => json!("{}"),
    }
}

fn range(f: &Field) -> (Option<i64>, Option<i64>) {
    f.checks
        .iter()
        .find_map(|c| match c.kind {
            CheckKind::Range { min, max } => Some((min, max)),
            _ => None,
        })
        .unwrap_or((None, None))
}

fn items(f: &Field) -> (Option<i64>, Option<i64>) {
    f.checks
        .iter()
        .find_map(|c| match c.kind {
            CheckKind::Items { min, max } => Some((min, max)),
            _ => None,
        })
        .unwrap_or((None, None))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// The required fields of a struct, each with a valid value.
pub fn minimal_struct(m: &Module, name: &str, choices: &Choices, path: &str) -> Value {
    let mut obj = Map::new();
    fill_struct(m, name, choices, path, &mut obj);
    Value::Object(obj)
}

/// `name` may be a union: a request that is itself a union gets its tag and a variant's
/// fields at the top.
fn fill_struct(m: &Module, name: &str, choices: &Choices, path: &str, obj: &mut Map<String, Value>) {
    if m.union_def(name).is_some() {
        return fill_union(m, name, choices, path, obj);
    }
    let Some(s) = m.struct_def(name) else { return };
    for f in &s.fields {
        if f.flatten {
            if let Ty::Union(u) = &f.ty {
                fill_union(m, u, choices, path, obj);
            }
        } else if f.required {
            obj.insert(f.wire.clone(), sample(m, f, choices, &join(path, &f.wire)));
        }
    }
}

/// Writes a union's tag (the chosen variant, else the default, else the first) and the
/// variant's required fields into `obj`.
fn fill_union(m: &Module, name: &str, choices: &Choices, path: &str, obj: &mut Map<String, Value>) {
    let Some(u) = m.union_def(name) else { return };
    let chosen = choices.get(path).filter(|(k, _)| *k == u.tag).map(|(_, v)| v.clone());
    let default = m.types.iter().find_map(|t| match t {
        TypeDef::Struct(s) => s.fields.iter().find_map(|f| match (&f.ty, &f.default) {
            (Ty::Union(n), Some(happyhorse_codegen::ir::DefaultValue::Tag(t))) if n == name => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    });
    let Some(variant) = chosen.or(default).and_then(|t| u.variants.iter().find(|v| v.tag == t)).or(u.variants.first())
    else {
        return;
    };
    obj.insert(u.tag.clone(), json!(variant.tag));
    if let Some(p) = &variant.payload {
        fill_struct(m, p, choices, path, obj);
    }
}

/// The field a JSON path names, given the union choices.
pub fn field_at<'m>(m: &'m Module, root: &str, place: &Place) -> Option<&'m Field> {
    let mut current = root.to_owned();
    let mut obj_path = String::new();
    let mut found = None;
    for (i, seg) in place.json_path.iter().enumerate() {
        if let Some(payload) = variant_payload(m, &current, &place.choices, &obj_path) {
            current = payload;
        }
        let s = m.struct_def(&current)?;
        let mut field = s.fields.iter().find(|f| f.wire == *seg && !f.flatten);
        if field.is_none() {
            // A flattened union's fields live at this level.
            for f in s.fields.iter().filter(|f| f.flatten) {
                if let Ty::Union(u) = &f.ty
                    && let Some(hit) = variant_field(m, u, &place.choices, &obj_path, seg)
                {
                    field = Some(hit);
                }
            }
        }
        let f = field?;
        found = Some(f);
        if i + 1 < place.json_path.len() {
            obj_path = join(&obj_path, seg);
            match &f.ty {
                Ty::Struct(n) => current = n.clone(),
                Ty::Union(u) => {
                    let un = m.union_def(u)?;
                    let tag = place
                        .choices
                        .get(&obj_path)
                        .map(|(_, v)| v.clone())
                        .or_else(|| un.variants.first().map(|v| v.tag.clone()))?;
                    current = un.variants.iter().find(|v| v.tag == tag)?.payload.clone()?;
                }
                _ => return None,
            }
        }
    }
    found
}

/// When `name` is a union (a request that is itself one), the payload of the variant the
/// choices select at `obj_path` (else the first variant's).
fn variant_payload(m: &Module, name: &str, choices: &Choices, obj_path: &str) -> Option<String> {
    let u = m.union_def(name)?;
    let chosen = choices.get(obj_path).filter(|(k, _)| *k == u.tag).map(|(_, v)| v.as_str());
    let variant = chosen.and_then(|t| u.variants.iter().find(|v| v.tag == t)).or(u.variants.first())?;
    variant.payload.clone()
}

fn variant_field<'m>(m: &'m Module, union: &str, choices: &Choices, obj_path: &str, wire: &str) -> Option<&'m Field> {
    let u = m.union_def(union)?;
    let tag = choices.get(obj_path).map(|(_, v)| v.clone())?;
    let payload = u.variants.iter().find(|v| v.tag == tag)?.payload.as_ref()?;
    m.struct_def(payload)?.fields.iter().find(|f| f.wire == wire)
}

/// A field with this wire name in a variant that allows it (for forbidden-field cases).
fn allowed_elsewhere<'m>(m: &'m Module, wire: &str) -> Option<&'m Field> {
    m.types.iter().find_map(|t| match t {
        TypeDef::Struct(s) if s.variant_of.is_some() => s.fields.iter().find(|f| f.wire == wire),
        _ => None,
    })
}

/// Sets (or with `None`, removes) the value at a JSON path.
pub fn set(body: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut cur = body;
    for p in parents {
        let Some(next) = cur.get_mut(p.as_str()) else { return };
        cur = next;
    }
    if let Some(obj) = cur.as_object_mut() {
        match value {
            Some(v) => {
                obj.insert(last.clone(), v);
            }
            None => {
                obj.remove(last);
            }
        }
    }
}

/// A string of exactly `n` units under a counting rule (astral emoji for scalar values, so
/// a UTF-16 miscount would show; ideographs for weighted rules).
fn units(m: &Module, counter: &CounterRef, n: i64) -> String {
    let n = n.max(0) as usize;
    match counter {
        CounterRef::UnicodeScalars => "😀".repeat(n),
        CounterRef::Utf16Units | CounterRef::Bytes => "a".repeat(n),
        CounterRef::Weighted(name) => {
            let heavy = m.counters.iter().find(|c| c.name == *name).and_then(|c| {
                c.ranges
                    .iter()
                    .find(|r| r.2 > c.default_weight)
                    .map(|r| (char::from_u32(r.0).unwrap_or('a'), r.2 as usize))
            });
            match heavy {
                Some((ch, w)) if w > 0 => {
                    let mut s = ch.to_string().repeat(n / w);
                    s.push_str(&"a".repeat(n % w));
                    s
                }
                _ => "a".repeat(n),
            }
        }
    }
}

/// Every boundary case of every constraint of a module, each on the body of the submit
/// operation the constraint belongs to.
pub fn cases(m: &Module) -> Vec<BoundaryCase> {
    let mut out = Vec::new();
    for c in &m.constraints {
        let Some(root) = m.submit_op(&c.operation).and_then(|o| o.request.clone()) else { continue };
        out.extend(for_constraint(m, &root, c));
    }
    out
}

/// The request type of submit operation `operation`.
pub fn request_root(m: &Module, operation: &str) -> Option<String> {
    m.submit_op(operation).and_then(|o| o.request.clone())
}

fn for_constraint(m: &Module, root: &str, c: &Constraint) -> Vec<BoundaryCase> {
    let place = place(&c.path);
    let base = minimal_struct(m, root, &place.choices, "");
    let json_path = place.json_path.clone();
    let dotted = json_path.join(".");
    let field = field_at(m, root, &place);
    let mut cases = Vec::new();
    let mut per_variant = Vec::new();
    let mut push = |label: String, value: Option<Value>, reject_at: Option<String>, truncates: bool| {
        let mut body = base.clone();
        set(&mut body, &json_path, value);
        cases.push(BoundaryCase {
            constraint: c.id.clone(),
            operation: c.operation.clone(),
            label,
            body,
            reject_at,
            provider_truncates: truncates,
        });
    };
    match c.rule.as_str() {
        "required" => {
            push(
                "present".into(),
                field.map(|f| sample(m, f, &place.choices, &dotted)).or_else(|| base_value(&base, &json_path)),
                None,
                false,
            );
            push("absent".into(), None, Some(dotted.clone()), false);
        }
        "forbidden" => {
            push("absent".into(), None, None, false);
            let wire = json_path.last().cloned().unwrap_or_default();
            if let Some(f) = allowed_elsewhere(m, &wire) {
                push("present".into(), Some(sample(m, f, &place.choices, &dotted)), Some(dotted.clone()), false);
            }
        }
        "tag" => {
            if let Some(u) = tag_union(m, root, &place) {
                for v in &u.variants {
                    let mut choices = place.choices.clone();
                    let parent = json_path[..json_path.len().saturating_sub(1)].join(".");
                    choices.insert(parent, (u.tag.clone(), v.tag.clone()));
                    let body = minimal_struct(m, root, &choices, "");
                    per_variant.push(BoundaryCase {
                        constraint: c.id.clone(),
                        operation: c.operation.clone(),
                        label: format!("`{}`", v.tag),
                        body,
                        reject_at: None,
                        provider_truncates: false,
                    });
                }
            }
            push("an undocumented tag".into(), Some(json!("undocumented-variant")), Some(dotted.clone()), false);
        }
        "alias" => {
            // Sent under any one of its documented names it is accepted; under two at once it
            // is rejected at the later name.
            if let Some(f) = field {
                let value = base_value(&base, &json_path).unwrap_or_else(|| sample(m, f, &place.choices, &dotted));
                let parent = &json_path[..json_path.len().saturating_sub(1)];
                for alias in &f.aliases {
                    let alias_path: Vec<String> = parent.iter().cloned().chain([alias.clone()]).collect();
                    let mut alone = base.clone();
                    set(&mut alone, &json_path, None);
                    set(&mut alone, &alias_path, Some(value.clone()));
                    let mut both = base.clone();
                    set(&mut both, &json_path, Some(value.clone()));
                    set(&mut both, &alias_path, Some(value.clone()));
                    for (label, body, reject_at) in [
                        (format!("under its alias `{alias}` alone"), alone, None),
                        (format!("under both `{}` and `{alias}`", f.wire), both, Some(alias_path.join("."))),
                    ] {
                        per_variant.push(BoundaryCase {
                            constraint: c.id.clone(),
                            operation: c.operation.clone(),
                            label,
                            body,
                            reject_at,
                            provider_truncates: false,
                        });
                    }
                }
            }
        }
        "enum" => {
            if let Some(Ty::Enum(e)) = field.map(|f| &f.ty)
                && let Some(en) = m.enum_def(e)
            {
                for v in &en.values {
                    push(format!("`{}`", v.wire), Some(json!(v.wire)), None, false);
                }
                let first = en.values.first().map(|v| v.wire.clone()).unwrap_or_default();
                let swapped: String = first
                    .chars()
                    .map(|ch| if ch.is_lowercase() { ch.to_ascii_uppercase() } else { ch.to_ascii_lowercase() })
                    .collect();
                let wrong = if swapped != first && !en.values.iter().any(|v| v.wire == swapped) {
                    swapped
                } else {
                    "undocumented-value".into()
                };
                push(format!("`{wrong}`"), Some(json!(wrong)), Some(dotted.clone()), false);
            }
        }
        _ => {
            if let Some(f) = field {
                for check in f.checks.iter().filter(|k| k.kind.rule() == c.rule) {
                    check_cases(m, f, &check.kind, &dotted, &place, &mut push);
                }
            }
        }
    }
    cases.extend(per_variant);
    cases
}

fn base_value(base: &Value, path: &[String]) -> Option<Value> {
    let mut cur = base;
    for p in path {
        cur = cur.get(p.as_str())?;
    }
    Some(cur.clone())
}

fn tag_union<'m>(m: &'m Module, root: &str, place: &Place) -> Option<&'m happyhorse_codegen::ir::Union> {
    let tag = place.json_path.last()?;
    let parent =
        Place { choices: place.choices.clone(), json_path: place.json_path[..place.json_path.len() - 1].to_vec() };
    if parent.json_path.is_empty() {
        if let Some(u) = m.union_def(root) {
            return (u.tag == *tag).then_some(u);
        }
        let s = m.struct_def(root)?;
        return s.fields.iter().filter(|f| f.flatten).find_map(|f| match &f.ty {
            Ty::Union(u) => m.union_def(u).filter(|u| u.tag == *tag),
            _ => None,
        });
    }
    match &field_at(m, root, &parent)?.ty {
        Ty::Union(u) => m.union_def(u).filter(|u| u.tag == *tag),
        _ => None,
    }
}

type Push<'a> = dyn FnMut(String, Option<Value>, Option<String>, bool) + 'a;

fn check_cases(m: &Module, f: &Field, kind: &CheckKind, dotted: &str, place: &Place, push: &mut Push<'_>) {
    let element = |value: Value| -> Value {
        match &f.ty {
            Ty::Array(_) => {
                let mut arr = match sample(m, f, &place.choices, dotted) {
                    Value::Array(a) => a,
                    _ => Vec::new(),
                };
                if arr.is_empty() {
                    arr.push(value);
                } else {
                    arr[0] = value;
                }
                Value::Array(arr)
            }
            _ => value,
        }
    };
    let element_path = match &f.ty {
        Ty::Array(_) => format!("{dotted}[0]"),
        _ => dotted.to_owned(),
    };
    let truncates = f.overflow.as_ref().is_some_and(|o| o.server_truncates);
    match kind {
        CheckKind::Range { min, max } => {
            for (b, delta, label) in [(min, -1, "min"), (max, 1, "max")] {
                if let Some(b) = b {
                    push(format!("{label} {b}"), Some(json!(b)), None, false);
                    push(
                        format!("{label} {delta:+} = {}", b + delta),
                        Some(json!(b + delta)),
                        Some(dotted.to_owned()),
                        false,
                    );
                }
            }
        }
        CheckKind::Length { min, max, counter } => {
            // A value of exactly `n` units that meets the field's other rules (a URL field's
            // value is a URL), so the case breaks or meets the length rule alone.
            let is_url = f.checks.iter().any(|c| matches!(c.kind, CheckKind::Url { .. }));
            let text = |n: i64, plain: String| -> Option<Value> {
                if !is_url {
                    return Some(json!(plain));
                }
                f.text_of_length(u64::try_from(n).ok()?, &m.counters).map(|t| json!(t))
            };
            if let Some(at_max) = text(*max, units(m, counter, *max)) {
                push(format!("exactly {max} units"), Some(at_max), None, false);
            }
            if let Some(past) = text(max + 1, units(m, counter, max + 1)) {
                push(format!("{} units", max + 1), Some(past), Some(dotted.to_owned()), truncates);
            }
            if let Some(min) = min.filter(|n| *n >= 1) {
                if let Some(at_min) = text(min, "a".repeat(min as usize)) {
                    push(format!("exactly {min} units"), Some(at_min), None, false);
                }
                if let Some(short) = text(min - 1, "a".repeat((min - 1) as usize)) {
                    push(format!("{} units", min - 1), Some(short), Some(dotted.to_owned()), false);
                }
            }
        }
        CheckKind::Items { min, max } => {
            let list = |n: i64| -> Value {
                let one = match sample(m, f, &place.choices, dotted) {
                    Value::Array(a) => a.first().cloned().unwrap_or(json!("https://example.com/x.png")),
                    _ => json!("https://example.com/x.png"),
                };
                Value::Array(
                    (0..n.max(0))
                        .map(|i| match &one {
                            Value::String(s) => json!(format!("{s}?n={i}")),
                            other => other.clone(),
                        })
                        .collect(),
                )
            };
            if let Some(min) = min {
                push(format!("exactly {min} items"), Some(list(*min)), None, false);
                if *min >= 1 {
                    push(format!("{} items", min - 1), Some(list(min - 1)), Some(dotted.to_owned()), false);
                }
            }
            if let Some(max) = max {
                push(format!("exactly {max} items"), Some(list(*max)), None, false);
                push(format!("{} items", max + 1), Some(list(max + 1)), Some(dotted.to_owned()), false);
            }
        }
        CheckKind::Url { schemes, data } => {
            let public = f.checks.iter().any(|c| c.kind == CheckKind::PublicUrl);
            let host = if public { "hooks.example.com" } else { "example.com" };
            for s in schemes {
                push(format!("{s}://"), Some(element(json!(format!("{s}://{host}/x")))), None, false);
            }
            let bad = if schemes.iter().any(|s| s == "ftp") { "file" } else { "ftp" };
            push(
                format!("{bad}://"),
                Some(element(json!(format!("{bad}://{host}/x")))),
                Some(element_path.clone()),
                false,
            );
            if let Some(first) = schemes.first() {
                push(
                    "an upper-case scheme".into(),
                    Some(element(json!(format!("{}://{host}/x", first.to_uppercase())))),
                    Some(element_path.clone()),
                    false,
                );
            }
            push("no scheme".into(), Some(element(json!(format!("{host}/x")))), Some(element_path.clone()), false);
            for t in data {
                let uri = |ty: &str| json!(happyhorse_client::runtime::MediaSource::data(ty, b"PNG").into_string());
                push(format!("a data:{t}/ URI"), Some(element(uri(&format!("{t}/png")))), None, false);
                let other = if t == "text" { "audio" } else { "text" };
                push(
                    format!("a data:{other}/ URI"),
                    Some(element(uri(&format!("{other}/plain")))),
                    Some(element_path.clone()),
                    false,
                );
            }
        }
        CheckKind::DataUri { types, max_bytes } => {
            let t = types.first().map_or("image", String::as_str);
            let sized = |n: u64| {
                let bytes = vec![0u8; usize::try_from(n).unwrap_or(usize::MAX)];
                json!(happyhorse_client::runtime::MediaSource::data(&format!("{t}/png"), &bytes).into_string())
            };
            push(format!("a data URI of exactly {max_bytes} bytes"), Some(element(sized(*max_bytes))), None, false);
            push(
                format!("a data URI of {} bytes", max_bytes + 1),
                Some(element(sized(max_bytes + 1))),
                Some(element_path.clone()),
                false,
            );
            push(
                "a data URI that is not base64".into(),
                Some(element(json!(format!("data:{t}/png;base64,@@@@")))),
                Some(element_path),
                false,
            );
        }
        CheckKind::PublicUrl => {
            let scheme = f
                .checks
                .iter()
                .find_map(|c| match &c.kind {
                    CheckKind::Url { schemes, .. } => schemes.first().cloned(),
                    _ => None,
                })
                .unwrap_or_else(|| "https".into());
            push("a public host".into(), Some(element(json!(format!("{scheme}://hooks.example.com/x")))), None, false);
            for host in ["127.0.0.1", "localhost", "10.0.0.1", "169.254.169.254", "[::1]", "user:pw@hooks.example.com"]
            {
                push(
                    format!("host {host}"),
                    Some(element(json!(format!("{scheme}://{host}/x")))),
                    Some(element_path.clone()),
                    false,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_parse() {
        let p = place("input[mode=video-edit].image_urls");
        assert_eq!(p.json_path, ["input", "image_urls"]);
        assert_eq!(p.choices.get("input"), Some(&("mode".to_owned(), "video-edit".to_owned())));
        let p = place("[request_type=callback].callback_url");
        assert_eq!(p.json_path, ["callback_url"]);
        assert_eq!(p.choices.get(""), Some(&("request_type".to_owned(), "callback".to_owned())));
        assert_eq!(place("prompt").json_path, ["prompt"]);
    }
}
