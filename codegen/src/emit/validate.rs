//! Request checks: one `<FIELD>_RULES` constant per constrained field (the field's rules as
//! data, shared by `validate()` and the raw-JSON reader, applied by the runtime), `check()`
//! and `validate()` on every request type, counting rules, media rules, lints and the
//! opt-in truncation helpers.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::lines;
use super::{ident, int, rt, rules_const, shouty};
use crate::ir::{CheckKind, CounterRef, Field, Module, Struct, Ty, TypeDef, Union, Usage};

pub(super) fn all(m: &Module) -> TokenStream {
    let counters = m.counters.iter().map(|c| {
        let name = shouty(&c.name);
        let n = &c.name;
        let w = int(c.default_weight);
        let ranges = c.ranges.iter().map(|&(a, b, w)| {
            let (a, b, w) = (hex(a), hex(b), int(w));
            quote!((#a, #b, #w))
        });
        let mut text = format!("Counting rule `{}`: {}\n\n- {}", c.name, c.doc, super::docs::source(&c.source));
        if let Some(d) = &c.decision {
            text.push_str(&format!("\n- {}", super::docs::decision(d)));
        }
        let doc = lines(&text);
        let rt = rt();
        quote! {
            #doc
            pub const #name: #rt::count::Weights = #rt::count::Weights {
                name: #n,
                default_weight: #w,
                ranges: &[#(#ranges),*],
            };
        }
    });
    let types = m.types.iter().map(|t| match t {
        TypeDef::Struct(s) if s.usage == Usage::Request => struct_checks(m, s),
        TypeDef::Union(u) if u.usage == Usage::Request => union_checks(m, u),
        _ => quote!(),
    });
    quote!(#(#counters)* #(#types)*)
}

/// The count expression of a length check.
fn count(c: &CounterRef) -> TokenStream {
    let rt = rt();
    match c {
        CounterRef::UnicodeScalars => quote!(#rt::count::Count::UnicodeScalars),
        CounterRef::Utf16Units => quote!(#rt::count::Count::Utf16Units),
        CounterRef::Bytes => quote!(#rt::count::Count::Bytes),
        CounterRef::Weighted(n) => {
            let n = shouty(n);
            quote!(#rt::count::Count::Weighted(&#n))
        }
    }
}

fn opt_i64(v: Option<i64>) -> TokenStream {
    match v {
        Some(n) => {
            let n = int(n);
            quote!(Some(#n))
        }
        None => quote!(None),
    }
}

/// A code point as a hex literal, `0x4E00`.
fn hex(n: u32) -> TokenStream {
    format!("0x{n:04X}").parse().unwrap_or_else(|_| int(n))
}

fn opt_u64(v: Option<i64>) -> TokenStream {
    match v {
        Some(n) => {
            let n = int(n.max(0));
            quote!(Some(#n))
        }
        None => quote!(None),
    }
}

/// `<FIELD>_RULES`, the rules of one constrained field as data (`rt::FieldRules`), shared
/// by `check()` and the raw-JSON reader.
fn rules_def(f: &Field) -> Option<TokenStream> {
    if f.checks.is_empty() {
        return None;
    }
    let rt = rt();
    let name = rules_const(f);
    let (key, id) = (&f.wire, &f.id_base);
    let checks = f.checks.iter().map(|c| match &c.kind {
        CheckKind::Length { min, max, counter } => {
            let (count, min, max) = (count(counter), opt_u64(*min), int((*max).max(0)));
            quote!(#rt::Check::Length(#count, #min, #max))
        }
        CheckKind::Range { min, max } => {
            let (min, max) = (opt_i64(*min), opt_i64(*max));
            quote!(#rt::Check::Range(#min, #max))
        }
        CheckKind::Items { min, max } => {
            let (min, max) = (opt_u64(*min), opt_u64(*max));
            quote!(#rt::Check::Items(#min, #max))
        }
        CheckKind::Url { schemes, data } => quote!(#rt::Check::Url(&[#(#schemes),*], &[#(#data),*])),
        CheckKind::DataUri { types, max_bytes } => {
            let max = int(*max_bytes);
            quote!(#rt::Check::DataUri(&[#(#types),*], #max))
        }
        CheckKind::PublicUrl => quote!(#rt::Check::PublicUrl),
    });
    let aliases = &f.aliases;
    let aliases = (!aliases.is_empty()).then(|| quote!(.with_aliases(&[#(#aliases),*])));
    let doc = lines(&format!("Rules of `{}`.", f.wire));
    Some(quote! {
        #doc
        const #name: #rt::FieldRules = #rt::FieldRules::new(#key, #id, &[#(#checks),*])#aliases;
    })
}

/// The statements of `check(&self, path, out)` for one field.
fn check_field(f: &Field) -> Option<TokenStream> {
    let n = ident(&f.rust);
    let wire = &f.wire;
    let nested = matches!(f.ty, Ty::Struct(_) | Ty::Union(_));
    if f.checks.is_empty() && !nested {
        return None;
    }
    let path = if f.flatten { quote!(path) } else { quote!(&path.key(#wire)) };
    if !nested {
        let rules = rules_const(f);
        return Some(quote!(Self::#rules.check(&self.#n, path, out);));
    }
    Some(if f.required {
        quote!(self.#n.check(#path, out);)
    } else {
        quote!(if let Some(v) = &self.#n { v.check(#path, out); })
    })
}

fn validate_methods(type_name: &str) -> TokenStream {
    let rt = rt();
    let doc = lines(&format!(
        "Checks every documented rule the type system cannot express (lengths, ranges, item counts, URLs) and returns all violations at once, each with its JSON path relative to this {type_name}."
    ));
    quote! {
        #doc
        pub fn validate(&self) -> Result<(), #rt::Violations> {
            #rt::Violations::collect(|out| self.check(&#rt::Path::ROOT, out))
        }
    }
}

fn struct_checks(m: &Module, s: &Struct) -> TokenStream {
    let rt = rt();
    let name = ident(&s.name);
    let rules = s.fields.iter().filter_map(rules_def);
    let stmts: Vec<TokenStream> = s.fields.iter().filter_map(check_field).collect();
    let (path, out) = if stmts.is_empty() { (quote!(_path), quote!(_out)) } else { (quote!(path), quote!(out)) };
    let validate = validate_methods("value");
    let extras = request_extras(m, s);
    quote! {
        impl #name {
            #(#rules)*

            /// Pushes the violations of this value, with paths under `path`.
            pub(crate) fn check(&self, #path: &#rt::Path<'_>, #out: &mut Vec<#rt::Violation>) {
                #(#stmts)*
            }

            #validate
            #extras
        }
    }
}

fn union_checks(m: &Module, u: &Union) -> TokenStream {
    let rt = rt();
    let name = ident(&u.name);
    let lints = lint_dispatch(m, &u.name).map(|dispatch| {
        let doc = lines(
            "Warnings about likely mistakes that the provider would accept (see the spec's `[[lints]]`), for the selected mode. Empty when nothing looks wrong.",
        );
        quote! {
            #doc
            pub fn lints(&self) -> Vec<#rt::Lint> {
                let mut out = Vec::new();
                #dispatch
                out
            }
        }
    });
    let arms = u.variants.iter().map(|v| {
        let vn = ident(&v.name);
        if v.payload.is_some() { quote!(Self::#vn(p) => p.check(path, out)) } else { quote!(Self::#vn => {}) }
    });
    let validate = validate_methods("value");
    quote! {
        impl #name {
            /// Pushes the violations of the selected variant's fields.
            pub(crate) fn check(&self, path: &#rt::Path<'_>, out: &mut Vec<#rt::Violation>) {
                match self { #(#arms,)* }
            }

            #validate
            #lints
        }
    }
}

/// For a request type whose mode union has variants with lints of their own: the statement
/// that adds the selected variant's lints to `out`.
fn lint_dispatch(m: &Module, root: &str) -> Option<TokenStream> {
    let u = m.modes.union.as_ref()?;
    if !m.submits.iter().any(|o| o.request.as_deref() == Some(root)) {
        return None;
    }
    let un = m.types.iter().find_map(|t| match t {
        TypeDef::Union(x) if x.name == u.union => Some(x),
        _ => None,
    })?;
    let linted: Vec<&crate::ir::Variant> = un
        .variants
        .iter()
        .filter(|v| v.payload.as_ref().is_some_and(|p| m.lints.iter().any(|l| l.holder == *p)))
        .collect();
    if linted.is_empty() {
        return None;
    }
    let scrutinee = super::mode_scrutinee(u);
    let un = ident(&u.union);
    let arms = linted.iter().map(|v| {
        let vn = ident(&v.name);
        quote!(#un::#vn(p) => p.lints())
    });
    let rest = (linted.len() < m.modes.modes.len()).then(|| quote!(_ => Vec::new(),));
    Some(quote!(out.extend(match #scrutinee { #(#arms,)* #rest });))
}

/// Media rules, truncation helpers and lints of a request struct.
fn request_extras(m: &Module, s: &Struct) -> TokenStream {
    let rt = rt();
    let mut items = Vec::new();
    for f in &s.fields {
        if let Some(md) = &f.media {
            let cname = format_ident!("{}_MEDIA", crate::ir::names::shouty(&f.rust));
            let formats = &md.formats;
            let px = |v: Option<u32>| match v {
                Some(n) => {
                    let n = int(n);
                    quote!(Some(#n))
                }
                None => quote!(None),
            };
            let (short, width, height) = (px(md.min_short_edge_px), px(md.min_width_px), px(md.min_height_px));
            let bytes = int(md.max_bytes);
            let aspect = match (&md.aspect, &md.aspect_text) {
                (Some(((ln, ld), (hn, hd))), Some((lt, ht))) => {
                    let (ln, ld, hn, hd) = (int(*ln), int(*ld), int(*hn), int(*hd));
                    quote!(Some(#rt::AspectRange { min: (#ln, #ld), max: (#hn, #hd), min_text: #lt, max_text: #ht }))
                }
                _ => quote!(None),
            };
            let doc = lines(&format!(
                "Requirements on the media behind `{}`, which only a fetch can check (see the field docs).\n\n- {}",
                f.wire,
                super::docs::source(&md.source)
            ));
            items.push(quote! {
                #doc
                pub const #cname: #rt::MediaRules = #rt::MediaRules {
                    formats: &[#(#formats),*],
                    min_short_edge_px: #short,
                    min_width_px: #width,
                    min_height_px: #height,
                    aspect: #aspect,
                    max_bytes: #bytes,
                };
            });
        }
        let truncates = f.overflow.as_ref().is_some_and(|o| o.server_truncates);
        let limit = f.checks.iter().find_map(|c| match &c.kind {
            CheckKind::Length { max, counter, .. } => Some((*max, counter.clone())),
            _ => None,
        });
        if let (true, Some((max, counter)), Ty::String) = (truncates, limit, &f.ty) {
            let n = ident(&f.rust);
            let fname = format_ident!("truncate_{}_to_limit", f.rust.trim_end_matches('_'));
            let count = count(&counter);
            let max = int(max.max(0));
            let doc = lines(&format!(
                "Opt-in: cuts `{}` to the longest prefix within its length limit ({max}), as the provider would on its side. `validate()` rejects over-long values; call this first to send the truncated text instead. Returns whether anything was cut.",
                f.wire
            ));
            let body = if f.required {
                quote!(#count.truncate(&mut self.#n, #max))
            } else {
                quote!(self.#n.as_mut().is_some_and(|v| #count.truncate(v, #max)))
            };
            items.push(quote! {
                #doc
                pub fn #fname(&mut self) -> bool { #body }
            });
        }
    }
    let media: Vec<TokenStream> = s
        .fields
        .iter()
        .filter(|f| f.media.is_some())
        .map(|f| {
            let n = ident(&f.rust);
            let cname = format_ident!("{}_MEDIA", crate::ir::names::shouty(&f.rust));
            let (wire, id) = (&f.wire, &f.id_base);
            let one = |v: TokenStream, path: TokenStream| quote!(#rt::preflight::check(#v, &Self::#cname, &#path, #id, &mut out).await;);
            let each = |v: TokenStream| {
                let check = one(quote!(url), quote!(#rt::violation::index(#wire, i)));
                quote!(for (i, url) in #v.iter().enumerate() { #check })
            };
            match (&f.ty, f.required) {
                (Ty::Array(_), true) => each(quote!(self.#n)),
                (Ty::Array(_), false) => {
                    let body = each(quote!(v));
                    quote!(if let Some(v) = &self.#n { #body })
                }
                (_, true) => one(quote!(&self.#n), quote!(ToString::to_string(#wire))),
                (_, false) => {
                    let body = one(quote!(v), quote!(ToString::to_string(#wire)));
                    quote!(if let Some(v) = &self.#n { #body })
                }
            }
        })
        .collect();
    if !media.is_empty() {
        let doc = lines(
            "Opt-in preflight of the media requirements a URL alone cannot show (format, pixel size, file size): fetches the first 64 KiB of each media URL, without the API key, and returns every requirement broken. `validate()` does not do this.",
        );
        items.push(quote! {
            #doc
            pub async fn preflight_media(&self) -> Result<(), #rt::Violations> {
                let mut out = Vec::new();
                #(#media)*
                #rt::Violations::check(out)
            }
        });
    }
    let own_lints: Vec<&crate::ir::Lint> = m.lints.iter().filter(|l| l.holder == s.name).collect();
    let dispatch = lint_dispatch(m, &s.name);
    if !own_lints.is_empty() || dispatch.is_some() {
        let checks = own_lints.iter().map(|l| {
            let (text, list) = (ident(&l.text), ident(&l.list));
            let (token, ci, first, id, tw) = (&l.token, l.case_insensitive, int(l.first_index), &l.id, &l.text_wire);
            let esc = |s: &str| s.replace('{', "{{").replace('}', "}}");
            let message = format!(
                "{}: {}{{k}} (`{}` has {{count}} item(s), numbered from {})",
                esc(&l.message),
                esc(&l.token),
                esc(&l.list_wire),
                l.first_index
            );
            quote! {
                let count = self.#list.len() as u64;
                for k in #rt::lint::indexed_mentions(&self.#text, #token, #ci) {
                    if !(#first..#first + count).contains(&k) {
                        out.push(#rt::Lint {
                            id: #id,
                            path: ToString::to_string(#tw),
                            message: ::std::format!(#message),
                        });
                    }
                }
            }
        });
        let doc = lines(
            "Warnings about likely mistakes that the provider would accept (see the spec's `[[lints]]`). Empty when nothing looks wrong.",
        );
        items.push(quote! {
            #doc
            pub fn lints(&self) -> Vec<#rt::Lint> {
                let mut out = Vec::new();
                #(#checks)*
                #dispatch
                out
            }
        });
    }
    quote!(#(#items)*)
}
