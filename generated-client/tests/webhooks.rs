//! Verified webhooks over real HTTP on loopback (FACTS.md, APIXO webhooks: the payload has
//! the status response's shape; a delivery not answered 200 in time is retried up to 3
//! times). A delivery is a hint and the status answer is the truth: forged, replayed,
//! malformed and oversized deliveries never reach the application; the genuine one does,
//! exactly once, also when two receivers share a delivery store.

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use happyhorse_client::apixo;
use happyhorse_client::runtime::webhook::{MemoryDeliveries, Rejection};
use happyhorse_client::runtime::{Delivery, ManualClock, RetryPolicy, TaskPhase, WebhookReceiver};
use serde_json::json;
use support::{Reply, Server};

const GENUINE_URL: &str = "https://r2.apixo.example/genuine.mp4";

fn client(server: &Server) -> apixo::Client {
    apixo::Client::builder()
        .api_key("test-key")
        .base_url(server.url())
        .clock(Arc::new(ManualClock::default()))
        .retry(RetryPolicy { jitter: false, ..RetryPolicy::default() })
        .build()
        .unwrap()
}

fn with_journal(server: &Server, path: &PathBuf) -> apixo::Client {
    apixo::Client::builder()
        .api_key("test-key")
        .base_url(server.url())
        .clock(Arc::new(ManualClock::default()))
        .retry(RetryPolicy { jitter: false, ..RetryPolicy::default() })
        .journal_file(path)
        .unwrap()
        .build()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hh-webhooks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("journal.jsonl")
}

/// A webhook body (the status answer's shape).
fn delivery(task: &str, state: &str, url: &str) -> Vec<u8> {
    let mut data = json!({"taskId": task, "state": state, "createTime": 1, "completeTime": 2});
    if state == "success" {
        data["resultJson"] = json!(format!("{{\"resultUrls\":[\"{url}\"]}}"));
    } else if state == "failed" {
        data["failCode"] = json!("CONTENT_VIOLATION");
        data["failMsg"] = json!("blocked");
    }
    json!({"code": 200, "message": "success", "data": data}).to_string().into_bytes()
}

/// The provider's status answer (the truth).
fn status(task: &str, state: &str) -> Reply {
    Reply::Answer {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: delivery(task, state, GENUINE_URL),
    }
}

fn urls(d: &apixo::StatusResponse) -> Vec<String> {
    d.outputs().into_iter().map(|o| o.url).collect()
}

#[tokio::test]
async fn the_genuine_delivery_reaches_the_app_once_and_redeliveries_are_repeats() {
    let server = Server::start(vec![], status("t1", "success")).await;
    let receiver = WebhookReceiver::new(client(&server));
    let first = receiver.receive(None, &delivery("t1", "success", GENUINE_URL)).await.unwrap();
    let Delivery::First(s) = &first else { panic!("expected the first delivery, got {first:?}") };
    assert_eq!((s.phase(), urls(s)), (TaskPhase::Succeeded, vec![GENUINE_URL.to_owned()]));
    // "APIXO retries delivery up to 3 times": each redelivery (a replay) is a repeat.
    for _ in 0..3 {
        let again = receiver.receive(None, &delivery("t1", "success", GENUINE_URL)).await.unwrap();
        assert!(matches!(again, Delivery::Repeat(_)), "{again:?}");
    }
    assert_eq!(server.count("GET"), 4, "every delivery is checked against the status");
    assert_eq!(server.requests()[0].target, "/api/v1/statusTask/happyHorse?taskId=t1");
    let rules = WebhookReceiver::<apixo::Api>::rules();
    assert_eq!((rules.ack_status, rules.ack_within.as_secs(), rules.max_redeliveries), (200, 30, 3));
}

#[tokio::test]
async fn a_forged_delivery_never_reaches_the_app_nor_makes_the_genuine_one_a_repeat() {
    // The attacker knows the task id and POSTs a success with their own URL while the task
    // is still processing; then a contradicting failure after it succeeded.
    let server = Server::start(vec![status("t1", "processing")], status("t1", "success")).await;
    let receiver = WebhookReceiver::new(client(&server));
    let forged = receiver.receive(None, &delivery("t1", "success", "https://evil.example/x.mp4")).await.unwrap_err();
    assert!(matches!(&forged, Rejection::Unconfirmed { actual, .. } if actual == "processing"), "{forged}");
    assert_eq!((forged.http_status(), forged.task_id()), (503, Some("t1")));
    let forged = receiver.receive(None, &delivery("t1", "failed", "")).await.unwrap_err();
    assert!(matches!(&forged, Rejection::Forged { reason, .. } if reason.contains("\"success\"")), "{forged}");
    assert_eq!(forged.http_status(), 403);
    // The genuine delivery is the first, with the provider's own URL.
    let genuine = receiver.receive(None, &delivery("t1", "success", GENUINE_URL)).await.unwrap();
    let Delivery::First(s) = genuine else { panic!("the genuine delivery must be the first") };
    assert_eq!(urls(&s), [GENUINE_URL]);
    // A forger who delivers after the success gets the verified truth, never their URL.
    let late = receiver.receive(None, &delivery("t1", "success", "https://evil.example/x.mp4")).await.unwrap();
    assert_eq!(urls(&late.into_inner()), [GENUINE_URL]);
}

#[tokio::test]
async fn malformed_oversized_and_non_final_deliveries_are_refused_before_any_query() {
    let server = Server::start(vec![], status("t1", "success")).await;
    let receiver = WebhookReceiver::new(client(&server)).max_body_bytes(1024);
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"<html>".to_vec(), 400),
        (b"{\"code\": 200}".to_vec(), 400),
        (json!({"code": 200, "data": {"taskId": 7, "state": "success"}}).to_string().into_bytes(), 400),
        (vec![b' '; 2000], 413),
        (delivery("t1", "processing", ""), 403),
    ];
    for (body, want) in cases {
        let e = receiver.receive(None, &body).await.unwrap_err();
        assert_eq!(e.http_status(), want, "{e}");
    }
    let e = receiver.receive(None, b"{\"code\": 200}").await.unwrap_err();
    assert!(matches!(&e, Rejection::Malformed(d) if d.path == "data" && d.message == "missing"), "{e}");
    assert_eq!(server.count("GET"), 0);
}

#[tokio::test]
async fn a_task_the_provider_does_not_know_is_forged_and_status_trouble_is_unverified() {
    let server =
        Server::start(vec![Reply::json(404, json!({"code": 404, "message": "task not found"}))], Reply::raw(503, ""))
            .await;
    let receiver = WebhookReceiver::new(client(&server));
    let e = receiver.receive(None, &delivery("nope", "success", GENUINE_URL)).await.unwrap_err();
    assert!(matches!(&e, Rejection::Forged { task_id, .. } if task_id == "nope"), "{e}");
    // Status answers 503 on every attempt: not verified; answer 503 so APIXO redelivers.
    let e = receiver.receive(None, &delivery("t1", "success", GENUINE_URL)).await.unwrap_err();
    assert!(matches!(&e, Rejection::Unverified(_)), "{e}");
    assert_eq!((e.http_status(), e.task_id()), (503, Some("t1")));
}

#[tokio::test]
async fn a_confirmed_success_without_outputs_is_an_error_with_the_task_id() {
    let bare = Reply::json(200, json!({"code": 200, "data": {"taskId": "t1", "state": "success"}}));
    let server = Server::start(vec![], bare).await;
    let receiver = WebhookReceiver::new(client(&server));
    let body = json!({"code": 200, "data": {"taskId": "t1", "state": "success"}}).to_string();
    let e = receiver.receive(None, body.as_bytes()).await.unwrap_err();
    assert!(matches!(&e, Rejection::NoResult(_)), "{e}");
    assert_eq!((e.task_id(), e.http_status()), (Some("t1"), 200));
}

#[tokio::test]
async fn two_receivers_sharing_a_store_pass_the_genuine_delivery_once() {
    let server = Server::start(vec![], status("t1", "success")).await;
    let store = Arc::new(MemoryDeliveries::new(100));
    let a = WebhookReceiver::new(client(&server)).with_store(store.clone());
    let b = WebhookReceiver::new(client(&server)).with_store(store);
    let body = delivery("t1", "success", GENUINE_URL);
    let (ra, rb) = tokio::join!(a.receive(None, &body), b.receive(None, &body));
    let firsts = [ra.unwrap(), rb.unwrap()].iter().filter(|d| matches!(d, Delivery::First(_))).count();
    assert_eq!(firsts, 1);

    // Two processes' receivers on one journal file: each opens the file itself.
    let path = temp("shared");
    let a = WebhookReceiver::new(with_journal(&server, &path));
    let b = WebhookReceiver::new(with_journal(&server, &path));
    let mut firsts = 0;
    for _ in 0..3 {
        let (ra, rb) = tokio::join!(a.receive(None, &body), b.receive(None, &body));
        firsts += [ra.unwrap(), rb.unwrap()].iter().filter(|d| matches!(d, Delivery::First(_))).count();
    }
    assert_eq!(firsts, 1, "six deliveries over two receivers, one first");
    // A failed handling gives the claim back: the next redelivery is processed again.
    let s = b.receive(None, &body).await.unwrap().into_inner();
    a.release(&s).await.unwrap();
    assert!(matches!(b.receive(None, &body).await.unwrap(), Delivery::First(_)));
    assert!(matches!(a.receive(None, &body).await.unwrap(), Delivery::Repeat(_)));
}

#[tokio::test]
async fn the_per_task_token_is_checked_in_constant_time_before_any_query() {
    let path = temp("token");
    let server =
        Server::start(vec![Reply::json(200, json!({"code": 200, "data": {"taskId": "t1"}}))], status("t1", "success"))
            .await;
    let c = with_journal(&server, &path);
    let req = apixo::SubmitRequest::new(
        apixo::TextToVideoInput::new("p").with_resolution(apixo::Resolution::P720).with_duration(5),
    )
    .with_delivery(apixo::Delivery::Callback(apixo::CallbackDelivery::new("https://hooks.example.com/apixo")));
    c.submit(&req).await.unwrap();
    let sent = url::Url::parse(server.requests()[0].json()["callback_url"].as_str().unwrap()).unwrap();
    let query = sent.query().unwrap().to_owned();
    let receiver = WebhookReceiver::new(c);
    let body = delivery("t1", "success", GENUINE_URL);
    let wrong = format!("hh_token={}", "0".repeat(64));
    for q in [None, Some(wrong.as_str()), Some("hh_token=short")] {
        let e = receiver.receive(q, &body).await.unwrap_err();
        assert!(matches!(&e, Rejection::Forged { .. }), "{q:?}: {e}");
    }
    assert_eq!(server.count("GET"), 0, "a bad token is refused without querying");
    let ok = receiver.receive(Some(&query), &body).await.unwrap();
    assert!(matches!(ok, Delivery::First(_)));
}

#[tokio::test]
async fn a_verified_token_resolves_a_submission_whose_outcome_was_unknown() {
    let path = temp("resolve");
    let server = Server::start(vec![Reply::DropAfterRead], status("t_lost", "success")).await;
    let c = with_journal(&server, &path);
    let req = apixo::SubmitRequest::new(
        apixo::TextToVideoInput::new("p").with_resolution(apixo::Resolution::P720).with_duration(5),
    )
    .with_delivery(apixo::Delivery::Callback(apixo::CallbackDelivery::new("https://hooks.example.com/apixo")));
    assert!(c.submit(&req).await.is_err());
    assert_eq!(c.recover().await.unwrap().unknown.len(), 1);
    let sent = url::Url::parse(server.requests()[0].json()["callback_url"].as_str().unwrap()).unwrap();
    let receiver = WebhookReceiver::new(c.clone()).require_token(true);
    let d = receiver.receive(sent.query(), &delivery("t_lost", "success", GENUINE_URL)).await.unwrap();
    assert!(matches!(d, Delivery::First(_)));
    let r = c.recover().await.unwrap();
    assert!(r.unknown.is_empty(), "the delivery named the task the lost submit created");
    assert!(r.tasks.is_empty(), "and it is terminal");
    // Tokens required: a delivery for a task without one is refused.
    let e = receiver.receive(None, &delivery("t_other", "success", GENUINE_URL)).await.unwrap_err();
    assert!(matches!(e, Rejection::Forged { .. }), "{e}");
}
