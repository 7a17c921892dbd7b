//! The simulator's answers, built from a module's response types and task paths:
//!
//! - the envelope (`code`, `message`) where the spec has one, with its success code;
//! - the task id at `task.submit_id` / `task.status_id`, a follow URL at `task.follow`;
//! - the state at `task.state` (a value of the state enum with the task's phase), the fail
//!   code and message once failed, the result once succeeded, with the outputs (URL strings,
//!   or objects with a URL and a type) at `task.outputs`; a `json<...>` field is written as
//!   a JSON string;
//! - error bodies in the spec's error shape (nested, `error.code`, where the spec says so):
//!   the code at `errors.code` (a documented value, see [`error_code`]) and the message at
//!   `errors.message` (`<Category><separator><detail>` when the spec declares categories);
//!   without an envelope, nothing but the HTTP status says an answer is an error.
//!
//! Fields the task paths do not cover follow the documented example of the same answer
//! (the operation's documented 200 answer; for a status answer, one whose state has the
//! same phase): a field is written when the example has it or the type requires it, with
//! the example's value. Time fields are the task's: the first `unix_millis` field of an
//! object is when it was created, later ones when it finished; a `millis` field is how long
//! it ran.

use happyhorse_codegen::ir::{ExampleKind, FieldPath, Module, Phase as IrPhase, Ty, Types};
use serde_json::{Map, Value, json};

use super::plan::Played;
use super::state::{Phase, TaskView};

/// What an answer says at a path.
#[derive(Debug, Clone)]
enum Known {
    /// This value.
    Set(Value),
    /// Nothing (the field is left out).
    Omit,
    /// The field is built from its type (something below it is known).
    Build,
}

/// The known paths of one answer and the task facts its other fields take.
struct Fill<'a> {
    m: &'a Module,
    known: Vec<(String, Known)>,
    /// The task's state (wire), written into every field of the state enum.
    state: Option<String>,
    /// When the task was created and finished (Unix ms).
    times: Option<(u64, Option<u64>)>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

impl Fill<'_> {
    fn known(&self, at: &str) -> Option<&Known> {
        self.known.iter().find(|(p, _)| p == at).map(|(_, k)| k)
    }

    /// Something is set or built strictly below `at`.
    fn below(&self, at: &str) -> bool {
        self.known
            .iter()
            .any(|(p, k)| !matches!(k, Known::Omit) && p.strip_prefix(at).is_some_and(|rest| rest.starts_with('.')))
    }

    /// An object of struct `name` at `path`, following `template` (a documented instance).
    fn object(&self, name: &str, template: Option<&Value>, path: &str) -> Value {
        let mut out = Map::new();
        let Some(s) = self.m.struct_def(name) else { return Value::Object(out) };
        let mut unix_fields = 0;
        for f in &s.fields {
            let at = join(path, &f.wire);
            let tpl = template.and_then(|t| t.get(f.wire.as_str()));
            let value = match self.known(&at) {
                Some(Known::Set(v)) => Some(v.clone()),
                Some(Known::Omit) => None,
                Some(Known::Build) => Some(self.value(&f.ty, tpl, &at)),
                None if self.below(&at) => Some(self.value(&f.ty, tpl, &at)),
                None => {
                    let wanted = tpl.is_some() || f.required;
                    match &f.ty {
                        Ty::UnixMillis => {
                            unix_fields += 1;
                            let t = self.times.and_then(|(c, done)| if unix_fields == 1 { Some(c) } else { done });
                            t.filter(|_| wanted).map(|t| json!(t))
                        }
                        Ty::Millis => self
                            .times
                            .and_then(|(c, done)| done.map(|d| d.saturating_sub(c)))
                            .filter(|_| wanted)
                            .map(|t| json!(t)),
                        Ty::Enum(e) if *e == self.m.task.state_enum && wanted => self.state.clone().map(Value::String),
                        _ if tpl.is_some() || f.required => Some(self.value(&f.ty, tpl, &at)),
                        _ => None,
                    }
                }
            };
            if let Some(v) = value {
                out.insert(f.wire.clone(), v);
            }
        }
        Value::Object(out)
    }

    /// A value of type `ty` at `path`.
    fn value(&self, ty: &Ty, template: Option<&Value>, path: &str) -> Value {
        match ty {
            Ty::Struct(n) => self.object(n, template, path),
            Ty::Json(inner) => {
                let parsed: Option<Value> = template.and_then(Value::as_str).and_then(|s| serde_json::from_str(s).ok());
                Value::String(self.value(inner, parsed.as_ref(), path).to_string())
            }
            Ty::Enum(e) if *e == self.m.task.state_enum && self.state.is_some() => {
                self.state.clone().map_or(Value::Null, Value::String)
            }
            Ty::Enum(e) => template.cloned().unwrap_or_else(|| first_value(self.m, e)),
            Ty::Array(_) => template.cloned().unwrap_or_else(|| json!([])),
            Ty::String | Ty::Media => template.cloned().unwrap_or_else(|| json!("")),
            Ty::Integer => template.cloned().unwrap_or_else(|| json!(0)),
            Ty::Boolean => template.cloned().unwrap_or(Value::Bool(false)),
            Ty::UnixMillis | Ty::Millis => json!(self.times.map_or(0, |(c, _)| c)),
            Ty::Union(_) => template.cloned().unwrap_or_else(|| json!({})),
        }
    }
}

/// The first value of an enum (as JSON), or null.
fn first_value(m: &Module, name: &str) -> Value {
    m.enum_def(name).and_then(|e| e.values.first()).map_or(Value::Null, |v| json!(v.wire))
}

/// The value at a dotted wire path, looking inside JSON-in-a-string values.
fn at_path(value: &Value, path: &str) -> Option<Value> {
    use std::borrow::Cow;
    let mut current = Cow::Borrowed(value);
    for key in path.split('.') {
        let inside =
            |v: &Value| -> Option<Value> { serde_json::from_str::<Value>(v.as_str()?).ok()?.get(key).cloned() };
        current = match current {
            Cow::Borrowed(v) => match v.get(key) {
                Some(next) => Cow::Borrowed(next),
                None => Cow::Owned(inside(v)?),
            },
            Cow::Owned(v) => Cow::Owned(v.get(key).cloned().or_else(|| inside(&v))?),
        };
    }
    Some(current.into_owned())
}

/// The phase of a state value (its wire spelling or an alias).
fn phase_of(m: &Module, state: &str) -> Option<IrPhase> {
    m.enum_def(&m.task.state_enum)?
        .values
        .iter()
        .find(|v| v.wire == state || v.aliases.iter().any(|a| a == state))
        .and_then(|v| v.phase)
}

/// The wire spelling of the state a task in `phase` answers: the failed state it was planned
/// to end in (`cancelled`), else the first state of the enum with that phase.
pub(crate) fn state_of(m: &Module, phase: &Phase) -> Option<String> {
    if let Phase::Failed { state: Some(state), .. } = phase {
        return Some(state.clone());
    }
    let want = match phase {
        Phase::Pending => IrPhase::Pending,
        Phase::Succeeded => IrPhase::Succeeded,
        Phase::Failed { .. } => IrPhase::Failed,
    };
    m.enum_def(&m.task.state_enum)?.values.iter().find(|v| v.phase == Some(want)).map(|v| v.wire.clone())
}

/// The documented examples of type `ty` and kind `kind`, parsed.
fn examples(m: &Module, ty: &str, kind: ExampleKind) -> Vec<(Option<u16>, String, Value)> {
    m.examples
        .iter()
        .filter(|e| e.ty == ty && e.kind == kind)
        .filter_map(|e| serde_json::from_str(&e.json).ok().map(|v| (e.status, e.operation.clone(), v)))
        .collect()
}

/// The documented response examples of type `ty`, parsed when the simulator started:
/// `(status, operation, value)`.
fn responses<'a>(p: &'a Played, ty: &'a str) -> impl Iterator<Item = (Option<u16>, &'a str, &'a Value)> + Clone + 'a {
    p.responses.iter().filter(move |(_, _, t, _)| t == ty).map(|(s, o, _, v)| (*s, o.as_str(), v))
}

/// The envelope of a success answer; nothing for a provider whose answers have none.
fn envelope(m: &Module, template: Option<&Value>) -> Vec<(String, Known)> {
    let Some(e) = &m.envelope else { return Vec::new() };
    let message = template.and_then(|t| at_path(t, &e.message)).unwrap_or_else(|| json!("success"));
    vec![(e.code.clone(), Known::Set(json!(e.success_code))), (e.message.clone(), Known::Set(message))]
}

fn times(view: &TaskView) -> Option<(u64, Option<u64>)> {
    Some((view.create_ms, view.complete_ms))
}

/// The answer to an accepted submit of task `view`, on `origin`.
pub(crate) fn submitted(p: &Played, view: &TaskView, origin: &str) -> Value {
    let m = &p.ir;
    let Some(op) = m.submit_op(&view.operation) else { return json!({}) };
    let templates = responses(p, &op.response);
    let template = templates
        .clone()
        .find(|(s, o, _)| *o == op.key && s.is_none_or(|s| s == 200))
        .or_else(|| templates.clone().find(|(s, _, _)| s.is_none_or(|s| s == 200)))
        .map(|(_, _, v)| v);
    let mut known = envelope(m, template);
    known.push((m.task.submit_id.wire.clone(), Known::Set(json!(view.id))));
    if let Some(follow) = &m.task.follow {
        known.push((follow.wire.clone(), Known::Set(json!(p.status_url(origin, &view.id)))));
    }
    let fill = Fill { m, known, state: state_of(m, &Phase::Pending), times: times(view) };
    fill.object(&op.response, template, "")
}

/// The status answer for task `view` (type `ty`: the status response, or the webhook
/// payload), its files on `origin`.
fn task_answer(p: &Played, view: &TaskView, ty: &str, origin: &str) -> Value {
    let m = &p.ir;
    let t = &m.task;
    let state = state_of(m, &view.phase);
    let want = match &view.phase {
        Phase::Pending => IrPhase::Pending,
        Phase::Succeeded => IrPhase::Succeeded,
        Phase::Failed { .. } => IrPhase::Failed,
    };
    let template = responses(p, ty)
        .find(|(_, _, v)| at_path(v, &t.state.wire).and_then(|s| s.as_str().and_then(|s| phase_of(m, s))) == Some(want))
        .map(|(_, _, v)| v);
    let mut known = envelope(m, template);
    known.push((t.status_id.wire.clone(), Known::Set(json!(view.id))));
    if let Some(s) = &state {
        known.push((t.state.wire.clone(), Known::Set(json!(s))));
    }
    let (code, message) = match &view.phase {
        Phase::Failed { code, message, .. } => (code.clone(), message.clone()),
        _ => (None, None),
    };
    for (path, value) in [(&t.fail_code, code), (&t.fail_message, message)] {
        if let Some(path) = path {
            known.push((path.wire.clone(), value.map_or(Known::Omit, |v| Known::Set(json!(v)))));
        }
    }
    let succeeded = view.phase == Phase::Succeeded;
    if let Some(result) = &t.result {
        known.push((result.wire.clone(), if succeeded { Known::Build } else { Known::Omit }));
    }
    if let Some(outputs) = &t.outputs {
        let list = if succeeded {
            Known::Set(json!([output(m, outputs, &result_url(p, view, origin, 0))]))
        } else {
            Known::Omit
        };
        known.push((outputs.list.wire.clone(), list));
    }
    let fill = Fill { m, known, state, times: times(view) };
    fill.object(ty, template, "")
}

/// Where result file `n` of a task is served.
pub(crate) fn result_url(p: &Played, view: &TaskView, origin: &str, n: usize) -> String {
    format!("{origin}/files/{}/{}/{n}.mp4", p.name(), view.id)
}

/// One output: the URL string, or an object with the URL (and the type: the first value of
/// its enum, else `video`).
fn output(m: &Module, outputs: &happyhorse_codegen::ir::Outputs, url: &str) -> Value {
    let (Some(item), Ty::Array(inner)) = (&outputs.item, &outputs.list.ty) else { return json!(url) };
    let Ty::Struct(name) = inner.as_ref() else { return json!(url) };
    let Some(s) = m.struct_def(name) else { return json!(url) };
    let mut known = Vec::new();
    for f in &s.fields {
        if f.rust == item.url {
            known.push((f.wire.clone(), Known::Set(json!(url))));
        } else if item.kind.as_ref().is_some_and(|(rust, _, _)| *rust == f.rust) {
            let kind = match &f.ty {
                Ty::Enum(e) => first_value(m, e),
                _ => json!("video"),
            };
            known.push((f.wire.clone(), Known::Set(kind)));
        }
    }
    Fill { m, known, state: None, times: None }.object(name, None, "")
}

/// The status answer for task `view`.
pub(crate) fn status(p: &Played, view: &TaskView, origin: &str) -> Value {
    task_answer(p, view, &p.ir.status.response, origin)
}

/// The webhook payload for task `view` (the spec's callbacks payload type).
pub(crate) fn callback(p: &Played, view: &TaskView, origin: &str) -> Value {
    let ty = p.ir.callbacks.as_ref().map_or(&p.ir.status.response, |c| &c.payload);
    task_answer(p, view, ty, origin)
}

/// The error body for HTTP `status` with `detail`: in the spec's error shape, the status at
/// the code's path and the message (`<Category><separator><detail>` when the spec declares
/// categories, see [`category`]).
pub(crate) fn error(m: &Module, status: u16, detail: &str) -> Value {
    let e = &m.errors;
    let text = match &e.category {
        Some((_, separator)) => format!("{}{separator}{detail}", category(m, status)),
        None => detail.to_owned(),
    };
    let templates = examples(m, &e.body, ExampleKind::Error);
    let template = templates.iter().find(|(s, _, _)| *s == Some(status)).map(|(_, _, v)| v);
    let code = error_code(m, status, template);
    let known = vec![(e.code.wire.clone(), Known::Set(code)), (e.message.wire.clone(), Known::Set(json!(text)))];
    Fill { m, known, state: None, times: None }.object(&e.body, template, "")
}

/// The HTTP status the simulator answers an invalid request with (a body that breaks a rule,
/// a wrong content type, a status query without its id): the first 4xx of the spec's status
/// table that is not about authentication, payment, permission, a missing resource, a
/// conflict or a rate (`400 Invalid request`, Sharely's `422 Invalid body`); 400 when the
/// table lists none. The docs say which status a bad request gets only through that table,
/// so this is the simulator's reading of it.
pub fn invalid_request_status(m: &Module) -> u16 {
    const NOT_ABOUT_THE_REQUEST: [u16; 9] = [401, 402, 403, 404, 405, 408, 409, 413, 429];
    let mut rows: Vec<u16> = m.statuses.iter().map(|r| r.status).collect();
    rows.sort_unstable();
    rows.into_iter().find(|s| (400..500).contains(s) && !NOT_ABOUT_THE_REQUEST.contains(s)).unwrap_or(400)
}

/// The error code an error answer with HTTP `status` carries. The docs give error codes only
/// by example and in the status table, so this is the simulator's choice among documented
/// values: the code of the documented error example with that status (`40001`,
/// `"invalid_request"`); else, for a text code, the status table's meaning of the status when
/// it is one word (`rate_limited`), else the status as text; for a numeric code, the status.
fn error_code(m: &Module, status: u16, template: Option<&Value>) -> Value {
    if let Some(documented) = template.and_then(|t| at_path(t, &m.errors.code.wire)) {
        return documented;
    }
    match m.errors.code.ty {
        Ty::String => {
            let word = m
                .statuses
                .iter()
                .find(|r| r.status == status)
                .map(|r| r.meaning.clone())
                .filter(|w| !w.is_empty() && !w.contains(char::is_whitespace));
            json!(word.unwrap_or_else(|| status.to_string()))
        }
        _ => json!(status),
    }
}

/// The category of an error message with HTTP `status`: the one of the spec's documented
/// error example with that status (Modellix's 400 says `Invalid parameters`); else the
/// status table's meaning of the status, capitalised; else the category enum's first value.
/// The spec declares categories but not which applies when, so this is the simulator's
/// choice, shaped by what is documented.
pub(crate) fn category(m: &Module, status: u16) -> String {
    let Some((enum_name, separator)) = &m.errors.category else { return String::new() };
    let documented = examples(m, &m.errors.body, ExampleKind::Error).into_iter().find_map(|(s, _, v)| {
        let message = at_path(&v, &m.errors.message.wire)?.as_str()?.to_owned();
        let (cat, _) = message.split_once(separator.as_str())?;
        (s == Some(status)).then(|| cat.to_owned())
    });
    if let Some(c) = documented {
        return c;
    }
    if let Some(row) = m.statuses.iter().find(|r| r.status == status) {
        let mut chars = row.meaning.chars();
        if let Some(first) = chars.next() {
            return first.to_uppercase().chain(chars).collect();
        }
    }
    m.enum_def(enum_name).and_then(|e| e.values.first()).map_or_else(|| "Error".to_owned(), |v| v.wire.clone())
}

/// The wire path of a field path.
pub(crate) fn wire(path: &FieldPath) -> Vec<String> {
    path.wire.split('.').map(str::to_owned).collect()
}
