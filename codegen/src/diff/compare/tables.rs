//! The module's tables: HTTP statuses, polling per mode, billing (prices, inputs,
//! formulas), lints, examples and counting rules.

use super::{Cx, Pair, opt_text, pairs};
use crate::diff::change::{Change, Class, Reach};
use crate::ir::expr::Expr;
use crate::ir::{Billing, DecimalLit, HttpStatus, Module, RetryAdvice, Var, names::shouty};

pub(super) fn all(cx: &mut Cx, o: &Module, n: &Module) {
    statuses(cx, &o.statuses, &n.statuses);
    polling(cx, o, n);
    billing(cx, o.billing.as_ref(), n.billing.as_ref());
    lints(cx, o, n);
    examples(cx, o, n);
    counters(cx, o, n);
}

fn status_text(s: &HttpStatus) -> String {
    let retry = match (s.retry, s.max_retries) {
        (RetryAdvice::Never, _) => "never retried".to_owned(),
        (RetryAdvice::Backoff, None) => "retried with backoff".to_owned(),
        (RetryAdvice::Backoff, Some(n)) => format!("retried with backoff, at most {n} times"),
    };
    let rejected = if s.rejected { "proves the task was not created" } else { "the task may exist" };
    format!("{}: {retry}; {rejected}", s.meaning)
}

fn statuses(cx: &mut Cx, old: &[HttpStatus], new: &[HttpStatus]) {
    let m = cx.module;
    let table = super::item(m, "HTTP_STATUSES");
    for p in pairs(old, new, |s| s.status, None) {
        match p {
            Pair::Added(s) => cx.add(
                Change::new(
                    Class::Behaviour,
                    format!("http_statuses[{}]", s.status),
                    format!("HTTP {} row added", s.status),
                )
                .values(None, Some(status_text(s)))
                .effect(format!(
                    "the client follows the documented row for {} instead of its rule for undocumented statuses",
                    s.status
                ))
                .affects(table.clone()),
            ),
            Pair::Removed(s) => cx.add(
                Change::new(
                    Class::Behaviour,
                    format!("http_statuses[{}]", s.status),
                    format!("HTTP {} row removed", s.status),
                )
                .values(Some(status_text(s)), None)
                .effect(format!("the client treats {} as an undocumented status", s.status))
                .affects(table.clone()),
            ),
            Pair::Both(a, b) | Pair::Renamed(a, b) => {
                let key = format!("http_statuses[{}]", b.status);
                let beh = |what: &str, effect: &str| {
                    let (k, s, e) = (format!("{key}.{what}"), format!("HTTP {} `{what}`", b.status), effect.to_owned());
                    let t = table.clone();
                    move || Change::new(Class::Behaviour, k, s).effect(e).affects(t)
                };
                let word = |r: RetryAdvice| if r == RetryAdvice::Never { "never" } else { "backoff" };
                let retry = if b.retry == RetryAdvice::Never {
                    "the client no longer retries this status"
                } else {
                    "the client now retries this status with backoff"
                };
                cx.value(word(a.retry), word(b.retry), beh("retry", retry));
                cx.value(
                    opt_text(a.max_retries),
                    opt_text(b.max_retries),
                    beh("max_retries", "the client retries this status at most the new number of times"),
                );
                let rejected = if b.rejected {
                    "this answer now proves the task was not created: a submit may be sent again"
                } else {
                    "this answer no longer proves the task was not created: a submit is not sent again"
                };
                cx.value(a.rejected, b.rejected, beh("rejected", rejected));
                cx.value(&a.meaning, &b.meaning, beh("meaning", "the text in errors for this status"));
                cx.value(&a.action, &b.action, beh("action", "the advice in errors for this status"));
                cx.source(&key, &a.source, &b.source);
            }
        }
    }
}

fn polling(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let item = super::item(m, "POLLING");
    let text = |p: &crate::ir::Polling| {
        let every = if p.interval_min_s == p.interval_max_s {
            format!("{} s", p.interval_min_s)
        } else {
            format!("{}-{} s", p.interval_min_s, p.interval_max_s)
        };
        format!("first poll after {} s, then every {every}", p.first_poll_s)
    };
    for p in pairs(&o.modes.modes, &n.modes.modes, |m| m.tag.clone(), None) {
        match p {
            Pair::Added(m) => cx.add(
                Change::new(
                    Class::Additive,
                    format!("polling.{}", crate::ir::names::key_segment(&m.tag)),
                    format!("polling of mode `{}` added", m.tag),
                )
                .values(None, Some(text(&m.polling)))
                .effect("the waiter's schedule for the new mode")
                .affects(item.clone()),
            ),
            Pair::Removed(m) => cx.add(
                Change::new(
                    Class::Behaviour,
                    format!("polling.{}", crate::ir::names::key_segment(&m.tag)),
                    format!("polling of mode `{}` removed", m.tag),
                )
                .values(Some(text(&m.polling)), None)
                .effect("the mode and its schedule are gone")
                .affects(item.clone()),
            ),
            Pair::Both(a, b) | Pair::Renamed(a, b) => {
                let (x, y) = (&a.polling, &b.polling);
                let slower = (y.first_poll_s, y.interval_min_s, y.interval_max_s)
                    >= (x.first_poll_s, x.interval_min_s, x.interval_max_s);
                let effect = if slower {
                    "the waiter polls later or less often (fewer requests, results seen later)"
                } else {
                    "the waiter polls sooner or more often (more requests, watch rate limits)"
                };
                cx.value(text(x), text(y), || {
                    Change::new(
                        Class::Behaviour,
                        format!("polling.{}", crate::ir::names::key_segment(&b.tag)),
                        format!("polling of mode `{}`", b.tag),
                    )
                    .effect(effect)
                    .affects(item.clone())
                });
                cx.decision(
                    &format!("polling.{}", crate::ir::names::key_segment(&b.tag)),
                    &format!("polling of `{}`", b.tag),
                    &x.decision,
                    &y.decision,
                    item.clone(),
                );
                cx.source(&format!("polling.{}", crate::ir::names::key_segment(&b.tag)), &x.source, &y.source);
            }
        }
    }
}

/// `0.125`.
fn dec(d: DecimalLit) -> String {
    let neg = d.mantissa < 0;
    let digits = d.mantissa.unsigned_abs().to_string();
    let scale = d.scale as usize;
    let s = if scale == 0 {
        digits
    } else if digits.len() > scale {
        format!("{}.{}", &digits[..digits.len() - scale], &digits[digits.len() - scale..])
    } else {
        format!("0.{}{digits}", "0".repeat(scale - digits.len()))
    };
    if neg { format!("-{s}") } else { s }
}

/// Compares exact decimals: `a < b`.
fn less(a: DecimalLit, b: DecimalLit) -> bool {
    let scale = a.scale.max(b.scale);
    let up =
        |d: DecimalLit| d.mantissa.checked_mul(10i128.checked_pow(scale - d.scale).unwrap_or(1)).unwrap_or(i128::MAX);
    up(a) < up(b)
}

/// A formula with names as written (formulas compare by structure, not spacing).
fn names(e: &Expr<Var>) -> Expr<String> {
    e.clone()
        .try_map::<String, std::convert::Infallible>(&mut |v| {
            Ok(match v {
                Var::Field { wire, .. } => wire,
                Var::Input(n) => n,
                Var::UnitPrice => "unit_price".to_owned(),
            })
        })
        .unwrap_or_else(|never| match never {})
}

fn billing(cx: &mut Cx, a: Option<&Billing>, b: Option<&Billing>) {
    let m = cx.module;
    let estimate = super::item(m, "SubmitRequest::estimate_cost()");
    let (a, b) = match (a, b) {
        (None, None) => return,
        (None, Some(b)) => {
            return cx.add(
                Change::new(Class::Additive, "billing", "billing")
                    .values(None, Some(format!("{} per {}", b.unit.label(), b.per)))
                    .effect("prices are documented: new `PRICES`, `BillingInputs` and `estimate_cost()`")
                    .affects(estimate),
            );
        }
        (Some(a), None) => {
            return cx.add(
                Change::new(Class::Breaking, "billing", "billing")
                    .values(Some(format!("{} per {}", a.unit.label(), a.per)), None)
                    .effect("`PRICES`, `BillingInputs` and `estimate_cost()` are gone")
                    .affects(estimate),
            );
        }
        (Some(a), Some(b)) => (a, b),
    };
    let prices = super::item(m, "PRICES");
    let money = |what: &str, effect: &str| {
        let (k, s, e, i) =
            (format!("billing.{what}"), format!("billing `{what}`"), effect.to_owned(), estimate.clone());
        move || Change::new(Class::Behaviour, k, s).effect(e).affects(i)
    };
    let unit = |u: &crate::ir::PriceUnit| match u {
        crate::ir::PriceUnit::Currency(c) => c.clone(),
        crate::ir::PriceUnit::Credits(c) => format!("{c} (the provider's credits)"),
    };
    cx.value(unit(&a.unit), unit(&b.unit), money("currency", "estimates are in another unit"));
    cx.value(&a.per, &b.per, money("per", "prices are per another unit"));
    cx.value(&a.price_by, &b.price_by, money("price_by", "another request field selects the unit price"));
    cx.source("billing", &a.source, &b.source);
    let row = |p: &crate::ir::Price| format!("{} official, {} market", dec(p.official), dec(p.market));
    for p in pairs(&a.prices, &b.prices, |p| p.when.clone(), None) {
        match p {
            Pair::Added(p) => cx.add(
                Change::new(
                    Class::Additive,
                    format!("billing.prices[{}]", p.when),
                    format!("price of `{}` added", p.when),
                )
                .values(None, Some(format!("{} {}/{}", row(p), b.unit.label(), b.per)))
                .effect("`estimate_cost()` prices requests with this value")
                .affects(prices.clone()),
            ),
            Pair::Removed(p) => cx.add(
                Change::new(
                    Class::Behaviour,
                    format!("billing.prices[{}]", p.when),
                    format!("price of `{}` removed", p.when),
                )
                .values(Some(format!("{} {}/{}", row(p), a.unit.label(), a.per)), None)
                .effect("`estimate_cost()` no longer prices this value")
                .affects(prices.clone()),
            ),
            Pair::Both(x, y) | Pair::Renamed(x, y) => {
                let key = format!("billing.prices[{}]", y.when);
                for (what, o, n) in [("official", x.official, y.official), ("market", x.market, y.market)] {
                    if o == n {
                        continue;
                    }
                    let effect = if less(o, n) { "more expensive" } else { "cheaper" };
                    cx.add(
                        Change::new(Class::Behaviour, format!("{key}.{what}"), format!("{what} price of `{}`", y.when))
                            .between(
                                format!("{} {}/{}", dec(o), a.unit.label(), a.per),
                                format!("{} {}/{}", dec(n), b.unit.label(), b.per),
                            )
                            .effect(format!("{effect}: `estimate_cost()` returns the new amount"))
                            .affects(prices.clone()),
                    );
                }
                cx.source(&key, &x.source, &y.source);
            }
        }
    }
    let inputs = super::item(m, "BillingInputs");
    for p in pairs(&a.inputs, &b.inputs, |i| i.name.clone(), None) {
        let min = |i: &crate::ir::BillingInput| i.min.map_or("no minimum".to_owned(), |m| format!("min {}", dec(m)));
        match p {
            Pair::Added(i) => {
                let (class, reach) = cx.surface.optional_field_added(["BillingInputs"]);
                let mut c = Change::new(
                    class,
                    format!("billing.inputs.{}", i.name),
                    format!("billing input `{}` added", i.name),
                )
                .values(None, Some(min(i)))
                .effect(format!(
                    "a new field set with `with_{}()`; estimates that need it fail until it is set",
                    i.name
                ))
                .affects(inputs.clone());
                c.reach = reach;
                cx.add(c);
            }
            Pair::Removed(i) => cx.add(
                Change::new(
                    Class::Breaking,
                    format!("billing.inputs.{}", i.name),
                    format!("billing input `{}` removed", i.name),
                )
                .values(Some(min(i)), None)
                .effect("the field and its setter are gone")
                .affects(inputs.clone())
                .reach(Reach::AnyUse),
            ),
            Pair::Both(x, y) | Pair::Renamed(x, y) => {
                let key = format!("billing.inputs.{}", y.name);
                cx.value(min(x), min(y), || {
                    Change::new(Class::Behaviour, format!("{key}.min"), format!("billing input `{}` minimum", y.name))
                        .effect("`estimate_cost()` accepts other values")
                        .affects(inputs.clone())
                });
                cx.doc(&key, &format!("billing input `{}`", y.name), &x.doc, &y.doc, inputs.clone());
                cx.source(&key, &x.source, &y.source);
            }
        }
    }
    for p in pairs(&a.formulas, &b.formulas, |f| f.mode.clone(), None) {
        match p {
            Pair::Added(f) => cx.add(
                Change::new(
                    Class::Additive,
                    format!("billing.formulas.{}", crate::ir::names::key_segment(&f.mode)),
                    format!("formula of mode `{}` added", f.mode),
                )
                .values(None, Some(f.text.clone()))
                .effect("`estimate_cost()` prices this mode")
                .affects(estimate.clone()),
            ),
            Pair::Removed(f) => cx.add(
                Change::new(
                    Class::Behaviour,
                    format!("billing.formulas.{}", crate::ir::names::key_segment(&f.mode)),
                    format!("formula of mode `{}` removed", f.mode),
                )
                .values(Some(f.text.clone()), None)
                .effect("`estimate_cost()` no longer prices this mode")
                .affects(estimate.clone()),
            ),
            Pair::Both(x, y) | Pair::Renamed(x, y) => {
                let key = format!("billing.formulas.{}", crate::ir::names::key_segment(&y.mode));
                if names(&x.expr) != names(&y.expr) {
                    cx.add(
                        Change::new(
                            Class::Behaviour,
                            format!("{key}.expr"),
                            format!("billing formula of mode `{}`", y.mode),
                        )
                        .between(&x.text, &y.text)
                        .effect("`estimate_cost()` computes the cost with the new formula")
                        .affects(estimate.clone()),
                    );
                }
                cx.decision(&key, &format!("formula of `{}`", y.mode), &x.decision, &y.decision, estimate.clone());
                cx.source(&key, &x.source, &y.source);
            }
        }
    }
}

fn lints(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let item = super::item(m, "SubmitRequest::lints()");
    let text = |l: &crate::ir::Lint| {
        format!(
            "`{}` mentions {}{}{} must name an item of `{}`: {}",
            l.text_wire,
            l.token,
            "K",
            if l.case_insensitive { " (any case)" } else { "" },
            l.list_wire,
            l.message
        )
    };
    let with_first = |l: &crate::ir::Lint| format!("{} (first K = {})", text(l), l.first_index);
    for p in pairs(&o.lints, &n.lints, |l| l.id.clone(), None) {
        match p {
            Pair::Added(l) => cx.add(
                Change::new(Class::Additive, format!("lints[{}]", l.id), format!("lint `{}` added", l.id))
                    .values(None, Some(with_first(l)))
                    .effect("`lints()` returns a new warning (never a validation error)")
                    .affects(item.clone()),
            ),
            Pair::Removed(l) => cx.add(
                Change::new(Class::Behaviour, format!("lints[{}]", l.id), format!("lint `{}` removed", l.id))
                    .values(Some(with_first(l)), None)
                    .effect("`lints()` no longer returns this warning")
                    .affects(item.clone()),
            ),
            Pair::Both(a, b) | Pair::Renamed(a, b) => {
                let key = format!("lints[{}]", b.id);
                cx.value(with_first(a), with_first(b), || {
                    Change::new(Class::Behaviour, key.clone(), format!("lint `{}`", b.id))
                        .effect("`lints()` warns on other prompts or with another message")
                        .affects(item.clone())
                });
                cx.decision(&key, &format!("lint `{}`", b.id), &a.decision, &b.decision, item.clone());
                cx.source(&key, &a.source, &b.source);
            }
        }
    }
}

/// The leaves where two JSON documents differ: `(path, old, new)`.
fn json_leaves(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    let at = |k: &str| if path.is_empty() { k.to_owned() } else { format!("{path}.{k}") };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => json_leaves(v, w, &at(k), out),
                    None => out.push(format!("{} removed", at(k))),
                }
            }
            out.extend(y.keys().filter(|k| !x.contains_key(*k)).map(|k| format!("{} added", at(k))));
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                json_leaves(v, w, &format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{}: {a} → {b}", if path.is_empty() { "(root)" } else { path })),
    }
}

fn examples(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let konst = |name: &str| super::item(m, &format!("examples::{}", shouty(name)));
    let what = |e: &crate::ir::Example| format!("{} {:?} of `{}`", e.operation, e.kind, e.ty).to_lowercase();
    for p in pairs(&o.examples, &n.examples, |e| e.name.clone(), None) {
        match p {
            Pair::Added(e) => cx.add(
                Change::new(Class::Additive, format!("examples[{}]", e.name), format!("example `{}` added", e.name))
                    .values(None, Some(what(e)))
                    .effect("a new documented example constant, checked by a generated test")
                    .affects(konst(&e.name)),
            ),
            Pair::Removed(e) => cx.add(
                Change::new(Class::Breaking, format!("examples[{}]", e.name), format!("example `{}` removed", e.name))
                    .values(Some(what(e)), None)
                    .effect("the example constant is gone")
                    .affects(konst(&e.name)),
            ),
            Pair::Both(a, b) | Pair::Renamed(a, b) => {
                let key = format!("examples[{}]", b.name);
                let item = konst(&b.name);
                let status = |e: &crate::ir::Example| {
                    format!("{}{}", what(e), e.status.map_or(String::new(), |s| format!(", status {s}")))
                };
                cx.value(status(a), status(b), || {
                    Change::new(Class::Docs, key.clone(), format!("example `{}` kind", b.name))
                        .effect("documentation and the generated example test")
                        .affects(item.clone())
                });
                if a.json != b.json {
                    let parsed = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
                    let mut leaves = Vec::new();
                    match (parsed(&a.json), parsed(&b.json)) {
                        (Some(x), Some(y)) => json_leaves(&x, &y, "", &mut leaves),
                        _ => leaves.push("the text changed".into()),
                    }
                    if leaves.is_empty() {
                        leaves.push("layout only (same JSON value)".into());
                    }
                    cx.add(
                        Change::new(Class::Docs, format!("{key}.json"), format!("example `{}` JSON", b.name))
                            .effect(format!("{}; the constant's text and its generated test", leaves.join("; ")))
                            .affects(item.clone()),
                    );
                }
                cx.source(&key, &a.source, &b.source);
            }
        }
    }
}

fn counters(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let text = |c: &crate::ir::Counter| {
        let ranges: Vec<String> = c.ranges.iter().map(|(a, b, w)| format!("{a:X}-{b:X}:{w}")).collect();
        format!("default weight {}; {}", c.default_weight, ranges.join(", "))
    };
    for p in pairs(&o.counters, &n.counters, |c| c.name.clone(), None) {
        let (key, old, new) = match p {
            Pair::Added(c) => (format!("counting.{}", c.name), None, Some(text(c))),
            Pair::Removed(c) => (format!("counting.{}", c.name), Some(text(c)), None),
            Pair::Both(a, b) | Pair::Renamed(a, b) => {
                let key = format!("counting.{}", b.name);
                cx.decision(
                    &key,
                    &format!("counting rule `{}`", b.name),
                    &a.decision,
                    &b.decision,
                    super::item(m, "SubmitRequest::validate()"),
                );
                cx.source(&key, &a.source, &b.source);
                if text(a) == text(b) {
                    continue;
                }
                (key, Some(text(a)), Some(text(b)))
            }
        };
        cx.add(
            Change::new(
                Class::Behaviour,
                key.clone(),
                format!("counting rule `{}`", key.trim_start_matches("counting.")),
            )
            .values(old, new)
            .effect("lengths counted with this rule change: validation accepts or rejects other texts")
            .affects(super::item(m, "SubmitRequest::validate()")),
        );
    }
}
