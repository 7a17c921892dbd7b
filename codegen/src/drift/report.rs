//! What `cargo xtask docs-check` reports: findings as data, rendered as text or JSON.

use std::fmt::Write as _;

/// What kind of drift a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// A spec fact's quote is no longer in its doc fact: the doc's words changed.
    Changed,
    /// A spec fact's doc fact (row, parameter, code block, section) is gone.
    Removed,
    /// A value the spec holds disagrees with the doc fact it is anchored to.
    Disagrees,
    /// Doc text that states a contract fact and that no spec fact covers.
    New,
    /// An anchor matches more than one place: the spec must name the fact more precisely.
    Ambiguous,
    /// The text and markdown copies of one page do not give the same facts.
    FormsDiffer,
}

impl FindingKind {
    /// The kind as a word, as printed and in JSON.
    pub fn word(self) -> &'static str {
        match self {
            FindingKind::Changed => "changed",
            FindingKind::Removed => "removed",
            FindingKind::Disagrees => "disagrees",
            FindingKind::New => "new",
            FindingKind::Ambiguous => "ambiguous",
            FindingKind::FormsDiffer => "forms-differ",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// The spec file, `spec/apixo-happyhorse.toml`.
    pub spec: String,
    /// Key path of the spec fact, when the finding is about one.
    pub at: Option<String>,
    /// Line of that key in the spec file.
    pub spec_line: Option<usize>,
    /// The doc copy, `spec/docs/apixo-happyhorse.txt`.
    pub copy: String,
    pub section: String,
    /// Line of the doc fact in the copy.
    pub doc_line: Option<usize>,
    /// The doc fact, described (`row `429Rate limit...``).
    pub fact: Option<String>,
    /// What the spec recorded (a quote, a value).
    pub old: Option<String>,
    /// What the doc says now.
    pub new: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

/// Every finding of a check, sorted by spec file, kind and place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The spec files checked, in order.
    pub specs: Vec<String>,
    /// The doc copies read.
    pub copies: Vec<String>,
}

impl Report {
    /// No drift.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// How many findings there are, counting one that both copies of a page give once.
    pub fn count(&self) -> usize {
        self.specs.iter().map(|s| group(&self.of_spec(s).collect::<Vec<_>>()).len()).sum()
    }

    /// The findings of one spec file.
    pub fn of_spec<'a>(&'a self, spec: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.spec == spec)
    }

    /// The report for a terminal: per spec file, one block per finding; a finding both copies
    /// of a page give (text and markdown) is shown once, naming both.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for spec in &self.specs {
            let findings: Vec<&Finding> = self.of_spec(spec).collect();
            if findings.is_empty() {
                continue;
            }
            let groups = group(&findings);
            let _ = writeln!(out, "{spec}: {} finding(s)", groups.len());
            for (f, more) in groups {
                let _ = writeln!(out, "  {:<10} {}", f.kind.word(), f.message);
                let place = |f: &Finding| match f.doc_line {
                    Some(l) => format!("{}:{l}", f.copy),
                    None => f.copy.clone(),
                };
                let mut places = vec![place(f)];
                places.extend(more.iter().map(|m| place(m)));
                let mut doc = format!("{}, section \"{}\"", places.join(" and "), f.section);
                if let Some(fact) = &f.fact {
                    let _ = write!(doc, ", {fact}");
                }
                let _ = writeln!(out, "  {:<10} doc:  {doc}", "");
                match (&f.at, f.spec_line) {
                    (Some(at), Some(line)) => {
                        let _ = writeln!(out, "  {:<10} spec: {at} ({spec}:{line})", "");
                    }
                    (Some(at), None) => {
                        let _ = writeln!(out, "  {:<10} spec: {at}", "");
                    }
                    _ => {}
                }
                match (&f.old, &f.new) {
                    (Some(o), Some(n)) => {
                        let _ = writeln!(out, "  {:<10} `{o}` → `{n}`", "");
                    }
                    (Some(o), None) => {
                        let _ = writeln!(out, "  {:<10} was: `{o}`", "");
                    }
                    (None, Some(n)) => {
                        let _ = writeln!(out, "  {:<10} doc says: `{n}`", "");
                    }
                    (None, None) => {}
                }
            }
        }
        out
    }

    /// The report as JSON for tools: `{"clean": bool, "findings": [...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let findings: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "kind": f.kind.word(),
                    "spec": f.spec,
                    "at": f.at,
                    "spec_line": f.spec_line,
                    "copy": f.copy,
                    "section": f.section,
                    "doc_line": f.doc_line,
                    "fact": f.fact,
                    "old": f.old,
                    "new": f.new,
                    "message": f.message,
                })
            })
            .collect();
        serde_json::json!({ "clean": self.is_clean(), "specs": self.specs, "copies": self.copies, "findings": findings })
    }
}

/// Findings grouped where they differ only in the copy of a page (and its line numbers).
fn group<'a>(findings: &[&'a Finding]) -> Vec<(&'a Finding, Vec<&'a Finding>)> {
    let mut groups: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match groups.iter_mut().find(|(g, _)| same_but_copy(g, f)) {
            Some((_, more)) => more.push(f),
            None => groups.push((f, Vec::new())),
        }
    }
    groups
}

/// Two findings that say the same of two copies of one page.
fn same_but_copy(a: &Finding, b: &Finding) -> bool {
    let stem = |c: &str| c.rsplit_once('.').map_or(c.to_owned(), |(s, _)| s.to_owned());
    a.kind == b.kind
        && a.kind != FindingKind::FormsDiffer
        && a.spec == b.spec
        && a.at == b.at
        && a.section == b.section
        && a.old == b.old
        && a.new == b.new
        && a.message == b.message
        && a.copy != b.copy
        && stem(&a.copy) == stem(&b.copy)
}
