//! The lowering context: the file's text for positions, collected errors and decisions,
//! and the resolved docs for sources.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use crate::error::{SourceText, SpecError};
use crate::ir::{Anchor, Decision, DecisionAt, Doc, Selector, Source};
use crate::spec::model;

pub(super) struct Cx<'a> {
    src: &'a SourceText,
    pub errs: Vec<SpecError>,
    pub decisions: Vec<DecisionAt>,
    pub docs: BTreeMap<String, Doc>,
    /// The doc with `origin = "main"` of each spec file, the default of its anchors.
    pub main_docs: BTreeMap<String, String>,
    pub module: String,
    /// The file parsed, to name array elements in key paths (`fields[duration]`): parsed
    /// on the first error only, so a spec without errors is parsed once.
    parsed: std::cell::OnceCell<Option<toml::Value>>,
}

impl<'a> Cx<'a> {
    pub fn new(src: &'a SourceText) -> Self {
        Cx {
            src,
            errs: Vec::new(),
            decisions: Vec::new(),
            docs: BTreeMap::new(),
            main_docs: BTreeMap::new(),
            module: String::new(),
            parsed: std::cell::OnceCell::new(),
        }
    }

    /// The spec file holding a byte offset of the joined text.
    pub fn file_of(&self, offset: usize) -> &str {
        self.src.file_of(offset)
    }

    /// A key path with array elements named by their key, as errors name them.
    pub fn named(&self, path: &str) -> String {
        let src = self.src;
        match self.parsed.get_or_init(|| src.text.parse::<toml::Table>().ok().map(toml::Value::Table)) {
            Some(root) => crate::error::named_path_in(root, path),
            None => path.to_owned(),
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

    /// Resolves a source's anchors and checks they are filled in.
    pub fn source(&mut self, s: &model::Source, path: &str) -> Source {
        let path = &self.named(path);
        if s.0.is_empty() {
            self.err_at(None, path, "an empty list of anchors; a fact needs at least one place in the docs");
        }
        let many = s.0.len() > 1;
        let anchors: Vec<Anchor> =
            s.0.iter()
                .enumerate()
                .map(|(i, a)| {
                    let at = if many { format!("{path}[{i}]") } else { path.to_owned() };
                    let sel = [("row", &a.row), ("param", &a.param), ("code", &a.code)];
                    self.anchor(&a.doc, &a.section, &sel, &a.quote, &at)
                })
                .collect();
        let line = anchors.first().map_or(0, |a| a.line);
        let anchors = if anchors.is_empty() {
            vec![Anchor {
                doc: String::new(),
                url: String::new(),
                origin: String::new(),
                section: String::new(),
                selector: Selector::Section,
                quote: None,
                file: self.src.name.clone(),
                at: path.to_owned(),
                line: 0,
            }]
        } else {
            anchors
        };
        Source { at: path.to_owned(), line, anchors }
    }

    /// Resolves one anchor (or a `not_encoded` entry's place): its doc, section, at most
    /// one selector, and a quote where no selector names the fact.
    pub fn anchor(
        &mut self,
        doc: &Option<Spanned<String>>,
        section: &Spanned<String>,
        selectors: &[(&str, &Option<Spanned<String>>)],
        quote: &Option<Spanned<String>>,
        at: &str,
    ) -> Anchor {
        let file = self.src.file_of(section.span().start).to_owned();
        let key = match doc {
            Some(d) => d.get_ref().clone(),
            None => match self.main_docs.get(&file) {
                Some(k) => k.clone(),
                None => {
                    self.err(
                        section,
                        format!("{at}.doc"),
                        format!("{file} declares no doc with origin = \"main\": name the doc (`doc = \"...\"`)"),
                    );
                    String::new()
                }
            },
        };
        let found = self.docs.get(&key).cloned();
        if found.is_none() && !key.is_empty() {
            let known: Vec<&str> = self.docs.keys().map(String::as_str).collect();
            let span = doc.as_ref().map(|d| d.span()).unwrap_or_else(|| section.span());
            self.err_at(
                Some(span),
                format!("{at}.doc"),
                format!("unknown doc `{key}`; expected one of the [docs] keys: {}", known.join(", ")),
            );
        }
        if section.get_ref().trim().is_empty() {
            self.err(section, format!("{at}.section"), "the section is empty; name the doc section (its heading)");
        }
        if let Some(d) = &found
            && !d.sections.is_empty()
            && !d.sections.iter().any(|s| s == section.get_ref())
        {
            self.err(
                section,
                format!("{at}.section"),
                format!(
                    "section \"{}\" is not one of the sections doc `{key}` covers: {}",
                    section.get_ref(),
                    d.sections.join(", ")
                ),
            );
        }
        let given: Vec<&(&str, &Option<Spanned<String>>)> = selectors.iter().filter(|(_, v)| v.is_some()).collect();
        if given.len() > 1 {
            let names: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
            if let Some(v) = given[1].1 {
                self.err(
                    v,
                    format!("{at}.{}", given[1].0),
                    format!("an anchor takes one of row, param or code, not {}", names.join(" and ")),
                );
            }
        }
        let selector = match given.first() {
            Some(("row", Some(v))) => Selector::Row(v.get_ref().clone()),
            Some(("param", Some(v))) => Selector::Param(v.get_ref().clone()),
            Some(("code", Some(v))) => Selector::Code(v.get_ref().clone()),
            _ => Selector::Section,
        };
        for (k, v) in given.iter().map(|(k, v)| (k, v.as_ref())) {
            if let Some(v) = v
                && v.get_ref().trim().is_empty()
            {
                self.err(v, format!("{at}.{k}"), format!("`{k}` is empty; name the fact"));
            }
        }
        if let Some(q) = quote
            && q.get_ref().trim().is_empty()
        {
            self.err(q, format!("{at}.quote"), "the quote is empty; quote the words of the doc this fact stands on");
        }
        if quote.is_none() && selector == Selector::Section {
            self.err(
                section,
                at,
                "an anchor without row, param or code needs a quote: the verbatim words of the sentence this fact stands on",
            );
        }
        let doc = found.unwrap_or(Doc {
            key: key.clone(),
            file: file.clone(),
            url: String::new(),
            copy: String::new(),
            markdown: None,
            origin: String::new(),
            sections: Vec::new(),
        });
        Anchor {
            doc: key,
            url: doc.url,
            origin: doc.origin,
            section: section.get_ref().clone(),
            selector,
            quote: quote.as_ref().map(|q| q.get_ref().clone()),
            file,
            at: at.to_owned(),
            line: self.src.line_col(section.span().start).0,
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
        let path = &self.named(path);
        let dec = Decision {
            ambiguity,
            choice: d.choice.get_ref().clone(),
            reason: d.reason.get_ref().clone(),
            sets: d.sets.iter().map(|s| s.get_ref().clone()).collect(),
        };
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
