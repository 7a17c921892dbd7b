//! The runtime on the shapes of the golden matrix, over real HTTP on loopback (a scripted
//! server, `tests/support`), with a manual clock: nothing waits on the wall clock. Each test
//! names the golden case and the line of its synthetic doc copy it follows; what is proven is
//! the runtime's handling of the shape (an answer without an envelope, a text error code, a
//! `cancelled` state, a model tag at the top of the body, a field alias, webhooks of a
//! provider without an envelope), not any real provider's behaviour.

use std::sync::Arc;
use std::time::Duration;

use happyhorse_client::runtime::error::UnknownReason;
use happyhorse_client::runtime::provider::{Module as _, Provider};
use happyhorse_client::runtime::{
    Client, Delivery, Error, ErrorCode, ManualClock, PriceUnit, RetryPolicy, Task, TaskPhase, WaitOptions,
    WebhookReceiver,
};
use serde_json::json;

use crate::path_id_envelope as pathly;
use crate::support::{Reply, Server};
use crate::{flattened_model_aliases as flatline, model_tag_credits as tagline, no_envelope_string_errors as plainvid};

fn no_jitter() -> RetryPolicy {
    RetryPolicy { jitter: false, ..RetryPolicy::default() }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A client of the golden module `P` for the scripted server, on `clock`.
fn client_of<P: Provider>(server: &Server, clock: &ManualClock) -> Client<P> {
    Client::<P>::builder()
        .api_key("test-key")
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .retry(no_jitter())
        .build()
        .unwrap()
}

fn plainvid(server: &Server, clock: &ManualClock) -> plainvid::Client {
    client_of::<plainvid::Api>(server, clock)
}

/// plainvid-generations.md, "Errors": `{"error": {"code": ..., "message": ...}}`.
fn plainvid_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"error": {"code": code, "message": message}}))
}

#[tokio::test]
async fn without_an_envelope_a_2xx_answer_is_a_success_whatever_its_body_carries() {
    // plainvid: "only the HTTP status says whether a call succeeded". A `code` key in a 2xx
    // answer is an unknown field, not an error envelope.
    let created = Reply::json(200, json!({"id": "gen_1", "status": "queued", "code": 500}));
    let server =
        Server::start(vec![created], Reply::json(200, json!({"id": "gen_1", "status": "in_progress", "code": 7})))
            .await;
    let clock = ManualClock::default();
    let client = plainvid(&server, &clock);
    let task = client.submit(&plainvid::GenerationRequest::new("a lighthouse")).await.unwrap();
    assert_eq!(task.id, "gen_1");
    let status = client.status("gen_1").await.unwrap();
    assert_eq!(status.phase(), TaskPhase::Pending);
    assert_eq!(server.requests()[1].target, "/v1/generations/gen_1");

    // The same body shape under an envelope (pathly: "code 0 means success") is an error.
    let enveloped = Reply::json(200, json!({"code": 500, "message": "boom", "data": {"id": "vid_1"}}));
    let server = Server::start(vec![enveloped], Reply::raw(500, "")).await;
    let client = client_of::<pathly::Api>(&server, &ManualClock::default());
    let err = client.submit(&pathly::CreateVideo::new("a boat")).await.unwrap_err();
    let Error::SubmissionOutcomeUnknown(u) = &err else { panic!("expected an unknown outcome, got {err}") };
    assert_eq!((&u.reason, u.task_id.as_deref()), (&UnknownReason::UnexpectedEnvelope { code: 500 }, Some("vid_1")));
}

#[tokio::test]
async fn a_text_error_code_is_kept_and_the_http_status_picks_the_status_rule() {
    // plainvid "Errors": 400 invalid_request (fix), 429 rate_limited (retry with backoff).
    // The 400 below carries the code text `rate_limited`: the status, not the text, decides.
    let server = Server::start(vec![plainvid_error(400, "rate_limited", "slow down")], Reply::raw(500, "")).await;
    let err = plainvid(&server, &ManualClock::default())
        .submit(&plainvid::GenerationRequest::new("a lighthouse"))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else { panic!("expected an API error, got {err}") };
    assert_eq!(api.status, 400);
    assert_eq!(api.code, Some(ErrorCode::Text("rate_limited".into())));
    assert_eq!((api.meaning, api.retryable, api.not_accepted), (Some("invalid_request"), false, true));
    assert!(err.safe_to_resubmit());
    assert_eq!(server.count("POST"), 1, "a 400 is not retried, whatever its code says");
    assert!(err.to_string().contains("code rate_limited: slow down"), "{err}");

    // A 429 proves the request was not accepted: sent again after the backoff.
    let created = Reply::json(200, json!({"id": "gen_2", "status": "queued"}));
    let server =
        Server::start(vec![plainvid_error(429, "rate_limited", "slow down"), created], Reply::raw(500, "")).await;
    let clock = ManualClock::default();
    let task = plainvid(&server, &clock).submit(&plainvid::GenerationRequest::new("a lighthouse")).await.unwrap();
    assert_eq!((task.id.as_str(), server.count("POST")), ("gen_2", 2));
    assert_eq!(clock.sleeps(), [Duration::from_millis(500)]);

    // A status query answered 500 server_error is retried; the 429 row's decided bound (4
    // retries) caps a query answered 429 again and again.
    let server = Server::start(
        vec![plainvid_error(500, "server_error", "oops")],
        Reply::json(200, json!({"id": "gen_2", "status": "queued"})),
    )
    .await;
    assert!(plainvid(&server, &ManualClock::default()).status("gen_2").await.is_ok());
    assert_eq!(server.count("GET"), 2);
    let server = Server::start(vec![], plainvid_error(429, "rate_limited", "slow down")).await;
    let err = plainvid(&server, &ManualClock::default()).status("gen_2").await.unwrap_err();
    assert_eq!((server.count("GET"), err.is_retryable()), (5, true), "1 query and the 4 retries the decision allows");
}

#[tokio::test]
async fn a_cancelled_task_ends_the_wait_as_a_failure() {
    // plainvid "Read a generation": cancelled, "Cancelled before it finished; no video";
    // plainvid.toml gives it phase = "failed" (with a decision). First poll after 15 s, then
    // every 10 s.
    let queued = Reply::json(200, json!({"id": "gen_1", "status": "queued"}));
    let cancelled = Reply::json(200, json!({"id": "gen_1", "status": "cancelled"}));
    let server = Server::start(vec![queued], cancelled).await;
    let clock = ManualClock::default();
    let task = Task::resume("gen_1", plainvid::Mode::Default);
    let err = plainvid(&server, &clock).wait(&task, WaitOptions::default()).await.unwrap_err();
    let Error::TaskFailed(f) = &err else { panic!("expected a failed task, got {err}") };
    assert_eq!((f.task_id.as_str(), f.state.as_str(), f.retry_may_help), ("gen_1", "cancelled", false));
    assert_eq!(clock.sleeps(), [secs(15), secs(10)]);
    assert_eq!(server.count("GET"), 2, "the wait stops at the cancelled state");
}

#[tokio::test]
async fn a_model_tag_at_the_top_is_sent_as_is_and_the_task_polls_on_its_model_schedule() {
    // tagline: the top-level model field selects the model; happyhorse-1.0-i2v is polled
    // every 5-8 s from 40 s; prices are in credits.
    let accepted = Reply::json(200, json!({"code": 0, "message": "ok", "data": {"task_id": "t-1"}}));
    let done = Reply::json(
        200,
        json!({"code": 0, "message": "ok", "data": {"task_id": "t-1", "state": "succeed", "urls": ["https://cdn.tagline.example/t-1.mp4"]}}),
    );
    let server = Server::start(vec![accepted, done], Reply::raw(500, "")).await;
    let clock = ManualClock::default();
    let client = client_of::<tagline::Api>(&server, &clock);
    let request = tagline::VideoRequest::from(tagline::ImageToVideoVideoRequest::new(
        "https://example.com/fox.png",
        4,
        tagline::Resolution::P1080,
    ));
    let task = client.submit(&request).await.unwrap();
    assert_eq!((task.mode, task.polling.first_poll), ("happyhorse-1.0-i2v", secs(40)));
    let finished = client.wait(&task, WaitOptions::default()).await.unwrap();
    assert_eq!(finished.outputs().len(), 1);
    let reqs = server.requests();
    assert_eq!((reqs[0].target.as_str(), reqs[1].target.as_str()), ("/v1/videos", "/v1/tasks?id=t-1"));
    assert_eq!(
        reqs[0].json(),
        json!({"model": "happyhorse-1.0-i2v", "image": "https://example.com/fox.png", "duration": 4, "resolution": "1080p"})
    );
    // The estimate of the body as sent, through the module view tools use: in credits.
    let cost = tagline::Api.estimate("submit", &reqs[0].json(), &[]).unwrap().unwrap();
    assert_eq!(
        (cost.official.to_string(), cost.official.unit),
        ("40 credits".to_owned(), PriceUnit::Credits("credits"))
    );
}

#[tokio::test]
async fn a_field_read_under_its_alias_is_submitted_under_its_name() {
    // flatline: "The older name video_url is still accepted"; the client writes `video`.
    let created = Reply::json(200, json!({"job_id": "job_9", "status": "waiting"}));
    let server = Server::start(vec![created], Reply::raw(500, "")).await;
    let client = client_of::<flatline::Api>(&server, &ManualClock::default());
    let body: serde_json::Value = serde_json::from_str(flatline::examples::EDIT_JOB).unwrap();
    let job =
        flatline::CreateJob::from_json_value(&body).unwrap().with_callback_url("https://hooks.example.com/flatline");
    let task = client.submit(&job).await.unwrap();
    assert_eq!((task.id.as_str(), task.mode), ("job_9", "edit"));
    let sent = server.requests()[0].json();
    assert_eq!(sent["video"], "https://example.com/in.mp4");
    assert!(sent.get("video_url").is_none(), "one name on the wire: {sent}");
    // The callback URL, a top-level field next to the flattened model, carries the token.
    let url = sent["callback_url"].as_str().unwrap();
    assert!(url.starts_with("https://hooks.example.com/flatline?hh_token="), "{url}");
    assert_eq!(server.requests()[0].target, "/v1/jobs");
}

#[tokio::test]
async fn a_webhook_without_an_envelope_is_verified_and_acknowledged_by_any_2xx() {
    // flatline "Webhooks": the delivery has the shape of Get a job; any 2xx answer within
    // 10 s acknowledges it; otherwise it comes again after 10, 60 and 300 s.
    let done = json!({"job_id": "job_9", "status": "done", "result_urls": ["https://out.flatline.example/job_9.mp4"]});
    let server = Server::start(vec![], Reply::json(200, done.clone())).await;
    let client = client_of::<flatline::Api>(&server, &ManualClock::default());
    let receiver = WebhookReceiver::new(client);
    let body = done.to_string().into_bytes();
    let first = receiver.receive(None, &body).await.unwrap();
    assert!(matches!(&first, Delivery::First(s) if s.outputs().len() == 1), "{first:?}");
    assert!(matches!(receiver.receive(None, &body).await.unwrap(), Delivery::Repeat(_)));
    assert_eq!(server.requests()[0].target, "/v1/jobs/job_9", "every delivery is checked against Get a job");
    let rules = WebhookReceiver::<flatline::Api>::rules();
    assert!(rules.acknowledges(200) && rules.acknowledges(204) && !rules.acknowledges(302));
    let delays: Vec<u64> = (1..=4).filter_map(|n| rules.redelivery_delay(n)).map(|d| d.as_secs()).collect();
    assert_eq!(delays, [10, 60, 300]);
    // 370 s of delays and up to 10 s waiting on each of the 3 redeliveries: a delivery store
    // must remember a job this long to see every redelivery as a repeat.
    assert_eq!(rules.redelivery_window(), Some(secs(400)));
}
