//! From blocks to facts: one fact per table row, parameter header, parameter attribute,
//! contract sentence of a description, example, contract sentence or bullet of prose,
//! labelled line, code block.

use crate::block::{Block, code_kind};
use crate::fact::{Fact, FactKind, Inventory};
use crate::param::{header_text, parse_attr};
use crate::prose::{sentences, squash, states_contract_fact};

pub(crate) fn from_blocks(blocks: &[Block]) -> Inventory {
    let mut inv = Inventory::default();
    let mut section = crate::TOP_SECTION.to_owned();
    let mut i = 0;
    while i < blocks.len() {
        let next = blocks.get(i + 1);
        let mut push = |line: usize, kind: FactKind, text: String| {
            inv.facts.push(Fact { section: section.clone(), line, kind, text });
        };
        match &blocks[i] {
            Block::Heading(h) => {
                section = h.clone();
                inv.sections.push(h.clone());
            }
            Block::Paragraph { line, text, bullet } => {
                if !bullet && text.ends_with(':') && matches!(next, Some(Block::Code { .. })) {
                    // The caption of the code block that follows.
                } else if let Some(Block::Paragraph { text: value, bullet: false, .. }) = next
                    && !bullet
                    && is_label(text)
                    && !value.contains(' ')
                {
                    push(*line, FactKind::Statement { bullet: false }, format!("{text} {value}"));
                    i += 1;
                } else if !bullet && is_labelled_value(text) {
                    push(*line, FactKind::Statement { bullet: false }, text.clone());
                } else {
                    for s in sentences(text) {
                        if states_contract_fact(&s) {
                            push(*line, FactKind::Statement { bullet: *bullet }, s);
                        }
                    }
                }
            }
            Block::Table { header, rows, .. } => {
                let header = header.concat();
                for (line, cells) in rows {
                    push(*line, FactKind::Row { header: header.clone() }, squash(&cells.concat()));
                }
            }
            Block::Code { line, lang, text } => {
                let kind = code_kind(lang, text).to_owned();
                let caption = match i.checked_sub(1).map(|p| &blocks[p]) {
                    Some(Block::Paragraph { text, bullet: false, .. }) if text.ends_with(':') => {
                        Some(text.trim_end_matches(':').trim().to_owned())
                    }
                    _ => None,
                };
                let label = caption.unwrap_or_else(|| kind.clone());
                push(*line, FactKind::Code { label, kind }, squash(text));
            }
            Block::Param(p) => {
                push(
                    p.line,
                    FactKind::ParamHeader {
                        name: p.name.clone(),
                        ty: p.ty.clone(),
                        location: p.location.clone(),
                        required: p.required,
                        default: p.default.clone(),
                    },
                    header_text(p),
                );
                for (line, d) in &p.description {
                    for s in sentences(d) {
                        if states_contract_fact(&s) {
                            push(*line, FactKind::ParamText { param: p.name.clone() }, s);
                        }
                    }
                }
                for (line, a) in &p.attrs {
                    push(*line, FactKind::ParamAttr { param: p.name.clone(), attr: parse_attr(a) }, squash(a));
                }
                for (line, e) in &p.examples {
                    push(*line, FactKind::ParamExample { param: p.name.clone() }, e.clone());
                }
            }
        }
        i += 1;
    }
    inv
}

/// `Base URL:`: a short label whose value is on the next line.
fn is_label(text: &str) -> bool {
    text.ends_with(':') && !text.contains(": ") && text.split_whitespace().count() <= 3
}

/// `Content-Type: application/json`: a short label and a one-word value on one line.
fn is_labelled_value(text: &str) -> bool {
    match text.split_once(": ") {
        Some((label, value)) => {
            label.split_whitespace().count() <= 3
                && !label.is_empty()
                && !value.trim().is_empty()
                && !value.trim().contains(' ')
        }
        None => false,
    }
}
