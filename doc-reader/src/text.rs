//! The text form: a page as a browser copies it. Headings stand alone between blank lines;
//! tables are a header line and one line per row, cells run together or separated by tabs
//! or pipes; parameter blocks are name, type, `default:`, `required` lines; code is curl
//! commands, JSON documents and JavaScript lines without fences.

use crate::block::{Block, ParamBlock, is_param_name, is_type};
use crate::param::{read_body, unquote};
use crate::prose::squash;

/// Reads the page's lines into blocks.
pub(crate) fn blocks(page: &str) -> Vec<Block> {
    let lines: Vec<(usize, &str)> = page.lines().map(str::trim_end).enumerate().map(|(i, l)| (i + 1, l)).collect();
    let mut r = Reader { lines, i: 0, out: Vec::new() };
    r.run();
    r.out
}

struct Reader<'a> {
    lines: Vec<(usize, &'a str)>,
    i: usize,
    out: Vec<Block>,
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl<'a> Reader<'a> {
    fn t(&self, i: usize) -> &'a str {
        self.lines.get(i).map_or("", |l| l.1.trim())
    }

    fn blank(&self, i: usize) -> bool {
        i >= self.lines.len() || self.t(i).is_empty()
    }

    fn run(&mut self) {
        while self.i < self.lines.len() {
            let i = self.i;
            let t = self.t(i);
            if t.is_empty() {
                self.i += 1;
            } else if self.is_heading(i) {
                self.out.push(Block::Heading(t.to_owned()));
                self.i += 1;
            } else if is_code_start(t) {
                self.code();
            } else if METHODS.contains(&t) && self.t(i + 1) == "/" {
                self.endpoint();
            } else if self.is_param_start(i) {
                self.param();
            } else if let Some(rest) = bullet(t) {
                self.bullet(rest);
            } else if let Some(header) = self.table_header(i) {
                self.table(header);
            } else {
                self.paragraph();
            }
        }
    }

    /// A short title alone between blank lines.
    fn is_heading(&self, i: usize) -> bool {
        (i == 0 || self.blank(i - 1)) && self.blank(i + 1) && heading_like(self.t(i))
    }

    fn is_param_start(&self, i: usize) -> bool {
        is_param_name(self.t(i)) && is_type(self.t(i + 1))
    }

    /// Anything that starts a block other than a paragraph.
    fn starts_block(&self, i: usize) -> bool {
        let t = self.t(i);
        t.is_empty()
            || self.is_heading(i)
            || is_code_start(t)
            || self.is_param_start(i)
            || bullet(t).is_some()
            || (METHODS.contains(&t) && self.t(i + 1) == "/")
    }

    fn code(&mut self) {
        let start = self.i;
        let first = self.t(start);
        let mut end = start + 1;
        if first.starts_with("curl") {
            // Continuation lines end with `\`; a quoted body runs to its closing quote.
            let mut text = self.lines[start].1.to_owned();
            while end < self.lines.len() && (text.trim_end().ends_with('\\') || text.matches('\'').count() % 2 == 1) {
                text.push('\n');
                text.push_str(self.lines[end].1);
                end += 1;
            }
        } else if first.starts_with('{') || first.starts_with('[') {
            let mut depth = 0i32;
            let mut in_string = false;
            let mut escaped = false;
            end = start;
            'lines: while end < self.lines.len() {
                for c in self.lines[end].1.chars() {
                    match (in_string, escaped, c) {
                        (true, true, _) => escaped = false,
                        (true, false, '\\') => escaped = true,
                        (true, false, '"') => in_string = false,
                        (false, _, '"') => in_string = true,
                        (false, _, '{' | '[') => depth += 1,
                        (false, _, '}' | ']') => depth -= 1,
                        _ => {}
                    }
                }
                end += 1;
                if depth <= 0 {
                    break 'lines;
                }
            }
        } else {
            while end < self.lines.len() && !self.blank(end) && is_js_line(self.t(end)) {
                end += 1;
            }
        }
        let text: Vec<&str> = self.lines[start..end].iter().map(|l| l.1).collect();
        self.out.push(Block::Code { line: self.lines[start].0, lang: String::new(), text: text.join("\n") });
        self.i = end;
    }

    /// `POST` `/` `segment` `/` `segment`, one per line: one endpoint line.
    fn endpoint(&mut self) {
        let line = self.lines[self.i].0;
        let mut text = self.t(self.i).to_owned();
        text.push(' ');
        let mut j = self.i + 1;
        while self.t(j) == "/" && !self.t(j + 1).is_empty() && !self.t(j + 1).contains(' ') {
            text.push('/');
            text.push_str(self.t(j + 1));
            j += 2;
        }
        self.out.push(Block::Paragraph { line, text, bullet: false });
        self.i = j;
    }

    fn param(&mut self) {
        let mut p = ParamBlock {
            line: self.lines[self.i].0,
            name: self.t(self.i).to_owned(),
            ty: self.t(self.i + 1).to_owned(),
            ..ParamBlock::default()
        };
        let mut j = self.i + 2;
        loop {
            let t = self.t(j);
            if let Some(d) = t.strip_prefix("default:") {
                p.default = Some(unquote(d));
            } else if t == "required" {
                p.required = true;
            } else if matches!(t, "header" | "body" | "query" | "path" | "cookie") {
                p.location = Some(t.to_owned());
            } else {
                break;
            }
            j += 1;
        }
        let stop = |k: usize, described: bool| {
            self.is_param_start(k) || is_code_start(self.t(k)) || (described && self.is_heading(k))
        };
        let end = read_body(&self.lines, j, &mut p, false, &stop);
        self.out.push(Block::Param(p));
        self.i = end;
    }

    fn bullet(&mut self, first: &str) {
        let line = self.lines[self.i].0;
        let indent = indent_of(self.lines[self.i].1);
        let mut text = first.to_owned();
        let mut j = self.i + 1;
        while j < self.lines.len()
            && !self.blank(j)
            && indent_of(self.lines[j].1) > indent
            && bullet(self.t(j)).is_none()
        {
            text.push(' ');
            text.push_str(self.t(j));
            j += 1;
        }
        self.out.push(Block::Paragraph { line, text: squash(&text), bullet: true });
        self.i = j;
    }

    /// The header cells of a table starting at line `i`, if one does.
    fn table_header(&self, i: usize) -> Option<Vec<String>> {
        let t = self.t(i);
        if self.blank(i + 1) || self.starts_block(i + 1) {
            return None;
        }
        if let Some(cells) = explicit_cells(t) {
            return (cells.len() >= 2 && explicit_cells(self.t(i + 1)).is_some()).then_some(cells);
        }
        if t.chars().any(|c| ".,:;!?\"'{}[]()<>=`$*".contains(c)) || ends_sentence(self.t(i + 1)) {
            return None;
        }
        let cells = camel_cells(t);
        (cells.len() >= 2 && cells.iter().all(|c| c.split_whitespace().count() <= 5)).then_some(cells)
    }

    fn table(&mut self, header: Vec<String>) {
        let line = self.lines[self.i].0;
        let explicit = explicit_cells(self.t(self.i)).is_some();
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        let mut j = self.i + 1;
        while j < self.lines.len() && !self.starts_block(j) {
            let t = self.t(j);
            if explicit {
                let Some(cells) = explicit_cells(t) else { break };
                if cells.iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':'))) {
                    j += 1;
                    continue;
                }
                match rows.last_mut() {
                    // Fewer cells than the header: a re-wrapped line continuing the row.
                    Some((_, last)) if cells.len() < header.len() => {
                        if let Some(cell) = last.last_mut() {
                            cell.push(' ');
                            cell.push_str(&cells.join(" "));
                        }
                    }
                    _ => rows.push((self.lines[j].0, cells)),
                }
            } else {
                if ends_sentence(t) {
                    break;
                }
                // Indented lines continue the line above (a re-wrapped line).
                let mut row = t.to_owned();
                let mut k = j + 1;
                while k < self.lines.len() && !self.blank(k) && indent_of(self.lines[k].1) > indent_of(self.lines[j].1)
                {
                    row.push(' ');
                    row.push_str(self.t(k));
                    k += 1;
                }
                // A line that turns out to end a sentence is prose after the table.
                if k > j + 1 && ends_sentence(&row) {
                    break;
                }
                rows.push((self.lines[j].0, vec![squash(&row)]));
                j = k;
                continue;
            }
            j += 1;
        }
        self.out.push(Block::Table { line, header, rows });
        self.i = j;
    }

    fn paragraph(&mut self) {
        let line = self.lines[self.i].0;
        let mut text = self.t(self.i).to_owned();
        let mut j = self.i + 1;
        while j < self.lines.len()
            && !self.starts_block(j)
            && self.table_header(j).is_none()
            && continues(&text, self.t(j))
        {
            text.push(' ');
            text.push_str(self.t(j));
            j += 1;
        }
        self.out.push(Block::Paragraph { line, text: squash(&text), bullet: false });
        self.i = j;
    }
}

/// Whether `next` continues the paragraph `text` (a re-wrapped line) rather than starting
/// a new one: the paragraph does not yet end a sentence or a label, and neither is a
/// labelled line (`Authorization: Bearer ...`), which stands alone.
pub(crate) fn continues(text: &str, next: &str) -> bool {
    let last = text.trim_end().chars().last().unwrap_or('.');
    !next.is_empty()
        && !matches!(last, '.' | ':' | '!' | '?')
        && (!crate::prose::is_labelled_line(text) || matches!(last, ',' | ';'))
        && !crate::prose::is_labelled_line(next)
}

fn ends_sentence(t: &str) -> bool {
    t.ends_with('.') || t.ends_with(':') || t.ends_with('!') || t.ends_with('?')
}

fn heading_like(t: &str) -> bool {
    t.chars().next().is_some_and(char::is_uppercase)
        && t.split_whitespace().count() <= 8
        && !t.chars().any(|c| ".,:;!?\"{}[]()<>=`|$*@#/\\".contains(c))
}

fn is_code_start(t: &str) -> bool {
    t.starts_with("curl ") || t.starts_with('{') || t.starts_with('[') || is_js_line(t)
}

fn is_js_line(t: &str) -> bool {
    ["const ", "let ", "var "].iter().any(|p| t.starts_with(p))
}

fn bullet(t: &str) -> Option<&str> {
    for marker in ["• ", "- ", "* ", "•"] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some(rest.trim_start());
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && t[digits..].starts_with(". ") {
        return Some(t[digits + 2..].trim_start());
    }
    None
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Cells separated by tabs or pipes, if the line has such separators.
fn explicit_cells(t: &str) -> Option<Vec<String>> {
    if t.contains('\t') {
        return Some(t.split('\t').map(squash).collect());
    }
    if t.starts_with('|') && t.ends_with('|') && t.len() > 1 {
        return Some(t[1..t.len() - 1].split('|').map(squash).collect());
    }
    None
}

/// A header line whose cells run together, split where a lower-case letter meets an
/// upper-case one (`CodeMeaningWhat to do`).
fn camel_cells(t: &str) -> Vec<String> {
    let chars: Vec<char> = t.chars().collect();
    let mut cells = Vec::new();
    let mut cell = String::new();
    for (k, &c) in chars.iter().enumerate() {
        if k > 0 && chars[k - 1].is_lowercase() && c.is_uppercase() {
            cells.push(std::mem::take(&mut cell));
        }
        cell.push(c);
    }
    cells.push(cell);
    cells.into_iter().map(|c| squash(&c)).collect()
}
