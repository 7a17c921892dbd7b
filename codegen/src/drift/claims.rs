//! What each spec fact claims about its doc facts: the values (numbers, enum spellings,
//! field names, defaults, prices, formulas, examples) that must appear in the doc facts it is
//! anchored to. Read from the checked IR, so a value is claimed exactly as the generated
//! client uses it.

use std::collections::BTreeSet;

use crate::ir::{CheckKind, DefaultValue, Enum, Field, Module, PriceUnit, Source, Struct, Ty, TypeDef, Types, Usage};

/// A spec fact's source and the values it claims.
#[derive(Debug, Clone)]
pub(crate) struct Claim<'m> {
    pub source: &'m Source,
    pub values: Vec<Value>,
    /// Keys of values a recorded decision sets rather than the docs.
    pub decided: Vec<String>,
}

/// One claimed value, named by its key in the spec (`max`, `default`, `official`).
#[derive(Debug, Clone)]
pub(crate) struct Value {
    pub key: String,
    pub expect: Expect,
}

/// How a value is found in a doc fact.
#[derive(Debug, Clone)]
pub(crate) enum Expect {
    /// One of these words, on word boundaries.
    Text { any_of: Vec<String>, exact_case: bool },
    /// One of these spellings of a number, on number boundaries.
    Number { any_of: Vec<String> },
    /// An enumeration whose items are exactly these.
    Set { items: Vec<String>, exact_case: bool },
    /// A parameter block: its name, `required` marker, default and type.
    Field { name: String, required: bool, default: Option<String>, ty: Family, options: Option<Vec<String>> },
    /// Bounds of a `Required range` / `array length` / `string length` attribute, or the
    /// numbers in prose.
    Bounds { kind: BoundKind, min: Option<i64>, max: Option<i64> },
    /// A `Pattern` attribute that admits exactly these URL schemes and `data:<type>/` URIs
    /// of these media types.
    Schemes { schemes: Vec<String>, data: Vec<String> },
    /// A JSON document equal to this one (a JSON code block, or a curl command's body).
    Json(serde_json::Value),
    /// Names and numbers of a billing formula, found in the doc's formula.
    Formula(Vec<String>),
}

/// Which bounds attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoundKind {
    Range,
    ArrayLength,
    StringLength,
}

/// The type of a parameter as the docs name types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Family {
    String,
    Integer,
    Boolean,
    Object,
    Array(Box<Family>),
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Family::String => f.write_str("string"),
            Family::Integer => f.write_str("integer"),
            Family::Boolean => f.write_str("boolean"),
            Family::Object => f.write_str("object"),
            Family::Array(t) => write!(f, "{t}[]"),
        }
    }
}

impl Family {
    /// The family of a type as a doc prints it: `string<uri>[]`, `enum<integer>`.
    pub fn of_doc(ty: &str) -> Option<Family> {
        if let Some(inner) = ty.strip_suffix("[]") {
            return Family::of_doc(inner).map(|t| Family::Array(Box::new(t)));
        }
        let head = ty.split('<').next().unwrap_or(ty);
        let inner = ty.split_once('<').map(|(_, r)| r.trim_end_matches('>'));
        match (head, inner) {
            ("string", _) => Some(Family::String),
            ("integer", _) => Some(Family::Integer),
            ("boolean", _) => Some(Family::Boolean),
            ("object", _) => Some(Family::Object),
            ("enum", Some(i)) => Family::of_doc(i),
            _ => None,
        }
    }

    fn of_ty(ty: &Ty) -> Family {
        match ty {
            Ty::String | Ty::Media | Ty::Enum(_) | Ty::Json(_) => Family::String,
            Ty::Integer | Ty::UnixMillis | Ty::Millis => Family::Integer,
            Ty::Boolean => Family::Boolean,
            Ty::Struct(_) | Ty::Union(_) => Family::Object,
            Ty::Array(t) => Family::Array(Box::new(Family::of_ty(t))),
        }
    }
}

fn text(key: &str, v: &str) -> Value {
    Value { key: key.into(), expect: Expect::Text { any_of: vec![v.to_owned()], exact_case: true } }
}

fn words(key: &str, v: &str) -> Value {
    Value { key: key.into(), expect: Expect::Text { any_of: vec![v.to_owned()], exact_case: false } }
}

fn number(key: &str, n: impl ToString) -> Value {
    Value { key: key.into(), expect: Expect::Number { any_of: vec![n.to_string()] } }
}

/// A byte count as the docs write it: `10000000`, `10MB` or `10 MB`.
fn byte_count(n: u64) -> Expect {
    let mut any_of = vec![n.to_string()];
    if n.is_multiple_of(1_000_000) {
        let mb = n / 1_000_000;
        any_of.extend([format!("{mb}MB"), format!("{mb} MB")]);
    }
    Expect::Number { any_of }
}

fn decided(d: Option<&crate::ir::Decision>) -> Vec<String> {
    d.map(|d| d.sets.clone()).unwrap_or_default()
}

/// Claims being collected.
struct Claims<'m>(Vec<Claim<'m>>);

impl<'m> Claims<'m> {
    fn push(&mut self, source: &'m Source, values: Vec<Value>, decided: Vec<String>) {
        self.0.push(Claim { source, values, decided });
    }
}

/// Every claim of a module, one per spec source (fields shared by several union variants
/// are claimed once).
pub(crate) fn claims(m: &Module) -> Vec<Claim<'_>> {
    let mut out = Claims(Vec::new());
    out.push(
        &m.base_url_source,
        vec![text("base_url", &m.base_url), text("family", &m.family)],
        decided(m.provider_decision.as_ref()),
    );
    out.push(
        &m.auth.source,
        vec![text("header", &m.auth.header), text("scheme", "Bearer")],
        decided(m.auth.decision.as_ref()),
    );
    for op in m.submits.iter().chain(std::iter::once(&m.status)) {
        let mut values = vec![text("method", &op.method), text("path", &op.path)];
        if let Some(ct) = &op.content_type {
            values.push(text("content_type", ct));
        }
        out.push(&op.source, values, decided(op.decision.as_ref()));
        if let Some(p) = &op.id_param {
            out.push(&p.source, vec![text("name", &p.name)], decided(p.decision.as_ref()));
        }
    }
    out.push(&m.task.source, vec![], decided(m.task.decision.as_ref()));
    if let Some(o) = &m.task.outputs {
        let last = o.list.wire.rsplit('.').next().unwrap_or(&o.list.wire);
        out.push(&o.source, vec![text("list", last)], decided(o.decision.as_ref()));
    }
    if let Some(e) = &m.envelope {
        out.push(
            &e.source,
            vec![text("code", &e.code), text("message", &e.message), number("success_code", e.success_code)],
            decided(e.decision.as_ref()),
        );
    }
    let last = |p: &str| p.rsplit('.').next().unwrap_or(p).to_owned();
    let mut error_decided = decided(m.ty(&m.errors.body).and_then(type_decision));
    error_decided.extend(decided(m.errors.decision.as_ref()));
    out.push(
        &m.errors.source,
        vec![text("code", &last(&m.errors.code.wire)), text("message", &last(&m.errors.message.wire))],
        error_decided,
    );
    for s in &m.statuses {
        let mut values = vec![number("status", s.status), words("meaning", &s.meaning), words("action", &s.action)];
        if let Some(n) = s.max_retries {
            values.push(number("max_retries", n));
        }
        out.push(&s.source, values, decided(s.decision.as_ref()));
    }
    if let Some(s) = &m.unlisted_statuses.source {
        out.push(s, vec![], decided(m.unlisted_statuses.decision.as_ref()));
    }
    for mode in &m.modes.modes {
        let p = &mode.polling;
        let mut values = vec![number("first_poll_s", p.first_poll_s), number("interval_s", p.interval_min_s)];
        if p.interval_max_s != p.interval_min_s {
            values.push(number("interval_s", p.interval_max_s));
        }
        out.push(&p.source, values, decided(p.decision.as_ref()));
    }
    if let Some(b) = &m.billing {
        // A currency is found as its code or symbol; credits only as their own word, so a
        // credit price is never read as an amount of money.
        let unit = match &b.unit {
            PriceUnit::Currency(code) => Value {
                key: "currency".into(),
                expect: Expect::Text { any_of: currency_spellings(code), exact_case: true },
            },
            PriceUnit::Credits(name) => words("credits", name),
        };
        out.push(&b.source, vec![words("per", &b.per)], decided(b.decision.as_ref()));
        for p in &b.prices {
            out.push(
                &p.source,
                vec![
                    text("when", &p.when),
                    number("official", &p.official_text),
                    number("market", &p.market_text),
                    unit.clone(),
                    words("per", &b.per),
                ],
                decided(p.decision.as_ref()),
            );
        }
        for i in &b.inputs {
            out.push(&i.source, vec![], decided(i.decision.as_ref()));
        }
        for f in &b.formulas {
            out.push(
                &f.source,
                vec![Value { key: "expr".into(), expect: Expect::Formula(formula_tokens(&f.text)) }],
                decided(f.decision.as_ref()),
            );
        }
    }
    if let Some(c) = &m.callbacks {
        let ack = if c.ack_any_2xx { words("ack_status", "2xx") } else { number("ack_status", c.ack_status) };
        let mut values = vec![text("method", &c.method), ack, number("ack_within_s", c.ack_within_s)];
        if c.retry_schedule_s.is_empty() {
            values.push(number("max_redeliveries", c.max_redeliveries));
        }
        values.extend(c.retry_schedule_s.iter().map(|s| number("retry_schedule_s", s)));
        out.push(&c.source, values, decided(c.decision.as_ref()));
    }
    for l in &m.lints {
        out.push(
            &l.source,
            vec![words("token", &format!("{}{}", l.token, l.first_index)), text("list", &l.list_wire)],
            decided(l.decision.as_ref()),
        );
    }
    for c in &m.counters {
        out.push(&c.source, vec![], decided(c.decision.as_ref()));
    }
    for ex in &m.examples {
        let values = match serde_json::from_str(&ex.json) {
            Ok(v) => vec![Value { key: "json".into(), expect: Expect::Json(v) }],
            Err(_) => vec![],
        };
        out.push(&ex.source, values, decided(ex.decision.as_ref()));
    }
    for n in &m.notes {
        out.push(&n.source, vec![], decided(n.decision.as_ref()));
    }
    let mut seen = BTreeSet::new();
    for t in &m.types {
        match t {
            TypeDef::Enum(e) => enum_claims(e, &mut out),
            TypeDef::Union(u) => {
                let tags = u.variants.iter().map(|v| v.tag.clone()).collect();
                out.push(
                    &u.source,
                    vec![Value { key: "variants".into(), expect: Expect::Set { items: tags, exact_case: true } }],
                    decided(u.decision.as_ref()),
                );
            }
            TypeDef::Struct(s) => struct_claims(m, s, &mut seen, &mut out),
        }
    }
    out.0
}

fn type_decision(t: &TypeDef) -> Option<&crate::ir::Decision> {
    match t {
        TypeDef::Enum(e) => e.decision.as_ref(),
        TypeDef::Struct(s) => s.decision.as_ref(),
        TypeDef::Union(u) => u.decision.as_ref(),
    }
}

fn currency_spellings(code: &str) -> Vec<String> {
    let symbol = match code {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "CNY" => Some("¥"),
        _ => None,
    };
    std::iter::once(code.to_owned()).chain(symbol.map(str::to_owned)).collect()
}

/// The names (last path segment, `_` removed, lower case) and numbers of a formula.
fn formula_tokens(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in expr.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
        if word.is_empty() || matches!(word, "min" | "max") {
            continue;
        }
        let last = if word.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            word.to_owned()
        } else {
            word.rsplit('.').next().unwrap_or(word).replace('_', "").to_lowercase()
        };
        if !out.contains(&last) {
            out.push(last);
        }
    }
    out
}

fn enum_claims<'m>(e: &'m Enum, out: &mut Claims<'m>) {
    let per_value = e.values.iter().any(|v| v.source.is_some());
    if !per_value {
        let items: Vec<String> = e.values.iter().map(|v| v.wire.clone()).collect();
        let value = if items.len() == 1 {
            text("values", &items[0])
        } else {
            Value { key: "values".into(), expect: Expect::Set { items, exact_case: true } }
        };
        out.push(&e.source, vec![value], decided(e.decision.as_ref()));
        return;
    }
    out.push(&e.source, vec![], decided(e.decision.as_ref()));
    for v in &e.values {
        let Some(src) = &v.source else { continue };
        let mut values = vec![text("wire", &v.wire)];
        values.extend(v.aliases.iter().map(|a| text("aliases", a)));
        values.extend(v.meaning.iter().map(|t| words("meaning", t)));
        values.extend(v.action.iter().map(|t| words("action", t)));
        out.push(src, values, decided(v.decision.as_ref()));
    }
}

fn struct_claims<'m>(m: &'m Module, s: &'m Struct, seen: &mut BTreeSet<String>, out: &mut Claims<'m>) {
    if seen.insert(s.source.at.clone()) {
        out.push(&s.source, vec![], decided(s.decision.as_ref()));
    }
    for f in &s.fields {
        if seen.insert(f.source.at.clone()) {
            out.push(&f.source, field_values(m, f, s.usage), decided(f.decision.as_ref()));
        }
        for c in &f.checks {
            if !seen.insert(format!("{}#{}", c.source.at, c.kind.rule())) {
                continue;
            }
            let v = match &c.kind {
                CheckKind::Length { min, max, .. } => bounds(BoundKind::StringLength, *min, Some(*max)),
                CheckKind::Range { min, max } => bounds(BoundKind::Range, *min, *max),
                CheckKind::Items { min, max } => bounds(BoundKind::ArrayLength, *min, *max),
                CheckKind::Url { schemes, data } => Value {
                    key: "schemes".into(),
                    expect: Expect::Schemes { schemes: schemes.clone(), data: data.clone() },
                },
                CheckKind::DataUri { max_bytes, .. } => {
                    Value { key: "max_bytes".into(), expect: byte_count(*max_bytes) }
                }
                CheckKind::PublicUrl => words("public", "public"),
            };
            let mut d = decided(c.decision.as_ref());
            d.extend(decided(f.decision.as_ref()));
            out.push(&c.source, vec![v], d);
        }
        if let Some(md) = &f.media
            && seen.insert(md.source.at.clone())
        {
            let mut values = vec![Value {
                key: "formats".into(),
                expect: Expect::Set { items: md.formats.iter().map(|f| f.to_uppercase()).collect(), exact_case: false },
            }];
            let pixels = [
                ("min_short_edge_px", md.min_short_edge_px),
                ("min_width_px", md.min_width_px),
                ("min_height_px", md.min_height_px),
            ];
            values.extend(pixels.into_iter().filter_map(|(k, v)| v.map(|v| number(k, v))));
            if let Some((lo, hi)) = &md.aspect_text {
                values.extend([text("aspect.min", lo), text("aspect.max", hi)]);
            }
            values.push(Value { key: "max_bytes".into(), expect: byte_count(md.max_bytes) });
            out.push(&md.source, values, decided(md.decision.as_ref()));
        }
        if let Some(o) = &f.overflow
            && seen.insert(o.source.at.clone())
        {
            let word = if o.server_truncates { "truncated" } else { "rejected" };
            out.push(&o.source, vec![words("server", word)], decided(o.decision.as_ref()));
        }
    }
}

fn bounds(kind: BoundKind, min: Option<i64>, max: Option<i64>) -> Value {
    Value { key: "bounds".into(), expect: Expect::Bounds { kind, min, max } }
}

fn field_values(m: &Module, f: &Field, usage: Usage) -> Vec<Value> {
    // A flattened union writes its tag at this level: the doc names the tag.
    let (name, ty) = match (&f.ty, f.flatten) {
        (Ty::Union(u), true) => (m.union_def(u).map_or(f.wire.clone(), |u| u.tag.clone()), Family::String),
        _ => (f.wire.clone(), Family::of_ty(&f.ty)),
    };
    let default = f.default.as_ref().map(|d| match d {
        DefaultValue::Tag(t) => t.clone(),
        DefaultValue::Integer(n) => n.to_string(),
        DefaultValue::Boolean(b) => b.to_string(),
    });
    // An integer field documented with an options list: its range spelled out.
    let options = match &f.ty {
        Ty::Integer => f.checks.iter().find_map(|c| match c.kind {
            CheckKind::Range { min: Some(a), max: Some(b) } if b - a <= 100 => {
                Some((a..=b).map(|n| n.to_string()).collect())
            }
            _ => None,
        }),
        // An enum-typed field: the options list of its parameter block is the enum's values,
        // on every page that documents the field (a shared enum's own anchor is on one).
        Ty::Enum(e) => m.enum_def(e).map(|e| e.values.iter().map(|v| v.wire.clone()).collect()),
        _ => None,
    };
    let _ = usage;
    let mut values =
        vec![Value { key: "name".into(), expect: Expect::Field { name, required: f.required, default, ty, options } }];
    values.extend(f.aliases.iter().map(|a| text("aliases", a)));
    values.extend(f.examples.iter().map(|e| text("examples", e)));
    values
}
