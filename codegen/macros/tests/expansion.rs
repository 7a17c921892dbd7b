//! The proc-macro and `cargo xtask codegen` produce the same items: the tokens the macro
//! expands to (in the compiler), formatted by the generator's formatting pass, are the
//! checked-in generated file byte for byte (below its header), and the expanded modules
//! compile and pass their documented-example tests here, outside the generated crate.

use std::path::Path;

/// The checked-in generated file without its header comment lines.
fn checked_in_body(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../generated-client/src/providers").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let (_header, body) = text.split_once("\n\n").expect("a generated file starts with a header block");
    body.to_owned()
}

/// The macro's tokens, formatted as `cargo xtask codegen` formats them.
fn formatted(macro_tokens: &str) -> String {
    let tokens: proc_macro2::TokenStream = macro_tokens.parse().expect("the macro's output is a token stream");
    happyhorse_codegen::output::format(tokens, "macro expansion").expect("the macro's output is a Rust file")
}

/// Equal, or a panic showing where they first differ.
fn assert_same(from_macro: &str, checked_in: &str, file: &str) {
    if from_macro == checked_in {
        return;
    }
    let at = from_macro.bytes().zip(checked_in.bytes()).take_while(|(a, b)| a == b).count();
    let show = |s: &str| s.get(at.saturating_sub(80)..(at + 80).min(s.len())).unwrap_or_default().to_owned();
    panic!(
        "the macro's expansion differs from generated-client/src/providers/{file} at byte {at}; run `cargo xtask codegen`\n macro: ...{}...\n file:  ...{}...",
        show(from_macro),
        show(checked_in)
    );
}

#[test]
fn apixo_macro_expansion_equals_the_checked_in_file() {
    let from_macro = formatted(happyhorse_codegen_macros::provider_tokens!("../../spec/apixo-happyhorse.toml"));
    assert_same(&from_macro, &checked_in_body("apixo.rs"), "apixo.rs");
}

#[test]
fn modellix_macro_expansion_equals_the_checked_in_file() {
    let from_macro = formatted(happyhorse_codegen_macros::provider_tokens!("../../spec/modellix.toml"));
    assert_same(&from_macro, &checked_in_body("modellix.rs"), "modellix.rs");
}

mod apixo_expanded {
    happyhorse_codegen_macros::provider!("../../spec/apixo-happyhorse.toml");
}

mod modellix_expanded {
    happyhorse_codegen_macros::provider!("../../spec/modellix.toml");
}

#[test]
fn expanded_modules_work_outside_the_generated_crate() {
    // apixo-happyhorse.txt:110-120, the text-to-video request body.
    let req = apixo_expanded::SubmitRequest::from_json_slice(apixo_expanded::examples::TEXT_TO_VIDEO.as_bytes())
        .expect("the documented example is accepted");
    assert_eq!(req.mode(), "text-to-video");
    // modellix-happyhorse-1.0-r2v.txt:12-17, the submit body.
    let req = modellix_expanded::ReferenceToVideoRequest::from_json_slice(
        modellix_expanded::examples::SUBMIT_REFERENCE_TO_VIDEO.as_bytes(),
    )
    .expect("the documented example is accepted");
    assert_eq!(req.reference_images.len(), 1);
}
