//! The layout both forms of a page are read into before facts are taken from it: headings,
//! paragraphs, list items, tables, code and parameter blocks, each with its line.

/// One block of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph (its lines joined by one space) or a list item.
    Paragraph { line: usize, text: String, bullet: bool },
    /// A table: the header's cells and each row's cells, with its line.
    Table { line: usize, header: Vec<String>, rows: Vec<(usize, Vec<String>)> },
    /// A code block, verbatim, with its language tag (empty in the text form).
    Code { line: usize, lang: String, text: String },
    /// A parameter block.
    Param(ParamBlock),
}

/// A parameter block: header lines, description paragraphs, attribute lines, examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParamBlock {
    pub line: usize,
    pub name: String,
    pub ty: String,
    pub location: Option<String>,
    pub required: bool,
    pub default: Option<String>,
    /// Description paragraphs.
    pub description: Vec<(usize, String)>,
    /// Attribute lines in a canonical form (`Available options: 720P, 1080P`).
    pub attrs: Vec<(usize, String)>,
    /// Example values, verbatim.
    pub examples: Vec<(usize, String)>,
}

/// Whether a line is a parameter type as Mintlify prints it: `string`, `integer`,
/// `enum<string>`, `string<uri>[]`, `object[]`.
pub(crate) fn is_type(line: &str) -> bool {
    let base = line.trim_end_matches("[]");
    let (head, inner) = match base.split_once('<') {
        Some((h, rest)) => match rest.strip_suffix('>') {
            Some(inner) => (h, Some(inner)),
            None => return false,
        },
        None => (base, None),
    };
    let known = ["string", "integer", "number", "boolean", "object", "array", "file", "null", "enum"];
    known.contains(&head)
        && inner.is_none_or(|i| !i.is_empty() && i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && (head != "enum" || inner.is_some())
}

/// Whether a line is a parameter name: an identifier, possibly dotted (`data.taskId`).
pub(crate) fn is_param_name(line: &str) -> bool {
    let mut chars = line.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && line.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !line.ends_with('.')
}

/// The attribute line prefixes of a parameter block.
pub(crate) const ATTR_PREFIXES: [&str; 5] =
    ["Available options:", "Required range:", "Required array length:", "Required string length:", "Pattern:"];

/// Whether a line starts a parameter attribute (or its examples).
pub(crate) fn is_attr_start(line: &str) -> bool {
    ATTR_PREFIXES.iter().any(|p| line.starts_with(p)) || line == "Example:" || line == "Examples:"
}

/// Whether a line looks like a documented example value: a quoted string, a number, JSON.
pub(crate) fn is_example_value(line: &str) -> bool {
    line.starts_with('"')
        || line.starts_with('{')
        || line.starts_with('[')
        || line.parse::<f64>().is_ok()
        || matches!(line, "true" | "false" | "null")
}

/// What a code block holds, from its language tag or its first line.
pub(crate) fn code_kind(lang: &str, text: &str) -> &'static str {
    let first = text.trim_start();
    if first.starts_with("curl ") || first.starts_with("curl\n") {
        "curl"
    } else if lang == "json" || (lang.is_empty() && (first.starts_with('{') || first.starts_with('['))) {
        "json"
    } else if matches!(lang, "javascript" | "js" | "typescript" | "ts")
        || (lang.is_empty() && ["const ", "let ", "var "].iter().any(|p| first.starts_with(p)))
    {
        "javascript"
    } else {
        "code"
    }
}
