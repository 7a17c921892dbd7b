//! The coverage matrices.
//!
//! 1. For every request constraint of every spec (by id), whether an accepted boundary
//!    case, a rejected boundary case and a simulator case exercised it.
//! 2. For every documented rule read from the doc pages by the doc reader (which knows
//!    nothing of the spec: `Required range: 3 <= x <= 15`, `1-9 URLs for
//!    reference-to-video`, a parameter marked required), the spec constraints that encode it
//!    and whether those were covered. A documented rule that no spec constraint encodes is
//!    an uncovered row, so the denominator comes from the docs, not from the spec.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use happyhorse_codegen::drift::DocRule;
use happyhorse_codegen::ir::{Module, Ty, TypeDef, Types, Usage};

/// One constraint's row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// The rule (`range`, `length`, ...).
    pub rule: String,
    /// The limit in words.
    pub limit: String,
    /// An accepted boundary case agreed by every judge.
    pub accepted: bool,
    /// A rejected boundary case agreed by every judge, at the constraint's path.
    pub rejected: bool,
    /// The simulator judged both.
    pub simulator: bool,
    /// Why a judge did not take part (a rule the JSON Schema cannot express, ...).
    pub notes: Vec<String>,
}

/// How a documented rule is accounted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocStatus {
    /// Encoded by these request constraints (by id).
    Constraints(Vec<String>),
    /// Covered by spec facts that are not request constraints (a response field, the auth
    /// header): not a rule the client validates in a request body.
    NotARequestRule(Vec<String>),
    /// Listed in the spec as deliberately not encoded, with the reason.
    NotEncoded(String),
    /// Covered by request-side spec facts that carry no constraint, or by nothing.
    Missing(Vec<String>),
}

/// A documented rule's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    pub rule: DocRule,
    pub status: DocStatus,
}

/// Rows by constraint id, and the documented rules.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    rows: BTreeMap<String, Row>,
    sim_accepted: BTreeMap<String, bool>,
    sim_rejected: BTreeMap<String, bool>,
    docs: Vec<DocRow>,
}

impl Coverage {
    /// A row, uncovered, for every constraint of the modules.
    pub fn new(modules: &[Module]) -> Self {
        let mut rows = BTreeMap::new();
        for m in modules {
            for c in &m.constraints {
                rows.insert(c.id.clone(), Row { rule: c.rule.clone(), limit: c.limit.clone(), ..Row::default() });
            }
        }
        Coverage { rows, ..Coverage::default() }
    }

    /// Adds the documented rules, each matched to the constraints whose source is one of the
    /// spec facts covering it.
    pub fn with_doc_rules(mut self, modules: &[Module], rules: Vec<DocRule>) -> Self {
        self.docs = rules
            .into_iter()
            .map(|rule| {
                let status = if let Some(reason) = &rule.not_encoded {
                    DocStatus::NotEncoded(reason.clone())
                } else {
                    status_of(modules, &rule)
                };
                DocRow { rule, status }
            })
            .collect();
        self
    }

    /// Records an agreed accepted case (`by_simulator`: the simulator was one of the judges).
    pub fn accepted(&mut self, id: &str, by_simulator: bool) {
        if let Some(r) = self.rows.get_mut(id) {
            r.accepted = true;
        }
        if by_simulator {
            self.sim_accepted.insert(id.to_owned(), true);
        }
        self.update_sim(id);
    }

    /// Records an agreed rejected case.
    pub fn rejected(&mut self, id: &str, by_simulator: bool) {
        if let Some(r) = self.rows.get_mut(id) {
            r.rejected = true;
        }
        if by_simulator {
            self.sim_rejected.insert(id.to_owned(), true);
        }
        self.update_sim(id);
    }

    fn update_sim(&mut self, id: &str) {
        let both = self.sim_accepted.contains_key(id) && self.sim_rejected.contains_key(id);
        if let Some(r) = self.rows.get_mut(id) {
            r.simulator = both;
        }
    }

    /// Adds a note to a row (once).
    pub fn note(&mut self, id: &str, note: &str) {
        if let Some(r) = self.rows.get_mut(id)
            && !r.notes.iter().any(|n| n == note)
        {
            r.notes.push(note.to_owned());
        }
    }

    /// The rows.
    pub fn rows(&self) -> &BTreeMap<String, Row> {
        &self.rows
    }

    /// The documented rules.
    pub fn doc_rows(&self) -> &[DocRow] {
        &self.docs
    }

    fn fully(&self, id: &str) -> bool {
        self.rows.get(id).is_some_and(|r| r.accepted && r.rejected && r.simulator)
    }

    /// Whether a documented rule is accounted for: encoded by a constraint that is fully
    /// covered, not a request rule, or listed as not encoded.
    pub fn doc_covered(&self, row: &DocRow) -> bool {
        match &row.status {
            DocStatus::Constraints(ids) => ids.iter().any(|id| self.fully(id)),
            DocStatus::NotARequestRule(_) | DocStatus::NotEncoded(_) => true,
            DocStatus::Missing(_) => false,
        }
    }

    /// Ids of constraints missing any of the three, then the documented rules not accounted
    /// for (`<copy>:<line>`).
    pub fn uncovered(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .rows
            .iter()
            .filter(|(_, r)| !(r.accepted && r.rejected && r.simulator))
            .map(|(id, _)| id.clone())
            .collect();
        out.extend(
            self.docs.iter().filter(|d| !self.doc_covered(d)).map(|d| format!("{}:{}", d.rule.copy, d.rule.line)),
        );
        out
    }

    /// The matrices as text.
    pub fn render(&self) -> String {
        let width = self.rows.keys().map(String::len).max().unwrap_or(10).max(10);
        let mut out = String::new();
        let _ = writeln!(out, "{:<width$}  accepted  rejected  simulator", "constraint");
        for (id, r) in &self.rows {
            let mark = |b: bool| if b { "yes" } else { "NO" };
            let _ =
                writeln!(out, "{id:<width$}  {:<8}  {:<8}  {}", mark(r.accepted), mark(r.rejected), mark(r.simulator));
            for n in &r.notes {
                let _ = writeln!(out, "{:<width$}    note: {n}", "");
            }
        }
        let covered = self.rows.values().filter(|r| r.accepted && r.rejected && r.simulator).count();
        let _ = writeln!(out, "{covered} of {} constraints fully covered", self.rows.len());
        if self.docs.is_empty() {
            return out;
        }
        let _ = writeln!(out, "\ndocumented rules (read from the doc pages), and what encodes them:");
        for d in &self.docs {
            let mark = if self.doc_covered(d) { "yes" } else { "NO " };
            let r = &d.rule;
            let _ = writeln!(out, "{mark}  {}:{}  {}  {}, {}", r.copy, r.line, r.rule, r.section, r.fact);
            let detail = match &d.status {
                DocStatus::Constraints(ids) => format!(
                    "encoded by {}",
                    ids.iter()
                        .map(|id| format!("{id}{}", if self.fully(id) { "" } else { " (not fully covered)" }))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                DocStatus::NotARequestRule(ats) => format!("not a request-body rule; covered by {}", ats.join(", ")),
                DocStatus::NotEncoded(reason) => format!("not encoded: {reason}"),
                DocStatus::Missing(ats) if ats.is_empty() => "no spec fact covers it".to_owned(),
                DocStatus::Missing(ats) => {
                    format!("no request constraint encodes it (covered only by {})", ats.join(", "))
                }
            };
            let _ = writeln!(out, "       {detail}");
        }
        let covered = self.docs.iter().filter(|d| self.doc_covered(d)).count();
        let _ = writeln!(out, "{covered} of {} documented rules accounted for", self.docs.len());
        out
    }
}

/// The constraints encoding a documented rule, or why there are none.
fn status_of(modules: &[Module], rule: &DocRule) -> DocStatus {
    let mut ids = Vec::new();
    let mut request_side = Vec::new();
    let mut other = Vec::new();
    for (spec, at) in &rule.covered_by {
        let Some(m) = modules.iter().find(|m| &m.spec_file == spec) else { continue };
        let matched = constraints_of(m, at);
        let shown = format!("{}:{at}", m.module);
        if !matched.is_empty() {
            ids.extend(matched);
        } else if at.ends_with(".media.source") {
            other.push(format!("{shown} (checked by the opt-in media preflight, not by validate())"));
        } else if is_request_fact(m, at) {
            request_side.push(shown);
        } else {
            other.push(shown);
        }
    }
    ids.sort();
    ids.dedup();
    if !ids.is_empty() {
        DocStatus::Constraints(ids)
    } else if !request_side.is_empty() {
        DocStatus::Missing(request_side)
    } else if !other.is_empty() {
        DocStatus::NotARequestRule(other)
    } else {
        DocStatus::Missing(Vec::new())
    }
}

/// The request constraints a spec fact encodes: those whose source it is; for a field, every
/// rule of that field; for an enum, the `enum` rule of every field of that type.
fn constraints_of(m: &Module, at: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        m.constraints.iter().filter(|c| c.source.as_ref().is_some_and(|s| s.at == at)).map(|c| c.id.clone()).collect();
    for t in &m.types {
        let TypeDef::Struct(s) = t else { continue };
        if s.usage != Usage::Request {
            continue;
        }
        for f in &s.fields {
            let of_enum = |ty: &Ty| matches!(ty, Ty::Enum(e) if at == format!("types.{e}.source"));
            let enum_here = of_enum(&f.ty) || matches!(&f.ty, Ty::Array(i) if of_enum(i));
            let field_here = f.source.at == at;
            // A flattened union's field stands for its tag, written at the struct's level
            // (`model`).
            let base = match (&f.ty, f.flatten) {
                (Ty::Union(u), true) if !s.id_base.is_empty() => {
                    m.union_def(u).map_or_else(String::new, |un| format!("{}.{}", s.id_base, un.tag))
                }
                _ => f.id_base.clone(),
            };
            if !(enum_here || field_here) || base.is_empty() {
                continue;
            }
            let prefix = format!("{base}:");
            ids.extend(
                m.constraints
                    .iter()
                    .filter(|c| c.id.starts_with(&prefix) && (field_here || c.rule == "enum"))
                    .map(|c| c.id.clone()),
            );
        }
    }
    ids
}

/// Whether a spec key path is a fact of a request type (`types.SubmitRequest...`).
fn is_request_fact(m: &Module, at: &str) -> bool {
    let Some(name) = at.strip_prefix("types.").and_then(|r| r.split(['.', '[']).next()) else { return false };
    let usage = match m.ty(name) {
        Some(TypeDef::Enum(e)) => e.usage,
        Some(TypeDef::Struct(s)) => s.usage,
        Some(TypeDef::Union(u)) => u.usage,
        None => return false,
    };
    usage == Usage::Request
}
