//! The task journal over real HTTP on loopback and real files: the intent is on disk before
//! the POST, the outcome after; a body whose outcome is unknown is refused until resolved
//! or explicitly overridden; `recover()` lists what to resume and what to resolve; a torn
//! last line is skipped; callback URLs get a per-task token kept in the journal.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use happyhorse_client::apixo;
use happyhorse_client::runtime::journal::{FileJournal, Record, TaskJournal};
use happyhorse_client::runtime::{Error, ManualClock, Resolution, RetryPolicy, SubmitOptions, WaitOptions};
use serde_json::{Value, json};
use support::{Reply, Server};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hh-journal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("journal.jsonl")
}

fn client(server: &Server, journal: &Path) -> apixo::Client {
    apixo::Client::builder()
        .api_key("test-key")
        .base_url(server.url())
        .clock(Arc::new(ManualClock::default()))
        .retry(RetryPolicy { jitter: false, ..RetryPolicy::default() })
        .journal_file(journal)
        .unwrap()
        .build()
        .unwrap()
}

fn request(prompt: &str) -> apixo::SubmitRequest {
    apixo::SubmitRequest::new(
        apixo::TextToVideoInput::new(prompt).with_resolution(apixo::Resolution::P720).with_duration(5),
    )
}

fn accepted(id: &str) -> Reply {
    Reply::json(200, json!({"code": 200, "message": "success", "data": {"taskId": id}}))
}

fn lines(journal: &Path) -> Vec<Value> {
    std::fs::read_to_string(journal).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn the_intent_is_recorded_before_the_post_and_the_outcome_after() {
    let journal = temp("order");
    let gate = support::Gate::new();
    let server =
        Server::start(vec![Reply::Gate(gate.clone(), Box::new(accepted("task_1")))], Reply::raw(500, "")).await;
    let c = client(&server, &journal);
    let submitting = {
        let c = c.clone();
        tokio::spawn(async move { c.submit(&request("a rainy night")).await })
    };
    server.requests_seen(1).await;
    // The server holds the request: the intent is already on disk, the outcome is not.
    let before = lines(&journal);
    assert_eq!(before.len(), 1);
    assert_eq!((before[0]["kind"].as_str(), before[0]["provider"].as_str()), (Some("intent"), Some("apixo")));
    assert_eq!(before[0]["mode"], "text-to-video");
    assert_eq!(before[0]["fingerprint"].as_str().map(str::len), Some(64));
    gate.open();
    let task = submitting.await.unwrap().unwrap();
    let after = lines(&journal);
    assert_eq!(after.len(), 2);
    assert_eq!((after[1]["kind"].as_str(), after[1]["result"].as_str()), (Some("outcome"), Some("accepted")));
    assert_eq!(
        (after[1]["submission"].clone(), after[1]["task_id"].as_str()),
        (before[0]["submission"].clone(), Some("task_1"))
    );
    assert_eq!(task.submission(), before[0]["submission"].as_str());
}

#[tokio::test]
async fn an_unknown_outcome_blocks_the_same_body_until_resolved_or_overridden() {
    let journal = temp("block");
    let server = Server::start(vec![Reply::raw(502, "bad gateway")], accepted("task_2")).await;
    let c = client(&server, &journal);
    let err = c.submit(&request("a rainy night")).await.unwrap_err();
    assert!(matches!(err, Error::SubmissionOutcomeUnknown(_)), "{err}");

    // The same body again: refused, nothing sent.
    let err = c.submit(&request("a rainy night")).await.unwrap_err();
    let Error::DuplicateRefused(d) = &err else { panic!("expected a refusal, got {err}") };
    assert!(d.reason.contains("unknown") && d.reason.contains("502"), "{}", d.reason);
    assert!(!err.safe_to_resubmit());
    assert!(err.to_string().contains("resubmit_unknown"), "{err}");
    assert_eq!(server.count("POST"), 1);

    // Another body is not blocked.
    c.submit(&request("a sunny day")).await.unwrap();
    assert_eq!(server.count("POST"), 2);

    // recover() lists it; a fresh client (a restart) on the same file sees the same.
    let restarted = client(&server, &journal);
    let r = restarted.recover().await.unwrap();
    assert_eq!(r.unknown.len(), 1);
    assert_eq!(r.unknown[0].submission, d.submission);
    assert_eq!(r.tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["task_2"]);
    assert!(matches!(restarted.submit(&request("a rainy night")).await, Err(Error::DuplicateRefused(_))));

    // An explicit override sends it.
    restarted.submit_with(&request("a rainy night"), SubmitOptions::new().resubmit_unknown()).await.unwrap();
    assert_eq!(server.count("POST"), 3);

    // Resolving: it did create a task, found in the provider's console.
    restarted.resolve_unknown(&d.submission, Resolution::Created("task_found".into())).await.unwrap();
    let r = restarted.recover().await.unwrap();
    assert!(r.unknown.is_empty());
    let mut ids: Vec<&str> = r.tasks.iter().map(|t| t.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["task_2", "task_found"], "one entry per task id");
    // The body is free again.
    c.submit(&request("a rainy night")).await.unwrap();
}

#[tokio::test]
async fn a_rejection_does_not_block_and_resolving_not_created_frees_the_body() {
    let journal = temp("reject");
    let server = Server::start(
        vec![Reply::json(402, json!({"code": 402, "message": "Insufficient balance"})), Reply::DropAfterRead],
        accepted("task_3"),
    )
    .await;
    let c = client(&server, &journal);
    assert!(c.submit(&request("p")).await.unwrap_err().safe_to_resubmit());
    // 402 proved no task: the same body may go again. This time the connection drops.
    assert!(matches!(c.submit(&request("p")).await, Err(Error::SubmissionOutcomeUnknown(_))));
    let r = c.recover().await.unwrap();
    assert_eq!(r.unknown.len(), 1);
    c.resolve_unknown(&r.unknown[0].submission, Resolution::NotCreated).await.unwrap();
    assert!(c.recover().await.unwrap().unknown.is_empty());
    assert_eq!(c.submit(&request("p")).await.unwrap().id, "task_3");
    assert!(matches!(c.resolve_unknown("no-such-submission", Resolution::NotCreated).await, Err(Error::Config { .. })));
}

#[tokio::test]
async fn terminal_states_end_recovery_and_a_torn_last_line_is_skipped() {
    let journal = temp("torn");
    let server = Server::start(
        vec![accepted("task_4"), accepted("task_5")],
        Reply::json(
            200,
            json!({"code": 200, "data": {"taskId": "task_4", "state": "success",
            "resultJson": "{\"resultUrls\":[\"https://r2.example/v.mp4\"]}"}}),
        ),
    )
    .await;
    let c = client(&server, &journal);
    let t4 = c.submit(&request("four")).await.unwrap();
    c.submit(&request("five")).await.unwrap();
    c.wait(&t4, WaitOptions::default()).await.unwrap();
    // A crash in the middle of an append leaves a line without its newline.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&journal).unwrap();
        f.write_all(b"{\"v\":1,\"kind\":\"outcome\",\"submiss").unwrap();
    }
    let restarted = client(&server, &journal);
    let r = restarted.recover().await.unwrap();
    assert_eq!(r.tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["task_5"], "task_4 reached success");
    assert_eq!(r.tasks[0].mode, "text-to-video");
    assert_eq!(r.skipped_entries, 0, "an incomplete last line is not read at all");
    // Only unknown outcomes can be resolved.
    let err = restarted.resolve_unknown(r.tasks[0].submission().unwrap(), Resolution::NotCreated).await.unwrap_err();
    assert!(err.to_string().contains("not unknown"), "{err}");
    // The next append starts on a fresh line: the fragment becomes one unreadable line.
    restarted.submit(&request("six")).await.unwrap();
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("\"submiss\n{\"at_ms\""), "{text}");
    let again = client(&server, &journal).recover().await.unwrap();
    assert_eq!(again.skipped_entries, 1);
    let store = FileJournal::open(&journal).unwrap();
    let batch = store.read_since(0).await.unwrap();
    assert_eq!(batch.skipped, 1);
    assert!(matches!(batch.records.last(), Some(Record::Outcome { .. })));
}

#[tokio::test]
async fn callback_urls_get_a_per_task_token_kept_in_the_journal() {
    let journal = temp("token");
    let server = Server::start(vec![accepted("task_6")], Reply::raw(500, "")).await;
    let c = client(&server, &journal);
    let req = request("cb").with_delivery(apixo::Delivery::Callback(apixo::CallbackDelivery::new(
        "https://hooks.example.com/apixo?tenant=7",
    )));
    c.submit(&req).await.unwrap();
    let sent = server.requests()[0].json();
    let url = url::Url::parse(sent["callback_url"].as_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    assert_eq!(pairs[0], ("tenant".to_owned(), "7".to_owned()), "the caller's query is kept");
    assert_eq!(pairs[1].0, "hh_token");
    assert_eq!(pairs[1].1.len(), 64);
    let intent = &lines(&journal)[0];
    assert_eq!(intent["token"].as_str(), Some(pairs[1].1.as_str()));
    // The fingerprint is of the body as validated (without the token): the same body
    // submitted with another random token has the same fingerprint.
    let fp = happyhorse_client::runtime::token::fingerprint(
        "apixo",
        &happyhorse_client::runtime::provider::SubmitBody::body(&req),
    );
    assert_eq!(intent["fingerprint"].as_str(), Some(fp.as_str()));
}

#[tokio::test]
async fn recover_without_a_journal_says_how_to_get_one() {
    let server = Server::start(vec![], Reply::raw(500, "")).await;
    let c = apixo::Client::builder().api_key("k").base_url(server.url()).build().unwrap();
    let err = c.recover().await.unwrap_err();
    assert!(err.to_string().contains("journal_file"), "{err}");
}
