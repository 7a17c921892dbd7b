//! Reads a saved provider doc page into an inventory of doc facts.
//!
//! This crate is the independent side of the docs-drift check: it knows nothing of the spec
//! files or the generator (it has no dependency on them), so what it reads from a page
//! cannot have been shaped by what the spec says. The generator then anchors every spec fact
//! to a doc fact of this inventory and checks the values against it.
//!
//! Two forms of a page are read into the same facts:
//!
//! - the **text form** (`*.txt`), the page as a browser copies it: headings stand alone
//!   between blank lines, table cells may run together (`720p$0.125 / second`), be separated
//!   by tabs or pipes, parameter blocks are name / type / `default:` / `required` lines;
//! - the **markdown form** (`*.md`), as Mintlify and `llms.txt`-style pages publish it:
//!   `#` headings, pipe tables, fenced code, `<ParamField>` / `<ResponseField>` blocks.
//!
//! A fact is a table row, a parameter block (its header, each attribute such as
//! `Available options` or `Required range`, each description sentence that states a
//! contract fact, each example), a bullet or sentence that states a contract fact (a number,
//! a code-like name, an enumeration, or a word such as `must`, `default`, `only`), a
//! labelled line (`Base URL: ...`), or a code block. Prose that states none of these is not
//! a fact, so rewording it changes nothing.
//!
//! ```
//! let page = "Billing\n\nResolution\tPrice\n720p\t$0.125 / second\n";
//! let inventory = happyhorse_doc_reader::read(page, happyhorse_doc_reader::Form::Text);
//! let row = &inventory.facts[0];
//! assert_eq!(row.section, "Billing");
//! assert_eq!(row.text, "720p$0.125 / second");
//! ```

#![forbid(unsafe_code)]

mod block;
mod fact;
mod facts;
mod markdown;
mod param;
pub mod prose;
mod text;

pub use fact::{Attr, Fact, FactKind, Inventory};

/// The form a saved page is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Plain text, as copied from a browser.
    Text,
    /// Markdown, as published for LLMs (`llms.txt` style, Mintlify components).
    Markdown,
}

impl Form {
    /// The form of a file by its extension: `.md` is markdown, anything else text.
    pub fn of_path(path: &std::path::Path) -> Form {
        match path.extension().and_then(|e| e.to_str()) {
            Some("md" | "markdown" | "mdx") => Form::Markdown,
            _ => Form::Text,
        }
    }
}

/// The name of the section before the page's first heading.
pub const TOP_SECTION: &str = "(top)";

/// Reads a page into its inventory of facts, in page order.
pub fn read(page: &str, form: Form) -> Inventory {
    let blocks = match form {
        Form::Text => text::blocks(page),
        Form::Markdown => markdown::blocks(page),
    };
    facts::from_blocks(&blocks)
}
