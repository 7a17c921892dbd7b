//! A property's cases judged several at a time, with proptest's serial run kept for failures.
//!
//! A case of properties 1 and 2 spends most of its time waiting for the simulator's answer
//! over loopback HTTP. Judged one after another, the machine is mostly idle; so [`check`]
//! first generates every case exactly as proptest's serial run would (the same seeded runner,
//! the same strategy, in the same order) and judges them [`IN_FLIGHT`] at a time, each over
//! its own kept-alive connection. When every case passes, that is the property's result:
//! every case went through every judge. When one fails, the serial run with the same seed
//! judges the same cases in order, finds the first failure and shrinks it, so the report
//! (reason, minimal failing input, how to reproduce) is exactly what a serial run gives.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use tokio::runtime::Handle;
use tokio::task::JoinSet;

use super::Options;
use super::properties::{INPUT_SHOWN, outcome_of, reproduce, shorten};

/// Cases judged at once: enough to keep both cores of a small machine busy while answers
/// are on their way, few enough that every request has a kept-alive connection of its own.
pub const IN_FLIGHT: usize = 8;

/// Runs a property: every case `runner` generates from `strategy`, judged by `judge`
/// [`IN_FLIGHT`] at a time; on a failure, the serial proptest run of a fresh `runner()`
/// (the same seed), which shrinks it. Call it from a blocking thread: it waits on `handle`.
pub fn check<S, F, Fut>(
    handle: &Handle,
    opts: &Options,
    runner: impl Fn() -> TestRunner,
    strategy: &S,
    judge: F,
) -> Result<(), String>
where
    S: Strategy,
    S::Value: Send + 'static,
    F: Fn(S::Value) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), TestCaseError>> + Send + 'static,
{
    let cases = match generate(&mut runner(), strategy) {
        Ok(cases) => cases,
        Err(e) => return outcome_of(opts, Err(e)),
    };
    let total = cases.len();
    let Some((index, why)) = handle.block_on(first_failure(cases, judge.clone())) else {
        return Ok(());
    };
    // The serial run: the same cases in the same order, the first failure shrunk.
    let serial = runner().run(strategy, |value| handle.block_on(judge(value)));
    let Some(why) = why.filter(|_| serial.is_ok()) else {
        // The serial run's verdict: its failure, shrunk; or a pass where the batch met a case
        // the serial run rejects and replaces.
        return outcome_of(opts, serial);
    };
    // Generated again rather than kept: this is the rare path.
    let input = generate(&mut runner(), strategy).ok().and_then(|cases| cases.into_iter().nth(index));
    let (which, input) = match input {
        Some(v) => (format!("case {} of {total}", index + 1), format!("{v:?}")),
        None => ("a case".to_owned(), "(not known: its judge panicked)".to_owned()),
    };
    Err(format!(
        "{which} failed while judged with up to {IN_FLIGHT} cases at once, but passed when judged alone \
         (a judge depends on what else is in flight): {why}\nfailing input: {}\n{}",
        shorten(&input, INPUT_SHOWN),
        reproduce(opts)
    ))
}

/// The values `runner.run(strategy, ..)` judges, in its order: a run whose test keeps each
/// value and passes. proptest derives each case from the runner's seeded generator alone, so
/// a fresh runner of the same seed generates the same values again.
pub fn generate<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> Result<Vec<S::Value>, TestError<S::Value>> {
    let cases = std::cell::RefCell::new(Vec::new());
    runner.run(strategy, |value| {
        cases.borrow_mut().push(value);
        Ok(())
    })?;
    Ok(cases.into_inner())
}

/// Judges `cases` [`IN_FLIGHT`] at a time, each lane taking every `IN_FLIGHT`th case in
/// order; stops starting cases once one has failed. The failure with the lowest index
/// (among those judged) and why (`None`: the judge rejected the case rather than failing
/// it); `None` when every case passed.
pub async fn first_failure<T, F, Fut>(cases: Vec<T>, judge: F) -> Option<(usize, Option<String>)>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), TestCaseError>> + Send + 'static,
{
    let failed = Arc::new(AtomicBool::new(false));
    let mut lanes: Vec<Vec<(usize, T)>> = (0..IN_FLIGHT).map(|_| Vec::new()).collect();
    for (i, case) in cases.into_iter().enumerate() {
        lanes[i % IN_FLIGHT].push((i, case));
    }
    let mut running = JoinSet::new();
    for lane in lanes.into_iter().filter(|l| !l.is_empty()) {
        let (judge, failed) = (judge.clone(), failed.clone());
        running.spawn(async move {
            for (i, case) in lane {
                if failed.load(Ordering::Relaxed) {
                    break;
                }
                match judge(case).await {
                    Ok(()) => {}
                    Err(TestCaseError::Fail(why)) => {
                        failed.store(true, Ordering::Relaxed);
                        return Some((i, Some(why.message().to_owned())));
                    }
                    // A rejected case is replaced by another in the serial run: judged
                    // here, the batch would not be the serial run's cases.
                    Err(TestCaseError::Reject(_)) => {
                        failed.store(true, Ordering::Relaxed);
                        return Some((i, None));
                    }
                }
            }
            None
        });
    }
    let mut found: Option<(usize, Option<String>)> = None;
    while let Some(joined) = running.join_next().await {
        let failure = match joined {
            Ok(f) => f,
            // A panic's case is not known here; the serial run finds it.
            Err(e) => Some((usize::MAX, Some(format!("a judge panicked: {e}")))),
        };
        if let Some((i, why)) = failure
            && found.as_ref().is_none_or(|(j, _)| i < *j)
        {
            found = Some((i, why));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    use proptest::prelude::*;

    use super::*;
    use crate::suites::properties::runner_for;

    fn opts() -> Options {
        Options { cases: 64, seed: 7, ..Options::default() }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime")
    }

    /// The values a plain serial proptest run of the same runner judges, in order.
    fn serial_values(opts: &Options, strategy: &impl Strategy<Value = Vec<u16>>) -> Vec<Vec<u16>> {
        let seen = Mutex::new(Vec::new());
        let r = runner_for(opts, "batch-test", opts.cases).run(strategy, |v| {
            seen.lock().unwrap().push(v);
            Ok(())
        });
        assert!(r.is_ok());
        seen.into_inner().unwrap()
    }

    #[test]
    fn every_case_of_the_serial_run_is_judged_once_and_a_pass_is_a_pass() {
        let (rt, opts) = (runtime(), opts());
        let strategy = proptest::collection::vec(0u16..1000, 0..8);
        let judged = Arc::new(Mutex::new(Vec::new()));
        let log = judged.clone();
        let r = check(
            rt.handle(),
            &opts,
            || runner_for(&opts, "batch-test", opts.cases),
            &strategy,
            move |v| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push(v);
                    Ok(())
                }
            },
        );
        assert_eq!(r, Ok(()));
        let mut judged = judged.lock().unwrap().clone();
        let mut expected = serial_values(&opts, &strategy);
        assert_eq!(judged.len(), opts.cases as usize);
        judged.sort();
        expected.sort();
        assert_eq!(judged, expected, "the same cases as the serial run, each once");
    }

    /// A deliberately broken judge (it rejects any list holding a value of 500 or more): the
    /// failure is found, and the report is the serial run's, shrunk to the minimal input.
    #[test]
    fn a_failing_case_is_found_and_shrunk_as_the_serial_run_shrinks_it() {
        let (rt, opts) = (runtime(), opts());
        let strategy = proptest::collection::vec(0u16..1000, 0..8);
        let broken = |v: Vec<u16>| async move {
            if v.iter().any(|&n| n >= 500) { Err(TestCaseError::fail("a value of 500 or more")) } else { Ok(()) }
        };
        let ours = check(rt.handle(), &opts, || runner_for(&opts, "batch-test", opts.cases), &strategy, broken);
        let serial = runner_for(&opts, "batch-test", opts.cases).run(&strategy, |v| rt.block_on(broken(v)));
        let serial = outcome_of(&opts, serial);
        assert!(serial.is_err(), "the seed must produce a failing case for this test to mean anything");
        assert_eq!(ours, serial);
        let message = ours.unwrap_err();
        assert!(message.starts_with("a value of 500 or more\nminimal failing input: [500]\n"), "{message}");
        assert!(message.ends_with(&reproduce(&opts)), "{message}");
    }

    /// A judge that fails only the first time it sees a case (as one that depends on what
    /// else is in flight would): the failure is still reported, as one the serial run did
    /// not reproduce, with the case's input.
    #[test]
    fn a_failure_only_seen_with_cases_in_flight_is_reported() {
        let (rt, opts) = (runtime(), opts());
        let strategy = (0u16..1000).prop_map(|n| vec![n]);
        let first = serial_values(&opts, &strategy)[5].clone();
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let flaky = move |v: Vec<u16>| {
            let (seen, first) = (seen.clone(), first.clone());
            async move {
                let again = !seen.lock().unwrap().insert(v.clone());
                if v == first && !again { Err(TestCaseError::fail("flaky")) } else { Ok(()) }
            }
        };
        let r = check(rt.handle(), &opts, || runner_for(&opts, "batch-test", opts.cases), &strategy, flaky);
        let message = r.unwrap_err();
        assert!(message.starts_with("case 6 of 64 failed while judged with up to 8 cases at once"), "{message}");
        assert!(message.contains("in flight): flaky\nfailing input: "), "{message}");
        assert!(message.contains(&format!("failing input: {:?}", serial_values(&opts, &strategy)[5])), "{message}");
    }
}
