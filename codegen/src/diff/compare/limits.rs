//! Request limits of a field: length, range, item count, URL schemes, public hosts,
//! media requirements and over-long values. Every change says whether validation got
//! stricter (rejects values it accepted), looser (accepts values it rejected) or both.

use std::collections::BTreeSet;

use super::fields::Delta;
use crate::diff::change::Class;
use crate::ir::{CheckKind, Field, Media, Ty};

/// Which way a limit moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Stricter,
    Looser,
    Both,
}

impl Direction {
    fn effect(self, what: &str) -> String {
        match self {
            Direction::Stricter => format!("stricter: {what} rejects values it accepted"),
            Direction::Looser => format!("looser: {what} accepts values it rejected"),
            Direction::Both => format!("changed: {what} accepts some values it rejected and rejects some it accepted"),
        }
    }

    /// The combined direction of two moves (`None`: no move).
    fn and(a: Option<Direction>, b: Option<Direction>) -> Option<Direction> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) if x == y => Some(x),
            _ => Some(Direction::Both),
        }
    }
}

/// How an inclusive interval moved (`None` bounds are open).
fn bounds(old: (Option<i64>, Option<i64>), new: (Option<i64>, Option<i64>)) -> Option<Direction> {
    let lo = |v: Option<i64>| v.unwrap_or(i64::MIN);
    let hi = |v: Option<i64>| v.unwrap_or(i64::MAX);
    let step = |o: i64, n: i64, tighter: bool| match o.cmp(&n) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less if tighter => Some(Direction::Stricter),
        std::cmp::Ordering::Greater if !tighter => Some(Direction::Stricter),
        _ => Some(Direction::Looser),
    };
    Direction::and(step(lo(old.0), lo(new.0), true), step(hi(old.1), hi(new.1), false))
}

/// How a set of allowed values moved.
fn allowed<T: Ord + Clone>(old: &[T], new: &[T]) -> Option<Direction> {
    let (o, n): (BTreeSet<T>, BTreeSet<T>) = (old.iter().cloned().collect(), new.iter().cloned().collect());
    if o == n {
        None
    } else if n.is_subset(&o) {
        Some(Direction::Stricter)
    } else if n.is_superset(&o) {
        Some(Direction::Looser)
    } else {
        Some(Direction::Both)
    }
}

/// How a rule moved; `None` when it did not.
fn moved(old: &CheckKind, new: &CheckKind) -> Option<Direction> {
    match (old, new) {
        (CheckKind::Length { min: a, max: b, counter: c }, CheckKind::Length { min: x, max: y, counter: z }) => {
            if c != z { Some(Direction::Both) } else { bounds((*a, Some(*b)), (*x, Some(*y))) }
        }
        (CheckKind::Range { min: a, max: b }, CheckKind::Range { min: x, max: y })
        | (CheckKind::Items { min: a, max: b }, CheckKind::Items { min: x, max: y }) => bounds((*a, *b), (*x, *y)),
        (CheckKind::Url { schemes: a, data: d }, CheckKind::Url { schemes: b, data: e }) => {
            Direction::and(allowed(a, b), allowed(d, e))
        }
        (CheckKind::DataUri { types: a, max_bytes: m }, CheckKind::DataUri { types: b, max_bytes: n }) => {
            let cap = |n: u64| (None, Some(i64::try_from(n).unwrap_or(i64::MAX)));
            Direction::and(allowed(a, b), bounds(cap(*m), cap(*n)))
        }
        (a, b) if a == b => None,
        _ => Some(Direction::Both),
    }
}

/// The spec key of a rule, `items`, `url.schemes`.
fn aspect(kind: &CheckKind) -> &'static str {
    match kind {
        CheckKind::Length { .. } => "length",
        CheckKind::Range { .. } => "range",
        CheckKind::Items { .. } => "items",
        CheckKind::Url { .. } => "url.schemes",
        CheckKind::DataUri { .. } => "url.data",
        CheckKind::PublicUrl => "url.public",
    }
}

fn what(kind: &CheckKind) -> &'static str {
    match kind {
        CheckKind::Length { .. } => "length",
        CheckKind::Range { .. } => "range",
        CheckKind::Items { .. } => "item count",
        CheckKind::Url { .. } => "URL schemes",
        CheckKind::DataUri { .. } => "data URI rule",
        CheckKind::PublicUrl => "public-host rule",
    }
}

/// The limit deltas of a field. `field` names the field in reports
/// (`` `apixo::ReferenceToVideoInput::image_urls` ``).
pub(super) fn deltas(a: &Field, b: &Field, field: &str) -> Vec<Delta> {
    let mut out = Vec::new();
    let rule = |f: &Field, k: &CheckKind| format!("{field} validation, rule `{}:{}`", f.id_base, k.rule());
    let validation = "validation";
    let mut seen = Vec::new();
    for x in &a.checks {
        seen.push(x.kind.rule());
        match b.checks.iter().find(|y| y.kind.rule() == x.kind.rule()) {
            None => out.push(
                Delta::new(Class::Behaviour, aspect(&x.kind), what(&x.kind))
                    .values(Some(x.kind.limit_text()), None)
                    .effect(Direction::Looser.effect(validation))
                    .affects(rule(a, &x.kind)),
            ),
            Some(y) => {
                if let Some(d) = moved(&x.kind, &y.kind) {
                    out.push(
                        Delta::new(Class::Behaviour, aspect(&y.kind), what(&y.kind))
                            .values(Some(x.kind.limit_text()), Some(y.kind.limit_text()))
                            .effect(d.effect(validation))
                            .affects(rule(b, &y.kind)),
                    );
                }
                if x.decision != y.decision {
                    out.push(Delta::decision(
                        &format!("{}.decision", aspect(&y.kind)),
                        &x.decision,
                        &y.decision,
                        field,
                    ));
                }
            }
        }
    }
    for y in b.checks.iter().filter(|y| !seen.contains(&y.kind.rule())) {
        out.push(
            Delta::new(Class::Behaviour, aspect(&y.kind), what(&y.kind))
                .values(None, Some(y.kind.limit_text()))
                .effect(Direction::Stricter.effect(validation))
                .affects(rule(b, &y.kind)),
        );
    }
    out.extend(media(a.media.as_ref(), b.media.as_ref(), b, field));
    out.extend(overflow(a, b, field));
    out
}

fn media(a: Option<&Media>, b: Option<&Media>, f: &Field, field: &str) -> Vec<Delta> {
    let konst = format!("{}_MEDIA", crate::ir::names::shouty(&f.rust));
    let text = Media::summary;
    let preflight = format!("{field}: `{konst}` and `preflight_media()`");
    let (a, b) = match (a, b) {
        (None, None) => return Vec::new(),
        (None, Some(m)) => {
            return vec![
                Delta::new(Class::Additive, "media", "media requirements")
                    .values(None, Some(text(m)))
                    .effect("new media rules for the opt-in `preflight_media()` (not checked by `validate()`)")
                    .affects(preflight),
            ];
        }
        (Some(m), None) => {
            return vec![
                Delta::new(Class::Breaking, "media", "media requirements")
                    .values(Some(text(m)), None)
                    .effect("the media rules constant is gone")
                    .affects(preflight),
            ];
        }
        (Some(a), Some(b)) => (a, b),
    };
    let mut out = Vec::new();
    let effect = |d: Direction| d.effect("`preflight_media()` (not `validate()`)");
    if let Some(d) = allowed(&a.formats, &b.formats) {
        out.push(
            Delta::new(Class::Behaviour, "media.formats", "media formats")
                .values(Some(a.formats.join(", ")), Some(b.formats.join(", ")))
                .effect(effect(d))
                .affects(preflight.clone()),
        );
    }
    type Pixels = fn(&Media) -> Option<u32>;
    let pixels: [(&str, &str, Pixels); 3] = [
        ("min_short_edge_px", "short edge", |m| m.min_short_edge_px),
        ("min_width_px", "width", |m| m.min_width_px),
        ("min_height_px", "height", |m| m.min_height_px),
    ];
    for (key, what, get) in pixels {
        let px = |m: &Media| (get(m).map(i64::from), None);
        if let Some(d) = bounds(px(a), px(b)) {
            let shown = |m: &Media| get(m).map_or_else(|| "none".to_owned(), |n| n.to_string());
            out.push(
                Delta::new(Class::Behaviour, &format!("media.{key}"), &format!("media minimum {what} (px)"))
                    .values(Some(shown(a)), Some(shown(b)))
                    .effect(effect(d))
                    .affects(preflight.clone()),
            );
        }
    }
    if a.aspect != b.aspect {
        let shown = |m: &Media| m.aspect_text.as_ref().map_or_else(|| "any".to_owned(), |(l, h)| format!("{l} to {h}"));
        // Compare the ranges as exact fractions: a range inside the old one is stricter.
        let cmp = |x: (u64, u64), y: (u64, u64)| {
            (u128::from(x.0) * u128::from(y.1)).cmp(&(u128::from(y.0) * u128::from(x.1)))
        };
        let d = match (a.aspect, b.aspect) {
            (None, Some(_)) => Direction::Stricter,
            (Some(_), None) => Direction::Looser,
            (Some((alo, ahi)), Some((blo, bhi))) => {
                let inside = cmp(blo, alo).is_ge() && cmp(bhi, ahi).is_le();
                let outside = cmp(blo, alo).is_le() && cmp(bhi, ahi).is_ge();
                match (inside, outside) {
                    (true, false) => Direction::Stricter,
                    (false, true) => Direction::Looser,
                    _ => Direction::Both,
                }
            }
            (None, None) => Direction::Both,
        };
        out.push(
            Delta::new(Class::Behaviour, "media.aspect", "media aspect ratio range")
                .values(Some(shown(a)), Some(shown(b)))
                .effect(effect(d))
                .affects(preflight.clone()),
        );
    }
    let cap = |m: &Media| (None, Some(i64::try_from(m.max_bytes).unwrap_or(i64::MAX)));
    if let Some(d) = bounds(cap(a), cap(b)) {
        out.push(
            Delta::new(Class::Behaviour, "media.max_bytes", "media maximum size (bytes)")
                .values(Some(a.max_bytes.to_string()), Some(b.max_bytes.to_string()))
                .effect(effect(d))
                .affects(preflight.clone()),
        );
    }
    if a.decision != b.decision {
        out.push(Delta::decision("media.decision", &a.decision, &b.decision, &preflight));
    }
    out
}

/// Whether the generator emits `truncate_<field>_to_limit()` for this field.
fn truncates(f: &Field) -> bool {
    f.overflow.as_ref().is_some_and(|o| o.server_truncates)
        && f.ty == Ty::String
        && f.checks.iter().any(|c| matches!(c.kind, CheckKind::Length { .. }))
}

fn overflow(a: &Field, b: &Field, field: &str) -> Vec<Delta> {
    let text = |f: &Field| match &f.overflow {
        Some(o) if o.server_truncates => "the provider truncates; the client rejects".to_owned(),
        Some(_) => "the provider rejects".to_owned(),
        None => "not documented".to_owned(),
    };
    let helper = format!("`{}()`", format_args!("truncate_{}_to_limit", b.rust.trim_end_matches('_')));
    let delta = |class| {
        Delta::new(class, "overflow", "over-long values")
            .values(Some(text(a)), Some(text(b)))
            .affects(format!("{field}: {helper}"))
    };
    let mut out = match (truncates(a), truncates(b)) {
        (false, true) => vec![delta(Class::Additive).effect(format!("new opt-in helper {helper}"))],
        (true, false) => vec![delta(Class::Breaking).effect(format!("the helper {helper} is gone"))],
        _ if text(a) != text(b) => {
            vec![delta(Class::Docs).effect("documents what the provider does with over-long values")]
        }
        _ => Vec::new(),
    };
    if let (Some(x), Some(y)) = (&a.overflow, &b.overflow)
        && x.decision != y.decision
    {
        out.push(Delta::decision("overflow.decision", &x.decision, &y.decision, field));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_moves() {
        assert_eq!(bounds((Some(1), Some(9)), (Some(1), Some(12))), Some(Direction::Looser));
        assert_eq!(bounds((Some(1), Some(9)), (Some(2), Some(9))), Some(Direction::Stricter));
        assert_eq!(bounds((Some(1), Some(9)), (Some(2), Some(12))), Some(Direction::Both));
        assert_eq!(bounds((None, Some(9)), (Some(0), Some(9))), Some(Direction::Stricter));
        assert_eq!(bounds((Some(3), Some(15)), (Some(3), Some(15))), None);
    }

    #[test]
    fn scheme_sets_move() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(allowed(&s(&["http", "https"]), &s(&["https"])), Some(Direction::Stricter));
        assert_eq!(allowed(&s(&["https"]), &s(&["http", "https"])), Some(Direction::Looser));
        assert_eq!(allowed(&s(&["https", "http"]), &s(&["http", "https"])), None);
    }
}
