//! Rustdoc for generated items, built from the spec: the doc text, units, limits,
//! defaults, the source of each fact and the decisions taken on ambiguities.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Anchor, Decision, DefaultValue, Field, Module, Selector, Source};

/// `#[doc = "..."]` attributes, one per line.
pub(super) fn lines(text: &str) -> TokenStream {
    let attrs = text.lines().map(|l| {
        let l = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#attrs)*)
}

/// Whitespace collapsed to single spaces.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Markdown code span that survives backticks in the text.
fn code(s: &str) -> String {
    let s = flat(s);
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

/// `Source: <url>, section "…", row `…`: `quote``; `Sources: …; …` for several anchors.
pub(super) fn source(s: &Source) -> String {
    let parts: Vec<String> = s.anchors.iter().map(anchor).collect();
    match parts.as_slice() {
        [one] => format!("Source: {one}"),
        _ => format!("Sources: {}", parts.join("; ")),
    }
}

fn anchor(a: &Anchor) -> String {
    let origin = match a.origin.as_str() {
        "linked" => " (a linked page)",
        "upstream" => " (the upstream model's docs)",
        _ => "",
    };
    let fact = match &a.selector {
        Selector::Section => String::new(),
        Selector::Row(k) => format!(", row {}", code(k)),
        Selector::Param(p) => format!(", parameter {}", code(p)),
        Selector::Code(c) => format!(", code block {}", code(c)),
    };
    let quote = a.quote.as_deref().map(|q| format!(": {}", code(q))).unwrap_or_default();
    format!("<{}>{origin}, section \"{}\"{fact}{quote}", a.url, flat(&a.section))
}

/// `Decision (docs ambiguity 4): … Reason: …`.
pub(super) fn decision(d: &Decision) -> String {
    let which = d.ambiguity.map_or_else(|| "Decision".to_owned(), |n| format!("Decision (docs ambiguity {n})"));
    format!("{which}: {} Reason: {}", flat(&d.choice), flat(&d.reason))
}

/// A decision after the fact it qualifies, with `sep` before it (`" "` in a sentence,
/// `"\n- "` in a list); empty without one.
pub(super) fn then_decision(d: Option<&Decision>, sep: &str) -> String {
    d.map(|d| format!("{sep}{}", decision(d))).unwrap_or_default()
}

/// A paragraph of facts as a Markdown list.
fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>().join("\n")
}

/// Text, then a blank line and a fact list when there are facts.
fn with_facts(text: &str, facts: &[String]) -> String {
    if facts.is_empty() { text.to_owned() } else { format!("{text}\n\n{}", list(facts)) }
}

/// Docs of a named type.
pub(super) fn type_doc(doc: &str, src: &Source, dec: Option<&Decision>) -> String {
    let mut facts = vec![source(src)];
    facts.extend(dec.map(decision));
    with_facts(doc, &facts)
}

/// Docs of a field: what it is, its unit, presence, default, limits, source, decisions.
pub(super) fn field_doc(f: &Field, request: bool) -> String {
    let mut facts = Vec::new();
    if let Some(u) = &f.unit {
        facts.push(format!("Unit: {u}."));
    }
    if f.flatten {
        facts.push("Required. Its tag and fields are written at this object's level.".to_owned());
    } else if f.required {
        facts.push("Required.".to_owned());
    } else if request {
        facts.push("Optional: omitted from the JSON when `None`.".to_owned());
    } else {
        facts.push("Optional: `None` when absent or `null`.".to_owned());
    }
    if !f.aliases.is_empty() {
        facts.push(format!(
            "Also accepted under: {} (read from a raw body under any one of the names, never two; always written as `{}`; constraint `{}:alias`).",
            f.aliases.iter().map(|a| code(a)).collect::<Vec<_>>().join(", "),
            f.wire,
            f.id_base
        ));
    }
    if let Some(d) = &f.default {
        let v = match d {
            DefaultValue::Tag(s) => code(s),
            DefaultValue::Integer(n) => format!("`{n}`"),
            DefaultValue::Boolean(b) => format!("`{b}`"),
        };
        let who = if f.flatten { "used by the constructors" } else { "applied by the provider when omitted" };
        facts.push(format!("Default: {v} ({who})."));
    }
    for c in &f.checks {
        let rule = c.kind.rule();
        facts.push(format!(
            "{}: {} (constraint `{}:{rule}`). {}",
            title(rule),
            c.kind.limit_text(),
            f.id_base,
            source(&c.source)
        ));
        if let Some(d) = &c.decision {
            facts.push(decision(d));
        }
    }
    if let Some(m) = &f.media {
        facts.push(format!("Media (not checked by `validate()`; a URL alone cannot tell): {}.", m.summary()));
        if let Some(d) = &m.decision {
            facts.push(decision(d));
        }
    }
    if let Some(o) = &f.overflow
        && o.server_truncates
    {
        facts.push("Over-long values: the provider truncates them; `validate()` rejects them instead.".to_owned());
        if let Some(d) = &o.decision {
            facts.push(decision(d));
        }
    }
    for e in &f.examples {
        facts.push(format!("Example: {}", code(e)));
    }
    facts.push(source(&f.source));
    if let Some(d) = &f.decision {
        facts.push(decision(d));
    }
    with_facts(&f.doc, &facts)
}

fn title(rule: &str) -> String {
    match rule {
        "length" => "Length",
        "range" => "Range",
        "items" => "Items",
        "url" => "URL",
        "url_public" => "Public URL",
        other => other,
    }
    .to_owned()
}

/// Docs of a generated provider module (put on its `pub mod` line).
pub(super) fn module_doc(m: &Module) -> String {
    let env =
        m.base_url_env.as_ref().map(|v| format!(", or the one in the environment variable `{v}`")).unwrap_or_default();
    let mut facts = vec![
        format!(
            "Base URL: `{}`{env}; API key in `{}` (environment variable `{}`).",
            m.base_url, m.auth.header, m.auth.env_var
        ),
        format!(
            "Generated from `{}` (sha256 `{}`) by `cargo xtask codegen`. Do not edit: edit the spec and regenerate.",
            m.spec_file, m.spec_sha256
        ),
    ];
    for d in &m.docs {
        facts.push(format!("Doc `{}` ({}): <{}>", d.key, d.origin, d.url));
    }
    for n in &m.notes {
        let decided = then_decision(n.decision.as_ref(), " ");
        facts.push(format!("Note: {} {}{decided}", flat(&n.doc), source(&n.source)));
    }
    with_facts(&format!("{}: {}", m.provider, m.doc), &facts)
}
