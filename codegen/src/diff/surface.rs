//! What the generated Rust code lets users do with its types, read from the code the
//! generator emits rather than assumed: whether an enum can be matched exhaustively and
//! whether a struct can be built with a struct literal. Both decide whether adding a
//! variant or a field breaks code (as cargo-semver-checks would say: `enum_variant_added`
//! and `constructible_struct_adds_field` on items without `#[non_exhaustive]`).

use std::collections::BTreeMap;

use super::change::{Class, Reach};
use crate::ir::Module;

/// The exhaustiveness of the generated enums and structs of one module.
#[derive(Debug, Clone, Default)]
pub struct Surface {
    /// Enum name → users can match it exhaustively (no `#[non_exhaustive]`).
    enums: BTreeMap<String, bool>,
    /// Struct name → users can build it with a struct literal (every field `pub`, no
    /// `#[non_exhaustive]`).
    structs: BTreeMap<String, bool>,
}

fn non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

impl Surface {
    /// Reads the surface of the code emitted for `m`. Emitted code that does not parse
    /// (a generator bug, caught by `cargo xtask codegen`) gives the cautious answer: every
    /// type is treated as exhaustive and constructible.
    pub fn of(m: &Module) -> Surface {
        let mut s = Surface::default();
        let Ok(file) = syn::parse2::<syn::File>(crate::emit::module_items(m)) else { return s };
        for item in &file.items {
            match item {
                syn::Item::Enum(e) => {
                    s.enums.insert(e.ident.to_string(), !non_exhaustive(&e.attrs));
                }
                syn::Item::Struct(st) if matches!(st.fields, syn::Fields::Named(_)) => {
                    let all_pub = st.fields.iter().all(|f| matches!(f.vis, syn::Visibility::Public(_)));
                    s.structs.insert(st.ident.to_string(), all_pub && !non_exhaustive(&st.attrs));
                }
                _ => {}
            }
        }
        s
    }

    /// Users can match enum `name` exhaustively (unknown names count as exhaustive).
    pub fn exhaustive(&self, name: &str) -> bool {
        self.enums.get(name).copied().unwrap_or(true)
    }

    /// Users can build struct `name` with a struct literal (unknown names count as yes).
    pub fn constructible(&self, name: &str) -> bool {
        self.structs.get(name).copied().unwrap_or(true)
    }

    /// The class of adding a variant to enum `name`, and which code it breaks.
    pub fn variant_added(&self, name: &str) -> (Class, Option<Reach>) {
        if self.exhaustive(name) { (Class::Breaking, Some(Reach::ExhaustiveMatches)) } else { (Class::Additive, None) }
    }

    /// The class of adding an optional field to the structs `names`.
    pub fn optional_field_added<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> (Class, Option<Reach>) {
        if names.into_iter().any(|n| self.constructible(n)) {
            (Class::Breaking, Some(Reach::StructLiterals))
        } else {
            (Class::Additive, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apixo() -> Module {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/apixo-happyhorse.toml");
        crate::lower_file(&path, "spec/apixo-happyhorse.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Reads the generated code as it is today (regression guard of the classification's
    /// premise): no generated enum or struct is `#[non_exhaustive]`, so added variants and
    /// fields are breaking. When the generator marks them, this test shows it and the
    /// classification follows by itself.
    #[test]
    fn generated_enums_and_structs_are_exhaustive_today() {
        let s = Surface::of(&apixo());
        for name in ["Resolution", "FailCode", "TaskState", "Input", "Delivery"] {
            assert!(s.enums.contains_key(name), "{name} not found in the emitted code");
            assert!(s.exhaustive(name), "{name}");
        }
        for name in ["SubmitRequest", "TextToVideoInput", "TaskData", "BillingInputs"] {
            assert!(s.structs.contains_key(name), "{name} not found in the emitted code");
            assert!(s.constructible(name), "{name}");
        }
        assert_eq!(s.variant_added("Resolution"), (Class::Breaking, Some(Reach::ExhaustiveMatches)));
    }

    #[test]
    fn non_exhaustive_items_make_additions_additive() {
        let mut s = Surface::default();
        s.enums.insert("E".into(), false);
        s.structs.insert("S".into(), false);
        assert_eq!(s.variant_added("E"), (Class::Additive, None));
        assert_eq!(s.optional_field_added(["S"]), (Class::Additive, None));
    }
}
