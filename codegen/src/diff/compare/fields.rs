//! Fields of objects and of unions (one Rust struct per mode). A field is matched by its
//! wire name; a field removed and another added at the same position with the same type
//! and presence is reported as a rename. A union field's changes that are the same in
//! every mode that has the field are reported once, at the field's key; the others per
//! mode (`types.Input.fields[image_urls].per_mode.reference-to-video.items`).

use super::{Cx, Pair, limits, pairs};
use crate::diff::change::{Change, Class, Reach};
use crate::ir::{Decision, DefaultValue, Field, Module, Struct, Ty, Types, Union, Usage, Variant};

/// One difference between two versions of a field, before it is placed in a struct.
#[derive(Debug, Clone)]
pub(super) struct Delta {
    class: Class,
    reach: Option<Reach>,
    /// Spec key under the field, `items`, `default`.
    aspect: String,
    /// What changed, `item count`.
    what: String,
    old: Option<String>,
    new: Option<String>,
    effect: String,
    affects: Vec<String>,
}

impl Delta {
    /// A delta with no values, effect or affected items yet.
    pub fn new(class: Class, aspect: &str, what: &str) -> Self {
        Delta {
            class,
            reach: (class == Class::Breaking).then_some(Reach::AnyUse),
            aspect: aspect.to_owned(),
            what: what.to_owned(),
            old: None,
            new: None,
            effect: String::new(),
            affects: Vec::new(),
        }
    }

    /// Sets the values before and after.
    pub fn values(mut self, old: Option<String>, new: Option<String>) -> Self {
        (self.old, self.new) = (old, new);
        self
    }

    /// Sets the effect.
    pub fn effect(mut self, e: impl Into<String>) -> Self {
        self.effect = e.into();
        self
    }

    /// Adds an affected item.
    pub fn affects(mut self, item: impl Into<String>) -> Self {
        self.affects.push(item.into());
        self
    }

    /// A changed decision (documentation).
    pub fn decision(aspect: &str, old: &Option<Decision>, new: &Option<Decision>, field: &str) -> Self {
        let text = |d: &Decision| d.choice.clone();
        Delta::new(Class::Docs, aspect, "decision")
            .values(old.as_ref().map(text), new.as_ref().map(text))
            .effect("rustdoc only")
            .affects(field.to_owned())
    }

    /// Same change, wherever it is (the affected items aside).
    fn same(&self, o: &Delta) -> bool {
        (self.class, self.reach, &self.aspect, &self.what, &self.old, &self.new, &self.effect)
            == (o.class, o.reach, &o.aspect, &o.what, &o.old, &o.new, &o.effect)
    }

    /// The change at field key `key` (the aspect is appended), about `subject` (the
    /// aspect's words are appended, then `suffix`).
    fn into_change(self, key: &str, subject: &str, suffix: &str) -> Change {
        let key = if self.aspect.is_empty() { key.to_owned() } else { format!("{key}.{}", self.aspect) };
        let mut c = Change::new(self.class, key, format!("{subject} {}{suffix}", self.what))
            .values(self.old, self.new)
            .effect(self.effect);
        c.reach = self.reach;
        c.affects = self.affects;
        c
    }
}

/// The spec type of a field, `array<string>`.
pub(super) fn ty_text(t: &Ty) -> String {
    match t {
        Ty::String => "string".into(),
        Ty::Integer => "integer".into(),
        Ty::Boolean => "boolean".into(),
        Ty::UnixMillis => "unix_millis".into(),
        Ty::Millis => "millis".into(),
        Ty::Array(i) => format!("array<{}>", ty_text(i)),
        Ty::Json(i) => format!("json<{}>", ty_text(i)),
        Ty::Enum(n) | Ty::Struct(n) | Ty::Union(n) => n.clone(),
        Ty::Media => "string (a URL or data URI, MediaSource)".into(),
    }
}

fn default_text(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Tag(s) => s.clone(),
        DefaultValue::Integer(i) => i.to_string(),
        DefaultValue::Boolean(b) => b.to_string(),
    }
}

/// `name` of the `_or_default()` getter the generator emits for a field, if any.
fn default_getter(f: &Field, usage: Usage) -> Option<String> {
    (usage == Usage::Request && !f.required && !f.flatten && f.default.is_some())
        .then(|| format!("{}_or_default()", f.rust.trim_end_matches('_')))
}

/// Everything that changed in a field except its presence and wire name. `owner` is the
/// Rust struct holding the new field; `key` the spec key of the field and `mode` the
/// union variant, for provenance notes.
fn deltas(cx: &mut Cx, a: &Field, b: &Field, owner: &str, usage: Usage, key: &str, mode: Option<&str>) -> Vec<Delta> {
    let m = cx.module;
    let field = super::item(m, &format!("{owner}::{}", b.rust));
    let mut out = Vec::new();
    if a.rust != b.rust && a.wire == b.wire {
        out.push(
            Delta::new(Class::Breaking, "rust_name", "Rust name")
                .values(Some(a.rust.clone()), Some(b.rust.clone()))
                .effect("the Rust field is renamed")
                .affects(field.clone()),
        );
    }
    if a.ty != b.ty {
        out.push(
            Delta::new(Class::Breaking, "type", "type")
                .values(Some(ty_text(&a.ty)), Some(ty_text(&b.ty)))
                .effect("the Rust field has another type")
                .affects(field.clone()),
        );
    }
    if a.flatten != b.flatten {
        out.push(
            Delta::new(Class::Breaking, "flatten", "flattening")
                .values(Some(a.flatten.to_string()), Some(b.flatten.to_string()))
                .effect("the union's fields move between this object and a nested object")
                .affects(field.clone()),
        );
    }
    if a.default != b.default {
        let (ga, gb) = (default_getter(a, usage), default_getter(b, usage));
        let (class, effect) = match (&ga, &gb) {
            (None, Some(g)) => (Class::Additive, format!("new `{g}` returns the documented default")),
            (Some(g), None) => (Class::Breaking, format!("`{g}` is gone")),
            _ if b.flatten => (Class::Behaviour, "`new()` starts from the new default variant".to_owned()),
            _ => (Class::Behaviour, "the provider applies the new value when the field is omitted".to_owned()),
        };
        let item = gb.or(ga).map_or(field.clone(), |g| super::item(m, &format!("{owner}::{g}")));
        out.push(
            Delta::new(class, "default", "default")
                .values(a.default.as_ref().map(default_text), b.default.as_ref().map(default_text))
                .effect(effect)
                .affects(item),
        );
    }
    if a.aliases != b.aliases && usage == Usage::Request {
        // Reading accepts the names listed: a name added is looser, a name removed stricter.
        let added = b.aliases.iter().any(|n| !a.aliases.contains(n));
        let removed = a.aliases.iter().any(|n| !b.aliases.contains(n));
        let effect = match (added, removed) {
            (true, false) => {
                "validation accepts the field under the new name too (looser); the client still writes its name"
            }
            (false, true) => "validation rejects the field under the removed name (stricter)",
            _ => "validation accepts the field under other names (looser and stricter)",
        };
        let names = |f: &Field| (!f.aliases.is_empty()).then(|| f.aliases.join(", "));
        out.push(
            Delta::new(Class::Behaviour, "aliases", "other wire names")
                .values(names(a), names(b))
                .effect(effect)
                .affects(super::item(m, &format!("{owner}::from_json_value"))),
        );
    }
    for c in &a.checks {
        if let Some(d) = b.checks.iter().find(|d| d.kind.rule() == c.kind.rule()) {
            let at = match (limits_key(&d.kind), mode) {
                (aspect @ ("length" | "range" | "items"), Some(t)) => {
                    format!("{key}.per_mode.{}.{aspect}", crate::ir::names::key_segment(t))
                }
                (aspect, _) => format!("{key}.{aspect}"),
            };
            cx.source(&at, &c.source, &d.source);
        }
    }
    out.extend(limits::deltas(a, b, &field));
    let docs = |aspect: &str, what: &str, o: String, n: String| {
        (o != n).then(|| {
            Delta::new(Class::Docs, aspect, what).values(Some(o), Some(n)).effect("rustdoc only").affects(field.clone())
        })
    };
    out.extend(docs("doc", "doc", a.doc.clone(), b.doc.clone()));
    out.extend(docs("unit", "unit", super::opt_text(a.unit.as_ref()), super::opt_text(b.unit.as_ref())));
    out.extend(docs("examples", "examples", a.examples.join(" | "), b.examples.join(" | ")));
    if a.decision != b.decision {
        out.push(Delta::decision("decision", &a.decision, &b.decision, &field));
    }
    cx.source(key, &a.source, &b.source);
    out
}

fn limits_key(k: &crate::ir::CheckKind) -> &'static str {
    match k.rule() {
        "url" => "url",
        "url_public" => "url",
        r => r,
    }
}

fn type_words(f: &Field) -> String {
    let t = ty_text(&f.ty);
    if f.required { format!("`{t}`") } else { format!("`Option<{t}>`") }
}

/// A field's presence changed (`required` ↔ `optional`).
fn presence_changed(a: &Field, b: &Field, usage: Usage, item: String) -> Delta {
    let word = |f: &Field| if f.required { "required" } else { "optional" };
    let effect = match (usage, b.required) {
        (Usage::Request, true) => {
            format!(
                "`new()` takes it and it is {}, no longer {}; raw JSON without it is rejected",
                type_words(b),
                type_words(a)
            )
        }
        (Usage::Request, false) => format!("it is {}, no longer {}; it may be omitted", type_words(b), type_words(a)),
        (Usage::Response, true) => {
            format!("it is {}, no longer {}; answers without it fail to decode", type_words(b), type_words(a))
        }
        (Usage::Response, false) => format!("it is {}, no longer {}", type_words(b), type_words(a)),
    };
    Delta::new(Class::Breaking, "presence", "presence")
        .values(Some(word(a).into()), Some(word(b).into()))
        .effect(effect)
        .affects(item)
}

/// A field that `owners` gained (`required` in at least one of them when `required`).
fn added(cx: &Cx, f: &Field, usage: Usage, required: bool, owners: &[&str]) -> Delta {
    let m = cx.module;
    let (class, reach) = match (usage, required) {
        (Usage::Request, true) => (Class::Breaking, Some(Reach::AnyUse)),
        _ => cx.surface.optional_field_added(owners.iter().copied()),
    };
    let effect = match (usage, required) {
        (Usage::Request, true) => "a new required field: `new()` takes it; raw JSON without it is rejected".to_owned(),
        (Usage::Request, false) => {
            format!("a new optional field, set with `with_{}()`", f.rust.trim_end_matches('_'))
        }
        (Usage::Response, true) => "a new required field: answers without it fail to decode".to_owned(),
        (Usage::Response, false) => "a new optional field, decoded when present".to_owned(),
    };
    let mut d = Delta::new(class, "", "added").values(None, Some(ty_text(&f.ty))).effect(effect);
    d.reach = reach;
    for o in owners {
        d = d.affects(super::item(m, &format!("{o}::{}", f.rust)));
    }
    d
}

fn removed(cx: &Cx, f: &Field, usage: Usage, owners: &[&str]) -> Delta {
    let m = cx.module;
    let effect = match usage {
        Usage::Request => "the Rust field is gone; raw JSON with it is rejected as an unknown field",
        Usage::Response => "the Rust field is gone; the value is ignored if still sent",
    };
    let mut d = Delta::new(Class::Breaking, "", "removed").values(Some(ty_text(&f.ty)), None).effect(effect);
    for o in owners {
        d = d.affects(super::item(m, &format!("{o}::{}", f.rust)));
    }
    d
}

/// Places a delta of a field `types.<ty>.fields[<wire>]`.
fn place(cx: &mut Cx, d: Delta, ty: &str, wire: &str) {
    cx.add(d.into_change(&format!("types.{ty}.fields[{wire}]"), &format!("`{ty}.{wire}`"), ""));
}

fn similar(a: &Field, b: &Field) -> bool {
    a.ty == b.ty && a.required == b.required && a.flatten == b.flatten
}

/// Compares two versions of an object type.
pub(super) fn object(cx: &mut Cx, a: &Struct, b: &Struct) {
    let m = cx.module;
    let ty = &b.name;
    for p in pairs(&a.fields, &b.fields, |f| f.wire.clone(), Some(&similar)) {
        match p {
            Pair::Removed(f) => place(cx, removed(cx, f, b.usage, &[a.name.as_str()]), ty, &f.wire),
            Pair::Added(f) => place(cx, added(cx, f, b.usage, f.required, &[b.name.as_str()]), ty, &f.wire),
            Pair::Renamed(x, y) => {
                let field = super::item(m, &format!("{ty}::{}", y.rust));
                let d = Delta::new(Class::Breaking, "", "renamed")
                    .values(Some(x.wire.clone()), Some(y.wire.clone()))
                    .effect(format!(
                        "looks like a rename (same position, type and presence): `{}` is now `{}`",
                        x.rust, y.rust
                    ))
                    .affects(field);
                place(cx, d, ty, &y.wire);
                let key = format!("types.{ty}.fields[{}]", y.wire);
                for d in deltas(cx, x, y, ty, b.usage, &key, None) {
                    place(cx, d, ty, &y.wire);
                }
            }
            Pair::Both(x, y) => {
                if x.required != y.required {
                    let item = super::item(m, &format!("{ty}::{}", y.rust));
                    place(cx, presence_changed(x, y, b.usage, item), ty, &y.wire);
                }
                let key = format!("types.{ty}.fields[{}]", y.wire);
                for d in deltas(cx, x, y, ty, b.usage, &key, None) {
                    place(cx, d, ty, &y.wire);
                }
            }
        }
    }
}

/// A field's presence in one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
    Forbidden,
}

impl Presence {
    fn word(self) -> &'static str {
        match self {
            Presence::Required => "required",
            Presence::Optional => "optional",
            Presence::Forbidden => "forbidden",
        }
    }
}

/// The field `wire` in variant `v` (its payload struct and the field), or why it is absent.
fn in_variant<'a>(m: &'a Module, v: &Variant, wire: &str) -> (Presence, Option<(&'a Struct, &'a Field)>) {
    let payload = v.payload.as_deref().and_then(|p| m.struct_def(p));
    match payload.and_then(|s| s.fields.iter().find(|f| f.wire == wire).map(|f| (s, f))) {
        Some((s, f)) => (if f.required { Presence::Required } else { Presence::Optional }, Some((s, f))),
        None => (Presence::Forbidden, None),
    }
}

/// Compares two versions of a union: its tag, its variants (modes) and their fields.
pub(super) fn union(cx: &mut Cx, a: &Union, b: &Union, om: &Module, nm: &Module) {
    let m = cx.module;
    let key = format!("types.{}", b.name);
    let name = &b.name;
    cx.value(&a.tag, &b.tag, || {
        Change::new(Class::Behaviour, format!("{key}.tag"), format!("`{name}` tag field"))
            .effect("the variant is selected by another JSON field")
            .affects(format!("`{m}::{name}`"))
    });
    let vpairs = pairs(&a.variants, &b.variants, |v| v.tag.clone(), Some(&|_, _| true));
    let mut matched = Vec::new();
    for p in &vpairs {
        match *p {
            Pair::Removed(v) => cx.add(
                Change::new(Class::Breaking, format!("{key}.variants[{}]", v.tag), format!("`{name}` variant removed"))
                    .values(Some(v.tag.clone()), None)
                    .effect(format!("`{name}::{}` and its fields are gone; the value is rejected", v.name))
                    .affects(super::item(m, &format!("{name}::{}", v.name))),
            ),
            Pair::Added(v) => {
                let (class, reach) = cx.surface.variant_added(name);
                let mut c = Change::new(class, format!("{key}.variants[{}]", v.tag), format!("`{name}` variant added"))
                    .values(None, Some(v.tag.clone()))
                    .effect(format!("new variant `{name}::{}`: {}", v.name, v.doc))
                    .affects(super::item(m, &format!("{name}::{}", v.name)));
                c.reach = reach;
                cx.add(c);
            }
            Pair::Renamed(x, y) => {
                let (class, effect) = if x.name == y.name {
                    (Class::Behaviour, format!("`{name}::{}` is sent as `{}`", y.name, y.tag))
                } else {
                    (
                        Class::Breaking,
                        format!("looks like a rename (same position): `{name}::{}` is now `{}`", x.name, y.name),
                    )
                };
                cx.add(
                    Change::new(class, format!("{key}.variants[{}]", y.tag), format!("`{name}` variant renamed"))
                        .between(&x.tag, &y.tag)
                        .effect(effect)
                        .affects(super::item(m, &format!("{name}::{}", y.name))),
                );
                matched.push((x, y));
            }
            Pair::Both(x, y) => {
                let vkey = format!("{key}.variants[{}]", y.tag);
                cx.value(&x.name, &y.name, || {
                    Change::new(
                        Class::Breaking,
                        format!("{vkey}.name"),
                        format!("`{name}` variant `{}` Rust name", y.tag),
                    )
                    .effect("the Rust variant is renamed")
                    .affects(format!("`{m}::{name}`"))
                });
                cx.value(super::opt_text(x.payload.as_ref()), super::opt_text(y.payload.as_ref()), || {
                    Change::new(
                        Class::Breaking,
                        format!("{vkey}.payload"),
                        format!("`{name}` variant `{}` payload struct", y.tag),
                    )
                    .effect("the variant's fields are in another Rust struct")
                    .affects(format!("`{m}::{name}`"))
                });
                let item = super::item(m, &format!("{name}::{}", y.name));
                cx.doc(&vkey, &format!("`{name}` variant `{}`", y.tag), &x.doc, &y.doc, item);
                matched.push((x, y));
            }
        }
    }
    let mut wires: Vec<&String> = a.all_keys.iter().collect();
    wires.extend(b.all_keys.iter().filter(|w| !a.all_keys.contains(w)));
    for wire in wires {
        union_field(cx, a, b, om, nm, &matched, wire);
    }
}

fn union_field(
    cx: &mut Cx,
    a: &Union,
    b: &Union,
    om: &Module,
    nm: &Module,
    matched: &[(&Variant, &Variant)],
    wire: &str,
) {
    let m = cx.module;
    let name = &b.name;
    let fkey = format!("types.{name}.fields[{wire}]");
    let holders = |m: &Module, vs: &[Variant]| -> Vec<(String, Field, bool)> {
        vs.iter()
            .filter_map(|v| match in_variant(m, v, wire) {
                (p, Some((s, f))) => Some((s.name.clone(), f.clone(), p == Presence::Required)),
                _ => None,
            })
            .collect()
    };
    if !a.all_keys.iter().any(|w| w == wire) || !b.all_keys.iter().any(|w| w == wire) {
        let (in_new, vs, m) =
            if a.all_keys.iter().any(|w| w == wire) { (false, &a.variants, om) } else { (true, &b.variants, nm) };
        let held = holders(m, vs);
        let Some((_, f, _)) = held.first() else { return };
        let owners: Vec<&str> = held.iter().map(|(s, _, _)| s.as_str()).collect();
        let modes: Vec<String> = vs.iter().map(|v| format!("{}: {}", v.tag, in_variant(m, v, wire).0.word())).collect();
        let d = if in_new {
            let required = held.iter().any(|(_, _, r)| *r);
            added(cx, f, Usage::Request, required, &owners)
        } else {
            removed(cx, f, Usage::Request, &owners)
        };
        let mut c = d.into_change(&fkey, &format!("`{name}.{wire}`"), "");
        let text = Some(format!("{} ({})", ty_text(&f.ty), modes.join(", ")));
        if in_new {
            c.new = text;
        } else {
            c.old = text;
        }
        cx.add(c);
        return;
    }
    // Per mode: presence changes now, field deltas collected for folding.
    let mut per_mode: Vec<(&str, Vec<Delta>)> = Vec::new();
    for (va, vb) in matched {
        let ((pa, fa), (pb, fb)) = (in_variant(om, va, wire), in_variant(nm, vb, wire));
        let pkey = format!("{fkey}.presence.{}", vb.tag);
        let subject = format!("`{name}.{wire}`");
        let suffix = format!(" (mode `{}`)", vb.tag);
        match (fa, fb) {
            (Some((_, x)), Some((sb, y))) => {
                if pa != pb {
                    let item = super::item(m, &format!("{}::{}", sb.name, y.rust));
                    let mut c = presence_changed(x, y, Usage::Request, item).into_change(&fkey, &subject, &suffix);
                    c.key = pkey;
                    cx.add(c);
                }
                per_mode.push((vb.tag.as_str(), deltas(cx, x, y, &sb.name, Usage::Request, &fkey, Some(&vb.tag))));
            }
            (None, Some((sb, y))) => {
                let d = added(cx, y, Usage::Request, pb == Presence::Required, &[&sb.name]);
                let mut c = d.into_change(&fkey, &subject, &suffix);
                (c.key, c.old, c.new) = (pkey, Some(pa.word().into()), Some(pb.word().into()));
                cx.add(c);
            }
            (Some((sa, x)), None) => {
                let d = removed(cx, x, Usage::Request, &[&sa.name]);
                let mut c = d.into_change(&fkey, &subject, &suffix);
                (c.key, c.old, c.new) = (pkey, Some(pa.word().into()), Some(pb.word().into()));
                cx.add(c);
            }
            (None, None) => {}
        }
    }
    fold_modes(cx, per_mode, name, wire);
}

/// Reports deltas that every mode shares once, at the field's key; the rest per mode.
fn fold_modes(cx: &mut Cx, per_mode: Vec<(&str, Vec<Delta>)>, name: &str, wire: &str) {
    let fkey = format!("types.{name}.fields[{wire}]");
    let modes = per_mode.len();
    let mut done: Vec<Delta> = Vec::new();
    for (i, (tag, ds)) in per_mode.iter().enumerate() {
        for d in ds {
            if done.iter().any(|x| x.same(d)) {
                continue;
            }
            let holders: Vec<(&str, &Delta)> =
                per_mode[i..].iter().filter_map(|(t, ds)| ds.iter().find(|x| x.same(d)).map(|x| (*t, x))).collect();
            let earlier = per_mode[..i].iter().any(|(_, ds)| ds.iter().any(|x| x.same(d)));
            if holders.len() == modes && !earlier {
                let mut merged = d.clone();
                merged.affects = holders.iter().flat_map(|(_, x)| x.affects.clone()).collect();
                cx.add(merged.into_change(&fkey, &format!("`{name}.{wire}`"), ""));
                done.push(d.clone());
            } else {
                let key = format!("{fkey}.per_mode.{}", crate::ir::names::key_segment(tag));
                cx.add(d.clone().into_change(&key, &format!("`{name}.{wire}`"), &format!(" (mode `{tag}`)")));
            }
        }
    }
}
