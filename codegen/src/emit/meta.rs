//! Provider facts as constants (provider, endpoints, HTTP status table, polling guidance,
//! callback rules) and accessors to the task facts inside responses (task id, state,
//! failure, result, envelope, error body parts).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{decision, lines, source};
use super::{ident, int, rt, shouty, ty_tokens};
use crate::ir::{FieldPath, Module, RetryAdvice, Ty};

pub(super) fn provider(m: &Module) -> TokenStream {
    let rt = rt();
    let (name, family, base, header, env) = (&m.provider, &m.family, &m.base_url, &m.auth.header, &m.auth.env_var);
    let (file, sha) = (&m.spec_file, &m.spec_sha256);
    let module_name = &m.module;
    let env_line = match &m.base_url_env {
        Some(var) => format!(
            "\n- Base URL override: `{var}` ([`base_url_env`](::happyhorse_client::runtime::ProviderInfo::base_url_env)).{}",
            super::docs::then_decision(m.provider_decision.as_ref(), " ")
        ),
        None => String::new(),
    };
    let envelope_line = match &m.envelope {
        Some(e) => format!(
            "Envelope `{}`/`{}`, success code {}. {}{}",
            e.code,
            e.message,
            e.success_code,
            source(&e.source),
            super::docs::then_decision(e.decision.as_ref(), " ")
        ),
        None => {
            "No envelope: answers carry their fields at the top level, and success is the HTTP status alone.".to_owned()
        }
    };
    let auth_decision = super::docs::then_decision(m.auth.decision.as_ref(), " ");
    let pdoc = lines(&format!(
        "{name} {family}: base URL, authentication and the spec this module was generated from.\n\n- Base URL. {}{env_line}\n- Authentication. {}{auth_decision}\n- {envelope_line}",
        source(&m.base_url_source),
        source(&m.auth.source),
    ));
    let envelope = match &m.envelope {
        Some(e) => {
            let (c, msg, ok) = (&e.code, &e.message, int(e.success_code));
            quote!(Some(#rt::Envelope { code: #c, message: #msg, success_code: #ok }))
        }
        None => quote!(None),
    };
    let base_env = match &m.base_url_env {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let ops: Vec<&crate::ir::Operation> = m.submits.iter().chain(std::iter::once(&m.status)).collect();
    let endpoints = ops.iter().map(|op| {
        let cname = shouty(&op.key);
        let (key, method, path) = (&op.key, &op.method, &op.path);
        let ct = match &op.content_type {
            Some(c) => quote!(Some(#c)),
            None => quote!(None),
        };
        let id = match &op.id_param {
            Some(p) if p.in_query => {
                let n = &p.name;
                quote!(Some(#rt::IdParam::Query(#n)))
            }
            Some(p) => {
                let n = &p.name;
                quote!(Some(#rt::IdParam::Path(#n)))
            }
            None => quote!(None),
        };
        let creates = m.submits.iter().any(|s| std::ptr::eq(*op, s));
        let mut decided = super::docs::then_decision(op.decision.as_ref(), "\n- ");
        if let Some(p) = &op.id_param {
            let place = if p.in_query { "query parameter" } else { "path parameter" };
            decided.push_str(&format!("\n- Task id: {place} `{}`. {}", p.name, source(&p.source)));
            if let Some(d) = &p.decision {
                decided.push_str(&format!(" {}", decision(d)));
            }
        }
        let doc = lines(&format!("`{method} {path}`: {}\n\n- {}{decided}", op.doc, source(&op.source)));
        quote! {
            #doc
            pub const #cname: #rt::Endpoint = #rt::Endpoint {
                key: #key,
                method: #method,
                path: #path,
                content_type: #ct,
                id_param: #id,
                creates_task: #creates,
            };
        }
    });
    let statuses = m.statuses.iter().map(|s| {
        let (status, meaning, action, rejected) = (int(s.status), &s.meaning, &s.action, s.rejected);
        let retry = match s.retry {
            RetryAdvice::Never => quote!(#rt::RetryAdvice::Never),
            RetryAdvice::Backoff => quote!(#rt::RetryAdvice::Backoff),
        };
        let max = match s.max_retries {
            Some(n) => {
                let n = int(n);
                quote!(Some(#n))
            }
            None => quote!(None),
        };
        quote!(#rt::StatusRule { status: #status, meaning: #meaning, action: #action, retry: #retry, max_retries: #max, rejected: #rejected })
    });
    let status_doc = lines(&format!(
        "The documented HTTP status table, by status. `rejected`: the answer proves no task was created, so a submit may be sent again.\n\n{}\n- Any other status: {}",
        m.statuses
            .iter()
            .map(|s| {
                let mut line = format!("- {}: {}. {}", s.status, s.meaning, source(&s.source));
                if let Some(d) = &s.decision {
                    line.push_str(&format!(" {}", super::docs::decision(d)));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n"),
        unlisted_text(m)
    ));
    let unlisted = m.unlisted_statuses.rejected;
    let unlisted_doc = lines(&format!(
        "Whether an HTTP status that [`HTTP_STATUSES`] does not list proves a submit was not accepted: {}",
        unlisted_text(m)
    ));
    let paths = |wire: &str| {
        let parts = wire.split('.');
        quote!(&[#(#parts),*])
    };
    let submit_id = paths(&m.task.submit_id.wire);
    let follow = match &m.task.follow {
        Some(f) => {
            let p = paths(&f.wire);
            quote!(Some(#p))
        }
        None => quote!(None),
    };
    let paths_doc = lines(&format!(
        "Where the task id (`{}`) is in a submit answer, read before the rest of the answer is decoded so a paid task's id is never lost to an answer that differs elsewhere from the docs.",
        m.task.submit_id.wire
    ));
    let polling = m.modes.modes.iter().map(|md| {
        let p = &md.polling;
        let (mode, first, lo, hi) = (&md.tag, int(p.first_poll_s), int(p.interval_min_s), int(p.interval_max_s));
        quote!(#rt::PollingGuidance {
            mode: #mode,
            first_poll: ::std::time::Duration::from_secs(#first),
            interval_min: ::std::time::Duration::from_secs(#lo),
            interval_max: ::std::time::Duration::from_secs(#hi),
        })
    });
    let polling_doc = lines(&format!(
        "The documented polling guidance per mode: first poll after task creation, then the interval.\n\n{}",
        m.modes
            .modes
            .iter()
            .map(|md| {
                let p = &md.polling;
                let mut line = format!(
                    "- `{}`: first poll after {} s, then every {} s. {}",
                    md.tag,
                    p.first_poll_s,
                    interval_text(p.interval_min_s, p.interval_max_s),
                    source(&p.source)
                );
                if let Some(d) = &p.decision {
                    line.push_str(&format!(" {}", super::docs::decision(d)));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    ));
    let callbacks = m.callbacks.as_ref().map(|c| {
        let (method, ack, within, redeliveries) = (&c.method, int(c.ack_status), int(c.ack_within_s), int(c.max_redeliveries));
        let any_2xx = c.ack_any_2xx;
        let schedule = c.retry_schedule_s.iter().map(|s| {
            let s = int(*s);
            quote!(::std::time::Duration::from_secs(#s))
        });
        let payload = ident(&c.payload);
        let answer = if c.ack_any_2xx { "any 2xx status".to_owned() } else { c.ack_status.to_string() };
        let when = if c.retry_schedule_s.is_empty() {
            String::new()
        } else {
            format!(
                " after {}",
                c.retry_schedule_s.iter().map(|s| format!("{s} s")).collect::<Vec<_>>().join(", ")
            )
        };
        let decided = super::docs::then_decision(c.decision.as_ref(), "\n- ");
        let doc = lines(&format!(
            "Webhook delivery (callback mode): {method} to the callback URL; the receiver must answer {answer} within {within} s, else delivery is retried up to {} times{when}, so one task can arrive more than once.\n\n- {}{decided}",
            c.max_redeliveries,
            source(&c.source)
        ));
        let parse_doc = lines(&format!("Decodes a webhook body; it has the shape of [`{}`].", c.payload));
        let url_field = match &c.url_field {
            Some(f) => quote!(Some(#f)),
            None => quote!(None),
        };
        quote! {
            #doc
            pub const CALLBACKS: #rt::CallbackRules = #rt::CallbackRules {
                method: #method,
                ack_status: #ack,
                ack_any_2xx: #any_2xx,
                ack_within: ::std::time::Duration::from_secs(#within),
                max_redeliveries: #redeliveries,
                retry_schedule: &[#(#schedule),*],
                url_field: #url_field,
            };

            #parse_doc
            pub fn parse_callback(body: &[u8]) -> Result<#payload, #rt::DecodeError> {
                #payload::from_json_slice(body)
            }
        }
    });
    let submit_consts = m.submits.iter().map(|op| shouty(&op.key));
    let submits_doc = lines(&format!(
        "The operations that create a task ({}), for the runtime client.",
        m.submits.iter().map(|o| format!("[`{}`]", super::shouty(&o.key))).collect::<Vec<_>>().join(", ")
    ));
    let mode_enum = mode_enum(m);
    let mode_methods = m
        .submits
        .iter()
        .filter_map(|op| {
            let req = ident(op.request.as_deref()?);
            let own_mode = m.modes.modes.iter().position(|md| md.operation == op.key);
            let (polling_body, mode_body) = match &m.modes.union {
                Some(u) => {
                    let scrutinee = super::mode_scrutinee(u);
                    let un = ident(&u.union);
                    let parms = m.modes.modes.iter().enumerate().map(|(i, md)| {
                        let i = int(i as i128);
                        let vn = ident(md.variant.as_deref().unwrap_or_default());
                        quote!(#un::#vn(..) => POLLING[#i])
                    });
                    let un2 = un.clone();
                    let marms = m.modes.modes.iter().map(|md| {
                        let vn = ident(md.variant.as_deref().unwrap_or_default());
                        let t = &md.tag;
                        quote!(#un2::#vn(..) => #t)
                    });
                    (quote!(match #scrutinee { #(#parms,)* }), quote!(match #scrutinee { #(#marms,)* }))
                }
                None => {
                    let i = own_mode.unwrap_or(0);
                    let t = &m.modes.modes.get(i).map(|md| md.tag.clone()).unwrap_or_default();
                    let i = int(i as i128);
                    (quote!(POLLING[#i]), quote!(#t))
                }
            };
            let pdoc = lines("The documented polling guidance for this request's mode.");
            let mdoc = lines(&match (&m.modes.union, own_mode.and_then(|i| m.modes.modes.get(i))) {
                (Some(u), _) => format!("The mode (`{}`) of this request.", u.wire),
                (None, Some(md)) if m.submits.len() > 1 => {
                    format!("The mode of this request: `{}`, one mode per submit operation.", md.tag)
                }
                _ => "The mode of this request (this endpoint has one, `default`).".to_owned(),
            });
            let key = &op.key;
            let odoc = lines(&format!("The submit operation that sends this request: `{key}`."));
            Some(quote! {
                impl #req {
                    #pdoc
                    pub fn polling(&self) -> #rt::PollingGuidance { #polling_body }

                    #mdoc
                    pub fn mode(&self) -> &'static str { #mode_body }

                    #odoc
                    pub fn operation(&self) -> &'static str { #key }
                }
            })
        })
        .collect::<Vec<_>>();
    quote! {
        #pdoc
        pub const PROVIDER: #rt::ProviderInfo = #rt::ProviderInfo {
                        name: #name,
            module: #module_name,
            family: #family,
            base_url: #base,
            base_url_env: #base_env,
            auth_header: #header,
            api_key_env: #env,
            envelope: #envelope,
            spec_file: #file,
            spec_sha256: #sha,
        };

        #(#endpoints)*

        #submits_doc
        pub const SUBMITS: &[#rt::Endpoint] = &[#(#submit_consts),*];

        #status_doc
        pub const HTTP_STATUSES: &[#rt::StatusRule] = &[#(#statuses),*];

        /// The documented row for an HTTP status, if the table lists it.
        pub fn http_status(status: u16) -> Option<&'static #rt::StatusRule> {
            HTTP_STATUSES.iter().find(|r| r.status == status)
        }

        #unlisted_doc
        pub const UNLISTED_STATUS_REJECTED: bool = #unlisted;

        #paths_doc
        pub const TASK_PATHS: #rt::TaskPaths = #rt::TaskPaths { submit_id: #submit_id, follow: #follow };

        #polling_doc
        pub const POLLING: &[#rt::PollingGuidance] = &[#(#polling),*];

        #mode_enum

        #(#mode_methods)*
        #callbacks
    }
}

/// An accessor method reading a field path: `&T`, `&str`, `i64`, or their `Option`s.
fn accessor(name: &str, doc: &str, fp: &FieldPath) -> TokenStream {
    let fname = format_ident!("{}", name);
    let doc = lines(doc);
    let n = fp.steps.len();
    // `Place(expr)`: a place of type T; `Opt(expr)`: an expression of type Option<&T>.
    enum Acc {
        Place(TokenStream),
        Opt(TokenStream),
    }
    let mut acc = Acc::Place(quote!(self));
    let mut done: Option<(TokenStream, TokenStream)> = None;
    for (i, (step, optional)) in fp.steps.iter().enumerate() {
        let s = ident(step);
        let last = i + 1 == n;
        if last && *optional {
            // Finish with the idiomatic form for the final type.
            done = Some(match (&acc, &fp.ty) {
                (Acc::Place(p), Ty::String) => (quote!(Option<&str>), quote!(#p.#s.as_deref())),
                (Acc::Opt(e), Ty::String) => (quote!(Option<&str>), quote!(#e.and_then(|v| v.#s.as_deref()))),
                (Acc::Place(p), Ty::Integer) => (quote!(Option<i64>), quote!(#p.#s)),
                (Acc::Opt(e), Ty::Integer) => (quote!(Option<i64>), quote!(#e.and_then(|v| v.#s))),
                (Acc::Place(p), t) => {
                    let t = ty_tokens(t);
                    (quote!(Option<&#t>), quote!(#p.#s.as_ref()))
                }
                (Acc::Opt(e), t) => {
                    let t = ty_tokens(t);
                    (quote!(Option<&#t>), quote!(#e.and_then(|v| v.#s.as_ref())))
                }
            });
            break;
        }
        acc = match (acc, optional) {
            (Acc::Place(p), false) => Acc::Place(quote!(#p.#s)),
            (Acc::Place(p), true) => Acc::Opt(quote!(#p.#s.as_ref())),
            (Acc::Opt(e), false) => Acc::Opt(quote!(#e.map(|v| &v.#s))),
            (Acc::Opt(e), true) => Acc::Opt(quote!(#e.and_then(|v| v.#s.as_ref()))),
        };
    }
    let (ret, body) = done.unwrap_or_else(|| match (acc, &fp.ty) {
        (Acc::Place(p), Ty::String) => (quote!(&str), quote!(&#p)),
        (Acc::Place(p), Ty::Integer) => (quote!(i64), quote!(#p)),
        (Acc::Place(p), t) => {
            let t = ty_tokens(t);
            (quote!(&#t), quote!(&#p))
        }
        (Acc::Opt(e), Ty::String) => (quote!(Option<&str>), quote!(#e.map(String::as_str))),
        (Acc::Opt(e), Ty::Integer) => (quote!(Option<i64>), quote!(#e.copied())),
        (Acc::Opt(e), t) => {
            let t = ty_tokens(t);
            (quote!(Option<&#t>), quote!(#e))
        }
    });
    quote! {
        #doc
        pub fn #fname(&self) -> #ret { #body }
    }
}

/// A response-root field path (envelope `code`/`message` sit at the root).
fn root_path(m: &Module, root: &str, wire: &str) -> Option<FieldPath> {
    let s = m.types.iter().find_map(|t| match t {
        crate::ir::TypeDef::Struct(s) if s.name == root => Some(s),
        _ => None,
    })?;
    let f = s.fields.iter().find(|f| f.wire == wire)?;
    Some(FieldPath { wire: wire.to_owned(), steps: vec![(f.rust.clone(), !f.required)], ty: f.ty.clone() })
}

pub(super) fn task_accessors(m: &Module) -> TokenStream {
    let rt = rt();
    let t = &m.task;
    let envelope = |root: &str| -> Vec<TokenStream> {
        let mut out = Vec::new();
        let Some(e) = &m.envelope else { return out };
        if let Some(fp) = root_path(m, root, &e.code) {
            out.push(accessor(
                "envelope_code",
                &format!("The envelope `{}` (success is {}).", e.code, e.success_code),
                &fp,
            ));
        }
        if let Some(fp) = root_path(m, root, &e.message) {
            out.push(accessor("envelope_message", &format!("The envelope `{}`.", e.message), &fp));
        }
        out
    };
    let submit = ident(&m.submit().response);
    // One type may answer both operations (no envelope, the task at the top level): its
    // task id accessor is the status one (the lowering checks both paths are the same).
    let shared = m.submit().response == m.status.response;
    let mut submit_methods = Vec::new();
    if !shared {
        submit_methods.push(accessor("task_id", &format!("The task id (`{}`).", t.submit_id.wire), &t.submit_id));
    }
    if let Some(f) = &t.follow {
        submit_methods.push(accessor("follow_url", &format!("The absolute URL to query the task with (`{}`), when given. Only follow it on the configured base URL's origin.", f.wire), f));
    }
    submit_methods.extend(envelope(&m.submit().response));

    let status = ident(&m.status.response);
    let state_path = &t.state;
    let mut status_methods = vec![
        accessor("task_id", &format!("The task id (`{}`).", t.status_id.wire), &t.status_id),
        accessor("state", &format!("The task state (`{}`).", state_path.wire), state_path),
    ];
    let state_call = {
        let steps = state_path.steps.iter().map(|(s, _)| ident(s));
        quote!(self.#(#steps).*.phase())
    };
    status_methods.push(quote! {
        /// Pending (keep polling), succeeded or failed.
        pub fn phase(&self) -> #rt::TaskPhase { #state_call }
    });
    if let Some(f) = &t.fail_code {
        status_methods.push(accessor(
            "fail_code",
            &format!("The failure code (`{}`), when the task failed.", f.wire),
            f,
        ));
    }
    if let Some(f) = &t.fail_message {
        status_methods.push(accessor(
            "fail_message",
            &format!("The failure message (`{}`), when the task failed.", f.wire),
            f,
        ));
    }
    if let Some(f) = &t.result {
        status_methods.push(accessor("result", &format!("The result (`{}`), once the task succeeded.", f.wire), f));
    }
    if m.status.response != m.submit().response {
        status_methods.extend(envelope(&m.status.response));
    }

    let e = &m.errors;
    let body = ident(&e.body);
    let mut error_methods = vec![
        accessor(
            "api_code",
            &format!(
                "The provider's error code (`{}`){}.{}",
                e.code.wire,
                if e.code.ty == Ty::String { ", a text" } else { "" },
                super::docs::then_decision(e.decision.as_ref(), " ")
            ),
            &e.code,
        ),
        accessor("api_message", &format!("The provider's error message (`{}`).", e.message.wire), &e.message),
    ];
    if let Some((cat, sep)) = &e.category {
        let cat_i = ident(cat);
        error_methods.push(quote! {
            /// The message split into its category and detail (`<Category>: <detail>`);
            /// `None` when the message is absent or has no separator.
            pub fn category(&self) -> Option<(#cat_i, &str)> {
                let (category, detail) = self.api_message()?.split_once(#sep)?;
                Some((#cat_i::from_wire(category), detail))
            }
        });
    }
    let state_doc = lines(&format!("Task facts of [`{}`] ({}).", m.status.response, source(&t.source)));
    quote! {
        impl #submit { #(#submit_methods)* }

        #state_doc
        impl #status { #(#status_methods)* }

        impl #body { #(#error_methods)* }
    }
}

/// The fallback for unlisted statuses, in words.
fn unlisted_text(m: &Module) -> String {
    let u = &m.unlisted_statuses;
    let mut t = if u.rejected {
        "the submit was not accepted (a resubmit is safe).".to_owned()
    } else {
        "the submit's outcome is unknown (never resent automatically).".to_owned()
    };
    if let Some(s) = &u.source {
        t.push_str(&format!(" {}", source(s)));
    }
    if let Some(d) = &u.decision {
        t.push_str(&format!(" {}", super::docs::decision(d)));
    }
    t
}

/// The `Mode` enum: one variant per task mode, with its wire tag and polling guidance, for
/// resuming a stored task (`Task::resume(id, Mode::VideoEdit)`).
fn mode_enum(m: &Module) -> TokenStream {
    let rt = rt();
    let names: Vec<proc_macro2::Ident> =
        m.modes.modes.iter().map(|md| ident(md.variant.as_deref().unwrap_or("Default"))).collect();
    let docs = m.modes.modes.iter().map(|md| lines(&format!("`{}`.", md.tag)));
    let tags: Vec<&String> = m.modes.modes.iter().map(|md| &md.tag).collect();
    let idx = (0..names.len()).map(|i| int(i as i128));
    let (n1, n2, n3, n4, n5) = (names.iter(), names.iter(), names.iter(), names.iter(), names.iter());
    let (t1, t2) = (tags.iter(), tags.iter());
    let doc = lines(&format!(
        "The task modes of {} {}, to resume a stored task with its documented polling guidance (`Task::resume(id, Mode::...)`).",
        m.provider, m.family
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Mode { #(#docs #n1,)* }

        impl Mode {
            /// Every mode, in spec order.
            pub const ALL: &'static [Mode] = &[#(Mode::#n2),*];

            /// The mode's wire tag.
            pub fn tag(self) -> &'static str {
                match self { #(Mode::#n3 => #t1,)* }
            }

            /// The mode of a wire tag, if it is one.
            pub fn from_tag(tag: &str) -> Option<Mode> {
                match tag { #(#t2 => Some(Mode::#n4),)* _ => None }
            }

            /// The documented polling guidance of the mode.
            pub fn polling(self) -> #rt::PollingGuidance {
                match self { #(Mode::#n5 => POLLING[#idx],)* }
            }
        }

        impl #rt::provider::TaskMode for Mode {
            fn tag(&self) -> &'static str { Mode::tag(*self) }
            fn polling(&self) -> #rt::PollingGuidance { Mode::polling(*self) }
        }
    }
}

/// `10` or `10-15`.
fn interval_text(lo: u32, hi: u32) -> String {
    if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }
}
