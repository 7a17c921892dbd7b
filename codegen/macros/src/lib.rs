//! Proc-macro front-end of `happyhorse-codegen`: a thin wrapper, so the macro and
//! `cargo xtask codegen` produce the same items from the same library.
//!
//! ```ignore
//! mod apixo {
//!     happyhorse_codegen_macros::provider!("../spec/apixo-happyhorse.toml");
//! }
//! ```
//!
//! Paths are relative to the invoking crate's `CARGO_MANIFEST_DIR`. The expanding crate
//! needs `happyhorse-client` as a dependency (the generated code calls its runtime). Expand
//! it in a module of its own, as above: the items start with `use ::happyhorse_client::runtime
//! as rt;` and use the standard prelude's `Option`, `String`, `Vec` and `Result` unqualified,
//! so another item named `rt` or `Option` in the same module would clash with them.

#![forbid(unsafe_code)]

use std::path::PathBuf;

use proc_macro::TokenStream;
use quote::quote;
use syn::LitStr;

/// Resolves the spec path and runs the generator; errors become `compile_error!`.
fn expand(input: TokenStream) -> Result<(proc_macro2::TokenStream, PathBuf), proc_macro2::TokenStream> {
    let lit: LitStr = syn::parse(input).map_err(|e| e.to_compile_error())?;
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let path = base.join(lit.value());
    let name = happyhorse_codegen::display_name(&path);
    let tokens = happyhorse_codegen::module_tokens(&path, &name).map_err(|e| {
        let msg = e.to_string();
        quote::quote_spanned!(lit.span() => ::core::compile_error!(#msg);)
    })?;
    Ok((tokens, path))
}

/// Expands to the items of the provider module generated from a spec file, the same
/// items `cargo xtask codegen` writes to `generated-client/src/providers/<module>.rs`.
#[proc_macro]
pub fn provider(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok((tokens, path)) => {
            // Rebuild when a spec file of the provider changes (its endpoint files included).
            let name = happyhorse_codegen::display_name(&path);
            let track = happyhorse_codegen::group_paths(&path, &name)
                .into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect::<Vec<_>>();
            quote!(#tokens #(const _: &[u8] = ::core::include_bytes!(#track);)*).into()
        }
        Err(e) => e.into(),
    }
}

/// Expands to a string literal holding the tokens `provider!` expands to (without the
/// rebuild tracking), so a test can compare them with the checked-in file.
#[proc_macro]
pub fn provider_tokens(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok((tokens, _)) => {
            let s = tokens.to_string();
            quote!(#s).into()
        }
        Err(e) => e.into(),
    }
}
