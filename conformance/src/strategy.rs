//! proptest strategies for request bodies that satisfy every rule of a spec, biased towards
//! the limits: integers at and inside their ranges, strings of every counting rule's
//! awkward characters (astral emoji, CJK ideographs, CJK punctuation) up to the limit,
//! arrays at their item counts, URLs of every allowed scheme.

use happyhorse_codegen::ir::{CheckKind, CounterRef, Field, Module, Ty, TypeDef, Types};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::boundary::Choices;

/// A valid body of submit operation `operation`; union tags follow `choices` where given.
pub fn valid_body(m: &Module, operation: &str, choices: &Choices) -> BoxedStrategy<Value> {
    match m.submit_op(operation).and_then(|o| o.request.as_deref()) {
        Some(root) => object(m, root, choices, ""),
        None => Just(json!({})).boxed(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Fields of a struct (and of flattened unions) as one object.
fn object(m: &Module, name: &str, choices: &Choices, path: &str) -> BoxedStrategy<Value> {
    fields(m, name, choices, path).prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())).boxed()
}

/// `(key, value)` pairs of a struct's fields, absent optional fields left out; of a union
/// (a request that is itself a union), its tag and a variant's fields.
fn fields(m: &Module, name: &str, choices: &Choices, path: &str) -> BoxedStrategy<Vec<(String, Value)>> {
    if m.union_def(name).is_some() {
        return union_fields(m, name, choices, path);
    }
    let Some(s) = m.struct_def(name) else { return Just(Vec::new()).boxed() };
    let mut parts: Vec<BoxedStrategy<Vec<(String, Value)>>> = Vec::new();
    for f in &s.fields {
        if f.flatten {
            if let Ty::Union(u) = &f.ty {
                parts.push(union_fields(m, u, choices, path));
            }
            continue;
        }
        let key = f.wire.clone();
        let value = value(m, f, choices, &join(path, &f.wire));
        if f.required {
            parts.push(value.prop_map(move |v| vec![(key.clone(), v)]).boxed());
        } else {
            parts.push(
                proptest::option::of(value)
                    .prop_map(move |v| v.map(|v| (key.clone(), v)).into_iter().collect())
                    .boxed(),
            );
        }
    }
    parts.prop_map(|lists| lists.into_iter().flatten().collect()).boxed()
}

/// A union's tag and one variant's fields (the chosen one, or any).
fn union_fields(m: &Module, name: &str, choices: &Choices, path: &str) -> BoxedStrategy<Vec<(String, Value)>> {
    let Some(u) = m.union_def(name) else { return Just(Vec::new()).boxed() };
    let chosen = choices.get(path).map(|(_, v)| v.clone());
    let variants: Vec<BoxedStrategy<Vec<(String, Value)>>> = u
        .variants
        .iter()
        .filter(|v| chosen.as_ref().is_none_or(|c| *c == v.tag))
        .map(|v| {
            let tag = (u.tag.clone(), json!(v.tag));
            let payload = match &v.payload {
                Some(p) => fields(m, p, choices, path),
                None => Just(Vec::new()).boxed(),
            };
            payload
                .prop_map(move |mut fs| {
                    fs.insert(0, tag.clone());
                    fs
                })
                .boxed()
        })
        .collect();
    if variants.is_empty() {
        return Just(Vec::new()).boxed();
    }
    proptest::strategy::Union::new(variants).boxed()
}

fn value(m: &Module, f: &Field, choices: &Choices, path: &str) -> BoxedStrategy<Value> {
    let url = f.checks.iter().find_map(|c| match &c.kind {
        CheckKind::Url { schemes, data } => Some((schemes.clone(), data.clone())),
        _ => None,
    });
    let public = f.checks.iter().any(|c| c.kind == CheckKind::PublicUrl);
    match &f.ty {
        Ty::String | Ty::Media => match url {
            Some(schemes) => url_strategy(schemes, public).prop_map(Value::String).boxed(),
            None => text(m, f).prop_map(Value::String).boxed(),
        },
        Ty::Integer => {
            let (min, max) = f
                .checks
                .iter()
                .find_map(|c| match c.kind {
                    CheckKind::Range { min, max } => Some((min, max)),
                    _ => None,
                })
                .unwrap_or((None, None));
            let (lo, hi) = (min.unwrap_or(0), max.unwrap_or(lo_default(min)));
            prop_oneof![Just(lo), Just(hi), lo..=hi].prop_map(|n| json!(n)).boxed()
        }
        Ty::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        Ty::Enum(e) => {
            let values: Vec<String> =
                m.enum_def(e).map(|e| e.values.iter().map(|v| v.wire.clone()).collect()).unwrap_or_default();
            if values.is_empty() {
                return Just(Value::Null).boxed();
            }
            proptest::sample::select(values).prop_map(Value::String).boxed()
        }
        Ty::Array(inner) => {
            let (min, max) = f
                .checks
                .iter()
                .find_map(|c| match c.kind {
                    CheckKind::Items { min, max } => Some((min, max)),
                    _ => None,
                })
                .unwrap_or((None, None));
            let (lo, hi) = (min.unwrap_or(0).max(0) as usize, max.unwrap_or(3).max(0) as usize);
            let element: BoxedStrategy<Value> = match (inner.as_ref(), url) {
                (Ty::String | Ty::Media, Some(schemes)) => {
                    url_strategy(schemes, public).prop_map(Value::String).boxed()
                }
                (Ty::String | Ty::Media, None) => "[a-z]{1,8}".prop_map(Value::String).boxed(),
                (Ty::Integer, _) => any::<i32>().prop_map(|n| json!(n)).boxed(),
                _ => Just(Value::Null).boxed(),
            };
            proptest::collection::vec(element, lo..=hi.max(lo)).prop_map(Value::Array).boxed()
        }
        Ty::Struct(s) => object(m, s, choices, path),
        Ty::Union(u) => {
            union_fields(m, u, choices, path).prop_map(|pairs| Value::Object(pairs.into_iter().collect())).boxed()
        }
        Ty::UnixMillis | Ty::Millis | Ty::Json(_) => Just(json!(0)).boxed(),
    }
}

fn lo_default(min: Option<i64>) -> i64 {
    min.map_or(100, |m| m.saturating_add(100))
}

/// URLs of the allowed schemes and, when the field takes data URIs, small base64 data URIs
/// of its media types.
fn url_strategy((schemes, data): (Vec<String>, Vec<String>), public: bool) -> BoxedStrategy<String> {
    let hosts: Vec<&'static str> = if public {
        vec!["hooks.example.com", "api.example.org", "8.8.8.8", "[2001:db8:1::1]"]
    } else {
        vec!["example.com", "cdn.example.net", "127.0.0.1:8080", "images.example.org"]
    };
    let urls = (proptest::sample::select(schemes), proptest::sample::select(hosts), "[a-z0-9/_-]{0,24}")
        .prop_map(|(s, h, p)| format!("{s}://{h}/{p}"))
        .boxed();
    if data.is_empty() {
        return urls;
    }
    let inline = (proptest::sample::select(data), proptest::collection::vec(any::<u8>(), 0..48))
        .prop_map(|(t, bytes)| happyhorse_client::runtime::MediaSource::data(&format!("{t}/png"), &bytes).into_string())
        .boxed();
    prop_oneof![urls, inline].boxed()
}

/// A string satisfying a field's length rule, made of the characters its counting rule
/// weighs differently.
fn text(m: &Module, f: &Field) -> BoxedStrategy<String> {
    let (min, max, counter) = f
        .checks
        .iter()
        .find_map(|c| match &c.kind {
            CheckKind::Length { min, max, counter } => Some((min.unwrap_or(0), *max, counter.clone())),
            _ => None,
        })
        .unwrap_or((1, 40, CounterRef::UnicodeScalars));
    let weight = move |m: &Module, c: char| -> i64 {
        match &counter {
            CounterRef::UnicodeScalars => 1,
            CounterRef::Utf16Units => c.len_utf16() as i64,
            CounterRef::Bytes => c.len_utf8() as i64,
            CounterRef::Weighted(n) => m.counters.iter().find(|k| k.name == *n).map_or(1, |k| {
                k.ranges.iter().find(|r| r.0 <= c as u32 && c as u32 <= r.1).map_or(k.default_weight, |r| r.2).into()
            }),
        }
    };
    let m = m.clone();
    let alphabet = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => Just(' '),
        1 => Just('é'),
        1 => Just('中'),
        1 => Just('。'),
        1 => Just('😀'),
        1 => Just('\u{20000}'),
    ];
    // Either a short string or one filling the limit exactly.
    let fill = proptest::bool::weighted(0.2);
    (proptest::collection::vec(alphabet, 0..64), fill)
        .prop_map(move |(chars, fill)| {
            let mut s = String::new();
            let mut used = 0i64;
            let budget = if fill { max } else { max.min(200) };
            for c in chars.iter().copied().cycle().take(if fill { usize::MAX } else { chars.len() }) {
                let w = weight(&m, c);
                if used + w > budget {
                    break;
                }
                s.push(c);
                used += w;
                if fill && used == budget {
                    break;
                }
            }
            while used < min.max(1) {
                s.push('a');
                used += 1;
            }
            s
        })
        .boxed()
}

/// The struct names of a module's request types (for reports).
pub fn request_structs(m: &Module) -> Vec<String> {
    m.types
        .iter()
        .filter_map(|t| match t {
            TypeDef::Struct(s) if s.usage == happyhorse_codegen::ir::Usage::Request => Some(s.name.clone()),
            _ => None,
        })
        .collect()
}
