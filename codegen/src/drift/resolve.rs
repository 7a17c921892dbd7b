//! Finding the doc fact an anchor points at: the section, the fact its selector names (a
//! row by its first cell, a parameter by its name, a code block by its caption), and the
//! quote inside it, which must occur exactly once.

use std::ops::Range;

use happyhorse_doc_reader::{Fact, FactKind, Inventory};

use crate::ir::Selector;

/// What an anchor points at in one page, or why it points at nothing.
#[derive(Debug, Clone)]
pub(crate) enum Resolution {
    /// The fact, the span of the row key (rows) and of the quote inside its text.
    Found { fact: usize, key: Option<Range<usize>>, quote: Option<Range<usize>> },
    /// The page has no section with that heading.
    NoSection,
    /// The section has no fact the selector names; `closest` is the most similar fact of
    /// the same kind (a renamed row or parameter).
    NoFact { closest: Option<usize> },
    /// The fact (or section) no longer holds the quote; `closest` is the most similar
    /// clause of the candidates, with its fact.
    QuoteMissing { closest: Option<(usize, String)> },
    /// The quote (or the selector) matches more than one place.
    Ambiguous { places: Vec<usize> },
}

/// The selector and quote of an anchor or a `not_encoded` entry.
pub(crate) struct Target<'a> {
    pub section: &'a str,
    pub selector: &'a Selector,
    pub quote: Option<&'a str>,
}

/// Resolves a target in a page.
pub(crate) fn resolve(t: &Target<'_>, inv: &Inventory) -> Resolution {
    if !inv.has_section(t.section) {
        return Resolution::NoSection;
    }
    let in_section: Vec<(usize, &Fact)> = inv.in_section(t.section).collect();
    let mut candidates: Vec<(usize, &Fact)> = match t.selector {
        Selector::Section => in_section.clone(),
        Selector::Row(key) => in_section
            .iter()
            .copied()
            .filter(|(_, f)| matches!(f.kind, FactKind::Row { .. }) && f.text.starts_with(&squash(key)))
            .collect(),
        Selector::Param(name) => in_section.iter().copied().filter(|(_, f)| f.param() == Some(name.as_str())).collect(),
        Selector::Code(label) => in_section
            .iter()
            .copied()
            .filter(|(_, f)| matches!(&f.kind, FactKind::Code { label: l, .. } if l == label.trim_end_matches(':')))
            .collect(),
    };
    if candidates.is_empty() {
        let same_kind: Vec<(usize, &Fact)> = in_section
            .iter()
            .copied()
            .filter(|(_, f)| match t.selector {
                Selector::Row(_) => matches!(f.kind, FactKind::Row { .. }),
                Selector::Param(_) => matches!(f.kind, FactKind::ParamHeader { .. }),
                Selector::Code(_) => matches!(f.kind, FactKind::Code { .. }),
                Selector::Section => false,
            })
            .collect();
        let wanted = match t.selector {
            Selector::Row(k) | Selector::Param(k) | Selector::Code(k) => format!("{k} {}", t.quote.unwrap_or("")),
            Selector::Section => String::new(),
        };
        let closest = same_kind
            .iter()
            .map(|(i, f)| (*i, similarity(&wanted, &f.text)))
            .filter(|(_, s)| *s > 0.2)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        return Resolution::NoFact { closest };
    }
    let key_span = |f: &Fact| match t.selector {
        Selector::Row(key) => Some(0..squash(key).len().min(f.text.len())),
        _ => None,
    };
    let Some(quote) = t.quote else {
        if let Selector::Param(_) = t.selector {
            candidates.retain(|(_, f)| matches!(f.kind, FactKind::ParamHeader { .. }));
        }
        return match candidates.as_slice() {
            [(i, f)] => Resolution::Found { fact: *i, key: key_span(f), quote: None },
            [] => Resolution::NoFact { closest: None },
            many => Resolution::Ambiguous { places: many.iter().map(|(i, _)| *i).collect() },
        };
    };
    let quote = squash(quote);
    let mut hits = Vec::new();
    for (i, f) in &candidates {
        let mut from = 0;
        while let Some(p) = f.text[from..].find(&quote) {
            hits.push((*i, from + p, *f));
            from += p + quote.len().max(1);
        }
    }
    // A quote that is a whole fact (an example value `0`) names that fact.
    let exact: Vec<&(usize, usize, &Fact)> = hits.iter().filter(|(_, _, f)| f.text == quote).collect();
    if hits.len() > 1 && exact.len() == 1 {
        let (i, p, f) = exact[0];
        return Resolution::Found { fact: *i, key: key_span(f), quote: Some(*p..*p + quote.len()) };
    }
    match hits.as_slice() {
        [(i, p, f)] => Resolution::Found { fact: *i, key: key_span(f), quote: Some(*p..*p + quote.len()) },
        [] => {
            let closest = candidates
                .iter()
                .flat_map(|(i, f)| clauses(&f.text).into_iter().map(move |c| (*i, c)))
                .map(|(i, c)| (similarity(&quote, &c), i, c))
                .filter(|(s, _, _)| *s > 0.25)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, i, c)| (i, c));
            Resolution::QuoteMissing { closest }
        }
        many => {
            let mut places: Vec<usize> = many.iter().map(|(i, _, _)| *i).collect();
            places.dedup();
            Resolution::Ambiguous { places }
        }
    }
}

/// Whitespace collapsed, as the reader stores fact texts.
pub(crate) fn squash(s: &str) -> String {
    happyhorse_doc_reader::prose::squash(s)
}

/// The clauses of a fact's text: split at `; ` and at sentence ends.
pub(crate) fn clauses(text: &str) -> Vec<String> {
    text.split("; ")
        .flat_map(happyhorse_doc_reader::prose::sentences)
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Dice similarity of the lower-case word sets of two texts (numbers count as words).
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let words = |s: &str| -> std::collections::BTreeSet<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(&b).count() as f64;
    2.0 * common / (a.len() + b.len()) as f64
}
