//! Lenient decoding of responses: `Decode` impls (unknown fields ignored, `null` as
//! absent for optional fields, JSON-in-a-string fields decoded into their type) and
//! `from_json_value`/`from_json_slice` on every type a body can be.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::lines;
use super::{ident, json, rt};
use crate::ir::{Module, Struct, Ty, TypeDef, Usage};

pub(super) fn all(m: &Module) -> TokenStream {
    let items = m.types.iter().map(|t| match t {
        TypeDef::Struct(s) if s.usage == Usage::Response => struct_decode(s),
        _ => quote!(),
    });
    let roots = response_roots(m).into_iter().map(root_methods);
    quote!(#(#items)* #(#roots)*)
}

/// Types a whole response body can be: the operations' responses, the error body and the
/// callback payload (deduplicated, in that order).
pub(super) fn response_roots(m: &Module) -> Vec<&str> {
    let mut roots: Vec<&str> = vec![&m.submit.response, &m.status.response, &m.errors.body];
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

fn struct_decode(s: &Struct) -> TokenStream {
    let rt = rt();
    let json = json();
    let name = ident(&s.name);
    let fields = s.fields.iter().map(|f| {
        let n = ident(&f.rust);
        let wire = &f.wire;
        let func = match (&f.ty, f.required) {
            (Ty::Json(_), true) => quote!(required_json),
            (Ty::Json(_), false) => quote!(optional_json),
            (_, true) => quote!(required),
            (_, false) => quote!(optional),
        };
        quote!(#n: #rt::decode::#func(obj, path, #wire)?)
    });
    quote! {
        impl #rt::decode::Decode for #name {
            fn decode(v: &#json::Value, path: &str) -> ::std::result::Result<Self, #rt::DecodeError> {
                let obj = #rt::decode::object(v, path)?;
                ::std::result::Result::Ok(Self { #(#fields,)* })
            }
        }
    }
}

fn root_methods(name: &str) -> TokenStream {
    let rt = rt();
    let json = json();
    let n = ident(name);
    let doc_value = lines(
        "Decodes a response body leniently: unknown fields are ignored and unknown enum values are kept; a missing required field or a wrong type is an error naming its path.",
    );
    let doc_slice = lines("Like [`Self::from_json_value`], for body bytes.");
    quote! {
        impl #n {
            #doc_value
            pub fn from_json_value(v: &#json::Value) -> ::std::result::Result<Self, #rt::DecodeError> {
                <Self as #rt::decode::Decode>::decode(v, "")
            }

            #doc_slice
            pub fn from_json_slice(bytes: &[u8]) -> ::std::result::Result<Self, #rt::DecodeError> {
                #rt::decode::body(bytes)
            }
        }
    }
}
