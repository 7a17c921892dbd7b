//! Emission: IR → Rust tokens with `quote!`. Each submodule emits one concern; this one
//! assembles a provider module and holds the helpers they share.
//!
//! Emitted code reaches the runtime through one alias at the top of each module
//! (`use ::happyhorse_client::runtime as rt;`) and names `Option`, `String`, `Vec`, `Result`
//! and their variants through the standard prelude, so the same tokens compile inside the
//! generated crate and when the proc-macro expands them in a module of its own in another
//! crate. The lowering refuses spec type names that would shadow those prelude names
//! (`ir::names::PRELUDE`).

mod billing;
mod decode;
mod docs;
mod examples;
mod meta;
mod provider;
mod read;
mod types;
mod validate;
mod write;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Module, Ty};

/// The items of one provider module (no inner attributes, so a macro can expand them).
pub fn module_items(m: &Module) -> TokenStream {
    let parts = [
        meta::provider(m),
        types::all(m),
        validate::all(m),
        read::all(m),
        decode::all(m),
        write::all(m),
        meta::task_accessors(m),
        provider::all(m),
        billing::all(m),
        examples::all(m),
    ];
    let rt_path = quote!(::happyhorse_client::runtime);
    quote! {
        #[allow(unused_imports)]
        use #rt_path as rt;
        #(#parts)*
    }
}

/// The `providers` module listing every generated module, with each module's docs.
pub fn providers_items(modules: &[Module]) -> TokenStream {
    let mods = modules.iter().map(|m| {
        let name = ident(&m.module);
        let doc = docs::lines(&docs::module_doc(m));
        quote! {
            #doc
            pub mod #name;
        }
    });
    let infos = modules.iter().map(|m| {
        let name = ident(&m.module);
        quote!(#name::PROVIDER)
    });
    let apis = modules.iter().map(|m| {
        let name = ident(&m.module);
        quote!(#name::Api)
    });
    let rt = quote!(::happyhorse_client::runtime);
    quote! {
        #(#mods)*

                /// Every generated provider module's description, in module order.
        pub const ALL: &[#rt::ProviderInfo] = &[#(#infos),*];

        /// Every generated provider module, as an object-safe view for tools that handle
        /// all providers the same way.
        pub static MODULES: &[&dyn #rt::provider::Module] = &[#(&#apis),*];
    }
}

/// `rt`, the alias of `::happyhorse_client::runtime` each module declares.
pub(crate) fn rt() -> TokenStream {
    quote!(rt)
}

/// `rt::export::serde_json`.
pub(crate) fn json() -> TokenStream {
    quote!(rt::export::serde_json)
}

/// An identifier (names were checked by the lowering).
pub(crate) fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// An unsuffixed integer literal (`400`, not `400u16`); negative values get a `-`.
pub(crate) fn int(n: impl Into<i128>) -> TokenStream {
    let n: i128 = n.into();
    let lit = proc_macro2::Literal::u128_unsuffixed(n.unsigned_abs());
    if n < 0 { quote!(-#lit) } else { quote!(#lit) }
}

/// `PROMPT` from `prompt`.
pub(crate) fn shouty(s: &str) -> Ident {
    ident(&crate::ir::names::shouty(s))
}

/// The Rust type of a field type (without the `Option` of optional fields).
pub(crate) fn ty_tokens(t: &Ty) -> TokenStream {
    let rt = rt();
    match t {
        Ty::String => quote!(String),
        Ty::Integer => quote!(i64),
        Ty::Boolean => quote!(bool),
        Ty::UnixMillis => quote!(#rt::UnixMillis),
        Ty::Millis => quote!(#rt::Millis),
        Ty::Array(i) => {
            let i = ty_tokens(i);
            quote!(Vec<#i>)
        }
        Ty::Enum(n) | Ty::Struct(n) | Ty::Union(n) => {
            let n = ident(n);
            quote!(#n)
        }
        Ty::Json(i) => ty_tokens(i),
        Ty::Media => quote!(#rt::MediaSource),
    }
}

/// The type of a field as stored: `Option<T>` when optional.
pub(crate) fn field_ty(f: &crate::ir::Field) -> TokenStream {
    let t = ty_tokens(&f.ty);
    if f.required { t } else { quote!(Option<#t>) }
}

/// The value a request's mode is matched on: `&self.input` for a union field, `&self.model`
/// for a flattened one, `self` when the request is the union.
pub(crate) fn mode_scrutinee(u: &crate::ir::ModeUnion) -> TokenStream {
    if u.field_path.is_empty() {
        return quote!(self);
    }
    let path = u.field_path.iter().map(|f| ident(f));
    quote!(&self.#(#path).*)
}

/// The name of the per-field rules constant, `PROMPT_RULES`.
pub(crate) fn rules_const(f: &crate::ir::Field) -> Ident {
    format_ident!("{}_RULES", crate::ir::names::shouty(f.rust.trim_end_matches('_')))
}
