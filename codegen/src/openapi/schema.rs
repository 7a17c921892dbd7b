//! IR types → JSON Schema (2020-12): request types strict, response types lenient.

use serde_json::{Map, Value, json};

use super::checks;
use crate::ir::{DefaultValue, Enum, Field, Module, Struct, Ty, TypeDef, Types, Union, Usage};

/// Where named types are referenced and which dialect extras are allowed.
pub(super) struct Cx<'a> {
    pub m: &'a Module,
    /// `#/$defs/` (standalone schema) or `#/components/schemas/` (OpenAPI).
    pub prefix: &'static str,
    /// OpenAPI output: unions whose variants are all named get a `discriminator`.
    pub openapi: bool,
}

impl Cx<'_> {
    /// `{"$ref": "<prefix><name>"}`.
    pub fn reference(&self, name: &str) -> Value {
        json!({ "$ref": format!("{}{name}", self.prefix) })
    }

    /// The schema of a named type.
    pub fn type_schema(&self, td: &TypeDef) -> Map<String, Value> {
        match td {
            TypeDef::Enum(e) => {
                let mut s = enum_schema(e);
                describe(&mut s, &e.doc);
                s
            }
            TypeDef::Struct(s) => self.struct_schema(s),
            TypeDef::Union(u) => self.union_schema(u),
        }
    }

    /// Whether union `name` is flattened into an object (its tag and fields live there).
    fn flattened(&self, name: &str) -> bool {
        self.m.types.iter().any(|td| match td {
            TypeDef::Struct(s) => s.fields.iter().any(|f| f.flatten && f.ty == Ty::Union(name.to_owned())),
            _ => false,
        })
    }

    fn struct_schema(&self, s: &Struct) -> Map<String, Value> {
        let strict = s.usage == Usage::Request;
        let mut props = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut all_of: Vec<Value> = Vec::new();
        // Fields with aliases: at most one of the names, and one of them when required.
        let mut alias_rules: Vec<Value> = Vec::new();
        // The payload of a variant of a flattened union: a fragment the enclosing object closes.
        let mut fragment = false;
        if let Some((union, tag)) = &s.variant_of
            && let Some(u) = self.m.union_def(union)
        {
            props.insert(u.tag.clone(), json!({ "const": tag }));
            required.push(u.tag.clone().into());
            if self.flattened(union) {
                fragment = true;
                if let Some(v) = u.variants.iter().find(|v| &v.tag == tag) {
                    for f in &v.forbidden {
                        for w in std::iter::once(&f.wire).chain(&f.aliases) {
                            props.insert(w.clone(), Value::Bool(false));
                        }
                    }
                }
            }
        }
        for f in &s.fields {
            if f.flatten {
                let Ty::Union(name) = &f.ty else { continue };
                let Some(u) = self.m.union_def(name) else { continue };
                let mut tag = tag_schema(u);
                if let Some(d) = &f.default {
                    tag.insert("default".into(), default_value(d));
                }
                describe(&mut tag, &f.doc);
                props.insert(u.tag.clone(), Value::Object(tag));
                if f.required {
                    required.push(u.tag.clone().into());
                    all_of.push(self.reference(name));
                } else {
                    all_of.push(json!({ "if": { "required": [u.tag] }, "then": self.reference(name) }));
                }
                continue;
            }
            let schema = self.field_schema(f, s.usage);
            for a in &f.aliases {
                let mut alias = schema.clone();
                alias.insert(
                    "description".into(),
                    format!("Another documented name of `{}`; send one of them.", f.wire).into(),
                );
                props.insert(a.clone(), Value::Object(alias));
            }
            props.insert(f.wire.clone(), Value::Object(schema));
            if f.aliases.is_empty() {
                if f.required {
                    required.push(f.wire.clone().into());
                }
            } else {
                alias_rules.extend(alias_rules_of(f));
            }
        }
        let mut out = Map::new();
        describe(&mut out, &s.doc);
        out.insert("type".into(), "object".into());
        out.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
        let closed_by_union = !all_of.is_empty();
        all_of.extend(alias_rules);
        if !all_of.is_empty() {
            out.insert("allOf".into(), Value::Array(all_of));
        }
        match (strict, closed_by_union, fragment) {
            (false, ..) => {
                out.insert("additionalProperties".into(), true.into());
            }
            (true, true, _) => {
                out.insert("unevaluatedProperties".into(), false.into());
            }
            (true, false, false) => {
                out.insert("additionalProperties".into(), false.into());
            }
            (true, false, true) => {}
        }
        out
    }

    fn union_schema(&self, u: &Union) -> Map<String, Value> {
        let strict = u.usage == Usage::Request;
        let flat = self.flattened(&u.name);
        let mut variants = Vec::new();
        let mut mapping = Map::new();
        for v in &u.variants {
            if let Some(p) = &v.payload {
                variants.push(self.reference(p));
                mapping.insert(v.tag.clone(), format!("{}{p}", self.prefix).into());
                continue;
            }
            let mut props = Map::new();
            props.insert(u.tag.clone(), json!({ "const": v.tag }));
            if flat {
                for f in &v.forbidden {
                    for w in std::iter::once(&f.wire).chain(&f.aliases) {
                        props.insert(w.clone(), Value::Bool(false));
                    }
                }
            }
            let mut obj = Map::new();
            describe(&mut obj, &v.doc);
            obj.insert("type".into(), "object".into());
            obj.insert("properties".into(), Value::Object(props));
            obj.insert("required".into(), json!([u.tag]));
            if !strict {
                obj.insert("additionalProperties".into(), true.into());
            } else if !flat {
                obj.insert("additionalProperties".into(), false.into());
            }
            variants.push(Value::Object(obj));
        }
        let mut props = Map::new();
        props.insert(u.tag.clone(), Value::Object(tag_schema(u)));
        let mut out = Map::new();
        describe(&mut out, &u.doc);
        out.insert("type".into(), "object".into());
        out.insert("properties".into(), Value::Object(props));
        out.insert("required".into(), json!([u.tag]));
        if self.openapi && !flat && mapping.len() == u.variants.len() {
            out.insert("discriminator".into(), json!({ "propertyName": u.tag, "mapping": mapping }));
        }
        out.insert("oneOf".into(), Value::Array(variants));
        out
    }

    fn field_schema(&self, f: &Field, usage: Usage) -> Map<String, Value> {
        let mut s = self.ty_schema(&f.ty);
        if usage == Usage::Request {
            checks::apply(&mut s, &f.checks, self.m);
            // The OpenAPI document describes what the provider accepts: a value the provider
            // truncates (rather than rejects) has no maxLength there. The standalone request
            // schema keeps it: it is what the client sends.
            if self.openapi
                && f.overflow.as_ref().is_some_and(|o| o.server_truncates)
                && let Some(max) = s.remove("maxLength")
            {
                s.insert("x-server-truncates-at".into(), max);
            }
        }
        if let Some(d) = &f.default {
            s.insert("default".into(), default_value(d));
        }
        describe(&mut s, &f.doc);
        if f.ty == Ty::String && !f.examples.is_empty() {
            s.insert("examples".into(), f.examples.clone().into());
        }
        if let Some(unit) = &f.unit {
            s.insert("x-unit".into(), unit.clone().into());
        }
        // Media rules a URL alone cannot show (checked by the client's opt-in preflight), per
        // mode when the field is a mode's.
        if let Some(md) = &f.media {
            let mut rules = Map::new();
            rules.insert("formats".into(), md.formats.clone().into());
            for (k, v) in [
                ("min_short_edge_px", md.min_short_edge_px),
                ("min_width_px", md.min_width_px),
                ("min_height_px", md.min_height_px),
            ] {
                if let Some(v) = v {
                    rules.insert(k.into(), v.into());
                }
            }
            if let Some((lo, hi)) = &md.aspect_text {
                rules.insert("aspect".into(), json!({ "min": lo, "max": hi }));
            }
            rules.insert("max_bytes".into(), md.max_bytes.into());
            s.insert("x-media".into(), Value::Object(rules));
        }
        s
    }

    /// The schema of a field type, without the field's checks and docs.
    fn ty_schema(&self, ty: &Ty) -> Map<String, Value> {
        let v = match ty {
            Ty::String | Ty::Media => json!({ "type": "string" }),
            Ty::Integer | Ty::UnixMillis => json!({ "type": "integer" }),
            Ty::Millis => json!({ "type": "integer", "minimum": 0 }),
            Ty::Boolean => json!({ "type": "boolean" }),
            Ty::Array(item) => json!({ "type": "array", "items": self.ty_schema(item) }),
            Ty::Enum(name) => match self.m.enum_def(name) {
                Some(e) => Value::Object(enum_schema(e)),
                None => json!({ "type": "string" }),
            },
            Ty::Struct(name) | Ty::Union(name) => self.reference(name),
            Ty::Json(inner) => json!({
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": self.ty_schema(inner),
            }),
        };
        match v {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

/// The rules of a field sent under one of several names: never two of them (`not` both), and
/// one of them when the field is required (`anyOf` of each `required`).
fn alias_rules_of(f: &Field) -> Vec<Value> {
    let names: Vec<&String> = std::iter::once(&f.wire).chain(&f.aliases).collect();
    let mut rules = Vec::new();
    if f.required {
        let any: Vec<Value> = names.iter().map(|n| json!({ "required": [n] })).collect();
        rules.push(json!({ "anyOf": any }));
    }
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            rules.push(json!({ "not": { "required": [a, b] } }));
        }
    }
    rules
}

/// A closed enum lists its wire values; an open (response) one accepts any string and
/// lists the known spellings (aliases included) as `x-known-values`.
fn enum_schema(e: &Enum) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("type".into(), "string".into());
    if e.open() {
        let known: Vec<Value> = e
            .values
            .iter()
            .flat_map(|v| std::iter::once(&v.wire).chain(&v.aliases))
            .map(|w| Value::String(w.clone()))
            .collect();
        s.insert("x-known-values".into(), Value::Array(known));
    } else {
        s.insert("enum".into(), e.values.iter().map(|v| Value::String(v.wire.clone())).collect());
    }
    s
}

/// The tag field of a union: one of the variant tags.
fn tag_schema(u: &Union) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("type".into(), "string".into());
    s.insert("enum".into(), u.variants.iter().map(|v| Value::String(v.tag.clone())).collect());
    s
}

fn default_value(d: &DefaultValue) -> Value {
    match d {
        DefaultValue::Tag(t) => t.clone().into(),
        DefaultValue::Integer(i) => (*i).into(),
        DefaultValue::Boolean(b) => (*b).into(),
    }
}

fn describe(s: &mut Map<String, Value>, doc: &str) {
    if !doc.is_empty() {
        s.insert("description".into(), doc.into());
    }
}

/// The structs and unions reachable from the fields of struct `root` (variant payloads
/// included; `root` only if something refers back to it), sorted by name.
pub(super) fn referenced(m: &Module, root: &str) -> Vec<String> {
    fn named(ty: &Ty, out: &mut Vec<String>) {
        match ty {
            Ty::Struct(n) | Ty::Union(n) => out.push(n.clone()),
            Ty::Array(i) | Ty::Json(i) => named(i, out),
            _ => {}
        }
    }
    fn children(m: &Module, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        match m.ty(name) {
            Some(TypeDef::Struct(s)) => s.fields.iter().for_each(|f| named(&f.ty, &mut out)),
            Some(TypeDef::Union(u)) => out.extend(u.variants.iter().filter_map(|v| v.payload.clone())),
            _ => {}
        }
        out
    }
    let mut seen: Vec<String> = Vec::new();
    let mut stack = children(m, root);
    while let Some(name) = stack.pop() {
        if seen.contains(&name) {
            continue;
        }
        stack.extend(children(m, &name));
        seen.push(name);
    }
    seen.sort();
    seen
}
