//! Type definitions: enums (closed for requests, their spellings one const table read by the
//! runtime's `wire` module; open for responses), structs with constructors and `with_*`
//! setters, and unions with one variant per mode.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{field_doc, lines, type_doc};
use super::{field_ty, ident, rt, ty_tokens};
use crate::ir::{DefaultValue, Enum, Field, Module, Phase, Struct, Ty, TypeDef, Union, Usage};

pub(super) fn all(m: &Module) -> TokenStream {
    let items = m.types.iter().map(|t| match t {
        TypeDef::Enum(e) => enum_def(m, e),
        TypeDef::Struct(s) => struct_def(m, s),
        TypeDef::Union(u) => union_def(m, u),
    });
    quote!(#(#items)*)
}

fn phase_tokens(p: Phase) -> TokenStream {
    let rt = rt();
    match p {
        Phase::Pending => quote!(#rt::TaskPhase::Pending),
        Phase::Succeeded => quote!(#rt::TaskPhase::Succeeded),
        Phase::Failed => quote!(#rt::TaskPhase::Failed),
    }
}

/// `Display` and the JSON form of an enum, both its wire spelling `as_str()`.
fn text_impls(name: &proc_macro2::Ident) -> TokenStream {
    let rt = rt();
    quote! {
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl #rt::json::ToJson for #name {
            fn write_json(&self, out: &mut Vec<u8>) {
                #rt::json::write_str(out, self.as_str())
            }
        }
    }
}

fn enum_def(m: &Module, e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    // The unit price a value selects, from the billing table (not repeated in the spec).
    let price = |wire: &str| {
        let b = m.billing.as_ref().filter(|b| b.price_enum == e.name)?;
        let p = b.prices.iter().find(|p| p.when == wire)?;
        let unit = super::billing::unit_words(&b.unit);
        Some(format!(
            " Price: {} {unit} per {} (official), {} {unit} (market reference).",
            p.official_text, b.per, p.market_text
        ))
    };
    let doc = lines(&type_doc(&e.doc, &e.source, e.decision.as_ref()));
    let variants = e.values.iter().map(|v| {
        let mut text = v.doc.clone().unwrap_or_else(|| format!("`{}`.", v.wire));
        text.push_str(&price(&v.wire).unwrap_or_default());
        if !v.aliases.is_empty() {
            text.push_str(&format!(
                " Also sent as: {}.",
                v.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        if let (Some(meaning), Some(action)) = (&v.meaning, &v.action) {
            text.push_str(&format!("\n\nMeaning: {meaning}. What to do: {action}."));
        }
        if let Some(s) = &v.source {
            text.push_str(&format!("\n\n{}", super::docs::source(s)));
        }
        if let Some(d) = &v.decision {
            text.push_str(&format!("\n\n{}", super::docs::decision(d)));
        }
        let doc = lines(&text);
        let vn = ident(&v.name);
        quote!(#doc #vn)
    });
    let wire_arms = e.values.iter().map(|v| {
        let vn = ident(&v.name);
        let w = &v.wire;
        quote!(Self::#vn => #w)
    });
    let rt = rt();
    let json = super::json();
    let as_text = text_impls(&name);
    if !e.open() {
        let all = e.values.iter().map(|v| ident(&v.name));
        let pairs = e.values.iter().map(|v| {
            let vn = ident(&v.name);
            let w = &v.wire;
            quote!((#w, Self::#vn))
        });
        return quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum #name { #(#variants,)* }

            impl #name {
                /// Every value, in documented order.
                pub const ALL: &'static [#name] = &[#(Self::#all),*];

                /// The exact wire spelling.
                pub fn as_str(self) -> &'static str {
                    #rt::wire::spelling(self)
                }

                /// The value with this exact wire spelling.
                pub fn from_wire(s: &str) -> Option<Self> {
                    #rt::wire::value(s)
                }
            }

            impl #rt::wire::WireEnum for #name {
                const WIRE: &'static [(&'static str, Self)] = &[#(#pairs),*];
            }

            impl #rt::read::Read for #name {
                fn read(v: &#json::Value, path: &str, id_base: &str, out: &mut Vec<#rt::Violation>) -> Option<Self> {
                    #rt::wire::read(v, path, id_base, out)
                }
            }

            #as_text
        };
    }
    let fallback = ident(&e.fallback);
    let fallback_doc = lines("A value the docs do not list, kept verbatim.");
    let from_arms = e.values.iter().map(|v| {
        let vn = ident(&v.name);
        let spellings = std::iter::once(&v.wire).chain(v.aliases.iter());
        quote!(#(#spellings)|* => Self::#vn)
    });
    let mut methods = Vec::new();
    if e.has_phase() {
        let arms = e.values.iter().map(|v| {
            let vn = ident(&v.name);
            let p = phase_tokens(v.phase.unwrap_or(Phase::Pending));
            quote!(Self::#vn => #p)
        });
        let unknown = phase_tokens(e.unknown_phase.unwrap_or(Phase::Pending));
        methods.push(quote! {
            /// Where the task is: pending (keep polling), succeeded or failed. Values the
            /// docs do not list count as the spec's `unknown_phase`.
            pub fn phase(&self) -> #rt::TaskPhase {
                match self { #(#arms,)* Self::#fallback(_) => #unknown }
            }
        });
    }
    if e.has_retryable() {
        let arms = e.values.iter().map(|v| {
            let vn = ident(&v.name);
            let r = v.retryable.unwrap_or(false);
            quote!(Self::#vn => #r)
        });
        let unknown = e.unknown_retryable.unwrap_or(false);
        methods.push(quote! {
            /// Whether the docs say a retry can help. A retry is a new, paid task.
            pub fn retry_may_help(&self) -> bool {
                match self { #(#arms,)* Self::#fallback(_) => #unknown }
            }
        });
    }
    if e.has_meaning() {
        let meaning = e.values.iter().map(|v| {
            let vn = ident(&v.name);
            let t = v.meaning.clone().unwrap_or_default();
            quote!(Self::#vn => Some(#t))
        });
        let action = e.values.iter().map(|v| {
            let vn = ident(&v.name);
            let t = v.action.clone().unwrap_or_default();
            quote!(Self::#vn => Some(#t))
        });
        methods.push(quote! {
            /// What the value means, from the docs.
            pub fn meaning(&self) -> Option<&'static str> {
                match self { #(#meaning,)* Self::#fallback(_) => None }
            }

            /// What to do about it, from the docs.
            pub fn action(&self) -> Option<&'static str> {
                match self { #(#action,)* Self::#fallback(_) => None }
            }
        });
    }
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#variants,)*
            #fallback_doc
            #fallback(String),
        }

        impl #name {
            /// The wire spelling (the canonical one for documented values).
            pub fn as_str(&self) -> &str {
                match self { #(#wire_arms,)* Self::#fallback(s) => s }
            }

            /// The value for a wire spelling; documented aliases fold into their value and
            /// anything else is kept as the fallback variant.
            pub fn from_wire(s: &str) -> Self {
                match s { #(#from_arms,)* other => Self::#fallback(ToString::to_string(other)) }
            }

            /// True for values the docs list.
            pub fn is_documented(&self) -> bool {
                !matches!(self, Self::#fallback(_))
            }

            #(#methods)*
        }

        #as_text

        impl #rt::decode::Decode for #name {
            fn decode(json: &str, path: &#rt::Path<'_>) -> Result<Self, #rt::DecodeError> {
                #rt::decode::string(json, path).map(|s| Self::from_wire(&s))
            }
        }
    }
}

/// A constructor parameter: its type and how to store it.
fn param(f: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&f.rust);
    match &f.ty {
        Ty::String => (quote!(impl Into<String>), quote!(#name.into())),
        Ty::Array(i) if **i == Ty::String => {
            (quote!(impl IntoIterator<Item = impl Into<String>>), quote!(#name.into_iter().map(Into::into).collect()))
        }
        Ty::Media => {
            let t = ty_tokens(&Ty::Media);
            (quote!(impl Into<#t>), quote!(#name.into()))
        }
        Ty::Array(i) if **i == Ty::Media => {
            let t = ty_tokens(&Ty::Media);
            (quote!(impl IntoIterator<Item = impl Into<#t>>), quote!(#name.into_iter().map(Into::into).collect()))
        }
        Ty::Union(u) => {
            let u = ident(u);
            (quote!(impl Into<#u>), quote!(#name.into()))
        }
        t => (ty_tokens(t), quote!(#name)),
    }
}

fn struct_def(m: &Module, s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let request = s.usage == Usage::Request;
    let doc = lines(&type_doc(&s.doc, &s.source, s.decision.as_ref()));
    let fields = s.fields.iter().map(|f| {
        let fdoc = lines(&field_doc(f, request));
        let fname = ident(&f.rust);
        let fty = field_ty(f);
        quote!(#fdoc pub #fname: #fty)
    });
    let mut methods = Vec::new();
    if request {
        // `new(required...)`; a flattened union with a default variant is not a parameter.
        let takes = |f: &Field| f.required && !(f.flatten && f.default.is_some());
        let params = s.fields.iter().filter(|f| takes(f)).map(|f| {
            let n = ident(&f.rust);
            let (t, _) = param(f);
            quote!(#n: #t)
        });
        let inits = s.fields.iter().map(|f| {
            let n = ident(&f.rust);
            if takes(f) {
                let (_, store) = param(f);
                // A parameter stored as is: the field init shorthand.
                if n == store.to_string() { quote!(#n) } else { quote!(#n: #store) }
            } else if f.required {
                quote!(#n: Default::default())
            } else {
                quote!(#n: None)
            }
        });
        let required: Vec<String> = s.fields.iter().filter(|f| takes(f)).map(|f| format!("`{}`", f.rust)).collect();
        let new_doc = lines(&if required.is_empty() {
            "A value with every optional field unset.".to_owned()
        } else {
            format!("A value with its required fields ({}); optional fields are unset.", required.join(", "))
        });
        methods.push(quote! {
            #new_doc
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits,)* }
            }
        });
        for f in s.fields.iter().filter(|f| !takes(f)) {
            let n = ident(&f.rust);
            let setter = format_ident!("with_{}", f.rust.trim_end_matches('_'));
            let (t, store) = param(f);
            let value = if f.required { quote!(#store) } else { quote!(Some(#store)) };
            let sdoc = lines(&format!("Sets `{}` (wire name `{}`).", f.rust, f.wire));
            methods.push(quote! {
                #sdoc
                #[must_use]
                pub fn #setter(mut self, #n: #t) -> Self {
                    self.#n = #value;
                    self
                }
            });
        }
        for f in s.fields.iter().filter(|f| !f.required && !f.flatten) {
            let Some(d) = &f.default else { continue };
            let n = ident(&f.rust);
            let getter = format_ident!("{}_or_default", f.rust.trim_end_matches('_'));
            let (value, ty) = match (d, &f.ty) {
                (DefaultValue::Tag(w), Ty::Enum(e)) => {
                    let en = m.types.iter().find_map(|t| match t {
                        TypeDef::Enum(x) if x.name == *e => Some(x),
                        _ => None,
                    });
                    let Some(v) = en.and_then(|en| en.values.iter().find(|v| v.wire == *w)) else { continue };
                    let (en_i, vn) = (ident(e), ident(&v.name));
                    (quote!(#en_i::#vn), quote!(#en_i))
                }
                (DefaultValue::Integer(i), _) => (quote!(#i), quote!(i64)),
                (DefaultValue::Boolean(b), _) => (quote!(#b), quote!(bool)),
                _ => continue,
            };
            let gdoc =
                lines(&format!("`{}`, or the documented default the provider applies when it is omitted.", f.rust));
            methods.push(quote! {
                #gdoc
                pub fn #getter(&self) -> #ty {
                    self.#n.unwrap_or(#value)
                }
            });
        }
    }
    let methods = if methods.is_empty() { quote!() } else { quote!(impl #name { #(#methods)* }) };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct #name { #(#fields,)* }

        #methods
    }
}

fn union_def(m: &Module, u: &Union) -> TokenStream {
    let name = ident(&u.name);
    let doc = lines(&type_doc(&u.doc, &u.source, u.decision.as_ref()));
    let variants = u.variants.iter().map(|v| {
        let vdoc = lines(&format!("`{}` = `{}`: {}", u.tag, v.tag, v.doc));
        let vn = ident(&v.name);
        match &v.payload {
            Some(p) => {
                let p = ident(p);
                quote!(#vdoc #vn(#p))
            }
            None => quote!(#vdoc #vn),
        }
    });
    let tags = u.variants.iter().map(|v| &v.tag);
    let tag_arms = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        let t = &v.tag;
        if v.payload.is_some() { quote!(Self::#vn(_) => #t) } else { quote!(Self::#vn => #t) }
    });
    let froms = u.variants.iter().filter_map(|v| {
        let p = ident(v.payload.as_ref()?);
        let vn = ident(&v.name);
        let d = lines(&format!("Wraps the fields of `{}` = `{}`.", u.tag, v.tag));
        Some(quote! {
            impl From<#p> for #name {
                #d
                fn from(v: #p) -> Self { Self::#vn(v) }
            }
        })
    });
    // A field of this union type with a default variant makes that variant the Default.
    let default_tag = m.types.iter().find_map(|t| match t {
        TypeDef::Struct(s) => s.fields.iter().find_map(|f| match (&f.ty, &f.default) {
            (Ty::Union(n), Some(DefaultValue::Tag(tag))) if *n == u.name => Some(tag.clone()),
            _ => None,
        }),
        _ => None,
    });
    let default =
        default_tag.and_then(|tag| u.variants.iter().find(|v| v.tag == tag && v.payload.is_none())).map(|v| {
            let vn = ident(&v.name);
            let d = lines(&format!("`{}` = `{}`, the documented default.", u.tag, v.tag));
            quote! {
                impl Default for #name {
                    #d
                    fn default() -> Self { Self::#vn }
                }
            }
        });
    let tag_name = &u.tag;
    let tags_doc = lines(&format!("Every `{tag_name}` value, in documented order."));
    let tag_doc = lines(&format!("The `{tag_name}` value of this variant."));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum #name { #(#variants,)* }

        impl #name {
            #tags_doc
            pub const TAGS: &'static [&'static str] = &[#(#tags),*];

            #tag_doc
            pub fn tag(&self) -> &'static str {
                match self { #(#tag_arms,)* }
            }
        }

        #(#froms)*
        #default
    }
}
