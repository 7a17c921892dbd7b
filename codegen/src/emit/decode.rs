//! Lenient decoding of responses: `Decode` impls (unknown fields ignored, `null` as
//! absent for optional fields, JSON-in-a-string fields decoded into their type), and, from
//! the runtime's `response_body!`, `from_json_value`/`from_json_slice` and serde on every
//! type a response body can be.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, rt};
use crate::ir::{Module, ResultGate, Struct, Ty, TypeDef, Usage};

pub(super) fn all(m: &Module) -> TokenStream {
    let items = m.types.iter().map(|t| match t {
        TypeDef::Struct(s) if s.usage == Usage::Response => struct_decode(s, m.task.result_gate.as_ref()),
        _ => quote!(),
    });
    let roots = response_roots(m).into_iter().map(root_methods);
    quote!(#(#items)* #(#roots)*)
}

/// Types a whole response body can be: the operations' responses, the error body and the
/// callback payload (deduplicated, in that order).
pub(super) fn response_roots(m: &Module) -> Vec<&str> {
    let mut roots: Vec<&str> = vec![&m.submit().response, &m.status.response, &m.errors.body];
    if let Some(c) = &m.callbacks {
        roots.push(&c.payload);
    }
    let mut out = Vec::new();
    for r in roots {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

fn struct_decode(s: &Struct, gate: Option<&ResultGate>) -> TokenStream {
    let rt = rt();
    let name = ident(&s.name);
    let gate = gate.filter(|g| g.parent == s.name);
    let call = |f: &crate::ir::Field| {
        let wire = &f.wire;
        let func = match (&f.ty, f.required) {
            (Ty::Json(_), true) => quote!(required_json),
            (Ty::Json(_), false) => quote!(optional_json),
            (_, true) => quote!(required),
            (_, false) => quote!(optional),
        };
        let i = proc_macro2::Literal::usize_unsuffixed(s.fields.iter().position(|x| x.wire == f.wire).unwrap_or(0));
        quote!(#rt::decode::#func(slots[#i], path, #wire)?)
    };
    let wires = s.fields.iter().map(|f| &f.wire);
    let scan = quote!(let slots = #rt::decode::fields(json, path, &[#(#wires),*])?;);
    let Some(g) = gate else {
        let fields = s.fields.iter().map(|f| {
            let n = ident(&f.rust);
            let c = call(f);
            quote!(#n: #c)
        });
        return quote! {
            impl #rt::decode::Decode for #name {
                fn decode(json: &str, path: &#rt::Path<'_>) -> Result<Self, #rt::DecodeError> {
                    #scan
                    Ok(Self { #(#fields,)* })
                }
            }
        };
    };
    // The state first: the result is decoded only when the state says the task succeeded
    // (before that, a result field is ignored, whatever it holds).
    let state = s.fields.iter().find(|f| f.wire == g.state_wire);
    let lets = s.fields.iter().map(|f| {
        let n = ident(&f.rust);
        let c = call(f);
        if f.wire == g.result_wire {
            quote!(let #n = if succeeded { #c } else { None };)
        } else if f.wire == g.state_wire {
            let t = super::field_ty(f);
            quote!(let #n: #t = #c;)
        } else {
            quote!(let #n = #c;)
        }
    });
    let state_n = state.map(|f| ident(&f.rust));
    let names = s.fields.iter().map(|f| ident(&f.rust));
    let order: Vec<&crate::ir::Field> =
        state.into_iter().chain(s.fields.iter().filter(|f| f.wire != g.state_wire)).collect();
    let lets: Vec<TokenStream> = {
        let all: Vec<TokenStream> = lets.collect();
        order.iter().map(|f| all[s.fields.iter().position(|x| x.wire == f.wire).unwrap_or(0)].clone()).collect()
    };
    let (first, rest) = lets.split_first().map_or((quote!(), &[][..]), |(a, b)| (a.clone(), b));
    quote! {
        impl #rt::decode::Decode for #name {
            fn decode(json: &str, path: &#rt::Path<'_>) -> Result<Self, #rt::DecodeError> {
                #scan
                #first
                let succeeded = #state_n.phase() == #rt::TaskPhase::Succeeded;
                #(#rest)*
                Ok(Self { #(#names,)* })
            }
        }
    }
}

/// `from_json_value`/`from_json_slice`, `to_json_value` and serde for a response body type,
/// from the runtime's `response_body!`.
fn root_methods(name: &str) -> TokenStream {
    let rt = rt();
    let n = ident(name);
    quote!(#rt::response_body!(#n);)
}
