//! Status queries and waiting over real HTTP on loopback, with an injected clock so every
//! delay is asserted exactly and nothing actually sleeps.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use happyhorse_client::runtime::{Error, ManualClock, Output, RetryPolicy, Task, TaskPhase, WaitOptions};
use happyhorse_client::{apixo, modellix};
use serde_json::json;
use support::{Reply, Server};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn apixo_client(server: &Server, clock: &ManualClock, policy: RetryPolicy) -> apixo::Client {
    apixo::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .retry(policy)
        .build()
        .unwrap()
}

fn no_jitter() -> RetryPolicy {
    RetryPolicy { jitter: false, ..RetryPolicy::default() }
}

fn state(task: &str, state: &str) -> Reply {
    Reply::json(
        200,
        json!({"code": 200, "message": "success", "data": {"taskId": task, "state": state, "createTime": 1767965610929u64}}),
    )
}

fn success(task: &str) -> Reply {
    Reply::json(
        200,
        json!({"code": 200, "message": "success", "data": {"taskId": task, "state": "success",
        "resultJson": "{\"resultUrls\":[\"https://r2.example/video.mp4\"]}", "createTime": 1, "completeTime": 2, "costTime": 1}}),
    )
}

// ---- status: retries ---------------------------------------------------------------

#[tokio::test]
async fn status_is_retried_on_transient_statuses_with_exponential_backoff() {
    let server =
        Server::start(vec![Reply::raw(503, ""), Reply::raw(502, ""), Reply::raw(429, "")], state("t1", "processing"))
            .await;
    let clock = ManualClock::default();
    let status = apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap();
    assert_eq!(status.phase(), TaskPhase::Pending);
    assert_eq!(server.count("GET"), 4);
    assert_eq!(server.requests()[0].target, "/api/v1/statusTask/happyHorse?taskId=t1");
    assert_eq!(clock.sleeps(), [Duration::from_millis(500), secs(1), secs(2)]);
}

#[tokio::test]
async fn backoff_jitter_stays_within_the_upper_half() {
    let server = Server::start(vec![Reply::raw(500, ""); 4], state("t1", "processing")).await;
    let clock = ManualClock::default();
    let client = apixo::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .jitter_seed(42)
        .build()
        .unwrap();
    client.status("t1").await.unwrap();
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 4);
    for (i, s) in sleeps.iter().enumerate() {
        let cap = Duration::from_millis(500) * 2u32.pow(i as u32);
        assert!(*s >= cap / 2 && *s <= cap, "retry {i}: {s:?} outside [{:?}, {cap:?}]", cap / 2);
    }
}

#[tokio::test]
async fn retry_after_seconds_and_http_dates_are_honoured() {
    let server = Server::start(vec![Reply::raw(429, "").header("Retry-After", "7")], state("t1", "processing")).await;
    let clock = ManualClock::default();
    apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap();
    assert_eq!(clock.sleeps(), [secs(7)]);

    let wall = SystemTime::UNIX_EPOCH + secs(784_111_765); // Sun, 06 Nov 1994 08:49:25 GMT
    let clock = ManualClock::new(wall);
    let server = Server::start(
        vec![Reply::raw(503, "").header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")],
        state("t1", "processing"),
    )
    .await;
    apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap();
    assert_eq!(clock.sleeps(), [secs(12)]);
}

#[tokio::test]
async fn retries_are_bounded_by_attempts() {
    let server = Server::start(vec![], Reply::json(500, json!({"code": 500, "message": "oops"}))).await;
    let clock = ManualClock::default();
    let err = apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap_err();
    let Error::Api(api) = &err else { panic!("expected an API error, got {err}") };
    assert_eq!((api.status, api.attempts, api.retryable), (500, 5, true));
    assert_eq!(api.task_id.as_deref(), Some("t1"));
    assert_eq!(api.message.as_deref(), Some("oops"));
    assert_eq!(server.count("GET"), 5);
}

#[tokio::test]
async fn a_documented_retry_limit_lowers_the_attempts() {
    // Modellix: "500 internal error (retry, at most 3 times)".
    let server = Server::start(vec![], Reply::json(500, json!({"code": 500, "message": "Internal: x"}))).await;
    let clock = ManualClock::default();
    let client = modellix::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .retry(no_jitter())
        .build()
        .unwrap();
    let err = client.status("task-1").await.unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.attempts == 4), "{err}");
    assert_eq!(server.count("GET"), 4);
    assert_eq!(server.requests()[0].target, "/api/v1/tasks/task-1");
}

#[tokio::test]
async fn retries_are_bounded_by_the_deadline() {
    let server = Server::start(vec![], Reply::raw(503, "").header("Retry-After", "600")).await;
    let clock = ManualClock::default();
    let err = apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 503 && a.attempts == 1), "{err}");
    assert_eq!(clock.sleeps(), [], "a wait past the 120 s deadline is not started");
}

#[tokio::test]
async fn connection_errors_are_retried_for_reads() {
    let server = Server::start(vec![Reply::DropBeforeRead, Reply::DropAfterRead], state("t1", "processing")).await;
    let clock = ManualClock::default();
    apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap();
    assert_eq!(server.connections(), 3);
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test]
async fn non_transient_errors_are_not_retried_and_name_the_task() {
    let server = Server::start(vec![], Reply::json(404, json!({"code": 404, "message": "task not found"}))).await;
    let err = apixo_client(&server, &ManualClock::default(), no_jitter()).status("t9").await.unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 404 && a.attempts == 1 && !a.retryable), "{err}");
    assert_eq!(err.task_id(), Some("t9"));
    assert_eq!(server.count("GET"), 1);
}

#[tokio::test]
async fn an_answer_about_another_task_is_refused() {
    let server = Server::start(
        vec![],
        Reply::json(200, json!({"code": 0, "data": {"status": "pending", "task_id": "someone-else"}})),
    )
    .await;
    let client = modellix::Client::builder().api_key("test-key-5f3a9").base_url(server.url()).build().unwrap();
    let err = client.status("task-1").await.unwrap_err();
    assert!(matches!(&err, Error::Decode(d) if d.message.contains("someone-else")), "{err}");
    assert_eq!(err.task_id(), Some("task-1"));
}

#[tokio::test]
async fn undecodable_answers_are_decode_errors_with_a_snippet() {
    let server = Server::start(
        vec![],
        Reply::json(200, json!({"code": 200, "data": {"taskId": "t1", "state": "success", "resultJson": "{broken"}})),
    )
    .await;
    let err = apixo_client(&server, &ManualClock::default(), no_jitter()).status("t1").await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("expected a decode error, got {err}") };
    assert_eq!(d.path, "data.resultJson");
    assert!(d.snippet.contains("{broken"), "{}", d.snippet);
}

// ---- wait --------------------------------------------------------------------------

fn recorder() -> (Arc<Mutex<Vec<String>>>, impl FnMut(&happyhorse_client::runtime::Progress) + Send + 'static) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p: &happyhorse_client::runtime::Progress| {
        sink.lock().unwrap().push(format!("{}:{}", p.polls, p.state))
    })
}

#[tokio::test]
async fn wait_follows_the_documented_first_delay_and_interval_until_success() {
    let server = Server::start(
        vec![
            Reply::json(200, json!({"code": 200, "data": {"taskId": "t1"}})),
            state("t1", "processing"),
            state("t1", "processing"),
        ],
        success("t1"),
    )
    .await;
    let clock = ManualClock::default();
    let client = apixo_client(&server, &clock, no_jitter());
    let req = apixo::SubmitRequest::new(apixo::ReferenceToVideoInput::new("p", ["https://example.com/a.png"]));
    let task = client.submit(&req).await.unwrap();
    let (seen, progress) = recorder();
    let done = client.wait(&task, WaitOptions::default().on_progress(progress)).await.unwrap();
    // apixo:277: reference-to-video, first poll 45 s after creation, then every 10-15 s
    // (jittered inside that range).
    let sleeps = clock.sleeps();
    assert_eq!((sleeps.len(), sleeps[0]), (3, secs(45)));
    assert!(sleeps[1..].iter().all(|s| (secs(10)..=secs(15)).contains(s)), "{sleeps:?}");
    assert_eq!(*seen.lock().unwrap(), ["1:processing", "2:processing", "3:success"]);
    assert_eq!(done.result().unwrap().result_urls, ["https://r2.example/video.mp4"]);
    assert_eq!(done.outputs(), [Output { url: "https://r2.example/video.mp4".into(), kind: None }]);
}

#[tokio::test]
async fn the_first_delay_counts_from_the_submit() {
    let server = Server::start(vec![], success("t1")).await;
    let clock = ManualClock::default();
    let client = apixo_client(&server, &clock, no_jitter());
    let mut task = Task::resume("t1", apixo::Mode::TextToVideo);
    task.submitted_at = Some(happyhorse_client::runtime::Clock::now(&clock));
    clock.advance(secs(12));
    client.wait(&task, WaitOptions::default()).await.unwrap();
    assert_eq!(clock.sleeps(), [secs(18)], "30 s after the submit, 12 s of which had passed");
}

#[tokio::test]
async fn wait_options_override_the_schedule() {
    let server = Server::start(vec![state("t1", "processing")], success("t1")).await;
    let clock = ManualClock::default();
    let task = Task::resume("t1", apixo::Mode::VideoEdit);
    apixo_client(&server, &clock, no_jitter())
        .wait(&task, WaitOptions::default().first_poll(secs(1)).interval(secs(2)))
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), [secs(1), secs(2)]);
}

#[tokio::test]
async fn wait_reports_a_failed_task_with_its_code() {
    let failed = Reply::json(
        200,
        json!({"code": 200, "data": {"taskId": "t1", "state": "failed", "failCode": "Task TimeOut", "failMsg": "took too long"}}),
    );
    let server = Server::start(vec![state("t1", "processing")], failed).await;
    let clock = ManualClock::default();
    let task = Task::resume("t1", apixo::Mode::TextToVideo);
    let err = apixo_client(&server, &clock, no_jitter()).wait(&task, WaitOptions::default()).await.unwrap_err();
    let Error::TaskFailed(f) = &err else { panic!("expected a failed task, got {err}") };
    assert_eq!(
        (f.task_id.as_str(), f.code.as_deref(), f.message.as_deref()),
        ("t1", Some("Timeout"), Some("took too long"))
    );
    assert!(f.retry_may_help, "apixo:303: Timeout, retry");
    assert_eq!(clock.sleeps(), [secs(30), secs(10)]);
}

#[tokio::test]
async fn wait_stops_at_the_deadline_with_the_last_state() {
    let server = Server::start(vec![], state("t1", "processing")).await;
    let clock = ManualClock::default();
    let task = Task::resume("t1", apixo::Mode::TextToVideo);
    let err = apixo_client(&server, &clock, no_jitter())
        .wait(&task, WaitOptions::default().deadline(secs(60)))
        .await
        .unwrap_err();
    let Error::Timeout(t) = &err else { panic!("expected a timeout, got {err}") };
    assert_eq!((t.task_id.as_deref(), t.last_state.as_deref(), t.operation), (Some("t1"), Some("processing"), "wait"));
    // Polls at 30, 40, 50 and 60 s; the next one would be past the deadline.
    assert_eq!(server.count("GET"), 4);
    assert_eq!(clock.sleeps(), [secs(30), secs(10), secs(10), secs(10)]);
}

/// Three waits on one client whose polls the server holds until `held` of them have
/// arrived; returns the server once all three waits finished.
async fn three_waits_with_polls_held(max_polls: usize, held: usize) -> Server {
    let gate = support::Gate::new();
    let hold = Reply::Gate(gate.clone(), Box::new(success("t1")));
    let server = Server::start(vec![hold.clone(), hold.clone(), hold], success("t1")).await;
    let clock = ManualClock::default();
    let client = apixo::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .clock(Arc::new(clock))
        .retry(no_jitter())
        .max_concurrent_polls(max_polls)
        .build()
        .unwrap();
    let task = Task::resume("t1", apixo::Mode::TextToVideo);
    let waits: Vec<_> = (0..3)
        .map(|_| {
            let (client, task) = (client.clone(), task.clone());
            tokio::spawn(async move { client.wait(&task, WaitOptions::default().first_poll(Duration::ZERO)).await })
        })
        .collect();
    server.requests_seen(held).await;
    gate.open();
    for w in waits {
        assert_eq!(w.await.unwrap().unwrap().task_id(), "t1");
    }
    server
}

#[tokio::test]
async fn polls_in_flight_are_capped_per_client() {
    // Without a tight cap the three polls are in flight at once (the test sees all three
    // reach the server while the first is held): the setup can show overlapping polls.
    let uncapped = three_waits_with_polls_held(3, 3).await;
    assert_eq!(uncapped.max_in_flight(), 3);
    // With one poll at a time, the others queue in the client until the held one is
    // answered, then go one by one: none is lost, none is sent twice.
    let capped = three_waits_with_polls_held(1, 1).await;
    assert_eq!(capped.count("GET"), 3);
    assert_eq!(capped.max_in_flight(), 1, "a second poll was sent while the first was in flight");
}

#[tokio::test]
async fn wait_is_cancel_safe() {
    let server = Server::start(vec![state("t1", "processing")], success("t1")).await;
    let clock = ManualClock::default();
    let client = apixo_client(&server, &clock, no_jitter());
    let task = Task::resume("t1", apixo::Mode::TextToVideo);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut tx = Some(tx);
    let options = WaitOptions::default().on_progress(move |_| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(());
        }
    });
    tokio::select! {
        r = client.wait(&task, options) => panic!("the wait should have been cancelled, got {r:?}"),
        _ = rx => {}
    }
    // The dropped wait lost nothing: waiting again with the same task completes.
    let done = client.wait(&task, WaitOptions::default().first_poll(Duration::ZERO)).await.unwrap();
    assert_eq!(done.task_id(), "t1");
}

#[tokio::test]
async fn wait_errors_carry_the_task_id() {
    let server = Server::start(vec![], Reply::json(401, json!({"code": 401, "message": "bad key"}))).await;
    let task = Task::resume("t7", apixo::Mode::TextToVideo);
    let err = apixo_client(&server, &ManualClock::default(), no_jitter())
        .wait(&task, WaitOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.task_id(), Some("t7"));
}

#[tokio::test]
async fn modellix_wait_follows_a_same_origin_get_result_url() {
    let server = Server::start(vec![], Reply::raw(500, "")).await;
    let follow = format!("{}/api/v1/tasks-by-link/task-9", server.url());
    server.push(Reply::json(200, json!({"code": 0, "data": {"status": "pending", "task_id": "task-9", "get_result": {"method": "GET", "url": follow}}})));
    server.push(Reply::json(200, json!({"code": 0, "data": {"status": "pending", "task_id": "task-9"}})));
    server.push(Reply::json(
        200,
        json!({"code": 0, "data": {"status": "success", "task_id": "task-9",
        "result": {"resources": [{"url": "https://cdn.example/v.mp4", "type": "video", "width": 1280}]}}}),
    ));
    let clock = ManualClock::default();
    let client = modellix::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let task = client
        .submit(&modellix::ReferenceToVideoRequest::new(["https://example.com/a.jpg"], "character1 waves"))
        .await
        .unwrap();
    assert_eq!(task.follow_url().map(|u| u.as_str()), Some(follow.as_str()));
    let done = client.wait(&task, WaitOptions::default()).await.unwrap();
    let targets: Vec<String> = server.requests().iter().skip(1).map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/api/v1/tasks-by-link/task-9", "/api/v1/tasks-by-link/task-9"]);
    assert_eq!(done.outputs(), [Output { url: "https://cdn.example/v.mp4".into(), kind: Some("video".into()) }]);
    // The spec's decision for Modellix, which documents no schedule: 30 s, then 10 s.
    assert_eq!(clock.sleeps(), [secs(30), secs(10)]);
}

// ---- wait: like a smithy waiter --------------------------------------------------------

fn progress_log() -> (
    Arc<Mutex<Vec<happyhorse_client::runtime::Progress>>>,
    impl FnMut(&happyhorse_client::runtime::Progress) + Send + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p: &happyhorse_client::runtime::Progress| sink.lock().unwrap().push(p.clone()))
}

#[tokio::test]
async fn polls_are_jittered_inside_the_documented_interval() {
    // apixo:278: video-edit, first poll 60 s after creation, then every 10-15 s.
    let server = Server::start(vec![state("t1", "processing"); 30], success("t1")).await;
    let clock = ManualClock::default();
    let client = apixo::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .jitter_seed(7)
        .build()
        .unwrap();
    let (seen, progress) = progress_log();
    client
        .wait(&Task::resume("t1", apixo::Mode::VideoEdit), WaitOptions::default().on_progress(progress))
        .await
        .unwrap();
    let sleeps = clock.sleeps();
    assert_eq!(sleeps[0], secs(60));
    let intervals = &sleeps[1..];
    assert_eq!(intervals.len(), 30);
    assert!(intervals.iter().all(|s| (secs(10)..=secs(15)).contains(s)), "{intervals:?}");
    assert!(intervals.iter().any(|s| *s != intervals[0]), "jittered, not one fixed interval: {intervals:?}");
    // Each report says the delay until the next poll, which is the next sleep.
    let seen = seen.lock().unwrap();
    let announced: Vec<Duration> = seen.iter().filter_map(|p| p.next_poll).collect();
    assert_eq!(announced, intervals);
    assert_eq!(seen.last().unwrap().next_poll, None, "no next poll after the terminal state");
    assert_eq!(seen[1].elapsed, secs(60) + intervals[0], "elapsed counts from the start of the wait");
}

#[tokio::test]
async fn a_poll_that_runs_out_of_retries_does_not_end_the_wait() {
    // One poll: five 503s (the status call's 5 attempts), then the next poll succeeds.
    let mut script = vec![state("t1", "processing")];
    script.extend(vec![Reply::raw(503, ""); 5]);
    let server = Server::start(script, success("t1")).await;
    let clock = ManualClock::default();
    let (seen, progress) = progress_log();
    let done = apixo_client(&server, &clock, no_jitter())
        .wait(&Task::resume("t1", apixo::Mode::TextToVideo), WaitOptions::default().on_progress(progress))
        .await
        .unwrap();
    assert_eq!(done.task_id(), "t1");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert_eq!((seen[1].state.as_str(), seen[1].polls), ("processing", 2), "the last state seen is kept");
    let err = seen[1].poll_error.as_deref().expect("the failed poll is reported");
    assert!(err.contains("503") && err.contains("t1"), "{err}");
    assert_eq!(seen[1].next_poll, Some(secs(10)));
    assert_eq!(server.count("GET"), 7);
}

#[tokio::test]
async fn a_2xx_error_envelope_is_retried_like_its_status() {
    let server = Server::start(
        vec![Reply::json(200, json!({"code": 500, "message": "busy"})), Reply::json(200, json!({"code": 503}))],
        state("t1", "processing"),
    )
    .await;
    let clock = ManualClock::default();
    let status = apixo_client(&server, &clock, no_jitter()).status("t1").await.unwrap();
    assert_eq!(status.phase(), TaskPhase::Pending);
    assert_eq!(server.count("GET"), 3);
    assert_eq!(clock.sleeps(), [Duration::from_millis(500), secs(1)]);
}

#[tokio::test]
async fn unknown_states_keep_polling_and_are_reported() {
    let server =
        Server::start(vec![state("t1", "queued_for_review"), state("t1", "queued_for_review")], success("t1")).await;
    let clock = ManualClock::default();
    let (seen, progress) = progress_log();
    apixo_client(&server, &clock, no_jitter())
        .wait(&Task::resume("t1", apixo::Mode::TextToVideo), WaitOptions::default().on_progress(progress))
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let flags: Vec<(&str, bool, TaskPhase)> =
        seen.iter().map(|p| (p.state.as_str(), p.state_documented, p.phase)).collect();
    assert_eq!(
        flags,
        [
            ("queued_for_review", false, TaskPhase::Pending),
            ("queued_for_review", false, TaskPhase::Pending),
            ("success", true, TaskPhase::Succeeded)
        ]
    );
}

#[tokio::test]
async fn result_json_is_read_only_on_success_and_a_success_without_outputs_is_an_error() {
    // apixo:221: resultJson is "Present when state is success". A malformed value on a
    // processing answer does not abort the wait.
    let odd_processing = Reply::json(
        200,
        json!({"code": 200, "data": {"taskId": "t1", "state": "processing", "resultJson": "{\"resultUrls\": [tru"}}),
    );
    let empty =
        Reply::json(200, json!({"code": 200, "data": {"taskId": "t1", "state": "processing", "resultJson": ""}}));
    let server = Server::start(vec![odd_processing, empty], success("t1")).await;
    let clock = ManualClock::default();
    let done = apixo_client(&server, &clock, no_jitter())
        .wait(&Task::resume("t1", apixo::Mode::TextToVideo), WaitOptions::default())
        .await
        .unwrap();
    assert_eq!(done.outputs().len(), 1);

    for body in [
        json!({"code": 200, "data": {"taskId": "t2", "state": "success"}}),
        json!({"code": 200, "data": {"taskId": "t2", "state": "success", "resultJson": ""}}),
        json!({"code": 200, "data": {"taskId": "t2", "state": "success", "resultJson": "{\"resultUrls\": []}"}}),
    ] {
        let server = Server::start(vec![], Reply::json(200, body.clone())).await;
        let err = apixo_client(&server, &ManualClock::default(), no_jitter())
            .wait(&Task::resume("t2", apixo::Mode::TextToVideo), WaitOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::NoResult(r) if r.task_id == "t2" && r.state == "success"), "{body}: {err}");
        assert_eq!(err.task_id(), Some("t2"));
    }
}

#[tokio::test]
async fn a_follow_url_is_origin_checked_on_every_use() {
    // A task submitted through one base URL, waited on by a client of another origin: the
    // follow URL (and the API key with it) goes only to its own origin.
    let first = Server::start(vec![], Reply::raw(500, "")).await;
    let follow = format!("{}/api/v1/tasks-by-link/task-9", first.url());
    first.push(Reply::json(200, json!({"code": 0, "data": {"status": "pending", "task_id": "task-9", "get_result": {"method": "GET", "url": follow}}})));
    let clock = ManualClock::default();
    let build = |url: String| {
        modellix::Client::builder()
            .api_key("test-key-5f3a9")
            .base_url(url)
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap()
    };
    let task = build(first.url())
        .submit(&modellix::ReferenceToVideoRequest::new(["https://example.com/a.jpg"], "character1 waves"))
        .await
        .unwrap();
    assert!(task.follow_url().is_some());
    let other = Server::start(
        vec![],
        Reply::json(
            200,
            json!({"code": 0, "data": {"status": "success", "task_id": "task-9",
            "result": {"resources": [{"url": "https://cdn.example/v.mp4", "type": "video"}]}}}),
        ),
    )
    .await;
    build(other.url()).wait(&task, WaitOptions::default()).await.unwrap();
    assert_eq!(other.requests()[0].target, "/api/v1/tasks/task-9", "the documented endpoint, on its own origin");
    assert_eq!(first.count("GET"), 0, "nothing went to the other origin");
}

#[tokio::test]
async fn resume_checks_the_id_and_uses_the_mode_s_guidance() {
    let server = Server::start(vec![], success("t1")).await;
    let clock = ManualClock::default();
    let client = apixo_client(&server, &clock, no_jitter());
    assert!(matches!(client.resume("..", apixo::Mode::VideoEdit), Err(Error::Config { .. })));
    let task = client.resume("t1", apixo::Mode::VideoEdit).unwrap();
    assert_eq!((task.mode, task.polling), ("video-edit", apixo::POLLING[3]));
    client.wait(&task, WaitOptions::default()).await.unwrap();
    assert_eq!(clock.sleeps(), [secs(60)], "apixo:278: video-edit, first poll after 60 s");
}
