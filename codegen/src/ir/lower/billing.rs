//! Lowering of `[billing]`: prices per enum value, declared inputs, and one formula per
//! mode whose names all resolve to numeric request fields, declared inputs or
//! `unit_price`.

use std::collections::BTreeSet;

use super::context::Cx;
use crate::ir::expr::{self, parse_decimal};
use crate::ir::resolve::{Var, request_path};
use crate::ir::{Billing, BillingInput, Formula, Modes, Operation, Price, PriceUnit, Ty, TypeDef, Types};
use crate::spec::model::{S, SpecFile};

pub(super) fn billing(
    cx: &mut Cx,
    spec: &SpecFile,
    types: &[TypeDef],
    submit: &Operation,
    modes: &Modes,
) -> Option<Billing> {
    let b = spec.billing.as_ref()?;
    let unit = match (&b.currency, &b.credits) {
        (Some(cur), None) => {
            let code = cur.get_ref();
            if code.len() != 3 || !code.bytes().all(|c| c.is_ascii_uppercase()) {
                cx.err(cur, "billing.currency", format!("`{code}`: expected an ISO 4217 code such as \"USD\" (prices in a provider's own unit go in `credits`)"));
            }
            PriceUnit::Currency(code.clone())
        }
        (None, Some(credits)) => {
            let name = credits.get_ref();
            if name.is_empty() || !name.chars().all(|c| c.is_lowercase() || c == ' ') {
                cx.err(credits, "billing.credits", format!("`{name}`: expected the unit's name as the docs write it, in words, such as \"credits\" (a currency goes in `currency`)"));
            }
            PriceUnit::Credits(name.clone())
        }
        (Some(cur), Some(_)) => {
            cx.err(cur, "billing.currency", "`currency` and `credits` both given; prices are in one unit: a currency (`currency`) or the provider's credits (`credits`)");
            return None;
        }
        (None, None) => {
            cx.err(&b.per, "billing", "missing key `currency` or `credits`: say what prices are counted in (an ISO 4217 code such as \"USD\", or the provider's unit such as \"credits\")");
            return None;
        }
    };
    if b.per.get_ref().is_empty() {
        cx.err(&b.per, "billing.per", "expected the billed unit, such as \"second\"");
    }
    let root = submit.request.clone().unwrap_or_default();
    let mode_union = modes.union.as_ref().map(|u| u.union.as_str());

    // The price selector, per mode; all must be the same enum.
    let mut price_enum: Option<String> = None;
    let mut selectors = Vec::new();
    for m in &modes.modes {
        let variant = m.variant.as_ref().map(|_| m.tag.as_str());
        match request_path(types, &root, mode_union, variant, b.price_by.get_ref()) {
            Ok(v @ Var::Field { ty: Ty::Enum(_), .. }) => {
                if let Var::Field { ty: Ty::Enum(e), .. } = &v {
                    if price_enum.as_ref().is_some_and(|p| p != e) {
                        cx.err(
                            &b.price_by,
                            "billing.price_by",
                            format!("`{}` has a different enum type in mode {}", b.price_by.get_ref(), m.tag),
                        );
                    }
                    price_enum = Some(e.clone());
                }
                selectors.push(v);
            }
            Ok(_) => {
                cx.err(
                    &b.price_by,
                    "billing.price_by",
                    format!("`{}` in mode {} is not an enum field", b.price_by.get_ref(), m.tag),
                );
                return None;
            }
            Err(e) => {
                cx.err(
                    &b.price_by,
                    "billing.price_by",
                    format!("`{}` cannot be resolved in mode {}: {e}", b.price_by.get_ref(), m.tag),
                );
                return None;
            }
        }
    }
    let price_enum = price_enum?;
    let en = types.enum_def(&price_enum)?;

    let mut prices = Vec::new();
    let mut priced = BTreeSet::new();
    for (i, p) in b.prices.iter().enumerate() {
        let path = format!("billing.prices[{i}]");
        let Some(v) = en.values.iter().find(|v| v.wire == *p.when.get_ref()) else {
            let list: Vec<&str> = en.values.iter().map(|v| v.wire.as_str()).collect();
            cx.err(
                &p.when,
                format!("{path}.when"),
                format!("`{}` is not a value of {price_enum}; expected one of {}", p.when.get_ref(), list.join(", ")),
            );
            continue;
        };
        if !priced.insert(v.wire.clone()) {
            cx.err(&p.when, format!("{path}.when"), format!("`{}` is priced twice", v.wire));
        }
        let official = decimal(cx, &p.official, &format!("{path}.official"));
        let market = decimal(cx, &p.market, &format!("{path}.market"));
        let (Some(official), Some(market)) = (official, market) else { continue };
        prices.push(Price {
            when: v.wire.clone(),
            variant: v.name.clone(),
            official,
            market,
            official_text: p.official.get_ref().clone(),
            market_text: p.market.get_ref().clone(),
            source: cx.source(&p.source, &format!("{path}.source")),
            decision: cx.decision(&p.decision, &path),
        });
    }
    for v in &en.values {
        if !priced.contains(&v.wire) {
            cx.err(
                &b.price_by,
                "billing.prices",
                format!("{price_enum} value `{}` has no price; every value needs one", v.wire),
            );
        }
    }

    let mut inputs = Vec::new();
    for (name, at) in &b.inputs {
        let path = format!("billing.inputs.{name}");
        let inp = at.as_ref();
        if let Some(p) = crate::ir::names::ident_problem(name) {
            cx.err(at, &path, format!("input name `{name}` {p}"));
        }
        if name == "unit_price" {
            cx.err(at, &path, "`unit_price` is built in; choose another name");
        }
        inputs.push(BillingInput {
            name: name.clone(),
            doc: inp.doc.get_ref().clone(),
            min: inp.min.as_ref().and_then(|m| decimal(cx, m, &format!("{path}.min"))),
            round_up_bound: match &inp.bound {
                Some(b) => cx.one_of(b, &format!("{path}.bound"), &["whole_units_up"]),
                None => false,
            },
            source: cx.source(&inp.source, &format!("{path}.source")),
            decision: cx.decision(&inp.decision, &path),
        });
        if inp.bound.is_some() && inp.decision.is_none() {
            cx.err(
                at,
                format!("{path}.decision"),
                "missing key `decision`: a `bound` is a choice the docs do not state; record why",
            );
        }
    }

    let mut formulas = Vec::new();
    for (m, selector) in modes.modes.iter().zip(selectors) {
        let path = format!("billing.formulas.{}", crate::ir::names::key_segment(&m.tag));
        let Some(f) = b.formulas.get(&m.tag).map(|f| f.as_ref()) else {
            cx.err_at(
                None,
                "billing.formulas",
                format!("missing [billing.formulas.{}]: every mode needs a billing formula", m.tag),
            );
            continue;
        };
        let parsed = match expr::parse(f.expr.get_ref()) {
            Ok(e) => e,
            Err(e) => {
                expr_err(cx, &f.expr, e.offset, &format!("{path}.expr"), format!("invalid formula: {}", e.message));
                continue;
            }
        };
        let variant = m.variant.as_ref().map(|_| m.tag.as_str());
        let resolved = parsed.try_map(&mut |n: expr::Name| -> Result<Var, (usize, String)> {
            if n.text == "unit_price" {
                return Ok(Var::UnitPrice);
            }
            if inputs.iter().any(|i| i.name == n.text) {
                return Ok(Var::Input(n.text));
            }
            match request_path(types, &root, mode_union, variant, &n.text) {
                Ok(v @ Var::Field { ty: Ty::Integer, .. }) => Ok(v),
                Ok(_) => Err((n.offset, format!("`{}` is not an integer field, so it cannot be priced", n.text))),
                // A bare name that is no field of the mode: say every kind of name it could be.
                Err(_) if !n.text.contains('.') => {
                    let declared: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
                    Err((
                        n.offset,
                        format!(
                            "unknown name `{}` in mode {}; expected unit_price, a declared billing input ({}) or a request field path such as input.duration",
                            n.text,
                            m.tag,
                            if declared.is_empty() { "none declared".to_owned() } else { declared.join(", ") }
                        ),
                    ))
                }
                Err(e) => Err((n.offset, format!("unknown field `{}` in mode {}: {e}", n.text, m.tag))),
            }
        });
        match resolved {
            Ok(expr) => {
                if !expr.vars().iter().any(|v| matches!(v, Var::UnitPrice)) {
                    cx.err(
                        &f.expr,
                        format!("{path}.expr"),
                        "the formula never uses unit_price, so the price table would not matter",
                    );
                }
                formulas.push(Formula {
                    mode: m.tag.clone(),
                    text: f.expr.get_ref().clone(),
                    expr,
                    price_by: selector,
                    source: cx.source(&f.source, &format!("{path}.source")),
                    decision: cx.decision(&f.decision, &path),
                });
            }
            Err((offset, msg)) => expr_err(cx, &f.expr, offset, &format!("{path}.expr"), msg),
        }
    }
    for (k, at) in &b.formulas {
        if !modes.modes.iter().any(|m| m.tag == *k) {
            let list: Vec<&str> = modes.modes.iter().map(|m| m.tag.as_str()).collect();
            cx.err(
                at,
                format!("billing.formulas.{}", crate::ir::names::key_segment(k)),
                format!("unknown mode `{k}`; expected one of {}", list.join(", ")),
            );
        }
    }
    Some(Billing {
        unit,
        per: b.per.get_ref().clone(),
        price_by: b.price_by.get_ref().clone(),
        price_enum,
        prices,
        inputs,
        formulas,
        source: cx.source(&b.source, "billing.source"),
        decision: cx.decision(&b.decision, "billing"),
    })
}

fn decimal(cx: &mut Cx, s: &S, path: &str) -> Option<crate::ir::DecimalLit> {
    let d = parse_decimal(s.get_ref());
    if d.is_none() {
        cx.err(
            s,
            path,
            format!("`{}`: expected a non-negative decimal number in a string, such as \"0.125\"", s.get_ref()),
        );
    }
    d
}

/// An error inside a formula string: points at the character (after the opening quote).
fn expr_err(cx: &mut Cx, s: &S, offset: usize, path: &str, msg: String) {
    let start = s.span().start + 1 + offset;
    cx.err_at(Some(start..start + 1), path, msg);
}
