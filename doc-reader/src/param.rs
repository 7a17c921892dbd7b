//! Parameter blocks: the parts both forms share (attribute lines, options, examples).

use crate::block::{ATTR_PREFIXES, ParamBlock, is_attr_start, is_example_value};
use crate::fact::Attr;
use crate::prose::squash;

/// Reads the body of a parameter block from `lines` (already cut to the block's extent
/// where the form marks it, as markdown's closing tag does) starting at `j`, and returns the
/// index after the last line it took. `stop` tells where a block without an end marker ends
/// (a new parameter, a heading); it is asked at the start of every paragraph, with whether
/// the description has been read (a short line before it is the description, not a heading).
pub(crate) fn read_body(
    lines: &[(usize, &str)],
    mut j: usize,
    p: &mut ParamBlock,
    multi_paragraph_description: bool,
    stop: &dyn Fn(usize, bool) -> bool,
) -> usize {
    let mut described = false;
    loop {
        while j < lines.len() && lines[j].1.trim().is_empty() {
            j += 1;
        }
        if j >= lines.len() || stop(j, described) {
            return j;
        }
        let (n, t) = (lines[j].0, lines[j].1.trim());
        if t == "Example:" || t == "Examples:" {
            j += 1;
            loop {
                let mut k = j;
                while k < lines.len() && lines[k].1.trim().is_empty() {
                    k += 1;
                }
                if k < lines.len()
                    && !stop(k, true)
                    && is_example_value(lines[k].1.trim())
                    && !is_attr_start(lines[k].1.trim())
                {
                    p.examples.push((lines[k].0, squash(lines[k].1)));
                    j = k + 1;
                } else {
                    break;
                }
            }
            described = true;
            continue;
        }
        if let Some(prefix) = ATTR_PREFIXES.iter().find(|pre| t.starts_with(**pre)) {
            let mut value = t[prefix.len()..].trim().to_owned();
            j += 1;
            if *prefix == "Available options:" {
                // Options may follow one per line, each but the last ending with a comma.
                let mut items: Vec<String> =
                    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
                let mut open = value.is_empty() || value.ends_with(',');
                while open && j < lines.len() {
                    let item = lines[j].1.trim();
                    if item.is_empty() || is_attr_start(item) {
                        break;
                    }
                    open = item.ends_with(',');
                    items.push(item.trim_end_matches(',').trim().to_owned());
                    j += 1;
                }
                value = items.join(", ");
            }
            p.attrs.push((n, format!("{prefix} {value}")));
            described = true;
            continue;
        }
        if described && !multi_paragraph_description {
            return j;
        }
        // A description paragraph: its lines up to a blank line or an attribute.
        let mut text = Vec::new();
        let first = n;
        while j < lines.len() {
            let l = lines[j].1.trim();
            if l.is_empty() || is_attr_start(l) || (!text.is_empty() && stop(j, true)) {
                break;
            }
            text.push(l);
            j += 1;
        }
        p.description.push((first, squash(&text.join(" "))));
        described = true;
    }
}

/// Parses a canonical attribute line (`Required range: 3 <= x <= 15`).
pub(crate) fn parse_attr(line: &str) -> Attr {
    let (name, value) = line.split_once(':').map_or((line, ""), |(a, b)| (a, b.trim()));
    let bounds = |v: &str, sep: &str| -> (Option<String>, Option<String>) {
        let v = v.trim_end_matches("elements").trim();
        match v.split_once(sep) {
            Some((a, b)) => (non_empty(a), non_empty(b)),
            None => (None, non_empty(v)),
        }
    };
    match name {
        "Available options" => {
            Attr::Options(value.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        }
        "Required range" => {
            // `a <= x <= b`, `x <= b`, `a <= x`, `x >= a`.
            let parts: Vec<&str> = value.split("<=").map(str::trim).collect();
            match parts.as_slice() {
                [a, "x", b] => Attr::Range(non_empty(a), non_empty(b)),
                ["x", b] => Attr::Range(None, non_empty(b)),
                [a, "x"] => Attr::Range(non_empty(a), None),
                _ => match value.split_once(">=") {
                    Some(("x", a)) => Attr::Range(non_empty(a), None),
                    _ => Attr::Other(line.to_owned()),
                },
            }
        }
        "Required array length" => {
            let (a, b) = bounds(value, "-");
            Attr::ArrayLength(a, b)
        }
        "Required string length" => {
            let (a, b) = bounds(value, "-");
            Attr::StringLength(a, b)
        }
        "Pattern" => Attr::Pattern(value.to_owned()),
        _ => Attr::Other(line.to_owned()),
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The canonical text of a parameter's header: `resolution enum<string> default:1080P`.
pub(crate) fn header_text(p: &ParamBlock) -> String {
    let mut s = format!("{} {}", p.name, p.ty);
    if let Some(l) = &p.location {
        s.push(' ');
        s.push_str(l);
    }
    if p.required {
        s.push_str(" required");
    }
    if let Some(d) = &p.default {
        s.push_str(" default:");
        s.push_str(d);
    }
    s
}

/// A default as documented, without the quotes some pages print around it.
pub(crate) fn unquote(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(v).to_owned()
}
