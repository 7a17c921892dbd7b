//! Citations of the saved doc copies: `apixo-happyhorse.txt:42-50`,
//! `modellix-happyhorse-1.0-r2v.txt:63, 65 (5000, truncated)`, `FACTS.md:78 (decision 7)`.

use std::path::Path;

/// One cited file and its lines (inclusive ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The doc copy, a file name in `spec/docs/`.
    pub file: String,
    /// Cited line ranges, 1-based and inclusive.
    pub lines: Vec<(usize, usize)>,
}

/// Every `<file>.<txt|md>:<lines>` citation in `text`. `<lines>` is a line or a range
/// (`42-50`), followed by more of them after `, ` (lines of the same file).
pub fn citations(text: &str) -> Vec<Citation> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find(':').map(|p| p + i) {
        i = at + 1;
        // The file name: the run of name characters before the colon.
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .last()
            .map_or(at, |(p, _)| p);
        let file = &text[start..at];
        if !(file.ends_with(".txt") || file.ends_with(".md")) {
            continue;
        }
        let mut lines = Vec::new();
        let mut j = at + 1;
        while let Some((range, next)) = range_at(bytes, j) {
            lines.push(range);
            j = next;
            // `, <line>` continues the list only when a number follows.
            if bytes.get(j) == Some(&b',') && bytes.get(j + 1) == Some(&b' ') && range_at(bytes, j + 2).is_some() {
                j += 2;
            } else {
                break;
            }
        }
        if !lines.is_empty() {
            out.push(Citation { file: file.to_owned(), lines });
            i = j;
        }
    }
    out
}

/// A number or `a-b` at `i`, and the index after it.
fn range_at(bytes: &[u8], i: usize) -> Option<((usize, usize), usize)> {
    let (a, j) = number_at(bytes, i)?;
    if bytes.get(j) == Some(&b'-')
        && let Some((b, k)) = number_at(bytes, j + 1)
    {
        return Some(((a, b), k));
    }
    Some(((a, a), j))
}

fn number_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let end = bytes[i.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count() + i;
    if end == i {
        return None;
    }
    std::str::from_utf8(&bytes[i..end]).ok()?.parse().ok().map(|n| (n, end))
}

/// Checks that `doc` cites at least one line and that every cited line exists in the doc
/// copies in `docs`.
pub fn check(docs: &Path, doc: &str) -> Result<(), String> {
    let cited = citations(doc);
    if cited.is_empty() {
        return Err(format!("`{doc}` cites no doc line (expected `<file>:<line>`, a file in spec/docs/)"));
    }
    for c in cited {
        let text = std::fs::read_to_string(docs.join(&c.file))
            .map_err(|e| format!("`{doc}` cites {}, which is not a doc copy in spec/docs/ ({e})", c.file))?;
        let count = text.lines().count();
        for (a, b) in c.lines {
            if a == 0 || a > b || b > count {
                return Err(format!("`{doc}` cites {}:{a}-{b}, but the file has lines 1-{count}", c.file));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_read() {
        let c = citations("modellix-happyhorse-1.0-r2v.txt:63, 65 (5000, truncated); FACTS.md:67 (decision 2)");
        assert_eq!(
            c,
            vec![
                Citation { file: "modellix-happyhorse-1.0-r2v.txt".into(), lines: vec![(63, 63), (65, 65)] },
                Citation { file: "FACTS.md".into(), lines: vec![(67, 67)] },
            ]
        );
        let c = citations("apixo-happyhorse.txt:42-50");
        assert_eq!(c[0].lines, vec![(42, 50)]);
        assert!(citations("decision 7").is_empty());
        assert!(citations("see apixo:17").is_empty());
    }

    #[test]
    fn cited_lines_must_exist() {
        let dir = std::env::temp_dir().join(format!("hh-cite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.txt"), "one\ntwo\nthree\n").unwrap();
        assert_eq!(check(&dir, "a.txt:1-3"), Ok(()));
        assert!(check(&dir, "a.txt:4").unwrap_err().contains("lines 1-3"));
        assert!(check(&dir, "b.txt:1").unwrap_err().contains("not a doc copy"));
        assert!(check(&dir, "the docs say so").unwrap_err().contains("cites no doc line"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
