//! `cargo xtask docs-check [--json]`: after saving a provider's current page over its copy
//! in `spec/docs/` (text form, and the markdown form beside it), reports per spec file what
//! changed: facts whose words changed (old → new), facts that are gone, doc facts no spec
//! fact covers, and spec values that disagree with their doc fact. Silent, exit 0, when the
//! specs and the pages agree; exit 1 on any finding.

use std::path::Path;

use happyhorse_codegen::drift;

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut json = false;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            other => return Err(format!("docs-check: unknown argument `{other}`; expected `--json` or nothing")),
        }
    }
    let report = drift::check_workspace(root)?;
    if json {
        let text = serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print!("{}", report.render_text());
    }
    if report.is_clean() {
        Ok(())
    } else {
        Err(format!(
            "{} finding(s): the docs changed or the spec does not cover them; update the spec (spec/README.md), then `cargo xtask codegen`",
            report.count()
        ))
    }
}
