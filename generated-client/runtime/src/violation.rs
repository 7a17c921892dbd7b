//! Validation results: every broken rule of a request, each with the JSON path of the
//! value, the rule, the limit and the actual value.

use std::fmt;

/// The kind of rule a request value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// The body is not JSON at all.
    Syntax,
    /// A required field is missing.
    Required,
    /// A field that this mode (or variant) does not allow is present.
    Forbidden,
    /// A field that no mode knows is present.
    UnknownField,
    /// A field is sent under two of its documented names (`video` and `video_url`).
    Alias,
    /// The JSON type is wrong (a number where a string belongs, `null`, ...).
    Type,
    /// A value that is not one of the enum's documented values.
    Enum,
    /// A union tag (such as `mode`) that is not one of the documented variants.
    Tag,
    /// A string is too short or too long under the field's counting rule.
    Length,
    /// An integer is outside its range.
    Range,
    /// An array has too few or too many items.
    Items,
    /// A URL does not start with an allowed scheme.
    Url,
    /// A data URI is malformed, of a media type the field does not take, or too large.
    DataUri,
    /// A URL that must be public names credentials, localhost or a non-public IP.
    UrlPublic,
    /// The media behind a URL breaks a documented requirement (found by a preflight).
    Media,
    /// The body was given for an operation the provider does not have.
    Operation,
}

impl Rule {
    /// The rule's name as used in constraint ids and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::Required => "required",
            Rule::Forbidden => "forbidden",
            Rule::UnknownField => "unknown_field",
            Rule::Alias => "alias",
            Rule::Type => "type",
            Rule::Enum => "enum",
            Rule::Tag => "tag",
            Rule::Length => "length",
            Rule::Range => "range",
            Rule::Items => "items",
            Rule::Url => "url",
            Rule::DataUri => "data_uri",
            Rule::UrlPublic => "url_public",
            Rule::Media => "media",
            Rule::Operation => "operation",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    /// JSON path of the value, `input.image_urls[3]` (empty for the whole body).
    pub path: String,
    /// The rule that was broken.
    pub rule: Rule,
    /// What the rule allows, in words: `3..=15`, `one of: 720p, 1080p`.
    pub limit: String,
    /// What was found: `16`, `"4k"`, `10 items`, `absent`.
    pub actual: String,
    /// Id of the spec constraint, `<module>.submit.input[mode=<mode>].duration:range`.
    pub constraint: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "(body)" } else { &self.path };
        write!(f, "{path}: {}: expected {}, got {}", self.rule, self.limit, self.actual)
    }
}

/// Every rule a request broke, in the order they were found. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// Wraps a list of violations; `None` when the list is empty (nothing is wrong).
    pub fn from_vec(v: Vec<Violation>) -> Option<Self> {
        if v.is_empty() { None } else { Some(Violations(v)) }
    }

    /// A single violation.
    pub fn one(v: Violation) -> Self {
        Violations(vec![v])
    }

    /// The violations.
    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// The violations, owned.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    /// The violation at `path` for `rule`, if there is one.
    pub fn find(&self, path: &str, rule: Rule) -> Option<&Violation> {
        self.0.iter().find(|v| v.path == path && v.rule == rule)
    }

    /// `Ok(())` for an empty list, else `Err` with all of them.
    pub fn check(v: Vec<Violation>) -> Result<(), Violations> {
        match Self::from_vec(v) {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// Runs `check` on an empty list and returns what it pushed, as [`Violations::check`]
    /// does: how a typed request's `validate()` calls its `check()`.
    pub fn collect(check: impl FnOnce(&mut Vec<Violation>)) -> Result<(), Violations> {
        let mut out = Vec::new();
        check(&mut out);
        Self::check(out)
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} invalid value{}", if n == 1 { "" } else { "s" })?;
        for v in &self.0 {
            write!(f, "\n  - {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A body given for an operation the provider does not have (`known` lists its submit
/// operations).
pub fn unknown_operation(module: &str, given: &str, known: &[&str]) -> Violations {
    Violations::one(Violation {
        path: String::new(),
        rule: Rule::Operation,
        limit: format!("one of: {}", known.join(", ")),
        actual: quoted(given),
        constraint: format!("{module}:operation"),
    })
}

/// A JSON path built without allocating: a prefix, then keys and indexes that borrow
/// from the caller's stack. It is rendered (by [`key`] and [`index`], so in the same
/// spelling) only when a violation or a decode error names it, which keeps paths off the
/// cost of valid values.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// A rendered path (`""` for the whole value).
    Str(&'a str),
    /// A key under a path.
    Key(&'a Path<'a>, &'a str),
    /// An index under a path.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of the whole value.
    pub const ROOT: Path<'static> = Path::Str("");

    /// The path of key `k` under this one.
    pub fn key(&'a self, k: &'a str) -> Path<'a> {
        Path::Key(self, k)
    }

    /// The path of index `i` under this one.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }
}

impl<'a> From<&'a str> for Path<'a> {
    fn from(s: &'a str) -> Self {
        Path::Str(s)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Str(s) => f.write_str(s),
            Path::Key(base, k) => f.write_str(&key(&base.to_string(), k)),
            Path::Index(base, i) => f.write_str(&index(&base.to_string(), *i)),
        }
    }
}

/// Joins a JSON path and a key: `("input", "mode")` → `input.mode`, `("", "prompt")` → `prompt`.
pub fn key(base: &str, key: &str) -> String {
    if base.is_empty() { key.to_owned() } else { format!("{base}.{key}") }
}

/// Joins a JSON path and an index: `("input.image_urls", 3)` → `input.image_urls[3]`.
pub fn index(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// A value quoted for a message, cut to at most 80 characters.
pub fn quoted(s: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('\u{2026}');
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_paths_render_like_joined_ones() {
        let root = Path::ROOT;
        let input = root.key("input");
        let urls = input.key("image_urls");
        assert_eq!(urls.index(3).to_string(), index(&key(&key("", "input"), "image_urls"), 3));
        assert_eq!(root.key("prompt").to_string(), "prompt");
        let base = Path::from("data");
        assert_eq!(base.key("resultJson").to_string(), "data.resultJson");
        assert_eq!(root.index(0).to_string(), "[0]");
    }

    #[test]
    fn paths_join() {
        assert_eq!(key("", "prompt"), "prompt");
        assert_eq!(key("input", "mode"), "input.mode");
        assert_eq!(index("input.image_urls", 3), "input.image_urls[3]");
    }

    #[test]
    fn messages_name_path_rule_limit_and_actual() {
        let v = Violation {
            path: "input.duration".into(),
            rule: Rule::Range,
            limit: "3..=15".into(),
            actual: "16".into(),
            constraint: "x.submit.input.duration:range".into(),
        };
        assert_eq!(v.to_string(), "input.duration: range: expected 3..=15, got 16");
        let all = Violations::from_vec(vec![v.clone(), v]).unwrap();
        assert_eq!(
            all.to_string(),
            "2 invalid values\n  - input.duration: range: expected 3..=15, got 16\n  - input.duration: range: expected 3..=15, got 16"
        );
        assert!(Violations::from_vec(Vec::new()).is_none());
    }

    #[test]
    fn quoting_escapes_and_cuts() {
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        let long = "x".repeat(100);
        assert_eq!(quoted(&long).chars().count(), 80 + 3);
    }
}
