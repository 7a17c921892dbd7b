//! Webhooks through the simulator: a callback-mode task is delivered to the callback URL
//! when it finishes, redelivered (up to the documented number of times) while the receiver
//! does not answer the documented status, every delivery decodes with the generated types
//! like a status answer, and the receiver's own dedup (its key and an in-memory
//! `DeliveryStore`) lets exactly one through.

use happyhorse_client::runtime::webhook::{DeliveryStore, MemoryDeliveries, delivery_key};
use serde_json::Value;

use super::{CASE_TIMEOUT, Options, Step};
use crate::boundary::{self, Choices};
use crate::harness::{Harness, SimVerdict, Subject};
use crate::report::Report;

/// Runs the check for every submit operation (of a module whose spec documents callbacks)
/// whose request can carry the callback URL.
pub async fn run(h: &Harness, report: &mut Report, opts: &Options) {
    for s in h.subjects.iter().filter(|s| s.ir.callbacks.is_some()) {
        for op in s.operations() {
            let Some(body) = callback_body(s, &op) else { continue };
            let name = format!("{}: delivery, redelivery, decoding, dedup", s.label(&op));
            let step = Step::start(opts, "callbacks", &name);
            let result = check(h, s, &op, body).await;
            step.done(report, "callbacks", name, result);
        }
    }
}

/// A valid body of submit operation `op` that names a callback URL (the `[callbacks]`
/// table's `url_field`), with the union choices that allow it: `None` when the operation's
/// request has no such field.
fn callback_body(s: &Subject, op: &str) -> Option<Value> {
    let field = s.ir.callbacks.as_ref()?.url_field.clone()?;
    let root = boundary::request_root(&s.ir, op)?;
    // The union choices of a constraint on that field select a variant that has it (the
    // required one does; a `forbidden` one does not).
    s.ir.constraints
        .iter()
        .filter(|c| c.operation == op && boundary::place(&c.path).json_path == [field.clone()])
        .map(|c| {
            let choices: Choices = boundary::place(&c.path).choices;
            boundary::minimal_struct(&s.ir, &root, &choices, "")
        })
        .find(|body| body.get(&field).is_some())
}

async fn check(h: &Harness, s: &Subject, op: &str, mut body: Value) -> Result<(), String> {
    let rules = s.ir.callbacks.as_ref().ok_or("no callbacks")?;
    let field = rules.url_field.clone().ok_or("no callback URL field")?;
    // A callback URL no other suite uses: the receiver's script below is for this one only
    // (tasks of earlier suites are still being delivered while this runs).
    let url = body.get(&field).and_then(Value::as_str).map(|u| format!("{u}/callbacks-suite-{op}"));
    if let (Some(u), Some(o)) = (&url, body.as_object_mut()) {
        o.insert(field.clone(), Value::String(u.clone()));
    }
    // Refuse the first deliveries: each must be redelivered.
    let refusals = vec![500u16; rules.max_redeliveries as usize];
    h.receiver.script(url.as_deref().unwrap_or_default(), &refusals);
    let SimVerdict::Accepted { task_id } = h.judge_simulator(s, op, &body).await else {
        return Err("the simulator does not accept the callback-mode request".into());
    };
    let expected = rules.max_redeliveries as usize + 1;
    // Once the simulator says the deliveries of this task ended, the receiver has recorded
    // every one of them (it records before answering).
    let ended = tokio::time::timeout(CASE_TIMEOUT, h.sim.wait_for_callback_delivery(&task_id)).await;
    let received: Vec<_> = h
        .receiver
        .received()
        .into_iter()
        .filter(|r| s.client.decode_status(&r.body).is_ok_and(|a| a.task_id() == task_id))
        .collect();
    if ended.is_err() {
        return Err(format!(
            "timed out after {} s waiting for the deliveries of task {task_id} to end; {} delivered so far, answered {:?}",
            CASE_TIMEOUT.as_secs(),
            received.len(),
            received.iter().map(|r| r.answered).collect::<Vec<_>>()
        ));
    }
    if received.len() != expected {
        return Err(format!(
            "expected {expected} deliveries (1 + {} redeliveries), got {}",
            rules.max_redeliveries,
            received.len()
        ));
    }
    let answered: Vec<u16> = received.iter().map(|r| r.answered).collect();
    let mut want = refusals.clone();
    want.push(rules.ack_status);
    if answered != want {
        return Err(format!("deliveries answered {answered:?}, expected {want:?}"));
    }
    let dedup = MemoryDeliveries::new(16);
    let mut firsts = 0;
    for r in &received {
        if r.original_url != url {
            return Err(format!("delivered for {:?}, the request named {url:?}", r.original_url));
        }
        let a = s
            .client
            .decode_status(&r.body)
            .map_err(|e| format!("a delivery does not decode as a status answer: {e}"))?;
        if !a.phase().is_terminal() {
            return Err(format!("a delivery in a non-terminal state {}", a.state()));
        }
        let key = delivery_key(&s.ir.module, a.task_id(), a.state());
        if dedup.claim(&key).await.map_err(|e| e.to_string())? {
            firsts += 1;
        }
    }
    if firsts != 1 {
        return Err(format!("dedup let {firsts} deliveries through, expected 1"));
    }
    Ok(())
}
