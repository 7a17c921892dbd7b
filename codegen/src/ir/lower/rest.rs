//! Lowering of the smaller sections: `[auth]`, `[counting]`, modes and `[polling]`,
//! `[callbacks]`, `[[lints]]` and `[[examples]]`.

use std::collections::BTreeSet;

use super::context::Cx;
use crate::ir::{
    Auth, Callbacks, Counter, Example, ExampleKind, Lint, Mode, ModeUnion, Modes, Operation, Polling, Ty, TypeDef,
    Types,
};
use crate::spec::model::{self, SpecFile};

pub(super) fn auth(cx: &mut Cx, a: &model::Auth) -> Auth {
    cx.one_of(&a.scheme, "auth.scheme", &["bearer"]);
    if a.header.get_ref().is_empty() || !a.header.get_ref().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        cx.err(&a.header, "auth.header", "expected an HTTP header name such as \"Authorization\"");
    }
    let env = a.env_var.get_ref();
    env_var_name(cx, &a.env_var, "auth.env_var");
    Auth {
        header: a.header.get_ref().clone(),
        scheme: a.scheme.get_ref().clone(),
        env_var: env.clone(),
        source: cx.source(&a.source, "auth.source"),
        decision: cx.decision(&a.decision, "auth"),
    }
}

/// Checks the name of an environment variable the client reads: UPPER_SNAKE_CASE, not
/// starting with a digit (a name every shell can set).
pub(super) fn env_var_name(cx: &mut Cx, name: &model::S, path: &str) -> bool {
    let n = name.get_ref();
    let ok = n.bytes().next().is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        cx.err(
            name,
            path,
            format!("`{n}`: expected an UPPER_SNAKE_CASE environment variable name such as \"APIXO_API_KEY\""),
        );
    }
    ok
}

pub(super) fn counters(cx: &mut Cx, spec: &SpecFile) -> Vec<Counter> {
    let mut out = Vec::new();
    for (name, at) in &spec.counting {
        let path = format!("counting.{name}");
        let c = at.as_ref();
        if ["unicode_scalars", "utf16_units", "bytes"].contains(&name.as_str()) {
            cx.err(at, &path, format!("`{name}` is a built-in counting rule; choose another name"));
        }
        if let Some(p) = crate::ir::names::ident_problem(name) {
            cx.err(at, &path, format!("counting rule name `{name}` {p}"));
        }
        let default_weight = cx.u32(&c.default_weight, &format!("{path}.default_weight"));
        let mut ranges = Vec::new();
        for (i, w) in c.weights.iter().enumerate() {
            let wpath = format!("{path}.weights[{i}]");
            let weight = cx.u32(&w.weight, &format!("{wpath}.weight"));
            for r in &w.ranges {
                match parse_range(r.get_ref()) {
                    Some((a, b)) => ranges.push((a, b, weight)),
                    None => cx.err(
                        r,
                        format!("{wpath}.ranges"),
                        format!("`{}`: expected an inclusive hex code point range such as \"4E00-9FFF\"", r.get_ref()),
                    ),
                }
            }
        }
        ranges.sort();
        for pair in ranges.windows(2) {
            if pair[1].0 <= pair[0].1 {
                cx.err(
                    at,
                    format!("{path}.weights"),
                    format!("ranges {:X}-{:X} and {:X}-{:X} overlap", pair[0].0, pair[0].1, pair[1].0, pair[1].1),
                );
            }
        }
        out.push(Counter {
            name: name.clone(),
            doc: c.doc.get_ref().clone(),
            default_weight,
            ranges,
            source: cx.source(&c.source, &format!("{path}.source")),
            decision: cx.decision(&c.decision, &path),
        });
    }
    out
}

fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let a = u32::from_str_radix(a.trim(), 16).ok()?;
    let b = u32::from_str_radix(b.trim(), 16).ok()?;
    (a <= b && b <= 0x10FFFF).then_some((a, b))
}

/// The modes (variants of the union at `task.mode`, or one `default` mode) and their
/// polling guidance.
pub(super) fn modes(cx: &mut Cx, spec: &SpecFile, types: &[TypeDef], submits: &[Operation]) -> Option<Modes> {
    let submit = &submits[0];
    let mut union = None;
    // One operation: one mode, `default`, unless a union selects the mode. Several: each
    // operation is a mode, named by its key.
    let mut tags: Vec<(String, Option<String>, String)> = if submits.len() == 1 {
        vec![("default".to_owned(), None, submit.key.clone())]
    } else {
        submits.iter().map(|s| (s.key.clone(), Some(s.rust_name.clone()), s.key.clone())).collect()
    };
    if let Some(at) = &spec.task.mode
        && submits.len() > 1
    {
        cx.err(
            at,
            "task.mode",
            "a mode union selects the mode of one submit operation; with several, each operation is a mode",
        );
        return None;
    }
    if let Some(at) = &spec.task.mode {
        let wire = at.get_ref();
        let segments: Vec<&str> = wire.split('.').collect();
        let (tag, fields) = segments.split_last().unwrap_or((&"", &[]));
        let mut current = submit.request.clone().unwrap_or_default();
        let mut field_path = Vec::new();
        // A tag at the top of the request (`model`): the request is the union, or an object
        // with a flattened union whose tag it is.
        let mut found = if fields.is_empty() { types.union_def(&current) } else { None };
        if fields.is_empty()
            && found.is_none()
            && let Some(s) = types.struct_def(&current)
            && let Some((f, u)) = s.fields.iter().filter(|f| f.flatten).find_map(|f| match &f.ty {
                Ty::Union(u) => types.union_def(u).filter(|u| u.tag == *tag).map(|u| (f, u)),
                _ => None,
            })
        {
            field_path.push(f.rust.clone());
            found = Some(u);
        }
        for (i, seg) in fields.iter().enumerate() {
            let Some(s) = types.struct_def(&current) else { break };
            let Some(f) = s.fields.iter().find(|f| f.wire == *seg && !f.flatten) else { break };
            field_path.push(f.rust.clone());
            match &f.ty {
                Ty::Union(u) if i + 1 == fields.len() => found = types.union_def(u),
                Ty::Struct(n) => current = n.clone(),
                _ => break,
            }
        }
        match found {
            Some(u) if u.tag == *tag => {
                tags = u.variants.iter().map(|v| (v.tag.clone(), Some(v.name.clone()), submit.key.clone())).collect();
                union = Some(ModeUnion { union: u.name.clone(), field_path, wire: wire.clone() });
            }
            _ => {
                cx.err(at, "task.mode", format!("`{wire}` is not the tag of a union field in the request {}; expected a path such as \"input.mode\", or the tag of a request that is a union or flattens one (\"model\")", current));
                return None;
            }
        }
    }
    let mut modes = Vec::new();
    for (tag, variant, operation) in tags {
        // A mode without a table of its own follows `[polling.default]`.
        let key = if spec.polling.contains_key(&tag) { tag.clone() } else { "default".to_owned() };
        let Some(p) = spec.polling.get(&key).map(|p| p.as_ref()) else {
            cx.err_at(
                None,
                "polling",
                format!("missing [polling.{tag}] (or [polling.default]): every mode needs a first poll delay and an interval"),
            );
            continue;
        };
        let path = format!("polling.{}", crate::ir::names::key_segment(&key));
        let first_poll_s = cx.u32(&p.first_poll_s, &format!("{path}.first_poll_s"));
        let interval_min_s = cx.u32(&p.interval_s.min, &format!("{path}.interval_s.min"));
        let interval_max_s = cx.u32(&p.interval_s.max, &format!("{path}.interval_s.max"));
        if interval_min_s == 0 {
            cx.err(&p.interval_s.min, format!("{path}.interval_s.min"), "the poll interval must be at least 1 second");
        }
        if interval_min_s > interval_max_s {
            cx.err(
                &p.interval_s.min,
                format!("{path}.interval_s.min"),
                format!("min ({interval_min_s}) is greater than max ({interval_max_s})"),
            );
        }
        modes.push(Mode {
            tag,
            operation,
            variant,
            polling: Polling {
                first_poll_s,
                interval_min_s,
                interval_max_s,
                source: cx.source(&p.source, &format!("{path}.source")),
                decision: cx.decision(&p.decision, &path),
            },
        });
    }
    for (k, at) in &spec.polling {
        if !modes.iter().any(|m| m.tag == *k) && k != "default" {
            let list: Vec<&str> = modes.iter().map(|m| m.tag.as_str()).collect();
            cx.err(
                at,
                format!("polling.{}", crate::ir::names::key_segment(k)),
                format!("unknown mode `{k}`; expected one of {}", list.join(", ")),
            );
        }
    }
    Some(Modes { union, modes })
}

pub(super) fn callbacks(cx: &mut Cx, spec: &SpecFile, types: &[TypeDef], status: &Operation) -> Option<Callbacks> {
    let c = spec.callbacks.as_ref()?;
    if *c.payload.get_ref() != status.response {
        cx.err(
            &c.payload,
            "callbacks.payload",
            format!(
                "`{}`: a webhook body must have the shape of the status answer, {}",
                c.payload.get_ref(),
                status.response
            ),
        );
    }
    match types.struct_def(c.payload.get_ref()) {
        Some(s) if s.usage == crate::ir::Usage::Response => {}
        _ => cx.err(
            &c.payload,
            "callbacks.payload",
            format!("`{}`: expected a response object type", c.payload.get_ref()),
        ),
    }
    cx.one_of(&c.method, "callbacks.method", &["POST"]);
    let (ack_status, ack_any_2xx) = match c.ack_status.get_ref() {
        toml::Value::Integer(n) if (200..=299).contains(n) => (*n as u16, false),
        toml::Value::String(s) if s == "2xx" => (200, true),
        other => {
            cx.err(
                &c.ack_status,
                "callbacks.ack_status",
                format!(
                    "{other}: expected a 2xx status such as 200, or \"2xx\" when any 2xx status acknowledges a delivery"
                ),
            );
            (200, false)
        }
    };
    let retry_schedule_s: Vec<u32> = match &c.retry_schedule_s {
        Some(list) => {
            if list.get_ref().is_empty() {
                cx.err(
                    list,
                    "callbacks.retry_schedule_s",
                    "an empty schedule; list the delay before each redelivery, or leave the key out",
                );
            }
            list.get_ref()
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let path = format!("callbacks.retry_schedule_s[{i}]");
                    if *d.get_ref() < 1 {
                        cx.err(d, &path, "a redelivery delay must be at least 1 second");
                    }
                    cx.u32(d, &path)
                })
                .collect()
        }
        None => Vec::new(),
    };
    let max_redeliveries = match (&c.max_redeliveries, &c.retry_schedule_s) {
        (Some(m), Some(list)) => {
            let n = cx.u32(m, "callbacks.max_redeliveries");
            if n as usize != list.get_ref().len() {
                cx.err(
                    m,
                    "callbacks.max_redeliveries",
                    format!("{n} redeliveries, but retry_schedule_s lists {}; they must agree (or leave max_redeliveries out)", list.get_ref().len()),
                );
            }
            n
        }
        (Some(m), None) => cx.u32(m, "callbacks.max_redeliveries"),
        (None, Some(list)) => list.get_ref().len() as u32,
        (None, None) => {
            cx.err(
                &c.payload,
                "callbacks.max_redeliveries",
                "missing key `max_redeliveries`: say how many times an unacknowledged delivery is sent again (0 for never), or list them in retry_schedule_s",
            );
            0
        }
    };
    let url_field = c.url_field.as_ref().and_then(|u| {
        let name = u.get_ref();
        if request_top_level_key(spec, types, name) {
            Some(name.clone())
        } else {
            cx.err(
                u,
                "callbacks.url_field",
                format!("`{name}`: expected a top-level key of the submit request (a field of the request object or of a flattened union)"),
            );
            None
        }
    });
    Some(Callbacks {
        payload: c.payload.get_ref().clone(),
        method: c.method.get_ref().clone(),
        ack_status,
        ack_any_2xx,
        ack_within_s: cx.u32(&c.ack_within_s, "callbacks.ack_within_s"),
        max_redeliveries,
        retry_schedule_s,
        url_field,
        source: cx.source(&c.source, "callbacks.source"),
        decision: cx.decision(&c.decision, "callbacks"),
    })
}

/// Whether `name` is a string key at the top level of the submit request's JSON: a string
/// field of the request object, of a variant of a union flattened into it, or of a variant
/// of a request that is a union.
fn request_top_level_key(spec: &SpecFile, types: &[TypeDef], name: &str) -> bool {
    let Some(root) = spec.operations.values().find_map(|o| {
        let o = o.as_ref();
        (o.role.get_ref() == "submit").then(|| o.request.as_ref().map(|r| r.get_ref().clone())).flatten()
    }) else {
        return false;
    };
    let string_field = |s: &crate::ir::Struct| s.fields.iter().any(|f| f.wire == name && f.ty == Ty::String);
    let in_variants = |u: &crate::ir::Union| {
        u.variants.iter().any(|v| v.payload.as_deref().and_then(|p| types.struct_def(p)).is_some_and(string_field))
    };
    if let Some(u) = types.union_def(&root) {
        return in_variants(u);
    }
    let Some(s) = types.struct_def(&root) else { return false };
    string_field(s)
        || s.fields
            .iter()
            .any(|f| f.flatten && matches!(&f.ty, Ty::Union(u) if types.union_def(u).is_some_and(in_variants)))
}

pub(super) fn lints(
    cx: &mut Cx,
    spec: &SpecFile,
    types: &[TypeDef],
    submits: &[Operation],
    modes: Option<&Modes>,
) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, l) in spec.lints.iter().enumerate() {
        let path = format!("lints[{i}]");
        let submit = match &l.operation {
            Some(op) => match submits.iter().find(|s| s.key == *op.get_ref()) {
                Some(s) => s,
                None => {
                    let keys: Vec<&str> = submits.iter().map(|s| s.key.as_str()).collect();
                    cx.err(
                        op,
                        format!("{path}.operation"),
                        format!("`{}`: expected a submit operation: {}", op.get_ref(), keys.join(", ")),
                    );
                    continue;
                }
            },
            None if submits.len() > 1 => {
                cx.err(
                    &l.id,
                    format!("{path}.operation"),
                    "missing key `operation`: name the submit operation whose request the lint reads",
                );
                continue;
            }
            None => &submits[0],
        };
        let root = submit.request.clone().unwrap_or_default();
        if !ids.insert(l.id.get_ref().clone()) {
            cx.err(&l.id, format!("{path}.id"), format!("duplicate lint id `{}`", l.id.get_ref()));
        }
        cx.one_of(&l.kind, &format!("{path}.kind"), &["indexed_mention"]);
        // The object holding the fields: the request, or the payload of the lint's mode.
        let root = match &l.mode {
            None if types.union_def(&root).is_some() => {
                cx.err(
                    &l.id,
                    format!("{path}.mode"),
                    format!(
                        "missing key `mode`: the request {root} is a union; name the mode whose fields the lint reads"
                    ),
                );
                continue;
            }
            None => root,
            Some(mode) => match lint_holder(types, modes, mode.get_ref()) {
                Ok(holder) => holder,
                Err(message) => {
                    cx.err(mode, format!("{path}.mode"), message);
                    continue;
                }
            },
        };
        let s = types.struct_def(&root);
        let field = |wire: &str| s.and_then(|s| s.fields.iter().find(|f| f.wire == wire && !f.flatten));
        let text = field(l.text.get_ref()).filter(|f| f.ty == Ty::String);
        if text.is_none() {
            cx.err(
                &l.text,
                format!("{path}.text"),
                format!("`{}`: expected a string field of {root}", l.text.get_ref()),
            );
        }
        let list = field(l.list.get_ref()).filter(|f| matches!(f.ty, Ty::Array(_)));
        if list.is_none() {
            cx.err(
                &l.list,
                format!("{path}.list"),
                format!("`{}`: expected an array field of {root}", l.list.get_ref()),
            );
        }
        if l.token.get_ref().is_empty() || !l.token.get_ref().chars().all(char::is_alphabetic) {
            cx.err(&l.token, format!("{path}.token"), "expected a non-empty word of letters");
        }
        let (Some(text), Some(list)) = (text, list) else { continue };
        if !text.required || !list.required {
            cx.err(
                &l.text,
                format!("{path}.text"),
                "a lint reads required fields only: `text` and `list` must be required fields",
            );
            continue;
        }
        out.push(Lint {
            id: l.id.get_ref().clone(),
            operation: submit.key.clone(),
            mode: l.mode.as_ref().map(|m| m.get_ref().clone()),
            holder: root.clone(),
            text: text.rust.clone(),
            list: list.rust.clone(),
            // The JSON path of the text: under the mode union's object for a mode's field.
            text_wire: match (l.mode.as_ref(), modes.and_then(|m| m.union.as_ref())) {
                (Some(_), Some(u)) => match u.wire.rsplit_once('.') {
                    Some((parent, _)) => format!("{parent}.{}", text.wire),
                    None => text.wire.clone(),
                },
                _ => text.wire.clone(),
            },
            list_wire: list.wire.clone(),
            token: l.token.get_ref().clone(),
            case_insensitive: l.case_insensitive,
            first_index: cx.u32(&l.first_index, &format!("{path}.first_index")),
            message: l.message.get_ref().clone(),
            source: cx.source(&l.source, &format!("{path}.source")),
            decision: cx.decision(&l.decision, &path),
        });
    }
    out
}

/// The variant payload holding the fields of `mode`, a tag of the mode union.
fn lint_holder(types: &[TypeDef], modes: Option<&Modes>, mode: &str) -> Result<String, String> {
    let Some(u) = modes.and_then(|m| m.union.as_ref()).and_then(|u| types.union_def(&u.union)) else {
        return Err(format!(
            "`{mode}`: this request has no mode union (`task.mode`), so a lint names top-level fields without `mode`"
        ));
    };
    let Some(v) = u.variants.iter().find(|v| v.tag == mode) else {
        let tags: Vec<&str> = u.variants.iter().map(|v| v.tag.as_str()).collect();
        return Err(format!("unknown mode `{mode}`; expected one of {}", tags.join(", ")));
    };
    v.payload.clone().ok_or_else(|| format!("mode `{mode}` has no fields to read"))
}

pub(super) fn examples(
    cx: &mut Cx,
    spec: &SpecFile,
    submits: &[Operation],
    status: &Operation,
    error_body: &str,
) -> Vec<Example> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for (i, e) in spec.examples.iter().enumerate() {
        let path = format!("examples[{i}]");
        let name = e.name.get_ref();
        if let Some(p) = crate::ir::names::ident_problem(name) {
            cx.err(&e.name, format!("{path}.name"), format!("example name `{name}` {p}"));
        } else if name != &crate::ir::names::snake(name) {
            cx.err(&e.name, format!("{path}.name"), format!("example name `{name}` must be snake_case"));
        }
        if !names.insert(name.clone()) {
            cx.err(&e.name, format!("{path}.name"), format!("duplicate example name `{name}`"));
        }
        let op = match submits.iter().chain(std::iter::once(status)).find(|o| o.key == *e.operation.get_ref()) {
            Some(op) => op,
            None => {
                let keys: Vec<&str> = submits.iter().chain(std::iter::once(status)).map(|o| o.key.as_str()).collect();
                cx.err(
                    &e.operation,
                    format!("{path}.operation"),
                    format!("unknown operation `{}`; expected one of {}", e.operation.get_ref(), keys.join(", ")),
                );
                continue;
            }
        };
        if !cx.one_of(&e.kind, &format!("{path}.kind"), &["request", "response", "error"]) {
            continue;
        }
        let (kind, ty) = match e.kind.get_ref().as_str() {
            "request" => match &op.request {
                Some(r) => (ExampleKind::Request, r.clone()),
                None => {
                    cx.err(&e.kind, format!("{path}.kind"), format!("operation {} has no request body", op.key));
                    continue;
                }
            },
            "response" => (ExampleKind::Response, op.response.clone()),
            _ => (ExampleKind::Error, error_body.to_owned()),
        };
        let status_code = match (&e.status, kind) {
            (None, ExampleKind::Request) => None,
            (Some(s), ExampleKind::Request) => {
                cx.err(s, format!("{path}.status"), "a request example has no status");
                None
            }
            (None, _) => {
                cx.err(
                    &e.kind,
                    format!("{path}.status"),
                    "missing key `status`: the HTTP status the example was answered with",
                );
                None
            }
            (Some(s), k) => {
                let ok = if k == ExampleKind::Response {
                    (200..=299).contains(s.get_ref())
                } else {
                    (400..=599).contains(s.get_ref())
                };
                if !ok {
                    cx.err(
                        s,
                        format!("{path}.status"),
                        format!(
                            "{}: expected {}",
                            s.get_ref(),
                            if k == ExampleKind::Response { "a 2xx status" } else { "a 4xx or 5xx status" }
                        ),
                    );
                }
                Some(*s.get_ref() as u16)
            }
        };
        if let Err(err) = serde_json::from_str::<serde_json::Value>(e.json.get_ref()) {
            let at = cx.position_in_string(&e.json, err.line(), err.column());
            cx.err_at(Some(at..at + 1), format!("{path}.json"), format!("invalid JSON: {err}"));
        }
        out.push(Example {
            name: name.clone(),
            operation: op.key.clone(),
            kind,
            status: status_code,
            ty,
            json: e.json.get_ref().clone(),
            source: cx.source(&e.source, &format!("{path}.source")),
            decision: cx.decision(&e.decision, &path),
        });
    }
    out
}

/// The doc facts deliberately not encoded, each with a place and a reason.
pub(super) fn not_encoded(cx: &mut Cx, spec: &SpecFile) -> Vec<crate::ir::NotEncoded> {
    let mut out = Vec::new();
    for (i, n) in spec.not_encoded.iter().enumerate() {
        let path = format!("not_encoded[{i}]");
        let sel = [("row", &n.row), ("param", &n.param), ("code", &n.code)];
        let anchor = cx.anchor(&n.doc, &n.section, &sel, &n.quote, &path);
        if n.reason.get_ref().trim().is_empty() {
            cx.err(
                &n.reason,
                format!("{path}.reason"),
                "the reason is empty; say why the spec does not encode this fact",
            );
        }
        out.push(crate::ir::NotEncoded { anchor, reason: n.reason.get_ref().clone() });
    }
    out
}

/// Documented facts no code checks.
pub(super) fn notes(cx: &mut Cx, spec: &SpecFile) -> Vec<crate::ir::Note> {
    spec.notes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let path = format!("notes[{i}]");
            if n.doc.get_ref().trim().is_empty() {
                cx.err(&n.doc, format!("{path}.doc"), "the note is empty");
            }
            crate::ir::Note {
                name: n.name.get_ref().clone(),
                doc: n.doc.get_ref().clone(),
                source: cx.source(&n.source, &format!("{path}.source")),
                decision: cx.decision(&n.decision, &path),
            }
        })
        .collect()
}
