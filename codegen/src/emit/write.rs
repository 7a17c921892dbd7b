//! Writing JSON: `WriteFields` (hence `ToJson`) for every struct and union (optional fields omitted when unset,
//! flattened unions written into their parent), and serde `Serialize`/`Deserialize` on
//! the types a whole body can be, going through the same code.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, rt};
use crate::ir::{Module, Struct, Ty, TypeDef, Union};

pub(super) fn all(m: &Module) -> TokenStream {
    let items = m.types.iter().map(|t| match t {
        TypeDef::Struct(s) => struct_write(s),
        TypeDef::Union(u) => union_write(u),
        TypeDef::Enum(_) => quote!(),
    });
    // Response roots get theirs with their decoding (`response_body!`, emitted by `decode`).
    let serde = m.submits.iter().filter_map(|o| o.request.as_deref()).map(serde_impls);
    quote!(#(#items)* #(#serde)*)
}

fn struct_write(s: &Struct) -> TokenStream {
    let rt = rt();
    let name = ident(&s.name);
    let puts = s.fields.iter().map(|f| {
        let n = ident(&f.rust);
        let wire = &f.wire;
        match (&f.ty, f.required, f.flatten) {
            (_, _, true) => quote!(#rt::json::WriteFields::write_fields(&self.#n, m);),
            (Ty::Json(_), true, _) => quote!(#rt::json::put_json(m, #wire, &self.#n);),
            (Ty::Json(_), false, _) => quote!(#rt::json::put_json_opt(m, #wire, &self.#n);),
            (_, true, _) => quote!(#rt::json::put(m, #wire, &self.#n);),
            (_, false, _) => quote!(#rt::json::put_opt(m, #wire, &self.#n);),
        }
    });
    let m = if s.fields.is_empty() { quote!(_m) } else { quote!(m) };
    quote! {
        impl #rt::json::WriteFields for #name {
            fn write_fields(&self, #m: &mut #rt::json::Object<'_>) {
                #(#puts)*
            }
        }
    }
}

fn union_write(u: &Union) -> TokenStream {
    let rt = rt();
    let name = ident(&u.name);
    let tag = &u.tag;
    let arms = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let vt = &v.tag;
        let put_tag = quote!(#rt::json::put_str(m, #tag, #vt););
        match &v.payload {
            Some(_) => quote!(Self::#vn(p) => { #put_tag #rt::json::WriteFields::write_fields(p, m); }),
            None => quote!(Self::#vn => { #put_tag }),
        }
    });
    quote! {
        impl #rt::json::WriteFields for #name {
            fn write_fields(&self, m: &mut #rt::json::Object<'_>) {
                match self { #(#arms)* }
            }
        }
    }
}

/// `to_json_value` and serde for a request body type, from the runtime's `request_body!`.
fn serde_impls(name: &str) -> TokenStream {
    let rt = rt();
    let n = ident(name);
    quote!(#rt::request_body!(#n);)
}
