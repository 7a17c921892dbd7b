//! Property tests (proptest, fixed seed, shrinking on failure):
//!
//! 1. valid requests generated from the spec's constraints are accepted by the generated
//!    client (and written back unchanged), by the JSON Schema and by the simulator, for
//!    every submit operation of every module;
//! 2. requests with exactly one rule broken are rejected by all three, at that rule's path
//!    (or truncated by the provider where the docs say so), for every submit operation;
//! 3. billing equals an oracle formula written here from the docs, is linear in duration,
//!    flat at and above 15 s of video-edit input, and the market price is above official;
//! 4. parsing never panics on arbitrary bytes or JSON, ignores unknown fields, keeps
//!    unknown states and fail codes, and reports a malformed JSON-in-a-string as an error (the task result only once the task succeeded).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use happyhorse_client::runtime::provider::StatusAnswer;
use happyhorse_client::runtime::{Decimal, TaskPhase};
use happyhorse_codegen::ir::Ty;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{Value, json};

use super::{Options, Step, batch, within};
use crate::boundary::{self, Choices, place};
use crate::harness::{Harness, SimVerdict, Subject, describe};
use crate::report::Report;
use crate::strategy::valid_body;

/// A runner with a seed derived from the run's seed and the property's name.
fn runner(opts: &Options, name: &str) -> TestRunner {
    runner_for(opts, name, opts.cases)
}

/// A runner for `cases` cases, seeded from the run's seed and the property's name.
pub(crate) fn runner_for(opts: &Options, name: &str, cases: u32) -> TestRunner {
    let mut seed = [0u8; 32];
    let mix = name.bytes().fold(opts.seed, |h, b| h.rotate_left(5) ^ u64::from(b).wrapping_mul(0x100_0000_01b3));
    seed[..8].copy_from_slice(&mix.to_le_bytes());
    seed[8..16].copy_from_slice(&opts.seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

/// The most of a failing input a report shows.
pub(crate) const INPUT_SHOWN: usize = 600;

/// A proptest result as a failure message: the reason, the shrunk input (cut to
/// [`INPUT_SHOWN`] characters) and the command that reproduces it.
pub(crate) fn outcome_of<V: std::fmt::Debug>(opts: &Options, r: Result<(), TestError<V>>) -> Result<(), String> {
    let again = reproduce(opts);
    match r {
        Ok(()) => Ok(()),
        Err(TestError::Fail(why, value)) => {
            Err(format!("{why}\nminimal failing input: {}\n{again}", shorten(&format!("{value:?}"), INPUT_SHOWN)))
        }
        Err(TestError::Abort(why)) => Err(format!("aborted: {why}\n{again}")),
    }
}

/// The line of a failure report that says how to run the same cases again.
pub(crate) fn reproduce(opts: &Options) -> String {
    format!(
        "reproduce with: cargo xtask conformance --seed {} --cases {} (the cases depend only on the seed)",
        opts.seed, opts.cases
    )
}

/// `text` cut to `max` characters, saying how much was left out.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}... ({} more characters)", total - max)
}

/// Runs a property on a blocking thread, so it can wait on the simulator from inside.
async fn property<F>(f: F) -> Result<(), String>
where
    F: FnOnce(tokio::runtime::Handle) -> Result<(), String> + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || f(handle)).await.unwrap_or_else(|e| Err(format!("the property panicked: {e}")))
}

/// All four properties for every module (1 and 2 for each of its submit operations).
pub async fn run(h: &Arc<Harness>, report: &mut Report, opts: &Options) {
    const SUITE: &str = "properties";
    for i in 0..h.subjects.len() {
        let module = h.subjects[i].name().to_owned();
        for op in h.subjects[i].operations() {
            let label = h.subjects[i].label(&op);
            let name = format!("{label}: 1. valid requests are accepted everywhere");
            let step = Step::start(opts, SUITE, &name);
            let r = valid_requests(h.clone(), i, op.clone(), opts.clone()).await;
            step.done(report, SUITE, name, r);
            let name = format!("{label}: 2. one broken rule is rejected everywhere");
            let step = Step::start(opts, SUITE, &name);
            let r = one_rule_broken(h.clone(), i, op.clone(), opts.clone()).await;
            step.done(report, SUITE, name, r);
        }
        let name = format!("{module}: 4. parsing is total and lenient");
        let step = Step::start(opts, SUITE, &name);
        let r = parsing(h, i, opts);
        step.done(report, SUITE, name, r);
    }
    if h.subject(BILLING_ORACLE.0).is_some() {
        let name = format!("{}/{}: 3. billing matches the documented formula", BILLING_ORACLE.0, BILLING_ORACLE.1);
        let step = Step::start(opts, SUITE, &name);
        let r = billing(h, opts);
        step.done(report, SUITE, name, r);
    }
}

async fn valid_requests(h: Arc<Harness>, i: usize, op: String, opts: Options) -> Result<(), String> {
    property(move |handle| {
        let s = &h.subjects[i];
        let name = format!("valid-{}-{op}", s.name());
        let strategy = valid_body(&s.ir, &op, &Choices::new());
        let op = Arc::new(op);
        batch::check(
            &handle,
            &opts,
            || runner(&opts, &name),
            &strategy,
            move |body| {
                let (h, op) = (h.clone(), op.clone());
                async move { valid_case(&h, i, &op, body).await }
            },
        )
    })
    .await
}

/// One case of property 1: a valid body of operation `op` of subject `i`, judged by the
/// client, the JSON Schema and the simulator.
async fn valid_case(h: &Harness, i: usize, op: &str, body: Value) -> Result<(), TestCaseError> {
    let s = &h.subjects[i];
    let written = Harness::judge_client(s, op, &body)
        .map_err(|v| TestCaseError::fail(format!("the client rejects a valid body: {}", describe(&v))))?;
    prop_assert_eq!(&written, &body, "the client does not write the body back unchanged");
    if let Err(e) = Harness::judge_schema(s, op, &body) {
        return Err(TestCaseError::fail(format!("the JSON Schema rejects a valid body: {}", e.join("; "))));
    }
    match h.judge_simulator(s, op, &body).await {
        SimVerdict::Accepted { .. } => Ok(()),
        other => Err(TestCaseError::fail(format!("the simulator does not accept a valid body: {other:?}"))),
    }
}

async fn one_rule_broken(h: Arc<Harness>, i: usize, op: String, opts: Options) -> Result<(), String> {
    property(move |handle| {
        let s = &h.subjects[i];
        // The rejected boundary cases give, per constraint, the value that breaks it; it is
        // planted into a random valid body of the same mode.
        // Indices into the subject's boundary cases, built once for the run.
        let broken: Vec<usize> = (s.boundary_cases().iter().enumerate())
            .filter(|(_, c)| c.reject_at.is_some() && c.operation == op)
            .map(|(n, _)| n)
            .collect();
        if broken.is_empty() {
            return Ok(());
        }
        let places: Vec<boundary::Place> =
            broken.iter().map(|&n| place(&constraint_path(s, &s.boundary_cases()[n].constraint))).collect();
        // Built once per distinct choice of union tags, not for every case: a body strategy
        // depends only on its choices.
        let mut built: std::collections::BTreeMap<&Choices, BoxedStrategy<Value>> = Default::default();
        let bodies: Vec<BoxedStrategy<Value>> = places
            .iter()
            .map(|p| built.entry(&p.choices).or_insert_with(|| valid_body(&s.ir, &op, &p.choices)).clone())
            .collect();
        let strategy = (0..broken.len()).prop_flat_map(move |k| (Just(k), bodies[k].clone()));
        let name = format!("broken-{}-{op}", s.name());
        let planted = Arc::new((broken, places));
        batch::check(
            &handle,
            &opts,
            || runner(&opts, &name),
            &strategy,
            move |(k, base)| {
                let (h, planted) = (h.clone(), planted.clone());
                async move {
                    let (broken, places) = &*planted;
                    let case = &h.subjects[i].boundary_cases()[broken[k]];
                    broken_case(&h, i, case, &places[k], base).await.map_err(TestCaseError::fail)
                }
            },
        )
    })
    .await
}

/// One case of property 2: `case`'s rule-breaking value planted into the valid body `base`,
/// judged by the client, the JSON Schema and the simulator (as a boundary case).
async fn broken_case(
    h: &Harness,
    i: usize,
    case: &boundary::BoundaryCase,
    place: &boundary::Place,
    base: Value,
) -> Result<(), String> {
    let mut body = base;
    for path in planted(&place.json_path, case.reject_at.as_deref()) {
        boundary::set(&mut body, &path, value_at(&case.body, &path));
    }
    // The case's own body (which may be megabytes of data URI) is not copied again.
    let mutated = boundary::BoundaryCase {
        constraint: case.constraint.clone(),
        operation: case.operation.clone(),
        label: case.label.clone(),
        body,
        reject_at: case.reject_at.clone(),
        provider_truncates: case.provider_truncates,
    };
    let what = format!("judging {} with one rule broken", mutated.constraint);
    within(&what, crate::suites::boundaries::judge(h, &h.subjects[i], &mutated)).await
}

/// The paths whose values a broken case carries: the constraint's own, and the path it is
/// rejected at when that is a sibling rather than inside it (a field's alias, `video_url`
/// beside `video`).
fn planted(json_path: &[String], reject_at: Option<&str>) -> Vec<Vec<String>> {
    let mut out = vec![json_path.to_vec()];
    let own = json_path.join(".");
    if let Some(at) = reject_at
        && at != own
        && !at.starts_with(&format!("{own}["))
        && !at.starts_with(&format!("{own}."))
    {
        out.push(place(at).json_path);
    }
    out
}

fn constraint_path(s: &Subject, id: &str) -> String {
    s.ir.constraints.iter().find(|c| c.id == id).map(|c| c.path.clone()).unwrap_or_default()
}

fn value_at(body: &Value, path: &[String]) -> Option<Value> {
    let mut cur = body;
    for p in path {
        cur = cur.get(p.as_str())?;
    }
    Some(cur.clone())
}

// ---- 3. billing ---------------------------------------------------------------------

/// The module and operation the billing oracle below is written for, from the APIXO page.
const BILLING_ORACLE: (&str, &str) = ("apixo", "submit");

/// apixo:260-262: unit prices per second, (official, market reference).
fn oracle_price(resolution: &str) -> (Decimal, Decimal) {
    let d = |s: &str| s.parse::<Decimal>().unwrap_or(Decimal::ZERO);
    match resolution {
        "720p" => (d("0.125"), d("0.1625")),
        _ => (d("0.225"), d("0.2875")),
    }
}

/// apixo:264-269: duration x price; video-edit: (input + output) x price, the input capped
/// at 15 s and the output billed at the same capped duration.
fn oracle_cost(mode: &str, duration: i64, input_seconds: Decimal, price: Decimal) -> Option<Decimal> {
    let billed = if mode == "video-edit" {
        let capped = input_seconds.min(Decimal::from_i64(15));
        capped.checked_add(capped)?
    } else {
        Decimal::from_i64(duration)
    };
    billed.checked_mul(price)
}

fn apixo_body(mode: &str, resolution: &str, duration: i64) -> Value {
    let input = match mode {
        "text-to-video" => json!({"mode": mode, "prompt": "p", "resolution": resolution, "duration": duration}),
        "image-to-video" => {
            json!({"mode": mode, "image_urls": ["https://example.com/a.png"], "resolution": resolution, "duration": duration})
        }
        "reference-to-video" => {
            json!({"mode": mode, "prompt": "p", "image_urls": ["https://example.com/a.png"], "resolution": resolution, "duration": duration})
        }
        _ => {
            json!({"mode": mode, "prompt": "p", "video_urls": ["https://example.com/v.mp4"], "resolution": resolution})
        }
    };
    json!({"request_type": "async", "input": input})
}

fn billing(h: &Harness, opts: &Options) -> Result<(), String> {
    let Some(s) = h.subject(BILLING_ORACLE.0) else { return Ok(()) };
    let modes = vec!["text-to-video", "image-to-video", "reference-to-video", "video-edit"];
    let strategy =
        (proptest::sample::select(modes), proptest::sample::select(vec!["720p", "1080p"]), 3i64..=15, 0u32..=90_000);
    let mut runner = runner(opts, "billing-apixo");
    let estimate = |body: &Value, secs: Decimal| -> Result<(Decimal, Decimal), TestCaseError> {
        match s.client.estimate(BILLING_ORACLE.1, body, &[("input_video_seconds", secs)]) {
            Some(Ok(e)) => Ok((e.official.amount, e.market_reference.amount)),
            other => Err(TestCaseError::fail(format!("no estimate: {other:?}"))),
        }
    };
    outcome_of(
        opts,
        runner.run(&strategy, |(mode, resolution, duration, millis)| {
            let secs = Decimal::from_millis(i64::from(millis));
            let body = apixo_body(mode, resolution, duration);
            let (official, market) = estimate(&body, secs)?;
            let (po, pm) = oracle_price(resolution);
            prop_assert_eq!(Some(official), oracle_cost(mode, duration, secs, po), "official price");
            prop_assert_eq!(Some(market), oracle_cost(mode, duration, secs, pm), "market reference price");
            prop_assert!(
                market > official || official == Decimal::ZERO,
                "the market reference is above the official price"
            );
            if mode == "video-edit" {
                // Flat at and above 15 s of input.
                let (at15, _) = estimate(&body, Decimal::from_i64(15))?;
                if secs >= Decimal::from_i64(15) {
                    prop_assert_eq!(official, at15);
                } else {
                    prop_assert!(official < at15);
                }
            } else {
                // Linear in duration: cost(d) x 3 = cost(3) x d.
                let (at3, _) = estimate(&apixo_body(mode, resolution, 3), secs)?;
                prop_assert_eq!(
                    official.checked_mul(Decimal::from_i64(3)),
                    at3.checked_mul(Decimal::from_i64(duration))
                );
            }
            Ok(())
        }),
    )
}

// ---- 4. parsing ---------------------------------------------------------------------

/// Arbitrary JSON, with the field names of the providers' answers mixed in so generated
/// documents reach deep into the decoders.
fn any_json() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        proptest::sample::select(vec![
            "code",
            "message",
            "data",
            "taskId",
            "task_id",
            "state",
            "status",
            "resultJson",
            "failCode",
            "failMsg",
            "result",
            "resources",
            "url",
            "type",
            "createTime"
        ])
        .prop_map(str::to_owned),
        "[a-z]{1,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

fn no_panic(s: &Subject, bytes: &[u8]) -> Result<(), TestCaseError> {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _ = s.client.decode_submitted(bytes);
        let _ = s.client.decode_status(bytes);
        let _ = s.client.decode_error(bytes);
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            for op in &s.ir.submits {
                let _ = s.client.check_request(&op.key, &v);
            }
        }
    }));
    r.map_err(|_| TestCaseError::fail("a decoder panicked"))
}

/// A comparable summary of a status answer.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    task_id: String,
    state: String,
    phase: TaskPhase,
    outputs: Vec<String>,
    failure: Option<happyhorse_client::runtime::Failure>,
}

fn summary(a: &dyn StatusAnswer) -> Summary {
    Summary {
        task_id: a.task_id().to_owned(),
        state: a.state().to_owned(),
        phase: a.phase(),
        outputs: a.outputs().into_iter().map(|o| o.url).collect(),
        failure: a.failure(),
    }
}

fn parsing(h: &Harness, i: usize, opts: &Options) -> Result<(), String> {
    let s = &h.subjects[i];
    let mut r = runner(opts, &format!("bytes-{}", s.name()));
    outcome_of(opts, r.run(&proptest::collection::vec(any::<u8>(), 0..512), |bytes| no_panic(s, &bytes)))?;
    let mut r = runner(opts, &format!("json-{}", s.name()));
    outcome_of(opts, r.run(&any_json(), |v| no_panic(s, v.to_string().as_bytes())))?;

    // The documented status answers of this module (hand-written oracle bodies).
    let documented: Vec<Value> = h
        .cases
        .responses
        .iter()
        .filter(|c| c.module == s.name() && matches!(c.expect, crate::oracle::Expected::Status { .. }))
        .filter_map(|c| serde_json::from_str(&c.body).ok())
        .collect();
    if documented.is_empty() {
        return Ok(());
    }
    let t = &s.ir.task;
    let state_path: Vec<String> = t.state.wire.split('.').map(str::to_owned).collect();
    let fail_path: Option<Vec<String>> = t.fail_code.as_ref().map(|f| f.wire.split('.').map(str::to_owned).collect());
    let json_fields: Vec<Vec<String>> = json_string_fields(s);
    let result_path: Option<String> = t.result.as_ref().map(|r| r.wire.clone());
    let documented_states: Vec<String> = s.ir.enum_def_values(&t.state_enum);
    let strategy = (proptest::sample::select(documented), "[a-zA-Z_ ]{1,12}", "[a-z]{1,10}", any_json());
    let mut r = runner(opts, &format!("lenient-{}", s.name()));
    outcome_of(
        opts,
        r.run(&strategy, |(doc, word, extra_key, extra)| {
            let decode = |v: &Value| s.client.decode_status(v.to_string().as_bytes());
            let base =
                decode(&doc).map_err(|e| TestCaseError::fail(format!("a documented answer does not decode: {e}")))?;
            // Unknown fields are ignored, at the root and inside objects.
            let mut with_extra = doc.clone();
            let key = format!("x_{extra_key}");
            if let Some(o) = with_extra.as_object_mut() {
                o.insert(key.clone(), extra.clone());
            }
            if let Some(o) = with_extra.get_mut(state_path[0].as_str()).and_then(Value::as_object_mut) {
                o.insert(key, extra);
            }
            let widened = decode(&with_extra)
                .map_err(|e| TestCaseError::fail(format!("an unknown field breaks decoding: {e}")))?;
            prop_assert_eq!(summary(&*base), summary(&*widened), "an unknown field changes the decoded answer");
            // An unknown state is kept, and keeps the waiter polling (the spec's decision).
            if !documented_states.contains(&word) {
                let mut odd = doc.clone();
                boundary::set(&mut odd, &state_path, Some(json!(word)));
                let a =
                    decode(&odd).map_err(|e| TestCaseError::fail(format!("an unknown state breaks decoding: {e}")))?;
                prop_assert_eq!(a.state(), word.as_str());
                prop_assert_eq!(a.phase(), TaskPhase::Pending);
            }
            // An unknown fail code is kept.
            if let Some(fp) = &fail_path
                && base.phase() == TaskPhase::Failed
            {
                let mut odd = doc.clone();
                let code = format!("X_{word}");
                boundary::set(&mut odd, fp, Some(json!(code)));
                let a = decode(&odd)
                    .map_err(|e| TestCaseError::fail(format!("an unknown fail code breaks decoding: {e}")))?;
                prop_assert_eq!(a.failure().and_then(|f| f.code), Some(code));
            }
            // A JSON-in-a-string field that is not JSON is a typed error at its path, except
            // the task's result before the task succeeded: it is decoded only on success
            // (issue 7; the spec's decision on the result field), so it is ignored then.
            for path in &json_fields {
                let mut odd = doc.clone();
                boundary::set(&mut odd, path, Some(json!(format!("{{{word}"))));
                let is_result = result_path.as_deref() == Some(path.join(".").as_str());
                match decode(&odd) {
                    Err(e) if !is_result || base.phase() == TaskPhase::Succeeded => {
                        prop_assert_eq!(e.path, path.join("."))
                    }
                    Err(e) => return Err(TestCaseError::fail(format!("a result before success is decoded: {e}"))),
                    Ok(a) if is_result && base.phase() != TaskPhase::Succeeded => prop_assert!(a.outputs().is_empty()),
                    Ok(_) => return Err(TestCaseError::fail(format!("a malformed {} decodes", path.join(".")))),
                }
            }
            Ok(())
        }),
    )
}

/// Paths of the status answer's JSON-in-a-string fields (APIXO `data.resultJson`).
fn json_string_fields(s: &Subject) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(s.ir.status.response.clone(), Vec::<String>::new())];
    while let Some((name, path)) = stack.pop() {
        let Some(st) = happyhorse_codegen::ir::Types::struct_def(&s.ir, &name) else { continue };
        for f in &st.fields {
            let mut p = path.clone();
            p.push(f.wire.clone());
            match &f.ty {
                Ty::Json(_) => out.push(p),
                Ty::Struct(n) => stack.push((n.clone(), p)),
                _ => {}
            }
        }
    }
    out
}

/// Wire values of an enum, for `Module`.
trait EnumValues {
    fn enum_def_values(&self, name: &str) -> Vec<String>;
}

impl EnumValues for happyhorse_codegen::ir::Module {
    fn enum_def_values(&self, name: &str) -> Vec<String> {
        happyhorse_codegen::ir::Types::enum_def(self, name)
            .map(|e| e.values.iter().flat_map(|v| std::iter::once(v.wire.clone()).chain(v.aliases.clone())).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_shows_a_shortened_input_and_how_to_reproduce_it() {
        let opts = Options { cases: 16, seed: 42, ..Options::default() };
        let input = json!({ "prompt": "x".repeat(3000) });
        let left_out = format!("{input:?}").chars().count() - INPUT_SHOWN;
        let failed: Result<(), TestError<Value>> = Err(TestError::Fail("the simulator disagrees".into(), input));
        let message = outcome_of(&opts, failed).expect_err("a failure");
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines[0], "the simulator disagrees");
        assert!(lines[1].starts_with("minimal failing input: Object {\"prompt\": String(\"xxx"), "{}", lines[1]);
        assert!(lines[1].ends_with(&format!("... ({left_out} more characters)")), "{}", lines[1]);
        assert!(lines[1].chars().count() < INPUT_SHOWN + 60);
        assert_eq!(
            lines[2],
            "reproduce with: cargo xtask conformance --seed 42 --cases 16 (the cases depend only on the seed)"
        );
    }
}
