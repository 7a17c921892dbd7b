//! The oracle: cases written by hand from the providers' docs, each citing the doc line it
//! comes from. They never read the spec files, so a wrong fact in a spec (a limit, a wire
//! spelling, a price) fails here instead of being checked against itself.
//!
//! Doc references are `<file>:<line>` into `spec/docs/` (`apixo` = apixo-happyhorse.txt,
//! `modellix` = modellix-happyhorse-1.0-r2v.txt, `FACTS` = FACTS.md).

mod apixo;
mod modellix;

use happyhorse_client::runtime::TaskPhase;

/// What should happen to a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Accepted.
    Accept,
    /// Rejected, with a violation at this JSON path.
    Reject(&'static str),
}

/// A request body and what the docs say about it.
#[derive(Debug, Clone)]
pub struct RequestCase {
    /// The generated module it is for (`apixo`, `modellix`).
    pub module: &'static str,
    /// A short name.
    pub name: &'static str,
    /// Where the docs say so.
    pub doc: &'static str,
    /// The body.
    pub body: serde_json::Value,
    /// What the client must do (strict requests).
    pub client: Expect,
    /// What the provider does, when the docs say it differs from the client's strictness
    /// (Modellix truncates over-long prompts instead of rejecting them).
    pub provider: Option<Expect>,
}

impl RequestCase {
    /// What the provider (the simulator) must do.
    pub fn provider_expect(&self) -> Expect {
        self.provider.unwrap_or(self.client)
    }
}

/// A billing case: a request, the inputs it lacks, and the exact documented cost.
#[derive(Debug, Clone)]
pub struct BillingCase {
    /// The generated module.
    pub module: &'static str,
    /// A short name.
    pub name: &'static str,
    /// Where the docs say so.
    pub doc: &'static str,
    /// The request body.
    pub body: serde_json::Value,
    /// `input_video_seconds` and the like.
    pub inputs: Vec<(&'static str, &'static str)>,
    /// `Ok((official, market))` in USD, or `Err(name)` of the missing input.
    pub expect: Result<(&'static str, &'static str), &'static str>,
}

/// What a documented answer must decode to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A submit answer.
    Submitted {
        /// The task id.
        task_id: &'static str,
        /// The follow URL, if any.
        follow: Option<&'static str>,
    },
    /// A status answer (or webhook body).
    Status {
        /// The task id.
        task_id: &'static str,
        /// The state as sent.
        state: &'static str,
        /// Its phase.
        phase: TaskPhase,
        /// The output URLs.
        outputs: Vec<&'static str>,
        /// The failure code (canonical), if failed.
        fail_code: Option<&'static str>,
        /// The failure message, if failed.
        fail_message: Option<&'static str>,
        /// Whether a retry may help, if failed.
        retry_may_help: bool,
    },
    /// An error body.
    Error {
        /// The error code.
        code: Option<i64>,
        /// The message.
        message: Option<&'static str>,
    },
}

/// A documented answer, verbatim, and what it must decode to.
#[derive(Debug, Clone)]
pub struct ResponseCase {
    /// The generated module.
    pub module: &'static str,
    /// A short name.
    pub name: &'static str,
    /// Where the docs show it.
    pub doc: &'static str,
    /// The body, verbatim.
    pub body: &'static str,
    /// The expected decoding.
    pub expect: Expected,
}

/// Every request case.
pub fn request_cases() -> Vec<RequestCase> {
    let mut v = apixo::requests();
    v.extend(modellix::requests());
    v
}

/// Every billing case.
pub fn billing_cases() -> Vec<BillingCase> {
    apixo::billing()
}

/// Every documented answer.
pub fn response_cases() -> Vec<ResponseCase> {
    let mut v = apixo::responses();
    v.extend(modellix::responses());
    v
}
