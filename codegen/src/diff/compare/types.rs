//! Named types: added, removed, kind and usage changes, and enums (values, aliases,
//! phases, retry advice). Objects and unions are compared in [`super::fields`].

use super::{Cx, Pair, fields, pairs};
use crate::diff::change::{Change, Class, Reach};
use crate::ir::{Enum, EnumValue, Module, Phase, Ty, TypeDef, Usage};

fn kind(t: &TypeDef) -> &'static str {
    match t {
        TypeDef::Enum(_) => "enum",
        TypeDef::Struct(_) => "object",
        TypeDef::Union(_) => "union",
    }
}

fn usage(t: &TypeDef) -> Usage {
    match t {
        TypeDef::Enum(e) => e.usage,
        TypeDef::Struct(s) => s.usage,
        TypeDef::Union(u) => u.usage,
    }
}

fn usage_word(u: Usage) -> &'static str {
    match u {
        Usage::Request => "request",
        Usage::Response => "response",
    }
}

/// The declared types: union payload structs are compared with their union.
fn declared(m: &Module) -> Vec<TypeDef> {
    m.types.iter().filter(|t| !matches!(t, TypeDef::Struct(s) if s.variant_of.is_some())).cloned().collect()
}

pub(super) fn all(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    for p in pairs(&declared(o), &declared(n), |t| t.name().to_owned(), None) {
        match p {
            Pair::Removed(t) => cx.add(
                Change::new(Class::Breaking, format!("types.{}", t.name()), format!("type `{}` removed", t.name()))
                    .values(Some(format!("{} {}", usage_word(usage(t)), kind(t))), None)
                    .effect("the Rust type is gone")
                    .affects(super::item(m, t.name())),
            ),
            Pair::Added(t) => cx.add(
                Change::new(Class::Additive, format!("types.{}", t.name()), format!("type `{}` added", t.name()))
                    .values(None, Some(format!("{} {}", usage_word(usage(t)), kind(t))))
                    .effect("a new Rust type")
                    .affects(super::item(m, t.name())),
            ),
            Pair::Both(a, b) | Pair::Renamed(a, b) => one(cx, a, b, o, n),
        }
    }
}

fn one(cx: &mut Cx, a: &TypeDef, b: &TypeDef, o: &Module, n: &Module) {
    let m = cx.module;
    let name = b.name();
    let key = format!("types.{name}");
    let item = super::item(m, name);
    if kind(a) != kind(b) || usage(a) != usage(b) {
        cx.add(
            Change::new(Class::Breaking, key, format!("type `{name}` kind"))
                .between(
                    format!("{} {}", usage_word(usage(a)), kind(a)),
                    format!("{} {}", usage_word(usage(b)), kind(b)),
                )
                .effect("the Rust type is generated differently (strict requests, lenient responses)")
                .affects(item),
        );
        return;
    }
    let (doc_a, doc_b, dec_a, dec_b, src_a, src_b) = match (a, b) {
        (TypeDef::Enum(x), TypeDef::Enum(y)) => {
            enumeration(cx, x, y, role(n, name));
            (&x.doc, &y.doc, &x.decision, &y.decision, &x.source, &y.source)
        }
        (TypeDef::Struct(x), TypeDef::Struct(y)) => {
            fields::object(cx, x, y);
            (&x.doc, &y.doc, &x.decision, &y.decision, &x.source, &y.source)
        }
        (TypeDef::Union(x), TypeDef::Union(y)) => {
            fields::union(cx, x, y, o, n);
            (&x.doc, &y.doc, &x.decision, &y.decision, &x.source, &y.source)
        }
        _ => return,
    };
    cx.doc(&key, &format!("type `{name}`"), doc_a, doc_b, item.clone());
    cx.decision(&key, &format!("type `{name}`"), dec_a, dec_b, item);
    cx.source(&key, src_a, src_b);
}

/// What an enum stands for, in report subjects.
fn role(m: &Module, name: &str) -> String {
    let is = |ty: Option<&Ty>| matches!(ty, Some(Ty::Enum(e)) if e == name);
    if m.task.state_enum == name {
        "task state".into()
    } else if is(m.task.fail_code.as_ref().map(|f| &f.ty)) {
        "fail code".into()
    } else {
        format!("`{name}` value")
    }
}

fn phase(p: Option<Phase>) -> String {
    match p {
        Some(Phase::Pending) => "pending".into(),
        Some(Phase::Succeeded) => "succeeded".into(),
        Some(Phase::Failed) => "failed".into(),
        None => "none".into(),
    }
}

/// Compares the values of two versions of an enum. `role` names a value in subjects.
fn enumeration(cx: &mut Cx, a: &Enum, b: &Enum, role: String) {
    let m = cx.module;
    let name = &b.name;
    let key = format!("types.{name}");
    let request = b.usage == Usage::Request;
    let fallback = |e: &Enum, wire: &str| format!("`{}::{}({wire:?})`", e.name, e.fallback);
    for p in pairs(&a.values, &b.values, |v| v.wire.clone(), Some(&|_, _| true)) {
        match p {
            Pair::Added(v) => {
                let (class, reach) = cx.surface.variant_added(name);
                let effect = if request {
                    format!("new variant `{name}::{}`; validation accepts `{}`", v.name, v.wire)
                } else {
                    format!("`{}` now decodes as `{name}::{}`, no longer as {}", v.wire, v.name, fallback(b, &v.wire))
                };
                let mut c =
                    Change::new(class, format!("{key}.values[{}]", v.wire), format!("{role} `{}` added", v.wire))
                        .values(None, details(v))
                        .effect(effect)
                        .affects(super::item(m, &format!("{name}::{}", v.name)));
                c.reach = reach;
                cx.add(c);
            }
            Pair::Removed(v) => {
                let effect = if request {
                    format!("variant `{name}::{}` is gone; validation rejects `{}`", v.name, v.wire)
                } else {
                    format!("variant `{name}::{}` is gone; `{}` decodes as {}", v.name, v.wire, fallback(b, &v.wire))
                };
                cx.add(
                    Change::new(
                        Class::Breaking,
                        format!("{key}.values[{}]", v.wire),
                        format!("{role} `{}` removed", v.wire),
                    )
                    .values(details(v), None)
                    .effect(effect)
                    .affects(super::item(m, &format!("{name}::{}", v.name))),
                );
            }
            Pair::Renamed(x, y) => {
                let (class, effect) = match (x.name == y.name, request) {
                    (true, true) => (Class::Behaviour, format!("`{name}::{}` is sent as `{}`", y.name, y.wire)),
                    (true, false) => (
                        Class::Behaviour,
                        format!(
                            "`{}` decodes as `{name}::{}`; `{}` as {}",
                            y.wire,
                            y.name,
                            x.wire,
                            fallback(b, &x.wire)
                        ),
                    ),
                    (false, true) => (
                        Class::Breaking,
                        format!(
                            "looks like a rename (same position): `{name}::{}` is now `{name}::{}`",
                            x.name, y.name
                        ),
                    ),
                    (false, false) => (
                        Class::Breaking,
                        format!(
                            "looks like a rename (same position): `{name}::{}` is now `{name}::{}`; `{}` decodes as {}",
                            x.name,
                            y.name,
                            x.wire,
                            fallback(b, &x.wire)
                        ),
                    ),
                };
                cx.add(
                    Change::new(class, format!("{key}.values[{}]", y.wire), format!("{role} `{}` renamed", x.wire))
                        .between(&x.wire, &y.wire)
                        .effect(effect)
                        .affects(super::item(m, &format!("{name}::{}", y.name))),
                );
                value(cx, x, y, name, &role, &key);
            }
            Pair::Both(x, y) => value(cx, x, y, name, &role, &key),
        }
    }
    let item = super::item(m, name);
    cx.value(&a.fallback, &b.fallback, || {
        Change::new(Class::Breaking, format!("{key}.fallback"), format!("`{name}` fallback variant"))
            .effect("the variant that keeps unlisted values is renamed")
            .affects(item.clone())
    });
    cx.value(phase(a.unknown_phase), phase(b.unknown_phase), || {
        Change::new(Class::Behaviour, format!("{key}.unknown_phase"), format!("phase of unlisted `{name}` values"))
            .effect("the waiter treats states the docs do not list differently")
            .affects(super::item(m, &format!("{name}::phase()")))
    });
    cx.value(super::opt_text(a.unknown_retryable), super::opt_text(b.unknown_retryable), || {
        Change::new(
            Class::Behaviour,
            format!("{key}.unknown_retryable"),
            format!("retry advice of unlisted `{name}` values"),
        )
        .effect("`retry_may_help()` answers differently for codes the docs do not list")
        .affects(super::item(m, &format!("{name}::retry_may_help()")))
    });
}

/// What a value carries besides its spelling, when anything.
fn details(v: &EnumValue) -> Option<String> {
    let mut parts = Vec::new();
    if !v.aliases.is_empty() {
        parts.push(format!("aliases {}", v.aliases.join(", ")));
    }
    if v.phase.is_some() {
        parts.push(format!("phase {}", phase(v.phase)));
    }
    if let Some(r) = v.retryable {
        parts.push(format!("retryable {r}"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Compares two versions of one value (matched by wire spelling or as a rename).
fn value(cx: &mut Cx, x: &EnumValue, y: &EnumValue, name: &str, role: &str, key: &str) {
    let m = cx.module;
    let vkey = format!("{key}.values[{}]", y.wire);
    let variant = super::item(m, &format!("{name}::{}", y.name));
    let subject = |what: &str| format!("{role} `{}` {what}", y.wire);
    if x.wire == y.wire {
        cx.value(&x.name, &y.name, || {
            Change::new(Class::Breaking, format!("{vkey}.name"), subject("Rust name"))
                .effect("the Rust variant is renamed")
                .affects(super::item(m, name))
                .reach(Reach::AnyUse)
        });
    }
    let beh = |what: &str, aspect: &str, effect: String, item: &str| {
        let (k, s, i) = (format!("{vkey}.{aspect}"), subject(what), super::item(m, item));
        move || Change::new(Class::Behaviour, k, s).effect(effect).affects(i)
    };
    let folds = format!("these spellings decode as `{name}::{}`; others as the fallback", y.name);
    cx.value(
        x.aliases.join(", "),
        y.aliases.join(", "),
        beh("aliases", "aliases", folds, &format!("{name}::from_wire()")),
    );
    let waits = "the waiter treats this state as the new phase (pending keeps polling)".to_owned();
    cx.value(phase(x.phase), phase(y.phase), beh("phase", "phase", waits, &format!("{name}::phase()")));
    let retry = "`retry_may_help()` answers differently; a retry is a new, paid task".to_owned();
    cx.value(
        super::opt_text(x.retryable),
        super::opt_text(y.retryable),
        beh("retry advice", "retryable", retry, &format!("{name}::retry_may_help()")),
    );
    let text = "the text returned at run time".to_owned();
    cx.value(
        super::opt_text(x.meaning.as_ref()),
        super::opt_text(y.meaning.as_ref()),
        beh("meaning", "meaning", text.clone(), &format!("{name}::meaning()")),
    );
    cx.value(
        super::opt_text(x.action.as_ref()),
        super::opt_text(y.action.as_ref()),
        beh("action", "action", text, &format!("{name}::action()")),
    );
    cx.doc(&vkey, subject("").trim_end(), x.doc.as_deref().unwrap_or(""), y.doc.as_deref().unwrap_or(""), variant);
    cx.source_opt(&vkey, x.source.as_ref(), y.source.as_ref());
}
