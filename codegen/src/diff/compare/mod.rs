//! Comparison of two sets of IR modules. Modules are matched by Rust module name, and
//! inside a module everything is matched by its key (operation key, type name, field wire
//! name, enum wire value, HTTP status, mode, price key, example name), never by file name
//! or position, so splitting or reordering spec files changes nothing. Each submodule
//! compares one part of a module and records [`Change`]s through [`Cx`].

mod fields;
mod limits;
mod provider;
mod tables;
mod types;

use super::change::{Change, Class, Note, SpecDiff};
use super::surface::Surface;
use crate::ir::{Decision, Module, Source};

/// Compares the modules of an old and a new spec tree.
pub fn modules(old: &[Module], new: &[Module]) -> SpecDiff {
    let mut out = SpecDiff::default();
    for p in pairs(old, new, |m| m.module.clone(), None) {
        match p {
            Pair::Removed(m) => {
                let renamed =
                    new.iter().find(|n| n.spec_file == m.spec_file && !old.iter().any(|o| o.module == n.module));
                let hint = renamed.map_or(String::new(), |n| {
                    format!(" Its spec file now generates `{}`: a rename of the module.", n.module)
                });
                let c = Change::new(Class::Breaking, "provider.module", format!("module `{}` removed", m.module))
                    .effect(format!("every item of the module is gone.{hint}"))
                    .affects(format!("`happyhorse_client::providers::{}`", m.module));
                out.changes.push(Change { module: m.module.clone(), ..c });
            }
            Pair::Added(m) => {
                let c = Change::new(Class::Additive, "provider.module", format!("module `{}` added", m.module))
                    .effect(format!("a new provider module: {} {}", m.provider, m.family))
                    .affects(format!("`happyhorse_client::providers::{}`", m.module));
                out.changes.push(Change { module: m.module.clone(), ..c });
            }
            Pair::Both(o, n) | Pair::Renamed(o, n) => {
                let surface = Surface::of(n);
                let mut cx = Cx { module: &n.module, surface: &surface, out: &mut out };
                provider::all(&mut cx, o, n);
                types::all(&mut cx, o, n);
                tables::all(&mut cx, o, n);
            }
        }
    }
    out
}

/// Where the comparison of one module records what it finds.
pub(super) struct Cx<'a> {
    /// Rust module name of the module compared.
    pub module: &'a str,
    /// The surface of the new module's generated code.
    pub surface: &'a Surface,
    out: &'a mut SpecDiff,
}

impl Cx<'_> {
    /// Records a change of this module.
    pub fn add(&mut self, mut c: Change) {
        c.module = self.module.to_owned();
        self.out.changes.push(c);
    }

    /// Records a provenance note when a fact's source changed (where it stands in the spec
    /// file does not count).
    pub fn source(&mut self, key: &str, old: &Source, new: &Source) {
        let (o, n) = (anchors_text(old), anchors_text(new));
        if o == n {
            return;
        }
        let note = Note { module: self.module.to_owned(), key: format!("{key}.source"), old: o, new: n };
        if !self.out.provenance.contains(&note) {
            self.out.provenance.push(note);
        }
    }

    /// Records a provenance note when an optional source changed.
    pub fn source_opt(&mut self, key: &str, old: Option<&Source>, new: Option<&Source>) {
        match (old, new) {
            (Some(o), Some(n)) => self.source(key, o, n),
            (None, None) => {}
            (o, n) => {
                let text = |s: Option<&Source>| s.map_or("none".to_owned(), anchors_text);
                self.out.provenance.push(Note {
                    module: self.module.to_owned(),
                    key: format!("{key}.source"),
                    old: text(o),
                    new: text(n),
                });
            }
        }
    }

    /// Records a documentation change when a doc text differs.
    pub fn doc(&mut self, key: &str, subject: &str, old: &str, new: &str, item: String) {
        if old != new {
            self.add(
                Change::new(Class::Docs, format!("{key}.doc"), format!("{subject} doc"))
                    .between(old, new)
                    .effect("rustdoc only")
                    .affects(item),
            );
        }
    }

    /// Records a documentation change when a recorded decision differs.
    pub fn decision(&mut self, key: &str, subject: &str, old: &Option<Decision>, new: &Option<Decision>, item: String) {
        if old == new {
            return;
        }
        let text = |d: &Decision| match d.ambiguity {
            Some(a) => format!("(ambiguity {a}) {}", d.choice),
            None => d.choice.clone(),
        };
        self.add(
            Change::new(Class::Docs, format!("{key}.decision"), format!("{subject} decision"))
                .values(old.as_ref().map(text), new.as_ref().map(text))
                .effect("the recorded choice for a docs ambiguity; its effect on code is listed with the facts it qualifies")
                .affects(item),
        );
    }

    /// Records `change` with `old` → `new` when the values differ.
    pub fn value<T: PartialEq + std::fmt::Display>(&mut self, old: T, new: T, change: impl FnOnce() -> Change) {
        if old != new {
            self.add(change().between(old.to_string(), new.to_string()));
        }
    }
}

/// How an entry of one list relates to the other list.
pub(super) enum Pair<'a, T> {
    Removed(&'a T),
    Added(&'a T),
    Both(&'a T, &'a T),
    /// Removed and added at the same position, and similar: looks like a rename.
    Renamed(&'a T, &'a T),
}

/// Whether two entries removed and added at one position look like one renamed entry.
pub(super) type Similar<'s, T> = &'s dyn Fn(&T, &T) -> bool;

/// Matches two lists by key: old entries in old order (kept, renamed or removed), then
/// the added ones in new order. With `similar`, an entry removed at position `i` and one
/// added at position `i` that are similar pair up as a rename.
pub(super) fn pairs<'a, T, K: PartialEq>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> K,
    similar: Option<Similar<T>>,
) -> Vec<Pair<'a, T>> {
    let new_keys: Vec<K> = new.iter().map(&key).collect();
    let old_keys: Vec<K> = old.iter().map(&key).collect();
    let mut used = vec![false; new.len()];
    let mut out = Vec::new();
    for (i, o) in old.iter().enumerate() {
        if let Some(j) = new_keys.iter().position(|k| *k == old_keys[i]) {
            used[j] = true;
            out.push(Pair::Both(o, &new[j]));
            continue;
        }
        let rename = similar.and_then(|sim| {
            let n = new.get(i)?;
            let fresh = !used[i] && !old_keys.contains(&new_keys[i]);
            (fresh && sim(o, n)).then_some(n)
        });
        match rename {
            Some(n) => {
                used[i] = true;
                out.push(Pair::Renamed(o, n));
            }
            None => out.push(Pair::Removed(o)),
        }
    }
    out.extend(new.iter().zip(&used).filter(|(_, u)| !**u).map(|(n, _)| Pair::Added(n)));
    out
}

/// A Rust item of `module` in reports, `` `apixo::Resolution` ``.
pub(super) fn item(module: &str, path: &str) -> String {
    format!("`{module}::{path}`")
}

/// `Some(x)` as text, or `none`.
pub(super) fn opt_text<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

/// The doc facts a source is anchored to, in words: `page § Overview › row Input images: "1-9 URLs"`.
fn anchors_text(s: &Source) -> String {
    s.anchors
        .iter()
        .map(|a| {
            let fact = match &a.selector {
                crate::ir::Selector::Section => String::new(),
                crate::ir::Selector::Row(k) => format!(" › row {k}"),
                crate::ir::Selector::Param(p) => format!(" › parameter {p}"),
                crate::ir::Selector::Code(c) => format!(" › code {c}"),
            };
            let quote = a.quote.as_deref().map(|q| format!(": \"{q}\"")).unwrap_or_default();
            format!("{} § {}{fact}{quote}", a.doc, a.section)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
