//! The inventory's model: facts read from a page.

/// Everything a page states that could be a contract fact, in page order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The facts, in page order.
    pub facts: Vec<Fact>,
    /// Every section heading, in page order (a heading may repeat).
    pub sections: Vec<String>,
}

impl Inventory {
    /// The facts of one section, in page order.
    pub fn in_section<'a>(&'a self, section: &'a str) -> impl Iterator<Item = (usize, &'a Fact)> + 'a {
        self.facts.iter().enumerate().filter(move |(_, f)| f.section == section)
    }

    /// Whether the page has a section with this heading.
    pub fn has_section(&self, section: &str) -> bool {
        section == crate::TOP_SECTION || self.sections.iter().any(|s| s == section)
    }
}

/// One fact of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The heading of the section the fact is in ([`crate::TOP_SECTION`] before the first).
    pub section: String,
    /// 1-based line of the fact's first line in the page.
    pub line: usize,
    /// What kind of fact it is.
    pub kind: FactKind,
    /// The fact's text as compared: whitespace collapsed, markdown markup removed, table
    /// cells joined with nothing between them (so cells run together, separated by tabs or
    /// by pipes give the same text).
    pub text: String,
}

impl Fact {
    /// The parameter this fact belongs to, if it is part of a parameter block.
    pub fn param(&self) -> Option<&str> {
        match &self.kind {
            FactKind::ParamHeader { name, .. } => Some(name),
            FactKind::ParamAttr { param, .. } | FactKind::ParamText { param } | FactKind::ParamExample { param } => {
                Some(param)
            }
            _ => None,
        }
    }

    /// The kind of rule the fact states for a value, if it states one: `options`, `range`,
    /// `items`, `length`, `pattern`, `required` (a parameter block marked required), or
    /// `limit` (prose or a table row with a bound: `1-9 URLs`, `Up to 2500 characters`,
    /// `exactly one`, `limited to 5`, `>= 400 pixels`).
    pub fn rule(&self) -> Option<&'static str> {
        match &self.kind {
            FactKind::ParamAttr { attr, .. } => match attr {
                Attr::Options(_) => Some("options"),
                Attr::Range(..) => Some("range"),
                Attr::ArrayLength(..) => Some("items"),
                Attr::StringLength(..) => Some("length"),
                Attr::Pattern(_) => Some("pattern"),
                Attr::Other(_) => None,
            },
            FactKind::ParamHeader { required: true, .. } => Some("required"),
            FactKind::Row { .. } | FactKind::Statement { .. } | FactKind::ParamText { .. } => {
                crate::prose::states_a_bound(&self.text).then_some("limit")
            }
            _ => None,
        }
    }

    /// A short description for messages: `row "429Rate limit..."`, `parameter prompt: ...`.
    pub fn describe(&self) -> String {
        let text = crate::prose::shorten(&self.text, 100);
        match &self.kind {
            FactKind::Row { .. } => format!("row `{text}`"),
            FactKind::ParamHeader { name, .. } => format!("parameter `{name}` (`{text}`)"),
            FactKind::ParamAttr { param, .. } => format!("parameter `{param}`: `{text}`"),
            FactKind::ParamText { param } => format!("parameter `{param}`: `{text}`"),
            FactKind::ParamExample { param } => format!("parameter `{param}` example `{text}`"),
            FactKind::Statement { bullet: true } => format!("bullet `{text}`"),
            FactKind::Statement { bullet: false } => format!("sentence `{text}`"),
            FactKind::Code { label, .. } => format!("code block `{label}`"),
        }
    }
}

/// The kinds of facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactKind {
    /// A table row. `text` is the row's cells joined; `header` the header's.
    Row {
        /// The header row's cells joined with nothing between them.
        header: String,
    },
    /// The header of a parameter block: name, type, location, `required`, `default:`.
    /// `text` is a canonical rendering (`resolution enum<string> default:1080P`).
    ParamHeader {
        /// The parameter's name as the page writes it (`data.taskId`).
        name: String,
        /// The type as the page writes it (`string<uri>[]`, `enum<integer>`).
        ty: String,
        /// `header`, `body`, `query`, `path` when the page says.
        location: Option<String>,
        /// The page marks the parameter `required`.
        required: bool,
        /// The documented default, without surrounding quotes.
        default: Option<String>,
    },
    /// An attribute line of a parameter block (`Required range: 3 <= x <= 15`).
    ParamAttr {
        /// The parameter's name.
        param: String,
        /// The attribute, parsed.
        attr: Attr,
    },
    /// A sentence of a parameter's description that states a contract fact.
    ParamText {
        /// The parameter's name.
        param: String,
    },
    /// One documented example value of a parameter, verbatim.
    ParamExample {
        /// The parameter's name.
        param: String,
    },
    /// A sentence, bullet or labelled line (`Base URL: ...`) that states a contract fact.
    Statement {
        /// It is a list item.
        bullet: bool,
    },
    /// A code block. `text` is its content, whitespace collapsed.
    Code {
        /// The caption line before it without its colon (`Processing response`), or else
        /// what it is: `curl`, `json`, `javascript`, `code`.
        label: String,
        /// `curl`, `json`, `javascript` or `code`.
        kind: String,
    },
}

/// A parsed parameter attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr {
    /// `Available options: a, b, c`.
    Options(Vec<String>),
    /// `Required range: min <= x <= max` (either side may be absent).
    Range(Option<String>, Option<String>),
    /// `Required array length: min - max elements`.
    ArrayLength(Option<String>, Option<String>),
    /// `Required string length: min - max`.
    StringLength(Option<String>, Option<String>),
    /// `Pattern: regex`.
    Pattern(String),
    /// Another `Name: value` attribute line this reader does not know.
    Other(String),
}
