//! `cargo xtask <command>`: the commands maintainers and CI run. Thin: the work is in the
//! `happyhorse-codegen` library and the `conformance` program.

#![forbid(unsafe_code)]

mod bench_compare;
mod ci_proof;
mod codegen;
mod conformance;
mod docs_check;
mod load;
mod openapi;
mod spec_diff;

use std::path::PathBuf;
use std::process::ExitCode;

use happyhorse_codegen::output;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check]        generate generated-client/src/providers/ from spec/*.toml;
                           with --check, change nothing and fail if a file is stale
  docs-check [--json]      after saving a provider's page over its copies in
                           spec/docs/: report changed, removed and new doc facts and
                           spec values that disagree with the docs; exit 1 on any
  spec-diff OLD NEW [--markdown | --json]
                           what changing the specs from OLD to NEW changes for users
                           of happyhorse-client: breaking, behaviour and additive
                           changes, each with its spec key path, and the version bump.
                           OLD and NEW are git refs or directories of spec *.toml
                           files. Exit status: 0 no change for users, 2 breaking,
                           3 behaviour (none breaking), 4 additive only, 1 error
  conformance [--cases N] [--seed S] [--junit FILE]
                           prove the clients against the docs: oracle cases, boundary
                           cases of every constraint, property tests, the client against
                           the simulator under faults, webhooks, the example program,
                           Schemathesis; prints the constraint coverage matrix
  simulate [--release] [--port N] [--host ADDR] [...]
                           run the simulator of every module the specs define (default
                           127.0.0.1:8787, kept-alive connections); `cargo xtask simulate
                           --help` lists the modules, its options (--task-ttl, --max-tasks,
                           webhooks) and its faults; --release builds it optimised
  load [--release] [--connections N] [--seconds S] [--max-requests N] [...]
                           start the simulator on loopback and drive a module's status
                           query and submit (its documented request example) over N
                           kept-alive connections (default 32) for S seconds (default
                           10) or N requests; print req/s, p50/p90/p99 latency and the
                           simulator's memory. Also --scenario status|submit|both,
                           --module M, --task-ttl S, --max-tasks N (the simulator's),
                           --url http://127.0.0.1:PORT[/BASE] (another local server,
                           the operations' paths under BASE), --json
  bench-compare [--seconds S] [--connections N] [--cases N]
                           optional, not in CI: install the anchors into
                           target/bench-compare/ (Prism from npm, Schemathesis from
                           PyPI, cargo-progenitor from crates.io) and print a markdown
                           table of ours against them, measured in the same run: the
                           simulator against Prism under load, property cases per
                           second against Schemathesis, generated lines and `cargo
                           check` time against progenitor; an anchor that cannot be
                           installed is reported as skipped
  ci-proof [--keep]        prove that a new endpoint and a new provider need no Rust:
                           copy the workspace to a temporary directory, add a Modellix
                           endpoint and a provider of another shape (spec, doc copy,
                           case file), then run codegen, the build, the client's and the
                           generator's tests, docs-check and conformance there
  openapi [--out DIR] [--openapi-version 3.1|3.0]
                           write <module>.openapi.json (OpenAPI 3.1, or 3.0 for older
                           tools) and <module>.request.schema.json (JSON Schema
                           2020-12) of every module to DIR (default target/openapi)
";

/// How a command ended, when not successfully.
#[derive(Debug)]
pub enum Failure {
    /// Print this (after `error: `) and exit with 1.
    Error(String),
    /// A program the command ran has already said what went wrong: exit with its code.
    Exit(u8),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Error(message)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Error(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(Failure::Exit(code)) => ExitCode::from(code),
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => {
            eprint!("{USAGE}");
            return Err(Failure::Exit(2));
        }
    };
    if matches!(command, "-h" | "--help" | "help") {
        print!("{USAGE}");
        return Ok(());
    }
    if command == "simulate" && rest.iter().any(|a| a == "-h" || a == "--help") {
        print!("{}", conformance::simulate_help(&workspace_root()?));
        return Ok(());
    }
    if !matches!(
        command,
        "codegen"
            | "docs-check"
            | "spec-diff"
            | "openapi"
            | "conformance"
            | "simulate"
            | "ci-proof"
            | "load"
            | "bench-compare"
    ) {
        return Err(Failure::Error(format!("unknown command {command:?}; `cargo xtask --help` lists the commands")));
    }
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        // One usage text documents every command's arguments.
        print!("{USAGE}");
        return Ok(());
    }
    let root = workspace_root()?;
    if command == "spec-diff" {
        // spec-diff prints its own report and chooses its exit status.
        return match spec_diff::run(&root, rest) {
            Ok((report, 0)) => {
                print!("{report}");
                Ok(())
            }
            Ok((report, code)) => {
                print!("{report}");
                Err(Failure::Exit(code))
            }
            Err(e) => Err(Failure::Error(format!("spec-diff: {e}"))),
        };
    }
    match command {
        "codegen" => codegen::run(&root, rest).map_err(Failure::from),
        "docs-check" => docs_check::run(&root, rest).map_err(Failure::from),
        "openapi" => openapi::run(&root, rest).map_err(Failure::from),
        "conformance" => conformance::conformance(&root, rest),
        "ci-proof" => ci_proof::run(&root, rest),
        "load" => load::run(&root, rest),
        "bench-compare" => bench_compare::run(&root, rest),
        _ => conformance::simulate(&root, rest),
    }
}

/// The checkout `cargo xtask` was run in, found at run time from the current directory
/// (never the directory this binary was compiled in: with a shared target directory that
/// would be another checkout).
fn workspace_root() -> Result<PathBuf, String> {
    let here = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    output::find_root(&here)
}

#[cfg(test)]
mod tests {
    use super::USAGE;

    /// Every command starts at column 2, and every description at one column, whether on the
    /// command's line or on the lines below it.
    #[test]
    fn the_usage_text_is_aligned() {
        let description_column = 27;
        let commands = USAGE.lines().skip_while(|l| *l != "commands:").skip(1).filter(|l| !l.trim().is_empty());
        for line in commands {
            let indent = line.len() - line.trim_start().len();
            if indent == description_column {
                continue;
            }
            assert_eq!(indent, 2, "misaligned: {line:?}");
            if let Some(gap) = line[2..].find("  ") {
                let rest = &line[2 + gap..];
                let start = 2 + gap + rest.len() - rest.trim_start().len();
                assert_eq!(start, description_column, "description misaligned: {line:?}");
            }
        }
    }
}
