//! The hand-written, doc-derived cases of `conformance/cases/`: requests (client, JSON
//! Schema and simulator must agree with the docs), billing (exact amounts) and documented
//! answers (exact values). Every submit operation of every module must have its case file.

use std::time::Instant;

use happyhorse_client::runtime::{Decimal, PriceUnit};

use super::{record, within};
use crate::harness::{Harness, SimVerdict, describe, names_path};
use crate::oracle::{self, Expect, Expected, Unit};
use crate::report::Report;
use crate::simulator::invalid_request_status;

/// Request cases, after a check that every submit operation has a case file.
pub async fn requests(h: &Harness, report: &mut Report) {
    for s in &h.subjects {
        for op in s.operations() {
            if !h.cases.has_file(s.name(), &op) {
                let started = Instant::now();
                let file = format!("{}/{op}.toml", s.cases_dir());
                let failure = format!(
                    "no hand-written cases for {}: write {file} from the operation's doc copy in {}, each case citing its doc line",
                    s.label(&op),
                    s.docs_label()
                );
                record(report, "oracle-requests", format!("{}: a case file", s.label(&op)), started, Err(failure));
            }
        }
    }
    for case in &h.cases.requests {
        let started = Instant::now();
        let name = format!("{}/{}: {} ({})", case.module, case.operation, case.name, case.doc);
        let result = within(&name, request(h, case)).await;
        record(report, "oracle-requests", name, started, result);
    }
}

async fn request(h: &Harness, case: &oracle::RequestCase) -> Result<(), String> {
    let s = h.subject(&case.module).ok_or_else(|| format!("no module {}", case.module))?;
    let op = case.operation.as_str();
    if s.ir.submit_op(op).is_none() {
        return Err(format!("{} is not a submit operation of {}", op, case.module));
    }
    let client = Harness::judge_client(s, op, &case.body);
    let mut ids = Vec::new();
    match (&case.client, &client) {
        (Expect::Accept, Ok(_)) => {}
        (Expect::Accept, Err(v)) => return Err(format!("the client rejects it: {}", describe(v))),
        (Expect::Reject(_), Ok(_)) => return Err("the client accepts it".into()),
        (Expect::Reject(path), Err(v)) => {
            ids = v.iter().filter(|x| x.path == *path).map(|x| x.constraint.clone()).collect();
            if ids.is_empty() {
                return Err(format!("the client rejects it, but not at {path}: {}", describe(v)));
            }
        }
    }
    let expressible = ids.iter().all(|id| !s.not_expressible.contains_key(id));
    match (&case.client, Harness::judge_schema(s, op, &case.body)) {
        (Expect::Accept, Err(e)) => return Err(format!("the JSON Schema rejects it: {}", e.join("; "))),
        (Expect::Reject(_), Ok(())) if expressible => return Err("the JSON Schema accepts it".into()),
        _ => {}
    }
    let sim = h.judge_simulator(s, op, &case.body).await;
    match (case.provider_expect(), &sim) {
        (Expect::Accept, SimVerdict::Accepted { .. }) => {}
        (Expect::Reject(path), SimVerdict::Rejected { status, message })
            if *status == invalid_request_status(&s.ir) && names_path(message, path) => {}
        (expect, got) => return Err(format!("the simulator should {expect:?}, got {got:?}")),
    }
    if let Expect::Reject(_) = case.client {
        h.cover(|c| ids.iter().for_each(|id| c.rejected(id, case.provider.is_none())));
    }
    Ok(())
}

/// Billing cases: the estimate equals the documented amount exactly.
pub fn billing(h: &Harness, report: &mut Report) {
    for case in &h.cases.billing {
        let started = Instant::now();
        let name = format!("{}/{}: {} ({})", case.module, case.operation, case.name, case.doc);
        let result = (|| {
            let s = h.subject(&case.module).ok_or("no module")?;
            let inputs: Vec<(&str, Decimal)> = case
                .inputs
                .iter()
                .map(|(n, v)| Ok((n.as_str(), v.parse::<Decimal>().map_err(|e| e.to_string())?)))
                .collect::<Result<_, String>>()?;
            let got = s
                .client
                .estimate(&case.operation, &case.body, &inputs)
                .ok_or("the module has no billing, or the body is invalid")?;
            match (&case.expect, got) {
                (Ok((official, market, unit)), Ok(est)) => {
                    let (o, m): (Decimal, Decimal) =
                        (official.parse().map_err(|_| "bad case")?, market.parse().map_err(|_| "bad case")?);
                    if est.official.amount != o || est.market_reference.amount != m {
                        return Err(format!(
                            "expected {o} / {m}, got {} / {}",
                            est.official.amount, est.market_reference.amount
                        ));
                    }
                    for money in [&est.official, &est.market_reference] {
                        let same = match (unit, money.unit) {
                            (Unit::Currency(c), PriceUnit::Currency(got)) => c == got,
                            (Unit::Credits(c), PriceUnit::Credits(got)) => c == got,
                            _ => false,
                        };
                        if !same {
                            return Err(format!("expected amounts in {unit:?}, got {:?}", money.unit));
                        }
                    }
                    Ok(())
                }
                (Err(missing), Err(happyhorse_client::runtime::BillingError::MissingInput { name }))
                    if *missing == *name =>
                {
                    Ok(())
                }
                (want, got) => Err(format!("expected {want:?}, got {got:?}")),
            }
        })();
        record(report, "oracle-billing", name, started, result);
    }
}

/// Documented answers decode to the documented values.
pub fn responses(h: &Harness, report: &mut Report) {
    for case in &h.cases.responses {
        let started = Instant::now();
        let name = format!("{}/{}: {} ({})", case.module, case.operation, case.name, case.doc);
        let result = response(h, case);
        record(report, "oracle-responses", name, started, result);
    }
}

fn response(h: &Harness, case: &oracle::ResponseCase) -> Result<(), String> {
    let s = h.subject(&case.module).ok_or("no module")?;
    let body = case.body.as_bytes();
    match &case.expect {
        Expected::Submitted { task_id, follow } => {
            let a = s.client.decode_submitted(body).map_err(|e| e.to_string())?;
            eq("task id", a.task_id(), task_id.as_str())?;
            eq("follow URL", a.follow_url(), follow.as_deref())
        }
        Expected::Status { task_id, state, phase, outputs, fail_code, fail_message, retry_may_help } => {
            let a = s.client.decode_status(body).map_err(|e| e.to_string())?;
            let failure = a.failure();
            eq("task id", a.task_id(), task_id.as_str())?;
            eq("state", a.state(), state.as_str())?;
            eq("phase", a.phase(), *phase)?;
            let urls: Vec<String> = a.outputs().into_iter().map(|o| o.url).collect();
            eq("outputs", &urls, outputs)?;
            eq("fail code", failure.as_ref().and_then(|f| f.code.as_deref()), fail_code.as_deref())?;
            eq("fail message", failure.as_ref().and_then(|f| f.message.as_deref()), fail_message.as_deref())?;
            eq("retry may help", failure.is_some_and(|f| f.retry_may_help), *retry_may_help)
        }
        Expected::Error { code, message } => {
            let e = s.client.decode_error(body).map_err(|e| e.to_string())?;
            eq("code", e.error_code(), code.clone())?;
            eq("message", e.api_message(), message.as_deref())
        }
    }
}

fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: expected {want:?}, got {got:?}")) }
}
