//! Strict reading of request JSON: `Read` impls that collect every violation (wrong
//! types, missing required fields, fields a mode forbids, unknown fields, and the value
//! checks), and `from_json_value`/`from_json_slice` on the request body type.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::lines;
use super::{field_ty, ident, json, rt, rules_const};
use crate::ir::{Field, Module, Struct, Ty, TypeDef, Union, Usage};

pub(super) fn all(m: &Module) -> TokenStream {
    let items = m.types.iter().map(|t| match t {
        TypeDef::Struct(s) if s.usage == Usage::Request => struct_read(m, s),
        TypeDef::Union(u) if u.usage == Usage::Request => union_read(u),
        _ => quote!(),
    });
    let roots = m.submits.iter().filter_map(|op| {
        let r = op.request.as_deref()?;
        match m.types.iter().find(|t| t.name() == r)? {
            TypeDef::Struct(s) => Some(root_methods(&s.name, &s.id_base)),
            TypeDef::Union(u) => Some(root_methods(&u.name, &u.id_base)),
            TypeDef::Enum(_) => None,
        }
    });
    quote!(#(#items)* #(#roots)*)
}

/// Keys an object may hold: its own fields plus those of flattened unions.
fn keys(m: &Module, s: &Struct) -> Vec<String> {
    let mut keys = Vec::new();
    for f in &s.fields {
        match (&f.ty, f.flatten) {
            (Ty::Union(u), true) => {
                if let Some(TypeDef::Union(u)) = m.types.iter().find(|t| t.name() == u) {
                    keys.push(u.tag.clone());
                    keys.extend(u.all_keys.iter().cloned());
                }
            }
            _ => {
                keys.push(f.wire.clone());
                keys.extend(f.aliases.iter().cloned());
            }
        }
    }
    keys
}

/// `let <field> = ...;` reading one field (and checking its value rules, if it has any).
fn read_field(f: &Field) -> TokenStream {
    let rt = rt();
    let n = ident(&f.rust);
    let ty = field_ty(f);
    if f.flatten {
        let Ty::Union(u) = &f.ty else { return quote!() };
        let u = ident(u);
        return quote!(let #n: Option<#u> = #rt::read::ReadObject::read_fields(obj, path, out););
    }
    if !f.checks.is_empty() {
        // The field's rules constant carries its key, aliases and id.
        let rules = rules_const(f);
        // The value's type is inferred from the field's in `Self { .. }`.
        let read = if f.required { quote!(required) } else { quote!(optional) };
        return quote!(let #n = Self::#rules.#read(obj, path, out););
    }
    let (wire, id) = (&f.wire, &f.id_base);
    // A field with aliases is read under whichever of its names was sent.
    let (name_let, wire) = if f.aliases.is_empty() {
        (quote!(), quote!(#wire))
    } else {
        let k = quote::format_ident!("{}_key", f.rust.trim_end_matches('_'));
        let names = std::iter::once(&f.wire).chain(&f.aliases);
        (quote!(let #k = #rt::read::key_of(obj, path, &[#(#names),*], #id, out);), quote!(#k))
    };
    let read = if f.required { quote!(required) } else { quote!(optional) };
    quote!(#name_let let #n: Option<#ty> = #rt::read::#read(obj, path, #wire, #id, out);)
}

fn struct_read(m: &Module, s: &Struct) -> TokenStream {
    let rt = rt();
    let name = ident(&s.name);
    let reads = s.fields.iter().map(read_field);
    let inits = s.fields.iter().map(|f| {
        let n = ident(&f.rust);
        quote!(#n: #n?)
    });
    let read_fields = quote! {
        fn read_fields(obj: &#rt::read::Object, path: &str, out: &mut Vec<#rt::Violation>) -> Option<Self> {
            #(#reads)*
            Some(Self { #(#inits,)* })
        }
    };
    if s.variant_of.is_some() {
        // A variant's payload: the union reads the tag and rejects unknown keys.
        return quote! {
            impl #name {
                /// Reads this variant's fields from `obj`, pushing every violation.
                #read_fields
            }
        };
    }
    let keys = keys(m, s);
    let id = &s.id_base;
    quote! {
        impl #rt::read::ReadObject for #name {
            const KEYS: &'static [&'static str] = &[#(#keys),*];
            const ID: &'static str = #id;
            #read_fields
        }
    }
}

fn union_read(u: &Union) -> TokenStream {
    let rt = rt();
    let name = ident(&u.name);
    let tag = &u.tag;
    let tag_id = format!("{}.{}", u.id_base, u.tag);
    let arms = u.variants.iter().map(|v| {
        let vt = &v.tag;
        let vn = ident(&v.name);
        let value = match &v.payload {
            Some(p) => {
                let p = ident(p);
                quote!(#p::read_fields(obj, path, out).map(Self::#vn))
            }
            None => quote!(Some(Self::#vn)),
        };
        quote!(#vt => #value,)
    });
    // Per tag, the fields that variant forbids (each documented name on its own).
    let rows: Vec<TokenStream> = u
        .variants
        .iter()
        .filter(|v| !v.forbidden.is_empty())
        .map(|v| {
            let vt = &v.tag;
            let fields =
                v.forbidden.iter().flat_map(|f| std::iter::once(&f.wire).chain(&f.aliases).map(move |w| (f, w))).map(
                    |(f, w)| {
                        let (allowed, id) = (&f.allowed_in, &f.id_base);
                        quote!(#rt::read::Forbidden { key: #w, allowed_in: &[#(#allowed),*], id: #id })
                    },
                );
            quote!((#vt, &[#(#fields),*]))
        })
        .collect();
    let forbidden = (!rows.is_empty()).then(|| quote!(#rt::read::forbidden(obj, path, #tag, tag, &[#(#rows),*], out);));
    let mut keys = vec![u.tag.clone()];
    keys.extend(u.all_keys.iter().cloned());
    let id = &u.id_base;
    quote! {
        impl #rt::read::ReadObject for #name {
            const KEYS: &'static [&'static str] = &[#(#keys),*];
            const ID: &'static str = #id;
            fn read_fields(obj: &#rt::read::Object, path: &str, out: &mut Vec<#rt::Violation>) -> Option<Self> {
                let tag = #rt::read::tag(obj, path, #tag, Self::TAGS, #tag_id, out)?;
                #forbidden
                match tag {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
}

/// `from_json_value` and `from_json_slice` on the request body type (an object, or a union
/// tagged at the top).
fn root_methods(name: &str, id: &str) -> TokenStream {
    let rt = rt();
    let json = json();
    let n = ident(name);
    let doc_value = lines(
        "Reads a raw JSON body and checks it against every documented rule: JSON types, required and forbidden fields per mode, unknown fields, enum values and the value limits. Returns all violations at once.",
    );
    let doc_slice = lines(
        "Like [`Self::from_json_value`], for body bytes (a syntax error is reported as a violation of the whole body).",
    );
    quote! {
        impl #n {
            #doc_value
            pub fn from_json_value(v: &#json::Value) -> Result<Self, #rt::Violations> {
                let mut out = Vec::new();
                let value = <Self as #rt::read::Read>::read(v, "", #id, &mut out);
                #rt::read::finish(value, out)
            }

            #doc_slice
            pub fn from_json_slice(bytes: &[u8]) -> Result<Self, #rt::Violations> {
                Self::from_json_value(&#rt::read::parse_body(bytes)?)
            }
        }
    }
}
