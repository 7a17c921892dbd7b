//! The docs-drift check behind `cargo xtask docs-check`: reads every doc page the specs
//! cite (text and markdown forms) into an inventory of doc facts with
//! `happyhorse-doc-reader`, which knows nothing of the spec, and then
//!
//! 1. resolves every anchor of every spec fact to the one doc fact it points at (section,
//!    row, parameter or code block, and the quote inside it), reporting quotes that changed,
//!    facts that are gone and anchors that match more than one place;
//! 2. checks that the values the spec fact holds (numbers, enum spellings, field names,
//!    defaults, prices, formulas, examples) are in that doc fact;
//! 3. checks that every doc fact stating a contract fact is covered by a spec fact or listed
//!    in the spec's `not_encoded` with a reason; what is left is new doc text;
//! 4. checks that the text and markdown copies of a page give the same facts.

mod claims;
mod coverage;
mod matching;
pub mod report;
mod resolve;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use happyhorse_doc_reader::{Form, Inventory};

use crate::ir::{Anchor, Module};
pub use report::{Finding, FindingKind, Report};

use coverage::Coverage;
use matching::Anchored;
use resolve::{Resolution, Target};

/// The doc pages of a spec directory, read into inventories, by path relative to it.
#[derive(Debug, Default)]
pub struct Pages {
    /// Display prefix of the spec directory (`spec`).
    dir_name: String,
    pages: BTreeMap<String, Inventory>,
}

impl Pages {
    /// Reads every copy (text and markdown) the modules cite, from `spec_dir`.
    pub fn load(spec_dir: &Path, modules: &[Module]) -> Result<Pages, String> {
        let dir_name = spec_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut pages = BTreeMap::new();
        for m in modules {
            for d in &m.docs {
                for rel in std::iter::once(&d.copy).chain(d.markdown.iter()) {
                    if pages.contains_key(rel) {
                        continue;
                    }
                    let path = spec_dir.join(rel);
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        format!("{}: docs.{}: cannot read the doc copy {dir_name}/{rel}: {e}", m.spec_file, d.key)
                    })?;
                    pages.insert(rel.clone(), happyhorse_doc_reader::read(&text, Form::of_path(&path)));
                }
            }
        }
        Ok(Pages { dir_name, pages })
    }

    fn display(&self, rel: &str) -> String {
        if self.dir_name.is_empty() { rel.to_owned() } else { format!("{}/{rel}", self.dir_name) }
    }

    /// The inventory of a page, by its path relative to the spec directory.
    pub fn inventory(&self, rel: &str) -> Option<&Inventory> {
        self.pages.get(rel)
    }
}

/// Lowers every spec file of the workspace at `root` and checks it against its doc copies.
pub fn check_workspace(root: &Path) -> Result<Report, String> {
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    for (path, name) in crate::output::spec_files(root).map_err(|e| e.to_string())? {
        match crate::lower_file(&path, &name) {
            Ok(m) => modules.push(m),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let spec_dir = root.join(crate::output::SPEC_DIR);
    let pages = Pages::load(&spec_dir, &modules)?;
    Ok(check(&modules, &pages))
}

/// Checks the modules against the pages.
pub fn check(modules: &[Module], pages: &Pages) -> Report {
    analyse(modules, pages).0
}

/// A doc fact that states a rule for a value (`Required range: 3 <= x <= 15`, `1-9 URLs`,
/// a parameter marked required), read by the doc reader, with the spec facts covering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRule {
    /// The doc copy, `spec/docs/modellix-happyhorse-1.0-r2v.txt`.
    pub copy: String,
    pub line: usize,
    pub section: String,
    /// The fact, described.
    pub fact: String,
    /// `options`, `range`, `items`, `length`, `pattern`, `required` or `limit`.
    pub rule: String,
    /// The spec facts covering it: spec file and key path of their `source`.
    pub covered_by: Vec<(String, String)>,
    /// The reason, when the spec lists the fact as not encoded.
    pub not_encoded: Option<String>,
}

/// Every doc fact of the text copies that states a rule for a value, with what covers it:
/// the denominator of the conformance coverage matrix comes from the docs, not the spec.
pub fn documented_rules(modules: &[Module], pages: &Pages) -> Vec<DocRule> {
    let (_, cov) = analyse(modules, pages);
    let mut out = Vec::new();
    let text_copies: BTreeSet<&String> = modules.iter().flat_map(|m| m.docs.iter().map(|d| &d.copy)).collect();
    for rel in text_copies {
        let Some(inv) = pages.inventory(rel) else { continue };
        for (i, f) in inv.facts.iter().enumerate() {
            let Some(rule) = f.rule() else { continue };
            if !in_scope(modules, rel, &f.section) {
                continue;
            }
            let owners = cov.owners(rel, i);
            let not_encoded = owners.iter().find_map(|(spec, at)| {
                let index: usize = at.strip_prefix("not_encoded[")?.strip_suffix(']')?.parse().ok()?;
                let m = modules.iter().find(|m| &m.spec_file == spec)?;
                m.not_encoded.get(index).map(|n| n.reason.clone())
            });
            out.push(DocRule {
                copy: pages.display(rel),
                line: f.line,
                section: f.section.clone(),
                fact: f.describe(),
                rule: rule.to_owned(),
                covered_by: owners.iter().filter(|(_, at)| !at.starts_with("not_encoded[")).cloned().collect(),
                not_encoded,
            });
        }
    }
    out
}

/// Whether some module's doc covers this section of this page.
fn in_scope(modules: &[Module], rel: &str, section: &str) -> bool {
    modules.iter().any(|m| {
        m.docs.iter().any(|d| {
            (d.copy == rel || d.markdown.as_deref() == Some(rel))
                && (d.sections.is_empty() || d.sections.iter().any(|s| s == section))
        })
    })
}

fn analyse(modules: &[Module], pages: &Pages) -> (Report, Coverage) {
    let mut cov = Coverage::default();
    let mut findings = Vec::new();
    for m in modules {
        check_claims(m, pages, &mut cov, &mut findings);
        check_not_encoded(m, pages, &mut cov, &mut findings);
    }
    uncovered(modules, pages, &cov, &mut findings);
    forms_differ(modules, pages, &mut findings);
    findings.sort_by(|a, b| {
        (&a.spec, a.kind, &a.copy, a.doc_line, &a.at, &a.message)
            .cmp(&(&b.spec, b.kind, &b.copy, b.doc_line, &b.at, &b.message))
    });
    findings.dedup();
    // Text left over in a doc fact whose anchor already reports it changed is that change.
    let reported: BTreeSet<(String, Option<usize>)> = findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Changed | FindingKind::Disagrees))
        .map(|f| (f.copy.clone(), f.doc_line))
        .collect();
    findings.retain(|f| {
        !(f.kind == FindingKind::New && f.at.is_some() && reported.contains(&(f.copy.clone(), f.doc_line)))
    });
    let report = Report {
        findings,
        specs: modules.iter().flat_map(|m| m.spec_files.iter().map(|(f, _)| f.clone())).collect(),
        copies: pages.pages.keys().map(|k| pages.display(k)).collect(),
    };
    (report, cov)
}

/// The page an anchor is read in, for form 0 (the text copies) or 1 (markdown where kept).
fn page_of<'a>(m: &'a Module, doc: &str, form: usize) -> Option<&'a String> {
    let d = m.docs.iter().find(|d| d.key == doc)?;
    if form == 1 { d.markdown.as_ref().or(Some(&d.copy)) } else { Some(&d.copy) }
}

fn check_claims(m: &Module, pages: &Pages, cov: &mut Coverage, findings: &mut Vec<Finding>) {
    let has_markdown = m.docs.iter().any(|d| d.markdown.is_some());
    for claim in claims::claims(m) {
        let owner = (m.spec_file.clone(), claim.source.at.clone());
        for form in 0..if has_markdown { 2 } else { 1 } {
            let mut anchored: Vec<(String, Anchored<'_>)> = Vec::new();
            let mut all_found = true;
            for a in &claim.source.anchors {
                let Some(rel) = page_of(m, &a.doc, form) else { continue };
                let Some(inv) = pages.inventory(rel) else { continue };
                let target = Target { section: &a.section, selector: &a.selector, quote: a.quote.as_deref() };
                match resolve::resolve(&target, inv) {
                    Resolution::Found { fact, key, quote } => {
                        cov.cover_anchor(rel, inv, fact, key.clone(), quote, &owner);
                        let key_end = key.map_or(usize::MAX, |k| k.end);
                        anchored.push((rel.clone(), Anchored { inventory: inv, index: fact, key_end }));
                    }
                    other => {
                        all_found = false;
                        findings.push(anchor_finding(m, a, &pages.display(rel), inv, other));
                    }
                }
            }
            if !all_found || anchored.is_empty() {
                continue;
            }
            let only: Vec<Anchored<'_>> = anchored.iter().map(|(_, a)| *a).collect();
            for v in &claim.values {
                let outcome = matching::check(&v.key, &v.expect, &only);
                for hit in &outcome.hits {
                    let (rel, a) = &anchored[hit.anchor];
                    cov.cover(rel, a.inventory, hit.fact, hit.span.clone(), &owner);
                }
                for (key, message) in outcome.problems {
                    if claim.decided.iter().any(|d| d == &key || d == &v.key) {
                        continue;
                    }
                    let (rel, a) = &anchored[0];
                    let fact = &a.inventory.facts[a.index];
                    let base = claim.source.at.trim_end_matches(".source");
                    findings.push(Finding {
                        kind: FindingKind::Disagrees,
                        spec: claim.source.primary().file.clone(),
                        at: Some(format!("{base}.{key}")),
                        spec_line: Some(claim.source.line),
                        copy: pages.display(rel),
                        section: fact.section.clone(),
                        doc_line: Some(fact.line),
                        fact: Some(fact.describe()),
                        old: None,
                        new: Some(fact.text.clone()),
                        message: format!("spec value `{key}` disagrees with its doc fact: {message}"),
                    });
                }
            }
        }
    }
}

/// A finding for an anchor that did not resolve.
fn anchor_finding(m: &Module, a: &Anchor, copy: &str, inv: &Inventory, r: Resolution) -> Finding {
    let _ = m;
    let mut f = Finding {
        kind: FindingKind::Removed,
        spec: a.file.clone(),
        at: Some(a.at.clone()),
        spec_line: Some(a.line),
        copy: copy.to_owned(),
        section: a.section.clone(),
        doc_line: None,
        fact: None,
        old: a.quote.clone(),
        new: None,
        message: String::new(),
    };
    let named = selector_words(&a.selector);
    match r {
        Resolution::Found { .. } => {}
        Resolution::NoSection => {
            f.message = format!("the doc has no section \"{}\" any more", a.section);
        }
        Resolution::NoFact { closest } => {
            f.message = format!("the section has no {named} any more");
            if let Some(i) = closest {
                let c = &inv.facts[i];
                f.doc_line = Some(c.line);
                f.fact = Some(format!("closest now: {}", c.describe()));
                f.new = Some(c.text.clone());
            }
            f.old = f.old.clone().or_else(|| selector_key(&a.selector));
        }
        Resolution::QuoteMissing { closest } => {
            f.kind = FindingKind::Changed;
            f.message = format!(
                "the quoted words are no longer in {}",
                if named.is_empty() { "the section".to_owned() } else { named }
            );
            if let Some((i, clause)) = closest {
                let c = &inv.facts[i];
                f.doc_line = Some(c.line);
                f.fact = Some(c.describe());
                f.new = Some(clause);
            }
        }
        Resolution::Ambiguous { places } => {
            f.kind = FindingKind::Ambiguous;
            let lines: Vec<String> = places.iter().map(|i| inv.facts[*i].line.to_string()).collect();
            f.doc_line = places.first().map(|i| inv.facts[*i].line);
            f.message = format!(
                "the anchor matches {} places (lines {}); hint: name the fact with `row`, `param` or `code`, or quote more words",
                places.len().max(2),
                lines.join(", ")
            );
        }
    }
    f
}

fn selector_words(s: &crate::ir::Selector) -> String {
    use crate::ir::Selector;
    match s {
        Selector::Section => String::new(),
        Selector::Row(k) => format!("row `{k}`"),
        Selector::Param(p) => format!("parameter `{p}`"),
        Selector::Code(c) => format!("code block `{c}`"),
    }
}

fn selector_key(s: &crate::ir::Selector) -> Option<String> {
    use crate::ir::Selector;
    match s {
        Selector::Section => None,
        Selector::Row(k) | Selector::Param(k) | Selector::Code(k) => Some(k.clone()),
    }
}

/// How similar a changed not-encoded fact may be to its quote and still be the same fact
/// (a typo fixed, a word changed): such facts are not encoded, so rewording them is silent.
const REWORDED: f64 = 0.75;

fn check_not_encoded(m: &Module, pages: &Pages, cov: &mut Coverage, findings: &mut Vec<Finding>) {
    for n in &m.not_encoded {
        let a = &n.anchor;
        let owner = (m.spec_file.clone(), a.at.clone());
        let forms = if m.docs.iter().any(|d| d.key == a.doc && d.markdown.is_some()) { 2 } else { 1 };
        for form in 0..forms {
            let Some(rel) = page_of(m, &a.doc, form) else { continue };
            let Some(inv) = pages.inventory(rel) else { continue };
            let target = Target { section: &a.section, selector: &a.selector, quote: a.quote.as_deref() };
            match resolve::resolve(&target, inv) {
                Resolution::Found { fact, key, quote } => {
                    if quote.is_none() {
                        cov.cover_whole(rel, inv, fact, &owner);
                    } else {
                        cov.cover_anchor(rel, inv, fact, key, quote, &owner);
                    }
                }
                Resolution::QuoteMissing { closest: Some((i, clause)) }
                    if a.quote.as_deref().is_some_and(|q| resolve::similarity(q, &clause) >= REWORDED) =>
                {
                    cov.cover_whole(rel, inv, i, &owner);
                }
                other => {
                    let mut f = anchor_finding(m, a, &pages.display(rel), inv, other);
                    f.message = format!("{} (a fact listed as not encoded: {})", f.message, n.reason);
                    findings.push(f);
                }
            }
        }
    }
}

/// Doc facts in the specs' scope that nothing covers.
fn uncovered(modules: &[Module], pages: &Pages, cov: &Coverage, findings: &mut Vec<Finding>) {
    for (rel, inv) in &pages.pages {
        for (i, fact) in inv.facts.iter().enumerate() {
            let scoped: Vec<&Module> =
                modules.iter().filter(|m| in_scope(std::slice::from_ref(m), rel, &fact.section)).collect();
            if scoped.is_empty() {
                continue;
            }
            let Some(residue) = cov.residue(rel, i, fact) else { continue };
            let whole = !cov.touched(rel, i);
            // Text added to a fact the spec covers in part: name the spec facts that cover it.
            let owners = cov.owners(rel, i);
            for m in scoped {
                let mine: Vec<&str> =
                    owners.iter().filter(|(spec, _)| spec == &m.spec_file).map(|(_, at)| at.as_str()).collect();
                // The spec file whose doc covers this section of the page.
                let file = m
                    .docs
                    .iter()
                    .find(|d| {
                        (d.copy == *rel || d.markdown.as_deref() == Some(rel.as_str()))
                            && (d.sections.is_empty() || d.sections.contains(&fact.section))
                    })
                    .map_or_else(|| m.spec_file.clone(), |d| d.file.clone());
                findings.push(Finding {
                    kind: FindingKind::New,
                    spec: file,
                    at: (!mine.is_empty()).then(|| mine.join(", ")),
                    spec_line: None,
                    copy: pages.display(rel),
                    section: fact.section.clone(),
                    doc_line: Some(fact.line),
                    fact: Some(fact.describe()),
                    old: None,
                    new: Some(residue.clone()),
                    message: if whole {
                        "a doc fact that no spec fact covers and `not_encoded` does not list".to_owned()
                    } else {
                        "text in a doc fact that the spec facts anchored to it do not cover".to_owned()
                    },
                });
            }
        }
    }
}

/// Facts that only one form of a page gives.
fn forms_differ(modules: &[Module], pages: &Pages, findings: &mut Vec<Finding>) {
    let mut done = BTreeSet::new();
    for m in modules {
        for d in &m.docs {
            let Some(md) = &d.markdown else { continue };
            if !done.insert((m.spec_file.clone(), d.copy.clone())) {
                continue;
            }
            let (Some(text), Some(mark)) = (pages.inventory(&d.copy), pages.inventory(md)) else { continue };
            let key = |f: &happyhorse_doc_reader::Fact| (f.section.clone(), format!("{:?}", f.kind), f.text.clone());
            let a: Vec<_> = text.facts.iter().map(key).collect();
            let b: Vec<_> = mark.facts.iter().map(key).collect();
            for (facts, other, rel, other_rel) in [(&text.facts, &b, &d.copy, md), (&mark.facts, &a, md, &d.copy)] {
                for f in facts.iter() {
                    if !other.contains(&key(f)) {
                        findings.push(Finding {
                            kind: FindingKind::FormsDiffer,
                            spec: d.file.clone(),
                            at: None,
                            spec_line: None,
                            copy: pages.display(rel),
                            section: f.section.clone(),
                            doc_line: Some(f.line),
                            fact: Some(f.describe()),
                            old: None,
                            new: Some(f.text.clone()),
                            message: format!(
                                "this fact is not in {}: update both copies of the page",
                                pages.display(other_rel)
                            ),
                        });
                    }
                }
            }
        }
    }
}
