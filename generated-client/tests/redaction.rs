//! The API key never appears in `Debug`, `Display`, error messages or logs: this test
//! captures all of them (tracing events and spans, `log` records from the HTTP stack, and
//! the formatting of clients, builders and errors) across successful and failing calls,
//! including a server that echoes the request headers back, and searches for the key.

mod support;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use happyhorse_client::runtime::{ApiKey, ManualClock, RetryPolicy, Task, WaitOptions};
use happyhorse_client::{apixo, modellix};
use serde_json::json;
use support::{Reply, Server};

const KEY: &str = "sk-live-SECRET-0123456789abcdef";

fn captured() -> &'static Mutex<String> {
    static OUT: OnceLock<Mutex<String>> = OnceLock::new();
    OUT.get_or_init(|| Mutex::new(String::new()))
}

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

/// Records every span and event, with all fields, at every level.
struct Capture;

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = captured().lock().unwrap();
        out.push_str(span.metadata().name());
        span.record(&mut Visitor(&mut out));
        out.push('\n');
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Visitor(&mut captured().lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = captured().lock().unwrap();
        event.record(&mut Visitor(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Records every `log` record (the HTTP stack logs through `log`).
struct LogCapture;

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let _ = writeln!(captured().lock().unwrap(), "{} {}", record.target(), record.args());
    }
    fn flush(&self) {}
}

fn note(text: String) {
    captured().lock().unwrap().push_str(&text);
    captured().lock().unwrap().push('\n');
}

#[tokio::test]
async fn the_key_appears_nowhere() {
    let _ = log::set_boxed_logger(Box::new(LogCapture)).map(|()| log::set_max_level(log::LevelFilter::Trace));
    let _guard = tracing::subscriber::set_default(Capture);

    let server = Server::start(
        vec![
            Reply::json(200, json!({"code": 200, "data": {"taskId": "t1"}})),
            Reply::Echo(500),
            Reply::Echo(401),
            Reply::Echo(200),
            Reply::json(200, json!({"code": 200, "data": {"taskId": "t1", "state": "processing"}})),
        ],
        Reply::Echo(503),
    )
    .await;
    let clock = ManualClock::default();
    let builder = apixo::Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy { max_attempts: 2, jitter: false, ..RetryPolicy::default() });
    note(format!("{builder:?}"));
    let client = builder.build().unwrap();
    note(format!("{client:?}"));
    note(format!("{:?}", ApiKey::new(KEY)));

    let req = apixo::SubmitRequest::new(apixo::TextToVideoInput::new("p"));
    let task = client.submit(&req).await.unwrap();
    note(format!("{task:?}"));
    // A 5xx echoing the request headers: an unknown outcome whose body holds the key.
    let e = client.submit(&req).await.unwrap_err();
    note(format!("{e}\n{e:?}"));
    // A 401 echoing the headers.
    let e = client.status("t1").await.unwrap_err();
    note(format!("{e}\n{e:?}"));
    // A 2xx echoing the headers: not JSON, a decode error with a snippet.
    let e = client.status("t1").await.unwrap_err();
    note(format!("{e}\n{e:?}"));
    // Waiting, then retries that run out.
    let status = client.wait(&task, WaitOptions::default().deadline(Duration::from_secs(40))).await;
    note(format!("{status:?}"));
    if let Err(e) = &status {
        note(format!("{e}"));
    }
    let e = client.wait(&Task::resume("t2", apixo::Mode::TextToVideo), WaitOptions::default()).await.unwrap_err();
    note(format!("{e}\n{e:?}"));

    // Configuration errors.
    let e = apixo::Client::builder().api_key(format!("{KEY}\n\u{7f}x")).build().unwrap_err();
    note(format!("{e}\n{e:?}"));
    let e = modellix::Client::builder().api_key(KEY).base_url("http://example.com").build().unwrap_err();
    note(format!("{e}\n{e:?}"));

    // The key did reach the server, so the search below is meaningful.
    assert_eq!(server.requests()[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let all = captured().lock().unwrap().clone();
    assert!(all.contains("<redacted>"), "the echoed key was redacted, not dropped silently:\n{all}");
    assert!(all.contains("t1"), "the capture holds the calls' output:\n{all}");
    assert!(!all.contains(KEY), "the API key leaked:\n{all}");
    assert!(!all.contains("SECRET-0123"), "part of the API key leaked:\n{all}");
}
