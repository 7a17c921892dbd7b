//! Webhook deliveries (FACTS.md, APIXO webhooks: the payload has the status response's
//! shape; deliveries are retried up to 3 times, so one task can arrive more than once),
//! and result downloads over real HTTP on loopback.

mod support;

use happyhorse_client::apixo;
use happyhorse_client::runtime::{Delivery, DownloadError, DownloadOptions, TaskPhase, WebhookReceiver, download};
use serde_json::json;
use support::{Reply, Server};

fn payload(task: &str, state: &str) -> Vec<u8> {
    json!({"code": 200, "message": "success", "data": {"taskId": task, "state": state, "failCode": "CONTENT_VIOLATION",
        "failMsg": "blocked", "createTime": 1, "completeTime": 2}})
    .to_string()
    .into_bytes()
}

#[test]
fn webhook_deliveries_parse_like_polling_and_redeliveries_are_recognised() {
    let receiver: WebhookReceiver<apixo::Api> = WebhookReceiver::default();
    let first = receiver.receive(&payload("t1", "failed")).unwrap();
    let Delivery::First(status) = &first else { panic!("expected a first delivery") };
    assert_eq!(status.phase(), TaskPhase::Failed);
    // An undocumented fail code is kept, not rejected.
    assert_eq!(status.fail_code(), Some(&apixo::FailCode::Other("CONTENT_VIOLATION".into())));
    for _ in 0..3 {
        assert!(matches!(receiver.receive(&payload("t1", "failed")).unwrap(), Delivery::Repeat(_)));
    }
    assert!(matches!(receiver.receive(&payload("t2", "failed")).unwrap(), Delivery::First(_)));
    // Forgetting lets a redelivery be processed again (after a failed handling).
    receiver.forget(&first.into_inner());
    assert!(matches!(receiver.receive(&payload("t1", "failed")).unwrap(), Delivery::First(_)));
    let e = receiver.receive(b"{\"code\": 200}").unwrap_err();
    assert_eq!((e.path.as_str(), e.message.as_str()), ("data", "missing"));
    let rules = WebhookReceiver::<apixo::Api>::rules();
    assert_eq!((rules.ack_status, rules.ack_within.as_secs(), rules.max_redeliveries), (200, 30, 3));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hh-dl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn downloads_are_written_atomically_without_the_api_key() {
    let server = Server::start(vec![], Reply::raw(200, "fake mp4 bytes")).await;
    let dir = temp_dir("ok");
    let dest = dir.join("video.mp4");
    let got = download(&format!("{}/r/video.mp4", server.url()), &dest, &DownloadOptions::default()).await.unwrap();
    assert_eq!((got.bytes, std::fs::read_to_string(&dest).unwrap().as_str()), (14, "fake mp4 bytes"));
    assert_eq!(files(&dir), ["video.mp4"], "no temporary file is left");
    assert_eq!(server.requests()[0].header("authorization"), None, "result URLs never get the API key");

    // Never overwrites silently.
    let e = download(&format!("{}/r/video.mp4", server.url()), &dest, &DownloadOptions::default()).await.unwrap_err();
    assert!(matches!(e, DownloadError::Exists { .. }), "{e}");
    let opts = DownloadOptions { overwrite: true, ..DownloadOptions::default() };
    download(&format!("{}/r/video.mp4", server.url()), &dest, &opts).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn downloads_are_capped_and_leave_nothing_behind() {
    let server = Server::start(vec![], Reply::raw(200, &"x".repeat(5000))).await;
    let dir = temp_dir("big");
    let opts = DownloadOptions { max_bytes: 1000, ..DownloadOptions::default() };
    let e = download(&format!("{}/big", server.url()), &dir.join("v.mp4"), &opts).await.unwrap_err();
    assert!(matches!(e, DownloadError::TooLarge { limit: 1000, .. }), "{e}");
    assert_eq!(files(&dir), Vec::<String>::new());
    let server = Server::start(vec![], Reply::raw(404, "gone")).await;
    let e = download(&format!("{}/expired", server.url()), &dir.join("v.mp4"), &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, DownloadError::Http { status: 404, .. }), "{e}");
    assert_eq!(files(&dir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn downloads_refuse_plain_http_off_loopback() {
    let dir = temp_dir("http");
    for url in ["http://cdn.example.com/v.mp4", "ftp://cdn.example.com/v.mp4", "not a url"] {
        let e = download(url, &dir.join("v.mp4"), &DownloadOptions::default()).await.unwrap_err();
        assert!(matches!(e, DownloadError::Url { .. }), "{url}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
