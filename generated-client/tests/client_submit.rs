//! Paid-submission safety over real HTTP on loopback: an invalid request is never sent; a
//! submit is sent again only when the answer proves it was not accepted (429) or the
//! connection was never made; every other outcome after sending is
//! `SubmissionOutcomeUnknown` with exactly one POST on the wire. Timeouts run on a manual
//! clock that the test advances once the server has the request: nothing waits on the
//! wall clock.

mod support;

use std::sync::Arc;
use std::time::Duration;

use happyhorse_client::apixo;
use happyhorse_client::runtime::error::UnknownReason;
use happyhorse_client::runtime::{Error, ManualClock, RetryPolicy};
use serde_json::json;
use support::{Reply, Server};

fn client(server: &Server, clock: &ManualClock) -> apixo::Client {
    apixo::Client::builder()
        .api_key("test-key")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy { jitter: false, ..RetryPolicy::default() })
        .timeouts(Duration::from_secs(10), Duration::from_secs(30), Duration::from_secs(60))
        .max_body_bytes(4096)
        .build()
        .unwrap()
}

fn request() -> apixo::SubmitRequest {
    apixo::SubmitRequest::new(
        apixo::TextToVideoInput::new("a rainy night").with_resolution(apixo::Resolution::P720).with_duration(5),
    )
}

fn accepted() -> Reply {
    Reply::json(200, json!({"code": 200, "message": "success", "data": {"taskId": "task_1"}}))
}

#[tokio::test]
async fn an_accepted_submit_returns_the_task_and_sends_the_documented_body() {
    let server = Server::start(vec![accepted()], Reply::raw(500, "")).await;
    let clock = ManualClock::default();
    let task = client(&server, &clock).submit(&request()).await.unwrap();
    assert_eq!((task.id.as_str(), task.mode), ("task_1", "text-to-video"));
    assert_eq!(task.polling.first_poll, Duration::from_secs(30));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].method.as_str(), reqs[0].target.as_str()), ("POST", "/api/v1/generateTask/happyHorse"));
    assert_eq!(reqs[0].header("authorization"), Some("Bearer test-key"));
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(
        reqs[0].json(),
        json!({"request_type": "async", "input": {"mode": "text-to-video", "prompt": "a rainy night", "resolution": "720p", "duration": 5}})
    );
}

#[tokio::test]
async fn an_invalid_request_is_never_sent() {
    let server = Server::start(vec![], accepted()).await;
    let bad = apixo::SubmitRequest::new(apixo::TextToVideoInput::new("").with_duration(99));
    let err = client(&server, &ManualClock::default()).submit(&bad).await.unwrap_err();
    let Error::Validation(v) = &err else { panic!("expected a validation error, got {err}") };
    assert_eq!(v.as_slice().len(), 2);
    assert!(err.safe_to_resubmit());
    let callback =
        request().with_delivery(apixo::Delivery::Callback(apixo::CallbackDelivery::new("http://example.com/hook")));
    assert!(matches!(client(&server, &ManualClock::default()).submit(&callback).await, Err(Error::Validation(_))));
    assert_eq!(server.connections(), 0, "nothing may reach the provider");
}

/// Each trigger must give `SubmissionOutcomeUnknown` after exactly one POST.
async fn unknown_after_one_post(reply: Reply, expect: impl Fn(&UnknownReason) -> bool) {
    let server = Server::start(vec![reply.clone()], accepted()).await;
    let err = client(&server, &ManualClock::default()).submit(&request()).await.unwrap_err();
    let Error::SubmissionOutcomeUnknown(u) = &err else { panic!("{reply:?}: expected an unknown outcome, got {err}") };
    assert!(expect(&u.reason), "{reply:?}: reason {:?}", u.reason);
    assert!(!err.safe_to_resubmit());
    assert!(err.to_string().contains("Do not resubmit blindly"), "{err}");
    assert_eq!(server.count("POST"), 1, "{reply:?}: the submit must not be sent twice");
    assert_eq!(server.connections(), 1, "{reply:?}");
}

#[tokio::test]
async fn server_errors_after_sending_are_unknown_outcomes() {
    for status in [500, 502, 503, 504] {
        unknown_after_one_post(Reply::json(status, json!({"code": status, "message": "x"})), |r| {
            *r == UnknownReason::ServerError
        })
        .await;
    }
    unknown_after_one_post(Reply::raw(408, ""), |r| *r == UnknownReason::RequestTimeout).await;
}

#[tokio::test]
async fn a_lost_connection_is_an_unknown_outcome() {
    unknown_after_one_post(Reply::DropAfterRead, |r| *r == UnknownReason::ConnectionLost).await;
}

#[tokio::test]
async fn a_timeout_is_an_unknown_outcome() {
    let server = Server::start(vec![Reply::Hold], accepted()).await;
    let clock = ManualClock::default();
    let c = client(&server, &clock);
    let submitting = tokio::spawn(async move { c.submit(&request()).await });
    server.requests_seen(1).await;
    clock.advance(Duration::from_secs(59));
    tokio::task::yield_now().await;
    assert!(!submitting.is_finished(), "the 60 s request timeout has not passed");
    clock.advance(Duration::from_secs(1));
    let err = submitting.await.unwrap().unwrap_err();
    let Error::SubmissionOutcomeUnknown(u) = &err else { panic!("expected an unknown outcome, got {err}") };
    assert_eq!(u.reason, UnknownReason::Timeout);
    assert!(!err.safe_to_resubmit());
    assert_eq!(server.count("POST"), 1, "the submit must not be sent twice");
}

#[tokio::test]
async fn a_2xx_that_is_not_json_or_has_no_task_id_is_an_unknown_outcome() {
    unknown_after_one_post(Reply::raw(200, "<html>ok</html>"), |r| *r == UnknownReason::NotJson).await;
    unknown_after_one_post(
        Reply::json(200, json!({"code": 200, "message": "success", "data": {}})),
        |r| matches!(r, UnknownReason::NoTaskId { path, .. } if path == "data.taskId"),
    )
    .await;
    unknown_after_one_post(Reply::json(200, json!({"code": 200, "data": {"taskId": " "}})), |r| {
        matches!(r, UnknownReason::NoTaskId { .. })
    })
    .await;
    unknown_after_one_post(Reply::json(200, json!({"code": 500, "message": "busy"})), |r| {
        *r == UnknownReason::UnexpectedEnvelope { code: 500 }
    })
    .await;
}

#[tokio::test]
async fn an_oversize_answer_is_an_unknown_outcome() {
    let big = Reply::raw(200, &"x".repeat(10_000));
    unknown_after_one_post(big, |r| *r == UnknownReason::BodyTooLarge { limit: 4096 }).await;
}

#[tokio::test]
async fn rate_limited_submits_are_retried_after_retry_after_and_reported_as_not_accepted() {
    let limited = || Reply::json(429, json!({"code": 429, "message": "slow down"})).header("Retry-After", "3");
    let server = Server::start(vec![limited(), accepted()], Reply::raw(500, "")).await;
    let clock = ManualClock::default();
    let task = client(&server, &clock).submit(&request()).await.unwrap();
    assert_eq!(task.id, "task_1");
    assert_eq!(server.count("POST"), 2);
    assert_eq!(clock.sleeps(), [Duration::from_secs(3)]);

    let server = Server::start(vec![], limited()).await;
    let clock = ManualClock::default();
    let err = client(&server, &clock).submit(&request()).await.unwrap_err();
    let Error::Api(api) = &err else { panic!("expected an API error, got {err}") };
    assert_eq!((api.status, api.not_accepted, api.retryable, api.attempts), (429, true, true, 5));
    assert_eq!(api.message.as_deref(), Some("slow down"));
    assert!(err.safe_to_resubmit());
    assert_eq!(server.count("POST"), 5, "bounded by max_attempts");
    assert_eq!(clock.sleeps(), [Duration::from_secs(3); 4]);
}

#[tokio::test]
async fn documented_rejections_are_not_accepted_and_not_retried() {
    for status in [400, 401, 402, 403] {
        let server = Server::start(vec![], Reply::json(status, json!({"code": status, "message": "no"}))).await;
        let err = client(&server, &ManualClock::default()).submit(&request()).await.unwrap_err();
        let Error::Api(api) = &err else { panic!("{status}: expected an API error, got {err}") };
        assert!(api.not_accepted && !api.retryable, "{status}");
        assert!(api.meaning.is_some(), "{status}: the docs' meaning is attached");
        assert_eq!(server.count("POST"), 1, "{status}");
    }
    // A 2xx carrying a rejection code in its envelope is a rejection too.
    let server = Server::start(vec![], Reply::json(200, json!({"code": 402, "message": "Insufficient balance"}))).await;
    let err = client(&server, &ManualClock::default()).submit(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 402 && a.not_accepted), "{err}");
}

#[tokio::test]
async fn a_connection_that_is_never_made_is_retried_then_reported_as_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let clock = ManualClock::default();
    let client = apixo::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(url)
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy { max_attempts: 3, jitter: false, ..RetryPolicy::default() })
        .build()
        .unwrap();
    let err = client.submit(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if !t.request_sent && t.attempts == 3), "{err}");
    assert!(err.safe_to_resubmit());
    assert_eq!(clock.sleeps(), [Duration::from_millis(500), Duration::from_millis(1000)]);
}

#[tokio::test]
async fn modellix_submit_follows_the_documented_body_and_answer() {
    let answer = json!({"code": 0, "message": "success", "data": {"status": "pending", "task_id": "task-abc123", "model_id": "m",
        "get_result": {"method": "GET", "url": "https://api.modellix.ai/api/v1/tasks/task-abc123"}}});
    let server = Server::start(vec![Reply::json(200, answer)], Reply::raw(500, "")).await;
    let client = happyhorse_client::modellix::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .build()
        .unwrap();
    let req = happyhorse_client::modellix::ReferenceToVideoRequest::new(
        ["https://example.com/girl.jpg"],
        "A woman character1",
    );
    let task = client.submit(&req).await.unwrap();
    assert_eq!(task.id, "task-abc123");
    assert_eq!(task.follow_url(), None, "a get_result URL on another origin is not followed");
    assert_eq!(server.requests()[0].target, "/api/v1/alibaba/happyhorse-1.0-r2v/async");
}

#[tokio::test]
async fn one_modellix_client_submits_each_model_to_its_own_endpoint() {
    // r2v, t2v and i2v share the submit answer envelope (t2v:54, i2v:54 "Same submit answer
    // envelope as happyhorse-1.0-r2v"); each model has its own path.
    use happyhorse_client::modellix::{ImageToVideoRequest, ReferenceToVideoRequest, Request, TextToVideoRequest};
    let answer = |id: &str| {
        Reply::json(200, json!({"code": 0, "message": "success", "data": {"status": "pending", "task_id": id}}))
    };
    let server =
        Server::start(vec![answer("t-1"), answer("t-2"), answer("t-3"), answer("t-4")], Reply::raw(500, "")).await;
    let client = happyhorse_client::modellix::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .build()
        .unwrap();
    let t2v = TextToVideoRequest::new("A miniature city made of cardboard and bottle caps comes to life at night.");
    let frame = happyhorse_client::runtime::MediaSource::data("image/png", b"\x89PNG\r\n\x1a\n");
    let i2v = ImageToVideoRequest::new(frame.clone());
    let r2v = ReferenceToVideoRequest::new(["https://example.com/girl.jpg"], "character1 waves");
    let ids = [
        client.submit(&t2v).await.unwrap().id,
        client.submit(&i2v).await.unwrap().id,
        client.submit(&r2v).await.unwrap().id,
        client.submit(&Request::from(TextToVideoRequest::new("another"))).await.unwrap().id,
    ];
    assert_eq!(ids, ["t-1", "t-2", "t-3", "t-4"]);
    let sent = server.requests();
    let targets: Vec<&str> = sent.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/api/v1/alibaba/happyhorse-1.0-t2v/async",
            "/api/v1/alibaba/happyhorse-1.0-i2v/async",
            "/api/v1/alibaba/happyhorse-1.0-r2v/async",
            "/api/v1/alibaba/happyhorse-1.0-t2v/async",
        ]
    );
    assert_eq!(sent[1].json(), json!({"first_frame_image": frame.as_str()}), "the data URI is sent as one string");
    // An invalid request of any model never leaves the machine.
    let err = client.submit(&TextToVideoRequest::new("")).await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
    assert_eq!(server.requests().len(), 4);
}

// ---- answers that drift from the docs: the id is never lost (issue 7, item 1) -----------

#[tokio::test]
async fn the_task_id_is_read_by_its_path_before_the_rest_of_the_answer() {
    // apixo: "data.taskId ... Unique task identifier used with the status endpoint". The
    // envelope `code` missing, or sent as a string: the task exists, its id is kept.
    for body in [
        json!({"message": "success", "data": {"taskId": "task_7"}}),
        json!({"code": "200", "data": {"taskId": "task_7"}}),
        json!({"code": 200, "data": {"taskId": "task_7", "extra": {"nested": [1, 2]}}}),
    ] {
        let server = Server::start(vec![Reply::json(200, body.clone())], Reply::raw(500, "")).await;
        let task = client(&server, &ManualClock::default()).submit(&request()).await.unwrap();
        assert_eq!(task.id, "task_7", "{body}");
    }
    // Modellix: data.get_result without its url still gives the task.
    let answer =
        json!({"code": 0, "data": {"status": "pending", "task_id": "task-abc123", "get_result": {"method": "GET"}}});
    let server = Server::start(vec![Reply::json(200, answer)], Reply::raw(500, "")).await;
    let task = happyhorse_client::modellix::Client::builder()
        .api_key("test-key-5f3a9")
        .base_url(server.url())
        .build()
        .unwrap()
        .submit(&happyhorse_client::modellix::ReferenceToVideoRequest::new(
            ["https://example.com/girl.jpg"],
            "A woman character1",
        ))
        .await
        .unwrap();
    assert_eq!((task.id.as_str(), task.follow_url()), ("task-abc123", None));
}

#[tokio::test]
async fn an_id_with_a_contradicting_envelope_is_an_unknown_outcome_that_keeps_the_id_and_body() {
    let body = json!({"code": 500, "message": "Bearer test-key echoed", "data": {"taskId": "task_8"}});
    let server = Server::start(vec![Reply::json(200, body)], accepted()).await;
    let err = client(&server, &ManualClock::default()).submit(&request()).await.unwrap_err();
    let Error::SubmissionOutcomeUnknown(u) = &err else { panic!("expected an unknown outcome, got {err}") };
    assert_eq!(
        (u.reason.clone(), u.task_id.as_deref()),
        (UnknownReason::UnexpectedEnvelope { code: 500 }, Some("task_8"))
    );
    let raw = u.body.as_deref().unwrap();
    assert!(raw.contains("task_8") && raw.contains("<redacted>") && !raw.contains("test-key"), "{raw}");
    assert_eq!(err.task_id(), Some("task_8"));
    assert!(!err.safe_to_resubmit());
    assert_eq!(server.count("POST"), 1);
}

#[tokio::test]
async fn statuses_the_docs_do_not_list_are_unknown_outcomes() {
    // The spec's [unlisted_statuses] decision: an unlisted status proves nothing.
    for status in [404, 405, 409, 413, 422] {
        unknown_after_one_post(Reply::json(status, json!({"code": status, "message": "?"})), |r| {
            *r == UnknownReason::UnexpectedStatus
        })
        .await;
    }
}

// ---- cancel-safety (issue 7, item 2) -------------------------------------------------------

#[tokio::test]
async fn dropping_the_submit_future_after_sending_loses_nothing() {
    let gate = support::Gate::new();
    let server = Server::start(vec![Reply::Gate(gate.clone(), Box::new(accepted()))], Reply::raw(500, "")).await;
    let dir = std::env::temp_dir().join(format!("hh-cancel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("journal.jsonl");
    let clock = ManualClock::default();
    let c = apixo::Client::builder()
        .api_key("test-key")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .journal_file(&journal)
        .unwrap()
        .build()
        .unwrap();
    // The caller gives up once the request is on the wire.
    let req = request();
    tokio::select! {
        r = c.submit(&req) => panic!("the submit should have been dropped, got {r:?}"),
        () = server.requests_seen(1) => {}
    }
    gate.open();
    // The exchange completes on its own task and records its outcome.
    let outcome = loop {
        let text = std::fs::read_to_string(&journal).unwrap();
        if let Some(line) = text.lines().find(|l| l.contains("\"kind\":\"outcome\"")) {
            break serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        tokio::task::yield_now().await;
    };
    assert_eq!((outcome["result"].as_str(), outcome["task_id"].as_str()), (Some("accepted"), Some("task_1")));
    let recovery = c.recover().await.unwrap();
    assert_eq!(recovery.tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["task_1"]);
    assert_eq!(server.count("POST"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
