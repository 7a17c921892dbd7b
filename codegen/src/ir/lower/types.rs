//! Lowering of `[types]`: enums, objects and unions, their fields and constraints.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::context::Cx;
use crate::ir::names::{field_ident, generated_type_name_problem, key_segment, pascal, type_name_problem};
use crate::ir::{
    Check, CheckKind, Counter, CounterRef, DefaultValue, Enum, EnumValue, Field, Forbidden, Media, Overflow, Phase,
    Struct, Ty, TypeDef, Union, Usage, Variant,
};
use crate::spec::model::{self, S, SpecFile};

/// Kind and usage of every declared type, for resolving references.
struct Kinds(BTreeMap<String, (Kind, Usage)>);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enum,
    Object,
    Union,
}

pub(super) fn lower_types(cx: &mut Cx, spec: &SpecFile, counters: &[Counter]) -> Vec<TypeDef> {
    let mut kinds = Kinds(BTreeMap::new());
    for (name, at) in &spec.types {
        let t = at.as_ref();
        let path = format!("types.{}", name);
        if let Some(p) = generated_type_name_problem(name) {
            cx.err(at, &path, format!("type name `{}` {p}", name));
        }
        let kind = match t.kind.get_ref().as_str() {
            "enum" => Kind::Enum,
            "object" => Kind::Object,
            "union" => Kind::Union,
            other => {
                cx.err(
                    &t.kind,
                    format!("{path}.kind"),
                    format!("`{other}`: expected one of \"enum\", \"object\", \"union\""),
                );
                continue;
            }
        };
        let usage = match t.usage.get_ref().as_str() {
            "request" => Usage::Request,
            "response" => Usage::Response,
            other => {
                cx.err(&t.usage, format!("{path}.usage"), format!("`{other}`: expected \"request\" or \"response\""));
                continue;
            }
        };
        kinds.0.insert(name.to_owned(), (kind, usage));
    }

    let mut out: Vec<TypeDef> = Vec::new();
    for (name, at) in &spec.types {
        let t = at.as_ref();
        let Some(&(kind, usage)) = kinds.0.get(name) else { continue };
        let path = format!("types.{}", name);
        check_kind_keys(cx, t, kind, &path);
        let source = cx.source(&t.source, &format!("{path}.source"));
        let decision = cx.decision(&t.decision, &path);
        let doc = t.doc.get_ref().clone();
        match kind {
            Kind::Enum => {
                if let Some(e) = lower_enum(cx, name, at, usage, &path, source, decision) {
                    out.push(TypeDef::Enum(e));
                }
            }
            Kind::Object => {
                let mut fields = Vec::new();
                let mut wires = BTreeMap::new();
                for (i, f) in t.fields.iter().flatten().enumerate() {
                    let fpath = format!("{path}.fields[{i}]");
                    let required = match f.presence.get_ref() {
                        model::Presence::One(p) if p == "required" => true,
                        model::Presence::One(p) if p == "optional" => false,
                        _ => {
                            cx.err(
                                &f.presence,
                                format!("{fpath}.presence"),
                                "expected \"required\" or \"optional\" (per-variant presence is only for union fields)",
                            );
                            continue;
                        }
                    };
                    if !f.per_mode.is_empty() {
                        cx.err(&f.name, format!("{fpath}.per_mode"), "per_mode is only for union fields");
                    }
                    if let Some(field) = lower_field(cx, &kinds, counters, f, &fpath, usage, required, None, true) {
                        dup_check(cx, &mut wires, f, &fpath, &field);
                        fields.push(field);
                    }
                }
                if fields.is_empty() {
                    cx.err(&t.kind, &path, "an object needs at least one field");
                }
                out.push(TypeDef::Struct(Struct {
                    name: name.to_owned(),
                    doc,
                    usage,
                    source,
                    decision,
                    fields,
                    variant_of: None,
                    id_base: String::new(),
                }));
            }
            Kind::Union if usage == Usage::Response => {
                cx.err(
                    &t.kind,
                    format!("{path}.kind"),
                    "unions are for requests (one variant per mode); responses are objects with optional fields",
                );
            }
            Kind::Union => {
                let (u, payloads) = lower_union(cx, &kinds, counters, name, at, t, usage, &path, source, decision);
                for p in payloads {
                    if kinds.0.contains_key(&p.name) {
                        cx.err(at, &path, format!("the payload type `{}` of a variant clashes with a declared type of that name; rename the variant", p.name));
                    }
                    out.push(TypeDef::Struct(p));
                }
                out.push(TypeDef::Union(u));
            }
        }
    }
    check_flatten_collisions(cx, spec, &out);
    check_tag_defaults(cx, spec, &out);
    out.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

/// Rejects keys that belong to another kind (`values` on an object, ...).
fn check_kind_keys(cx: &mut Cx, t: &model::TypeDef, kind: Kind, path: &str) {
    let present: [(&str, bool, &[Kind]); 7] = [
        ("values", t.values.is_some(), &[Kind::Enum]),
        ("unknown_phase", t.unknown_phase.is_some(), &[Kind::Enum]),
        ("unknown_retryable", t.unknown_retryable.is_some(), &[Kind::Enum]),
        ("fallback", t.fallback.is_some(), &[Kind::Enum]),
        ("tag", t.tag.is_some(), &[Kind::Union]),
        ("variants", t.variants.is_some(), &[Kind::Union]),
        ("fields", t.fields.is_some(), &[Kind::Object, Kind::Union]),
    ];
    for (key, is_set, allowed) in present {
        if is_set && !allowed.contains(&kind) {
            cx.err(
                &t.kind,
                format!("{path}.{key}"),
                format!("`{key}` is not allowed for kind = \"{}\"", t.kind.get_ref()),
            );
        }
    }
    let needed: &[(&str, bool)] = match kind {
        Kind::Enum => &[("values", t.values.is_some())],
        Kind::Object => &[("fields", t.fields.is_some())],
        Kind::Union => &[("tag", t.tag.is_some()), ("variants", t.variants.is_some()), ("fields", t.fields.is_some())],
    };
    for (key, is_set) in needed {
        if !is_set {
            cx.err(
                &t.kind,
                format!("{path}.{key}"),
                format!("missing key `{key}`, required for kind = \"{}\"", t.kind.get_ref()),
            );
        }
    }
}

fn lower_enum(
    cx: &mut Cx,
    name: &str,
    at: &Spanned<model::TypeDef>,
    usage: Usage,
    path: &str,
    source: crate::ir::Source,
    decision: Option<crate::ir::Decision>,
) -> Option<Enum> {
    let t = at.as_ref();
    let values = t.values.as_ref()?;
    if values.is_empty() {
        cx.err(&t.kind, format!("{path}.values"), "an enum needs at least one value");
    }
    let mut wires = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    let fallback = match &t.fallback {
        Some(f) => {
            if let Some(p) = type_name_problem(f.get_ref()) {
                cx.err(f, format!("{path}.fallback"), format!("`{}` {p}", f.get_ref()));
            }
            if usage == Usage::Request {
                cx.err(
                    f,
                    format!("{path}.fallback"),
                    "request enums are closed; `fallback` is only for response enums",
                );
            }
            f.get_ref().clone()
        }
        None => "Unknown".to_owned(),
    };
    for (i, v) in values.iter().enumerate() {
        let vpath = format!("{path}.values[{i}]");
        if v.wire.get_ref().is_empty() {
            cx.err(&v.wire, format!("{vpath}.wire"), "the wire spelling is empty");
        }
        for w in std::iter::once(&v.wire).chain(v.aliases.iter()) {
            if !wires.insert(w.get_ref().clone()) {
                cx.err(w, format!("{vpath}.wire"), format!("duplicate enum value `{}`", w.get_ref()));
            }
        }
        if usage == Usage::Request && !v.aliases.is_empty() {
            cx.err(
                &v.aliases[0],
                format!("{vpath}.aliases"),
                "request enums have one spelling per value; aliases are only for response enums",
            );
        }
        let vname = v.name.as_ref().map_or_else(|| pascal(v.wire.get_ref()), |n| n.get_ref().clone());
        let at = v.name.as_ref().unwrap_or(&v.wire);
        if let Some(p) = type_name_problem(&vname) {
            cx.err(
                at,
                format!("{vpath}.name"),
                format!("variant name `{vname}` {p}; set `name` to a PascalCase Rust name"),
            );
        } else if !names.insert(vname.clone()) {
            cx.err(at, format!("{vpath}.name"), format!("duplicate variant name `{vname}`"));
        } else if usage == Usage::Response && vname == fallback {
            cx.err(
                at,
                format!("{vpath}.name"),
                format!("`{vname}` is the fallback variant of this open enum; choose another name or set `fallback`"),
            );
        }
        let phase = v.phase.as_ref().and_then(|p| {
            cx.one_of(p, &format!("{vpath}.phase"), &["pending", "succeeded", "failed"]).then(|| phase_of(p.get_ref()))
        });
        if (v.meaning.is_some()) != (v.action.is_some()) {
            cx.err(at, &vpath, "`meaning` and `action` go together: set both or neither");
        }
        let vsource = v.source.as_ref().map(|s| cx.source(s, &format!("{vpath}.source")));
        out.push(EnumValue {
            wire: v.wire.get_ref().clone(),
            aliases: v.aliases.iter().map(|a| a.get_ref().clone()).collect(),
            name: vname,
            doc: v.doc.as_ref().map(|d| d.get_ref().clone()),
            phase,
            retryable: v.retryable.as_ref().map(|r| *r.get_ref()),
            meaning: v.meaning.as_ref().map(|m| m.get_ref().clone()),
            action: v.action.as_ref().map(|m| m.get_ref().clone()),
            source: vsource,
            decision: cx.decision(&v.decision, &vpath),
        });
    }
    let phases = out.iter().filter(|v| v.phase.is_some()).count();
    if phases != 0 && phases != out.len() {
        cx.err(at, format!("{path}.values"), "either every value has a `phase` or none does");
    }
    let retries = out.iter().filter(|v| v.retryable.is_some()).count();
    if retries != 0 && retries != out.len() {
        cx.err(at, format!("{path}.values"), "either every value has `retryable` or none does");
    }
    if usage == Usage::Request && (phases > 0 || retries > 0) {
        cx.err(at, path, "`phase` and `retryable` describe responses; a request enum cannot have them");
    }
    let unknown_phase = match &t.unknown_phase {
        Some(p) if phases == 0 => {
            cx.err(p, format!("{path}.unknown_phase"), "`unknown_phase` needs values with a `phase`");
            None
        }
        Some(p) => cx
            .one_of(p, &format!("{path}.unknown_phase"), &["pending", "succeeded", "failed"])
            .then(|| phase_of(p.get_ref())),
        None if phases > 0 => {
            cx.err(
                at,
                format!("{path}.unknown_phase"),
                "missing key `unknown_phase`: say what an unlisted state means (usually \"pending\")",
            );
            None
        }
        None => None,
    };
    let unknown_retryable = match &t.unknown_retryable {
        Some(r) if retries == 0 => {
            cx.err(r, format!("{path}.unknown_retryable"), "`unknown_retryable` needs values with `retryable`");
            None
        }
        Some(r) => Some(*r.get_ref()),
        None if retries > 0 => {
            cx.err(
                at,
                format!("{path}.unknown_retryable"),
                "missing key `unknown_retryable`: say whether a retry may help for an unlisted code",
            );
            None
        }
        None => None,
    };
    Some(Enum {
        name: name.to_owned(),
        doc: t.doc.get_ref().clone(),
        usage,
        source,
        decision,
        values: out,
        unknown_phase,
        unknown_retryable,
        fallback,
    })
}

fn phase_of(s: &str) -> Phase {
    match s {
        "succeeded" => Phase::Succeeded,
        "failed" => Phase::Failed,
        _ => Phase::Pending,
    }
}

#[allow(clippy::too_many_arguments)]
fn lower_union(
    cx: &mut Cx,
    kinds: &Kinds,
    counters: &[Counter],
    name: &str,
    at: &Spanned<model::TypeDef>,
    t: &model::TypeDef,
    usage: Usage,
    path: &str,
    source: crate::ir::Source,
    decision: Option<crate::ir::Decision>,
) -> (Union, Vec<Struct>) {
    let uname = name.to_owned();
    let tag = t.tag.as_ref().map(|t| t.get_ref().clone()).unwrap_or_default();
    if let Some(tg) = &t.tag
        && tg.get_ref().is_empty()
    {
        cx.err(tg, format!("{path}.tag"), "the tag field name is empty");
    }
    let variants_in = t.variants.as_deref().unwrap_or(&[]);
    if t.variants.is_some() && variants_in.is_empty() {
        cx.err(at, format!("{path}.variants"), "a union needs at least one variant");
    }
    let mut tags = BTreeSet::new();
    let mut vnames = BTreeSet::new();
    for (i, v) in variants_in.iter().enumerate() {
        let vpath = format!("{path}.variants[{i}]");
        if !tags.insert(v.tag.get_ref().clone()) {
            cx.err(&v.tag, format!("{vpath}.tag"), format!("duplicate variant tag `{}`", v.tag.get_ref()));
        }
        if let Some(p) = type_name_problem(v.name.get_ref()) {
            cx.err(&v.name, format!("{vpath}.name"), format!("variant name `{}` {p}", v.name.get_ref()));
        } else if !vnames.insert(v.name.get_ref().clone()) {
            cx.err(&v.name, format!("{vpath}.name"), format!("duplicate variant name `{}`", v.name.get_ref()));
        }
    }

    // Presence of every field in every variant.
    let fields_in = t.fields.as_deref().unwrap_or(&[]);
    let mut presence: Vec<BTreeMap<String, String>> = Vec::new();
    let mut wires = BTreeSet::new();
    for (i, f) in fields_in.iter().enumerate() {
        let fpath = format!("{path}.fields[{i}]");
        if !wires.insert(f.name.get_ref().clone()) {
            cx.err(&f.name, format!("{fpath}.name"), format!("duplicate field `{}`", f.name.get_ref()));
        }
        if *f.name.get_ref() == tag {
            cx.err(&f.name, format!("{fpath}.name"), format!("`{tag}` is the union's tag; it cannot also be a field"));
        }
        for a in &f.aliases {
            if *a.get_ref() == tag {
                cx.err(
                    a,
                    format!("{fpath}.aliases"),
                    format!("`{tag}` is the union's tag; it cannot also be an alias"),
                );
            } else if *a.get_ref() != *f.name.get_ref() && !wires.insert(a.get_ref().clone()) {
                cx.err(a, format!("{fpath}.aliases"), format!("`{}` is already a key of this union", a.get_ref()));
            }
        }
        let mut map = BTreeMap::new();
        match f.presence.get_ref() {
            model::Presence::One(_) => {
                let list: Vec<&str> = variants_in.iter().map(|v| v.tag.get_ref().as_str()).collect();
                cx.err(
                    &f.presence,
                    format!("{fpath}.presence"),
                    format!("a union field needs a presence per variant: a table with keys {}", list.join(", ")),
                );
            }
            model::Presence::PerVariant(pm) => {
                for (k, v) in pm {
                    if !tags.contains(k) {
                        let list: Vec<&str> = tags.iter().map(String::as_str).collect();
                        cx.err(
                            v,
                            format!("{fpath}.presence.{}", key_segment(k)),
                            format!("unknown variant `{}`; expected one of {}", k, list.join(", ")),
                        );
                        continue;
                    }
                    if cx.one_of(
                        v,
                        &format!("{fpath}.presence.{}", key_segment(k)),
                        &["required", "optional", "forbidden"],
                    ) {
                        map.insert(k.clone(), v.get_ref().clone());
                    }
                }
                for t in &tags {
                    if !pm.contains_key(t) {
                        cx.err(&f.presence, format!("{fpath}.presence"), format!("missing variant `{t}`: list every variant as \"required\", \"optional\" or \"forbidden\""));
                    }
                }
                if !map.is_empty() && map.values().all(|v| v == "forbidden") {
                    cx.err(&f.presence, format!("{fpath}.presence"), "every variant forbids this field; remove it");
                }
            }
        }
        for (k, at_mode) in &f.per_mode {
            let kpath = format!("{fpath}.per_mode.{}", key_segment(k));
            match map.get(k).map(String::as_str) {
                None => cx.err(at_mode, kpath, format!("unknown variant `{k}`")),
                Some("forbidden") => cx.err(
                    at_mode,
                    kpath,
                    format!("variant `{}` forbids this field, so it cannot have constraints for it", k),
                ),
                _ => {}
            }
        }
        if f.flatten {
            cx.err(&f.name, format!("{fpath}.flatten"), "flatten is only for object fields");
        }
        presence.push(map);
    }

    let mut variants = Vec::new();
    let mut payloads = Vec::new();
    for v in variants_in {
        let vtag = v.tag.get_ref();
        let mut fields = Vec::new();
        let mut forbidden = Vec::new();
        for (i, f) in fields_in.iter().enumerate() {
            let fpath = format!("{path}.fields[{i}]");
            match presence[i].get(vtag).map(String::as_str) {
                Some("forbidden") => forbidden.push(Forbidden {
                    wire: f.name.get_ref().clone(),
                    aliases: f.aliases.iter().map(|a| a.get_ref().clone()).collect(),
                    allowed_in: variants_in
                        .iter()
                        .filter(|o| presence[i].get(o.tag.get_ref()).is_some_and(|p| p != "forbidden"))
                        .map(|o| o.tag.get_ref().clone())
                        .collect(),
                    id_base: String::new(),
                }),
                Some(p) => {
                    let over = f.per_mode.get(vtag.as_str()).map(|o| (vtag.as_str(), o.as_ref()));
                    if let Some(field) =
                        lower_field(cx, kinds, counters, f, &fpath, usage, p == "required", over, false)
                    {
                        fields.push(field);
                    }
                }
                None => {}
            }
        }
        let payload = (!fields.is_empty()).then(|| format!("{}{}", v.name.get_ref(), uname));
        if let Some(pname) = &payload {
            payloads.push(Struct {
                name: pname.clone(),
                doc: format!("Fields of `{uname}` when `{tag}` is `{vtag}`: {}", v.doc.get_ref()),
                usage,
                source: source.clone(),
                decision: None,
                fields,
                variant_of: Some((uname.clone(), vtag.clone())),
                id_base: String::new(),
            });
        }
        variants.push(Variant {
            tag: vtag.clone(),
            name: v.name.get_ref().clone(),
            doc: v.doc.get_ref().clone(),
            payload,
            forbidden,
        });
    }
    let union = Union {
        name: uname,
        doc: t.doc.get_ref().clone(),
        usage,
        source,
        decision,
        tag,
        variants,
        all_keys: wires.into_iter().collect(),
        id_base: String::new(),
    };
    (union, payloads)
}

/// Wire names (aliases included) and Rust names of an object's fields must be unique.
fn dup_check(cx: &mut Cx, seen: &mut BTreeMap<String, ()>, f: &model::Field, fpath: &str, field: &Field) {
    if seen.insert(format!("wire:{}", field.wire), ()).is_some() && !field.flatten {
        cx.err(&f.name, format!("{fpath}.name"), format!("duplicate field `{}`", field.wire));
    }
    for (a, at) in field.aliases.iter().zip(&f.aliases) {
        if seen.insert(format!("wire:{a}"), ()).is_some() {
            cx.err(at, format!("{fpath}.aliases"), format!("`{a}` is already a key of this object"));
        }
    }
    if seen.insert(format!("rust:{}", field.rust), ()).is_some() {
        cx.err(
            &f.name,
            format!("{fpath}.rust_name"),
            format!("duplicate Rust field name `{}`; set a different rust_name", field.rust),
        );
    }
}

/// A flattened union's tag and keys live in its parent object: they must not collide.
fn check_flatten_collisions(cx: &mut Cx, spec: &SpecFile, types: &[TypeDef]) {
    for (name, at) in &spec.types {
        let t = at.as_ref();
        for (i, f) in t.fields.iter().flatten().enumerate() {
            if !f.flatten {
                continue;
            }
            let Some(TypeDef::Union(u)) = types.iter().find(|x| x.name() == f.ty.get_ref()) else { continue };
            let own: BTreeSet<&str> = t
                .fields
                .iter()
                .flatten()
                .filter(|g| !g.flatten)
                .flat_map(|g| std::iter::once(&g.name).chain(&g.aliases).map(|n| n.get_ref().as_str()))
                .collect();
            for k in std::iter::once(&u.tag).chain(u.all_keys.iter()) {
                if own.contains(k.as_str()) {
                    cx.err(
                        &f.name,
                        format!("types.{}.fields[{i}]", name),
                        format!("the flattened union {} brings key `{k}`, which the object also has", u.name),
                    );
                }
            }
        }
    }
}

/// Parses a type expression: `string`, `integer`, `boolean`, `unix_millis`, `millis`,
/// `array<T>`, `json<T>` or a declared type name.
fn parse_ty(cx: &mut Cx, kinds: &Kinds, at: &S, text: &str, path: &str, usage: Usage) -> Option<Ty> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("array<").and_then(|r| r.strip_suffix('>')) {
        return parse_ty(cx, kinds, at, inner, path, usage).map(|t| Ty::Array(Box::new(t)));
    }
    if let Some(inner) = text.strip_prefix("json<").and_then(|r| r.strip_suffix('>')) {
        let t = parse_ty(cx, kinds, at, inner, path, usage)?;
        if !matches!(t, Ty::Struct(_)) {
            cx.err(at, path, format!("json<{inner}>: the JSON document must be an object type"));
            return None;
        }
        if usage == Usage::Request {
            cx.err(at, path, "json<...> (a JSON document inside a string) is only supported in responses");
            return None;
        }
        return Some(Ty::Json(Box::new(t)));
    }
    match text {
        "string" => return Some(Ty::String),
        "integer" => return Some(Ty::Integer),
        "boolean" => return Some(Ty::Boolean),
        "unix_millis" => return Some(Ty::UnixMillis),
        "millis" => return Some(Ty::Millis),
        _ => {}
    }
    let Some(&(kind, tusage)) = kinds.0.get(text) else {
        let known: Vec<&str> = kinds.0.keys().map(String::as_str).collect();
        cx.err(
            at,
            path,
            format!(
                "unknown type `{text}`; expected string, integer, boolean, unix_millis, millis, array<T>, json<T> or a declared type ({})",
                known.join(", ")
            ),
        );
        return None;
    };
    if tusage != usage {
        let (a, b) = if usage == Usage::Request { ("request", "response") } else { ("response", "request") };
        cx.err(at, path, format!("a {a} type cannot use the {b} type `{text}`"));
        return None;
    }
    Some(match kind {
        Kind::Enum => Ty::Enum(text.to_owned()),
        Kind::Object => Ty::Struct(text.to_owned()),
        Kind::Union => Ty::Union(text.to_owned()),
    })
}

fn is_string_or_strings(t: &Ty) -> bool {
    match t {
        Ty::String | Ty::Media => true,
        Ty::Array(i) => matches!(**i, Ty::String | Ty::Media),
        _ => false,
    }
}

/// A string (or array of strings) field that also takes data URIs holds media sources.
fn as_media(t: Ty) -> Ty {
    match t {
        Ty::String => Ty::Media,
        Ty::Array(i) if *i == Ty::String => Ty::Array(Box::new(Ty::Media)),
        other => other,
    }
}

/// `1:2.5` as an exact width/height fraction, `(2, 5)`.
fn ratio(text: &str) -> Option<(u64, u64)> {
    let (w, h) = text.split_once(':')?;
    let dec = |s: &str| -> Option<(u64, u32)> {
        let s = s.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let scale = u32::try_from(frac.len()).ok()?;
        Some((format!("{int}{frac}").parse().ok()?, scale))
    };
    let ((wn, ws), (hn, hs)) = (dec(w)?, dec(h)?);
    // wn/10^ws : hn/10^hs  =  wn*10^hs : hn*10^ws
    let (num, den) = (wn.checked_mul(10u64.checked_pow(hs)?)?, hn.checked_mul(10u64.checked_pow(ws)?)?);
    if den == 0 || num == 0 {
        return None;
    }
    let g = gcd(num, den);
    Some((num / g, den / g))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A variant's override of a constraint, or the field's own, with the key path it is
/// written at (`types.Input.fields[1].per_mode.video-edit` for an override).
fn pick<'a, T>(over: Option<&'a T>, base: Option<&'a T>, path: &str, tag: Option<&str>) -> (Option<&'a T>, String) {
    match (over, tag) {
        (Some(c), Some(tag)) => (Some(c), format!("{path}.per_mode.{}", key_segment(tag))),
        _ => (base, path.to_owned()),
    }
}

#[allow(clippy::too_many_arguments)]
fn lower_field(
    cx: &mut Cx,
    kinds: &Kinds,
    counters: &[Counter],
    f: &model::Field,
    path: &str,
    usage: Usage,
    required: bool,
    over: Option<(&str, &model::PerMode)>,
    in_object: bool,
) -> Option<Field> {
    let wire = f.name.get_ref().clone();
    if wire.is_empty() {
        cx.err(&f.name, format!("{path}.name"), "the field name is empty");
    }
    let rust = f.rust_name.as_ref().map_or_else(|| field_ident(&wire), |r| r.get_ref().clone());
    if let Some(p) = crate::ir::names::ident_problem(&rust) {
        let at = f.rust_name.as_ref().unwrap_or(&f.name);
        cx.err(at, format!("{path}.rust_name"), format!("Rust field name `{rust}` {p}; set rust_name"));
    }
    let ty = parse_ty(cx, kinds, &f.ty, f.ty.get_ref(), &format!("{path}.type"), usage)?;
    let ty = if f.url.as_ref().is_some_and(|u| u.data.is_some()) { as_media(ty) } else { ty };
    if f.flatten && !(in_object && matches!(ty, Ty::Union(_))) {
        cx.err(&f.name, format!("{path}.flatten"), "only a union-typed field of an object can be flattened");
    }
    if usage == Usage::Response {
        let set: [(&str, bool); 6] = [
            ("length", f.length.is_some()),
            ("range", f.range.is_some()),
            ("items", f.items.is_some()),
            ("url", f.url.is_some()),
            ("media", f.media.is_some()),
            ("overflow", f.overflow.is_some()),
        ];
        for (k, is_set) in set {
            if is_set {
                cx.err(
                    &f.name,
                    format!("{path}.{k}"),
                    format!("`{k}` constrains requests; responses are parsed leniently and are not checked"),
                );
            }
        }
    }
    let mut checks = Vec::new();
    let tag = over.map(|(t, _)| t);
    let (length, length_at) = pick(over.and_then(|(_, o)| o.length.as_ref()), f.length.as_ref(), path, tag);
    let (range, range_at) = pick(over.and_then(|(_, o)| o.range.as_ref()), f.range.as_ref(), path, tag);
    let (items, items_at) = pick(over.and_then(|(_, o)| o.items.as_ref()), f.items.as_ref(), path, tag);
    let (media, media_at) = pick(over.and_then(|(_, o)| o.media.as_ref()), f.media.as_ref(), path, tag);
    let aliases = lower_aliases(cx, f, path, usage);

    if let Some(l) = length {
        let lpath = format!("{length_at}.length");
        if ty != Ty::String {
            cx.err(&l.max, &lpath, "`length` applies to string fields only");
        }
        let min = l.min.as_ref().map(|m| *m.get_ref());
        let max = *l.max.get_ref();
        if let Some(m) = &l.min
            && *m.get_ref() < 0
        {
            cx.err(m, format!("{lpath}.min"), "a length cannot be negative");
        }
        if max < 1 {
            cx.err(&l.max, format!("{lpath}.max"), "expected a maximum length of at least 1");
        }
        if let (Some(mn), Some(m)) = (min, &l.min)
            && mn > max
        {
            cx.err(m, format!("{lpath}.min"), format!("min ({mn}) is greater than max ({max})"));
        }
        let counter = match l.count.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("unicode_scalars") => Some(CounterRef::UnicodeScalars),
            Some("utf16_units") => Some(CounterRef::Utf16Units),
            Some("bytes") => Some(CounterRef::Bytes),
            Some(name) if counters.iter().any(|c| c.name == name) => Some(CounterRef::Weighted(name.to_owned())),
            Some(name) => {
                let mut known = vec!["unicode_scalars", "utf16_units", "bytes"];
                known.extend(counters.iter().map(|c| c.name.as_str()));
                if let Some(c) = &l.count {
                    cx.err(
                        c,
                        format!("{lpath}.count"),
                        format!("unknown counting rule `{name}`; expected one of {}", known.join(", ")),
                    );
                }
                None
            }
        };
        let source = cx.source(&l.source, &format!("{lpath}.source"));
        let decision = cx.decision(&l.decision, &lpath);
        if let Some(counter) = counter {
            checks.push(Check { kind: CheckKind::Length { min, max, counter }, source, decision });
        }
    }
    if let Some(r) = range {
        let rpath = format!("{range_at}.range");
        let at = r.min.as_ref().or(r.max.as_ref());
        if ty != Ty::Integer {
            cx.err_at(at.map(Spanned::span).or(Some(f.name.span())), &rpath, "`range` applies to integer fields only");
        }
        if r.min.is_none() && r.max.is_none() {
            cx.err(&f.name, &rpath, "a range needs `min`, `max` or both");
        }
        if let (Some(mn), Some(mx)) = (&r.min, &r.max)
            && mn.get_ref() > mx.get_ref()
        {
            cx.err(
                mn,
                format!("{rpath}.min"),
                format!("min ({}) is greater than max ({})", mn.get_ref(), mx.get_ref()),
            );
        }
        let source = cx.source(&r.source, &format!("{rpath}.source"));
        let decision = cx.decision(&r.decision, &rpath);
        checks.push(Check {
            kind: CheckKind::Range {
                min: r.min.as_ref().map(|m| *m.get_ref()),
                max: r.max.as_ref().map(|m| *m.get_ref()),
            },
            source,
            decision,
        });
    }
    if let Some(it) = items {
        let ipath = format!("{items_at}.items");
        if !matches!(ty, Ty::Array(_)) {
            cx.err(&f.name, &ipath, "`items` applies to array fields only");
        }
        if it.min.is_none() && it.max.is_none() {
            cx.err(&f.name, &ipath, "an item count needs `min`, `max` or both");
        }
        for b in [&it.min, &it.max].into_iter().flatten() {
            if *b.get_ref() < 0 {
                cx.err(b, &ipath, "an item count cannot be negative");
            }
        }
        if let (Some(mn), Some(mx)) = (&it.min, &it.max)
            && mn.get_ref() > mx.get_ref()
        {
            cx.err(
                mn,
                format!("{ipath}.min"),
                format!("min ({}) is greater than max ({})", mn.get_ref(), mx.get_ref()),
            );
        }
        let source = cx.source(&it.source, &format!("{ipath}.source"));
        let decision = cx.decision(&it.decision, &ipath);
        checks.push(Check {
            kind: CheckKind::Items {
                min: it.min.as_ref().map(|m| *m.get_ref()),
                max: it.max.as_ref().map(|m| *m.get_ref()),
            },
            source,
            decision,
        });
    }
    if let Some(u) = &f.url {
        let upath = format!("{path}.url");
        if !is_string_or_strings(&ty) {
            cx.err(&u.schemes, &upath, "`url` applies to string or array<string> fields only");
        }
        if u.schemes.get_ref().is_empty() {
            cx.err(&u.schemes, format!("{upath}.schemes"), "list at least one scheme");
        }
        for s in u.schemes.get_ref() {
            if s.get_ref().is_empty() || !s.get_ref().bytes().all(|b| b.is_ascii_lowercase()) {
                cx.err(
                    s,
                    format!("{upath}.schemes"),
                    format!("`{}`: expected a lower-case scheme such as \"https\"", s.get_ref()),
                );
            }
        }
        let source = cx.source(&u.source, &format!("{upath}.source"));
        let decision = cx.decision(&u.decision, &upath);
        let data: Vec<String> = u
            .data
            .as_ref()
            .map(|d| d.types.get_ref().iter().map(|t| t.get_ref().clone()).collect())
            .unwrap_or_default();
        checks.push(Check {
            kind: CheckKind::Url {
                schemes: u.schemes.get_ref().iter().map(|s| s.get_ref().clone()).collect(),
                data: data.clone(),
            },
            source: source.clone(),
            decision: decision.clone(),
        });
        if let Some(d) = &u.data {
            let dpath = format!("{upath}.data");
            if data.is_empty() {
                cx.err(&d.types, format!("{dpath}.types"), "list at least one media type, such as \"image\"");
            }
            for t in d.types.get_ref() {
                if t.get_ref().is_empty() || !t.get_ref().bytes().all(|b| b.is_ascii_lowercase()) {
                    cx.err(
                        t,
                        format!("{dpath}.types"),
                        format!("`{}`: expected a media type such as \"image\"", t.get_ref()),
                    );
                }
            }
            let max_bytes = u64::try_from(*d.max_bytes.get_ref()).ok().filter(|n| *n > 0).unwrap_or_else(|| {
                cx.err(&d.max_bytes, format!("{dpath}.max_bytes"), "expected a positive byte count");
                1
            });
            let source = cx.source(&d.source, &format!("{dpath}.source"));
            let decision = cx.decision(&d.decision, &dpath);
            checks.push(Check { kind: CheckKind::DataUri { types: data, max_bytes }, source, decision });
        }
        if u.public {
            checks.push(Check { kind: CheckKind::PublicUrl, source, decision });
        }
    }
    let media = media.map(|m| {
        let mpath = format!("{media_at}.media");
        if !is_string_or_strings(&ty) {
            cx.err(&m.max_bytes, &mpath, "`media` applies to URL fields (string or array<string>) only");
        }
        let mut px =
            |v: &Option<toml::Spanned<i64>>, key: &str| v.as_ref().map(|v| cx.u32(v, &format!("{mpath}.{key}")));
        let min_short_edge_px = px(&m.min_short_edge_px, "min_short_edge_px");
        let min_width_px = px(&m.min_width_px, "min_width_px");
        let min_height_px = px(&m.min_height_px, "min_height_px");
        let max_bytes = u64::try_from(*m.max_bytes.get_ref()).unwrap_or_else(|_| {
            cx.err(&m.max_bytes, format!("{mpath}.max_bytes"), "expected a non-negative byte count");
            0
        });
        let aspect = m.aspect.as_ref().and_then(|a| {
            let parse = |cx: &mut Cx, v: &toml::Spanned<String>, key: &str| {
                let r = ratio(v.get_ref());
                if r.is_none() {
                    cx.err(
                        v,
                        format!("{mpath}.aspect.{key}"),
                        format!("`{}`: expected a width:height ratio such as \"1:2.5\"", v.get_ref()),
                    );
                }
                r
            };
            let (lo, hi) = (parse(cx, &a.min, "min"), parse(cx, &a.max, "max"));
            let (lo, hi) = (lo?, hi?);
            if u128::from(lo.0) * u128::from(hi.1) > u128::from(hi.0) * u128::from(lo.1) {
                cx.err(
                    &a.min,
                    format!("{mpath}.aspect.min"),
                    format!("min ({}) is wider than max ({})", a.min.get_ref(), a.max.get_ref()),
                );
            }
            Some((lo, hi))
        });
        Media {
            formats: m.formats.iter().map(|s| s.get_ref().clone()).collect(),
            min_short_edge_px,
            min_width_px,
            min_height_px,
            aspect,
            aspect_text: m.aspect.as_ref().map(|a| (a.min.get_ref().clone(), a.max.get_ref().clone())),
            max_bytes,
            source: cx.source(&m.source, &format!("{mpath}.source")),
            decision: cx.decision(&m.decision, &mpath),
        }
    });
    let overflow = f.overflow.as_ref().map(|o| {
        let opath = format!("{path}.overflow");
        cx.one_of(&o.server, &format!("{opath}.server"), &["truncate", "reject"]);
        cx.one_of(&o.client, &format!("{opath}.client"), &["reject"]);
        if length.is_none() {
            cx.err(&o.server, &opath, "`overflow` needs a `length` limit on the same field");
        }
        Overflow {
            server_truncates: o.server.get_ref() == "truncate",
            source: cx.source(&o.source, &format!("{opath}.source")),
            decision: cx.decision(&o.decision, &opath),
        }
    });
    let default = f
        .default
        .as_ref()
        .and_then(|d| lower_default(cx, kinds, d, &ty, required, &checks, &format!("{path}.default")));
    let doc = over.and_then(|(_, o)| o.doc.as_ref()).unwrap_or(&f.doc).get_ref().clone();
    Some(Field {
        wire,
        aliases,
        rust,
        ty,
        required,
        flatten: f.flatten,
        doc,
        unit: f.unit.as_ref().map(|u| u.get_ref().clone()),
        default,
        examples: f.examples.iter().map(|e| e.get_ref().clone()).collect(),
        checks,
        media,
        overflow,
        source: cx.source(&f.source, &format!("{path}.source")),
        decision: cx.decision(&f.decision, path),
        id_base: String::new(),
    })
}

/// `aliases` of a field: other wire names of a request field, each unlike the name and the
/// others (their uniqueness among the object's keys is checked with the object).
fn lower_aliases(cx: &mut Cx, f: &model::Field, path: &str, usage: Usage) -> Vec<String> {
    let apath = format!("{path}.aliases");
    let mut out: Vec<String> = Vec::new();
    for a in &f.aliases {
        let name = a.get_ref();
        if usage == Usage::Response {
            cx.err(a, &apath, "aliases are for request fields (a request field documented under two names); responses are read leniently");
        } else if f.flatten {
            cx.err(a, &apath, "a flattened union has no wire name of its own, so it has no aliases");
        } else if name.is_empty() {
            cx.err(a, &apath, "an alias is empty");
        } else if name == f.name.get_ref() || out.contains(name) {
            cx.err(a, &apath, format!("`{name}` is listed twice (the field's name is `{}`)", f.name.get_ref()));
        } else {
            out.push(name.clone());
        }
    }
    out
}

/// A default must have the field's type and satisfy the field's own constraints.
fn lower_default(
    cx: &mut Cx,
    _kinds: &Kinds,
    d: &Spanned<toml::Value>,
    ty: &Ty,
    required: bool,
    checks: &[Check],
    path: &str,
) -> Option<DefaultValue> {
    if required && !matches!(ty, Ty::Union(_)) {
        cx.err(d, path, "a required field cannot have a default: the caller always gives it");
        return None;
    }
    match (ty, d.get_ref()) {
        (Ty::Enum(_), toml::Value::String(s)) | (Ty::Union(_), toml::Value::String(s)) => {
            Some(DefaultValue::Tag(s.clone()))
        }
        (Ty::Integer, toml::Value::Integer(n)) => {
            for c in checks {
                // An inconsistent range (min > max) is reported on its own.
                if let CheckKind::Range { min, max } = c.kind
                    && !matches!((min, max), (Some(a), Some(b)) if a > b)
                    && (min.is_some_and(|m| *n < m) || max.is_some_and(|m| *n > m))
                {
                    cx.err(
                        d,
                        path,
                        format!("default {n} is outside the field's range {}..={}", fmt_bound(min), fmt_bound(max)),
                    );
                    return None;
                }
            }
            Some(DefaultValue::Integer(*n))
        }
        (Ty::Boolean, toml::Value::Boolean(b)) => Some(DefaultValue::Boolean(*b)),
        (Ty::Enum(_) | Ty::Union(_), v) => {
            cx.err(d, path, format!("expected a string (one of the type's values), found {}", v.type_str()));
            None
        }
        (Ty::Integer, v) => {
            cx.err(d, path, format!("expected an integer, found {}", v.type_str()));
            None
        }
        (Ty::Boolean, v) => {
            cx.err(d, path, format!("expected a boolean, found {}", v.type_str()));
            None
        }
        _ => {
            cx.err(d, path, "defaults are supported for enum, union, integer and boolean fields only");
            None
        }
    }
}

fn fmt_bound(b: Option<i64>) -> String {
    b.map_or_else(String::new, |v| v.to_string())
}

/// Checks enum/union defaults against the lowered types (needs all types first).
fn check_tag_defaults(cx: &mut Cx, spec: &SpecFile, types: &[TypeDef]) {
    for (name, at) in &spec.types {
        let t = at.as_ref();
        for (i, f) in t.fields.iter().flatten().enumerate() {
            let Some(d) = &f.default else { continue };
            let toml::Value::String(s) = d.get_ref() else { continue };
            let path = format!("types.{}.fields[{i}].default", name);
            let usage = if t.usage.get_ref() == "request" { Usage::Request } else { Usage::Response };
            let ty = types.iter().find(|x| x.name() == f.ty.get_ref());
            // A field whose type has the other usage is already reported.
            let same_usage = match ty {
                Some(TypeDef::Enum(e)) => e.usage == usage,
                Some(TypeDef::Union(u)) => u.usage == usage,
                _ => true,
            };
            if !same_usage {
                continue;
            }
            match ty {
                Some(TypeDef::Enum(e)) if !e.values.iter().any(|v| &v.wire == s) => {
                    let list: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
                    cx.err(
                        d,
                        path,
                        format!("default `{s}` is not a value of {}; expected one of {}", e.name, list.join(", ")),
                    );
                }
                Some(TypeDef::Union(u)) => match u.variants.iter().find(|v| &v.tag == s) {
                    None => {
                        let list: Vec<&str> = u.variants.iter().map(|v| v.tag.as_str()).collect();
                        cx.err(
                            d,
                            path,
                            format!(
                                "default `{s}` is not a variant of {}; expected one of {}",
                                u.name,
                                list.join(", ")
                            ),
                        );
                    }
                    Some(v) => {
                        let needs =
                            v.payload.as_ref().and_then(|p| types.iter().find(|x| x.name() == p)).is_some_and(|p| {
                                match p {
                                    TypeDef::Struct(s) => s.fields.iter().any(|f| f.required),
                                    _ => false,
                                }
                            });
                        if needs {
                            cx.err(
                                d,
                                path,
                                format!("default variant `{s}` has required fields, so it cannot be a default"),
                            );
                        }
                    }
                },
                _ => {}
            }
        }
    }
}
