//! The module's frame: provider facts, cited docs, authentication, operations, where the
//! task facts are read, the response envelope, the error model and webhooks.

use super::{Cx, Pair, opt_text, pairs};
use crate::diff::change::{Change, Class};
use crate::ir::{FieldPath, Module, Operation, names::shouty};

pub(super) fn all(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    provider(cx, o, n);
    for p in pairs(&operations(o), &operations(n), |op| op.key.clone(), None) {
        match p {
            Pair::Removed(op) => cx.add(
                Change::new(
                    Class::Breaking,
                    format!("operations.{}", op.key),
                    format!("operation `{}` removed", op.key),
                )
                .values(Some(format!("{} {}", op.method, op.path)), None)
                .effect("the endpoint constant and the client call that uses it are gone")
                .affects(super::item(m, &shouty(&op.key))),
            ),
            Pair::Added(op) => cx.add(
                Change::new(Class::Additive, format!("operations.{}", op.key), format!("operation `{}` added", op.key))
                    .values(None, Some(format!("{} {}", op.method, op.path)))
                    .effect("a new endpoint")
                    .affects(super::item(m, &shouty(&op.key))),
            ),
            Pair::Both(a, b) | Pair::Renamed(a, b) => operation(cx, a, b),
        }
    }
    task(cx, o, n);
    envelope_and_errors(cx, o, n);
    callbacks(cx, o, n);
}

/// The operations of a module, keyed by `Operation::key`.
fn operations(m: &Module) -> Vec<Operation> {
    m.submits.iter().chain(std::iter::once(&m.status)).cloned().collect()
}

fn provider(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let info = super::item(m, "PROVIDER");
    let beh = |key: &str, subject: &str, effect: &str| {
        let item = info.clone();
        let (key, subject, effect) = (key.to_owned(), subject.to_owned(), effect.to_owned());
        move || Change::new(Class::Behaviour, key, subject).effect(effect).affects(item)
    };
    cx.value(&o.provider, &n.provider, beh("provider.name", "provider name", "shown in messages and `PROVIDER.name`"));
    cx.value(&o.family, &n.family, beh("provider.family", "endpoint family", "shown in `PROVIDER.family`"));
    cx.value(
        &o.base_url,
        &n.base_url,
        beh("provider.base_url", "base URL", "every request of the default client goes to the new base URL"),
    );
    cx.value(
        opt_text(o.base_url_env.as_ref()),
        opt_text(n.base_url_env.as_ref()),
        beh(
            "provider.base_url_env",
            "base URL environment variable",
            "`Client::from_env()` and builders without a base URL read the base URL from the new variable (none: always the documented one)",
        ),
    );
    cx.source("provider", &o.base_url_source, &n.base_url_source);
    cx.doc("provider", "module", &o.doc, &n.doc, format!("`happyhorse_client::providers::{}`", cx.module));
    for p in pairs(&o.docs, &n.docs, |d| d.key.clone(), None) {
        let text = |d: &crate::ir::Doc| format!("{} ({}, copy {})", d.url, d.origin, d.copy);
        let (old, new) = match p {
            Pair::Removed(d) => (text(d), "none".to_owned()),
            Pair::Added(d) => ("none".to_owned(), text(d)),
            Pair::Both(a, b) | Pair::Renamed(a, b) => (text(a), text(b)),
        };
        if old != new {
            let key = match p {
                Pair::Removed(d) | Pair::Added(d) | Pair::Both(d, _) | Pair::Renamed(d, _) => format!("docs.{}", d.key),
            };
            cx.out.provenance.push(crate::diff::change::Note { module: cx.module.to_owned(), key, old, new });
        }
    }
    let (a, b) = (&o.auth, &n.auth);
    cx.value(&a.header, &b.header, beh("auth.header", "API key header", "the client sends the key in the new header"));
    cx.value(&a.scheme, &b.scheme, beh("auth.scheme", "auth scheme", "the client sends the key with the new scheme"));
    cx.value(
        &a.env_var,
        &b.env_var,
        beh(
            "auth.env_var",
            "API key environment variable",
            "the client reads the key from the new variable: deployments must set it",
        ),
    );
    cx.source("auth", &a.source, &b.source);
}

fn operation(cx: &mut Cx, a: &Operation, b: &Operation) {
    let m = cx.module;
    let key = format!("operations.{}", a.key);
    let item = super::item(m, &shouty(&b.key));
    let beh = |what: &str, effect: &str| {
        let (k, s, e, i) = (format!("{key}.{what}"), format!("`{}` {what}", b.key), effect.to_owned(), item.clone());
        move || Change::new(Class::Behaviour, k, s).effect(e).affects(i)
    };
    cx.value(&a.method, &b.method, beh("method", "requests use the new HTTP method"));
    cx.value(&a.path, &b.path, beh("path", "requests go to the new path"));
    cx.value(
        opt_text(a.content_type.as_ref()),
        opt_text(b.content_type.as_ref()),
        beh("content_type", "requests carry the new content type"),
    );
    let api = super::item(m, "Api");
    for (what, x, y) in
        [("request", a.request.as_ref(), b.request.as_ref()), ("response", Some(&a.response), Some(&b.response))]
    {
        cx.value(opt_text(x), opt_text(y), || {
            Change::new(Class::Breaking, format!("{key}.{what}"), format!("`{}` {what} type", b.key))
                .effect(format!("the client's {what} type is another Rust type"))
                .affects(api.clone())
        });
    }
    let param = |p: &Option<crate::ir::IdParam>| {
        p.as_ref().map(|p| format!("{} in the {}", p.name, if p.in_query { "query" } else { "path" }))
    };
    cx.value(opt_text(param(&a.id_param)), opt_text(param(&b.id_param)), || {
        Change::new(Class::Behaviour, format!("{key}.params"), format!("`{}` task id parameter", b.key))
            .effect("the task id is sent under the new name or place")
            .affects(item.clone())
    });
    if let (Some(x), Some(y)) = (&a.id_param, &b.id_param) {
        cx.doc(&format!("{key}.params[{}]", y.name), &format!("`{}` parameter", y.name), &x.doc, &y.doc, item.clone());
        cx.source(&format!("{key}.params[{}]", y.name), &x.source, &y.source);
    }
    cx.doc(&key, &format!("operation `{}`", b.key), &a.doc, &b.doc, item);
    cx.source(&key, &a.source, &b.source);
}

/// The task facts: `(spec key, path, accessor)` of each.
fn task_paths(m: &Module) -> Vec<(&'static str, Option<&FieldPath>, String)> {
    let (sub, st) = (&m.submit().response, &m.status.response);
    let t = &m.task;
    vec![
        ("submit_id", Some(&t.submit_id), format!("{sub}::task_id()")),
        ("status_id", Some(&t.status_id), format!("{st}::task_id()")),
        ("state", Some(&t.state), format!("{st}::state()")),
        ("fail_code", t.fail_code.as_ref(), format!("{st}::fail_code()")),
        ("fail_message", t.fail_message.as_ref(), format!("{st}::fail_message()")),
        ("result", t.result.as_ref(), format!("{st}::result()")),
        ("follow", t.follow.as_ref(), format!("{sub}::follow_url()")),
        ("outputs.list", t.outputs.as_ref().map(|o| &o.list), format!("{st}::outputs()")),
    ]
}

fn task(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    for ((key, a, _), (_, b, accessor)) in task_paths(o).into_iter().zip(task_paths(n)) {
        let c = |class, effect: &str| {
            Change::new(class, format!("task.{key}"), format!("task `{key}` path"))
                .effect(effect)
                .affects(super::item(m, &accessor))
        };
        let change = match (a, b) {
            (Some(a), Some(b)) if a.wire == b.wire => continue,
            (None, None) => continue,
            (Some(_), Some(_)) => c(Class::Behaviour, "the client reads this task fact at the new path"),
            (None, Some(_)) => c(Class::Additive, "a new task fact and its accessor"),
            (Some(_), None) => c(Class::Breaking, "the task fact and its accessor are gone"),
        };
        cx.add(change.values(a.map(|p| p.wire.clone()), b.map(|p| p.wire.clone())));
    }
    let item = |o: &crate::ir::OutputItem| {
        format!("url `{}`{}", o.url, o.kind.as_ref().map_or(String::new(), |(k, _, _)| format!(", type `{k}`")))
    };
    let (oa, ob) = (o.task.outputs.as_ref(), n.task.outputs.as_ref());
    let outputs = super::item(m, &format!("{}::outputs()", n.status.response));
    cx.value(
        opt_text(oa.and_then(|x| x.item.as_ref()).map(item)),
        opt_text(ob.and_then(|x| x.item.as_ref()).map(item)),
        || {
            Change::new(Class::Behaviour, "task.outputs", "task output fields")
                .effect("`outputs()` reads the URL and type from the new fields")
                .affects(outputs.clone())
        },
    );
    cx.source_opt("task.outputs", oa.map(|x| &x.source), ob.map(|x| &x.source));
    let modes = |m: &Module| m.modes.union.as_ref().map(|u| u.wire.clone());
    cx.value(opt_text(modes(o)), opt_text(modes(n)), || {
        Change::new(Class::Behaviour, "task.mode", "mode selector path")
            .effect("the mode (polling, formulas) is read from the new request field")
            .affects(super::item(m, "SubmitRequest::mode()"))
    });
    cx.decision("task", "task model", &o.task.decision, &n.task.decision, super::item(m, &n.status.response));
    cx.source("task", &o.task.source, &n.task.source);
}

fn envelope_and_errors(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let env = |what: &str, effect: &str| {
        let (k, s, e, i) =
            (format!("envelope.{what}"), format!("envelope `{what}`"), effect.to_owned(), super::item(m, "PROVIDER"));
        move || Change::new(Class::Behaviour, k, s).effect(e).affects(i)
    };
    let text = |e: &crate::ir::Envelope| format!("`{}` (success {}), `{}`", e.code, e.success_code, e.message);
    match (&o.envelope, &n.envelope) {
        (None, None) => {}
        (None, Some(b)) => cx.add(
            Change::new(Class::Behaviour, "envelope", "answer envelope")
                .values(None, Some(text(b)))
                .effect("a 2xx answer whose envelope code is not the success code is an error")
                .affects(super::item(m, "PROVIDER")),
        ),
        (Some(a), None) => cx.add(
            Change::new(Class::Behaviour, "envelope", "answer envelope")
                .values(Some(text(a)), None)
                .effect("answers have no envelope: success is the HTTP status alone")
                .affects(super::item(m, "PROVIDER")),
        ),
        (Some(a), Some(b)) => {
            cx.value(&a.code, &b.code, env("code", "the client reads the envelope code from the new field"));
            cx.value(
                &a.message,
                &b.message,
                env("message", "the client reads the envelope message from the new field"),
            );
            cx.value(
                a.success_code,
                b.success_code,
                env("success_code", "answers are successful only with the new code; any other code is an error"),
            );
            cx.source("envelope", &a.source, &b.source);
        }
    }

    let (a, b) = (&o.errors, &n.errors);
    let body = super::item(m, &b.body);
    let err = |what: &str, effect: &str| {
        let (k, s, e, i) = (format!("errors.{what}"), format!("error `{what}`"), effect.to_owned(), body.clone());
        move || Change::new(Class::Behaviour, k, s).effect(e).affects(i)
    };
    cx.value(&a.body, &b.body, err("body", "error answers decode as the new type"));
    cx.value(&a.code.wire, &b.code.wire, err("code", "`api_code()` reads the new field"));
    cx.value(&a.message.wire, &b.message.wire, err("message", "`api_message()` reads the new field"));
    let cat = |c: &Option<(String, String)>| c.as_ref().map(|(t, s)| format!("{t} before \"{s}\""));
    let class = match (&a.category, &b.category) {
        (None, Some(_)) => Class::Additive,
        (Some(_), None) => Class::Breaking,
        _ => Class::Behaviour,
    };
    cx.value(opt_text(cat(&a.category)), opt_text(cat(&b.category)), || {
        Change::new(class, "errors.category", "error message category")
            .effect("`category()` splits error messages by the new rule (added or removed with it)")
            .affects(super::item(m, &format!("{}::category()", b.body)))
    });
    cx.source("errors", &a.source, &b.source);
}

fn callbacks(cx: &mut Cx, o: &Module, n: &Module) {
    let m = cx.module;
    let item = super::item(m, "CALLBACKS");
    let text = |c: &crate::ir::Callbacks| format!("{} to the callback URL, payload {}", c.method, c.payload);
    match (&o.callbacks, &n.callbacks) {
        (None, None) => {}
        (None, Some(b)) => cx.add(
            Change::new(Class::Additive, "callbacks", "webhooks")
                .values(None, Some(text(b)))
                .effect("webhook delivery is documented: new `CALLBACKS` and `parse_callback`")
                .affects(item),
        ),
        (Some(a), None) => cx.add(
            Change::new(Class::Breaking, "callbacks", "webhooks")
                .values(Some(text(a)), None)
                .effect("`CALLBACKS` and `parse_callback` are gone")
                .affects(item),
        ),
        (Some(a), Some(b)) => {
            cx.value(&a.payload, &b.payload, || {
                Change::new(Class::Breaking, "callbacks.payload", "webhook payload type")
                    .effect("`parse_callback` returns another type")
                    .affects(super::item(m, "parse_callback"))
            });
            let beh = |what: &str, effect: &str| {
                let (k, s, e, i) =
                    (format!("callbacks.{what}"), format!("webhook `{what}`"), effect.to_owned(), item.clone());
                move || Change::new(Class::Behaviour, k, s).effect(e).affects(i)
            };
            cx.value(&a.method, &b.method, beh("method", "webhooks arrive with the new method"));
            let ack =
                |c: &crate::ir::Callbacks| if c.ack_any_2xx { "any 2xx".to_owned() } else { c.ack_status.to_string() };
            cx.value(ack(a), ack(b), beh("ack_status", "receivers must answer with the new status"));
            let schedule = |c: &crate::ir::Callbacks| {
                c.retry_schedule_s.iter().map(|s| format!("{s} s")).collect::<Vec<_>>().join(", ")
            };
            cx.value(
                opt_text((!a.retry_schedule_s.is_empty()).then(|| schedule(a))),
                opt_text((!b.retry_schedule_s.is_empty()).then(|| schedule(b))),
                beh("retry_schedule_s", "redeliveries arrive on the new schedule"),
            );
            cx.value(
                a.ack_within_s,
                b.ack_within_s,
                beh("ack_within_s", "receivers must answer within the new time (seconds)"),
            );
            cx.value(
                a.max_redeliveries,
                b.max_redeliveries,
                beh("max_redeliveries", "one task may arrive this many more times: deduplicate by task id"),
            );
            cx.source("callbacks", &a.source, &b.source);
        }
    }
}
