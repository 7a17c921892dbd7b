//! Property 5: the generated client against the simulator under injected faults, over real
//! HTTP. Whatever the faults: a submit call never creates more than one task; when the
//! client says a resubmit is safe, no task exists; a successful submit created exactly one;
//! status retries stay bounded; and `wait` ends in the simulator's terminal state.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use happyhorse_client::runtime::{
    ApiKey, ClientSettings, DynClient, Error, ManualClock, RetryPolicy, TaskPhase, WaitOptions,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::properties::{outcome_of, runner_for};
use super::{CASE_TIMEOUT, Options, Step};
use crate::boundary::Choices;
use crate::harness::{Harness, SIM_KEY, Subject};
use crate::report::Report;
use crate::simulator::{Fault, Route};
use crate::strategy::valid_body;

/// Attempts per read in these runs.
const MAX_ATTEMPTS: u32 = 4;

fn submit_fault() -> BoxedStrategy<(bool, Fault)> {
    prop_oneof![
        (0u8..=2)
            .prop_map(|s| (false, Fault::Status { status: 429, retry_after: Some(s.to_string()), create_task: false })),
        (proptest::sample::select(vec![500u16, 502, 503, 504]), any::<bool>())
            .prop_map(|(status, create_task)| (false, Fault::Status { status, retry_after: None, create_task })),
        Just((false, Fault::Status { status: 400, retry_after: None, create_task: false })),
        Just((false, Fault::Delay(Duration::from_millis(50)))),
        Just((true, Fault::DropBeforeRead)),
        Just((false, Fault::DropAfterRead)),
        Just((false, Fault::MalformedJson)),
        Just((false, Fault::MissingTaskId)),
        Just((false, Fault::Oversize { bytes: 2 * 1024 * 1024 })),
    ]
    .boxed()
}

fn status_fault() -> BoxedStrategy<Fault> {
    prop_oneof![
        (0u8..=3).prop_map(|s| Fault::Status { status: 429, retry_after: Some(s.to_string()), create_task: false }),
        proptest::sample::select(vec![500u16, 502, 503, 504]).prop_map(|status| Fault::Status {
            status,
            retry_after: None,
            create_task: false
        }),
        Just(Fault::Delay(Duration::from_millis(30))),
        Just(Fault::DropAfterRead),
    ]
    .boxed()
}

/// Runs the property for every submit operation of every module.
pub async fn run(h: &Arc<Harness>, report: &mut Report, opts: &Options) {
    for i in 0..h.subjects.len() {
        for op in h.subjects[i].operations() {
            let name = format!("{}: 5. client vs simulator under faults", h.subjects[i].label(&op));
            let step = Step::start(opts, "properties", &name);
            let h2 = h.clone();
            let opts2 = opts.clone();
            let handle = tokio::runtime::Handle::current();
            let r = tokio::task::spawn_blocking(move || faults(&h2, i, &op, &opts2, &handle))
                .await
                .unwrap_or_else(|e| Err(format!("panicked: {e}")));
            step.done(report, "properties", name, r);
        }
    }
    h.sim.faults().clear();
}

fn faults(h: &Harness, i: usize, op: &str, opts: &Options, handle: &tokio::runtime::Handle) -> Result<(), String> {
    let s = &h.subjects[i];
    let strategy = (
        valid_body(&s.ir, op, &Choices::new()),
        proptest::collection::vec(submit_fault(), 0..=3),
        proptest::collection::vec(status_fault(), 0..=(MAX_ATTEMPTS as usize - 2)),
    );
    let mut runner = runner_for(opts, &format!("faults-{}-{op}", s.name()), (opts.cases / 2).clamp(8, 128));
    outcome_of(
        opts,
        runner.run(&strategy, |(body, submit_faults, status_faults)| {
            let one = case(h, s, op, &body, &submit_faults, &status_faults);
            match handle.block_on(tokio::time::timeout(CASE_TIMEOUT, one)) {
                Ok(result) => result,
                Err(_) => Err(TestCaseError::fail(format!(
                    "timed out after {} s: a submit and wait against the simulator under faults",
                    CASE_TIMEOUT.as_secs()
                ))),
            }
        }),
    )
}

/// The generated client of subject `s`, pointed at the simulator, on a manual clock (its
/// waits and backoffs take no wall-clock time), with [`MAX_ATTEMPTS`] per read.
pub(crate) fn connect(h: &Harness, s: &Subject) -> Result<Box<dyn DynClient>, String> {
    let settings = ClientSettings {
        key: Some(ApiKey::new(SIM_KEY)),
        base_url: Some(h.client_base_url(s)),
        retry: RetryPolicy { max_attempts: MAX_ATTEMPTS, ..RetryPolicy::default() },
        clock: Arc::new(ManualClock::default()),
        max_body_bytes: 1024 * 1024,
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        ..ClientSettings::default()
    };
    s.client.connect(settings).map_err(|e| format!("cannot build the client: {e}"))
}

async fn case(
    h: &Harness,
    s: &Subject,
    op: &str,
    body: &serde_json::Value,
    submit_faults: &[(bool, Fault)],
    status_faults: &[Fault],
) -> Result<(), TestCaseError> {
    let faults = h.sim.faults();
    faults.clear();
    let submit_route = Route::op(s.name(), op);
    let status_route = Route::op(s.name(), &s.ir.status.key);
    for (any_connection, f) in submit_faults {
        let route = if *any_connection { Route::AnyConnection } else { submit_route.clone() };
        faults.push(route, f.clone());
    }
    let client = connect(h, s).map_err(TestCaseError::fail)?;
    let before = h.sim.tasks_created(s.name());
    let submitted = client.submit(op, body).await;
    // Faults the submit did not consume (it stopped early) must not hit the status queries.
    faults.clear();
    let created = h.sim.tasks_created(s.name()) - before;
    prop_assert!(created <= 1, "one submit call created {created} tasks");
    let task = match submitted {
        Ok(task) => {
            prop_assert_eq!(created, 1, "a successful submit created no task");
            task
        }
        Err(e) => {
            if e.safe_to_resubmit() {
                prop_assert_eq!(created, 0, "the client says a resubmit is safe, but a task exists: {}", e);
            }
            if !matches!(e, Error::SubmissionOutcomeUnknown(_) | Error::Api(_) | Error::Transport(_)) {
                return Err(TestCaseError::fail(format!("unexpected submit error: {e}")));
            }
            return Ok(());
        }
    };
    for f in status_faults {
        faults.push(status_route.clone(), f.clone());
    }
    let status_before = h.sim.requests(&status_route);
    let polls = Arc::new(Mutex::new(0u64));
    let seen = polls.clone();
    let options = WaitOptions::default()
        .deadline(Duration::from_secs(3600))
        .on_progress(move |_| *seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1);
    let done = client.wait(&task, options).await.map_err(|e| TestCaseError::fail(format!("wait failed: {e}")))?;
    faults.clear();
    let polls = *polls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let status_requests = h.sim.requests(&status_route) - status_before;
    prop_assert!(
        status_requests <= polls * u64::from(MAX_ATTEMPTS),
        "{status_requests} status requests for {polls} polls"
    );
    let sim_state = h.sim.task(s.name(), &task.id).map(|t| t.state).unwrap_or_default();
    prop_assert_eq!(done.state(), sim_state.as_str(), "wait ended in another state than the simulator's");
    prop_assert!(done.phase() != TaskPhase::Pending);
    Ok(())
}
