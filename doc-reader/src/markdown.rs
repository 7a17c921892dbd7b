//! The markdown form, as Mintlify and `llms.txt`-style pages publish it: `#` headings,
//! `>` quoted blocks, pipe tables, fenced code, `<ParamField>` / `<ResponseField>` blocks,
//! `-` and `1.` lists, HTML comments (skipped).

use crate::block::{Block, ParamBlock};
use crate::param::{read_body, unquote};
use crate::prose::{squash, strip_inline_markup};
use crate::text::continues;

/// Reads the page's lines into blocks.
pub(crate) fn blocks(page: &str) -> Vec<Block> {
    // `>` quotes only frame text (Mintlify's "Documentation Index" note): read through them.
    let owned: Vec<(usize, String)> = page
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = l.trim_end();
            let unquoted = l.strip_prefix("> ").or_else(|| l.strip_prefix('>')).unwrap_or(l);
            (i + 1, unquoted.to_owned())
        })
        .collect();
    let lines: Vec<(usize, &str)> = owned.iter().map(|(n, l)| (*n, l.as_str())).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].1.trim();
        let line = lines[i].0;
        if t.is_empty() {
            i += 1;
        } else if t.starts_with("<!--") {
            while i < lines.len() && !lines[i].1.contains("-->") {
                i += 1;
            }
            i += 1;
        } else if let Some(h) = heading(t) {
            out.push(Block::Heading(squash(&strip_inline_markup(h))));
            i += 1;
        } else if let Some(fence) = fence(t) {
            let lang = t[fence.len()..].trim().to_owned();
            let mut j = i + 1;
            let mut text = Vec::new();
            while j < lines.len() && !lines[j].1.trim_start().starts_with(fence) {
                text.push(lines[j].1);
                j += 1;
            }
            out.push(Block::Code { line, lang, text: text.join("\n") });
            i = j + 1;
        } else if let Some(tag) = ["<ParamField", "<ResponseField"].iter().find(|p| t.starts_with(**p)) {
            let close = format!("</{}>", &tag[1..]);
            let mut p = param_header(t, line);
            let mut j = i + 1;
            let start = j;
            while j < lines.len() && lines[j].1.trim() != close {
                j += 1;
            }
            let body: Vec<(usize, &str)> = lines[start..j].to_vec();
            read_body(&body, 0, &mut p, true, &|_, _| false);
            p.description = p.description.into_iter().map(|(n, d)| (n, strip_inline_markup(&d))).collect();
            out.push(Block::Param(p));
            i = j + 1;
        } else if t.starts_with('|') && lines.get(i + 1).is_some_and(|l| is_separator_row(l.1.trim())) {
            let header = cells(t);
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < lines.len() && lines[j].1.trim().starts_with('|') {
                rows.push((lines[j].0, cells(lines[j].1.trim())));
                j += 1;
            }
            out.push(Block::Table { line, header, rows });
            i = j;
        } else if let Some(rest) = list_item(t) {
            let indent = lines[i].1.len() - lines[i].1.trim_start().len();
            let mut text = rest.to_owned();
            let mut j = i + 1;
            while j < lines.len() && {
                let l = lines[j].1;
                !l.trim().is_empty() && l.len() - l.trim_start().len() > indent && list_item(l.trim()).is_none()
            } {
                text.push(' ');
                text.push_str(lines[j].1.trim());
                j += 1;
            }
            out.push(Block::Paragraph { line, text: squash(&strip_inline_markup(&text)), bullet: true });
            i = j;
        } else {
            let mut text = t.to_owned();
            let mut j = i + 1;
            while j < lines.len() && {
                let n = lines[j].1.trim();
                !n.is_empty()
                    && heading(n).is_none()
                    && fence(n).is_none()
                    && list_item(n).is_none()
                    && !n.starts_with('<')
                    && !n.starts_with('|')
                    && continues(&text, n)
            } {
                text.push(' ');
                text.push_str(lines[j].1.trim());
                j += 1;
            }
            out.push(Block::Paragraph { line, text: squash(&strip_inline_markup(&text)), bullet: false });
            i = j;
        }
    }
    out
}

fn heading(t: &str) -> Option<&str> {
    let hashes = t.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes).then(|| t[hashes..].strip_prefix(' ')).flatten().map(str::trim)
}

fn fence(t: &str) -> Option<&'static str> {
    ["````", "```", "~~~"].into_iter().find(|f| t.starts_with(f))
}

fn list_item(t: &str) -> Option<&str> {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some(rest);
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && t[digits..].starts_with(". ")).then(|| &t[digits + 2..])
}

fn is_separator_row(t: &str) -> bool {
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn cells(t: &str) -> Vec<String> {
    let inner = t.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| squash(&strip_inline_markup(c))).collect()
}

/// `<ParamField body="name" type="string" default="async" required>`: the name is the
/// value of `body`, `query`, `path`, `header` (the location) or `name`.
fn param_header(tag: &str, line: usize) -> ParamBlock {
    let inner = tag.trim_start_matches('<').trim_end_matches('>').trim_end_matches('/');
    let mut p = ParamBlock { line, ..ParamBlock::default() };
    let mut rest = inner.split_once(' ').map_or("", |(_, r)| r);
    while !rest.trim().is_empty() {
        rest = rest.trim_start();
        let key_end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        let value = if let Some(after) = rest.strip_prefix("=\"") {
            let end = after.find('"').unwrap_or(after.len());
            let v = &after[..end];
            rest = after.get(end + 1..).unwrap_or("");
            Some(v)
        } else {
            None
        };
        match (key, value) {
            ("body" | "query" | "path" | "header" | "cookie", Some(v)) => {
                p.name = v.to_owned();
                p.location = (key != "body").then(|| key.to_owned());
            }
            ("name", Some(v)) => p.name = v.to_owned(),
            ("type", Some(v)) => p.ty = v.to_owned(),
            ("default", Some(v)) => p.default = Some(unquote(v)),
            ("required", None) => p.required = true,
            _ => {}
        }
    }
    p
}
