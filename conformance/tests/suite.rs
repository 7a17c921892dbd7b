//! The conformance suite under `cargo test` (fewer property cases than `cargo xtask
//! conformance`), and snapshots (insta) of what a reviewer should see change: the OpenAPI
//! export, every validation message for the oracle's bad requests, every parsed documented
//! answer, and the coverage report.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use happyhorse_conformance::oracle::{Cases, Expect, Expected};
use happyhorse_conformance::runner::{self, RunOptions};
use happyhorse_conformance::suites::Options;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cases() -> Cases {
    let subjects = happyhorse_conformance::harness::subjects(&root()).expect("valid specs");
    happyhorse_conformance::harness::cases(&root(), &subjects).expect("the case files load")
}

/// The generated clients by module: the providers', and the golden cases' (compiled into the
/// harness), as the conformance run finds them.
fn clients() -> HashMap<String, &'static dyn happyhorse_client::runtime::provider::Module> {
    let subjects = happyhorse_conformance::harness::subjects(&root()).expect("valid specs");
    subjects.into_iter().map(|s| (s.name().to_owned(), s.client)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes_with_full_coverage() {
    let opts = RunOptions {
        root: root(),
        suites: Options { cases: 32, ..Options::default() },
        examples: None,
        schemathesis: None,
    };
    let result = runner::run(&opts).await.expect("the harness starts");
    let failures: Vec<String> = result
        .report
        .failures()
        .iter()
        .map(|f| format!("{} / {}: {}", f.suite, f.name, f.failure.as_deref().unwrap_or_default()))
        .collect();
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n\n"));
    assert_eq!(result.coverage.uncovered(), Vec::<String>::new(), "\n{}", result.coverage.render());
    insta::assert_snapshot!("coverage", result.coverage.render());
}

/// The run must not depend on the seed or on how many cases the properties run: small case
/// counts once made the callbacks suite fail, because deliveries of tasks that earlier suites
/// submitted were still arriving and consumed the receiver's scripted refusals. The seeds
/// and counts are the ones that failed then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes_over_several_seeds_and_small_case_counts() {
    let mut failures = Vec::new();
    for seed in [1, 3, 7, 42, 100] {
        for cases in [8, 16] {
            let opts = RunOptions {
                root: root(),
                suites: Options { cases, seed, ..Options::default() },
                examples: None,
                schemathesis: None,
            };
            let result = runner::run(&opts).await.expect("the harness starts");
            for f in result.report.failures() {
                failures.push(format!(
                    "--seed {seed} --cases {cases}: {} / {}: {}",
                    f.suite,
                    f.name,
                    f.failure.as_deref().unwrap_or_default()
                ));
            }
            assert_eq!(result.coverage.uncovered(), Vec::<&str>::new(), "--seed {seed} --cases {cases}");
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn openapi_exports() {
    for m in happyhorse_codegen::output::load_all(&root()).expect("valid specs") {
        let mut doc = happyhorse_codegen::openapi::openapi(&m);
        // The version is the spec file's hash: any edit of the spec changes it, and the
        // snapshot is about the schema, not the file.
        doc["info"]["version"] = serde_json::json!("sha256:(the spec file's hash)");
        insta::assert_snapshot!(format!("openapi_{}", m.module), format!("{doc:#}"));
    }
}

#[test]
fn validation_messages() {
    let clients = clients();
    let mut out = String::new();
    for case in cases().requests.iter().filter(|c| matches!(c.client, Expect::Reject(_))) {
        let _ = writeln!(out, "## {}/{}: {} ({})", case.module, case.operation, case.name, case.doc);
        match clients[&case.module].check_request(&case.operation, &case.body) {
            Ok(_) => out.push_str("ACCEPTED\n"),
            Err(v) => {
                for violation in v.as_slice() {
                    let _ = writeln!(out, "{violation}  [{}]", violation.constraint);
                }
            }
        }
        out.push('\n');
    }
    insta::assert_snapshot!("validation_messages", out);
}

#[test]
fn parsed_documented_answers() {
    let clients = clients();
    let mut out = String::new();
    for case in cases().responses {
        let c = clients[&case.module];
        let _ = writeln!(out, "## {}/{}: {} ({})", case.module, case.operation, case.name, case.doc);
        let body = case.body.as_bytes();
        match &case.expect {
            Expected::Submitted { .. } => match c.decode_submitted(body) {
                Ok(a) => {
                    let _ = writeln!(
                        out,
                        "task_id: {}\nfollow_url: {:?}\nenvelope: {} {:?}",
                        a.task_id(),
                        a.follow_url(),
                        a.envelope_code().map_or_else(|| "none".to_owned(), |c| c.to_string()),
                        a.envelope_message()
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "ERROR {e}");
                }
            },
            Expected::Status { .. } => match c.decode_status(body) {
                Ok(a) => {
                    let _ = writeln!(
                        out,
                        "task_id: {}\nstate: {} ({:?})\noutputs: {:?}\nfailure: {:?}",
                        a.task_id(),
                        a.state(),
                        a.phase(),
                        a.outputs(),
                        a.failure()
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "ERROR {e}");
                }
            },
            Expected::Error { .. } => match c.decode_error(body) {
                Ok(a) => {
                    let _ = writeln!(out, "code: {:?}\nmessage: {:?}", a.api_code(), a.api_message());
                }
                Err(e) => {
                    let _ = writeln!(out, "ERROR {e}");
                }
            },
        }
        out.push('\n');
    }
    insta::assert_snapshot!("parsed_documented_answers", out);
}
