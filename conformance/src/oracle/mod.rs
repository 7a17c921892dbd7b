//! The oracle: cases written by hand from the providers' docs, each citing the doc lines it
//! comes from. They are data, `conformance/cases/<module>/<operation>.toml` (the format is
//! in [`file`]), read by the generic code here; they never read the spec files, so a wrong
//! fact in a spec (a limit, a wire spelling, a price) fails here instead of being checked
//! against itself.
//!
//! Citations are `<file>:<line>` (or `<file>:<line>-<line>`, and further `, <line>` of the
//! same file) into the saved doc copies in `spec/docs/`, e.g.
//! `modellix-happyhorse-1.0-r2v.txt:57`; each case must cite at least one, and every cited
//! file and line must exist ([`cite`]).

mod cite;
mod file;

use std::path::{Path, PathBuf};

use happyhorse_client::runtime::TaskPhase;
use happyhorse_client::runtime::provider::ErrorCode;
use happyhorse_codegen::ir::Module;
use serde_json::Value;

pub use cite::{Citation, citations};

/// Where the case files are, under the workspace root.
pub const CASES_DIR: &str = "conformance/cases";

/// What should happen to a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Accepted.
    Accept,
    /// Rejected, with a violation at this JSON path.
    Reject(String),
}

/// A request body and what the docs say about it.
#[derive(Debug, Clone)]
pub struct RequestCase {
    /// The module it is for (`apixo`, `modellix`).
    pub module: String,
    /// The submit operation (its spec key, `submit`, `r2v`).
    pub operation: String,
    /// A short name.
    pub name: String,
    /// Where the docs say so.
    pub doc: String,
    /// The body.
    pub body: Value,
    /// What the client must do (strict requests).
    pub client: Expect,
    /// What the provider does, when the docs say it differs from the client's strictness
    /// (Modellix truncates over-long prompts instead of rejecting them).
    pub provider: Option<Expect>,
}

impl RequestCase {
    /// What the provider (the simulator) must do.
    pub fn provider_expect(&self) -> &Expect {
        self.provider.as_ref().unwrap_or(&self.client)
    }
}

/// A billing case: a request, the inputs it lacks, and the exact documented cost.
#[derive(Debug, Clone)]
pub struct BillingCase {
    /// The module.
    pub module: String,
    /// The submit operation.
    pub operation: String,
    /// A short name.
    pub name: String,
    /// Where the docs say so.
    pub doc: String,
    /// The request body.
    pub body: Value,
    /// `input_video_seconds` and the like, as decimal text.
    pub inputs: Vec<(String, String)>,
    /// `Ok((official, market, unit))`, the amounts as decimal text, or `Err(name)` of the
    /// missing input.
    pub expect: Result<(String, String, Unit), String>,
}

/// What the documented prices are counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A currency, by its ISO 4217 code (`USD`).
    Currency(String),
    /// The provider's credits, by the name its docs give them (`credits`).
    Credits(String),
}

/// What a documented answer must decode to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A submit answer.
    Submitted {
        /// The task id.
        task_id: String,
        /// The follow URL, if any.
        follow: Option<String>,
    },
    /// A status answer (or webhook body).
    Status {
        /// The task id.
        task_id: String,
        /// The state as sent.
        state: String,
        /// Its phase.
        phase: TaskPhase,
        /// The output URLs.
        outputs: Vec<String>,
        /// The failure code (canonical), if failed.
        fail_code: Option<String>,
        /// The failure message, if failed.
        fail_message: Option<String>,
        /// Whether a retry may help, if failed.
        retry_may_help: bool,
    },
    /// An error body.
    Error {
        /// The error code, a number or a text.
        code: Option<ErrorCode>,
        /// The message.
        message: Option<String>,
    },
}

/// A documented answer, verbatim, and what it must decode to.
#[derive(Debug, Clone)]
pub struct ResponseCase {
    /// The module.
    pub module: String,
    /// The operation whose answer it is (a submit operation, or the status query).
    pub operation: String,
    /// A short name.
    pub name: String,
    /// Where the docs show it.
    pub doc: String,
    /// The body, verbatim.
    pub body: String,
    /// The expected decoding.
    pub expect: Expected,
}

/// Every case file, read and checked.
#[derive(Debug, Clone, Default)]
pub struct Cases {
    /// Request cases, file by file.
    pub requests: Vec<RequestCase>,
    /// Billing cases.
    pub billing: Vec<BillingCase>,
    /// Documented answers.
    pub responses: Vec<ResponseCase>,
    /// `(module, operation)` of every case file.
    pub files: Vec<(String, String)>,
}

/// Where the case files of one module are, and the doc copies they cite.
#[derive(Debug, Clone)]
pub struct CaseSource<'a> {
    /// The module.
    pub module: &'a Module,
    /// Its case directory, relative to the workspace root (`conformance/cases/modellix`).
    pub dir: String,
    /// The directory of the doc copies its cases cite (`spec/docs`).
    pub docs: PathBuf,
}

/// The directory under [`CASES_DIR`] holding the golden cases' files, one directory per case.
pub const GOLDEN_CASES: &str = "golden";

impl Cases {
    /// Reads every case file of every module in `sources` (`<dir>/<operation>.toml` under the
    /// workspace root `root`) and checks it: the format, that the operation exists in the
    /// module, and that every case cites lines that exist in the module's doc copies. A
    /// directory under [`CASES_DIR`] (or its [`GOLDEN_CASES`]) that is no module's is an
    /// error. Errors name the file and the case.
    pub fn load(root: &Path, sources: &[CaseSource<'_>]) -> Result<Cases, String> {
        let mut cases = Cases::default();
        let known_dirs: Vec<&str> = sources.iter().map(|s| s.dir.as_str()).collect();
        for parent in [CASES_DIR.to_owned(), format!("{CASES_DIR}/{GOLDEN_CASES}")] {
            for dir in subdirs(&root.join(&parent))? {
                let shown = format!("{parent}/{dir}");
                if shown != format!("{CASES_DIR}/{GOLDEN_CASES}") && !known_dirs.contains(&shown.as_str()) {
                    return Err(format!("{shown}: no spec module or golden case `{dir}`"));
                }
            }
        }
        for source in sources {
            let m = source.module;
            let module = m.module.clone();
            for (operation, path) in case_files(&root.join(&source.dir))? {
                let shown = format!("{}/{operation}.toml", source.dir);
                let known = m.submits.iter().any(|o| o.key == operation) || m.status.key == operation;
                if !known {
                    let ops: Vec<&str> =
                        m.submits.iter().map(|o| o.key.as_str()).chain([m.status.key.as_str()]).collect();
                    return Err(format!(
                        "{shown}: module `{module}` has no operation `{operation}` (it has {})",
                        ops.join(", ")
                    ));
                }
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
                let parsed = file::parse(&text, &module, &operation).map_err(|e| format!("{shown}: {e}"))?;
                for (name, doc) in parsed.citations() {
                    cite::check(&source.docs, doc).map_err(|e| format!("{shown}: case `{name}`: {e}"))?;
                }
                cases.requests.extend(parsed.requests);
                cases.billing.extend(parsed.billing);
                cases.responses.extend(parsed.responses);
                cases.files.push((module.clone(), operation));
            }
        }
        Ok(cases)
    }

    /// Whether a case file exists for `(module, operation)`.
    pub fn has_file(&self, module: &str, operation: &str) -> bool {
        self.files.iter().any(|(m, o)| m == module && o == operation)
    }
}

/// The names of the directories in `dir` (none when it does not exist), sorted.
fn subdirs(dir: &Path) -> Result<Vec<String>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entry.path().is_dir() {
            out.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// `(operation, path)` of every `<operation>.toml` in `dir` (none when it does not exist),
/// sorted.
fn case_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for f in entries {
        let path = f.map_err(|e| format!("cannot read {}: {e}", dir.display()))?.path();
        let Some(operation) = path.file_stem().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if path.is_file() && path.extension().and_then(|e| e.to_str()) == Some("toml") {
            out.push((operation, path));
        }
    }
    out.sort();
    Ok(out)
}
