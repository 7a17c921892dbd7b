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
    /// Dotted key path inside the file, e.g. `types.Input.fields[2].range.min`.
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

/// The text of a spec file with its name, able to turn byte spans into positions.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// Name used in messages.
    pub name: String,
    /// The whole file.
    pub text: String,
}

impl SourceText {
    /// 1-based line and column (in characters) of a byte offset; clamps out-of-range offsets.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// An error at `span` (or at no position).
    pub fn error(&self, span: Option<Range<usize>>, path: impl Into<String>, message: impl Into<String>) -> SpecError {
        let (line, col) = span.map_or((0, 0), |s| self.line_col(s.start));
        SpecError { file: self.name.clone(), line, col, path: path.into(), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let t = SourceText { name: "f.toml".into(), text: "a = 1\nb = \"é\" x\n".into() };
        assert_eq!(t.line_col(0), (1, 1));
        assert_eq!(t.line_col(6), (2, 1));
        // 'x' is after a two-byte character: byte 14, character column 9.
        assert_eq!(t.line_col(t.text.find('x').unwrap()), (2, 9));
        assert_eq!(t.line_col(10_000), (3, 1));
    }

    #[test]
    fn display_names_file_position_path_and_message() {
        let t = SourceText { name: "spec/x.toml".into(), text: "a\nbb\n".into() };
        let e = t.error(Some(3..4), "types.A.kind", "expected one of: enum, object, union");
        assert_eq!(e.to_string(), "spec/x.toml:2:2: types.A.kind: expected one of: enum, object, union");
    }
}
