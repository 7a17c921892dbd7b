//! The documented examples, verbatim, as constants in an `examples` module, and a test per
//! example: requests validate and serialize to the documented JSON; responses and error
//! bodies decode and write back to the documented JSON.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{lines, source};
use super::{ident, rt, shouty};
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
        let decided = super::docs::then_decision(e.decision.as_ref(), "\n- ");
        let doc =
            lines(&format!("{kind} of `{}`{status}, as documented.\n\n- {}{decided}", e.operation, source(&e.source)));
        quote!(#doc pub const #name: &str = #text;)
    });
    let rt = rt();
    let tests = m.examples.iter().map(|e| {
        let test = format_ident!("{}", e.name);
        let c = shouty(&e.name);
        let ty = ident(&e.ty);
        if e.kind != ExampleKind::Request {
            return quote! {
                #[test]
                fn #test() {
                    #rt::body::response_example::<#ty>(examples::#c);
                }
            };
        }
        // A request example that uses a field's alias is written back under the field's
        // name: compare with the example renamed so.
        let written = serde_json::from_str::<serde_json::Value>(&e.json)
            .ok()
            .map(|doc| (canonical(m, &e.ty, &doc), doc))
            .filter(|(renamed, doc)| renamed != doc)
            .map_or_else(
                || quote!(None),
                |(renamed, _)| {
                    let text = renamed.to_string();
                    quote!(Some(#text))
                },
            );
        quote! {
            #[test]
            fn #test() {
                #rt::body::request_example::<#ty>(examples::#c, #written);
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

/// A request body with every field sent under an alias renamed to the field's name: what the
/// client writes back after reading it.
fn canonical(m: &Module, ty: &str, v: &serde_json::Value) -> serde_json::Value {
    use crate::ir::{Ty, TypeDef};
    let serde_json::Value::Object(obj) = v else { return v.clone() };
    let mut out = obj.clone();
    let rename = |out: &mut serde_json::Map<String, serde_json::Value>, s: &crate::ir::Struct| {
        for f in &s.fields {
            for a in &f.aliases {
                if let Some(value) = out.remove(a) {
                    out.insert(f.wire.clone(), value);
                }
            }
            let nested = match &f.ty {
                Ty::Struct(n) | Ty::Union(n) if !f.flatten => Some(n),
                _ => None,
            };
            if let (Some(n), Some(value)) = (nested, out.get(&f.wire).cloned()) {
                out.insert(f.wire.clone(), canonical(m, n, &value));
            }
        }
    };
    // The struct whose fields this object holds, and the union variants flattened into it.
    let variant_payload = |u: &crate::ir::Union, obj: &serde_json::Map<String, serde_json::Value>| {
        let tag = obj.get(&u.tag)?.as_str()?;
        let p = u.variants.iter().find(|v| v.tag == tag)?.payload.as_deref()?;
        match m.types.iter().find(|t| t.name() == p)? {
            TypeDef::Struct(s) => Some(s),
            _ => None,
        }
    };
    match m.types.iter().find(|t| t.name() == ty) {
        Some(TypeDef::Struct(s)) => {
            rename(&mut out, s);
            for f in s.fields.iter().filter(|f| f.flatten) {
                let Ty::Union(u) = &f.ty else { continue };
                if let Some(TypeDef::Union(u)) = m.types.iter().find(|t| t.name() == u)
                    && let Some(p) = variant_payload(u, obj)
                {
                    rename(&mut out, p);
                }
            }
        }
        Some(TypeDef::Union(u)) => {
            if let Some(p) = variant_payload(u, obj) {
                rename(&mut out, p);
            }
        }
        _ => {}
    }
    serde_json::Value::Object(out)
}
