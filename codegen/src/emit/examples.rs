//! The documented examples, verbatim, as constants in an `examples` module, and a test per
//! example: requests validate and serialize to the documented JSON; responses and error
//! bodies decode and write back to the documented JSON.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{lines, source};
use super::{ident, json, rt, shouty};
use crate::ir::{ExampleKind, Module};

pub(super) fn all(m: &Module) -> TokenStream {
    if m.examples.is_empty() {
        return quote!();
    }
    let consts = m.examples.iter().map(|e| {
        let name = shouty(&e.name);
        let text = e.json.trim();
        let kind = match e.kind {
            ExampleKind::Request => "Request body",
            ExampleKind::Response => "Response body",
            ExampleKind::Error => "Error body",
        };
        let status = e.status.map_or_else(String::new, |s| format!(" (HTTP {s})"));
        let doc = lines(&format!("{kind} of `{}`{status}, as documented.\n\n- {}", e.operation, source(&e.source)));
        quote!(#doc pub const #name: &str = #text;)
    });
    let rt = rt();
    let json = json();
    let tests = m.examples.iter().map(|e| {
        let test = format_ident!("{}", e.name);
        let c = shouty(&e.name);
        let ty = ident(&e.ty);
        let check = match e.kind {
            ExampleKind::Request => quote! {
                let value = #ty::from_json_value(&doc).unwrap_or_else(|e| panic!("the documented example is rejected: {e}"));
                assert_eq!(value.validate(), ::std::result::Result::Ok(()));
            },
            _ => quote! {
                let value = #ty::from_json_value(&doc).unwrap_or_else(|e| panic!("the documented example does not decode: {e}"));
            },
        };
        quote! {
            #[test]
            fn #test() {
                let doc: #json::Value = #json::from_str(examples::#c).expect("the documented example is JSON");
                #check
                assert_eq!(#rt::json::ToJson::to_json(&value), doc, "the JSON written differs from the documented JSON");
            }
        }
    });
    quote! {
        /// The provider's documented examples, verbatim.
        pub mod examples {
            #(#consts)*
        }

        #[cfg(test)]
        mod documented_examples {
            use super::*;

            #(#tests)*
        }
    }
}
