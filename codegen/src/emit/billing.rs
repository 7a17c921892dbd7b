//! The cost estimator: the spec's billing formulas compiled to const postfix programs
//! (`COST_RULES`, evaluated with exact decimals by `rt::billing::estimate`), the price table
//! with `unit_price()` on the price enum, and the inputs a request does not carry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{decision, lines, source};
use super::{ident, int, rt};
use crate::ir::expr::Expr;
use crate::ir::{Billing, Formula, Module, PriceUnit, Var};

pub(super) fn all(m: &Module) -> TokenStream {
    let Some(b) = &m.billing else { return quote!() };
    let Some(req) = m.submit().request.as_deref() else { return quote!() };
    let rt = rt();
    let req = ident(req);

    let input_fields = b.inputs.iter().map(|i| {
        let n = ident(&i.name);
        let mut text = format!("{}\n\n- {}", i.doc, source(&i.source));
        if i.round_up_bound {
            text.push_str("\n- Estimates also give the amount with this value rounded up to a whole unit, as [`CostEstimate::upper_bound`](::happyhorse_client::runtime::CostEstimate::upper_bound).");
        }
        if let Some(d) = &i.decision {
            text.push_str(&format!("\n- {}", decision(d)));
        }
        let doc = lines(&text);
        quote!(#doc pub #n: Option<#rt::Decimal>)
    });
    let input_setters = b.inputs.iter().map(|i| {
        let n = ident(&i.name);
        let f = format_ident!("with_{}", i.name);
        let doc = lines(&format!("Sets `{}`.", i.name));
        quote! {
            #doc
            #[must_use]
            pub fn #f(mut self, value: #rt::Decimal) -> Self {
                self.#n = Some(value);
                self
            }
        }
    });
    let prices = b.prices.iter().map(|p| {
        let key = &p.when;
        let (om, os, mm, ms) =
            (int(p.official.mantissa), int(p.official.scale), int(p.market.mantissa), int(p.market.scale));
        quote!(#rt::UnitPrice {
            key: #key,
            official: #rt::Decimal::from_parts(#om, #os),
            market: #rt::Decimal::from_parts(#mm, #ms),
        })
    });
    let prices_doc = lines(&format!(
        "Unit prices in {} per {}, by `{}`.\n\n{}",
        unit_words(&b.unit),
        b.per,
        b.price_by,
        b.prices
            .iter()
            .map(|p| format!(
                "- `{}`: {} official, {} market reference. {}{}",
                p.when,
                p.official_text,
                p.market_text,
                source(&p.source),
                super::docs::then_decision(p.decision.as_ref(), " ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    let arms = b.formulas.iter().enumerate().map(|(i, f)| formula_arm(m, b, i, f));
    let rules = b.formulas.iter().map(|f| cost_rule(b, f));
    let price_enum = ident(&b.price_enum);
    let price_arms = b.prices.iter().enumerate().map(|(i, p)| {
        let vn = ident(&p.variant);
        let i = int(i as i128);
        quote!(Self::#vn => PRICES[#i])
    });
    // Formulas over request fields alone leave the inputs unread.
    let reads_inputs = b.formulas.iter().any(|f| f.expr.vars().iter().any(|v| matches!(v, Var::Input(_))));
    let unused = if reads_inputs { quote!() } else { quote!(let _ = inputs;) };
    let body = match &m.modes.union {
        Some(u) => {
            let scrutinee = super::mode_scrutinee(u);
            quote!(match #scrutinee { #(#arms)* })
        }
        None => quote!(#(#arms)*),
    };
    let est_doc = lines(&format!(
        "Estimates the cost of this request exactly (no floating point), at the official and the market reference price. Fails with [`BillingError::MissingInput`](happyhorse_client::runtime::BillingError::MissingInput) when a value the price depends on is not set: no default is assumed.\n\n{}\n\n- {}",
        b.formulas
            .iter()
            .map(|f| {
                let mut line = format!("- `{}`: `{}`. {}", f.mode, f.text, source(&f.source));
                if let Some(d) = &f.decision {
                    line.push_str(&format!(" {}", decision(d)));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n"),
        [source(&b.source)].into_iter().chain(b.decision.as_ref().map(decision)).collect::<Vec<_>>().join("\n- "),
    ));
    quote! {
        /// Values the price depends on that a request does not carry; set the ones the
        /// request's mode needs.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct BillingInputs { #(#input_fields,)* }

        impl BillingInputs { #(#input_setters)* }

        #prices_doc
        pub const PRICES: &[#rt::UnitPrice] = &[#(#prices),*];

        impl #price_enum {
            /// The unit prices this value selects, from [`PRICES`].
            pub fn unit_price(self) -> #rt::UnitPrice {
                match self { #(#price_arms,)* }
            }
        }

        /// The billing rule of each mode, as data the runtime evaluates
        /// ([`estimate`](happyhorse_client::runtime::billing::estimate)).
        pub const COST_RULES: &[#rt::billing::CostRule] = &[#(#rules),*];

        impl #req {
            #est_doc
            pub fn estimate_cost(&self, inputs: &BillingInputs) -> Result<#rt::CostEstimate, #rt::BillingError> {
                #unused
                #body
            }
        }
    }
}

/// What prices are counted in, in words: `USD`, `credits (the provider's own unit, not a
/// currency)`.
pub(super) fn unit_words(u: &PriceUnit) -> String {
    match u {
        PriceUnit::Currency(c) => c.clone(),
        PriceUnit::Credits(c) => format!("{c} (the provider's own unit, not a currency)"),
    }
}

/// The runtime `PriceUnit` of a billing unit.
fn unit_tokens(u: &PriceUnit) -> TokenStream {
    let rt = rt();
    match u {
        PriceUnit::Currency(c) => quote!(#rt::PriceUnit::Currency(#c)),
        PriceUnit::Credits(c) => quote!(#rt::PriceUnit::Credits(#c)),
    }
}

/// An expression reading a request field by value (`Option<T>` if any step is optional).
fn field_value(v: &Var) -> (TokenStream, bool) {
    let Var::Field { from_variant, steps, .. } = v else { return (quote!(), false) };
    let mut expr = if *from_variant { quote!(mode_input) } else { quote!(self) };
    let mut optional = false;
    for (i, (step, opt)) in steps.iter().enumerate() {
        let s = ident(step);
        let last = i + 1 == steps.len();
        expr = match (optional, *opt, last) {
            (false, false, _) => quote!(#expr.#s),
            (false, true, true) => quote!(#expr.#s),
            (false, true, false) => quote!(#expr.#s.as_ref()),
            (true, false, true) => quote!(#expr.map(|v| v.#s)),
            (true, false, false) => quote!(#expr.map(|v| &v.#s)),
            (true, true, true) => quote!(#expr.and_then(|v| v.#s)),
            (true, true, false) => quote!(#expr.and_then(|v| v.#s.as_ref())),
        };
        optional |= *opt;
    }
    (expr, optional)
}

/// The values a formula reads (the unit price excluded), in first-use order.
fn formula_values(f: &Formula) -> Vec<&Var> {
    let mut seen: Vec<&Var> = Vec::new();
    for v in f.expr.vars() {
        if !matches!(v, Var::UnitPrice) && !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// The name of a formula value as the spec writes it: `input.duration`, `input_video_seconds`.
fn value_name(v: &Var) -> &str {
    match v {
        Var::Field { wire, .. } => wire,
        Var::Input(n) => n,
        Var::UnitPrice => "unit_price",
    }
}

/// The expression reading one formula value, as a `Decimal` (`?` on a missing one).
fn value_expr(b: &Billing, v: &Var) -> TokenStream {
    let rt = rt();
    match v {
        Var::Field { wire, .. } => {
            let (expr, optional) = field_value(v);
            let value = if optional { quote!(#rt::billing::require(#expr, #wire)?) } else { expr };
            quote!(#rt::Decimal::from_i64(#value))
        }
        Var::Input(n) => {
            let field = ident(n);
            let min = match b.inputs.iter().find(|i| i.name == *n).and_then(|i| i.min) {
                Some(d) => {
                    let (mm, ms) = (int(d.mantissa), int(d.scale));
                    quote!(Some(#rt::Decimal::from_parts(#mm, #ms)))
                }
                None => quote!(None),
            };
            quote!(#rt::billing::input(inputs.#field, #n, #min)?)
        }
        Var::UnitPrice => quote!(),
    }
}

/// Compiles a formula to the runtime's postfix program; `values` gives each name's index.
fn program(e: &Expr<Var>, values: &[&Var], out: &mut Vec<TokenStream>) {
    let rt = rt();
    let op = quote!(#rt::billing::Op);
    match e {
        Expr::Num(d) => {
            let (m, s) = (int(d.mantissa), int(d.scale));
            out.push(quote!(#op::Num(#rt::Decimal::from_parts(#m, #s))));
        }
        Expr::Var(Var::UnitPrice) => out.push(quote!(#op::UnitPrice)),
        Expr::Var(v) => {
            let i = int(values.iter().position(|x| *x == v).unwrap_or(0) as i128);
            out.push(quote!(#op::Value(#i)));
        }
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
            program(a, values, out);
            program(b, values, out);
            out.push(match e {
                Expr::Add(..) => quote!(#op::Add),
                Expr::Sub(..) => quote!(#op::Sub),
                _ => quote!(#op::Mul),
            });
        }
        Expr::Min(xs) | Expr::Max(xs) => {
            xs.iter().for_each(|x| program(x, values, out));
            let n = int(xs.len() as i128);
            out.push(if matches!(e, Expr::Min(_)) { quote!(#op::Min(#n)) } else { quote!(#op::Max(#n)) });
        }
    }
}

/// The const `CostRule` of one formula.
fn cost_rule(b: &Billing, f: &Formula) -> TokenStream {
    let rt = rt();
    let (mode, text, per, price_unit) = (&f.mode, &f.text, &b.per, unit_tokens(&b.unit));
    let values = formula_values(f);
    let mut ops = Vec::new();
    program(&f.expr, &values, &mut ops);
    let names = values.iter().map(|v| value_name(v));
    // Inputs the provider may round up to a whole unit: the estimate is also given with
    // them rounded up (the upper bound).
    let bounded: Vec<(usize, &str)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Var::Input(n) if b.inputs.iter().any(|x| x.name == *n && x.round_up_bound) => Some((i, n.as_str())),
            _ => None,
        })
        .collect();
    let assumption = if bounded.is_empty() {
        String::new()
    } else {
        format!(
            "{} rounded up to a whole {per} (the docs do not say how a fractional value is billed)",
            bounded.iter().map(|(_, n)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        )
    };
    let round_up = bounded.iter().map(|(i, _)| int(*i as i128));
    quote! {
        #rt::billing::CostRule {
            mode: #mode,
            formula: #text,
            program: &[#(#ops),*],
            values: &[#(#names),*],
            per: #per,
            unit: #price_unit,
            round_up: &[#(#round_up),*],
            assumption: #assumption,
        }
    }
}

fn formula_arm(m: &Module, b: &Billing, i: usize, f: &Formula) -> TokenStream {
    let rt = rt();
    let (selector, sel_optional) = field_value(&f.price_by);
    let Var::Field { wire: sel_wire, .. } = &f.price_by else { return quote!() };
    let selector = if sel_optional { quote!(#rt::billing::require(#selector, #sel_wire)?) } else { selector };
    let values = formula_values(f).into_iter().map(|v| value_expr(b, v));
    let i = int(i as i128);
    let body = quote!(#rt::billing::estimate(&COST_RULES[#i], #selector.unit_price(), &[#(#values),*]));
    match &m.modes.union {
        Some(u) => {
            let un = ident(&u.union);
            let variant =
                m.modes.modes.iter().find(|md| md.tag == f.mode).and_then(|md| md.variant.clone()).unwrap_or_default();
            let vn = ident(&variant);
            let uses_variant = std::iter::once(&f.price_by)
                .chain(f.expr.vars())
                .any(|v| matches!(v, Var::Field { from_variant: true, .. }));
            let bind = if uses_variant { quote!(mode_input) } else { quote!(_) };
            quote!(#un::#vn(#bind) => #body,)
        }
        None => body,
    }
}
