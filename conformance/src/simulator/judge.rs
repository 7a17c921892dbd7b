//! How the simulator judges a submit body: the exported JSON Schema of the operation, run by
//! the `jsonschema` crate (its errors turned into one problem per JSON path), plus generic
//! code for the rule kinds JSON Schema cannot state, read from the spec's checks:
//!
//! - length under a counting rule other than Unicode scalar values (a weighted count such as
//!   a CJK ideograph counting 2, UTF-16 units, bytes);
//! - a public host (no credentials, not localhost, no loopback, private, link-local or
//!   unspecified IP literal);
//! - server truncation: a value over its length limit where the spec says the provider
//!   truncates is cut to the longest prefix within the limit and accepted, never rejected.
//!
//! It never calls the generated client's validator: the simulator is a judge independent of
//! the generator's validation code. (It is not independent of the JSON Schema export: for
//! the rules a schema states, its verdict is the schema's.)

use happyhorse_codegen::ir::{CheckKind, CounterRef, Field, Module, Ty, Types};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::validate::{public_host_problem, show, type_name};

/// One thing wrong with a request, at a JSON path (`input.image_urls[0]`; empty: the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: String,
    pub detail: String,
    /// Only said when nothing more precise was said at or below this path.
    weak: bool,
    /// Said only when nothing else was said at exactly this path (an unexpected property
    /// next to a more precise reason).
    fallback: bool,
    /// An unexpected property: the message lists the parameters its object takes.
    unknown_key: bool,
}

impl Problem {
    pub fn new(path: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem { path: path.into(), detail: detail.into(), weak: false, fallback: false, unknown_key: false }
    }

    /// `parameter '<path>' <detail>`, or `request body <detail>`.
    pub fn text(&self) -> String {
        if self.path.is_empty() {
            format!("request body {}", self.detail)
        } else {
            format!("parameter '{}' {}", self.path, self.detail)
        }
    }
}

/// Judges a submit body of the request type `root`: the body to store (with truncated
/// values cut), or every problem found.
pub(crate) fn judge(m: &Module, root: Option<&str>, schema: &Validator, bytes: &[u8]) -> Result<Value, Vec<Problem>> {
    let mut body: Value =
        serde_json::from_slice(bytes).map_err(|e| vec![Problem::new("", format!("is not valid JSON ({e})"))])?;
    if let Some(root) = root {
        truncate(m, root, &mut body);
    }
    let mut problems = schema_problems(schema, &body);
    if let Some(root) = root {
        let mut generic = Vec::new();
        // field_problems only reads the values: the body (maybe megabytes of data URI) is
        // walked in place, not copied.
        walk(m, root, &mut body, "", &mut |f, v, path| generic.extend(field_problems(m, f, v, path)));
        let new: Vec<Problem> = generic.into_iter().filter(|g| !problems.iter().any(|p| p.path == g.path)).collect();
        problems.extend(new);
    }
    let mut problems = settle(problems);
    if let Some(root) = root {
        for p in problems.iter_mut().filter(|p| p.unknown_key) {
            if let Some(allowed) = allowed_at(m, root, &body, parent(&p.path)) {
                p.detail = format!("{} (allowed: {})", p.detail, allowed.join(", "));
            }
        }
    }
    if problems.is_empty() { Ok(body) } else { Err(problems) }
}

/// The path of the object or array holding `path`'s last step.
fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// The wire keys the object at `path` of `body` takes, by its spec type (a union's tag and
/// the selected variant's fields, or every variant's when the tag is unknown).
fn allowed_at(m: &Module, root: &str, body: &Value, path: &str) -> Option<Vec<String>> {
    let mut ty = if m.union_def(root).is_some() { Ty::Union(root.to_owned()) } else { Ty::Struct(root.to_owned()) };
    let mut value = body;
    for step in steps(path) {
        match step {
            Step::Key(k) => {
                let field = fields_of(m, &ty, value).into_iter().find(|f| f.wire == k)?;
                ty = field.ty.clone();
                value = value.get(k.as_str())?;
            }
            Step::Index(i) => {
                let Ty::Array(inner) = ty else { return None };
                ty = *inner;
                value = value.get(i)?;
            }
        }
    }
    // The tags first: of the union itself, or of the unions flattened into the struct.
    let unions: Vec<&str> = match &ty {
        Ty::Union(u) => vec![u.as_str()],
        Ty::Struct(n) => m.struct_def(n).map_or_else(Vec::new, |s| {
            s.fields
                .iter()
                .filter_map(|f| match (&f.ty, f.flatten) {
                    (Ty::Union(u), true) => Some(u.as_str()),
                    _ => None,
                })
                .collect()
        }),
        _ => Vec::new(),
    };
    let mut keys: Vec<String> = unions.iter().filter_map(|u| m.union_def(u)).map(|u| u.tag.clone()).collect();
    for f in fields_of(m, &ty, value) {
        if !keys.contains(&f.wire) {
            keys.push(f.wire.clone());
        }
    }
    (!keys.is_empty()).then_some(keys)
}

enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key.to_owned()));
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

/// The fields an object of type `ty` (a struct, with its flattened unions, or a union) takes,
/// given its value's tags; a union whose tag is unknown gives every variant's fields.
fn fields_of<'m>(m: &'m Module, ty: &Ty, value: &Value) -> Vec<&'m Field> {
    let union_fields = |u: &str| -> Vec<&'m Field> {
        let Some(un) = m.union_def(u) else { return Vec::new() };
        let tag = value.get(un.tag.as_str()).and_then(Value::as_str);
        let variants: Vec<&happyhorse_codegen::ir::Variant> =
            match un.variants.iter().find(|v| Some(v.tag.as_str()) == tag) {
                Some(v) => vec![v],
                None => un.variants.iter().collect(),
            };
        let mut out: Vec<&'m Field> = Vec::new();
        for v in variants {
            for f in v.payload.as_deref().and_then(|p| m.struct_def(p)).map_or(&[][..], |s| &s.fields) {
                if !out.iter().any(|o| o.wire == f.wire) {
                    out.push(f);
                }
            }
        }
        out
    };
    match ty {
        Ty::Struct(n) => {
            let Some(s) = m.struct_def(n) else { return Vec::new() };
            let mut out = Vec::new();
            for f in &s.fields {
                match (&f.ty, f.flatten) {
                    (Ty::Union(u), true) => out.extend(union_fields(u)),
                    _ => out.push(f),
                }
            }
            out
        }
        Ty::Union(u) => union_fields(u),
        _ => Vec::new(),
    }
}

/// Drops weak problems when a more precise one was said at or below their path, fallback
/// problems when another was said at their path, and repeats.
fn settle(problems: Vec<Problem>) -> Vec<Problem> {
    let strong: Vec<&Problem> = problems.iter().filter(|p| !p.weak).collect();
    let under = |p: &Problem, q: &Problem| {
        p.path.is_empty()
            || q.path == p.path
            || q.path.strip_prefix(p.path.as_str()).is_some_and(|r| r.starts_with('.') || r.starts_with('['))
    };
    let mut out: Vec<Problem> = Vec::new();
    for p in &problems {
        let covered = if p.weak {
            strong.iter().any(|q| under(p, q))
        } else if p.fallback {
            problems.iter().any(|q| !q.fallback && !q.weak && q.path == p.path)
        } else {
            false
        };
        if !covered && !out.iter().any(|o| o.path == p.path && o.detail == p.detail) {
            out.push(p.clone());
        }
    }
    out
}

// ---- the JSON Schema ------------------------------------------------------------------

/// The schema's errors, one problem each, at the instance's JSON path.
pub(crate) fn schema_problems(schema: &Validator, body: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    for error in schema.iter_errors(body) {
        collect(&error, &mut out);
    }
    out
}

/// `input.image_urls[0]` from the error's instance location.
fn path_of(error: &ValidationError<'_>) -> String {
    let mut path = String::new();
    for segment in error.instance_path().iter() {
        match segment {
            LocationSegment::Property(p) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&p);
            }
            LocationSegment::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Turns one schema error into problems. A `oneOf`/`anyOf` failure (a tagged union) is
/// judged by the one branch whose tag matches, so the problem names the field, not the
/// union; when no single branch matches, it is a weak problem at the union's path (the
/// union's own `enum` of tags says what is wrong with the tag).
fn collect(error: &ValidationError<'_>, out: &mut Vec<Problem>) {
    let path = path_of(error);
    let instance = error.instance();
    let detail = match error.kind() {
        // A field's documented names (`video`, `video_url`): one of them is required.
        ValidationErrorKind::AnyOf { context } if alias_choice(context) => {
            context.first().into_iter().flatten().for_each(|e| collect(e, out));
            return;
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            let matching: Vec<&Vec<ValidationError<'static>>> =
                context.iter().filter(|branch| !branch.iter().any(|e| tag_mismatch(e, &path))).collect();
            if let [branch] = matching.as_slice() {
                branch.iter().for_each(|e| collect(e, out));
                return;
            }
            // No single variant is selected (no tag, or an unknown one): what every variant
            // says (an unknown key), besides the tag itself.
            let pool: Vec<&Vec<ValidationError<'static>>> =
                if matching.is_empty() { context.iter().collect() } else { matching };
            let per_branch: Vec<Vec<Problem>> = pool
                .iter()
                .map(|branch| {
                    let mut said = Vec::new();
                    branch.iter().filter(|e| !tag_mismatch(e, &path)).for_each(|e| collect(e, &mut said));
                    said
                })
                .collect();
            if let Some((first, rest)) = per_branch.split_first() {
                out.extend(first.iter().filter(|p| rest.iter().all(|b| b.contains(p))).cloned());
            }
            out.push(Problem { weak: true, ..Problem::new(path, "matches none of the documented variants") });
            return;
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_owned);
            out.push(Problem::new(join(&path, &name), "is required"));
            return;
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for key in unexpected {
                out.push(Problem {
                    fallback: true,
                    unknown_key: true,
                    ..Problem::new(join(&path, key), "is not a documented parameter here")
                });
            }
            return;
        }
        // Two documented names of one field sent together: at the later name, as a client
        // reading the body sees it.
        ValidationErrorKind::Not { schema } => {
            let names: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let [first, .., last] = names.as_slice() {
                let detail = format!(
                    "must not be sent together with '{}': they are documented names of one field (send one)",
                    join(&path, first)
                );
                out.push(Problem::new(join(&path, last), detail));
                return;
            }
            "is not allowed here".to_owned()
        }
        ValidationErrorKind::FalseSchema => "is not allowed here".to_owned(),
        ValidationErrorKind::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .map(|o| o.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect())
                .unwrap_or_default();
            format!("must be one of {} (got {})", list.join(", "), show(instance))
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("must be {} (got {})", show(expected_value), show(instance))
        }
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit} (got {})", show(instance)),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit} (got {})", show(instance)),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("must be more than {limit} (got {})", show(instance))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("must be less than {limit} (got {})", show(instance))
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("must be at least {} long (got {})", plural(*limit, "character"), chars(instance))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("must be at most {} long (got {})", plural(*limit, "character"), chars(instance))
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("must have at least {} (got {})", plural(*limit, "item"), items(instance))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("must have at most {} (got {})", plural(*limit, "item"), items(instance))
        }
        ValidationErrorKind::Pattern { pattern } => format!("must match {pattern} (got {})", show(instance)),
        ValidationErrorKind::Type { kind: TypeKind::Single(t) } => {
            format!("must be of type {t} (got {}: {})", type_name(instance), show(instance))
        }
        _ => {
            let text = error.to_string();
            let mut cut: String = text.chars().take(200).collect();
            if cut.len() < text.len() {
                cut.push_str("...");
            }
            cut
        }
    };
    out.push(Problem::new(path, detail));
}

/// Whether an `anyOf` failure is the alias rule (every branch only says one name is
/// required): the first branch names the field's own name.
fn alias_choice(context: &[Vec<ValidationError<'static>>]) -> bool {
    context.len() > 1
        && context.iter().all(|branch| {
            !branch.is_empty() && branch.iter().all(|e| matches!(e.kind(), ValidationErrorKind::Required { .. }))
        })
}

/// A `const` failing on a direct child of `union_path`: the branch's tag does not match.
fn tag_mismatch(error: &ValidationError<'_>, union_path: &str) -> bool {
    if !matches!(error.kind(), ValidationErrorKind::Constant { .. }) {
        return false;
    }
    let p = path_of(error);
    let rest = if union_path.is_empty() {
        Some(p.as_str())
    } else {
        p.strip_prefix(union_path).and_then(|r| r.strip_prefix('.'))
    };
    rest.is_some_and(|r| !r.is_empty() && !r.contains(['.', '[']))
}

/// `1 item`, `9 items`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn items(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

// ---- walking a body along its spec types ----------------------------------------------

/// Calls `visit` with every field present in `obj` (an instance of struct `ty`), at its JSON
/// path, following union tags and array elements into nested types.
/// `ty` may be a union (a request that is itself a union); a field sent under one of its
/// documented aliases is visited at that name.
pub(crate) fn walk(m: &Module, ty: &str, obj: &mut Value, path: &str, visit: &mut dyn FnMut(&Field, &mut Value, &str)) {
    if m.union_def(ty).is_some() {
        return walk_union(m, ty, obj, path, visit);
    }
    let Some(s) = m.struct_def(ty) else { return };
    for field in &s.fields {
        if field.flatten {
            if let Ty::Union(u) = &field.ty {
                walk_union(m, u, obj, path, visit);
            }
            continue;
        }
        let Some(name) = std::iter::once(&field.wire).chain(&field.aliases).find(|n| obj.get(n.as_str()).is_some())
        else {
            continue;
        };
        let Some(value) = obj.get_mut(name.as_str()) else { continue };
        let at = join(path, name);
        visit(field, value, &at);
        descend(m, &field.ty, value, &at, visit);
    }
}

fn descend(m: &Module, ty: &Ty, value: &mut Value, path: &str, visit: &mut dyn FnMut(&Field, &mut Value, &str)) {
    match ty {
        Ty::Struct(n) => walk(m, n, value, path, visit),
        Ty::Union(u) => walk_union(m, u, value, path, visit),
        Ty::Array(inner) => {
            if let Some(items) = value.as_array_mut() {
                for (i, item) in items.iter_mut().enumerate() {
                    descend(m, inner, item, &format!("{path}[{i}]"), visit);
                }
            }
        }
        _ => {}
    }
}

fn walk_union(m: &Module, union: &str, obj: &mut Value, path: &str, visit: &mut dyn FnMut(&Field, &mut Value, &str)) {
    let Some(u) = m.union_def(union) else { return };
    let tag = obj.get(u.tag.as_str()).and_then(Value::as_str).map(str::to_owned);
    let Some(variant) = u.variants.iter().find(|v| tag.as_deref() == Some(v.tag.as_str())) else { return };
    if let Some(payload) = &variant.payload {
        walk(m, payload, obj, path, visit);
    }
}

/// The strings of a field's value (itself, or each element of an array), with their paths.
fn strings<'v>(value: &'v mut Value, path: &str) -> Vec<(String, &'v mut String)> {
    match value {
        Value::String(s) => vec![(path.to_owned(), s)],
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Value::String(s) => Some((format!("{path}[{i}]"), s)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

// ---- the rules JSON Schema cannot state -------------------------------------------------

/// The weight of `c` under a counting rule.
fn weight(m: &Module, counter: &CounterRef, c: char) -> i64 {
    match counter {
        CounterRef::UnicodeScalars => 1,
        CounterRef::Utf16Units => c.len_utf16() as i64,
        CounterRef::Bytes => c.len_utf8() as i64,
        CounterRef::Weighted(name) => m.counters.iter().find(|k| k.name == *name).map_or(1, |k| {
            let code = u32::from(c);
            i64::from(k.ranges.iter().find(|r| r.0 <= code && code <= r.1).map_or(k.default_weight, |r| r.2))
        }),
    }
}

/// The length of `s` under a counting rule.
pub(crate) fn count(m: &Module, counter: &CounterRef, s: &str) -> i64 {
    s.chars().map(|c| weight(m, counter, c)).sum()
}

/// The longest prefix of `s` within `max` units.
pub(crate) fn prefix_within(m: &Module, counter: &CounterRef, s: &str, max: i64) -> String {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += weight(m, counter, c);
        if used > max {
            return s[..i].to_owned();
        }
    }
    s.to_owned()
}

/// Cuts every value over a length limit the provider documents truncating.
fn truncate(m: &Module, root: &str, body: &mut Value) {
    walk(m, root, body, "", &mut |f, value, path| {
        if !f.overflow.as_ref().is_some_and(|o| o.server_truncates) {
            return;
        }
        for check in &f.checks {
            if let CheckKind::Length { max, counter, .. } = &check.kind {
                for (_, s) in strings(value, path) {
                    if count(m, counter, s) > *max {
                        *s = prefix_within(m, counter, s, *max);
                    }
                }
            }
        }
    });
}

/// The problems of one field under the checks the JSON Schema cannot state.
fn field_problems(m: &Module, f: &Field, value: &mut Value, path: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    for check in &f.checks {
        match &check.kind {
            CheckKind::Length { min, max, counter } if *counter != CounterRef::UnicodeScalars => {
                for (at, s) in strings(value, path) {
                    let n = count(m, counter, s);
                    if n > *max || min.is_some_and(|min| n < min) {
                        out.push(Problem::new(at, format!("length must be {} (got {n})", check.kind.limit_text())));
                    }
                }
            }
            CheckKind::DataUri { types, max_bytes } => {
                for (at, s) in strings(value, path) {
                    if let Some(why) = data_uri_problem(s, types, *max_bytes) {
                        out.push(Problem::new(at, why));
                    }
                }
            }
            CheckKind::PublicUrl => {
                for (at, s) in strings(value, path) {
                    if let Some(why) = public_host_problem(s) {
                        out.push(Problem::new(
                            at,
                            format!("must be a URL on a public host: {why} (got {})", show(&Value::String(s.clone()))),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// What is wrong with a data URI (`data:<type>/<subtype>[;param];base64,<payload>`): a media
/// type outside `types`, a payload that is not base64, or more than `max_bytes` decoded
/// bytes. Written here, apart from the client's check, and decodes the payload.
fn data_uri_problem(s: &str, types: &[String], max_bytes: u64) -> Option<String> {
    let rest = s.strip_prefix("data:")?;
    let Some((meta, payload)) = rest.split_once(',') else {
        return Some("must be a data URI with a payload after `,`".into());
    };
    let mut parts = meta.split(';');
    let mime = parts.next().unwrap_or_default().to_ascii_lowercase();
    let top = mime.split('/').next().unwrap_or_default();
    if !mime.contains('/') || !types.iter().any(|t| t == top) {
        return Some(format!("must be a data URI of type {} (got `{mime}`)", types.join(" or ")));
    }
    if !parts.any(|p| p.eq_ignore_ascii_case("base64")) {
        return Some("must be a base64 data URI (`;base64,`)".into());
    }
    match decoded_len(payload) {
        Err(e) => Some(format!("must be valid base64: {e}")),
        Ok(n) if n as u64 > max_bytes => Some(format!("must be at most {max_bytes} bytes once decoded (got {n})")),
        Ok(_) => None,
    }
}

/// Base64 characters decoded at a time by [`decoded_len`] (a multiple of 4).
const BASE64_BLOCK: usize = 64 * 1024;

/// How many bytes a base64 payload decodes to, decoded a block at a time into one small
/// buffer (a data URI may be megabytes). Every block but the last is whole quanta without
/// padding, so the blocks decode exactly when the payload does; a payload that does not
/// decode is decoded whole for the error (the byte and its offset in the payload).
fn decoded_len(payload: &str) -> Result<usize, base64::DecodeError> {
    use base64::Engine as _;
    let engine = &base64::engine::general_purpose::STANDARD;
    let whole = || engine.decode(payload).map(|bytes| bytes.len());
    let mut buffer = vec![0u8; BASE64_BLOCK / 4 * 3];
    let blocks = payload.as_bytes().chunks(BASE64_BLOCK);
    let last = blocks.len().saturating_sub(1);
    let mut total = 0;
    for (i, block) in blocks.enumerate() {
        if i < last && block.contains(&b'=') {
            return whole();
        }
        match engine.decode_slice(block, &mut buffer) {
            Ok(n) => total += n,
            Err(_) => return whole(),
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_payloads_are_decoded_a_block_at_a_time_with_the_whole_payloads_verdict() {
        use base64::Engine as _;
        let engine = &base64::engine::general_purpose::STANDARD;
        let long = engine.encode(vec![7u8; BASE64_BLOCK * 2 + 5]);
        let exact = engine.encode(vec![7u8; BASE64_BLOCK / 4 * 3 * 2]);
        let mut padded_inside = engine.encode([1u8]);
        padded_inside.push_str(&"A".repeat(BASE64_BLOCK * 2));
        let mut bad_byte = long.clone();
        bad_byte.replace_range(BASE64_BLOCK + 10..BASE64_BLOCK + 11, "@");
        let mut bad_tail = long.clone();
        bad_tail.push('A');
        for payload in [&long, &exact, &padded_inside, &bad_byte, &bad_tail, &String::new()] {
            let whole = engine.decode(payload).map(|b| b.len());
            assert_eq!(decoded_len(payload), whole, "{} characters", payload.len());
        }
        assert_eq!(decoded_len(&long), Ok(BASE64_BLOCK * 2 + 5));
        assert!(decoded_len(&padded_inside).is_err());
    }

    #[test]
    fn data_uris_are_decoded_and_measured() {
        let image = ["image".to_owned()];
        assert_eq!(data_uri_problem("https://example.com/a.png", &image, 3), None);
        assert_eq!(data_uri_problem("data:image/png;base64,AAAA", &image, 3), None);
        assert!(data_uri_problem("data:image/png;base64,AAAAAA==", &image, 3).unwrap().contains("got 4"));
        assert!(data_uri_problem("data:text/plain;base64,AAAA", &image, 3).unwrap().contains("text/plain"));
        assert!(data_uri_problem("data:image/png,AAAA", &image, 3).unwrap().contains("base64"));
        assert!(data_uri_problem("data:image/png;base64,@@", &image, 3).unwrap().contains("valid base64"));
    }

    #[test]
    fn weak_and_fallback_problems_give_way() {
        let weak = Problem { weak: true, ..Problem::new("input", "matches none") };
        let fallback = Problem { fallback: true, ..Problem::new("callback_url", "is not documented") };
        let settled = settle(vec![
            weak.clone(),
            Problem::new("input.mode", "must be one of"),
            fallback.clone(),
            Problem::new("callback_url", "is not allowed here"),
        ]);
        assert_eq!(settled.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["input.mode", "callback_url"]);
        assert_eq!(settle(vec![weak.clone()]), vec![weak]);
        assert_eq!(settle(vec![fallback.clone()]), vec![fallback]);
        // `input` does not cover `inputs`.
        let w = Problem { weak: true, ..Problem::new("input", "x") };
        assert_eq!(settle(vec![w.clone(), Problem::new("inputs", "y")]).len(), 2);
    }
}
