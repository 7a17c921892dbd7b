//! Every terminal state the spec documents as a failure ends a wait as a failure: for each
//! value of a module's state enum whose phase is failed (`fail`, `failed`, `cancelled`), a
//! task the simulator ends in that state (the `sim:state=<state>` marker in a string of the
//! request) is submitted and waited on with the generated client over HTTP, whose wait must
//! end with the task failed in that state, with no further waiting. What it checks is the
//! client's reading of the spec's state table against the simulator's playing of it, not the
//! spec against the docs (the oracle's response cases do that).

use std::time::Instant;

use happyhorse_client::runtime::{Error, WaitOptions};
use happyhorse_codegen::ir::{Phase, Types};
use serde_json::Value;

use super::faults::connect;
use super::{record, within};
use crate::boundary::{self, Choices};
use crate::harness::{Harness, Subject};
use crate::report::Report;

/// The suite's name in reports.
pub const SUITE: &str = "lifecycle";

/// Runs the check for every failed state of every module (on its first submit operation).
pub async fn run(h: &Harness, report: &mut Report) {
    for s in &h.subjects {
        let Some(op) = s.operations().into_iter().next() else { continue };
        for state in failed_states(s) {
            let started = Instant::now();
            let name = format!("{}: a task ending in `{state}` (phase failed) ends a wait as a failure", s.label(&op));
            let result = within(&name, check(h, s, &op, &state)).await;
            record(report, SUITE, name, started, result);
        }
    }
}

/// The wire values of the state enum whose phase is failed.
fn failed_states(s: &Subject) -> Vec<String> {
    s.ir.enum_def(&s.ir.task.state_enum)
        .map(|e| e.values.iter().filter(|v| v.phase == Some(Phase::Failed)).map(|v| v.wire.clone()).collect())
        .unwrap_or_default()
}

async fn check(h: &Harness, s: &Subject, op: &str, state: &str) -> Result<(), String> {
    let root = boundary::request_root(&s.ir, op).ok_or("the operation has no request type")?;
    let mut body = boundary::minimal_struct(&s.ir, &root, &Choices::new(), "");
    if !mark(&mut body, &format!("sim:state={state}"), &tags(s)) {
        return Err(format!("the minimal body of {} has no free-text string to carry the marker", s.label(op)));
    }
    let client = connect(h, s)?;
    let task = client.submit(op, &body).await.map_err(|e| format!("the submit failed: {e}"))?;
    match client.wait(&task, WaitOptions::default()).await {
        Err(Error::TaskFailed(failure)) if failure.state == state => Ok(()),
        Err(e) => Err(format!("the wait should end with the task failed in `{state}`, got: {e}")),
        Ok(done) => {
            Err(format!("the wait ended in `{}` ({:?}), expected a failure in `{state}`", done.state(), done.phase()))
        }
    }
}

/// Every enum value and union tag of the module: strings that are not free text.
fn tags(s: &Subject) -> Vec<String> {
    use happyhorse_codegen::ir::TypeDef;
    let mut out = Vec::new();
    for t in &s.ir.types {
        match t {
            TypeDef::Enum(e) => out.extend(e.values.iter().map(|v| v.wire.clone())),
            TypeDef::Union(u) => out.extend(u.variants.iter().map(|v| v.tag.clone())),
            TypeDef::Struct(_) => {}
        }
    }
    out
}

/// Appends `marker` to the first string of `body` that is free text (not an enum value or a
/// tag): after a space, or as a URL's fragment. False when there is none.
fn mark(body: &mut Value, marker: &str, tags: &[String]) -> bool {
    match body {
        Value::String(text) if !tags.contains(text) => {
            let sep = if text.contains("://") { '#' } else { ' ' };
            text.push(sep);
            text.push_str(marker);
            true
        }
        Value::Array(items) => items.iter_mut().any(|v| mark(v, marker, tags)),
        Value::Object(map) => map.values_mut().any(|v| mark(v, marker, tags)),
        _ => false,
    }
}
