//! Every constraint's boundary cases (of every submit operation of every module), judged by
//! the generated client, the JSON Schema and the simulator; agreement is recorded in the
//! coverage matrix.

use std::time::Instant;

use super::{record, within};
use crate::boundary::BoundaryCase;
use crate::harness::{Harness, SimVerdict, Subject, describe, names_path, violation_at};
use crate::report::Report;
use crate::simulator::invalid_request_status;

/// Runs every boundary case of every module.
pub async fn run(h: &Harness, report: &mut Report) {
    for s in &h.subjects {
        for case in s.boundary_cases() {
            let started = Instant::now();
            let name = format!("{} {}", case.constraint, case.label);
            let result = within(&name, judge(h, s, case)).await;
            record(report, "boundaries", name, started, result);
        }
    }
}

/// Judges one case; records coverage when every judge agrees with the expectation.
pub async fn judge(h: &Harness, s: &Subject, case: &BoundaryCase) -> Result<(), String> {
    let id = case.constraint.as_str();
    let op = case.operation.as_str();
    // Judge one: the generated client.
    match (&case.reject_at, Harness::judge_client(s, op, &case.body)) {
        (None, Ok(_)) => {}
        (None, Err(v)) => return Err(format!("the client rejects an accepted boundary: {}", describe(&v))),
        (Some(path), Ok(_)) => {
            return Err(format!("the client accepts a value past the limit (expected a violation at {path})"));
        }
        (Some(path), Err(v)) => {
            if violation_at(&v, id, path).is_none() {
                return Err(format!("the client rejects it, but not with {id} at {path}: {}", describe(&v)));
            }
        }
    }
    // Judge two: the JSON Schema (some rules it cannot express).
    let schema = Harness::judge_schema(s, op, &case.body);
    match (&case.reject_at, schema) {
        (None, Err(e)) => return Err(format!("the JSON Schema rejects an accepted boundary: {}", e.join("; "))),
        (Some(_), Ok(())) => match s.not_expressible.get(id) {
            Some(why) => h.cover(|c| c.note(id, &format!("JSON Schema: not expressible ({why})"))),
            None => return Err("the JSON Schema accepts a value past the limit".into()),
        },
        _ => {}
    }
    // Judge three: the simulator.
    let verdict = h.judge_simulator(s, op, &case.body).await;
    match (&case.reject_at, &verdict) {
        (None, SimVerdict::Accepted { .. }) => {}
        (Some(_), SimVerdict::Accepted { .. }) if case.provider_truncates => {
            h.cover(|c| {
                c.note(id, "the provider truncates over-long values (documented); the simulator accepts and truncates")
            });
        }
        (Some(path), SimVerdict::Rejected { status, message })
            if *status == invalid_request_status(&s.ir) && names_path(message, path) => {}
        (expected, got) => {
            let want = expected.as_ref().map_or_else(|| "accept".to_owned(), |p| format!("reject at {p}"));
            return Err(format!("the simulator should {want}, got {got:?}"));
        }
    }
    h.cover(|c| if case.reject_at.is_some() { c.rejected(id, true) } else { c.accepted(id, true) });
    Ok(())
}
