//! The judges and the subjects they judge. Every spec module is a [`Subject`]: its checked
//! IR (which generates cases), the generated client (judge one), the exported JSON Schema of
//! each submit operation run by the independent `jsonschema` crate (judge two), and the
//! simulator playing the module over real HTTP (judge three: the same JSON Schema plus its
//! generic code for the rules a schema cannot state, and the HTTP behaviour).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use happyhorse_client::runtime::Violation;
use happyhorse_client::runtime::provider::Module as ClientModule;
use happyhorse_codegen::ir::Module;
use serde_json::Value;

use crate::boundary::BoundaryCase;
use crate::coverage::Coverage;
use crate::oracle::{CASES_DIR, CaseSource, Cases, GOLDEN_CASES};
use crate::receiver::Receiver;
use crate::simulator::{SimConfig, Simulator};

/// The bearer key the harness uses with the simulator.
pub const SIM_KEY: &str = "conformance-key-0001";

/// Where a module under test comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// A provider spec in `spec/`, generated into `generated-client/src/providers/`.
    Spec,
    /// A golden case, `codegen/tests/golden/<case>/` (a synthetic spec of one API shape).
    Golden {
        /// The case (and module) name.
        case: String,
    },
}

impl Group {
    /// How reports name the group: `spec`, `golden/<case>`.
    pub fn label(&self) -> String {
        match self {
            Group::Spec => "spec".to_owned(),
            Group::Golden { case } => format!("golden/{case}"),
        }
    }
}

/// One spec module under test.
pub struct Subject {
    /// The checked spec.
    pub ir: Module,
    /// The generated client's view of it.
    pub client: &'static dyn ClientModule,
    /// The request body's JSON Schema of each submit operation (by key), compiled by the
    /// `jsonschema` crate.
    pub schemas: Vec<(String, jsonschema::Validator)>,
    /// Constraint ids the JSON Schema cannot express, and why.
    pub not_expressible: BTreeMap<String, &'static str>,
    /// A provider spec or a golden case.
    pub group: Group,
    /// The directory the spec's doc copies are under (`spec/`, or the golden case's
    /// directory): case files cite the copies in its `docs/`.
    pub spec_dir: PathBuf,
    /// Its boundary cases, built on first use (some carry megabytes of data URI).
    boundary: OnceLock<Vec<BoundaryCase>>,
}

impl Subject {
    /// The module's name.
    pub fn name(&self) -> &str {
        &self.ir.module
    }

    /// The keys of the submit operations, in spec order.
    pub fn operations(&self) -> Vec<String> {
        self.ir.submits.iter().map(|o| o.key.clone()).collect()
    }

    /// `<module>/<operation>`, how reports name an operation.
    pub fn label(&self, operation: &str) -> String {
        format!("{}/{operation}", self.name())
    }

    /// Where its hand-written case files are, relative to the workspace root:
    /// `conformance/cases/<module>`, or `conformance/cases/golden/<case>` for a golden case.
    pub fn cases_dir(&self) -> String {
        match &self.group {
            Group::Spec => format!("{CASES_DIR}/{}", self.name()),
            Group::Golden { case } => format!("{CASES_DIR}/{GOLDEN_CASES}/{case}"),
        }
    }

    /// Where its doc copies are, relative to the workspace root (`spec/docs`).
    pub fn docs_label(&self) -> String {
        match &self.group {
            Group::Spec => format!("{}/docs", happyhorse_codegen::output::SPEC_DIR),
            Group::Golden { case } => format!("{}/{case}/docs", crate::golden::GOLDEN_DIR),
        }
    }

    /// Its boundary cases ([`crate::boundary::cases`]), built once and shared by the suites.
    pub fn boundary_cases(&self) -> &[BoundaryCase] {
        self.boundary.get_or_init(|| crate::boundary::cases(&self.ir))
    }

    /// Whether this is a golden case (a synthetic spec, not a provider's).
    pub fn is_golden(&self) -> bool {
        matches!(self.group, Group::Golden { .. })
    }

    /// Pairs a checked spec with its generated module in `clients`; `stale` says how to
    /// regenerate it.
    fn new(
        ir: Module,
        clients: &[&'static dyn ClientModule],
        group: Group,
        spec_dir: PathBuf,
        stale: &str,
    ) -> Result<Subject, String> {
        let client = clients
            .iter()
            .copied()
            .find(|c| c.info().module == ir.module)
            .ok_or_else(|| format!("no generated module `{}`: run `{stale}`", ir.module))?;
        if client.info().spec_sha256 != ir.spec_sha256 {
            return Err(format!("the generated module `{}` is stale: run `{stale}`", ir.module));
        }
        let mut schemas = Vec::new();
        for (key, schema_json) in happyhorse_codegen::openapi::request_schemas(&ir) {
            let schema = jsonschema::validator_for(&schema_json)
                .map_err(|e| format!("the exported JSON Schema of `{}/{key}` does not compile: {e}", ir.module))?;
            schemas.push((key, schema));
        }
        let not_expressible = happyhorse_codegen::openapi::not_expressible(&ir).into_iter().collect();
        Ok(Subject { ir, client, schemas, not_expressible, group, spec_dir, boundary: OnceLock::new() })
    }
}

/// Loads every spec of the workspace at `root` and pairs it with its generated module: the
/// provider specs with `providers::MODULES`, then every golden case with the golden outputs
/// ([`crate::golden_clients::MODULES`]).
pub fn subjects(root: &Path) -> Result<Vec<Subject>, String> {
    let spec_dir = root.join(happyhorse_codegen::output::SPEC_DIR);
    let mut out = Vec::new();
    for ir in happyhorse_codegen::output::load_all(root).map_err(|e| e.to_string())? {
        let clients = happyhorse_client::providers::MODULES;
        out.push(Subject::new(ir, clients, Group::Spec, spec_dir.clone(), "cargo xtask codegen")?);
    }
    for (case, dir) in crate::golden::cases(root)? {
        let modules = happyhorse_codegen::output::load_dir(&dir).map_err(|e| format!("golden case {case}: {e}"))?;
        for ir in modules {
            let group = Group::Golden { case: case.clone() };
            out.push(Subject::new(ir, crate::golden_clients::MODULES, group, dir.clone(), crate::golden::UPDATE)?);
        }
    }
    Ok(out)
}

/// The hand-written case files of every subject (`conformance/cases/`), read and checked.
pub fn cases(root: &Path, subjects: &[Subject]) -> Result<Cases, String> {
    let sources: Vec<CaseSource<'_>> = subjects
        .iter()
        .map(|s| CaseSource { module: &s.ir, dir: s.cases_dir(), docs: s.spec_dir.join("docs") })
        .collect();
    Cases::load(root, &sources)
}

/// What the simulator did with a submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimVerdict {
    /// Accepted: a task was created.
    Accepted {
        /// Its id.
        task_id: String,
    },
    /// Rejected with the provider's error shape.
    Rejected {
        /// HTTP status.
        status: u16,
        /// The error body's message.
        message: String,
    },
    /// Anything else.
    Unexpected(String),
}

/// The judges, the simulator and the coverage being collected.
pub struct Harness {
    /// Every module under test.
    pub subjects: Vec<Subject>,
    /// The simulator (every module, one process).
    pub sim: Simulator,
    /// The hand-written, doc-derived cases (`conformance/cases/`).
    pub cases: Cases,
    /// Where the simulator delivers webhooks (never to the public URLs in requests).
    pub receiver: Receiver,
    http: reqwest::Client,
    /// Coverage of the spec constraints.
    pub coverage: Mutex<Coverage>,
}

impl Harness {
    /// Loads the specs and starts a simulator.
    pub async fn start(root: &Path) -> Result<Harness, String> {
        let subjects = subjects(root)?;
        let irs: Vec<Module> = subjects.iter().map(|s| s.ir.clone()).collect();
        let cases = cases(root, &subjects)?;
        let receiver = Receiver::start().await.map_err(|e| format!("cannot start the webhook receiver: {e}"))?;
        let config = SimConfig {
            api_keys: vec![SIM_KEY.to_owned()],
            callback_redirect: Some(receiver.url().to_owned()),
            // Connection faults still act one to one: while one is planned, every answer
            // closes its connection (SimConfig::keep_alive).
            keep_alive: true,
            ..SimConfig::default()
        };
        let sim =
            Simulator::start(irs.clone(), config).await.map_err(|e| format!("cannot start the simulator: {e}"))?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(crate::suites::CASE_TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        // The documented rules come from the doc pages, read without the spec: each group of
        // specs (the provider specs, each golden case) with the doc copies beside it.
        let mut rules = Vec::new();
        let mut dirs: Vec<&PathBuf> = subjects.iter().map(|s| &s.spec_dir).collect();
        dirs.dedup();
        for dir in dirs {
            let group: Vec<Module> = subjects.iter().filter(|s| s.spec_dir == *dir).map(|s| s.ir.clone()).collect();
            let pages = happyhorse_codegen::drift::Pages::load(dir, &group)?;
            rules.extend(happyhorse_codegen::drift::documented_rules(&group, &pages));
        }
        let coverage = Coverage::new(&irs).with_doc_rules(&irs, rules);
        Ok(Harness { coverage: Mutex::new(coverage), subjects, sim, cases, receiver, http })
    }

    /// The subject of a module.
    pub fn subject(&self, module: &str) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.name() == module)
    }

    /// Runs `f` on the coverage.
    pub fn cover(&self, f: impl FnOnce(&mut Coverage)) {
        f(&mut self.coverage.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Judge one: the generated client, on a body of submit operation `operation`.
    pub fn judge_client(s: &Subject, operation: &str, body: &Value) -> Result<Value, Vec<Violation>> {
        s.client.check_request(operation, body).map(|(_, json)| json).map_err(|v| v.into_vec())
    }

    /// Judge two: the JSON Schema of submit operation `operation` (instance paths of the
    /// errors).
    pub fn judge_schema(s: &Subject, operation: &str, body: &Value) -> Result<(), Vec<String>> {
        let Some((_, schema)) = s.schemas.iter().find(|(k, _)| k == operation) else {
            return Err(vec![format!("no JSON Schema for operation `{operation}`")]);
        };
        let errors: Vec<String> = schema.iter_errors(body).map(|e| format!("{}: {e}", e.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The simulator URL of submit operation `operation`.
    pub fn submit_url(&self, s: &Subject, operation: &str) -> String {
        let path = s.ir.submit_op(operation).map(|o| o.path.clone()).unwrap_or_default();
        format!("{}{path}", self.client_base_url(s))
    }

    /// The simulator's base URL for a module's client (where the simulator serves it).
    pub fn client_base_url(&self, s: &Subject) -> String {
        self.sim.base_url_of(s.name()).unwrap_or_else(|| self.sim.base_url())
    }

    /// Judge three: the simulator, over HTTP, on a body of submit operation `operation`.
    pub async fn judge_simulator(&self, s: &Subject, operation: &str, body: &Value) -> SimVerdict {
        self.judge_simulator_at(&self.client_base_url(s), s, operation, body).await
    }

    /// [`Harness::judge_simulator`] against the simulator serving module `s` at `base` (its
    /// base URL there), such as one a suite started with a manual clock.
    pub async fn judge_simulator_at(&self, base: &str, s: &Subject, operation: &str, body: &Value) -> SimVerdict {
        let path = s.ir.submit_op(operation).map(|o| o.path.clone()).unwrap_or_default();
        // Straight into bytes (not through `Display`), into a buffer of about the right size:
        // a body may carry megabytes of data URI.
        let mut bytes = Vec::with_capacity(size_hint(body));
        if let Err(e) = write_json(&mut bytes, body) {
            return SimVerdict::Unexpected(format!("the body does not serialise: {e}"));
        }
        let response = self
            .http
            .post(format!("{base}{path}"))
            .bearer_auth(SIM_KEY)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return SimVerdict::Unexpected(format!(
                    "no answer from the simulator within {} s",
                    crate::suites::CASE_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return SimVerdict::Unexpected(format!("no answer: {e}")),
        };
        let status = response.status().as_u16();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return SimVerdict::Unexpected(format!("unreadable answer: {e}")),
        };
        match status {
            // Success is the HTTP status (with an envelope, also its success code, which the
            // decoder checks); a module without an envelope answers its fields at the top.
            200..=299 => match s.client.decode_submitted(&bytes) {
                Ok(a) => SimVerdict::Accepted { task_id: a.task_id().to_owned() },
                Err(e) => SimVerdict::Unexpected(format!("{status} that does not decode: {e}")),
            },
            // The HTTP status chooses the rule; the body must be the module's error shape
            // with an error code (a number, or a text code where the spec has those).
            400..=499 => match s.client.decode_error(&bytes) {
                Ok(e) => match e.error_code() {
                    Some(_) => SimVerdict::Rejected { status, message: e.api_message().unwrap_or_default().to_owned() },
                    None => SimVerdict::Unexpected(format!(
                        "{status} whose error body has no error code: {}",
                        String::from_utf8_lossy(&bytes)
                    )),
                },
                Err(e) => SimVerdict::Unexpected(format!("{status} without the provider's error shape: {e}")),
            },
            other => SimVerdict::Unexpected(format!("status {other}: {}", String::from_utf8_lossy(&bytes))),
        }
    }
}

/// About the length of `value` serialised as JSON (exact without escapes or numbers).
fn size_hint(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(|v| size_hint(v) + 1).sum::<usize>() + 2,
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + 4 + size_hint(v)).sum::<usize>() + 2,
    }
}

/// `value` as compact JSON, the bytes `serde_json::to_writer` writes: a string with nothing
/// to escape (checked a block at a time, which the compiler vectorises) is copied whole,
/// instead of byte by byte as serde_json does; everything else is written by serde_json.
fn write_json(out: &mut Vec<u8>, value: &Value) -> Result<(), serde_json::Error> {
    match value {
        Value::String(s) if !needs_escape(s.as_bytes()) => {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key)?;
                out.push(b':');
                write_json(out, item)?;
            }
            out.push(b'}');
        }
        other => serde_json::to_writer(&mut *out, other)?,
    }
    Ok(())
}

/// Whether a JSON string needs an escape: a quote, a backslash or a control character.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.chunks(64).any(|block| block.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\')))
}

/// Whether an error message names the JSON path `path` as the simulator writes it
/// (`parameter '<path>' ...`).
pub fn names_path(message: &str, path: &str) -> bool {
    message.contains(&format!("'{path}'"))
}

/// The violations at `path` for constraint `id`.
pub fn violation_at<'v>(violations: &'v [Violation], id: &str, path: &str) -> Option<&'v Violation> {
    violations.iter().find(|v| v.constraint == id && v.path == path)
}

/// Short text of a list of violations.
pub fn describe(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("{v} [{}]", v.constraint)).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_are_written_as_serde_json_writes_them() {
        let long = "A".repeat(100_000);
        let escaped = format!("{long}\"{long}\\\n\u{1}é中😀");
        for value in [
            json!(null),
            json!({}),
            json!([]),
            json!({"a": [1, -2, 3.5, 1e300, true, false, null], "b\"key\n": {"c": "d"}, "e": long, "f": escaped}),
            json!(["plain", "tab\there", "quote\"", "back\\slash", "\u{7f}\u{1f}", "é中😀", ""]),
        ] {
            let mut ours = Vec::new();
            write_json(&mut ours, &value).expect("writes");
            assert_eq!(String::from_utf8(ours).expect("UTF-8"), serde_json::to_string(&value).expect("serialises"));
        }
    }
}
