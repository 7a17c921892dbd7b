//! The OpenAPI 3.0 form of a module's document, for generators that refuse 3.1 (progenitor
//! 0.15 and others). It states the same rules as the 3.1 document wherever 3.0 can:
//!
//! - A request object closed over a flattened union (3.1: `allOf` + `unevaluatedProperties:
//!   false`, which 3.0 lacks) becomes one closed object per variant (`additionalProperties:
//!   false`), named `<Object><Variant>`, under `oneOf` with a `discriminator`: an APIXO
//!   `async` request has no `callback_url` property at all, and any unknown key is rejected.
//! - A property a variant forbids (3.1: the schema `false`) is `not: {}`.
//! - `const` is a one-value `enum`; a schema's `examples` list its first `example`.
//! - A `$ref` with sibling keywords is wrapped in `allOf`, where 3.0 keeps the siblings.
//! - JSON inside a string (`contentMediaType`, `contentSchema`) and anything else 3.0 has no
//!   keyword for is kept as an `x-` annotation, and the module's webhook becomes the submit
//!   operation's `callbacks`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

const SCHEMAS: &str = "#/components/schemas/";

/// The OpenAPI 3.0.3 document of the module (see the module docs for what changes).
pub fn openapi_30(m: &crate::ir::Module) -> Value {
    downgrade(super::openapi(m), m)
}

fn downgrade(mut doc: Value, m: &crate::ir::Module) -> Value {
    doc["openapi"] = json!("3.0.3");
    let referenced = references(&doc);
    expand_closed_unions(&mut doc);
    if let Some(hooks) = doc.as_object_mut().and_then(|d| d.remove("webhooks")) {
        move_webhooks(&mut doc, &hooks, m);
    }
    drop_no_longer_referenced(&mut doc, &referenced);
    convert(&mut doc, false);
    doc
}

/// A component schema by name.
fn schema<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc.pointer(&format!("/components/schemas/{name}"))
}

/// The component a `{"$ref": ...}` names.
fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref")?.as_str()?.strip_prefix(SCHEMAS)
}

/// `text-to-video` → `TextToVideo`.
fn pascal(tag: &str) -> String {
    tag.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|c| c.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
        })
        .collect()
}

/// One variant of a flattened union: its tag, properties (forbidden ones as `false`),
/// required keys and description.
#[derive(Clone)]
struct Variant {
    tag: String,
    properties: Map<String, Value>,
    required: Vec<Value>,
    description: Option<Value>,
    /// Rules on the variant's keys beyond properties and `required` (`allOf` entries: a
    /// field sent under one of two names).
    rules: Vec<Value>,
}

/// The variants of the union component `name`, with payload references resolved.
fn variants(doc: &Value, name: &str, tag_key: &str) -> Vec<Variant> {
    let Some(one_of) = schema(doc, name).and_then(|u| u.get("oneOf")).and_then(Value::as_array) else {
        return Vec::new();
    };
    one_of
        .iter()
        .filter_map(|v| {
            let v = ref_name(v).and_then(|n| schema(doc, n)).unwrap_or(v);
            let properties = v.get("properties")?.as_object()?.clone();
            let tag = properties.get(tag_key)?.get("const")?.as_str()?.to_owned();
            let required = v.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
            let rules = v.get("allOf").and_then(Value::as_array).cloned().unwrap_or_default();
            Some(Variant { tag, properties, required, description: v.get("description").cloned(), rules })
        })
        .collect()
}

/// A part of a closed object's `allOf` that brings in a flattened union: its component name,
/// and whether the union is optional. A required union is referenced; an optional one is
/// `if: {required: [tag]}, then: ref`.
fn union_part(part: &Value) -> Option<(&str, bool)> {
    match part.get("then") {
        Some(then) => ref_name(then).map(|n| (n, true)),
        None => ref_name(part).map(|n| (n, false)),
    }
}

/// Rewrites every component closed with `unevaluatedProperties: false` over flattened unions
/// as a `oneOf` of closed objects, one per variant.
fn expand_closed_unions(doc: &mut Value) {
    let names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| {
            s.iter()
                .filter(|(_, v)| v.get("unevaluatedProperties") == Some(&json!(false)))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    for name in names {
        let Some(outer) = schema(doc, &name).cloned() else { continue };
        let Some(mut combos) = combinations(doc, &outer) else { continue };
        let base_props = outer.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let base_required = outer.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
        let base_rules: Vec<Value> = outer
            .get("allOf")
            .and_then(Value::as_array)
            .map(|parts| parts.iter().filter(|p| union_part(p).is_none()).cloned().collect())
            .unwrap_or_default();
        let mut one_of = Vec::new();
        let mut mapping = Map::new();
        let mut tag_keys = BTreeSet::new();
        for combo in combos.drain(..) {
            let mut properties = base_props.clone();
            let mut required = base_required.clone();
            let mut rules = base_rules.clone();
            let mut suffix = String::new();
            let mut notes = Vec::new();
            for (tag_key, variant) in &combo {
                tag_keys.insert(tag_key.clone());
                suffix.push_str(&pascal(&variant.tag));
                for (key, value) in &variant.properties {
                    if value == &Value::Bool(false) {
                        // Closed object: a key it does not list is rejected anyway.
                        properties.remove(key);
                        required.retain(|r| r != key);
                    } else if key == tag_key {
                        let mut tag = properties.get(key).and_then(Value::as_object).cloned().unwrap_or_default();
                        tag.remove("default");
                        tag.insert("enum".into(), json!([variant.tag]));
                        properties.insert(key.clone(), Value::Object(tag));
                    } else {
                        properties.insert(key.clone(), value.clone());
                    }
                }
                for r in &variant.required {
                    if !required.contains(r) {
                        required.push(r.clone());
                    }
                }
                rules.extend(variant.rules.iter().cloned());
                if let Some(d) = variant.description.as_ref().and_then(Value::as_str) {
                    notes.push(d.to_owned());
                }
            }
            let variant_name = format!("{name}{suffix}");
            let mut object = Map::new();
            let outer_doc = outer.get("description").and_then(Value::as_str).unwrap_or_default();
            object.insert("description".into(), json!(format!("{outer_doc} {}", notes.join(" ")).trim().to_owned()));
            object.insert("type".into(), json!("object"));
            object.insert("properties".into(), Value::Object(properties));
            object.insert("required".into(), Value::Array(required));
            object.insert("additionalProperties".into(), json!(false));
            if !rules.is_empty() {
                object.insert("allOf".into(), Value::Array(rules));
            }
            if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
                schemas.insert(variant_name.clone(), Value::Object(object));
            }
            let tags: Vec<&str> = combo.iter().map(|(_, v)| v.tag.as_str()).collect();
            mapping.insert(tags.join("+"), json!(format!("{SCHEMAS}{variant_name}")));
            one_of.push(json!({ "$ref": format!("{SCHEMAS}{variant_name}") }));
        }
        let mut replaced = Map::new();
        if let Some(d) = outer.get("description") {
            replaced.insert("description".into(), d.clone());
        }
        replaced.insert("oneOf".into(), Value::Array(one_of));
        // One union: its tag tells the variants apart.
        if let [tag_key] = tag_keys.into_iter().collect::<Vec<_>>().as_slice() {
            replaced.insert("discriminator".into(), json!({ "propertyName": tag_key, "mapping": mapping }));
        }
        if let Some(slot) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            *slot = Value::Object(replaced);
        }
    }
}

/// Every choice of one variant per flattened union of `outer` (each as `(tag key,
/// variant)`); `None` when `outer` is not such an object.
fn combinations(doc: &Value, outer: &Value) -> Option<Vec<Vec<(String, Variant)>>> {
    let all_of = outer.get("allOf")?.as_array()?;
    let mut combos: Vec<Vec<(String, Variant)>> = vec![Vec::new()];
    // Parts that are not a flattened union are rules carried into every variant.
    for (union, optional) in all_of.iter().filter_map(union_part) {
        let tag_key = schema(doc, union)?.get("required")?.as_array()?.first()?.as_str()?.to_owned();
        let mut choices: Vec<Option<Variant>> = variants(doc, union, &tag_key).into_iter().map(Some).collect();
        if choices.is_empty() {
            return None;
        }
        if optional {
            choices.push(None);
        }
        let mut next = Vec::new();
        for combo in &combos {
            for choice in &choices {
                let mut c = combo.clone();
                if let Some(v) = choice {
                    c.push((tag_key.clone(), v.clone()));
                }
                next.push(c);
            }
        }
        combos = next;
    }
    Some(combos)
}

/// The 3.1 `webhooks` entry becomes a 3.0 callback of the submit operation, at the URL the
/// request names.
fn move_webhooks(doc: &mut Value, hooks: &Value, m: &crate::ir::Module) {
    let Some(url_field) = m.callbacks.as_ref().and_then(|c| c.url_field.clone()) else {
        return;
    };
    let Some(hooks) = hooks.as_object() else { return };
    let mut callbacks = Map::new();
    for (name, item) in hooks {
        let mut expression = Map::new();
        expression.insert(format!("{{$request.body#/{url_field}}}"), item.clone());
        callbacks.insert(name.clone(), Value::Object(expression));
    }
    let method = m.submit().method.to_ascii_lowercase();
    let path = m.submit().path.clone();
    if let Some(op) = doc.get_mut("paths").and_then(|p| p.get_mut(&path)).and_then(|p| p.get_mut(&method)) {
        op["callbacks"] = Value::Object(callbacks);
    }
}

/// Names of the components something refers to.
fn references(doc: &Value) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    collect_refs(doc, &mut used, None);
    used
}

/// Removes the component schemas that were referenced before the expansion and no longer
/// are (the unions and fragments closed objects were expanded from); schemas nothing
/// referenced in the first place (enums, listed for reference) stay.
fn drop_no_longer_referenced(doc: &mut Value, before: &BTreeSet<String>) {
    loop {
        let now = references(doc);
        let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
        let gone: Vec<String> =
            schemas.keys().filter(|k| before.contains(k.as_str()) && !now.contains(k.as_str())).cloned().collect();
        if gone.is_empty() {
            return;
        }
        for k in gone {
            schemas.remove(&k);
        }
    }
}

/// Names of the components referenced anywhere in `v`; a component's reference to itself
/// (`within`) does not count.
fn collect_refs(v: &Value, out: &mut BTreeSet<String>, within: Option<&str>) {
    match v {
        Value::Object(map) => {
            if let Some(name) = ref_name(v)
                && Some(name) != within
            {
                out.insert(name.to_owned());
            }
            for (k, child) in map {
                // Components are scanned one by one, so a component that only refers to
                // itself is not kept alive by that.
                if k == "schemas" && within.is_none() {
                    if let Some(schemas) = child.as_object() {
                        for (name, s) in schemas {
                            collect_refs(s, out, Some(name));
                        }
                    }
                    continue;
                }
                collect_refs(child, out, within);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out, within)),
        _ => {}
    }
}

/// Rewrites the 3.1-only keywords of every schema below `v`. `in_schema`: `v` is a schema.
fn convert(v: &mut Value, in_schema: bool) {
    match v {
        Value::Bool(b) if in_schema => {
            *v = if *b { json!({}) } else { json!({ "not": {} }) };
        }
        Value::Object(map) => {
            if in_schema {
                convert_schema(map);
            }
            for (key, child) in map.iter_mut() {
                let child_is_schema = match key.as_str() {
                    "schema" | "items" | "not" => true,
                    // `false`/`true` are valid here in 3.0; only a schema object is converted.
                    "additionalProperties" => child.is_object(),
                    "allOf" | "oneOf" | "anyOf" => {
                        if let Value::Array(items) = child {
                            items.iter_mut().for_each(|i| convert(i, true));
                        }
                        continue;
                    }
                    "properties" | "schemas" if child.is_object() => {
                        if let Value::Object(props) = child {
                            props.values_mut().for_each(|p| convert(p, true));
                        }
                        continue;
                    }
                    // Example values are data, not schemas.
                    "example" | "examples" | "default" | "enum" | "x-known-values" => continue,
                    _ => false,
                };
                convert(child, child_is_schema);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| convert(i, false)),
        _ => {}
    }
}

fn convert_schema(map: &mut Map<String, Value>) {
    if let Some(value) = map.remove("const") {
        if value.is_string() && !map.contains_key("type") {
            map.insert("type".into(), json!("string"));
        }
        map.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
        map.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            map.insert("example".into(), first);
        }
    }
    for (from, to) in [("contentMediaType", "x-content-media-type"), ("contentSchema", "x-content-schema")] {
        if let Some(value) = map.remove(from) {
            map.insert(to.into(), value);
        }
    }
    if map.contains_key("$ref") && map.len() > 1 {
        let reference = map.remove("$ref").unwrap_or_default();
        map.insert("allOf".into(), json!([{ "$ref": reference }]));
    }
    if let Some(value) = map.remove("unevaluatedProperties") {
        // Left only where no flattened union could be expanded: the nearest 3.0 rule.
        map.insert("additionalProperties".into(), value);
    }
}
