//! Lowering of `[operations]`, `[task]`, `[envelope]`, `[errors]` and `[[http_statuses]]`.

use std::collections::BTreeSet;

use super::context::Cx;
use crate::ir::resolve::response_path;
use crate::ir::{
    Envelope, ErrorModel, FieldPath, HttpStatus, IdParam, Operation, ResultGate, RetryAdvice, Task, Ty, TypeDef, Types,
    UnlistedStatuses, Usage,
};
use crate::spec::model::{S, SpecFile};

/// The submit operations (one or more, in key order) and the status operation.
pub(super) fn operations(cx: &mut Cx, spec: &SpecFile, types: &[TypeDef]) -> Option<(Vec<Operation>, Operation)> {
    let mut submits: Vec<Operation> = Vec::new();
    let mut status = None;
    for (key, at) in &spec.operations {
        let path = format!("operations.{key}");
        let op = at.as_ref();
        if let Some(p) = crate::ir::names::ident_problem(key) {
            cx.err(at, &path, format!("operation key `{key}` {p}"));
        }
        let role_ok = cx.one_of(&op.role, &format!("{path}.role"), &["submit", "status"]);
        cx.one_of(&op.method, &format!("{path}.method"), &["GET", "POST", "PUT", "PATCH", "DELETE"]);
        let p = op.path.get_ref();
        if !p.starts_with('/') || p.contains(['?', '#']) || p.ends_with('/') {
            cx.err(&op.path, format!("{path}.path"), format!("`{p}`: expected a path starting with / without a trailing slash, query or fragment (query parameters go in params)"));
        }
        let request = op.request.as_ref().map(|r| r.get_ref().clone());
        match (&op.request, op.role.get_ref().as_str()) {
            (Some(r), _) => {
                if types.union_def(r.get_ref()).is_none() || op.role.get_ref() != "submit" {
                    object_of(cx, types, r, &format!("{path}.request"), Usage::Request);
                }
                match &op.content_type {
                    Some(ct) => {
                        cx.one_of(ct, &format!("{path}.content_type"), &["application/json"]);
                    }
                    None => cx.err(
                        r,
                        format!("{path}.content_type"),
                        "missing key `content_type`: an operation with a request body needs one",
                    ),
                }
            }
            (None, "submit") => {
                cx.err(&op.role, format!("{path}.request"), "missing key `request`: a submit operation sends a body")
            }
            (None, _) => {
                if let Some(ct) = &op.content_type {
                    cx.err(
                        ct,
                        format!("{path}.content_type"),
                        "an operation without a request body has no content type",
                    );
                }
            }
        }
        object_of(cx, types, &op.response, &format!("{path}.response"), Usage::Response);
        let placeholders = placeholders(p);
        let mut id_param = None;
        for (i, prm) in op.params.iter().enumerate() {
            let ppath = format!("{path}.params[{i}]");
            if !cx.one_of(&prm.location, &format!("{ppath}.in"), &["query", "path"]) {
                continue;
            }
            let in_query = prm.location.get_ref() == "query";
            if !in_query && !placeholders.contains(prm.name.get_ref()) {
                cx.err(
                    &prm.name,
                    format!("{ppath}.name"),
                    format!(
                        "path parameter `{}` does not appear as {{{}}} in the path `{p}`",
                        prm.name.get_ref(),
                        prm.name.get_ref()
                    ),
                );
            }
            id_param = Some(IdParam {
                name: prm.name.get_ref().clone(),
                in_query,
                doc: prm.doc.get_ref().clone(),
                source: cx.source(&prm.source, &format!("{ppath}.source")),
                decision: cx.decision(&prm.decision, &ppath),
            });
        }
        for ph in &placeholders {
            if !op.params.iter().any(|prm| prm.name.get_ref() == ph && prm.location.get_ref() == "path") {
                cx.err(
                    &op.path,
                    format!("{path}.path"),
                    format!("placeholder {{{ph}}} has no path parameter in params"),
                );
            }
        }
        match op.role.get_ref().as_str() {
            "status" if op.params.len() != 1 => {
                cx.err(
                    &op.role,
                    format!("{path}.params"),
                    "a status operation takes exactly one parameter: the task id",
                );
            }
            "submit" if !op.params.is_empty() => {
                cx.err(&op.role, format!("{path}.params"), "a submit operation takes no parameters");
            }
            _ => {}
        }
        let rust_name = match &op.rust_name {
            Some(n) => {
                if let Some(problem) = crate::ir::names::ident_problem(n.get_ref()) {
                    cx.err(n, format!("{path}.rust_name"), format!("`{}` {problem}", n.get_ref()));
                }
                n.get_ref().clone()
            }
            None => crate::ir::names::pascal(key),
        };
        let lowered = Operation {
            key: key.clone(),
            rust_name,
            method: op.method.get_ref().clone(),
            path: p.clone(),
            content_type: op.content_type.as_ref().map(|c| c.get_ref().clone()),
            request,
            response: op.response.get_ref().clone(),
            doc: op.doc.get_ref().clone(),
            source: cx.source(&op.source, &format!("{path}.source")),
            decision: cx.decision(&op.decision, &path),
            id_param,
        };
        if !role_ok {
            continue;
        }
        if op.role.get_ref() == "submit" {
            if let Some(first) = submits.first()
                && first.response != lowered.response
            {
                cx.err(
                    &op.response,
                    format!("{path}.response"),
                    format!(
                        "`{}`: the submit operations of one provider share the answer's type; `{}` answers `{}`",
                        lowered.response, first.key, first.response
                    ),
                );
            }
            submits.push(lowered);
        } else {
            if status.is_some() {
                cx.err(&op.role, format!("{path}.role"), "a second `status` operation; expected exactly one");
            }
            status = Some(lowered);
        }
    }
    if submits.is_empty() {
        cx.err_at(None, "operations", "missing an operation with role = \"submit\"");
    }
    if status.is_none() {
        cx.err_at(None, "operations", "missing an operation with role = \"status\"");
    }
    if submits.len() > 1 {
        let mut names = std::collections::BTreeSet::new();
        for s in &submits {
            if !names.insert(s.rust_name.clone()) {
                cx.err_at(
                    None,
                    format!("operations.{}.rust_name", s.key),
                    format!("two submit operations are named `{}` in Rust; set rust_name", s.rust_name),
                );
            }
        }
    }
    if submits.is_empty() {
        return None;
    }
    Some((submits, status?))
}

/// `{name}` placeholders of a path template.
fn placeholders(p: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = p;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else { break };
        out.insert(rest[start + 1..start + end].to_owned());
        rest = &rest[start + end + 1..];
    }
    out
}

/// Checks that `name` is an object type of the given usage.
fn object_of(cx: &mut Cx, types: &[TypeDef], name: &S, path: &str, usage: Usage) -> bool {
    let want = if usage == Usage::Request { "request" } else { "response" };
    match types.ty(name.get_ref()) {
        Some(TypeDef::Struct(s)) if s.usage == usage => true,
        Some(TypeDef::Struct(_)) => {
            cx.err(name, path, format!("type `{}` is not a {want} type (usage = \"{want}\")", name.get_ref()));
            false
        }
        Some(_) => {
            cx.err(name, path, format!("type `{}` is not an object; expected a {want} object type", name.get_ref()));
            false
        }
        None => {
            cx.err(
                name,
                path,
                format!("unknown type `{}`; expected a {want} object type declared in [types]", name.get_ref()),
            );
            false
        }
    }
}

/// What a task path must lead to.
#[derive(Clone, Copy)]
enum Want {
    String,
    Integer,
    /// An integer or a string (error codes).
    Code,
    /// An enum whose values have a `phase`.
    StateEnum,
    /// An enum whose values have `retryable`.
    FailEnum,
    Array,
    Any,
}

impl Want {
    fn describe(self) -> &'static str {
        match self {
            Want::String => "a string",
            Want::Integer => "an integer",
            Want::Code => "an integer or a string",
            Want::StateEnum => "an enum whose values have a `phase`",
            Want::FailEnum => "an enum whose values have `retryable`",
            Want::Array => "an array",
            Want::Any => "a value",
        }
    }

    fn accepts(self, types: &[TypeDef], ty: &Ty) -> bool {
        match self {
            Want::String => *ty == Ty::String,
            Want::Integer => *ty == Ty::Integer,
            Want::Code => matches!(ty, Ty::Integer | Ty::String),
            Want::StateEnum => matches!(ty, Ty::Enum(e) if types.enum_def(e).is_some_and(|e| e.has_phase())),
            Want::FailEnum => matches!(ty, Ty::Enum(e) if types.enum_def(e).is_some_and(|e| e.has_retryable())),
            Want::Array => matches!(ty, Ty::Array(_)),
            Want::Any => true,
        }
    }
}

/// Resolves a path inside a response type, checking its type; `required` paths must be
/// required at every step.
fn path_in(
    cx: &mut Cx,
    types: &[TypeDef],
    root: &str,
    at: &S,
    key: &str,
    want: Want,
    required: bool,
) -> Option<FieldPath> {
    match response_path(types, root, at.get_ref()) {
        Ok(fp) => {
            if !want.accepts(types, &fp.ty) {
                cx.err(at, key, format!("`{}` in {root} is not {}", at.get_ref(), want.describe()));
                return None;
            }
            if required && fp.optional() {
                cx.err(
                    at,
                    key,
                    format!(
                        "`{}` in {root} must be required at every step (it is how the client finds the task)",
                        at.get_ref()
                    ),
                );
                return None;
            }
            Some(fp)
        }
        Err(e) => {
            cx.err(at, key, format!("`{}` cannot be resolved in {root}: {e}", at.get_ref()));
            None
        }
    }
}

pub(super) fn task(
    cx: &mut Cx,
    spec: &SpecFile,
    types: &[TypeDef],
    submit: &Operation,
    status: &Operation,
) -> Option<Task> {
    let t = &spec.task;
    let (sub, st) = (submit.response.as_str(), status.response.as_str());
    let submit_id = path_in(cx, types, sub, &t.submit_id, "task.submit_id", Want::String, true);
    if submit_id.is_some() && sub == st && t.submit_id.get_ref() != t.status_id.get_ref() {
        cx.err(
            &t.submit_id,
            "task.submit_id",
            format!(
                "`{}`: {sub} answers both the submit and the status query, so the task id is at one path; status_id is `{}`",
                t.submit_id.get_ref(),
                t.status_id.get_ref()
            ),
        );
    }
    let status_id = path_in(cx, types, st, &t.status_id, "task.status_id", Want::String, true);
    let state = path_in(cx, types, st, &t.state, "task.state", Want::StateEnum, true);
    let fail_code =
        t.fail_code.as_ref().and_then(|f| path_in(cx, types, st, f, "task.fail_code", Want::FailEnum, false));
    let fail_message =
        t.fail_message.as_ref().and_then(|f| path_in(cx, types, st, f, "task.fail_message", Want::String, false));
    let result = t.result.as_ref().and_then(|f| path_in(cx, types, st, f, "task.result", Want::Any, false));
    let follow = t.follow.as_ref().and_then(|f| path_in(cx, types, sub, f, "task.follow", Want::String, false));
    let outputs = t.outputs.as_ref().and_then(|o| outputs(cx, types, st, o));
    let state_enum = match &state {
        Some(FieldPath { ty: Ty::Enum(e), .. }) => e.clone(),
        _ => String::new(),
    };
    let result_gate = match (&state, &result, &t.result) {
        (Some(st_path), Some(res), Some(at)) => result_gate(cx, types, st, st_path, res, at),
        _ => None,
    };
    Some(Task {
        submit_id: submit_id?,
        status_id: status_id?,
        state: state?,
        state_enum,
        fail_code,
        fail_message,
        result,
        follow,
        outputs,
        result_gate,
        source: cx.source(&t.source, "task.source"),
        decision: cx.decision(&t.decision, "task"),
    })
}

/// The object holding the state and the result: they must be fields of one object, so the
/// result is decoded only once the state in the same answer says the task succeeded.
fn result_gate(
    cx: &mut Cx,
    types: &[TypeDef],
    root: &str,
    state: &FieldPath,
    result: &FieldPath,
    at: &S,
) -> Option<ResultGate> {
    let parent = |w: &str| w.rsplit_once('.').map_or(String::new(), |(p, _)| p.to_owned());
    if parent(&state.wire) != parent(&result.wire) {
        cx.err(
            at,
            "task.result",
            format!(
                "`{}` must be in the same object as the state `{}` (the result is decoded only when that state succeeded)",
                result.wire, state.wire
            ),
        );
        return None;
    }
    let mut ty = root.to_owned();
    let wires: Vec<&str> = result.wire.split('.').collect();
    for w in &wires[..wires.len() - 1] {
        let s = types.struct_def(&ty)?;
        match &s.fields.iter().find(|f| f.wire == *w)?.ty {
            Ty::Struct(n) => ty = n.clone(),
            _ => return None,
        }
    }
    let last = |w: &str| w.rsplit('.').next().unwrap_or(w).to_owned();
    Some(ResultGate { parent: ty, state_wire: last(&state.wire), result_wire: last(&result.wire) })
}

/// `[task.outputs]`: an array of URL strings, or of objects with a URL field and an
/// optional type field.
fn outputs(
    cx: &mut Cx,
    types: &[TypeDef],
    status: &str,
    o: &crate::spec::model::Outputs,
) -> Option<crate::ir::Outputs> {
    let list = path_in(cx, types, status, &o.list, "task.outputs.list", Want::Array, false)?;
    let Ty::Array(inner) = &list.ty else { return None };
    let item = match (inner.as_ref(), &o.url) {
        (Ty::String, None) => {
            if let Some(k) = &o.kind {
                cx.err(
                    k,
                    "task.outputs.kind",
                    "`kind` names a field of the list's objects, but this list holds strings",
                );
                return None;
            }
            None
        }
        (Ty::Struct(n), Some(u)) => {
            let s = types.struct_def(n)?;
            let Some(url) = s.fields.iter().find(|f| f.wire == *u.get_ref() && f.ty == Ty::String) else {
                cx.err(u, "task.outputs.url", format!("`{}`: expected a string field of {n}", u.get_ref()));
                return None;
            };
            let kind = match &o.kind {
                None => None,
                Some(k) => match s.fields.iter().find(|f| f.wire == *k.get_ref()) {
                    Some(f) if f.ty == Ty::String => Some((f.rust.clone(), !f.required, false)),
                    Some(f) if matches!(f.ty, Ty::Enum(_)) => Some((f.rust.clone(), !f.required, true)),
                    _ => {
                        cx.err(
                            k,
                            "task.outputs.kind",
                            format!("`{}`: expected a string or enum field of {n}", k.get_ref()),
                        );
                        return None;
                    }
                },
            };
            Some(crate::ir::OutputItem { url: url.rust.clone(), url_optional: !url.required, kind })
        }
        (Ty::Struct(n), None) => {
            cx.err(&o.list, "task.outputs.url", format!("missing key `url`: name the URL field of {n}"));
            return None;
        }
        _ => {
            cx.err(&o.list, "task.outputs.list", "expected an array of URL strings or of objects");
            return None;
        }
    };
    Some(crate::ir::Outputs {
        list,
        item,
        source: cx.source(&o.source, "task.outputs.source"),
        decision: cx.decision(&o.decision, "task.outputs"),
    })
}

/// `[envelope]`, when answers have one: its code and message at the root of every answer.
pub(super) fn envelope(
    cx: &mut Cx,
    e: &crate::spec::model::Envelope,
    types: &[TypeDef],
    roots: &[&str],
) -> Option<Envelope> {
    let mut ok = true;
    for root in roots {
        ok &= path_in(cx, types, root, &e.code, "envelope.code", Want::Integer, true).is_some();
        ok &= path_in(cx, types, root, &e.message, "envelope.message", Want::String, false).is_some();
    }
    ok.then(|| Envelope {
        code: e.code.get_ref().clone(),
        message: e.message.get_ref().clone(),
        success_code: *e.success_code.get_ref(),
        source: cx.source(&e.source, "envelope.source"),
        decision: cx.decision(&e.decision, "envelope"),
    })
}

pub(super) fn errors(cx: &mut Cx, spec: &SpecFile, types: &[TypeDef]) -> Option<ErrorModel> {
    let e = &spec.errors;
    if !object_of(cx, types, &e.body, "errors.body", Usage::Response) {
        return None;
    }
    let code = path_in(cx, types, e.body.get_ref(), &e.code, "errors.code", Want::Code, false);
    let message = path_in(cx, types, e.body.get_ref(), &e.message, "errors.message", Want::String, false);
    let category = e.category.as_ref().and_then(|c| {
        match types.enum_def(c.ty.get_ref()) {
            Some(en) if en.usage == Usage::Response => {}
            _ => {
                cx.err(&c.ty, "errors.category.type", format!("`{}`: expected a response enum type", c.ty.get_ref()));
                return None;
            }
        }
        if c.separator.get_ref().is_empty() {
            cx.err(&c.separator, "errors.category.separator", "the separator is empty");
            return None;
        }
        Some((c.ty.get_ref().clone(), c.separator.get_ref().clone()))
    });
    Some(ErrorModel {
        body: e.body.get_ref().clone(),
        code: code?,
        message: message?,
        category,
        source: cx.source(&e.source, "errors.source"),
        decision: cx.decision(&e.decision, "errors"),
    })
}

pub(super) fn statuses(cx: &mut Cx, spec: &SpecFile) -> Vec<HttpStatus> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, s) in spec.http_statuses.iter().enumerate() {
        let path = format!("http_statuses[{i}]");
        let code = *s.status.get_ref();
        if !(400..=599).contains(&code) {
            cx.err(&s.status, format!("{path}.status"), format!("{code}: expected an error status from 400 to 599"));
            continue;
        }
        if !seen.insert(code) {
            cx.err(&s.status, format!("{path}.status"), format!("status {code} is listed twice"));
        }
        let retry =
            if cx.one_of(&s.retry, &format!("{path}.retry"), &["never", "backoff"]) && s.retry.get_ref() == "backoff" {
                RetryAdvice::Backoff
            } else {
                RetryAdvice::Never
            };
        let max_retries = s.max_retries.as_ref().map(|m| {
            if retry == RetryAdvice::Never {
                cx.err(m, format!("{path}.max_retries"), "max_retries needs retry = \"backoff\"");
            }
            if *m.get_ref() < 1 {
                cx.err(m, format!("{path}.max_retries"), "expected at least 1");
            }
            cx.u32(m, &format!("{path}.max_retries"))
        });
        if s.rejected && s.decision.is_none() {
            cx.err(
                &s.status,
                format!("{path}.decision"),
                format!("missing key `decision`: rejected = true lets a paid submit answered {code} be sent again; record why the answer proves no task was created"),
            );
        }
        out.push(HttpStatus {
            status: code as u16,
            meaning: s.meaning.get_ref().clone(),
            action: s.action.get_ref().clone(),
            retry,
            max_retries,
            rejected: s.rejected,
            source: cx.source(&s.source, &format!("{path}.source")),
            decision: cx.decision(&s.decision, &path),
        });
    }
    out.sort_by_key(|s| s.status);
    out
}

/// `[unlisted_statuses]`: an unlisted status is an unknown outcome unless a doc fact says
/// it proves no task was created.
pub(super) fn unlisted_statuses(cx: &mut Cx, spec: &SpecFile) -> UnlistedStatuses {
    let Some(u) = &spec.unlisted_statuses else {
        return UnlistedStatuses { rejected: false, source: None, decision: None };
    };
    let rejected = *u.rejected.get_ref();
    if rejected && u.source.is_none() {
        cx.err(
            &u.rejected,
            "unlisted_statuses.source",
            "missing key `source`: rejected = true for statuses the docs do not list needs a doc fact saying they prove no task was created",
        );
    }
    if u.source.is_none() && u.decision.is_none() {
        cx.err(&u.rejected, "unlisted_statuses", "expected a `source` or a `decision` saying why");
    }
    UnlistedStatuses {
        rejected,
        source: u.source.as_ref().map(|s| cx.source(s, "unlisted_statuses.source")),
        decision: cx.decision(&u.decision, "unlisted_statuses"),
    }
}
