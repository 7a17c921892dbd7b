//! The lowering context: the file's text for positions, collected errors and decisions,
//! and the resolved docs for sources.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use crate::error::{SourceText, SpecError};
use crate::ir::{Decision, DecisionAt, Doc, Source};
use crate::spec::model;

pub(super) struct Cx<'a> {
    src: &'a SourceText,
    pub errs: Vec<SpecError>,
    pub decisions: Vec<DecisionAt>,
    pub docs: BTreeMap<String, Doc>,
    pub main_doc: String,
    pub module: String,
}

impl<'a> Cx<'a> {
    pub fn new(src: &'a SourceText) -> Self {
        Cx {
            src,
            errs: Vec::new(),
            decisions: Vec::new(),
            docs: BTreeMap::new(),
            main_doc: String::new(),
            module: String::new(),
        }
    }

    /// An error at a spanned value.
    pub fn err<T>(&mut self, at: &Spanned<T>, path: impl Into<String>, message: impl Into<String>) {
        self.err_at(Some(at.span()), path, message);
    }

    /// An error at an optional span. A problem found again (a field checked once per mode
    /// it appears in) is reported once.
    pub fn err_at(&mut self, span: Option<Range<usize>>, path: impl Into<String>, message: impl Into<String>) {
        let error = self.src.error(span, path, message);
        if !self.errs.contains(&error) {
            self.errs.push(error);
        }
    }

    /// Resolves a source's doc and checks it is filled in.
    pub fn source(&mut self, s: &model::Source, path: &str) -> Source {
        let key = s.doc.as_ref().map_or_else(|| self.main_doc.clone(), |d| d.get_ref().clone());
        let doc = self.docs.get(&key).cloned();
        if doc.is_none() {
            let known: Vec<&str> = self.docs.keys().map(String::as_str).collect();
            let span = s.doc.as_ref().map(|d| d.span()).unwrap_or_else(|| s.section.span());
            self.err_at(
                Some(span),
                format!("{path}.doc"),
                format!("unknown doc `{key}`; expected one of the [docs] keys: {}", known.join(", ")),
            );
        }
        if s.quote.get_ref().trim().is_empty() {
            self.err(
                &s.quote,
                format!("{path}.quote"),
                "the quote is empty; quote the words of the doc this fact stands on",
            );
        }
        if s.section.get_ref().trim().is_empty() {
            self.err(&s.section, format!("{path}.section"), "the section is empty; name the doc section");
        }
        let doc =
            doc.unwrap_or(Doc { key: key.clone(), url: String::new(), copy: String::new(), origin: String::new() });
        Source {
            doc: key,
            url: doc.url,
            origin: doc.origin,
            section: s.section.get_ref().clone(),
            quote: s.quote.get_ref().clone(),
        }
    }

    /// The byte offset in the file of 1-based `line`/`col` inside a string value, exact for
    /// literal strings (`'...'`, `'''...'''`), whose text is the file's text; for other
    /// strings (escapes shift offsets) the string's start.
    pub fn position_in_string(&self, s: &Spanned<String>, line: usize, col: usize) -> usize {
        let span = s.span();
        let raw = self.src.text.get(span.clone()).unwrap_or_default();
        let content = if let Some(rest) = raw.strip_prefix("'''") {
            let skipped = if rest.starts_with("\r\n") { 2 } else { usize::from(rest.starts_with('\n')) };
            span.start + 3 + skipped
        } else if raw.starts_with('\'') {
            span.start + 1
        } else {
            return span.start;
        };
        let text = s.get_ref();
        let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        content + line_start + col.saturating_sub(1)
    }

    /// Lowers a decision and records it in the catalogue under `path`.
    pub fn decision(&mut self, d: &Option<model::Decision>, path: &str) -> Option<Decision> {
        let d = d.as_ref()?;
        let ambiguity = match &d.ambiguity {
            Some(a) if !(1..=99).contains(a.get_ref()) => {
                self.err(
                    a,
                    format!("{path}.decision.ambiguity"),
                    "expected the number (1-99) of an ambiguity listed in docs/FACTS.md",
                );
                None
            }
            Some(a) => Some(*a.get_ref() as u32),
            None => None,
        };
        for (k, v) in [("choice", &d.choice), ("reason", &d.reason)] {
            if v.get_ref().trim().is_empty() {
                self.err(v, format!("{path}.decision.{k}"), format!("the decision's {k} is empty"));
            }
        }
        let dec = Decision { ambiguity, choice: d.choice.get_ref().clone(), reason: d.reason.get_ref().clone() };
        self.decisions.push(DecisionAt { at: path.to_owned(), decision: dec.clone() });
        Some(dec)
    }

    /// A non-negative integer that fits `u32`.
    pub fn u32(&mut self, v: &Spanned<i64>, path: &str) -> u32 {
        match u32::try_from(*v.get_ref()) {
            Ok(n) => n,
            Err(_) => {
                self.err(
                    v,
                    path,
                    format!("{} is out of range; expected an integer from 0 to {}", v.get_ref(), u32::MAX),
                );
                0
            }
        }
    }

    /// Checks that `v` is one of `allowed`.
    pub fn one_of(&mut self, v: &Spanned<String>, path: &str, allowed: &[&str]) -> bool {
        if allowed.contains(&v.get_ref().as_str()) {
            true
        } else {
            let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
            self.err(v, path, format!("`{}`: expected one of {}", v.get_ref(), list.join(", ")));
            false
        }
    }
}
