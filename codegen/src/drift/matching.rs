//! Finding a claimed value in the doc facts its spec fact is anchored to. Words and numbers
//! are found on boundaries (`15` is not in `150` or `1.5`; `v1` is not in `v10`), where a
//! change of letter case or from letters to digits counts as a boundary, because the text
//! form runs table cells together (`500Server errorRetry with backoff`).

use std::ops::Range;

use happyhorse_doc_reader::prose::enumerations;
use happyhorse_doc_reader::{Attr, Fact, FactKind, Inventory};

use super::claims::{BoundKind, Expect, Family};

/// A doc fact an anchor resolved to, with where its row key ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchored<'i> {
    pub inventory: &'i Inventory,
    pub index: usize,
    pub key_end: usize,
}

impl<'i> Anchored<'i> {
    fn fact(&self) -> &'i Fact {
        &self.inventory.facts[self.index]
    }

    /// Where the fact's text after its row key starts (0 when it has no key).
    fn region_start(&self) -> usize {
        if self.key_end <= self.fact().text.len() { self.key_end } else { 0 }
    }
}

/// A place in a doc fact where a value was found: the fact's index in the inventory of
/// the anchored fact at position `anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub anchor: usize,
    pub fact: usize,
    pub span: Range<usize>,
}

/// What checking one value found: where it is, and what disagrees (by the key of the
/// part that disagrees, so a decision can set it).
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub hits: Vec<Hit>,
    pub problems: Vec<(String, String)>,
}

/// Checks one claimed value against the anchored facts.
pub(crate) fn check(key: &str, expect: &Expect, anchored: &[Anchored<'_>]) -> Outcome {
    match expect {
        Expect::Text { any_of, exact_case } => find_any(key, anchored, any_of, *exact_case, false),
        Expect::Number { any_of } => find_any(key, anchored, any_of, true, true),
        Expect::Set { items, exact_case } => set(key, anchored, items, *exact_case),
        Expect::Field { name, required, default, ty, options } => {
            field(anchored, name, *required, default.as_deref(), ty, options.as_deref())
        }
        Expect::Bounds { kind, min, max } => bounds(anchored, *kind, *min, *max),
        Expect::Schemes { schemes, data } => schemes_check(key, anchored, schemes, data),
        Expect::Json(v) => json(key, anchored, v),
        Expect::Formula(tokens) => formula(key, anchored, tokens),
    }
}

fn whole(k: usize, a: &Anchored<'_>) -> Hit {
    Hit { anchor: k, fact: a.index, span: 0..a.fact().text.len() }
}

/// Every place `needle` occurs in `text` on boundaries, comparing case or not.
pub(crate) fn occurrences(
    text: &str,
    needle: &str,
    exact_case: bool,
    number: bool,
    key_end: usize,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if needle.is_empty() {
        return out;
    }
    let hay: Vec<(usize, char)> = text.char_indices().collect();
    let pat: Vec<char> = needle.chars().collect();
    for start in 0..hay.len() {
        if start + pat.len() > hay.len() {
            break;
        }
        let same = pat.iter().enumerate().all(|(k, &p)| {
            let c = hay[start + k].1;
            if exact_case { c == p } else { c.to_lowercase().eq(p.to_lowercase()) }
        });
        if !same {
            continue;
        }
        let begin = hay[start].0;
        let end = hay.get(start + pat.len()).map_or(text.len(), |(i, _)| *i);
        let before = start.checked_sub(1).map(|k| hay[k].1);
        let after = hay.get(start + pat.len()).map(|(_, c)| *c);
        let ok_before = begin == key_end
            || before.is_none_or(|b| boundary(b, pat[0], number, || start.checked_sub(2).map(|k| hay[k].1)));
        let ok_after = end == key_end
            || after.is_none_or(|a| {
                boundary(pat[pat.len() - 1], a, number, || hay.get(start + pat.len() + 1).map(|(_, c)| *c))
            });
        if ok_before && ok_after {
            out.push(begin..end);
        }
    }
    out
}

/// Whether two adjacent characters are separate tokens. `beyond` is the character on the
/// far side of `b`/before `a`, for decimals (`0.125`).
fn boundary(a: char, b: char, number: bool, beyond: impl Fn() -> Option<char>) -> bool {
    if number {
        // `1.5`: a digit next to `.` next to a digit is one number.
        if (a == '.' && b.is_ascii_digit() || a.is_ascii_digit() && b == '.')
            && beyond().is_some_and(|c| c.is_ascii_digit())
        {
            return false;
        }
        if a.is_ascii_digit() && b.is_ascii_digit() {
            return false;
        }
    }
    if !a.is_alphanumeric() || !b.is_alphanumeric() {
        return true;
    }
    let class = |c: char| {
        if c.is_ascii_digit() {
            0
        } else if c.is_uppercase() {
            1
        } else {
            2
        }
    };
    match (class(a), class(b)) {
        (0, 0) => false,
        (x, y) if x == 0 || y == 0 => true,
        (2, 1) => true,
        _ => false,
    }
}

fn find_any(key: &str, anchored: &[Anchored<'_>], any_of: &[String], exact_case: bool, number: bool) -> Outcome {
    let mut out = Outcome::default();
    for (k, a) in anchored.iter().enumerate() {
        for needle in any_of {
            for span in occurrences(&a.fact().text, needle, exact_case, number, a.key_end) {
                out.hits.push(Hit { anchor: k, fact: a.index, span });
            }
        }
    }
    if out.hits.is_empty() {
        let what = any_of.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" or ");
        out.problems.push((key.to_owned(), format!("{what} is not in the doc fact")));
    }
    out
}

fn set(key: &str, anchored: &[Anchored<'_>], items: &[String], exact_case: bool) -> Outcome {
    let norm = |s: &str| if exact_case { s.to_owned() } else { s.to_lowercase() };
    let want: std::collections::BTreeSet<String> = items.iter().map(|s| norm(s)).collect();
    // Every options list anchored (one per page that lists the values, such as a shared
    // enum's list on each model's page) must hold the set by itself.
    let mut lists = Outcome::default();
    for (k, a) in anchored.iter().enumerate() {
        if let FactKind::ParamAttr { attr: Attr::Options(options), .. } = &a.fact().kind {
            let got: std::collections::BTreeSet<String> = options.iter().map(|s| norm(s)).collect();
            if got == want {
                lists.hits.push(whole(k, a));
            } else {
                lists.problems.push((key.to_owned(), set_difference(&want, &got)));
            }
        }
    }
    if !lists.hits.is_empty() || !lists.problems.is_empty() {
        return lists;
    }
    let mut best: Option<String> = None;
    for (k, a) in anchored.iter().enumerate() {
        let f = a.fact();
        let off = a.region_start();
        let region = &f.text[off..];
        if items.len() <= 2
            && !enumerations(region).iter().any(|e| items.iter().all(|i| e.items.iter().any(|x| norm(x) == norm(i))))
        {
            // Two values named in running text (`async ... or callback ...`), not listed.
            let spans: Vec<Vec<Range<usize>>> =
                items.iter().map(|i| occurrences(&f.text, i, exact_case, false, a.key_end)).collect();
            if spans.iter().all(|s| !s.is_empty()) {
                let hits = spans.into_iter().flatten().map(|span| Hit { anchor: k, fact: a.index, span }).collect();
                return Outcome { hits, problems: vec![] };
            }
            continue;
        }
        let single = items.iter().all(|i| !i.contains(' '));
        let found = if single {
            enumerations(region)
                .into_iter()
                .max_by_key(|e| e.items.iter().filter(|i| want.contains(&norm(i))).count())
                .map(|e| {
                    let spans: Vec<Range<usize>> = e.item_spans.iter().map(|s| s.start + off..s.end + off).collect();
                    (e.items, spans)
                })
        } else {
            phrase_list(region, items, exact_case).map(|(items, spans)| {
                (items, spans.into_iter().map(|s: Range<usize>| s.start + off..s.end + off).collect())
            })
        };
        let Some((got, spans)) = found else { continue };
        let got_set: std::collections::BTreeSet<String> = got.iter().map(|s| norm(s)).collect();
        if got_set == want {
            return Outcome {
                hits: spans.into_iter().map(|span| Hit { anchor: k, fact: a.index, span }).collect(),
                problems: vec![],
            };
        }
        if got_set.intersection(&want).count() > 0 {
            best = Some(set_difference(&want, &got_set));
        }
    }
    let message = best.unwrap_or_else(|| {
        format!(
            "no list of {} is in the doc fact",
            items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
        )
    });
    Outcome { hits: vec![], problems: vec![(key.to_owned(), message)] }
}

fn set_difference(want: &std::collections::BTreeSet<String>, got: &std::collections::BTreeSet<String>) -> String {
    let missing: Vec<String> = want.difference(got).map(|s| format!("`{s}`")).collect();
    let extra: Vec<String> = got.difference(want).map(|s| format!("`{s}`")).collect();
    let mut parts = Vec::new();
    if !extra.is_empty() {
        parts.push(format!("the doc lists {} that the spec does not have", extra.join(", ")));
    }
    if !missing.is_empty() {
        parts.push(format!("the spec has {} that the doc does not list", missing.join(", ")));
    }
    parts.join("; ")
}

/// A list of multi-word items (`Invalid parameters, Missing required parameter, ...`): the
/// span from the first to the last expected item, split at list separators, and one more
/// item on either side if a separator continues the list there.
fn phrase_list(text: &str, items: &[String], exact_case: bool) -> Option<(Vec<String>, Vec<Range<usize>>)> {
    let mut starts = Vec::new();
    for i in items {
        let first = occurrences(text, i, exact_case, false, usize::MAX).into_iter().next()?;
        starts.push(first);
    }
    let begin = starts.iter().map(|r| r.start).min()?;
    let mut end = starts.iter().map(|r| r.end).max()?;
    // A further item after the last one: `, X` up to the next separator or sentence end.
    let rest = &text[end..];
    for sep in [", and ", ", or ", ", "] {
        if let Some(after) = rest.strip_prefix(sep) {
            let stop = after.find([',', '.', ';', '(']).unwrap_or(after.len());
            end += sep.len() + stop;
            break;
        }
    }
    let mut got = Vec::new();
    let mut spans = Vec::new();
    let mut at = begin;
    for piece in split_list(&text[begin..end]) {
        let off = text[at..].find(&piece).map_or(at, |p| at + p);
        spans.push(off..off + piece.len());
        at = off + piece.len();
        got.push(piece);
    }
    Some((got, spans))
}

fn split_list(s: &str) -> Vec<String> {
    s.replace(", and ", ", ")
        .replace(", or ", ", ")
        .split(", ")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

fn field(
    anchored: &[Anchored<'_>],
    name: &str,
    required: bool,
    default: Option<&str>,
    ty: &Family,
    options: Option<&[String]>,
) -> Outcome {
    let mut out = Outcome::default();
    let header = anchored.iter().enumerate().find(|(_, a)| matches!(a.fact().kind, FactKind::ParamHeader { .. }));
    let Some((k, a)) = header else {
        // Not anchored to a parameter block: the name must be in the prose or code.
        return find_any("name", anchored, &[name.to_owned()], true, false);
    };
    let f = a.fact();
    let FactKind::ParamHeader { name: doc_name, ty: doc_ty, required: doc_required, default: doc_default, .. } =
        &f.kind
    else {
        return out;
    };
    out.hits.push(whole(k, a));
    if doc_name != name && !doc_name.ends_with(&format!(".{name}")) {
        out.problems.push(("name".into(), format!("the parameter is named `{doc_name}`, the spec field `{name}`")));
    }
    if *doc_required != required {
        let (d, s) = if *doc_required { ("required", "optional") } else { ("not marked required", "required") };
        out.problems.push(("presence".into(), format!("the doc parameter is {d}, the spec field is {s}")));
    }
    if doc_default.as_deref() != default {
        let show = |v: Option<&str>| v.map_or_else(|| "none".to_owned(), |v| format!("`{v}`"));
        out.problems.push((
            "default".into(),
            format!("the doc default is {}, the spec default {}", show(doc_default.as_deref()), show(default)),
        ));
    }
    match Family::of_doc(doc_ty) {
        Some(t) if &t == ty => {}
        Some(t) => out.problems.push(("type".into(), format!("the doc type is `{doc_ty}` ({t}), the spec type {ty}"))),
        None => out.problems.push(("type".into(), format!("the doc type `{doc_ty}` is not one this check knows"))),
    }
    if let Some(options) = options {
        let attr = a.inventory.facts.iter().enumerate().find(|(_, g)| {
            g.section == f.section
                && matches!(&g.kind, FactKind::ParamAttr { param, attr: Attr::Options(_) } if param == doc_name)
        });
        if let Some((i, g)) = attr
            && let FactKind::ParamAttr { attr: Attr::Options(got), .. } = &g.kind
        {
            out.hits.push(Hit { anchor: k, fact: i, span: 0..g.text.len() });
            let want: std::collections::BTreeSet<String> = options.iter().cloned().collect();
            let got: std::collections::BTreeSet<String> = got.iter().cloned().collect();
            if got != want {
                out.problems.push(("options".into(), set_difference(&want, &got)));
            }
        }
    }
    out
}

fn bounds(anchored: &[Anchored<'_>], kind: BoundKind, min: Option<i64>, max: Option<i64>) -> Outcome {
    let mut out = Outcome::default();
    for (k, a) in anchored.iter().enumerate() {
        let f = a.fact();
        let doc = match (&f.kind, kind) {
            (FactKind::ParamAttr { attr: Attr::Range(lo, hi), .. }, BoundKind::Range)
            | (FactKind::ParamAttr { attr: Attr::ArrayLength(lo, hi), .. }, BoundKind::ArrayLength)
            | (FactKind::ParamAttr { attr: Attr::StringLength(lo, hi), .. }, BoundKind::StringLength) => (lo, hi),
            _ => continue,
        };
        out.hits.push(whole(k, a));
        let show = |v: Option<i64>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
        let parse = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<i64>().ok());
        for (k, d, s) in [("min", parse(doc.0), min), ("max", parse(doc.1), max)] {
            if d != s {
                out.problems.push((k.into(), format!("the doc's {k} is {}, the spec's {}", show(d), show(s))));
            }
        }
        return out;
    }
    // Prose: each bound the spec holds is a number in one of the anchored facts.
    for (k, v) in [("min", min), ("max", max)] {
        if let Some(v) = v {
            let o = find_any(k, anchored, &[v.to_string()], true, true);
            out.hits.extend(o.hits);
            out.problems.extend(o.problems);
        }
    }
    out
}

/// The URL schemes a `Pattern` admits: `^https?://` is http and https.
pub(crate) fn pattern_schemes(pattern: &str) -> Option<Admits> {
    let p = pattern.strip_prefix('^')?;
    // `^(http|https)://`: the group holds the schemes, the suffix follows it.
    let (p, suffix) = match p.strip_prefix('(').and_then(|g| g.strip_suffix(")://")) {
        Some(group) => (group, "://"),
        None => (p.strip_prefix('(').and_then(|p| p.strip_suffix(')')).unwrap_or(p), ""),
    };
    let mut out = Admits::default();
    for alt in p.split('|') {
        let alt = format!("{alt}{suffix}");
        if let Some(media) = alt.strip_prefix("data:").and_then(|t| t.strip_suffix('/')) {
            if media.is_empty() || !media.bytes().all(|b| b.is_ascii_lowercase()) {
                return None;
            }
            out.data.push(media.to_owned());
            continue;
        }
        let scheme = alt.strip_suffix("://")?;
        if let Some(base) = scheme.strip_suffix('?') {
            let shorter: String = base.chars().take(base.chars().count().saturating_sub(1)).collect();
            out.schemes.push(shorter);
            out.schemes.push(base.to_owned());
        } else if !scheme.is_empty()
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        {
            out.schemes.push(scheme.to_owned());
        } else {
            return None;
        }
    }
    out.schemes.sort();
    out.data.sort();
    Some(out)
}

/// What a URL pattern admits: URL schemes and `data:<type>/` media types.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Admits {
    pub schemes: Vec<String>,
    pub data: Vec<String>,
}

fn schemes_check(key: &str, anchored: &[Anchored<'_>], schemes: &[String], data: &[String]) -> Outcome {
    let want = {
        let (mut schemes, mut data) = (schemes.to_vec(), data.to_vec());
        schemes.sort();
        data.sort();
        Admits { schemes, data }
    };
    for (k, a) in anchored.iter().enumerate() {
        if let FactKind::ParamAttr { attr: Attr::Pattern(p), .. } = &a.fact().kind {
            return match pattern_schemes(p) {
                Some(got) if got == want => Outcome { hits: vec![whole(k, a)], problems: vec![] },
                Some(got) => Outcome {
                    hits: vec![whole(k, a)],
                    problems: vec![(
                        key.into(),
                        format!(
                            "the doc pattern `{p}` admits schemes {:?} and data URIs {:?}, the spec {:?} and {:?}",
                            got.schemes, got.data, want.schemes, want.data
                        ),
                    )],
                },
                None => Outcome {
                    hits: vec![whole(k, a)],
                    problems: vec![(key.into(), format!("the doc pattern `{p}` is not a list of URL schemes"))],
                },
            };
        }
    }
    let mut out = Outcome::default();
    for s in schemes {
        let o = find_any(key, anchored, std::slice::from_ref(s), false, false);
        out.hits.extend(o.hits);
        out.problems.extend(o.problems);
    }
    out
}

/// The JSON a code block holds: the block itself, or a curl command's `-d` / `--data` body.
pub(crate) fn code_json(f: &Fact) -> Option<serde_json::Value> {
    let FactKind::Code { kind, .. } = &f.kind else { return None };
    let text = match kind.as_str() {
        "json" => f.text.clone(),
        "curl" => {
            let start =
                ["-d '", "--data '", "--data-raw '"].iter().find_map(|m| f.text.find(m).map(|p| p + m.len()))?;
            let end = f.text.rfind('\'')?;
            f.text.get(start..end)?.to_owned()
        }
        _ => return None,
    };
    serde_json::from_str(&text).ok()
}

fn json(key: &str, anchored: &[Anchored<'_>], want: &serde_json::Value) -> Outcome {
    if !anchored.iter().any(|a| matches!(a.fact().kind, FactKind::Code { .. })) {
        // An example restated in prose: each of its values is in the text.
        let mut out = Outcome::default();
        for leaf in leaves(want) {
            let o = find_any(key, anchored, &[leaf], true, false);
            out.hits.extend(o.hits);
            out.problems.extend(o.problems);
        }
        return out;
    }
    let mut problem = "no code block with a JSON document is anchored".to_owned();
    for (k, a) in anchored.iter().enumerate() {
        let Some(got) = code_json(a.fact()) else { continue };
        if &got == want {
            return Outcome { hits: vec![whole(k, a)], problems: vec![] };
        }
        problem = format!("the documented JSON differs {}", first_difference("", want, &got));
    }
    Outcome { hits: vec![], problems: vec![(key.into(), problem)] }
}

/// The scalar values of a JSON document, as text.
fn leaves(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Object(o) => o.values().flat_map(leaves).collect(),
        serde_json::Value::Array(a) => a.iter().flat_map(leaves).collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Null => vec![],
        other => vec![other.to_string()],
    }
}

/// Where two JSON values first differ, in words.
fn first_difference(path: &str, want: &serde_json::Value, got: &serde_json::Value) -> String {
    use serde_json::Value;
    let here = if path.is_empty() { "at the top".to_owned() } else { format!("at `{path}`") };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match g.get(k) {
                    Some(gv) if gv == wv => {}
                    Some(gv) => return first_difference(&p, wv, gv),
                    None => return format!("at `{p}`: the doc has no such key"),
                }
            }
            match g.keys().find(|k| !w.contains_key(*k)) {
                Some(k) => format!(
                    "at `{}`: a key the spec example does not have",
                    if path.is_empty() { k.clone() } else { format!("{path}.{k}") }
                ),
                None => here,
            }
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                if wv != gv {
                    return first_difference(&format!("{path}[{i}]"), wv, gv);
                }
            }
            here
        }
        _ => format!("{here}: the spec has `{want}`, the doc `{got}`"),
    }
}

fn formula(key: &str, anchored: &[Anchored<'_>], tokens: &[String]) -> Outcome {
    let flat: Vec<String> = anchored
        .iter()
        .map(|a| {
            a.fact().text[a.region_start()..]
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '_')
                .collect::<String>()
                .to_lowercase()
        })
        .collect();
    let missing: Vec<String> =
        tokens.iter().filter(|t| !flat.iter().any(|f| f.contains(t.as_str()))).map(|t| format!("`{t}`")).collect();
    let mut out = Outcome::default();
    if !missing.is_empty() {
        out.problems.push((
            key.into(),
            format!(
                "the formula's {} not in the doc's formula",
                if missing.len() == 1 { format!("{} is", missing[0]) } else { format!("{} are", missing.join(", ")) }
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_on_number_boundaries() {
        assert_eq!(occurrences("3-15 seconds", "15", true, true, usize::MAX), vec![2..4]);
        assert!(occurrences("150 items", "15", true, true, usize::MAX).is_empty());
        assert!(occurrences("$0.125 / second", "5", true, true, usize::MAX).is_empty());
        assert!(occurrences("1.5 s", "5", true, true, usize::MAX).is_empty());
        assert_eq!(occurrences("720p$0.125 / second", "0.125", true, true, usize::MAX), vec![5..10]);
    }

    #[test]
    fn words_are_found_across_run_together_cells() {
        assert_eq!(
            occurrences("500Server errorRetry with backoff", "Server error", false, false, usize::MAX),
            vec![3..15]
        );
        assert!(occurrences("happyHorses", "happyHorse", true, false, usize::MAX).is_empty());
        // After a row key, the value starts a cell even when the case does not change.
        assert_eq!(occurrences("Model IDhappyHorse", "happyHorse", true, false, 8), vec![8..18]);
        assert!(occurrences("Model IDhappyHorse", "happyHorse", true, false, usize::MAX).is_empty());
    }

    #[test]
    fn patterns_name_their_schemes() {
        let admits = |s: &[&str], d: &[&str]| {
            Some(Admits {
                schemes: s.iter().map(|s| (*s).to_owned()).collect(),
                data: d.iter().map(|s| (*s).to_owned()).collect(),
            })
        };
        assert_eq!(pattern_schemes("^https?://"), admits(&["http", "https"], &[]));
        assert_eq!(pattern_schemes("^https://"), admits(&["https"], &[]));
        assert_eq!(pattern_schemes("^(http|https)://"), admits(&["http", "https"], &[]));
        // i2v first_frame_image: a URL or a data URI.
        assert_eq!(pattern_schemes("^(https?://|data:image/)"), admits(&["http", "https"], &["image"]));
        assert_eq!(pattern_schemes("^(https?://|data:)"), None);
        assert_eq!(pattern_schemes("^[a-z]+$"), None);
    }
}
