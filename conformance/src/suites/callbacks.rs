//! Webhooks through the simulator: a callback-mode task is delivered to the callback URL
//! when it finishes, redelivered (up to the documented number of times) while the receiver
//! does not answer the documented status, every delivery decodes with the generated types
//! like a status answer, and the receiver's own dedup (its key and an in-memory
//! `DeliveryStore`) lets exactly one through.

use std::time::{Duration, Instant};

use happyhorse_client::runtime::webhook::{DeliveryStore, MemoryDeliveries, delivery_key};
use serde_json::Value;

use super::record;
use crate::boundary::{self, Choices};
use crate::harness::{Harness, SimVerdict, Subject};
use crate::report::Report;

/// Runs the check for every module whose spec documents callbacks.
pub async fn run(h: &Harness, report: &mut Report) {
    for s in h.subjects.iter().filter(|s| s.ir.callbacks.is_some() && s.sim.is_some()) {
        let started = Instant::now();
        let result = check(h, s).await;
        record(report, "callbacks", format!("{}: delivery, redelivery, decoding, dedup", s.name()), started, result);
    }
}

/// A valid body whose delivery union selects the callback variant (the one with a URL).
fn callback_body(s: &Subject) -> Option<Value> {
    let root = s.ir.submit.request.clone()?;
    let c = s.ir.constraints.iter().find(|c| c.rule == "url_public")?;
    let choices: Choices = boundary::place(&c.path).choices;
    Some(boundary::minimal_struct(&s.ir, &root, &choices, ""))
}

async fn check(h: &Harness, s: &Subject) -> Result<(), String> {
    let rules = s.ir.callbacks.as_ref().ok_or("no callbacks")?;
    let body = callback_body(s).ok_or("no callback variant in the request")?;
    let url = body.get("callback_url").and_then(Value::as_str).map(str::to_owned);
    // Refuse the first deliveries: each must be redelivered.
    let refusals = vec![500u16; rules.max_redeliveries as usize];
    h.receiver.clear();
    h.receiver.script(&refusals);
    let SimVerdict::Accepted { task_id } = h.judge_simulator(s, &body).await else {
        return Err("the simulator does not accept the callback-mode request".into());
    };
    let expected = rules.max_redeliveries as usize + 1;
    let deadline = Instant::now() + Duration::from_secs(20);
    let received = loop {
        let got: Vec<_> = h
            .receiver
            .received()
            .into_iter()
            .filter(|r| s.client.decode_status(&r.body).is_ok_and(|a| a.task_id() == task_id))
            .collect();
        if got.len() >= expected || Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
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
