//! Webhooks through the simulator, on a manual clock: a callback-mode task is delivered to
//! the callback URL when it finishes; while the receiver refuses, it is redelivered as many
//! times as the spec's `[callbacks]` table says, each redelivery exactly after the delay of
//! its `retry_schedule_s` (not a millisecond before) where the docs give one; the last
//! delivery is acknowledged with the documented status, or with a 204 where any 2xx
//! acknowledges, and nothing more is sent; every delivery decodes with the generated types
//! like a status answer, and the receiver's own dedup (its key and an in-memory
//! `DeliveryStore`) lets exactly one through.

use std::time::Duration;

use happyhorse_client::runtime::webhook::{DeliveryStore, MemoryDeliveries, delivery_key};
use serde_json::Value;

use super::{Options, Step};
use crate::boundary;
use crate::harness::{Harness, SIM_KEY, SimVerdict, Subject};
use crate::report::Report;
use crate::simulator::{DeliveryEnd, SimClock, SimConfig, Simulator, redelivery_delay};

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
    // required one does; a `forbidden` one does not). An optional field is added.
    s.ir.constraints
        .iter()
        .filter(|c| c.operation == op && c.rule != "forbidden")
        .map(|c| boundary::place(&c.path))
        .filter(|p| p.json_path == [field.clone()])
        .find_map(|p| {
            let mut body = boundary::minimal_struct(&s.ir, &root, &p.choices, "");
            if body.get(&field).is_none() {
                let f = boundary::field_at(&s.ir, &root, &p)?;
                let value = boundary::sample(&s.ir, f, &p.choices, &field);
                body.as_object_mut()?.insert(field.clone(), value);
            }
            Some(body)
        })
}

/// Waits for `f` under the case time limit; the error says what was awaited.
async fn waited<T>(what: &str, f: impl std::future::Future<Output = T>) -> Result<T, String> {
    super::within(&format!("waiting for {what}"), async { Ok(f.await) }).await
}

/// One millisecond: how far short of a redelivery's delay the clock is moved first.
const TICK: Duration = Duration::from_millis(1);

async fn check(h: &Harness, s: &Subject, op: &str, mut body: Value) -> Result<(), String> {
    let rules = s.ir.callbacks.as_ref().ok_or("no callbacks")?;
    let field = rules.url_field.clone().ok_or("no callback URL field")?;
    // A callback URL no other suite uses: the receiver's script below is for this one only.
    let url = body.get(&field).and_then(Value::as_str).map(|u| format!("{u}/callbacks-suite-{}-{op}", s.name()));
    let url = url.ok_or("the callback URL field holds no string")?;
    if let Some(o) = body.as_object_mut() {
        o.insert(field.clone(), Value::String(url.clone()));
    }
    // A simulator of this module alone, on a manual clock: the task's run time and every
    // redelivery delay pass only when the clock is moved, so the schedule is checked to the
    // millisecond without waiting on the wall clock.
    let clock = SimClock::manual();
    let config = SimConfig {
        api_keys: vec![SIM_KEY.to_owned()],
        callback_redirect: Some(h.receiver.url().to_owned()),
        polls_to_finish: u32::MAX,
        clock: clock.clone(),
        ..SimConfig::default()
    };
    let sim = Simulator::start(vec![s.ir.clone()], config.clone())
        .await
        .map_err(|e| format!("cannot start a simulator on a manual clock: {e}"))?;
    let base = sim.base_url_of(s.name()).unwrap_or_else(|| sim.base_url());
    // The receiver refuses the first delivery and every redelivery but the last, which it
    // acknowledges: with 204 where the spec says any 2xx acknowledges.
    let ack = if rules.ack_any_2xx { 204 } else { rules.ack_status };
    let mut script = vec![500u16; rules.max_redeliveries as usize];
    script.push(ack);
    h.receiver.script(&url, &script);
    let SimVerdict::Accepted { task_id } = h.judge_simulator_at(&base, s, op, &body).await else {
        return Err("the simulator does not accept the callback-mode request".into());
    };
    // The task ends once its run time has passed on the simulator's clock.
    waited("the task's timer", clock.wait_for_sleepers(1)).await?;
    clock.advance(config.run_time);
    waited("the first delivery", sim.wait_for_callback_attempts(1)).await?;
    for n in 1..=rules.max_redeliveries {
        let delay = redelivery_delay(rules, &config, n);
        waited(&format!("redelivery {n} to be scheduled"), clock.wait_for_sleepers(1)).await?;
        clock.advance(delay.saturating_sub(TICK));
        let sent = sim.callback_attempts().len();
        if sent != n as usize {
            return Err(format!(
                "{sent} deliveries before redelivery {n}'s delay of {delay:?} had passed, expected {n}"
            ));
        }
        clock.advance(TICK);
        waited(
            &format!("redelivery {n}, {delay:?} after the one before"),
            sim.wait_for_callback_attempts(n as usize + 1),
        )
        .await?;
    }
    let delivery = waited("the deliveries to end", sim.wait_for_callback_delivery(&task_id)).await?;
    let expected = rules.max_redeliveries as usize + 1;
    if delivery.end != DeliveryEnd::Acknowledged || delivery.attempts != expected {
        return Err(format!(
            "the deliveries ended {:?} after {} attempts, expected acknowledged after {expected} (the last answered {ack})",
            delivery.end, delivery.attempts
        ));
    }
    let received: Vec<_> =
        h.receiver.received().into_iter().filter(|r| r.original_url.as_deref() == Some(url.as_str())).collect();
    let answered: Vec<u16> = received.iter().map(|r| r.answered).collect();
    if answered != script {
        return Err(format!("deliveries answered {answered:?}, expected {script:?}"));
    }
    let dedup = MemoryDeliveries::new(16);
    let mut firsts = 0;
    for r in &received {
        let a = s
            .client
            .decode_status(&r.body)
            .map_err(|e| format!("a delivery does not decode as a status answer: {e}"))?;
        if a.task_id() != task_id {
            return Err(format!("a delivery for task {}, the request created {task_id}", a.task_id()));
        }
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
