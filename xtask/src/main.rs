//! `cargo xtask <command>`: the commands maintainers and CI run. Thin: the work is in the
//! `happyhorse-codegen` library.

#![forbid(unsafe_code)]

mod codegen;
mod conformance;
mod docs_check;
mod openapi;
mod spec_diff;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check]   generate generated-client/src/providers/ from spec/*.toml;
                      with --check, change nothing and fail if a file is stale
  docs-check [--json] after saving a provider's page over its copy in spec/docs/:
                      report changed, removed and new doc facts and spec values
                      that disagree with the docs; exit 1 on any
  spec-diff OLD NEW [--markdown | --json]
                      what changing the specs from OLD to NEW changes for users of
                      happyhorse-client: breaking, behaviour and additive changes,
                      each with its spec key path, and the version bump. OLD and NEW
                      are git refs or directories of spec *.toml files. Exit status:
                      0 no change for users, 2 breaking, 3 behaviour (none breaking),
                      4 additive only, 1 error
    conformance [--cases N] [--junit FILE] [--seed S]
                      prove the clients against the docs: oracle cases, boundary
                      cases of every constraint, property tests, the client against
                      the simulator under faults, the examples, Schemathesis; prints
                      the constraint coverage matrix
  simulate [--port N] [--host ADDR]
                      run the simulator of both providers (default 127.0.0.1:8787)
  openapi [--out DIR] write <module>.openapi.json (OpenAPI 3.1) and
                      <module>.request.schema.json (JSON Schema 2020-12) of
                      every module to DIR (default target/openapi)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    if args.first().map(String::as_str) == Some("spec-diff") {
        return spec_diff::main(&root, &args[1..]);
    }
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&root, &args[1..]),
        Some("docs-check") => docs_check::run(&root, &args[1..]),
        Some("openapi") => openapi::run(&root, &args[1..]),
        Some("conformance") => conformance::conformance(&root, &args[1..]),
        Some("simulate") => conformance::simulate(&root, &args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}
