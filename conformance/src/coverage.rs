//! The coverage matrix: for every request constraint of every spec (by id), whether an
//! accepted boundary case, a rejected boundary case and a simulator case exercised it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use happyhorse_codegen::ir::Module;

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

/// Rows by constraint id.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    rows: BTreeMap<String, Row>,
    sim_accepted: BTreeMap<String, bool>,
    sim_rejected: BTreeMap<String, bool>,
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

    /// Ids of constraints missing any of the three.
    pub fn uncovered(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|(_, r)| !(r.accepted && r.rejected && r.simulator))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The matrix as text.
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
        let covered = self.rows.len() - self.uncovered().len();
        let _ = writeln!(out, "{covered} of {} constraints fully covered", self.rows.len());
        out
    }
}
