//! Which parts of each doc fact the spec accounts for: the row keys and quotes its anchors
//! resolve to, the values found in them, and the facts it lists as deliberately not
//! encoded. What is left of a fact that states a contract fact is doc text no spec fact
//! covers: drift.

use std::collections::BTreeMap;
use std::ops::Range;

use happyhorse_doc_reader::{Fact, FactKind, Inventory};

/// Covered byte ranges of every fact of every page, by page.
#[derive(Debug, Default)]
pub(crate) struct Coverage {
    spans: BTreeMap<String, Vec<Vec<Range<usize>>>>,
    /// The spec facts (spec file, key path) that cover part of each fact, by page.
    owners: BTreeMap<String, Vec<Vec<Owner>>>,
}

/// A spec fact that covers a doc fact: its spec file and key path (`types.X.source`,
/// `not_encoded[3]`).
pub(crate) type Owner = (String, String);

/// Words that do not state a fact by themselves: what is left between two quotes.
const FILLER: [&str; 24] = [
    "a", "an", "the", "and", "or", "for", "of", "to", "in", "on", "with", "is", "are", "be", "by", "as", "at", "from",
    "it", "its", "this", "that", "when", "if",
];

impl Coverage {
    /// Marks part of a fact covered by the spec fact `owner`.
    pub fn cover(&mut self, page: &str, inv: &Inventory, fact: usize, span: Range<usize>, owner: &Owner) {
        let spans = self.spans.entry(page.to_owned()).or_insert_with(|| vec![Vec::new(); inv.facts.len()]);
        if let Some(s) = spans.get_mut(fact) {
            s.push(span);
        }
        let owners = self.owners.entry(page.to_owned()).or_insert_with(|| vec![Vec::new(); inv.facts.len()]);
        if let Some(o) = owners.get_mut(fact)
            && !o.contains(owner)
        {
            o.push(owner.clone());
        }
    }

    /// Marks a whole fact covered.
    pub fn cover_whole(&mut self, page: &str, inv: &Inventory, fact: usize, owner: &Owner) {
        let len = inv.facts.get(fact).map_or(0, |f| f.text.len());
        self.cover(page, inv, fact, 0..len, owner);
    }

    /// The spec facts that cover part of a fact, in the order they were recorded.
    pub fn owners(&self, page: &str, fact: usize) -> &[Owner] {
        self.owners.get(page).and_then(|o| o.get(fact)).map_or(&[], Vec::as_slice)
    }

    /// Marks what an anchor that resolved to `fact` covers: a structured fact (parameter
    /// header, attribute, example, code block) whole, prose and rows the key and quote.
    pub fn cover_anchor(
        &mut self,
        page: &str,
        inv: &Inventory,
        fact: usize,
        key: Option<Range<usize>>,
        quote: Option<Range<usize>>,
        owner: &Owner,
    ) {
        let structured = inv.facts.get(fact).is_some_and(|f| {
            matches!(
                f.kind,
                FactKind::ParamHeader { .. }
                    | FactKind::ParamAttr { .. }
                    | FactKind::ParamExample { .. }
                    | FactKind::Code { .. }
            )
        });
        if structured {
            self.cover_whole(page, inv, fact, owner);
            return;
        }
        for span in [key, quote].into_iter().flatten() {
            self.cover(page, inv, fact, span, owner);
        }
    }

    /// The text of a fact that nothing covers and that is more than filler words, or `None`
    /// when the fact is accounted for.
    pub fn residue(&self, page: &str, fact_index: usize, fact: &Fact) -> Option<String> {
        let spans = self.spans.get(page).and_then(|s| s.get(fact_index)).cloned().unwrap_or_default();
        let mut covered = vec![false; fact.text.len()];
        for s in spans {
            for c in covered.iter_mut().take(s.end.min(fact.text.len())).skip(s.start) {
                *c = true;
            }
        }
        let mut parts = Vec::new();
        let mut current = String::new();
        for (i, ch) in fact.text.char_indices() {
            if covered[i] {
                if !current.trim().is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
                current.clear();
            } else {
                current.push(ch);
            }
        }
        if !current.trim().is_empty() {
            parts.push(current);
        }
        let meaningful: Vec<String> = parts
            .into_iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| {
                p.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .any(|w| !FILLER.contains(&w.to_lowercase().as_str()))
            })
            .collect();
        if meaningful.is_empty() { None } else { Some(meaningful.join(" … ")) }
    }

    /// Whether anything of the fact is covered.
    pub fn touched(&self, page: &str, fact: usize) -> bool {
        self.spans.get(page).and_then(|s| s.get(fact)).is_some_and(|s| !s.is_empty())
    }
}
