//! The coverage matrix's denominator comes from the docs: a rule a doc page states (read by
//! the doc reader) that no spec constraint encodes is an uncovered row, even when every spec
//! constraint is covered.

use std::path::Path;

use happyhorse_codegen::drift;
use happyhorse_conformance::coverage::Coverage;

/// The workspace's spec directory copied to a temporary one, with `edit` applied to one doc copy.
fn modules_and_rules(
    name: &str,
    copy: &str,
    old: &str,
    new: &str,
) -> (Vec<happyhorse_codegen::ir::Module>, Vec<drift::DocRule>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let dir = std::env::temp_dir().join(format!("hh-doc-rules-{}-{name}", std::process::id())).join("spec");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    let modules = happyhorse_codegen::output::load_dir(&src).unwrap();
    for entry in std::fs::read_dir(src.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("docs").join(path.file_name().unwrap())).unwrap();
    }
    let path = dir.join(copy);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(old).count(), 1);
    std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
    let pages = drift::Pages::load(&dir, &modules).unwrap();
    let rules = drift::documented_rules(&modules, &pages);
    std::fs::remove_dir_all(dir.parent().unwrap()).ok();
    (modules, rules)
}

/// A coverage matrix in which every spec constraint was covered by all three judges.
fn all_constraints_covered(modules: &[happyhorse_codegen::ir::Module], rules: Vec<drift::DocRule>) -> Coverage {
    let mut c = Coverage::new(modules).with_doc_rules(modules, rules);
    for m in modules {
        for k in &m.constraints {
            c.accepted(&k.id, true);
            c.rejected(&k.id, true);
        }
    }
    c
}

#[test]
fn the_saved_pages_state_no_rule_the_specs_lack() {
    let (modules, rules) = modules_and_rules("unedited", "docs/FACTS.md", "## Modellix", "## Modellix");
    assert!(rules.len() > 20, "{rules:#?}");
    let c = all_constraints_covered(&modules, rules);
    assert_eq!(c.uncovered(), Vec::<String>::new(), "{}", c.render());
}

#[test]
fn a_documented_rule_without_a_spec_constraint_is_an_uncovered_row() {
    // A new Modellix body parameter with a length rule, which no spec file encodes.
    let (modules, rules) = modules_and_rules(
        "new-rule",
        "docs/modellix-happyhorse-1.0-r2v.txt",
        "Response\n\n200 - application/json",
        "negative_prompt\nstring\n\nWhat the video should not show.\n\nRequired string length: 1 - 500\n\nResponse\n\n200 - application/json",
    );
    let c = all_constraints_covered(&modules, rules);
    let uncovered = c.uncovered();
    assert_eq!(uncovered.len(), 1, "{}", c.render());
    assert!(uncovered[0].starts_with("spec/docs/modellix-happyhorse-1.0-r2v.txt:"), "{uncovered:?}");
    assert!(c.render().contains("NO   spec/docs/modellix-happyhorse-1.0-r2v.txt"), "{}", c.render());
    assert!(c.render().contains("Required string length: 1 - 500"), "{}", c.render());
}

#[test]
fn a_rule_encoded_by_an_uncovered_constraint_is_not_accounted_for() {
    let (modules, rules) = modules_and_rules("uncovered", "docs/FACTS.md", "## Modellix", "## Modellix");
    let mut c = Coverage::new(&modules).with_doc_rules(&modules, rules);
    for m in &modules {
        for k in &m.constraints {
            if k.id != "modellix.r2v.seed:range" {
                c.accepted(&k.id, true);
                c.rejected(&k.id, true);
            }
        }
    }
    let uncovered = c.uncovered();
    // The constraint, and the `Required range: 0 <= x <= 2147483647` row it encodes.
    assert!(uncovered.contains(&"modellix.r2v.seed:range".to_owned()), "{uncovered:?}");
    assert!(uncovered.iter().any(|u| u.starts_with("spec/docs/modellix-happyhorse-1.0-r2v.txt:")), "{uncovered:?}");
}
