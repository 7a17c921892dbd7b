//! The module's `Api` type for the generic runtime client, the trait impls that give the
//! runtime its view of requests and answers (`SubmitBody` from the runtime's
//! `submit_body!`), `outputs()`, and `pub type Client`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::lines;
use super::{ident, rt};
use crate::ir::{FieldPath, Module, Ty};

/// An expression of type `Option<&T>` reading a field path from `self`.
fn opt_ref(fp: &FieldPath) -> TokenStream {
    let mut place: Option<TokenStream> = Some(quote!(self));
    let mut opt: Option<TokenStream> = None;
    for (step, optional) in &fp.steps {
        let s = ident(step);
        match (place.take(), opt.take(), optional) {
            (Some(p), _, false) => place = Some(quote!(#p.#s)),
            (Some(p), _, true) => opt = Some(quote!(#p.#s.as_ref())),
            (None, Some(e), false) => opt = Some(quote!(#e.map(|v| &v.#s))),
            (None, Some(e), true) => opt = Some(quote!(#e.and_then(|v| v.#s.as_ref()))),
            (None, None, _) => return quote!(None),
        }
    }
    match (place, opt) {
        (Some(p), _) => quote!(Some(&#p)),
        (None, Some(e)) => e,
        (None, None) => quote!(None),
    }
}

pub(super) fn all(m: &Module) -> TokenStream {
    let rt = rt();
    if m.submits.iter().any(|s| s.request.is_none()) {
        return quote!();
    }
    // One submit operation: its request type is the provider's request. Several: a
    // generated `Request` enum, one variant per operation.
    let (request, request_enum) = if m.submits.len() == 1 {
        (ident(m.submit().request.as_deref().unwrap_or_default()), op_from_json_for(m, m.submit()))
    } else {
        (ident("Request"), request_enum(m))
    };
    let submitted = ident(&m.submit().response);
    let status = ident(&m.status.response);
    let error = ident(&m.errors.body);
    let t = &m.task;

    let outputs_fn = t.outputs.as_ref().map(|o| {
        let list = opt_ref(&o.list);
                let filtered = o.item.as_ref().is_some_and(|it| it.url_optional);
        let item = match &o.item {
            None => quote!(#rt::provider::Output { url: item.clone(), kind: None }),
            Some(it) => {
                let url = ident(&it.url);
                let url = if it.url_optional { quote!(item.#url.clone()?) } else { quote!(item.#url.clone()) };
                let kind = match &it.kind {
                    None => quote!(None),
                                        // Strings and enums both have `as_str()`.
                    Some((k, optional, _)) => {
                        let k = ident(k);
                        if *optional {
                            quote!(item.#k.as_ref().map(|v| ToString::to_string(v.as_str())))
                        } else {
                            quote!(Some(ToString::to_string(item.#k.as_str())))
                        }
                    }
                };
                                let output = quote!(#rt::provider::Output { url: #url, kind: #kind });
                if filtered { quote!(Some(#output)) } else { output }
            }
        };
        let map = if filtered { quote!(filter_map) } else { quote!(map) };
        let doc = lines(&format!(
            "The produced files (`{}`), once the task succeeded; empty before. The URLs expire: download promptly.\n\n- {}",
            o.list.wire,
            [super::docs::source(&o.source)]
                .into_iter()
                .chain(o.decision.as_ref().map(super::docs::decision))
                .collect::<Vec<_>>()
                .join("\n- ")
        ));
        quote! {
            impl #status {
                #doc
                pub fn outputs(&self) -> Vec<#rt::provider::Output> {
                    #list.map(|list| list.iter().#map(|item| #item).collect()).unwrap_or_default()
                }
            }
        }
    });
    let outputs_call = if t.outputs.is_some() { quote!(#status::outputs(self)) } else { quote!(Vec::new()) };
    let failure = {
        let message = match &t.fail_message {
            Some(_) => quote!(#status::fail_message(self).map(ToString::to_string)),
            None => quote!(None),
        };
        let (code, retry) = match &t.fail_code {
            Some(_) => (
                quote!(#status::fail_code(self).map(|c| ToString::to_string(c.as_str()))),
                quote!(#status::fail_code(self).is_some_and(|c| c.retry_may_help())),
            ),
            // No documented failure codes: nothing says a retry can help.
            None => (quote!(None), quote!(false)),
        };
        quote! {
            if self.phase() != #rt::TaskPhase::Failed {
                return None;
            }
            Some(#rt::provider::Failure { code: #code, message: #message, retry_may_help: #retry })
        }
    };
    let follow = t.follow.as_ref().map(|_| {
        quote! {
            fn follow_url(&self) -> Option<&str> { #submitted::follow_url(self) }
        }
    });
    let state_text = match &t.state.ty {
        Ty::Enum(_) => quote!(#status::state(self).as_str()),
        _ => quote!(#status::state(self)),
    };
    let callbacks = m.callbacks.as_ref().map(|c| {
        let payload = ident(&c.payload);
        quote! {
            impl #rt::provider::CallbackProvider for Api {
                type Payload = #payload;
                const CALLBACKS: #rt::CallbackRules = CALLBACKS;
            }
        }
    });
    let api_doc = lines(&format!(
        "{} {} for the generic runtime client: the endpoints, the status table and the views of requests and answers.",
        m.provider, m.family
    ));
    let reads = match &m.base_url_env {
        Some(var) => format!("reads the key from `{}` and, when set, the base URL from `{var}`", m.auth.env_var),
        None => format!("reads the key from `{}`", m.auth.env_var),
    };
    let client_doc = lines(&format!(
        "A client for {} {}: `submit` (validates first, never sends an invalid request, never retries once the request may have reached the provider), `status`, `wait` (follows the documented polling guidance) and `download`. Build it with `Client::from_env()` ({reads}) or `Client::builder()`.",
        m.provider, m.family
    ));
    // The cost from billing inputs given by name, for the object-safe views.
    let estimate_with = m.billing.as_ref().filter(|_| m.submits.len() == 1).map(|b| {
        let sets = b.inputs.iter().map(|i| {
            let (n, f) = (&i.name, ident(&i.name));
            quote!(if *name == #n { billing.#f = Some(*value); })
        });
        let (inputs, fill) = if b.inputs.is_empty() {
            // Nothing the request lacks: the price comes from the request alone.
            (quote!(_inputs), quote!())
        } else {
            (quote!(inputs), quote!(for (name, value) in inputs { #(#sets)* }))
        };
        let mutable = if b.inputs.is_empty() { quote!() } else { quote!(mut) };
        quote! {
            impl #request {
                /// [`Self::estimate_cost`] with the billing inputs given by name (unknown names are ignored).
                pub fn estimate_with(&self, #inputs: &[(&str, #rt::Decimal)]) -> Option<Result<#rt::CostEstimate, #rt::BillingError>> {
                    let #mutable billing = BillingInputs::default();
                    #fill
                    Some(#request::estimate_cost(self, &billing))
                }
            }
        }
    });
    let mut submit_bodies = vec![submit_body(&request, estimate_with.is_some())];
    submit_bodies.extend(estimate_with);
    if m.submits.len() > 1 {
        submit_bodies
            .extend(m.submits.iter().filter_map(|o| o.request.as_deref()).map(|r| submit_body(&ident(r), false)));
    }
    let submit_bodies = quote!(#(#submit_bodies)*);
    let outputs_documented = t.outputs.is_some();
    let callback_url_field = match m.callbacks.as_ref().and_then(|c| c.url_field.as_ref()) {
        Some(f) => quote!(Some(#f)),
        None => quote!(None),
    };
    let state_documented = match &t.state.ty {
        Ty::Enum(e) => {
            let fallback = m.types.iter().find_map(|td| match td {
                crate::ir::TypeDef::Enum(en) if en.name == *e && en.open() => Some(ident(&en.fallback)),
                _ => None,
            });
            let en = ident(e);
            match fallback {
                Some(f) => quote!(!::std::matches!(#status::state(self), #en::#f(_))),
                None => quote!(true),
            }
        }
        _ => quote!(true),
    };
    // With an envelope, the answers' envelope code and message; without, the traits'
    // defaults (none).
    let envelope = |ty: &proc_macro2::Ident| match &m.envelope {
        Some(_) => quote! {
            fn envelope_code(&self) -> Option<i64> { Some(#ty::envelope_code(self)) }
            fn envelope_message(&self) -> Option<&str> { #ty::envelope_message(self) }
        },
        None => quote!(),
    };
    let (sub_envelope, st_envelope) = (envelope(&submitted), envelope(&status));
    let error_code = match &m.errors.code.ty {
        Ty::String => {
            quote!(#error::api_code(self).map(|c| #rt::ErrorCode::Text(ToString::to_string(c))))
        }
        _ => quote!(#error::api_code(self).map(#rt::ErrorCode::Number)),
    };
    quote! {
        #api_doc
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct Api;

        impl #rt::provider::Provider for Api {
            type Request = #request;
            type Submitted = #submitted;
            type Status = #status;
            type ErrorBody = #error;
            const INFO: #rt::ProviderInfo = PROVIDER;
            const SUBMITS: &'static [#rt::Endpoint] = SUBMITS;
            const STATUS: #rt::Endpoint = STATUS;
            const HTTP_STATUSES: &'static [#rt::StatusRule] = HTTP_STATUSES;
            const UNLISTED_STATUS_REJECTED: bool = UNLISTED_STATUS_REJECTED;
            const POLLING: &'static [#rt::PollingGuidance] = POLLING;
            const TASK_PATHS: #rt::TaskPaths = TASK_PATHS;
            const OUTPUTS_DOCUMENTED: bool = #outputs_documented;
            const CALLBACK_URL_FIELD: Option<&'static str> = #callback_url_field;
            type Mode = Mode;
        }

        #callbacks

        #client_doc
        pub type Client = #rt::client::Client<Api>;

        #request_enum

        #submit_bodies

        impl #rt::provider::SubmitAnswer for #submitted {
            fn task_id(&self) -> &str { #submitted::task_id(self) }
            #follow
            #sub_envelope
        }

        #outputs_fn

        impl #rt::provider::StatusAnswer for #status {
            fn task_id(&self) -> &str { #status::task_id(self) }
            fn state(&self) -> &str { #state_text }
            fn phase(&self) -> #rt::TaskPhase { #status::phase(self) }
            fn state_documented(&self) -> bool { #state_documented }
            fn failure(&self) -> Option<#rt::provider::Failure> { #failure }
            fn outputs(&self) -> Vec<#rt::provider::Output> { #outputs_call }
            #st_envelope
        }

        impl #rt::provider::ErrorAnswer for #error {
            fn error_code(&self) -> Option<#rt::ErrorCode> { #error_code }
            fn api_message(&self) -> Option<&str> { #error::api_message(self) }
        }
    }
}

/// `SubmitBody` and `RequestOf<Api>` for a type the client submits (the provider's request
/// type and, with several submit operations, each operation's request type), from the
/// runtime's `submit_body!`; `estimate` when the type has `estimate_with`.
fn submit_body(ty: &proc_macro2::Ident, estimate: bool) -> TokenStream {
    let rt = rt();
    if estimate { quote!(#rt::submit_body!(#ty for Api, estimate);) } else { quote!(#rt::submit_body!(#ty for Api);) }
}

/// `from_json_for` of one submit operation's request type: the body of that operation.
fn op_from_json_for(m: &Module, op: &crate::ir::Operation) -> TokenStream {
    let rt = rt();
    let Some(req) = op.request.as_deref() else { return quote!() };
    let req = ident(req);
    let (key, module) = (&op.key, &m.module);
    quote! {
        impl #req {
            /// Reads and checks a raw body sent to the submit operation `operation`: every
            /// documented rule it breaks, or the value.
            pub fn from_json_for(operation: &str, body: &#rt::export::serde_json::Value) -> Result<Self, #rt::Violations> {
                if operation != #key {
                    return Err(#rt::violation::unknown_operation(#module, operation, &[#key]));
                }
                #req::from_json_value(body)
            }
        }
    }
}

/// The `Request` enum of a provider with several submit operations: one variant per
/// operation, each holding that operation's request.
fn request_enum(m: &Module) -> TokenStream {
    let rt = rt();
    let module = &m.module;
    let keys: Vec<&String> = m.submits.iter().map(|o| &o.key).collect();
    let variants: Vec<proc_macro2::Ident> = m.submits.iter().map(|o| ident(&o.rust_name)).collect();
    let types: Vec<proc_macro2::Ident> =
        m.submits.iter().map(|o| ident(o.request.as_deref().unwrap_or_default())).collect();
    let docs = m.submits.iter().map(|o| lines(&format!("`{} {}` (`{}`): {}", o.method, o.path, o.key, o.doc)));
    let doc = lines(&format!(
        "A request to one of {}'s submit operations ({}). Build it from an operation's request with `From`: `Request::from(req)`.",
        m.provider,
        m.submits.iter().map(|o| format!("`{}`", o.key)).collect::<Vec<_>>().join(", ")
    ));
    let (v1, v2, v3, v4, v5, v6, v7) = (
        variants.iter(),
        variants.iter(),
        variants.iter(),
        variants.iter(),
        variants.iter(),
        variants.iter(),
        variants.iter(),
    );
    let (t1, t2, t3) = (types.iter(), types.iter(), types.iter());
    let k1 = keys.iter();
    let known = keys.iter();
    let each = m.submits.iter().map(|o| op_from_json_for(m, o));
    quote! {
        #(#each)*

        #doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Request { #(#docs #v1(#t1),)* }

        #(
            impl From<#t2> for Request {
                fn from(r: #t2) -> Self { Request::#v2(r) }
            }
        )*

        impl Request {
            /// Reads and checks a raw body sent to the submit operation `operation`: every
            /// documented rule it breaks, or the value.
            pub fn from_json_for(operation: &str, body: &#rt::export::serde_json::Value) -> Result<Self, #rt::Violations> {
                match operation {
                    #(#k1 => #t3::from_json_value(body).map(Request::#v3),)*
                    other => Err(#rt::violation::unknown_operation(#module, other, &[#(#known),*])),
                }
            }

            /// Every documented rule the request breaks, or `Ok`.
            pub fn validate(&self) -> Result<(), #rt::Violations> {
                match self { #(Request::#v4(r) => r.validate(),)* }
            }

            /// The documented polling guidance for the request's mode.
            pub fn polling(&self) -> #rt::PollingGuidance {
                match self { #(Request::#v5(r) => r.polling(),)* }
            }

            /// The request's mode: its submit operation's key.
            pub fn mode(&self) -> &'static str {
                match self { #(Request::#v6(r) => r.mode(),)* }
            }

            /// The key of the submit operation that sends the request.
            pub fn operation(&self) -> &'static str {
                match self { #(Request::#v7(r) => r.operation(),)* }
            }
        }

        impl #rt::json::ToJson for Request {
            fn write_json(&self, out: &mut Vec<u8>) {
                match self { #(Request::#variants(r) => #rt::json::ToJson::write_json(r, out),)* }
            }
        }
    }
}
