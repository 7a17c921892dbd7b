//! Renderings of a diff: markdown to paste into a pull request, plain text for the
//! terminal, JSON for tools. One bullet builder serves markdown and text, so they list
//! the same facts.

use serde::Serialize;

use super::bump::Bump;
use super::change::{Change, Class, Reach, SpecDiff};

/// A diff with what it was computed from and the bump it implies.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// How the old tree was named (a git ref or a directory).
    pub old: &'a str,
    /// How the new tree was named.
    pub new: &'a str,
    /// The version bump the diff implies.
    pub bump: &'a Bump,
    /// The changes.
    pub diff: &'a SpecDiff,
}

/// `x` as inline code, safe for values that hold backticks.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

fn values(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!(": {} → {}", code(o), code(n)),
        (None, Some(n)) => format!(": {}", code(n)),
        (Some(o), None) => format!(" (was {})", code(o)),
        (None, None) => String::new(),
    }
}

fn bullet(c: &Change, markdown: bool) -> String {
    let module = if markdown { format!("**{}**", c.module) } else { c.module.clone() };
    let mut line = format!("- {module} · {}{}", c.subject, values(c));
    if !c.effect.is_empty() {
        line.push_str(&format!(" — {}", c.effect));
    }
    // Breaking means "may break code that uses it"; only a narrower reach is spelled out.
    if let Some(r) = c.reach.filter(|r| c.class == Class::Breaking && *r != Reach::AnyUse) {
        line.push_str(&format!("; {}", r.text()));
    }
    line.push('.');
    if !c.affects.is_empty() {
        line.push_str(&format!(" Affects {}.", c.affects.join(", ")));
    }
    line.push_str(&format!(" Spec: {}", code(&c.key)));
    line
}

/// `6 changes: 2 breaking, 1 behaviour, 3 additive` (classes present only),
/// `1 behaviour change`, or `no change for users`.
fn counts(d: &SpecDiff) -> String {
    let parts: Vec<String> = Class::ALL
        .iter()
        .filter_map(|c| {
            let n = d.count(*c);
            (n > 0).then(|| format!("{n} {}", c.word()))
        })
        .collect();
    match d.changes.len() {
        0 => "no change for users".to_owned(),
        1 => format!("{} change", parts.join("")),
        n => format!("{n} changes: {}", parts.join(", ")),
    }
}

fn version_line(b: &Bump, markdown: bool) -> String {
    match (&b.from, &b.to) {
        (Some(f), Some(t)) if f == t => format!("`happyhorse-client` stays {f}: {}", b.rule),
        (Some(f), Some(t)) if markdown => format!("`happyhorse-client` {f} → **{t}**: {}", b.rule),
        (Some(f), Some(t)) => format!("`happyhorse-client` {f} → {t}: {}", b.rule),
        _ => format!("`happyhorse-client`: {}", b.rule),
    }
}

fn modules(d: &SpecDiff) -> String {
    let mut ms: Vec<&str> = Vec::new();
    for c in &d.changes {
        if !ms.contains(&c.module.as_str()) {
            ms.push(&c.module);
        }
    }
    if ms.is_empty() {
        String::new()
    } else {
        format!(" in {}", ms.iter().map(|m| code(m)).collect::<Vec<_>>().join(", "))
    }
}

/// The markdown for a pull request: a summary line, then Breaking / Behaviour / Additive
/// (and Documentation) with one bullet per change, and the provenance notes folded.
pub fn markdown(r: &Report) -> String {
    let d = r.diff;
    let mut out = format!("### Spec diff {} → {}\n\n", code(r.old), code(r.new));
    out.push_str(&format!("**{}**{}. {}.\n", counts(d), modules(d), version_line(r.bump, true)));
    for class in Class::ALL {
        let lines: Vec<String> = d.of(class).map(|c| bullet(c, true)).collect();
        if !lines.is_empty() {
            out.push_str(&format!("\n#### {}\n\n{}\n", class.title(), lines.join("\n")));
        }
    }
    if !d.provenance.is_empty() {
        out.push_str(&format!(
            "\n<details><summary>Provenance: {} source citation(s) changed (no effect on code)</summary>\n\n",
            d.provenance.len()
        ));
        for n in &d.provenance {
            out.push_str(&format!("- **{}** {}: {} → {}\n", n.module, code(&n.key), code(&n.old), code(&n.new)));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// Plain text for the terminal, the same facts as [`markdown`].
pub fn text(r: &Report) -> String {
    let d = r.diff;
    let mut out =
        format!("spec-diff {} → {}: {}{}; {}\n", r.old, r.new, counts(d), modules(d), version_line(r.bump, false));
    for class in Class::ALL {
        let lines: Vec<String> = d.of(class).map(|c| format!("  {}", bullet(c, false))).collect();
        if !lines.is_empty() {
            out.push_str(&format!("\n{}:\n{}\n", class.title(), lines.join("\n")));
        }
    }
    if !d.provenance.is_empty() {
        out.push_str(&format!("\nProvenance (no effect on code): {} source citation(s) changed\n", d.provenance.len()));
        for n in &d.provenance {
            out.push_str(&format!("  - {} {}: {} → {}\n", n.module, n.key, n.old, n.new));
        }
    }
    out
}

/// JSON for tools: `{old, new, counts, bump, diff: {changes, provenance}}`.
pub fn json(r: &Report) -> String {
    #[derive(Serialize)]
    struct Json<'a> {
        old: &'a str,
        new: &'a str,
        counts: std::collections::BTreeMap<&'static str, usize>,
        bump: &'a Bump,
        changes: &'a [Change],
        provenance: &'a [super::change::Note],
    }
    let counts = Class::ALL.iter().map(|c| (c.word(), r.diff.count(*c))).collect();
    let j =
        Json { old: r.old, new: r.new, counts, bump: r.bump, changes: &r.diff.changes, provenance: &r.diff.provenance };
    serde_json::to_string_pretty(&j).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
