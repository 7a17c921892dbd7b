//! Errors as data: every problem with a spec file names the file, the line and column, the
//! key path inside the file, and what was expected. The generator never panics on bad
//! input; it returns these.

use std::fmt;
use std::ops::Range;

/// One problem found in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file as the user named it, e.g. `spec/apixo-happyhorse.toml`.
    pub file: String,
    /// 1-based line, 0 when the problem has no position (e.g. the file cannot be read).
    pub line: usize,
    /// 1-based column (in characters), 0 when the problem has no position.
    pub col: usize,
    /// Dotted key path inside the file, e.g. `types.Input.fields[duration].range.min` (array elements with a `name` are named by it).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)?;
        } else {
            write!(f, "{}", self.file)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SpecError {}

/// All the problems found in one or more spec files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(e: SpecError) -> Self {
        SpecErrors(vec![e])
    }
}

/// The text of a spec file with its name, able to turn byte spans into positions. A
/// provider's files are read as one text (the provider file, then its endpoint files):
/// `segments` say where each file starts, so a position names the file that holds it.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// Name used in messages (the provider file's, for joined files).
    pub name: String,
    /// The whole text.
    pub text: String,
    /// Where each joined file starts in `text`, with its name; empty for one file.
    pub segments: Vec<Segment>,
}

/// One file of a joined text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte offset of the file's first byte in the joined text.
    pub start: usize,
    /// The file's name as shown in messages.
    pub name: String,
}

impl SourceText {
    /// One file.
    pub fn new(name: &str, text: &str) -> SourceText {
        SourceText { name: name.to_owned(), text: text.to_owned(), segments: Vec::new() }
    }

    /// Files read as one text, in order, each starting on a line of its own.
    pub fn joined(files: &[(String, String)]) -> SourceText {
        let mut text = String::new();
        let mut segments = Vec::new();
        for (name, body) in files {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            segments.push(Segment { start: text.len(), name: name.clone() });
            text.push_str(body);
        }
        let name = files.first().map(|(n, _)| n.clone()).unwrap_or_default();
        SourceText { name, text, segments }
    }

    /// The file holding a byte offset, and where that file starts.
    pub fn segment(&self, offset: usize) -> (&str, usize) {
        match self.segments.iter().rev().find(|s| s.start <= offset) {
            Some(s) => (&s.name, s.start),
            None => (&self.name, 0),
        }
    }

    /// The file holding a byte offset.
    pub fn file_of(&self, offset: usize) -> &str {
        self.segment(offset).0
    }

    /// 1-based line and column (in characters) of a byte offset in the file that holds it;
    /// clamps out-of-range offsets.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (_, start) = self.segment(offset);
        let before = &self.text[start..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// An error at `span` (or at no position). Array elements that have a `name` are named
    /// by it in the key path: `types.Input.fields[duration].range.min`, not `fields[5]`.
    pub fn error(&self, span: Option<Range<usize>>, path: impl Into<String>, message: impl Into<String>) -> SpecError {
        let (line, col) = span.as_ref().map_or((0, 0), |s| self.line_col(s.start));
        let file = span.map_or(&*self.name, |s| self.file_of(s.start)).to_owned();
        let path = named_path(&self.text, &path.into());
        SpecError { file, line, col, path, message: message.into() }
    }
}

/// `path` (`a.b[2].c`) with the index of each array element that is a table replaced by
/// the element's key: `fields[duration]`, `values[P720]` (an enum value by its Rust name,
/// or its wire spelling when it has none), `http_statuses[429]`, `prices[720p]`, `examples[status_success]`. Unchanged
/// where the text is not TOML or the path leads nowhere.
fn named_path(text: &str, path: &str) -> String {
    match text.parse::<toml::Table>() {
        Ok(root) => named_path_in(&toml::Value::Table(root), path),
        Err(_) => path.to_owned(),
    }
}

/// The key that names an element of the array `array` (`fields`, `values`, ...).
fn element_key(array: &str) -> &'static [&'static str] {
    match array {
        "values" => &["name", "wire"],
        "http_statuses" => &["status"],
        "prices" => &["when"],
        "lints" => &["id"],
        _ => &["name"],
    }
}

/// A `"quoted"` key at the start of `s`: the key, unescaped, and the length of its
/// quoted form.
fn quoted_key(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix('"')?;
    let mut key = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((key, i + 2)),
            '\\' => key.push(chars.next()?.1),
            c => key.push(c),
        }
    }
    None
}

/// [`named_path`] on a parsed spec file.
pub fn named_path_in(root: &toml::Value, path: &str) -> String {
    let mut here: Option<&toml::Value> = Some(root);
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    let mut last_key = String::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else { break };
            let index = &after[..close];
            let element =
                here.and_then(toml::Value::as_array).zip(index.parse::<usize>().ok()).and_then(|(a, i)| a.get(i));
            let name = element.and_then(|e| {
                element_key(&last_key).iter().find_map(|k| match e.get(*k) {
                    Some(toml::Value::String(s)) => Some(s.clone()),
                    Some(toml::Value::Integer(n)) => Some(n.to_string()),
                    _ => None,
                })
            });
            match name {
                Some(name) => out.push_str(&format!("[{name}]")),
                None => out.push_str(&format!("[{index}]")),
            }
            here = element;
            rest = &after[close + 1..];
        } else {
            let start = usize::from(rest.starts_with('.'));
            // A quoted key (`"happyhorse-1.0-t2v"`, see `names::key_segment`) may hold dots.
            let (key, end) = match quoted_key(&rest[start..]) {
                Some((key, len)) => (key, start + len),
                None => {
                    let end = rest[start..].find(['.', '[']).map_or(rest.len(), |i| i + start);
                    (rest[start..end].to_owned(), end)
                }
            };
            out.push_str(&rest[..end]);
            here = here.and_then(|v| v.get(&key));
            last_key = key;
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let t = SourceText::new("f.toml", "a = 1\nb = \"é\" x\n");
        assert_eq!(t.line_col(0), (1, 1));
        assert_eq!(t.line_col(6), (2, 1));
        // 'x' is after a two-byte character: byte 14, character column 9.
        assert_eq!(t.line_col(t.text.find('x').unwrap()), (2, 9));
        assert_eq!(t.line_col(10_000), (3, 1));
    }

    #[test]
    fn joined_files_locate_each_position_in_its_own_file() {
        let t = SourceText::joined(&[("p.toml".into(), "a = 1\n[x]\n".into()), ("e.toml".into(), "[y]\nb = 2".into())]);
        let b = t.text.find("b = 2").unwrap();
        assert_eq!(t.line_col(b), (2, 1));
        assert_eq!(t.error(Some(b..b + 1), "y.b", "m").to_string(), "e.toml:2:1: y.b: m");
        let x = t.text.find("[x]").unwrap();
        assert_eq!(t.error(Some(x..x + 1), "x", "m").to_string(), "p.toml:2:1: x: m");
    }

    #[test]
    fn array_elements_are_named_by_their_name_in_paths() {
        let text = "[[t.fields]]\nname = \"prompt\"\n[[t.fields]]\nname = \"duration\"\nrange = { min = 1 }\n[[t.other]]\nx = 1\n";
        assert_eq!(named_path(text, "t.fields[1].range.min"), "t.fields[duration].range.min");
        let statuses = "[[http_statuses]]\nstatus = 400\n[[http_statuses]]\nstatus = 429\n[types.R]\nvalues = [{ wire = \"720p\", name = \"P720\" }]\n";
        assert_eq!(named_path(statuses, "http_statuses[1].source"), "http_statuses[429].source");
        assert_eq!(named_path(statuses, "types.R.values[0].source"), "types.R.values[P720].source");
        assert_eq!(named_path(text, "t.fields[0]"), "t.fields[prompt]");
        // No name, or no such element: the index stays.
        assert_eq!(named_path(text, "t.other[0].x"), "t.other[0].x");
        assert_eq!(named_path(text, "t.fields[7].name"), "t.fields[7].name");
        assert_eq!(named_path("not toml [", "a[0]"), "a[0]");
        // A quoted key holds dots; the elements under it are still named.
        let dotted = "[p.\"a.b\"]\n[[p.\"a.b\".fields]]\nname = \"x\"\n";
        assert_eq!(named_path(dotted, "p.\"a.b\".fields[0].min"), "p.\"a.b\".fields[x].min");
    }

    #[test]
    fn display_names_file_position_path_and_message() {
        let t = SourceText::new("spec/x.toml", "a\nbb\n");
        let e = t.error(Some(3..4), "types.A.kind", "expected one of: enum, object, union");
        assert_eq!(e.to_string(), "spec/x.toml:2:2: types.A.kind: expected one of: enum, object, union");
    }
}
